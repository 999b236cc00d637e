#!/usr/bin/python3
"""PyTorch side of `sprig bench sparse`: training throughput of MLPs (1x28x28) and CNNs (ResNet-20,
VGG-11 as in bench/pytorch_train.py, 3x32x32), dense and masked (dense weights
times a fixed random mask, re-applied after every optimiser step, as the RigL/SET/SNFS reference
implementations do). Same models, batch size, optimiser, thread count and timing rule as Sprig's
rows (median samples/s over rounds, the first round discarded as warm-up). Prints one JSON list.

Needs Debian's python3-torch (`apt-get install python3-torch`), run with /usr/bin/python3.
"""
import argparse
import json
import statistics
import time

from timing import timed_rounds
from pytorch_train import resnet20, vgg11

import torch
import torch.nn as nn
import torch.nn.functional as F


def mlp(widths, classes=10):
    layers, cin = [nn.Flatten()], 784
    for w in widths:
        layers += [nn.Linear(cin, w), nn.ReLU()]
        cin = w
    layers.append(nn.Linear(cin, classes))
    return nn.Sequential(*layers)


def build(name):
    """Returns (model, input shape) for a model name: MLPs on 1x28x28, CNNs on 3x32x32."""
    if name == "resnet-20":
        return resnet20(), (3, 32, 32)
    if name.startswith("vgg-11"):
        width = float(name.split("@")[1]) if "@" in name else 1.0
        return vgg11(width), (3, 32, 32)
    return mlp(widths(name)), (1, 28, 28)


def widths(name):
    if name == "lenet-300-100":
        return [300, 100]
    assert name.startswith("mlp-"), name
    return [int(w) for w in name[4:].split("-")]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--models", default="lenet-300-100,mlp-4096-4096")
    p.add_argument("--sparsities", default="0,0.9,0.95,0.98,0.99")
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--min-seconds", type=float, default=1.0)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--cnn-batch", type=int, default=64)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    rows = []
    for name in a.models.split(","):
        for s in [float(x) for x in a.sparsities.split(",")]:
            for path in (["dense"] if s == 0 else ["masked"]):
                model, shape = build(name)
                batch = a.batch if shape[0] == 1 else a.cnn_batch
                masks = []
                if path == "masked":
                    for m in model.modules():
                        if isinstance(m, (nn.Linear, nn.Conv2d)):
                            mask = (torch.rand_like(m.weight) >= s).float()
                            m.weight.data.mul_(mask)
                            masks.append((m.weight, mask))
                x_all = torch.randn(batch * a.steps, *shape)
                y_all = torch.randint(0, 10, (batch * a.steps,))
                opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
                def epoch():
                    for k in range(a.steps):
                        x = x_all[k * batch:(k + 1) * batch]
                        y = y_all[k * batch:(k + 1) * batch]
                        opt.zero_grad()
                        loss = F.cross_entropy(model(x), y)
                        loss.backward()
                        opt.step()
                        with torch.no_grad():
                            for w, mask in masks:
                                w.mul_(mask)

                rates = timed_rounds(epoch, a.steps * batch, a.rounds, a.min_seconds)
                rows.append({"model": name, "path": "pytorch-" + path, "sparsity": s,
                             "samples_per_s": statistics.median(rates), "rounds": rates,
                             "threads": a.threads, "batch_size": batch})
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
