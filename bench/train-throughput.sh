#!/usr/bin/env bash
# Training throughput, Sprig vs PyTorch 1.13 (Debian python3-torch), same models, batch sizes,
# optimiser and thread count, measured side by side. Prints samples/s and the Sprig/PyTorch ratio.
# Each round lasts at least a second on both sides (short epochs are grouped).
#   prerequisites: mvn -B -q package -DskipTests (bench/peer.sh installs python3-torch and OpenBLAS)
#   usage: bench/train-throughput.sh [THREADS] [REPEATS] [MODELS]
set -euo pipefail
cd "$(dirname "$0")/.."
threads="${1:-$(nproc)}"
repeats="${2:-3}"
models="${3:-lenet-300-100,resnet-20}"
steps="${STEPS:-20}"
out=bench/out
mkdir -p "$out"
source bench/peer.sh
fair_peer || { echo "no fair PyTorch peer: no ratio printed" >&2; exit 1; }
export OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads"
for r in $(seq 1 "$repeats"); do
  ./sprig bench train --threads "$threads" --models "$models" --steps "$steps" --json "$out/sprig-$r.json"
  peer_python bench/pytorch_train.py --threads "$threads" --models "$models" --steps "$steps" \
    --json "$out/torch-$r.json"
done
/usr/bin/python3 - "$out" "$repeats" <<'PY'
import json, statistics, sys
out, n = sys.argv[1], int(sys.argv[2])
rows, spread = {}, {}
for r in range(1, n + 1):
    for fw in ("sprig", "torch"):
        for row in json.load(open(f"{out}/{fw}-{r}.json")):
            rows.setdefault((row["model"], fw), []).append(row["samples_per_s"])
            rounds = row["rounds"]
            spread.setdefault((row["model"], fw), []).append((max(rounds) - min(rounds)) / statistics.median(rounds))
import os
print("\npeer: PyTorch %s, %s (kernel %s)" % (os.environ.get("PEER_TORCH"), os.environ.get("PEER_BLAS"),
                                          os.environ.get("PEER_CORE")))
print("model           sprig samples/s   torch samples/s   ratio (median of %d interleaved repeats)" % n)
for model in sorted({m for m, _ in rows}):
    s, t = rows[(model, "sprig")], rows[(model, "torch")]
    ratios = [a / b for a, b in zip(s, t)]
    print("%-15s %15.0f %17.0f   %.2f  (per repeat: %s; spread of rounds: sprig %.0f%%, torch %.0f%%)" % (
        model, statistics.median(s), statistics.median(t), statistics.median(ratios),
        ", ".join("%.2f" % x for x in ratios), 100 * max(spread[(model, "sprig")]), 100 * max(spread[(model, "torch")])))
PY
