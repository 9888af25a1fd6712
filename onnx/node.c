/* node.c: ONNX nodes into graph nodes.
 *
 * Most ops map one to one: the graph's ops.def spells its ops and their
 * attributes the ONNX way, so a node's inputs and attributes are passed
 * through and the graph checks them (an attribute the graph does not know
 * is reported as unsupported, naming the node, the op and the opset). What
 * is left here is where the ONNX form and the graph's differ:
 *
 *   - skipped optional inputs ("") become the context's empty tensor, the
 *     graph's spelling of "absent" (ops.def); trailing ones are dropped;
 *   - Constant becomes a constant tensor, ConstantOfShape's `value` tensor
 *     its dtype and value_float, Cast's `to` an hdtg_dtype;
 *   - Split (several outputs; the graph's nodes have one) becomes one
 *     Slice per output;
 *   - Softmax and LogSoftmax before opset 13 work on the input flattened to
 *     2-D at `axis`: Flatten, the op on the last axis, Reshape back;
 *   - attributes that only matter for training or for an output that is
 *     not used (Dropout's seed and ratio, BatchNormalization's
 *     training_mode = 0, MaxPool's storage_order) are dropped.
 *
 *   - opsets 6 to 10 (hdto_legacy): legacy broadcasting, the attribute
 *     forms of Clip, Pad and Slice, Upsample and Resize 10, Gemm's required
 *     C, PRelu 6's per-channel slope become the graph's forms; what the
 *     graph cannot express (is_test=0, spatial=0, ops newer than the opset)
 *     is refused, naming the node, the op and the opset.
 *
 * Opset differences that the graph already accepts in both forms (axes as
 * an attribute or an input for Squeeze, Unsqueeze and the reductions) pass
 * through. Only the first output of a node is supported, unless the others
 * are unused (Dropout's mask, BatchNormalization's running statistics). */
#define _POSIX_C_SOURCE 200809L
#include "onnx_impl.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HDTO_MAX_ATTRS 32

/* One node being converted. */
typedef struct hdto_nd {
  const Onnx__NodeProto *p;
  const char *op;
  char label[512]; /* "node 'name' (Op, opset 13)" */
  hdtg_tensor **in;
  int nin;
  hdtg_attr attrs[HDTO_MAX_ATTRS];
  int nattrs;
  const Onnx__AttributeProto *tensor_attr; /* a TENSOR attribute, for the ops that take one */
  void *owned[HDTO_MAX_ATTRS + 8]; /* strings, lists, the inputs array, decoded data */
  int nowned;
} hdto_nd;

