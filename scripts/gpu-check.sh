#!/usr/bin/env bash
# The prepared GPU check (docs/gpu.md): one command that, on a machine with
# a GPU, runs every example and stdlib operator on the CUDA target against
# the host target, runs compute-sanitizer over them, and benchmarks them
# against cuBLAS and PyTorch; without a GPU it does what needs none.
#
#   scripts/gpu-check.sh --prepare      build into build-gpu/ (no GPU needed)
#   scripts/gpu-check.sh [--results DIR] [--rebuild]
#
# --prepare builds a static hdtc and libhdtrt.a, generates each example's and
# operator's CUDA (.cu) and host (.c) source, and builds the host reference
# drivers (static) and, when nvcc is present, the CUDA drivers (nvcc with
# warnings as errors). build-gpu/ is then all a GPU machine needs: carry it
# there (it works without flex, bison, Criterion or protobuf-c).
#
# Without --prepare: when nvidia-smi finds no GPU, the script says so first,
# runs --prepare (always: building and compiling is the check), checks that the host drivers give the same outputs on 1
# and 2 OpenMP threads, and skips the GPU steps. With a GPU it uses the
# carried build-gpu/ (rebuilding what is stale or missing: everything when
# the sources changed since --prepare, the CUDA drivers when this machine's
# nvcc differs or with --rebuild), then:
#   1. runs each case with the host and the CUDA driver on the same inputs
#      (HDT_SEED) and compares the outputs (HDT_DUMP, examples/driver.h);
#   2. runs compute-sanitizer (memcheck, racecheck, synccheck) at small sizes;
#   3. times the kernels (HDT_BENCH: CUDA events, warm-up, median) and the
#      PyTorch baselines (bench/gpu_baselines.py: cuBLAS, copy bandwidth);
#   4. writes build-gpu/gpu-results.md and prints a summary, failures first.
# Each item is a PASS, FAIL, WARN or SKIP line; a failure does not stop the
# others. Exit status: 1 when anything failed, else 0 (also without a GPU).
#
# Environment: HDT_GPU_BUILD (folder, default build-gpu), HDT_SEED (inputs,
# default 20261130), HDT_GPU_BUDGET (seconds after which the remaining GPU
# items are skipped, default 420), HDT_GPU_JOBS (parallel compute-sanitizer
# runs, default 4), HDT_GPU_NONE=1 (act as if there were no GPU),
# HDT_GPU_DRYRUN=1 (without a GPU, rehearse the GPU steps with the host
# drivers standing in for the CUDA ones: checks this script, not CUDA).
set -u
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root" || exit 2

prepare_only=0
rebuild=0
results_dir=""
while [ $# -gt 0 ]; do
    case "$1" in
        --prepare) prepare_only=1 ;;
        --rebuild) rebuild=1 ;;
        --results) shift; results_dir="${1:-}" ;;
        --results=*) results_dir="${1#--results=}" ;;
        -h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "gpu-check: error: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done

