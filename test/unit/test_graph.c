/* test_graph.c: the graph IR (graph/graph.h): building the blocks of the
 * models the runtime targets (a residual MLP, a residual conv block, an
 * attention block) with symbolic sizes and checking every inferred shape
 * and dtype; broadcasting and its errors; constant folding of shape
 * subgraphs and of arithmetic on fresh random constants, checked against
 * values computed here; dead-node removal; specialisation; and the status
 * and message of every kind of misuse. Each test has its own graph. */
#define _POSIX_C_SOURCE 200809L
#include "graph.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- helpers ------------------------------------------------------------------- */

static unsigned seed_once(void) {
  static unsigned seed;
  if (!seed) {
    const char *s = getenv("HDT_SEED");
    seed = s ? (unsigned)strtoul(s, NULL, 10) : (unsigned)time(NULL) ^ (unsigned)clock();
    if (!seed) seed = 1;
    srand(seed);
    cr_log_info("seed %u (HDT_SEED=%u repeats it)", seed, seed);
  }
  return seed;
}

static hdtg_graph *gnew(void) {
  hdtg_graph *g = NULL;
  cr_assert_eq(hdtg_create(&g), HDTG_OK);
  cr_assert_str_eq(hdtg_last_error(g), "");
  return g;
}

static hdtg_tensor *input(hdtg_graph *g, const char *name, hdtg_dtype dt, int rank,
                          const hdtg_dim *dims) {
  hdtg_tensor *t = NULL;
  cr_assert_eq(hdtg_add_input(g, name, dt, rank, dims, &t), HDTG_OK, "%s", hdtg_last_error(g));
  return t;
}

/* An f32 constant of fresh random values in [-1, 1). */
static hdtg_tensor *weights(hdtg_graph *g, const char *name, int rank, const int64_t *dims) {
  size_t n = 1;
  for (int i = 0; i < rank; i++) n *= (size_t)dims[i];
  float *d = malloc(n * sizeof *d);
  for (size_t i = 0; i < n; i++) d[i] = (float)rand() / ((float)RAND_MAX / 2) - 1.0f;
  hdtg_tensor *t = NULL;
  cr_assert_eq(hdtg_add_constant(g, name, HDTG_F32, rank, dims, d, n * sizeof *d, &t), HDTG_OK,
               "%s", hdtg_last_error(g));
  free(d);
  return t;
}

static hdtg_tensor *ints(hdtg_graph *g, const char *name, int rank, const int64_t *dims,
                         const int64_t *vals) {
  size_t n = 1;
  for (int i = 0; i < rank; i++) n *= (size_t)dims[i];
  hdtg_tensor *t = NULL;
  cr_assert_eq(hdtg_add_constant(g, name, HDTG_I64, rank, dims, vals, n * sizeof *vals, &t),
               HDTG_OK, "%s", hdtg_last_error(g));
  return t;
}

static hdtg_tensor *vec(hdtg_graph *g, const char *name, int n, const int64_t *vals) {
  int64_t d[] = {n};
  return ints(g, name, 1, d, vals);
}

static hdtg_tensor *node(hdtg_graph *g, const char *op, const char *name, hdtg_tensor **in,
                         int nin, const hdtg_attr *attrs, int nattrs) {
  hdtg_tensor *t = NULL;
  cr_assert_eq(hdtg_add_node(g, op, name, in, nin, attrs, nattrs, &t), HDTG_OK, "%s",
               hdtg_last_error(g));
  return t;
}
#define NODE(g, op, name, ...)                                                             \
  node(g, op, name, (hdtg_tensor *[]){__VA_ARGS__},                                        \
       (int)(sizeof((hdtg_tensor *[]){__VA_ARGS__}) / sizeof(hdtg_tensor *)), NULL, 0)
#define NODEA(g, op, name, attrs, ...)                                                     \
  node(g, op, name, (hdtg_tensor *[]){__VA_ARGS__},                                        \
       (int)(sizeof((hdtg_tensor *[]){__VA_ARGS__}) / sizeof(hdtg_tensor *)), attrs,      \
       (int)(sizeof(attrs) / sizeof(hdtg_attr)))

/* "f32[batch, 512]", from the API (not the dump). */
static const char *type_of(hdtg_tensor *t, char *buf, size_t size) {
  hdtg_tensor_info info;
  cr_assert_eq(hdtg_tensor_get_info(t, &info), HDTG_OK);
  size_t k = (size_t)snprintf(buf, size, "%s[", hdtg_dtype_name(info.dtype));
  for (int i = 0; i < info.rank; i++) {
    hdtg_dim d;
    cr_assert_eq(hdtg_tensor_dim(t, i, &d), HDTG_OK);
    const char *sep = i ? ", " : "";
    if (d.symbol && d.value >= 0)
      k += (size_t)snprintf(buf + k, size - k, "%s%s=%lld", sep, d.symbol, (long long)d.value);
    else if (d.symbol) k += (size_t)snprintf(buf + k, size - k, "%s%s", sep, d.symbol);
    else if (d.value >= 0) k += (size_t)snprintf(buf + k, size - k, "%s%lld", sep, (long long)d.value);
    else k += (size_t)snprintf(buf + k, size - k, "%s?", sep);
  }
  snprintf(buf + k, size - k, "]");
  return buf;
}

static void expect_type(hdtg_tensor *t, const char *want) {
  char buf[256];
  cr_expect_str_eq(type_of(t, buf, sizeof buf), want);
}

static int nodes(hdtg_graph *g) {
  int n = -1;
  cr_assert_eq(hdtg_node_count(g, &n), HDTG_OK);
  return n;
}

/* The status of a node that must fail, and its message must contain want. */
static void expect_fail(hdtg_graph *g, hdtg_status st, hdtg_status want, const char *msg) {
  cr_expect_eq(st, want, "status %s, expected %s: %s", hdtg_status_name(st),
               hdtg_status_name(want), hdtg_last_error(g));
  cr_expect(strstr(hdtg_last_error(g), msg), "message '%s' lacks '%s'", hdtg_last_error(g), msg);
}

static const hdtg_dim batch512[] = {HDTG_SYM("batch"), HDTG_DIM(512)};

/* ---- the model blocks ------------------------------------------------------------- */

