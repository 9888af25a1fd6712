/* test_session_fusion.c: which operators fuse, and that fusing changes no
 * number. A ResNet-style block and a transformer encoder layer are each
 * compiled twice, fused and with hdtrt_compile_options.no_fusion, run on
 * the same fresh random input, and compared; the fused model's kernel
 * list (hdtrt_model_print_info) shows what joined what. */
#include "session_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ------------------------------------------------------------- */

typedef struct weights {
  tg_rand w[64];
  int n;
} weights;

static hdtg_tensor *wt(hdtg_graph *g, weights *ws, int rank, const int64_t *dims, float scale,
                       float shift) {
  cr_assert(ws->n < 64);
  tg_rand *r = &ws->w[ws->n++];
  *r = tg_random_tensor(rank, dims);
  for (size_t i = 0; i < r->n; i++)
    r->v[i] = r->v[i] * scale + shift;
  return tg_const(g, NULL, r);
}

static void weights_free(weights *ws) {
  for (int i = 0; i < ws->n; i++)
    tg_free_rand(&ws->w[i]);
}

/* The model's info text (hdtrt_model_print_info), malloc'd. */
static char *info_of(hdtrt_model *m) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  cr_assert(f);
  cr_assert_eq(hdtrt_model_print_info(m, f), HDTRT_OK);
  fclose(f);
  return text;
}

/* Compiles g fused and unfused, runs both on one random input of shape
 * xdims, and expects the same outputs; returns the fused model. */
static tg_model compare_fused_unfused(hdtg_graph *g, int rank, const int64_t *xdims, size_t nout,
                                      double tol) {
  hdtrt_compile_options plain = {.cache_dir = HDT_TEST_CACHE_DIR, .no_fusion = 1};
  tg_model unfused = {0};
  cr_assert_eq(hdtrt_compile(g, "host", &plain, &unfused.m), HDTRT_OK, "%s", hdtrt_last_error());
  hdtrt_model_get_stats(unfused.m, &unfused.stats);
  tg_model fused = tg_compile(g, "host");
  cr_expect_lt(fused.stats.kernels, unfused.stats.kernels, "fused %d kernels, unfused %d",
               fused.stats.kernels, unfused.stats.kernels);
  cr_expect_lt(fused.stats.intermediate_bytes, unfused.stats.intermediate_bytes);
  tg_rand x = tg_random_tensor(rank, xdims);
  float *a = tg_run1(&fused, "x", &x, nout), *b = tg_run1(&unfused, "x", &x, nout);
  for (size_t i = 0; i < nout; i++)
    tg_expect_close(a[i], b[i], tol, "fused vs unfused");
  free(a);
  free(b);
  tg_free_rand(&x);
  tg_model_free(&unfused);
  return fused;
}

/* ---- a ResNet-style block --------------------------------------------------- */

static hdtg_tensor *conv_bn(hdtg_graph *g, weights *ws, hdtg_tensor *x, int c, int k, int r,
                            int stride) {
  int64_t pads[] = {r / 2, r / 2, r / 2, r / 2}, st[] = {stride, stride};
  hdtg_attr ca[] = {HDTG_ATTR_IS("pads", pads, 4), HDTG_ATTR_IS("strides", st, 2)};
  hdtg_tensor *in[5] = {x, wt(g, ws, 4, (int64_t[]){k, c, r, r}, 0.5f, 0)};
  hdtg_tensor *t = tg_node(g, "Conv", in, 2, ca, 2);
  in[0] = t;
  in[1] = wt(g, ws, 1, (int64_t[]){k}, 0.5f, 1);   /* scale */
  in[2] = wt(g, ws, 1, (int64_t[]){k}, 0.5f, 0);   /* bias */
  in[3] = wt(g, ws, 1, (int64_t[]){k}, 0.5f, 0);   /* mean */
  in[4] = wt(g, ws, 1, (int64_t[]){k}, 0.25f, 1);  /* var, in [0.75, 1.25) */
  return tg_node(g, "BatchNormalization", in, 5, NULL, 0);
}

/* x [2, 8, 10, 10]: conv3x3-bn-relu, conv3x3-bn, + shortcut (conv1x1/2-bn
 * of x), relu, at stride 2 -> [2, 16, 5, 5]. */
static hdtg_graph *resnet_block(weights *ws) {
  hdtg_graph *g = tg_graph();
  hdtg_tensor *x = tg_input(g, "x", 4, (int64_t[]){2, 8, 10, 10});
  hdtg_tensor *a = tg_node1(g, "Relu", conv_bn(g, ws, x, 8, 16, 3, 2));
  a = conv_bn(g, ws, a, 16, 16, 3, 1);
  hdtg_tensor *s = conv_bn(g, ws, x, 8, 16, 1, 2);
  hdtg_tensor *y = tg_node1(g, "Relu", tg_node2(g, "Add", a, s));
  hdtg_mark_output(g, y);
  return g;
}

