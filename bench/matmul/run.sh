#!/usr/bin/env bash
# bench/matmul/run.sh: hdt's matmul kernels against cuBLAS (through PyTorch)
# on a GPU, as a ratio per shape and precision.
#
#   bench/matmul/run.sh [--quick] [--reps N] [--out FILE]
#
# Needs the CUDA drivers that `scripts/gpu-check.sh --prepare` builds into
# build-gpu/cuda (matmul, matmul_f16, matmul_bf16; HDT_GPU_BUILD names
# another folder) and torch. For each precision (f32: examples/matmul.hdt,
# SIMT, against cuBLAS SGEMM with TF32 off; f16 and bf16:
# examples/matmul_f16.hdt and matmul_bf16.hdt, tensor cores with f32
# accumulation, against torch.matmul in that type) and each shape M x N x K
# (1024^3, 2048^3, 4096^3, 8192^3, and the LLM projections 4096 x 4096 x
# 11008 and 4096 x 11008 x 4096; --quick stops at 4096), it takes the median
# of N timed runs of each (CUDA events, after 3 warm-up runs: driver.h's
# HDT_BENCH and bench/gpu_baselines.py time the same way) and prints a
# Markdown table: hdt ms, cuBLAS ms, TFLOP/s of each, and hdt's share of
# cuBLAS's speed. Each hdt result is also checked against the driver's
# double-precision reference (a FAIL line there fails the run).
# HDT_MATMUL_SHAPES="M N K,M N K" replaces the shapes (a rehearsal with the
# host drivers: HDT_MATMUL_DRIVERS=build-gpu/host HDT_MATMUL_SHAPES="64 64 64").
# Exit status: 1 when a kernel failed its check or a figure is missing.
set -u
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bd="${HDT_GPU_BUILD:-$root/build-gpu}"
reps=10
quick=0
out=""
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=1 ;;
        --reps) shift; reps="${1:-10}" ;;
        --out) shift; out="${1:-}" ;;
        -h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "matmul bench: error: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done

shapes=("1024 1024 1024" "2048 2048 2048" "4096 4096 4096")
((quick)) || shapes+=("8192 8192 8192" "4096 4096 11008" "4096 11008 4096")
if [ -n "${HDT_MATMUL_SHAPES:-}" ]; then
    IFS=',' read -r -a shapes <<<"$HDT_MATMUL_SHAPES"
fi
drivers="${HDT_MATMUL_DRIVERS:-$bd/cuda}"
# precision|driver|PyTorch key suffix
precisions=("f32|matmul|" "f16|matmul_f16|:f16" "bf16|matmul_bf16|:bf16")

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
status=0
rows=()
for p in "${precisions[@]}"; do
    IFS='|' read -r prec driver suffix <<<"$p"
    exe="$drivers/$driver"
    if [ ! -x "$exe" ]; then
        echo "matmul bench: no $exe (run scripts/gpu-check.sh --prepare where nvcc is)" >&2
        status=1
        continue
    fi
    for s in "${shapes[@]}"; do
        read -r m n k <<<"$s"
        key="matmul:${m}x${n}x${k}${suffix}"
        log="$tmp/$driver.$m.$n.$k.log"
        HDT_BENCH="$reps" timeout -k 5 300 "$exe" "$m" "$n" "$k" >"$log" 2>&1
        grep -q ' ok' "$log" || { echo "matmul bench: FAIL $driver $m $n $k: $(tail -1 "$log")" >&2; status=1; }
        hdt_ms="$(sed -n 's/^bench: .* median_ms=\([0-9.]*\).*/\1/p' "$log" | head -1)"
        torch_ms="$(timeout -k 5 300 python3 "$root/bench/gpu_baselines.py" --reps "$reps" "$key" 2>/dev/null |
                    python3 -c 'import json,sys; print(next((json.loads(l).get("median_ms","") for l in sys.stdin if l.startswith("{")), ""))')"
        rows+=("$prec|$m|$n|$k|${hdt_ms:-}|${torch_ms:-}")
        [ -n "$hdt_ms" ] && [ -n "$torch_ms" ] || status=1
    done
done

{
    echo "| precision | M x N x K | hdt ms | cuBLAS ms | hdt TFLOP/s | cuBLAS TFLOP/s | hdt / cuBLAS |"
    echo "|---|---|---|---|---|---|---|"
    for r in "${rows[@]}"; do
        IFS='|' read -r prec m n k h t <<<"$r"
        python3 - "$prec" "$m" "$n" "$k" "$h" "$t" <<'PY'
import sys
prec, m, n, k, h, t = sys.argv[1:]
flops = 2.0 * int(m) * int(n) * int(k)
def tf(ms):
    return f"{flops / (float(ms) * 1e-3) * 1e-12:.1f}" if ms else "-"
ratio = f"{100.0 * float(t) / float(h):.0f}%" if h and t else "-"
print(f"| {prec} | {m} x {n} x {k} | {h or '-'} | {t or '-'} | {tf(h)} | {tf(t)} | {ratio} |")
PY
    done
} | tee "${out:-/dev/null}"
exit $status
