#!/usr/bin/python3
"""gen-fixture-foundation-btl.py — writes tests/fixtures/foundation-dense.btl with a
bottleneck-cli built from the foundation's code, so tests can check that files of
that era still open.

The fixture was made with commit 13ccb07 (the last one before the "init" key
joined the configuration text):

    git archive 13ccb07 | tar -x -C /tmp/old
    cd /tmp/old && meson setup b -Dgui=disabled -Dtests=false && ninja -C b src/cli/bottleneck-cli
    tests/gen-fixture-foundation-btl.py /tmp/old/b/src/cli/bottleneck-cli tests/fixtures

The data set is a tiny 8x8 IDX folder written by write_dataset() (test-cli.py
writes the same one to evaluate the fixture: the test MSE must match what the
old program stored in the file).
"""
import gzip
import os
import struct
import subprocess
import sys
import tempfile


def write_idx(path, magic_type, dims, data):
    header = struct.pack(">HBB", 0, magic_type, len(dims)) + b"".join(struct.pack(">I", d) for d in dims)
    with gzip.open(path, "wb") as f:
        f.write(header + bytes(data))


def images(n, seed):
    """8x8 bar images: a vertical and a horizontal bar per image."""
    out = bytearray()
    for i in range(n):
        k = (i * 5 + seed) % 8
        for y in range(8):
            for x in range(8):
                out.append(220 if x == k or y == (k * 3) % 8 else 30)
    return out


def write_dataset(d):
    write_idx(os.path.join(d, "train-images-idx3-ubyte.gz"), 0x08, (200, 8, 8), images(200, 1))
    write_idx(os.path.join(d, "train-labels-idx1-ubyte.gz"), 0x08, (200,), [i % 8 for i in range(200)])
    write_idx(os.path.join(d, "t10k-images-idx3-ubyte.gz"), 0x08, (50, 8, 8), images(50, 3))
    write_idx(os.path.join(d, "t10k-labels-idx1-ubyte.gz"), 0x08, (50,), [i % 8 for i in range(50)])


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: gen-fixture-foundation-btl.py OLD-BOTTLENECK-CLI FIXTURE-DIR")
    cli, out_dir = sys.argv[1:]
    with tempfile.TemporaryDirectory() as top:
        d = os.path.join(top, "bars8")   # the data set's name in the file
        os.mkdir(d)
        write_dataset(d)
        out = os.path.join(out_dir, "foundation-dense.btl")
        subprocess.run([cli, "train", "--data", d, "--arch", "64-16-4", "--batch", "20",
                        "--epochs", "2", "--seed", "1", "--threads", "1", "--out", out],
                       check=True)


if __name__ == "__main__":
    main()
