/* select_ew.c: kernel selection's element-wise side (select.c opens the
 * subject): each element-wise node, and the chains fused into one kernel,
 * described as an rtc_ew expression over reads with composed strides, for
 * ewgen.c to write out; views (Reshape and friends); Concat's copies. */
#include "select_impl.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- element-wise chains ------------------------------------------------- */

/* The element-wise operation of a graph op, or -1 (X-macro: ops.def op,
 * rtc_ew_op for floats, for integers). */
#define SEL_EW_LIST(X)                                                                     \
  X(ADD, ADD, ADD)                                                                         \
  X(SUB, SUB, SUB)                                                                         \
  X(MUL, MUL, MUL)                                                                         \
  X(DIV, DIV, IDIV)                                                                        \
  X(RELU, RELU, RELU)                                                                      \
  X(SIGMOID, SIGMOID, SIGMOID)                                                             \
  X(TANH, TANH, TANH)                                                                      \
  X(EXP, EXP, EXP)                                                                         \
  X(SQRT, SQRT, SQRT)                                                                      \
  X(NEG, NEG, NEG)                                                                         \
  X(ERF, ERF, ERF)                                                                         \
  X(ABS, ABS, ABS)                                                                         \
  X(LOG, LOG, LOG)                                                                         \
  X(RECIPROCAL, RECIPROCAL, RECIPROCAL)                                                    \
  X(SOFTPLUS, SOFTPLUS, SOFTPLUS)                                                          \
  X(HARDSWISH, HARDSWISH, HARDSWISH)                                                       \
  X(PRELU, LEAKY, LEAKY)                                                                   \
  X(EQUAL, EQ, EQ)                                                                         \
  X(LESS, LT, LT)                                                                          \
  X(LESS_EQUAL, LE, LE)                                                                    \
  X(GREATER, GT, GT)                                                                       \
  X(GREATER_EQUAL, GE, GE)                                                                 \
  X(AND, AND, AND)                                                                         \
  X(OR, OR, OR)                                                                            \
  X(NOT, NOT, NOT)                                                                         \
  X(ISNAN, ISNAN, ISNAN)                                                                   \
  X(WHERE, WHERE, WHERE)

int sel_ew_op(const gnode *n) {
  bool fl = gdtype_is_float(n->out->dt);
  switch (n->op) {
#define SEL_X(OP, F, I)                                                                    \
  case HDTG_OP_##OP:                                                                       \
    return fl ? RTC_EW_##F : RTC_EW_##I;
    SEL_EW_LIST(SEL_X)
#undef SEL_X
  case HDTG_OP_GELU: {
    const gattr *a = gnode_attr(n, HDTG_A_APPROXIMATE);
    return a && strcmp(a->s, "tanh") == 0 ? RTC_EW_GELU_TANH : RTC_EW_GELU;
  }
  case HDTG_OP_CAST:
  case HDTG_OP_TRANSPOSE:
  case HDTG_OP_BATCHNORM:
  case HDTG_OP_GATHER:
  case HDTG_OP_GATHER_ELEMENTS:
  case HDTG_OP_SLICE:
  case HDTG_OP_EXPAND:
  case HDTG_OP_LEAKYRELU:
  case HDTG_OP_ELU:
  case HDTG_OP_SELU:
  case HDTG_OP_HARDSIGMOID:
  case HDTG_OP_ISINF:
  case HDTG_OP_CLIP:
  case HDTG_OP_MIN:
  case HDTG_OP_MAX:
  case HDTG_OP_SUM:
  case HDTG_OP_MEAN:
  case HDTG_OP_POW:
    return RTC_EW_COPY; /* handled by their own builders (sel_ew_special) */
  default:
    return -1;
  }
}


void sel_access_identity(sel_access a, int rank) {
  memset(a, 0, sizeof(sel_access));
  for (int d = 0; d < rank; d++)
    a[d][d] = 1;
}

/* The access to an input t of a broadcasting node whose output is read
 * through `out` (numpy rules: dimensions aligned right, size 1 broadcast). */
