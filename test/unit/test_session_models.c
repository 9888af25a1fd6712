/* test_session_models.c: hand-built graphs with anchor operators, compiled
 * for the host target and checked against double-precision references
 * written here: an MLP (batched MatMul, Gemm), a residual convolution block
 * (Conv, BatchNormalization, Relu, Add, MaxPool, GlobalAveragePool,
 * Flatten, Gemm), an attention block (MatMul, Reshape, Transpose, Softmax,
 * LayerNormalization), and the arena of a ResNet-style stack. */
#include "session_util.h"

#include <stdlib.h>

/* ---- references (double precision, row-major) ------------------------------ */

/* c[m, n] = a[m, k] @ b[k, n] (+ bias[n]); ta/tb: a is [k, m], b is [n, k]. */
static void ref_matmul(const double *a, const double *b, const double *bias, double *c, int m,
                       int n, int k, int ta, int tb) {
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) {
      double s = bias ? bias[j] : 0;
      for (int x = 0; x < k; x++)
        s += a[ta ? x * m + i : i * k + x] * b[tb ? j * k + x : x * n + j];
      c[i * n + j] = s;
    }
}

/* y[n, ko, oh, ow] = conv(x[n, c, h, w], w[ko, c, r, r]) + bias, stride s, pad p. */
static void ref_conv(const double *x, const double *w, const double *bias, double *y, int nb,
                     int c, int h, int wd, int ko, int r, int s, int p, int oh, int ow) {
  for (int b = 0; b < nb; b++)
    for (int o = 0; o < ko; o++)
      for (int i = 0; i < oh; i++)
        for (int j = 0; j < ow; j++) {
          double acc = bias ? bias[o] : 0;
          for (int ci = 0; ci < c; ci++)
            for (int u = 0; u < r; u++)
              for (int v = 0; v < r; v++) {
                int yy = i * s - p + u, xx = j * s - p + v;
                if (yy >= 0 && yy < h && xx >= 0 && xx < wd)
                  acc += x[((b * c + ci) * h + yy) * wd + xx] * w[((o * c + ci) * r + u) * r + v];
              }
          y[((b * ko + o) * oh + i) * ow + j] = acc;
        }
}

static double *ref_of(const tg_rand *r) {
  double *d = malloc(sizeof *d * (r->n ? r->n : 1));
  cr_assert(d);
  for (size_t i = 0; i < r->n; i++)
    d[i] = r->v[i];
  return d;
}

static double *ref_new(size_t n) {
  double *d = calloc(n ? n : 1, sizeof *d);
  cr_assert(d);
  return d;
}

static void ref_relu(double *x, size_t n) {
  for (size_t i = 0; i < n; i++)
    x[i] = x[i] > 0 ? x[i] : 0;
}

static hdtg_tensor *weights(hdtg_graph *g, const char *name, int rank, const int64_t *dims,
                            tg_rand *keep) {
  *keep = tg_random_tensor(rank, dims);
  return tg_const(g, name, keep);
}

/* ---- an MLP ------------------------------------------------------------------ */

/* x [2, 5, 16] -> MatMul W1 [16, 24] + b1 -> Gelu -> Gemm(transB, alpha) with
 * the rows flattened -> output [10, 16]. */
Test(session_models, mlp_with_batched_matmul_and_gemm) {
  hdtg_graph *g = tg_graph();
  tg_rand w1, b1, w2, b2;
  hdtg_tensor *x = tg_input(g, "x", 3, (int64_t[]){2, 5, 16});
  hdtg_tensor *t = tg_node2(g, "MatMul", x, weights(g, "W1", 2, (int64_t[]){16, 24}, &w1));
  t = tg_node2(g, "Add", t, weights(g, "b1", 1, (int64_t[]){24}, &b1));
  t = tg_node1(g, "Gelu", t);
  hdtg_attr fa = HDTG_ATTR_I("axis", 2);
  t = tg_node(g, "Flatten", &t, 1, &fa, 1);
  hdtg_tensor *gin[] = {t, weights(g, "W2", 2, (int64_t[]){16, 24}, &w2),
                        weights(g, "b2", 1, (int64_t[]){16}, &b2)};
  hdtg_attr ga[] = {HDTG_ATTR_I("transB", 1), HDTG_ATTR_F("alpha", 0.5), HDTG_ATTR_F("beta", 2.0)};
  hdtg_tensor *y = tg_node(g, "Gemm", gin, 3, ga, 3);
  hdtg_mark_output(g, y);
  tg_model tm = tg_compile(g, "host");
  cr_expect_eq(tm.stats.kernels, 2, "MatMul+Add+Gelu, MatMul with the Gemm epilogue: %d",
               tm.stats.kernels);
  tg_rand rx = tg_random_tensor(3, (int64_t[]){2, 5, 16});
  float *out = tg_run1(&tm, "x", &rx, 160);
  double *dx = ref_of(&rx), *dw1 = ref_of(&w1), *db1 = ref_of(&b1), *dw2 = ref_of(&w2);
  double *h = ref_new(10 * 24), *yr = ref_new(10 * 16);
  ref_matmul(dx, dw1, db1, h, 10, 24, 16, 0, 0);
  for (int i = 0; i < 240; i++)
    h[i] = 0.5 * h[i] * (1 + erf(h[i] / sqrt(2.0)));
  ref_matmul(h, dw2, NULL, yr, 10, 16, 24, 0, 1);
  for (int i = 0; i < 160; i++)
    tg_expect_close(out[i], 0.5 * yr[i] + 2.0 * b2.v[i % 16], 1e-5, "y");
  free(dx), free(dw1), free(db1), free(dw2), free(h), free(yr), free(out);
  tg_free_rand(&w1), tg_free_rand(&b1), tg_free_rand(&w2), tg_free_rand(&b2), tg_free_rand(&rx);
  tg_model_free(&tm);
  hdtg_destroy(g);
}

