/* shape.c: shape and dtype inference, one function per family of ops
 * (named in the infer column of ops.def).
 *
 * Dimensions are symbolic: a dimension is a known size, a symbol ("batch")
 * that may have been given a value, or unknown (a size that depends on
 * data). Inference keeps symbols where ONNX semantics let it know them:
 * element-wise ops and matmuls carry them, broadcasting accepts a symbol
 * against 1 or against itself, a reshape's -1 becomes the one symbol left
 * over, and a convolution that keeps a size keeps its symbol. Where two
 * sizes that cannot be proven compatible meet (batch against 512, or
 * against seq), it is an error: a mistake found at build time rather than
 * a wrong kernel chosen later. Every error names the node and the shapes. */
#include "graph_impl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- dimensions ------------------------------------------------------------ */

int64_t gdim_value(const hdtg_graph *g, gdim d) { return d.sym >= 0 ? g->syms[d.sym].value : d.v; }

gdim gdim_known(int64_t v) { return (gdim){v, -1}; }

static const gdim gdim_unknown = {-1, -1};

static bool gdim_anon(const hdtg_graph *g, gdim d) { return d.sym < 0 && gdim_value(g, d) < 0; }

bool gdim_same(const hdtg_graph *g, gdim a, gdim b) {
  if (a.sym >= 0 && a.sym == b.sym) return true;
  int64_t va = gdim_value(g, a), vb = gdim_value(g, b);
  return va >= 0 && va == vb;
}

/* Two sizes that must be equal (matmul's K, concat's other dims): the
 * merged one, or false when they cannot be proven to agree. */
static bool gdim_merge(const hdtg_graph *g, gdim a, gdim b, gdim *out) {
  if (gdim_same(g, a, b)) *out = a.sym >= 0 ? a : b;
  else if (gdim_anon(g, a)) *out = b;
  else if (gdim_anon(g, b)) *out = a;
  else return false;
  return true;
}

/* Numpy broadcasting of one pair of dimensions. */
static bool gdim_broadcast(const hdtg_graph *g, gdim a, gdim b, gdim *out) {
  if (gdim_value(g, a) == 1) *out = b;
  else if (gdim_value(g, b) == 1) *out = a;
  else return gdim_merge(g, a, b, out);
  return true;
}

static void gdim_str(const hdtg_graph *g, gdim d, char *buf, size_t size) {
  int64_t v = gdim_value(g, d);
  if (d.sym >= 0 && v >= 0) snprintf(buf, size, "%s=%lld", g->syms[d.sym].name, (long long)v);
  else if (d.sym >= 0) snprintf(buf, size, "%s", g->syms[d.sym].name);
  else if (v >= 0) snprintf(buf, size, "%lld", (long long)v);
  else snprintf(buf, size, "?");
}

const char *gshape_str(const hdtg_graph *g, const hdtg_tensor *t, char *buf, size_t size) {
  size_t k = 0;
  buf[0] = 0;
  for (int i = -1; i <= t->rank && k + 1 < size; i++) {
    char d[96];
    if (i < 0) snprintf(d, sizeof d, "[");
    else if (i == t->rank) snprintf(d, sizeof d, "]");
    else {
      gdim_str(g, t->dims[i], d, sizeof d - 2);
      if (i + 1 < t->rank) strcat(d, ", ");
    }
    int w = snprintf(buf + k, size - k, "%s", d);
    k += w > 0 ? (size_t)w : 0;
  }
  return buf;
}

int64_t gtensor_elems(const hdtg_tensor *t) {
  int64_t n = 1;
  for (int i = 0; i < t->rank; i++) {
    int64_t v = gdim_value(t->g, t->dims[i]);
    if (v < 0) return -1;
    n *= v;
  }
  return n;
}

bool gtensor_known(const hdtg_tensor *t) { return gtensor_elems(t) >= 0; }

/* The product of dims [from, to): known, one symbol times 1, or unknown. */
static gdim gdim_prod(const hdtg_graph *g, const gdim *d, int from, int to) {
  int64_t p = 1;
  gdim sym = gdim_unknown;
  int nsym = 0;
  for (int i = from; i < to; i++) {
    int64_t v = gdim_value(g, d[i]);
    if (v >= 0) p *= v;
    else if (d[i].sym >= 0 && nsym++ == 0) sym = d[i];
    else return gdim_unknown;
  }
  if (nsym == 0) return gdim_known(p);
  return nsym == 1 && p == 1 ? sym : gdim_unknown;
}

/* ---- attributes ------------------------------------------------------------ */

const gattr *gnode_attr(const gnode *n, gattr_id id) {
  for (int i = 0; i < n->nattrs; i++)
    if (n->attrs[i].id == id) return &n->attrs[i];
  return NULL;
}

int64_t gattr_int(const gnode *n, gattr_id id, int64_t dflt) {
  const gattr *a = gnode_attr(n, id);
  return a ? a->i : dflt;
}

double gattr_float(const gnode *n, gattr_id id, double dflt) {
  const gattr *a = gnode_attr(n, id);
  return a ? a->f : dflt;
}

/* ---- helpers of the infer functions ------------------------------------------ */

/* A shape as text for a message: a struct returned by value, whose array
 * lives until the end of the full expression (C11 6.2.4p8), so several may
 * appear in one gnode_fail call. */
typedef struct gshape_text {
  char s[256];
} gshape_text;

static gshape_text gshape(const hdtg_graph *g, const hdtg_tensor *t) {
  gshape_text r;
  gshape_str(g, t, r.s, sizeof r.s);
  return r;
}
#define SHAPE(t) gshape(g, (t)).s

static void gout(gnode *n, hdtg_dtype dt, int rank) {
  n->out->dt = dt;
  n->out->rank = rank;
}

static void gout_like(gnode *n, const hdtg_tensor *t) {
  gout(n, t->dt, t->rank);
  memcpy(n->out->dims, t->dims, sizeof t->dims);
}

/* axis in [-rank, rank) (or [-rank, rank] with inclusive) → [0, rank). */
static hdtg_status gaxis(hdtg_graph *g, gnode *n, int64_t axis, int rank, bool inclusive,
                         int *out) {
  int hi = inclusive ? rank + 1 : rank;
  if (axis < -(int64_t)rank || axis >= hi)
    return gnode_fail(g, n, HDTG_ERROR_ATTRIBUTE, "axis %lld is out of range for rank %d",
                      (long long)axis, rank);
  *out = (int)(axis < 0 ? axis + rank : axis);
  return HDTG_OK;
}

static hdtg_status gsame_dtype(hdtg_graph *g, gnode *n, int i, int j) {
  if (n->in[i]->dt == n->in[j]->dt) return HDTG_OK;
  return gnode_fail(g, n, HDTG_ERROR_TYPE, "inputs %d and %d differ in dtype: %s and %s", i, j,
                    hdtg_dtype_name(n->in[i]->dt), hdtg_dtype_name(n->in[j]->dt));
}

static hdtg_status grank_at_least(hdtg_graph *g, gnode *n, int i, int rank) {
  if (n->in[i]->rank >= rank) return HDTG_OK;
  return gnode_fail(g, n, HDTG_ERROR_SHAPE, "input %d must have rank >= %d, it is %s", i, rank,
                    SHAPE(n->in[i]));
}

/* Axes from the attribute or a constant second input; *count -1: none given. */
static hdtg_status gaxes(hdtg_graph *g, gnode *n, int64_t *axes, int *count) {
  const gattr *a = gnode_attr(n, HDTG_A_AXES);
  *count = -1;
  if (a && n->nin > 1)
    return gnode_fail(g, n, HDTG_ERROR_ATTRIBUTE, "axes given both as attribute and input");
  if (a) {
    if (a->n > HDTG_MAX_RANK)
      return gnode_fail(g, n, HDTG_ERROR_ATTRIBUTE, "%d axes is too many", a->n);
    memcpy(axes, a->ints, sizeof *axes * (size_t)a->n);
    *count = a->n;
  } else if (n->nin > 1) {
    *count = gconst_ints(n->in[1], axes, HDTG_MAX_RANK);
    if (*count < 0)
      return gnode_fail(g, n, HDTG_ERROR_SHAPE, "axes (input 1) must be a constant int tensor");
  }
  return HDTG_OK;
}

/* Normalises axes against rank into a mask; repeated axes are errors. */
static hdtg_status gaxes_mask(hdtg_graph *g, gnode *n, const int64_t *axes, int count, int rank,
                              unsigned *mask) {
  *mask = 0;
  for (int i = 0; i < count; i++) {
    int ax = 0;
    hdtg_status st = gaxis(g, n, axes[i], rank, false, &ax);
    if (st) return st;
    if (*mask >> ax & 1)
      return gnode_fail(g, n, HDTG_ERROR_ATTRIBUTE, "axis %lld is repeated", (long long)axes[i]);
    *mask |= 1u << ax;
  }
  return HDTG_OK;
}

/* ---- shape values ------------------------------------------------------------ */

/* t's values as dimensions (a constant's, or propagated ones); -1: none. */
static int gshape_values(const hdtg_tensor *t, gdim *out) {
  int64_t v[HDTG_MAX_RANK];
  int n = gconst_ints(t, v, HDTG_MAX_RANK);
  if (t->dt != HDTG_I64 || t->rank > 1) return -1;
  for (int i = 0; i < n; i++) out[i] = gdim_known(v[i]);
  if (n >= 0 || t->kind == HDTG_KIND_CONSTANT) return n;
  memcpy(out, t->vals, sizeof t->vals);
  return t->nvals;
}

