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
# A file whose defaults leave code out (a generic kernel whose paths are
# chosen by its generic values, as in stdlib/) lists more builds in lines
#   // check-cuda: ARGS
# each of which compiles the file once more, as `HDTC FILE ARGS`, then with
# nvcc as above (ARGS are split at whitespace: --instance=..., -D NAME=V,
# --target=cuda:sm_90a); a line ending in a backslash continues on the
# next `// check-cuda:` line. The file's line then says how many builds it
# had.
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
    rel="${f#"$root"/}"
    # The default build, then one per `// check-cuda: ARGS` line.
    # A line that ends in a backslash continues on the next such line.
    builds=("")
    cont=""
    while IFS= read -r line; do
        case "$line" in
        *\\) cont="$cont${line%\\} " ;;
        *) builds+=("$cont$line"); cont="" ;;
        esac
    done < <(sed -n 's|^// check-cuda:[[:space:]]*||p' "$f")
    [ -n "$cont" ] && builds+=("$cont")
    for args in "${builds[@]}"; do
        n=$((n + 1))
        out="$tmp/$n.cu"
        what=""
        [ -n "$args" ] && what=" [check-cuda: $args]"
        read -r -a extra <<<"$args"
        if ! "$hdtc" "$f" "${extra[@]}" -o "$out" >"$tmp/log" 2>&1; then
            echo "FAIL $rel (hdtc)$what"
            cat "$tmp/log" >&2
            exit 1
        fi
        if ! "$nvcc" -std=c++17 -Werror all-warnings -arch=sm_80 \
                -gencode=arch=compute_90a,code=sm_90a -c "$out" -o "$tmp/$n.o" \
                -I "$root/runtime/include" >"$tmp/log" 2>&1; then
            echo "FAIL $rel (nvcc)$what"
            cat "$tmp/log" >&2
            echo "check-cuda: the generated file was:" >&2
            cat -n "$out" >&2
            exit 1
        fi
        if grep -qi 'warning' "$tmp/log"; then
            echo "FAIL $rel (nvcc warning)$what"
            cat "$tmp/log" >&2
            exit 1
        fi
    done
    if [ "${#builds[@]}" -gt 1 ]; then
        echo "ok   $rel (${#builds[@]} builds)"
    else
        echo "ok   $rel"
    fi
done
echo "check-cuda: ${#files[@]} file(s) compiled by nvcc without warnings"
