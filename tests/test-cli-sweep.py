#!/usr/bin/env python3
"""The general cases a script author meets on someone else's data (TAP).

Usage: test-cli-sweep.py PATH/TO/bottleneck-cli

Batch sizes of 1, 7 and larger than the data set, odd architectures, seeds
and threads; compress/decompress/compare/rd on odd pictures (1×1, 3×5,
16-bit, grey, grey+alpha, palette, RGBA, very wide and tall, EXIF-rotated
JPEG); models trained on a folder of pictures with their own tile size used
by eval/anomalies/encode/compare; outputs in missing folders or places no
file can be created; --json valid JSON even for file names that are not
UTF-8. Needs Fashion-MNIST at $BTL_DATA_DIR; tiny models, about 15 s.
"""
import json
import os
import struct
import subprocess
import sys
import time
import zlib

import clitap
from clitap import (check, check_exit, check_one_line_error, json_lines, run, test, tmp,
                    write_mini_idx)

MODELS = {}


def png(path, w, h, ctype, depth, pixel, plte=None):
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    rows = b"".join(b"\x00" + b"".join(pixel(x, y) for x in range(w)) for y in range(h))
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, 0))
    if plte:
        data += chunk(b"PLTE", plte)
    data += chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(data)


def rgb(x, y):
    return bytes([(x * 40) % 256, (y * 60) % 256, 128])


def odd_pictures():
    d = tmp("odd")
    if os.path.isdir(d):
        return d
    os.makedirs(d)
    png(f"{d}/1x1.png", 1, 1, 2, 8, rgb)
    png(f"{d}/3x5.png", 3, 5, 2, 8, rgb)
    png(f"{d}/rgb16.png", 40, 30, 2, 16, lambda x, y: struct.pack(">HHH", x * 1600, y * 2000, 30000))
    png(f"{d}/gray16.png", 40, 30, 0, 16, lambda x, y: struct.pack(">H", (x * y * 50) % 65536))
    png(f"{d}/gray.png", 64, 48, 0, 8, lambda x, y: bytes([(x * 4) % 256]))
    png(f"{d}/grayalpha.png", 64, 48, 4, 8, lambda x, y: bytes([(x * 4) % 256, (y * 5) % 256]))
    png(f"{d}/rgba.png", 50, 50, 6, 8, lambda x, y: bytes([x * 5, y * 5, 0, 0 if x < 10 else 255]))
    png(f"{d}/palette.png", 33, 21, 3, 8, lambda x, y: bytes([(x + y) % 4]),
        plte=bytes([0, 0, 0, 255, 0, 0, 0, 255, 0, 255, 255, 255]))
    png(f"{d}/tall.png", 7, 300, 2, 8, rgb)
    png(f"{d}/wide.png", 500, 9, 2, 8, rgb)
    return d


def picture_folder():
    """10 RGB pictures for a model on 16×16 tiles (not the 32×32 default)."""
    d = tmp("pictures")
    if not os.path.isdir(d):
        os.makedirs(d)
        for i in range(10):
            png(f"{d}/p{i}.png", 64, 48, 2, 8,
                lambda x, y, i=i: bytes(((x * 7 + y * 3 + i * 31 + c * 50) * 5) % 256 for c in range(3)))
    return d


def mini_idx():
    d = tmp("idx")
    if not os.path.isdir(d):
        write_mini_idx(d, 300, 50)
    return d


def model(kind):
    if kind in MODELS:
        return MODELS[kind]
    path = tmp(f"{kind}.btl")
    if kind == "gray":
        args = ["--data", mini_idx(), "--arch", "784-32-8"]
    else:
        args = ["--data", picture_folder(), "--tile", "16", "--arch", "768-16"]
    rc, out, err = run("train", *args, "--epochs", "1", "--threads", "1", "--out", path)
    check_exit(rc, 0, out, err, f"train the {kind} model")
    MODELS[kind] = path
    return path


# --------------------------------------------------------------- training

