#!/usr/bin/env bash
# FreeTickets on a small data set: a dense model, a dense deep ensemble, a DST ensemble and an EDST
# ensemble (M = 3, the authors' defaults otherwise), each evaluated with `sprig evaluate`.
# The single dense model is member-1 of the dense ensemble (same recipe, seed 0).
#   prerequisites: mvn -B -q package -DskipTests; SPRIG_DATA pointing at the data root
#   usage: bench/ensemble.sh [DATASET] [MODEL] [EPOCHS] [OUT] [CORRUPTION_LIMIT] [WIDTH_MULTIPLIER]
set -euo pipefail
cd "$(dirname "$0")/.."
dataset="${1:-mnist}"
model="${2:-lenet-300-100}"
epochs="${3:-20}"
out="${4:-runs/ensemble-$dataset}"
limit="${5:-2000}"
width="${6:-1}"
common=(--model "$model" --width-multiplier "$width" --dataset "$dataset" --epochs "$epochs" --members 3 --seed 0 --quiet)
for m in dense-ensemble dst-ensemble edst-ensemble; do
  if [ -f "$out/$m/summary.json" ]; then continue; fi
  ./sprig ensemble --method "$m" "${common[@]}" --overwrite --out "$out/$m"
done
for d in dense-ensemble/member-1 dense-ensemble dst-ensemble edst-ensemble; do
  ./sprig evaluate "$out/$d" --corruption-limit "$limit" --out "$out/eval/${d//\//-}.json" > /dev/null
done
/usr/bin/python3 - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
rows = [("dense (1 model)", "dense-ensemble-member-1", "dense-ensemble/member-1"),
        ("dense ensemble", "dense-ensemble", "dense-ensemble"),
        ("DST ensemble", "dst-ensemble", "dst-ensemble"),
        ("EDST ensemble", "edst-ensemble", "edst-ensemble")]
dense = json.load(open(os.path.join(out, "dense-ensemble", "member-1", "summary.json")))
print("| model | test acc | NLL | ECE | OoD AUROC (max-prob) | noise AUROC | corrupted acc | disagreement | train FLOPs vs 1 dense | wall vs 1 dense |")
print("|---|---|---|---|---|---|---|---|---|---|")
for name, ev, run in rows:
    e = json.load(open(os.path.join(out, "eval", ev + ".json")))
    s = json.load(open(os.path.join(out, run, "summary.json")))
    ood = [v for k, v in e["ood"].items() if k != "gaussian_noise"]
    print("| %s | %.2f%% | %.4f | %.4f | %s | %.4f | %.2f%% | %s | %.2fx | %.2fx |" % (
        name, 100 * e["test"]["accuracy"], e["test"]["nll"], e["test"]["ece"],
        "%.4f" % ood[0]["auroc_max_probability"] if ood else "-", e["ood"]["gaussian_noise"]["auroc_max_probability"],
        100 * e["corruption_mean"]["accuracy"],
        "%.4f" % e["diversity"]["disagreement"] if "diversity" in e else "-",
        s["train_flops"] / dense["dense_train_flops"], s["wall_seconds"] / dense["wall_seconds"]))
PY
