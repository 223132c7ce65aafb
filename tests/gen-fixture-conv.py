#!/usr/bin/python3
"""gen-fixture-conv.py - PyTorch reference tensors for the conv / batch-norm kernels.

Run with Debian's Python (it has torch), from anywhere:
    /usr/bin/python3 tests/gen-fixture-conv.py [--out-dir tests/fixtures]

Writes conv-conv2d.bin, conv-convt.bin and conv-batchnorm.bin. Inputs, weights
and the upstream gradient dy are drawn in float32 with a fixed seed; the
reference outputs and gradients are then computed in float64 (the inputs cast
up exactly), so the C float32 kernels are compared with the true values rather
than with PyTorch's own float32 rounding. Gradients are those of
L = sum(y * dy).

File format (little-endian):
    char     magic[8]   = "BTLFIXT\\0"
    uint32   version    = 1
    uint32   n_tensors
    n_tensors times:
        uint32  name_len; char name[name_len]      (no NUL), e.g. "c0/dw"
        uint32  ndim (1..8); uint32 dims[ndim]
        float32 data[prod(dims)]                    (row-major)
Each case i has a "c<i>/geom" tensor of small integers stored as floats:
    conv2d:  B, IC, H, W, OC, K, stride, pad
    convt:   B, IC, H, W, OC, K, stride, pad, output_padding
    batchnorm: B, C, S, momentum, eps
"""
import argparse
import os
import struct

import torch
import torch.nn.functional as F

MAGIC = b"BTLFIXT\0"
VERSION = 1


def write_fixture(path, tensors):
    """tensors: list of (name, tensor). Written atomically (temp + rename)."""
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(MAGIC)
        f.write(struct.pack("<II", VERSION, len(tensors)))
        for name, t in tensors:
            t = t.detach().to(torch.float32).contiguous()
            name_b = name.encode()
            f.write(struct.pack("<I", len(name_b)))
            f.write(name_b)
            dims = list(t.shape) if t.dim() > 0 else [1]
            f.write(struct.pack("<I", len(dims)))
            f.write(struct.pack("<%dI" % len(dims), *dims))
            f.write(t.numpy().astype("<f4").tobytes())
    os.replace(tmp, path)


def rand(g, *shape, scale=1.0):
    return (torch.rand(*shape, generator=g, dtype=torch.float32) * 2 - 1) * scale


# (B, IC, H, W, OC, K, stride, pad)
CONV2D_CASES = [
    (2, 1, 28, 28, 16, 3, 2, 1),    # first layer of the conv AE
    (2, 16, 14, 14, 32, 3, 2, 1),   # second layer of the conv AE
    (3, 2, 7, 5, 3, 3, 1, 0),       # stride 1, no padding, non-square
    (2, 3, 6, 9, 4, 4, 3, 2),       # even kernel, stride 3, big padding
    (1, 2, 5, 4, 2, 1, 1, 0),       # 1x1 kernel
]

# (B, IC, H, W, OC, K, stride, pad, output_padding)
CONVT_CASES = [
    (2, 32, 7, 7, 16, 3, 2, 1, 1),  # first decoder layer of the conv AE
    (2, 16, 14, 14, 1, 3, 2, 1, 1), # last decoder layer of the conv AE
    (3, 2, 4, 6, 3, 3, 1, 0, 0),    # stride 1, no padding, non-square
    (2, 3, 5, 3, 2, 4, 3, 1, 2),    # even kernel, stride 3, output_padding 2
    (2, 2, 3, 4, 3, 3, 2, 0, 1),    # stride 2, padding 0, output_padding 1
]

# (B, C, H, W, momentum, eps); H = W = 1 is BatchNorm1d on (B, C)
BN_CASES = [
    (4, 3, 3, 5, 0.1, 1e-5),
    (6, 5, 1, 1, 0.1, 1e-5),
    (2, 16, 14, 14, 0.1, 1e-5),
    (3, 2, 2, 3, 0.3, 1e-3),
]


