#!/usr/bin/env bash
# Compares what two hdtc binaries generate (CUDA, host C and --emit=ir) for
# every example, stdlib file and lit input of the CUDA, host and IR tests:
# the check for a refactoring that must not change the output.
#
#     scripts/compare-codegen.sh OLD_HDTC NEW_HDTC
#
# Build the old compiler from a worktree of the earlier commit, e.g.
#     git worktree add /tmp/old HEAD~1 &&
#     cmake -S /tmp/old -B /tmp/old/b -DCMAKE_BUILD_TYPE=Release -DHDT_BUILD_TESTS=OFF &&
#     cmake --build /tmp/old/b
# Prints one line per difference (and the exit statuses), then a count;
# exits 1 when anything differs.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ $# -ne 2 ]; then
    echo "usage: $0 OLD_HDTC NEW_HDTC" >&2
    exit 2
fi
old=$1 new=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 d=0
for f in examples/*.hdt stdlib/*.hdt test/lit/cuda/*.hdt test/lit/host/*.hdt test/lit/ir/*.hdt; do
    for t in cuda host ir; do
        for side in old new; do
            bin=$old; [ $side = new ] && bin=$new
            if [ $t = ir ]; then
                "$bin" --emit=ir -I stdlib "$f" > "$tmp/$side" 2>/dev/null
            else
                "$bin" --target=$t -I stdlib -o "$tmp/$side" "$f" > /dev/null 2>&1
            fi
            echo $? > "$tmp/$side.rc"
            [ -f "$tmp/$side" ] || : > "$tmp/$side"
        done
        n=$((n + 1))
        if ! cmp -s "$tmp/old" "$tmp/new" || ! cmp -s "$tmp/old.rc" "$tmp/new.rc"; then
            d=$((d + 1))
            echo "differs: $t $f (exit $(cat "$tmp/old.rc") -> $(cat "$tmp/new.rc"))"
        fi
        rm -f "$tmp/old" "$tmp/new"
    done
done
echo "$n compared, $d differ"
[ $d -eq 0 ]