void sel_access_broadcast(const hdtg_tensor *t, int out_rank, const sel_access out,
                                 int iter_rank, sel_access res) {
  memset(res, 0, sizeof(sel_access));
  int lead = out_rank - t->rank;
  for (int k = 0; k < t->rank; k++)
    if (sel_dim(t, k) != 1)
      for (int d = 0; d < iter_rank; d++)
        res[k][d] = out[lead + k][d];
}

int sel_ptr_cmp(const void *a, const void *b) {
  const gnode *x = *(const gnode *const *)a, *y = *(const gnode *const *)b;
  return x < y ? -1 : x > y;
}

/* The anchor whose epilogue ends at root (by_anchor false), or the root of
 * anchor's epilogue (true); NULL if none. */
const gnode *sel_epi_pair(const rtc_plan *p, const gnode *n, bool by_anchor) {
  for (int i = 0; i < p->nepi; i++)
    if ((by_anchor ? p->epi_anchor : p->epi_root)[i] == n)
      return (by_anchor ? p->epi_root : p->epi_anchor)[i];
  return NULL;
}

/* Whether n's expression is inlined into its consumer's kernel. */
bool sel_is_fused(const rtc_plan *p, const gnode *n) {
  return p->nfused && bsearch(&n, p->fused, (size_t)p->nfused, sizeof *p->fused, sel_ptr_cmp);
}

int sel_ew_build(rtc_plan *p, rtc_ew *e, hdtg_graph *g, const gnode *n, const sel_access acc);

int sel_ew_operand(rtc_plan *p, rtc_ew *e, hdtg_graph *g, hdtg_tensor *t,
                          const sel_access acc);

/* What the anchor stores, in its epilogue: the value itself, or for a Gemm
 * alpha * value + beta * C (C broadcast to the output). */
static int sel_epi_value(rtc_plan *p, rtc_ew *e, hdtg_graph *g, hdtg_tensor *t,
                         const sel_access acc) {
  int v = rtc_ew_add(e, (rtc_ew_node){.op = RTC_EW_VALUE, .dt = t->dt});
  const gnode *gemm = p->epi_gemm;
  if (!gemm || v < 0)
    return v;
  double alpha = gattr_float(gemm, HDTG_A_ALPHA, 1.0), beta = gattr_float(gemm, HDTG_A_BETA, 1.0);
  if (alpha != 1.0) {
    int va = rtc_ew_add(e, (rtc_ew_node){.op = RTC_EW_CONST, .dt = t->dt, .value = alpha});
    v = va < 0 ? va : rtc_ew_add(e, (rtc_ew_node){.op = RTC_EW_MUL, .a = {va, v}, .dt = t->dt});
  }
  if (gemm->nin < 3 || beta == 0 || v < 0)
    return v;
  sel_access cacc;
  sel_access_broadcast(gemm->in[2], 2, acc, e->rank, cacc);
  int vc = sel_ew_operand(p, e, g, gemm->in[2], cacc);
  int vb = rtc_ew_add(e, (rtc_ew_node){.op = RTC_EW_CONST, .dt = t->dt, .value = beta});
  return vc < 0 || vb < 0 ? -1
                          : rtc_ew_add(e, (rtc_ew_node){.op = RTC_EW_FMA, .a = {vb, vc, v}, .dt = t->dt});
}

/* A read of tensor t through acc: the producer's expression inlined when it
 * was fused into this kernel, else a load with the composed strides. */