static void gprop_shape(const gnode *n, gdim *out, int *count);
static void gprop_slice(hdtg_graph *g, gnode *n);
static void gprop_arith(hdtg_graph *g, gnode *n);
static void gprop_fill(hdtg_graph *g, gnode *n);

/* Sets n->out's propagated values from its inputs', where the op allows. */
static void gprop_values(hdtg_graph *g, gnode *n) {
  hdtg_tensor *o = n->out;
  gdim in[HDTG_MAX_RANK];
  o->nvals = -1;
  if (o->dt != HDTG_I64 || o->rank > 1 ||
      (o->rank == 1 && gdim_value(g, o->dims[0]) > HDTG_MAX_RANK))
    return;
  switch (n->op) {
  case HDTG_OP_SHAPE: gprop_shape(n, o->vals, &o->nvals); return;
  case HDTG_OP_IDENTITY:
  case HDTG_OP_SQUEEZE:
  case HDTG_OP_UNSQUEEZE: o->nvals = gshape_values(n->in[0], o->vals); return;
  case HDTG_OP_GATHER: {
    int64_t idx[HDTG_MAX_RANK];
    int k = gconst_ints(n->in[1], idx, HDTG_MAX_RANK), len = gshape_values(n->in[0], in);
    for (int i = 0; i < k && len >= 0; i++)
      if (idx[i] < -len || idx[i] >= len) return;
    for (int i = 0; i < k && len >= 0; i++) o->vals[i] = in[idx[i] < 0 ? idx[i] + len : idx[i]];
    if (len >= 0 && k >= 0) o->nvals = k;
    return;
  }
  case HDTG_OP_SLICE: gprop_slice(g, n); return;
  case HDTG_OP_NEG:
  case HDTG_OP_ADD:
  case HDTG_OP_SUB:
  case HDTG_OP_MUL:
  case HDTG_OP_DIV:
  case HDTG_OP_MIN:
  case HDTG_OP_MAX: gprop_arith(g, n); return;
  case HDTG_OP_CAST:
  case HDTG_OP_DROPOUT: o->nvals = gshape_values(n->in[0], o->vals); return;
  case HDTG_OP_SIZE:
  case HDTG_OP_CONSTANT_OF_SHAPE: gprop_fill(g, n); return;
  case HDTG_OP_CONCAT: {
    int total = 0;
    for (int i = 0; i < n->nin; i++) {
      int k = gshape_values(n->in[i], in);
      if (k < 0 || total + k > HDTG_MAX_RANK) return;
      memcpy(o->vals + total, in, sizeof *in * (size_t)k);
      total += k;
    }
    o->nvals = total;
    return;
  }
  default: return;
  }
}

/* ---- the dispatcher ----------------------------------------------------------- */

hdtg_status gnode_infer(hdtg_graph *g, gnode *n) {
  const gop_row *r = &gop_table[n->op];
  if ((r->flags & GF_FLOAT) && !gdtype_is_float(n->in[0]->dt))
    return gnode_fail(g, n, HDTG_ERROR_TYPE, "input 0 must be floating point, it is %s",
                      hdtg_dtype_name(n->in[0]->dt));
  hdtg_status st = r->infer(g, n);
  if (!st) gprop_values(g, n);
  return st;
}

/* ---- element-wise ---------------------------------------------------------------- */

hdtg_status ginfer_unary(hdtg_graph *g, gnode *n) {
  (void)g;
  gout_like(n, n->in[0]);
  return HDTG_OK;
}

hdtg_status ginfer_cast(hdtg_graph *g, gnode *n) {
  const gattr *to = gnode_attr(n, HDTG_A_TO);
  if (!to || to->i < 0 || to->i >= HDTG_DTYPE_COUNT)
    return gnode_fail(g, n, HDTG_ERROR_ATTRIBUTE, "'to' must be given, an hdtg_dtype");
  gout_like(n, n->in[0]);
  n->out->dt = (hdtg_dtype)to->i;
  return HDTG_OK;
}

/* Broadcasts a and b into out's dims (rank: the larger one). */
static hdtg_status gbroadcast(hdtg_graph *g, gnode *n, const hdtg_tensor *a,
                              const hdtg_tensor *b) {
  int r = a->rank > b->rank ? a->rank : b->rank;
  for (int i = 0; i < r; i++) {
    int ia = i - (r - a->rank), ib = i - (r - b->rank);
    gdim da = ia >= 0 ? a->dims[ia] : gdim_known(1), db = ib >= 0 ? b->dims[ib] : gdim_known(1);
    if (!gdim_broadcast(g, da, db, &n->out->dims[i]))
      return gnode_fail(g, n, HDTG_ERROR_SHAPE, "cannot broadcast %s with %s", SHAPE(a),
                        SHAPE(b));
  }
  n->out->rank = r;
  return HDTG_OK;
}

hdtg_status ginfer_broadcast(hdtg_graph *g, gnode *n) {
  hdtg_status st = gsame_dtype(g, n, 0, 1);
  if (st) return st;
  n->out->dt = n->in[0]->dt;
  return gbroadcast(g, n, n->in[0], n->in[1]);
}

/* ---- linear algebra ---------------------------------------------------------------- */

hdtg_status ginfer_matmul(hdtg_graph *g, gnode *n) {
  const hdtg_tensor *a = n->in[0], *b = n->in[1];
  hdtg_status st = gsame_dtype(g, n, 0, 1);
  if (st) return st;
  if (a->rank < 1 || b->rank < 1)
    return gnode_fail(g, n, HDTG_ERROR_SHAPE, "inputs must not be scalars: %s x %s", SHAPE(a),
                      SHAPE(b));
  gdim ka = a->dims[a->rank - 1], kb = b->dims[b->rank > 1 ? b->rank - 2 : 0], k;
  if (!gdim_merge(g, ka, kb, &k))
    return gnode_fail(g, n, HDTG_ERROR_SHAPE, "inner dimensions differ: %s x %s", SHAPE(a),
                      SHAPE(b));
  /* Batch dimensions broadcast: a temporary tensor of each side's batch. */
  hdtg_tensor ba = {.g = g, .rank = a->rank > 2 ? a->rank - 2 : 0};
  hdtg_tensor bb = {.g = g, .rank = b->rank > 2 ? b->rank - 2 : 0};
  memcpy(ba.dims, a->dims, sizeof(gdim) * (size_t)ba.rank);
  memcpy(bb.dims, b->dims, sizeof(gdim) * (size_t)bb.rank);
  if (gbroadcast(g, n, &ba, &bb))
    return gnode_fail(g, n, HDTG_ERROR_SHAPE, "batch dimensions do not broadcast: %s x %s",
                      SHAPE(a), SHAPE(b));
  int r = n->out->rank;
  if (a->rank > 1) n->out->dims[r++] = a->dims[a->rank - 2];
  if (b->rank > 1) n->out->dims[r++] = b->dims[b->rank - 1];
  gout(n, a->dt, r);
  return HDTG_OK;
}

/* c broadcasts to [m, n] in one direction (Gemm's C, LayerNorm's scale). */
static bool gbroadcasts_to(const hdtg_graph *g, const hdtg_tensor *c, const gdim *to, int rank) {
  if (c->rank > rank) return false;
  for (int i = 0; i < c->rank; i++) {
    gdim d = c->dims[c->rank - 1 - i], t = to[rank - 1 - i], m;
    if (gdim_value(g, d) != 1 && !gdim_merge(g, d, t, &m)) return false;
  }
  return true;
}

hdtg_status ginfer_gemm(hdtg_graph *g, gnode *n) {
  const hdtg_tensor *a = n->in[0], *b = n->in[1];
  hdtg_status st = gsame_dtype(g, n, 0, 1);
  if (st) return st;
  if (a->rank != 2 || b->rank != 2)
    return gnode_fail(g, n, HDTG_ERROR_SHAPE, "A and B must be matrices: %s, %s", SHAPE(a),
                      SHAPE(b));
  int ta = gattr_int(n, HDTG_A_TRANS_A, 0) != 0, tb = gattr_int(n, HDTG_A_TRANS_B, 0) != 0;
  gdim k;
  if (!gdim_merge(g, a->dims[1 - ta], b->dims[tb], &k))
    return gnode_fail(g, n, HDTG_ERROR_SHAPE, "inner dimensions differ: %s%s x %s%s", SHAPE(a),
                      ta ? "^T" : "", SHAPE(b), tb ? "^T" : "");
  gout(n, a->dt, 2);
  n->out->dims[0] = a->dims[ta];
  n->out->dims[1] = b->dims[1 - tb];
  if (n->nin > 2 && !gbroadcasts_to(g, n->in[2], n->out->dims, 2))
    return gnode_fail(g, n, HDTG_ERROR_SHAPE, "C %s does not broadcast to %s", SHAPE(n->in[2]),
                      SHAPE(n->out));
  if (n->nin > 2) return gsame_dtype(g, n, 0, 2);
  return HDTG_OK;
}

/* ---- convolution and pooling ---------------------------------------------------------- */

/* The window of a convolution or pooling along one spatial axis. */
typedef struct gwindow {
  int64_t k, stride, pad_begin, pad_end, dilation;
  int ceil_mode;
  int auto_pad; /* 0 NOTSET, 1 VALID, 2 SAME_UPPER or SAME_LOWER */
} gwindow;

