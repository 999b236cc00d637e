#!/usr/bin/env bash
# The RigL-family MNIST table with 3 seeds per cell through `sprig sweep --master local[2]`
# (embedded Spark), then the same runs one after another in one JVM, for the wall time of each.
#   prerequisites: mvn -B -q package -DskipTests
#   usage: SPRIG_DATA=../shared/data bench/rigl-mnist-sweep.sh [EPOCHS] [OUT_DIR]
# EPOCHS overrides the schedule's 20 (the grids are copied with it); nothing else may run meanwhile.
set -euo pipefail
cd "$(dirname "$0")/.."
epochs="${1:-20}"
out="${2:-runs/rigl-mnist-sweep}"
rm -rf "$out"
mkdir -p "$out/grids"
cp bench/sweeps/*.yaml "$out/grids/"
sed -i "s/^epochs: .*/epochs: $epochs/" "$out/grids/rigl-mnist-schedule.yaml"
for master in "local[2]" in-process; do
  tag="${master//[^a-z0-9]/}"
  start=$(date +%s.%N)
  ./sprig sweep "$out/grids/rigl-mnist-dense.yaml" --out "$out/$tag-dense" --master "$master"
  ./sprig sweep "$out/grids/rigl-mnist-sparse.yaml" --out "$out/$tag-sparse" --master "$master"
  end=$(date +%s.%N)
  echo "$master: $(python3 -c "print(round($end - $start, 1))") s wall for the 39 runs" | tee -a "$out/wall.txt"
done
