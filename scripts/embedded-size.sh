#!/usr/bin/env bash
# Compiles for a Cortex-M4 (arm-none-eabi-g++ -Os, no exceptions, no RTTI, newlib-nano) and prints
# the text/data/bss sizes of the linked probes: the core (tests/embedded/size_probe.cpp), a whole
# transport node (tests/embedded/node_size_probe.cpp), the whole
# crypto suite (tests/embedded/crypto_size_probe.cpp), then each crypto primitive alone (the crypto
# probe built with only that primitive, minus the empty probe), dependencies included.
# Usage: embedded-size.sh [build-dir]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/build/embedded}
jobs=${NEXUS_JOBS:-2}
mkdir -p "$out/deps"
ln -sfn /usr/include/tl "$out/deps/tl"   # only tl/, never the host's /usr/include
# -Wno-psabi: GCC notes (not warns) that std::span arguments are passed as since GCC 7.1; nothing
# here links against code built by an older compiler.
flags=(-std=c++20 -mcpu=cortex-m4 -mthumb -Os -fno-exceptions -fno-rtti -ffunction-sections
       -fdata-sections -Wall -Wextra -Wpedantic -Werror -Wno-array-bounds -Wno-stringop-overflow
       -Wno-psabi)
link=(--specs=nano.specs --specs=nosys.specs -Wl,--gc-sections)
build() {  # source, elf, extra flags...
    arm-none-eabi-g++ "${flags[@]}" "${@:3}" -I"$root/include" -isystem "$out/deps" "$1" -o "$2" "${link[@]}"
}
build "$root/tests/embedded/size_probe.cpp" "$out/size_probe.elf"
echo "Cortex-M4 -Os size of the core probe (arm-none-eabi, newlib-nano):"
arm-none-eabi-size "$out/size_probe.elf"

build "$root/tests/embedded/node_size_probe.cpp" "$out/node_size_probe.elf"
echo
echo "Cortex-M4 -Os size of the MCU relay preset node (presets::mcu_relay; bss holds its state; see the probe):"
arm-none-eabi-size "$out/node_size_probe.elf"

crypto=$root/tests/embedded/crypto_size_probe.cpp
build "$crypto" "$out/crypto_size_probe.elf"
echo
echo "Cortex-M4 -Os size of the crypto probe (every primitive; arm-none-eabi, newlib-nano):"
arm-none-eabi-size "$out/crypto_size_probe.elf"

# One build per primitive, $jobs at a time; "none" is the empty probe they are measured against.
primitives=(none SHA256 SHA512 HMAC_SHA256 HKDF_SHA256 BLAKE2B BLAKE3 ARGON2ID CHACHA20 POLY1305
            CHACHA20_POLY1305 XCHACHA20_POLY1305 X25519 ED25519)
[[ -f $root/include/nexus/crypto/ecvrf.hpp ]] && primitives+=(ECVRF)
mkdir -p "$out/crypto"
pids=()
for p in "${primitives[@]}"; do
    extra=(-DNEXUS_PROBE_ONLY)
    [[ $p != none ]] && extra+=("-DNEXUS_PROBE_$p=1")
    build "$crypto" "$out/crypto/$p.elf" "${extra[@]}" &
    pids+=($!)
    if ((${#pids[@]} >= jobs)); then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
done
for pid in "${pids[@]}"; do wait "$pid"; done

read -r base_text base_data base_bss _ < <(arm-none-eabi-size "$out/crypto/none.elf" | tail -n 1)
echo
echo "Per primitive, alone (bytes over the empty probe: text $base_text, data $base_data, bss $base_bss):"
printf '  %-20s %8s %6s %6s\n' primitive text data bss
for p in "${primitives[@]:1}"; do
    read -r text data bss _ < <(arm-none-eabi-size "$out/crypto/$p.elf" | tail -n 1)
    printf '  %-20s %8d %6d %6d\n' "${p,,}" $((text - base_text)) $((data - base_data)) $((bss - base_bss))
done
