/* test_graph_ops.c: shape and dtype inference of the operators added to
 * graph/ops.def for the ONNX importer, on shapes that fit (the inferred
 * shape checked as the dump prints it, symbols included) and on shapes that
 * do not (the status, and a message naming the node); and the folding of
 * the shape-arithmetic ones. One graph per test; each helper asserts. */
#include "graph.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static hdtg_graph *gnew(void) {
  hdtg_graph *g = NULL;
  cr_assert_eq(hdtg_create(&g), HDTG_OK);
  return g;
}

/* An input of dtype dt whose dims are given as text: "batch,3,4" (a
 * non-number is a symbol). */
static hdtg_tensor *in(hdtg_graph *g, const char *name, hdtg_dtype dt, const char *dims) {
  hdtg_dim d[HDTG_MAX_RANK];
  static char syms[16][32];
  static int nsym;
  int rank = 0;
  for (const char *p = dims; *p;) {
    const char *e = strchr(p, ',');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    if (*p >= '0' && *p <= '9') d[rank++] = HDTG_DIM(strtoll(p, NULL, 10));
    else {
      char *s = syms[nsym++ % 16];
      snprintf(s, 32, "%.*s", (int)len, p);
      d[rank++] = HDTG_SYM(s);
    }
    p += len + (e != NULL);
  }
  hdtg_tensor *t = NULL;
  cr_assert_eq(hdtg_add_input(g, name, dt, rank, d, &t), HDTG_OK, "%s", hdtg_last_error(g));
  return t;
}

static hdtg_tensor *ivec(hdtg_graph *g, const char *name, int n, const int64_t *v) {
  int64_t d[] = {n};
  hdtg_tensor *t = NULL;
  cr_assert_eq(hdtg_add_constant(g, name, HDTG_I64, 1, d, v, sizeof *v * (size_t)n, &t), HDTG_OK,
               "%s", hdtg_last_error(g));
  return t;
}

static hdtg_tensor *fscalar(hdtg_graph *g, const char *name, float v) {
  hdtg_tensor *t = NULL;
  cr_assert_eq(hdtg_add_constant(g, name, HDTG_F32, 0, NULL, &v, sizeof v, &t), HDTG_OK);
  return t;
}

/* "f32[batch, 4]": the tensor's type as the dump prints it. */
static const char *type_of(hdtg_graph *g, hdtg_tensor *t) {
  static char buf[256];
  hdtg_tensor_info info;
  cr_assert_eq(hdtg_tensor_get_info(t, &info), HDTG_OK);
  size_t k = (size_t)snprintf(buf, sizeof buf, "%s[", hdtg_dtype_name(info.dtype));
  for (int i = 0; i < info.rank; i++) {
    hdtg_dim d;
    hdtg_tensor_dim(t, i, &d);
    if (d.symbol) k += (size_t)snprintf(buf + k, sizeof buf - k, "%s%s", i ? ", " : "", d.symbol);
    else if (d.value < 0) k += (size_t)snprintf(buf + k, sizeof buf - k, "%s?", i ? ", " : "");
    else k += (size_t)snprintf(buf + k, sizeof buf - k, "%s%lld", i ? ", " : "", (long long)d.value);
  }
  snprintf(buf + k, sizeof buf - k, "]");
  (void)g;
  return buf;
}

/* Adds the node, which must succeed with output type `want`. */
static hdtg_tensor *ok(hdtg_graph *g, const char *op, hdtg_tensor **ins, int nin,
                       const hdtg_attr *attrs, int nattrs, const char *want) {
  hdtg_tensor *t = NULL;
  cr_assert_eq(hdtg_add_node(g, op, NULL, ins, nin, attrs, nattrs, &t), HDTG_OK, "%s: %s", op,
               hdtg_last_error(g));
  cr_assert_str_eq(type_of(g, t), want, "%s", op);
  return t;
}

