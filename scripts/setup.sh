#!/usr/bin/env bash
# Installs recgrad's system packages (Debian, idempotent) and builds the Release configuration in build/.
#   scripts/setup.sh                 # packages + build/
#   BUILD_DIR=build-x CMAKE_ARGS="-DRECGRAD_PORTABLE=ON" scripts/setup.sh
#   EXTRA_PACKAGES="clang-14 libclang-rt-14-dev" ...   # more packages (scripts/fuzz.sh)
#   BUILD_TARGETS="recgrad recgrad_mpi_tests" ...       # only these targets (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(cmake g++ make pkg-config
          libxtensor-dev libxsimd-dev xtl-dev libxtensor-blas-dev libopenblas-dev
          libgtest-dev libbenchmark-dev libfmt-dev libcli11-dev nlohmann-json3-dev zlib1g-dev libtomlplusplus-dev
          gnuplot-nox                                   # plots (--plots, notebooks)
          clang-format-14                               # the C++ style (.clang-format; ctest format_check)
          clang-tools-19 python3                        # the notebooks' interpreter (tools/nbrun.py)
          python3-ipykernel jupyter-nbconvert python3-nbclient jupyter-client  # the xcpp17 Jupyter kernel (tools/xcpp/; jupyter-client has `jupyter kernelspec`)
          ${EXTRA_PACKAGES:-})

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The notebooks' synthetic stand-in for ML-1M (generated, deterministic, not committed: its files carry ML-1M's names).
python3 scripts/make_synthetic_data.py

BUILD_DIR=${BUILD_DIR:-build}
# shellcheck disable=SC2086
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-Release} ${CMAKE_ARGS:-} >/dev/null
# shellcheck disable=SC2086
cmake --build "$BUILD_DIR" -j "$(nproc)" ${BUILD_TARGETS:+--target $BUILD_TARGETS}
echo "setup: built $BUILD_DIR/ (${BUILD_TARGETS:-recgrad, recgrad_tests, recgrad_bench, librecgrad_notebook.so})"