@test
def batch_sizes_and_limits():
    """Batch 1, 7, larger than the data set; a data set smaller than a batch."""
    for batch, limit, steps in (("1", "50", 45), ("7", "100", 12), ("3000", "600", 1),
                                ("128", "5", 1)):
        rc, out, err = run("train", "--data", mini_idx(), "--limit", limit, "--batch", batch,
                           "--epochs", "1", "--arch", "784-8", "--threads", "1", "--json")
        check_exit(rc, 0, out, err, f"--batch {batch} --limit {limit}")
        s = json_lines(out, "train")[-1]
        check(s["steps"] == steps, f"--batch {batch} --limit {limit}: {s['steps']} steps, wanted {steps}")
        check(s["samples_per_s"] > 0, f"--batch {batch} --limit {limit}: {s}")
    # bench times whole batches: a data set smaller than one is refused
    # (it reported 1,584 % of the sgemm ceiling for a batch that never ran).
    rc, out, err = run("bench", "--data", mini_idx(), "--arch", "784-8", "--steps", "2",
                       "--batch", "301")
    check_one_line_error(rc, 1, out, err, "bench --batch 301 on 300 images")
    rc, out, err = run("bench", "--data", mini_idx(), "--arch", "784-8", "--steps", "2",
                       "--warmup", "0", "--batch", "300", "--json", "--ceiling-time", "0.05")
    check_exit(rc, 0, out, err, "bench --batch 300 on 300 images")


@test
def odd_architectures():
    ok = (["--arch", "784-1"], ["--arch", "784-2048-2"], ["--arch", "c4k3s2,d4"],
          ["--arch", "c4k5s2p2,c8k3s2,d4", "--batch-norm", "true"], ["--arch", "c4k3s5,d4"],
          ["--kind", "vae", "--arch", "784-1"], ["--kind", "vae", "--arch", "c4k3s2,d4"],
          ["--kind", "denoising", "--noise", "mask:0.5", "--arch", "784-8"],
          ["--kind", "sparse", "--sparsity", "kl:0.05,1", "--arch", "784-8"])
    for args in ok:
        rc, out, err = run("train", "--data", mini_idx(), "--epochs", "1", "--threads", "1", *args)
        check_exit(rc, 0, out, err, f"train {' '.join(args)}")
    bad = (["--arch", "784"], ["--arch", "784-0"], ["--arch", "100-8"], ["--arch", "cXk3"],
           ["--arch", "784-8-"], ["--kind", "denoising", "--arch", "784-8"],
           ["--kind", "sparse", "--arch", "784-8"], ["--batch", "0"], ["--threads", "-1"],
           ["--seed", "-1"])
    for args in bad:
        rc, out, err = run("train", "--data", mini_idx(), "--epochs", "1", *args)
        check_one_line_error(rc, 2, out, err, f"train {' '.join(args)}")
    # Pictures of another size and the default (Fashion-MNIST) architecture:
    # the message says what would fit.
    rc, out, err = run("train", "--data", picture_folder(), "--tile", "8", "--epochs", "1")
    line = check_one_line_error(rc, 2, out, err, "train on 8×8 tiles with the default --arch")
    check("--arch 192-" in line, f"no --arch that fits in {line!r}")


@test
def seeds_and_threads_reproduce():
    def losses(*extra):
        log = tmp("seed.csv")
        rc, out, err = run("train", "--data", mini_idx(), "--epochs", "1", "--arch", "784-64-8",
                           "--batch", "16", "--log", log, *extra)
        check_exit(rc, 0, out, err, f"train {extra}")
        with open(log) as f:
            return [l.split(",")[3] for l in f if l.startswith("step,")]
    for threads in ("1", "2", "0"):
        a = losses("--seed", "5", "--threads", threads)
        check(a == losses("--seed", "5", "--threads", threads),
              f"--seed 5 --threads {threads}: two runs differ")
    check(losses("--seed", "5", "--threads", "1") != losses("--seed", "6", "--threads", "1"),
          "--seed 5 and --seed 6 give the same losses")


# --------------------------------------------------------------- pictures

