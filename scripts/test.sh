#!/usr/bin/env bash
# The whole test suite: installs missing packages, builds everything with
# AddressSanitizer and UBSan in build-asan/, runs the unit and lit tests
# (ctest). Exits non-zero on any failure. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/deps.sh
cmake -S . -B build-asan -DHDT_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
cmake --build build-asan -j"$(nproc)"
ctest --test-dir build-asan --output-on-failure
