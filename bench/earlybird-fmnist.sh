#!/usr/bin/env bash
# Early-Bird reproduction on Fashion-MNIST (and CIFAR-10 when its files are under $SPRIG_DATA/cifar-10):
# dense training, Early-Bird at p = 0.3/0.5/0.7, network slimming and the re-initialised ticket at
# p = 0.5, all with the same VGG, schedule and seed. Prints one table row per run from summary.json.
#   prerequisites: mvn -B -q package -DskipTests; SPRIG_DATA pointing at the data root
#   usage: bench/earlybird-fmnist.sh [EPOCHS] [WIDTH] [OUT] [DATASET]
set -euo pipefail
cd "$(dirname "$0")/.."
epochs="${1:-15}"
width="${2:-0.25}"
out="${3:-runs/eb-repro}"
dataset="${4:-fashion-mnist}"
common=(--model vgg-11 --width-multiplier "$width" --dataset "$dataset" --epochs "$epochs" --lr 0.1
        --lr-schedule multistep --lr-milestones "$((epochs / 2)),$((epochs * 3 / 4))" --weight-decay 1e-4
        --batch-size 128 --seed 0 --quiet --overwrite)
./sprig train --method dense "${common[@]}" --out "$out/dense"
for p in 0.3 0.5 0.7; do
  ./sprig earlybird --prune-ratio "$p" --bn-gamma-init 0.5 "${common[@]}" --out "$out/eb-$p"
done
./sprig earlybird --method slimming --prune-ratio 0.5 --bn-gamma-init 0.5 --finetune-epochs "$((epochs / 3))" \
  "${common[@]}" --out "$out/slimming-0.5"
./sprig earlybird --method earlybird-reinit --prune-ratio 0.5 --bn-gamma-init 0.5 "${common[@]}" --out "$out/eb-reinit-0.5"
/usr/bin/python3 - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
dense = json.load(open(os.path.join(out, "dense", "summary.json")))
print("| run | EB epoch | test acc | vs dense | params kept | train FLOPs vs dense | wall vs dense |")
print("|---|---|---|---|---|---|---|")
for name in ["dense", "eb-0.3", "eb-0.5", "eb-0.7", "slimming-0.5", "eb-reinit-0.5"]:
    s = json.load(open(os.path.join(out, name, "summary.json")))
    kept = s["nonzero_params"] / s["params"]
    print("| %s | %s | %.2f%% | %+.2f | %.0f%% | %.2fx | %.2fx |" % (
        name, s.get("eb_epoch", "-"), 100 * s["test_accuracy"], 100 * (s["test_accuracy"] - dense["test_accuracy"]),
        100 * kept, s["train_flops"] / dense["dense_train_flops"], s["wall_seconds"] / dense["wall_seconds"]))
PY
