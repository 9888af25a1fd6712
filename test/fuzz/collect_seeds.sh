#!/usr/bin/env bash
# Collects the seed corpus of the fuzzer: every .hdt file under examples/,
# stdlib/ and test/lit/ of the repository ROOT, copied flat into DIR (named
# after its path, so that two files of one name both count).
#
#   collect_seeds.sh ROOT DIR
set -euo pipefail
root="$1" dir="$2"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
cd "$root"
find examples stdlib test/lit -name '*.hdt' -type f -print0 |
    while IFS= read -r -d '' f; do
        cp "$f" "$dir/${f//\//_}"
    done
echo "seeds: $(find "$dir" -type f | wc -l) files in $dir"