Test(graph, residual_mlp) {
  seed_once();
  hdtg_graph *g = gnew();
  hdtg_tensor *x = input(g, "x", HDTG_F32, 2, batch512);
  hdtg_tensor *w1 = weights(g, "w1", 2, (int64_t[]){512, 1024});
  hdtg_tensor *b1 = weights(g, "b1", 1, (int64_t[]){1024});
  hdtg_tensor *w2 = weights(g, "w2", 2, (int64_t[]){1024, 512});
  hdtg_tensor *b2 = weights(g, "b2", 1, (int64_t[]){512});
  hdtg_tensor *h = NODE(g, "MatMul", "h", x, w1);
  hdtg_tensor *hb = NODE(g, "Add", "hb", h, b1);
  hdtg_tensor *r = NODE(g, "Relu", "r", hb);
  hdtg_tensor *o = NODE(g, "MatMul", "o", r, w2);
  hdtg_tensor *ob = NODE(g, "Add", "ob", o, b2);
  hdtg_tensor *y = NODE(g, "Add", "y", x, ob);
  cr_assert_eq(hdtg_mark_output(g, y), HDTG_OK);
  expect_type(h, "f32[batch, 1024]");
  expect_type(r, "f32[batch, 1024]");
  expect_type(y, "f32[batch, 512]");
  cr_assert_eq(hdtg_run_passes(g), HDTG_OK, "%s", hdtg_last_error(g));
  cr_expect_eq(nodes(g), 6);
  cr_expect_str_eq(hdtg_dump(g), "input x: f32[batch, 512]\n"
                                 "const w1: f32[512, 1024]\n"
                                 "const b1: f32[1024]\n"
                                 "const w2: f32[1024, 512]\n"
                                 "const b2: f32[512]\n"
                                 "h = MatMul(x, w1): f32[batch, 1024]\n"
                                 "hb = Add(h, b1): f32[batch, 1024]\n"
                                 "r = Relu(hb): f32[batch, 1024]\n"
                                 "o = MatMul(r, w2): f32[batch, 512]\n"
                                 "ob = Add(o, b2): f32[batch, 512]\n"
                                 "y = Add(x, ob): f32[batch, 512]\n"
                                 "output y\n");
  hdtg_tensor_info info;
  cr_assert_eq(hdtg_tensor_get_info(y, &info), HDTG_OK);
  cr_expect_str_eq(info.op, "Add");
  cr_expect_eq(info.kind, HDTG_KIND_INTERMEDIATE);
  cr_expect(info.is_output);
  hdtg_destroy(g);
}

/* Conv + BatchNormalization + Relu twice, a residual Add, then a strided
 * downsampling conv, pooling and a classifier, on a symbolic batch and
 * symbolic spatial sizes (kept by 3x3 convolutions padded by 1). */
Test(graph, residual_conv_block) {
  seed_once();
  hdtg_graph *g = gnew();
  hdtg_dim xd[] = {HDTG_SYM("batch"), HDTG_DIM(64), HDTG_SYM("h"), HDTG_SYM("w")};
  hdtg_tensor *x = input(g, "x", HDTG_F32, 4, xd);
  hdtg_attr same[] = {HDTG_ATTR_IS("pads", ((int64_t[]){1, 1, 1, 1}), 4),
                      HDTG_ATTR_IS("kernel_shape", ((int64_t[]){3, 3}), 2)};
  hdtg_tensor *cur = x;
  for (int i = 0; i < 2; i++) {
    char nm[6][16];
    const char *what[] = {"w", "scale", "bias", "mean", "var", "bn"};
    for (int k = 0; k < 6; k++) snprintf(nm[k], sizeof nm[k], "%s%d", what[k], i);
    hdtg_tensor *w = weights(g, nm[0], 4, (int64_t[]){64, 64, 3, 3});
    hdtg_tensor *bn[4];
    for (int k = 0; k < 4; k++) bn[k] = weights(g, nm[k + 1], 1, (int64_t[]){64});
    hdtg_tensor *c = NODEA(g, "Conv", NULL, same, cur, w);
    expect_type(c, "f32[batch, 64, h, w]");
    hdtg_tensor *b = NODEA(g, "BatchNormalization", nm[5], ((hdtg_attr[]){HDTG_ATTR_F("epsilon", 1e-5)}),
                           c, bn[0], bn[1], bn[2], bn[3]);
    cur = i == 0 ? NODE(g, "Relu", NULL, b) : b;
  }
  hdtg_tensor *sum = NODE(g, "Add", "sum", x, cur);
  hdtg_tensor *act = NODE(g, "Relu", "act", sum);
  expect_type(act, "f32[batch, 64, h, w]");

  /* Downsampling: sizes are only known once h and w are. */
  hdtg_tensor *wd = weights(g, "wd", 4, (int64_t[]){128, 64, 3, 3});
  hdtg_tensor *bd = weights(g, "bd", 1, (int64_t[]){128});
  hdtg_attr s2[] = {HDTG_ATTR_IS("pads", ((int64_t[]){1, 1, 1, 1}), 4),
                    HDTG_ATTR_IS("strides", ((int64_t[]){2, 2}), 2)};
  hdtg_tensor *down = NODEA(g, "Conv", "down", s2, act, wd, bd);
  expect_type(down, "f32[batch, 128, ?, ?]");
  hdtg_attr mp[] = {HDTG_ATTR_IS("kernel_shape", ((int64_t[]){3, 3}), 2),
                    HDTG_ATTR_IS("strides", ((int64_t[]){2, 2}), 2),
                    HDTG_ATTR_IS("pads", ((int64_t[]){1, 1, 1, 1}), 4)};
  hdtg_tensor *pool = NODEA(g, "MaxPool", "pool", mp, down);
  hdtg_attr ap[] = {HDTG_ATTR_IS("kernel_shape", ((int64_t[]){2, 2}), 2),
                    HDTG_ATTR_IS("strides", ((int64_t[]){2, 2}), 2)};
  hdtg_tensor *avg = NODEA(g, "AveragePool", "avg", ap, pool);
  hdtg_tensor *gap = NODE(g, "GlobalAveragePool", "gap", avg);
  expect_type(gap, "f32[batch, 128, 1, 1]");
  hdtg_tensor *flat = NODE(g, "Flatten", "flat", gap);
  expect_type(flat, "f32[batch, 128]");
  hdtg_tensor *fc = weights(g, "fc", 2, (int64_t[]){10, 128});
  hdtg_tensor *fb = weights(g, "fb", 1, (int64_t[]){10});
  hdtg_tensor *logits = NODEA(g, "Gemm", "logits", ((hdtg_attr[]){HDTG_ATTR_I("transB", 1)}),
                              flat, fc, fb);
  expect_type(logits, "f32[batch, 10]");
  cr_assert_eq(hdtg_mark_output(g, logits), HDTG_OK);

  cr_assert_eq(hdtg_specialize(g, "h", 56), HDTG_OK, "%s", hdtg_last_error(g));
  cr_assert_eq(hdtg_specialize(g, "w", 56), HDTG_OK, "%s", hdtg_last_error(g));
  cr_assert_eq(hdtg_run_passes(g), HDTG_OK, "%s", hdtg_last_error(g));
  expect_type(act, "f32[batch, 64, h=56, w=56]");
  expect_type(down, "f32[batch, 128, 28, 28]"); /* (56 + 2 - 3) / 2 + 1 */
  expect_type(pool, "f32[batch, 128, 14, 14]");
  expect_type(avg, "f32[batch, 128, 7, 7]");
  expect_type(logits, "f32[batch, 10]");
  cr_expect_eq(nodes(g), 13);
  hdtg_destroy(g);
}

