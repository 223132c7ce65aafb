#!/usr/bin/python3
"""gen-fixture-dense.py - PyTorch reference tensors for tests/test-nn-parity.c.

Run with Debian's Python and python3-torch (from the source tree):
    /usr/bin/python3 tests/gen-fixture-dense.py tests/fixtures

For each variant it builds a small dense autoencoder with the engine's layout
(encoder 12-8-3, mirrored decoder, the output activation applied by the loss),
runs one forward + backward pass on a batch of 5, then 3 optimizer steps on the
same batch, and writes tests/fixtures/dense-<variant>.bin:

    magic "BTLNNFX\\0" (8 bytes), uint32 version = 1, uint32 record count,
    then records: uint32 name length, name (UTF-8), uint32 kind
    (0 = float32 tensor, 1 = text), uint32 count, payload
    (count float32 little-endian, or count bytes of text).

Records: config (the engine's key=value text), x, params (W then b per layer,
W as (out, in) like torch.nn.Linear), y (output after the output activation),
loss, grads (same layout as params), losses3 (loss before each of 3 steps),
params3 (after the 3 steps); the VAE variant adds eps (the reparameterisation
noise, the same for every step), recon and reg (the beta-weighted KL term).
"""
import os
import struct
import sys

import torch
import torch.nn as nn

VARIANTS = {
    # name: (hidden activation, loss, optimizer, extra config lines)
    "mse": ("relu", "mse", "adam", {"lr": 0.01}),
    "bce": ("leaky_relu", "bce", "adamw", {"lr": 0.01, "weight_decay": 0.1}),
    "sgd": ("tanh", "mse", "sgd", {"lr": 0.1, "momentum": 0.9}),
    # Variational: the encoder's last layer emits mu and log sigma^2 side by side
    # (12-8-6), z = mu + exp(lv / 2) * eps with the fixture's eps, decoder 3-8-12;
    # loss = mse + beta * KL / (batch * 12), KL summed over rows and units.
    "vae": ("tanh", "mse", "adam", {"lr": 0.01, "beta": 0.5}),
}

ACT = {
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.01),
    "tanh": nn.Tanh,
}


def build(act, vae=False):
    if vae:
        return nn.ModuleList([
            nn.Sequential(nn.Linear(12, 8), ACT[act](), nn.Linear(8, 6)),
            nn.Sequential(nn.Linear(3, 8), ACT[act](), nn.Linear(8, 12)),
        ])
    dims = [12, 8, 3, 8, 12]
    layers = []
    for i in range(len(dims) - 1):
        layers.append(nn.Linear(dims[i], dims[i + 1]))
        if i < len(dims) - 2:
            layers.append(ACT[act]())
    return nn.Sequential(*layers)


def flat(tensors):
    return torch.cat([t.detach().reshape(-1) for t in tensors])


def write(path, records):
    with open(path + ".tmp", "wb") as f:
        f.write(b"BTLNNFX\0")
        f.write(struct.pack("<II", 1, len(records)))
        for name, value in records:
            nb = name.encode()
            f.write(struct.pack("<I", len(nb)))
            f.write(nb)
            if isinstance(value, str):
                data = value.encode()
                f.write(struct.pack("<II", 1, len(data)))
                f.write(data)
            else:
                v = value.detach().to(torch.float32).reshape(-1).tolist()
                f.write(struct.pack("<II", 0, len(v)))
                f.write(struct.pack("<%df" % len(v), *v))
    os.replace(path + ".tmp", path)


def variant(name, act, loss_name, optim, extra, seed):
    torch.manual_seed(seed)
    vae = name == "vae"
    model = build(act, vae)
    x = torch.rand(5, 12)
    x[0, :3] = torch.tensor([0.0, 1.0, 1.0])  # exact 0 and 1 targets for BCE
    eps = torch.randn(5, 3)
    params0 = flat(model.parameters())
    parts = {}

    def forward():
        if not vae:
            return model(x)
        h = model[0](x)
        mu, lv = h[:, :3], h[:, 3:]
        z = mu + torch.exp(0.5 * lv) * eps
        parts["kl"] = -0.5 * torch.sum(1 + lv - mu * mu - torch.exp(lv))
        return model[1](z)

    def loss_of(logits):
        if loss_name == "bce":
            recon = nn.functional.binary_cross_entropy_with_logits(logits, x)
        else:
            recon = nn.functional.mse_loss(torch.sigmoid(logits), x)
        parts["recon"] = recon
        if vae:
            parts["reg"] = extra["beta"] * parts["kl"] / x.numel()
            return recon + parts["reg"]
        return recon

    logits = forward()
    loss = loss_of(logits)
    recon0 = parts["recon"].item()
    reg0 = parts["reg"].item() if vae else 0.0
    model.zero_grad()
    loss.backward()
    grads = flat(p.grad for p in model.parameters())
    y = torch.sigmoid(logits)

    if optim == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=extra["lr"])
    elif optim == "adamw":
        opt = torch.optim.AdamW(model.parameters(), lr=extra["lr"],
                                weight_decay=extra["weight_decay"])
    else:
        opt = torch.optim.SGD(model.parameters(), lr=extra["lr"], momentum=extra["momentum"])
    losses = []
    for _ in range(3):
        opt.zero_grad()
        l = loss_of(forward())
        losses.append(l.item())
        l.backward()
        opt.step()
    params3 = flat(model.parameters())

    cfg = {
        "arch": "12-8-3",
        "in_channels": 1, "in_height": 3, "in_width": 4,
        "activation": act, "out_activation": "sigmoid", "loss": loss_name,
        "optimizer": "sgd" if optim == "sgd" else "adam",
        "batch": 5, "val_split": 0,
    }
    cfg.update(extra)
    if vae:
        cfg["kind"] = "vae"
    text = "".join("%s=%s\n" % (k, v) for k, v in cfg.items())
    more = [("eps", eps), ("recon", torch.tensor([recon0])), ("reg", torch.tensor([reg0]))] if vae else []
    return more + [
        ("config", text),
        ("x", x),
        ("params", params0),
        ("y", y),
        ("loss", torch.tensor([loss.item()])),
        ("grads", grads),
        ("losses3", torch.tensor(losses)),
        ("params3", params3),
    ]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "fixtures")
    torch.set_num_threads(1)
    for i, (name, (act, loss, optim, extra)) in enumerate(VARIANTS.items()):
        recs = variant(name, act, loss, optim, extra, seed=100 + i)
        path = os.path.join(out, "dense-%s.bin" % name)
        write(path, recs)
        print("wrote", path)


if __name__ == "__main__":
    main()
