/* ewgen.c: element-wise kernels written from a description.
 *
 * Hidet schedules its element-wise and broadcast operators by rule instead
 * of writing a kernel per operator; so does hdt. A description (rtc.h's
 * rtc_ew) is an expression over reads of the arguments, each read with its
 * own strides over the iteration space: numpy broadcasting is a stride of
 * 0, a transpose a permutation of strides, a slice of a Concat an offset
 * and strides on the output. The generator writes it out as an ordinary
 * hdt kernel, which the compiler then checks, lowers and emits for every
 * target like any other: nothing here knows about CUDA or the host.
 *
 * Two schedules, both with blocks of 256 threads and a grid capped at 1024
 * blocks that walks the tiles grid-stride:
 *
 * - vectorised, as a CUDA programmer writes a bandwidth-bound kernel: each
 *   thread takes a run of v consecutive elements (16 bytes of the widest
 *   contiguous operand, at most 8 elements), so a warp's runs are one
 *   contiguous span and every contiguous operand moves in 4-16 byte
 *   accesses (vcopy into and out of local arrays) instead of one per
 *   element: a quarter of the load/store instructions for f32, an eighth
 *   for f16. Reads that are not contiguous over a run (a broadcast along
 *   the last dimension, a transpose, a gather) stay per element. Legal
 *   when the element count is a multiple of v and the store is a run;
 *   ew_plan_vector has the rules. The runs must be aligned: the offsets
 *   and strides are checked here, the tensors' starts are the session's
 *   promise (runtime/session.c stages a misaligned caller's buffer).
 * - scalar otherwise, the stdlib relu's (stdlib/elementwise.hdt): tiles of
 *   1024 elements, each thread 4 of them 256 apart, so every warp access
 *   to a contiguous operand is one 128-byte transaction and each thread
 *   has 4 independent loads in flight.
 *
 * Shapes are constants in the generated text, so the index arithmetic
 * folds: a contiguous read of the output's shape is indexed by the flat
 * index alone, and only the dimensions a strided read needs are recovered
 * (div/mod by constants).
 *
 * Floating-point arithmetic is done in f32 for f16, bf16 and f32 values
 * (f16 has too few bits for a chain of operations), in the value's own
 * type otherwise. */
#include "rtc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { EW_THREADS = 256, EW_PER_THREAD = 4, EW_TILE = EW_THREADS * EW_PER_THREAD, EW_MAX_BLOCKS = 1024 };

static const struct {
  const char *name;
  int arity;
  const char *hdt;
} ew_ops[RTC_EW_OP_COUNT] = {
#define RTC_X(ID, arity, hdt) {#ID, arity, hdt},
    RTC_EW_OP_LIST(RTC_X)
#undef RTC_X
};

const char *rtc_ew_op_name(rtc_ew_op op) {
  if (op < RTC_EW_OP_COUNT)
    return ew_ops[op].name;
  return op == RTC_EW_LEAF ? "LEAF" : op == RTC_EW_CONST ? "CONST" : "CAST";
}

/* ---- building a description ------------------------------------------- */

static void ew_contiguous_strides(int rank, const int64_t *dims, int64_t *stride) {
  int64_t s = 1;
  for (int d = rank - 1; d >= 0; d--) {
    stride[d] = dims[d] == 1 ? 0 : s;
    s *= dims[d];
  }
}

void rtc_ew_init(rtc_ew *e, hdtg_tensor *out) {
  memset(e, 0, sizeof *e);
  e->out = out;
  e->rank = out->rank;
  for (int d = 0; d < out->rank; d++)
    e->dims[d] = gdim_value(out->g, out->dims[d]);
  ew_contiguous_strides(e->rank, e->dims, e->out_stride);
}

void rtc_ew_free(rtc_ew *e) {
  free(e->nodes);
  free(e->leaves);
  free(e->args);
  memset(e, 0, sizeof *e);
}

