#!/usr/bin/env bash
# test.sh - the second README command: install what is missing, build, and run
# the whole suite twice: a normal build, then an AddressSanitizer +
# UndefinedBehaviorSanitizer build (leak checking on). Ends with ctest's line.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
jobs="$(nproc)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs" >/dev/null
echo "== test suite (RelWithDebInfo) =="
(cd build && ctest --output-on-failure -j"$jobs")
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DBONDSIM_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs" >/dev/null
echo "== test suite (AddressSanitizer + UndefinedBehaviorSanitizer) =="
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 G_DEBUG=gc-friendly \
    ctest --output-on-failure -j"$jobs")
