/* fold.c: evaluation of nodes whose inputs are constants (the fold column
 * of ops.def), for the fold pass.
 *
 * This is not a CPU runtime: it computes what a graph needs to know before
 * kernels are chosen, i.e. shape arithmetic (Shape, Gather, Concat,
 * Unsqueeze, Reshape, Cast, Add/Sub/Mul/Div on int64 shape tensors) and
 * small computations on constants, and the pass bounds the size of what it
 * folds. Data movement is done on bytes, for every dtype; arithmetic runs
 * in int64 for integer dtypes (wrapping, as the hardware would) and in
 * double for f32 and f64. f16 and bf16 arithmetic is declined (the node
 * stays and a kernel computes it), as is anything whose result C leaves
 * undefined (a division by zero, a float out of an integer's range). */
#include "graph_impl.h"

#include <math.h>
#include <string.h>

/* ---- element access ------------------------------------------------------------ */

bool gload_int(hdtg_dtype dt, const void *p, int64_t i, int64_t *out) {
  switch (dt) {
  case HDTG_I64: *out = ((const int64_t *)p)[i]; return true;
  case HDTG_I32: *out = ((const int32_t *)p)[i]; return true;
  case HDTG_I8: *out = ((const int8_t *)p)[i]; return true;
  case HDTG_U8: *out = ((const uint8_t *)p)[i]; return true;
  case HDTG_BOOL: *out = ((const uint8_t *)p)[i] != 0; return true;
  default: return false;
  }
}

bool gload_float(hdtg_dtype dt, const void *p, int64_t i, double *out) {
  int64_t v = 0;
  switch (dt) {
  case HDTG_F32: *out = ((const float *)p)[i]; return true;
  case HDTG_F64: *out = ((const double *)p)[i]; return true;
  default:
    if (!gload_int(dt, p, i, &v)) return false;
    *out = (double)v;
    return true;
  }
}

static bool gstore_int(hdtg_dtype dt, void *p, int64_t i, int64_t v) {
  switch (dt) {
  case HDTG_I64: ((int64_t *)p)[i] = v; return true;
  case HDTG_I32: ((int32_t *)p)[i] = (int32_t)(uint32_t)(uint64_t)v; return true;
  case HDTG_I8: ((int8_t *)p)[i] = (int8_t)(uint8_t)(uint64_t)v; return true;
  case HDTG_U8: ((uint8_t *)p)[i] = (uint8_t)(uint64_t)v; return true;
  case HDTG_BOOL: ((uint8_t *)p)[i] = v != 0; return true;
  case HDTG_F32: ((float *)p)[i] = (float)v; return true;
  case HDTG_F64: ((double *)p)[i] = (double)v; return true;
  default: return false;
  }
}

static bool gstore_float(hdtg_dtype dt, void *p, int64_t i, double v) {
  switch (dt) {
  case HDTG_F32: ((float *)p)[i] = (float)v; return true;
  case HDTG_F64: ((double *)p)[i] = v; return true;
  case HDTG_BOOL: ((uint8_t *)p)[i] = v != 0; return true;
  default:
    /* C leaves a float out of the integer's range undefined: decline. */
    if (isnan(v) || v >= 9.2233720368547758e18 || v < -9.2233720368547758e18) return false;
    return gstore_int(dt, p, i, (int64_t)v);
  }
}

int gconst_ints(const hdtg_tensor *t, int64_t *vals, int max) {
  int64_t n = gtensor_elems(t);
  if (t->kind != HDTG_KIND_CONSTANT || t->rank > 1 || n < 0 || n > max ||
      gdtype_is_float(t->dt))
    return -1;
  for (int64_t i = 0; i < n; i++)
    if (!gload_int(t->dt, t->data, i, &vals[i])) return -1;
  return (int)n;
}

/* Row-major strides of t's (known) shape, in elements. */
static void gstrides(const hdtg_tensor *t, int64_t *s) {
  int64_t k = 1;
  for (int i = t->rank - 1; i >= 0; i--) {
    s[i] = k;
    k *= gdim_value(t->g, t->dims[i]);
  }
}

/* ---- the fold functions ------------------------------------------------------------ */

int gfold_none(hdtg_graph *g, gnode *n, void *out) {
  (void)g, (void)n, (void)out;
  return 0;
}

