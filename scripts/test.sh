#!/usr/bin/env bash
# The whole test suite: installs missing packages and the model tests' Python
# venv (scripts/venv.sh), builds everything with AddressSanitizer and UBSan in
# build-asan/, runs the unit, lit and model tests (ctest). Then, with clang
# (scripts/deps.sh installs it), builds the libFuzzer harness in build-fuzz/
# and runs its tests (test/fuzz: the kept crash inputs, 40,000 fuzzed inputs
# from a fixed seed, and the generated code of accepted inputs compiled with
# gcc and nvcc). Exits non-zero on any failure. CI runs exactly this
# (.ci/run).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/deps.sh
# The model tests' Python venv (scripts/venv.sh, test/models): where it cannot
# be made (no network to PyPI) they are not registered, with a warning; in CI
# (CI set) they must run, so that is an error there.
if ! venv_python="$(bash scripts/venv.sh --python)"; then
    if [[ -n "${CI:-}" ]]; then
        echo "test.sh: error: scripts/venv.sh failed: the model tests (test/models) cannot run" >&2
        exit 1
    fi
    echo "test.sh: warning: scripts/venv.sh failed: the model tests (test/models) are not registered" >&2
    venv_python=""
fi
cmake -S . -B build-asan -DHDT_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug \
    -DHDT_VENV_PYTHON="$venv_python"
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