/* Adds the node, which must fail with status st and a message naming it. */
static void bad(hdtg_graph *g, const char *op, hdtg_tensor **ins, int nin, const hdtg_attr *attrs,
                int nattrs, hdtg_status st) {
  hdtg_tensor *t = NULL;
  cr_assert_eq(hdtg_add_node(g, op, "bad", ins, nin, attrs, nattrs, &t), st, "%s: got '%s'", op,
               hdtg_last_error(g));
  cr_assert(strstr(hdtg_last_error(g), "'bad'"), "%s", hdtg_last_error(g));
  cr_assert(strstr(hdtg_last_error(g), op), "%s", hdtg_last_error(g));
}

static void fold(hdtg_graph *g, hdtg_tensor *t, const char *want_dump_line) {
  cr_assert_eq(hdtg_mark_output(g, t), HDTG_OK);
  cr_assert_eq(hdtg_run_passes(g), HDTG_OK, "%s", hdtg_last_error(g));
  const char *d = hdtg_dump(g);
  cr_assert(strstr(d, want_dump_line), "wanted '%s' in:\n%s", want_dump_line, d);
}

Test(graph_ops, elementwise_and_variadic) {
  hdtg_graph *g = gnew();
  hdtg_tensor *x = in(g, "x", HDTG_F32, "batch,4"), *y = in(g, "y", HDTG_F32, "4");
  hdtg_tensor *z = in(g, "z", HDTG_F32, "1,1"), *i = in(g, "i", HDTG_I64, "4");
  hdtg_tensor *s = in(g, "s", HDTG_F32, "seq,4");
  const char *un[] = {"Abs", "Reciprocal", "Log", "Softplus", "LeakyRelu", "Elu", "Selu",
                      "HardSigmoid", "HardSwish", "Dropout"};
  for (size_t k = 0; k < sizeof un / sizeof *un; k++) ok(g, un[k], &x, 1, NULL, 0, "f32[batch, 4]");
  bad(g, "Log", &i, 1, NULL, 0, HDTG_ERROR_TYPE);
  hdtg_attr al[] = {HDTG_ATTR_F("alpha", 0.2), HDTG_ATTR_F("gamma", 1.5)};
  ok(g, "Selu", &x, 1, al, 2, "f32[batch, 4]");
  bad(g, "LeakyRelu", &x, 1, al + 1, 1, HDTG_ERROR_ATTRIBUTE);
  hdtg_tensor *p[] = {x, i};
  ok(g, "Pow", p, 2, NULL, 0, "f32[batch, 4]");
  hdtg_tensor *v[] = {x, y, z};
  const char *va[] = {"Min", "Max", "Sum", "Mean"};
  for (int k = 0; k < 4; k++) ok(g, va[k], v, 3, NULL, 0, "f32[batch, 4]");
  ok(g, "Max", &y, 1, NULL, 0, "f32[4]");
  hdtg_tensor *vb[] = {x, y, s};
  bad(g, "Sum", vb, 3, NULL, 0, HDTG_ERROR_SHAPE);
  hdtg_tensor *vt[] = {x, i};
  bad(g, "Min", vt, 2, NULL, 0, HDTG_ERROR_TYPE);
  bad(g, "Mean", &i, 1, NULL, 0, HDTG_ERROR_TYPE);
  hdtg_tensor *slope = in(g, "slope", HDTG_F32, "4"), *pr[] = {x, slope};
  ok(g, "PRelu", pr, 2, NULL, 0, "f32[batch, 4]");
  hdtg_tensor *pr2[] = {y, x};
  bad(g, "PRelu", pr2, 2, NULL, 0, HDTG_ERROR_SHAPE);
  hdtg_destroy(g);
}

