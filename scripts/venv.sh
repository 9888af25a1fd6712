#!/usr/bin/env bash
# Creates the Python virtual environment of the model tests (test/models/):
# build-venv/ at the repository root, or $HDT_VENV, with the PyPI packages
# pinned in test/models/requirements.txt (onnx, onnxruntime, numpy and their
# dependencies). Does nothing, and prints nothing, when the venv already has
# exactly those (a copy of the requirements kept in the venv says so).
#
#   scripts/venv.sh            make it if needed (silent when nothing to do)
#   scripts/venv.sh --python   the same, then print the venv's python path
#
# Progress goes to stderr, so that --python prints only the path. Exits
# non-zero, with one line on stderr, when the venv cannot be made (no
# python3 with venv, no network to PyPI): scripts/test.sh then configures
# without the model tests.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${HDT_VENV:-$root/build-venv}"
[[ "$venv" == /* ]] || venv="$PWD/$venv"   # CMake gets an absolute path
req="$root/test/models/requirements.txt"
stamp="$venv/hdt-requirements.txt"
py="$venv/bin/python"

print_python=0
[[ "${1:-}" == --python ]] && print_python=1

if [[ -x "$py" && -f "$stamp" ]] && cmp -s "$req" "$stamp"; then
    ((print_python)) && echo "$py"
    exit 0
fi

fail() { echo "venv: error: $*" >&2; exit 1; }

base="$(command -v python3 || true)"
[[ -n "$base" ]] || fail "python3 not found"
if [[ ! -x "$py" ]]; then
    echo "venv: creating $venv" >&2
    "$base" -m venv "$venv" || fail "'$base -m venv $venv' failed (Debian: apt-get install python3-venv)"
fi
echo "venv: installing test/models/requirements.txt" >&2
rm -f "$stamp"
"$py" -m pip install --quiet --disable-pip-version-check --retries 2 -r "$req" ||
    fail "pip install -r $req failed (no network to PyPI?)"
"$py" -c 'import onnx, onnxruntime, numpy' ||
    fail "the venv's packages do not import"
cp "$req" "$stamp"
((print_python)) && echo "$py"
exit 0