/* ---- a residual convolution block ------------------------------------------------ */

typedef struct bn_params {
  tg_rand p[4]; /* scale, bias, mean, var */
} bn_params;

static hdtg_tensor *conv_bn(hdtg_graph *g, hdtg_tensor *x, int c, int k, tg_rand *w,
                            bn_params *bn, int stride) {
  hdtg_tensor *in[5] = {x, weights(g, NULL, 4, (int64_t[]){k, c, 3, 3}, w)};
  int64_t pads[] = {1, 1, 1, 1}, strides[] = {stride, stride};
  hdtg_attr ca[] = {HDTG_ATTR_IS("pads", pads, 4), HDTG_ATTR_IS("strides", strides, 2)};
  hdtg_tensor *t = tg_node(g, "Conv", in, 2, ca, 2);
  in[0] = t;
  for (int i = 0; i < 4; i++) {
    bn->p[i] = tg_random_tensor(1, (int64_t[]){k});
    if (i == 3)
      for (int j = 0; j < k; j++)
        bn->p[i].v[j] = 0.5f + (float)fabs(bn->p[i].v[j]);
    in[i + 1] = tg_const(g, NULL, &bn->p[i]);
  }
  return tg_node(g, "BatchNormalization", in, 5, NULL, 0);
}

static void ref_bn(double *y, const bn_params *bn, int nb, int k, int hw) {
  for (int i = 0; i < nb * k * hw; i++) {
    int c = i / hw % k;
    y[i] = (y[i] - bn->p[2].v[c]) / sqrt((double)bn->p[3].v[c] + 1e-5) * bn->p[0].v[c] +
           bn->p[1].v[c];
  }
}

/* x [2, 8, 9, 9] -> conv-bn-relu -> conv-bn -> + x -> relu -> MaxPool 3x3/2
 * -> GlobalAveragePool -> Flatten -> Gemm -> [2, 5]. */
Test(session_models, residual_conv_block) {
  hdtg_graph *g = tg_graph();
  const int nb = 2, c = 8, h = 9, hw = h * h;
  tg_rand w1, w2, wf, bf;
  bn_params bn1, bn2;
  hdtg_tensor *x = tg_input(g, "x", 4, (int64_t[]){nb, c, h, h});
  hdtg_tensor *t = tg_node1(g, "Relu", conv_bn(g, x, c, c, &w1, &bn1, 1));
  t = tg_node1(g, "Relu", tg_node2(g, "Add", conv_bn(g, t, c, c, &w2, &bn2, 1), x));
  int64_t ks[] = {3, 3}, st[] = {2, 2};
  hdtg_attr pa[] = {HDTG_ATTR_IS("kernel_shape", ks, 2), HDTG_ATTR_IS("strides", st, 2)};
  t = tg_node(g, "MaxPool", &t, 1, pa, 2); /* [2, 8, 4, 4] */
  t = tg_node1(g, "GlobalAveragePool", t);
  t = tg_node1(g, "Flatten", t);
  hdtg_tensor *gin[] = {t, weights(g, "Wf", 2, (int64_t[]){c, 5}, &wf),
                        weights(g, "bf", 1, (int64_t[]){5}, &bf)};
  hdtg_tensor *y = tg_node(g, "Gemm", gin, 3, NULL, 0);
  hdtg_mark_output(g, y);
  tg_model tm = tg_compile(g, "host");
  tg_rand rx = tg_random_tensor(4, (int64_t[]){nb, c, h, h});
  float *out = tg_run1(&tm, "x", &rx, 10);

  double *dx = ref_of(&rx), *dw1 = ref_of(&w1), *dw2 = ref_of(&w2);
  double *a = ref_new((size_t)nb * c * hw), *b = ref_new((size_t)nb * c * hw);
  ref_conv(dx, dw1, NULL, a, nb, c, h, h, c, 3, 1, 1, h, h);
  ref_bn(a, &bn1, nb, c, hw);
  ref_relu(a, (size_t)nb * c * hw);
  ref_conv(a, dw2, NULL, b, nb, c, h, h, c, 3, 1, 1, h, h);
  ref_bn(b, &bn2, nb, c, hw);
  for (int i = 0; i < nb * c * hw; i++)
    b[i] = b[i] + dx[i] > 0 ? b[i] + dx[i] : 0;
  double pooled[2 * 8] = {0};
  for (int n = 0; n < nb * c; n++)
    for (int i = 0; i < 4; i++)
      for (int j = 0; j < 4; j++) {
        double m = -INFINITY;
        for (int u = 0; u < 3; u++)
          for (int v = 0; v < 3; v++)
            m = fmax(m, b[(n * h + 2 * i + u) * h + 2 * j + v]);
        pooled[n] += m / 16;
      }
  for (int n = 0; n < nb; n++)
    for (int o = 0; o < 5; o++) {
      double s = bf.v[o];
      for (int k = 0; k < c; k++)
        s += pooled[n * c + k] * wf.v[k * 5 + o];
      tg_expect_close(out[n * 5 + o], s, 1e-4, "y");
    }
  free(dx), free(dw1), free(dw2), free(a), free(b), free(out);
  for (int i = 0; i < 4; i++)
    tg_free_rand(&bn1.p[i]), tg_free_rand(&bn2.p[i]);
  tg_free_rand(&w1), tg_free_rand(&w2), tg_free_rand(&wf), tg_free_rand(&bf), tg_free_rand(&rx);
  tg_model_free(&tm);
  hdtg_destroy(g);
}

