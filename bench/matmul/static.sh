#!/usr/bin/env bash
# bench/matmul/static.sh: the static figures of the matmul examples, with no
# GPU: for each example and architecture, the registers and spills ptxas
# reports and the instruction mix of the kernel's main loop in the SASS
# (bench/matmul/sass_mix.py).
#
#   bench/matmul/static.sh [HDTC]      HDTC: the compiler (default build/hdtc)
#
# cuobjdump and nvdisasm come from the CUDA folder when it has them, else
# from PyPI (nvidia-cuda-cuobjdump, nvidia-cuda-nvdisasm, pinned below) in
# build-sass/venv, made on first use. Prints a Markdown table; the cubins and
# listings stay in build-sass/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
hdtc="${1:-$root/build/hdtc}"
out="$root/build-sass"
mkdir -p "$out"
[[ -x "$hdtc" ]] || { echo "static: error: no compiler at $hdtc (build first, or pass its path)" >&2; exit 1; }
command -v nvcc >/dev/null || { echo "static: error: nvcc not found" >&2; exit 1; }

if ! command -v cuobjdump >/dev/null || ! command -v nvdisasm >/dev/null; then
    venv="$out/venv"
    if [[ ! -x "$venv/bin/python" ]]; then
        python3 -m venv "$venv" >&2
        "$venv/bin/pip" install -q nvidia-cuda-cuobjdump==13.5.37 nvidia-cuda-nvdisasm==13.5.37 >&2
    fi
    bin="$(dirname "$(find "$venv" -name cuobjdump -type f | head -1)")"
    export PATH="$bin:$PATH"
fi

examples=(matmul matmul_pipelined matmul_f16 matmul_bf16)
# The tensor-core examples choose between cp.async and element-wise copies
# at run time (`let aligned = ...`); the `unswitch` pass makes one main loop
# per path, and sass_mix.py reports the shorter (cp.async) one. A copy of
# each with `aligned` fixed to true holds that loop alone (the row
# "EXAMPLE, cp.async path").
variants=()
for ex in matmul_f16 matmul_bf16; do
    src="$root/examples/$ex.hdt"
    [[ -f "$src" ]] || continue
    sed 's/^\(    let aligned = \).*;/\1true;/' "$src" >"$out/${ex}_aligned.hdt"
    grep -q 'let aligned = true;' "$out/${ex}_aligned.hdt" && variants+=("${ex}_aligned")
done
archs=(sm_80 sm_90a)
printf '| kernel | arch | registers | spill stores/loads (bytes) | main loop instructions | math share (FFMA/HMMA) | loop mix (top 5) |\n'
printf '|---|---|---|---|---|---|---|\n'
for ex in "${examples[@]}" "${variants[@]}"; do
    src="$root/examples/$ex.hdt"
    [[ -f "$src" ]] || src="$out/$ex.hdt"
    [[ -f "$src" ]] || continue
    label="$ex"
    [[ $ex == *_aligned ]] && label="${ex%_aligned}, cp.async path"
    for arch in "${archs[@]}"; do
        cubin="$out/$ex.$arch.cubin"
        "$hdtc" --target="cuda:$arch" "$src" -o "$out/$ex.$arch.cu"
        nvcc -std=c++17 -I"$root/runtime/include" -arch="$arch" -cubin -Xptxas -v \
            -o "$cubin" "$out/$ex.$arch.cu" 2>"$out/$ex.$arch.ptxas"
        regs="$(grep -o 'Used [0-9]* registers' "$out/$ex.$arch.ptxas" | head -1 | grep -o '[0-9]*')"
        spills="$(grep -o '[0-9]* bytes spill stores, [0-9]* bytes spill loads' "$out/$ex.$arch.ptxas" | head -1 |
                  sed -E 's/([0-9]+) bytes spill stores, ([0-9]+) bytes spill loads/\1 \/ \2/')"
        python3 "$root/bench/matmul/sass_mix.py" "$cubin" --json >"$out/$ex.$arch.mix.json"
        python3 - "$out/$ex.$arch.mix.json" "$label" "$arch" "$regs" "$spills" <<'PY'
import json, sys
path, ex, arch, regs, spills = sys.argv[1:]
for line in open(path):
    k = json.loads(line)
    top = ", ".join(f"{op} {n}" for op, n in sorted(k["mix"].items(), key=lambda kv: -kv[1])[:5])
    print(f"| {ex} | {arch} | {regs} | {spills} | {k['instructions']} | {100 * k['math_share']:.1f}% | {top} |")
PY
    done
done