Test(graph_ops, compare_logic_where) {
  hdtg_graph *g = gnew();
  hdtg_tensor *x = in(g, "x", HDTG_F32, "batch,4"), *y = in(g, "y", HDTG_F32, "1,4");
  hdtg_tensor *i = in(g, "i", HDTG_I64, "4"), *b = in(g, "b", HDTG_BOOL, "batch,1");
  hdtg_tensor *xy[] = {x, y}, *xi[] = {x, i};
  const char *cmp[] = {"Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual"};
  for (int k = 0; k < 5; k++) {
    ok(g, cmp[k], xy, 2, NULL, 0, "bool[batch, 4]");
    bad(g, cmp[k], xi, 2, NULL, 0, HDTG_ERROR_TYPE);
  }
  hdtg_tensor *c = ok(g, "Less", xy, 2, NULL, 0, "bool[batch, 4]"), *cb[] = {c, b};
  ok(g, "And", cb, 2, NULL, 0, "bool[batch, 4]");
  ok(g, "Or", cb, 2, NULL, 0, "bool[batch, 4]");
  ok(g, "Not", &b, 1, NULL, 0, "bool[batch, 1]");
  bad(g, "And", xy, 2, NULL, 0, HDTG_ERROR_TYPE);
  bad(g, "Not", &x, 1, NULL, 0, HDTG_ERROR_TYPE);
  ok(g, "IsNaN", &x, 1, NULL, 0, "bool[batch, 4]");
  hdtg_attr det = HDTG_ATTR_I("detect_negative", 0);
  ok(g, "IsInf", &x, 1, &det, 1, "bool[batch, 4]");
  bad(g, "IsInf", &i, 1, NULL, 0, HDTG_ERROR_TYPE);
  hdtg_tensor *w[] = {b, x, y};
  ok(g, "Where", w, 3, NULL, 0, "f32[batch, 4]");
  hdtg_tensor *w2[] = {x, x, y}, *w3[] = {b, x, i};
  bad(g, "Where", w2, 3, NULL, 0, HDTG_ERROR_TYPE);
  bad(g, "Where", w3, 3, NULL, 0, HDTG_ERROR_TYPE);
  hdtg_destroy(g);
}

Test(graph_ops, clip_with_skipped_min) {
  hdtg_graph *g = gnew();
  hdtg_tensor *x = in(g, "x", HDTG_F32, "batch,4"), *mx = fscalar(g, "mx", 6);
  int64_t zero[] = {0};
  hdtg_tensor *none = NULL;
  cr_assert_eq(hdtg_add_constant(g, "none", HDTG_F32, 1, zero, NULL, 0, &none), HDTG_OK);
  hdtg_tensor *c[] = {x, none, mx};
  ok(g, "Clip", c, 3, NULL, 0, "f32[batch, 4]");
  ok(g, "Clip", c, 1, NULL, 0, "f32[batch, 4]");
  hdtg_tensor *c2[] = {x, x};
  bad(g, "Clip", c2, 2, NULL, 0, HDTG_ERROR_SHAPE);
  hdtg_destroy(g);
}

