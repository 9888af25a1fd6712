#!/usr/bin/env bash
# The main job: installs missing packages, builds hdtc (release build in
# build/), and compiles examples/matmul.hdt with it. Until code generation
# exists, hdtc only checks the program and this stops there.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/deps.sh
cmake -S . -B build
cmake --build build -j"$(nproc)"

example=examples/matmul.hdt
out=build/demo
mkdir -p "$out"

# Check (and, once code generation exists, compile) the example. -o keeps the
# output in build/demo/ rather than next to the source.
echo "demo: build/hdtc -o $out/matmul.cu $example"
build/hdtc -o "$out/matmul.cu" "$example"
echo "demo: $example checked"

# Where the kernel runs: on the GPU when nvidia-smi lists one, else on the
# host target (same kernel, thread blocks simulated on the CPU).
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L 2>/dev/null | grep -q '^GPU'; then
    target=cuda
else
    target=host
fi

# ---------------------------------------------------------------------------
# TODO(codegen): build and run the kernel HERE, once emit_cuda/emit_host exist.
# Each branch should compile the generated code with a driver from examples/,
# link build/libhdtrt.a, run it, and check C against a CPU reference, e.g.
#   cuda:  nvcc -O2 -o $out/matmul_cuda $out/matmul.cu examples/<driver> \
#              -Iruntime/include build/libhdtrt.a && $out/matmul_cuda
#   host:  build/hdtc --target=host -o $out/matmul.c $example
#          cc -O2 -std=c11 -o $out/matmul_host $out/matmul.c examples/<driver> \
#              -Iruntime/include build/libhdtrt.a -lm && $out/matmul_host
# ---------------------------------------------------------------------------
case "$target" in
    cuda) echo "demo: GPU found; running on it comes with code generation" ;;
    host) echo "demo: no GPU; running on the host target comes with code generation" ;;
esac
