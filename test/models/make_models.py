#!/usr/bin/env python3
"""Builds the real-architecture test models and their reference outputs.

    make_models.py OUTDIR

Writes into OUTDIR, for each model M of MODELS (docs/onnx.md, "Real
architectures"):

    M.onnx                   the model: opset 17, IR version 8, f32, random
                             initializers from a fixed seed
    M/inputs/NAME.npy        one random input per graph input (fixed seed)
    M/expected/NAME.npy      ONNX Runtime's output (CPU execution provider)

Every model passes onnx.checker.check_model (full check, with shape
inference). Needs the packages of test/models/requirements.txt
(scripts/venv.sh). Running it twice writes the same bytes.
"""

import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
IR_VERSION = 8  # opset 17's; onnxruntime 1.22 reads IR versions up to 10


class Builder:
    """A graph under construction: nodes and initializers with unique names."""

    def __init__(self, name, seed):
        self.name = name
        self.rng = np.random.default_rng(seed)
        self.nodes = []
        self.inits = []
        self.count = {}

    def _fresh(self, base):
        n = self.count.get(base, 0)
        self.count[base] = n + 1
        return f"{base}{n}"

    def const(self, base, array):
        name = self._fresh(base)
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def weight(self, base, shape, std):
        return self.const(base, (self.rng.standard_normal(shape) * std).astype(np.float32))

    def node(self, op, inputs, base=None, **attrs):
        out = self._fresh(base or op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], name=out + "_node", **attrs))
        return out

    # ---- layers ----------------------------------------------------------
    def conv(self, x, cin, cout, k, stride=1, group=1):
        fan_in = cin // group * k * k
        w = self.weight("conv_w", [cout, cin // group, k, k], np.sqrt(2.0 / fan_in))
        pad = k // 2
        return self.node("Conv", [x, w], "conv", kernel_shape=[k, k], strides=[stride, stride],
                         pads=[pad, pad, pad, pad], group=group)

    def bn(self, x, c):
        r = self.rng
        scale = self.const("bn_scale", r.uniform(0.5, 1.5, c).astype(np.float32))
        bias = self.const("bn_bias", r.uniform(-0.2, 0.2, c).astype(np.float32))
        mean = self.const("bn_mean", r.uniform(-0.2, 0.2, c).astype(np.float32))
        var = self.const("bn_var", r.uniform(0.5, 2.0, c).astype(np.float32))
        return self.node("BatchNormalization", [x, scale, bias, mean, var], "bn", epsilon=1e-5)

    def relu6(self, x):
        lo = self.const("clip_min", np.array(0.0, np.float32))
        hi = self.const("clip_max", np.array(6.0, np.float32))
        return self.node("Clip", [x, lo, hi], "relu6")

    def gemm(self, x, fin, fout):
        w = self.weight("fc_w", [fout, fin], 1.0 / np.sqrt(fin))
        b = self.weight("fc_b", [fout], 0.1)
        return self.node("Gemm", [x, w, b], "fc", transB=1)

    def linear(self, x, fin, fout):
        """MatMul + Add bias over the last axis (the transformer's form)."""
        w = self.weight("lin_w", [fin, fout], 1.0 / np.sqrt(fin))
        b = self.weight("lin_b", [fout], 0.1)
        return self.node("Add", [self.node("MatMul", [x, w], "matmul"), b], "bias")

    def layer_norm(self, x, d):
        scale = self.const("ln_scale", self.rng.uniform(0.8, 1.2, d).astype(np.float32))
        bias = self.const("ln_bias", self.rng.uniform(-0.1, 0.1, d).astype(np.float32))
        return self.node("LayerNormalization", [x, scale, bias], "ln", axis=-1, epsilon=1e-5)

    def model(self, inputs, outputs):
        graph = helper.make_graph(self.nodes, self.name, inputs, outputs, self.inits)
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              ir_version=IR_VERSION, producer_name="hdt test/models")
        onnx.checker.check_model(m, full_check=True)
        return m


def f32_info(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


# ---------------------------------------------------------------- ResNet
def resnet_style():
    """Stem conv-bn-relu, MaxPool, three basic blocks (the second with stride 2
    and a 1x1 projection shortcut), GlobalAveragePool, Flatten, Gemm."""
    b = Builder("resnet_style", seed=1)

    def basic_block(x, cin, cout, stride):
        y = b.node("Relu", [b.bn(b.conv(x, cin, cout, 3, stride), cout)])
        y = b.bn(b.conv(y, cout, cout, 3), cout)
        shortcut = x if stride == 1 and cin == cout else b.bn(b.conv(x, cin, cout, 1, stride), cout)
        return b.node("Relu", [b.node("Add", [y, shortcut], "residual")])

    x = b.node("Relu", [b.bn(b.conv("x", 3, 16, 3), 16)])                 # [1,16,32,32]
    x = b.node("MaxPool", [x], "maxpool", kernel_shape=[3, 3], strides=[2, 2],
               pads=[1, 1, 1, 1])                                         # [1,16,16,16]
    x = basic_block(x, 16, 16, 1)
    x = basic_block(x, 16, 32, 2)                                         # [1,32,8,8]
    x = basic_block(x, 32, 32, 1)
    x = b.node("GlobalAveragePool", [x], "gap")                           # [1,32,1,1]
    x = b.node("Flatten", [x], "flatten", axis=1)                         # [1,32]
    b.gemm(x, 32, 10)
    b.nodes[-1].output[0] = "logits"
    m = b.model([f32_info("x", [1, 3, 32, 32])], [f32_info("logits", [1, 10])])
    inputs = {"x": np.random.default_rng(101).standard_normal([1, 3, 32, 32]).astype(np.float32)}
    return m, inputs


# ---------------------------------------------------------------- MobileNet
def mobilenet_style():
    """Stem conv-bn-ReLU6 (stride 2), three inverted residual blocks (1x1
    expand + BN + ReLU6, depthwise 3x3 + BN + ReLU6, 1x1 project + BN, a
    residual Add when stride 1 and the channels agree), 1x1 conv-bn-ReLU6,
    GlobalAveragePool, Reshape, Gemm. ReLU6 is Clip(x, 0, 6) with min and max
    as constant inputs (opset 11+)."""
    b = Builder("mobilenet_style", seed=2)

    def inverted_residual(x, cin, cout, stride, expand):
        hid = cin * expand
        y = b.relu6(b.bn(b.conv(x, cin, hid, 1), hid))
        y = b.relu6(b.bn(b.conv(y, hid, hid, 3, stride, group=hid), hid))  # depthwise
        y = b.bn(b.conv(y, hid, cout, 1), cout)
        if stride == 1 and cin == cout:
            y = b.node("Add", [x, y], "residual")
        return y

    x = b.relu6(b.bn(b.conv("x", 3, 16, 3, 2), 16))                       # [1,16,16,16]
    x = inverted_residual(x, 16, 16, 1, 4)
    x = inverted_residual(x, 16, 24, 2, 4)                                # [1,24,8,8]
    x = inverted_residual(x, 24, 24, 1, 4)
    x = b.relu6(b.bn(b.conv(x, 24, 64, 1), 64))                           # [1,64,8,8]
    x = b.node("GlobalAveragePool", [x], "gap")                           # [1,64,1,1]
    x = b.node("Reshape", [x, b.const("shape", np.array([1, 64], np.int64))], "reshape")
    b.gemm(x, 64, 10)
    b.nodes[-1].output[0] = "logits"
    m = b.model([f32_info("x", [1, 3, 32, 32])], [f32_info("logits", [1, 10])])
    inputs = {"x": np.random.default_rng(102).standard_normal([1, 3, 32, 32]).astype(np.float32)}
    return m, inputs


# ---------------------------------------------------------------- BERT
SEQ, HIDDEN, HEADS, FFN, VOCAB, LAYERS = 16, 64, 4, 128, 100, 2


def bert_style():
    """Token embedding Gather + position embedding Add + LayerNormalization,
    two post-norm encoder layers (multi-head self-attention, Erf GELU FFN),
    the last hidden state as output."""
    b = Builder("bert_style", seed=3)
    dh = HIDDEN // HEADS

    def heads(x, perm):
        shape = b.const("heads_shape", np.array([1, SEQ, HEADS, dh], np.int64))
        return b.node("Transpose", [b.node("Reshape", [x, shape], "reshape")], "transpose",
                      perm=perm)

    def gelu(x):  # x * 0.5 * (1 + erf(x / sqrt(2))): Gelu itself is opset 20
        e = b.node("Erf", [b.node("Div", [x, b.const("sqrt2", np.array(np.sqrt(2.0), np.float32))])])
        e = b.node("Add", [e, b.const("one", np.array(1.0, np.float32))])
        return b.node("Mul", [b.node("Mul", [x, e]), b.const("half", np.array(0.5, np.float32))],
                      "gelu")

    def encoder_layer(h):
        q = heads(b.linear(h, HIDDEN, HIDDEN), [0, 2, 1, 3])              # [1,H,S,dh]
        kt = heads(b.linear(h, HIDDEN, HIDDEN), [0, 2, 3, 1])             # [1,H,dh,S]
        v = heads(b.linear(h, HIDDEN, HIDDEN), [0, 2, 1, 3])              # [1,H,S,dh]
        s = b.node("MatMul", [q, kt], "scores")                           # [1,H,S,S]
        s = b.node("Div", [s, b.const("sqrt_dh", np.array(np.sqrt(dh), np.float32))], "scaled")
        p = b.node("Softmax", [s], "softmax", axis=-1)
        ctx = b.node("Transpose", [b.node("MatMul", [p, v], "context")], "transpose",
                     perm=[0, 2, 1, 3])                                   # [1,S,H,dh]
        ctx = b.node("Reshape", [ctx, b.const("merge_shape",
                                              np.array([1, SEQ, HIDDEN], np.int64))], "reshape")
        h = b.layer_norm(b.node("Add", [h, b.linear(ctx, HIDDEN, HIDDEN)], "residual"), HIDDEN)
        f = b.linear(gelu(b.linear(h, HIDDEN, FFN)), FFN, HIDDEN)
        return b.layer_norm(b.node("Add", [h, f], "residual"), HIDDEN)

    tok = b.weight("tok_emb", [VOCAB, HIDDEN], 1.0)
    pos = b.weight("pos_emb", [SEQ, HIDDEN], 0.5)
    h = b.node("Gather", [tok, "input_ids"], "embed", axis=0)             # [1,S,D]
    h = b.layer_norm(b.node("Add", [h, pos], "add_pos"), HIDDEN)
    for _ in range(LAYERS):
        h = encoder_layer(h)
    b.nodes[-1].output[0] = "last_hidden_state"
    m = b.model([helper.make_tensor_value_info("input_ids", TensorProto.INT64, [1, SEQ])],
                [f32_info("last_hidden_state", [1, SEQ, HIDDEN])])
    ids = np.random.default_rng(103).integers(0, VOCAB, [1, SEQ], dtype=np.int64)
    return m, {"input_ids": ids}


MODELS = {"resnet_style": resnet_style, "mobilenet_style": mobilenet_style,
          "bert_style": bert_style}


def write_model(outdir, name, build):
    model, inputs = build()
    path = os.path.join(outdir, name + ".onnx")
    onnx.save(model, path)
    opts = ort.SessionOptions()  # node by node, as written: no fusions
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    outputs = sess.run(None, inputs)
    for sub, tensors in (("inputs", inputs),
                         ("expected", {o.name: v for o, v in zip(sess.get_outputs(), outputs)})):
        folder = os.path.join(outdir, name, sub)
        os.makedirs(folder, exist_ok=True)
        for f in os.listdir(folder):
            os.remove(os.path.join(folder, f))
        for tname, value in tensors.items():
            np.save(os.path.join(folder, tname.replace("/", "_") + ".npy"), value)
    for o, v in zip(sess.get_outputs(), outputs):
        if not np.all(np.isfinite(v)):
            sys.exit(f"make_models: {name}: ONNX Runtime's {o.name} is not finite")
    ops = {}
    for n in model.graph.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    print(f"{name}: {len(model.graph.node)} nodes ("
          + " ".join(f"{k}={v}" for k, v in sorted(ops.items(), key=lambda kv: -kv[1]))
          + "), outputs " + ", ".join(f"{o.name}{list(v.shape)}" for o, v in
                                      zip(sess.get_outputs(), outputs)))


def main(argv):
    if len(argv) != 2:
        sys.exit("usage: make_models.py OUTDIR")
    outdir = argv[1]
    os.makedirs(outdir, exist_ok=True)
    for name, build in MODELS.items():
        write_model(outdir, name, build)


if __name__ == "__main__":
    main(sys.argv)