/* ---- an attention block -------------------------------------------------------------- */

static hdtg_tensor *shape_const(hdtg_graph *g, int n, const int64_t *v) {
  hdtg_tensor *t;
  int64_t d[] = {n};
  static int fresh;
  char name[32];
  snprintf(name, sizeof name, "shape%d", fresh++);
  cr_assert_eq(hdtg_add_constant(g, name, HDTG_I64, 1, d, v, sizeof *v * (size_t)n, &t), HDTG_OK);
  return t;
}

static hdtg_tensor *transpose(hdtg_graph *g, hdtg_tensor *x, int64_t a, int64_t b, int64_t c,
                              int64_t d) {
  int64_t perm[] = {a, b, c, d};
  hdtg_attr pa = HDTG_ATTR_IS("perm", perm, 4);
  return tg_node(g, "Transpose", &x, 1, &pa, 1);
}

/* x [B=2, S=7, D=12], H=3 heads of 4: LayerNorm(x + Wo(softmax(q k^T / 2) v)). */
Test(session_models, attention_block) {
  enum { B = 2, S = 7, D = 12, H = 3, DH = 4 };
  hdtg_graph *g = tg_graph();
  tg_rand wq, wk, wv, wo, ln_s, ln_b;
  hdtg_tensor *x = tg_input(g, "x", 3, (int64_t[]){B, S, D});
  hdtg_tensor *heads = shape_const(g, 4, (int64_t[]){B, S, H, DH});
  hdtg_tensor *q = tg_node2(g, "MatMul", x, weights(g, "Wq", 2, (int64_t[]){D, D}, &wq));
  hdtg_tensor *k = tg_node2(g, "MatMul", x, weights(g, "Wk", 2, (int64_t[]){D, D}, &wk));
  hdtg_tensor *v = tg_node2(g, "MatMul", x, weights(g, "Wv", 2, (int64_t[]){D, D}, &wv));
  q = transpose(g, tg_node2(g, "Reshape", q, heads), 0, 2, 1, 3); /* [B, H, S, DH] */
  k = transpose(g, tg_node2(g, "Reshape", k, heads), 0, 2, 3, 1); /* [B, H, DH, S] */
  v = transpose(g, tg_node2(g, "Reshape", v, heads), 0, 2, 1, 3);
  float two = 2;
  hdtg_tensor *scale;
  int64_t scalar[1];
  cr_assert_eq(hdtg_add_constant(g, "two", HDTG_F32, 0, scalar, &two, 4, &scale), HDTG_OK, "%s",
               hdtg_last_error(g));
  hdtg_tensor *att = tg_node2(g, "Div", tg_node2(g, "MatMul", q, k), scale);
  att = tg_node1(g, "Softmax", att);
  hdtg_tensor *o = transpose(g, tg_node2(g, "MatMul", att, v), 0, 2, 1, 3); /* [B, S, H, DH] */
  o = tg_node2(g, "Reshape", o, shape_const(g, 3, (int64_t[]){B, S, D}));
  o = tg_node2(g, "Add", tg_node2(g, "MatMul", o, weights(g, "Wo", 2, (int64_t[]){D, D}, &wo)), x);
  hdtg_tensor *lin[] = {o, weights(g, "ln_s", 1, (int64_t[]){D}, &ln_s),
                        weights(g, "ln_b", 1, (int64_t[]){D}, &ln_b)};
  hdtg_tensor *y = tg_node(g, "LayerNormalization", lin, 3, NULL, 0);
  hdtg_mark_output(g, y);
  tg_model tm = tg_compile(g, "host");
  tg_rand rx = tg_random_tensor(3, (int64_t[]){B, S, D});
  float *out = tg_run1(&tm, "x", &rx, B * S * D);

  double *dx = ref_of(&rx), *dq = ref_new(B * S * D), *dk = ref_new(B * S * D);
  double *dv = ref_new(B * S * D), *ctx = ref_new(B * S * D), *dwq = ref_of(&wq);
  double *dwk = ref_of(&wk), *dwv = ref_of(&wv), *dwo = ref_of(&wo), *z = ref_new(B * S * D);
  ref_matmul(dx, dwq, NULL, dq, B * S, D, D, 0, 0);
  ref_matmul(dx, dwk, NULL, dk, B * S, D, D, 0, 0);
  ref_matmul(dx, dwv, NULL, dv, B * S, D, D, 0, 0);
  for (int b = 0; b < B; b++)
    for (int hh = 0; hh < H; hh++)
      for (int i = 0; i < S; i++) {
        double sc[S], mx = -INFINITY, sum = 0;
        for (int j = 0; j < S; j++) {
          double s = 0;
          for (int e = 0; e < DH; e++)
            s += dq[(b * S + i) * D + hh * DH + e] * dk[(b * S + j) * D + hh * DH + e];
          sc[j] = s / 2;
          mx = fmax(mx, sc[j]);
        }
        for (int j = 0; j < S; j++)
          sum += sc[j] = exp(sc[j] - mx);
        for (int e = 0; e < DH; e++) {
          double s = 0;
          for (int j = 0; j < S; j++)
            s += sc[j] / sum * dv[(b * S + j) * D + hh * DH + e];
          ctx[(b * S + i) * D + hh * DH + e] = s;
        }
      }
  ref_matmul(ctx, dwo, NULL, z, B * S, D, D, 0, 0);
  for (int r = 0; r < B * S; r++) {
    double mean = 0, var = 0;
    for (int c = 0; c < D; c++)
      mean += (z[r * D + c] += dx[r * D + c]) / D;
    for (int c = 0; c < D; c++)
      var += (z[r * D + c] - mean) * (z[r * D + c] - mean) / D;
    for (int c = 0; c < D; c++)
      tg_expect_close(out[r * D + c],
                      (z[r * D + c] - mean) / sqrt(var + 1e-5) * ln_s.v[c] + ln_b.v[c], 1e-4, "y");
  }
  free(dx), free(dq), free(dk), free(dv), free(ctx), free(dwq), free(dwk), free(dwv), free(dwo);
  free(z), free(out);
  tg_free_rand(&wq), tg_free_rand(&wk), tg_free_rand(&wv), tg_free_rand(&wo);
  tg_free_rand(&ln_s), tg_free_rand(&ln_b), tg_free_rand(&rx);
  tg_model_free(&tm);
  hdtg_destroy(g);
}

