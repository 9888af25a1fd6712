#!/usr/bin/env bash
# conformance.sh HDT DATA CACHE FLOOR: runs `hdt test` (on the host target)
# over every case of the ONNX backend test data (node/, pytorch-converted/,
# pytorch-operator/, simple/), and fails
# when any case FAILs (a wrong number, or an error that is not a refusal of
# something unsupported) or when fewer than FLOOR cases pass (a supported
# operator that stopped working). The per-case lines are in
# CACHE/../onnx-conformance.txt; the last lines are printed.
# ctest runs it as onnx.conformance (test/CMakeLists.txt).
set -uo pipefail
hdt="$1" data="$2" cache="$3" floor="$4"
out="$(dirname "$cache")/onnx-conformance.txt"
"$hdt" test --device host --cache-dir "$cache" "$data"/{node,pytorch-converted,pytorch-operator,simple}/*/ \
    >"$out" 2>&1
rc=$?
grep '^FAIL' "$out" | head -20
tail -1 "$out"
passed="$(tail -1 "$out" | sed -n 's/^\([0-9]*\) passed, .*/\1/p')"
if [ "$rc" != 0 ] || [ -z "$passed" ]; then
    echo "conformance: hdt test failed (exit status $rc): see $out" >&2
    exit 1
fi
if [ "$passed" -lt "$floor" ]; then
    echo "conformance: $passed cases passed, fewer than the $floor this suite passed before" >&2
    exit 1
fi
echo "conformance: $passed cases passed (floor $floor), none failed"
