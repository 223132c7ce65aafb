#!/usr/bin/env python3
"""End-to-end tests of bottleneck-cli (TAP output for `meson test`).

Usage: test-cli.py PATH/TO/bottleneck-cli

Needs Fashion-MNIST at $BTL_DATA_DIR (meson's test environment sets it; CI
installs dataset-fashion-mnist). Trains only tiny models on small subsets, so
the whole file runs in a few seconds.
"""
import gzip
import json
import math
import os
import re
import signal
import struct
import subprocess
import sys
import time
import zlib

import clitap
from clitap import check, check_exit, check_one_line_error, json_lines, run, test, tmp

SMALL = ["--arch", "784-64-16", "--batch", "64", "--threads", "1"]


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    check(head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG")
    return struct.unpack(">II", head[16:24])


# --------------------------------------------------------------- basics

@test
def version_and_help():
    rc, out, err = run("--version")
    check_exit(rc, 0, out, err, "--version")
    check(out.startswith("bottleneck-cli "), f"--version printed {out!r}")
    rc, out, err = run("--help")
    check_exit(rc, 0, out, err, "--help")
    for cmd in ("train", "eval", "info", "bench"):
        check(cmd in out, f"--help does not list {cmd}")
    for cmd, opt in (("train", "--limit"), ("train", "--val-split"), ("eval", "--model"),
                     ("info", "--json"), ("bench", "--steps")):
        rc, out, err = run(cmd, "--help")
        check_exit(rc, 0, out, err, f"{cmd} --help")
        check(opt in out, f"{cmd} --help does not mention {opt}")


# --------------------------------------------------------------- train / eval / info

TRAINED = {}


@test
def train_json_one_epoch():
    model, log, grid = tmp("m.btl"), tmp("loss.csv"), tmp("grid.png")
    rc, out, err = run("train", "--limit", "2000", "--epochs", "1", "--seed", "3",
                       "--out", model, "--log", log, "--samples", grid, "--json", *SMALL)
    check_exit(rc, 0, out, err, "train --json")
    objs = json_lines(out, "train --json")
    epochs = [o for o in objs if o.get("type") == "epoch"]
    summary = objs[-1]
    check(len(epochs) == 1, f"wanted 1 epoch object, got {len(epochs)}")
    check(summary.get("type") == "summary", f"last object is not the summary: {summary}")
    for key in ("test_psnr_db", "test_mse", "samples_per_s", "epochs"):
        check(key in summary, f"summary lacks {key}: {summary}")
    check(summary["epochs"] == 1, f"epochs = {summary['epochs']}")
    check(9.0 < summary["test_psnr_db"] < 40.0, f"implausible PSNR {summary['test_psnr_db']}")
    check(0.0 < summary["test_mse"] < 0.08, f"implausible MSE {summary['test_mse']}")
    check(summary["samples_per_s"] > 0, "no throughput")
    check(summary["test_psnr_db"] == summary["test_psnr_db"], "PSNR is NaN")
    # The per-epoch PSNR (no SSIM) and the summary's are the same figure.
    check(abs(epochs[0]["test_psnr_db"] - summary["test_psnr_db"]) < 1e-3,
          f"epoch PSNR {epochs[0]['test_psnr_db']} vs summary {summary['test_psnr_db']}")
    check(0.0 < summary["test_ssim"] <= 1.0, f"SSIM {summary['test_ssim']}")
    check(summary["params"] == 103328, f"params {summary['params']} for 784-64-16")

    # Sample grid: 16 originals over 16 reconstructions, 28 px tiles at 2x, 2 px gaps.
    w, h = png_size(grid)
    check((w, h) == (16 * 56 + 17 * 2, 2 * 56 + 3 * 2), f"grid is {w}x{h}")

    # Loss log: documented columns, one row per step and one per epoch.
    with open(log) as f:
        rows = [l.rstrip("\n").split(",") for l in f]
    header = rows[0]
    check(header == ["kind", "step", "epoch", "train_loss", "recon_loss", "reg_loss", "lr",
                     "val_loss", "test_psnr_db", "samples_per_s"], f"CSV header {header}")
    steps = [r for r in rows[1:] if r[0] == "step"]
    ep = [r for r in rows[1:] if r[0] == "epoch"]
    check(len(ep) == 1, f"{len(ep)} epoch rows")
    check(20 <= len(steps) <= 32, f"{len(steps)} step rows for 1800 images at batch 64")
    check(all(len(r) == len(header) for r in rows), "ragged CSV")
    check([int(r[1]) for r in steps] == list(range(1, len(steps) + 1)), "steps not 1..n")
    check(float(steps[-1][3]) < float(steps[0][3]), "training loss did not fall")
    check(math.isfinite(float(ep[0][7])), "epoch row without val loss")
    TRAINED.update(model=model, summary=summary)


@test
def train_text_output():
    rc, out, err = run("train", "--limit", "1000", "--epochs", "2", "--arch", "784-32-8",
                       "--batch", "100", "--threads", "1")
    check_exit(rc, 0, out, err, "train (text)")
    check("epoch 1/2" in out and "epoch 2/2" in out, f"no epoch lines:\n{out}")
    check("PSNR" in out and "samples/s" in out, f"epoch line lacks fields:\n{out}")
    check(err.strip() == "", f"stderr not empty: {err!r}")


@test
def eval_model():
    check("model" in TRAINED, "needs train_json_one_epoch")
    rc, out, err = run("eval", "--model", TRAINED["model"], "--json")
    check_exit(rc, 0, out, err, "eval --json")
    res = json_lines(out, "eval --json")[0]
    check(res["images"] == 10000, f"evaluated {res['images']} images")
    check(abs(res["test_psnr_db"] - TRAINED["summary"]["test_psnr_db"]) < 1e-3,
          f"eval PSNR {res['test_psnr_db']} != train's {TRAINED['summary']['test_psnr_db']}")
    check(abs(res["test_ssim"] - TRAINED["summary"]["test_ssim"]) < 1e-4, "SSIM differs")
    rc, out, err = run("eval", "--model", TRAINED["model"], "--limit", "50")
    check_exit(rc, 0, out, err, "eval --limit")
    check("PSNR" in out and "SSIM" in out and "50" in out, f"eval text:\n{out}")


@test
def info_model():
    check("model" in TRAINED, "needs train_json_one_epoch")
    rc, out, err = run("info", TRAINED["model"])
    check_exit(rc, 0, out, err, "info")
    for word in ("103328", "784-64-16", "Layers", "epochs trained"):
        check(word in out.replace(",", ""), f"info lacks {word!r}:\n{out}")
    rc, out, err = run("info", TRAINED["model"], "--json")
    check_exit(rc, 0, out, err, "info --json")
    info = json_lines(out, "info --json")[0]
    check(info["params"] == 103328, f"params {info['params']}")
    check(info["config"]["arch"] == "784-64-16", f"config {info['config']}")
    check(info["config"]["seed"] == "3", f"seed {info['config'].get('seed')}")
    check(info["epochs_trained"] == 1, f"epochs_trained {info['epochs_trained']}")
    check(info["latent_dim"] == 16, f"latent_dim {info['latent_dim']}")
    check(len(info["layers"]) >= 4, f"layers {info['layers']}")
    check(len(info["history_epochs"]) == 1, f"history {info['history_epochs']}")
    check(info["history_steps"] >= 20, f"history steps {info['history_steps']}")
    check(abs(info["test_psnr_db"] - TRAINED["summary"]["test_psnr_db"]) < 1e-6,
          "info's PSNR is not the one train reported")


def file_chunks(data):
    """{tag: payload} of a .btl or .btlproj (the shared chunk frame)."""
    out, pos = {}, 20
    while pos + 12 <= len(data) - 4:
        tag = data[pos:pos + 4]
        n = struct.unpack_from("<Q", data, pos + 4)[0]
        out[tag] = data[pos + 12:pos + 12 + n]
        pos += 12 + n
    return out


def make_project(model, hist, run_text, state=None):
    """A .btlproj as btl-project.c writes it: magic, version, size, chunks
    (MODL = the .btl file itself), END, CRC-32."""
    def chunk(tag, payload):
        return tag + struct.pack("<Q", len(payload)) + payload
    body = chunk(b"MODL", model) + chunk(b"HIST", hist) + chunk(b"RUN ", run_text)
    if state is not None:
        body += chunk(b"TRST", state)
    body += chunk(b"END ", b"")
    head = b"BTLPROJF" + struct.pack("<IQ", 1, 20 + len(body) + 4)
    data = head + body
    return data + struct.pack("<I", zlib.crc32(data) & 0xffffffff)


def trainer_state(n_params, rows=10, batch=5, step=7, epoch=1, pos=1):
    """An "NNTS" v1 trainer state (layout in nn-trainer.c) with zero moments."""
    h = bytearray(256)
    h[0:4] = b"NNTS"
    struct.pack_into("<IIIQQQQqqii", h, 4, 1, 0, batch, n_params, rows, rows, 0,
                     step, step, epoch, pos)
    struct.pack_into("<ffdiidi", h, 96, 1.0, 1.0, float("inf"), 0, 0, 0.05, 0)
    struct.pack_into("<fffd", h, 132, 0.001, 0.0, 1.0, 1000.0)
    struct.pack_into("<12Q", h, 152, *range(1, 13))
    struct.pack_into("<II", h, 248, 0, 0)   # no best weights of its own, no batch-norm stats
    return bytes(h) + struct.pack(f"<{rows}I", *range(rows)) + bytes(8 * n_params)


@test
def info_project():
    check("model" in TRAINED, "needs train_json_one_epoch")
    with open(TRAINED["model"], "rb") as f:
        model = f.read()
    hist = file_chunks(model)[b"HIST"]
    run_text = (b"dataset=fashion-mnist\ndataset_name=Fashion-MNIST\ntrain_limit=600\n"
                b"threads=1\nblas_core=Haswell\nblas_config=OpenBLAS test\n"
                b"app_version=0.0-test\ncreated=1794000000\n")
    with_state = tmp("run.btlproj")
    without = tmp("old-run.btlproj")
    with open(with_state, "wb") as f:
        f.write(make_project(model, hist, run_text, trainer_state(103328)))
    with open(without, "wb") as f:
        f.write(make_project(model, hist, run_text))

    rc, out, err = run("info", with_state)
    check_exit(rc, 0, out, err, "info project")
    for word in ("103328", "784-64-16", "Layers", "epochs trained", "Project:",
                 "seed            3", "BLAS threads    1 used", "fashion-mnist (Fashion-MNIST)",
                 "the first 600", "optimizer state yes: step 7 epoch 1 Adam"):
        check(word in out.replace(",", ""), f"info project lacks {word!r}:\n{out}")
    check(re.search(r"loss history +steps [1-9]\d*, epochs 1, markers 0", out), f"history:\n{out}")
    rc, out, err = run("info", without)
    check_exit(rc, 0, out, err, "info project without state")
    check("optimizer state no" in out, f"info old project:\n{out}")

    rc, out, err = run("info", TRAINED["model"], "--json")
    model_info = json_lines(out, "info --json")[0]
    check(model_info["file_type"] == "model", f"file_type {model_info.get('file_type')}")
    check("optimizer_state" not in model_info, "a model file has no optimizer_state key")

    rc, out, err = run("info", with_state, "--json")
    check_exit(rc, 0, out, err, "info project --json")
    info = json_lines(out, "info project --json")[0]
    # Every key of a model's info, unchanged, then the project's.
    for key, value in model_info.items():
        if key not in ("file", "file_type"):
            check(key in info and info[key] == value, f"project key {key}: {info.get(key)} vs {value}")
    check(info["file_type"] == "project", f"file_type {info['file_type']}")
    check(info["project_format_version"] == 1, f"{info['project_format_version']}")
    check(info["seed"] == 3 and info["threads_setting"] == 1 and info["blas_threads"] == 1,
          f"seed/threads {info['seed']} {info['threads_setting']} {info['blas_threads']}")
    check(info["blas_core"] == "Haswell" and info["blas_config"] == "OpenBLAS test", f"{info}")
    check(info["dataset"] == "fashion-mnist" and info["train_limit"] == 600, f"{info}")
    check(info["history_points"] == model_info["history_steps"], f"{info['history_points']}")
    check(info["history_markers"] == 0, f"{info['history_markers']}")
    check(info["optimizer_state"] is True and info["optimizer"] == "adam", f"{info}")
    check(info["optimizer_state_step"] == 7 and info["optimizer_state_epoch"] == 1, f"{info}")
    check(info["optimizer_state_bytes"] == 256 + 40 + 8 * 103328, f"{info}")
    check(info["project_created"].startswith("2026-"), f"{info['project_created']}")
    rc, out, err = run("info", without, "--json")
    check(json_lines(out, "info old project --json")[0]["optimizer_state"] is False, out)

    # Damaged projects: one line on stderr, exit 1.
    with open(with_state, "rb") as f:
        good = f.read()
    bad = {
        "truncated": good[:len(good) // 2],
        "truncated-end": good[:-1],
        "header-only": good[:12],
        "empty": b"",
        # CRC intact, but moments for another model.
        "state-mismatch": make_project(model, hist, run_text, trainer_state(103327)),
        "state-rows": make_project(model, hist, run_text, trainer_state(103328)[:-4]),
    }
    flipped = bytearray(good)
    flipped[len(good) // 3] ^= 0x10
    bad["flipped"] = bytes(flipped)
    for name, content in bad.items():
        path = tmp(f"bad-{name}.btlproj")
        with open(path, "wb") as f:
            f.write(content)
        for extra in ((), ("--json",)):
            rc, out, err = run("info", path, *extra)
            line = check_one_line_error(rc, 1, out, err, f"info {name}.btlproj {' '.join(extra)}")
            check(f"bad-{name}.btlproj" in line, f"{name}: the error does not name the file: {line}")
            check(out == "", f"{name}: printed to stdout: {out!r}")
    rc, out, err = run("info", tmp("bad-state-mismatch.btlproj"))
    check("model has" in err, f"state mismatch: {err}")


@test
def bench_few_steps():
    rc, out, err = run("bench", "--steps", "5", "--warmup", "1", "--ceiling-time", "0.01",
                       "--json", *SMALL)
    check_exit(rc, 0, out, err, "bench")
    res = json_lines(out, "bench --json")[0]
    check(res["samples_per_s"] > 0 and res["gflops"] > 0, f"bench {res}")
    check(res["ceiling_gflops"] > 0, f"ceiling {res}")
    check(0 < res["fraction_of_ceiling"] < 5, f"fraction {res['fraction_of_ceiling']}")
    # 4 dense layers: forward + dW each, dX for all but the first.
    check(res["gemm_shapes"] == 11, f"gemm_shapes {res['gemm_shapes']}")
    check(abs(res["flops_per_sample"] - 2 * (3 * 102400 - 784 * 64)) < 1,
          f"flops_per_sample {res['flops_per_sample']}")
    rc, out, err = run("bench", "--steps", "3", "--warmup", "0", "--ceiling-time", "0.01",
                       *SMALL)
    check_exit(rc, 0, out, err, "bench (text)")
    check("samples/s" in out and "ceiling" in out, f"bench text:\n{out}")


# --------------------------------------------------------------- own data

def write_idx(path, magic_type, dims, data):
    header = struct.pack(">HBB", 0, magic_type, len(dims)) + b"".join(struct.pack(">I", d) for d in dims)
    with gzip.open(path, "wb") as f:
        f.write(header + bytes(data))


@test
def train_own_idx_directory():
    d = tmp("own")
    os.makedirs(d)
    # 12x12 images of bars at a few positions: learnable, and not 28x28.
    def images(n, seed):
        out = bytearray()
        for i in range(n):
            k = (i * 7 + seed) % 12
            for y in range(12):
                for x in range(12):
                    out.append(230 if x == k or y == (k * 5) % 12 else 20)
        return out
    write_idx(os.path.join(d, "train-images-idx3-ubyte.gz"), 0x08, (400, 12, 12), images(400, 1))
    write_idx(os.path.join(d, "train-labels-idx1-ubyte.gz"), 0x08, (400,), [i % 12 for i in range(400)])
    write_idx(os.path.join(d, "t10k-images-idx3-ubyte.gz"), 0x08, (100, 12, 12), images(100, 5))
    write_idx(os.path.join(d, "t10k-labels-idx1-ubyte.gz"), 0x08, (100,), [i % 12 for i in range(100)])
    model, grid = tmp("own.btl"), tmp("own.png")
    rc, out, err = run("train", "--data", d, "--arch", "144-24-6", "--batch", "32", "--epochs", "3",
                       "--threads", "1", "--out", model, "--samples", grid, "--json")
    check_exit(rc, 0, out, err, "train --data DIR")
    summary = json_lines(out, "train --data DIR")[-1]
    check(summary["test_images"] == 100, f"test images {summary['test_images']}")
    w, h = png_size(grid)
    check((w, h) == (16 * 24 + 17 * 2, 2 * 24 + 3 * 2), f"grid is {w}x{h}")
    rc, out, err = run("eval", "--model", model, "--data", d, "--json")
    check_exit(rc, 0, out, err, "eval --data DIR")
    # A 144-input model cannot evaluate 784-pixel Fashion-MNIST: runtime error.
    rc, out, err = run("eval", "--model", model)
    check_one_line_error(rc, 1, out, err, "eval on data of another shape")
    # The 784-input default architecture does not fit 12x12 images: usage error.
    rc, out, err = run("train", "--data", d, "--epochs", "1")
    check_one_line_error(rc, 2, out, err, "train default arch on 12x12 data")


# --------------------------------------------------------------- kinds, VAE samples, old files

@test
def info_kind_and_vae_sample():
    vae, grid, grid2 = tmp("vae.btl"), tmp("vae.png"), tmp("vae2.png")
    rc, out, err = run("train", "--kind", "vae", "--beta", "0.5", "--limit", "1000",
                       "--epochs", "1", "--out", vae, *SMALL)
    check_exit(rc, 0, out, err, "train --kind vae")
    rc, out, err = run("info", vae)
    check_exit(rc, 0, out, err, "info vae")
    check("kind        variational, β 0.5" in out, f"info does not show the kind:\n{out}")
    rc, out, err = run("sample", "--model", vae, "--n", "10", "--seed", "4", "--out", grid)
    check_exit(rc, 0, out, err, "sample")
    # 10 samples → 4 per row, 3 rows of 28 px tiles with 2 px gaps.
    w, h = png_size(grid)
    check((w, h) == (4 * 28 + 5 * 2, 3 * 28 + 4 * 2), f"sample grid is {w}x{h}")
    rc, out, err = run("sample", "--model", vae, "--n", "10", "--seed", "4", "--out", grid2)
    check_exit(rc, 0, out, err, "sample again")
    with open(grid, "rb") as a, open(grid2, "rb") as b:
        check(a.read() == b.read(), "same seed, different samples")
    rc, out, err = run("sample", "--model", vae, "--n", "0", "--out", grid)
    check_one_line_error(rc, 2, out, err, "sample --n 0")
    rc, out, err = run("sample", "--model", vae)
    check_one_line_error(rc, 2, out, err, "sample without --out")
    # A plain autoencoder's codes are not N(0, I): refused with a reason.
    check("model" in TRAINED, "needs train_json_one_epoch")
    rc, out, err = run("info", TRAINED["model"])
    check("kind        plain" in out, f"info does not show the plain kind:\n{out}")
    rc, out, err = run("sample", "--model", TRAINED["model"], "--out", grid)
    line = check_one_line_error(rc, 1, out, err, "sample from a plain model")
    check("variational" in line, line)


@test
def eval_on_noisy_inputs():
    dae = tmp("dae.btl")
    rc, out, err = run("train", "--kind", "denoising", "--noise", "gaussian:0.3", "--limit", "1000",
                       "--epochs", "1", "--out", dae, *SMALL)
    check_exit(rc, 0, out, err, "train --kind denoising")
    rc, out, err = run("eval", "--model", dae, "--limit", "200", "--json")
    check_exit(rc, 0, out, err, "eval denoising")
    ev = json_lines(out, "eval --json")[0]
    check(ev["noise"] == "gaussian:0.3", f"noise {ev.get('noise')}")
    for key in ("test_psnr_db", "noisy_input_psnr_db", "denoised_psnr_db", "denoised_ssim"):
        check(math.isfinite(ev[key]), f"{key} {ev.get(key)}")
    check(ev["noisy_input_psnr_db"] < 14, f"σ 0.3 noise leaves {ev['noisy_input_psnr_db']} dB")
    # The same seed gives a plain model the same noisy inputs.
    check("model" in TRAINED, "needs train_json_one_epoch")
    rc, out, err = run("eval", "--model", TRAINED["model"], "--limit", "200", "--json")
    check("noise" not in json_lines(out, "eval --json")[0], "a plain model is evaluated on noise")
    rc, out, err = run("eval", "--model", TRAINED["model"], "--limit", "200",
                       "--noise", "gaussian:0.3", "--json")
    check_exit(rc, 0, out, err, "eval --noise on a plain model")
    plain = json_lines(out, "eval --json")[0]
    check(plain["noisy_input_psnr_db"] == ev["noisy_input_psnr_db"], "different noisy inputs")
    rc, out, err = run("eval", "--model", dae, "--noise", "salt:1")
    check_one_line_error(rc, 2, out, err, "eval --noise salt:1")


def write_gray_png(path, width, height, value):
    """A flat gray PNG (8-bit, no filter) without any imaging library."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    rows = b"".join(b"\x00" + bytes([value]) * width for _ in range(height))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(rows)))
        f.write(chunk(b"IEND", b""))


@test
def train_picture_folder_validates_on_held_out_pictures():
    d = tmp("pictures")
    os.makedirs(d)
    for i in range(10):
        write_gray_png(os.path.join(d, f"p{i}.png"), 40, 40, 20 + 20 * i)
    rc, out, err = run("train", "--data", d, "--tile", "8", "--arch", "64-8", "--epochs", "2",
                       "--batch", "16", "--threads", "1", "--val-split", "0.2", "--json")
    check_exit(rc, 0, out, err, "train --data PICTURES")
    summary = json_lines(out, "train --data PICTURES")[-1]
    # 10 pictures: 2 held out for test, 2 for validation, 6 train; tiles by area
    # (2 per tile-sized area → 50, within 16…1024 per picture).
    check(summary["val_images"] == 2 * 50, f"validation tiles {summary['val_images']}")
    check(summary["test_images"] == 2 * 50, f"test tiles {summary['test_images']}")
    check(math.isfinite(summary["val_loss"]), f"val loss {summary['val_loss']}")
    rc, out, err = run("train", "--data", d, "--tile", "8", "--arch", "64-8", "--epochs", "1",
                       "--batch", "16", "--threads", "1", "--val-split", "0.2")
    check_exit(rc, 0, out, err, "train --data PICTURES (text)")
    check("held-out pictures" in out, f"the text output does not say so:\n{out}")


def bars8_dataset(d):
    """The 8x8 data set tests/gen-fixture-foundation-btl.py trained the fixture on."""
    import importlib.util
    here = os.environ.get("G_TEST_SRCDIR", os.path.dirname(os.path.abspath(__file__)))
    spec = importlib.util.spec_from_file_location(
        "gen_fixture", os.path.join(here, "gen-fixture-foundation-btl.py"))
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    os.makedirs(d)
    gen.write_dataset(d)


@test
def foundation_model_file_opens():
    here = os.environ.get("G_TEST_SRCDIR", os.path.dirname(os.path.abspath(__file__)))
    old = os.path.join(here, "fixtures", "foundation-dense.btl")
    rc, out, err = run("info", old, "--json")
    check_exit(rc, 0, out, err, "info on a foundation-era file")
    info = json_lines(out, "info --json")[0]
    check(info["params"] == 2276 and info["config"]["arch"] == "64-16-4", f"info {info}")
    check(info["config"]["kind"] == "plain", f"kind {info['config']['kind']}")
    # The file predates the "init" key: the default stands in.
    check(info["config"]["init"] == "auto", f"init {info['config']['init']}")
    check(info["epochs_trained"] == 2, f"epochs {info['epochs_trained']}")
    # Today's code reconstructs the test set exactly as the old program did.
    d = tmp("bars8")
    bars8_dataset(d)
    rc, out, err = run("eval", "--model", old, "--data", d, "--json")
    check_exit(rc, 0, out, err, "eval on a foundation-era file")
    ev = json_lines(out, "eval --json")[0]
    check(abs(ev["test_mse"] - info["test_mse"]) < 1e-6,
          f"test MSE {ev['test_mse']} today, {info['test_mse']} when saved")


# --------------------------------------------------------------- errors

@test
def usage_errors():
    cases = [
        ("train", "--bogus"),
        ("train", "--lr"),
        ("train", "--epochs", "abc"),
        ("train", "--limit", "-5"),
        ("train", "--arch", "784-banana"),
        ("train", "--loss", "hinge"),
        ("train", "--optimizer", "lbfgs"),
        ("train", "--no-such-key", "1"),
        ("train", "stray-argument"),
        ("frobnicate",),
        ("eval",),
        ("eval", "--model"),
        ("eval", "--model", "x.btl", "--bogus"),
        ("info",),
        ("info", "a.btl", "b.btl"),
        ("bench", "--steps", "0"),
        ("bench", "--batch", "-3"),
    ]
    for args in cases:
        rc, out, err = run(*args)
        check_one_line_error(rc, 2, out, err, " ".join(args))
    rc, out, err = run()
    check_exit(rc, 2, out, err, "no command")


@test
def negative_lr_refused_by_engine():
    rc, out, err = run("train", "--lr", "-1", "--limit", "100")
    line = check_one_line_error(rc, 2, out, err, "--lr -1")
    check("lr" in line, f"message does not name lr: {line}")
    # Same message whichever spelling is used: it comes from nn_config_set.
    rc2, out2, err2 = run("train", "--lr=-1")
    check(err2 == err, f"--lr=-1 said {err2!r}, --lr -1 said {err!r}")


@test
def runtime_errors_on_bad_files():
    check("model" in TRAINED, "needs train_json_one_epoch")
    with open(TRAINED["model"], "rb") as f:
        good = f.read()
    bad = {}
    bad["missing"] = None
    bad["empty"] = b""
    bad["truncated-header"] = good[:10]
    bad["truncated-half"] = good[:len(good) // 2]
    flipped = bytearray(good)
    flipped[len(good) // 2] ^= 0x5A
    bad["flipped"] = bytes(flipped)
    bad["text"] = b"this is not a model\n" * 10
    bad["wrong-magic"] = b"XXXX" + good[4:]
    for name, content in bad.items():
        path = tmp(f"bad-{name}.btl")
        if content is not None:
            with open(path, "wb") as f:
                f.write(content)
        for args in (("info", path), ("eval", "--model", path)):
            rc, out, err = run(*args)
            check_one_line_error(rc, 1, out, err, f"{name}: {' '.join(args[:1])}")
    rc, out, err = run("info", clitap.TMP)   # a directory
    check_one_line_error(rc, 1, out, err, "info DIR")
    rc, out, err = run("train", "--data", tmp("no-such-dir"), "--limit", "10")
    check_one_line_error(rc, 1, out, err, "train --data missing dir")
    rc, out, err = run("train", "--limit", "300", "--epochs", "1", *SMALL,
                       "--out", os.path.join(tmp("no-such-dir"), "m.btl"))
    check_one_line_error(rc, 1, out, err, "train --out into a missing directory")


@test
def divergence_is_a_clean_error():
    model = tmp("diverged.btl")
    # A linear autoencoder with a huge SGD step overflows within a few steps.
    rc, out, err = run("train", "--lr", "10", "--optimizer", "sgd", "--activation", "identity",
                       "--out-activation", "identity", "--limit", "1000", "--epochs", "1",
                       "--arch", "784-32-8", "--threads", "1", "--out", model)
    line = check_one_line_error(rc, 1, out, err, "diverging training")
    check("lower the learning rate" in line, f"no hint in {line!r}")
    check(not os.path.exists(model), "a diverged model was saved")


@test
def sigint_saves_best_model():
    model = tmp("interrupted.btl")
    proc = subprocess.Popen([clitap.CLI, "train", "--limit", "3000", "--epochs", "500", "--arch",
                             "784-32-8", "--batch", "100", "--threads", "1", "--json",
                             "--out", model], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        first = proc.stdout.readline()
        check(json.loads(first).get("type") == "epoch", f"first line {first!r}")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    check_exit(proc.returncode, 130, out, err, "train interrupted by SIGINT")
    check("interrupted" in err, f"stderr: {err!r}")
    rc, out, err = run("info", model, "--json")
    check_exit(rc, 0, out, err, "info on the interrupted model")
    info = json_lines(out, "info")[0]
    check(info["epochs_trained"] >= 1, f"epochs_trained {info['epochs_trained']}")
    check(info["best_epoch"] >= 1, f"best_epoch {info['best_epoch']}")


# --------------------------------------------------------------- main

if __name__ == "__main__":
    sys.exit(clitap.main("test-cli.py"))
