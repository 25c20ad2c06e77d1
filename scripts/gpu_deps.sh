#!/usr/bin/env bash
# Gathers what scripts/gpu_check.sh needs and a bare GPU machine lacks, into .gpu_deps/ (git-ignored; carry it):
# the header-only xtensor, xsimd, xtl and toml++ with their CMake files (and toml++'s small library), laid out as
# under /usr so the CMake files find their headers; Amazon Beauty (for the TIGER run); and runs/cache (the content
# vectors and RQ-VAE codes, so the GPU's minutes go to training, not to rebuilding them).
#   scripts/gpu_deps.sh [DATA_DIR]      # DATA_DIR: where amazon-beauty/ is (default: as recgrad finds data)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=.gpu_deps
rm -rf "$OUT"
mkdir -p "$OUT/usr/include" "$OUT/usr/lib/x86_64-linux-gnu/cmake" "$OUT/usr/share/cmake" "$OUT/data"
for h in xtensor xsimd xtl toml++; do cp -r "/usr/include/$h" "$OUT/usr/include/"; done
for c in xtensor xsimd tomlplusplus; do cp -r "/usr/lib/x86_64-linux-gnu/cmake/$c" "$OUT/usr/lib/x86_64-linux-gnu/cmake/"; done
cp -r /usr/share/cmake/xtl "$OUT/usr/share/cmake/"
cp -P /usr/lib/x86_64-linux-gnu/libtomlplusplus.so* "$OUT/usr/lib/x86_64-linux-gnu/"
DATA=${1:-${RECGRAD_DATA:-}}
if [ -z "$DATA" ]; then
  for d in data ../shared/data; do [ -d "$d/amazon-beauty" ] && DATA=$d && break; done
fi
if [ -n "$DATA" ] && [ -d "$DATA/amazon-beauty" ]; then
  cp -r "$DATA/amazon-beauty" "$OUT/data/"
else
  echo "gpu_deps: no amazon-beauty/ found: gpu_check.sh will skip the TIGER training run" >&2
fi
[ -d runs/cache ] && cp -r runs/cache "$OUT/cache"
du -sh "$OUT"
echo "gpu_deps: now run on the GPU machine, carrying .gpu_deps:  scripts/gpu_check.sh \"\$OUT\""