int sel_ew_operand(rtc_plan *p, rtc_ew *e, hdtg_graph *g, hdtg_tensor *t,
                          const sel_access acc) {
  if (t == p->epi_value)
    return sel_epi_value(p, e, g, t, acc);
  gnode *prod = t->kind == HDTG_KIND_INTERMEDIATE ? t->producer : NULL;
  if (prod && sel_is_fused(p, prod))
    return sel_ew_build(p, e, g, prod, acc);
  int64_t tdims[HDTG_MAX_RANK], ts[HDTG_MAX_RANK], stride[HDTG_MAX_RANK] = {0};
  int64_t s = 1;
  for (int k = t->rank - 1; k >= 0; k--) {
    tdims[k] = sel_dim(t, k);
    ts[k] = s;
    s *= tdims[k];
  }
  for (int d = 0; d < e->rank; d++)
    for (int k = 0; k < t->rank; k++)
      stride[d] += ts[k] * acc[k][d];
  return rtc_ew_read(e, t, 0, stride);
}

/* Batch normalisation in inference form is y = x * a + b per channel, with
 * a = scale / sqrt(var + eps) and b = bias - mean * a: its parameters are
 * constants (folded by the graph passes), so a and b are computed here. */
void sel_bn_scale_shift(const gnode *n, double *a, double *shift) {
  int64_t c = sel_dim(n->in[1], 0);
  const float *sc = n->in[1]->data, *bi = n->in[2]->data, *mu = n->in[3]->data,
              *var = n->in[4]->data;
  double eps = gattr_float(n, HDTG_A_EPSILON, 1e-5);
  for (int64_t i = 0; i < c; i++) {
    a[i] = (double)sc[i] / sqrt((double)var[i] + eps);
    shift[i] = (double)bi[i] - (double)mu[i] * a[i];
  }
}

static int sel_bn_constants(rtc_plan *p, const gnode *n, hdtg_tensor **a, hdtg_tensor **b) {
  int64_t c = sel_dim(n->in[1], 0);
  for (int i = 1; i < 5; i++)
    if (!n->in[i]->data || n->in[i]->dt != HDTG_F32)
      return sel_fail(p, n, "input %d must be a constant f32 tensor (inference only)", i);
  float *va = malloc(sizeof *va * (size_t)c), *vb = malloc(sizeof *vb * (size_t)c);
  double *da = malloc(sizeof *da * (size_t)c), *db = malloc(sizeof *db * (size_t)c);
  if (!va || !vb || !da || !db) {
    free(va), free(vb), free(da), free(db);
    return sel_fail(p, n, "out of memory");
  }
  sel_bn_scale_shift(n, da, db);
  for (int64_t i = 0; i < c; i++) {
    va[i] = (float)da[i];
    vb[i] = (float)db[i];
  }
  free(da);
  free(db);
  *a = sel_tensor(p, HDTG_F32, 1, &c, va);
  *b = sel_tensor(p, HDTG_F32, 1, &c, vb);
  free(va);
  free(vb);
  return *a && *b ? 0 : sel_fail(p, n, "out of memory");
}

/* The channel parameter of batch normalisation read at dimension 1. */
static void sel_access_channel(const sel_access out, int iter_rank, sel_access res) {
  memset(res, 0, sizeof(sel_access));
  for (int d = 0; d < iter_rank; d++)
    res[0][d] = out[1][d];
}

/* Gather: out[i.., j.., k..] = data[i.., indices[j..], k..] along axis a;
 * the indices (and what is fused into them) are an expression, the data a
 * read at a data-dependent position. */
static int sel_ew_gather(rtc_plan *p, rtc_ew *e, hdtg_graph *g, const gnode *n,
                         const sel_access acc) {
  hdtg_tensor *data = n->in[0], *idx = n->in[1];
  int64_t a = gattr_int(n, HDTG_A_AXIS, 0);
  if (a < 0)
    a += data->rank;
  int q = idx->rank;
  sel_access ia;
  memset(ia, 0, sizeof ia);
  for (int j = 0; j < q; j++)
    for (int d = 0; d < e->rank; d++)
      ia[j][d] = acc[a + j][d];
  int vi = sel_ew_operand(p, e, g, idx, ia);
  if (vi < 0)
    return vi;
  int64_t ds[HDTG_MAX_RANK], s = 1, stride[HDTG_MAX_RANK] = {0};
  for (int k = data->rank - 1; k >= 0; k--) {
    ds[k] = s;
    s *= sel_dim(data, k);
  }
  for (int k = 0; k < n->out->rank; k++) {
    int dk = k < a ? k : k >= a + q ? k - q + 1 : -1;
    for (int d = 0; dk >= 0 && d < e->rank; d++)
      stride[d] += ds[dk] * acc[k][d];
  }
  return rtc_ew_read_gather(e, data, stride, vi, ds[a], sel_dim(data, (int)a));
}