int rtc_ew_add(rtc_ew *e, rtc_ew_node n) {
  if (!ggrow((void **)&e->nodes, &e->capnodes, e->nnodes + 1, sizeof *e->nodes))
    return -1;
  e->nodes[e->nnodes] = n;
  return e->nnodes++;
}

static int ew_arg(rtc_ew *e, hdtg_tensor *t) {
  for (int i = 0; i < e->nargs; i++)
    if (e->args[i] == t)
      return i;
  if (!ggrow((void **)&e->args, &e->capargs, e->nargs + 1, sizeof *e->args))
    return -1;
  e->args[e->nargs] = t;
  return e->nargs++;
}

int rtc_ew_read(rtc_ew *e, hdtg_tensor *t, int64_t offset, const int64_t *stride) {
  int arg = ew_arg(e, t);
  if (arg < 0 || !ggrow((void **)&e->leaves, &e->capleaves, e->nleaves + 1, sizeof *e->leaves))
    return -1;
  rtc_ew_leaf *l = &e->leaves[e->nleaves];
  memset(l, 0, sizeof *l);
  l->arg = arg;
  l->offset = offset;
  l->dyn = -1;
  for (int d = 0; d < e->rank; d++)
    l->stride[d] = stride[d];
  return rtc_ew_add(e, (rtc_ew_node){.op = RTC_EW_LEAF, .dt = t->dt, .leaf = e->nleaves++});
}

int rtc_ew_read_gather(rtc_ew *e, hdtg_tensor *t, const int64_t *strides, int index,
                       int64_t stride, int64_t dim) {
  int v = rtc_ew_read(e, t, 0, strides);
  if (v >= 0) {
    rtc_ew_leaf *l = &e->leaves[e->nodes[v].leaf];
    l->dyn = index;
    l->dyn_stride = stride;
    l->dyn_dim = dim;
  }
  return v;
}

int rtc_ew_read_broadcast(rtc_ew *e, hdtg_tensor *t) {
  int64_t tdims[HDTG_MAX_RANK], tstride[HDTG_MAX_RANK], stride[HDTG_MAX_RANK] = {0};
  for (int d = 0; d < t->rank; d++)
    tdims[d] = gdim_value(t->g, t->dims[d]);
  ew_contiguous_strides(t->rank, tdims, tstride);
  int lead = e->rank - t->rank;
  for (int d = 0; d < t->rank; d++)
    stride[lead + d] = tstride[d];
  return rtc_ew_read(e, t, 0, stride);
}

/* ---- writing hdt -------------------------------------------------------- */

static const char *ew_type(hdtg_dtype dt) {
  switch (dt) {
  case HDTG_F32: return "f32";
  case HDTG_F16: return "f16";
  case HDTG_BF16: return "bf16";
  case HDTG_F64: return "f64";
  case HDTG_I64: return "i64";
  case HDTG_I32: return "i32";
  case HDTG_I8: return "i8";
  case HDTG_U8: return "u8";
  case HDTG_BOOL: return "bool";
  default: return NULL;
  }
}

/* The type arithmetic on values of dt is done in. */
static hdtg_dtype ew_compute(hdtg_dtype dt) {
  return dt == HDTG_F16 || dt == HDTG_BF16 ? HDTG_F32 : dt;
}

static bool ew_is_float(hdtg_dtype dt) {
  return dt == HDTG_F32 || dt == HDTG_F16 || dt == HDTG_BF16 || dt == HDTG_F64;
}