Test(session_fusion, resnet_block) {
  weights ws = {0};
  hdtg_graph *g = resnet_block(&ws);
  tg_model tm = compare_fused_unfused(g, 4, (int64_t[]){2, 8, 10, 10}, 2 * 16 * 25, 1e-5);
  cr_expect_eq(tm.stats.kernels, 3, "%d", tm.stats.kernels);
  char *info = info_of(tm.m);
  /* Each convolution's own batch normalisation folds into its weights;
   * the main path's second convolution takes the shortcut's batch
   * normalisation, the Add and the Relu into its stores; the shortcut's
   * convolution, whose chain that was, stores plainly. */
  cr_expect(strstr(info, "kernel k0: Conv+BatchNormalization(folded)+Relu\n"
                         "kernel k1: Conv\n"
                         "kernel k2: Conv+BatchNormalization(folded)+BatchNormalization+Add+Relu\n"),
            "%s", info);
  free(info);
  tg_model_free(&tm);
  weights_free(&ws);
  hdtg_destroy(g);
}

/* ---- a transformer encoder layer -------------------------------------------------- */

static hdtg_tensor *shape_const(hdtg_graph *g, int n, const int64_t *v) {
  static int fresh;
  char name[32];
  snprintf(name, sizeof name, "shape%d", fresh++);
  hdtg_tensor *t;
  int64_t d[] = {n};
  cr_assert_eq(hdtg_add_constant(g, name, HDTG_I64, 1, d, v, sizeof *v * (size_t)n, &t), HDTG_OK);
  return t;
}

static hdtg_tensor *perm4(hdtg_graph *g, hdtg_tensor *x, int64_t a, int64_t b, int64_t c,
                          int64_t d) {
  int64_t perm[] = {a, b, c, d};
  hdtg_attr pa = HDTG_ATTR_IS("perm", perm, 4);
  return tg_node(g, "Transpose", &x, 1, &pa, 1);
}

static hdtg_tensor *linear(hdtg_graph *g, weights *ws, hdtg_tensor *x, int in, int out) {
  hdtg_tensor *t = tg_node2(g, "MatMul", x, wt(g, ws, 2, (int64_t[]){in, out}, 0.3f, 0));
  return tg_node2(g, "Add", t, wt(g, ws, 1, (int64_t[]){out}, 0.1f, 0));
}

static hdtg_tensor *layer_norm(hdtg_graph *g, weights *ws, hdtg_tensor *x, int d) {
  hdtg_tensor *in[] = {x, wt(g, ws, 1, (int64_t[]){d}, 0.2f, 1), wt(g, ws, 1, (int64_t[]){d}, 0.1f, 0)};
  return tg_node(g, "LayerNormalization", in, 3, NULL, 0);
}

/* x [2, 9, 16], 4 heads of 4, FFN 32 with Gelu, post-norm (BERT). */
static hdtg_graph *encoder_layer(weights *ws) {
  enum { B = 2, S = 9, D = 16, H = 4, DH = 4, F = 32 };
  hdtg_graph *g = tg_graph();
  hdtg_tensor *x = tg_input(g, "x", 3, (int64_t[]){B, S, D});
  hdtg_tensor *heads = shape_const(g, 4, (int64_t[]){B, S, H, DH});
  hdtg_tensor *q = perm4(g, tg_node2(g, "Reshape", linear(g, ws, x, D, D), heads), 0, 2, 1, 3);
  hdtg_tensor *k = perm4(g, tg_node2(g, "Reshape", linear(g, ws, x, D, D), heads), 0, 2, 3, 1);
  hdtg_tensor *v = perm4(g, tg_node2(g, "Reshape", linear(g, ws, x, D, D), heads), 0, 2, 1, 3);
  tg_rand two = tg_random_tensor(0, NULL);
  two.v[0] = 2;
  hdtg_tensor *att = tg_node2(g, "Div", tg_node2(g, "MatMul", q, k), tg_const(g, "two", &two));
  tg_free_rand(&two);
  att = tg_node1(g, "Softmax", att);
  hdtg_tensor *o = perm4(g, tg_node2(g, "MatMul", att, v), 0, 2, 1, 3);
  o = tg_node2(g, "Reshape", o, shape_const(g, 3, (int64_t[]){B, S, D}));
  hdtg_tensor *h = layer_norm(g, ws, tg_node2(g, "Add", linear(g, ws, o, D, D), x), D);
  hdtg_tensor *f = linear(g, ws, tg_node1(g, "Gelu", linear(g, ws, h, D, F)), F, D);
  hdtg_tensor *y = layer_norm(g, ws, tg_node2(g, "Add", f, h), D);
  hdtg_mark_output(g, y);
  return g;
}