/* Input i of n read with numpy broadcasting through n's output access. */
static int sel_ew_input(rtc_plan *p, rtc_ew *e, hdtg_graph *g, const gnode *n, int i,
                        const sel_access acc) {
  sel_access in_acc;
  sel_access_broadcast(n->in[i], n->out->rank, acc, e->rank, in_acc);
  return sel_ew_operand(p, e, g, n->in[i], in_acc);
}

static int sel_ew_node(rtc_ew *e, rtc_ew_op op, hdtg_dtype dt, int a, int b, int c) {
  if (a < 0 || b < -1 || c < -1)
    return a < 0 ? a : b < -1 ? b : c;
  return rtc_ew_add(e, (rtc_ew_node){.op = op, .a = {a, b, c}, .dt = dt});
}

static int sel_ew_const(rtc_ew *e, hdtg_dtype dt, double v) {
  return rtc_ew_add(e, (rtc_ew_node){.op = RTC_EW_CONST, .dt = dt, .value = v});
}

/* Contiguous strides of t. */
static void sel_strides(const hdtg_tensor *t, int64_t *ds) {
  int64_t s = 1;
  for (int k = t->rank - 1; k >= 0; k--) {
    ds[k] = s;
    s *= sel_dim(t, k);
  }
}

/* Slice: data[start_k + step_k * i_k] per axis (ONNX's clamping). */
static int sel_ew_slice(rtc_plan *p, rtc_ew *e, const gnode *n, const sel_access acc) {
  hdtg_tensor *x = n->in[0];
  int64_t starts[HDTG_MAX_RANK], ends[HDTG_MAX_RANK], axes[HDTG_MAX_RANK], steps[HDTG_MAX_RANK];
  int ns = gconst_ints(n->in[1], starts, HDTG_MAX_RANK);
  int na = n->nin > 3 ? gconst_ints(n->in[3], axes, HDTG_MAX_RANK) : 0;
  int nst = n->nin > 4 ? gconst_ints(n->in[4], steps, HDTG_MAX_RANK) : 0;
  (void)ends;
  if (ns < 0 || na < 0 || nst < 0)
    return sel_fail(p, n, "starts, axes and steps must be constants"), -2;
  int64_t start[HDTG_MAX_RANK] = {0}, step[HDTG_MAX_RANK], ds[HDTG_MAX_RANK];
  for (int k = 0; k < x->rank; k++)
    step[k] = 1;
  for (int i = 0; i < ns; i++) {
    int64_t ax = na > 0 ? axes[i] : i, dim;
    if (ax < 0)
      ax += x->rank;
    if (ax < 0 || ax >= x->rank)
      return sel_fail(p, n, "axis %lld is out of range", (long long)ax), -2;
    dim = sel_dim(x, (int)ax);
    int64_t st = nst > 0 ? steps[i] : 1, v = starts[i];
    if (v < 0)
      v += dim;
    v = st > 0 ? (v < 0 ? 0 : v > dim ? dim : v) : (v < 0 ? 0 : v > dim - 1 ? dim - 1 : v);
    start[ax] = v;
    step[ax] = st;
  }
  sel_strides(x, ds);
  int64_t offset = 0, stride[HDTG_MAX_RANK] = {0};
  for (int k = 0; k < x->rank; k++) {
    offset += start[k] * ds[k];
    for (int d = 0; d < e->rank; d++)
      stride[d] += step[k] * ds[k] * acc[k][d];
  }
  return rtc_ew_read(e, x, offset, stride);
}

