#!/usr/bin/env bash
# Installs every Debian package that nexus's build, tests, bindings, benchmarks and checks need.
# Safe to run again: it only calls apt-get when something is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  g++-12 clang-14 libclang-rt-14-dev lld-14 clang-format
  libexpected-dev doctest-dev nlohmann-json3-dev libcjson-dev
  libsodium-dev libssl-dev libbenchmark-dev b3sum valgrind
  pybind11-dev python3-pybind11 python3-dev python3-pytest python3-hypothesis python3-venv
  python3-pip python3-setuptools python3-wheel python3-cryptography python3-matplotlib
  emscripten nodejs
  qemu-user-static g++-i686-linux-gnu g++-s390x-linux-gnu
  gcc-arm-none-eabi libstdc++-arm-none-eabi-newlib libnewlib-arm-none-eabi
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

# The machine's own node (newer than Debian's) is fine; only install Debian's when none exists.
if command -v node >/dev/null 2>&1; then
  filtered=()
  for p in "${missing[@]}"; do [ "$p" = nodejs ] || filtered+=("$p"); done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi

if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: all packages present"
fi
