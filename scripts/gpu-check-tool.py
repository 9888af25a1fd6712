#!/usr/bin/env python3
"""scripts/gpu-check-tool.py: the parts of scripts/gpu-check.sh that are
easier in Python (standard library only; numpy is used when present).

  compare --name ID --host PREFIX --cuda PREFIX [--exact] [--json FILE]
      PREFIX.dump, PREFIX.log, PREFIX.rc are what a driver run left
      (HDT_DUMP records, its output, its exit status). Compares the CUDA
      outputs with the host's record by record: max |cuda - host| over
      max |host| must be at most twice the driver's own tolerance against
      its double-precision reference (exact when that is 0). Prints
      "PASS detail" or "FAIL detail".
  sanitizer --tool T --rc N --log FILE
      Reads a compute-sanitizer log: "PASS 0 errors" or "FAIL ...".
  figure --ms MS --kind flops|bytes --amount N
      "MS ms, X TFLOP/s" or "MS ms, X GB/s".
  report --run DIR --out FILE
      Writes the results file (Markdown) from DIR/{info.txt, status.tsv,
      compare.jsonl, bench.tsv, baselines.jsonl} and prints the summary,
      failures first. Exit status 1 when a step failed.
"""
import argparse
import array
import json
import math
import os
import re
import struct
import sys

try:
    import numpy as np
except ImportError:  # the comparison works without it, only slower
    np = None

REPORT_RE = re.compile(r"^(\S+) (\S+): relative error (\S+) \(tolerance ([^)]+)\) (ok|FAIL)")


def read_dump(path):
    """The records of an HDT_DUMP file: a list of float sequences."""
    records = []
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    pos = 0
    while pos + 12 <= len(data):
        if data[pos:pos + 4] != b"HDTD":
            break
        (n,) = struct.unpack_from("<Q", data, pos + 4)
        pos += 12
        chunk = data[pos:pos + 4 * n]
        if len(chunk) != 4 * n:
            break
        if np is not None:
            records.append(np.frombuffer(chunk, dtype="<f4").astype(np.float64))
        else:
            a = array.array("f")
            a.frombytes(chunk)
            if sys.byteorder != "little":
                a.byteswap()
            records.append(a)
        pos += 4 * n
    return records


