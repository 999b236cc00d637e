#!/usr/bin/env bash
# Export check (issue 7): trains three short runs, exports each (DJL, TorchScript, CSR), and runs the
# TorchScript file in PyTorch alone (bench/torchscript_check.py) on the real test set. Prints, per run,
# Sprig's test accuracy next to PyTorch's and the CSR size against dense float32.
#   prerequisites: mvn -B -q package -DskipTests; apt-get install python3-torch
#   usage: SPRIG_DATA=../shared/data bench/export.sh [EPOCHS] [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
epochs="${1:-2}"
out="${2:-runs/export}"
data="${SPRIG_DATA:?set SPRIG_DATA to the data folder}"
common=(--epochs "$epochs" --validation-fraction 0 --seed 0 --quiet --overwrite)
./sprig train --method rigl --sparsity 0.9 --model lenet-300-100 --dataset mnist "${common[@]}" --out "$out/lenet300-rigl"
./sprig train --method rigl --sparsity 0.8 --exec dense --model lenet-5 --dataset mnist "${common[@]}" --out "$out/lenet5-rigl"
./sprig train --method dense --model resnet-20 --width-multiplier 0.25 --dataset fashion-mnist "${common[@]}" \
  --out "$out/resnet20-dense"
printf "\n%-16s %-14s %10s %12s %11s %13s %9s %10s\n" run dataset "Sprig acc" "PyTorch acc" "Sprig loss" "PyTorch loss" \
  images "CSR/dense"
for run in lenet300-rigl:mnist lenet5-rigl:mnist resnet20-dense:fashion-mnist; do
  name="${run%%:*}"; ds="${run##*:}"
  ./sprig export "$out/$name" > /dev/null 2>&1
  py=$(/usr/bin/python3 bench/torchscript_check.py "$out/$name/export" "$data/$ds" --device cpu 2>/dev/null)
  /usr/bin/python3 - "$out/$name" "$py" "$name" "$ds" <<'PY'
import json, sys
run, py, name, ds = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3], sys.argv[4]
s = json.load(open(run + "/summary.json"))
m = json.load(open(run + "/export/model.json"))
print("%-16s %-14s %10.4f %12.4f %11.4f %13.4f %9d %10.3f" % (name, ds, s["test_accuracy"], py["accuracy"],
      s["test_loss"], py["loss"], py["images"], m["csr_vs_dense"]))
PY
done