static gdim gwindow_out(const hdtg_graph *g, gdim in, const gwindow *w) {
  int64_t v = gdim_value(g, in), extent = w->dilation * (w->k - 1) + 1;
  if (w->auto_pad == 2) {
    if (w->stride == 1) return in; /* SAME keeps the size, and its symbol */
    return v < 0 ? gdim_unknown : gdim_known((v + w->stride - 1) / w->stride);
  }
  int64_t pads = w->auto_pad == 1 ? 0 : w->pad_begin + w->pad_end;
  if (w->stride == 1 && pads + 1 == extent) return in;
  if (v < 0) return gdim_unknown;
  int64_t span = v + pads - extent;
  if (span < 0) return gdim_unknown; /* gspatial reports it: the input is known */
  return gdim_known((w->ceil_mode ? (span + w->stride - 1) : span) / w->stride + 1);
}

/* Reads the window attributes for `spatial` axes into w. */
static hdtg_status gwindows(hdtg_graph *g, gnode *n, int spatial, const gdim *kernel,
                            gwindow *w) {
  const gattr *ks = gnode_attr(n, HDTG_A_KERNEL_SHAPE), *st = gnode_attr(n, HDTG_A_STRIDES);
  const gattr *pd = gnode_attr(n, HDTG_A_PADS), *dl = gnode_attr(n, HDTG_A_DILATIONS);
  const gattr *ap = gnode_attr(n, HDTG_A_AUTO_PAD);
  if (!kernel && !ks)
    return gnode_fail(g, n, HDTG_ERROR_ATTRIBUTE, "kernel_shape is required");
  if ((ks && ks->n != spatial) || (st && st->n != spatial) || (dl && dl->n != spatial) ||
      (pd && pd->n != 2 * spatial))
    return gnode_fail(g, n, HDTG_ERROR_ATTRIBUTE,
                      "kernel_shape, strides and dilations need %d values, pads %d", spatial,
                      2 * spatial);
  int mode = 0;
  if (ap && strcmp(ap->s, "VALID") == 0) mode = 1;
  else if (ap && (strcmp(ap->s, "SAME_UPPER") == 0 || strcmp(ap->s, "SAME_LOWER") == 0)) mode = 2;
  else if (ap && strcmp(ap->s, "NOTSET") != 0)
    return gnode_fail(g, n, HDTG_ERROR_ATTRIBUTE, "auto_pad '%s' is not NOTSET, VALID, "
                      "SAME_UPPER or SAME_LOWER", ap->s);
  for (int i = 0; i < spatial; i++) {
    w[i] = (gwindow){.k = ks ? ks->ints[i] : gdim_value(g, kernel[i]),
                     .stride = st ? st->ints[i] : 1,
                     .pad_begin = pd ? pd->ints[i] : 0,
                     .pad_end = pd ? pd->ints[spatial + i] : 0,
                     .dilation = dl ? dl->ints[i] : 1,
                     .ceil_mode = (int)gattr_int(n, HDTG_A_CEIL_MODE, 0),
                     .auto_pad = mode};
    if (w[i].k < 1 || w[i].stride < 1 || w[i].dilation < 1 || w[i].pad_begin < 0 ||
        w[i].pad_end < 0)
      return gnode_fail(g, n, HDTG_ERROR_ATTRIBUTE,
                        "axis %d: kernel %lld, stride %lld, dilation %lld must be >= 1 and pads "
                        ">= 0", i, (long long)w[i].k, (long long)w[i].stride,
                        (long long)w[i].dilation);
  }
  return HDTG_OK;
}

/* Output spatial dims of x through windows w into out->dims[2...]. */
static hdtg_status gspatial(hdtg_graph *g, gnode *n, const hdtg_tensor *x, const gwindow *w) {
  for (int i = 2; i < x->rank; i++) {
    gdim d = gwindow_out(g, x->dims[i], &w[i - 2]);
    if (d.sym < 0 && d.v < 0 && gdim_value(g, x->dims[i]) >= 0)
      return gnode_fail(g, n, HDTG_ERROR_SHAPE, "the window is larger than the input %s",
                        SHAPE(x));
    n->out->dims[i] = d;
  }
  return HDTG_OK;
}

hdtg_status ginfer_conv(hdtg_graph *g, gnode *n) {
  const hdtg_tensor *x = n->in[0], *w = n->in[1];
  hdtg_status st = gsame_dtype(g, n, 0, 1);
  if (st || (st = grank_at_least(g, n, 0, 3))) return st;
  if (w->rank != x->rank)
    return gnode_fail(g, n, HDTG_ERROR_SHAPE, "weights %s and input %s differ in rank", SHAPE(w),
                      SHAPE(x));
  int64_t group = gattr_int(n, HDTG_A_GROUP, 1), c = gdim_value(g, x->dims[1]);
  int64_t wc = gdim_value(g, w->dims[1]), m = gdim_value(g, w->dims[0]);
  if (group < 1 || (m >= 0 && m % group) || (c >= 0 && wc >= 0 && c != wc * group))
    return gnode_fail(g, n, HDTG_ERROR_SHAPE, "input %s, weights %s and group %lld do not fit",
                      SHAPE(x), SHAPE(w), (long long)group);
  gwindow win[HDTG_MAX_RANK];
  if ((st = gwindows(g, n, x->rank - 2, w->dims + 2, win))) return st;
  for (int i = 2; i < x->rank; i++)
    if (gdim_value(g, w->dims[i]) != win[i - 2].k)
      return gnode_fail(g, n, HDTG_ERROR_SHAPE, "kernel_shape disagrees with weights %s",
                        SHAPE(w));
  if (n->nin > 2) {
    gdim bm;
    if (n->in[2]->rank != 1 || !gdim_merge(g, n->in[2]->dims[0], w->dims[0], &bm))
      return gnode_fail(g, n, HDTG_ERROR_SHAPE, "bias %s must be [%s]", SHAPE(n->in[2]),
                        SHAPE(w));
  }
  gout(n, x->dt, x->rank);
  n->out->dims[0] = x->dims[0];
  n->out->dims[1] = w->dims[0];
  return gspatial(g, n, x, win);
}

hdtg_status ginfer_pool(hdtg_graph *g, gnode *n) {
  hdtg_status st = grank_at_least(g, n, 0, 3);
  gwindow win[HDTG_MAX_RANK];
  if (st || (st = gwindows(g, n, n->in[0]->rank - 2, NULL, win))) return st;
  gout_like(n, n->in[0]);
  return gspatial(g, n, n->in[0], win);
}

hdtg_status ginfer_global_pool(hdtg_graph *g, gnode *n) {
  hdtg_status st = grank_at_least(g, n, 0, 3);
  if (st) return st;
  gout_like(n, n->in[0]);
  for (int i = 2; i < n->out->rank; i++) n->out->dims[i] = gdim_known(1);
  return HDTG_OK;
}

/* ---- normalisation ------------------------------------------------------------------ */

hdtg_status ginfer_batchnorm(hdtg_graph *g, gnode *n) {
  hdtg_status st = grank_at_least(g, n, 0, 2);
  if (st) return st;
  const char *what[] = {"", "scale", "bias", "mean", "var"};
  for (int i = 1; i < 5; i++) {
    gdim c;
    if (n->in[i]->rank != 1 || !gdim_merge(g, n->in[i]->dims[0], n->in[0]->dims[1], &c))
      return gnode_fail(g, n, HDTG_ERROR_SHAPE, "%s %s must have the channels of %s", what[i],
                        SHAPE(n->in[i]), SHAPE(n->in[0]));
    if (!gdtype_is_float(n->in[i]->dt))
      return gnode_fail(g, n, HDTG_ERROR_TYPE, "%s must be floating point", what[i]);
  }
  gout_like(n, n->in[0]);
  return HDTG_OK;
}

hdtg_status ginfer_softmax(hdtg_graph *g, gnode *n) {
  int ax = 0;
  hdtg_status st = gaxis(g, n, gattr_int(n, HDTG_A_AXIS, -1), n->in[0]->rank, false, &ax);
  if (st) return st;
  gout_like(n, n->in[0]);
  return HDTG_OK;
}

hdtg_status ginfer_layernorm(hdtg_graph *g, gnode *n) {
  const hdtg_tensor *x = n->in[0];
  int ax = 0;
  hdtg_status st = gaxis(g, n, gattr_int(n, HDTG_A_AXIS, -1), x->rank, false, &ax);
  if (st) return st;
  for (int i = 1; i < n->nin; i++) {
    if ((st = gsame_dtype(g, n, 0, i))) return st;
    if (!gbroadcasts_to(g, n->in[i], x->dims + ax, x->rank - ax))
      return gnode_fail(g, n, HDTG_ERROR_SHAPE, "%s %s does not broadcast to the normalised "
                        "dimensions of %s (axis %d)", i == 1 ? "scale" : "bias",
                        SHAPE(n->in[i]), SHAPE(x), ax);
  }
  gout_like(n, x);
  return HDTG_OK;
}

hdtg_status ginfer_reduce(hdtg_graph *g, gnode *n) {
  const hdtg_tensor *x = n->in[0];
  int64_t axes[HDTG_MAX_RANK];
  int count;
  unsigned mask;
  hdtg_status st = gaxes(g, n, axes, &count);
  if (st || (st = gaxes_mask(g, n, axes, count, x->rank, &mask))) return st;
  if (count <= 0 && gattr_int(n, HDTG_A_NOOP_EMPTY_AXES, 0)) {
    gout_like(n, x);
    return HDTG_OK;
  }
  if (count <= 0) mask = (1u << x->rank) - 1;
  bool keep = gattr_int(n, HDTG_A_KEEPDIMS, 1) != 0;
  int r = 0;
  for (int i = 0; i < x->rank; i++)
    if (!(mask >> i & 1)) n->out->dims[r++] = x->dims[i];
    else if (keep) n->out->dims[r++] = gdim_known(1);
  gout(n, x->dt, r);
  return HDTG_OK;
}

