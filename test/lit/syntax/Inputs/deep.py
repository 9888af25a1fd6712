"""Writes the deep-expression and long else-if inputs of deep-chains.test.

    deep.py KIND N > FILE.hdt

KIND: sum (a chain 1 + 1 + ... of N terms), cast (y as f32 as i32 ... with
N casts), neg (-(-(...-1)) N times), call (f(f(...f(1))) N calls), elif (an
if with N arms: N - 1 of them `else if`, then an `else`, in a kernel).
"""
import sys


def main():
    kind, n = sys.argv[1], int(sys.argv[2])
    if kind == "sum":
        print("fn f() -> i32 {\n  let x = %s;\n  return x;\n}" % " + ".join(["1"] * n))
    elif kind == "cast":
        casts = "".join(" as f32" if i % 2 == 0 else " as i32" for i in range(n))
        print("fn f(y: i32) {\n  let x = y%s;\n}" % casts)
    elif kind == "neg":
        print("fn f() -> i32 {\n  let x = %s1%s;\n  return x;\n}" % ("-(" * n, ")" * n))
    elif kind == "call":
        print("fn g(v: i32) -> i32 { return v; }\nfn f() -> i32 {\n  return %s1%s;\n}" % ("g(" * n, ")" * n))
    elif kind == "elif":
        arms = ["  if x == 0 { r = 7; }"]
        arms += ["  else if x == %d { r = %d; }" % (i, 3 * i + 7) for i in range(1, n)]
        arms += ["  else { r = -1; }"]
        print("kernel pick(xs: i32[64], out: i32[64]) grid(1) block(64) {\n"
              "  let x = xs[threadIdx.x];\n  var r = 0;\n%s\n  out[threadIdx.x] = r;\n}" % "\n".join(arms))
    else:
        sys.exit("deep.py: unknown kind " + kind)


if __name__ == "__main__":
    main()
