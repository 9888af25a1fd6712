#!/usr/bin/env python3
"""Robustness test of hdtc: feed it thousands of broken inputs.

    fuzz.py HDTC SRCROOT [--seed N] [--count N] [--index I] [--timeout S]
            [--jobs N] [--save-dir DIR]

The seed corpus is every .hdt file under SRCROOT/examples, SRCROOT/stdlib and
SRCROOT/test/lit (recursively, Inputs folders included). From it, and from a
seed that changes every run unless given (--seed, or HDT_FUZZ_SEED), it
generates COUNT inputs deterministically: truncations, byte mutations
(flips, deletions, duplications, insertions of NUL, 0xFF, non-ASCII and
invalid UTF-8, tabs, CRs, 10k-character lines), splices of two files, token
shuffles, token soups and random bytes. The unmodified corpus files are run
too. Each input goes to `hdtc -` on stdin, about one in four as a file
instead (`hdtc PATH`), and the run must satisfy:

  - it ends within the timeout, by exit status 0 or 1 (no signal, no other
    status);
  - stderr carries no sanitizer report;
  - with status 1, at least one diagnostic `FILE:LINE:COL: error: ` where FILE
    is `<stdin>` or the path given, LINE is a line of the input, and every
    other stderr line containing `error:` has that form too (lines that only
    echo the input, as the source line under a diagnostic does, excepted);
  - with status 0, no such error diagnostic.

A failing input is saved (--save-dir, or a fresh temporary folder); its path, the seed, the
input's index (reproduce just it with --seed N --index I), the command and
stderr are printed, and the exit status is 1.
"""

import argparse
import concurrent.futures
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

CORPUS_DIRS = ("examples", "stdlib", os.path.join("test", "lit"))
SANITIZER_MARKERS = ("AddressSanitizer", "LeakSanitizer", "runtime error:",
                     "UndefinedBehaviorSanitizer", "ThreadSanitizer",
                     "MemorySanitizer")
MAX_REPORTED_FAILURES = 10

# Byte strings that break lexers: NUL, 0xFF, non-ASCII UTF-8 (2-, 3- and
# 4-byte, zero-width space, BOM), invalid UTF-8 (stray continuation, overlong,
# surrogate, truncated sequence), control characters, unterminated comment
# and string openers, and numbers that do not fit any integer type.
INTERESTING = [
    b"\x00", b"\xff", b"\xfe", b"\t", b"\r", b"\r\n", b"\x0b", b"\x0c", b"\x1b",
    b"\x7f", "é".encode(), "€".encode(), "😀".encode(), "\u200b".encode(),
    "\ufeff".encode(), "λ".encode(), b"\x80", b"\xc0\xaf", b"\xed\xa0\x80",
    b"\xe2\x82", b"\xf4\x90\x80\x80", b"/*", b"*/", b"//", b'"', b"'", b"\\",
    b"99999999999999999999999999", b"0x", b"1e", b"1e99999", b".5.", b"0b2",
    b"-2147483648", b"9223372036854775808", b"4294967296",
]


def long_line(rng):
    """A line of 10k characters: identifier, digits, operators or nesting."""
    unit = rng.choice([b"a", b"9", b"+", b"(", b")", b"[", b"{", b"}", b"-",
                       b" ", b"x,", b"1*", b"\t", "é".encode()])
    n = 10000 // len(unit)
    return unit * n


def mutate_bytes(rng, data):
    data = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        op = rng.randrange(6)
        pos = rng.randint(0, len(data))
        if op == 0 and data:                      # flip a bit
            i = rng.randrange(len(data))
            data[i] ^= 1 << rng.randrange(8)
        elif op == 1 and data:                    # delete a range
            end = min(len(data), pos + rng.choice([1, 1, 2, 5, 40]))
            del data[pos:end]
        elif op == 2 and data:                    # duplicate a range
            start = rng.randrange(len(data))
            chunk = data[start:start + rng.choice([1, 3, 10, 80, 400])]
            data[pos:pos] = chunk * rng.choice([1, 2, 50])
        elif op == 3:                             # insert an interesting string
            data[pos:pos] = rng.choice(INTERESTING)
        elif op == 4:                             # insert random bytes
            data[pos:pos] = bytes(rng.randrange(256)
                                  for _ in range(rng.randint(1, 16)))
        else:                                     # insert a 10k-char line
            data[pos:pos] = b"\n" + long_line(rng) + b"\n"
    return bytes(data)


def tokens_of(data):
    return data.split()


def shuffle_tokens(rng, data):
    toks = tokens_of(data)
    if len(toks) < 2:
        return data + b" " + data
    if rng.random() < 0.5:
        rng.shuffle(toks)                         # full permutation
    else:
        for _ in range(rng.randint(1, 6)):        # a few swaps
            i, j = rng.randrange(len(toks)), rng.randrange(len(toks))
            toks[i], toks[j] = toks[j], toks[i]
    sep = rng.choice([b" ", b"\n", b"\t"])
    return sep.join(toks)