/* Multi-head self-attention with a symbolic batch and sequence length. */
Test(graph, attention_block) {
  seed_once();
  hdtg_graph *g = gnew();
  hdtg_dim xd[] = {HDTG_SYM("batch"), HDTG_SYM("seq"), HDTG_DIM(512)};
  hdtg_tensor *x = input(g, "x", HDTG_F32, 3, xd);
  hdtg_tensor *gamma = weights(g, "gamma", 1, (int64_t[]){512});
  hdtg_tensor *beta = weights(g, "beta", 1, (int64_t[]){512});
  hdtg_attr lnat[] = {HDTG_ATTR_I("axis", -1), HDTG_ATTR_F("epsilon", 1e-5)};
  hdtg_tensor *ln = NODEA(g, "LayerNormalization", "ln", lnat, x, gamma, beta);
  expect_type(ln, "f32[batch, seq, 512]");
  hdtg_tensor *heads = vec(g, "heads", 4, (int64_t[]){0, 0, 8, 64});
  hdtg_attr p0213[] = {HDTG_ATTR_IS("perm", ((int64_t[]){0, 2, 1, 3}), 4)};
  hdtg_attr p0231[] = {HDTG_ATTR_IS("perm", ((int64_t[]){0, 2, 3, 1}), 4)};
  hdtg_tensor *proj[3];
  const char *names[] = {"wq", "wk", "wv"};
  for (int i = 0; i < 3; i++) {
    hdtg_tensor *w = weights(g, names[i], 2, (int64_t[]){512, 512});
    hdtg_tensor *m = NODE(g, "MatMul", NULL, ln, w);
    hdtg_tensor *r = NODE(g, "Reshape", NULL, m, heads);
    expect_type(r, "f32[batch, seq, 8, 64]");
    proj[i] = i == 1 ? NODEA(g, "Transpose", NULL, p0231, r) : NODEA(g, "Transpose", NULL, p0213, r);
  }
  expect_type(proj[0], "f32[batch, 8, seq, 64]");
  expect_type(proj[1], "f32[batch, 8, 64, seq]");
  hdtg_tensor *scores = NODE(g, "MatMul", "scores", proj[0], proj[1]);
  expect_type(scores, "f32[batch, 8, seq, seq]");
  float scale = 0.125f;
  hdtg_tensor *sc = NULL;
  cr_assert_eq(hdtg_add_constant(g, "scale", HDTG_F32, 0, NULL, &scale, sizeof scale, &sc), HDTG_OK);
  hdtg_tensor *scaled = NODE(g, "Mul", "scaled", scores, sc);
  hdtg_tensor *prob = NODEA(g, "Softmax", "prob", ((hdtg_attr[]){HDTG_ATTR_I("axis", -1)}), scaled);
  expect_type(prob, "f32[batch, 8, seq, seq]");
  hdtg_tensor *ctx = NODE(g, "MatMul", "ctx", prob, proj[2]);
  expect_type(ctx, "f32[batch, 8, seq, 64]");
  hdtg_tensor *ctxt = NODEA(g, "Transpose", "ctxt", p0213, ctx);
  hdtg_tensor *merge = NODE(g, "Reshape", "merge", ctxt, vec(g, "merge_shape", 3, (int64_t[]){0, 0, -1}));
  expect_type(merge, "f32[batch, seq, 512]");
  /* -1 as the one symbol left over: [batch, seq, 512] → [batch, 512, seq]. */
  hdtg_tensor *odd = NODE(g, "Reshape", "odd", merge, vec(g, "odd_shape", 3, (int64_t[]){0, 512, -1}));
  expect_type(odd, "f32[batch, 512, seq]");
  /* Two symbols folded into one size: unknown until specialised. */
  hdtg_tensor *rows = NODE(g, "Reshape", "rows", merge, vec(g, "rows_shape", 2, (int64_t[]){-1, 512}));
  expect_type(rows, "f32[?, 512]");
  hdtg_tensor *wo = weights(g, "wo", 2, (int64_t[]){512, 512});
  hdtg_tensor *out = NODE(g, "MatMul", "out", merge, wo);
  hdtg_tensor *y = NODE(g, "Add", "y", x, out);
  expect_type(y, "f32[batch, seq, 512]");
  hdtg_tensor *mean = NODEA(g, "ReduceMean", "mean",
                            ((hdtg_attr[]){HDTG_ATTR_IS("axes", ((int64_t[]){-1}), 1)}), y);
  expect_type(mean, "f32[batch, seq, 1]");
  hdtg_tensor *tot = NODEA(g, "ReduceSum", "tot", ((hdtg_attr[]){HDTG_ATTR_I("keepdims", 0)}), y,
                           vec(g, "axes", 2, (int64_t[]){0, 2}));
  expect_type(tot, "f32[seq]");
  cr_assert_eq(hdtg_mark_output(g, y), HDTG_OK);
  cr_assert_eq(hdtg_mark_output(g, rows), HDTG_OK);
  cr_assert_eq(hdtg_specialize(g, "batch", 2), HDTG_OK, "%s", hdtg_last_error(g));
  cr_assert_eq(hdtg_specialize(g, "seq", 16), HDTG_OK, "%s", hdtg_last_error(g));
  cr_assert_eq(hdtg_run_passes(g), HDTG_OK, "%s", hdtg_last_error(g));
  expect_type(rows, "f32[32, 512]");
  expect_type(y, "f32[batch=2, seq=16, 512]");
  cr_expect_eq(nodes(g), 19); /* odd, mean and tot reach no output */
  hdtg_destroy(g);
}