/* GatherElements: data at indices[i] along the axis, i elsewhere. */
static int sel_ew_gather_elements(rtc_plan *p, rtc_ew *e, hdtg_graph *g, const gnode *n,
                                  const sel_access acc) {
  hdtg_tensor *x = n->in[0];
  int64_t a = gattr_int(n, HDTG_A_AXIS, 0), ds[HDTG_MAX_RANK], stride[HDTG_MAX_RANK] = {0};
  if (a < 0)
    a += x->rank;
  int vi = sel_ew_input(p, e, g, n, 1, acc);
  if (vi < 0)
    return vi;
  sel_strides(x, ds);
  for (int k = 0; k < x->rank; k++)
    for (int d = 0; k != a && d < e->rank; d++)
      stride[d] += ds[k] * acc[k][d];
  return rtc_ew_read_gather(e, x, stride, vi, ds[a], sel_dim(x, (int)a));
}

/* Min, Max, Sum, Mean of any number of inputs, pairwise. */
static int sel_ew_variadic(rtc_plan *p, rtc_ew *e, hdtg_graph *g, const gnode *n,
                           const sel_access acc) {
  hdtg_dtype dt = n->out->dt;
  rtc_ew_op op = n->op == HDTG_OP_MIN ? RTC_EW_MIN : n->op == HDTG_OP_MAX ? RTC_EW_MAX : RTC_EW_ADD;
  int v = sel_ew_input(p, e, g, n, 0, acc);
  for (int i = 1; i < n->nin && v >= 0; i++)
    v = sel_ew_node(e, op, dt, v, sel_ew_input(p, e, g, n, i, acc), -1);
  if (n->op == HDTG_OP_MEAN && v >= 0)
    v = sel_ew_node(e, RTC_EW_DIV, dt, v, sel_ew_const(e, dt, n->nin), -1);
  return v;
}

static int sel_ew_clip(rtc_plan *p, rtc_ew *e, hdtg_graph *g, const gnode *n, const sel_access acc) {
  int v = sel_ew_input(p, e, g, n, 0, acc);
  for (int i = 1; i < n->nin && v >= 0; i++)
    if (gtensor_elems(n->in[i]) > 0) /* an absent bound is an empty tensor */
      v = sel_ew_node(e, i == 1 ? RTC_EW_MAX : RTC_EW_MIN, n->out->dt, v,
                      sel_ew_input(p, e, g, n, i, acc), -1);
  return v;
}

/* Pow: the exponent may be of another type than the base (the result's);
 * hdt's pow is for floats, so integers are raised in f32 and truncated. */
static int sel_ew_pow(rtc_plan *p, rtc_ew *e, hdtg_graph *g, const gnode *n, const sel_access acc) {
  hdtg_dtype dt = n->out->dt, ct = gdtype_is_float(dt) ? dt : HDTG_F32;
  int x = sel_ew_input(p, e, g, n, 0, acc), y = sel_ew_input(p, e, g, n, 1, acc);
  if (x >= 0 && n->in[0]->dt != ct)
    x = sel_ew_node(e, RTC_EW_CAST, ct, x, -1, -1);
  if (y >= 0 && n->in[1]->dt != ct)
    y = sel_ew_node(e, RTC_EW_CAST, ct, y, -1, -1);
  int v = sel_ew_node(e, RTC_EW_POW, ct, x, y, -1);
  return ct == dt ? v : sel_ew_node(e, RTC_EW_CAST, dt, v, -1, -1);
}

/* The operators made of a row of rtc.h and attribute constants, and the
 * reads with positions of their own; -3: not one of them. */
