#!/usr/bin/env python3
"""bench/gpu_baselines.py: PyTorch (cuBLAS, eager operators, copy bandwidth)
figures that scripts/gpu-check.sh sets the hdt kernels against.

    python3 bench/gpu_baselines.py [--reps N] [--json FILE] KEY ...

Each KEY names one measurement, with the sizes of the hdt benchmark it is
compared with (f32 unless a precision is given):

    copy:BYTES                  y.copy_(x), device to device (read + write)
    matmul:MxNxK[:f32|tf32|f16|bf16]   torch.matmul (cuBLAS); f32 has TF32 off
    add:N  relu:N  gelu:N       elementwise (gelu: the tanh approximation)
    bias_add:RxC  softmax:RxC  transpose:RxC  layernorm:RxC  rmsnorm:RxC
    row_sum:RxC  row_max:RxC    rows of an R x C matrix

Timing as in examples/driver.h (HDT_BENCH): 3 warm-up calls, then N calls
each between two CUDA events; the median is kept. One JSON object per line
(key, what, median_ms, min_ms, reps) is appended to FILE and printed.
Needs a CUDA GPU and torch (--device cpu, with small sizes, only checks
that the script runs).
"""
import argparse
import json
import statistics
import sys
import time

WARMUP = 3


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--json", help="append the results to this file (JSON lines)")
    ap.add_argument("--device", default="cuda",
                    help="cuda (the default); cpu only checks this script, with small sizes")
    ap.add_argument("keys", nargs="+")
    args = ap.parse_args()

    import torch
    import torch.nn.functional as F

    if args.device == "cuda" and not torch.cuda.is_available():
        sys.exit("gpu_baselines: torch sees no CUDA device")
    dev = torch.device(args.device)
    dtypes = {"f32": torch.float32, "tf32": torch.float32, "f16": torch.float16,
              "bf16": torch.bfloat16}

    def timed(fn):
        for _ in range(WARMUP):
            fn()
        times = []
        if dev.type == "cuda":
            torch.cuda.synchronize()
            start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            for _ in range(args.reps):
                start.record()
                fn()
                stop.record()
                stop.synchronize()
                times.append(start.elapsed_time(stop))
        else:
            for _ in range(args.reps):
                t0 = time.perf_counter()
                fn()
                times.append((time.perf_counter() - t0) * 1e3)
        return statistics.median(times), min(times)

    def dims(s):
        return [int(x) for x in s.split("x")]

    def rand(*shape, dtype=torch.float32):
        return torch.rand(*shape, device=dev, dtype=dtype) * 2 - 1

    failures = 0
    out = open(args.json, "a") if args.json else None
    for key in args.keys:
        parts = key.split(":")
        op = parts[0]
        try:
            torch.backends.cuda.matmul.allow_tf32 = False
            if op == "copy":
                n = int(parts[1]) // 4
                x, y = rand(n), torch.empty(n, device=dev)
                fn, what = (lambda: y.copy_(x)), "torch copy_ (device to device)"
            elif op == "matmul":
                m, n, k = dims(parts[1])
                dt = parts[2] if len(parts) > 2 else "f32"
                torch.backends.cuda.matmul.allow_tf32 = dt == "tf32"
                a, b = rand(m, k, dtype=dtypes[dt]), rand(k, n, dtype=dtypes[dt])
                c = torch.empty(m, n, device=dev, dtype=dtypes[dt])
                fn, what = (lambda: torch.matmul(a, b, out=c)), "torch.matmul %s (cuBLAS)" % dt
            elif op in ("add", "relu", "gelu"):
                n = int(parts[1])
                x, z = rand(n), rand(n)
                y = torch.empty(n, device=dev)
                fn = {"add": lambda: torch.add(x, z, out=y),
                      "relu": lambda: torch.clamp_min(x, 0.0, out=y),
                      "gelu": lambda: F.gelu(x, approximate="tanh")}[op]
                what = {"add": "torch.add", "relu": "torch.clamp_min(x, 0)",
                        "gelu": "F.gelu(approximate='tanh')"}[op]
            else:
                r, c_ = dims(parts[1])
                x = rand(r, c_)
                g, bb = rand(c_) + 1.5, rand(c_)
                if op == "bias_add":
                    y = torch.empty(r, c_, device=dev)
                    fn, what = (lambda: torch.add(x, bb, out=y)), "torch.add (broadcast)"
                elif op == "softmax":
                    fn, what = (lambda: torch.softmax(x, dim=1)), "torch.softmax"
                elif op == "transpose":
                    y = torch.empty(c_, r, device=dev)
                    fn, what = (lambda: y.copy_(x.t())), "y.copy_(x.t())"
                elif op == "layernorm":
                    fn, what = (lambda: F.layer_norm(x, (c_,), g, bb, 1e-5)), "F.layer_norm"
                elif op == "rmsnorm":
                    if hasattr(F, "rms_norm"):
                        fn, what = (lambda: F.rms_norm(x, (c_,), g, 1e-6)), "F.rms_norm"
                    else:
                        fn = lambda: x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * g
                        what = "x * rsqrt(mean(x^2) + eps) * g (eager)"
                elif op == "row_sum":
                    fn, what = (lambda: torch.sum(x, dim=1)), "torch.sum(dim=1)"
                elif op == "row_max":
                    fn, what = (lambda: torch.amax(x, dim=1)), "torch.amax(dim=1)"
                else:
                    raise ValueError("unknown key")
            med, best = timed(fn)
            rec = {"key": key, "what": what, "median_ms": med, "min_ms": best, "reps": args.reps}
        except Exception as e:  # one bad figure does not stop the others
            failures += 1
            rec = {"key": key, "error": "%s: %s" % (type(e).__name__, e)}
        finally:
            if dev.type == "cuda":
                torch.cuda.empty_cache()
        line = json.dumps(rec)
        print(line, flush=True)
        if out and "median_ms" in rec:
            out.write(line + "\n")
            out.flush()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
