/* select_anchor.c: kernel selection's anchors (select.c opens the
 * subject): each node that a stdlib operator template computes becomes an
 * instance of it, with the node's shapes and attributes as generic values
 * (docs/stdlib.md), and the element-wise chain after a MatMul, Gemm or
 * Conv its epilogue (compiler/epilogue.h). */
#include "select_impl.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* t, or (t NULL: an absent bias) a constant of `count` zeros of dtype dt;
 * NULL after an error. */
static hdtg_tensor *sel_bias_or_zeros(rtc_plan *p, const gnode *n, hdtg_tensor *t, hdtg_dtype dt,
                                      int64_t count) {
  if (t)
    return t;
  void *zero = calloc((size_t)count, hdtg_dtype_size(dt)); /* zero bits: 0 in every dtype */
  hdtg_tensor *z = zero ? sel_tensor(p, dt, 1, &count, zero) : NULL;
  free(zero);
  if (!z)
    sel_fail(p, n, "out of memory");
  return z;
}

/* Writes e (whose last node is v) as device function `name` of the source
 * (value: an epilogue's, with the stored value as parameter; else a
 * prologue's), puts its tensors in place of k's argument `at` (then
 * `last`, when not NULL: the epilogue's new output), and makes `names` k's
 * operator list. Frees e and names. */
static int sel_fuse_function(rtc_plan *p, const gnode *n, rtc_kernel *k, rtc_ew *e, int v,
                             const char *name, bool value, int at, hdtg_tensor *last,
                             gbuf *names) {
  char err[256];
  int rc = 0, add = e->nargs + (last ? 1 : 0);
  if (v == -2)
    rc = -1; /* said already */
  else if (v < 0 || names->failed)
    rc = sel_fail(p, n, "out of memory");
  else if (rtc_ew_emit_function(e, name, value, &p->source, err, sizeof err))
    rc = sel_fail(p, n, "%s", err);
  hdtg_tensor **args = rc ? NULL : malloc(sizeof *args * (size_t)(k->nargs - 1 + add));
  if (!rc && !args)
    rc = sel_fail(p, n, "out of memory");
  if (!rc) {
    sel_copy_ptrs(args, k->args, at);
    sel_copy_ptrs(args + at, e->args, e->nargs);
    if (last)
      args[at + e->nargs] = last;
    sel_copy_ptrs(args + at + add, k->args + at + 1, k->nargs - at - 1);
    free(k->args);
    k->args = args;
    k->nargs += add - 1;
    free(k->ops);
    k->ops = names->s;
    names->s = NULL;
  }
  gbuf_free(names);
  rtc_ew_free(e);
  return rc;
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
  gbuf names = {0};
  gbuf_printf(&names, "%s", k->ops);
  if (root)
    sel_ew_names(p, &names, g, root);
  snprintf(k->epilogue, sizeof k->epilogue, "%s_epi", k->symbol);
  return sel_fuse_function(p, n, k, &e, v, k->epilogue, true, k->nargs - 1, final, &names);
}

/* The prologues of anchor n (select.c decides them): each input computed
 * by an element-wise node is replaced, in k's arguments, by that node's
 * inputs, and a function `kN_proI` of the source computes its elements in
 * the template's loads (compiler/epilogue.h). Called after sel_epilogue,
 * from the last input to the first, as the compiler applies them. */
