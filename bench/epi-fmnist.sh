#!/usr/bin/env bash
# EPI on Fashion-MNIST: dense training, EPI's pruning point and the oracle grid (prune at fixed
# epochs; 0 = at initialisation), all at a 50% FLOPs budget with the same VGG, schedule and seed.
#   prerequisites: mvn -B -q package -DskipTests; SPRIG_DATA pointing at the data root
#   usage: bench/epi-fmnist.sh [EPOCHS] [WIDTH] [OUT] [MODEL] [ORACLE_EPOCHS] [BUDGET: flops|params|latency]
set -euo pipefail
cd "$(dirname "$0")/.."
epochs="${1:-12}"
width="${2:-0.125}"
out="${3:-runs/epi-repro}"
model="${4:-vgg-11}"
oracle="${5:-0,1,2,4,8}"
budget="${6:-flops}"
common=(--model "$model" --width-multiplier "$width" --dataset fashion-mnist --epochs "$epochs" --lr 0.1
        --lr-schedule cosine --weight-decay 1e-4 --batch-size 128 --seed 0 --quiet --overwrite)
[ -f "$out/dense/summary.json" ] || ./sprig train --method dense "${common[@]}" --out "$out/dense"
./sprig epi --epi-budget "$budget" --epi-budget-fraction 0.5 --oracle-epochs "$oracle" "${common[@]}" --out "$out/grid-$budget"
/usr/bin/python3 - "$out" "$oracle" "$budget" <<'PY'
import json, os, sys
out, oracle, budget = sys.argv[1], sys.argv[2].split(","), sys.argv[3]
dense = json.load(open(os.path.join(out, "dense", "summary.json")))
print("| run | prune epoch | test acc | vs dense | FLOPs kept (inference) | train FLOPs vs dense | wall vs dense |")
print("|---|---|---|---|---|---|---|")
print("| dense | - | %.2f%% | - | 100%% | 1.00x | 1.00x |" % (100 * dense["test_accuracy"]))
for name in ["epi"] + ["epoch-" + e for e in oracle]:
    s = json.load(open(os.path.join(out, "grid-" + budget, name, "summary.json")))
    print("| %s | %s | %.2f%% | %+.2f | %.0f%% | %.2fx | %.2fx |" % (
        "EPI" if name == "epi" else "prune at " + name[6:], s.get("prune_epoch", "never"), 100 * s["test_accuracy"],
        100 * (s["test_accuracy"] - dense["test_accuracy"]), 100 * s["inference_flops"] / dense["inference_flops"],
        s["train_flops"] / dense["dense_train_flops"], s["wall_seconds"] / dense["wall_seconds"]))
PY