/* ---- data movement and shape arithmetic ------------------------------------------- */

/* Symbols of the input's dimensions, to be matched against the output's. */
typedef struct gfactors {
  int64_t known; /* product of the known sizes */
  int syms[HDTG_MAX_RANK], nsyms;
  bool unknown; /* some size is neither known nor a symbol */
} gfactors;

static void gfactor_in(const hdtg_graph *g, gfactors *f, gdim d) {
  int64_t v = gdim_value(g, d);
  if (v >= 0) f->known *= v;
  else if (d.sym >= 0) f->syms[f->nsyms++] = d.sym;
  else f->unknown = true;
}

/* Takes the output dim d away from the input's factors; false when it
 * holds a symbol the input does not have. */
static bool gfactor_out(const hdtg_graph *g, gfactors *in, int64_t *known, gdim d) {
  int64_t v = gdim_value(g, d);
  if (v >= 0) {
    *known *= v;
    return true;
  }
  if (d.sym < 0) {
    in->unknown = true;
    return true;
  }
  for (int i = 0; i < in->nsyms; i++)
    if (in->syms[i] == d.sym) {
      in->syms[i] = in->syms[--in->nsyms];
      return true;
    }
  return false;
}

/* Reshape's -1: what is left of the input once the other output dims are
 * taken away, when that is a known size or exactly one symbol. */
static hdtg_status greshape_rest(hdtg_graph *g, gnode *n, gfactors *in, int64_t out_known,
                                 bool matched, int minus) {
  bool decidable = matched && !in->unknown;
  bool divides = out_known != 0 && in->known % out_known == 0;
  if (minus < 0) {
    if (decidable && in->nsyms == 0 && in->known != out_known)
      return gnode_fail(g, n, HDTG_ERROR_SHAPE, "cannot reshape %s into %lld elements",
                        SHAPE(n->in[0]), (long long)out_known);
    return HDTG_OK;
  }
  n->out->dims[minus] = gdim_unknown;
  if (decidable && in->nsyms == 0 && !divides)
    return gnode_fail(g, n, HDTG_ERROR_SHAPE, "cannot reshape %s: %lld elements do not divide "
                      "by %lld", SHAPE(n->in[0]), (long long)in->known, (long long)out_known);
  if (decidable && divides && in->nsyms == 0)
    n->out->dims[minus] = gdim_known(in->known / out_known);
  else if (decidable && divides && in->nsyms == 1 && in->known == out_known)
    n->out->dims[minus] = (gdim){-1, in->syms[0]};
  return HDTG_OK;
}

hdtg_status ginfer_reshape(hdtg_graph *g, gnode *n) {
  const hdtg_tensor *x = n->in[0], *s = n->in[1];
  int64_t len = s->rank == 1 ? gdim_value(g, s->dims[0]) : -1;
  gdim v[HDTG_MAX_RANK];
  if (s->dt != HDTG_I64 || len < 0 || len > HDTG_MAX_RANK)
    return gnode_fail(g, n, HDTG_ERROR_SHAPE, "the shape (input 1) must be a 1-D i64 tensor of "
                      "known length <= %d", HDTG_MAX_RANK);
  gout(n, x->dt, (int)len);
  if (gshape_values(s, v) != len) {
    for (int i = 0; i < len; i++) n->out->dims[i] = gdim_unknown; /* folded later, maybe */
    return HDTG_OK;
  }
  bool allowzero = gattr_int(n, HDTG_A_ALLOWZERO, 0) != 0, matched = true;
  gfactors in = {.known = 1};
  for (int i = 0; i < x->rank; i++) gfactor_in(g, &in, x->dims[i]);
  int minus = -1;
  int64_t out_known = 1;
  for (int i = 0; i < len; i++) {
    /* An entry is a literal (with 0 and -1 meaning what they mean), or a
     * size propagated from a Shape: a symbol, or unknown. */
    int64_t e = v[i].v;
    bool literal = v[i].sym < 0 && e != INT64_MIN;
    if (literal && (e < -1 || (e == -1 && minus >= 0) || (e == 0 && !allowzero && i >= x->rank)))
      return gnode_fail(g, n, HDTG_ERROR_SHAPE, "shape entry %d (%lld) is invalid", i,
                        (long long)e);
    if (literal && e == -1) {
      minus = i;
      continue;
    }
    if (!literal) n->out->dims[i] = v[i].sym >= 0 ? v[i] : gdim_unknown;
    else n->out->dims[i] = e == 0 && !allowzero ? x->dims[i] : gdim_known(e);
    matched &= gfactor_out(g, &in, &out_known, n->out->dims[i]);
  }
  return greshape_rest(g, n, &in, out_known, matched, minus);
}

hdtg_status ginfer_transpose(hdtg_graph *g, gnode *n) {
  const hdtg_tensor *x = n->in[0];
  const gattr *p = gnode_attr(n, HDTG_A_PERM);
  if (p && p->n != x->rank)
    return gnode_fail(g, n, HDTG_ERROR_ATTRIBUTE, "perm has %d entries for rank %d", p->n,
                      x->rank);
  unsigned seen = 0;
  for (int i = 0; i < x->rank; i++) {
    int64_t k = p ? p->ints[i] : x->rank - 1 - i;
    if (k < 0 || k >= x->rank || (seen >> k & 1))
      return gnode_fail(g, n, HDTG_ERROR_ATTRIBUTE, "perm is not a permutation of 0..%d",
                        x->rank - 1);
    seen |= 1u << k;
    n->out->dims[i] = x->dims[k];
  }
  gout(n, x->dt, x->rank);
  return HDTG_OK;
}

hdtg_status ginfer_concat(hdtg_graph *g, gnode *n) {
  const hdtg_tensor *x = n->in[0];
  int ax = 0;
  if (!gnode_attr(n, HDTG_A_AXIS))
    return gnode_fail(g, n, HDTG_ERROR_ATTRIBUTE, "axis is required");
  hdtg_status st = gaxis(g, n, gattr_int(n, HDTG_A_AXIS, 0), x->rank, false, &ax);
  if (st) return st;
  gout_like(n, x);
  int64_t sum = 0;
  for (int i = 0; i < n->nin; i++) {
    const hdtg_tensor *t = n->in[i];
    if ((st = gsame_dtype(g, n, 0, i))) return st;
    if (t->rank != x->rank)
      return gnode_fail(g, n, HDTG_ERROR_SHAPE, "inputs 0 %s and %d %s differ in rank", SHAPE(x),
                        i, SHAPE(t));
    for (int d = 0; d < x->rank; d++)
      if (d != ax && !gdim_merge(g, n->out->dims[d], t->dims[d], &n->out->dims[d]))
        return gnode_fail(g, n, HDTG_ERROR_SHAPE, "inputs 0 %s and %d %s differ off axis %d",
                          SHAPE(x), i, SHAPE(t), ax);
    int64_t v = gdim_value(g, t->dims[ax]);
    sum = sum < 0 || v < 0 ? -1 : sum + v;
  }
  n->out->dims[ax] = n->nin == 1 ? x->dims[ax] : gdim_known(sum);
  return HDTG_OK;
}

hdtg_status ginfer_flatten(hdtg_graph *g, gnode *n) {
  const hdtg_tensor *x = n->in[0];
  int ax = 0;
  hdtg_status st = gaxis(g, n, gattr_int(n, HDTG_A_AXIS, 1), x->rank, true, &ax);
  if (st) return st;
  gout(n, x->dt, 2);
  n->out->dims[0] = gdim_prod(g, x->dims, 0, ax);
  n->out->dims[1] = gdim_prod(g, x->dims, ax, x->rank);
  return HDTG_OK;
}

hdtg_status ginfer_squeeze(hdtg_graph *g, gnode *n) {
  const hdtg_tensor *x = n->in[0];
  int64_t axes[HDTG_MAX_RANK];
  int count;
  unsigned mask = 0;
  hdtg_status st = gaxes(g, n, axes, &count);
  if (st || (st = gaxes_mask(g, n, axes, count, x->rank, &mask))) return st;
  for (int i = 0; i < x->rank && count < 0; i++) {
    int64_t v = gdim_value(g, x->dims[i]);
    if (v < 0)
      return gnode_fail(g, n, HDTG_ERROR_SHAPE, "without axes, every size of %s must be known",
                        SHAPE(x));
    mask |= (unsigned)(v == 1) << i;
  }
  int r = 0;
  for (int i = 0; i < x->rank; i++) {
    if (!(mask >> i & 1)) n->out->dims[r++] = x->dims[i];
    else if (gdim_value(g, x->dims[i]) != 1)
      return gnode_fail(g, n, HDTG_ERROR_SHAPE, "dimension %d of %s is not 1", i, SHAPE(x));
  }
  gout(n, x->dt, r);
  return HDTG_OK;
}

hdtg_status ginfer_unsqueeze(hdtg_graph *g, gnode *n) {
  const hdtg_tensor *x = n->in[0];
  int64_t axes[HDTG_MAX_RANK];
  int count;
  unsigned mask;
  hdtg_status st = gaxes(g, n, axes, &count);
  if (st) return st;
  if (count < 1 || x->rank + count > HDTG_MAX_RANK)
    return gnode_fail(g, n, HDTG_ERROR_ATTRIBUTE, "needs between 1 and %d axes",
                      HDTG_MAX_RANK - x->rank);
  int r = x->rank + count, k = 0;
  if ((st = gaxes_mask(g, n, axes, count, r, &mask))) return st;
  for (int i = 0; i < r; i++) n->out->dims[i] = mask >> i & 1 ? gdim_known(1) : x->dims[k++];
  gout(n, x->dt, r);
  return HDTG_OK;
}

