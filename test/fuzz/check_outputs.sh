#!/usr/bin/env bash
# Whatever program hdtc accepts, the code it writes must compile: the host
# C with gcc (-std=c11, against runtime/include) and the CUDA with nvcc. This
# checks that on a sample of the inputs the fuzzer found (its corpus: mutated
# programs, many accepted), in bounded time.
#
#   check_outputs.sh HDTC ROOT CORPUS_DIR...
#
# HDT_OUTPUTS_GCC (default 300) inputs are tried for the host target; of the
# accepted ones, HDT_OUTPUTS_NVCC (default 6; nvcc takes seconds a file) are
# also compiled with nvcc, when nvcc is found. The sample is random (seed
# printed; HDT_OUTPUTS_SEED repeats it). Exits 1 on the first output that
# does not compile, printing the input and the compiler's messages.
set -euo pipefail
hdtc="$1" root="$2"
shift 2
n_gcc="${HDT_OUTPUTS_GCC:-300}" n_nvcc="${HDT_OUTPUTS_NVCC:-6}"
seed="${HDT_OUTPUTS_SEED:-$RANDOM}"
echo "check_outputs: seed $seed (HDT_OUTPUTS_SEED=$seed repeats this sample)"
nvcc="$(command -v nvcc || { [ -x /usr/local/cuda/bin/nvcc ] && echo /usr/local/cuda/bin/nvcc; } || true)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

files=()
for d in "$@"; do
    [ -d "$d" ] && while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$d" -type f -print0)
done
if ((${#files[@]} == 0)); then
    echo "check_outputs: no inputs (run the fuzzer first)"; exit 0
fi
mapfile -t sample < <(printf '%s\n' "${files[@]}" | shuf --random-source=<(yes "$seed") -n "$n_gcc")

fail() { echo "check_outputs: FAIL: $1 for input $2:"; head -c 2000 "$2"; echo; cat "$work/log"; exit 1; }

accepted=0 nvcc_done=0
for f in "${sample[@]}"; do
    # A fuzzed input may take long to compile; so may its output: bounded.
    if ! timeout 20 "$hdtc" --target=host -o "$work/out.c" "$f" 2>/dev/null; then
        continue
    fi
    accepted=$((accepted + 1))
    timeout 60 gcc -c -std=c11 -w -I "$root/runtime/include" "$work/out.c" -o "$work/out.o" \
        >"$work/log" 2>&1 || fail "gcc rejected the host C" "$f"
    if [ -n "$nvcc" ] && ((nvcc_done < n_nvcc)) &&
       timeout 20 "$hdtc" -o "$work/out.cu" "$f" 2>/dev/null; then
        nvcc_done=$((nvcc_done + 1))
        timeout 120 "$nvcc" -std=c++17 -arch=sm_80 -I "$root/runtime/include" -c "$work/out.cu" \
            -o "$work/out_cu.o" >"$work/log" 2>&1 || fail "nvcc rejected the CUDA" "$f"
    fi
done
echo "check_outputs: ${#sample[@]} inputs, $accepted accepted: host C compiled with gcc;" \
     "$nvcc_done CUDA outputs compiled with nvcc$([ -n "$nvcc" ] || echo ' (nvcc not found)')"