Test(graph_ops, conv_transpose_norm_pool) {
  hdtg_graph *g = gnew();
  hdtg_tensor *x = in(g, "x", HDTG_F32, "batch,8,5,5"), *w = in(g, "w", HDTG_F32, "8,4,3,3");
  hdtg_tensor *xw[] = {x, w};
  ok(g, "ConvTranspose", xw, 2, NULL, 0, "f32[batch, 4, 7, 7]");
  int64_t st[] = {2, 2}, pads[] = {1, 1, 1, 1}, op[] = {1, 1}, os[] = {10, 10};
  hdtg_attr a[] = {HDTG_ATTR_IS("strides", st, 2), HDTG_ATTR_IS("pads", pads, 4),
                   HDTG_ATTR_IS("output_padding", op, 2)};
  ok(g, "ConvTranspose", xw, 2, a, 3, "f32[batch, 4, 10, 10]");
  hdtg_attr a2[] = {HDTG_ATTR_IS("output_shape", os, 2), HDTG_ATTR_I("group", 2)};
  ok(g, "ConvTranspose", xw, 2, a2, 2, "f32[batch, 8, 10, 10]");
  ok(g, "ConvTranspose", xw, 2, a + 1, 1, "f32[batch, 4, 5, 5]");
  hdtg_tensor *w2 = in(g, "w2", HDTG_F32, "3,4,3,3"), *xw2[] = {x, w2};
  bad(g, "ConvTranspose", xw2, 2, NULL, 0, HDTG_ERROR_SHAPE);
  int64_t op3[] = {1, 1, 1};
  hdtg_attr a3 = HDTG_ATTR_IS("output_padding", op3, 3);
  bad(g, "ConvTranspose", xw, 2, &a3, 1, HDTG_ERROR_ATTRIBUTE);
  hdtg_tensor *c = in(g, "c", HDTG_F32, "8"), *c4 = in(g, "c4", HDTG_F32, "4");
  hdtg_tensor *xin[] = {x, c, c}, *xin2[] = {x, c4, c};
  ok(g, "InstanceNormalization", xin, 3, NULL, 0, "f32[batch, 8, 5, 5]");
  bad(g, "InstanceNormalization", xin2, 3, NULL, 0, HDTG_ERROR_SHAPE);
  ok(g, "GlobalMaxPool", &x, 1, NULL, 0, "f32[batch, 8, 1, 1]");
  bad(g, "GlobalMaxPool", &c, 1, NULL, 0, HDTG_ERROR_SHAPE);
  hdtg_attr ax = HDTG_ATTR_I("axis", 1);
  ok(g, "LogSoftmax", &x, 1, &ax, 1, "f32[batch, 8, 5, 5]");
  hdtg_attr ax9 = HDTG_ATTR_I("axis", 9);
  bad(g, "LogSoftmax", &x, 1, &ax9, 1, HDTG_ERROR_ATTRIBUTE);
  hdtg_destroy(g);
}

Test(graph_ops, reductions_and_argmax) {
  hdtg_graph *g = gnew();
  hdtg_tensor *x = in(g, "x", HDTG_F32, "batch,3,4");
  int64_t ax[] = {1}, axb[] = {3};
  hdtg_attr a = HDTG_ATTR_IS("axes", ax, 1), ab = HDTG_ATTR_IS("axes", axb, 1);
  hdtg_attr k0 = HDTG_ATTR_I("keepdims", 0);
  const char *r[] = {"ReduceMax", "ReduceMin", "ReduceProd"};
  for (int i = 0; i < 3; i++) {
    ok(g, r[i], &x, 1, &a, 1, "f32[batch, 1, 4]");
    hdtg_tensor *xa[] = {x, ivec(g, r[i], 1, ax)};
    hdtg_attr kk[] = {k0};
    ok(g, r[i], xa, 2, kk, 1, "f32[batch, 4]");
    bad(g, r[i], &x, 1, &ab, 1, HDTG_ERROR_ATTRIBUTE);
  }
  hdtg_attr am[] = {HDTG_ATTR_I("axis", -1), k0, HDTG_ATTR_I("select_last_index", 1)};
  ok(g, "ArgMax", &x, 1, am, 3, "i64[batch, 3]");
  ok(g, "ArgMin", &x, 1, NULL, 0, "i64[1, 3, 4]");
  hdtg_attr a5 = HDTG_ATTR_I("axis", 5);
  bad(g, "ArgMax", &x, 1, &a5, 1, HDTG_ERROR_ATTRIBUTE);
  hdtg_destroy(g);
}

