#!/usr/bin/env bash
# Installs the Debian packages hdt needs to build and test, and only those
# that are missing (no apt call at all when everything is present).
#
#   scripts/deps.sh                 run it
#   source scripts/deps.sh          defines hdt_ensure_deps and runs it
#
# Debian 12 (or another apt-based system with the same package names) only.
# HDT_SKIP_DEPS=1 skips the check, for machines that provide the tools
# another way. Uses sudo when not run as root.

HDT_DEPS_PACKAGES=(
    gcc libc6-dev make cmake pkg-config  # toolchain (libc6-dev and make are
                                         # only Recommends of gcc and cmake)
    flex bison                           # grammar/
    libcriterion-dev                     # test/unit
    llvm-16-tools python3                # test/lit: lit.py, FileCheck, not
    python3-venv                         # scripts/venv.sh: onnx, onnxruntime, numpy (test/models)
    clang libclang-rt-14-dev             # test/fuzz: libFuzzer harness (the
                                         # fuzzer runtime is only a Recommends)
    protobuf-c-compiler libprotobuf-c-dev # onnx/: protoc-c and libprotobuf-c
    libonnx-dev                          # onnx/: onnx.proto, compiled at build time
    libonnx-testdata                     # test/unit/test_onnx.c: the ONNX backend
                                         # test models
)

hdt_ensure_deps() {
    if [[ "${HDT_SKIP_DEPS:-0}" == 1 ]]; then
        echo "deps: HDT_SKIP_DEPS=1, not checking packages"
        return 0
    fi
    if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
        echo "deps: error: dpkg-query/apt-get not found: hdt's set-up scripts need Debian 12" \
             "(or set HDT_SKIP_DEPS=1 and install: ${HDT_DEPS_PACKAGES[*]})" >&2
        return 1
    fi

    local pkg missing=()
    for pkg in "${HDT_DEPS_PACKAGES[@]}"; do
        if [[ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" != "install ok installed" ]]; then
            missing+=("$pkg")
        fi
    done
    if ((${#missing[@]} == 0)); then
        echo "deps: all ${#HDT_DEPS_PACKAGES[@]} packages present"
        return 0
    fi

    local sudo=()
    if [[ "$(id -u)" != 0 ]]; then
        if ! command -v sudo >/dev/null 2>&1; then
            echo "deps: error: missing ${missing[*]}; not root and no sudo: install them as root" >&2
            return 1
        fi
        sudo=(sudo)
        # No terminal to ask for a password on: fail instead of hanging.
        [[ -t 0 ]] || sudo=(sudo -n)
    fi

    echo "deps: installing ${missing[*]} (${sudo[*]:+${sudo[*]} }apt-get update && apt-get install -y --no-install-recommends)"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null ||
        { echo "deps: error: apt-get update failed" >&2; return 1; }
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
        { echo "deps: error: apt-get install ${missing[*]} failed" >&2; return 1; }
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    set -euo pipefail   # executed; when sourced, the caller's options stand
fi
hdt_ensure_deps
