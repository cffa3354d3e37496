#!/usr/bin/env bash
# run-default.sh - the first README command: install what is missing, build,
# run the default scenario (outputs under pcaps/out/default/).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
./build/bondsim run scenarios/default.ini
