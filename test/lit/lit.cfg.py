# -*- Python -*-
# lit configuration of the hdt test suite.
#
# Loaded by the lit.site.cfg.py that CMake generates in <build>/test/lit (it
# sets config.hdtc, config.filecheck, ...); run through ctest, or by hand:
#   python3 /usr/lib/llvm-16/build/utils/lit/lit.py -sv build-asan/test/lit
#
# Substitutions in RUN lines:
#   %hdtc            the compiler under test
#   %FileCheck       FileCheck (plain `FileCheck` works too: it is on PATH)
#   %python          the Python 3 interpreter
#   %cc              the C compiler, with the sanitizer flags of this build
#                    (needed to link against a sanitized libhdtrt.a)
#   %hdtrt_include   runtime/include
#   %hdtrt_lib       the path of libhdtrt.a
#   %srcroot         the repository root
#   %graph_mlp       the graph runtime's example (examples/graph_mlp.c)
#   %hdt_cmd         the hdt command (cli/)
#   %onnxdata        the ONNX backend test data (feature `onnx`: it and the
#                    importer are there)
#   %nvcc            nvcc, when found (feature `nvcc`)
#   not              LLVM's `not` (fails when the command crashes; see below)
# Features for REQUIRES/UNSUPPORTED: asan (sanitizer build), nvcc, gpu, onnx,
# emit-ir-passes (hdtc --emit=ir:NAME dumps the IR after pass NAME).

import os
import shutil
import subprocess

import lit.formats

config.name = "hdt"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".hdt", ".test"]
config.test_source_root = os.path.dirname(os.path.abspath(__file__))
config.test_exec_root = os.path.join(config.hdt_binary_dir, "test", "lit")

# Inputs/ folders hold files that tests read, not tests. Python helpers and
# the configuration files never are tests (lit matches basenames here).
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py",
                   "lit.site.cfg.py.in"]
for _dir, _subdirs, _files in os.walk(config.test_source_root):
    config.excludes.extend(f for f in _files if f.endswith(".py"))

# ---------------------------------------------------------------- environment
# lit starts tests with a clean environment; PATH gets FileCheck's directory
# first so that RUN lines can say plain `FileCheck`.
_llvm_bin = os.path.dirname(config.filecheck)
config.environment["PATH"] = os.pathsep.join(
    [_llvm_bin, os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin")])
# HDT_FUZZ_SEED/HDT_FUZZ_COUNT: see test/lit/robust/fuzz.test.
for _var in ("HOME", "TMPDIR", "LANG", "LC_ALL", "TERM", "HDT_FUZZ_SEED",
             "HDT_FUZZ_COUNT"):
    if _var in os.environ:
        config.environment[_var] = os.environ[_var]

# Sanitizer options (defined in test/CMakeLists.txt): halt on the first
# error, and abort (SIGABRT) instead of exiting with status 1, so a report on
# an hdtc error path is a crash and not "the expected exit status 1".
# detect_leaks=1: LeakSanitizer works on the development machines (checked
# with a leaking program built with -fsanitize=address). Options the user
# exports are appended, so they win (ASAN_OPTIONS=detect_leaks=0 lit ...).
for _var, _opts in (("ASAN_OPTIONS", config.asan_options),
                    ("UBSAN_OPTIONS", config.ubsan_options)):
    _user = os.environ.get(_var, "")
    config.environment[_var] = _opts + (":" + _user if _user else "")

# hdtc runs the passes of compiler/passes.def as a pipeline and can dump the
# IR after each (--emit=ir:NAME): golden tests of one pass require this.
config.available_features.add("emit-ir-passes")

# -------------------------------------------------------------- substitutions
_cc = config.cc
if config.sanitize:
    _cc += (" -fsanitize=address,undefined -fno-sanitize-recover=all"
            " -fno-omit-frame-pointer")
    config.available_features.add("asan")

# Longest names first, so that no name is replaced inside a longer one.
config.substitutions.append(("%hdtrt_include", config.hdtrt_include))
config.substitutions.append(("%hdtrt_lib", config.hdtrt_lib))
config.substitutions.append(("%FileCheck", config.filecheck))
config.substitutions.append(("%srcroot", config.hdt_source_dir))
config.substitutions.append(("%python", config.python))
config.substitutions.append(("%hdtc", config.hdtc))
config.substitutions.append(("%graph_mlp", os.path.join(config.hdt_binary_dir, "graph_mlp")))
config.substitutions.append(("%hdt_cmd", config.hdt))
# The ONNX backend test data (Debian's libonnx-testdata) and the importer.
config.substitutions.append(("%onnxdata", "/usr/include/onnx/backend/test/data"))
if config.have_onnx and os.path.isdir("/usr/include/onnx/backend/test/data/node"):
    config.available_features.add("onnx")
config.substitutions.append(("%cc", _cc))

# lit runs `not` itself and counts a crash (a signal) as a success, so
# `not %hdtc bad.hdt` would pass when hdtc dies of a sanitizer abort or a
# segfault. LLVM's `not` fails on a crash (`not --crash` expects one). Every
# `not` at the start of a command (after |, &&, || or ;) is replaced by it;
# lit hands substitutions each RUN line as "%dbg(RUN: at line N) command".
# (When stderr is piped into FileCheck, such a failure shows only as "not
# failed": run the command by hand to see the sanitizer report.)
if config.llvm_not:
    config.substitutions.append(
        (r"(^|[|&;]|%dbg\([^)'\"]*\))(\s*)not(?=\s)",
         r"\1\2" + config.llvm_not))
else:
    lit_config.warning("LLVM `not` not found: `not` also accepts crashes")

_nvcc = shutil.which("nvcc") or (
    "/usr/local/cuda/bin/nvcc" if os.access("/usr/local/cuda/bin/nvcc", os.X_OK)
    else None)
if _nvcc:
    config.available_features.add("nvcc")
    config.substitutions.append(("%nvcc", _nvcc))


def _has_gpu():
    smi = shutil.which("nvidia-smi")
    if not smi:
        return False
    try:
        out = subprocess.run([smi, "-L"], capture_output=True, text=True,
                             timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return out.returncode == 0 and "GPU" in out.stdout


if _has_gpu():
    config.available_features.add("gpu")