bd="${HDT_GPU_BUILD:-build-gpu}"
case "$bd" in /*) ;; *) bd="$root/$bd" ;; esac
seed="${HDT_SEED:-20261130}"
budget="${HDT_GPU_BUDGET:-420}"
san_jobs="${HDT_GPU_JOBS:-4}"
ncpu="$(nproc 2>/dev/null || echo 2)"
tool=(python3 "$root/scripts/gpu-check-tool.py")
command_line="scripts/gpu-check.sh${*:+ $*}"
[ "$prepare_only" = 1 ] && command_line="scripts/gpu-check.sh --prepare"
[ "$rebuild" = 1 ] && command_line="$command_line --rebuild"
[ -n "$results_dir" ] && command_line="$command_line --results $results_dir"

mkdir -p "$bd" || exit 2
run="$bd/run"
rm -rf "$run"
mkdir -p "$run/logs" "$run/dumps"
status_file="$run/status.tsv"
: >"$status_file"
exec > >(tee "$bd/gpu-check.log") 2>&1

# ------------------------------------------------------------------ helpers
# record STATUS STEP NAME DETAIL: one line of the summary (and of the log).
record() {
    printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${4:-}" >>"$status_file"
    printf '%-4s %s %s%s\n' "$1" "$2" "$3" "${4:+: $4}"
}
elapsed() { echo $((SECONDS - start)); }
over_budget() { [ $((SECONDS - start)) -ge "$budget" ]; }
progress() { printf '\n== [%3ss] %s\n' "$(elapsed)" "$*"; }
# A bounded pool of background jobs: pool_wait N before starting one (with
# &) until fewer than N run, pool_add after it, pool_join to wait for all.
# (Never a bare `wait`: since bash 5.1 it also waits for the `tee` process
# substitution below, which ends only with the script.)
pool_pids=()
pool_wait() {
    while [ "$(jobs -rp | wc -l)" -ge "$1" ]; do wait -n "${pool_pids[@]}" 2>/dev/null || true; done
}
pool_add() { pool_pids+=("$!"); }
pool_join() {
    local p
    for p in "${pool_pids[@]}"; do wait "$p" 2>/dev/null; done
    pool_pids=()
}
start=$SECONDS

find_tool() { # NAME: on PATH, else next to nvcc, else in /usr/local/cuda/bin
    local t
    t="$(command -v "$1" 2>/dev/null)" && { echo "$t"; return 0; }
    if [ -n "${nvcc:-}" ] && [ -x "$(dirname "$nvcc")/$1" ]; then echo "$(dirname "$nvcc")/$1"; return 0; fi
    [ -x "/usr/local/cuda/bin/$1" ] && { echo "/usr/local/cuda/bin/$1"; return 0; }
    [ -x "/usr/local/cuda/compute-sanitizer/$1" ] && { echo "/usr/local/cuda/compute-sanitizer/$1"; return 0; }
    return 1
}

# ------------------------------------------------------------- what is run
# Builds: NAME|HDT FILE|HDTC FLAGS|DRIVER|DRIVER CFLAGS. Each gives
# gen/NAME.c, gen/NAME.cu, host/NAME and cuda/NAME. They are the builds of
# test/lit/examples and test/lit/stdlib (the same drivers, the same -D).
builds=(
    "matmul|examples/matmul.hdt||examples/matmul_main.c|"
    "matmul_pipelined|examples/matmul_pipelined.hdt||examples/matmul_main.c|-DKERNEL=matmul_pipelined"
    "matmul_f16|examples/matmul_f16.hdt||examples/matmul_f16_main.c|"
    "matmul_bf16|examples/matmul_bf16.hdt||examples/matmul_f16_main.c|-DKERNEL=matmul_bf16 -DHDT_BF16"
    "softmax|examples/softmax.hdt||examples/softmax_main.c|"
    "transpose|examples/transpose.hdt||examples/transpose_main.c|"
    "vector_add|examples/vector_add.hdt||examples/vector_add_main.c|"
    "elementwise|stdlib/elementwise.hdt||test/lit/stdlib/Inputs/elementwise_main.c|"
    "elementwise_cap|stdlib/elementwise.hdt|-D MAX_BLOCKS=3 -D MAX_ROW_BLOCKS=2|test/lit/stdlib/Inputs/elementwise_main.c|"
    "reduce|stdlib/reduce.hdt||test/lit/stdlib/Inputs/reduce_main.c|"
    "layernorm|stdlib/layernorm.hdt||test/lit/stdlib/Inputs/norm_main.c|"
    "layernorm_cached64|stdlib/layernorm.hdt|-D CACHED=64|test/lit/stdlib/Inputs/norm_main.c|"
    "rmsnorm|stdlib/rmsnorm.hdt||test/lit/stdlib/Inputs/norm_main.c|"
    "rmsnorm_cached64|stdlib/rmsnorm.hdt|-D CACHED=64|test/lit/stdlib/Inputs/norm_main.c|"
)
# CUDA against host: BUILD|ARGS (the drivers' own size lists where no size
# is given: sizes that are multiples of no tile, as in the lit tests).
compare_cases=(
    "matmul|" "matmul_pipelined|" "matmul_f16|" "matmul_bf16|" "softmax|" "transpose|" "vector_add|"
    "elementwise|relu" "elementwise|gelu" "elementwise|bias_add"
    "elementwise_cap|relu 1 3071 3072 3073 10000" "elementwise_cap|gelu 1 3073 10000"
    "elementwise_cap|bias_add 37 1000" "elementwise_cap|bias_add 17 129"
    "reduce|sum" "reduce|max"
    "layernorm|layernorm" "layernorm_cached64|layernorm 5 33" "layernorm_cached64|layernorm 1 64"
    "layernorm_cached64|layernorm 3 65" "layernorm_cached64|layernorm 37 1000"
    "rmsnorm|rmsnorm" "rmsnorm_cached64|rmsnorm 5 33" "rmsnorm_cached64|rmsnorm 1 64"
    "rmsnorm_cached64|rmsnorm 3 65" "rmsnorm_cached64|rmsnorm 37 1000"
)
# compute-sanitizer: BUILD|ARGS, small sizes that still take every path.
sanitize_cases=(
    "matmul|63 65 17" "matmul_pipelined|63 65 17" "matmul_f16|63 65 17" "matmul_f16|200 136 64"
    "matmul_bf16|200 136 64" "softmax|37 1000" "transpose|33 65"
    "vector_add|1000 4097" "elementwise|relu 1025" "elementwise|gelu 1025"
    "elementwise|bias_add 37 100" "elementwise_cap|relu 3073" "elementwise_cap|bias_add 17 129"
    "reduce|sum 37 1000" "reduce|max 5 33" "layernorm|layernorm 3 1025"
    "layernorm_cached64|layernorm 3 65" "rmsnorm|rmsnorm 3 1025" "rmsnorm_cached64|rmsnorm 3 65"
)
sanitize_tools=(memcheck racecheck synccheck)
# Benchmarks: LABEL|BUILD|ARGS|flops or bytes|AMOUNT|PYTORCH BASELINE KEY.
# Bytes: what the kernel must read and write at least.
MM4=$((2 * 4096 * 4096 * 4096)); MM2=$((2 * 2048 * 2048 * 2048))
N25=33554432; RC=$((8192 * 4096)); RCN=$((16384 * 1024)); RCW=$((4096 * 8192))
bench_cases=(
    "matmul|matmul|2048 2048 2048|flops|$MM2|matmul:2048x2048x2048"
    "matmul|matmul|4096 4096 4096|flops|$MM4|matmul:4096x4096x4096"
    "matmul_pipelined|matmul_pipelined|2048 2048 2048|flops|$MM2|matmul:2048x2048x2048"
    "matmul_pipelined|matmul_pipelined|4096 4096 4096|flops|$MM4|matmul:4096x4096x4096"
    "matmul_f16|matmul_f16|4096 4096 4096|flops|$MM4|matmul:4096x4096x4096:f16"
    "matmul_bf16|matmul_bf16|4096 4096 4096|flops|$MM4|matmul:4096x4096x4096:bf16"
    "vector_add|vector_add|$N25|bytes|$((12 * N25))|add:$N25"
    "relu|elementwise|relu $N25|bytes|$((8 * N25))|relu:$N25"
    "gelu|elementwise|gelu $N25|bytes|$((8 * N25))|gelu:$N25"
    "bias_add|elementwise|bias_add 8192 4096|bytes|$((8 * RC))|bias_add:8192x4096"
    "softmax|softmax|8192 4096|bytes|$((8 * RC))|softmax:8192x4096"
    "transpose|transpose|8192 4096|bytes|$((8 * RC))|transpose:8192x4096"
    "row_sum|reduce|sum 8192 4096|bytes|$((4 * RC))|row_sum:8192x4096"
    "row_max|reduce|max 8192 4096|bytes|$((4 * RC))|row_max:8192x4096"
    "layernorm|layernorm|layernorm 16384 1024|bytes|$((8 * RCN))|layernorm:16384x1024"
    "layernorm|layernorm|layernorm 4096 8192|bytes|$((8 * RCW))|layernorm:4096x8192"
    "rmsnorm|rmsnorm|rmsnorm 16384 1024|bytes|$((8 * RCN))|rmsnorm:16384x1024"
    "rmsnorm|rmsnorm|rmsnorm 4096 8192|bytes|$((8 * RCW))|rmsnorm:4096x8192"
)
bench_reps=20
# PyTorch-only figures: the copy bandwidth the memory-bound kernels are
# measured against, and cuBLAS where no hdt benchmark above has its size or precision.
torch_extra=(copy:536870912 matmul:4096x4096x4096:tf32 matmul:8192x8192x8192:f16
             matmul:8192x8192x8192:bf16)

# shellcheck disable=SC2054 # the commas are in -gencode values
nvcc_flags=(-std=c++17 -O3 -lineinfo -Werror all-warnings
            -gencode=arch=compute_80,code=sm_80 -gencode=arch=compute_90a,code=sm_90a
            -gencode=arch=compute_90,code=compute_90)

# ---------------------------------------------------------------- the GPU
gpu=0
gpu_name=""
cuda_dir=cuda # where the CUDA drivers are, under $bd
if [ "${HDT_GPU_NONE:-0}" != 1 ] && command -v nvidia-smi >/dev/null 2>&1 &&
   nvidia-smi -L 2>/dev/null | grep -q '^GPU'; then
    gpu=1
    gpu_name="$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)"
elif [ "${HDT_GPU_DRYRUN:-0}" = 1 ]; then
    # A rehearsal of the GPU steps without a GPU: the host drivers stand in
    # for the CUDA ones (so "CUDA against host" compares host with host),
    # one timed run per benchmark, no matmul benchmark past 2048^3.
    gpu=1
    gpu_name="none: HDT_GPU_DRYRUN=1, the host drivers stand in for the CUDA ones"
    cuda_dir=host
    bench_reps=1
    mapfile -t bench_cases < <(printf '%s\n' "${bench_cases[@]}" | grep -v '|4096 4096 4096|')
fi
if [ "$prepare_only" = 1 ]; then
    echo "gpu-check: --prepare: building into ${bd#"$root"/}/ (no GPU needed)"
elif [ "$gpu" = 1 ]; then
    echo "gpu-check: GPU: $gpu_name"
else
    why="nvidia-smi not found"
    command -v nvidia-smi >/dev/null 2>&1 && why="nvidia-smi lists no GPU"
    [ "${HDT_GPU_NONE:-0}" = 1 ] && why="HDT_GPU_NONE=1"
    echo "gpu-check: NO GPU ($why): running only the steps that need none"
    echo "gpu-check: (build, generate the CUDA sources, compile them with nvcc); the GPU steps are SKIPPED"
fi
echo "gpu-check: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $command_line, seed $seed, build folder ${bd#"$root"/}/"

nvcc="${NVCC:-$(command -v nvcc 2>/dev/null || true)}"
[ -z "$nvcc" ] && [ -x /usr/local/cuda/bin/nvcc ] && nvcc=/usr/local/cuda/bin/nvcc
nvcc_version=""
[ -n "$nvcc" ] && nvcc_version="$("$nvcc" --version 2>/dev/null | grep -o 'V[0-9][0-9.]*' | head -1)"
cuda_include=""
[ -n "$nvcc" ] && cuda_include="$(cd "$(dirname "$nvcc")/../include" 2>/dev/null && pwd)"

# A digest of every source a build depends on: tells whether a carried
# build-gpu/ is stale.
src_hash() {
    find compiler grammar runtime examples stdlib test/lit/stdlib/Inputs CMakeLists.txt \
        scripts/gpu-check.sh -type f \( -name '*.c' -o -name '*.h' -o -name '*.hdt' -o -name '*.l' \
        -o -name '*.y' -o -name '*.txt' -o -name '*.sh' \) -print0 2>/dev/null |
        LC_ALL=C sort -z | xargs -0 sha1sum | sha1sum | cut -c1-16
}
stamp_get() { sed -n "s/^$1=//p" "$bd/stamp" 2>/dev/null; }

# ---------------------------------------------------------------- building
# build_hdtc: a static hdtc and libhdtrt.a in bd/bin, bd/lib (CMake, flex,
# bison). Without them, a carried hdtc is used as it is.
build_hdtc() {
    local log="$run/logs/build-hdtc.log"
    if command -v cmake >/dev/null && command -v flex >/dev/null && command -v bison >/dev/null; then
        local ok=0
        for link in -static ""; do
            rm -rf "$bd/cmake"
            if cmake -S "$root" -B "$bd/cmake" -DCMAKE_BUILD_TYPE=Release -DHDT_BUILD_TESTS=OFF \
                    -DHDT_SANITIZE=OFF "-DCMAKE_EXE_LINKER_FLAGS=$link" >"$log" 2>&1 &&
               cmake --build "$bd/cmake" -j"$ncpu" --target hdtc hdtrt hdtrtc hdtgraph hdtcore >>"$log" 2>&1; then
                ok=1; break
            fi
        done
        if [ "$ok" = 1 ]; then
            mkdir -p "$bd/bin" "$bd/lib"
            cp "$bd/cmake/hdtc" "$bd/bin/hdtc" && cp "$bd/cmake/libhdtrt.a" "$bd/lib/libhdtrt.a"
            strip "$bd/bin/hdtc" 2>/dev/null
            # The graph runtime's example, linked dynamically: it loads the
            # models' kernels with dlopen, which a static glibc does badly.
            cc -std=c11 -O2 -I "$root/graph" -I "$root/runtime/include" "$root/examples/graph_mlp.c" \
                "$bd/cmake/libhdtrtc.a" "$bd/cmake/libhdtrt.a" "$bd/cmake/libhdtgraph.a" \
                "$bd/cmake/libhdtcore.a" -lm -ldl -o "$bd/bin/graph_mlp" >>"$log" 2>&1 ||
                record FAIL build graph_mlp "see ${log#"$root"/}"
            rm -rf "$bd/cmake" # not needed any more; keeps what is carried small
            record PASS build hdtc "$(file -b "$bd/bin/hdtc" 2>/dev/null | grep -o 'statically linked\|dynamically linked' || echo built)"
            return 0
        fi
        record FAIL build hdtc "cmake failed: ${log#"$root"/}"
        tail -20 "$log"
        return 1
    fi
    if [ -x "$bd/bin/hdtc" ] && "$bd/bin/hdtc" --version >/dev/null 2>&1 && [ -f "$bd/lib/libhdtrt.a" ]; then
        record WARN build hdtc "no cmake/flex/bison here: using the carried $(basename "$bd")/bin/hdtc as it is"
        return 0
    fi
    record FAIL build hdtc "no cmake/flex/bison and no carried $(basename "$bd")/bin/hdtc: run --prepare elsewhere and carry $(basename "$bd")/"
    return 1
}

# gen_one NAME HDT FLAGS: gen/NAME.c and gen/NAME.cu.
gen_one() {
    local name="$1" hdt="$2" flags="$3" log="$run/logs/gen-$1.log"
    # shellcheck disable=SC2086 # FLAGS is a word list
    if "$bd/bin/hdtc" --target=host $flags "$hdt" -o "$bd/gen/$name.c" >"$log" 2>&1 &&
       "$bd/bin/hdtc" $flags "$hdt" -o "$bd/gen/$name.cu" >>"$log" 2>&1; then
        return 0
    fi
    record FAIL generate "$name" "hdtc $flags $hdt: $(head -1 "$log")"
    return 1
}

# host_one NAME DRIVER CFLAGS: host/NAME, static (runs on any x86-64 Linux).
host_one() {
    local name="$1" driver="$2" cflags="$3" log="$run/logs/host-$1.log" link
    for link in -static ""; do
        # shellcheck disable=SC2086
        if cc -std=c11 -O2 -fopenmp $link -s $cflags -I runtime/include -I examples "$driver" \
                "$bd/gen/$name.c" "$bd/lib/libhdtrt.a" -lm -o "$bd/host/$name" >"$log" 2>&1; then
            return 0
        fi
    done
    record FAIL build-host "$name" "cc failed: $(grep -m1 error "$log")"
    return 1
}

# cuda_one NAME DRIVER CFLAGS: cuda/NAME (nvcc, warnings as errors; the
# CUDA runtime linked statically).
cuda_one() {
    local name="$1" driver="$2" cflags="$3" log="$run/logs/cuda-$1.log" o="$bd/obj"
    # shellcheck disable=SC2086
    if "$nvcc" "${nvcc_flags[@]}" -I runtime/include -c "$bd/gen/$name.cu" -o "$o/$name.cu.o" >"$log" 2>&1 &&
       ! grep -qi warning "$log" &&
       cc -std=c11 -O2 -Wall -Wextra -Werror -DHDT_DRIVER_CUDA $cflags -I runtime/include -I examples \
           -I "$cuda_include" -c "$driver" -o "$o/$name.main.o" >>"$log" 2>&1 &&
       "$nvcc" "$o/$name.main.o" "$o/$name.cu.o" "$bd/lib/libhdtrt.a" -o "$bd/cuda.new/$name" >>"$log" 2>&1; then
        record PASS nvcc "$name" "gen/$name.cu and its driver compiled without warnings"
        return 0
    fi
    local kept=""
    [ -x "$bd/cuda/$name" ] && kept=" (the driver built before is kept)"
    record FAIL nvcc "$name" "see ${log#"$root"/}: $(grep -m1 -i 'error\|warning' "$log")$kept"
    return 1
}

build_cuda_all() {
    if [ -z "$nvcc" ]; then
        record SKIP nvcc all "nvcc not found (PATH, \$NVCC, /usr/local/cuda/bin)"
        return 1
    fi
    # Into cuda.new/ first: a driver that fails to build keeps the one before.
    rm -rf "$bd/cuda.new" "$bd/obj"
    mkdir -p "$bd/cuda" "$bd/cuda.new" "$bd/obj"
    local b name hdt flags driver cflags
    for b in "${builds[@]}"; do
        IFS='|' read -r name hdt flags driver cflags <<<"$b"
        [ -f "$bd/gen/$name.cu" ] || continue
        pool_wait "$ncpu"
        cuda_one "$name" "$driver" "$cflags" &
        pool_add
    done
    pool_join
    local f
    for f in "$bd"/cuda.new/*; do
        [ -e "$f" ] && mv -f "$f" "$bd/cuda/"
    done
    rm -rf "$bd/obj" "$bd/cuda.new"
    echo "nvcc_version=$nvcc_version" >"$bd/nvcc.stamp"
}

prepare() {
    progress "build: hdtc, generated sources, host and CUDA drivers in ${bd#"$root"/}/"
    rm -f "$bd/stamp"
    build_hdtc || return 1
    rm -rf "$bd/gen" "$bd/host" "$bd/cuda"
    mkdir -p "$bd/gen" "$bd/host"
    local b name hdt flags driver cflags n=0 bad=0
    for b in "${builds[@]}"; do
        IFS='|' read -r name hdt flags driver cflags <<<"$b"
        gen_one "$name" "$hdt" "$flags" || bad=1
        n=$((n + 1))
    done
    [ "$bad" = 0 ] && record PASS generate all "$n builds: .c (host) and .cu (CUDA) from $(printf '%s\n' "${builds[@]}" | cut -d'|' -f2 | sort -u | wc -l) .hdt files"
    bad=0
    for b in "${builds[@]}"; do
        IFS='|' read -r name hdt flags driver cflags <<<"$b"
        [ -f "$bd/gen/$name.c" ] || continue
        pool_wait "$ncpu"
        host_one "$name" "$driver" "$cflags" &
        pool_add
    done
    pool_join
    for b in "${builds[@]}"; do
        IFS='|' read -r name _ <<<"$b"
        [ -x "$bd/host/$name" ] || bad=1
    done
    [ "$bad" = 0 ] && record PASS build-host all "${#builds[@]} host reference drivers"
    build_cuda_all
    build_models
    if grep -q '^FAIL' "$status_file"; then
        echo "gpu-check: something failed: ${bd#"$root"/}/ is not marked as prepared (no stamp)"
        return 1
    fi
    {
        echo "hash=$(src_hash)"
        echo "date=$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
        echo "host=$(uname -n) $(uname -m)"
        echo "commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    } >"$bd/stamp"
    echo "gpu-check: $(du -sh "$bd" | cut -f1) in ${bd#"$root"/}/ ($(elapsed)s)"
}

# ------------------------------------------------------------ the GPU steps
# run_driver KIND BUILD ARGS OUT: runs host/BUILD or cuda/BUILD with the
# seed, dumping to OUT.dump, logging to OUT.log; prints the exit status.
run_driver() {
    local kind="$1" build="$2" args="$3" out="$4" rc
    rm -f "$out.dump"
    # shellcheck disable=SC2086
    HDT_SEED="$seed" HDT_DUMP="$out.dump" timeout -k 5 "${5:-120}" "$bd/$kind/$build" $args >"$out.log" 2>&1
    rc=$?
    echo "$rc" >"$out.rc"
    return "$rc"
}

case_id() { echo "$1${2:+_$2}" | tr ' ' '_'; }

# One small CUDA run first: when it fails (a driver older than the CUDA
# runtime the drivers were linked with, no device visible...), say why once.
preflight() {
    local exe="$bd/$cuda_dir/vector_add" log="$run/logs/preflight.log"
    [ -x "$exe" ] || return 0
    if HDT_SEED=1 timeout -k 5 60 "$exe" 1000 >"$log" 2>&1; then
        record PASS preflight cuda "a small CUDA run (vector_add n=1000) works"
    else
        local why linked
        why="$(grep -m1 '^driver:' "$log" || tail -1 "$log")"
        linked="$(sed -n 's/^nvcc_version=//p' "$bd/nvcc.stamp" 2>/dev/null)"
        record FAIL preflight cuda "a small CUDA run failed: $why (the drivers have the CUDA runtime of nvcc $linked; try --rebuild with this machine's nvcc)"
    fi
}

step_compare() {
    progress "1/3 CUDA against host: ${#compare_cases[@]} cases, seed $seed"
    preflight
    local c b args id
    # The host references run on the CPUs meanwhile (2 OpenMP threads each).
    (
        for c in "${compare_cases[@]}"; do
            IFS='|' read -r b args <<<"$c"
            id="$(case_id "$b" "$args")"
            pool_wait $(((ncpu + 1) / 2))
            OMP_NUM_THREADS=2 run_driver host "$b" "$args" "$run/dumps/$id.host" 300 &
            pool_add
        done
        pool_join
    ) &
    local host_pid=$!
    for c in "${compare_cases[@]}"; do
        IFS='|' read -r b args <<<"$c"
        id="$(case_id "$b" "$args")"
        if over_budget; then
            record SKIP compare "$id" "time budget (${budget}s) spent"
            continue
        fi
        if [ ! -x "$bd/$cuda_dir/$b" ]; then
            record SKIP compare "$id" "no CUDA driver cuda/$b (nvcc failed?)"
            continue
        fi
        run_driver "$cuda_dir" "$b" "$args" "$run/dumps/$id.cuda" 120
        echo "  cuda $id: exit $(cat "$run/dumps/$id.cuda.rc")"
    done
    wait "$host_pid"
    for c in "${compare_cases[@]}"; do
        IFS='|' read -r b args <<<"$c"
        id="$(case_id "$b" "$args")"
        [ -f "$run/dumps/$id.cuda.rc" ] || continue
        local line st
        line="$("${tool[@]}" compare --name "$id" --host "$run/dumps/$id.host" \
                --cuda "$run/dumps/$id.cuda" --json "$run/compare.jsonl")"
        st="${line%% *}"
        record "$st" compare "$id" "${line#* }"
    done
    rm -f "$run"/dumps/*.dump
}

step_sanitize() {
    local san
    san="$(find_tool compute-sanitizer)" || {
        record SKIP sanitize all "compute-sanitizer not found"
        return
    }
    progress "2/3 compute-sanitizer (${sanitize_tools[*]}) over ${#sanitize_cases[@]} cases, $san_jobs at a time"
    local c b args id t
    for t in "${sanitize_tools[@]}"; do
        for c in "${sanitize_cases[@]}"; do
            IFS='|' read -r b args <<<"$c"
            id="$(case_id "$b" "$args")"
            if over_budget; then
                record SKIP "$t" "$id" "time budget (${budget}s) spent"
                continue
            fi
            [ -x "$bd/$cuda_dir/$b" ] || { record SKIP "$t" "$id" "no CUDA driver cuda/$b"; continue; }
            pool_wait "$san_jobs"
            (
                log="$run/logs/$t-$id.log"
                extra=()
                [ "$t" = racecheck ] && extra=(--racecheck-report all)
                # shellcheck disable=SC2086
                HDT_SEED="$seed" timeout -k 5 240 "$san" --tool "$t" "${extra[@]}" --error-exitcode 86 \
                    --print-limit 20 "$bd/$cuda_dir/$b" $args >"$log" 2>&1
                rc=$?
                line="$("${tool[@]}" sanitizer --tool "$t" --rc "$rc" --log "$log")"
                record "${line%% *}" "$t" "$id" "${line#* }"
            ) &
            pool_add
        done
    done
    pool_join
}

step_bench() {
    progress "3/3 benchmarks: ${#bench_cases[@]} hdt kernels (median of $bench_reps), then PyTorch baselines"
    local c label b args kind amount key id keys=()
    : >"$run/bench.tsv"
    for c in "${bench_cases[@]}"; do
        IFS='|' read -r label b args kind amount key <<<"$c"
        keys+=("$key")
        id="${label}_$(grep -o '[0-9]\+' <<<"$args" | paste -sd x)"
        if over_budget; then record SKIP bench "$id" "time budget (${budget}s) spent"; continue; fi
        [ -x "$bd/$cuda_dir/$b" ] || { record SKIP bench "$id" "no CUDA driver cuda/$b"; continue; }
        # shellcheck disable=SC2086
        HDT_SEED="$seed" HDT_BENCH="$bench_reps" timeout -k 5 120 "$bd/$cuda_dir/$b" $args \
            >"$run/logs/bench-$id.log" 2>&1
        local rc=$? line
        line="$(grep -m1 '^bench: ' "$run/logs/bench-$id.log")"
        if [ -z "$line" ]; then
            record FAIL bench "$id" "exit $rc, no timing: $(tail -1 "$run/logs/bench-$id.log")"
            continue
        fi
        local ms
        ms="$(sed -n 's/.* median_ms=\([0-9.]*\).*/\1/p' <<<"$line")"
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$args" "$ms" "$kind" "$amount" "$key" >>"$run/bench.tsv"
        if [ "$rc" = 0 ]; then
            record PASS bench "$id" "$("${tool[@]}" figure --ms "$ms" --kind "$kind" --amount "$amount")"
        else
            record FAIL bench "$id" "wrong result at this size (exit $rc): $(grep -m1 FAIL "$run/logs/bench-$id.log")"
        fi
    done
    if over_budget; then record SKIP torch baselines "time budget (${budget}s) spent"; return; fi
    if ! python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' >/dev/null 2>&1; then
        record SKIP torch baselines "python3 cannot import torch with CUDA"
        return
    fi
    keys+=("${torch_extra[@]}")
    # Unique keys, in order.
    mapfile -t keys < <(printf '%s\n' "${keys[@]}" | awk '!seen[$0]++')
    echo "  python3 bench/gpu_baselines.py (${#keys[@]} figures)"
    timeout -k 5 240 python3 "$root/bench/gpu_baselines.py" --reps "$bench_reps" \
        --json "$run/baselines.jsonl" "${keys[@]}" 2>&1 | tee "$run/logs/baselines.log"
    if [ "${PIPESTATUS[0]}" = 0 ]; then
        record PASS torch baselines "$(wc -l <"$run/baselines.jsonl") figures ($(python3 -c 'import torch; print("torch", torch.__version__)' 2>/dev/null))"
    else
        record FAIL torch baselines "bench/gpu_baselines.py failed ($(grep -c '"error"' "$run/logs/baselines.log") figures with an error): see ${run#"$root"/}/logs/baselines.log"
    fi
}

