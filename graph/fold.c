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

/* ---- the ops added for the ONNX importer ---------------------------------------- */

int64_t gslice_len(int64_t start, int64_t end, int64_t step, int64_t dim, int64_t *first) {
  /* ONNX's clamping: negative indices count from the end, then clamp to
   * [0, dim] going forwards and [-1, dim - 1] going backwards. */
  int64_t s = start < 0 ? (start < -dim ? -1 : start + dim) : start;
  int64_t e = end < 0 ? (end < -dim ? -1 : end + dim) : end;
  if (step > 0) {
    s = s < 0 ? 0 : s > dim ? dim : s;
    e = e < 0 ? 0 : e > dim ? dim : e;
    *first = s;
    return e > s ? (e - s - 1) / step + 1 : 0;
  }
  s = s > dim - 1 ? dim - 1 : s < 0 ? 0 : s;
  s = s > dim - 1 ? dim - 1 : s; /* -1 when dim is 0 */
  e = e < -1 ? -1 : e > dim - 1 ? dim - 1 : e;
  *first = s;
  return s > e ? (int64_t)((uint64_t)(s - e - 1) / ((uint64_t)0 - (uint64_t)step)) + 1 : 0;
}

static bool gis_half(hdtg_dtype dt) { return dt == HDTG_F16 || dt == HDTG_BF16; }

/* Min, Max, Sum, Mean: ints wrap, floats in double. */
int gfold_variadic(hdtg_graph *g, gnode *n, void *out) {
  (void)g;
  const hdtg_tensor *o = n->out;
  int64_t os[HDTG_MAX_RANK], ts[HDTG_MAX_RANK], total = gtensor_elems(o);
  bool fl = gdtype_is_float(o->dt);
  if (gis_half(o->dt)) return 0;
  gstrides(o, os);
  for (int64_t e = 0; e < total; e++) {
    double f = 0, x = 0;
    int64_t v = 0, y = 0;
    for (int i = 0; i < n->nin; i++) {
      const hdtg_tensor *t = n->in[i];
      gstrides(t, ts);
      int64_t k = gbroadcast_offset(o, os, t, ts, e);
      if (fl) gload_float(t->dt, t->data, k, &x);
      else gload_int(t->dt, t->data, k, &y);
      bool first = i == 0;
      switch (n->op) {
      case HDTG_OP_MIN: f = first || x < f ? x : f, v = first || y < v ? y : v; break;
      case HDTG_OP_MAX: f = first || x > f ? x : f, v = first || y > v ? y : v; break;
      default: f += x, v = (int64_t)((uint64_t)v + (uint64_t)y);
      }
    }
    if (n->op == HDTG_OP_MEAN) f /= n->nin;
    if (fl ? !gstore_float(o->dt, out, e, f) : !gstore_int(o->dt, out, e, v)) return 0;
  }
  return 1;
}

static bool gcompare(hdtg_op op, double a, double b) {
  switch (op) {
  case HDTG_OP_EQUAL: return a == b;
  case HDTG_OP_LESS: return a < b;
  case HDTG_OP_LESS_EQUAL: return a <= b;
  case HDTG_OP_GREATER: return a > b;
  case HDTG_OP_GREATER_EQUAL: return a >= b;
  case HDTG_OP_AND: return a != 0 && b != 0;
  default: return a != 0 || b != 0;
  }
}

static bool gcompare_int(hdtg_op op, int64_t a, int64_t b) {
  switch (op) {
  case HDTG_OP_EQUAL: return a == b;
  case HDTG_OP_LESS: return a < b;
  case HDTG_OP_LESS_EQUAL: return a <= b;
  case HDTG_OP_GREATER: return a > b;
  case HDTG_OP_GREATER_EQUAL: return a >= b;
  case HDTG_OP_AND: return a != 0 && b != 0;
  default: return a != 0 || b != 0;
  }
}

/* Comparisons, And, Or: bool outputs; ints compared as ints (exactly). */
int gfold_compare(hdtg_graph *g, gnode *n, void *out) {
  (void)g;
  const hdtg_tensor *a = n->in[0], *b = n->in[1], *o = n->out;
  int64_t as[HDTG_MAX_RANK], bs[HDTG_MAX_RANK], os[HDTG_MAX_RANK], total = gtensor_elems(o);
  if (gis_half(a->dt)) return 0;
  gstrides(a, as), gstrides(b, bs), gstrides(o, os);
  for (int64_t e = 0; e < total; e++) {
    int64_t ia = gbroadcast_offset(o, os, a, as, e), ib = gbroadcast_offset(o, os, b, bs, e);
    bool r;
    if (gdtype_is_float(a->dt)) {
      double x = 0, y = 0;
      gload_float(a->dt, a->data, ia, &x), gload_float(b->dt, b->data, ib, &y);
      r = gcompare(n->op, x, y);
    } else {
      int64_t x = 0, y = 0;
      gload_int(a->dt, a->data, ia, &x), gload_int(b->dt, b->data, ib, &y);
      r = gcompare_int(n->op, x, y);
    }
    ((uint8_t *)out)[e] = r;
  }
  return 1;
}

int gfold_not(hdtg_graph *g, gnode *n, void *out) {
  (void)g;
  int64_t total = gtensor_elems(n->out);
  for (int64_t e = 0; e < total; e++) ((uint8_t *)out)[e] = !((const uint8_t *)n->in[0]->data)[e];
  return 1;
}