/* A literal of the compute type of dt. */
static void ew_literal(gbuf *b, hdtg_dtype dt, double v) {
  hdtg_dtype c = ew_compute(dt);
  if (c == HDTG_BOOL) {
    gbuf_printf(b, "%s", v != 0 ? "true" : "false");
  } else if (!ew_is_float(c)) {
    gbuf_printf(b, "(%lld as %s)", (long long)v, ew_type(c));
  } else if (v != v) {
    gbuf_printf(b, "(nan() as %s)", ew_type(c));
  } else if (v == 1.0 / 0.0 || v == -1.0 / 0.0) {
    gbuf_printf(b, "(%sinf() as %s)", v < 0 ? "-" : "", ew_type(c));
  } else {
    char num[48];
    snprintf(num, sizeof num, c == HDTG_F32 ? "%.9g" : "%.17g", v);
    gbuf_printf(b, "(%s%s as %s)", num, strpbrk(num, ".e") ? "" : ".0", ew_type(c));
  }
}

/* Expands an operation's hdt template with operands v<a[i]>. */
static void ew_expand(gbuf *b, const char *tmpl, const rtc_ew_node *n) {
  for (const char *p = tmpl; *p; p++) {
    if (*p != '%') {
      gbuf_printf(b, "%c", *p);
    } else if (p[1] == '1' && p[2] == 'f') {
      ew_literal(b, n->dt, 1);
      p += 2;
    } else if (p[1] >= '0' && p[1] <= '2') {
      gbuf_printf(b, "v%d", n->a[p[1] - '0']);
      p++;
    } else if (p[1] == 'z') {
      ew_literal(b, n->dt, 0);
      p++;
    }
  }
}

static int64_t ew_total(const rtc_ew *e) {
  int64_t n = 1;
  for (int d = 0; d < e->rank; d++)
    n *= e->dims[d];
  return n;
}

/* The flat-index stride of dimension d (its size 1: 0). */
static int64_t ew_inner(const rtc_ew *e, int d) {
  int64_t s = 1;
  for (int k = d + 1; k < e->rank; k++)
    s *= e->dims[k];
  return s;
}

static bool ew_is_flat(const rtc_ew *e, int64_t offset, const int64_t *stride) {
  if (offset != 0)
    return false;
  for (int d = 0; d < e->rank; d++)
    if (e->dims[d] > 1 && stride[d] != ew_inner(e, d))
      return false;
  return true;
}

/* The index expression offset + sum(i_d * stride[d]); "g" when flat. */
static void ew_index(gbuf *b, const rtc_ew *e, int64_t offset, const int64_t *stride,
                     bool allow_flat) {
  if (allow_flat && ew_is_flat(e, offset, stride)) {
    gbuf_printf(b, "g");
    return;
  }
  gbuf_printf(b, "%lld", (long long)offset);
  for (int d = 0; d < e->rank; d++)
    if (e->dims[d] > 1 && stride[d] != 0)
      gbuf_printf(b, " + i%d * %lld", d, (long long)stride[d]);
}

bool rtc_ew_arg_flat(const rtc_ew *e, int arg) {
  if (!ew_is_flat(e, e->out_offset, e->out_stride))
    return false;
  for (int l = 0; l < e->nleaves; l++)
    if (e->leaves[l].arg == arg &&
        (e->leaves[l].dyn >= 0 || !ew_is_flat(e, e->leaves[l].offset, e->leaves[l].stride)))
      return false;
  return true;
}

/* Which dimension indices any strided access needs. vec (NULL: none)
 * marks the leaves read by vector, whose index comes from the run's start;
 * out_vec, the same for the store. */
static void ew_needed_dims(const rtc_ew *e, const bool *vec, bool out_vec, bool *need) {
  for (int d = 0; d < e->rank; d++)
    need[d] = false;
  for (int l = 0; l < e->nleaves; l++)
    if ((!vec || !vec[l]) &&
        (e->leaves[l].dyn >= 0 || !ew_is_flat(e, e->leaves[l].offset, e->leaves[l].stride)))
      for (int d = 0; d < e->rank; d++)
        need[d] |= e->leaves[l].stride[d] != 0 && e->dims[d] > 1;
  if (!out_vec && !ew_is_flat(e, e->out_offset, e->out_stride))
    for (int d = 0; d < e->rank; d++)
      need[d] |= e->out_stride[d] != 0 && e->dims[d] > 1;
}

