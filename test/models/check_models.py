#!/usr/bin/env python3
"""Runs the real-architecture models with `hdt run` and compares with ONNX Runtime.

    check_models.py HDT OUTDIR CACHEDIR

OUTDIR is what make_models.py wrote: for each OUTDIR/M.onnx, the inputs in
OUTDIR/M/inputs/NAME.npy and ONNX Runtime's outputs in
OUTDIR/M/expected/NAME.npy. Runs

    HDT run OUTDIR/M.onnx --device host --cache-dir CACHEDIR
        --input NAME=OUTDIR/M/inputs/NAME.npy ... --output-dir OUTDIR/M/hdt

and checks that every expected output was written with the same dtype and
shape, and that every element satisfies |got - want| <= ATOL + RTOL * |want|.
Prints one line per model,

    M ok (max abs error E, max rel error R)
    M FAIL: why

where R is the largest |got - want| / |want| over the elements with
|want| >= 1e-3 (smaller ones are covered by ATOL). Exits 1 when any model
failed. Needs only numpy (scripts/venv.sh).
"""

import glob
import os
import shutil
import subprocess
import sys

import numpy as np

ATOL = 1e-4
RTOL = 1e-3
TIMEOUT_S = 600  # a cold kernel cache under ASan compiles every kernel


def check(hdt, outdir, cachedir, model):
    base = os.path.join(outdir, model)
    inputs = sorted(glob.glob(os.path.join(base, "inputs", "*.npy")))
    expected = sorted(glob.glob(os.path.join(base, "expected", "*.npy")))
    if not inputs or not expected:
        return f"no inputs or expected outputs under {base} (run make_models.py)"
    got_dir = os.path.join(base, "hdt")
    shutil.rmtree(got_dir, ignore_errors=True)
    cmd = [hdt, "run", base + ".onnx", "--device", "host", "--cache-dir", cachedir]
    for f in inputs:
        cmd += ["--input", f"{os.path.basename(f)[:-4]}={f}"]
    cmd += ["--output-dir", got_dir]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return f"timed out after {TIMEOUT_S} s: {' '.join(cmd)}"
    if r.returncode != 0:
        msg = (r.stderr.strip() or r.stdout.strip()).splitlines()
        return (f"exit status {r.returncode}: {' '.join(cmd)}: "
                + (" | ".join(msg[-5:]) if msg else "no message"))
    max_abs = max_rel = 0.0
    for f in expected:
        name = os.path.basename(f)[:-4]
        want = np.load(f)
        got_path = os.path.join(got_dir, name + ".npy")
        if not os.path.exists(got_path):
            return f"output '{name}' not written ({got_path})"
        got = np.load(got_path)
        if got.dtype != want.dtype or got.shape != want.shape:
            return (f"output '{name}' is {got.dtype}{list(got.shape)}, "
                    f"ONNX Runtime's is {want.dtype}{list(want.shape)}")
        if not np.all(np.isfinite(got)):
            return f"output '{name}' has {np.count_nonzero(~np.isfinite(got))} non-finite values"
        g, w = got.astype(np.float64), want.astype(np.float64)
        err = np.abs(g - w)
        bad = err > ATOL + RTOL * np.abs(w)
        if np.any(bad):
            i = np.unravel_index(np.argmax(bad), w.shape)
            return (f"output '{name}': {np.count_nonzero(bad)} of {w.size} elements out of "
                    f"tolerance, first at {list(map(int, i))}: got {g[i]:.7g}, want {w[i]:.7g} "
                    f"(max abs error {err.max():.3g})")
        max_abs = max(max_abs, float(err.max()))
        big = np.abs(w) >= 1e-3
        if np.any(big):
            max_rel = max(max_rel, float((err[big] / np.abs(w[big])).max()))
    return f"ok (max abs error {max_abs:.3g}, max rel error {max_rel:.3g})"


def main(argv):
    if len(argv) != 4:
        sys.exit("usage: check_models.py HDT OUTDIR CACHEDIR")
    hdt, outdir, cachedir = argv[1:]
    models = sorted(os.path.basename(p)[:-5] for p in glob.glob(os.path.join(outdir, "*.onnx")))
    if not models:
        sys.exit(f"check_models: no .onnx models in {outdir} (run make_models.py)")
    failed = 0
    for model in models:
        result = check(hdt, outdir, cachedir, model)
        if not result.startswith("ok "):
            result = "FAIL: " + result
            failed += 1
        print(f"{model} {result}", flush=True)
    print(f"models: {len(models) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