int gfold_abs(hdtg_graph *g, gnode *n, void *out) {
  (void)g;
  const hdtg_tensor *x = n->in[0];
  int64_t total = gtensor_elems(x);
  if (gis_half(x->dt)) return 0;
  for (int64_t e = 0; e < total; e++) {
    double f = 0;
    int64_t v = 0;
    if (gdtype_is_float(x->dt)) gload_float(x->dt, x->data, e, &f), gstore_float(x->dt, out, e, fabs(f));
    else gload_int(x->dt, x->data, e, &v), gstore_int(x->dt, out, e, v < 0 ? (int64_t)(0 - (uint64_t)v) : v);
  }
  return 1;
}

/* Where, Expand: element bytes picked under broadcasting (every dtype). */
int gfold_where(hdtg_graph *g, gnode *n, void *out) {
  (void)g;
  const hdtg_tensor *o = n->out;
  int64_t os[HDTG_MAX_RANK], s[3][HDTG_MAX_RANK], total = gtensor_elems(o);
  size_t es = hdtg_dtype_size(o->dt);
  gstrides(o, os);
  for (int i = 0; i < 3; i++) gstrides(n->in[i], s[i]);
  for (int64_t e = 0; e < total; e++) {
    int64_t c = gbroadcast_offset(o, os, n->in[0], s[0], e);
    int k = ((const uint8_t *)n->in[0]->data)[c] ? 1 : 2;
    int64_t off = gbroadcast_offset(o, os, n->in[k], s[k], e);
    memcpy((char *)out + (size_t)e * es, (const char *)n->in[k]->data + (size_t)off * es, es);
  }
  return 1;
}

int gfold_expand(hdtg_graph *g, gnode *n, void *out) {
  (void)g;
  const hdtg_tensor *o = n->out, *x = n->in[0];
  int64_t os[HDTG_MAX_RANK], xs[HDTG_MAX_RANK], total = gtensor_elems(o);
  size_t es = hdtg_dtype_size(o->dt);
  gstrides(o, os), gstrides(x, xs);
  for (int64_t e = 0; e < total; e++) {
    int64_t off = gbroadcast_offset(o, os, x, xs, e);
    memcpy((char *)out + (size_t)e * es, (const char *)x->data + (size_t)off * es, es);
  }
  return 1;
}

int gfold_slice(hdtg_graph *g, gnode *n, void *out) {
  const hdtg_tensor *x = n->in[0], *o = n->out;
  int64_t first[HDTG_MAX_RANK] = {0}, step[HDTG_MAX_RANK], xs[HDTG_MAX_RANK], os[HDTG_MAX_RANK];
  int64_t st[HDTG_MAX_RANK], en[HDTG_MAX_RANK], ax[HDTG_MAX_RANK], sp[HDTG_MAX_RANK];
  int k = gconst_ints(n->in[1], st, HDTG_MAX_RANK);
  bool has_axes = n->nin > 3 && gtensor_elems(n->in[3]) > 0, has_steps = n->nin > 4 && gtensor_elems(n->in[4]) > 0;
  if (k < 0 || gconst_ints(n->in[2], en, HDTG_MAX_RANK) != k ||
      (has_axes && gconst_ints(n->in[3], ax, HDTG_MAX_RANK) != k) ||
      (has_steps && gconst_ints(n->in[4], sp, HDTG_MAX_RANK) != k))
    return 0;
  for (int i = 0; i < x->rank; i++) step[i] = 1;
  for (int i = 0; i < k; i++) {
    int a = (int)(has_axes ? (ax[i] < 0 ? ax[i] + x->rank : ax[i]) : i);
    step[a] = has_steps ? sp[i] : 1;
    gslice_len(st[i], en[i], step[a], gdim_value(g, x->dims[a]), &first[a]);
  }
  int64_t total = gtensor_elems(o);
  size_t es = hdtg_dtype_size(x->dt);
  gstrides(x, xs), gstrides(o, os);
  for (int64_t e = 0; e < total; e++) {
    int64_t src = 0;
    for (int i = 0; i < o->rank; i++) src += (first[i] + e / os[i] % gdim_value(g, o->dims[i]) * step[i]) * xs[i];
    memcpy((char *)out + (size_t)e * es, (const char *)x->data + (size_t)src * es, es);
  }
  return 1;
}

int gfold_size(hdtg_graph *g, gnode *n, void *out) {
  (void)g;
  *(int64_t *)out = gtensor_elems(n->in[0]);
  return 1;
}

int gfold_constant_of_shape(hdtg_graph *g, gnode *n, void *out) {
  (void)g;
  double v = gattr_float(n, HDTG_A_VALUE_FLOAT, 0);
  int64_t total = gtensor_elems(n->out);
  if (v == 0 && !signbit(v)) return 1; /* the pass hands over zeroed memory */
  if (gis_half(n->out->dt)) return 0;
  for (int64_t e = 0; e < total; e++)
    if (!gstore_float(n->out->dt, out, e, v)) return 0;
  return 1;
}

int gfold_range(hdtg_graph *g, gnode *n, void *out) {
  (void)g;
  hdtg_dtype dt = n->out->dt;
  int64_t total = gtensor_elems(n->out);
  if (gis_half(dt)) return 0;
  for (int64_t e = 0; e < total; e++) {
    double s = 0, d = 0;
    int64_t is = 0, id = 0;
    if (gdtype_is_float(dt)) {
      gload_float(dt, n->in[0]->data, 0, &s), gload_float(dt, n->in[2]->data, 0, &d);
      gstore_float(dt, out, e, s + (double)e * d);
    } else {
      gload_int(dt, n->in[0]->data, 0, &is), gload_int(dt, n->in[2]->data, 0, &id);
      gstore_int(dt, out, e, (int64_t)((uint64_t)is + (uint64_t)e * (uint64_t)id));
    }
  }
  return 1;
}
