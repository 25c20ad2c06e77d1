#!/usr/bin/env bash
# Sets up and runs every test: the Release build (build/), then the whole suite again under
# AddressSanitizer + UndefinedBehaviorSanitizer + LeakSanitizer (build-asan/, x86-64-v3, -O1), then a
# short fuzz of every parser (build-fuzz/, clang-14), then the notebooks (clang-repl-19) and the Jupyter kernel.
# Where nvcc is installed, the CUDA configuration (build-cuda/) is built too and its CUDA tests run (they skip
# without a GPU; scripts/gpu_check.sh runs them on one). The MPI configuration (build-mpi/, Open MPI installed
# here) runs the data-parallel tests on two ranks.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
echo "== tests (Release, -march=native) =="
(cd build && ctest --output-on-failure -j "$(nproc)")

# The CUDA backend compiles and links wherever nvcc is (no GPU needed); its GPU tests then skip, the rest run.
NVCC=$(command -v nvcc || ls /usr/local/cuda/bin/nvcc 2>/dev/null || true)
if [ -n "$NVCC" ]; then
  echo "== the CUDA configuration (-DRECGRAD_CUDA=ON, $NVCC): build, and its tests (GPU tests skip without a GPU) =="
  BUILD_DIR=build-cuda CUDACXX=$NVCC CMAKE_ARGS="-DRECGRAD_CUDA=ON -DRECGRAD_NOTEBOOK_LIB=OFF" scripts/setup.sh
  (cd build-cuda && ctest --output-on-failure -j "$(nproc)" -L cuda)
else
  echo "== the CUDA configuration: skipped (no nvcc) =="
fi

# Data parallelism over MPI: two ranks against one process, and a killed rank (mpirun -np 2 on this machine).
echo "== the MPI configuration (-DRECGRAD_MPI=ON): build, and its tests on 2 ranks =="
EXTRA_PACKAGES="libopenmpi-dev openmpi-bin" BUILD_DIR=build-mpi BUILD_TARGETS="recgrad recgrad_mpi_tests" \
  CMAKE_ARGS="-DRECGRAD_MPI=ON -DRECGRAD_NOTEBOOK_LIB=OFF -DRECGRAD_BUILD_BENCH=OFF" scripts/setup.sh
(cd build-mpi && ctest --output-on-failure -L mpi)

echo "== tests (ASan + UBSan + LSan, x86-64-v3) =="
BUILD_DIR=build-asan BUILD_TYPE=Debug \
  CMAKE_ARGS="-DRECGRAD_SANITIZE=ON -DRECGRAD_PORTABLE=ON -DRECGRAD_BUILD_BENCH=OFF -DRECGRAD_NOTEBOOK_LIB=OFF" scripts/setup.sh
(cd build-asan && RECGRAD_POISON=1 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --output-on-failure -j "$(nproc)")

echo "== fuzz smoke (each parser 20 s under libFuzzer + ASan + UBSan; scripts/fuzz.sh --runs 1000000 is the long run) =="
scripts/fuzz.sh 20

echo "== notebooks (each code cell in clang-repl-19, outputs compared with the saved ones) =="
python3 tools/nbrun.py notebooks_cpp/*.ipynb
echo "== the xcpp17 Jupyter kernel: nbconvert --execute =="
tools/xcpp/install_kernel.sh
/usr/bin/python3 -m jupyter nbconvert --to notebook --execute --output-dir "$(mktemp -d)" \
  notebooks_cpp/01_autograd_from_scratch.ipynb

echo "== demo smoke run =="
build/recgrad demo | tail -2