def read_text(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def read_rc(path):
    try:
        return int(read_text(path).strip())
    except ValueError:
        return None


def diff_stats(host, cuda):
    """(max |cuda - host| / max |host|, bitwise-equal values?)."""
    if len(host) == 0:
        return 0.0, True
    if np is not None:
        h, c = host, cuda
        if not (np.all(np.isfinite(h)) and np.all(np.isfinite(c))):
            same = bool(np.array_equal(h, c, equal_nan=True))
            return (0.0 if same else math.inf), same
        d = float(np.max(np.abs(c - h)))
        scale = float(np.max(np.abs(h)))
        return (d / scale if scale > 0 else d), d == 0.0
    err = scale = 0.0
    for x, y in zip(host, cuda):
        if not (math.isfinite(x) and math.isfinite(y)):
            if not (x == y or (math.isnan(x) and math.isnan(y))):
                return math.inf, False
            continue
        err = max(err, abs(y - x))
        scale = max(scale, abs(x))
    return (err / scale if scale > 0 else err), err == 0.0


def cmd_compare(a):
    hrec, crec = read_dump(a.host + ".dump"), read_dump(a.cuda + ".dump")
    hlog, clog = read_text(a.host + ".log"), read_text(a.cuda + ".log")
    hrc, crc = read_rc(a.host + ".rc"), read_rc(a.cuda + ".rc")
    labels = [m for m in (REPORT_RE.match(l) for l in hlog.splitlines()) if m]
    problems = []
    if hrc != 0:
        problems.append("host reference exit %s%s" % (hrc, first_fail(hlog)))
    if crc != 0:
        problems.append("CUDA driver exit %s%s" % (crc, first_fail(clog)))
    hrec = hrec or []
    crec = crec or []
    if len(crec) != len(hrec):
        problems.append("CUDA gave %d outputs, host %d" % (len(crec), len(hrec)))
    worst = None  # (ratio, rel, allowed, label)
    identical = 0
    compared = 0
    for i, (h, c) in enumerate(zip(hrec, crec)):
        label = "%s %s" % (labels[i].group(1), labels[i].group(2)) if i < len(labels) else "output %d" % i
        if len(h) != len(c):
            problems.append("%s: %d values on CUDA, %d on host" % (label, len(c), len(h)))
            continue
        tol = float(labels[i].group(4)) if i < len(labels) else 1e-5
        allowed = 0.0 if a.exact else 2.0 * tol
        rel, same = diff_stats(h, c)
        compared += 1
        identical += same
        ok = same if allowed == 0 else rel <= allowed
        if not ok:
            problems.append("%s: rel. diff %.3g > allowed %.3g" % (label, rel, allowed))
        ratio = (rel / allowed) if allowed > 0 else (0.0 if same else math.inf)
        if worst is None or ratio > worst[0]:
            worst = (ratio, rel, allowed, label)
    status = "FAIL" if problems else "PASS"
    if worst:
        detail = "%d outputs, %d bitwise equal; worst %s: rel. diff %.3g (allowed %.3g)" % (
            compared, identical, worst[3].split("] ", 1)[-1], worst[1], worst[2])
    else:
        detail = "no outputs compared"
    if problems:
        detail = "; ".join(problems[:3]) + ("; ..." if len(problems) > 3 else "") + " | " + detail
    print("%s %s" % (status, detail))
    if a.json:
        with open(a.json, "a") as f:
            f.write(json.dumps({"name": a.name, "status": status, "outputs": compared,
                                "identical": identical,
                                "worst_rel": worst[1] if worst else None,
                                "allowed": worst[2] if worst else None,
                                "worst_at": worst[3] if worst else None,
                                "host_rc": hrc, "cuda_rc": crc, "problems": problems}) + "\n")
    return 0


def first_fail(log):
    for line in log.splitlines():
        if " FAIL" in line or line.startswith("driver:"):
            return " (" + line.strip()[:160] + ")"
    lines = [l for l in log.splitlines() if l.strip()]
    return " (" + lines[-1].strip()[:160] + ")" if lines else ""


def cmd_sanitizer(a):
    log = read_text(a.log)
    errors = None
    m = re.search(r"ERROR SUMMARY: (\d+) error", log)
    if m:
        errors = int(m.group(1))
    m = re.search(r"RACECHECK SUMMARY: (\d+) hazards? displayed \((\d+) errors?, (\d+) warnings?\)", log)
    extra = ""
    if m:
        errors = max(errors or 0, int(m.group(2)))
        if int(m.group(3)):
            extra = ", %s racecheck warnings" % m.group(3)
    first = ""
    for line in log.splitlines():
        if line.startswith("=========") and ("Error" in line or "Invalid" in line or "Race" in line
                                            or "hazard" in line.lower() or "Barrier" in line):
            first = ": " + line.strip("= ").strip()[:200]
            break
    if a.rc in (124, 137):
        print("FAIL timed out (exit %d)%s" % (a.rc, first))
    elif errors is None:
        print("FAIL no sanitizer summary (exit %d)%s" % (a.rc, first_fail(log)))
    elif errors:
        print("FAIL %d errors%s%s" % (errors, extra, first))
    elif a.rc != 0:
        print("FAIL 0 sanitizer errors but the driver exited %d%s" % (a.rc, first_fail(log)))
    else:
        print("PASS 0 errors%s" % extra)
    return 0


def figure(ms, kind, amount):
    ms = float(ms)
    if ms <= 0:
        return "%.4f ms" % ms
    if kind == "flops":
        return "%.4g ms, %.2f TFLOP/s" % (ms, amount / ms * 1e-9)
    return "%.4g ms, %.0f GB/s" % (ms, amount / ms * 1e-6)


def cmd_figure(a):
    print(figure(a.ms, a.kind, float(a.amount)))
    return 0


# ----------------------------------------------------------------- report
def load_tsv(path, ncols):
    rows = []
    for line in read_text(path).splitlines():
        parts = line.split("\t")
        if len(parts) >= ncols:
            rows.append(parts[:ncols])
    return rows


def load_jsonl(path):
    out = []
    for line in read_text(path).splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out


def cmd_report(a):
    run = a.run
    info = {}
    for line in read_text(os.path.join(run, "info.txt")).splitlines():
        k, _, v = line.partition("=")
        info[k] = v
    status = load_tsv(os.path.join(run, "status.tsv"), 4)
    compares = {c["name"]: c for c in load_jsonl(os.path.join(run, "compare.jsonl"))}
    bench = load_tsv(os.path.join(run, "bench.tsv"), 6)
    base = {b["key"]: b for b in load_jsonl(os.path.join(run, "baselines.jsonl"))}

    counts = {}
    for s in status:
        counts[s[0]] = counts.get(s[0], 0) + 1
    order = {"FAIL": 0, "WARN": 1, "SKIP": 2, "PASS": 3}
    out = []
    w = out.append
    gpu = info.get("gpu") == "1"
    w("## GPU check, %s" % info.get("date", "?"))
    w("")
    if gpu:
        line = "- device: %s" % (info.get("device") or "?")
        if info.get("driver"):
            line += ", driver %s (CUDA %s)" % (info["driver"], info.get("cuda_driver") or "?")
        if info.get("clocks"):
            line += ", max SM clock, memory clock, power limit: %s" % info["clocks"]
        w(line)
    else:
        w("- device: no GPU (the GPU steps were skipped)")
    w("- host: %s" % info.get("cpu", "?"))
    w("- nvcc %s; %s" % (info.get("nvcc") or "absent", info.get("torch") or "PyTorch not used"))
    w("- command: `%s` (seed %s), commit %s, build prepared %s" % (
        info.get("command", "?"), info.get("seed", "?"), info.get("commit", "?"),
        info.get("prepared", "?")))
    w("- result: %s; %s s" % (", ".join("%d %s" % (counts.get(k, 0), k)
                                        for k in ("PASS", "FAIL", "WARN", "SKIP")),
                              info.get("seconds", "?")))
    w("")
    bad = [s for s in status if s[0] in ("FAIL", "WARN")]
    if bad:
        w("### Failures and warnings")
        w("")
        for s in sorted(bad, key=lambda s: order.get(s[0], 9)):
            w("- **%s** %s %s: %s" % (s[0], s[1], s[2], md(s[3])))
        w("")

    if compares:
        w("### CUDA against host (same inputs)")
        w("")
        w("Max |cuda - host| / max |host| over each case's outputs; allowed: twice the driver's")
        w("tolerance against its double-precision reference (0: bitwise equal).")
        w("")
        w("| case | outputs | bitwise equal | worst rel. diff | allowed | at | result |")
        w("|---|---:|---:|---:|---:|---|---|")
        for name, c in compares.items():
            w("| %s | %s | %s | %s | %s | %s | %s |" % (
                name, c["outputs"], c["identical"], fmt(c["worst_rel"]), fmt(c["allowed"]),
                md(c["worst_at"] or ""), c["status"]))
        w("")

    tools = ["memcheck", "racecheck", "synccheck"]
    san = {}
    for s in status:
        if s[1] in tools:
            san.setdefault(s[2], {})[s[1]] = s
    if any(k != "all" for k in san):
        w("### compute-sanitizer (small sizes)")
        w("")
        w("| case | memcheck | racecheck | synccheck |")
        w("|---|---|---|---|")
        for case, by_tool in san.items():
            cells = []
            for t in tools:
                s = by_tool.get(t)
                cells.append("%s %s" % (s[0], md(s[3])) if s else "-")
            w("| %s | %s |" % (case, " | ".join(cells)))
        w("")

    mm = [b for b in bench if b[3] == "flops"]
    mem = [b for b in bench if b[3] == "bytes"]
    if mm or any(k.startswith("matmul:") for k in base):
        w("### matmul (f32) against cuBLAS (through PyTorch)")
        w("")
        w("hdt: the driver's CUDA-event median; cuBLAS: `torch.matmul`, f32 with TF32 off.")
        w("")
        w("| kernel | size | hdt ms | hdt TFLOP/s | cuBLAS ms | cuBLAS TFLOP/s | hdt speed / cuBLAS |")
        w("|---|---|---:|---:|---:|---:|---:|")
        for label, args, ms, kind, amount, key in mm:
            ms, amount = float(ms), float(amount)
            b = base.get(key)
            bms = b["median_ms"] if b else None
            w("| %s | %s | %.3f | %.2f | %s | %s | %s |" % (
                label, size_of(args), ms, amount / ms * 1e-9,
                fmt(bms, "%.3f"), fmt(amount / bms * 1e-9 if bms else None, "%.2f"),
                fmt(bms / ms if bms else None, "%.2f")))
        others = [(k, v) for k, v in base.items() if k.startswith("matmul:") and k.count(":") == 2]
        if others:
            w("")
            w("cuBLAS in the precisions hdt has no matmul for yet:")
            w("")
            w("| precision | size | ms | TFLOP/s |")
            w("|---|---|---:|---:|")
            for k, v in others:
                _, size, dt = k.split(":")
                m, n, kk = (int(x) for x in size.split("x"))
                w("| %s | %s | %.3f | %.1f |" % (dt, size, v["median_ms"],
                                                  2.0 * m * n * kk / v["median_ms"] * 1e-9))
        w("")

    copy = [v for k, v in base.items() if k.startswith("copy:")]
    copy_gbps = None
    if copy:
        c = copy[0]
        nbytes = int(c["key"].split(":")[1])
        copy_gbps = 2.0 * nbytes / c["median_ms"] * 1e-6
    if mem:
        w("### Memory-bound kernels against the copy bandwidth")
        w("")
        if copy_gbps:
            w("Copy bandwidth: %.0f GB/s (`torch` device-to-device copy of %d MiB, read + write)." % (
                copy_gbps, int(copy[0]["key"].split(":")[1]) >> 20))
        else:
            w("Copy bandwidth: not measured (no PyTorch).")
        w("Bytes: what the kernel must read and write at least; PyTorch: the eager operator.")
        w("")
        w("| kernel | size | MB moved | hdt ms | hdt GB/s | % of copy | PyTorch ms | hdt speed / PyTorch |")
        w("|---|---|---:|---:|---:|---:|---:|---:|")
        for label, args, ms, kind, amount, key in mem:
            ms, amount = float(ms), float(amount)
            gbps = amount / ms * 1e-6
            b = base.get(key)
            bms = b["median_ms"] if b else None
            w("| %s | %s | %.0f | %.4f | %.0f | %s | %s | %s |" % (
                label, size_of(args), amount / 1e6, ms, gbps,
                fmt(100.0 * gbps / copy_gbps if copy_gbps else None, "%.0f%%"),
                fmt(bms, "%.4f"), fmt(bms / ms if bms else None, "%.2f")))
        w("")

    w("### Every step")
    w("")
    w("| result | step | item | detail |")
    w("|---|---|---|---|")
    for s in sorted(status, key=lambda s: order.get(s[0], 9)):
        w("| %s | %s | %s | %s |" % (s[0], s[1], md(s[2]), md(s[3])))
    w("")
    with open(a.out, "w") as f:
        f.write("\n".join(out))

    # The summary: failures first.
    print("")
    print("gpu-check summary (%s; %s s):" % (
        ", ".join("%d %s" % (counts.get(k, 0), k) for k in ("PASS", "FAIL", "WARN", "SKIP")),
        info.get("seconds", "?")))
    for s in sorted(status, key=lambda s: order.get(s[0], 9)):
        if s[0] == "PASS" and counts.get("PASS", 0) > 40 and s[1] not in ("bench", "build", "torch"):
            continue  # the many PASS lines are in the results file
        print("  %-4s %s %s%s" % (s[0], s[1], s[2], ": " + s[3] if s[3] else ""))
    if counts.get("PASS", 0) > 40:
        print("  (the other PASS lines are in the results file)")
    print("results: %s" % a.out)
    return 1 if counts.get("FAIL") else 0


def size_of(args):
    """'relu 33554432' -> 'n=33554432', '8192 4096' -> '8192x4096'."""
    nums = [t for t in args.split() if t.isdigit()]
    return "n=%s" % nums[0] if len(nums) == 1 else "x".join(nums)


def fmt(v, spec="%.3g"):
    if v is None:
        return "-"
    try:
        return spec % v
    except TypeError:
        return str(v)


def md(s):
    return str(s).replace("|", "\\|")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("compare")
    p.add_argument("--name", required=True)
    p.add_argument("--host", required=True)
    p.add_argument("--cuda", required=True)
    p.add_argument("--exact", action="store_true")
    p.add_argument("--json")
    p = sub.add_parser("sanitizer")
    p.add_argument("--tool", required=True)
    p.add_argument("--rc", type=int, required=True)
    p.add_argument("--log", required=True)
    p = sub.add_parser("figure")
    p.add_argument("--ms", required=True)
    p.add_argument("--kind", required=True)
    p.add_argument("--amount", required=True)
    p = sub.add_parser("report")
    p.add_argument("--run", required=True)
    p.add_argument("--out", required=True)
    a = ap.parse_args()
    return {"compare": cmd_compare, "sanitizer": cmd_sanitizer, "figure": cmd_figure,
            "report": cmd_report}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