Test(graph_ops, gather_elements_slice_pad) {
  hdtg_graph *g = gnew();
  hdtg_tensor *x = in(g, "x", HDTG_F32, "batch,10,6"), *idx = in(g, "idx", HDTG_I64, "batch,2,6");
  hdtg_tensor *xi[] = {x, idx};
  hdtg_attr ax1 = HDTG_ATTR_I("axis", 1);
  ok(g, "GatherElements", xi, 2, &ax1, 1, "f32[batch, 2, 6]");
  hdtg_tensor *idx2 = in(g, "idx2", HDTG_I64, "2,6"), *xi2[] = {x, idx2}, *xf[] = {x, x};
  bad(g, "GatherElements", xi2, 2, NULL, 0, HDTG_ERROR_SHAPE);
  bad(g, "GatherElements", xf, 2, NULL, 0, HDTG_ERROR_TYPE);
  int64_t s[] = {2, -1}, e[] = {-2, INT64_MIN}, a[] = {1, 2}, st[] = {3, -2};
  hdtg_tensor *sl[] = {x, ivec(g, "s", 2, s), ivec(g, "e", 2, e), ivec(g, "a", 2, a), ivec(g, "st", 2, st)};
  ok(g, "Slice", sl, 5, NULL, 0, "f32[batch, 2, 3]");
  int64_t s0[] = {0}, eb[] = {INT64_MAX}, a0[] = {0};
  hdtg_tensor *sl0[] = {x, ivec(g, "s0", 1, s0), ivec(g, "eb", 1, eb), ivec(g, "a0", 1, a0)};
  ok(g, "Slice", sl0, 4, NULL, 0, "f32[batch, 10, 6]");
  hdtg_tensor *sl1[] = {x, ivec(g, "s1", 1, s0), ivec(g, "e1", 1, s), ivec(g, "a1", 1, a0)};
  ok(g, "Slice", sl1, 4, NULL, 0, "f32[?, 10, 6]");
  hdtg_tensor *slb[] = {x, sl[1], sl0[2]};
  bad(g, "Slice", slb, 3, NULL, 0, HDTG_ERROR_SHAPE);
  int64_t zero[] = {0}, a9[] = {9, 9};
  hdtg_tensor *sl9[] = {x, sl[1], sl[2], ivec(g, "a9", 2, a9)};
  bad(g, "Slice", sl9, 4, NULL, 0, HDTG_ERROR_ATTRIBUTE);
  hdtg_tensor *sls[] = {x, sl[1], sl[2], sl[3], ivec(g, "z2", 2, (int64_t[]){1, 0})};
  bad(g, "Slice", sls, 5, NULL, 0, HDTG_ERROR_SHAPE);
  int64_t p[] = {0, 1, 2, 0, 3, 0};
  hdtg_tensor *pd[] = {x, ivec(g, "p", 6, p)};
  ok(g, "Pad", pd, 2, NULL, 0, "f32[batch, 14, 8]");
  hdtg_attr m = HDTG_ATTR_S("mode", "reflect"), mb = HDTG_ATTR_S("mode", "mirror");
  ok(g, "Pad", pd, 2, &m, 1, "f32[batch, 14, 8]");
  bad(g, "Pad", pd, 2, &mb, 1, HDTG_ERROR_ATTRIBUTE);
  int64_t pa[] = {-1, 1}, pax[] = {-1};
  hdtg_tensor *none = NULL;
  cr_assert_eq(hdtg_add_constant(g, "none", HDTG_F32, 1, zero, NULL, 0, &none), HDTG_OK);
  hdtg_tensor *pd2[] = {x, ivec(g, "pa", 2, pa), none, ivec(g, "pax", 1, pax)};
  ok(g, "Pad", pd2, 4, NULL, 0, "f32[batch, 10, 6]");
  hdtg_tensor *pd3[] = {x, ivec(g, "pb", 2, pa)};
  bad(g, "Pad", pd3, 2, NULL, 0, HDTG_ERROR_SHAPE);
  hdtg_destroy(g);
}

