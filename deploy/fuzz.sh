#!/usr/bin/env bash
# Builds every libFuzzer target with clang, AddressSanitizer and UndefinedBehaviorSanitizer, and
# runs each for a bounded time (FUZZ_SECONDS, default 60) from its seed corpus in tests/fuzz/corpus/.
# A crash, a sanitizer report, a leak check failure or a timeout fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-60}
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSLUICE_FUZZ=ON \
  -DSLUICE_SANITIZE=address,undefined >/dev/null
targets=$(grep -rhoE 'add_executable\(([a-z_]+_fuzz)' tests | sed 's/add_executable(//' | sort -u)
cmake --build build-fuzz -j"$(nproc)" --target $targets >/dev/null
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
passed=0 failed=0
for t in $targets; do
  bin=$(find build-fuzz/tests -type f -name "$t" -perm -u+x | head -n 1)
  seeds=tests/fuzz/corpus/${t%_fuzz}
  work=build-fuzz/corpus/$t
  mkdir -p "$work"
  [ -d "$seeds" ] && cp -n "$seeds"/* "$work"/ 2>/dev/null || true
  echo "== $t for ${secs}s"
  if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 "$work" \
       >"build-fuzz/$t.log" 2>&1; then
    passed=$((passed + 1))
    grep -E "stat::number_of_executed_units|cov:" "build-fuzz/$t.log" | tail -n 2
  else
    failed=$((failed + 1))
    tail -n 60 "build-fuzz/$t.log"
  fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