static int sel_ew_special(rtc_plan *p, rtc_ew *e, hdtg_graph *g, const gnode *n,
                          const sel_access acc) {
  hdtg_dtype dt = n->out->dt;
  switch (n->op) {
  case HDTG_OP_SLICE: return sel_ew_slice(p, e, n, acc);
  case HDTG_OP_GATHER_ELEMENTS: return sel_ew_gather_elements(p, e, g, n, acc);
  case HDTG_OP_EXPAND:
    return sel_ew_node(e, RTC_EW_COPY, dt, sel_ew_input(p, e, g, n, 0, acc), -1, -1);
  case HDTG_OP_MIN:
  case HDTG_OP_MAX:
  case HDTG_OP_SUM:
  case HDTG_OP_MEAN: return sel_ew_variadic(p, e, g, n, acc);
  case HDTG_OP_CLIP: return sel_ew_clip(p, e, g, n, acc);
  case HDTG_OP_POW: return sel_ew_pow(p, e, g, n, acc);
  case HDTG_OP_LEAKYRELU:
    return sel_ew_node(e, RTC_EW_LEAKY, dt, sel_ew_input(p, e, g, n, 0, acc),
                       sel_ew_const(e, dt, gattr_float(n, HDTG_A_ALPHA, 0.01)), -1);
  case HDTG_OP_ELU:
    return sel_ew_node(e, RTC_EW_ELU, dt, sel_ew_input(p, e, g, n, 0, acc),
                       sel_ew_const(e, dt, gattr_float(n, HDTG_A_ALPHA, 1.0)), -1);
  case HDTG_OP_SELU:
    return sel_ew_node(e, RTC_EW_SELU, dt, sel_ew_input(p, e, g, n, 0, acc),
                       sel_ew_const(e, dt, gattr_float(n, HDTG_A_ALPHA, 1.67326319217681884765625)),
                       sel_ew_const(e, dt, gattr_float(n, HDTG_A_GAMMA, 1.05070102214813232421875)));
  case HDTG_OP_HARDSIGMOID:
    return sel_ew_node(e, RTC_EW_HARDSIGMOID, dt, sel_ew_input(p, e, g, n, 0, acc),
                       sel_ew_const(e, dt, gattr_float(n, HDTG_A_ALPHA, 0.2)),
                       sel_ew_const(e, dt, gattr_float(n, HDTG_A_BETA, 0.5)));
  case HDTG_OP_ISINF: {
    bool neg = gattr_int(n, HDTG_A_DETECT_NEGATIVE, 1), pos = gattr_int(n, HDTG_A_DETECT_POSITIVE, 1);
    if (!neg && !pos)
      return sel_ew_const(e, dt, 0);
    rtc_ew_op op = neg && pos ? RTC_EW_ISINF : pos ? RTC_EW_ISPOSINF : RTC_EW_ISNEGINF;
    return sel_ew_node(e, op, dt, sel_ew_input(p, e, g, n, 0, acc), -1, -1);
  }
  default: return -3;
  }
}