/* ---- the arena ------------------------------------------------------------------------ */

/* Six residual blocks: the arena, reused block after block, stays under
 * half the sum of the intermediates, and the outputs still match. */
Test(session_models, resnet_stack_arena_is_under_half) {
  enum { C = 4, HW = 16 * 16, BLOCKS = 6 };
  hdtg_graph *g = tg_graph();
  tg_rand w[2 * BLOCKS];
  bn_params bn[2 * BLOCKS];
  hdtg_tensor *t = tg_input(g, "x", 4, (int64_t[]){1, C, 16, 16});
  for (int blk = 0; blk < BLOCKS; blk++) {
    hdtg_tensor *a = tg_node1(g, "Relu", conv_bn(g, t, C, C, &w[2 * blk], &bn[2 * blk], 1));
    a = conv_bn(g, a, C, C, &w[2 * blk + 1], &bn[2 * blk + 1], 1);
    t = tg_node1(g, "Relu", tg_node2(g, "Add", a, t));
  }
  hdtg_mark_output(g, t);
  tg_model tm = tg_compile(g, "host");
  cr_expect(tm.stats.arena_bytes * 2 < tm.stats.intermediate_bytes,
            "arena %zu bytes, intermediates %zu", tm.stats.arena_bytes,
            tm.stats.intermediate_bytes);
  tg_rand rx = tg_random_tensor(4, (int64_t[]){1, C, 16, 16});
  float *out = tg_run1(&tm, "x", &rx, C * HW);
  double *cur = ref_of(&rx), *a = ref_new(C * HW), *b = ref_new(C * HW);
  for (int blk = 0; blk < BLOCKS; blk++) {
    double *w1 = ref_of(&w[2 * blk]), *w2 = ref_of(&w[2 * blk + 1]);
    ref_conv(cur, w1, NULL, a, 1, C, 16, 16, C, 3, 1, 1, 16, 16);
    ref_bn(a, &bn[2 * blk], 1, C, HW);
    ref_relu(a, C * HW);
    ref_conv(a, w2, NULL, b, 1, C, 16, 16, C, 3, 1, 1, 16, 16);
    ref_bn(b, &bn[2 * blk + 1], 1, C, HW);
    for (int i = 0; i < C * HW; i++)
      cur[i] = b[i] + cur[i] > 0 ? b[i] + cur[i] : 0;
    free(w1), free(w2);
  }
  for (int i = 0; i < C * HW; i++)
    tg_expect_close(out[i], cur[i], 1e-3, "y");
  free(cur), free(a), free(b), free(out);
  tg_free_rand(&rx);
  for (int i = 0; i < 2 * BLOCKS; i++) {
    tg_free_rand(&w[i]);
    for (int k = 0; k < 4; k++)
      tg_free_rand(&bn[i].p[k]);
  }
  tg_model_free(&tm);
  hdtg_destroy(g);
}