# build_models: examples/graph_mlp.c's model compiled for the host and, with
# nvcc, for sm_80 and sm_90a, saved into bd/models: the GPU machine loads
# them with no compiler (and no stdlib or runtime headers) at hand.
build_models() {
    local log="$run/logs/build-models.log" dev file
    [ -x "$bd/bin/graph_mlp" ] || return 0
    rm -rf "$bd/models" && mkdir -p "$bd/models"
    for dev in host cuda:sm_80 cuda:sm_90a; do
        [ "$dev" = host ] || [ -n "$nvcc" ] || continue
        file="$bd/models/mlp-${dev#cuda:}.hdtm"
        HDT_CACHE_DIR="$bd/models/cache" "$bd/bin/graph_mlp" --device "$dev" --seed "$seed" \
            --batch 64 --dim 256 --hidden 1024 --save "$file" >>"$log" 2>&1
        if [ -f "$file" ]; then
            record PASS build-model "mlp-${dev#cuda:}" "$(du -h "$file" | cut -f1) saved"
        else
            record FAIL build-model "mlp-${dev#cuda:}" "see ${log#"$root"/}"
        fi
    done
    rm -rf "$bd/models/cache"
}

# step_graph_runtime: each saved model loaded and run (no compiler needed),
# checked against graph_mlp's double-precision reference; the cuda ones
# also under compute-sanitizer memcheck. Without a GPU the host model runs.
step_graph_runtime() {
    local file name out
    for file in "$bd"/models/*.hdtm; do
        [ -f "$file" ] || continue
        name="$(basename "$file" .hdtm)"
        if [ "$gpu" = 0 ] && [ "$name" != mlp-host ]; then
            record SKIP graph-runtime "$name" "no GPU"
            continue
        fi
        out="$("$bd/bin/graph_mlp" --load "$file" --seed "$seed" --batch 64 --dim 256 --hidden 1024 2>&1)"
        if printf '%s\n' "$out" | grep -q ') ok$'; then
            record PASS graph-runtime "$name" "$(printf '%s\n' "$out" | grep 'max error')"
        else
            record FAIL graph-runtime "$name" "$(printf '%s\n' "$out" | tail -2 | tr '\n' ' ')"
        fi
        if [ "$gpu" = 1 ] && [ "$name" != mlp-host ] && command -v compute-sanitizer >/dev/null; then
            if compute-sanitizer --tool memcheck --error-exitcode 9 "$bd/bin/graph_mlp" --load "$file" \
                   --seed "$seed" --batch 64 --dim 256 --hidden 1024 >"$run/logs/memcheck-$name.log" 2>&1; then
                record PASS graph-memcheck "$name" "no errors"
            else
                record FAIL graph-memcheck "$name" "see run/logs/memcheck-$name.log"
            fi
        fi
    done
}

step_models() {
    local found=()
    local d
    for d in models test/lit/models; do [ -d "$d" ] && found+=("$d"); done
    if [ "${#found[@]}" = 0 ]; then
        record SKIP models all "no models in the repository yet (models/, test/lit/models/): nothing to compare or benchmark against PyTorch eager and torch.compile"
    else
        record WARN models all "${found[*]} exist(s) but scripts/gpu-check.sh does not run them yet"
    fi
}

# Without a GPU: the host drivers on 1 and 2 OpenMP threads must agree
# exactly (the host target's results do not depend on the thread count);
# this also exercises HDT_DUMP and the comparison.
step_host_threads() {
    progress "host drivers on 1 and 2 OpenMP threads (small sizes)"
    local c b args id n=0 bad=0
    for c in "${sanitize_cases[@]}"; do
        IFS='|' read -r b args <<<"$c"
        id="$(case_id "$b" "$args")"
        [ -x "$bd/host/$b" ] || continue
        OMP_NUM_THREADS=1 run_driver host "$b" "$args" "$run/dumps/$id.t1" 120
        OMP_NUM_THREADS=2 run_driver host "$b" "$args" "$run/dumps/$id.t2" 120
        local line
        line="$("${tool[@]}" compare --exact --name "$id" --host "$run/dumps/$id.t1" --cuda "$run/dumps/$id.t2")"
        n=$((n + 1))
        if [ "${line%% *}" != PASS ]; then
            bad=$((bad + 1))
            record FAIL host-threads "$id" "${line#* }"
        fi
    done
    [ "$bad" = 0 ] && record PASS host-threads all "$n cases: identical outputs on 1 and 2 threads, each within its tolerance"
    rm -f "$run"/dumps/*.dump
}

# ------------------------------------------------------------------- main
if [ "$prepare_only" = 1 ]; then
    prepare
else
    if [ "$gpu" = 0 ] || [ ! -f "$bd/stamp" ]; then
        prepare # without a GPU, building and compiling is the whole check
    elif [ "$(stamp_get hash)" != "$(src_hash)" ]; then
        record WARN build stale "the sources changed since ${bd#"$root"/}/ was prepared ($(stamp_get date)): rebuilding"
        prepare
    else
        record PASS build carried "${bd#"$root"/}/ prepared $(stamp_get date) on $(stamp_get host), commit $(stamp_get commit)"
        if [ "$rebuild" = 1 ] || [ "$(sed -n 's/^nvcc_version=//p' "$bd/nvcc.stamp" 2>/dev/null)" != "$nvcc_version" ]; then
            progress "build: the CUDA drivers with this machine's nvcc ($nvcc_version)"
            build_cuda_all
        fi
    fi
    if [ "$gpu" = 1 ]; then
        step_compare
        step_sanitize
        step_bench
        step_graph_runtime
        step_models
    else
        step_host_threads
        for s in compare memcheck racecheck synccheck bench; do
            record SKIP "$s" all "no GPU"
        done
        step_graph_runtime
        step_models
    fi
fi

# ---------------------------------------------------------------- results
progress "results"
{
    echo "command=$command_line"
    echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "seconds=$(elapsed)"
    echo "seed=$seed"
    echo "gpu=$gpu"
    echo "prepare_only=$prepare_only"
    echo "nvcc=$nvcc_version"
    echo "commit=$(git rev-parse --short HEAD 2>/dev/null || stamp_get commit)"
    echo "prepared=$(stamp_get date) on $(stamp_get host)"
    if [ "$gpu" = 1 ]; then
        dev="$(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null | head -1)"
        echo "device=${dev:-$gpu_name}"
        echo "driver=$(nvidia-smi --query-gpu=driver_version --format=csv,noheader 2>/dev/null | head -1)"
        echo "cuda_driver=$(nvidia-smi 2>/dev/null | grep -o 'CUDA Version: [0-9.]*' | head -1 | cut -d' ' -f3)"
        echo "clocks=$(nvidia-smi --query-gpu=clocks.max.sm,clocks.max.mem,power.limit --format=csv,noheader 2>/dev/null | head -1)"
        echo "torch=$(python3 -c 'import torch; print(torch.__version__, "CUDA", torch.version.cuda)' 2>/dev/null)"
    fi
    echo "cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //'), $ncpu cores"
} >"$run/info.txt"
"${tool[@]}" report --run "$run" --out "$bd/gpu-results.md"
rc=$?
if [ -n "$results_dir" ]; then
    mkdir -p "$results_dir" &&
        cp "$bd/gpu-results.md" "$bd/gpu-check.log" "$results_dir/" &&
        tar -C "$bd" -czf "$results_dir/gpu-check-run.tar.gz" run &&
        echo "gpu-check: copied the results and logs to $results_dir/"
fi
exit "$rc"