def generate(rng, corpus, vocabulary):
    """One broken input: (kind, bytes)."""
    kind = rng.choices(
        ["truncate", "mutate", "splice", "shuffle", "soup", "random"],
        weights=[20, 35, 12, 13, 12, 8])[0]
    data = corpus[rng.randrange(len(corpus))][1]
    if kind == "truncate":
        out = data[:rng.randint(0, len(data))]
        if rng.random() < 0.3:
            out = mutate_bytes(rng, out)
    elif kind == "mutate":
        out = mutate_bytes(rng, data)
    elif kind == "splice":
        other = corpus[rng.randrange(len(corpus))][1]
        out = (data[:rng.randint(0, len(data))]
               + other[rng.randint(0, len(other)):])
    elif kind == "shuffle":
        out = shuffle_tokens(rng, data)
    elif kind == "soup":                          # random corpus tokens
        n = rng.randint(1, 200)
        out = b" ".join(rng.choice(vocabulary) for _ in range(n))
    else:                                         # random bytes
        n = rng.choice([0, 1, 2, 16, 256, 4096])
        if rng.random() < 0.5:
            out = bytes(rng.randrange(256) for _ in range(n))
        else:
            out = bytes(rng.randrange(32, 127) for _ in range(n))
    return kind, out


def load_corpus(srcroot):
    corpus = []
    for d in CORPUS_DIRS:
        top = os.path.join(srcroot, d)
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames.sort()
            for f in sorted(filenames):
                if f.endswith(".hdt"):
                    path = os.path.join(dirpath, f)
                    with open(path, "rb") as fh:
                        corpus.append((os.path.relpath(path, srcroot), fh.read()))
    return corpus


DIAG_RE = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): error: ")
# The underline printed under an echoed source line: carets and tildes, with
# perhaps a gutter ("  12 | ") in front.
CARET_RE = re.compile(r"^[\s\d|]*[\^~][\s\^~]*$")
# How an echoed line may render bytes and cut long lines: <AF>, \xAF, "...".
RENDER_RE = re.compile(r"<[0-9A-Fa-f]{2}>|\\x[0-9A-Fa-f]{2}|\.\.\.|^[\s\d]*\|")


def squash(text):
    """Printable ASCII without whitespace, to compare echoed source loosely."""
    return "".join(c for c in text if "!" <= c <= "~")


def is_source_echo(lines, i, input_text):
    """Whether stderr line i only shows input text (so may contain `error:`):
    it is underlined by a caret line, or all of it occurs in the input."""
    if i + 1 < len(lines) and CARET_RE.match(lines[i + 1]):
        return True
    pieces = [squash(p) for p in RENDER_RE.split(lines[i])]
    pieces = [p for p in pieces if p]
    return bool(pieces) and all(p in input_text for p in pieces)


