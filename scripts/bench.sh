#!/usr/bin/env bash
# Builds and runs the crypto benchmarks (bench/crypto_bench.cpp): Release, -O2, g++-12, in
# build/bench. Prints one line per figure, "<name> nexus=<ops/s> ref=<ops/s> ratio=<nexus/ref>",
# measured in one process run against libsodium (and b3sum --num-threads 1 for BLAKE3 at 1 MiB);
# Google Benchmark's full table goes to build/bench/crypto_bench.log.
#
#   scripts/bench.sh [build-dir] [crypto_bench flags...]
#   e.g. scripts/bench.sh build/bench --benchmark_filter=ed25519 --benchmark_repetitions=9
# (a filter must match a figure's reference too: the ecvrf lines use ed25519_sign/ref and
# ed25519_verify/ref, the BLAKE3 1 KiB line blake2b256_1KiB/ref).
# Needs libbenchmark-dev, libsodium-dev, b3sum (scripts/setup.sh). Takes about a minute on 2 cores.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/build/bench
if [[ $# -gt 0 && $1 != -* ]]; then out=$1; shift; fi
jobs=${NEXUS_JOBS:-2}
mkdir -p "$out"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S "$root" -B "$out" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_COMPILER=g++-12 -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
    -DNEXUS_BUILD_BENCH=ON -DNEXUS_BUILD_TESTS=OFF -DNEXUS_DIFF_TESTS=OFF \
    -DNEXUS_BUILD_C_BINDING=OFF -DNEXUS_BUILD_EXAMPLES=OFF >"$out/configure.log" 2>&1 ||
    { cat "$out/configure.log"; exit 1; }
cmake --build "$out" -j"$jobs" --target crypto_bench >"$out/build.log" 2>&1 ||
    { cat "$out/build.log"; exit 1; }
echo "# crypto_bench: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'),"\
     "$(g++-12 --version | head -1), -O2; load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$out/bench/crypto_bench" "$@" 2>"$out/crypto_bench.log" ||
    { echo "crypto_bench failed; its log:"; tail -n 40 "$out/crypto_bench.log"; exit 1; }
echo "# Google Benchmark table: $out/crypto_bench.log"