/* ---- constant folding ----------------------------------------------------------------- */

/* y = Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)), [-1])): the flatten
 * a exporter writes for x.view(x.size(0), -1). */
static hdtg_tensor *shape_subgraph(hdtg_graph *g, hdtg_tensor *x) {
  hdtg_tensor *s = NODE(g, "Shape", "s", x);
  hdtg_tensor *zero = ints(g, "zero", 0, NULL, (int64_t[]){0});
  hdtg_tensor *b = NODE(g, "Gather", "b", s, zero);
  hdtg_tensor *u = NODEA(g, "Unsqueeze", "u", ((hdtg_attr[]){HDTG_ATTR_IS("axes", ((int64_t[]){0}), 1)}), b);
  hdtg_tensor *c = NODEA(g, "Concat", "c", ((hdtg_attr[]){HDTG_ATTR_I("axis", 0)}), u,
                         vec(g, "minus1", 1, (int64_t[]){-1}));
  expect_type(s, "i64[3]");
  expect_type(b, "i64[]");
  expect_type(c, "i64[2]");
  return NODE(g, "Reshape", "y", x, c);
}

Test(graph, fold_shape_subgraph) {
  hdtg_graph *g = gnew();
  hdtg_tensor *x = input(g, "x", HDTG_F32, 3, (hdtg_dim[]){HDTG_DIM(8), HDTG_DIM(16), HDTG_DIM(32)});
  hdtg_tensor *y = shape_subgraph(g, x);
  expect_type(y, "f32[8, 512]"); /* from propagated values: not folded yet */
  cr_assert_eq(hdtg_mark_output(g, y), HDTG_OK);
  cr_expect_eq(nodes(g), 5);
  cr_assert_eq(hdtg_run_passes(g), HDTG_OK, "%s", hdtg_last_error(g));
  expect_type(y, "f32[8, 512]");
  cr_expect_eq(nodes(g), 1);
  cr_expect_str_eq(hdtg_dump(g), "input x: f32[8, 16, 32]\n"
                                 "const c: i64[2] = [8, -1]\n"
                                 "y = Reshape(x, c): f32[8, 512]\n"
                                 "output y\n");
  hdtg_tensor *c = NULL;
  cr_assert_eq(hdtg_find_tensor(g, "c", &c), HDTG_OK);
  const void *data;
  size_t bytes;
  cr_assert_eq(hdtg_tensor_data(c, &data, &bytes), HDTG_OK);
  cr_assert_eq(bytes, 2 * sizeof(int64_t));
  cr_expect_eq(((const int64_t *)data)[0], 8);
  cr_expect_eq(((const int64_t *)data)[1], -1);
  hdtg_destroy(g);
}

/* With a symbolic batch the subgraph stays until batch is specialised;
 * the reshape's output shape is known all along. */
Test(graph, fold_shape_subgraph_after_specialisation) {
  hdtg_graph *g = gnew();
  hdtg_tensor *x = input(g, "x", HDTG_F32, 3,
                         (hdtg_dim[]){HDTG_SYM("batch"), HDTG_DIM(16), HDTG_DIM(32)});
  hdtg_tensor *y = shape_subgraph(g, x);
  /* Shape(x)[0] is known to be batch before it has a value (propagated
   * shape values), but the shape is not a constant yet. */
  expect_type(y, "f32[batch, 512]");
  cr_assert_eq(hdtg_mark_output(g, y), HDTG_OK);
  cr_assert_eq(hdtg_run_passes(g), HDTG_OK, "%s", hdtg_last_error(g));
  cr_expect_eq(nodes(g), 5);
  cr_assert_eq(hdtg_specialize(g, "batch", 4), HDTG_OK, "%s", hdtg_last_error(g));
  cr_assert_eq(hdtg_run_passes(g), HDTG_OK, "%s", hdtg_last_error(g));
  cr_expect_eq(nodes(g), 1);
  expect_type(y, "f32[4, 512]");
  cr_expect(strstr(hdtg_dump(g), "const c: i64[2] = [4, -1]\n"), "%s", hdtg_dump(g));
  cr_expect(strstr(hdtg_dump(g), "input x: f32[batch=4, 16, 32]\n"), "%s", hdtg_dump(g));
  hdtg_destroy(g);
}

static int64_t rnd_i64(void) { return (int64_t)(rand() % 2001) - 1000; }

/* Add, Sub, Mul, Div on int64 constants [3, 4] and [4] (broadcast), against
 * values computed here; Div truncates, as C does. */
Test(graph, fold_int_arithmetic) {
  seed_once();
  const char *ops[] = {"Add", "Sub", "Mul", "Div"};
  for (int o = 0; o < 4; o++) {
    hdtg_graph *g = gnew();
    int64_t a[12], b[4];
    for (int i = 0; i < 12; i++) a[i] = rnd_i64();
    for (int i = 0; i < 4; i++) do b[i] = rnd_i64(); while (b[i] == 0);
    hdtg_tensor *ta = ints(g, "a", 2, (int64_t[]){3, 4}, a), *tb = vec(g, "b", 4, b);
    hdtg_tensor *y = NODE(g, ops[o], "y", ta, tb);
    cr_assert_eq(hdtg_mark_output(g, y), HDTG_OK);
    cr_assert_eq(hdtg_run_passes(g), HDTG_OK, "%s", hdtg_last_error(g));
    cr_assert_eq(nodes(g), 0);
    const void *data;
    size_t bytes;
    cr_assert_eq(hdtg_tensor_data(y, &data, &bytes), HDTG_OK, "%s", hdtg_last_error(g));
    cr_assert_eq(bytes, sizeof a);
    for (int i = 0; i < 12; i++) {
      int64_t x = a[i], z = b[i % 4];
      int64_t want = o == 0 ? x + z : o == 1 ? x - z : o == 2 ? x * z : x / z;
      cr_expect_eq(((const int64_t *)data)[i], want, "%s element %d", ops[o], i);
    }
    hdtg_destroy(g);
  }
}