/* Identity, Reshape, Flatten, Squeeze, Unsqueeze: the same bytes. */
int gfold_copy(hdtg_graph *g, gnode *n, void *out) {
  (void)g;
  memcpy(out, n->in[0]->data, n->in[0]->bytes);
  return 1;
}

int gfold_constant(hdtg_graph *g, gnode *n, void *out) {
  (void)g;
  const gattr *a = &n->attrs[0];
  switch (a->id) {
  case HDTG_A_VALUE_INT: *(int64_t *)out = a->i; break;
  case HDTG_A_VALUE_FLOAT: *(float *)out = (float)a->f; break;
  case HDTG_A_VALUE_INTS: memcpy(out, a->ints, sizeof *a->ints * (size_t)a->n); break;
  default:
    for (int i = 0; i < a->n; i++) ((float *)out)[i] = (float)a->floats[i];
  }
  return 1;
}

int gfold_shape(hdtg_graph *g, gnode *n, void *out) {
  const hdtg_tensor *x = n->in[0];
  int64_t len = gdim_value(g, n->out->dims[0]);
  int64_t start = gattr_int(n, HDTG_A_START, 0);
  start = start < 0 ? start + x->rank : start;
  start = start < 0 ? 0 : start;
  for (int64_t i = 0; i < len; i++)
    ((int64_t *)out)[i] = gdim_value(g, x->dims[start + i]);
  return 1;
}

/* out[outer, indices..., inner] = x[outer, indices[...], inner]. */
int gfold_gather(hdtg_graph *g, gnode *n, void *out) {
  const hdtg_tensor *x = n->in[0], *idx = n->in[1];
  int ax = (int)gattr_int(n, HDTG_A_AXIS, 0);
  ax = ax < 0 ? ax + x->rank : ax;
  int64_t outer = 1, inner = 1, nidx = gtensor_elems(idx), axis_len = gdim_value(g, x->dims[ax]);
  for (int i = 0; i < ax; i++) outer *= gdim_value(g, x->dims[i]);
  for (int i = ax + 1; i < x->rank; i++) inner *= gdim_value(g, x->dims[i]);
  size_t es = hdtg_dtype_size(x->dt), row = (size_t)inner * es;
  for (int64_t j = 0; j < nidx; j++) {
    int64_t k = 0;
    gload_int(idx->dt, idx->data, j, &k);
    if (k < -axis_len || k >= axis_len) return 0; /* out of range: left to fail at run time */
  }
  char *o = out;
  for (int64_t a = 0; a < outer; a++)
    for (int64_t j = 0; j < nidx; j++) {
      int64_t k = 0;
      gload_int(idx->dt, idx->data, j, &k);
      k = k < 0 ? k + axis_len : k;
      memcpy(o, (const char *)x->data + ((size_t)(a * axis_len + k)) * row, row);
      o += row;
    }
  return 1;
}

int gfold_concat(hdtg_graph *g, gnode *n, void *out) {
  int ax = (int)gattr_int(n, HDTG_A_AXIS, 0), rank = n->out->rank;
  ax = ax < 0 ? ax + rank : ax;
  int64_t outer = 1;
  for (int i = 0; i < ax; i++) outer *= gdim_value(g, n->out->dims[i]);
  char *o = out;
  for (int64_t a = 0; a < outer; a++)
    for (int i = 0; i < n->nin; i++) {
      size_t chunk = n->in[i]->bytes / (size_t)(outer ? outer : 1);
      memcpy(o, (const char *)n->in[i]->data + (size_t)a * chunk, chunk);
      o += chunk;
    }
  return 1;
}

int gfold_transpose(hdtg_graph *g, gnode *n, void *out) {
  (void)g;
  const hdtg_tensor *x = n->in[0];
  const gattr *p = gnode_attr(n, HDTG_A_PERM);
  int64_t xs[HDTG_MAX_RANK], os[HDTG_MAX_RANK], total = gtensor_elems(x);
  gstrides(x, xs);
  gstrides(n->out, os);
  size_t es = hdtg_dtype_size(x->dt);
  for (int64_t e = 0; e < total; e++) {
    int64_t src = 0, rest = e;
    for (int i = 0; i < n->out->rank; i++) {
      int64_t k = p ? p->ints[i] : x->rank - 1 - i;
      src += rest / os[i] * xs[k];
      rest %= os[i];
    }
    memcpy((char *)out + (size_t)e * es, (const char *)x->data + (size_t)src * es, es);
  }
  return 1;
}

