#!/usr/bin/env bash
# Builds the WebAssembly module: the C ABI (bindings/c) compiled by Emscripten into one
# self-contained CommonJS file, plus the JavaScript API around it (nexus.js, crypto.js,
# identity.js, link.js, wire.js, routing.js, node.js).
# Usage: bindings/wasm/build.sh [output-dir]   (default: build/wasm)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/build/wasm}
mkdir -p "$out/deps"

# Emscripten 3.1.6 (Debian) looks for acorn and friends in Debian's node module folder.
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
# Only tl/ from the host: never -I/usr/include in a cross build.
ln -sfn /usr/include/tl "$out/deps/tl"

# Export every function the C headers declare (nexus.h and the headers it includes, such as
# nexus_crypto.h, nexus_identity.h), so the two never drift apart.
exports=$(cat "$root"/bindings/c/include/*.h | grep -oE '\bnexus_[a-z0-9_]+\(' | tr -d '(' | sort -u |
          sed 's/^/"_/; s/$/"/' | paste -sd, -)

em++ -std=c++20 -O2 -Wall -Wextra -Werror -fno-exceptions -fno-rtti \
    -I"$root/include" -I"$root/bindings/c/include" -isystem "$out/deps" \
    "$root"/bindings/c/src/*.cpp \
    -sMODULARIZE=1 -sEXPORT_NAME=createNexusCore -sSINGLE_FILE=1 -sWASM_BIGINT=1 \
    -sENVIRONMENT=node,web -sALLOW_MEMORY_GROWTH=1 -sFILESYSTEM=0 \
    -sEXPORTED_FUNCTIONS="[$exports,\"_malloc\",\"_free\"]" \
    -sEXPORTED_RUNTIME_METHODS='["UTF8ToString"]' \
    -o "$out/nexus_core.js"
cp "$here/nexus.js" "$here/crypto.js" "$here/identity.js" "$here/link.js" "$here/wire.js" \
    "$here/routing.js" "$here/node.js" "$here/package.json" "$out/"
echo "wasm: built $out/nexus_core.js ($(wc -c < "$out/nexus_core.js") bytes)"
