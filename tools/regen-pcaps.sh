#!/usr/bin/env bash
# regen-pcaps.sh - regenerates the teaching captures kept in pcaps/.
#
# Every scenarios/*.ini is run with its own seed; its capture is copied to
# pcaps/<scenario>.pcapng. The suite (tests/test_golden.c) fails when a fresh
# run differs from a kept file, so run this only when a change of behaviour
# is intended, and say so in the commit.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for f in scenarios/*.ini; do
    name="$(basename "$f" .ini)"
    ./build/bondsim run "$f" -q -o "$tmp/$name"
    cp "$tmp/$name/$name.pcapng" "pcaps/$name.pcapng"
    printf '%-28s %8d bytes\n' "pcaps/$name.pcapng" "$(stat -c %s "pcaps/$name.pcapng")"
done
