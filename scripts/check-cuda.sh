#!/usr/bin/env bash
# Compiles the CUDA output of every .hdt file with nvcc, warnings as errors.
#
#   scripts/check-cuda.sh [HDTC [DIR...]]
#
# HDTC defaults to build/hdtc; the folders default to examples/ and stdlib/
# (searched recursively; relative paths are taken from the repository root;
# a default folder that does not exist is skipped, a given one is an error).
# Each file is compiled with `HDTC FILE -o TMP/NAME.cu`, then
#   nvcc -std=c++17 -Werror all-warnings -arch=sm_80 \
#        -gencode=arch=compute_90a,code=sm_90a -c TMP/NAME.cu -I runtime/include
# One line per file; the first failure prints the compiler's messages and
# ends the script with status 1. Finding no .hdt file at all is a failure.
#
# Without nvcc ($NVCC, else on PATH, else /usr/local/cuda/bin/nvcc) the
# script fails, unless HDT_ALLOW_NO_NVCC=1, where it says so and succeeds.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

abspath() { case "$1" in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$root/$1" ;; esac; }

hdtc="$(abspath "${1:-build/hdtc}")"
shift || true
dirs=("$@")
explicit=1
if [ "${#dirs[@]}" -eq 0 ]; then
    dirs=(examples stdlib)
    explicit=0 # a default folder may be absent (git keeps no empty folder)
fi

# NVCC=PATH picks the compiler (a path that is not an executable counts as
# no nvcc, which is how the test of this script checks that case).
if [ -n "${NVCC:-}" ]; then
    nvcc="$NVCC"
    [ -x "$nvcc" ] || nvcc=
else
    nvcc="$(command -v nvcc || true)"
    if [ -z "$nvcc" ] && [ -x /usr/local/cuda/bin/nvcc ]; then
        nvcc=/usr/local/cuda/bin/nvcc
    fi
fi
if [ -z "$nvcc" ]; then
    if [ "${HDT_ALLOW_NO_NVCC:-}" = 1 ]; then
        echo "check-cuda: nvcc not found; skipping the CUDA compile check (HDT_ALLOW_NO_NVCC=1)"
        exit 0
    fi
    echo "check-cuda: error: nvcc not found (on PATH or in /usr/local/cuda/bin);" \
         "install the CUDA toolkit, or set HDT_ALLOW_NO_NVCC=1 to skip this check" >&2
    exit 1
fi
if [ ! -x "$hdtc" ]; then
    echo "check-cuda: error: no compiler at $hdtc (build it first: cmake --build build)" >&2
    exit 1
fi

files=()
for d in "${dirs[@]}"; do
    d="$(abspath "$d")"
    if [ ! -d "$d" ]; then
        [ "$explicit" = 0 ] && continue
        echo "check-cuda: error: no folder $d" >&2
        exit 1
    fi
    while IFS= read -r -d '' f; do
        files+=("$f")
    done < <(find "$d" -type f -name '*.hdt' -print0 | LC_ALL=C sort -z)
done
if [ "${#files[@]}" -eq 0 ]; then
    echo "check-cuda: error: no .hdt files under: ${dirs[*]}" >&2
    exit 1
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/check-cuda.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

n=0
for f in "${files[@]}"; do
    n=$((n + 1))
    rel="${f#"$root"/}"
    out="$tmp/$n.cu"
    if ! "$hdtc" "$f" -o "$out" >"$tmp/log" 2>&1; then
        echo "FAIL $rel (hdtc)"
        cat "$tmp/log" >&2
        exit 1
    fi
    if ! "$nvcc" -std=c++17 -Werror all-warnings -arch=sm_80 \
            -gencode=arch=compute_90a,code=sm_90a -c "$out" -o "$tmp/$n.o" \
            -I "$root/runtime/include" >"$tmp/log" 2>&1; then
        echo "FAIL $rel (nvcc)"
        cat "$tmp/log" >&2
        echo "check-cuda: the generated file was:" >&2
        cat -n "$out" >&2
        exit 1
    fi
    if grep -qi 'warning' "$tmp/log"; then
        echo "FAIL $rel (nvcc warning)"
        cat "$tmp/log" >&2
        exit 1
    fi
    echo "ok   $rel"
done
echo "check-cuda: ${#files[@]} file(s) compiled by nvcc without warnings"