/* ---- f16 ------------------------------------------------------------------------------ */

/* x f32 -> Cast f16 -> MatMul (f16 weights) + bias -> Relu -> Cast f32: the
 * matmul_f16 template with its epilogue, f32 accumulation; the reference
 * from the f16-rounded values, the tolerance for one f16 rounding of the
 * matmul's output and the rounding of the bias add in f16. */
static uint16_t f16_bits(float f) {
  union { float f; uint32_t u; } v = {f};
  uint32_t sign = v.u >> 16 & 0x8000, e = v.u >> 23 & 0xff, m = v.u & 0x7fffff;
  int ex = (int)e - 127 + 15;
  if (ex <= 0 || ex >= 31)
    return (uint16_t)sign; /* the test's values are normal in f16 */
  uint32_t h = sign | (uint32_t)ex << 10 | m >> 13, rest = m & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (h & 1)))
    h++;
  return (uint16_t)h;
}

static double f16_value(uint16_t h) {
  int e = h >> 10 & 0x1f, m = h & 0x3ff;
  double v = e == 0 ? ldexp(m, -24) : ldexp(m + 1024, e - 25);
  return h >> 15 ? -v : v;
}

/* The model above, compiled for the host with the given tensor_cores
 * option; x_right puts the input on the right (x^T-free: W[M, K] @
 * Cast(x)[K, N], the bias along N still). Returns its tensor-core kernels. */
static int f16_matmul_model(int tensor_cores, bool x_right, int M, int K, int N) {
  hdtg_graph *g = tg_graph();
  int xr = x_right ? K : M, xc = x_right ? N : K, wr = x_right ? M : K, wc = x_right ? K : N;
  hdtg_tensor *x = tg_input(g, "x", 2, (int64_t[]){xr, xc});
  hdtg_attr to16 = HDTG_ATTR_I("to", HDTG_F16), to32 = HDTG_ATTR_I("to", HDTG_F32);
  hdtg_tensor *xh = tg_node(g, "Cast", &x, 1, &to16, 1);
  tg_rand w = tg_random_tensor(2, (int64_t[]){wr, wc}), bvals = tg_random_tensor(1, (int64_t[]){N});
  uint16_t *wh = malloc(sizeof *wh * (size_t)(K * (M > N ? M : N))), *bh = malloc(sizeof *bh * (size_t)N);
  cr_assert(wh && bh);
  for (int i = 0; i < wr * wc; i++)
    wh[i] = f16_bits(w.v[i]);
  for (int i = 0; i < N; i++)
    bh[i] = f16_bits(bvals.v[i]);
  hdtg_tensor *tw, *tb;
  cr_assert_eq(hdtg_add_constant(g, "w", HDTG_F16, 2, (int64_t[]){wr, wc}, wh,
                                 sizeof *wh * (size_t)(wr * wc), &tw), HDTG_OK);
  cr_assert_eq(hdtg_add_constant(g, "b", HDTG_F16, 1, (int64_t[]){N}, bh, sizeof *bh * (size_t)N, &tb),
               HDTG_OK);
  hdtg_tensor *mm = x_right ? tg_node2(g, "MatMul", tw, xh) : tg_node2(g, "MatMul", xh, tw);
  hdtg_tensor *t = tg_node1(g, "Relu", tg_node2(g, "Add", mm, tb));
  hdtg_tensor *y = tg_node(g, "Cast", &t, 1, &to32, 1);
  hdtg_mark_output(g, y);
  tg_model tm = {0};
  hdtrt_compile_options o = {.cache_dir = HDT_TEST_CACHE_DIR, .tensor_cores = tensor_cores};
  cr_assert_eq(hdtrt_compile(g, "host", &o, &tm.m), HDTRT_OK, "%s", hdtrt_last_error());
  cr_assert_eq(hdtrt_model_get_stats(tm.m, &tm.stats), HDTRT_OK);
  cr_expect_eq(tm.stats.kernels, 2, "Cast+MatMul+Add+Relu (the cast in its loads), Cast: %d",
               tm.stats.kernels);
  tg_rand rx = tg_random_tensor(2, (int64_t[]){xr, xc});
  float *out = tg_run1(&tm, "x", &rx, (size_t)(M * N));
  for (int i = 0; i < M; i++)
    for (int j = 0; j < N; j++) {
      double s = 0, mag = 0;
      for (int k = 0; k < K; k++) {
        double p = x_right ? f16_value(wh[i * K + k]) * f16_value(f16_bits(rx.v[k * N + j]))
                           : f16_value(f16_bits(rx.v[i * K + k])) * f16_value(wh[k * N + j]);
        s += p;
        mag += fabs(p);
      }
      s += f16_value(bh[j]);
      double want = s > 0 ? s : 0, err = fabs((double)out[i * N + j] - want);
      cr_expect(err <= 2e-3 * (fabs(want) + mag * 1e-2) + 1e-3, "y[%d, %d] = %g, want %g", i, j,
                (double)out[i * N + j], want);
    }
  int tc = tm.stats.tensor_core_kernels;
  free(out);
  free(wh);
  free(bh);
  tg_free_rand(&rx);
  tg_free_rand(&w);
  tg_free_rand(&bvals);
  tg_model_free(&tm);
  hdtg_destroy(g);
  return tc;
}