def check(result, data, expected_file):
    """A list of problems with one run (empty when it is fine)."""
    rc, stderr = result
    problems = []
    if rc == "timeout":
        return ["did not finish within the timeout"]
    if rc < 0:
        try:
            name = signal.Signals(-rc).name
        except ValueError:
            name = str(-rc)
        problems.append(f"killed by signal {name}")
    elif rc not in (0, 1):
        problems.append(f"exit status {rc} (must be 0 or 1)")
    found = [m for m in SANITIZER_MARKERS if m in stderr]
    if found:
        problems.append(f"sanitizer report on stderr ({', '.join(found)})")
    if problems:
        return problems

    nlines = data.count(b"\n") + 1
    input_text = squash(data.decode("utf-8", errors="replace"))
    lines = stderr.splitlines()
    good = 0
    for i, line in enumerate(lines):
        if "error:" not in line:
            continue
        m = DIAG_RE.match(line)
        if m and m.group("file") == expected_file:
            ln, col = int(m.group("line")), int(m.group("col"))
            if ln < 1 or col < 1 or ln > nlines:
                problems.append(f"diagnostic position {ln}:{col} outside the "
                                f"input ({nlines} lines): {line!r}")
            good += 1
            continue
        if is_source_echo(lines, i, input_text):
            continue
        problem = (f"error line not of the form "
                   f"'{expected_file}:LINE:COL: error: ': {line[:200]!r}")
        if problem not in problems:
            problems.append(problem)
    if rc == 1 and good == 0:
        problems.append(f"exit status 1 without any "
                        f"'{expected_file}:LINE:COL: error: ' diagnostic")
    if rc == 0 and good > 0:
        problems.append("error diagnostics but exit status 0")
    return problems


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("hdtc")
    ap.add_argument("srcroot")
    ap.add_argument("--seed", type=int,
                    default=int(os.environ.get("HDT_FUZZ_SEED", "-1")),
                    help="seed (default: a new one each run, printed)")
    ap.add_argument("--count", type=int,
                    default=int(os.environ.get("HDT_FUZZ_COUNT", "2000")),
                    help="generated inputs (default 2000)")
    ap.add_argument("--index", type=int, default=None,
                    help="run only the generated input with this index")
    ap.add_argument("--timeout", type=float, default=10.0,
                    help="seconds per input (default 10)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--save-dir", default=None,
                    help="where failing inputs go, in a seed-N folder "
                         "(default: a new temporary folder)")
    args = ap.parse_args()

    hdtc = os.path.abspath(args.hdtc)
    if not os.access(hdtc, os.X_OK):
        print(f"fuzz: error: {args.hdtc} is not an executable", file=sys.stderr)
        return 1
    corpus = load_corpus(args.srcroot)
    if not corpus:
        print(f"fuzz: error: no .hdt files under {', '.join(CORPUS_DIRS)} in "
              f"{args.srcroot}: nothing to mutate", file=sys.stderr)
        return 1
    vocabulary = sorted({t for _, d in corpus for t in tokens_of(d)}) or [b"x"]

    seed = args.seed if args.seed >= 0 else int.from_bytes(os.urandom(4), "little")
    print(f"fuzz: seed {seed} (reproduce: {sys.argv[0]} {args.hdtc} "
          f"{args.srcroot} --seed {seed} --count {args.count})", flush=True)

    # Inputs: (index, kind, bytes, via_file). Generated in one sequence from
    # the seed, so an index names the same input for the same seed and corpus.
    rng = random.Random(seed)
    inputs = []
    for i in range(args.count):
        kind, data = generate(rng, corpus, vocabulary)
        inputs.append((i, kind, data, rng.random() < 0.25))
    for j, (name, data) in enumerate(corpus):
        inputs.append((args.count + j, "corpus:" + name, data, j % 2 == 1))
    if args.index is not None:
        inputs = [x for x in inputs if x[0] == args.index]

    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:halt_on_error=1:abort_on_error=1")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1:abort_on_error=1")
    workdir = tempfile.mkdtemp(prefix="hdt-fuzz-work-")
    lock = threading.Lock()
    failures = []
    stop = threading.Event()

    def run_one(item):
        index, kind, data, via_file = item
        if stop.is_set():
            return
        if via_file:
            path = os.path.join(workdir, f"input-{index}.hdt")
            with open(path, "wb") as fh:
                fh.write(data)
            cmd, stdin, expected = [hdtc, path], subprocess.DEVNULL, path
        else:
            cmd, stdin, expected = [hdtc, "-"], None, "<stdin>"
        try:
            p = subprocess.run(cmd, input=None if via_file else data, stdin=stdin,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               cwd=workdir, env=env, timeout=args.timeout)
            result = (p.returncode, p.stderr.decode("utf-8", errors="replace"))
        except subprocess.TimeoutExpired as e:
            result = ("timeout", (e.stderr or b"").decode("utf-8", errors="replace"))
        problems = check(result, data, expected)
        if via_file:
            os.unlink(path)
        if problems:
            with lock:
                failures.append((index, kind, data, via_file, problems, result[1]))
                if len(failures) >= MAX_REPORTED_FAILURES:
                    stop.set()

    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for f in [pool.submit(run_one, x) for x in inputs]:
            f.result()
    elapsed = time.monotonic() - start
    shutil.rmtree(workdir, ignore_errors=True)

    via_files = sum(1 for x in inputs if x[3])
    print(f"fuzz: {len(inputs)} inputs ({via_files} as files, {len(corpus)} corpus "
          f"files), {args.jobs} jobs, {elapsed:.1f} s", flush=True)
    if not failures:
        print("fuzz: all passed")
        return 0

    if args.save_dir:
        faildir = os.path.abspath(os.path.join(args.save_dir, f"seed-{seed}"))
        os.makedirs(faildir, exist_ok=True)
    else:
        faildir = tempfile.mkdtemp(prefix="hdt-fuzz-fail-")
    failures.sort(key=lambda f: f[0])
    for index, kind, data, via_file, problems, stderr in failures:
        saved = os.path.join(faildir, f"input-{index}.hdt")
        with open(saved, "wb") as fh:
            fh.write(data)
        shown = f"{args.hdtc} {saved}" if via_file else f"{args.hdtc} - < {saved}"
        print(f"\nFAIL: input {index} ({kind}), seed {seed}\n"
              f"  input:   {saved} ({len(data)} bytes)\n"
              f"  command: {shown}\n"
              f"  again:   {sys.argv[0]} {args.hdtc} {args.srcroot} "
              f"--seed {seed} --count {args.count} --index {index}")
        for p in problems:
            print(f"  problem: {p}")
        text = stderr if len(stderr) <= 4000 else stderr[:4000] + "\n[... stderr cut ...]"
        print("  stderr:\n" + "".join("    " + l + "\n" for l in text.splitlines()))
    more = " (stopped early)" if stop.is_set() else ""
    print(f"fuzz: {len(failures)} failing inputs{more}, seed {seed}, saved in {faildir}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