@test
def codec_on_odd_pictures():
    d = odd_pictures()
    for kind in ("gray", "rgb"):
        m = model(kind)
        for name in sorted(os.listdir(d)):
            src = os.path.join(d, name)
            btlz, dec = tmp(f"{kind}-{name}.btlz"), tmp(f"{kind}-{name}.png")
            for mode in ("tiles", "fit"):
                rc, out, err = run("compress", "--model", m, src, btlz, "--mode", mode, "--json")
                check_exit(rc, 0, out, err, f"compress {kind} {name} {mode}")
                info = json_lines(out, "compress")[0]
                rc, out, err = run("decompress", "--model", m, btlz, dec)
                check_exit(rc, 0, out, err, f"decompress {kind} {name} {mode}")
                with open(dec, "rb") as f:
                    w, h = struct.unpack(">II", f.read(24)[16:24])
                check((w, h) == (info["width"], info["height"]),
                      f"{kind} {name} {mode}: decompressed {w}×{h}, compressed {info}")
        rc, out, err = run("compare", "--model", m, *[os.path.join(d, n) for n in sorted(os.listdir(d))],
                           "--data", picture_folder(), "--json")
        check_exit(rc, 0, out, err, f"compare {kind} on the odd pictures")
        json_lines(out, "compare")
        rc, out, err = run("rd", "--model", m, os.path.join(d, "1x1.png"), "--json")
        check_exit(rc, 0, out, err, f"rd {kind} 1×1")
        json_lines(out, "rd")
    # Unreadable pictures: one line, exit 1.
    for name, data in (("empty.png", b""), ("text.png", b"hello")):
        path = tmp(name)
        with open(path, "wb") as f:
            f.write(data)
        rc, out, err = run("compress", "--model", model("gray"), path, tmp("never.btlz"))
        check_one_line_error(rc, 1, out, err, f"compress {name}")
        check(not os.path.exists(tmp("never.btlz")), f"compress {name} wrote its output")
        # Found before the tables of the good pictures are printed.
        rc, out, err = run("compare", "--model", model("gray"), os.path.join(d, "gray.png"), path,
                           "--no-pca")
        check_one_line_error(rc, 1, out, err, f"compare gray.png {name}")
        check(out == "", f"compare gray.png {name} printed half its tables: {out[:200]!r}")


@test
def exif_rotated_jpeg():
    """A 60×20 JPEG whose EXIF says "rotate 90°" is compressed upright."""
    src = os.path.join(os.environ.get("G_TEST_SRCDIR", os.path.dirname(os.path.abspath(__file__))),
                       "images", "exif-rotate90-60x20.jpg")
    rc, out, err = run("compress", "--model", model("gray"), src, tmp("rot.btlz"), "--json")
    check_exit(rc, 0, out, err, "compress an EXIF-rotated JPEG")
    info = json_lines(out, "compress")[0]
    check((info["width"], info["height"]) == (20, 60), f"not turned upright: {info}")
    rc, out, err = run("decompress", "--model", model("gray"), tmp("rot.btlz"), tmp("rot.png"))
    check_exit(rc, 0, out, err, "decompress it")
    with open(tmp("rot.png"), "rb") as f:
        check(struct.unpack(">II", f.read(24)[16:24]) == (20, 60), "decompressed on its side")
    rc, out, err = run("compare", "--model", model("gray"), src, "--no-pca", "--json")
    check_exit(rc, 0, out, err, "compare an EXIF-rotated JPEG")


@test
def picture_folder_model_in_other_commands():
    """A model trained on 16×16 tiles finds its folder cut the same way."""
    m, d = model("rgb"), picture_folder()
    for args in (["eval", "--model", m, "--data", d, "--json"],
                 ["anomalies", "--model", m, "--data", d, "--top", "2", "--json"],
                 ["encode", "--model", m, "--data", d, "test:0", "--json"],
                 ["compare", "--model", m, "--data", d, os.path.join(odd_pictures(), "gray.png"), "--json"]):
        rc, out, err = run(*args)
        check_exit(rc, 0, out, err, " ".join(args[:1]))
        check(err.strip() == "", f"{args[0]}: stderr {err!r}")
        doc = json_lines(out, args[0])[0]
        if args[0] == "compare":
            check(doc.get("pca_training_images", 0) > 0, f"compare without a PCA baseline: {doc}")


@test
def wrong_kind_of_file_and_values():
    m = model("gray")
    pic = os.path.join(odd_pictures(), "gray.png")
    rc, out, err = run("compress", "--model", m, pic, tmp("w.btlz"))
    check_exit(rc, 0, out, err, "compress")
    rc, out, err = run("info", tmp("w.btlz"))
    line = check_one_line_error(rc, 1, out, err, "info on a .btlz")
    check("compressed picture" in line, f"info on a .btlz: {line!r}")
    # A code beyond float range is not a finite float.
    z = ",".join(["1e39"] + ["0.1"] * 7)
    rc, out, err = run("decode", "--model", m, "--z", z, "--out", tmp("d.png"))
    check_one_line_error(rc, 2, out, err, "decode --z 1e39")
    check(not os.path.exists(tmp("d.png")), "decode --z 1e39 wrote a picture")


# --------------------------------------------------------------- outputs