static int ew_check_types(const rtc_ew *e, char *err, size_t errsize) {
  for (int i = 0; i < e->nnodes; i++) {
    const rtc_ew_node *n = &e->nodes[i];
    if (!ew_type(n->dt)) {
      snprintf(err, errsize, "dtype %s is not supported by generated kernels", hdtg_dtype_name(n->dt));
      return -1;
    }
    if (n->dt == HDTG_F64 && n->op < RTC_EW_OP_COUNT && n->op != RTC_EW_COPY) {
      snprintf(err, errsize, "f64 arithmetic (%s) is not supported by generated kernels",
               rtc_ew_op_name(n->op));
      return -1;
    }
  }
  if (!ew_type(e->out->dt)) {
    snprintf(err, errsize, "dtype %s is not supported by generated kernels",
             hdtg_dtype_name(e->out->dt));
    return -1;
  }
  return 0;
}

/* The first node of e whose leaf reads the same run as node i's (both read
 * by vector): x + x, or a value used by two fused operators, loads once. */
static int ew_vec_first(const rtc_ew *e, const bool *vec, int i) {
  const rtc_ew_leaf *l = &e->leaves[e->nodes[i].leaf];
  for (int j = 0; j < i; j++) {
    const rtc_ew_node *n = &e->nodes[j];
    if (n->op != RTC_EW_LEAF || !vec[n->leaf])
      continue;
    const rtc_ew_leaf *m = &e->leaves[n->leaf];
    if (m->arg == l->arg && m->offset == l->offset &&
        memcmp(m->stride, l->stride, sizeof(int64_t) * (size_t)e->rank) == 0)
      return j;
  }
  return i;
}

/* let v<i> = <read of leaf>, converted to the compute type. A leaf read
 * by vector (vec) takes element k of the run loaded into r<first>. */
static void ew_emit_leaf(gbuf *b, const rtc_ew *e, int i, const bool *vec) {
  const rtc_ew_node *n = &e->nodes[i];
  const rtc_ew_leaf *l = &e->leaves[n->leaf];
  if (vec && vec[n->leaf]) {
    gbuf_printf(b, "                let v%d = %sr%d[k", i, ew_compute(n->dt) != n->dt ? "(" : "",
                ew_vec_first(e, vec, i));
  } else if (l->dyn >= 0) {
    /* The index: negative from the end, then clamped, so that a bad index
     * reads a wrong element rather than outside the tensor. */
    gbuf_printf(b, "                let j%d = min(max((if v%d < (0 as i64) { v%d + (%lld as i64) } "
                  "else { v%d as i64 }), (0 as i64)), (%lld as i64));\n",
               i, l->dyn, l->dyn, (long long)l->dyn_dim, l->dyn, (long long)(l->dyn_dim - 1));
    gbuf_printf(b, "                let v%d = %sa%d[", i, ew_compute(n->dt) != n->dt ? "(" : "", l->arg);
    int64_t zero[HDTG_MAX_RANK] = {0};
    bool none = memcmp(l->stride, zero, sizeof(int64_t) * (size_t)e->rank) == 0 && !l->offset;
    if (!none) {
      ew_index(b, e, l->offset, l->stride, false);
      gbuf_printf(b, " + ");
    }
    gbuf_printf(b, "j%d * (%lld as i64)", i, (long long)l->dyn_stride);
  } else {
    gbuf_printf(b, "                let v%d = %sa%d[", i, ew_compute(n->dt) != n->dt ? "(" : "", l->arg);
    ew_index(b, e, l->offset, l->stride, true);
  }
  gbuf_printf(b, "]");
  if (ew_compute(n->dt) != n->dt)
    gbuf_printf(b, " as %s)", ew_type(ew_compute(n->dt)));
  gbuf_printf(b, ";\n");
}

/* let v<i> = v<a> converted from its type to the node's. bool is not a
 * number in hdt: to bool is a comparison with zero, from bool a choice. */
