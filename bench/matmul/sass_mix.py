#!/usr/bin/env python3
"""bench/matmul/sass_mix.py: the static figures of a matmul kernel, without a GPU.

    python3 bench/matmul/sass_mix.py FILE.cubin [--kernel SUBSTRING] [--json]

Disassembles FILE.cubin with `cuobjdump -sass` (PyPI's nvidia-cuda-cuobjdump
and nvidia-cuda-nvdisasm when the CUDA folder has none; scripts/sass-tools.sh
installs them) and finds each kernel's main loop: of the backward branches
(a BRA to a lower address), the one whose body holds the most math
instructions (FFMA, HMMA), and of those the shortest: a loop that the
`unswitch` pass split in two copies (matmul_f16's cp.async and element-wise
copies) is reported by its faster copy, the highest math share. It prints
the loop's length and its instruction mix by class, the share that a
schedule is judged by:

    kernel  loop [0x250, 0x1970): 282 instructions
      FFMA  256  90.8%
      LDS    16   5.7%
      ...

Classes are the opcode without its modifiers (LDS.128 counts as LDS); the
math share is FFMA + HMMA over every instruction of the loop, NOPs
included, since they take issue slots too. The figures count instructions,
not time: what they say is how much of the loop's issue bandwidth goes to
arithmetic.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys

INSN = re.compile(r"^\s+/\*([0-9a-f]{4,})\*/\s+(@!?U?P\w+\s+)?([A-Z][A-Z0-9_]*)([.\w]*)\s*(.*?);")
FUNC = re.compile(r"^\s+Function : (\S+)")
BRANCH = re.compile(r"0x([0-9a-f]+)")
MATH = ("FFMA", "HMMA")


def find_cuobjdump():
    exe = shutil.which("cuobjdump")
    if exe:
        return exe
    here = os.path.dirname(os.path.abspath(__file__))
    venv = os.path.join(here, "..", "..", "build-sass", "venv")
    for root, _, files in os.walk(venv):
        if "cuobjdump" in files:
            return os.path.join(root, "cuobjdump")
    sys.exit("sass_mix: no cuobjdump (run scripts/sass-tools.sh, or put the CUDA folder's bin on PATH)")


def disassemble(cubin):
    exe = find_cuobjdump()
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(exe) + os.pathsep + env.get("PATH", "")
    out = subprocess.run([exe, "-sass", cubin], capture_output=True, text=True, env=env)
    if out.returncode != 0:
        sys.exit("sass_mix: cuobjdump failed: " + out.stderr.strip())
    return out.stdout


def parse(text):
    """{kernel: [(address, opcode, operands)]} in address order."""
    kernels, cur = {}, None
    for line in text.splitlines():
        m = FUNC.match(line)
        if m:
            cur = kernels.setdefault(m.group(1), [])
            continue
        m = INSN.match(line)
        if m and cur is not None:
            cur.append((int(m.group(1), 16), m.group(3), m.group(5)))
    return kernels


def main_loop(insns):
    """(start, end, body) of the backward branch whose body has the most math;
    of those, the shortest (an unswitched loop's faster copy)."""
    best = None
    for addr, op, args in insns:
        if op != "BRA":
            continue
        m = BRANCH.search(args)
        if not m:
            continue
        target = int(m.group(1), 16)
        if target >= addr:
            continue
        body = [i for i in insns if target <= i[0] <= addr]
        math = sum(1 for i in body if i[1] in MATH)
        if best is None or math > best[3] or (math == best[3] and len(body) < len(best[2])):
            best = (target, addr + 16, body, math)
    return best


def mix(body):
    counts = {}
    for _, op, _ in body:
        counts[op] = counts.get(op, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cubin")
    ap.add_argument("--kernel", default="", help="only kernels whose mangled name contains this")
    ap.add_argument("--json", action="store_true", help="one JSON object per kernel")
    args = ap.parse_args()
    kernels = parse(disassemble(args.cubin))
    found = False
    for name, insns in kernels.items():
        if args.kernel not in name:
            continue
        found = True
        loop = main_loop(insns)
        if loop is None:
            print(f"{name}: no loop")
            continue
        start, end, body, math = loop
        total = len(body)
        counts = mix(body)
        if args.json:
            print(json.dumps({"kernel": name, "loop": [start, end], "instructions": total,
                              "math": math, "math_share": math / total, "mix": dict(counts)}))
            continue
        print(f"{name}  loop [{start:#x}, {end:#x}): {total} instructions, math share {100.0 * math / total:.1f}%")
        for op, n in counts:
            print(f"  {op:<8} {n:5d} {100.0 * n / total:5.1f}%")
    if not found:
        sys.exit(f"sass_mix: no kernel matching '{args.kernel}' in {args.cubin}")


if __name__ == "__main__":
    main()
