#!/usr/bin/env python3
"""End-to-end tests of bottleneck-cli's latent subcommands: encode, decode,
interpolate, anomalies (TAP output for `meson test`).

Usage: test-cli-latent.py PATH/TO/bottleneck-cli

Needs Fashion-MNIST at $BTL_DATA_DIR; copies its first 2,000 training and
1,000 test images into a small uncompressed IDX directory (every command
loads the data set, and the full gzip files cost half a second each time),
trains two tiny models (plain and VAE, 2-D codes) on it and runs every
command against it.
"""
import gzip
import json
import math
import os
import struct
import sys

import clitap
from clitap import check, check_exit, check_one_line_error, test

MINI = None
N_TRAIN, N_TEST = 2000, 1000
TINY = ["--arch", "784-32-2", "--epochs", "1", "--batch", "64", "--threads", "1"]


def run(*args, timeout=120):
    args = [str(a) for a in args]
    # Every command that reads the data set reads the small copy.
    if args[0] in ("train", "encode", "interpolate", "anomalies"):
        args[1:1] = ["--data", MINI]
    return clitap.run(*args, timeout=timeout)


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    check(head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG")
    return struct.unpack(">II", head[16:24])


def write_mini_dataset(src, dst):
    """The first images of each half, as plain (uncompressed) IDX files."""
    os.makedirs(dst)
    for half, n in (("train", N_TRAIN), ("t10k", N_TEST)):
        with gzip.open(os.path.join(src, f"{half}-images-idx3-ubyte.gz"), "rb") as f:
            magic, _, rows, cols = struct.unpack(">IIII", f.read(16))
            pixels = f.read(n * rows * cols)
        with open(os.path.join(dst, f"{half}-images-idx3-ubyte"), "wb") as f:
            f.write(struct.pack(">IIII", magic, n, rows, cols) + pixels)
        with gzip.open(os.path.join(src, f"{half}-labels-idx1-ubyte.gz"), "rb") as f:
            magic, _ = struct.unpack(">II", f.read(8))
            labels = f.read(n)
        with open(os.path.join(dst, f"{half}-labels-idx1-ubyte"), "wb") as f:
            f.write(struct.pack(">II", magic, n) + labels)


def path(name):
    return clitap.tmp(name)


def model(kind="plain"):
    out = path(f"{kind}.btl")
    if not os.path.exists(out):
        extra = ["--kind", "vae"] if kind == "vae" else []
        rc, so, se = run("train", *TINY, *extra, "--out", out, timeout=300)
        check_exit(rc, 0, so, se, f"train {kind}")
    return out


def encode(m, *inputs):
    rc, out, err = run("encode", "--model", m, *inputs)
    check_exit(rc, 0, out, err, "encode")
    codes = {}
    for line in out.splitlines():
        name, values = line.split("\t")
        codes[name] = [float(v) for v in values.split(",")]
    return codes


@test
def encode_text_and_json():
    m = model()
    codes = encode(m, "test:0", "test:7")
    check(list(codes) == ["test:0", "test:7"], f"inputs in order: {codes}")
    check(all(len(z) == 2 and all(math.isfinite(v) for v in z) for z in codes.values()),
          f"two finite values per code: {codes}")
    rc, out, err = run("encode", "--model", m, "test:0", "test:7", "--json")
    check_exit(rc, 0, out, err, "encode --json")
    doc = json.loads(out)
    check(doc["latent_dim"] == 2 and len(doc["codes"]) == 2, doc)
    check(doc["codes"][1]["input"] == "test:7", doc)
    for a, b in zip(doc["codes"][0]["z"], codes["test:0"]):
        check(abs(a - b) <= 1e-5 * max(1.0, abs(a)), f"text and JSON agree: {a} {b}")


@test
def decode_then_encode_a_picture():
    m = model()
    z = encode(m, "test:3")["test:3"]
    out_png = path("decoded.png")
    rc, out, err = run("decode", "--model", m, "--z", ",".join(repr(v) for v in z),
                       "--out", out_png)
    check_exit(rc, 0, out, err, "decode")
    check(png_size(out_png) == (28, 28), f"28×28: {png_size(out_png)}")
    rc, out, err = run("decode", "--model", m, "--z", f"{z[0]}, {z[1]}", "--scale", "3",
                       "--out", out_png)
    check_exit(rc, 0, out, err, "decode --scale 3")
    check(png_size(out_png) == (84, 84), f"84×84: {png_size(out_png)}")
    # A picture file is an input like any other; a decoded image encodes
    # back to a finite code.
    z2 = encode(m, out_png)[out_png]
    check(len(z2) == 2 and all(math.isfinite(v) for v in z2), z2)


@test
def decode_bad_codes():
    m = model()
    for z, what in (("1,2,3", "too many values"), ("1,abc", "not a number"),
                    ("nan,1", "not finite"), ("", "empty")):
        rc, out, err = run("decode", "--model", m, "--z", z, "--out", path("x.png"))
        check_one_line_error(rc, 2, out, err, f"decode --z {z!r} ({what})")
    rc, out, err = run("decode", "--model", m, "--z", "1,2")
    check_one_line_error(rc, 2, out, err, "decode without --out")
    check(not os.path.exists(path("x.png")), "no file written on error")


@test
def interpolate_strips():
    m = model()
    strip = path("strip.png")
    rc, out, err = run("interpolate", "--model", m, "test:0", "test:1", "--steps", "6",
                       "--out", strip)
    check_exit(rc, 0, out, err, "interpolate")
    check("linear" in out, f"a plain model interpolates linearly: {out!r}")
    # 6 tiles of 28·2 px with a 2 px gap between and around them.
    check(png_size(strip) == (6 * 56 + 7 * 2, 56 + 2 * 2), f"strip size {png_size(strip)}")
    rc, out, err = run("interpolate", "--model", m, "test:0", "test:1", "--steps", "6",
                       "--with-inputs", "--scale", "1", "--out", strip)
    check_exit(rc, 0, out, err, "interpolate --with-inputs")
    check(png_size(strip) == (8 * 28 + 9 * 2, 28 + 2 * 2), f"8 tiles: {png_size(strip)}")
    rc, out, err = run("interpolate", "--model", model("vae"), "test:0", "test:1",
                       "--out", strip)
    check_exit(rc, 0, out, err, "interpolate vae")
    check("spherical" in out, f"a VAE interpolates spherically by default: {out!r}")


@test
def interpolate_bad_arguments():
    m = model()
    for args, code, what in ((["test:0", "--steps", "1"], 2, "one step"),
                             (["test:0", "test:1", "--steps", "1"], 2, "steps < 2"),
                             (["test:0", "test:1", "--mode", "wiggly"], 2, "bad mode"),
                             (["test:0", f"test:{N_TEST}"], 1, "index out of range"),
                             (["test:0", "test:x"], 1, "not an index"),
                             (["test:0", path("missing.png")], 1, "missing file")):
        rc, out, err = run("interpolate", "--model", m, *args, "--out", path("s.png"))
        check_one_line_error(rc, code, out, err, f"interpolate {what}")


@test
def anomalies_json_and_csv():
    m = model()
    csv = path("flagged.csv")
    rc, out, err = run("anomalies", "--model", m, "--top", "5",
                       "--json", "--csv", csv, "--threads", "1")
    check_exit(rc, 0, out, err, "anomalies --json")
    doc = json.loads(out)
    check(doc["test_images"] == N_TEST and doc["train_images"] == N_TRAIN, doc)
    check(doc["percentile"] == 99, doc)
    n = doc["flagged"]
    check(0 < n < N_TEST, f"some but not all flagged: {n}")
    check(sum(c["flagged"] for c in doc["per_class"]) == n, "per-class counts add up")
    check(len(doc["per_class"]) == 10 and doc["per_class"][0]["class"] == "0", doc)
    errors = [w["error"] for w in doc["worst"]]
    check(len(errors) == 5 and errors == sorted(errors, reverse=True), f"worst first: {errors}")
    check(all(w["error"] > doc["threshold"] for w in doc["worst"]), "the worst are flagged")
    with open(csv) as f:
        rows = f.read().splitlines()
    check(rows[0] == "rank,index,label,class,error,psnr_db", rows[0])
    check(len(rows) == n + 1, f"CSV has {len(rows) - 1} rows for {n} flagged")
    check(rows[1].split(",")[1] == str(doc["worst"][0]["index"]), "CSV starts with the worst")


@test
def anomalies_threshold_and_text():
    m = model()
    rc, out, err = run("anomalies", "--model", m, "--threshold", "0", "--json", "--top", "0")
    check_exit(rc, 0, out, err, "anomalies --threshold 0")
    doc = json.loads(out)
    check(doc["flagged"] == N_TEST and "percentile" not in doc, doc)
    rc, out, err = run("anomalies", "--model", m, "--train-limit", "1000", "--top", "3")
    check_exit(rc, 0, out, err, "anomalies text")
    check("percentile 99 of 1000 training errors" in out and "Worst reconstructions" in out, out)
    for args, what in ((["--percentile", "150"], "percentile > 100"),
                       (["--threshold", "-1"], "negative threshold"),
                       (["--top", "-2"], "negative top")):
        rc, out, err = run("anomalies", "--model", m, *args)
        check_one_line_error(rc, 2, out, err, f"anomalies {what}")


@test
def bad_model_files():
    junk = path("junk.btl")
    with open(junk, "wb") as f:
        f.write(b"BTLM not really a model")
    for args in (["encode", "--model", junk, "test:0"],
                 ["decode", "--model", junk, "--z", "1,2", "--out", path("x.png")],
                 ["interpolate", "--model", junk, "test:0", "test:1", "--out", path("x.png")],
                 ["anomalies", "--model", junk],
                 ["encode", "--model", path("nonexistent.btl"), "test:0"]):
        rc, out, err = run(*args)
        check_one_line_error(rc, 1, out, err, " ".join(args[:1]) + " with a bad model")


def setup(data):
    global MINI
    MINI = clitap.tmp("mini")
    write_mini_dataset(data, MINI)


if __name__ == "__main__":
    sys.exit(clitap.main("test-cli-latent.py", setup))