static int sel_prologues(rtc_plan *p, hdtg_graph *g, const gnode *n, rtc_kernel *k) {
  for (int input = 3; input >= 0; input--)
    for (int i = 0; i < p->npro; i++) {
      if (p->pro_anchor[i] != n || p->pro_input[i] != input || k->nprologues == 4)
        continue;
      const gnode *prod = p->pro_node[i];
      rtc_ew e;
      gbuf names = {0};
      int v = sel_ew_describe(p, g, prod, &e, &names);
      if (p->pro_view[i])
        gbuf_printf(&names, "+%s", hdtg_op_name(p->pro_view[i]->op));
      gbuf_printf(&names, "+%s", k->ops);
      char name[sizeof k->prologue[0]];
      snprintf(name, sizeof name, "%s_pro%d", k->symbol, input);
      if (sel_fuse_function(p, n, k, &e, v, name, false, input, NULL, &names))
        return -1;
      memcpy(k->prologue[k->nprologues], name, sizeof name);
      k->prologue_input[k->nprologues++] = input;
    }
  return 0;
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

/* ---- tile sizes: a rule on the shapes and the target --------------------- */

/* The smallest power of two >= d, within [lo, hi]. */
static int64_t sel_fit_tile(int64_t d, int64_t lo, int64_t hi) {
  int64_t t = lo;
  while (t < d && t < hi)
    t *= 2;
  return t;
}

/* BM x BN for an anchor whose grid is batch x cdiv(m, BM) x cdiv(n, BN)
 * blocks (docs/stdlib.md, "Tile sizes"): the largest tiles, from hi down
 * by halves to lo, whose grid fills at least one wave of the target's
 * multiprocessors (target.h's sm_count; a block per multiprocessor is the
 * least that keeps every one busy), each no larger than its dimension
 * needs. Large tiles reuse each loaded element more (a 128 x 128 tile
 * reads 1/64 of an operand per FMA, a 32 x 32 one 1/16), small ones make
 * more blocks: past one wave, bigger is better. */
static void sel_wave_tiles(const rtc_plan *p, int64_t batch, int64_t m, int64_t n, int64_t lo,
                           int64_t hi_m, int64_t hi_n, int64_t *bm, int64_t *bn) {
  for (int64_t t = hi_m > hi_n ? hi_m : hi_n;; t /= 2) {
    *bm = sel_fit_tile(m, lo, t < hi_m ? t : hi_m);
    *bn = sel_fit_tile(n, lo, t < hi_n ? t : hi_n);
    int64_t blocks = batch * ((m + *bm - 1) / *bm) * ((n + *bn - 1) / *bn);
    if (blocks >= p->sm_count || t <= lo)
      return;
  }
}

/* c[BATCH, M, N] = a @ b for the matmul template (docs/stdlib.md). */
static bool sel_has_prologue(const rtc_plan *p, const gnode *n, int input) {
  for (int i = 0; i < p->npro; i++)
    if (p->pro_anchor[i] == n && p->pro_input[i] == input)
      return true;
  return false;
}

/* f16 takes matmul_f16_tc.hdt, on the tensor cores, where the plan asks
 * for them (cuda devices by default: the host's exact emulation of mma is
 * 3-4 times slower than matmul_f16.hdt's f32 FMA loop, docs/stdlib.md),
 * else matmul_f16.hdt; the two have the same generics and tensors. Every
 * shape suits the tensor-core template. A prologue (an input computed in the
 * loads) needs that input's element-wise copy, since cp.async copies raw
 * memory: A_ASYNC / B_ASYNC = false turn its cp.async off. f32 takes
 * matmul_tf32.hdt (the same generics, tf32 mma m16n8k8) only when the
 * plan asks for tf32, since it rounds the operands; else matmul.hdt. */
static int sel_matmul_core(rtc_plan *p, hdtg_graph *g, gnode *n, hdtg_tensor *a,
                           hdtg_tensor *b, hdtg_tensor *c, int64_t batch, int64_t m, int64_t nn,
                           int64_t k, bool a_batched, bool b_batched, bool ta, bool tb) {
  hdtg_tensor *args[] = {a, b, c};
  rtc_kernel *kk = NULL;
  bool f16 = c->dt == HDTG_F16, tf32 = !f16 && p->tf32, tc = (f16 && p->tensor_cores) || tf32;
  const char *file = tf32 ? "matmul_tf32.hdt"
                     : tc ? "matmul_f16_tc.hdt" : f16 ? "matmul_f16.hdt" : "matmul.hdt";
  const char *kernel = tf32 ? "matmul_tf32" : tc ? "matmul_f16_tc" : f16 ? "matmul_f16" : "matmul";
  if (sel_instance(p, n, file, kernel, args, 3, &kk))
    return -1;
  kk->tensor_cores = tc;
  /* Tiles: 16 to 128 on the CUDA cores; 32 to 128 on the tensor cores,
   * whose 4 warps take a quarter each in mma tiles of 16 x 8. */
  int64_t bm, bn;
  sel_wave_tiles(p, batch, m, nn, tc ? 32 : 16, 128, 128, &bm, &bn);
  static const char *const names[] = {"BATCH", "M", "N", "K", "BM", "BN", "A_BATCHED",
                                      "B_BATCHED", "TRANS_A", "TRANS_B", "A_ASYNC", "B_ASYNC"};
  const int64_t values[] = {batch, m, nn, k, bm, bn, a_batched, b_batched, ta, tb,
                            !sel_has_prologue(p, n, 0), !sel_has_prologue(p, n, 1)};
  return sel_defines(p, kk, names, values, tc ? 12 : 10, 0xfc0) || sel_epilogue(p, g, n, kk) ||
                 sel_prologues(p, g, n, kk)
             ? -1
             : 0;
}

/* MatMul, Gemm and Conv have f32 and f16 templates (f16: f32 accumulation,
 * matmul_f16.hdt and conv_f16.hdt): every input of n of one of the two. */
static int sel_require_f32_or_f16(rtc_plan *p, const gnode *n) {
  hdtg_dtype dt = n->in[0]->dt;
  for (int i = 0; i < n->nin; i++)
    if ((dt != HDTG_F32 && dt != HDTG_F16) || n->in[i]->dt != dt)
      return sel_fail(p, n, "input %d is %s; this operator's kernels take f32 or f16 (all "
                      "inputs alike)", i, hdtg_dtype_name(n->in[i]->dt));
  return 0;
}

/* Operand t of a matmul writing c, broadcast to c's batch dimensions and
 * written to a new tensor; NULL after an error. */
static hdtg_tensor *sel_expand_batch(rtc_plan *p, const gnode *n, hdtg_tensor *t,
                                     const hdtg_tensor *c) {
  int64_t dims[HDTG_MAX_RANK];
  int rank = c->rank;
  for (int d = 0; d < rank - 2; d++)
    dims[d] = sel_dim(c, d);
  dims[rank - 2] = sel_dim(t, t->rank - 2);
  dims[rank - 1] = sel_dim(t, t->rank - 1);
  hdtg_tensor *x = sel_tensor(p, t->dt, rank, dims, NULL);
  if (!x)
    return sel_fail(p, n, "out of memory"), NULL;
  rtc_ew e;
  rtc_ew_init(&e, x);
  int v = rtc_ew_read_broadcast(&e, t);
  v = v < 0 ? v : rtc_ew_add(&e, (rtc_ew_node){.op = RTC_EW_COPY, .a = {v}, .dt = t->dt});
  int rc = v < 0 ? sel_fail(p, n, "out of memory") : sel_ew_finish(p, n, &e, "Expand+MatMul(batch)");
  rtc_ew_free(&e);
  return rc ? NULL : x;
}

/* ONNX MatMul: numpy semantics (1-D operands, broadcast batch dimensions). */
int sel_matmul(rtc_plan *p, hdtg_graph *g, gnode *n) {
  if (sel_require_f32_or_f16(p, n))
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
  /* Batch dimensions that broadcast partly ([2, 3, M, K] @ [3, K, N]): the
   * operand is expanded to the whole batch first (a copy kernel). */
  if (ab != 1 && ab != batch && !(a = sel_expand_batch(p, n, a, c)))
    return -1;
  if (bb != 1 && bb != batch && !(b = sel_expand_batch(p, n, b, c)))
    return -1;
  ab = a->rank > 2 ? sel_prod(a, 0, a->rank - 2) : 1;
  bb = b->rank > 2 ? sel_prod(b, 0, b->rank - 2) : 1;
  return sel_matmul_core(p, g, n, a, b, c, batch, m, nn, k, ab != 1, bb != 1, false, false);
}

/* Gemm: y = alpha * op(A) op(B) + beta * C: the matmul, with alpha and
 * beta * C (and what follows) in its epilogue. */
int sel_gemm(rtc_plan *p, hdtg_graph *g, gnode *n) {
  if (sel_require_f32_or_f16(p, n))
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

/* Batch normalisation right after a convolution folds into its weights
 * and bias: w'[k] = w[k] * a[k], b'[k] = b[k] * a[k] + shift[k], with a and
 * shift as sel_bn_scale_shift computes them. Only when the convolution's
 * one reader is that BatchNormalization (it then is part of the conv's
 * epilogue chain) and the weights and parameters are constants. Returns
 * the folded node (the epilogue then reads through it), NULL when nothing
 * folds, or n itself after an error. */
static const gnode *sel_conv_bn(rtc_plan *p, hdtg_graph *g, gnode *n, hdtg_tensor **w,
                                hdtg_tensor **bias) {
  if (!sel_epi_pair(p, n, true) || !(*w)->data || !(*bias)->data || (*w)->dt != HDTG_F32)
    return NULL;
  const gnode *bn = NULL;
  for (int i = 0; i < g->nnodes && !bn; i++)
    if (!g->nodes[i]->removed && g->nodes[i]->op == HDTG_OP_BATCHNORM && g->nodes[i]->in[0] == n->out)
      bn = g->nodes[i];
  if (!bn)
    return NULL;
  for (int i = 1; i < 5; i++)
    if (!bn->in[i]->data || bn->in[i]->dt != HDTG_F32)
      return NULL;
  int64_t kout = sel_dim(*w, 0), per = gtensor_elems(*w) / (kout ? kout : 1);
  double *a = malloc(sizeof *a * (size_t)kout), *shift = malloc(sizeof *shift * (size_t)kout);
  float *wv = malloc(sizeof *wv * (size_t)gtensor_elems(*w)), *bv = malloc(sizeof *bv * (size_t)kout);
  const gnode *rc = n;
  if (a && shift && wv && bv) {
    sel_bn_scale_shift(bn, a, shift);
    const float *w0 = (*w)->data, *b0 = (*bias)->data;
    for (int64_t k = 0; k < kout; k++) {
      for (int64_t i = 0; i < per; i++)
        wv[k * per + i] = (float)(w0[k * per + i] * a[k]);
      bv[k] = (float)(b0[k] * a[k] + shift[k]);
    }
    int64_t wd[HDTG_MAX_RANK];
    for (int d = 0; d < (*w)->rank; d++)
      wd[d] = sel_dim(*w, d);
    hdtg_tensor *nw = sel_tensor(p, HDTG_F32, (*w)->rank, wd, wv);
    hdtg_tensor *nb = sel_tensor(p, HDTG_F32, 1, &kout, bv);
    if (nw && nb) {
      *w = nw;
      *bias = nb;
      rc = bn;
    }
  }
  free(a);
  free(shift);
  free(wv);
  free(bv);
  if (rc == n)
    sel_fail(p, n, "out of memory");
  return rc;
}

int sel_conv(rtc_plan *p, hdtg_graph *g, gnode *n) {
  if (sel_require_f32_or_f16(p, n))
    return -1;
  hdtg_tensor *x = n->in[0], *w = n->in[1], *y = n->out;
  if (x->rank != 3 && x->rank != 4)
    return sel_fail(p, n, "%d-D convolution is not supported (1-D and 2-D are)", x->rank - 2);
  int64_t kout = sel_dim(w, 0);
  hdtg_tensor *bias = sel_bias_or_zeros(p, n, n->nin > 2 ? n->in[2] : NULL, x->dt, kout);
  if (!bias)
    return -1;
  const gnode *bn = sel_conv_bn(p, g, n, &w, &bias);
  if (bn == (const gnode *)n)
    return -1;
  sel_window win;
  sel_window_of(n, x, y, x->rank == 4 ? sel_dim(w, 2) : 1, sel_dim(w, w->rank - 1), &win);
  hdtg_tensor *args[] = {x, w, bias, y};
  rtc_kernel *k = NULL;
  bool f16 = x->dt == HDTG_F16;
  int64_t groups = gattr_int(n, HDTG_A_GROUP, 1);
  /* f16 on the tensor cores (conv_f16_tc.hdt, the same generics and
   * tensors) where the plan asks for them, as the matmul, unless a group
   * has 4 output channels or fewer (depthwise): its mma tiles of 16 rows
   * would be mostly padding, and conv_f16.hdt's direct schedule suits it. */
  bool tc = f16 && p->tensor_cores && kout / groups > 4;
  const char *file = tc ? "conv_f16_tc.hdt" : f16 ? "conv_f16.hdt" : "conv.hdt";
  if (sel_instance(p, n, file, tc ? "conv2d_f16_tc" : f16 ? "conv2d_f16" : "conv2d", args, 4, &k))
    return -1;
  k->tensor_cores = tc;
  /* The implicit GEMM's tiles (docs/stdlib.md): rows are output channels
   * of a group (at most 64 on the CUDA cores), columns output pixels of the
   * batch, one grid layer per group. */
  int64_t tile_m, tile_n;
  sel_wave_tiles(p, groups, kout / groups, sel_dim(x, 0) * win.oh * win.ow, tc ? 32 : 16,
                 tc ? 128 : 64, 128, &tile_m, &tile_n);
  static const char *const names[] = {"N", "C", "H", "W", "K", "R", "S", "OH", "OW",
                                      "SH", "SW", "PH", "PW", "DH", "DW", "GROUPS", "BM", "BN"};
  const int64_t values[] = {sel_dim(x, 0), sel_dim(x, 1), win.h, win.w, kout, win.kh, win.kw,
                            win.oh, win.ow, win.sh, win.sw, win.ph, win.pw, win.dh, win.dw,
                            groups, tile_m, tile_n};
  if (sel_defines(p, k, names, values, 18, 0))
    return -1;
  p->epi_folded = bn;
  int rc = sel_epilogue(p, g, n, k);
  p->epi_folded = NULL;
  return rc ? rc : sel_prologues(p, g, n, k);
}

int sel_pool(rtc_plan *p, hdtg_graph *g, gnode *n) {
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
  rtc_kernel *k = NULL;
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
  rtc_kernel *k = NULL;
  if (sel_instance(p, n, "reduce_axis.hdt", "reduce_axis", args, 2, &k))
    return -1;
  static const char *const names[] = {"OUTER", "R", "INNER", "OP"};
  const int64_t values[] = {outer, r, inner, op};
  return sel_defines(p, k, names, values, 4, 0);
}

int sel_global_pool(rtc_plan *p, hdtg_graph *g, gnode *n) {
  (void)g;
  if (sel_require_f32(p, n))
    return -1;
  hdtg_tensor *x = n->in[0];
  return sel_reduce_core(p, n, x, n->out, sel_prod(x, 0, 2), sel_prod(x, 2, x->rank), 1,
                         n->op == HDTG_OP_GLOBALMAXPOOL ? 2 : 1);
}

/* ReduceSum / ReduceMean: one reduce_axis per run of contiguous reduced
 * axes, last run first (a mean of means over equal groups is the mean). */
int sel_reduce(rtc_plan *p, hdtg_graph *g, gnode *n) {
  (void)g;
  if (sel_require_f32(p, n))
    return -1;
  hdtg_tensor *x = n->in[0];
  int64_t axes[HDTG_MAX_RANK];
  const gattr *a = gnode_attr(n, HDTG_A_AXES);
  int count = a ? a->n : n->nin > 1 ? gconst_ints(n->in[1], axes, HDTG_MAX_RANK) : 0;
  if (a)
    for (int i = 0; i < count && i < HDTG_MAX_RANK; i++)
      axes[i] = a->ints[i];
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

int sel_softmax(rtc_plan *p, hdtg_graph *g, gnode *n) {
  (void)g;
  if (sel_require_f32(p, n))
    return -1;
  hdtg_tensor *x = n->in[0];
  int64_t axis = gattr_int(n, HDTG_A_AXIS, -1);
  if (axis < 0)
    axis += x->rank;
  hdtg_tensor *args[] = {x, n->out};
  rtc_kernel *k = NULL;
  if (sel_instance(p, n, "softmax.hdt", "softmax", args, 2, &k))
    return -1;
  static const char *const names[] = {"OUTER", "L", "INNER", "LOG"};
  const int64_t values[] = {sel_prod(x, 0, (int)axis), sel_dim(x, (int)axis),
                            sel_prod(x, (int)axis + 1, x->rank), n->op == HDTG_OP_LOGSOFTMAX};
  return sel_defines(p, k, names, values, 4, 0x8);
}

int sel_layernorm(rtc_plan *p, hdtg_graph *g, gnode *n) {
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
  hdtg_tensor *bias = sel_bias_or_zeros(p, n, n->nin > 2 ? n->in[2] : NULL, HDTG_F32, cols);
  if (!bias)
    return -1;
  hdtg_tensor *args[] = {x, n->in[1], bias, n->out};
  rtc_kernel *k = NULL;
  if (sel_instance(p, n, "layer_norm.hdt", "layer_norm", args, 4, &k))
    return -1;
  return sel_add_define(p, k, "ROWS", rows) || sel_add_define(p, k, "COLS", cols) ||
                 sel_add_define_float(p, k, "EPS", gattr_float(n, HDTG_A_EPSILON, 1e-5))
             ? -1
             : 0;
}

/* ArgMax / ArgMin along one axis (keepdims changes only the shape). */
int sel_arg_reduce(rtc_plan *p, hdtg_graph *g, gnode *n) {
  (void)g;
  if (sel_require_f32(p, n))
    return -1;
  hdtg_tensor *x = n->in[0];
  int64_t axis = gattr_int(n, HDTG_A_AXIS, 0);
  if (axis < 0)
    axis += x->rank;
  hdtg_tensor *args[] = {x, n->out};
  rtc_kernel *k = NULL;
  if (sel_instance(p, n, "arg_reduce.hdt", "arg_reduce", args, 2, &k))
    return -1;
  static const char *const names[] = {"OUTER", "R", "INNER", "IS_MAX", "SELECT_LAST"};
  const int64_t values[] = {sel_prod(x, 0, (int)axis), sel_dim(x, (int)axis),
                            sel_prod(x, (int)axis + 1, x->rank), n->op == HDTG_OP_ARGMAX,
                            gattr_int(n, HDTG_A_SELECT_LAST_INDEX, 0) != 0};
  return sel_defines(p, k, names, values, 5, 0x18);
}

int sel_instance_norm(rtc_plan *p, hdtg_graph *g, gnode *n) {
  (void)g;
  if (sel_require_f32(p, n))
    return -1;
  hdtg_tensor *x = n->in[0];
  hdtg_tensor *args[] = {x, n->in[1], n->in[2], n->out};
  rtc_kernel *k = NULL;
  if (sel_instance(p, n, "instance_norm.hdt", "instance_norm", args, 4, &k))
    return -1;
  static const char *const names[] = {"N", "C", "HW"};
  const int64_t values[] = {sel_dim(x, 0), sel_dim(x, 1), sel_prod(x, 2, x->rank)};
  return sel_defines(p, k, names, values, 3, 0) ||
                 sel_add_define_float(p, k, "EPS", gattr_float(n, HDTG_A_EPSILON, 1e-5))
             ? -1
             : 0;
}

/* ConvTranspose, 1-D or 2-D: weights [C, K / group, R, S]. */
int sel_conv_transpose(rtc_plan *p, hdtg_graph *g, gnode *n) {
  (void)g;
  if (sel_require_f32(p, n))
    return -1;
  hdtg_tensor *x = n->in[0], *w = n->in[1], *y = n->out;
  if (x->rank != 3 && x->rank != 4)
    return sel_fail(p, n, "%d-D transposed convolution is not supported (1-D and 2-D are)",
                    x->rank - 2);
  int sp = x->rank - 2;
  int64_t kout = sel_dim(y, 1), group = gattr_int(n, HDTG_A_GROUP, 1);
  hdtg_tensor *bias = sel_bias_or_zeros(p, n, n->nin > 2 ? n->in[2] : NULL, HDTG_F32, kout);
  if (!bias)
    return -1;
  const gattr *ap = gnode_attr(n, HDTG_A_AUTO_PAD);
  int64_t pad[2] = {0, 0};
  for (int i = 0; i < sp; i++) {
    int64_t in = sel_dim(x, 2 + i), out = sel_dim(y, 2 + i), kk = sel_dim(w, 2 + i);
    int64_t st = sel_attr_at(n, HDTG_A_STRIDES, i, 1), dl = sel_attr_at(n, HDTG_A_DILATIONS, i, 1);
    int64_t total = (in - 1) * st + (kk - 1) * dl + 1 - out; /* pads, both ends */
    if (ap && strcmp(ap->s, "SAME_UPPER") == 0)
      pad[i] = total / 2;
    else if (ap && strcmp(ap->s, "SAME_LOWER") == 0)
      pad[i] = total - total / 2;
    else
      pad[i] = sel_attr_at(n, HDTG_A_PADS, i, 0);
  }
  hdtg_tensor *args[] = {x, w, bias, y};
  rtc_kernel *k = NULL;
  if (sel_instance(p, n, "conv_transpose.hdt", "conv_transpose2d", args, 4, &k))
    return -1;
  bool one = sp == 1;
  static const char *const names[] = {"N", "C", "H", "W", "K", "R", "S", "OH", "OW",
                                      "SH", "SW", "PH", "PW", "DH", "DW", "GROUPS"};
  const int64_t values[] = {sel_dim(x, 0), sel_dim(x, 1), one ? 1 : sel_dim(x, 2),
                            sel_dim(x, x->rank - 1), kout, one ? 1 : sel_dim(w, 2),
                            sel_dim(w, w->rank - 1), one ? 1 : sel_dim(y, 2), sel_dim(y, y->rank - 1),
                            one ? 1 : sel_attr_at(n, HDTG_A_STRIDES, 0, 1),
                            sel_attr_at(n, HDTG_A_STRIDES, sp - 1, 1), one ? 0 : pad[0],
                            pad[sp - 1], one ? 1 : sel_attr_at(n, HDTG_A_DILATIONS, 0, 1),
                            sel_attr_at(n, HDTG_A_DILATIONS, sp - 1, 1), group};
  return sel_defines(p, k, names, values, 16, 0) ? -1 : sel_epilogue(p, g, n, k);
}

/* The dims of n's input and output right-aligned into 4 (pad4's and
 * tile4's layout); an error for other dtypes than f32 or ranks over 4. */
static int sel_dims4(rtc_plan *p, const gnode *n, int64_t *d, int64_t *o) {
  const hdtg_tensor *x = n->in[0], *y = n->out;
  if (x->dt != HDTG_F32 || x->rank > 4)
    return sel_fail(p, n, "%s of %s tensors of rank %d: f32 up to rank 4 is supported",
                    hdtg_op_name(n->op), hdtg_dtype_name(x->dt), x->rank);
  for (int i = 0; i < 4; i++) {
    d[i] = i < 4 - x->rank ? 1 : sel_dim(x, i - (4 - x->rank));
    o[i] = i < 4 - y->rank ? 1 : sel_dim(y, i - (4 - y->rank));
  }
  return 0;
}

int sel_pad_op(rtc_plan *p, hdtg_graph *g, gnode *n) {
  (void)g;
  hdtg_tensor *x = n->in[0], *y = n->out;
  int64_t d[4], o[4], pads[2 * HDTG_MAX_RANK], axes[HDTG_MAX_RANK], b[4] = {0};
  if (sel_dims4(p, n, d, o))
    return -1;
  int np = gconst_ints(n->in[1], pads, 2 * HDTG_MAX_RANK);
  int na = n->nin > 3 && gtensor_elems(n->in[3]) > 0 ? gconst_ints(n->in[3], axes, HDTG_MAX_RANK)
                                                    : -2;
  if (np < 0 || na == -1)
    return sel_fail(p, n, "pads and axes must be constants");
  int count = na >= 0 ? na : x->rank;
  for (int i = 0; i < count && i < np; i++) {
    int64_t ax = na >= 0 ? axes[i] : i;
    if (ax < 0)
      ax += x->rank;
    b[4 - x->rank + ax] = pads[i];
  }
  double value = 0;
  if (n->nin > 2 && gtensor_elems(n->in[2]) > 0 &&
      (!n->in[2]->data || !gload_float(n->in[2]->dt, n->in[2]->data, 0, &value)))
    return sel_fail(p, n, "constant_value must be a constant (it is a kernel's generic value)");
  const gattr *m = gnode_attr(n, HDTG_A_MODE);
  int mode = !m || strcmp(m->s, "constant") == 0 ? 0 : strcmp(m->s, "reflect") == 0 ? 1
             : strcmp(m->s, "edge") == 0 ? 2 : strcmp(m->s, "wrap") == 0 ? 3 : -1;
  if (mode < 0)
    return sel_fail(p, n, "mode '%s' is not constant, reflect, edge or wrap", m->s);
  hdtg_tensor *args[] = {x, y};
  rtc_kernel *k = NULL;
  if (sel_instance(p, n, "pad.hdt", "pad4", args, 2, &k))
    return -1;
  static const char *const names[] = {"D0", "D1", "D2", "D3", "B0", "B1", "B2", "B3",
                                      "O0", "O1", "O2", "O3", "MODE"};
  const int64_t values[] = {d[0], d[1], d[2], d[3], b[0], b[1], b[2], b[3],
                            o[0], o[1], o[2], o[3], mode};
  return sel_defines(p, k, names, values, 13, 0) || sel_add_define_float(p, k, "VALUE", value)
             ? -1
             : 0;
}

int sel_tile(rtc_plan *p, hdtg_graph *g, gnode *n) {
  (void)g;
  hdtg_tensor *x = n->in[0], *y = n->out;
  int64_t d[4], o[4];
  if (sel_dims4(p, n, d, o))
    return -1;
  hdtg_tensor *args[] = {x, y};
  rtc_kernel *k = NULL;
  if (sel_instance(p, n, "tile.hdt", "tile4", args, 2, &k))
    return -1;
  static const char *const names[] = {"D0", "D1", "D2", "D3", "O0", "O1", "O2", "O3"};
  const int64_t values[] = {d[0], d[1], d[2], d[3], o[0], o[1], o[2], o[3]};
  return sel_defines(p, k, names, values, 8, 0);
}

/* Resize of the last two axes of an NCHW tensor, nearest or linear. */
int sel_resize(rtc_plan *p, hdtg_graph *g, gnode *n) {
  (void)g;
  hdtg_tensor *x = n->in[0], *y = n->out;
  if (x->dt != HDTG_F32 || x->rank != 4 || sel_dim(x, 0) != sel_dim(y, 0) ||
      sel_dim(x, 1) != sel_dim(y, 1))
    return sel_fail(p, n, "only f32 NCHW tensors resized along H and W are supported");
  static const char *const coords[] = {"half_pixel", "asymmetric", "align_corners",
                                       "pytorch_half_pixel", "tf_half_pixel_for_nn"};
  static const char *const nearest[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};
  const gattr *m = gnode_attr(n, HDTG_A_MODE), *c = gnode_attr(n, HDTG_A_COORD_MODE);
  const gattr *nm = gnode_attr(n, HDTG_A_NEAREST_MODE);
  int coord = c ? -1 : 0, near = nm ? -1 : 0;
  for (int i = 0; c && i < 5; i++)
    coord = strcmp(c->s, coords[i]) == 0 ? i : coord;
  for (int i = 0; nm && i < 4; i++)
    near = strcmp(nm->s, nearest[i]) == 0 ? i : near;
  bool linear = m && strcmp(m->s, "linear") == 0;
  if ((m && !linear && strcmp(m->s, "nearest") != 0) || coord < 0 || near < 0)
    return sel_fail(p, n, "mode '%s', coordinate_transformation_mode '%s' or nearest_mode '%s' "
                    "is not supported", m ? m->s : "nearest", c ? c->s : "half_pixel",
                    nm ? nm->s : "round_prefer_floor");
  double scales[HDTG_MAX_RANK] = {0};
  int ns = 0;
  if (n->nin > 2 && gtensor_elems(n->in[2]) > 0) {
    if (gtensor_elems(n->in[2]) != 4 || !n->in[2]->data)
      return sel_fail(p, n, "scales must be a constant of 4 values");
    for (ns = 0; ns < 4; ns++)
      if (!gload_float(n->in[2]->dt, n->in[2]->data, ns, &scales[ns]))
        return sel_fail(p, n, "scales must be floats");
  }
  hdtg_tensor *args[] = {x, y};
  rtc_kernel *k = NULL;
  if (sel_instance(p, n, "resize.hdt", "resize2d", args, 2, &k))
    return -1;
  static const char *const names[] = {"N", "C", "H", "W", "OH", "OW", "LINEAR", "COORD", "NEAREST"};
  const int64_t values[] = {sel_dim(x, 0), sel_dim(x, 1), sel_dim(x, 2), sel_dim(x, 3),
                            sel_dim(y, 2), sel_dim(y, 3), linear, coord, near};
  if (sel_defines(p, k, names, values, 9, 0x40))
    return -1;
  return ns == 4 && (sel_add_define_float(p, k, "SCALE_H", scales[2]) ||
                     sel_add_define_float(p, k, "SCALE_W", scales[3]))
             ? -1
             : 0;
}

/* DepthToSpace (DCR, or CRD with mode "CRD") and SpaceToDepth on NCHW. */
int sel_depth_space(rtc_plan *p, hdtg_graph *g, gnode *n) {
  (void)g;
  hdtg_tensor *x = n->in[0];
  if (x->dt != HDTG_F32 || x->rank != 4)
    return sel_fail(p, n, "only f32 NCHW tensors are supported");
  bool d2s = n->op == HDTG_OP_DEPTH_TO_SPACE;
  const gattr *m = gnode_attr(n, HDTG_A_MODE);
  hdtg_tensor *args[] = {x, n->out};
  rtc_kernel *k = NULL;
  if (sel_instance(p, n, d2s ? "depth_to_space.hdt" : "space_to_depth.hdt",
                   d2s ? "depth_to_space" : "space_to_depth", args, 2, &k))
    return -1;
  static const char *const names[] = {"N", "C", "H", "W", "B", "CRD"};
  const int64_t values[] = {sel_dim(x, 0), sel_dim(x, 1), sel_dim(x, 2), sel_dim(x, 3),
                            gattr_int(n, HDTG_A_BLOCKSIZE, 1), m && strcmp(m->s, "CRD") == 0};
  return sel_defines(p, k, names, values, d2s ? 6 : 5, 0x20);
}
