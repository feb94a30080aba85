#!/usr/bin/env bash
# Builds everything and runs every test: the C++ suites (g++-12 with -Werror, clang++-14,
# ASan+UBSan, i686 and s390x under qemu-user), the core-rules and no-exceptions checks, the
# embedded size report, the C ABI test, the Python and WASM suites, the installed-package
# consumer and the demo. Run scripts/setup.sh first (the README's test command does).
#
#   scripts/test-all.sh            all stages
#   scripts/test-all.sh gcc python  only the named stages
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
B=${NEXUS_BUILD_ROOT:-$root/build}
jobs=${NEXUS_JOBS:-2}
export CTEST_OUTPUT_ON_FAILURE=1

run_ctest() { (cd "$1" && ctest -j"$jobs" --timeout 1200 "${@:2}"); }

configure_build() {  # dir, extra cmake args...
    local dir=$1; shift
    cmake -S "$root" -B "$dir" -G Ninja "$@" >"$dir.configure.log" 2>&1 ||
        { cat "$dir.configure.log"; return 1; }
    cmake --build "$dir" -j"$jobs"
}

stage_rules() {
    # The check itself must catch a violation before its verdict on the tree means anything.
    local probe
    probe=$(mktemp -d)
    printf 'inline int* leak() { return new int(1); }\n' >"$probe/bad.hpp"
    if bash "$root/scripts/check-core-rules.sh" "$probe" >/dev/null; then
        echo "check-core-rules.sh missed a 'new' in a probe header"; rm -rf "$probe"; return 1
    fi
    rm -rf "$probe"
    bash "$root/scripts/check-core-rules.sh"
}

stage_gcc() {
    configure_build "$B/gcc" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=g++-12 \
        -DCMAKE_C_COMPILER=gcc-12 -DNEXUS_COUNT_MALLOC=ON -DNEXUS_REQUIRE_DIFF_REFERENCES=ON \
        -DNEXUS_BUILD_PYTHON=ON && run_ctest "$B/gcc"
}

stage_clang() {
    configure_build "$B/clang" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++-14 \
        -DCMAKE_C_COMPILER=clang-14 -DNEXUS_DIFF_TESTS=OFF && run_ctest "$B/clang"
}

stage_sanitize() {
    local san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
    configure_build "$B/asan" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++-14 \
        -DCMAKE_C_COMPILER=clang-14 "-DCMAKE_CXX_FLAGS=-O1 $san" "-DCMAKE_C_FLAGS=-O1 $san" \
        "-DCMAKE_EXE_LINKER_FLAGS=$san" &&
        NEXUS_DIFF_ITERATIONS=${NEXUS_SANITIZE_DIFF_ITERATIONS:-3000} \
        ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1 UBSAN_OPTIONS=print_stacktrace=1 \
        run_ctest "$B/asan"
}

stage_cross() {  # arch
    configure_build "$B/$1" -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchains/$1-linux-gnu.cmake" -DNEXUS_DIFF_TESTS=OFF \
        -DNEXUS_BUILD_C_BINDING=OFF -DNEXUS_BUILD_EXAMPLES=OFF && run_ctest "$B/$1"
}
stage_i686() { stage_cross i686; }
stage_s390x() { stage_cross s390x; }

stage_embedded() { bash "$root/scripts/embedded-size.sh" "$B/embedded"; }

stage_python() {
    local venv="$B/venv"
    rm -rf "$venv" "$root/bindings/python/build"
    /usr/bin/python3 -m venv --system-site-packages "$venv" &&
        "$venv/bin/pip" install --quiet --no-build-isolation --no-index "$root/bindings/python" &&
        (cd "$root/bindings/python/tests" && "$venv/bin/python" -m pytest -q -p no:cacheprovider .)
}

stage_wasm() {
    bash "$root/bindings/wasm/build.sh" "$B/wasm" &&
        NEXUS_WASM_DIR="$B/wasm" node --test "$root/bindings/wasm/test/"
}

stage_consumer() {
    local prefix="$B/install"
    rm -rf "$prefix" "$B/consumer-cmake" "$B/consumer-pc"
    cmake --install "$B/gcc" --prefix "$prefix" >/dev/null &&
        cmake -S "$root/examples/consumer" -B "$B/consumer-cmake" -G Ninja \
            -DCMAKE_PREFIX_PATH="$prefix" >/dev/null && cmake --build "$B/consumer-cmake" &&
        "$B/consumer-cmake/nexus_consumer" &&
        mkdir -p "$B/consumer-pc" &&
        g++-12 -std=c++20 -Wall -Wextra -Werror \
            $(PKG_CONFIG_PATH="$prefix/share/pkgconfig" pkg-config --cflags nexus) \
            "$root/examples/consumer/main.cpp" -o "$B/consumer-pc/nexus_consumer" &&
        "$B/consumer-pc/nexus_consumer"
}

stage_demo() { "$B/gcc/examples/nexus_demo" >/dev/null; }

all=(rules gcc clang sanitize i686 s390x embedded python wasm consumer demo)
stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=("${all[@]}")
mkdir -p "$B"
passed=0 failed=0 failures=()
for s in "${stages[@]}"; do
    echo "=== stage $s ==="
    start=$SECONDS
    if "stage_$s"; then
        passed=$((passed + 1)); echo "=== stage $s passed ($((SECONDS - start)) s) ==="
    else
        failed=$((failed + 1)); failures+=("$s"); echo "=== stage $s FAILED ($((SECONDS - start)) s) ==="
    fi
done
[ $failed -eq 0 ] || echo "failed stages: ${failures[*]}"
echo "stages: $passed passed, $failed failed"
[ $failed -eq 0 ]