/* The host keeps the SIMT template by default (its emulation of mma is
 * exact but slower). */
Test(session_models, f16_matmul_with_epilogue) {
  cr_expect_eq(f16_matmul_model(0, false, 7, 40, 13), 0, "the host's default is matmul_f16");
}

/* On request, the host runs matmul_f16_tc (what cuda devices run by
 * default): the one MatMul kernel on the tensor cores, its epilogue fused,
 * the Cast of x in its loads (the element-wise copy: A_ASYNC=false) while
 * the f16 weights go by cp.async (N, then K, multiples of 8), and odd M, N
 * on the predicated edges; -1 keeps the SIMT kernel. */
Test(session_models, f16_matmul_on_tensor_cores) {
  cr_expect_eq(f16_matmul_model(1, false, 37, 40, 24), 1, "x @ W: one tensor-core kernel");
  cr_expect_eq(f16_matmul_model(1, true, 37, 48, 29), 1, "W @ x: one tensor-core kernel");
  cr_expect_eq(f16_matmul_model(-1, false, 37, 40, 24), 0, "tensor_cores = -1: none");
}

/* x f32 [2, 8, 10, 9] -> Cast f16 -> Conv 3x3 pad 1 (f16 weights [KO, 8],
 * bias) -> Relu -> Cast f32 on the host with the given tensor_cores
 * option: one kernel for Cast+Conv+Relu (the cast a prologue on x, which
 * the tensor-core template gathers element by element), checked against
 * the reference from the f16-rounded values. Returns the tensor-core
 * kernels. */
static int f16_conv_model(int tensor_cores, int ko) {
  enum { NB = 2, C = 8, H = 10, W = 9 };
  hdtg_graph *g = tg_graph();
  hdtg_tensor *x = tg_input(g, "x", 4, (int64_t[]){NB, C, H, W});
  hdtg_attr to16 = HDTG_ATTR_I("to", HDTG_F16), to32 = HDTG_ATTR_I("to", HDTG_F32);
  hdtg_tensor *xh = tg_node(g, "Cast", &x, 1, &to16, 1);
  tg_rand w = tg_random_tensor(4, (int64_t[]){ko, C, 3, 3}), bvals = tg_random_tensor(1, (int64_t[]){ko});
  uint16_t *wh = malloc(sizeof *wh * w.n), *bh = malloc(sizeof *bh * (size_t)ko);
  cr_assert(wh && bh);
  for (size_t i = 0; i < w.n; i++)
    wh[i] = f16_bits(w.v[i]);
  for (int i = 0; i < ko; i++)
    bh[i] = f16_bits(bvals.v[i]);
  hdtg_tensor *in[3];
  in[0] = xh;
  cr_assert_eq(hdtg_add_constant(g, "w", HDTG_F16, 4, (int64_t[]){ko, C, 3, 3}, wh, sizeof *wh * w.n, &in[1]),
               HDTG_OK);
  cr_assert_eq(hdtg_add_constant(g, "b", HDTG_F16, 1, (int64_t[]){ko}, bh, sizeof *bh * (size_t)ko, &in[2]),
               HDTG_OK);
  int64_t pads[] = {1, 1, 1, 1};
  hdtg_attr ca[] = {HDTG_ATTR_IS("pads", pads, 4)};
  hdtg_tensor *t = tg_node1(g, "Relu", tg_node(g, "Conv", in, 3, ca, 1));
  hdtg_tensor *y = tg_node(g, "Cast", &t, 1, &to32, 1);
  hdtg_mark_output(g, y);
  tg_model tm = {0};
  hdtrt_compile_options o = {.cache_dir = HDT_TEST_CACHE_DIR, .tensor_cores = tensor_cores};
  cr_assert_eq(hdtrt_compile(g, "host", &o, &tm.m), HDTRT_OK, "%s", hdtrt_last_error());
  cr_assert_eq(hdtrt_model_get_stats(tm.m, &tm.stats), HDTRT_OK);
  cr_expect_eq(tm.stats.kernels, 2, "Cast+Conv+Relu, Cast: %d kernels", tm.stats.kernels);
  tg_rand rx = tg_random_tensor(4, (int64_t[]){NB, C, H, W});
  float *out = tg_run1(&tm, "x", &rx, (size_t)(NB * ko * H * W));
  double *xr = ref_new(rx.n), *wr = ref_new(w.n), *br = ref_new((size_t)ko), *ref = ref_new((size_t)(NB * ko * H * W));
  double *mag = ref_new((size_t)(NB * ko * H * W)), *xa = ref_new(rx.n), *wa = ref_new(w.n);
  for (size_t i = 0; i < rx.n; i++)
    xa[i] = fabs(xr[i] = f16_value(f16_bits(rx.v[i])));
  for (size_t i = 0; i < w.n; i++)
    wa[i] = fabs(wr[i] = f16_value(wh[i]));
  for (int i = 0; i < ko; i++)
    br[i] = f16_value(bh[i]);
  ref_conv(xr, wr, br, ref, NB, C, H, W, ko, 3, 1, 1, H, W);
  ref_conv(xa, wa, NULL, mag, NB, C, H, W, ko, 3, 1, 1, H, W); /* sum of |products| */
  for (int i = 0; i < NB * ko * H * W; i++) {
    double want = ref[i] > 0 ? ref[i] : 0, err = fabs((double)out[i] - want);
    cr_expect(err <= 2e-3 * fabs(want) + 1e-5 * mag[i] + ldexp(1, -24), "y[%d] = %g, want %g", i,
              (double)out[i], want);
  }
  int tc = tm.stats.tensor_core_kernels;
  free(out), free(xr), free(wr), free(br), free(ref), free(mag), free(xa), free(wa), free(wh), free(bh);
  tg_free_rand(&rx);
  tg_free_rand(&w);
  tg_free_rand(&bvals);
  tg_model_free(&tm);
  hdtg_destroy(g);
  return tc;
}

