#!/usr/bin/env bash
# Sparse recurrent networks (issue 22): a character-level GRU language model on the King James
# Bible (public domain; Debian's bible-kjv-text, printed by its `bible` program, 4.3 MB), dense
# against static, SET and RigL at 75% and 90% sparsity (ERK over the input, recurrent and output
# matrices, embedding dense), the same steps for every run. Prints test bits per character,
# training FLOPs and wall time relative to dense, one row per run, from summary.json.
#   prerequisites: mvn -B -q package -DskipTests; run alone on the machine (wall times are compared)
#   usage: bench/text-lm.sh [OUT] [MODEL] [MAX_STEPS]   (MAX_STEPS 0 = the whole text once)
#   SEED=N picks the seed (default 0); SPARSITIES="0.75" limits the sparse rows; METHODS="rigl"
#   limits the methods; EXECS="dense sparse" runs each sparse row on the engine's masked-dense
#   path and on Sprig's sparse path (rows named METHOD-SPARSITY-sparse), dense path by default
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-runs/text-lm}"
model="${2:-gru-256-2}"
steps="${3:-0}"
if ! command -v bible > /dev/null 2>&1; then
  install="apt-get install -y -q bible-kjv bible-kjv-text || (apt-get update -q && apt-get install -y -q bible-kjv bible-kjv-text)"
  (sh -c "$install" || sudo -n sh -c "$install") > /dev/null
fi
mkdir -p "$out"
text="$out/kjv.txt"
[ -s "$text" ] || bible "Gen1:1-Rev22:21" > "$text"
# One pass over the training text (95%, about 1,275 steps): 64 streams, windows of 50 characters,
# SGD with momentum 0.9 and lr 1 (2 diverged in a 150-step probe), cosine decay, gradients clipped
# at norm 1; dynamic methods update every 100 steps until 75% of the run (RigL's defaults).
common=(--dataset "text:$text" --model "$model" --seq-len 50 --batch-size 64 --epochs 1
        --max-steps-per-epoch "$steps" --lr 1 --momentum 0.9 --weight-decay 0 --clip-norm 1
        --lr-schedule cosine --validation-fraction 0 --update-interval 100
        --threads 2 --seed "${SEED:-0}" --quiet)
runs=(dense)
[ -f "$out/dense/summary.json" ] || ./sprig train --method dense "${common[@]}" --exec dense --overwrite --out "$out/dense"
for s in ${SPARSITIES:-0.75 0.9}; do
  for m in ${METHODS:-static set rigl}; do
    for e in ${EXECS:-dense}; do
      name="$m-$s"; [ "$e" = dense ] || name="$name-$e"; runs+=("$name")
      [ -f "$out/$name/summary.json" ] || ./sprig train --method "$m" --sparsity "$s" "${common[@]}" --exec "$e" --overwrite --out "$out/$name"
    done
  done
done
/usr/bin/python3 - "$out" "${runs[@]}" <<'PY'
import json, os, sys
out, runs = sys.argv[1], sys.argv[2:]
dense = json.load(open(os.path.join(out, "dense", "summary.json")))
print("| run | path | test bits/char | perplexity | next-char acc | train FLOPs vs dense | wall s | wall vs dense |")
print("|---|---|---|---|---|---|---|---|")
for r in runs:
    s = json.load(open(os.path.join(out, r, "summary.json")))
    print("| %s | %s | %.4f | %.3f | %.2f%% | %.3fx | %.0f | %.2fx |" % (
        r, s.get("exec", "engine"), s["test_bits_per_character"], s["test_perplexity"], 100 * s["test_accuracy"],
        s["train_flops"] / dense["train_flops"], s["wall_seconds"],
        s["wall_seconds"] / dense["wall_seconds"]))
PY