/* Offset in t of output element e under numpy broadcasting. */
static int64_t gbroadcast_offset(const hdtg_tensor *o, const int64_t *os, const hdtg_tensor *t,
                                 const int64_t *ts, int64_t e) {
  int64_t off = 0;
  for (int i = 0; i < o->rank; i++) {
    int64_t coord = e / os[i] % gdim_value(o->g, o->dims[i]);
    int k = i - (o->rank - t->rank);
    if (k >= 0 && gdim_value(t->g, t->dims[k]) != 1) off += coord * ts[k];
  }
  return off;
}

static bool gint_op(hdtg_op op, int64_t a, int64_t b, int64_t *r) {
  uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
  switch (op) {
  case HDTG_OP_ADD: *r = (int64_t)(ua + ub); return true;
  case HDTG_OP_SUB: *r = (int64_t)(ua - ub); return true;
  case HDTG_OP_MUL: *r = (int64_t)(ua * ub); return true;
  default:
    if (b == 0 || (a == INT64_MIN && b == -1)) return false;
    *r = a / b;
    return true;
  }
}

static double gfloat_op(hdtg_op op, double a, double b) {
  switch (op) {
  case HDTG_OP_ADD: return a + b;
  case HDTG_OP_SUB: return a - b;
  case HDTG_OP_MUL: return a * b;
  default: return a / b;
  }
}

int gfold_binary(hdtg_graph *g, gnode *n, void *out) {
  (void)g;
  const hdtg_tensor *a = n->in[0], *b = n->in[1], *o = n->out;
  int64_t as[HDTG_MAX_RANK], bs[HDTG_MAX_RANK], os[HDTG_MAX_RANK], total = gtensor_elems(o);
  bool fl = gdtype_is_float(o->dt);
  if (o->dt == HDTG_F16 || o->dt == HDTG_BF16) return 0;
  gstrides(a, as), gstrides(b, bs), gstrides(o, os);
  for (int64_t e = 0; e < total; e++) {
    int64_t ia = gbroadcast_offset(o, os, a, as, e), ib = gbroadcast_offset(o, os, b, bs, e);
    if (fl) {
      double x = 0, y = 0;
      gload_float(a->dt, a->data, ia, &x), gload_float(b->dt, b->data, ib, &y);
      gstore_float(o->dt, out, e, gfloat_op(n->op, x, y));
    } else {
      int64_t x = 0, y = 0, r = 0;
      gload_int(a->dt, a->data, ia, &x), gload_int(b->dt, b->data, ib, &y);
      if (!gint_op(n->op, x, y, &r)) return 0;
      gstore_int(o->dt, out, e, r);
    }
  }
  return 1;
}

int gfold_neg(hdtg_graph *g, gnode *n, void *out) {
  (void)g;
  const hdtg_tensor *x = n->in[0];
  int64_t total = gtensor_elems(x);
  if (x->dt == HDTG_F16 || x->dt == HDTG_BF16) return 0;
  for (int64_t e = 0; e < total; e++) {
    double f = 0;
    int64_t v = 0;
    if (gdtype_is_float(x->dt)) gload_float(x->dt, x->data, e, &f), gstore_float(x->dt, out, e, -f);
    else gload_int(x->dt, x->data, e, &v), gstore_int(x->dt, out, e, (int64_t)(0 - (uint64_t)v));
  }
  return 1;
}

int gfold_cast(hdtg_graph *g, gnode *n, void *out) {
  (void)g;
  const hdtg_tensor *x = n->in[0];
  hdtg_dtype to = n->out->dt;
  int64_t total = gtensor_elems(x);
  if (x->dt == HDTG_F16 || x->dt == HDTG_BF16 || to == HDTG_F16 || to == HDTG_BF16) return 0;
  for (int64_t e = 0; e < total; e++) {
    double f = 0;
    int64_t v = 0;
    if (gdtype_is_float(x->dt)) {
      gload_float(x->dt, x->data, e, &f);
      if (!gstore_float(to, out, e, gdtype_is_float(to) || to == HDTG_BOOL ? f : trunc(f)))
        return 0;
    } else {
      gload_int(x->dt, x->data, e, &v);
      gstore_int(to, out, e, v);
    }
  }
  return 1;
}
