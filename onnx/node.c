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
  for (size_t i = 0; i < n->n_attribute && !st; i++) st = hdto_attr(c, nd, n->attribute[i]);
  if (st) return st;
  return k < HDTO_NSPECIAL ? hdto_special[k].fn(c, nd) : hdto_generic(c, nd);
}

hdto_status hdto_node(hdto_ctx *c, const Onnx__NodeProto *n, int index) {
  hdto_nd nd = {.p = n, .op = n->op_type ? n->op_type : ""};
  hdto_status st = hdto_convert(c, &nd, index);
  for (int i = 0; i < nd.nowned; i++) free(nd.owned[i]);
  return st;
}
