#!/usr/bin/env bash
# Installs what is needed, builds sluice and runs every test (unit, integration, end-to-end in
# network namespaces). Run as root on Debian 12: sudo ./deploy/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
./deploy/install-deps.sh
jobs=$(nproc)
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j1 "$@"
# Every libFuzzer target, with ASan and UBSan, for a bounded time each.
FUZZ_SECONDS=${FUZZ_SECONDS:-60} ./deploy/fuzz.sh
