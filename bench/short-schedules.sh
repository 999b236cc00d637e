#!/usr/bin/env bash
# Early-Bird and EPI on short schedules (issue 18): dense training and each method with its trigger
# observing per epoch (the papers' setting) and with `auto` (about 50 observations per run), same
# network, schedule and seed. Prints one table row per run from summary.json, with the budget view:
# where the trigger fired as a fraction of the schedule and the cost before and after it.
#   prerequisites: mvn -B -q package -DskipTests; SPRIG_DATA pointing at the data root
#   usage: bench/short-schedules.sh eb|epi [EPOCHS] [MODEL] [WIDTH] [OUT] [RATIOS] [ORACLE_EPOCHS]
#   SEED=N in the environment picks the seed (default 0) for every run of the table
#   Run it again after a stop: finished runs are kept, a run stopped part-way resumes (an oracle
#   grid stopped part-way starts afresh)
#   EB:  RATIOS are Early-Bird's prune ratios (default 0.5,0.3); EPI: a 50% FLOPs budget, and the
#        oracle grid (prune at fixed epochs) when ORACLE_EPOCHS is given
set -euo pipefail
cd "$(dirname "$0")/.."
kind="${1:?eb or epi}"
epochs="${2:-10}"
model="${3:-vgg-16}"
width="${4:-0.25}"
out="${5:-runs/short-$kind-$model-$epochs}"
ratios="${6:-0.5,0.3}"
oracle="${7:-}"
seed="${SEED:-0}"
common=(--model "$model" --width-multiplier "$width" --dataset fashion-mnist --epochs "$epochs"
        --lr 0.1 --lr-schedule multistep --lr-milestones "$((epochs / 2)),$((epochs * 3 / 4))"
        --weight-decay 1e-4 --batch-size 128 --validation-fraction 0 --threads 2 --seed "$seed"
        --quiet)
# run DIR ARGS...: one row's run with the common settings. A finished run (summary.json) is kept;
# one stopped part-way (config.yaml, no summary.json) resumes from its checkpoint; else it starts.
run() {
  local dir=$1 mode=--overwrite; shift
  [ -f "$dir/summary.json" ] && return
  [ -f "$dir/config.yaml" ] && mode=--resume
  ./sprig "$@" "${common[@]}" "$mode" --out "$dir"
}
run "$out/dense" train --method dense
runs=()
if [ "$kind" = eb ]; then
  for p in ${ratios//,/ }; do
    for interval in epoch auto; do
      name="eb-$p-$interval"; runs+=("$name")
      run "$out/$name" earlybird --prune-ratio "$p" --bn-gamma-init 0.5 --eb-interval "$interval"
    done
  done
else
  # With ORACLE_EPOCHS the grid's own EPI run (per epoch) is the per-epoch row.
  if [ -n "$oracle" ]; then
    [ -f "$out/grid/oracle.json" ] || ./sprig epi --epi-budget flops --epi-budget-fraction 0.5 \
      --oracle-epochs "$oracle" "${common[@]}" --overwrite --out "$out/grid"
    runs+=("grid/epi")
  else
    runs+=("epi-epoch")
    run "$out/epi-epoch" epi --epi-budget flops --epi-budget-fraction 0.5
  fi
  runs+=("epi-auto")
  run "$out/epi-auto" epi --epi-budget flops --epi-budget-fraction 0.5 --epi-interval auto
  for e in ${oracle//,/ }; do runs+=("grid/epoch-$e"); done
fi
/usr/bin/python3 - "$out" "${runs[@]}" <<'PY'
import json, os, sys
out, runs = sys.argv[1], sys.argv[2:]
dense = json.load(open(os.path.join(out, "dense", "summary.json")))
print("| run | fired at (epochs) | fraction of schedule | test acc | vs dense"
      " | train FLOPs vs dense | before / after | wall vs dense |")
print("|---|---|---|---|---|---|---|---|")
print("| dense | - | - | %.2f%% | - | 1.00x | - | 1.00x (%.0f s) |"
      % (100 * dense["test_accuracy"], dense["wall_seconds"]))
for name in runs:
    s = json.load(open(os.path.join(out, name, "summary.json")))
    b = s.get("budget", {})
    at = "never" if not b.get("happened") else "%.2f" % b["epochs_trained"]
    frac = "-" if not b.get("happened") else "%.2f" % b["fraction_of_schedule"]
    print("| %s | %s | %s | %.2f%% | %+.2f | %.2fx | %.2f / %.2f | %.2fx |" % (
        name, at, frac, 100 * s["test_accuracy"],
        100 * (s["test_accuracy"] - dense["test_accuracy"]),
        s["train_flops"] / dense["dense_train_flops"],
        b.get("train_flops_before_ratio", float("nan")),
        b.get("train_flops_after_ratio", float("nan")), s["wall_seconds"] / dense["wall_seconds"]))
PY