/* f32 [2, 3] * [3] + scalar, Neg, then Cast to i32 (truncating) and a
 * Transpose, against values computed here. */
Test(graph, fold_float_arithmetic_cast_transpose) {
  seed_once();
  hdtg_graph *g = gnew();
  float a[6], b[3], c = (float)(rand() % 100) / 8.0f;
  for (int i = 0; i < 6; i++) a[i] = (float)(rand() % 20001 - 10000) / 100.0f;
  for (int i = 0; i < 3; i++) b[i] = (float)(rand() % 2001 - 1000) / 100.0f;
  hdtg_tensor *ta, *tb, *tc;
  cr_assert_eq(hdtg_add_constant(g, "a", HDTG_F32, 2, (int64_t[]){2, 3}, a, sizeof a, &ta), HDTG_OK);
  cr_assert_eq(hdtg_add_constant(g, "b", HDTG_F32, 1, (int64_t[]){3}, b, sizeof b, &tb), HDTG_OK);
  cr_assert_eq(hdtg_add_constant(g, "c", HDTG_F32, 0, NULL, &c, sizeof c, &tc), HDTG_OK);
  hdtg_tensor *m = NODE(g, "Mul", "m", ta, tb);
  hdtg_tensor *s = NODE(g, "Add", "s", m, tc);
  hdtg_tensor *n = NODE(g, "Neg", "n", s);
  hdtg_tensor *i32 = NODEA(g, "Cast", "i", ((hdtg_attr[]){HDTG_ATTR_I("to", HDTG_I32)}), n);
  hdtg_tensor *t = NODE(g, "Transpose", "t", i32);
  expect_type(i32, "i32[2, 3]");
  expect_type(t, "i32[3, 2]");
  cr_assert_eq(hdtg_mark_output(g, n), HDTG_OK);
  cr_assert_eq(hdtg_mark_output(g, t), HDTG_OK);
  cr_assert_eq(hdtg_run_passes(g), HDTG_OK, "%s", hdtg_last_error(g));
  cr_assert_eq(nodes(g), 0);
  const void *nd, *td;
  size_t bytes;
  cr_assert_eq(hdtg_tensor_data(n, &nd, &bytes), HDTG_OK);
  cr_assert_eq(bytes, 6 * sizeof(float));
  cr_assert_eq(hdtg_tensor_data(t, &td, &bytes), HDTG_OK);
  cr_assert_eq(bytes, 6 * sizeof(int32_t));
  for (int r = 0; r < 2; r++)
    for (int k = 0; k < 3; k++) {
      /* Folding computes in double and rounds once to f32. */
      float want = (float)-((double)a[r * 3 + k] * b[k] + c);
      cr_expect(fabsf(((const float *)nd)[r * 3 + k] - want) <= 1e-5f * (1 + fabsf(want)));
      cr_expect_eq(((const int32_t *)td)[k * 2 + r], (int32_t)((const float *)nd)[r * 3 + k]);
    }
  hdtg_destroy(g);
}

Test(graph, fold_gather_negative_indices_and_constant_op) {
  seed_once();
  hdtg_graph *g = gnew();
  int64_t d[12];
  for (int i = 0; i < 12; i++) d[i] = rnd_i64();
  hdtg_tensor *x = ints(g, "x", 2, (int64_t[]){3, 4}, d);
  hdtg_tensor *idx = NODEA(g, "Constant", "idx", ((hdtg_attr[]){HDTG_ATTR_IS("value_ints", ((int64_t[]){-1, 0}), 2)}));
  hdtg_tensor *y = NODEA(g, "Gather", "y", ((hdtg_attr[]){HDTG_ATTR_I("axis", 1)}), x, idx);
  expect_type(y, "i64[3, 2]");
  cr_assert_eq(hdtg_mark_output(g, y), HDTG_OK);
  cr_assert_eq(hdtg_run_passes(g), HDTG_OK, "%s", hdtg_last_error(g));
  const void *yd;
  size_t bytes;
  cr_assert_eq(hdtg_tensor_data(y, &yd, &bytes), HDTG_OK);
  for (int r = 0; r < 3; r++) {
    cr_expect_eq(((const int64_t *)yd)[r * 2], d[r * 4 + 3]);
    cr_expect_eq(((const int64_t *)yd)[r * 2 + 1], d[r * 4]);
  }
  hdtg_destroy(g);
}

/* A division by zero is not folded: the node stays for the runtime. */
Test(graph, fold_declines_division_by_zero) {
  hdtg_graph *g = gnew();
  hdtg_tensor *a = vec(g, "a", 2, (int64_t[]){4, 5}), *b = vec(g, "b", 2, (int64_t[]){2, 0});
  hdtg_tensor *y = NODE(g, "Div", "y", a, b);
  cr_assert_eq(hdtg_mark_output(g, y), HDTG_OK);
  cr_assert_eq(hdtg_run_passes(g), HDTG_OK, "%s", hdtg_last_error(g));
  cr_expect_eq(nodes(g), 1);
  hdtg_destroy(g);
}

/* ---- dead-node removal ------------------------------------------------------------------ */

Test(graph, dce_removes_what_reaches_no_output) {
  hdtg_graph *g = gnew();
  hdtg_tensor *x = input(g, "x", HDTG_F32, 2, batch512);
  hdtg_tensor *w = weights(g, "w", 2, (int64_t[]){512, 4});
  hdtg_tensor *unused = weights(g, "unused", 1, (int64_t[]){4});
  hdtg_tensor *dead = NODE(g, "MatMul", "dead", x, w);
  NODE(g, "Add", "dead2", dead, unused);
  hdtg_tensor *y = NODE(g, "Relu", "y", x);
  cr_assert_eq(hdtg_mark_output(g, y), HDTG_OK);
  cr_assert_eq(hdtg_run_pass(g, "dce"), HDTG_OK);
  cr_expect_eq(nodes(g), 1);
  cr_expect_str_eq(hdtg_dump(g), "input x: f32[batch, 512]\ny = Relu(x): f32[batch, 512]\noutput y\n");
  /* A removed tensor is refused as an input, with a message. */
  hdtg_tensor *t = NULL;
  expect_fail(g, hdtg_add_node(g, "Relu", NULL, &dead, 1, NULL, 0, &t),
              HDTG_ERROR_FOREIGN_TENSOR, "'dead') was removed");
  hdtg_destroy(g);
}

