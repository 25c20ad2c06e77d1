#!/usr/bin/env bash
# Regenerates docs/PERFORMANCE.md: kernel benchmarks (with the FMA peak and an OpenBLAS column, measured in
# the same run) and the end-to-end SASRec training step in recgrad and in PyTorch, back to back, on 1 and 2
# pinned threads (PyTorch's and OpenBLAS's thread counts set equal to ours). Run on an otherwise idle machine:
#   scripts/bench_e2e.sh            (about 8 minutes on 2 cores; STEPS, WARMUP, ROUNDS override)
# Needs Debian's PyTorch (apt-get install python3-torch) at /usr/bin/python3.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/recgrad_step ] && [ -x build/recgrad_bench ] || scripts/setup.sh
if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
  echo "PyTorch missing: sudo apt-get install -y python3-torch" >&2
  exit 1
fi
out=$(mktemp -d)
STEPS=${STEPS:-10}
WARMUP=${WARMUP:-3}

echo "== kernels, 1 thread =="
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 taskset -c 0 build/recgrad_bench --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=true --benchmark_format=json --benchmark_out="$out/kernels1.json" \
  --benchmark_out_format=json > "$out/kernels1.txt"
head -2 "$out/kernels1.txt"

echo "== training step =="
# recgrad's 1- and 2-thread runs alternate ROUNDS times, so a slow spell of the VM hits both thread counts
# alike; the report takes the median over rounds and prints their range. PyTorch runs once per setting.
ROUNDS=${ROUNDS:-3}
for model in sasrec hstu; do
  for head in position row; do
    for round in $(seq "$ROUNDS"); do
      for t in 1 2; do
        cpus=$([ "$t" = 1 ] && echo 0 || echo 0,1)
        OMP_NUM_THREADS=$t taskset -c "$cpus" build/recgrad_step --model "$model" --threads "$t" --steps "$STEPS" \
          --warmup "$WARMUP" --head "$head" | tee -a "$out/step.jsonl"
      done
    done
    for t in 1 2; do
      cpus=$([ "$t" = 1 ] && echo 0 || echo 0,1)
      OMP_NUM_THREADS=$t OPENBLAS_NUM_THREADS=$t taskset -c "$cpus" /usr/bin/python3 bench/torch_step.py \
        --model "$model" --threads "$t" --steps "$STEPS" --warmup "$WARMUP" --head "$head" | tee -a "$out/step.jsonl"
    done
  done
done
echo "== TIGER on a preset's real batches (2 threads) =="
# The same 70 batches of configs/tiger_beauty.toml's first epoch (10 warm-up, 60 timed) in recgrad, then in PyTorch.
if [ -f "${RECGRAD_DATA:-../shared/data}/amazon-beauty/Beauty.txt" ] || [ -f data/amazon-beauty/Beauty.txt ]; then
  OMP_NUM_THREADS=2 taskset -c 0,1 build/recgrad_step --model tiger --config configs/tiger_beauty.toml --threads 2 \
    --steps 60 --warmup 10 --shapes-out "$out/beauty_shapes.json" | tee -a "$out/step.jsonl"
  OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 taskset -c 0,1 /usr/bin/python3 bench/torch_step.py --model tiger \
    --threads 2 --shapes "$out/beauty_shapes.json" | tee -a "$out/step.jsonl"
fi
/usr/bin/python3 tools/perf_report.py "$out/kernels1.txt" "$out/kernels1.json" "$out/step.jsonl" > docs/PERFORMANCE.md
echo "wrote docs/PERFORMANCE.md"
