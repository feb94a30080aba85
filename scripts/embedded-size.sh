#!/usr/bin/env bash
# Compiles the core for a Cortex-M4 (arm-none-eabi-g++ -Os, no exceptions, no RTTI, newlib-nano)
# and prints the text/data/bss sizes of the linked probe. Usage: embedded-size.sh [build-dir]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/build/embedded}
mkdir -p "$out/deps"
ln -sfn /usr/include/tl "$out/deps/tl"   # only tl/, never the host's /usr/include
flags=(-std=c++20 -mcpu=cortex-m4 -mthumb -Os -fno-exceptions -fno-rtti -ffunction-sections
       -fdata-sections -Wall -Wextra -Wpedantic -Werror -Wno-array-bounds -Wno-stringop-overflow)
arm-none-eabi-g++ "${flags[@]}" -I"$root/include" -isystem "$out/deps" \
    "$root/tests/embedded/size_probe.cpp" -o "$out/size_probe.elf" \
    --specs=nano.specs --specs=nosys.specs -Wl,--gc-sections
echo "Cortex-M4 -Os size of the core probe (arm-none-eabi, newlib-nano):"
arm-none-eabi-size "$out/size_probe.elf"