/* Shape's [start, end) after ONNX's clamping. */
static void gshape_range(const gnode *n, int rank, int *start, int *end) {
  int64_t s = gattr_int(n, HDTG_A_START, 0), e = gattr_int(n, HDTG_A_END, rank);
  s = s < 0 ? s + rank : s;
  e = e < 0 ? e + rank : e;
  *start = (int)(s < 0 ? 0 : s > rank ? rank : s);
  *end = (int)(e < 0 ? 0 : e > rank ? rank : e);
}

static void gprop_shape(const gnode *n, gdim *out, int *count) {
  int s, e;
  gshape_range(n, n->in[0]->rank, &s, &e);
  *count = e > s ? e - s : 0;
  for (int i = 0; i < *count; i++) {
    gdim d = n->in[0]->dims[s + i];
    /* Unknown becomes INT64_MIN: -1 in a shape value is Reshape's -1. */
    out[i] = d.sym < 0 && d.v < 0 ? gdim_known(INT64_MIN) : d;
  }
}

hdtg_status ginfer_shape(hdtg_graph *g, gnode *n) {
  (void)g;
  int s, e;
  gshape_range(n, n->in[0]->rank, &s, &e);
  gout(n, HDTG_I64, 1);
  n->out->dims[0] = gdim_known(e > s ? e - s : 0);
  return HDTG_OK;
}

hdtg_status ginfer_gather(hdtg_graph *g, gnode *n) {
  const hdtg_tensor *x = n->in[0], *idx = n->in[1];
  int ax = 0;
  hdtg_status st = grank_at_least(g, n, 0, 1);
  if (st || (st = gaxis(g, n, gattr_int(n, HDTG_A_AXIS, 0), x->rank, false, &ax))) return st;
  if (idx->dt != HDTG_I64 && idx->dt != HDTG_I32)
    return gnode_fail(g, n, HDTG_ERROR_TYPE, "indices must be i64 or i32, not %s",
                      hdtg_dtype_name(idx->dt));
  int r = x->rank - 1 + idx->rank, k = 0;
  if (r > HDTG_MAX_RANK)
    return gnode_fail(g, n, HDTG_ERROR_SHAPE, "the output's rank %d is over %d", r,
                      HDTG_MAX_RANK);
  for (int i = 0; i < ax; i++) n->out->dims[k++] = x->dims[i];
  for (int i = 0; i < idx->rank; i++) n->out->dims[k++] = idx->dims[i];
  for (int i = ax + 1; i < x->rank; i++) n->out->dims[k++] = x->dims[i];
  gout(n, x->dt, r);
  return HDTG_OK;
}

hdtg_status ginfer_constant(hdtg_graph *g, gnode *n) {
  if (n->nattrs != 1)
    return gnode_fail(g, n, HDTG_ERROR_ATTRIBUTE, "needs exactly one of value_int, value_ints, "
                      "value_float, value_floats");
  const gattr *a = &n->attrs[0];
  bool ints = a->id == HDTG_A_VALUE_INT || a->id == HDTG_A_VALUE_INTS;
  bool list = a->id == HDTG_A_VALUE_INTS || a->id == HDTG_A_VALUE_FLOATS;
  gout(n, ints ? HDTG_I64 : HDTG_F32, list);
  if (list) n->out->dims[0] = gdim_known(a->n);
  return HDTG_OK;
}

/* ---- the ops added for the ONNX importer -------------------------------------------- */

_Static_assert(HDTG_A_COUNT <= 64, "the attribute mask of ops.def is 64 bits");

/* Defined in fold.c: a slice of a dimension of size dim by ONNX's clamping;
 * its length, and its first index in *first. */
int64_t gslice_len(int64_t start, int64_t end, int64_t step, int64_t dim, int64_t *first);

/* Input i is absent: not given, or an empty tensor standing for a skipped one. */
static bool gabsent(const hdtg_graph *g, const gnode *n, int i) {
  return i >= n->nin || (n->in[i]->rank == 1 && gdim_value(g, n->in[i]->dims[0]) == 0);
}

static hdtg_status gint_input(hdtg_graph *g, gnode *n, int i, const char *what) {
  hdtg_dtype d = n->in[i]->dt;
  if ((d == HDTG_I64 || d == HDTG_I32) && n->in[i]->rank <= 1) return HDTG_OK;
  return gnode_fail(g, n, HDTG_ERROR_TYPE, "%s (input %d) must be a 1-D i64 or i32 tensor, it is "
                    "%s%s", what, i, hdtg_dtype_name(d), SHAPE(n->in[i]));
}

/* A constant int list input: its length; -1 when absent, -2 when not a constant. */
static int glist(const hdtg_graph *g, const gnode *n, int i, int64_t *v) {
  if (gabsent(g, n, i)) return -1;
  int k = gconst_ints(n->in[i], v, HDTG_MAX_RANK);
  return k < 0 ? -2 : k;
}

/* One of the allowed values of a string attribute, or an error naming them. */
static hdtg_status gstring_in(hdtg_graph *g, gnode *n, gattr_id id, const char *const *allowed) {
  const gattr *a = gnode_attr(n, id);
  if (!a) return HDTG_OK;
  for (int i = 0; allowed[i]; i++)
    if (strcmp(a->s, allowed[i]) == 0) return HDTG_OK;
  return gnode_fail(g, n, HDTG_ERROR_ATTRIBUTE, "%s '%s' is not supported", gattr_names[id], a->s);
}

/* d times k (known k >= 0): keeps d for 1, unknown when d is not known or it overflows. */
static gdim gdim_mul(const hdtg_graph *g, gdim d, int64_t k) {
  int64_t v = gdim_value(g, d);
  if (k == 1) return d;
  if (k == 0) return gdim_known(0);
  return v >= 0 && v <= INT64_MAX / k ? gdim_known(v * k) : gdim_unknown;
}

/* Broadcasts every input from `from` on into out's dims. */
static hdtg_status gbroadcast_all(hdtg_graph *g, gnode *n, int from) {
  hdtg_tensor acc = {.g = g, .rank = 0};
  for (int i = from; i < n->nin; i++) {
    hdtg_status st = gbroadcast(g, n, &acc, n->in[i]);
    if (st) return st;
    acc.rank = n->out->rank;
    memcpy(acc.dims, n->out->dims, sizeof acc.dims);
  }
  return HDTG_OK;
}

/* ---- element-wise ---- */

hdtg_status ginfer_pow(hdtg_graph *g, gnode *n) {
  n->out->dt = n->in[0]->dt;
  return gbroadcast(g, n, n->in[0], n->in[1]);
}

hdtg_status ginfer_variadic(hdtg_graph *g, gnode *n) {
  for (int i = 1; i < n->nin; i++) {
    hdtg_status st = gsame_dtype(g, n, 0, i);
    if (st) return st;
  }
  n->out->dt = n->in[0]->dt;
  return gbroadcast_all(g, n, 0);
}

hdtg_status ginfer_compare(hdtg_graph *g, gnode *n) {
  hdtg_status st = gsame_dtype(g, n, 0, 1);
  if (st || (st = gbroadcast_all(g, n, 0))) return st;
  n->out->dt = HDTG_BOOL;
  return HDTG_OK;
}

/* And, Or, Not: bool in, bool out. */
hdtg_status ginfer_logical(hdtg_graph *g, gnode *n) {
  for (int i = 0; i < n->nin; i++)
    if (n->in[i]->dt != HDTG_BOOL)
      return gnode_fail(g, n, HDTG_ERROR_TYPE, "input %d must be bool, it is %s", i,
                        hdtg_dtype_name(n->in[i]->dt));
  n->out->dt = HDTG_BOOL;
  return gbroadcast_all(g, n, 0);
}

/* IsNaN, IsInf: x's shape, bool. */
hdtg_status ginfer_isnan(hdtg_graph *g, gnode *n) {
  (void)g;
  gout_like(n, n->in[0]);
  n->out->dt = HDTG_BOOL;
  return HDTG_OK;
}

hdtg_status ginfer_where(hdtg_graph *g, gnode *n) {
  if (n->in[0]->dt != HDTG_BOOL)
    return gnode_fail(g, n, HDTG_ERROR_TYPE, "the condition must be bool, it is %s",
                      hdtg_dtype_name(n->in[0]->dt));
  hdtg_status st = gsame_dtype(g, n, 1, 2);
  if (st || (st = gbroadcast_all(g, n, 0))) return st;
  n->out->dt = n->in[1]->dt;
  return HDTG_OK;
}

hdtg_status ginfer_prelu(hdtg_graph *g, gnode *n) {
  hdtg_status st = gsame_dtype(g, n, 0, 1);
  if (st) return st;
  if (!gbroadcasts_to(g, n->in[1], n->in[0]->dims, n->in[0]->rank))
    return gnode_fail(g, n, HDTG_ERROR_SHAPE, "slope %s does not broadcast to %s",
                      SHAPE(n->in[1]), SHAPE(n->in[0]));
  gout_like(n, n->in[0]);
  return HDTG_OK;
}

hdtg_status ginfer_clip(hdtg_graph *g, gnode *n) {
  for (int i = 1; i < n->nin; i++) {
    if (gabsent(g, n, i)) continue;
    hdtg_status st = gsame_dtype(g, n, 0, i);
    if (st) return st;
    if (gtensor_elems(n->in[i]) != 1)
      return gnode_fail(g, n, HDTG_ERROR_SHAPE, "%s %s must be a scalar", i == 1 ? "min" : "max",
                        SHAPE(n->in[i]));
  }
  gout_like(n, n->in[0]);
  return HDTG_OK;
}

