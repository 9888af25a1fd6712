#!/usr/bin/env bash
# The main job: installs missing packages, builds hdtc (release build in
# build/), compiles examples/matmul.hdt (f32) and examples/matmul_f16.hdt
# (tensor cores) with it, and runs the kernels: on the GPU when there is one
# (CUDA target), else on the CPU (host target), printing their error against
# a double-precision reference and their time.
# Then the graph runtime: examples/graph_mlp.c builds a residual MLP with
# the C API, compiles it for the same device and checks its output; and the
# hdt command runs a ResNet-style ONNX model.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/deps.sh
cmake -S . -B build -DHDT_SANITIZE=OFF -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)" --target hdtc hdtrt graph_mlp hdt

mkdir -p build/demo

# Where the kernels run: on the GPU when nvidia-smi lists one, else on the
# host target (same kernels, thread blocks simulated on the CPU).
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L 2>/dev/null | grep -q '^GPU' &&
   command -v nvcc >/dev/null 2>&1; then
    target=cuda
else
    target=host
fi

# build_example NAME EXAMPLE DRIVER [CFLAGS...]: build/demo/NAME, the
# example compiled for the target and linked with its driver.
build_example() {
    local name="$1" example="$2" driver="$3"
    shift 3
    case "$target" in
        cuda)
            echo "demo: build/hdtc $example -o build/demo/$name.cu   (CUDA, for the GPU)"
            build/hdtc "$example" -o "build/demo/$name.cu"
            nvcc -std=c++17 -O3 -arch=native -I runtime/include -c "build/demo/$name.cu" -o "build/demo/${name}_cu.o"
            cc -std=c11 -O2 -DHDT_DRIVER_CUDA "$@" -I runtime/include -I examples \
                -I "$(dirname "$(command -v nvcc)")/../include" -c "$driver" -o "build/demo/${name}_main.o"
            nvcc "build/demo/${name}_main.o" "build/demo/${name}_cu.o" build/libhdtrt.a -o "build/demo/$name"
            ;;
        host)
            echo "demo: build/hdtc --target=host $example -o build/demo/$name.c   (no GPU: the host target)"
            build/hdtc --target=host "$example" -o "build/demo/$name.c"
            cc -std=c11 -O2 -fopenmp "$@" -I runtime/include -I examples "$driver" "build/demo/$name.c" \
                build/libhdtrt.a -lm -o "build/demo/$name"
            ;;
    esac
}

# run_example NAME: the driver's own sizes (not multiples of any tile, each
# checked against a double-precision reference), then one larger size, timed.
run_example() {
    echo "demo: build/demo/$1"
    "build/demo/$1"
    if [ "$target" = cuda ]; then
        "build/demo/$1" 4096 4096 4096 10
    else
        "build/demo/$1" 512 512 512 3
    fi
}

# The f32 matmul on the CUDA cores (128 x 128 tiles), then the f16 matmul
# on the tensor cores (mma, ldmatrix, a cp.async pipeline; on the host
# target, their exact emulation).
build_example matmul examples/matmul.hdt examples/matmul_main.c
run_example matmul
build_example matmul_f16 examples/matmul_f16.hdt examples/matmul_f16_main.c
run_example matmul_f16

# The graph runtime: a whole model compiled from a graph built in C.
echo "demo: build/graph_mlp --device $target --batch 64 --dim 256 --hidden 1024"
build/graph_mlp --device "$target" --batch 64 --dim 256 --hidden 1024

# An ONNX model: a small ResNet-style CNN (test/models/make_models.py builds
# it with the onnx package, in the venv scripts/venv.sh makes), run by the
# hdt command on the same device, then described.
python="$(bash scripts/venv.sh --python)"
"$python" test/models/make_models.py build/models >/dev/null
echo "demo: build/hdt run build/models/resnet_style.onnx --device $target --input x=... --output-dir build/models/out"
build/hdt run build/models/resnet_style.onnx --device "$target" \
    --input x=build/models/resnet_style/inputs/x.npy --output-dir build/models/out
echo "demo: build/hdt info build/models/resnet_style.onnx --device $target"
build/hdt info build/models/resnet_style.onnx --device "$target"