static hdto_status hdto_nfail(hdto_ctx *c, const hdto_nd *nd, hdto_status s, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static hdto_status hdto_nfail(hdto_ctx *c, const hdto_nd *nd, hdto_status s, const char *fmt, ...) {
  char buf[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return hdto_fail(c, s, "%s: %s", nd->label, buf);
}

/* ---- attributes --------------------------------------------------------------------- */

/* The attribute's type; old models leave it out, so it is then guessed from the field set. */
static int hdto_attr_type(const Onnx__AttributeProto *a) {
  if (a->has_type) return a->type;
  if (a->has_f) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
  if (a->has_i) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
  if (a->has_s) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
  if (a->t) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR;
  if (a->n_floats) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS;
  if (a->n_ints) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
  return -1;
}

static const char *hdto_attr_type_name(int t) {
  static const char *const names[] = {"UNDEFINED", "FLOAT", "INT", "STRING", "TENSOR",
                                      "GRAPH", "FLOATS", "INTS", "STRINGS", "TENSORS",
                                      "GRAPHS", "SPARSE_TENSOR", "SPARSE_TENSORS",
                                      "TYPE_PROTO", "TYPE_PROTOS"};
  return t >= 0 && t < (int)(sizeof names / sizeof *names) ? names[t] : "an unknown type";
}

static void *hdto_own(hdto_nd *nd, void *p) {
  if (p) nd->owned[nd->nowned++] = p;
  return p;
}

static hdto_status hdto_attr(hdto_ctx *c, hdto_nd *nd, const Onnx__AttributeProto *a) {
  const char *nm = a->name;
  int t = hdto_attr_type(a);
  hdtg_attr *o = &nd->attrs[nd->nattrs];
  if (!nm || !*nm) return hdto_nfail(c, nd, HDTO_ERROR_MODEL, "an attribute has no name");
  if (a->ref_attr_name)
    return hdto_nfail(c, nd, HDTO_ERROR_UNSUPPORTED, "attribute '%s' refers to a function's "
                      "attribute", nm);
  if (nd->nattrs == HDTO_MAX_ATTRS)
    return hdto_nfail(c, nd, HDTO_ERROR_UNSUPPORTED, "more than %d attributes", HDTO_MAX_ATTRS);
  if ((a->n_floats > INT_MAX / 16 || a->n_ints > INT_MAX / 16))
    return hdto_nfail(c, nd, HDTO_ERROR_MODEL, "attribute '%s' is too long", nm);
  switch (t) {
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT: *o = HDTG_ATTR_F(nm, a->f); break;
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT: *o = HDTG_ATTR_I(nm, a->i); break;
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS: *o = HDTG_ATTR_IS(nm, a->ints, (int)a->n_ints); break;
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING: {
    if (a->s.len && memchr(a->s.data, 0, a->s.len))
      return hdto_nfail(c, nd, HDTO_ERROR_MODEL, "attribute '%s' holds a NUL byte", nm);
    char *s = hdto_own(nd, malloc(a->s.len + 1));
    if (!s) return hdto_nfail(c, nd, HDTO_ERROR_NOMEM, "out of memory");
    if (a->s.len) memcpy(s, a->s.data, a->s.len);
    s[a->s.len] = 0;
    *o = HDTG_ATTR_S(nm, s);
    break;
  }
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS: {
    double *f = hdto_own(nd, malloc(sizeof *f * (a->n_floats ? a->n_floats : 1)));
    if (!f) return hdto_nfail(c, nd, HDTO_ERROR_NOMEM, "out of memory");
    for (size_t i = 0; i < a->n_floats; i++) f[i] = a->floats[i];
    *o = HDTG_ATTR_FS(nm, f, (int)a->n_floats);
    break;
  }
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR:
    if (nd->tensor_attr || !a->t)
      return hdto_nfail(c, nd, HDTO_ERROR_UNSUPPORTED, "attribute '%s' of type TENSOR is not "
                        "supported here", nm);
    nd->tensor_attr = a;
    return HDTO_OK;
  default:
    return hdto_nfail(c, nd, HDTO_ERROR_UNSUPPORTED, "attribute '%s' of type %s is not supported",
                      nm, hdto_attr_type_name(t));
  }
  nd->nattrs++;
  return HDTO_OK;
}

static const hdtg_attr *hdto_find(const hdto_nd *nd, const char *name) {
  for (int i = 0; i < nd->nattrs; i++)
    if (strcmp(nd->attrs[i].name, name) == 0) return &nd->attrs[i];
  return NULL;
}

/* Removes attribute `name`; its value in *out (when given), and whether it was there. */
static bool hdto_drop(hdto_nd *nd, const char *name, hdtg_attr *out) {
  for (int i = 0; i < nd->nattrs; i++) {
    if (strcmp(nd->attrs[i].name, name) != 0) continue;
    if (out) *out = nd->attrs[i];
    nd->attrs[i] = nd->attrs[--nd->nattrs];
    return true;
  }
  return false;
}

static int64_t hdto_int_attr(const hdto_nd *nd, const char *name, int64_t dflt) {
  const hdtg_attr *a = hdto_find(nd, name);
  return a && a->type == HDTG_ATTR_INT ? a->i : dflt;
}

/* ---- emitting graph nodes --------------------------------------------------------------- */

/* The graph's message without its own "node 'x' (Op): " prefix (ours names the ONNX node). */
static const char *hdto_graph_msg(hdtg_graph *g) {
  const char *m = hdtg_last_error(g), *p = strstr(m, "): ");
  return strncmp(m, "node '", 6) == 0 && p ? p + 3 : m;
}

/* Adds a graph node of op named name (NULL: fresh); a named output joins the table. */
static hdto_status hdto_emit(hdto_ctx *c, const hdto_nd *nd, const char *op, const char *name,
                             hdtg_tensor *const *in, int nin, const hdtg_attr *attrs, int nattrs,
                             hdtg_tensor **out) {
  char fresh[64];
  const char *nm = name ? name : hdto_fresh(c, fresh, sizeof fresh);
  hdtg_status gs = hdtg_add_node(c->g, op, nm, in, nin, attrs, nattrs, out);
  if (gs == HDTG_OK) return name ? hdto_put(c, &c->tensors, name, *out) : HDTO_OK;
  const char *m = hdto_graph_msg(c->g);
  hdto_status s = gs == HDTG_ERROR_NOMEM ? HDTO_ERROR_NOMEM
                  : gs == HDTG_ERROR_DUPLICATE ? HDTO_ERROR_MODEL
                  /* A valid ONNX node the graph refuses for its dtype, or for an
                     attribute it does not know: a limit of the graph. */
                  : gs == HDTG_ERROR_UNKNOWN_OP || gs == HDTG_ERROR_TYPE ||
                    (gs == HDTG_ERROR_ATTRIBUTE &&
                     (strstr(m, "no attribute") || strstr(m, "is not supported")))
                      ? HDTO_ERROR_UNSUPPORTED
                      : HDTO_ERROR_GRAPH;
  return hdto_nfail(c, nd, s, "%s", m);
}

/* The ONNX node as one graph node of its own op type. */
static hdto_status hdto_generic(hdto_ctx *c, hdto_nd *nd) {
  hdtg_tensor *t;
  if (nd->tensor_attr)
    return hdto_nfail(c, nd, HDTO_ERROR_UNSUPPORTED, "attribute '%s' of type TENSOR is not "
                      "supported", nd->tensor_attr->name);
  return hdto_emit(c, nd, nd->op, nd->p->output[0], nd->in, nd->nin, nd->attrs, nd->nattrs, &t);
}

/* A new constant (fresh name unless given) of n i64 values, or of dtype dt. */
static hdto_status hdto_const(hdto_ctx *c, const hdto_nd *nd, const char *name, hdtg_dtype dt,
                              int rank, const int64_t *dims, const void *data, size_t bytes,
                              hdtg_tensor **out) {
  char fresh[64];
  const char *nm = name ? name : hdto_fresh(c, fresh, sizeof fresh);
  if (hdtg_add_constant(c->g, nm, dt, rank, dims, data, bytes, out))
    return hdto_nfail(c, nd, HDTO_ERROR_MODEL, "%s", hdtg_last_error(c->g));
  return name ? hdto_put(c, &c->tensors, name, *out) : HDTO_OK;
}

static hdto_status hdto_ivec(hdto_ctx *c, const hdto_nd *nd, int n, const int64_t *v,
                             hdtg_tensor **out) {
  int64_t d[] = {n};
  return hdto_const(c, nd, NULL, HDTG_I64, 1, d, v, sizeof *v * (size_t)n, out);
}

/* ---- the ops whose ONNX form differs ------------------------------------------------ */

static hdto_status hdto_constant(hdto_ctx *c, hdto_nd *nd) {
  const char *out = nd->p->output[0];
  hdtg_tensor *t;
  if (nd->tensor_attr && nd->nattrs == 0 && strcmp(nd->tensor_attr->name, "value") == 0)
    return hdto_add_tensor(c, nd->tensor_attr->t, out, &t);
  if (nd->tensor_attr || nd->nattrs != 1)
    return hdto_nfail(c, nd, HDTO_ERROR_MODEL, "needs exactly one value attribute");
  const hdtg_attr *a = &nd->attrs[0];
  int64_t n = a->n;
  if (strcmp(a->name, "value_int") == 0 && a->type == HDTG_ATTR_INT)
    return hdto_const(c, nd, out, HDTG_I64, 0, NULL, &a->i, sizeof a->i, &t);
  if (strcmp(a->name, "value_ints") == 0 && a->type == HDTG_ATTR_INTS)
    return hdto_const(c, nd, out, HDTG_I64, 1, &n, a->ints, sizeof *a->ints * (size_t)n, &t);
  if (strcmp(a->name, "value_float") == 0 && a->type == HDTG_ATTR_FLOAT) {
    float f = (float)a->f;
    return hdto_const(c, nd, out, HDTG_F32, 0, NULL, &f, sizeof f, &t);
  }
  if (strcmp(a->name, "value_floats") != 0 || a->type != HDTG_ATTR_FLOATS)
    return hdto_nfail(c, nd, HDTO_ERROR_UNSUPPORTED, "attribute '%s' is not supported", a->name);
  float *f = hdto_own(nd, malloc(sizeof *f * (size_t)(n ? n : 1)));
  if (!f) return hdto_nfail(c, nd, HDTO_ERROR_NOMEM, "out of memory");
  for (int64_t i = 0; i < n; i++) f[i] = (float)a->floats[i];
  return hdto_const(c, nd, out, HDTG_F32, 1, &n, f, sizeof *f * (size_t)n, &t);
}

/* An IEEE half's bits as a double. */
static double hdto_half(uint16_t h) {
  int e = h >> 10 & 31, m = h & 1023;
  double v = e == 0 ? ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY) : ldexp(m | 1024, e - 25);
  return h >> 15 ? -v : v;
}

/* Element 0 of decoded data as a double. */
static double hdto_first(const hdto_data *d) {
  const void *p = d->data;
  uint32_t bf;
  switch (d->dt) {
  case HDTG_F32: return *(const float *)p;
  case HDTG_F64: return *(const double *)p;
  case HDTG_I64: return (double)*(const int64_t *)p;
  case HDTG_I32: return *(const int32_t *)p;
  case HDTG_I8: return *(const int8_t *)p;
  case HDTG_F16: return hdto_half(*(const uint16_t *)p);
  case HDTG_BF16: {
    float f;
    bf = (uint32_t)*(const uint16_t *)p << 16;
    memcpy(&f, &bf, sizeof f);
    return f;
  }
  default: return *(const uint8_t *)p; /* u8, bool */
  }
}

static hdto_status hdto_constant_of_shape(hdto_ctx *c, hdto_nd *nd) {
  hdtg_attr a[2];
  int na = 0;
  if (nd->tensor_attr) {
    hdto_data d;
    hdto_status st = hdto_decode(c, nd->tensor_attr->t, nd->label, &d);
    if (st) return st;
    hdto_own(nd, d.owned);
    if (d.bytes != hdtg_dtype_size(d.dt))
      return hdto_nfail(c, nd, HDTO_ERROR_MODEL, "value must have one element");
    a[na++] = HDTG_ATTR_I("dtype", d.dt);
    a[na++] = HDTG_ATTR_F("value_float", hdto_first(&d));
  }
  if (nd->nattrs)
    return hdto_nfail(c, nd, HDTO_ERROR_UNSUPPORTED, "attribute '%s' is not supported",
                      nd->attrs[0].name);
  hdtg_tensor *t;
  return hdto_emit(c, nd, "ConstantOfShape", nd->p->output[0], nd->in, nd->nin, a, na, &t);
}

static hdto_status hdto_cast(hdto_ctx *c, hdto_nd *nd) {
  hdtg_attr to;
  hdtg_dtype dt;
  if (!hdto_drop(nd, "to", &to) || to.type != HDTG_ATTR_INT)
    return hdto_nfail(c, nd, HDTO_ERROR_MODEL, "attribute 'to' (an int) is required");
  if (to.i < INT32_MIN || to.i > INT32_MAX || hdto_dtype(c, (int32_t)to.i, nd->label, &dt))
    return c->st ? c->st : hdto_nfail(c, nd, HDTO_ERROR_UNSUPPORTED, "to %lld", (long long)to.i);
  nd->attrs[nd->nattrs++] = HDTG_ATTR_I("to", dt);
  return hdto_generic(c, nd);
}

/* Dropout (inference: the identity), BatchNormalization and MaxPool: drop
 * what only training or an unused output reads. */
static hdto_status hdto_inference_only(hdto_ctx *c, hdto_nd *nd) {
  hdtg_attr a;
  hdto_drop(nd, "seed", NULL);
  hdto_drop(nd, "storage_order", NULL);
  if (strcmp(nd->op, "Dropout") == 0) hdto_drop(nd, "ratio", NULL);
  if (hdto_drop(nd, "training_mode", &a) && a.type == HDTG_ATTR_INT && a.i != 0)
    return hdto_nfail(c, nd, HDTO_ERROR_UNSUPPORTED, "training_mode=1 is not supported");
  const void *p;
  size_t bytes;
  if (strcmp(nd->op, "Dropout") == 0 && nd->nin > 2 &&
      hdtg_tensor_data(nd->in[2], &p, &bytes) == HDTG_OK && bytes == 1 && *(const uint8_t *)p)
    return hdto_nfail(c, nd, HDTO_ERROR_UNSUPPORTED, "training_mode=true is not supported");
  return hdto_generic(c, nd);
}

static int hdto_rank(hdtg_tensor *t) {
  hdtg_tensor_info info;
  hdtg_tensor_get_info(t, &info);
  return info.rank;
}

/* Softmax and LogSoftmax before opset 13: over the input flattened to 2-D at axis. */
static hdto_status hdto_softmax(hdto_ctx *c, hdto_nd *nd) {
  if (c->opset >= 13 || nd->nin != 1) return hdto_generic(c, nd);
  int rank = hdto_rank(nd->in[0]);
  int64_t axis = hdto_int_attr(nd, "axis", 1);
  axis = axis < 0 ? axis + rank : axis;
  if (axis < 0 || axis >= rank || axis == rank - 1 || nd->nattrs > 1) {
    hdto_drop(nd, "axis", NULL);
    nd->attrs[nd->nattrs++] = HDTG_ATTR_I("axis", axis < 0 || axis >= rank ? axis : rank - 1);
    return hdto_generic(c, nd);
  }
  hdtg_attr fa = HDTG_ATTR_I("axis", axis), la = HDTG_ATTR_I("axis", -1);
  hdtg_tensor *flat, *sm, *shape, *out;
  hdto_status st = hdto_emit(c, nd, "Flatten", NULL, nd->in, 1, &fa, 1, &flat);
  if (!st) st = hdto_emit(c, nd, nd->op, NULL, &flat, 1, &la, 1, &sm);
  if (!st) st = hdto_emit(c, nd, "Shape", NULL, nd->in, 1, NULL, 0, &shape);
  hdtg_tensor *rs[] = {sm, shape};
  if (!st) st = hdto_emit(c, nd, "Reshape", nd->p->output[0], rs, 2, NULL, 0, &out);
  return st;
}

/* Split's sizes: the 'split' attribute (before 13), the second input (13+),
 * num_outputs (18), or equal parts. */
static hdto_status hdto_split_sizes(hdto_ctx *c, hdto_nd *nd, int64_t dim, int64_t *sizes, int n) {
  const hdtg_attr *a = hdto_find(nd, "split");
  const void *data;
  size_t bytes;
  if (a && a->type == HDTG_ATTR_INTS && a->n == n) {
    memcpy(sizes, a->ints, sizeof *sizes * (size_t)n);
    return HDTO_OK;
  }
  if (a) return hdto_nfail(c, nd, HDTO_ERROR_MODEL, "'split' needs %d values", n);
  if (nd->nin > 1 && hdto_rank(nd->in[1]) == 1 && hdtg_tensor_data(nd->in[1], &data, &bytes) == 0 &&
      bytes == sizeof *sizes * (size_t)n) {
    memcpy(sizes, data, bytes);
    return HDTO_OK;
  }
  if (nd->nin > 1)
    return hdto_nfail(c, nd, HDTO_ERROR_UNSUPPORTED, "split (input 1) must be a constant of %d "
                      "i64 values", n);
  if (dim < 0)
    return hdto_nfail(c, nd, HDTO_ERROR_UNSUPPORTED, "the size of the split axis must be known");
  int64_t part = (dim + n - 1) / n;
  if (!hdto_find(nd, "num_outputs") && dim % n)
    return hdto_nfail(c, nd, HDTO_ERROR_MODEL, "axis size %lld does not split in %d", (long long)dim, n);
  for (int i = 0; i < n; i++) sizes[i] = dim - part * i < part ? dim - part * i : part;
  return HDTO_OK;
}

/* Split: one Slice per output (the graph's nodes have one output). */
static hdto_status hdto_split(hdto_ctx *c, hdto_nd *nd) {
  int n = (int)nd->p->n_output, rank = hdto_rank(nd->in[0]);
  int64_t axis = hdto_int_attr(nd, "axis", 0), num = hdto_int_attr(nd, "num_outputs", n);
  hdtg_dim d = {-1, NULL};
  if (axis < -rank || axis >= rank || num != n || n > 4096)
    return hdto_nfail(c, nd, HDTO_ERROR_MODEL, "axis %lld or %d outputs do not fit rank %d",
                      (long long)axis, n, rank);
  axis = axis < 0 ? axis + rank : axis;
  hdtg_tensor_dim(nd->in[0], (int)axis, &d);
  int64_t *sizes = hdto_own(nd, malloc(sizeof *sizes * (size_t)n)), start = 0;
  if (!sizes) return hdto_nfail(c, nd, HDTO_ERROR_NOMEM, "out of memory");
  hdto_status st = hdto_split_sizes(c, nd, d.value, sizes, n);
  for (int i = 0; i < n && !st; i++) {
    int64_t end = start + sizes[i];
    hdtg_tensor *in[4] = {nd->in[0]}, *t;
    if (sizes[i] < 0 || end < start)
      return hdto_nfail(c, nd, HDTO_ERROR_MODEL, "split size %d is %lld", i, (long long)sizes[i]);
    st = hdto_ivec(c, nd, 1, &start, &in[1]);
    if (!st) st = hdto_ivec(c, nd, 1, &end, &in[2]);
    if (!st) st = hdto_ivec(c, nd, 1, &axis, &in[3]);
    const char *out = nd->p->output[i];
    if (!st) st = hdto_emit(c, nd, "Slice", *out ? out : NULL, in, 4, NULL, 0, &t);
    start = end;
  }
  return st;
}

/* ---- opsets 6 to 10: the older forms ---------------------------------------------------- */

/* The graph's "absent" input (an empty i64 tensor, ops.def). */
static hdto_status hdto_absent(hdto_ctx *c, const hdto_nd *nd, hdtg_tensor **out) {
  char fresh[64];
  int64_t zero = 0;
  if (!c->absent && hdtg_add_constant(c->g, hdto_fresh(c, fresh, sizeof fresh), HDTG_I64, 1, &zero,
                                      NULL, 0, &c->absent))
    return hdto_nfail(c, nd, HDTO_ERROR_NOMEM, "%s", hdtg_last_error(c->g));
  *out = c->absent;
  return HDTO_OK;
}

static hdtg_dtype hdto_dtype_of(hdtg_tensor *t) {
  hdtg_tensor_info info;
  hdtg_tensor_get_info(t, &info);
  return info.dtype;
}

/* A float's nearest IEEE half (ties to even; overflow is infinity). */
static uint16_t hdto_to_half(float f) {
  uint32_t x;
  memcpy(&x, &f, sizeof x);
  uint32_t sign = x >> 16 & 0x8000, m = x & 0x7fffff, h, rem;
  int32_t e = (int32_t)(x >> 23 & 0xff) - 127 + 15;
  if ((x >> 23 & 0xff) == 0xff) return (uint16_t)(sign | 0x7c00 | (m ? 0x200 : 0));
  if (e >= 31) return (uint16_t)(sign | 0x7c00);
  if (e <= 0) {
    if (e < -10) return (uint16_t)sign;
    m |= 0x800000;
    int shift = 14 - e;
    h = m >> shift, rem = m & ((1u << shift) - 1);
    uint32_t half = 1u << (shift - 1);
    if (rem > half || (rem == half && (h & 1))) h++;
    return (uint16_t)(sign | h);
  }
  h = (uint32_t)e << 10 | m >> 13, rem = m & 0x1fff;
  if (rem > 0x1000 || (rem == 0x1000 && (h & 1))) h++; /* a carry into the exponent is right */
  return (uint16_t)(sign | h);
}

/* A scalar constant of v in dtype dt (a floating point one: the old
 * attribute forms of Clip's min, max and Pad's value are floats). */
static hdto_status hdto_scalar(hdto_ctx *c, const hdto_nd *nd, hdtg_dtype dt, double v,
                               hdtg_tensor **out) {
  float f = (float)v;
  uint32_t fb;
  uint16_t h;
  switch (dt) {
  case HDTG_F32: return hdto_const(c, nd, NULL, dt, 0, NULL, &f, sizeof f, out);
  case HDTG_F64: return hdto_const(c, nd, NULL, dt, 0, NULL, &v, sizeof v, out);
  case HDTG_F16:
    h = hdto_to_half(f);
    return hdto_const(c, nd, NULL, dt, 0, NULL, &h, sizeof h, out);
  case HDTG_BF16:
    memcpy(&fb, &f, sizeof fb);
    h = (uint16_t)((fb + 0x7fff + (fb >> 16 & 1)) >> 16);
    return hdto_const(c, nd, NULL, dt, 0, NULL, &h, sizeof h, out);
  default:
    return hdto_nfail(c, nd, HDTO_ERROR_UNSUPPORTED, "a %s input is not supported at opset %lld "
                      "(the attribute form takes floating point)", hdtg_dtype_name(dt),
                      (long long)c->opset);
  }
}

/* Whether a and b may have the same shape: equal ranks, no two known sizes that differ. */
static bool hdto_same_shape(hdtg_tensor *a, hdtg_tensor *b) {
  int r = hdto_rank(a);
  if (r != hdto_rank(b)) return false;
  for (int i = 0; i < r; i++) {
    hdtg_dim da = {-1, NULL}, db = {-1, NULL};
    hdtg_tensor_dim(a, i, &da);
    hdtg_tensor_dim(b, i, &db);
    if (da.value >= 0 && db.value >= 0 && da.value != db.value) return false;
  }
  return true;
}

/* Whether every size of t is known to be 1 (one element). */
static bool hdto_one_element(hdtg_tensor *t) {
  for (int i = 0, r = hdto_rank(t); i < r; i++) {
    hdtg_dim d = {-1, NULL};
    hdtg_tensor_dim(t, i, &d);
    if (d.value != 1) return false;
  }
  return true;
}

static hdto_status hdto_int_list(hdto_ctx *c, const hdto_nd *nd, const hdtg_attr *a,
                                 const char *name, hdtg_tensor **out) {
  if (a->type != HDTG_ATTR_INTS)
    return hdto_nfail(c, nd, HDTO_ERROR_MODEL, "attribute '%s' must be ints", name);
  return hdto_ivec(c, nd, a->n, a->ints, out);
}

/* Element-wise binary ops before opset 7: legacy broadcasting. Without
 * broadcast=1 the shapes are equal; with it, B (input 1) matches a
 * contiguous run of A's sizes starting at `axis` (default: A's last ones),
 * or has one element. B is given trailing 1s (Unsqueeze) so that numpy
 * broadcasting aligns it the same way; the result must have A's shape. */
static hdto_status hdto_legacy_binary(hdto_ctx *c, hdto_nd *nd) {
  hdtg_attr bc = {0}, ax = {0};
  bool has_bc = hdto_drop(nd, "broadcast", &bc), has_axis = hdto_drop(nd, "axis", &ax);
  if (nd->nin != 2) return hdto_generic(c, nd); /* the graph reports the arity */
  if ((has_bc && bc.type != HDTG_ATTR_INT) || (has_axis && ax.type != HDTG_ATTR_INT))
    return hdto_nfail(c, nd, HDTO_ERROR_MODEL, "broadcast and axis must be ints");
  int ra = hdto_rank(nd->in[0]), rb = hdto_rank(nd->in[1]);
  if (!has_bc || bc.i == 0) {
    if (!hdto_same_shape(nd->in[0], nd->in[1]))
      return hdto_nfail(c, nd, HDTO_ERROR_MODEL, "without broadcast=1 the inputs must have the "
                        "same shape (opset %lld has no numpy broadcasting)", (long long)c->opset);
    return hdto_generic(c, nd);
  }
  int64_t axis = has_axis ? ax.i : ra - rb;
  if (rb > ra || ((axis < 0 || axis > ra - rb) && !hdto_one_element(nd->in[1])))
    return hdto_nfail(c, nd, HDTO_ERROR_MODEL, "broadcast=1: input 1 (rank %d) does not fit "
                      "input 0 (rank %d) at axis %lld", rb, ra, (long long)axis);
  hdto_status st = HDTO_OK;
  if (!hdto_one_element(nd->in[1]) && axis + rb < ra) {
    int64_t axes[HDTG_MAX_RANK];
    int n = (int)(ra - axis - rb);
    for (int i = 0; i < n; i++) axes[i] = rb + i;
    hdtg_attr ua = HDTG_ATTR_IS("axes", axes, n);
    st = hdto_emit(c, nd, "Unsqueeze", NULL, &nd->in[1], 1, &ua, 1, &nd->in[1]);
  }
  hdtg_tensor *out;
  if (!st) st = hdto_emit(c, nd, nd->op, nd->p->output[0], nd->in, 2, nd->attrs, nd->nattrs, &out);
  if (!st && !hdto_same_shape(out, nd->in[0]))
    return hdto_nfail(c, nd, HDTO_ERROR_MODEL, "broadcast=1: input 1 does not fit input 0 at "
                      "axis %lld (legacy broadcasting does not widen input 0)", (long long)axis);
  return st;
}

/* Min, Max, Sum, Mean before opset 8: no broadcasting, the shapes are equal. */
static hdto_status hdto_legacy_variadic(hdto_ctx *c, hdto_nd *nd) {
  for (int i = 1; i < nd->nin; i++)
    if (!hdto_same_shape(nd->in[0], nd->in[i]))
      return hdto_nfail(c, nd, HDTO_ERROR_MODEL, "the inputs must have the same shape (opset "
                        "%lld has no broadcasting for %s)", (long long)c->opset, nd->op);
  return hdto_generic(c, nd);
}

/* PRelu 6: a slope of one element, of x's shape, or of x's channels
 * ([C] for x [N, C, ...], Caffe2's form) which Unsqueeze makes [C, 1, ...]. */
static hdto_status hdto_legacy_prelu(hdto_ctx *c, hdto_nd *nd) {
  if (nd->nin != 2 || hdto_one_element(nd->in[1]) || hdto_same_shape(nd->in[0], nd->in[1]))
    return hdto_generic(c, nd);
  int rx = hdto_rank(nd->in[0]);
  hdtg_dim dc = {-1, NULL}, ds = {-1, NULL};
  if (rx >= 2) hdtg_tensor_dim(nd->in[0], 1, &dc);
  if (hdto_rank(nd->in[1]) == 1) hdtg_tensor_dim(nd->in[1], 0, &ds);
  if (rx < 2 || ds.value < 0 || ds.value != dc.value)
    return hdto_nfail(c, nd, HDTO_ERROR_UNSUPPORTED, "the slope must have one element, x's shape "
                      "or x's channels (PRelu before opset 7)");
  hdto_status st = HDTO_OK;
  if (rx > 2) {
    int64_t axes[HDTG_MAX_RANK];
    for (int i = 0; i < rx - 2; i++) axes[i] = 1 + i;
    hdtg_attr ua = HDTG_ATTR_IS("axes", axes, rx - 2);
    st = hdto_emit(c, nd, "Unsqueeze", NULL, &nd->in[1], 1, &ua, 1, &nd->in[1]);
  }
  return st ? st : hdto_generic(c, nd);
}

/* Gemm before 11: C is required; 6's broadcast=0 asks C for the output's shape. */
static hdto_status hdto_legacy_gemm(hdto_ctx *c, hdto_nd *nd) {
  hdtg_attr bc = {0};
  bool has_bc = hdto_drop(nd, "broadcast", &bc);
  if (c->opset >= 7 && has_bc)
    return hdto_nfail(c, nd, HDTO_ERROR_UNSUPPORTED, "no attribute 'broadcast'");
  if (nd->nin != 3)
    return hdto_nfail(c, nd, HDTO_ERROR_MODEL, "input C is required before opset 11");
  hdtg_tensor *out;
  hdto_status st = hdto_emit(c, nd, "Gemm", nd->p->output[0], nd->in, nd->nin, nd->attrs,
                             nd->nattrs, &out);
  if (!st && c->opset < 7 && !(has_bc && bc.type == HDTG_ATTR_INT && bc.i) &&
      !hdto_same_shape(nd->in[2], out))
    return hdto_nfail(c, nd, HDTO_ERROR_MODEL, "without broadcast=1, C must have the output's "
                      "shape (M, N)");
  return st;
}

/* Clip before 11: min and max attributes, as scalar inputs of x's dtype. */
static hdto_status hdto_legacy_clip(hdto_ctx *c, hdto_nd *nd) {
  hdtg_attr lim[2] = {{0}};
  bool has[2] = {hdto_drop(nd, "min", &lim[0]), hdto_drop(nd, "max", &lim[1])};
  if (nd->nin != 1)
    return hdto_nfail(c, nd, HDTO_ERROR_MODEL, "takes one input before opset 11");
  hdtg_tensor *in[3] = {nd->in[0]};
  int nin = has[1] ? 3 : has[0] ? 2 : 1;
  hdto_status st = HDTO_OK;
  for (int i = 0; i < 2 && !st; i++) {
    if (has[i] && lim[i].type != HDTG_ATTR_FLOAT)
      return hdto_nfail(c, nd, HDTO_ERROR_MODEL, "attribute '%s' must be a float", i ? "max" : "min");
    if (has[i]) st = hdto_scalar(c, nd, hdto_dtype_of(nd->in[0]), lim[i].f, &in[1 + i]);
    else if (i + 1 < nin) st = hdto_absent(c, nd, &in[1 + i]);
  }
  hdtg_tensor *out;
  return st ? st : hdto_emit(c, nd, "Clip", nd->p->output[0], in, nin, nd->attrs, nd->nattrs, &out);
}

/* Pad before 11: pads, mode and value attributes, as inputs. */
static hdto_status hdto_legacy_pad(hdto_ctx *c, hdto_nd *nd) {
  hdtg_attr pads = {0}, value = {0}, mode = HDTG_ATTR_S("mode", "constant");
  bool has_pads = hdto_drop(nd, "pads", &pads), has_value = hdto_drop(nd, "value", &value);
  bool has_mode = hdto_find(nd, "mode") != NULL;
  if (has_mode) mode = *hdto_find(nd, "mode");
  if (nd->nin != 1 || !has_pads)
    return hdto_nfail(c, nd, HDTO_ERROR_MODEL, "takes one input and attribute 'pads' before opset 11");
  if (has_value && value.type != HDTG_ATTR_FLOAT)
    return hdto_nfail(c, nd, HDTO_ERROR_MODEL, "attribute 'value' must be a float");
  if (has_mode && (mode.type != HDTG_ATTR_STRING ||
                   (strcmp(mode.s, "constant") && strcmp(mode.s, "reflect") && strcmp(mode.s, "edge"))))
    return hdto_nfail(c, nd, HDTO_ERROR_UNSUPPORTED, "mode must be constant, reflect or edge");
  hdtg_tensor *in[3] = {nd->in[0]}, *out;
  int nin = 2;
  hdto_status st = hdto_int_list(c, nd, &pads, "pads", &in[1]);
  if (!st && has_value && value.f != 0 && (!has_mode || strcmp(mode.s, "constant") == 0))
    st = hdto_scalar(c, nd, hdto_dtype_of(nd->in[0]), value.f, &in[nin++]);
  return st ? st : hdto_emit(c, nd, "Pad", nd->p->output[0], in, nin, nd->attrs, nd->nattrs, &out);
}

/* Slice before 10: starts, ends and axes attributes, as inputs. */
static hdto_status hdto_legacy_slice(hdto_ctx *c, hdto_nd *nd) {
  hdtg_attr a[3] = {{0}};
  static const char *const names[] = {"starts", "ends", "axes"};
  bool has[3];
  for (int i = 0; i < 3; i++) has[i] = hdto_drop(nd, names[i], &a[i]);
  if (nd->nin != 1 || !has[0] || !has[1])
    return hdto_nfail(c, nd, HDTO_ERROR_MODEL, "takes one input and attributes 'starts' and "
                      "'ends' before opset 10");
  hdtg_tensor *in[4] = {nd->in[0]}, *out;
  hdto_status st = HDTO_OK;
  for (int i = 0; i < 3 && !st; i++)
    if (has[i]) st = hdto_int_list(c, nd, &a[i], names[i], &in[1 + i]);
  return st ? st : hdto_emit(c, nd, "Slice", nd->p->output[0], in, has[2] ? 4 : 3, nd->attrs,
                             nd->nattrs, &out);
}

/* Upsample (7: scales attribute; 9, 10: scales input) and Resize 10: a
 * Resize of the opset 11 form with asymmetric coordinates and, for
 * nearest, the floor of the source position (Upsample's definition). */
static hdto_status hdto_legacy_upsample(hdto_ctx *c, hdto_nd *nd) {
  hdtg_attr scales_attr = {0}, mode = HDTG_ATTR_S("mode", "nearest");
  bool attr_form = c->opset < 9 && strcmp(nd->op, "Upsample") == 0;
  bool has_scales = hdto_drop(nd, "scales", &scales_attr);
  hdto_drop(nd, "mode", &mode);
  if (nd->nattrs)
    return hdto_nfail(c, nd, HDTO_ERROR_UNSUPPORTED, "no attribute '%s'", nd->attrs[0].name);
  if (mode.type != HDTG_ATTR_STRING || (strcmp(mode.s, "nearest") && strcmp(mode.s, "linear")))
    return hdto_nfail(c, nd, HDTO_ERROR_UNSUPPORTED, "mode must be nearest or linear");
  if (attr_form ? nd->nin != 1 || !has_scales || scales_attr.type != HDTG_ATTR_FLOATS
                : nd->nin != 2 || has_scales)
    return hdto_nfail(c, nd, HDTO_ERROR_MODEL, attr_form ? "takes one input and a 'scales' "
                      "attribute (floats)" : "takes two inputs (x, scales) and no 'scales' attribute");
  hdtg_tensor *in[3] = {nd->in[0]}, *out;
  hdto_status st = hdto_absent(c, nd, &in[1]);
  if (!st && attr_form) {
    int64_t n = scales_attr.n;
    float *f = hdto_own(nd, malloc(sizeof *f * (size_t)(n ? n : 1)));
    if (!f) return hdto_nfail(c, nd, HDTO_ERROR_NOMEM, "out of memory");
    for (int64_t i = 0; i < n; i++) f[i] = (float)scales_attr.floats[i];
    st = hdto_const(c, nd, NULL, HDTG_F32, 1, &n, f, sizeof *f * (size_t)n, &in[2]);
  } else if (!st) {
    in[2] = nd->in[1];
  }
  hdtg_attr attrs[] = {mode, HDTG_ATTR_S("coordinate_transformation_mode", "asymmetric"),
                       HDTG_ATTR_S("nearest_mode", "floor")};
  return st ? st : hdto_emit(c, nd, "Resize", nd->p->output[0], in, 3, attrs, 3, &out);
}

/* Dropout and BatchNormalization 6: is_test=1 is inference; 0 (the
 * default) trains. BatchNormalization before 9: spatial=0 normalises per
 * activation, the same as spatial=1 only for x of rank 2; before 14 (is_test
 * gone) more than one output means training. */
static hdto_status hdto_legacy_inference(hdto_ctx *c, hdto_nd *nd) {
  hdtg_attr a;
  bool bn = strcmp(nd->op, "BatchNormalization") == 0;
  if (c->opset < 7 && (!hdto_drop(nd, "is_test", &a) || a.type != HDTG_ATTR_INT || !a.i))
    return hdto_nfail(c, nd, HDTO_ERROR_UNSUPPORTED, "is_test=0 (training) is not supported; "
                      "is_test=1 is");
  if (bn && c->opset < 9 && hdto_drop(nd, "spatial", &a) &&
      (a.type != HDTG_ATTR_INT || (a.i != 1 && (a.i != 0 || nd->nin < 1 || hdto_rank(nd->in[0]) > 2))))
    return hdto_nfail(c, nd, HDTO_ERROR_UNSUPPORTED, "spatial=0 (statistics per activation) is "
                      "supported only for an input of rank 2");
  for (size_t i = 1; bn && c->opset >= 7 && i < nd->p->n_output; i++)
    if (*nd->p->output[i])
      return hdto_nfail(c, nd, HDTO_ERROR_UNSUPPORTED, "more than one output means training mode "
                        "before opset 14, which is not supported");
  return hdto_inference_only(c, nd);
}

/* The opset that introduced an op (where after 6), for models of opsets under 11. */
static const struct {
  const char *op;
  int since;
} hdto_since[] = {
    {"Upsample", 7}, {"Expand", 8}, {"Erf", 9}, {"Where", 9}, {"IsNaN", 9},
    {"ConstantOfShape", 9}, {"IsInf", 10}, {"Resize", 10}, {"Range", 11},
    {"GatherElements", 11}, {"LessOrEqual", 12}, {"GreaterOrEqual", 12},
    {"HardSwish", 14}, {"LayerNormalization", 17}, {"Gelu", 20},
};

/* An op of a model of opset 6 to 10 whose form differs from the graph's (or
 * from the opset 11 one the importer takes); NULL: none does. */
static hdto_status (*hdto_legacy(hdto_ctx *c, const hdto_nd *nd))(hdto_ctx *, hdto_nd *) {
  static const char *const binary[] = {"Add", "Sub", "Mul", "Div", "Pow", "And", "Or",
                                       "Xor", "Equal", "Less", "Greater"};
  static const char *const variadic[] = {"Min", "Max", "Sum", "Mean"};
  const char *op = nd->op;
  for (size_t i = 0; c->opset < 7 && i < sizeof binary / sizeof *binary; i++)
    if (strcmp(op, binary[i]) == 0) return hdto_legacy_binary;
  for (size_t i = 0; c->opset < 8 && i < sizeof variadic / sizeof *variadic; i++)
    if (strcmp(op, variadic[i]) == 0) return hdto_legacy_variadic;
  if (c->opset < 7 && strcmp(op, "PRelu") == 0) return hdto_legacy_prelu;
  if (strcmp(op, "Gemm") == 0) return hdto_legacy_gemm;
  if (strcmp(op, "Clip") == 0) return hdto_legacy_clip;
  if (strcmp(op, "Pad") == 0) return hdto_legacy_pad;
  if (c->opset < 10 && strcmp(op, "Slice") == 0) return hdto_legacy_slice;
  if (strcmp(op, "Resize") == 0 || strcmp(op, "Upsample") == 0) return hdto_legacy_upsample;
  if (strcmp(op, "Dropout") == 0 || strcmp(op, "BatchNormalization") == 0)
    return hdto_legacy_inference;
  return NULL;
}

static const struct {
  const char *op;
  hdto_status (*fn)(hdto_ctx *c, hdto_nd *nd);
  bool outputs; /* handles every output itself */
} hdto_special[] = {
    {"Constant", hdto_constant, false},
    {"ConstantOfShape", hdto_constant_of_shape, false},
    {"Cast", hdto_cast, false},
    {"Dropout", hdto_inference_only, false},
    {"BatchNormalization", hdto_inference_only, false},
    {"MaxPool", hdto_inference_only, false},
    {"Softmax", hdto_softmax, false},
    {"LogSoftmax", hdto_softmax, false},
    {"Split", hdto_split, true},
    {"Upsample", hdto_legacy_upsample, false}, /* Upsample-10 (deprecated) from opset 10 on */
};
#define HDTO_NSPECIAL (sizeof hdto_special / sizeof *hdto_special)

/* ---- the node ------------------------------------------------------------------------ */

static hdto_status hdto_label(hdto_ctx *c, hdto_nd *nd, int index) {
  const Onnx__NodeProto *n = nd->p;
  const char *out = n->n_output ? n->output[0] : "";
  if (n->name && *n->name)
    snprintf(nd->label, sizeof nd->label, "node '%s' (%s, opset %lld)", n->name, nd->op,
             (long long)c->opset);
  else
    snprintf(nd->label, sizeof nd->label, "node #%d (%s, opset %lld, output '%s')", index, nd->op,
             (long long)c->opset, out);
  if (!*nd->op) return hdto_nfail(c, nd, HDTO_ERROR_MODEL, "the node has no op_type");
  if (n->domain && *n->domain && strcmp(n->domain, "ai.onnx") != 0)
    return hdto_nfail(c, nd, HDTO_ERROR_UNSUPPORTED, "domain '%s' is not supported", n->domain);
  return HDTO_OK;
}

static hdto_status hdto_inputs(hdto_ctx *c, hdto_nd *nd) {
  const Onnx__NodeProto *n = nd->p;
  nd->nin = (int)n->n_input;
  while (nd->nin > 0 && !*n->input[nd->nin - 1]) nd->nin--; /* trailing skipped ones */
  nd->in = hdto_own(nd, calloc((size_t)(nd->nin ? nd->nin : 1), sizeof *nd->in));
  if (!nd->in) return hdto_nfail(c, nd, HDTO_ERROR_NOMEM, "out of memory");
  for (int i = 0; i < nd->nin; i++) {
    char fresh[64];
    int64_t zero = 0;
    if (!*n->input[i] && !c->absent &&
        hdtg_add_constant(c->g, hdto_fresh(c, fresh, sizeof fresh), HDTG_I64, 1, &zero, NULL, 0,
                          &c->absent))
      return hdto_nfail(c, nd, HDTO_ERROR_NOMEM, "%s", hdtg_last_error(c->g));
    nd->in[i] = *n->input[i] ? hdto_lookup(&c->tensors, n->input[i]) : c->absent;
    if (!nd->in[i])
      return hdto_nfail(c, nd, HDTO_ERROR_MODEL, "input '%s' names no tensor", n->input[i]);
  }
  return HDTO_OK;
}

static hdto_status hdto_convert(hdto_ctx *c, hdto_nd *nd, int index) {
  const Onnx__NodeProto *n = nd->p;
  hdto_status st = hdto_label(c, nd, index);
  if (st || (st = hdto_inputs(c, nd))) return st;
  size_t k = 0;
  while (k < HDTO_NSPECIAL && strcmp(hdto_special[k].op, nd->op) != 0) k++;
  hdtg_op op;
  if (k == HDTO_NSPECIAL && hdtg_op_from_name(nd->op, &op) != HDTG_OK)
    return hdto_nfail(c, nd, HDTO_ERROR_UNSUPPORTED, "operator %s is not supported", nd->op);
  if (!n->n_output || !*n->output[0])
    return hdto_nfail(c, nd, HDTO_ERROR_MODEL, "the node has no output");
  for (size_t i = 1; i < n->n_output && (k == HDTO_NSPECIAL || !hdto_special[k].outputs); i++)
    if (*n->output[i] && hdto_has(&c->used, n->output[i]))
      return hdto_nfail(c, nd, HDTO_ERROR_UNSUPPORTED, "output %zu ('%s') is used: only the "
                        "first output is supported", i, n->output[i]);
  for (size_t i = 0; c->opset < 11 && i < sizeof hdto_since / sizeof *hdto_since; i++)
    if (strcmp(hdto_since[i].op, nd->op) == 0 && c->opset < hdto_since[i].since)
      return hdto_nfail(c, nd, HDTO_ERROR_UNSUPPORTED, "operator %s is not in opset %lld (it "
                        "came in opset %d)", nd->op, (long long)c->opset, hdto_since[i].since);
  for (size_t i = 0; i < n->n_attribute && !st; i++) st = hdto_attr(c, nd, n->attribute[i]);
  if (st) return st;
  hdto_status (*legacy)(hdto_ctx *, hdto_nd *) = c->opset < 11 ? hdto_legacy(c, nd) : NULL;
  if (legacy) return legacy(c, nd);
  return k < HDTO_NSPECIAL ? hdto_special[k].fn(c, nd) : hdto_generic(c, nd);
}

hdto_status hdto_node(hdto_ctx *c, const Onnx__NodeProto *n, int index) {
  hdto_nd nd = {.p = n, .op = n->op_type ? n->op_type : ""};
  hdto_status st = hdto_convert(c, &nd, index);
  for (int i = 0; i < nd.nowned; i++) free(nd.owned[i]);
  return st;
}