/* The f16 Conv on the tensor cores on request (cuda's default), with 20
 * output channels; with 4 (<= 4 per group) it keeps conv_f16.hdt. */
Test(session_models, f16_conv_on_tensor_cores) {
  cr_expect_eq(f16_conv_model(1, 20), 1, "20 channels: conv2d_f16_tc");
  cr_expect_eq(f16_conv_model(1, 4), 0, "4 channels: conv2d_f16");
  cr_expect_eq(f16_conv_model(0, 20), 0, "the host's default: conv2d_f16");
}

/* tf32 on request: an f32 MatMul + bias + Relu compiled with tf32 = 1 runs
 * matmul_tf32 (one tensor-core kernel, the epilogue fused) within the tf32
 * bound (2^-10 + K 2^-23) sum |x w| (+ the bias's f32 rounding); and its
 * largest error is over what f32 allows (K 2^-24 of the same sum), so the
 * operands were rounded to tf32. Without the option, exact f32. */
static double tf32_matmul_model(int tf32, int *tc) {
  enum { M = 37, K = 64, N = 24 };
  hdtg_graph *g = tg_graph();
  tg_rand w, bv;
  hdtg_tensor *x = tg_input(g, "x", 2, (int64_t[]){M, K});
  hdtg_tensor *mm = tg_node2(g, "MatMul", x, weights(g, "w", 2, (int64_t[]){K, N}, &w));
  hdtg_tensor *y = tg_node1(g, "Relu", tg_node2(g, "Add", mm, weights(g, "b", 1, (int64_t[]){N}, &bv)));
  hdtg_mark_output(g, y);
  tg_model tm = {0};
  hdtrt_compile_options o = {.cache_dir = HDT_TEST_CACHE_DIR, .tf32 = tf32};
  cr_assert_eq(hdtrt_compile(g, "host", &o, &tm.m), HDTRT_OK, "%s", hdtrt_last_error());
  cr_assert_eq(hdtrt_model_get_stats(tm.m, &tm.stats), HDTRT_OK);
  cr_expect_eq(tm.stats.kernels, 1, "MatMul+Add+Relu: %d kernels", tm.stats.kernels);
  *tc = tm.stats.tensor_core_kernels;
  tg_rand rx = tg_random_tensor(2, (int64_t[]){M, K});
  float *out = tg_run1(&tm, "x", &rx, M * N);
  double worst = 0; /* the largest |y - ref| / sum |x w| */
  for (int i = 0; i < M; i++)
    for (int j = 0; j < N; j++) {
      double s = bv.v[j], mag = 0;
      for (int k = 0; k < K; k++) {
        s += (double)rx.v[i * K + k] * w.v[k * N + j];
        mag += fabs((double)rx.v[i * K + k] * w.v[k * N + j]);
      }
      double want = s > 0 ? s : 0, err = fabs((double)out[i * N + j] - want);
      cr_expect(err <= (ldexp(1, -10) + K * ldexp(1, -23)) * mag + ldexp(fabs(want), -23),
                "y[%d, %d] = %g, want %g", i, j, (double)out[i * N + j], want);
      worst = err / mag > worst ? err / mag : worst;
    }
  free(out);
  tg_free_rand(&rx);
  tg_free_rand(&w);
  tg_free_rand(&bv);
  tg_model_free(&tm);
  hdtg_destroy(g);
  return worst;
}

