/* select.c: kernel selection, a graph node to a kernel.
 *
 * Every node of an inferred, folded graph whose shapes are all known
 * becomes one of:
 *   - an instance of a stdlib operator template (matmul, conv2d, pooling,
 *     softmax, reductions, layer_norm) with the node's shapes and
 *     attributes as generic values, so the kernel is specialised to its
 *     shapes (docs/stdlib.md lists the templates and their generics);
 *   - an element-wise kernel the generator writes (ewgen.c): every
 *     element-wise and broadcast operator, casts, transposes, batch
 *     normalisation (its four parameters folded into a scale and a shift
 *     here, at compile time) and the pieces of a Concat. A chain of
 *     element-wise nodes whose intermediate results have one consumer and
 *     are not graph outputs becomes one kernel (Hidet's rule-based
 *     scheduling; the tensors in between never reach memory);
 *   - a view sharing its input's storage, with no kernel: Reshape, Flatten,
 *     Squeeze, Unsqueeze, Identity (a view that is a graph output is copied
 *     instead, since outputs live in the caller's buffers).
 * The table ops_kernels below says which, per op of graph/ops.def; an op
 * with no row is an error naming the node. */
#include "rtc.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int (*sel_fn)(rtc_plan *p, hdtg_graph *g, gnode *n);

/* ---- errors and bookkeeping -------------------------------------------- */

static int sel_fail(rtc_plan *p, const gnode *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int sel_fail(rtc_plan *p, const gnode *n, const char *fmt, ...) {
  va_list ap;
  int k = n ? snprintf(p->err, sizeof p->err, "node '%s' (%s): ", n->name, hdtg_op_name(n->op)) : 0;
  if (k < 0 || (size_t)k >= sizeof p->err)
    k = 0;
  va_start(ap, fmt);
  vsnprintf(p->err + k, sizeof p->err - (size_t)k, fmt, ap);
  va_end(ap);
  return -1;
}

static int64_t sel_dim(const hdtg_tensor *t, int d) {
  return gdim_value(t->g, t->dims[d]);
}

static int64_t sel_prod(const hdtg_tensor *t, int from, int to) {
  int64_t n = 1;
  for (int d = from; d < to; d++)
    n *= sel_dim(t, d);
  return n;
}

static char *sel_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *c = malloc(n);
  if (c)
    memcpy(c, s, n);
  return c;
}

/* A new kernel; the caller fills kernel, defines and args. */
static rtc_kernel *sel_kernel(rtc_plan *p, const gnode *n, const char *ops) {
  if (!ggrow((void **)&p->kernels, &p->capkernels, p->nkernels + 1, sizeof *p->kernels))
    return NULL;
  rtc_kernel *k = &p->kernels[p->nkernels];
  memset(k, 0, sizeof *k);
  snprintf(k->symbol, sizeof k->symbol, "k%d", p->nkernels);
  k->ops = sel_strdup(ops ? ops : n ? hdtg_op_name(n->op) : "Copy");
  if (!k->ops)
    return NULL;
  p->nkernels++;
  return k;
}

static int sel_add_define(rtc_plan *p, rtc_kernel *k, const char *name, long long v) {
  char buf[96];
  snprintf(buf, sizeof buf, "%s=%lld", name, v);
  char **d = realloc(k->defines, sizeof *d * (size_t)(k->ndefines + 1));
  if (!d || !(d[k->ndefines] = sel_strdup(buf)))
    return sel_fail(p, NULL, "out of memory");
  k->defines = d;
  k->ndefines++;
  return 0;
}

static int sel_add_define_text(rtc_plan *p, rtc_kernel *k, const char *name, const char *v) {
  char buf[96];
  snprintf(buf, sizeof buf, "%s=%s", name, v);
  char **d = realloc(k->defines, sizeof *d * (size_t)(k->ndefines + 1));
  if (!d || !(d[k->ndefines] = sel_strdup(buf)))
    return sel_fail(p, NULL, "out of memory");
  k->defines = d;
  k->ndefines++;
  return 0;
}

static int sel_set_args(rtc_plan *p, rtc_kernel *k, hdtg_tensor *const *args, int nargs) {
  k->args = malloc(sizeof *k->args * (size_t)nargs);
  if (!k->args)
    return sel_fail(p, NULL, "out of memory");
  memcpy(k->args, args, sizeof *args * (size_t)nargs);
  k->nargs = nargs;
  return 0;
}

/* `import "FILE";` once per stdlib file, at the top of the source. */
static void sel_import(rtc_plan *p, const char *file) {
  char line[96];
  snprintf(line, sizeof line, "import \"%s\";\n", file);
  if (!p->source.p || !strstr(p->source.p, line))
    rtc_printf(&p->source, "%s", line);
}

/* A tensor the compiler makes: an intermediate (data NULL) or a constant. */
static hdtg_tensor *sel_tensor(rtc_plan *p, hdtg_dtype dt, int rank, const int64_t *dims,
                               const void *data) {
  char name[32];
  snprintf(name, sizeof name, "rtc_%d", p->scratch->ntensors);
  hdtg_tensor *t = NULL;
  if (data) {
    size_t bytes = hdtg_dtype_size(dt);
    for (int d = 0; d < rank; d++)
      bytes *= (size_t)dims[d];
    if (hdtg_add_constant(p->scratch, name, dt, rank, dims, data, bytes, &t) != HDTG_OK)
      return NULL;
  } else {
    hdtg_dim dd[HDTG_MAX_RANK];
    for (int d = 0; d < rank; d++)
      dd[d] = HDTG_DIM(dims[d]);
    if (hdtg_add_input(p->scratch, name, dt, rank, dd, &t) != HDTG_OK)
      return NULL;
  }
  return t;
}