static void ew_emit_cast(gbuf *b, const rtc_ew *e, int i) {
  const rtc_ew_node *n = &e->nodes[i];
  hdtg_dtype from = ew_compute(e->nodes[n->a[0]].dt), to = ew_compute(n->dt);
  gbuf_printf(b, "                let v%d = ", i);
  if (from == to) {
    gbuf_printf(b, "v%d", n->a[0]);
  } else if (to == HDTG_BOOL) {
    gbuf_printf(b, "v%d != ", n->a[0]);
    ew_literal(b, from, 0);
  } else if (from == HDTG_BOOL) {
    gbuf_printf(b, "if v%d { ", n->a[0]);
    ew_literal(b, to, 1);
    gbuf_printf(b, " } else { ");
    ew_literal(b, to, 0);
    gbuf_printf(b, " }");
  } else {
    gbuf_printf(b, "v%d as %s", n->a[0], ew_type(to));
  }
  gbuf_printf(b, ";\n");
}

static void ew_emit_node(gbuf *b, const rtc_ew *e, const bool *vec, int i) {
  const rtc_ew_node *n = &e->nodes[i];
  switch (n->op) {
  case RTC_EW_LEAF: ew_emit_leaf(b, e, i, vec); return;
  case RTC_EW_CAST: ew_emit_cast(b, e, i); return;
  case RTC_EW_VALUE:
    if (ew_compute(n->dt) != n->dt)
      gbuf_printf(b, "                let v%d = v as %s;\n", i, ew_type(ew_compute(n->dt)));
    else
      gbuf_printf(b, "                let v%d = v;\n", i);
    return;
  case RTC_EW_CONST:
    gbuf_printf(b, "                let v%d = ", i);
    ew_literal(b, n->dt, n->value);
    gbuf_printf(b, ";\n");
    return;
  default:
    gbuf_printf(b, "                let v%d = ", i);
    ew_expand(b, ew_ops[n->op].hdt, n);
    gbuf_printf(b, ";\n");
    return;
  }
}

static void ew_emit_params(gbuf *b, const rtc_ew *e, const char *name) {
  gbuf_printf(b, "kernel %s(", name);
  for (int i = 0; i < e->nargs; i++) {
    int64_t n = gtensor_elems(e->args[i]);
    gbuf_printf(b, "a%d: %s[%lld], ", i, ew_type(e->args[i]->dt), (long long)(n > 0 ? n : 1));
  }
  int64_t n = gtensor_elems(e->out);
  gbuf_printf(b, "out: %s[%lld])\n", ew_type(e->out->dt), (long long)(n > 0 ? n : 1));
}

/* The dimension indices the reads need, from the flat index g (of type
 * it), then every node as a let. vec and out_vec: ew_needed_dims's. */
static void ew_emit_body(gbuf *b, const rtc_ew *e, const bool *vec, bool out_vec, const char *it) {
  bool need[HDTG_MAX_RANK];
  ew_needed_dims(e, vec, out_vec, need);
  for (int d = 0; d < e->rank; d++)
    if (need[d]) {
      int64_t inner = ew_inner(e, d);
      gbuf_printf(b, "                let i%d = ", d);
      if (d == 0)
        gbuf_printf(b, "g / (%lld as %s);\n", (long long)inner, it);
      else
        gbuf_printf(b, "g / (%lld as %s) %% (%lld as %s);\n", (long long)inner, it,
                   (long long)e->dims[d], it);
    }
  for (int i = 0; i < e->nnodes; i++)
    ew_emit_node(b, e, vec, i);
}

static void ew_emit_scalar(gbuf *b, const rtc_ew *e, const char *it);

/* ---- the vectorised schedule ------------------------------------------ */