/* Appends node n's expression, read through acc, to e; returns its value. */
int sel_ew_build(rtc_plan *p, rtc_ew *e, hdtg_graph *g, const gnode *n, const sel_access acc) {
  sel_access in_acc;
  int r = n->out->rank;
  if (n->op == HDTG_OP_TRANSPOSE) {
    const gattr *perm = gnode_attr(n, HDTG_A_PERM);
    memset(in_acc, 0, sizeof in_acc);
    for (int j = 0; j < r; j++) {
      int k = perm ? (int)perm->ints[j] : r - 1 - j;
      for (int d = 0; d < e->rank; d++)
        in_acc[k][d] = acc[j][d];
    }
    return sel_ew_operand(p, e, g, n->in[0], in_acc);
  }
  if (n->op == HDTG_OP_GATHER)
    return sel_ew_gather(p, e, g, n, acc);
  int special = sel_ew_special(p, e, g, n, acc);
  if (special != -3)
    return special;
  if (n->op == HDTG_OP_CAST) {
    sel_access_broadcast(n->in[0], r, acc, e->rank, in_acc);
    int v = sel_ew_operand(p, e, g, n->in[0], in_acc);
    return v < 0 ? v : rtc_ew_add(e, (rtc_ew_node){.op = RTC_EW_CAST, .a = {v}, .dt = n->out->dt});
  }
  if (n == p->epi_folded) /* folded into the convolution's weights */
    return sel_ew_operand(p, e, g, n->in[0], acc);
  if (n->op == HDTG_OP_BATCHNORM) {
    hdtg_tensor *ta = NULL, *tb = NULL;
    if (sel_bn_constants(p, n, &ta, &tb))
      return -2;
    sel_access_broadcast(n->in[0], r, acc, e->rank, in_acc);
    int x = sel_ew_operand(p, e, g, n->in[0], in_acc);
    sel_access ch;
    sel_access_channel(acc, e->rank, ch);
    int va = x < 0 ? x : sel_ew_operand(p, e, g, ta, ch);
    int vb = va < 0 ? va : sel_ew_operand(p, e, g, tb, ch);
    return vb < 0 ? vb
                  : rtc_ew_add(e, (rtc_ew_node){.op = RTC_EW_FMA, .a = {x, va, vb}, .dt = n->out->dt});
  }
  rtc_ew_node node = {.op = (rtc_ew_op)sel_ew_op(n), .dt = n->out->dt};
  for (int i = 0; i < n->nin && i < 3; i++) {
    sel_access_broadcast(n->in[i], r, acc, e->rank, in_acc);
    node.a[i] = sel_ew_operand(p, e, g, n->in[i], in_acc);
    if (node.a[i] < 0)
      return node.a[i];
  }
  return rtc_ew_add(e, node);
}

/* Writes e as generated kernel `k<index>_ew` and adds its instance. */
int sel_ew_finish(rtc_plan *p, const gnode *n, rtc_ew *e, const char *ops) {
  int64_t total = 1;
  for (int d = 0; d < e->rank; d++)
    total *= e->dims[d];
  if (total == 0)
    return 0; /* nothing to write: an empty tensor needs no kernel */
  rtc_kernel *k = sel_kernel(p, n, ops);
  if (!k)
    return sel_fail(p, n, "out of memory");
  snprintf(k->kernel, sizeof k->kernel, "%s_ew", k->symbol);
  char err[256];
  if (rtc_ew_emit(e, k->kernel, &p->source, err, sizeof err))
    return sel_fail(p, n, "%s", err);
  hdtg_tensor *args[64];
  if (e->nargs + 1 > 64)
    return sel_fail(p, n, "an element-wise kernel of %d inputs is too many", e->nargs);
  sel_copy_ptrs(args, e->args, e->nargs);
  args[e->nargs] = e->out;
  k->elementwise = e->nargs > 0 && gtensor_elems(e->args[0]) == gtensor_elems(e->out) &&
                   hdtg_dtype_size(e->args[0]->dt) == hdtg_dtype_size(e->out->dt) &&
                   rtc_ew_arg_flat(e, 0);
  return sel_set_args(p, k, args, e->nargs + 1);
}

/* The names of the nodes fused into n's kernel, producers first. */
void sel_ew_names(rtc_plan *p, gbuf *b, hdtg_graph *g, const gnode *n) {
  for (int i = 0; i < n->nin; i++) {
    gnode *prod = n->in[i]->kind == HDTG_KIND_INTERMEDIATE ? n->in[i]->producer : NULL;
    if (prod && sel_is_fused(p, prod))
      sel_ew_names(p, b, g, prod);
  }
  gbuf_printf(b, "%s%s%s", b->len ? "+" : "", hdtg_op_name(n->op),
             n == p->epi_folded ? "(folded)" : "");
}

int sel_ew_describe(rtc_plan *p, hdtg_graph *g, const gnode *n, rtc_ew *e, gbuf *names) {
  rtc_ew_init(e, n->out);
  sel_access acc;
  sel_access_identity(acc, n->out->rank);
  int v = sel_ew_build(p, e, g, n, acc);
  sel_ew_names(p, names, g, n);
  return v;
}