/* ---- convolution and normalisation ---- */

/* One spatial size of a transposed convolution. */
static gdim gdim_deconv(const hdtg_graph *g, gdim in, const gwindow *w, int64_t outpad) {
  int64_t v = gdim_value(g, in), extent = w->dilation * (w->k - 1) + 1;
  if (w->auto_pad == 2) return gdim_mul(g, in, w->stride);
  int64_t pads = w->auto_pad == 1 ? 0 : w->pad_begin + w->pad_end;
  if (w->stride == 1 && outpad == 0 && pads + 1 == extent) return in;
  if (v < 0 || v > INT32_MAX || w->stride > INT32_MAX || extent > INT32_MAX) return gdim_unknown;
  return gdim_known(w->stride * (v - 1) + outpad + extent - pads);
}

/* output_padding and output_shape: `spatial` values (output_shape may also
 * give all of N, C and the spatial sizes). */
static hdtg_status gdeconv_attrs(hdtg_graph *g, gnode *n, int spatial, const int64_t **outpad,
                                 const int64_t **outshape) {
  const gattr *op = gnode_attr(n, HDTG_A_OUTPUT_PADDING), *os = gnode_attr(n, HDTG_A_OUTPUT_SHAPE);
  *outpad = op ? op->ints : NULL;
  *outshape = os ? os->ints + (os->n == spatial + 2 ? 2 : 0) : NULL;
  if ((op && op->n != spatial) || (os && os->n != spatial && os->n != spatial + 2))
    return gnode_fail(g, n, HDTG_ERROR_ATTRIBUTE, "output_padding and output_shape need %d "
                      "values", spatial);
  return HDTG_OK;
}

hdtg_status ginfer_conv_transpose(hdtg_graph *g, gnode *n) {
  const hdtg_tensor *x = n->in[0], *w = n->in[1];
  hdtg_status st = gsame_dtype(g, n, 0, 1);
  if (st || (st = grank_at_least(g, n, 0, 3))) return st;
  int spatial = x->rank - 2;
  int64_t group = gattr_int(n, HDTG_A_GROUP, 1), c = gdim_value(g, x->dims[1]);
  int64_t wc = gdim_value(g, w->dims[0]);
  if (w->rank != x->rank || group < 1 || (c >= 0 && wc >= 0 && c != wc))
    return gnode_fail(g, n, HDTG_ERROR_SHAPE, "input %s, weights %s and group %lld do not fit",
                      SHAPE(x), SHAPE(w), (long long)group);
  gwindow win[HDTG_MAX_RANK];
  const int64_t *outpad, *outshape;
  if ((st = gwindows(g, n, spatial, w->dims + 2, win)) ||
      (st = gdeconv_attrs(g, n, spatial, &outpad, &outshape)))
    return st;
  gout(n, x->dt, x->rank);
  n->out->dims[0] = x->dims[0];
  n->out->dims[1] = gdim_mul(g, w->dims[1], group);
  for (int i = 0; i < spatial; i++) {
    if (gdim_value(g, w->dims[i + 2]) != win[i].k)
      return gnode_fail(g, n, HDTG_ERROR_SHAPE, "kernel_shape disagrees with weights %s", SHAPE(w));
    gdim d = outshape ? gdim_known(outshape[i]) : gdim_deconv(g, x->dims[i + 2], &win[i],
                                                               outpad ? outpad[i] : 0);
    if (gdim_value(g, d) == 0 || d.v < -1 || (outshape && outshape[i] < 1))
      return gnode_fail(g, n, HDTG_ERROR_SHAPE, "spatial axis %d of the output is empty", i);
    n->out->dims[i + 2] = d;
  }
  gdim bm;
  if (n->nin > 2 && (n->in[2]->rank != 1 || !gdim_merge(g, n->in[2]->dims[0], n->out->dims[1], &bm)))
    return gnode_fail(g, n, HDTG_ERROR_SHAPE, "bias %s must have the %s output channels",
                      SHAPE(n->in[2]), SHAPE(n->out));
  return HDTG_OK;
}

hdtg_status ginfer_instancenorm(hdtg_graph *g, gnode *n) {
  hdtg_status st = grank_at_least(g, n, 0, 3);
  for (int i = 1; i < 3 && !st; i++) {
    gdim c;
    if ((st = gsame_dtype(g, n, 0, i))) return st;
    if (n->in[i]->rank != 1 || !gdim_merge(g, n->in[i]->dims[0], n->in[0]->dims[1], &c))
      return gnode_fail(g, n, HDTG_ERROR_SHAPE, "%s %s must have the channels of %s",
                        i == 1 ? "scale" : "bias", SHAPE(n->in[i]), SHAPE(n->in[0]));
  }
  if (st) return st;
  gout_like(n, n->in[0]);
  return HDTG_OK;
}

hdtg_status ginfer_argreduce(hdtg_graph *g, gnode *n) {
  const hdtg_tensor *x = n->in[0];
  int ax = 0;
  hdtg_status st = grank_at_least(g, n, 0, 1);
  if (st || (st = gaxis(g, n, gattr_int(n, HDTG_A_AXIS, 0), x->rank, false, &ax))) return st;
  bool keep = gattr_int(n, HDTG_A_KEEPDIMS, 1) != 0;
  int r = 0;
  for (int i = 0; i < x->rank; i++)
    if (i != ax) n->out->dims[r++] = x->dims[i];
    else if (keep) n->out->dims[r++] = gdim_known(1);
  gout(n, HDTG_I64, r);
  return HDTG_OK;
}

/* ---- indexing and data movement ---- */

hdtg_status ginfer_gather_elements(hdtg_graph *g, gnode *n) {
  const hdtg_tensor *x = n->in[0], *idx = n->in[1];
  int ax = 0;
  hdtg_status st = grank_at_least(g, n, 0, 1);
  if (st || (st = gaxis(g, n, gattr_int(n, HDTG_A_AXIS, 0), x->rank, false, &ax))) return st;
  if (idx->dt != HDTG_I64 && idx->dt != HDTG_I32)
    return gnode_fail(g, n, HDTG_ERROR_TYPE, "indices must be i64 or i32, not %s",
                      hdtg_dtype_name(idx->dt));
  if (idx->rank != x->rank)
    return gnode_fail(g, n, HDTG_ERROR_SHAPE, "indices %s and data %s differ in rank", SHAPE(idx),
                      SHAPE(x));
  gout_like(n, idx);
  n->out->dt = x->dt;
  return HDTG_OK;
}

/* Slice's lists, checked: *count entries (-1 when some list is not a constant). */
typedef struct gslice_spec {
  int64_t starts[HDTG_MAX_RANK], ends[HDTG_MAX_RANK], axes[HDTG_MAX_RANK], steps[HDTG_MAX_RANK];
  int count;
} gslice_spec;

static hdtg_status gslice_read(hdtg_graph *g, gnode *n, int rank, gslice_spec *s) {
  const char *what[] = {"", "starts", "ends", "axes", "steps"};
  for (int i = 1; i < n->nin; i++) {
    hdtg_status st = gabsent(g, n, i) ? HDTG_OK : gint_input(g, n, i, what[i]);
    if (st) return st;
  }
  int ns = glist(g, n, 1, s->starts), ne = glist(g, n, 2, s->ends);
  int na = glist(g, n, 3, s->axes), nt = glist(g, n, 4, s->steps);
  s->count = -1;
  if (ns == -2 || ne == -2 || na == -2 || nt == -2) return HDTG_OK;
  ns = ns < 0 ? 0 : ns, ne = ne < 0 ? 0 : ne;
  if (ns != ne || (na >= 0 && na != ns) || (nt >= 0 && nt != ns))
    return gnode_fail(g, n, HDTG_ERROR_SHAPE, "starts, ends, axes and steps differ in length");
  for (int i = 0; i < ns; i++) {
    if (na < 0) s->axes[i] = i;
    if (nt < 0) s->steps[i] = 1;
    if (s->steps[i] == 0) return gnode_fail(g, n, HDTG_ERROR_SHAPE, "step %d is 0", i);
  }
  unsigned mask;
  s->count = ns;
  return gaxes_mask(g, n, s->axes, ns, rank, &mask);
}

hdtg_status ginfer_slice(hdtg_graph *g, gnode *n) {
  const hdtg_tensor *x = n->in[0];
  gslice_spec s;
  hdtg_status st = gslice_read(g, n, x->rank, &s);
  if (st) return st;
  gout_like(n, x);
  if (s.count < 0) {
    for (int i = 0; i < x->rank; i++) n->out->dims[i] = gdim_unknown;
    return HDTG_OK;
  }
  for (int i = 0; i < s.count; i++) {
    int ax = (int)(s.axes[i] < 0 ? s.axes[i] + x->rank : s.axes[i]);
    int64_t v = gdim_value(g, x->dims[ax]), first;
    /* A symbol sliced whole ([0, INT_MAX) by 1, as exporters write it) stays. */
    bool whole = s.starts[i] == 0 && s.steps[i] == 1 && s.ends[i] >= INT32_MAX;
    if (v >= 0) n->out->dims[ax] = gdim_known(gslice_len(s.starts[i], s.ends[i], s.steps[i], v, &first));
    else if (!whole) n->out->dims[ax] = gdim_unknown;
  }
  return HDTG_OK;
}

