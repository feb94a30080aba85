#!/usr/bin/env bash
# Builds and runs the main demo (examples/demo.cpp). Run scripts/setup.sh first.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${NEXUS_BUILD_ROOT:-$root/build}/demo
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DNEXUS_BUILD_TESTS=OFF \
    -DNEXUS_DIFF_TESTS=OFF -DNEXUS_BUILD_C_BINDING=OFF -DNEXUS_BUILD_EXAMPLES=ON >/dev/null
cmake --build "$build" -j2 --target nexus_demo >/dev/null
exec "$build/examples/nexus_demo"
