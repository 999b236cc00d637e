#!/usr/bin/env bash
# Kills runs with SIGKILL at random points (mid-step, mid-checkpoint write, mid-evaluation, in
# every phase of an Early-Bird and an EPI pipeline, between ensemble members), resumes each, and
# checks that it ends with the uninterrupted run's figures. Then stops one run with SIGINT (Ctrl-C)
# and checks the exit status, the message and the resumed figures.
#
# Usage: bench/fault-injection.sh [KILLS] [OUT]     (default 20 kills into bench/out/faults)
# Build first: mvn -B -q package -DskipTests. Uses synthetic data only. Seeded: the same kill delays
# every time (where a kill lands still depends on the machine's speed).
set -euo pipefail
cd "$(dirname "$0")/.."
kills="${1:-20}"
out="${2:-bench/out/faults}"
rm -rf "$out"
mkdir -p "$out"

common=(--dataset synthetic --quiet --seed 3)
jobs=(
  "train --method rigl --model lenet-5 --width-multiplier 0.5 --epochs 3 --max-steps-per-epoch 40 --update-interval 7 --checkpoint-every 5 --exec dense"
  "train --method rigl --model lenet-300-100 --sparsity 0.9 --epochs 3 --max-steps-per-epoch 60 --update-interval 7 --checkpoint-every 5 --exec sparse"
  "earlybird --model vgg-11 --width-multiplier 0.125 --epochs 5 --max-steps-per-epoch 12 --bn-gamma-init 0.5 --eb-queue 2 --eb-epsilon 0.2 --eb-ratios 0.3,0.5 --checkpoint-every 4"
  "epi --model vgg-11 --width-multiplier 0.125 --epochs 5 --max-steps-per-epoch 12 --epi-window 1 --epi-monotone 0 --epi-tau 0.5 --checkpoint-every 4"
  "ensemble --method dst-ensemble --members 3 --epochs 2 --max-steps-per-epoch 20 --update-interval 5 --checkpoint-every 4"
)
names=(train-engine train-csr earlybird epi ensemble)

figures() { # the figures a resumed run must reproduce, one line
  python3 -c "import json,sys; s=json.load(open(sys.argv[1]));
print(' '.join(repr(s[k]) for k in ['test_accuracy','test_loss','train_flops','nonzero_params','epochs']))" "$1/summary.json"
}

declare -A reference seconds
for i in "${!jobs[@]}"; do
  dir="$out/reference-${names[$i]}"
  start=$(date +%s.%N)
  # shellcheck disable=SC2086
  ./sprig ${jobs[$i]} "${common[@]}" --out "$dir" > /dev/null 2>&1
  seconds[$i]=$(python3 -c "import time; print(time.time() - $start)")
  reference[$i]=$(figures "$dir")
  echo "reference ${names[$i]}: ${seconds[$i]%.*} s  ${reference[$i]}"
done

killed=0; identical=0; finished_first=0; failed=()
for k in $(seq 1 "$kills"); do
  i=$(( (k - 1) % ${#jobs[@]} ))
  dir="$out/kill-$k-${names[$i]}"
  delay=$(python3 -c "import random; r=random.Random($k); print(round(r.uniform(0.6, max(0.7, ${seconds[$i]} - 0.2)), 2))")
  # shellcheck disable=SC2086
  ./sprig ${jobs[$i]} "${common[@]}" --out "$dir" > "$dir.log" 2>&1 &
  pid=$!
  sleep "$delay"
  if kill -9 "$pid" 2> /dev/null; then
    wait "$pid" 2> /dev/null || true
    killed=$((killed + 1))
    where="killed after ${delay} s"
    # Kill again on the first resume at half the delay: a resume must survive its own kill too.
    if (( k % 4 == 0 )); then
      # shellcheck disable=SC2086
      ./sprig ${jobs[$i]} "${common[@]}" --out "$dir" --resume >> "$dir.log" 2>&1 &
      pid=$!
      sleep "$(python3 -c "print($delay / 2)")"
      kill -9 "$pid" 2> /dev/null && where="$where, resume killed too"
      wait "$pid" 2> /dev/null || true
    fi
    # shellcheck disable=SC2086
    if ! ./sprig ${jobs[$i]} "${common[@]}" --out "$dir" --resume >> "$dir.log" 2>&1; then
      failed+=("kill $k ${names[$i]} ($where): resume failed, see $dir.log")
      continue
    fi
  else
    wait "$pid" || true
    finished_first=$((finished_first + 1))
    where="finished before the kill at ${delay} s"
  fi
  got=$(figures "$dir")
  if [[ "$got" == "${reference[$i]}" ]]; then
    identical=$((identical + 1))
    echo "kill $k ${names[$i]}: $where -> identical"
  else
    failed+=("kill $k ${names[$i]} ($where): $got != ${reference[$i]}")
    echo "kill $k ${names[$i]}: $where -> DIFFERENT"
  fi
done

# Ctrl-C and SIGTERM: a clean stop at the next step, exit 130 / 143, the resume command printed,
# identical figures. Job control on: without it, bash starts background commands ignoring SIGINT.
set -m
stops=""
for sig in INT TERM; do
  dir="$out/sig$sig-train-engine"
  # shellcheck disable=SC2086
  ./sprig ${jobs[0]} "${common[@]}" --out "$dir" > "$dir.log" 2>&1 &
  pid=$!
  sleep "$(python3 -c "print(round(${seconds[0]} * 0.6, 2))")"
  kill -"$sig" "$pid"
  set +e; wait "$pid"; status=$?; set -e
  result="SIG$sig: exit $status"
  if grep -q "sprig train --resume --out" "$dir.log"; then
    result="$result, '$(grep -m1 "stopped in epoch" "$dir.log")'"
    # shellcheck disable=SC2086
    ./sprig ${jobs[0]} "${common[@]}" --out "$dir" --resume >> "$dir.log" 2>&1
    if [[ "$(figures "$dir")" == "${reference[0]}" ]]; then
      result="$result, resumed identically"
    else
      result="$result, resumed DIFFERENTLY"; failed+=("$result")
    fi
  else
    failed+=("$result: no resume command printed")
  fi
  stops="$stops$result"$'\n'
done
set +m

echo
echo "kill points: $kills tried, $killed killed a running process, $finished_first finished first;"
echo "identical after resume: $identical of $kills; failures: ${#failed[@]}"
for f in "${failed[@]+"${failed[@]}"}"; do echo "  $f"; done
printf '%s' "$stops"
[[ ${#failed[@]} -eq 0 ]]
