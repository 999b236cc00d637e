#!/usr/bin/env bash
# RigL-family reproduction on LeNet-300-100 / MNIST (issue 3), shortened schedule:
# EPOCHS epochs (default 20), batch 100, SGD Nesterov momentum 0.9, lr 0.1 cosine, weight decay 1e-4,
# ERK, update every 100 steps, drop fraction 0.3 cosine-decayed to T_end = 75% of training,
# the whole 60k training set (no validation hold-out), seed 0.
# Prints one row per run: test accuracy, train FLOPs / dense, seconds per epoch.
#   prerequisites: mvn -B -q package -DskipTests
#   usage: SPRIG_DATA=../shared/data bench/rigl-mnist.sh [EPOCHS] [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
epochs="${1:-20}"
out="${2:-runs/rigl-mnist}"
common=(--model lenet-300-100 --dataset mnist --epochs "$epochs" --batch-size 100 --lr 0.1 --lr-schedule cosine
        --nesterov --momentum 0.9 --weight-decay 1e-4 --validation-fraction 0 --distribution erk
        --update-interval 100 --drop-fraction 0.3 --end-fraction 0.75 --seed 0 --quiet --overwrite)
./sprig train --method dense "${common[@]}" --out "$out/dense"
for s in 0.9 0.95 0.98; do
  for m in static set snfs rigl; do
    ./sprig train --method "$m" --sparsity "$s" "${common[@]}" --out "$out/$m-$s"
  done
done
/usr/bin/env python3 - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
print("\n%-8s %-8s %9s %14s %12s" % ("method", "sparsity", "test acc", "FLOPs/dense", "s/epoch"))
for name in ["dense"] + [f"{m}-{s}" for s in ("0.9", "0.95", "0.98") for m in ("static", "set", "snfs", "rigl")]:
    p = os.path.join(out, name, "summary.json")
    if not os.path.exists(p):
        continue
    j = json.load(open(p))
    lines = [json.loads(l) for l in open(os.path.join(out, name, "metrics.jsonl"))]
    per_epoch = sorted(l["epoch_seconds"] for l in lines)[len(lines) // 2]
    print("%-8s %-8s %9.4f %14.3f %12.2f" % (j["method"], "%.2f" % j["sparsity"], j["test_accuracy"],
          j["train_flops"] / j["dense_train_flops"], per_epoch))
PY
