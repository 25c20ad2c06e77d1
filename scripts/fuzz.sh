#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (clang-14, ASan + UBSan, build-fuzz/) and runs each one.
#   scripts/fuzz.sh 20            # each target for 20 s (the CI smoke)
#   scripts/fuzz.sh --runs 1000000  # each target for a million executions (the long run, docs/RELIABILITY.md)
# The seed corpora in fuzz/corpus/ are copied to build-fuzz/corpus/, where libFuzzer adds what it finds;
# a crash, hang or bad error message leaves its input in build-fuzz/artifacts/ and fails the script.
# Copy such an input to fuzz/regressions/<target>/ and tests/test_fuzz_regressions.cpp checks it forever.
set -euo pipefail
cd "$(dirname "$0")/.."

limit=(-max_total_time="${1:-20}")
[ "${1:-}" = "--runs" ] && limit=(-runs="${2:?--runs needs a number}")
read -r -a TARGETS <<<"${FUZZ_TARGETS:-ratings sequences movies users config checkpoint attributes}"  # FUZZ_TARGETS="config" runs one

EXTRA_PACKAGES="clang-14 libclang-rt-14-dev libomp-14-dev" BUILD_DIR=build-fuzz BUILD_TYPE=RelWithDebInfo \
  CMAKE_ARGS="-DCMAKE_CXX_COMPILER=clang++-14 -DRECGRAD_FUZZ=ON -DRECGRAD_PORTABLE=ON -DRECGRAD_BUILD_TESTS=OFF -DRECGRAD_BUILD_BENCH=OFF -DRECGRAD_NOTEBOOK_LIB=OFF" \
  scripts/setup.sh >/dev/null

mkdir -p build-fuzz/artifacts
status=0
printf '%-11s %12s %9s  %s\n' target executions exec/s result
for t in "${TARGETS[@]}"; do
  mkdir -p "build-fuzz/corpus/$t"
  cp -n fuzz/corpus/"$t"/* "build-fuzz/corpus/$t/"
  log="build-fuzz/fuzz_$t.log"
  rc=0
  ASAN_OPTIONS=detect_leaks=1 build-fuzz/fuzz_"$t" "${limit[@]}" -max_len=4096 -timeout=10 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="build-fuzz/artifacts/${t}-" "build-fuzz/corpus/$t" >"$log" 2>&1 || rc=$?
  runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  speed=$(grep -o 'exec/s: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo "?")
  if [ "$rc" -eq 0 ]; then result="ok"; else result="FAILED (rc $rc, see $log)"; status=1; fi
  printf '%-11s %12s %9s  %s\n' "$t" "$runs" "$speed" "$result"
done
exit $status
