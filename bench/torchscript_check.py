"""Runs a Sprig TorchScript export in PyTorch alone and reports its test accuracy.

The check a user of `sprig export` cares about: the exported `model.pt` gives the trained model's
figures with nothing from Sprig installed. Reads the test split of the run's data set (IDX files,
gzipped or not, for MNIST and Fashion-MNIST; CIFAR binary batches) and normalises it with the
mean and std that `model.json` records.

    usage: python3 bench/torchscript_check.py EXPORT_DIR DATASET_DIR [--device cpu|cuda|auto]
    prints one JSON line: accuracy, loss, images, device, torch version, seconds
"""
import argparse
import gzip
import json
import os
import struct
import sys
import time

import torch


def read_maybe_gz(path):
    for p in (path, path + ".gz"):
        if os.path.exists(p):
            opener = gzip.open if p.endswith(".gz") else open
            with opener(p, "rb") as f:
                return f.read()
    raise SystemExit("missing data file: " + path + "[.gz]")


def idx_test_set(folder):
    images = read_maybe_gz(os.path.join(folder, "t10k-images-idx3-ubyte"))
    labels = read_maybe_gz(os.path.join(folder, "t10k-labels-idx1-ubyte"))
    _, n, rows, cols = struct.unpack(">IIII", images[:16])
    x = torch.frombuffer(bytearray(images[16:]), dtype=torch.uint8).reshape(n, 1, rows, cols)
    y = torch.frombuffer(bytearray(labels[8:]), dtype=torch.uint8).long()
    return x, y


def cifar_test_set(folder, classes):
    name = "test_batch.bin" if classes == 10 else "test.bin"
    raw = None
    for sub in ("", "cifar-10-batches-bin", "cifar-100-binary"):
        p = os.path.join(folder, sub, name)
        if os.path.exists(p):
            raw = open(p, "rb").read()
    if raw is None:
        raise SystemExit("missing CIFAR test batch " + name + " under " + folder)
    record = 3073 if classes == 10 else 3074
    t = torch.frombuffer(bytearray(raw), dtype=torch.uint8).reshape(-1, record)
    y = t[:, record - 3073].long()
    return t[:, record - 3072:].reshape(-1, 3, 32, 32), y


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("export_dir")
    ap.add_argument("dataset_dir")
    ap.add_argument("--device", default="auto")
    a = ap.parse_args()
    meta = json.load(open(os.path.join(a.export_dir, "model.json")))
    device = ("cuda" if torch.cuda.is_available() else "cpu") if a.device == "auto" else a.device
    if meta["dataset"].startswith("cifar"):
        x, y = cifar_test_set(a.dataset_dir, meta["classes"])
    else:
        x, y = idx_test_set(a.dataset_dir)
    mean = torch.tensor(meta["input_mean"]).view(1, -1, 1, 1)
    std = torch.tensor(meta["input_std"]).view(1, -1, 1, 1)
    start = time.time()
    model = torch.jit.load(os.path.join(a.export_dir, "model.pt"), map_location=device).eval()
    correct, loss = 0, 0.0
    with torch.no_grad():
        for i in range(0, len(y), 500):
            xb = ((x[i:i + 500].float() / 255 - mean) / std).to(device)
            yb = y[i:i + 500].to(device)
            logits = model(xb)
            loss += torch.nn.functional.cross_entropy(logits, yb, reduction="sum").item()
            correct += (logits.argmax(1) == yb).sum().item()
    print(json.dumps({"accuracy": correct / len(y), "loss": loss / len(y), "images": len(y), "device": device,
                      "torch": torch.__version__, "seconds": round(time.time() - start, 2)}))


if __name__ == "__main__":
    sys.exit(main())