@test
def outputs_that_cannot_be_written():
    """Checked before any work; one line naming the path, exit 1, nothing left."""
    m = model("gray")
    pic = os.path.join(odd_pictures(), "gray.png")
    z = ",".join(["0.1"] * 8)
    rc, out, err = run("compress", "--model", m, pic, tmp("ok.btlz"))
    check_exit(rc, 0, out, err, "compress")
    for dest in (tmp("no", "such", "dir", "x"), "/proc/bottleneck-cli-test", clitap.TMP):
        for args in (["train", "--limit", "100", "--epochs", "1", "--arch", "784-8", "--out", dest],
                     ["train", "--limit", "100", "--epochs", "1", "--arch", "784-8", "--project", dest],
                     ["compress", "--model", m, pic, dest],
                     ["decompress", "--model", m, tmp("ok.btlz"), dest],
                     ["decode", "--model", m, "--z", z, "--out", dest],
                     ["interpolate", "--model", m, "test:0", "test:1", "--out", dest],
                     ["anomalies", "--model", m, "--csv", dest]):
            t0 = time.monotonic()
            rc, out, err = run(*args)
            line = check_one_line_error(rc, 1, out, err, f"{args[0]} to {dest}")
            check(dest in line, f"{args[0]}: the message does not name {dest}: {line!r}")
            check("XXXXXX" not in line and ".btl." not in line, f"temporary name shown: {line!r}")
            check(out == "", f"{args[0]} to {dest} did work first: {out[:200]!r}")
    check(not [n for n in os.listdir(clitap.TMP) if n.startswith(".bottleneck-cli")], "probe files left")


@test
def output_that_is_an_input():
    """An output naming an input (by name or through a link) is a usage
    error, and the input survives."""
    m = tmp("precious.btl")
    with open(model("gray"), "rb") as f, open(m, "wb") as g:
        g.write(f.read())
    os.symlink(m, tmp("link.btl"))
    with open(m, "rb") as f:
        before = f.read()
    pic = tmp("precious.png")
    with open(os.path.join(odd_pictures(), "gray.png"), "rb") as f, open(pic, "wb") as g:
        g.write(f.read())
    rc, out, err = run("compress", "--model", m, pic, tmp("p.btlz"))
    check_exit(rc, 0, out, err, "compress")
    z = ",".join(["0.1"] * 8)
    for args in (["compress", "--model", m, pic, m],
                 ["compress", "--model", tmp("link.btl"), pic, m],
                 ["compress", "--model", m, pic, pic],
                 ["decompress", "--model", m, tmp("p.btlz"), tmp("p.btlz")],
                 ["decode", "--model", m, "--z", z, "--out", m],
                 ["interpolate", "--model", m, "test:0", pic, "--out", pic],
                 ["anomalies", "--model", m, "--csv", m],
                 ["sample", "--model", m, "--out", m],
                 ["train", "--data", mini_idx(), "--arch", "784-8", "--out", tmp("x"),
                  "--log", tmp(".", "x")]):
        rc, out, err = run(*args)
        check_one_line_error(rc, 2, out, err, f"{args[0]} writing over an input")
    with open(m, "rb") as f:
        check(f.read() == before, "the model was overwritten")


@test
def json_with_file_names_that_are_not_utf8():
    m = model("gray")
    name = os.fsencode(clitap.TMP) + b"/we\"ird\\\tna\xffme.png"
    with open(os.path.join(odd_pictures(), "gray.png"), "rb") as f, open(name, "wb") as g:
        g.write(f.read())
    path = os.fsdecode(name)
    for args in (["compare", "--model", m, path, "--no-pca", "--json"],
                 ["encode", "--model", m, path, "--json"],
                 ["compress", "--model", m, path, path + ".btlz", "--json"],
                 ["train", "--data", mini_idx(), "--epochs", "1", "--arch", "784-8", "--out",
                  path + ".btl", "--json"],
                 ["info", path + ".btl", "--json"]):
        proc = subprocess.run([clitap.CLI] + args, capture_output=True, timeout=120)
        check_exit(proc.returncode, 0, "", proc.stderr.decode("utf-8", "replace"),
                   f"{args[0]} on an odd file name")
        for line in proc.stdout.splitlines():
            try:
                json.loads(line.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as e:
                raise AssertionError(f"{args[0]}: invalid JSON ({e}): {line[:200]!r}")


# --------------------------------------------------------------- main

if __name__ == "__main__":
    sys.exit(clitap.main("test-cli-sweep.py"))