/* ---- broadcasting -------------------------------------------------------------------------- */

Test(graph, broadcasting_rules) {
  hdtg_graph *g = gnew();
  hdtg_tensor *a = input(g, "a", HDTG_F32, 3, (hdtg_dim[]){HDTG_SYM("batch"), HDTG_DIM(1), HDTG_DIM(4)});
  hdtg_tensor *b = input(g, "b", HDTG_F32, 2, (hdtg_dim[]){HDTG_DIM(3), HDTG_DIM(1)});
  hdtg_tensor *c = input(g, "c", HDTG_F32, 2, (hdtg_dim[]){HDTG_SYM("batch"), HDTG_DIM(4)});
  hdtg_tensor *one = input(g, "one", HDTG_F32, 2, (hdtg_dim[]){HDTG_DIM(1), HDTG_DIM(4)});
  hdtg_tensor *s = input(g, "s", HDTG_F32, 0, NULL);
  expect_type(NODE(g, "Add", NULL, a, b), "f32[batch, 3, 4]");
  expect_type(NODE(g, "Mul", NULL, c, c), "f32[batch, 4]");
  expect_type(NODE(g, "Sub", NULL, one, c), "f32[batch, 4]");
  expect_type(NODE(g, "Div", NULL, s, a), "f32[batch, 1, 4]");
  hdtg_destroy(g);
}

Test(graph, broadcasting_errors_name_the_node_and_shapes) {
  hdtg_graph *g = gnew();
  hdtg_tensor *c = input(g, "c", HDTG_F32, 2, (hdtg_dim[]){HDTG_SYM("batch"), HDTG_DIM(4)});
  hdtg_tensor *d = input(g, "d", HDTG_F32, 2, (hdtg_dim[]){HDTG_SYM("seq"), HDTG_DIM(4)});
  hdtg_tensor *e = input(g, "e", HDTG_F32, 2, (hdtg_dim[]){HDTG_DIM(3), HDTG_DIM(4)});
  hdtg_tensor *f = input(g, "f", HDTG_F32, 2, (hdtg_dim[]){HDTG_DIM(5), HDTG_DIM(4)});
  hdtg_tensor *i = input(g, "i", HDTG_I64, 2, (hdtg_dim[]){HDTG_DIM(5), HDTG_DIM(4)});
  hdtg_tensor *t = NULL;
  expect_fail(g, hdtg_add_node(g, "Add", "bad", (hdtg_tensor *[]){c, d}, 2, NULL, 0, &t),
              HDTG_ERROR_SHAPE, "node 'bad' (Add): cannot broadcast [batch, 4] with [seq, 4]");
  expect_fail(g, hdtg_add_node(g, "Mul", "bad2", (hdtg_tensor *[]){e, f}, 2, NULL, 0, &t),
              HDTG_ERROR_SHAPE, "node 'bad2' (Mul): cannot broadcast [3, 4] with [5, 4]");
  expect_fail(g, hdtg_add_node(g, "Add", "bad3", (hdtg_tensor *[]){c, e}, 2, NULL, 0, &t),
              HDTG_ERROR_SHAPE, "[batch, 4] with [3, 4]");
  expect_fail(g, hdtg_add_node(g, "Add", "mixed", (hdtg_tensor *[]){f, i}, 2, NULL, 0, &t),
              HDTG_ERROR_TYPE, "node 'mixed' (Add): inputs 0 and 1 differ in dtype: f32 and i64");
  expect_fail(g, hdtg_add_node(g, "MatMul", "mm", (hdtg_tensor *[]){e, f}, 2, NULL, 0, &t),
              HDTG_ERROR_SHAPE, "node 'mm' (MatMul): inner dimensions differ: [3, 4] x [5, 4]");
  expect_fail(g, hdtg_add_node(g, "Sqrt", "sq", &i, 1, NULL, 0, &t), HDTG_ERROR_TYPE,
              "must be floating point, it is i64");
  cr_expect_eq(nodes(g), 0); /* failed calls leave nothing behind */
  cr_expect_eq(hdtg_find_tensor(g, "bad", &t), HDTG_ERROR_INVALID_ARGUMENT);
  hdtg_destroy(g);
}

/* ---- builder errors -------------------------------------------------------------------------- */

