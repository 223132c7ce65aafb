#!/usr/bin/env python3
"""End-to-end tests of `bottleneck-cli train --project` / `--continue` (TAP).

Usage: test-cli-project.py PATH/TO/bottleneck-cli

A run trained for 2 epochs, saved as a project and continued for 1 more must
be bit for bit the 3-epoch run (weights, loss history, trainer state), for the
constant, step and plateau schedules, also after Ctrl+C in mid-epoch; bad
projects and conflicting flags are refused with one line on stderr and
nothing written. Needs Fashion-MNIST at $BTL_DATA_DIR (the Ctrl+C test);
tiny models on 600 synthetic images otherwise.
"""
import json
import os
import signal
import struct
import subprocess
import sys
import time
import zlib

import clitap
from clitap import (check, check_exit, check_one_line_error, json_lines, run, test, tmp,
                    write_mini_idx)

def base():
    """Small and fast: 600 synthetic images (Fashion-MNIST would evaluate
    10,000 test images after every epoch); 10 steps an epoch."""
    d = tmp("idx")
    if not os.path.isdir(d):
        write_mini_idx(d, 600)
    return ["--data", d, "--arch", "784-32-8", "--batch", "50", "--limit", "600", "--threads", "1"]


def chunks(data):
    """[(tag, payload)] of a .btl or .btlproj (the shared chunk frame)."""
    out, pos = [], 20
    while pos + 12 <= len(data) - 4:
        tag = data[pos:pos + 4]
        n = struct.unpack_from("<Q", data, pos + 4)[0]
        out.append((tag, data[pos + 12:pos + 12 + n]))
        pos += 12 + n
    return out


def frame(magic, parts):
    """A chunk file from [(tag, payload)] (ending in "END "), CRC-32 last."""
    body = b"".join(tag + struct.pack("<Q", len(p)) + p for tag, p in parts)
    head = magic + struct.pack("<IQ", 1, 20 + len(body) + 4)
    data = head + body
    return data + struct.pack("<I", zlib.crc32(data) & 0xffffffff)


def project_parts(path):
    with open(path, "rb") as f:
        data = f.read()
    check(data[:8] == b"BTLPROJF", f"{path} is not a project")
    parts = dict(chunks(data))
    model = dict(chunks(parts[b"MODL"]))
    state = parts.get(b"TRST")
    if state is not None:
        # Bytes 128..131 count the epochs since the best, for early stopping,
        # which counts its patience per run (nn_trainer_run starts it at 0:
        # README); bytes 144..151 are the throughput (samples/s, display only).
        state = state[:128] + state[132:144] + state[152:]
    return {"weights": model[b"PARM"], "stats": model.get(b"STAT"),
            "history": parts[b"HIST"], "state": state}


def step_rows(csv_path):
    with open(csv_path) as f:
        return [l.split(",")[:7] for l in f if l.startswith("step,")]


def same_run(a, b, what):
    pa, pb = project_parts(a), project_parts(b)
    for key in ("weights", "stats", "history", "state"):
        check(pa[key] == pb[key], f"{what}: the {key} differ between {a} and {b}")


def train(*args, what="train"):
    rc, out, err = run("train", *args)
    check_exit(rc, 0, out, err, what)
    return out


# --------------------------------------------------------------- continue = never stopped

SCHEDULES = {
    # denoising + dropout: the noise and dropout streams must go on too
    "constant": ["--kind", "denoising", "--noise", "gaussian:0.2", "--dropout", "0.1"],
    # a VAE: the sampling stream; the lr halves each epoch
    "step": ["--kind", "vae", "--schedule", "step", "--lr-step", "1", "--lr-gamma", "0.5"],
    # SGD with momentum; plateau patience 1 with a factor that shows
    "plateau": ["--optimizer", "sgd", "--lr", "0.05", "--momentum", "0.9",
                "--schedule", "plateau", "--lr-step", "1", "--lr-gamma", "0.3"],
}


