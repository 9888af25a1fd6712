"""npy_tool.py: .npy files for the hdt command's tests, with the standard
library only (the suite does not need numpy).

  npy_tool.py write FILE DTYPE DIM,DIM... SEED     random values in [-1, 1)
  npy_tool.py relu  IN OUT                         checks OUT == max(IN, 0)
  npy_tool.py show  FILE                           prints the header's dict
"""
import ast
import random
import struct
import sys

FORMATS = {"<f4": "f", "<f8": "d", "<i8": "q", "<i4": "i"}


def read(path):
    data = open(path, "rb").read()
    if data[:6] != b"\x93NUMPY":
        raise SystemExit(f"{path}: not a .npy file")
    if data[6] == 1:
        hlen, start = struct.unpack("<H", data[8:10])[0], 10
    else:
        hlen, start = struct.unpack("<I", data[8:12])[0], 12
    header = ast.literal_eval(data[start:start + hlen].decode("latin1"))
    body = data[start + hlen:]
    fmt = FORMATS[header["descr"]]
    count = len(body) // struct.calcsize(fmt)
    return header, list(struct.unpack("<%d%s" % (count, fmt), body))


def write(path, descr, shape, values):
    d = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (
        descr, "".join("%d, " % n for n in shape))
    pad = (64 - (10 + len(d) + 1) % 64) % 64
    head = d + " " * pad + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(head)) + head.encode("latin1"))
        f.write(struct.pack("<%d%s" % (len(values), FORMATS[descr]), *values))


def main():
    cmd = sys.argv[1]
    if cmd == "write":
        path, descr, dims, seed = sys.argv[2:6]
        shape = [int(x) for x in dims.split(",")]
        rng = random.Random(int(seed))
        n = 1
        for s in shape:
            n *= s
        write(path, descr, shape, [rng.uniform(-1, 1) for _ in range(n)])
    elif cmd == "relu":
        hin, x = read(sys.argv[2])
        hout, y = read(sys.argv[3])
        assert hin["shape"] == hout["shape"], (hin, hout)
        bad = [i for i, (a, b) in enumerate(zip(x, y)) if b != max(a, 0.0)]
        print("relu %s: %d values, %d wrong" % (hout["shape"], len(y), len(bad)))
        sys.exit(1 if bad else 0)
    elif cmd == "show":
        print(read(sys.argv[2])[0])


main()