/* Shape(x)[a:b]: the values of a slice of a propagated shape. */
static void gprop_slice(hdtg_graph *g, gnode *n) {
  gdim in[HDTG_MAX_RANK];
  gslice_spec s;
  int len = gshape_values(n->in[0], in);
  if (len < 0 || gslice_read(g, n, 1, &s) || s.count != 1) return;
  int64_t first, k = gslice_len(s.starts[0], s.ends[0], s.steps[0], len, &first);
  for (int64_t i = 0; i < k; i++) n->out->vals[i] = in[first + i * s.steps[0]];
  n->out->nvals = (int)k;
}

/* One step of integer shape arithmetic on known values; false: not known
 * (a symbol, unknown, a division by zero, or INT64_MIN, the "unknown" mark). */
static bool gprop_op(hdtg_op op, gdim a, gdim b, gdim *out) {
  uint64_t x = (uint64_t)a.v, y = (uint64_t)b.v;
  int64_t r;
  if (a.sym >= 0 || b.sym >= 0 || a.v == INT64_MIN || b.v == INT64_MIN) return false;
  switch (op) {
  case HDTG_OP_NEG: r = (int64_t)(0 - x); break;
  case HDTG_OP_ADD: r = (int64_t)(x + y); break;
  case HDTG_OP_SUB: r = (int64_t)(x - y); break;
  case HDTG_OP_MUL: r = (int64_t)(x * y); break;
  case HDTG_OP_MIN: r = a.v < b.v ? a.v : b.v; break;
  case HDTG_OP_MAX: r = a.v > b.v ? a.v : b.v; break;
  default:
    if (b.v == 0 || b.v == -1) return false;
    r = a.v / b.v;
  }
  *out = gdim_known(r);
  return r != INT64_MIN;
}

/* Neg, Add, Sub, Mul, Div, Min, Max of known shape values (ONNX's data
 * propagation: Concat(Shape(x)[:1], -axes) stays a known shape). */
static void gprop_arith(hdtg_graph *g, gnode *n) {
  gdim a[HDTG_MAX_RANK], b[HDTG_MAX_RANK];
  int na = gshape_values(n->in[0], a), nb = n->nin > 1 ? gshape_values(n->in[1], b) : na;
  int k = na > nb ? na : nb;
  if (n->nin > 2 || na < 0 || nb < 0 || (na != nb && na != 1 && nb != 1) ||
      gtensor_elems(n->out) != k)
    return;
  for (int i = 0; i < k; i++)
    if (!gprop_op(n->op, a[na == 1 ? 0 : i], n->nin > 1 ? b[nb == 1 ? 0 : i] : a[i], &n->out->vals[i]))
      return;
  (void)g;
  n->out->nvals = k;
}

/* Size, ConstantOfShape: every value the same known one. */
static void gprop_fill(hdtg_graph *g, gnode *n) {
  int64_t k = gtensor_elems(n->out), v = gtensor_elems(n->in[0]);
  double f = gattr_float(n, HDTG_A_VALUE_FLOAT, 0);
  (void)g;
  if (n->op == HDTG_OP_CONSTANT_OF_SHAPE) {
    if (f != floor(f) || fabs(f) > 9007199254740992.0) return; /* exact in a double */
    v = (int64_t)f;
  } else if (v < 0) return;
  if (k < 0 || k > HDTG_MAX_RANK) return;
  for (int64_t i = 0; i < k; i++) n->out->vals[i] = gdim_known(v);
  n->out->nvals = (int)k;
}

hdtg_status ginfer_pad(hdtg_graph *g, gnode *n) {
  const hdtg_tensor *x = n->in[0];
  static const char *const modes[] = {"constant", "reflect", "edge", "wrap", NULL};
  int64_t pads[2 * HDTG_MAX_RANK], axes[HDTG_MAX_RANK];
  hdtg_status st = gstring_in(g, n, HDTG_A_MODE, modes);
  if (st || (st = gint_input(g, n, 1, "pads"))) return st;
  if (!gabsent(g, n, 2) && ((st = gsame_dtype(g, n, 0, 2)) || gtensor_elems(n->in[2]) != 1))
    return st ? st : gnode_fail(g, n, HDTG_ERROR_SHAPE, "constant_value must be a scalar");
  int na = glist(g, n, 3, axes), np = gconst_ints(n->in[1], pads, 2 * HDTG_MAX_RANK);
  unsigned mask = 0;
  if (na == -2 && (st = gnode_fail(g, n, HDTG_ERROR_SHAPE, "axes must be a constant"))) return st;
  for (int i = 0; na < 0 && i < x->rank; i++) axes[i] = i;
  na = na < 0 ? x->rank : na;
  if ((st = gaxes_mask(g, n, axes, na, x->rank, &mask))) return st;
  gout_like(n, x);
  if (np >= 0 && np != 2 * na)
    return gnode_fail(g, n, HDTG_ERROR_SHAPE, "pads has %d values for %d axes", np, na);
  for (int i = 0; i < na; i++) {
    int ax = (int)(axes[i] < 0 ? axes[i] + x->rank : axes[i]);
    int64_t v = gdim_value(g, x->dims[ax]);
    if (np < 0) n->out->dims[ax] = gdim_unknown;
    else if (pads[i] == 0 && pads[na + i] == 0) continue;
    else if (v < 0 || pads[i] < -INT32_MAX || pads[i] > INT32_MAX || pads[na + i] < -INT32_MAX ||
             pads[na + i] > INT32_MAX) n->out->dims[ax] = gdim_unknown;
    else if (v + pads[i] + pads[na + i] < 0)
      return gnode_fail(g, n, HDTG_ERROR_SHAPE, "pads make axis %d of %s negative", ax, SHAPE(x));
    else n->out->dims[ax] = gdim_known(v + pads[i] + pads[na + i]);
  }
  return HDTG_OK;
}

/* A shape input (1-D i64 of known length <= HDTG_MAX_RANK) into a temporary
 * tensor of that shape; its dims are unknown where its values are. */
static hdtg_status gshape_input(hdtg_graph *g, gnode *n, int i, hdtg_tensor *out) {
  const hdtg_tensor *s = n->in[i];
  int64_t len = s->rank == 1 ? gdim_value(g, s->dims[0]) : -1;
  if (s->dt != HDTG_I64 || len < 0 || len > HDTG_MAX_RANK)
    return gnode_fail(g, n, HDTG_ERROR_SHAPE, "the shape (input %d) must be a 1-D i64 tensor of "
                      "known length <= %d", i, HDTG_MAX_RANK);
  *out = (hdtg_tensor){.g = g, .rank = (int)len};
  gdim v[HDTG_MAX_RANK];
  bool known = gshape_values(s, v) == len;
  for (int k = 0; k < len; k++) {
    bool lit = known && v[k].sym < 0 && v[k].v != INT64_MIN;
    if (lit && v[k].v < 0)
      return gnode_fail(g, n, HDTG_ERROR_SHAPE, "shape entry %d (%lld) is negative", k,
                        (long long)v[k].v);
    out->dims[k] = !known || v[k].v == INT64_MIN ? gdim_unknown : v[k];
  }
  return HDTG_OK;
}

hdtg_status ginfer_expand(hdtg_graph *g, gnode *n) {
  hdtg_tensor s;
  hdtg_status st = gshape_input(g, n, 1, &s);
  if (st) return st;
  n->out->dt = n->in[0]->dt;
  return gbroadcast(g, n, n->in[0], &s);
}

hdtg_status ginfer_tile(hdtg_graph *g, gnode *n) {
  const hdtg_tensor *x = n->in[0];
  int64_t rep[HDTG_MAX_RANK];
  hdtg_status st = gint_input(g, n, 1, "repeats");
  if (st) return st;
  int k = glist(g, n, 1, rep);
  int64_t len = n->in[1]->rank == 1 ? gdim_value(g, n->in[1]->dims[0]) : -1;
  if ((len >= 0 && len != x->rank) || k == -1)
    return gnode_fail(g, n, HDTG_ERROR_SHAPE, "repeats %s must have one value per axis of %s",
                      SHAPE(n->in[1]), SHAPE(x));
  gout_like(n, x);
  for (int i = 0; i < x->rank; i++) {
    if (k >= 0 && rep[i] < 0)
      return gnode_fail(g, n, HDTG_ERROR_SHAPE, "repeat %d is negative", i);
    n->out->dims[i] = k < 0 ? gdim_unknown : gdim_mul(g, x->dims[i], rep[i]);
  }
  return HDTG_OK;
}

hdtg_status ginfer_size(hdtg_graph *g, gnode *n) {
  (void)g;
  gout(n, HDTG_I64, 0);
  return HDTG_OK;
}

hdtg_status ginfer_constant_of_shape(hdtg_graph *g, gnode *n) {
  hdtg_tensor s;
  int64_t dt = gattr_int(n, HDTG_A_DTYPE, HDTG_F32);
  if (dt < 0 || dt >= HDTG_DTYPE_COUNT)
    return gnode_fail(g, n, HDTG_ERROR_ATTRIBUTE, "dtype %lld is not an hdtg_dtype", (long long)dt);
  hdtg_status st = gshape_input(g, n, 0, &s);
  if (st) return st;
  gout_like(n, &s);
  n->out->dt = (hdtg_dtype)dt;
  return HDTG_OK;
}

/* Element 0 of a constant as a double; false when t is not a constant. */
static bool gconst_scalar(const hdtg_tensor *t, double *v) {
  return t->kind == HDTG_KIND_CONSTANT && gtensor_elems(t) == 1 &&
         gload_float(t->dt, t->data, 0, v);
}

