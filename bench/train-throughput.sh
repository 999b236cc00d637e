#!/usr/bin/env bash
# Training throughput, Sprig vs PyTorch 1.13 (Debian python3-torch), same models, batch sizes,
# optimiser and thread count, measured side by side. Prints samples/s and the Sprig/PyTorch ratio.
#   prerequisites: mvn -B -q package -DskipTests; apt-get install -y python3-torch
#   usage: bench/train-throughput.sh [THREADS] [REPEATS]
set -euo pipefail
cd "$(dirname "$0")/.."
threads="${1:-$(nproc)}"
repeats="${2:-3}"
out=bench/out
mkdir -p "$out"
export OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads"
for r in $(seq 1 "$repeats"); do
  ./sprig bench train --threads "$threads" --json "$out/sprig-$r.json"
  /usr/bin/python3 bench/pytorch_train.py --threads "$threads" --json "$out/torch-$r.json"
done
/usr/bin/python3 - "$out" "$repeats" <<'PY'
import json, statistics, sys
out, n = sys.argv[1], int(sys.argv[2])
rows = {}
for r in range(1, n + 1):
    for fw in ("sprig", "torch"):
        for row in json.load(open(f"{out}/{fw}-{r}.json")):
            rows.setdefault((row["model"], fw), []).append(row["samples_per_s"])
print("\nmodel           sprig samples/s   torch samples/s   ratio (median of %d interleaved repeats)" % n)
for model in sorted({m for m, _ in rows}):
    s, t = rows[(model, "sprig")], rows[(model, "torch")]
    ratios = [a / b for a, b in zip(s, t)]
    print("%-15s %15.0f %17.0f   %.2f  (per repeat: %s)" % (model, statistics.median(s), statistics.median(t),
          statistics.median(ratios), ", ".join("%.2f" % x for x in ratios)))
PY