def continue_equals_uninterrupted(name):
    extra = SCHEDULES[name] + ["--seed", "7"]
    full, half, cont = tmp(f"{name}-3.btlproj"), tmp(f"{name}-2.btlproj"), tmp(f"{name}-2+1.btlproj")
    train(*base(), *extra, "--epochs", "3", "--project", full, "--log", tmp(f"{name}-3.csv"),
          what=f"{name}: 3 epochs")
    train(*base(), *extra, "--epochs", "2", "--project", half, what=f"{name}: 2 epochs")
    out = train("--continue", half, "--epochs", "1", "--project", cont,
                "--out", tmp(f"{name}-2+1.btl"), "--log", tmp(f"{name}-2+1.csv"), "--json",
                what=f"{name}: continue 1")
    objs = [json.loads(l) for l in out.splitlines()]
    check([o["epoch"] for o in objs if o["type"] == "epoch"] == [3],
          f"{name}: the continued run's epochs: {objs}")
    summary = objs[-1]
    check(summary["epochs"] == 3 and summary["steps"] == 30 and summary["steps_run"] == 10,
          f"{name}: summary {summary}")
    check(summary["continued_from"] == half, f"{name}: continued_from {summary}")
    same_run(full, cont, f"{name}: 2 + 1 epochs vs 3")
    check(step_rows(tmp(f"{name}-3.csv"))[20:] == step_rows(tmp(f"{name}-2+1.csv")),
          f"{name}: the continued steps' losses differ from the 3-epoch run's")
    # The .btl written by the continued run has the same weights.
    with open(tmp(f"{name}-2+1.btl"), "rb") as f:
        check(dict(chunks(f.read()))[b"PARM"] == project_parts(full)["weights"],
              f"{name}: --out's weights differ")


@test
def continue_constant_schedule():
    continue_equals_uninterrupted("constant")


@test
def continue_step_schedule():
    continue_equals_uninterrupted("step")
    # Three runs of one epoch each, continuing in place, are the same again.
    one = tmp("step-1+1+1.btlproj")
    train(*base(), *SCHEDULES["step"], "--seed", "7", "--epochs", "1", "--project", one)
    for _ in range(2):
        train("--continue", one, "--epochs", "1", "--project", one, what="continue in place")
    same_run(tmp("step-3.btlproj"), one, "1 + 1 + 1 epochs vs 3")


@test
def continue_plateau_schedule():
    continue_equals_uninterrupted("plateau")


