#!/usr/bin/env python3
"""rd and compare on a terminal (codec area): progress on stderr only when
stderr is a terminal and the output is not --json; Ctrl+C stops them with
exit 130 and one line, and nothing half printed on stdout.

Usage: test-cli-rd.py PATH/TO/bottleneck-cli (TAP on stdout).
"""
import os
import pty
import signal
import struct
import subprocess
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clitap  # noqa: E402
from clitap import check, check_exit, json_lines, run, test, tmp  # noqa: E402

MODEL = None
PICTURE = None


def gray_png(path, w, h):
    """A smooth gray picture with some texture (JPEG and WebP need work)."""
    rows = b"".join(b"\0" + bytes((x * 3 + y * 2 + (x * y) % 17) % 256 for x in range(w))
                    for y in range(h))

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(rows)))
        f.write(chunk(b"IEND", b""))


def setup(data):
    global MODEL, PICTURE
    idx = tmp("idx")
    clitap.write_mini_idx(idx, 300, 20)
    MODEL = tmp("gray.btl")
    rc, out, err = run("train", "--data", idx, "--arch", "784-32-8", "--epochs", "1",
                       "--threads", "1", "--out", MODEL)
    check_exit(rc, 0, out, err, "train the model")
    PICTURE = tmp("picture.png")
    gray_png(PICTURE, 1200, 900)


def on_terminal(args, interrupt_after=None, timeout=120):
    """Runs the CLI with stderr on a pseudo-terminal and stdout on a pipe.
    With interrupt_after, sends SIGINT once the progress line has shown
    that many steps. Returns (exit code, stdout, stderr as seen on the
    terminal)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([clitap.CLI] + args, stdout=subprocess.PIPE, stderr=slave,
                            stdin=subprocess.DEVNULL)
    os.close(slave)
    err = b""
    sent = False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            chunk = os.read(master, 4096)
        except OSError:   # EIO: the child closed the terminal
            break
        if not chunk:
            break
        err += chunk
        if interrupt_after is not None and not sent and err.count(b" of ") > interrupt_after:
            proc.send_signal(signal.SIGINT)
            sent = True
    out = proc.stdout.read()
    rc = proc.wait(timeout=60)
    os.close(master)
    if interrupt_after is not None:
        check(sent, f"no progress to interrupt: {err!r}")
    return rc, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


@test
def rd_piped_is_silent():
    rc, out, err = run("rd", "--model", MODEL, "--no-pca", PICTURE)
    check_exit(rc, 0, out, err, "rd")
    check(err == "", f"rd with stderr on a pipe wrote {err!r}")
    check(out.startswith("series"), f"rd table: {out[:200]!r}")


@test
def rd_progress_on_a_terminal():
    rc, out, err = on_terminal(["rd", "--model", MODEL, "--no-pca", PICTURE])
    check_exit(rc, 0, out, err, "rd on a terminal")
    check("\r" in err and " of 31, " in err, f"no progress line: {err!r}")
    check("autoencoder" in err and "quality" in err, f"progress names the steps: {err!r}")
    # The line is blanked at the end: nothing but spaces after the last \r.
    check(err.split("\r")[-1].strip() == "", f"progress left on the line: {err[-200:]!r}")
    check(len(out.splitlines()) == 32, f"rd table: {len(out.splitlines())} lines")


@test
def rd_json_on_a_terminal_is_silent():
    rc, out, err = on_terminal(["rd", "--model", MODEL, "--no-pca", "--json", PICTURE])
    check_exit(rc, 0, out, err, "rd --json on a terminal")
    check(err == "", f"rd --json wrote progress: {err!r}")
    check(len(json_lines(out, "rd --json")[0]["points"]) == 31, "31 points")


@test
def rd_ctrl_c():
    rc, out, err = on_terminal(["rd", "--model", MODEL, "--no-pca", PICTURE],
                               interrupt_after=1)
    check_exit(rc, 130, out, err, "rd after Ctrl+C")
    check(out == "", f"rd printed a table after Ctrl+C: {out[:200]!r}")
    lines = [l.strip() for l in err.replace("\r", "\n").splitlines() if l.strip()]
    check(lines[-1] == "bottleneck-cli rd: interrupted", f"last line: {lines[-1:]!r}")


@test
def compare_progress_and_ctrl_c():
    rc, out, err = on_terminal(["compare", "--model", MODEL, "--no-pca", PICTURE])
    check_exit(rc, 0, out, err, "compare on a terminal")
    check(" of 5, " in err, f"no progress line: {err!r}")
    check("autoencoder" in out and "jpeg" in out, f"compare table: {out[:300]!r}")
    rc, out, err = on_terminal(["compare", "--model", MODEL, "--no-pca", PICTURE, PICTURE],
                               interrupt_after=0)
    check_exit(rc, 130, out, err, "compare after Ctrl+C")
    check("bottleneck-cli compare: interrupted" in err, f"compare after Ctrl+C: {err!r}")


if __name__ == "__main__":
    sys.exit(clitap.main(os.path.basename(__file__), setup))