Test(session_fusion, transformer_encoder_layer) {
  weights ws = {0};
  hdtg_graph *g = encoder_layer(&ws);
  tg_model tm = compare_fused_unfused(g, 3, (int64_t[]){2, 9, 16}, 2 * 9 * 16, 1e-4);
  char *info = info_of(tm.m);
  /* The projections carry their bias; the FFN's first matmul its Gelu; the
   * output projections the residual Add; the heads' transposes are
   * computed in the attention matmuls' loads (prologues), the scaling in
   * their stores. */
  cr_expect(strstr(info, ": MatMul+Add\n"), "%s", info);
  cr_expect(strstr(info, ": MatMul+Add+Gelu\n"), "%s", info);
  cr_expect(strstr(info, ": MatMul+Add+Add\n"), "%s", info);
  cr_expect(strstr(info, ": Transpose+Transpose+MatMul+Div\n"), "%s", info);
  cr_expect(strstr(info, ": Transpose+MatMul\n"), "%s", info);
  /* The heads' merge, a Transpose then a Reshape, is the output
   * projection's prologue: a prologue passes through a reshape. */
  cr_expect(strstr(info, ": Transpose+Reshape+MatMul+Add+Add\n"), "%s", info);
  free(info);
  tg_model_free(&tm);
  weights_free(&ws);
  hdtg_destroy(g);
}

/* An anchor whose output is also a graph output, or read twice, keeps its
 * plain stores: the element-wise node after it is a kernel of its own. */
Test(session_fusion, shared_anchor_output_is_not_fused) {
  weights ws = {0};
  hdtg_graph *g = tg_graph();
  hdtg_tensor *x = tg_input(g, "x", 2, (int64_t[]){5, 8});
  hdtg_tensor *m = tg_node2(g, "MatMul", x, wt(g, &ws, 2, (int64_t[]){8, 8}, 1, 0));
  hdtg_tensor *y = tg_node2(g, "Mul", tg_node1(g, "Relu", m), m);
  hdtg_mark_output(g, y);
  tg_model tm = tg_compile(g, "host");
  char *info = info_of(tm.m);
  cr_expect(strstr(info, "kernel k0: MatMul\nkernel k1: Relu+Mul\n"), "%s", info);
  free(info);
  tg_rand rx = tg_random_tensor(2, (int64_t[]){5, 8});
  float *out = tg_run1(&tm, "x", &rx, 40);
  for (int i = 0; i < 5; i++)
    for (int j = 0; j < 8; j++) {
      double s = 0;
      for (int k = 0; k < 8; k++)
        s += (double)rx.v[i * 8 + k] * ws.w[0].v[k * 8 + j];
      tg_expect_close(out[i * 8 + j], (s > 0 ? s : 0) * s, 1e-5, "y");
    }
  free(out);
  tg_free_rand(&rx);
  tg_model_free(&tm);
  weights_free(&ws);
  hdtg_destroy(g);
}

/* Prologues: a Relu before a Conv (pre-activation) and a Transpose before
 * a Gemm are computed in the anchors' loads; the numbers are those of the
 * unfused graph. */
Test(session_fusion, prologues_into_conv_and_gemm) {
  weights ws = {0};
  hdtg_graph *g = tg_graph();
  hdtg_tensor *x = tg_input(g, "x", 4, (int64_t[]){2, 3, 7, 7});
  hdtg_tensor *in[] = {tg_node1(g, "Relu", x), wt(g, &ws, 4, (int64_t[]){4, 3, 3, 3}, 0.5f, 0)};
  int64_t pads[] = {1, 1, 1, 1}, st[] = {2, 2};
  hdtg_attr ca[] = {HDTG_ATTR_IS("pads", pads, 4), HDTG_ATTR_IS("strides", st, 2)};
  hdtg_tensor *c = tg_node(g, "Conv", in, 2, ca, 2);     /* [2, 4, 4, 4] */
  hdtg_tensor *f = tg_node1(g, "Flatten", c);              /* [2, 64] */
  int64_t perm[] = {1, 0};
  hdtg_attr pa = HDTG_ATTR_IS("perm", perm, 2);
  hdtg_tensor *ft = tg_node(g, "Transpose", &f, 1, &pa, 1); /* [64, 2] */
  hdtg_tensor *gin[] = {ft, wt(g, &ws, 2, (int64_t[]){64, 5}, 0.3f, 0)};
  hdtg_attr ta = HDTG_ATTR_I("transA", 1);
  hdtg_tensor *y = tg_node(g, "Gemm", gin, 2, &ta, 1);    /* [2, 5] */
  hdtg_mark_output(g, y);
  tg_model tm = compare_fused_unfused(g, 4, (int64_t[]){2, 3, 7, 7}, 10, 1e-5);
  char *info = info_of(tm.m);
  cr_expect(strstr(info, "kernel k0: Relu+Conv\n"), "%s", info);
  cr_expect(strstr(info, ": Transpose+Gemm\n"), "%s", info);
  free(info);
  tg_model_free(&tm);
  weights_free(&ws);
  hdtg_destroy(g);
}