def conv2d_fixture(g):
    out = []
    for i, (b, ic, h, w, oc, k, s, p) in enumerate(CONV2D_CASES):
        x = rand(g, b, ic, h, w)
        wt = rand(g, oc, ic, k, k, scale=0.5)
        bias = rand(g, oc)
        oh = (h + 2 * p - k) // s + 1
        ow = (w + 2 * p - k) // s + 1
        dy = rand(g, b, oc, oh, ow)
        xd, wd, bd = (t.double().requires_grad_() for t in (x, wt, bias))
        y = F.conv2d(xd, wd, bd, stride=s, padding=p)
        assert y.shape == (b, oc, oh, ow)
        (y * dy.double()).sum().backward()
        pre = "c%d/" % i
        out += [(pre + "geom", torch.tensor([b, ic, h, w, oc, k, s, p], dtype=torch.float32)),
                (pre + "x", x), (pre + "w", wt), (pre + "b", bias), (pre + "dy", dy),
                (pre + "y", y), (pre + "dx", xd.grad), (pre + "dw", wd.grad),
                (pre + "db", bd.grad)]
    return out


def convt_fixture(g):
    out = []
    for i, (b, ic, h, w, oc, k, s, p, op) in enumerate(CONVT_CASES):
        x = rand(g, b, ic, h, w)
        wt = rand(g, ic, oc, k, k, scale=0.5)
        bias = rand(g, oc)
        oh = (h - 1) * s - 2 * p + k + op
        ow = (w - 1) * s - 2 * p + k + op
        dy = rand(g, b, oc, oh, ow)
        xd, wd, bd = (t.double().requires_grad_() for t in (x, wt, bias))
        y = F.conv_transpose2d(xd, wd, bd, stride=s, padding=p, output_padding=op)
        assert y.shape == (b, oc, oh, ow)
        (y * dy.double()).sum().backward()
        pre = "c%d/" % i
        out += [(pre + "geom", torch.tensor([b, ic, h, w, oc, k, s, p, op], dtype=torch.float32)),
                (pre + "x", x), (pre + "w", wt), (pre + "b", bias), (pre + "dy", dy),
                (pre + "y", y), (pre + "dx", xd.grad), (pre + "dw", wd.grad),
                (pre + "db", bd.grad)]
    return out


def batchnorm_fixture(g):
    out = []
    for i, (b, c, h, w, momentum, eps) in enumerate(BN_CASES):
        # An offset and a spread per channel, so that a one-pass variance or a
        # wrong axis shows up.
        x = rand(g, b, c, h, w) * (1 + 3 * torch.rand(1, c, 1, 1, generator=g)) \
            + 5 * rand(g, 1, c, 1, 1)
        gamma = 1 + rand(g, c, scale=0.5)
        beta = rand(g, c)
        rm0 = rand(g, c)
        rv0 = 0.5 + torch.rand(c, generator=g)
        dy = rand(g, b, c, h, w)

        bn = torch.nn.BatchNorm2d(c, eps=eps, momentum=momentum).double()
        with torch.no_grad():
            bn.weight.copy_(gamma.double())
            bn.bias.copy_(beta.double())
            bn.running_mean.copy_(rm0.double())
            bn.running_var.copy_(rv0.double())
        bn.train()
        xd = x.double().requires_grad_()
        y = bn(xd)
        (y * dy.double()).sum().backward()
        xdd = x.double()
        mean = xdd.mean(dim=(0, 2, 3))
        invstd = 1 / torch.sqrt(xdd.var(dim=(0, 2, 3), unbiased=False) + eps)
        bn.eval()
        with torch.no_grad():
            y_eval = bn(xdd)

        pre = "c%d/" % i
        out += [(pre + "geom", torch.tensor([b, c, h * w, momentum, eps], dtype=torch.float32)),
                (pre + "x", x), (pre + "gamma", gamma), (pre + "beta", beta),
                (pre + "running_mean0", rm0), (pre + "running_var0", rv0),
                (pre + "dy", dy), (pre + "y", y), (pre + "mean", mean),
                (pre + "invstd", invstd),
                (pre + "running_mean1", bn.running_mean), (pre + "running_var1", bn.running_var),
                (pre + "dx", xd.grad), (pre + "dgamma", bn.weight.grad),
                (pre + "dbeta", bn.bias.grad), (pre + "y_eval", y_eval)]
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out-dir", default=os.path.join(here, "fixtures"))
    args = ap.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)

    g = torch.Generator().manual_seed(20261122)
    for name, fn in (("conv-conv2d.bin", conv2d_fixture),
                     ("conv-convt.bin", convt_fixture),
                     ("conv-batchnorm.bin", batchnorm_fixture)):
        path = os.path.join(args.out_dir, name)
        tensors = fn(g)
        write_fixture(path, tensors)
        print("wrote %s (%d tensors, %d bytes)" % (path, len(tensors), os.path.getsize(path)))


if __name__ == "__main__":
    main()