@test
def ctrl_c_mid_epoch_then_continue():
    """Interrupted anywhere, the project continues as if never stopped."""
    proj = tmp("interrupted.btlproj")
    args = ["--arch", "784-32-8", "--batch", "20", "--limit", "3000", "--threads", "1",
            "--seed", "5", "--schedule", "step", "--lr-step", "1", "--lr-gamma", "0.7"]
    proc = subprocess.Popen([clitap.CLI, "train", *args, "--epochs", "500", "--json", "--project", proj],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()
        check(json.loads(first).get("type") == "epoch", f"first line {first!r}")
        time.sleep(0.05)   # into the second epoch
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    check_exit(proc.returncode, 130, out, err, "train --project interrupted")
    check("--continue" in err, f"stderr does not say how to go on: {err!r}")
    last = json_lines(out, "interrupted train --json")[-1]
    check(last["type"] == "interrupted" and last["project"] == proj and last["step"] > 0,
          f"no 'interrupted' object last: {last}")
    rc, out, err = run("info", proj, "--json")
    check_exit(rc, 0, out, err, "info on the interrupted project")
    info = json.loads(out)
    check(info["optimizer_state"], f"no trainer state in {info}")
    done, step = info["optimizer_state_epoch"], info["optimizer_state_step"]
    steps_per_epoch = 2700 // 20
    check(step >= steps_per_epoch, f"stopped at step {step}, before the first epoch ended")
    # To the end of the epoch in progress (or the next one when it stopped
    # on an epoch's end), then compare with a run of that many epochs.
    rc, out, err = run("train", "--continue", proj, "--epochs", "1", "--project", proj, "--json")
    check_exit(rc, 0, out, err, "continue the interrupted project")
    total = done + 1
    check(json.loads(out.splitlines()[-1])["epochs"] == total, f"summary {out.splitlines()[-1]}")
    ref = tmp("uninterrupted.btlproj")
    train(*args, "--epochs", str(total), "--project", ref, what=f"{total} epochs at once")
    same_run(ref, proj, f"interrupted at step {step} and continued vs {total} epochs at once")


@test
def continue_picture_folder():
    """A folder's tiles are cut again as in the run (size, colours, seed)."""
    d = tmp("pictures")
    os.makedirs(d)
    for i in range(8):
        write_rgb_png(os.path.join(d, f"p{i}.png"), 24, 20, i)
    args = ["--data", d, "--tile", "8", "--channels", "3", "--arch", "192-16", "--batch", "16",
            "--threads", "1", "--seed", "3"]
    full, half = tmp("pics-3.btlproj"), tmp("pics-2.btlproj")
    train(*args, "--epochs", "3", "--project", full, what="pictures: 3 epochs")
    train(*args, "--epochs", "2", "--project", half, what="pictures: 2 epochs")
    # From another directory: the project holds the folder's absolute path.
    proc = subprocess.run([clitap.CLI, "train", "--continue", os.path.abspath(half), "--epochs", "1",
                           "--project", half], capture_output=True, text=True, cwd="/")
    check_exit(proc.returncode, 0, proc.stdout, proc.stderr, "pictures: continue")
    same_run(full, half, "pictures: 2 + 1 epochs vs 3")


@test
def cosine_and_patience_say_so():
    """They continue, with a note on stderr that one longer run would differ."""
    proj = tmp("cosine.btlproj")
    train(*base(), "--epochs", "1", "--schedule", "cosine", "--patience", "3", "--project", proj)
    rc, out, err = run("train", "--continue", proj, "--epochs", "1")
    check_exit(rc, 0, out, err, "continue a cosine run")
    check("cosine" in err and "patience" in err, f"no notes: {err!r}")
    rc, out, err = run("train", "--continue", a_project(), "--epochs", "1")
    check_exit(rc, 0, out, err, "continue a constant run")
    check(err.strip() == "", f"notes for a constant run: {err!r}")
    # Other BLAS threads than the run's (it used 1).
    rc, out, err = run("train", "--continue", a_project(), "--epochs", "1", "--threads", "2")
    check_exit(rc, 0, out, err, "continue on 2 threads")
    check("BLAS thread" in err, f"no note about the threads: {err!r}")


@test
def project_as_model():
    """--model takes a project as well as a model file: the same weights."""
    proj = a_project()
    m = tmp("base.btl")
    pic = tmp("pictures", "p0.png") if os.path.exists(tmp("pictures", "p0.png")) else None
    for args in (["eval", "--data", base()[1], "--json"],
                 ["encode", "--data", base()[1], "test:0", "test:3", "--json"]):
        results = []
        for model in (m, proj):
            rc, out, err = run(args[0], "--model", model, *args[1:])
            check_exit(rc, 0, out, err, f"{args[0]} --model {os.path.basename(model)}")
            doc = json_lines(out, args[0])[0]
            doc.pop("model", None)
            for key in ("file", "seconds"):
                doc.pop(key, None)
            results.append(doc)
        check(results[0] == results[1], f"{args[0]}: the project and the model differ:\n{results}")
    if pic is not None:
        rc, out, err = run("compress", "--model", proj, pic, tmp("p.btlz"))
        check_exit(rc, 0, out, err, "compress --model PROJECT")
        rc, out, err = run("decompress", "--model", m, tmp("p.btlz"), tmp("p.png"))
        check_exit(rc, 0, out, err, "decompress with the .btl of the same run")
    rc, out, err = run("eval", "--model", tmp("truncated.btlproj") if os.path.exists(tmp("truncated.btlproj"))
                       else proj + ".missing")
    check_one_line_error(rc, 1, out, err, "eval --model a damaged project")


def write_rgb_png(path, width, height, seed):
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    rows = b"".join(b"\x00" + bytes(((x * 7 + y * 3 + seed * 31 + c * 50) * 5) % 256
                                    for x in range(width) for c in range(3))
                    for y in range(height))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(rows)))
        f.write(chunk(b"IEND", b""))


# --------------------------------------------------------------- refusals

