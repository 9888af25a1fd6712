#!/usr/bin/env python3
"""bench/compile_time.py: hdtc's compile time per example against nvcc's.

For each .hdt file under examples/ (or those given), measures the wall time
of `hdtc FILE -o OUT.cu` (best of --runs) and of nvcc compiling OUT.cu to an
object with the flags CI uses (best of --nvcc-runs), and prints both and the
ratio hdtc/nvcc. hdtc should be a small fraction of nvcc's time.

    python3 bench/compile_time.py [--hdtc build/hdtc] [FILE.hdt ...]

Use a release build of hdtc (build/, not build-asan/) for figures to record.
"""
import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time

NVCC_FLAGS = ["-std=c++17", "-Werror", "all-warnings", "-arch=sm_80",
              "-gencode=arch=compute_90a,code=sm_90a"]


def best_time(cmd, runs):
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            sys.exit("failed: %s\n%s" % (" ".join(cmd), proc.stderr.decode(errors="replace")))
        best = min(best, elapsed)
    return best


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hdtc", default=os.path.join(root, "build", "hdtc"))
    ap.add_argument("--runs", type=int, default=20, help="hdtc runs per file (best is kept)")
    ap.add_argument("--nvcc-runs", type=int, default=3, help="nvcc runs per file")
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()
    files = args.files or sorted(glob.glob(os.path.join(root, "examples", "*.hdt")))
    if not files:
        sys.exit("no .hdt files to measure")
    nvcc = shutil.which("nvcc")
    if not nvcc:
        sys.exit("nvcc is not on PATH")
    include = os.path.join(root, "runtime", "include")
    print("%-24s %12s %12s %8s" % ("file", "hdtc (ms)", "nvcc (ms)", "ratio"))
    with tempfile.TemporaryDirectory() as tmp:
        for path in files:
            cu = os.path.join(tmp, os.path.basename(path).replace(".hdt", ".cu"))
            t_hdtc = best_time([args.hdtc, path, "-o", cu], args.runs)
            obj = cu + ".o"
            t_nvcc = best_time([nvcc, *NVCC_FLAGS, "-I", include, "-c", cu, "-o", obj], args.nvcc_runs)
            print("%-24s %12.2f %12.0f %8.4f" % (os.path.basename(path), t_hdtc * 1e3,
                                                 t_nvcc * 1e3, t_hdtc / t_nvcc))


if __name__ == "__main__":
    main()
