#!/usr/bin/env bash
# Fails when include/nexus uses a construct the core forbids (DESIGN §3.2): heap allocation,
# exceptions, RTTI or the standard library's allocating containers. Comment lines are ignored.
set -uo pipefail
# Usage: check-core-rules.sh [dir]   (default: the project's include/nexus)
dir=${1:-$(cd "$(dirname "$0")/.." && pwd)/include/nexus}
pattern='\bnew [A-Za-z_:(]|\bthrow\b|\btry\s*\{|\bcatch\s*\(|typeid|dynamic_cast|std::(vector|string|map|unordered_map|function|shared_ptr|list|deque|set|unordered_set)\b|\b(malloc|calloc|realloc|free)\s*\('
hits=$(grep -rnE "$pattern" "$dir" | grep -vE '^[^:]+:[0-9]+:\s*(//|/?\*)')
if [ -n "$hits" ]; then
    echo "core rules violated in $dir:"
    echo "$hits"
    exit 1
fi
echo "core rules: $(find "$dir" -name '*.hpp' | wc -l) headers clean"