/* Whether an access at offset + sum(i_d * stride[d]) takes every run of v
 * consecutive flat indices that starts at a multiple of v to v consecutive
 * elements that start at a multiple of v (so one aligned vector access):
 * the innermost dimensions must be contiguous over an extent that is a
 * multiple of v (a run then stays in one row), and the offset and every
 * outer stride multiples of v (the row starts aligned). A flat access is
 * the whole iteration space as one row; a broadcast along the last
 * dimension (stride 0) or a transpose is no run at all. */
static bool ew_is_vector(const rtc_ew *e, int64_t offset, const int64_t *stride, int v) {
  if (offset % v)
    return false;
  int64_t extent = 1;
  int d = e->rank - 1;
  for (; d >= 0; d--) {
    if (e->dims[d] == 1)
      continue;
    if (stride[d] != extent)
      break;
    extent *= e->dims[d];
  }
  if (extent % v)
    return false;
  for (; d >= 0; d--)
    if (e->dims[d] > 1 && stride[d] % v)
      return false;
  return true;
}

/* Chooses the vector length of e's kernel: 0 for the scalar schedule, else
 * v, with vec[l] set for the leaves read by vector and *out_vec for the
 * store. A run is at most 16 bytes and at least 4 (vcopy's sizes), so v is
 * 16 / the widest of the output and the contiguous reads, capped at 8 (the
 * runs are local arrays, registers); an 8-byte read that a narrower
 * output would shrink v for stays scalar instead, as does any read whose
 * run at v is not a vcopy size or not aligned. vcopy moves no bool: a bool
 * output is stored per element (a warp still writes one contiguous span)
 * behind vector reads, and with none of those the scalar schedule is as
 * good. Otherwise the store must be a run, or the schedule is scalar. */
static int ew_plan_vector(const rtc_ew *e, bool *vec, bool *out_vec) {
  int64_t total = ew_total(e);
  int osize = (int)hdtg_dtype_size(e->out->dt);
  bool ovec = e->out->dt != HDTG_BOOL;
  if (osize <= 0 || osize > 16)
    return 0;
  int vmax = ovec && 16 / osize < 8 ? 16 / osize : 8;
  for (int l = 0; l < e->nleaves; l++) {
    const rtc_ew_leaf *r = &e->leaves[l];
    hdtg_dtype dt = e->args[r->arg]->dt;
    int size = (int)hdtg_dtype_size(dt);
    if (r->dyn >= 0 || size <= 0 || dt == HDTG_BOOL || (size == 8 && osize < 8))
      continue;
    bool run = false; /* contiguous along the last iterated dimension */
    for (int d = e->rank - 1; d >= 0; d--)
      if (e->dims[d] > 1) {
        run = r->stride[d] == 1;
        break;
      }
    if (run && 16 / size < vmax)
      vmax = 16 / size;
  }
  for (int v = vmax; v >= 2; v /= 2) {
    if (total % v)
      continue;
    *out_vec = ovec && v * osize >= 4 && ew_is_vector(e, e->out_offset, e->out_stride, v);
    if (ovec && !*out_vec)
      continue;
    bool any = *out_vec;
    for (int l = 0; l < e->nleaves; l++) {
      const rtc_ew_leaf *r = &e->leaves[l];
      hdtg_dtype dt = e->args[r->arg]->dt;
      int bytes = v * (int)hdtg_dtype_size(dt);
      vec[l] = r->dyn < 0 && dt != HDTG_BOOL && bytes >= 4 && bytes <= 16 &&
               ew_is_vector(e, r->offset, r->stride, v);
      any |= vec[l];
    }
    if (any)
      return v;
  }
  return 0;
}

/* The index of an access at flat index var, each dimension recovered from
 * it (only the run's start needs it, once per v elements). */