Test(graph, builder_errors) {
  hdtg_graph *g = gnew(), *other = gnew();
  hdtg_tensor *x = input(g, "x", HDTG_F32, 2, batch512);
  hdtg_tensor *ox = input(other, "ox", HDTG_F32, 2, batch512);
  hdtg_tensor *t = NULL;
  expect_fail(g, hdtg_add_node(g, "Frobnicate", "n", &x, 1, NULL, 0, &t), HDTG_ERROR_UNKNOWN_OP,
              "node 'n': unknown operator 'Frobnicate'");
  expect_fail(g, hdtg_add_node_op(g, HDTG_OP_COUNT, "n", &x, 1, NULL, 0, &t), HDTG_ERROR_UNKNOWN_OP,
              "is not an operator");
  expect_fail(g, hdtg_add_node(g, "Relu", "n", (hdtg_tensor *[]){x, x}, 2, NULL, 0, &t),
              HDTG_ERROR_ARITY, "node 'n' (Relu): takes 1 input(s), 2 given");
  expect_fail(g, hdtg_add_node(g, "Gemm", "n", &x, 1, NULL, 0, &t), HDTG_ERROR_ARITY,
              "takes 2 to 3 inputs, 1 given");
  hdtg_attr bad_name = HDTG_ATTR_I("axes", 1);
  expect_fail(g, hdtg_add_node(g, "Softmax", "n", &x, 1, &bad_name, 1, &t), HDTG_ERROR_ATTRIBUTE,
              "node 'n' (Softmax): no attribute 'axes'");
  hdtg_attr bad_type = HDTG_ATTR_F("axis", 1.0);
  expect_fail(g, hdtg_add_node(g, "Softmax", "n", &x, 1, &bad_type, 1, &t), HDTG_ERROR_ATTRIBUTE,
              "attribute 'axis' is int, float given");
  hdtg_attr twice[] = {HDTG_ATTR_I("axis", 1), HDTG_ATTR_I("axis", 0)};
  expect_fail(g, hdtg_add_node(g, "Softmax", "n", &x, 1, twice, 2, &t), HDTG_ERROR_ATTRIBUTE,
              "given twice");
  hdtg_attr range = HDTG_ATTR_I("axis", 2);
  expect_fail(g, hdtg_add_node(g, "Softmax", "n", &x, 1, &range, 1, &t), HDTG_ERROR_ATTRIBUTE,
              "axis 2 is out of range for rank 2");
  hdtg_attr nolist = {.name = "perm", .type = HDTG_ATTR_INTS, .ints = NULL, .n = 2};
  expect_fail(g, hdtg_add_node(g, "Transpose", "n", &x, 1, &nolist, 1, &t), HDTG_ERROR_ATTRIBUTE,
              "bad list");
  hdtg_attr perm = HDTG_ATTR_IS("perm", ((int64_t[]){0, 0}), 2);
  expect_fail(g, hdtg_add_node(g, "Transpose", "n", &x, 1, &perm, 1, &t), HDTG_ERROR_ATTRIBUTE,
              "not a permutation");
  expect_fail(g, hdtg_add_node(g, "Cast", "n", &x, 1, NULL, 0, &t), HDTG_ERROR_ATTRIBUTE,
              "'to' must be given");
  expect_fail(g, hdtg_add_node(g, "Relu", "n", &ox, 1, NULL, 0, &t), HDTG_ERROR_FOREIGN_TENSOR,
              "node 'n' (Relu): input 0 belongs to another graph");
  hdtg_tensor *null_in = NULL;
  expect_fail(g, hdtg_add_node(g, "Relu", "n", &null_in, 1, NULL, 0, &t),
              HDTG_ERROR_INVALID_ARGUMENT, "input 0 is NULL");
  expect_fail(g, hdtg_add_node(g, "Relu", "x", &x, 1, NULL, 0, &t), HDTG_ERROR_DUPLICATE,
              "a tensor named 'x' already exists");
  expect_fail(g, hdtg_add_node(g, "Relu", "n", &x, 1, NULL, 0, NULL), HDTG_ERROR_INVALID_ARGUMENT,
              "NULL out");
  /* Inputs and constants. */
  expect_fail(g, hdtg_add_input(g, "y", HDTG_F32, 1, (hdtg_dim[]){HDTG_DIM(-3)}, &t),
              HDTG_ERROR_INVALID_ARGUMENT, "dimension 0 is -3");
  expect_fail(g, hdtg_add_input(g, "y", (hdtg_dtype)99, 0, NULL, &t), HDTG_ERROR_INVALID_ARGUMENT,
              "not a dtype");
  expect_fail(g, hdtg_add_input(g, "y", HDTG_F32, HDTG_MAX_RANK + 1, batch512, &t),
              HDTG_ERROR_INVALID_ARGUMENT, "rank 9 is not in [0, 8]");
  float four[4] = {0};
  expect_fail(g, hdtg_add_constant(g, "k", HDTG_F32, 1, (int64_t[]){3}, four, sizeof four, &t),
              HDTG_ERROR_INVALID_ARGUMENT, "constant 'k': 16 bytes given, its shape and dtype need 12");
  expect_fail(g, hdtg_add_constant(g, "x", HDTG_F32, 1, (int64_t[]){4}, four, sizeof four, &t),
              HDTG_ERROR_DUPLICATE, "already exists");
  /* Outputs. */
  expect_fail(g, hdtg_mark_output(g, ox), HDTG_ERROR_FOREIGN_TENSOR, "another graph");
  cr_assert_eq(hdtg_mark_output(g, x), HDTG_OK);
  expect_fail(g, hdtg_mark_output(g, x), HDTG_ERROR_DUPLICATE, "'x' is already an output");
  /* Passes, lookups and NULL graphs. */
  expect_fail(g, hdtg_run_pass(g, "magic"), HDTG_ERROR_INVALID_ARGUMENT, "no pass named 'magic'");
  expect_fail(g, hdtg_find_tensor(g, "nope", &t), HDTG_ERROR_INVALID_ARGUMENT, "no tensor named 'nope'");
  hdtg_dim d;
  expect_fail(g, hdtg_tensor_dim(x, 2, &d), HDTG_ERROR_INVALID_ARGUMENT, "has no dimension 2");
  const void *data;
  size_t bytes;
  expect_fail(g, hdtg_tensor_data(x, &data, &bytes), HDTG_ERROR_INVALID_ARGUMENT, "not a constant");
  cr_expect_eq(hdtg_add_node(NULL, "Relu", NULL, &x, 1, NULL, 0, &t), HDTG_ERROR_INVALID_ARGUMENT);
  cr_expect_eq(hdtg_run_passes(NULL), HDTG_ERROR_INVALID_ARGUMENT);
  cr_expect_eq(hdtg_create(NULL), HDTG_ERROR_INVALID_ARGUMENT);
  cr_expect_null(hdtg_dump(NULL));
  cr_expect_eq(nodes(g), 0);
  hdtg_destroy(other);
  hdtg_destroy(g);
  hdtg_destroy(NULL);
}

Test(graph, op_and_dtype_tables) {
  hdtg_op op;
  cr_assert_eq(hdtg_op_from_name("LayerNormalization", &op), HDTG_OK);
  cr_expect_eq(op, HDTG_OP_LAYERNORM);
  cr_expect_str_eq(hdtg_op_name(HDTG_OP_GLOBALAVERAGEPOOL), "GlobalAveragePool");
  cr_expect_eq(hdtg_op_from_name("layernormalization", &op), HDTG_ERROR_UNKNOWN_OP);
  cr_expect_null(hdtg_op_name(HDTG_OP_COUNT));
  cr_expect_str_eq(hdtg_dtype_name(HDTG_BF16), "bf16");
  cr_expect_eq(hdtg_dtype_size(HDTG_F64), 8);
  cr_expect_eq(hdtg_dtype_size(HDTG_BOOL), 1);
  cr_expect_eq(hdtg_pass_count(), 3);
  cr_expect_str_eq(hdtg_pass_name(0), "infer");
  cr_expect_str_eq(hdtg_pass_name(1), "fold");
  cr_expect_str_eq(hdtg_pass_name(2), "dce");
  cr_expect_null(hdtg_pass_name(3));
  cr_expect_not_null(hdtg_pass_what(1));
}