static int sel_require_f32(rtc_plan *p, const gnode *n) {
  /* A reduction's second input is its axes, not data. */
  int data = n->op == HDTG_OP_REDUCESUM || n->op == HDTG_OP_REDUCEMEAN || n->op == HDTG_OP_REDUCEMAX ||
                     n->op == HDTG_OP_REDUCEMIN || n->op == HDTG_OP_REDUCEPROD
                 ? 1
                 : n->nin;
  for (int i = 0; i < data; i++)
    if (n->in[i]->dt != HDTG_F32)
      return sel_fail(p, n, "input %d is %s; this operator's kernels take f32", i,
                      hdtg_dtype_name(n->in[i]->dt));
  return 0;
}

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

static int sel_ew_op(const gnode *n) {
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

/* acc[k][d]: dimension k of a tensor read at iteration index i is
 * sum_d acc[k][d] * i_d. */
typedef int64_t sel_access[HDTG_MAX_RANK][HDTG_MAX_RANK];

static void sel_access_identity(sel_access a, int rank) {
  memset(a, 0, sizeof(sel_access));
  for (int d = 0; d < rank; d++)
    a[d][d] = 1;
}

/* The access to an input t of a broadcasting node whose output is read
 * through `out` (numpy rules: dimensions aligned right, size 1 broadcast). */
static void sel_access_broadcast(const hdtg_tensor *t, int out_rank, const sel_access out,
                                 int iter_rank, sel_access res) {
  memset(res, 0, sizeof(sel_access));
  int lead = out_rank - t->rank;
  for (int k = 0; k < t->rank; k++)
    if (sel_dim(t, k) != 1)
      for (int d = 0; d < iter_rank; d++)
        res[k][d] = out[lead + k][d];
}

static int sel_ptr_cmp(const void *a, const void *b) {
  const gnode *x = *(const gnode *const *)a, *y = *(const gnode *const *)b;
  return x < y ? -1 : x > y;
}

/* The anchor whose epilogue ends at root (by_anchor false), or the root of
 * anchor's epilogue (true); NULL if none. */
static const gnode *sel_epi_pair(const rtc_plan *p, const gnode *n, bool by_anchor) {
  for (int i = 0; i < p->nepi; i++)
    if ((by_anchor ? p->epi_anchor : p->epi_root)[i] == n)
      return (by_anchor ? p->epi_root : p->epi_anchor)[i];
  return NULL;
}

/* Whether n's expression is inlined into its consumer's kernel. */
static bool sel_is_fused(const rtc_plan *p, const gnode *n) {
  return p->nfused && bsearch(&n, p->fused, (size_t)p->nfused, sizeof *p->fused, sel_ptr_cmp);
}

static int sel_ew_build(rtc_plan *p, rtc_ew *e, hdtg_graph *g, const gnode *n, const sel_access acc);

static int sel_ew_operand(rtc_plan *p, rtc_ew *e, hdtg_graph *g, hdtg_tensor *t,
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
static int sel_ew_operand(rtc_plan *p, rtc_ew *e, hdtg_graph *g, hdtg_tensor *t,
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
static int sel_bn_constants(rtc_plan *p, const gnode *n, hdtg_tensor **a, hdtg_tensor **b) {
  int64_t c = sel_dim(n->in[1], 0);
  for (int i = 1; i < 5; i++)
    if (!n->in[i]->data || n->in[i]->dt != HDTG_F32)
      return sel_fail(p, n, "input %d must be a constant f32 tensor (inference only)", i);
  const float *sc = n->in[1]->data, *bi = n->in[2]->data, *mu = n->in[3]->data,
              *var = n->in[4]->data;
  double eps = gattr_float(n, HDTG_A_EPSILON, 1e-5);
  float *va = malloc(sizeof *va * (size_t)c), *vb = malloc(sizeof *vb * (size_t)c);
  if (!va || !vb) {
    free(va);
    free(vb);
    return sel_fail(p, n, "out of memory");
  }
  for (int64_t i = 0; i < c; i++) {
    double s = (double)sc[i] / sqrt((double)var[i] + eps);
    va[i] = (float)s;
    vb[i] = (float)((double)bi[i] - (double)mu[i] * s);
  }
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
static int sel_ew_build(rtc_plan *p, rtc_ew *e, hdtg_graph *g, const gnode *n, const sel_access acc) {
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
static int sel_ew_finish(rtc_plan *p, const gnode *n, rtc_ew *e, const char *ops) {
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
  memcpy(args, e->args, sizeof *args * (size_t)e->nargs);
  args[e->nargs] = e->out;
  k->elementwise = e->nargs > 0 && gtensor_elems(e->args[0]) == gtensor_elems(e->out) &&
                   hdtg_dtype_size(e->args[0]->dt) == hdtg_dtype_size(e->out->dt) &&
                   rtc_ew_arg_flat(e, 0);
  return sel_set_args(p, k, args, e->nargs + 1);
}

/* The names of the nodes fused into n's kernel, producers first. */
static void sel_ew_names(rtc_plan *p, rtc_buf *b, hdtg_graph *g, const gnode *n) {
  for (int i = 0; i < n->nin; i++) {
    gnode *prod = n->in[i]->kind == HDTG_KIND_INTERMEDIATE ? n->in[i]->producer : NULL;
    if (prod && sel_is_fused(p, prod))
      sel_ew_names(p, b, g, prod);
  }
  rtc_printf(b, "%s%s", b->len ? "+" : "", hdtg_op_name(n->op));
}

static int sel_elementwise(rtc_plan *p, hdtg_graph *g, gnode *n) {
  rtc_ew e;
  rtc_ew_init(&e, n->out);
  sel_access acc;
  sel_access_identity(acc, n->out->rank);
  int v = sel_ew_build(p, &e, g, n, acc);
  rtc_buf names = {0};
  sel_ew_names(p, &names, g, n);
  int rc = v == -2 ? -1
           : v < 0 || names.oom ? sel_fail(p, n, "out of memory")
                                : sel_ew_finish(p, n, &e, names.p);
  rtc_buf_free(&names);
  rtc_ew_free(&e);
  return rc;
}

/* ---- views ------------------------------------------------------------------ */

static int sel_copy(rtc_plan *p, const gnode *n, hdtg_tensor *from, hdtg_tensor *to) {
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

static int sel_view(rtc_plan *p, hdtg_graph *g, gnode *n) {
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

/* ---- anchors: stdlib templates ------------------------------------------------ */

static int sel_instance(rtc_plan *p, const gnode *n, const char *file, const char *kernel,
                        hdtg_tensor *const *args, int nargs, rtc_kernel **out) {
  sel_import(p, file);
  rtc_kernel *k = sel_kernel(p, n, NULL);
  if (!k)
    return sel_fail(p, n, "out of memory");
  snprintf(k->kernel, sizeof k->kernel, "%s", kernel);
  *out = k;
  return sel_set_args(p, k, args, nargs);
}

/* The element-wise chain after anchor n (and a Gemm's own alpha and
 * beta * C) as an epilogue of its kernel k (compiler/epilogue.h): a
 * function `kN_epi` in the source, its tensors appended to k's arguments
 * before the output, which becomes the chain's last tensor. */
static int sel_epilogue(rtc_plan *p, hdtg_graph *g, gnode *n, rtc_kernel *k) {
  const gnode *root = sel_epi_pair(p, n, true);
  bool gemm = n->op == HDTG_OP_GEMM &&
              (gattr_float(n, HDTG_A_ALPHA, 1.0) != 1.0 ||
               (n->nin > 2 && gattr_float(n, HDTG_A_BETA, 1.0) != 0));
  if (!root && !gemm)
    return 0;
  hdtg_tensor *final = root ? root->out : n->out;
  rtc_ew e;
  rtc_ew_init(&e, final);
  sel_access acc;
  sel_access_identity(acc, final->rank);
  p->epi_value = n->out;
  p->epi_gemm = gemm ? n : NULL;
  int v = root ? sel_ew_build(p, &e, g, root, acc) : sel_ew_operand(p, &e, g, n->out, acc);
  p->epi_value = NULL;
  p->epi_gemm = NULL;
  rtc_buf names = {0};
  rtc_printf(&names, "%s", k->ops);
  if (root)
    sel_ew_names(p, &names, g, root);
  char err[256];
  int rc = 0;
  snprintf(k->epilogue, sizeof k->epilogue, "%s_epi", k->symbol);
  if (v == -2)
    rc = -1;
  else if (v < 0 || names.oom)
    rc = sel_fail(p, n, "out of memory");
  else if (rtc_ew_emit_epilogue(&e, k->epilogue, &p->source, err, sizeof err))
    rc = sel_fail(p, n, "%s", err);
  hdtg_tensor **args = rc ? NULL : malloc(sizeof *args * (size_t)(k->nargs + e.nargs));
  if (!rc && !args)
    rc = sel_fail(p, n, "out of memory");
  if (!rc) {
    memcpy(args, k->args, sizeof *args * (size_t)(k->nargs - 1));
    memcpy(args + k->nargs - 1, e.args, sizeof *args * (size_t)e.nargs);
    args[k->nargs - 1 + e.nargs] = final;
    free(k->args);
    k->args = args;
    k->nargs += e.nargs;
    free(k->ops);
    k->ops = names.p;
    names.p = NULL;
  }
  rtc_buf_free(&names);
  rtc_ew_free(&e);
  return rc;
}

/* NAME=VALUE for each name; the generics whose bit is set in bools are
 * bool (hdt spells them true and false). */
static int sel_defines(rtc_plan *p, rtc_kernel *k, const char *const *names,
                       const int64_t *values, int count, unsigned bools) {
  for (int i = 0; i < count; i++)
    if (bools >> i & 1 ? sel_add_define_text(p, k, names[i], values[i] ? "true" : "false")
                       : sel_add_define(p, k, names[i], (long long)values[i]))
      return -1;
  return 0;
}

/* c[BATCH, M, N] = a @ b for the matmul template (docs/stdlib.md). */
static int sel_matmul_core(rtc_plan *p, hdtg_graph *g, gnode *n, hdtg_tensor *a,
                           hdtg_tensor *b, hdtg_tensor *c, int64_t batch, int64_t m, int64_t nn,
                           int64_t k, bool a_batched, bool b_batched, bool ta, bool tb) {
  hdtg_tensor *args[] = {a, b, c};
  rtc_kernel *kk;
  if (sel_instance(p, n, "matmul.hdt", "matmul", args, 3, &kk))
    return -1;
  static const char *const names[] = {"BATCH", "M", "N", "K", "A_BATCHED", "B_BATCHED",
                                      "TRANS_A", "TRANS_B"};
  const int64_t values[] = {batch, m, nn, k, a_batched, b_batched, ta, tb};
  return sel_defines(p, kk, names, values, 8, 0xf0) ? -1 : sel_epilogue(p, g, n, kk);
}

/* ONNX MatMul: numpy semantics (1-D operands, broadcast batch dimensions). */
static int sel_matmul(rtc_plan *p, hdtg_graph *g, gnode *n) {
  if (sel_require_f32(p, n))
    return -1;
  hdtg_tensor *a = n->in[0], *b = n->in[1], *c = n->out;
  int64_t m = a->rank >= 2 ? sel_dim(a, a->rank - 2) : 1, k = sel_dim(a, a->rank - 1);
  int64_t nn = b->rank >= 2 ? sel_dim(b, b->rank - 1) : 1;
  int64_t ab = a->rank > 2 ? sel_prod(a, 0, a->rank - 2) : 1;
  int64_t bb = b->rank > 2 ? sel_prod(b, 0, b->rank - 2) : 1;
  int64_t batch = c->rank > 2 ? sel_prod(c, 0, c->rank - 2) : 1;
  /* A shared right operand: the batch folds into the rows. */
  if (bb == 1 && ab == batch)
    return sel_matmul_core(p, g, n, a, b, c, 1, m * ab, nn, k, false, false, false, false);
  if ((ab != 1 && ab != batch) || (bb != 1 && bb != batch))
    return sel_fail(p, n, "batch dimensions that broadcast partly (%lld and %lld to %lld) are "
                    "not supported yet", (long long)ab, (long long)bb, (long long)batch);
  return sel_matmul_core(p, g, n, a, b, c, batch, m, nn, k, ab != 1, bb != 1, false, false);
}

/* Gemm: y = alpha * op(A) op(B) + beta * C: the matmul, with alpha and
 * beta * C (and what follows) in its epilogue. */
static int sel_gemm(rtc_plan *p, hdtg_graph *g, gnode *n) {
  if (sel_require_f32(p, n))
    return -1;
  bool ta = gattr_int(n, HDTG_A_TRANS_A, 0), tb = gattr_int(n, HDTG_A_TRANS_B, 0);
  hdtg_tensor *a = n->in[0], *b = n->in[1], *y = n->out;
  int64_t m = sel_dim(y, 0), nn = sel_dim(y, 1), k = sel_dim(a, ta ? 0 : 1);
  return sel_matmul_core(p, g, n, a, b, y, 1, m, nn, k, false, false, ta, tb);
}

/* The window of a convolution or pooling along spatial axis i: begin pad
 * from pads or auto_pad (SAME_* pads to cover the output ONNX inferred). */
static int64_t sel_pad(const gnode *n, int i, int spatial, int64_t in, int64_t out, int64_t k,
                       int64_t stride, int64_t dil, bool end) {
  const gattr *ap = gnode_attr(n, HDTG_A_AUTO_PAD);
  if (ap && (strcmp(ap->s, "SAME_UPPER") == 0 || strcmp(ap->s, "SAME_LOWER") == 0)) {
    int64_t total = (out - 1) * stride + (k - 1) * dil + 1 - in;
    if (total < 0)
      total = 0;
    int64_t begin = strcmp(ap->s, "SAME_UPPER") == 0 ? total / 2 : total - total / 2;
    return end ? total - begin : begin;
  }
  if (ap && strcmp(ap->s, "VALID") == 0)
    return 0;
  const gattr *pd = gnode_attr(n, HDTG_A_PADS);
  return pd ? pd->ints[end ? spatial + i : i] : 0;
}

static int64_t sel_attr_at(const gnode *n, gattr_id id, int i, int64_t dflt) {
  const gattr *a = gnode_attr(n, id);
  return a && i < a->n ? a->ints[i] : dflt;
}

/* A window's generics, for 1-D (H = 1) and 2-D operators. */
typedef struct sel_window {
  int64_t h, w, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw, ph_end, pw_end;
} sel_window;

static void sel_window_of(const gnode *n, const hdtg_tensor *x, const hdtg_tensor *y,
                          int64_t kh, int64_t kw, sel_window *win) {
  int sp = x->rank - 2;
  bool one = sp == 1; /* 1-D: the one spatial axis is W */
  win->h = one ? 1 : sel_dim(x, 2);
  win->w = sel_dim(x, x->rank - 1);
  win->oh = one ? 1 : sel_dim(y, 2);
  win->ow = sel_dim(y, y->rank - 1);
  win->kh = kh;
  win->kw = kw;
  win->sh = one ? 1 : sel_attr_at(n, HDTG_A_STRIDES, 0, 1);
  win->sw = sel_attr_at(n, HDTG_A_STRIDES, sp - 1, 1);
  win->dh = one ? 1 : sel_attr_at(n, HDTG_A_DILATIONS, 0, 1);
  win->dw = sel_attr_at(n, HDTG_A_DILATIONS, sp - 1, 1);
  win->ph = one ? 0 : sel_pad(n, 0, sp, win->h, win->oh, kh, win->sh, win->dh, false);
  win->pw = sel_pad(n, sp - 1, sp, win->w, win->ow, kw, win->sw, win->dw, false);
  win->ph_end = one ? 0 : sel_pad(n, 0, sp, win->h, win->oh, kh, win->sh, win->dh, true);
  win->pw_end = sel_pad(n, sp - 1, sp, win->w, win->ow, kw, win->sw, win->dw, true);
}

static int sel_conv(rtc_plan *p, hdtg_graph *g, gnode *n) {
  if (sel_require_f32(p, n))
    return -1;
  hdtg_tensor *x = n->in[0], *w = n->in[1], *y = n->out;
  if (x->rank != 3 && x->rank != 4)
    return sel_fail(p, n, "%d-D convolution is not supported (1-D and 2-D are)", x->rank - 2);
  int64_t kout = sel_dim(w, 0);
  hdtg_tensor *bias = n->nin > 2 ? n->in[2] : NULL;
  if (!bias) {
    float *zero = calloc((size_t)kout, sizeof *zero);
    bias = zero ? sel_tensor(p, HDTG_F32, 1, &kout, zero) : NULL;
    free(zero);
    if (!bias)
      return sel_fail(p, n, "out of memory");
  }
  sel_window win;
  sel_window_of(n, x, y, x->rank == 4 ? sel_dim(w, 2) : 1, sel_dim(w, w->rank - 1), &win);
  hdtg_tensor *args[] = {x, w, bias, y};
  rtc_kernel *k;
  if (sel_instance(p, n, "conv.hdt", "conv2d", args, 4, &k))
    return -1;
  static const char *const names[] = {"N", "C", "H", "W", "K", "R", "S", "OH", "OW",
                                      "SH", "SW", "PH", "PW", "DH", "DW", "GROUPS"};
  const int64_t values[] = {sel_dim(x, 0), sel_dim(x, 1), win.h, win.w, kout, win.kh, win.kw,
                            win.oh, win.ow, win.sh, win.sw, win.ph, win.pw, win.dh, win.dw,
                            gattr_int(n, HDTG_A_GROUP, 1)};
  return sel_defines(p, k, names, values, 16, 0) ? -1 : sel_epilogue(p, g, n, k);
}

static int sel_pool(rtc_plan *p, hdtg_graph *g, gnode *n) {
  (void)g;
  if (sel_require_f32(p, n))
    return -1;
  hdtg_tensor *x = n->in[0], *y = n->out;
  if (x->rank != 3 && x->rank != 4)
    return sel_fail(p, n, "%d-D pooling is not supported (1-D and 2-D are)", x->rank - 2);
  int sp = x->rank - 2;
  sel_window win;
  sel_window_of(n, x, y, sp == 2 ? sel_attr_at(n, HDTG_A_KERNEL_SHAPE, 0, 1) : 1,
                sel_attr_at(n, HDTG_A_KERNEL_SHAPE, sp - 1, 1), &win);
  bool max = n->op == HDTG_OP_MAXPOOL;
  hdtg_tensor *args[] = {x, y};
  rtc_kernel *k;
  if (sel_instance(p, n, "pool.hdt", max ? "maxpool2d" : "avgpool2d", args, 2, &k))
    return -1;
  static const char *const names[] = {"N", "C", "H", "W", "OH", "OW", "KH", "KW",
                                      "SH", "SW", "PH", "PW", "DH", "DW"};
  const int64_t values[] = {sel_dim(x, 0), sel_dim(x, 1), win.h, win.w, win.oh, win.ow, win.kh,
                            win.kw, win.sh, win.sw, win.ph, win.pw, win.dh, win.dw};
  if (sel_defines(p, k, names, values, max ? 14 : 12, 0))
    return -1;
  if (max)
    return 0;
  return sel_add_define(p, k, "PH_END", win.ph_end) || sel_add_define(p, k, "PW_END", win.pw_end) ||
                 sel_add_define_text(p, k, "COUNT_PAD",
                                     gattr_int(n, HDTG_A_COUNT_INCLUDE_PAD, 0) ? "true" : "false")
             ? -1
             : 0;
}

/* reduce_axis over the middle of [outer, r, inner]. */
static int sel_reduce_core(rtc_plan *p, const gnode *n, hdtg_tensor *x, hdtg_tensor *y,
                           int64_t outer, int64_t r, int64_t inner, int op) {
  hdtg_tensor *args[] = {x, y};
  rtc_kernel *k;
  if (sel_instance(p, n, "reduce_axis.hdt", "reduce_axis", args, 2, &k))
    return -1;
  static const char *const names[] = {"OUTER", "R", "INNER", "OP"};
  const int64_t values[] = {outer, r, inner, op};
  return sel_defines(p, k, names, values, 4, 0);
}

static int sel_global_pool(rtc_plan *p, hdtg_graph *g, gnode *n) {
  (void)g;
  if (sel_require_f32(p, n))
    return -1;
  hdtg_tensor *x = n->in[0];
  return sel_reduce_core(p, n, x, n->out, sel_prod(x, 0, 2), sel_prod(x, 2, x->rank), 1,
                         n->op == HDTG_OP_GLOBALMAXPOOL ? 2 : 1);
}

/* ReduceSum / ReduceMean: one reduce_axis per run of contiguous reduced
 * axes, last run first (a mean of means over equal groups is the mean). */
static int sel_reduce(rtc_plan *p, hdtg_graph *g, gnode *n) {
  (void)g;
  if (sel_require_f32(p, n))
    return -1;
  hdtg_tensor *x = n->in[0];
  int64_t axes[HDTG_MAX_RANK];
  const gattr *a = gnode_attr(n, HDTG_A_AXES);
  int count = a ? a->n : n->nin > 1 ? gconst_ints(n->in[1], axes, HDTG_MAX_RANK) : 0;
  if (a)
    memcpy(axes, a->ints, sizeof *axes * (size_t)(count < HDTG_MAX_RANK ? count : HDTG_MAX_RANK));
  bool mask[HDTG_MAX_RANK] = {false};
  for (int i = 0; i < count; i++)
    mask[axes[i] < 0 ? axes[i] + x->rank : axes[i]] = true;
  if (count <= 0) {
    if (gattr_int(n, HDTG_A_NOOP_EMPTY_AXES, 0))
      return sel_copy(p, n, x, n->out);
    for (int d = 0; d < x->rank; d++)
      mask[d] = true;
  }
  int op = n->op == HDTG_OP_REDUCEMEAN ? 1 : n->op == HDTG_OP_REDUCEMAX ? 2
           : n->op == HDTG_OP_REDUCEMIN ? 3 : n->op == HDTG_OP_REDUCEPROD ? 4 : 0;
  int64_t dims[HDTG_MAX_RANK];
  for (int d = 0; d < x->rank; d++)
    dims[d] = sel_dim(x, d);
  hdtg_tensor *cur = x;
  for (int hi = x->rank - 1; hi >= 0; hi--) {
    if (!mask[hi])
      continue;
    int lo = hi;
    while (lo > 0 && mask[lo - 1])
      lo--;
    int64_t outer = 1, r = 1, inner = 1;
    for (int d = 0; d < x->rank; d++)
      *(d < lo ? &outer : d <= hi ? &r : &inner) *= dims[d];
    for (int d = lo; d <= hi; d++)
      dims[d] = 1;
    bool last = true;
    for (int d = 0; d < lo; d++)
      last &= !mask[d];
    hdtg_tensor *next = last ? n->out : sel_tensor(p, HDTG_F32, x->rank, dims, NULL);
    if (!next || sel_reduce_core(p, n, cur, next, outer, r, inner, op))
      return next ? -1 : sel_fail(p, n, "out of memory");
    cur = next;
    hi = lo;
  }
  return 0;
}

static int sel_softmax(rtc_plan *p, hdtg_graph *g, gnode *n) {
  (void)g;
  if (sel_require_f32(p, n))
    return -1;
  hdtg_tensor *x = n->in[0];
  int64_t axis = gattr_int(n, HDTG_A_AXIS, -1);
  if (axis < 0)
    axis += x->rank;
  hdtg_tensor *args[] = {x, n->out};
  rtc_kernel *k;
  if (sel_instance(p, n, "softmax.hdt", "softmax", args, 2, &k))
    return -1;
  static const char *const names[] = {"OUTER", "L", "INNER", "LOG"};
  const int64_t values[] = {sel_prod(x, 0, (int)axis), sel_dim(x, (int)axis),
                            sel_prod(x, (int)axis + 1, x->rank), n->op == HDTG_OP_LOGSOFTMAX};
  return sel_defines(p, k, names, values, 4, 0x8);
}

static int sel_layernorm(rtc_plan *p, hdtg_graph *g, gnode *n) {
  (void)g;
  if (sel_require_f32(p, n))
    return -1;
  hdtg_tensor *x = n->in[0];
  int64_t axis = gattr_int(n, HDTG_A_AXIS, -1);
  if (axis < 0)
    axis += x->rank;
  int64_t rows = sel_prod(x, 0, (int)axis), cols = sel_prod(x, (int)axis, x->rank);
  if (gtensor_elems(n->in[1]) != cols || (n->nin > 2 && gtensor_elems(n->in[2]) != cols))
    return sel_fail(p, n, "scale and bias must have the %lld elements of the normalised axes "
                    "(broadcasting them is not supported yet)", (long long)cols);
  hdtg_tensor *bias = n->nin > 2 ? n->in[2] : NULL;
  if (!bias) {
    float *zero = calloc((size_t)cols, sizeof *zero);
    bias = zero ? sel_tensor(p, HDTG_F32, 1, &cols, zero) : NULL;
    free(zero);
    if (!bias)
      return sel_fail(p, n, "out of memory");
  }
  hdtg_tensor *args[] = {x, n->in[1], bias, n->out};
  rtc_kernel *k;
  if (sel_instance(p, n, "layer_norm.hdt", "layer_norm", args, 4, &k))
    return -1;
  char eps[48];
  snprintf(eps, sizeof eps, "%.9g", gattr_float(n, HDTG_A_EPSILON, 1e-5));
  if (!strpbrk(eps, ".e"))
    strcat(eps, ".0");
  return sel_add_define(p, k, "ROWS", rows) || sel_add_define(p, k, "COLS", cols) ||
                 sel_add_define_text(p, k, "EPS", eps)
             ? -1
             : 0;
}

/* Concat: one copy kernel per input, each writing its slice of the output. */
static int sel_concat(rtc_plan *p, hdtg_graph *g, gnode *n) {
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

/* ---- the table and the driver -------------------------------------------------- */

static sel_fn sel_for(hdtg_op op) {
  switch (op) {
  case HDTG_OP_RESHAPE:
  case HDTG_OP_FLATTEN:
  case HDTG_OP_SQUEEZE:
  case HDTG_OP_UNSQUEEZE:
  case HDTG_OP_IDENTITY:
  case HDTG_OP_DROPOUT: return sel_view;
  case HDTG_OP_MATMUL: return sel_matmul;
  case HDTG_OP_GEMM: return sel_gemm;
  case HDTG_OP_CONV: return sel_conv;
  case HDTG_OP_MAXPOOL:
  case HDTG_OP_AVERAGEPOOL: return sel_pool;
  case HDTG_OP_GLOBALAVERAGEPOOL:
  case HDTG_OP_GLOBALMAXPOOL: return sel_global_pool;
  case HDTG_OP_REDUCESUM:
  case HDTG_OP_REDUCEMEAN:
  case HDTG_OP_REDUCEMAX:
  case HDTG_OP_REDUCEMIN:
  case HDTG_OP_REDUCEPROD: return sel_reduce;
  case HDTG_OP_SOFTMAX:
  case HDTG_OP_LOGSOFTMAX: return sel_softmax;
  case HDTG_OP_LAYERNORM: return sel_layernorm;
  case HDTG_OP_CONCAT: return sel_concat;
  default: return NULL;
  }
}

/* Who reads each tensor: one entry per tensor read by a live node, with
 * the number of reads and the last reader, sorted by tensor address. */
typedef struct sel_use {
  const hdtg_tensor *t;
  gnode *consumer;
  int count;
} sel_use;

static int sel_use_cmp(const void *a, const void *b) {
  const hdtg_tensor *x = ((const sel_use *)a)->t, *y = ((const sel_use *)b)->t;
  return x < y ? -1 : x > y;
}

static sel_use *sel_uses_build(hdtg_graph *g, int *n) {
  int total = 0;
  for (int i = 0; i < g->nnodes; i++)
    total += g->nodes[i]->removed ? 0 : g->nodes[i]->nin;
  sel_use *u = malloc(sizeof *u * (size_t)(total + 1));
  if (!u)
    return NULL;
  int k = 0;
  for (int i = 0; i < g->nnodes; i++)
    for (int j = 0; !g->nodes[i]->removed && j < g->nodes[i]->nin; j++)
      u[k++] = (sel_use){g->nodes[i]->in[j], g->nodes[i], 1};
  qsort(u, (size_t)k, sizeof *u, sel_use_cmp);
  int m = 0; /* merge the reads of one tensor */
  for (int i = 0; i < k; i++) {
    if (m && u[m - 1].t == u[i].t) {
      u[m - 1].count++;
      u[m - 1].consumer = u[i].consumer;
    } else {
      u[m++] = u[i];
    }
  }
  *n = m;
  return u;
}

/* t's only reader, or NULL when it has none or several. */
static gnode *sel_only_consumer(const sel_use *u, int n, const hdtg_tensor *t) {
  sel_use key = {.t = t};
  const sel_use *hit = bsearch(&key, u, (size_t)n, sizeof *u, sel_use_cmp);
  return hit && hit->count == 1 ? hit->consumer : NULL;
}

/* Whether n reads t at positions of its own (a gather's or a slice's data),
 * so that t must be in memory, not an expression inlined into n. */
static bool sel_reads_by_position(const gnode *n, const hdtg_tensor *t) {
  return (n->op == HDTG_OP_GATHER || n->op == HDTG_OP_GATHER_ELEMENTS || n->op == HDTG_OP_SLICE) &&
         n->in[0] == t;
}

static bool sel_same_shape(const hdtg_tensor *a, const hdtg_tensor *b) {
  if (a->rank != b->rank || a->dt != b->dt)
    return false;
  for (int d = 0; d < a->rank; d++)
    if (sel_dim(a, d) != sel_dim(b, d))
      return false;
  return true;
}

static bool sel_is_anchor(const gnode *n) {
  return n->op == HDTG_OP_MATMUL || n->op == HDTG_OP_GEMM || n->op == HDTG_OP_CONV;
}

/* The last node of the element-wise chain that can be fused into anchor's
 * stores, or NULL: the anchor's output has one reader, which is element-
 * wise, and so on through fused nodes; every node of the chain has the
 * anchor output's shape and dtype and is no transpose, so each reads the
 * anchor's value at the index it writes (Hidet's rule: one consumer, not a
 * graph output, an anchor that allows it). */
static gnode *sel_chain_root(const rtc_plan *p, const sel_use *u, int nu, const gnode *anchor) {
  const hdtg_tensor *a = anchor->out;
  if (a->is_output || a->dt != HDTG_F32)
    return NULL;
  gnode *r = sel_only_consumer(u, nu, a);
  while (r && sel_ew_op(r) >= 0 && r->op != HDTG_OP_TRANSPOSE && !sel_reads_by_position(r, a) &&
         r->op != HDTG_OP_SLICE && r->op != HDTG_OP_EXPAND && sel_same_shape(r->out, a)) {
    if (!sel_is_fused(p, r))
      return r;
    r = sel_only_consumer(u, nu, r->out);
  }
  return NULL;
}

/* Element-wise nodes whose one consumer is element-wise too, and whose
 * result is not a graph output, are computed inside that consumer; the
 * chain after an anchor joins the anchor's stores. */
static int sel_find_fusions(rtc_plan *p, hdtg_graph *g) {
  if (p->no_fusion)
    return 0;
  int nu = 0;
  sel_use *u = sel_uses_build(g, &nu);
  p->fused = malloc(sizeof *p->fused * (size_t)(g->nnodes + 1));
  p->absorbed = malloc(sizeof *p->absorbed * (size_t)(g->nnodes + 1));
  p->epi_anchor = malloc(sizeof *p->epi_anchor * (size_t)(g->nnodes + 1));
  p->epi_root = malloc(sizeof *p->epi_root * (size_t)(g->nnodes + 1));
  if (!u || !p->fused || !p->absorbed || !p->epi_anchor || !p->epi_root) {
    free(u);
    return sel_fail(p, NULL, "out of memory");
  }
  for (int i = 0; i < g->nnodes; i++) {
    gnode *n = g->nodes[i], *consumer;
    if (!n->removed && sel_ew_op(n) >= 0 && !n->out->is_output &&
        (consumer = sel_only_consumer(u, nu, n->out)) && sel_ew_op(consumer) >= 0 &&
        !sel_reads_by_position(consumer, n->out))
      p->fused[p->nfused++] = n;
  }
  qsort(p->fused, (size_t)p->nfused, sizeof *p->fused, sel_ptr_cmp);
  for (int i = 0; i < g->nnodes; i++) {
    gnode *n = g->nodes[i], *root;
    if (!n->removed && sel_is_anchor(n) && (root = sel_chain_root(p, u, nu, n)) &&
        !sel_epi_pair(p, root, false)) {
      p->absorbed[p->nabsorbed++] = root;
      p->epi_anchor[p->nepi] = n;
      p->epi_root[p->nepi++] = root;
    }
  }
  qsort(p->absorbed, (size_t)p->nabsorbed, sizeof *p->absorbed, sel_ptr_cmp);
  free(u);
  return 0;
}

static bool sel_is_absorbed(const rtc_plan *p, const gnode *n) {
  return p->nabsorbed &&
         bsearch(&n, p->absorbed, (size_t)p->nabsorbed, sizeof *p->absorbed, sel_ptr_cmp);
}

static int sel_check_known(rtc_plan *p, hdtg_graph *g) {
  for (int i = 0; i < g->ntensors; i++) {
    hdtg_tensor *t = g->tensors[i];
    if (t->removed || gtensor_known(t))
      continue;
    char shape[128];
    gshape_str(g, t, shape, sizeof shape);
    return sel_fail(p, NULL, "tensor '%s' has shape %s: give every symbolic dimension a value "
                    "(hdtg_specialize) before compiling", t->name, shape);
  }
  return 0;
}

/* A graph output that is an input or a constant (a folded subgraph) is
 * computed by no node; a copy kernel writes it into a tensor of the same
 * name, which stands for it in the model (rtc_plan.out_alias). */
static int sel_copy_outputs(rtc_plan *p, hdtg_graph *g) {
  for (int i = 0; i < g->noutputs; i++) {
    hdtg_tensor *t = g->outputs[i], *alias = NULL;
    if (t->kind == HDTG_KIND_INTERMEDIATE)
      continue;
    hdtg_dim d[HDTG_MAX_RANK];
    for (int k = 0; k < t->rank; k++)
      d[k] = HDTG_DIM(sel_dim(t, k));
    if (!ggrow((void **)&p->out_alias, &p->capalias, p->nalias + 1, sizeof *p->out_alias) ||
        hdtg_add_input(p->scratch, t->name, t->dt, t->rank, d, &alias) != HDTG_OK)
      return sel_fail(p, NULL, "output '%s': out of memory", t->name);
    p->out_alias[p->nalias++] = (rtc_alias){t, alias};
    if (sel_copy(p, NULL, t, alias))
      return -1;
  }
  return 0;
}

int rtc_select(hdtg_graph *g, rtc_plan *p) {
  if (hdtg_create(&p->scratch) != HDTG_OK)
    return sel_fail(p, NULL, "out of memory");
  rtc_printf(&p->source, "%s", rtc_ew_prelude);
  if (sel_check_known(p, g) || sel_find_fusions(p, g))
    return -1;
  for (int i = 0; i < g->nnodes; i++) {
    gnode *n = g->nodes[i];
    /* An anchor with an epilogue is emitted where its chain ends: the
     * chain may read tensors computed after the anchor. */
    if (n->removed || sel_is_fused(p, n) || sel_epi_pair(p, n, true))
      continue;
    if (sel_is_absorbed(p, n))
      n = (gnode *)sel_epi_pair(p, n, false);
    sel_fn fn = sel_ew_op(n) >= 0 ? sel_elementwise : sel_for(n->op);
    if (!fn)
      return sel_fail(p, n, "no kernel implements this operator yet");
    if (fn(p, g, n))
      return -1;
  }
  if (sel_copy_outputs(p, g) || p->source.oom)
    return p->err[0] ? -1 : sel_fail(p, NULL, "out of memory");
  return 0;
}

void rtc_plan_free(rtc_plan *p) {
  for (int i = 0; i < p->nkernels; i++) {
    rtc_kernel *k = &p->kernels[i];
    for (int d = 0; d < k->ndefines; d++)
      free(k->defines[d]);
    free(k->defines);
    free(k->args);
    free(k->ops);
  }
  free(p->kernels);
  free(p->views);
  free(p->fused);
  free(p->absorbed);
  free(p->epi_anchor);
  free(p->epi_root);
  free(p->out_alias);
  rtc_buf_free(&p->source);
  hdtg_destroy(p->scratch);
  memset(p, 0, sizeof *p);
}
