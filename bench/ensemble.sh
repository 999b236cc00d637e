#!/usr/bin/env bash
# FreeTickets on a small data set: a dense model, a dense deep ensemble, a DST ensemble, an EDST
# ensemble with the authors' settings and one with the short-schedule recipe (density 0.5, half
# the run exploring), M = 3, each evaluated with `sprig evaluate`.
# The single dense model is member-1 of the dense ensemble (same recipe, seed 0).
# LANES=2 trains in two single-threaded lanes at once, for networks too small to keep two threads
# busy (throughput, not timing); the wall column then compares runs that shared the machine.
#   prerequisites: mvn -B -q package -DskipTests; SPRIG_DATA pointing at the data root
#   usage: [LANES=1|2] bench/ensemble.sh [DATASET] [MODEL] [EPOCHS] [OUT] [CORRUPTION_LIMIT]
#          [WIDTH_MULTIPLIER]
set -euo pipefail
cd "$(dirname "$0")/.."
dataset="${1:-mnist}"
model="${2:-lenet-300-100}"
epochs="${3:-20}"
out="${4:-runs/ensemble-$dataset}"
limit="${5:-2000}"
width="${6:-1}"
lanes="${LANES:-1}"
common=(--model "$model" --width-multiplier "$width" --dataset "$dataset" --epochs "$epochs" --members 3 --seed 0 --quiet)
if [ "$lanes" = 2 ]; then
  common+=(--threads 1)
  export OMP_NUM_THREADS=1
elif [ "$lanes" != 1 ]; then
  echo "LANES must be 1 or 2, not $lanes" >&2
  exit 2
fi
# train NAME METHOD [FLAGS...]: one ensemble run, skipped when its summary exists (resumable)
train() {
  local name="$1" method="$2"
  shift 2
  if [ -f "$out/$name/summary.json" ]; then return 0; fi
  ./sprig ensemble --method "$method" "${common[@]}" "$@" --overwrite --out "$out/$name"
}
short=(--sparsity 0.5 --edst-explore-fraction 0.5)
# the runs in two lanes of about equal work: one after the other, or side by side with LANES=2
first_lane() { train dense-ensemble dense-ensemble && train edst-ensemble edst-ensemble; }
second_lane() { train dst-ensemble dst-ensemble && train edst-short edst-ensemble "${short[@]}"; }
if [ "$lanes" = 2 ]; then
  first_lane &
  first=$!
  second_lane &
  second=$!
  wait "$first"
  wait "$second"
else
  first_lane
  second_lane
fi
for d in dense-ensemble/member-1 dense-ensemble dst-ensemble edst-ensemble edst-short; do
  e="$out/eval/${d//\//-}.json"
  # an evaluation newer than its run's summary stands (a run trained again is evaluated again)
  if [ "$e" -nt "$out/$d/summary.json" ]; then continue; fi
  ./sprig evaluate "$out/$d" --corruption-limit "$limit" --out "$e" > /dev/null
done
/usr/bin/python3 - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
rows = [("dense (1 model)", "dense-ensemble-member-1", "dense-ensemble/member-1"),
        ("dense ensemble", "dense-ensemble", "dense-ensemble"),
        ("DST ensemble", "dst-ensemble", "dst-ensemble"),
        ("EDST, authors' settings", "edst-ensemble", "edst-ensemble"),
        ("EDST, density 0.5, explore 1/2", "edst-short", "edst-short")]
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
