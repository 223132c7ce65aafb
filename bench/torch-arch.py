#!/usr/bin/python3
"""torch-arch.py — ../shared/bench/torch_ae.py on any conv architecture written in
Bottleneck's --arch grammar, so a conv model other than torch_ae.py's own --conv
one can be checked for quality and speed against PyTorch.

    /usr/bin/python3 bench/torch-arch.py --arch c32k3s2,c64k3s2,d32 [--batch-norm]
        [--torch-script PATH] [torch_ae.py options]

Everything but --arch, --batch-norm and --torch-script goes to torch_ae.py unchanged (its
--conv mode: same data, timing, evaluation and RESULT line); only the model
differs. The model mirrors Bottleneck's: each cNkKsS[pP] is
Conv2d(k, stride s, padding p = k//2 unless given) + ReLU, each dN a Linear + ReLU
(the code too, as torch_ae.py and Bottleneck do); the decoder mirrors the
encoder with Linear layers and ConvTranspose2d whose output_padding restores
the conv's input size, ReLU between and a sigmoid at the end. --batch-norm puts
BatchNorm after every hidden conv / dense layer (not the code, not the output),
before its ReLU. PyTorch's default initialisation (Bottleneck's "auto" init for
conv models is the same U(±1/√fan_in)).
"""
import importlib.util
import os
import re
import sys

import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))


def torch_ae_path():
    shared = os.environ.get("BOTTLENECK_SHARED")
    if shared:
        return os.path.join(shared, "bench", "torch_ae.py")
    return os.path.join(HERE, "..", "..", "shared", "bench", "torch_ae.py")


def parse_arch(text, c=1, h=28, w=28):
    """[(kind, ...)] with shapes, as nn-arch.c works them out."""
    layers = []
    for item in text.split(","):
        m = re.fullmatch(r"c(\d+)k(\d+)s(\d+)(?:p(\d+))?", item)
        if m:
            oc, k, s = int(m.group(1)), int(m.group(2)), int(m.group(3))
            p = int(m.group(4)) if m.group(4) is not None else k // 2
            span_h, span_w = h + 2 * p - k, w + 2 * p - k
            oh, ow = span_h // s + 1, span_w // s + 1
            out_pad = span_h % s
            layers.append(("conv", c, oc, k, s, p, out_pad, (h, w), (oh, ow)))
            c, h, w = oc, oh, ow
            continue
        m = re.fullmatch(r"d(\d+)", item)
        if not m:
            sys.exit(f"torch-arch: cannot read arch item {item!r}")
        n = int(m.group(1))
        layers.append(("dense", c * h * w, n))
        c, h, w = n, 1, 1
    return layers


def build(text, batch_norm):
    layers = parse_arch(text)
    enc = [nn.Unflatten(1, (1, 28, 28))]
    flat = False
    for i, l in enumerate(layers):
        code = i == len(layers) - 1
        if l[0] == "conv":
            _, ic, oc, k, s, p, _, _, _ = l
            enc.append(nn.Conv2d(ic, oc, k, stride=s, padding=p))
            if batch_norm and not code:
                enc.append(nn.BatchNorm2d(oc))
        else:
            if not flat:
                enc.append(nn.Flatten())
                flat = True
            enc.append(nn.Linear(l[1], l[2]))
            if batch_norm and not code:
                enc.append(nn.BatchNorm1d(l[2]))
        enc.append(nn.ReLU())
    dec = []
    for i, l in enumerate(reversed(layers)):
        last = i == len(layers) - 1
        if l[0] == "dense":
            dec.append(nn.Linear(l[2], l[1]))
            if batch_norm and not last:
                dec.append(nn.BatchNorm1d(l[1]))
            nxt = layers[len(layers) - 2 - i] if not last else None
            if nxt is not None and nxt[0] == "conv" and not any(isinstance(m, nn.Unflatten) for m in dec):
                dec.append(nn.ReLU())
                dec.append(nn.Unflatten(1, (nxt[2],) + nxt[8]))
                continue
        else:
            _, ic, oc, k, s, p, op, _, _ = l
            dec.append(nn.ConvTranspose2d(oc, ic, k, stride=s, padding=p, output_padding=op))
            if batch_norm and not last:
                dec.append(nn.BatchNorm2d(ic))
        dec.append(nn.Sigmoid() if last else nn.ReLU())
    dec.append(nn.Flatten())
    return nn.Sequential(*enc, *dec)


def main():
    argv = sys.argv[1:]
    arch, batch_norm, script = None, False, torch_ae_path()
    rest = []
    i = 0
    while i < len(argv):
        if argv[i] == "--arch":
            arch = argv[i + 1]
            i += 2
        elif argv[i].startswith("--arch="):
            arch = argv[i].split("=", 1)[1]
            i += 1
        elif argv[i] == "--torch-script":
            script = argv[i + 1]
            i += 2
        elif argv[i] == "--batch-norm":
            batch_norm = True
            i += 1
        else:
            rest.append(argv[i])
            i += 1
    if arch is None or not arch.startswith("c"):
        sys.exit("torch-arch: --arch cNkKsS,…,dN is required (dense models: torch_ae.py --arch)")
    spec = importlib.util.spec_from_file_location("torch_ae", script)
    torch_ae = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(torch_ae)
    torch_ae.build_conv = lambda latent, latent_act: build(arch, batch_norm)
    # It counts MACs with a one-sample forward: batch norm needs eval mode there.
    count_macs = torch_ae.count_macs

    def count_macs_eval(model, *a, **kw):
        model.eval()
        try:
            return count_macs(model, *a, **kw)
        finally:
            model.train()
    torch_ae.count_macs = count_macs_eval
    sys.argv = [script, "--conv", "--tag", arch + (" bn" if batch_norm else "")] + rest
    print("\n".join("# " + line for line in str(build(arch, batch_norm)).splitlines()))
    return torch_ae.main()


if __name__ == "__main__":
    sys.exit(main())