Test(graph_ops, expand_tile_size_constant_of_shape_range) {
  hdtg_graph *g = gnew();
  hdtg_tensor *x = in(g, "x", HDTG_F32, "batch,1"), *x3 = in(g, "x3", HDTG_F32, "3");
  int64_t s[] = {2, 1, 5}, sb[] = {4};
  hdtg_tensor *ex[] = {x, ivec(g, "s", 3, s)}, *exb[] = {x3, ivec(g, "sb", 1, sb)};
  ok(g, "Expand", ex, 2, NULL, 0, "f32[2, batch, 5]");
  bad(g, "Expand", exb, 2, NULL, 0, HDTG_ERROR_SHAPE);
  hdtg_tensor *sh = ok(g, "Shape", &x, 1, NULL, 0, "i64[2]"), *ex2[] = {x3, sh};
  ok(g, "Expand", ex2, 2, NULL, 0, "f32[batch, 3]");
  int64_t r[] = {2, 3};
  hdtg_tensor *ti[] = {x, ivec(g, "r", 2, r)}, *tib[] = {x, ivec(g, "rb", 1, r)};
  ok(g, "Tile", ti, 2, NULL, 0, "f32[?, 3]");
  bad(g, "Tile", tib, 2, NULL, 0, HDTG_ERROR_SHAPE);
  ok(g, "Size", &x, 1, NULL, 0, "i64[]");
  hdtg_attr cs[] = {HDTG_ATTR_I("dtype", HDTG_I64), HDTG_ATTR_F("value_float", 7)};
  hdtg_tensor *c = ok(g, "ConstantOfShape", &ex[1], 1, cs, 2, "i64[2, 1, 5]");
  ok(g, "ConstantOfShape", &sh, 1, NULL, 0, "f32[batch, 1]");
  bad(g, "ConstantOfShape", &x, 1, NULL, 0, HDTG_ERROR_SHAPE);
  hdtg_attr csb = HDTG_ATTR_I("dtype", 99);
  bad(g, "ConstantOfShape", &ex[1], 1, &csb, 1, HDTG_ERROR_ATTRIBUTE);
  hdtg_tensor *rg[] = {fscalar(g, "a", 1), fscalar(g, "b", 4), fscalar(g, "d", 0.5f)};
  ok(g, "Range", rg, 3, NULL, 0, "f32[6]");
  hdtg_tensor *rgb[] = {rg[0], rg[1], fscalar(g, "d0", 0)};
  bad(g, "Range", rgb, 3, NULL, 0, HDTG_ERROR_SHAPE);
  hdtg_tensor *rgt[] = {rg[0], rg[1], ex[1]};
  bad(g, "Range", rgt, 3, NULL, 0, HDTG_ERROR_TYPE);
  fold(g, c, "const t");
  hdtg_destroy(g);
}

Test(graph_ops, depth_space_resize) {
  hdtg_graph *g = gnew();
  hdtg_tensor *x = in(g, "x", HDTG_F32, "batch,8,3,4");
  hdtg_attr b2 = HDTG_ATTR_I("blocksize", 2), b3 = HDTG_ATTR_I("blocksize", 3);
  ok(g, "DepthToSpace", &x, 1, &b2, 1, "f32[batch, 2, 6, 8]");
  bad(g, "DepthToSpace", &x, 1, &b3, 1, HDTG_ERROR_SHAPE);
  bad(g, "DepthToSpace", &x, 1, NULL, 0, HDTG_ERROR_ATTRIBUTE);
  hdtg_tensor *y = in(g, "y", HDTG_F32, "batch,2,6,8");
  ok(g, "SpaceToDepth", &y, 1, &b2, 1, "f32[batch, 8, 3, 4]");
  bad(g, "SpaceToDepth", &x, 1, &b2, 1, HDTG_ERROR_SHAPE);
  int64_t zero[] = {0}, four[] = {4};
  float sc[] = {1, 1, 2, 1.5f};
  hdtg_tensor *none = NULL, *scales = NULL;
  cr_assert_eq(hdtg_add_constant(g, "none", HDTG_F32, 1, zero, NULL, 0, &none), HDTG_OK);
  cr_assert_eq(hdtg_add_constant(g, "sc", HDTG_F32, 1, four, sc, sizeof sc, &scales), HDTG_OK);
  hdtg_tensor *rs[] = {x, none, scales};
  ok(g, "Resize", rs, 3, NULL, 0, "f32[batch, 8, 6, 6]");
  int64_t sz[] = {6, 6};
  int64_t axes[] = {2, 3};
  hdtg_attr ra[] = {HDTG_ATTR_IS("axes", axes, 2), HDTG_ATTR_S("keep_aspect_ratio_policy", "not_larger"),
                    HDTG_ATTR_S("mode", "linear")};
  hdtg_tensor *rz[] = {x, none, none, ivec(g, "sz", 2, sz)};
  ok(g, "Resize", rz, 4, ra, 1, "f32[batch, 8, 6, 6]");
  ok(g, "Resize", rz, 4, ra, 3, "f32[batch, 8, 5, 6]");
  bad(g, "Resize", rz, 4, NULL, 0, HDTG_ERROR_SHAPE);
  hdtg_tensor *rn[] = {x, none, none};
  bad(g, "Resize", rn, 3, NULL, 0, HDTG_ERROR_ARITY);
  hdtg_attr rm = HDTG_ATTR_S("mode", "area");
  bad(g, "Resize", rs, 3, &rm, 1, HDTG_ERROR_ATTRIBUTE);
  hdtg_destroy(g);
}