def a_project():
    path = tmp("base.btlproj")
    if not os.path.exists(path):
        train(*base(), "--epochs", "1", "--project", path, "--out", tmp("base.btl"))
    return path


def rewrite_project(src, dst, change):
    with open(src, "rb") as f:
        parts = chunks(f.read())
    with open(dst, "wb") as f:
        f.write(frame(b"BTLPROJF", change(parts)))


def refused(args, code, what, expect=None):
    """Refused with one line; neither output file appears."""
    outs = [tmp("never.btl"), tmp("never.btlproj")]
    rc, out, err = run("train", *args, "--out", outs[0], "--project", outs[1])
    line = check_one_line_error(rc, code, out, err, what)
    if expect is not None:
        check(expect in line, f"{what}: {line!r} lacks {expect!r}")
    for path in outs:
        check(not os.path.exists(path), f"{what}: {path} was written")
    leftovers = [n for n in os.listdir(clitap.TMP) if n.startswith("never")]
    check(leftovers == [], f"{what}: left {leftovers}")
    return line


@test
def continue_refusals():
    proj = a_project()
    refused(["--continue", tmp("base.btl")], 1, "a model file", "not a project")
    refused(["--continue", tmp("missing.btlproj")], 1, "a missing file")
    no_state = tmp("no-state.btlproj")
    rewrite_project(proj, no_state, lambda parts: [p for p in parts if p[0] != b"TRST"])
    refused(["--continue", no_state], 1, "a project without trainer state", "no trainer state")

    def damage(parts):
        out = []
        for tag, payload in parts:
            if tag == b"TRST":
                payload = payload[:4] + struct.pack("<I", 99) + payload[8:]   # version 99
            out.append((tag, payload))
        return out
    bad_state = tmp("bad-state.btlproj")
    rewrite_project(proj, bad_state, damage)
    refused(["--continue", bad_state], 1, "a damaged trainer state", "trainer state")
    with open(proj, "rb") as f:
        data = f.read()
    for name, blob in (("truncated", data[:len(data) // 2]),
                       ("flipped", data[:300] + bytes([data[300] ^ 1]) + data[301:]),
                       ("empty", b"")):
        path = tmp(f"{name}.btlproj")
        with open(path, "wb") as f:
            f.write(blob)
        refused(["--continue", path], 1, f"a {name} project")

    # Flags that would change the configuration or the data's cut: usage errors.
    for flags in (["--arch", "784-16-4"], ["--lr", "0.1"], ["--kind", "vae"], ["--seed", "2"],
                  ["--batch", "10"], ["--limit", "100"], ["--tile", "8"], ["--channels", "1"],
                  ["--schedule", "cosine"]):
        line = refused(["--continue", proj, *flags], 2, f"--continue with {flags[0]}",
                       "cannot be used with --continue")
        check(flags[0] in line, f"{line!r} does not name {flags[0]}")
    refused(["--continue"], 2, "--continue without a file")

    # Another data set (other rows): the state does not fit.
    idx = tmp("other-idx")
    write_mini_idx(idx, 200)
    refused(["--continue", proj, "--data", idx], 1, "another data set", "does not fit")


@test
def out_and_project_checks():
    proj = a_project()
    rc, out, err = run("train", "--continue", proj, "--out", tmp("same"), "--project", tmp("same"))
    check_one_line_error(rc, 2, out, err, "--out and --project the same file")
    rc, out, err = run("train", "--continue", proj, "--project", tmp("no/such/dir/x.btlproj"))
    check_one_line_error(rc, 1, out, err, "--project in a missing folder")
    # A continue that saves nothing still works and leaves the project alone.
    with open(proj, "rb") as f:
        before = f.read()
    rc, out, err = run("train", "--continue", proj, "--epochs", "1")
    check_exit(rc, 0, out, err, "continue without outputs")
    check("epoch 2/2" in out, f"text output:\n{out}")
    with open(proj, "rb") as f:
        check(f.read() == before, "the project changed without --project")
    # --help names both flags.
    rc, out, err = run("train", "--help")
    check("--continue" in out and "--project" in out, "train --help lacks --continue/--project")


# --------------------------------------------------------------- main

if __name__ == "__main__":
    sys.exit(clitap.main("test-cli-project.py"))