int sel_elementwise(rtc_plan *p, hdtg_graph *g, gnode *n) {
  rtc_ew e;
  gbuf names = {0};
  int v = sel_ew_describe(p, g, n, &e, &names);
  int rc = v == -2 ? -1
           : v < 0 || names.failed ? sel_fail(p, n, "out of memory")
                                : sel_ew_finish(p, n, &e, names.s);
  gbuf_free(&names);
  rtc_ew_free(&e);
  return rc;
}

/* ---- views ------------------------------------------------------------------ */

int sel_copy(rtc_plan *p, const gnode *n, hdtg_tensor *from, hdtg_tensor *to) {
  rtc_ew e;
  rtc_ew_init(&e, to);
  int64_t stride[HDTG_MAX_RANK], s = 1;
  for (int d = to->rank - 1; d >= 0; d--) {
    stride[d] = sel_dim(to, d) == 1 ? 0 : s;
    s *= sel_dim(to, d);
  }
  int v = rtc_ew_read(&e, from, 0, stride);
  v = v < 0 ? v : rtc_ew_add(&e, (rtc_ew_node){.op = RTC_EW_COPY, .a = {v}, .dt = to->dt});
  int rc = v < 0 ? sel_fail(p, n, "out of memory") : sel_ew_finish(p, n, &e, NULL);
  rtc_ew_free(&e);
  return rc;
}

/* The storage a tensor lives in, through views. */
static hdtg_tensor *sel_view_base(const rtc_plan *p, hdtg_tensor *t) {
  for (int i = p->nviews - 1; i >= 0; i--)
    if (p->views[i].t == t)
      return p->views[i].base;
  return t;
}

int sel_view(rtc_plan *p, hdtg_graph *g, gnode *n) {
  (void)g;
  if (n->op == HDTG_OP_DROPOUT && n->nin > 2 && gtensor_elems(n->in[2]) > 0) {
    int64_t training = 1;
    if (gconst_ints(n->in[2], &training, 1) != 1 || training)
      return sel_fail(p, n, "training mode (dropout that drops) is not supported: inference only");
  }
  hdtg_tensor *base = sel_view_base(p, n->in[0]);
  /* Outputs are the caller's buffers, and an input or a constant cannot
   * be the storage of an output: copy. */
  if (n->out->is_output)
    return sel_copy(p, n, n->in[0], n->out);
  if (!ggrow((void **)&p->views, &p->capviews, p->nviews + 1, sizeof *p->views))
    return sel_fail(p, n, "out of memory");
  p->views[p->nviews++] = (rtc_view){n->out, base};
  return 0;
}

/* Concat: one copy kernel per input, each writing its slice of the output. */
int sel_concat(rtc_plan *p, hdtg_graph *g, gnode *n) {
  (void)g;
  hdtg_tensor *y = n->out;
  int64_t axis = gattr_int(n, HDTG_A_AXIS, 0);
  if (axis < 0)
    axis += y->rank;
  int64_t ystride[HDTG_MAX_RANK], s = 1, at = 0;
  for (int d = y->rank - 1; d >= 0; d--) {
    ystride[d] = s;
    s *= sel_dim(y, d);
  }
  for (int i = 0; i < n->nin; i++) {
    hdtg_tensor *x = n->in[i];
    if (gtensor_elems(x) == 0)
      continue;
    rtc_ew e;
    rtc_ew_init(&e, y);
    e.rank = x->rank;
    for (int d = 0; d < x->rank; d++) {
      e.dims[d] = sel_dim(x, d);
      e.out_stride[d] = e.dims[d] == 1 ? 0 : ystride[d];
    }
    e.out_offset = at * ystride[axis];
    at += sel_dim(x, (int)axis);
    int v = rtc_ew_read_broadcast(&e, x);
    v = v < 0 ? v : rtc_ew_add(&e, (rtc_ew_node){.op = RTC_EW_COPY, .a = {v}, .dt = y->dt});
    int rc = v < 0 ? sel_fail(p, n, "out of memory") : sel_ew_finish(p, n, &e, NULL);
    rtc_ew_free(&e);
    if (rc)
      return rc;
  }
  return 0;
}