Test(graph_ops, folding_shape_arithmetic) {
  hdtg_graph *g = gnew();
  hdtg_tensor *x = in(g, "x", HDTG_F32, "2,3,4");
  hdtg_tensor *sh = ok(g, "Shape", &x, 1, NULL, 0, "i64[3]");
  int64_t s[] = {1}, e[] = {INT64_MAX}, one[] = {1};
  hdtg_tensor *sl[] = {sh, ivec(g, "s", 1, s), ivec(g, "e", 1, e)};
  hdtg_tensor *tail = ok(g, "Slice", sl, 3, NULL, 0, "i64[2]");
  hdtg_tensor *o = ivec(g, "one", 1, one), *mx[] = {tail, o};
  hdtg_tensor *m = ok(g, "Max", mx, 2, NULL, 0, "i64[2]");
  hdtg_tensor *eq[] = {m, o}, *c = ok(g, "Equal", eq, 2, NULL, 0, "bool[2]");
  hdtg_tensor *w[] = {c, o, m}, *wh = ok(g, "Where", w, 3, NULL, 0, "i64[2]");
  hdtg_tensor *sz = ok(g, "Size", &x, 1, NULL, 0, "i64[]");
  hdtg_tensor *ab[] = {wh, sz}, *sum = ok(g, "Sum", ab, 2, NULL, 0, "i64[2]");
  cr_assert_eq(hdtg_mark_output(g, sz), HDTG_OK);
  fold(g, sum, "= [27, 28]");
  cr_assert(strstr(hdtg_dump(g), "= [24]"), "%s", hdtg_dump(g));
  int n = -1;
  hdtg_node_count(g, &n);
  cr_assert_eq(n, 0, "%s", hdtg_dump(g));
  hdtg_destroy(g);
}

Test(graph_ops, folding_range_expand_slice_reverse) {
  hdtg_graph *g = gnew();
  int64_t a = 0, b = 6, d = 2, z[] = {0}, sh[] = {2, 3};
  hdtg_tensor *r[3];
  const char *nm[] = {"a", "b", "d"};
  int64_t *v[] = {&a, &b, &d};
  for (int i = 0; i < 3; i++)
    cr_assert_eq(hdtg_add_constant(g, nm[i], HDTG_I64, 0, z, v[i], 8, &r[i]), HDTG_OK);
  hdtg_tensor *rg = ok(g, "Range", r, 3, NULL, 0, "i64[3]");
  hdtg_tensor *ex[] = {rg, ivec(g, "sh", 2, sh)};
  hdtg_tensor *e = ok(g, "Expand", ex, 2, NULL, 0, "i64[2, 3]");
  int64_t s[] = {-1}, en[] = {INT64_MIN}, ax[] = {1}, st[] = {-1};
  hdtg_tensor *sl[] = {e, ivec(g, "s", 1, s), ivec(g, "en", 1, en), ivec(g, "ax", 1, ax),
                       ivec(g, "st", 1, st)};
  hdtg_tensor *rev = ok(g, "Slice", sl, 5, NULL, 0, "i64[2, 3]");
  fold(g, rev, "= [4, 2, 0, 4, 2, 0]");
  hdtg_destroy(g);
}
