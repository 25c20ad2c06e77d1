#!/usr/bin/env bash
# The HSTU ablation on ML-1M users 1-2999 (docs/REPRODUCTION.md §4.3): four rows x SEEDS seeds, the same
# split for every row, EPOCHS epochs each, validation-selected test metrics. Runs two single-thread jobs
# at a time, pinned to cores 0 and 1, then prints the table (tools/ablation_table.py).
#   scripts/ablation_u2999.sh                 (EPOCHS=60 SEEDS="1 2 3": about 80 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/recgrad ] || scripts/setup.sh
EPOCHS=${EPOCHS:-60}
SEEDS=${SEEDS:-"1 2 3"}
OUT=${OUT:-runs/ablation_u2999}
mkdir -p "$OUT"
rows="configs/ablation/u2999_sasrec.toml configs/ablation/u2999_hstu_pos.toml configs/ablation/u2999_hstu_time.toml configs/hstu_events.toml"
jobs=()
for seed in $SEEDS; do
  for cfg in $rows; do jobs+=("$cfg:$seed"); done
done
run() {  # run CONFIG:SEED on core $2
  local cfg=${1%%:*} seed=${1##*:} core=$2 name
  name=$(basename "$cfg" .toml)-seed$seed
  [ -s "$OUT/$name.json" ] && return 0  # done before: keep it
  taskset -c "$core" build/recgrad train --config "$cfg" --seed "$seed" --epochs "$EPOCHS" --threads 1 \
    --run-dir "$OUT/$name" --metrics-out "$OUT/$name.json" > "$OUT/$name.log" 2>&1
  echo "done $name: $(tail -1 "$OUT/$name.log")"
}
i=0
while [ $i -lt ${#jobs[@]} ]; do
  run "${jobs[$i]}" 0 &
  [ $((i + 1)) -lt ${#jobs[@]} ] && run "${jobs[$((i + 1))]}" 1 &
  wait
  i=$((i + 2))
done
python3 tools/ablation_table.py "$OUT"/*.json
