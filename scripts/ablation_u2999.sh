#!/usr/bin/env bash
# The HSTU ablation on ML-1M users 1-2999 (docs/REPRODUCTION.md §4.3): four rows x SEEDS seeds, the same
# split for every row, EPOCHS epochs each, validation-selected test metrics. Two single-thread workers,
# pinned to cores 0 and 1, share the jobs; then the table (tools/ablation_table.py). A job whose JSON
# exists is skipped, so an interrupted run continues where it stopped.
#   scripts/ablation_u2999.sh                 (EPOCHS=60 SEEDS="1 2 3": about 80 minutes on 2 cores)
#   ROWS="configs/ablation/u2999_hstu_time_hidden.toml configs/ablation/u2999_hstu_time_hidden_previous.toml" \
#     OUT=runs/fill_cost scripts/ablation_u2999.sh   (what a fill costs, docs/REPRODUCTION.md §4.5)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/recgrad ] || scripts/setup.sh
BIN=${BIN:-build/recgrad}  # e.g. a copy, so that rebuilding during the runs changes nothing
EPOCHS=${EPOCHS:-60}
SEEDS=${SEEDS:-"1 2 3"}
OUT=${OUT:-runs/ablation_u2999}
mkdir -p "$OUT"
ROWS=${ROWS:-"configs/ablation/u2999_sasrec.toml configs/ablation/u2999_hstu_pos.toml configs/ablation/u2999_hstu_time.toml configs/hstu_events.toml"}
jobs=()
for seed in $SEEDS; do
  for cfg in $ROWS; do jobs+=("$cfg:$seed"); done
done
run() {  # run CONFIG:SEED on core $2
  local cfg=${1%%:*} seed=${1##*:} core=$2 name
  name=$(basename "$cfg" .toml)-seed$seed
  [ -s "$OUT/$name.eval.json" ] && return 0  # done before: keep it
  taskset -c "$core" "$BIN" train --config "$cfg" --seed "$seed" --epochs "$EPOCHS" --threads 1 \
    --run-dir "$OUT/$name" --metrics-out "$OUT/$name.json" > "$OUT/$name.log" 2>&1 || { echo "FAILED $name (see $OUT/$name.log)"; return 0; }
  # the saved best model again, with the test on users who rated their test item >= 4
  "$BIN" evaluate --config "$cfg" --checkpoint "$OUT/$name/best.safetensors" --threads 1 \
    --metrics-out "$OUT/$name.eval.json" > /dev/null 2>&1 || echo "FAILED evaluate $name"
  echo "done $name: $(tail -1 "$OUT/$name.log")"
}
worker() {  # core $1 runs jobs $1, $1 + 2, $1 + 4, ...
  local k
  for ((k = $1; k < ${#jobs[@]}; k += 2)); do run "${jobs[$k]}" "$1"; done
}
worker 0 &
worker 1 &
wait
python3 tools/ablation_table.py "$OUT"
