#!/usr/bin/python3
"""PyTorch side of `bench/train-throughput.sh`: the same models, batch sizes, optimiser and
synthetic data sizes as `sprig bench train`, timed the same way (median samples/s over rounds,
the first round discarded as warm-up).

Needs Debian's python3-torch (`apt-get install python3-torch`), run with /usr/bin/python3.
"""
import argparse
import json
import statistics
import time

from timing import timed_rounds

import torch
import torch.nn as nn
import torch.nn.functional as F


def lenet300(classes=10):
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 300), nn.ReLU(), nn.Linear(300, 100), nn.ReLU(),
                         nn.Linear(100, classes))


class Basic(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.short = None
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.b2(self.c2(F.relu(self.b1(self.c1(x)))))
        return F.relu(y + (x if self.short is None else self.short(x)))


def resnet20(classes=10):
    layers = [nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU()]
    cin = 16
    for stage, width in enumerate([16, 32, 64]):
        for b in range(3):
            layers.append(Basic(cin, width, 2 if (b == 0 and stage > 0) else 1))
            cin = width
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, classes)]
    return nn.Sequential(*layers)


def vgg11(width=1.0, classes=10):
    """Sprig's zoo VGG-11: 3x3 convolutions without bias, batch norm, ReLU, max pooling, global
    average pooling and one linear layer; widths scaled and rounded as the zoo does."""
    layers, cin = [], 3
    for c in [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512]:
        if c == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            out = max(1, round(c * width))
            layers += [nn.Conv2d(cin, out, 3, 1, 1, bias=False), nn.BatchNorm2d(out), nn.ReLU()]
            cin = out
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, classes)]
    return nn.Sequential(*layers)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=50)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--min-seconds", type=float, default=1.0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--models", default="lenet-300-100,resnet-20")
    p.add_argument("--json")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    rows = []
    for name in a.models.split(","):
        mlp = name.startswith("lenet-300")
        base, _, width = name.partition("@")
        width = float(width) if width else 1.0
        model = lenet300() if mlp else vgg11(width) if base == "vgg-11" else resnet20()
        batch = 128 if mlp else 64
        shape = (1, 28, 28) if mlp else (3, 32, 32)
        x_all = torch.randn(batch * a.steps, *shape)
        y_all = torch.randint(0, 10, (batch * a.steps,))
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
        model.train()
        def epoch():
            for s in range(a.steps):
                x = x_all[s * batch:(s + 1) * batch]
                y = y_all[s * batch:(s + 1) * batch]
                opt.zero_grad()
                out = model(x)
                loss = F.cross_entropy(out, y)
                loss.backward()
                opt.step()
                loss.item()

        rates = timed_rounds(epoch, a.steps * batch, a.rounds, a.min_seconds)
        median = statistics.median(rates)
        rows.append({"framework": "pytorch-" + torch.__version__, "model": name, "batch_size": batch,
                     "samples_per_s": median, "rounds": rates})
        print("torch  %-14s batch %3d  %10.0f samples/s (median of %d rounds)" % (name, batch, median, len(rates)))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=2)


if __name__ == "__main__":
    main()
