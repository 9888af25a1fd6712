#!/usr/bin/env bash
# The whole test suite: installs missing packages, builds everything with
# AddressSanitizer and UBSan in build-asan/, runs the unit and lit tests
# (ctest). Then, with clang (scripts/deps.sh installs it), builds the
# libFuzzer harness in build-fuzz/ and runs its tests (test/fuzz: the kept
# crash inputs, 40,000 fuzzed inputs from a fixed seed, and the generated code of
# accepted inputs compiled with gcc and nvcc). Exits non-zero on any
# failure. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/deps.sh
cmake -S . -B build-asan -DHDT_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
cmake --build build-asan -j"$(nproc)"
ctest --test-dir build-asan --output-on-failure

# The fuzzer is built by clang only (libFuzzer), in a build of its own.
if command -v clang >/dev/null 2>&1; then
    CC=clang cmake -S . -B build-fuzz -DHDT_FUZZ=ON -DHDT_BUILD_TESTS=OFF \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo
    cmake --build build-fuzz -j"$(nproc)"
    ctest --test-dir build-fuzz --output-on-failure
else
    echo "test.sh: clang not found: the libFuzzer tests (test/fuzz) did not run" >&2
    exit 1
fi