hdtg_status ginfer_range(hdtg_graph *g, gnode *n) {
  const char *what[] = {"start", "limit", "delta"};
  for (int i = 0; i < 3; i++) {
    hdtg_status st = gsame_dtype(g, n, 0, i);
    if (st) return st;
    if (n->in[i]->rank != 0)
      return gnode_fail(g, n, HDTG_ERROR_SHAPE, "%s %s must be a scalar", what[i], SHAPE(n->in[i]));
  }
  if (n->in[0]->dt == HDTG_BOOL)
    return gnode_fail(g, n, HDTG_ERROR_TYPE, "bool is not a number");
  double s, l, d;
  gout(n, n->in[0]->dt, 1);
  n->out->dims[0] = gdim_unknown;
  if (!gconst_scalar(n->in[0], &s) || !gconst_scalar(n->in[1], &l) || !gconst_scalar(n->in[2], &d))
    return HDTG_OK;
  double len = ceil((l - s) / d);
  if (d == 0 || isnan(len) || len > (double)INT32_MAX)
    return gnode_fail(g, n, HDTG_ERROR_SHAPE, "range [%g, %g) by %g has no size or a huge one",
                      s, l, d);
  n->out->dims[0] = gdim_known(len > 0 ? (int64_t)len : 0);
  return HDTG_OK;
}

/* DepthToSpace and SpaceToDepth: [N, C, H, W] and the block size. */
static hdtg_status gblock(hdtg_graph *g, gnode *n, int64_t *b) {
  static const char *const modes[] = {"DCR", "CRD", NULL};
  hdtg_status st = gstring_in(g, n, HDTG_A_MODE, modes);
  if (st) return st;
  *b = gattr_int(n, HDTG_A_BLOCKSIZE, 0);
  if (*b < 1 || *b > INT32_MAX)
    return gnode_fail(g, n, HDTG_ERROR_ATTRIBUTE, "blocksize must be given, >= 1");
  if (n->in[0]->rank != 4)
    return gnode_fail(g, n, HDTG_ERROR_SHAPE, "the input %s must have rank 4", SHAPE(n->in[0]));
  gout_like(n, n->in[0]);
  return HDTG_OK;
}

/* d / k, or an error when a known d does not divide. */
static hdtg_status gdim_div(hdtg_graph *g, gnode *n, gdim d, int64_t k, gdim *out) {
  int64_t v = gdim_value(g, d);
  if (k == 1) *out = d;
  else if (v < 0) *out = gdim_unknown;
  else if (v % k)
    return gnode_fail(g, n, HDTG_ERROR_SHAPE, "%s: a size %lld does not divide by %lld",
                      SHAPE(n->in[0]), (long long)v, (long long)k);
  else *out = gdim_known(v / k);
  return HDTG_OK;
}

hdtg_status ginfer_depth_to_space(hdtg_graph *g, gnode *n) {
  int64_t b;
  hdtg_status st = gblock(g, n, &b);
  if (st || (st = gdim_div(g, n, n->in[0]->dims[1], b * b, &n->out->dims[1]))) return st;
  n->out->dims[2] = gdim_mul(g, n->in[0]->dims[2], b);
  n->out->dims[3] = gdim_mul(g, n->in[0]->dims[3], b);
  return HDTG_OK;
}

hdtg_status ginfer_space_to_depth(hdtg_graph *g, gnode *n) {
  int64_t b;
  hdtg_status st = gblock(g, n, &b);
  if (st || (st = gdim_div(g, n, n->in[0]->dims[2], b, &n->out->dims[2])) ||
      (st = gdim_div(g, n, n->in[0]->dims[3], b, &n->out->dims[3])))
    return st;
  n->out->dims[1] = gdim_mul(g, n->in[0]->dims[1], b * b);
  return HDTG_OK;
}

/* ---- Resize ---- */

static hdtg_status gresize_attrs(hdtg_graph *g, gnode *n) {
  static const char *const modes[] = {"nearest", "linear", "cubic", NULL};
  static const char *const coords[] = {"half_pixel", "half_pixel_symmetric", "pytorch_half_pixel",
                                       "align_corners", "asymmetric", "tf_crop_and_resize",
                                       "tf_half_pixel_for_nn", NULL};
  static const char *const nearest[] = {"round_prefer_floor", "round_prefer_ceil", "floor",
                                        "ceil", NULL};
  static const char *const keep[] = {"stretch", "not_larger", "not_smaller", NULL};
  hdtg_status st = gstring_in(g, n, HDTG_A_MODE, modes);
  if (!st) st = gstring_in(g, n, HDTG_A_COORD_MODE, coords);
  if (!st) st = gstring_in(g, n, HDTG_A_NEAREST_MODE, nearest);
  if (!st) st = gstring_in(g, n, HDTG_A_KEEP_ASPECT, keep);
  return st;
}

/* The axes Resize scales: its attribute, or all of them. */
static hdtg_status gresize_axes(hdtg_graph *g, gnode *n, int rank, int *axes, int *count) {
  const gattr *a = gnode_attr(n, HDTG_A_AXES);
  unsigned mask = 0;
  *count = a ? a->n : rank;
  if (a && a->n > rank)
    return gnode_fail(g, n, HDTG_ERROR_ATTRIBUTE, "%d axes for rank %d", a->n, rank);
  hdtg_status st = a ? gaxes_mask(g, n, a->ints, a->n, rank, &mask) : HDTG_OK;
  for (int i = 0; i < *count; i++)
    axes[i] = a ? (int)(a->ints[i] < 0 ? a->ints[i] + rank : a->ints[i]) : i;
  return st;
}

/* Sizes under keep_aspect_ratio_policy not_larger / not_smaller: one scale for every axis. */
static void gresize_keep(hdtg_graph *g, gnode *n, const int *axes, int count, const int64_t *sizes) {
  const gattr *k = gnode_attr(n, HDTG_A_KEEP_ASPECT);
  bool larger = strcmp(k->s, "not_smaller") == 0;
  double scale = larger ? 0 : INFINITY;
  for (int i = 0; i < count; i++) {
    double v = (double)gdim_value(g, n->in[0]->dims[axes[i]]), r = (double)sizes[i] / v;
    if (v <= 0) scale = NAN;
    else scale = larger ? fmax(scale, r) : fmin(scale, r);
  }
  for (int i = 0; i < count; i++) {
    double v = (double)gdim_value(g, n->in[0]->dims[axes[i]]) * scale;
    n->out->dims[axes[i]] = isnan(v) || v > INT32_MAX ? gdim_unknown : gdim_known((int64_t)round(v));
  }
}

static hdtg_status gresize_by_scales(hdtg_graph *g, gnode *n, const int *axes, int count) {
  const hdtg_tensor *s = n->in[2];
  if (s->dt != HDTG_F32 || s->rank != 1)
    return gnode_fail(g, n, HDTG_ERROR_TYPE, "scales must be a 1-D f32 tensor");
  int64_t k = gtensor_elems(s);
  if (s->kind != HDTG_KIND_CONSTANT || k < 0) {
    for (int i = 0; i < count; i++) n->out->dims[axes[i]] = gdim_unknown;
    return HDTG_OK;
  }
  if (k != count) return gnode_fail(g, n, HDTG_ERROR_SHAPE, "%lld scales for %d axes", (long long)k, count);
  for (int i = 0; i < count; i++) {
    double f = ((const float *)s->data)[i], v = (double)gdim_value(g, n->in[0]->dims[axes[i]]) * f;
    if (!(f > 0)) return gnode_fail(g, n, HDTG_ERROR_SHAPE, "scale %d (%g) must be > 0", i, f);
    if (f != 1) n->out->dims[axes[i]] = v < 0 || v > INT32_MAX ? gdim_unknown : gdim_known((int64_t)floor(v));
  }
  return HDTG_OK;
}

static hdtg_status gresize_by_sizes(hdtg_graph *g, gnode *n, const int *axes, int count) {
  int64_t sizes[HDTG_MAX_RANK];
  hdtg_status st = gint_input(g, n, 3, "sizes");
  if (st) return st;
  int k = glist(g, n, 3, sizes);
  if (k == -2) {
    for (int i = 0; i < count; i++) n->out->dims[axes[i]] = gdim_unknown;
    return HDTG_OK;
  }
  if (k != count) return gnode_fail(g, n, HDTG_ERROR_SHAPE, "%d sizes for %d axes", k, count);
  for (int i = 0; i < count; i++)
    if (sizes[i] < 0) return gnode_fail(g, n, HDTG_ERROR_SHAPE, "size %d is negative", i);
  const gattr *keep = gnode_attr(n, HDTG_A_KEEP_ASPECT);
  if (keep && strcmp(keep->s, "stretch") != 0) gresize_keep(g, n, axes, count, sizes);
  else
    for (int i = 0; i < count; i++) n->out->dims[axes[i]] = gdim_known(sizes[i]);
  return HDTG_OK;
}

hdtg_status ginfer_resize(hdtg_graph *g, gnode *n) {
  int axes[HDTG_MAX_RANK], count;
  hdtg_status st = gresize_attrs(g, n);
  if (st || (st = gresize_axes(g, n, n->in[0]->rank, axes, &count))) return st;
  bool scales = !gabsent(g, n, 2), sizes = !gabsent(g, n, 3);
  if (scales == sizes)
    return gnode_fail(g, n, HDTG_ERROR_ARITY, "exactly one of scales and sizes must be given");
  gout_like(n, n->in[0]);
  return scales ? gresize_by_scales(g, n, axes, count) : gresize_by_sizes(g, n, axes, count);
}