static void ew_index_at(gbuf *b, const rtc_ew *e, int64_t offset, const int64_t *stride,
                        const char *var, const char *it) {
  if (ew_is_flat(e, offset, stride)) {
    gbuf_printf(b, "%s", var);
    return;
  }
  gbuf_printf(b, "(%lld as %s)", (long long)offset, it);
  for (int d = 0; d < e->rank; d++)
    if (e->dims[d] > 1 && stride[d] != 0) {
      gbuf_printf(b, " + %s / (%lld as %s)", var, (long long)ew_inner(e, d), it);
      if (d > 0)
        gbuf_printf(b, " %% (%lld as %s)", (long long)e->dims[d], it);
      gbuf_printf(b, " * (%lld as %s)", (long long)stride[d], it);
    }
}

/* Each thread takes v consecutive elements g0 .. g0 + v - 1, so a warp's
 * runs are one contiguous span (a 512-byte request for f32, four full
 * 128-byte lines); blocks take tiles of 256 * v grid-stride as in the
 * scalar schedule. Contiguous reads are one vcopy into a local run each,
 * the others stay per element; the results gather in a local run stored
 * with one vcopy (out_vec; a bool output is stored per element). total %
 * v == 0, so a run is all in range or all out. */
static void ew_emit_vector(gbuf *b, const rtc_ew *e, const bool *vec, bool out_vec, int v,
                           const char *it) {
  int64_t total = ew_total(e), tile = (int64_t)EW_THREADS * v;
  gbuf_printf(b, "    for base in range((blockIdx.x as %s) * %lld, (%lld as %s), (gridDim.x as %s) * %lld) {\n",
              it, (long long)tile, (long long)total, it, it, (long long)tile);
  gbuf_printf(b, "        let g0 = base + (threadIdx.x as %s) * %d;\n", it, v);
  gbuf_printf(b, "        if g0 < (%lld as %s) {\n", (long long)total, it);
  for (int i = 0; i < e->nnodes; i++) {
    const rtc_ew_node *n = &e->nodes[i];
    if (n->op != RTC_EW_LEAF || !vec[n->leaf] || ew_vec_first(e, vec, i) != i)
      continue;
    const rtc_ew_leaf *l = &e->leaves[n->leaf];
    hdtg_dtype dt = e->args[l->arg]->dt;
    gbuf_printf(b, "            local r%d: %s[%d];\n", i, ew_type(dt), v);
    gbuf_printf(b, "            vcopy(r%d[0], a%d[", i, l->arg);
    ew_index_at(b, e, l->offset, l->stride, "g0", it);
    gbuf_printf(b, "], %d);\n", v * (int)hdtg_dtype_size(dt));
  }
  if (out_vec)
    gbuf_printf(b, "            local o: %s[%d];\n", ew_type(e->out->dt), v);
  gbuf_printf(b, "            for k in range(%d) unroll(%d) {\n", v, v);
  gbuf_printf(b, "                let g = g0 + (k as %s);\n", it);
  ew_emit_body(b, e, vec, out_vec, it);
  int last = e->nnodes - 1;
  if (out_vec) {
    gbuf_printf(b, "                o[k] = ");
  } else {
    gbuf_printf(b, "                out[");
    ew_index(b, e, e->out_offset, e->out_stride, true);
    gbuf_printf(b, "] = ");
  }
  if (ew_compute(e->out->dt) != e->out->dt)
    gbuf_printf(b, "v%d as %s;\n", last, ew_type(e->out->dt));
  else
    gbuf_printf(b, "v%d;\n", last);
  gbuf_printf(b, "            }\n");
  if (out_vec) {
    gbuf_printf(b, "            vcopy(out[");
    ew_index_at(b, e, e->out_offset, e->out_stride, "g0", it);
    gbuf_printf(b, "], o[0], %d);\n", v * (int)hdtg_dtype_size(e->out->dt));
  }
  gbuf_printf(b, "        }\n    }\n}\n\n");
}