Test(session_models, f32_matmul_tf32_on_request) {
  int tc = -1;
  double tf32 = tf32_matmul_model(1, &tc);
  cr_expect_eq(tc, 1, "tf32 = 1: the MatMul on the tensor cores");
  cr_expect(tf32 > 64 * ldexp(1, -24), "largest error %g of sum |x w|: no tf32 rounding?", tf32);
  double f32 = tf32_matmul_model(0, &tc);
  cr_expect_eq(tc, 0, "tf32 = 0: matmul.hdt");
  cr_expect(f32 <= 64 * ldexp(1, -24), "largest error %g of sum |x w| in f32", f32);
}

/* Batch dimensions that broadcast partly: [2, 3, 4, 5] @ [3, 5, 6]. */
Test(session_models, matmul_partial_batch_broadcast) {
  hdtg_graph *g = tg_graph();
  tg_rand wb;
  hdtg_tensor *x = tg_input(g, "x", 4, (int64_t[]){2, 3, 4, 5});
  hdtg_tensor *y = tg_node2(g, "MatMul", x, weights(g, "B", 3, (int64_t[]){3, 5, 6}, &wb));
  hdtg_mark_output(g, y);
  tg_model tm = tg_compile(g, "host");
  tg_rand rx = tg_random_tensor(4, (int64_t[]){2, 3, 4, 5});
  float *out = tg_run1(&tm, "x", &rx, 2 * 3 * 4 * 6);
  for (int b0 = 0; b0 < 2; b0++)
    for (int b1 = 0; b1 < 3; b1++)
      for (int i = 0; i < 4; i++)
        for (int j = 0; j < 6; j++) {
          double s = 0;
          for (int k = 0; k < 5; k++)
            s += (double)rx.v[((b0 * 3 + b1) * 4 + i) * 5 + k] * wb.v[(b1 * 5 + k) * 6 + j];
          tg_expect_close(out[((b0 * 3 + b1) * 4 + i) * 6 + j], s, 1e-5, "y");
        }
  free(out);
  tg_free_rand(&rx);
  tg_free_rand(&wb);
  tg_model_free(&tm);
  hdtg_destroy(g);
}

/* ---- tile sizes from the target ------------------------------------------- */

/* The template instances hdtrt_compile chose for x [m, 8] @ w [8, n]
 * (verbose = 2 prints them on stderr, read back here). */
static char *matmul_instance(const char *device, int64_t m, int64_t n) {
  hdtg_graph *g = tg_graph();
  hdtg_tensor *x = tg_input(g, "x", 2, (int64_t[]){m, 8});
  hdtg_tensor *w = tg_input(g, "w", 2, (int64_t[]){8, n});
  hdtg_mark_output(g, tg_node2(g, "MatMul", x, w));
  char path[] = "/tmp/hdt-tiles-XXXXXX";
  int fd = mkstemp(path);
  cr_assert(fd >= 0);
  fflush(stderr);
  int saved = dup(2);
  cr_assert(saved >= 0 && dup2(fd, 2) >= 0);
  hdtrt_compile_options o = {.cache_dir = HDT_TEST_CACHE_DIR, .verbose = 2};
  hdtrt_model *model = NULL;
  hdtrt_status st = hdtrt_compile(g, device, &o, &model);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  close(fd);
  cr_assert_eq(st, HDTRT_OK, "%s", hdtrt_last_error());
  hdtrt_model_destroy(model);
  hdtg_destroy(g);
  size_t len;
  unsigned char *text = tg_read_file(path, &len);
  unlink(path);
  text[len] = 0;
  return (char *)text;
}

/* The largest tiles (128 down by halves) whose grid fills one wave of the
 * target's multiprocessors (108 for sm_80 and the host, 132 for sm_90a):
 * docs/stdlib.md, "Tile sizes". */
Test(session_models, tiles_fill_a_wave_of_the_target) {
  static const struct {
    const char *device;
    int64_t m, n;
    const char *want;
  } cases[] = {
      {"host", 2048, 2048, "BM=128, BN=128"}, /* 256 blocks of 128 x 128 */
      {"host", 256, 256, "BM=16, BN=16"},     /* 4, 16, 64 blocks fill nothing: 16 x 16 gives 256 */
      {"host", 20, 4096, "BM=32, BN=32"},     /* 20 rows fit a 32 tile: 128 blocks at 32 x 32 */
      {"host", 1536, 1152, "BM=128, BN=128"}, /* 12 x 9 = 108 blocks: one wave of sm_80 */
      {"cuda:sm_90a", 1536, 1152, "BM=64, BN=64"}, /* 108 < 132: halve */
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    if (strncmp(cases[i].device, "cuda", 4) == 0 && !tg_have_nvcc())
      continue;
    char *log = matmul_instance(cases[i].device, cases[i].m, cases[i].n);
    cr_expect_not_null(strstr(log, cases[i].want), "%s %lldx%lld: want %s in:\n%s", cases[i].device,
                       (long long)cases[i].m, (long long)cases[i].n, cases[i].want, log);
    free(log);
  }
}
