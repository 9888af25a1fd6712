#!/usr/bin/env python3
"""bench/compile_scale.py: hdtc's compile time against the number of declarations.

Generates files of 1k, 2k, 4k and 8k small kernels (each with a few locals
and a mapping loop, as generated models have) and one of 100k `const`s, and
times `hdtc FILE -o OUT` on the CUDA and host targets, and `hdtc --emit=ir`
(parse, check and lower, no emitter) (best of --runs). The
time per declaration should stay flat: name lookups are hashed (sema's
scopes, the lowering's unique names), so compile time is linear in the
number of declarations. Not a test: machines differ; record figures in
bench/RESULTS.md.

    python3 bench/compile_scale.py [--hdtc build-rel/hdtc] [--runs 3]

Use a release build of hdtc for figures to record.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

KERNEL = """kernel k{i}(a: f32[1024], b: f32[1024], out: f32[1024]) grid(4) block(256) {{
  let i = blockIdx.x * 256 + threadIdx.x;
  let s = a[i] * 2.0 + b[i];
  local acc: f32[4] by repeat(4);
  for t in repeat(4).on(0) {{ acc[t] = s + t as f32; }}
  for t in repeat(4).on(0) {{ out[i] = acc[t] + C{c}; }}
}}
"""


def kernels_file(n):
    consts = "".join("const C%d: f32 = %d.0;\n" % (c, c) for c in range(16))
    return consts + "".join(KERNEL.format(i=i, c=i % 16) for i in range(n))


def consts_file(n):
    return "".join("const K%d = %d;\n" % (i, i) for i in range(n)) + \
        "kernel use(out: i32[1]) grid(1) block(1) { out[0] = K%d; }\n" % (n - 1)


def best_time(cmd, runs):
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            sys.exit("failed: %s\n%s" % (" ".join(cmd), proc.stderr.decode(errors="replace")[:2000]))
        best = min(best, elapsed)
    return best


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hdtc", default=os.path.join(root, "build-rel", "hdtc"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sizes", default="1000,2000,4000,8000")
    ap.add_argument("--consts", type=int, default=100000)
    args = ap.parse_args()
    cases = [("%d kernels" % n, kernels_file(n), n) for n in map(int, args.sizes.split(","))]
    if args.consts:
        cases.append(("%d consts" % args.consts, consts_file(args.consts), args.consts))
    print("| input | size (MB) | --emit=ir (s) | host (s) | cuda (s) |")
    print("|---|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for name, text, _count in cases:
            src = os.path.join(tmp, "in.hdt")
            with open(src, "w") as f:
                f.write(text)
            ir = best_time([args.hdtc, "--emit=ir", src], args.runs)
            cuda = best_time([args.hdtc, src, "-o", os.path.join(tmp, "out.cu")], args.runs)
            host = best_time([args.hdtc, "--target=host", src, "-o", os.path.join(tmp, "out.c")], args.runs)
            print("| %s | %.1f | %.3f | %.3f | %.3f |" % (name, len(text) / 1e6, ir, host, cuda), flush=True)


if __name__ == "__main__":
    main()