/* Op-specific shape errors (one per family). */
Test(graph, shape_errors) {
  hdtg_graph *g = gnew();
  hdtg_tensor *x = input(g, "x", HDTG_F32, 4,
                         (hdtg_dim[]){HDTG_SYM("batch"), HDTG_DIM(3), HDTG_DIM(8), HDTG_DIM(8)});
  hdtg_tensor *w = weights(g, "w", 4, (int64_t[]){16, 4, 3, 3});
  hdtg_tensor *t = NULL;
  expect_fail(g, hdtg_add_node(g, "Conv", "conv", (hdtg_tensor *[]){x, w}, 2, NULL, 0, &t),
              HDTG_ERROR_SHAPE, "node 'conv' (Conv): input [batch, 3, 8, 8], weights [16, 4, 3, 3] and group 1 do not fit");
  hdtg_attr big = HDTG_ATTR_IS("kernel_shape", ((int64_t[]){9, 9}), 2);
  expect_fail(g, hdtg_add_node(g, "MaxPool", "pool", &x, 1, &big, 1, &t), HDTG_ERROR_SHAPE,
              "the window is larger than the input");
  expect_fail(g, hdtg_add_node(g, "MaxPool", "pool", &x, 1, NULL, 0, &t), HDTG_ERROR_ATTRIBUTE,
              "kernel_shape is required");
  hdtg_tensor *bad_shape = vec(g, "bad_shape", 2, (int64_t[]){-1, 7});
  expect_fail(g, hdtg_add_node(g, "Reshape", "r", (hdtg_tensor *[]){w, bad_shape}, 2, NULL, 0, &t),
              HDTG_ERROR_SHAPE, "cannot reshape [16, 4, 3, 3]: 576 elements do not divide by 7");
  hdtg_tensor *sq = NULL;
  hdtg_attr ax1 = HDTG_ATTR_IS("axes", ((int64_t[]){1}), 1);
  expect_fail(g, hdtg_add_node(g, "Squeeze", "sq", &x, 1, &ax1, 1, &sq), HDTG_ERROR_SHAPE,
              "dimension 1 of [batch, 3, 8, 8] is not 1");
  hdtg_attr ax0 = HDTG_ATTR_I("axis", 0);
  hdtg_tensor *v = vec(g, "v", 1, (int64_t[]){1});
  expect_fail(g, hdtg_add_node(g, "Concat", "cat", (hdtg_tensor *[]){x, v}, 2, &ax0, 1, &t),
              HDTG_ERROR_TYPE, "differ in dtype");
  expect_fail(g, hdtg_add_node(g, "Concat", "cat", &x, 1, NULL, 0, &t), HDTG_ERROR_ATTRIBUTE,
              "axis is required");
  hdtg_tensor *gamma = weights(g, "gamma", 1, (int64_t[]){7});
  expect_fail(g, hdtg_add_node(g, "LayerNormalization", "ln", (hdtg_tensor *[]){x, gamma}, 2, NULL,
                               0, &t),
              HDTG_ERROR_SHAPE, "scale [7] does not broadcast");
  cr_expect_eq(nodes(g), 0);
  hdtg_destroy(g);
}

/* A shape computed from an input's data (not a constant, no propagated
 * values) leaves the sizes unknown, with the shape's length as rank; an
 * unknown size propagated through Shape is not Reshape's -1. */
Test(graph, reshape_by_a_runtime_shape) {
  hdtg_graph *g = gnew();
  hdtg_tensor *x = input(g, "x", HDTG_F32, 2, batch512);
  hdtg_tensor *s = input(g, "s", HDTG_I64, 1, (hdtg_dim[]){HDTG_DIM(3)});
  hdtg_tensor *r = NODE(g, "Reshape", "r", x, s);
  expect_type(r, "f32[?, ?, ?]");
  hdtg_tensor *r2 = NODE(g, "Reshape", "r2", x, NODE(g, "Shape", NULL, r));
  expect_type(r2, "f32[?, ?, ?]");
  hdtg_tensor *t = NULL;
  expect_fail(g, hdtg_add_node(g, "Reshape", "bad", (hdtg_tensor *[]){x, vec(g, "m5", 1, (int64_t[]){-5})},
                               2, NULL, 0, &t),
              HDTG_ERROR_SHAPE, "shape entry 0 (-5) is invalid");
  hdtg_destroy(g);
}

/* ---- specialisation ---------------------------------------------------------------------------- */

Test(graph, specialisation) {
  hdtg_graph *g = gnew();
  hdtg_tensor *x = input(g, "x", HDTG_F32, 2, (hdtg_dim[]){HDTG_SYM("batch"), HDTG_DIM(6)});
  hdtg_tensor *r = NODE(g, "Reshape", "r", x, vec(g, "s", 2, (int64_t[]){4, 3}));
  hdtg_tensor *y = NODE(g, "Relu", "y", x);
  expect_type(r, "f32[4, 3]"); /* not provably wrong while batch is a symbol */
  hdtg_dim d;
  cr_assert_eq(hdtg_tensor_dim(y, 0, &d), HDTG_OK);
  cr_expect_eq(d.value, -1);
  cr_expect_str_eq(d.symbol, "batch");
  /* batch = 3 makes the reshape wrong: refused, and the graph unchanged. */
  expect_fail(g, hdtg_specialize(g, "batch", 3), HDTG_ERROR_SHAPE,
              "node 'r' (Reshape): cannot reshape [batch=3, 6] into 12 elements");
  expect_type(y, "f32[batch, 6]");
  cr_assert_eq(hdtg_specialize(g, "batch", 2), HDTG_OK, "%s", hdtg_last_error(g));
  expect_type(y, "f32[batch=2, 6]");
  cr_assert_eq(hdtg_tensor_dim(y, 0, &d), HDTG_OK);
  cr_expect_eq(d.value, 2);
  cr_expect_str_eq(d.symbol, "batch");
  expect_fail(g, hdtg_specialize(g, "seq", 2), HDTG_ERROR_INVALID_ARGUMENT, "no symbol 'seq'");
  expect_fail(g, hdtg_specialize(g, "batch", 0), HDTG_ERROR_INVALID_ARGUMENT, "must be > 0");
  hdtg_destroy(g);
}