int rtc_ew_emit(const rtc_ew *e, const char *name, gbuf *b, char *err, size_t errsize) {
  if (ew_check_types(e, err, errsize))
    return -1;
  bool *vec = calloc((size_t)e->nleaves + 1, sizeof *vec);
  if (!vec) {
    snprintf(err, errsize, "out of memory writing kernel %s", name);
    return -1;
  }
  bool out_vec = false;
  int v = ew_plan_vector(e, vec, &out_vec);
  int64_t total = ew_total(e);
  int64_t tile = (int64_t)EW_THREADS * (v ? v : EW_PER_THREAD);
  int64_t tiles = (total + tile - 1) / tile;
  int64_t blocks = tiles < EW_MAX_BLOCKS ? (tiles > 0 ? tiles : 1) : EW_MAX_BLOCKS;
  /* i32 indices unless the grid-stride counter could pass 2^31 - 1. */
  bool wide = total + (int64_t)EW_MAX_BLOCKS * tile > INT32_MAX;
  const char *it = wide ? "i64" : "i32";
  ew_emit_params(b, e, name);
  gbuf_printf(b, "    grid(%lld) block(%d)\n{\n", (long long)blocks, EW_THREADS);
  if (v) {
    ew_emit_vector(b, e, vec, out_vec, v, it);
  } else {
    ew_emit_scalar(b, e, it);
  }
  free(vec);
  if (b->failed) {
    snprintf(err, errsize, "out of memory writing kernel %s", name);
    return -1;
  }
  return 0;
}

/* The scalar schedule, stdlib relu's (the header). */
static void ew_emit_scalar(gbuf *b, const rtc_ew *e, const char *it) {
  int64_t total = ew_total(e);
  gbuf_printf(b, "    for base in range((blockIdx.x as %s) * %d, (%lld as %s), (gridDim.x as %s) * %d) {\n",
             it, EW_TILE, (long long)total, it, it, EW_TILE);
  gbuf_printf(b, "        for t in rtc_ew_tile.on(threadIdx.x) {\n");
  gbuf_printf(b, "            let g = base + (t as %s);\n", it);
  gbuf_printf(b, "            if g < (%lld as %s) {\n", (long long)total, it);
  ew_emit_body(b, e, NULL, false, it);
  int last = e->nnodes - 1;
  gbuf_printf(b, "                out[");
  ew_index(b, e, e->out_offset, e->out_stride, true);
  if (ew_compute(e->out->dt) != e->out->dt)
    gbuf_printf(b, "] = v%d as %s;\n", last, ew_type(e->out->dt));
  else
    gbuf_printf(b, "] = v%d;\n", last);
  gbuf_printf(b, "            }\n        }\n    }\n}\n\n");
}

int rtc_ew_emit_function(const rtc_ew *e, const char *name, bool value, gbuf *b, char *err,
                         size_t errsize) {
  if (ew_check_types(e, err, errsize))
    return -1;
  const char *t = ew_type(e->out->dt);
  if (value)
    gbuf_printf(b, "fn %s(v: %s, g: i64", name, t);
  else
    gbuf_printf(b, "fn %s(g: i64", name);
  for (int i = 0; i < e->nargs; i++) {
    int64_t n = gtensor_elems(e->args[i]);
    gbuf_printf(b, ", a%d: %s[%lld]", i, ew_type(e->args[i]->dt), (long long)(n > 0 ? n : 1));
  }
  gbuf_printf(b, ") -> %s {\n", t);
  ew_emit_body(b, e, NULL, false, "i64");
  int last = e->nnodes - 1;
  if (ew_compute(e->out->dt) != e->out->dt)
    gbuf_printf(b, "    return v%d as %s;\n}\n\n", last, t);
  else
    gbuf_printf(b, "    return v%d;\n}\n\n", last);
  if (b->failed) {
    snprintf(err, errsize, "out of memory writing function %s", name);
    return -1;
  }
  return 0;
}

/* The module-level declarations every generated kernel uses; written once
 * at the top of the translation unit. */
const char rtc_ew_prelude[] =
    "// Generated by the hdt model compiler (runtime/compile/ewgen.c).\n"
    "const rtc_ew_tile = repeat(4) * spatial(256);\n\n";
