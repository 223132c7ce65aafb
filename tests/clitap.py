"""What the bottleneck-cli end-to-end tests share: a TAP runner, running the
CLI, and checks that say what went wrong (exit status, one line on stderr,
JSON). Imported by tests/test-cli-project.py and tests/test-cli-sweep.py
(the test's folder is on sys.path when it runs).
"""
import json
import os
import struct
import subprocess
import sys
import tempfile
import time
import traceback

CLI = None   # absolute path of bottleneck-cli, set by main()
TMP = None   # a temporary folder for the whole file, set by main()
TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def run(*args, timeout=120, cwd=None):
    """Runs the CLI; returns (returncode, stdout, stderr) as text (bytes
    that are not UTF-8 show as U+FFFD)."""
    proc = subprocess.run([CLI] + list(args), capture_output=True, timeout=timeout, cwd=cwd)
    return (proc.returncode, proc.stdout.decode("utf-8", "replace"),
            proc.stderr.decode("utf-8", "replace"))


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def check_exit(rc, want, out, err, what):
    check(rc >= 0, f"{what}: killed by signal {-rc} (crash)\nstderr: {err}")
    check(rc == want, f"{what}: exit {rc}, wanted {want}\nstdout: {out[-800:]}\nstderr: {err[-800:]}")


def check_one_line_error(rc, want, out, err, what):
    """Exit status `want` and exactly one line on stderr naming the program."""
    check_exit(rc, want, out, err, what)
    lines = [l for l in err.splitlines() if l.strip()]
    check(len(lines) == 1, f"{what}: wanted one line on stderr, got {len(lines)}: {err!r}")
    check(lines[0].startswith("bottleneck-cli"), f"{what}: {err!r}")
    check("Traceback" not in err and "CRITICAL" not in err, f"{what}: {err!r}")
    return lines[0]


def json_lines(out, what):
    try:
        return [json.loads(l) for l in out.splitlines() if l.strip()]
    except ValueError as e:
        raise AssertionError(f"{what}: not JSON ({e}): {out[:400]!r}")


def tmp(*names):
    return os.path.join(TMP, *names)


def write_mini_idx(d, n_train, n_test=20):
    """n_train training and n_test test 28×28 images in MNIST format (no
    gzip): training on them takes a fraction of a second, where Fashion-MNIST
    evaluates 10,000 test images after every epoch."""
    os.makedirs(d, exist_ok=True)

    def write(name, magic_type, dims, data):
        with open(os.path.join(d, name), "wb") as f:
            f.write(struct.pack(">BBBB", 0, 0, magic_type, len(dims)))
            f.write(struct.pack(">" + "I" * len(dims), *dims))
            f.write(data)
    for prefix, count in (("train", n_train), ("t10k", n_test)):
        pixels = bytes(((i % 784) * (i // 784 % 7 + 1) * 3) % 256 for i in range(count * 784))
        write(f"{prefix}-images-idx3-ubyte", 0x08, [count, 28, 28], pixels)
        write(f"{prefix}-labels-idx1-ubyte", 0x08, [count], bytes(i % 10 for i in range(count)))


def main(name, setup=None):
    """Runs every @test in order, printing TAP; a failure does not stop the
    rest. setup(data_dir), when given, runs first, with TMP set."""
    global CLI, TMP
    if len(sys.argv) != 2:
        print(f"usage: {name} PATH/TO/bottleneck-cli", file=sys.stderr)
        return 2
    CLI = os.path.abspath(sys.argv[1])
    data = os.environ.get("BTL_DATA_DIR", "/usr/share/datasets/fashion-mnist")
    print(f"1..{len(TESTS)}")
    if not os.path.exists(os.path.join(data, "train-images-idx3-ubyte.gz")):
        # Not a skip: CI installs dataset-fashion-mnist.
        for i, fn in enumerate(TESTS, 1):
            print(f"not ok {i} - {fn.__name__} # Fashion-MNIST missing in {data}")
        return 1
    failed = 0
    with tempfile.TemporaryDirectory(prefix=name.replace(".py", "-")) as TMP:
        if setup is not None:
            setup(data)
        for i, fn in enumerate(TESTS, 1):
            t0 = time.monotonic()
            try:
                fn()
                print(f"ok {i} - {fn.__name__} ({time.monotonic() - t0:.1f} s)")
            except Exception as e:  # report every failure, keep going
                failed += 1
                print(f"not ok {i} - {fn.__name__}")
                detail = str(e) if isinstance(e, AssertionError) else traceback.format_exc()
                for line in detail.splitlines():
                    print(f"# {line}")
            sys.stdout.flush()
    return 1 if failed else 0
