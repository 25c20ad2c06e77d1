#!/usr/bin/env bash
# One check of the CUDA backend on a GPU machine, in about 8 minutes: build, the CUDA tests, step times against
# PyTorch on the same GPU in the same run, then TIGER on Amazon Beauty for the minutes that are left.
#
#   scripts/gpu_deps.sh                      # here, once: headers, data and caches into .gpu_deps/ (git-ignored)
#   scripts/gpu_check.sh RESULTS_DIR         # there, carrying .gpu_deps/
#
# The machine it is made for starts bare: nvcc and cuBLAS, g++, CMake, ninja, GoogleTest, CLI11, fmt,
# nlohmann-json, zlib and PyTorch with CUDA as its python3, but no xtensor, xsimd, xtl or toml++ (they come from
# .gpu_deps/usr) and no data (.gpu_deps/data). Everything it measures goes to RESULTS_DIR, at most 6 files:
#   check.log            what it printed
#   cuda_tests.json      GoogleTest's report of build-gpu/recgrad_cuda_tests
#   steps.jsonl          recgrad_step and bench/torch_step.py, --device cuda, SASRec / HSTU / TIGER, one line each
#   tiger_beauty_gpu.json   `recgrad train --config configs/tiger_beauty.toml --device cuda` (--metrics-out)
#   summary.json         the verdicts: tests passed, recgrad / PyTorch step-time ratios, TIGER's metrics
# GPU_CHECK_SECONDS (default 470) is the whole budget; the TIGER run gets what the earlier parts leave.
set -uo pipefail  # not -e: each part reports, even after another failed
RESULTS=${1:?usage: scripts/gpu_check.sh RESULTS_DIR}
cd "$(dirname "$0")/.." || exit 1
mkdir -p "$RESULTS"
exec > >(tee "$RESULTS/check.log") 2>&1
BUDGET=${GPU_CHECK_SECONDS:-470}
DEPS=$PWD/${GPU_DEPS:-.gpu_deps}
PY=${PYTHON:-python3}
START=$SECONDS
left() { echo $((BUDGET - (SECONDS - START))); }
stamp() { echo "== [$((SECONDS - START)) s] $*"; }

stamp "machine"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || echo "nvidia-smi failed"
nvcc --version | tail -1
nproc

stamp "build (Release, -DRECGRAD_CUDA=ON, sm_90 + PTX)"
export CMAKE_PREFIX_PATH=$DEPS/usr${CMAKE_PREFIX_PATH:+:$CMAKE_PREFIX_PATH}
export LD_LIBRARY_PATH=$DEPS/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
GEN=()
command -v ninja >/dev/null && GEN=(-G Ninja)
cmake -S . -B build-gpu "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release -DRECGRAD_CUDA=ON -DRECGRAD_NOTEBOOK_LIB=OFF \
  -DRECGRAD_BUILD_BENCH=ON -DRECGRAD_BUILD_TESTS=ON -DCUDAToolkit_ROOT=/usr/local/cuda | tail -3
cmake --build build-gpu -j "$(nproc)" --target recgrad recgrad_step recgrad_cuda_tests 2>&1 | tail -5
BUILD_OK=0
[ -x build-gpu/recgrad_cuda_tests ] && [ -x build-gpu/recgrad_step ] && [ -x build-gpu/recgrad ] && BUILD_OK=1

stamp "CUDA tests (every op against the CPU, forward and backward; five SASRec steps)"
TESTS_RC=1
if [ "$BUILD_OK" = 1 ]; then
  build-gpu/recgrad_cuda_tests --gtest_output="json:$RESULTS/cuda_tests.json" 2>&1 | tail -40
  TESTS_RC=${PIPESTATUS[0]}
fi

stamp "step times, same GPU, same run: recgrad_step vs bench/torch_step.py (median of 20 after 5 warm-ups)"
: > "$RESULTS/steps.jsonl"
if [ "$BUILD_OK" = 1 ]; then
  for m in sasrec hstu tiger; do
    timeout 90 build-gpu/recgrad_step --device cuda --model "$m" --steps 20 --warmup 5 --threads 4 \
      | tail -1 | tee -a "$RESULTS/steps.jsonl"
    timeout 90 "$PY" bench/torch_step.py --device cuda --model "$m" --steps 20 --warmup 5 --threads 4 \
      | tail -1 | tee -a "$RESULTS/steps.jsonl"
  done
fi

TRAIN_MIN=$(( ($(left) - 25) / 60 ))
stamp "TIGER on Amazon Beauty on the GPU, ${TRAIN_MIN} min of training (--time-budget), then its test"
if [ "$BUILD_OK" = 1 ] && [ -d "$DEPS/data/amazon-beauty" ] && [ "$TRAIN_MIN" -ge 1 ]; then
  mkdir -p runs && [ -d "$DEPS/cache" ] && cp -rn "$DEPS/cache" runs/ 2>/dev/null
  timeout $(($(left) - 5)) build-gpu/recgrad train --config configs/tiger_beauty.toml --device cuda --seed 42 \
    --threads "$(nproc)" --data-dir "$DEPS/data" --time-budget "$TRAIN_MIN" --eval-every 1 \
    --run-dir runs/tiger_beauty_gpu --metrics-out "$RESULTS/tiger_beauty_gpu.json" 2>&1 | tail -40
else
  echo "skipped (build failed, no .gpu_deps/data/amazon-beauty, or no minutes left)"
fi

stamp "summary"
"$PY" - "$RESULTS" "$TESTS_RC" <<'PY'
import json, os, sys
out, tests_rc = sys.argv[1], int(sys.argv[2])
summary = {"cuda_tests_passed": tests_rc == 0}
try:
    report = json.load(open(os.path.join(out, "cuda_tests.json")))
    summary["cuda_tests"] = {"tests": report.get("tests"), "failures": report.get("failures")}
except (OSError, ValueError):
    pass
steps = {}
for line in open(os.path.join(out, "steps.jsonl")):
    try:
        r = json.loads(line)
    except ValueError:
        continue
    steps.setdefault(r["model"], {})["recgrad" if r["impl"] == "recgrad" else "pytorch"] = r["median_ms"]
for m, s in steps.items():
    if "recgrad" in s and "pytorch" in s:
        s["ratio"] = round(s["recgrad"] / s["pytorch"], 3)  # goal <= 0.5, floor <= 1.0
summary["step_median_ms"] = steps
try:
    summary["tiger_beauty_gpu"] = json.load(open(os.path.join(out, "tiger_beauty_gpu.json")))
except (OSError, ValueError):
    pass
json.dump(summary, open(os.path.join(out, "summary.json"), "w"), indent=1)
print(json.dumps(summary, indent=1)[:3000])
PY
stamp "done"
