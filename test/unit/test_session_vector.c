/* test_session_vector.c: the vectorised schedule of generated element-wise
 * kernels (runtime/compile/ewgen.c) and the alignment it needs from the
 * session. Each model is compiled into a fresh cache folder, so that the
 * generated code there is this model's alone: where the schedule applies
 * (the element count a multiple of the run length v, the store contiguous
 * in runs of v) the code has vcopy's runs, elsewhere none; either way the
 * numbers match a reference computed here. A caller's buffer that is not
 * 16-byte aligned is staged by the session and gives the same answer. */
#include "session_util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ------------------------------------------------------------- */

typedef struct vmodel {
  hdtrt_model *m;
  char dir[64];
} vmodel;

/* g compiled for device into a fresh cache folder. */
static vmodel vcompile(hdtg_graph *g, const char *device) {
  vmodel v = {0};
  snprintf(v.dir, sizeof v.dir, "/tmp/hdt-vector-XXXXXX");
  cr_assert(mkdtemp(v.dir));
  hdtrt_compile_options o = {.cache_dir = v.dir};
  cr_assert_eq(hdtrt_compile(g, device, &o, &v.m), HDTRT_OK, "%s", hdtrt_last_error());
  return v;
}

/* How many times needle occurs in the generated code (the folder's .c or
 * .cu file). */
static int vcount(const vmodel *v, const char *needle) {
  DIR *d = opendir(v->dir);
  cr_assert(d);
  struct dirent *e;
  int count = 0, files = 0;
  while ((e = readdir(d))) {
    size_t n = strlen(e->d_name);
    if (!((n > 2 && strcmp(e->d_name + n - 2, ".c") == 0) ||
          (n > 3 && strcmp(e->d_name + n - 3, ".cu") == 0)))
      continue;
    char path[1024];
    int w = snprintf(path, sizeof path, "%s/%s", v->dir, e->d_name);
    cr_assert(w > 0 && (size_t)w < sizeof path, "path too long");
    size_t len;
    unsigned char *text = tg_read_file(path, &len);
    text[len] = 0;
    for (const char *p = (const char *)text; (p = strstr(p, needle)); p++)
      count++;
    tg_free_file(text);
    files++;
  }
  closedir(d);
  cr_assert_eq(files, 1, "%d generated files in %s", files, v->dir);
  return count;
}

static void vfree(vmodel *v) {
  hdtrt_model_destroy(v->m);
  tg_remove_dir(v->dir);
}

/* One run: inputs by name, the first output into out. */
static void vrun(hdtrt_model *m, int nin, const char *const *names, const void *const *in,
                 const size_t *bytes, void *out, size_t out_bytes) {
  hdtrt_session *s;
  cr_assert_eq(hdtrt_session_create(m, &s), HDTRT_OK, "%s", hdtrt_last_error());
  for (int i = 0; i < nin; i++)
    cr_assert_eq(hdtrt_session_bind_input(s, names[i], in[i], bytes[i], HDTRT_MEM_HOST), HDTRT_OK,
                 "%s", hdtrt_last_error());
  hdtrt_tensor_desc od;
  cr_assert_eq(hdtrt_model_output(m, 0, &od), HDTRT_OK);
  cr_assert_eq(hdtrt_session_bind_output(s, od.name, out, out_bytes, HDTRT_MEM_HOST), HDTRT_OK,
               "%s", hdtrt_last_error());
  cr_assert_eq(hdtrt_session_run(s), HDTRT_OK, "%s", hdtrt_last_error());
  hdtrt_session_destroy(s);
}

/* f32 to f16 bits, round to nearest even (normal values and zero). */
static uint16_t f16_bits(float f) {
  union { float f; uint32_t u; } v = {f};
  uint32_t sign = v.u >> 16 & 0x8000, e = v.u >> 23 & 0xff, m = v.u & 0x7fffff;
  int ex = (int)e - 127 + 15;
  if (ex <= 0 || ex >= 31)
    return (uint16_t)sign;
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

/* ---- the vectorised path --------------------------------------------------- */

/* Cast(Relu(x * c + b), f16): x contiguous and the bias row b broadcast
 * over rows are loaded 16 bytes at a time, the per-row scale c (a
 * broadcast along the last dimension) stays scalar, and the f16 result is
 * stored 8 bytes (v = 4) at a time. */
Test(session_vector, bias_scale_relu_cast_f16) {
  enum { R = 8, C = 32 };
  hdtg_graph *g = tg_graph();
  hdtg_tensor *x = tg_input(g, "x", 2, (int64_t[]){R, C});
  tg_rand rc = tg_random_tensor(2, (int64_t[]){R, 1}), rb = tg_random_tensor(1, (int64_t[]){C});
  hdtg_tensor *t = tg_node2(g, "Add", tg_node2(g, "Mul", x, tg_const(g, "c", &rc)), tg_const(g, "b", &rb));
  hdtg_attr to16 = HDTG_ATTR_I("to", HDTG_F16);
  t = tg_node1(g, "Relu", t);
  hdtg_tensor *y = tg_node(g, "Cast", &t, 1, &to16, 1);
  hdtg_mark_output(g, y);
  vmodel v = vcompile(g, "host");
  cr_expect_eq(vcount(&v, "hdt_vcopy(hdt_fault, &out[g0], &o[0], 8)"), 1);
  cr_expect_eq(vcount(&v, ", 16);"), 2, "x and b loaded by vector");
  tg_rand rx = tg_random_tensor(2, (int64_t[]){R, C});
  uint16_t out[R * C];
  vrun(v.m, 1, (const char *[]){"x"}, (const void *[]){rx.v}, (size_t[]){sizeof(float) * R * C},
       out, sizeof out);
  for (int i = 0; i < R; i++)
    for (int j = 0; j < C; j++) {
      float s = rx.v[i * C + j] * rc.v[i] + rb.v[j];
      cr_expect_eq(out[i * C + j], f16_bits(s > 0 ? s : 0), "y[%d, %d] = %g, want %g", i, j,
                   f16_value(out[i * C + j]), (double)(s > 0 ? s : 0));
    }
  tg_free_rand(&rx);
  tg_free_rand(&rc);
  tg_free_rand(&rb);
  vfree(&v);
  hdtg_destroy(g);
}

/* x: f16 in, Greater(x, 0): bool out. The run is 8 elements, x loaded 16
 * bytes at a time; vcopy moves no bool, so the 8 results are stored one by
 * one. */
Test(session_vector, f16_in_bool_out) {
  enum { R = 4, C = 64 };
  hdtg_graph *g = tg_graph();
  hdtg_tensor *x, *zero, *y;
  cr_assert_eq(hdtg_add_input(g, "x", HDTG_F16, 2, (hdtg_dim[]){HDTG_DIM(R), HDTG_DIM(C)}, &x),
               HDTG_OK);
  uint16_t z = 0;
  cr_assert_eq(hdtg_add_constant(g, "zero", HDTG_F16, 0, NULL, &z, sizeof z, &zero), HDTG_OK);
  hdtg_tensor *in[] = {x, zero};
  cr_assert_eq(hdtg_add_node(g, "Greater", "y", in, 2, NULL, 0, &y), HDTG_OK, "%s",
               hdtg_last_error(g));
  hdtg_mark_output(g, y);
  vmodel v = vcompile(g, "host");
  cr_expect_eq(vcount(&v, "hdt_vcopy(hdt_fault, &r0[0], &a0[g0], 16)"), 1);
  cr_expect_eq(vcount(&v, "hdt_vcopy("), 1, "vcopy moves no bool: the store is per element");
  tg_rand rx = tg_random_tensor(2, (int64_t[]){R, C});
  uint16_t xh[R * C];
  for (int i = 0; i < R * C; i++)
    xh[i] = f16_bits(rx.v[i]);
  bool out[R * C];
  vrun(v.m, 1, (const char *[]){"x"}, (const void *[]){xh}, (size_t[]){sizeof xh}, out, sizeof out);
  for (int i = 0; i < R * C; i++)
    cr_expect_eq(out[i], f16_value(xh[i]) > 0, "y[%d] (x = %g)", i, f16_value(xh[i]));
  tg_free_rand(&rx);
  vfree(&v);
  hdtg_destroy(g);
}

/* An 8-byte output: runs of 2 (16 bytes of f64, 8 of the f32 read). */
Test(session_vector, f32_to_f64) {
  enum { N = 60 };
  hdtg_graph *g = tg_graph();
  hdtg_tensor *x = tg_input(g, "x", 2, (int64_t[]){6, 10});
  hdtg_attr to64 = HDTG_ATTR_I("to", HDTG_F64);
  hdtg_tensor *y = tg_node(g, "Cast", &x, 1, &to64, 1);
  hdtg_mark_output(g, y);
  vmodel v = vcompile(g, "host");
  cr_expect_eq(vcount(&v, "hdt_vcopy(hdt_fault, &out[g0], &o[0], 16)"), 1);
  cr_expect_eq(vcount(&v, "hdt_vcopy(hdt_fault, &r0[0], &a0[g0], 8)"), 1);
  tg_rand rx = tg_random_tensor(2, (int64_t[]){6, 10});
  double out[N];
  vrun(v.m, 1, (const char *[]){"x"}, (const void *[]){rx.v}, (size_t[]){sizeof(float) * N}, out,
       sizeof out);
  for (int i = 0; i < N; i++)
    cr_expect_eq(out[i], (double)rx.v[i], "y[%d]", i);
  tg_free_rand(&rx);
  vfree(&v);
  hdtg_destroy(g);
}

/* x + x: one vector load serves both reads. */
Test(session_vector, repeated_read_loads_once) {
  hdtg_graph *g = tg_graph();
  hdtg_tensor *x = tg_input(g, "x", 1, (int64_t[]){64});
  hdtg_tensor *y = tg_node2(g, "Add", x, x);
  hdtg_mark_output(g, y);
  vmodel v = vcompile(g, "host");
  cr_expect_eq(vcount(&v, "hdt_vcopy("), 2, "one load, one store");
  tg_rand rx = tg_random_tensor(1, (int64_t[]){64});
  float out[64];
  vrun(v.m, 1, (const char *[]){"x"}, (const void *[]){rx.v}, (size_t[]){sizeof out}, out,
       sizeof out);
  for (int i = 0; i < 64; i++)
    tg_expect_close(out[i], 2.0 * rx.v[i], 0, "y");
  tg_free_rand(&rx);
  vfree(&v);
  hdtg_destroy(g);
}

/* ---- the scalar fallback ------------------------------------------------------ */

/* 35 elements: no run of 4 (or 2) divides them. */
Test(session_vector, odd_size_stays_scalar) {
  hdtg_graph *g = tg_graph();
  hdtg_tensor *x = tg_input(g, "x", 2, (int64_t[]){5, 7});
  hdtg_tensor *y = tg_node1(g, "Relu", x);
  hdtg_mark_output(g, y);
  vmodel v = vcompile(g, "host");
  cr_expect_eq(vcount(&v, "hdt_vcopy("), 0);
  tg_rand rx = tg_random_tensor(2, (int64_t[]){5, 7});
  float out[35];
  vrun(v.m, 1, (const char *[]){"x"}, (const void *[]){rx.v}, (size_t[]){sizeof out}, out,
       sizeof out);
  for (int i = 0; i < 35; i++)
    tg_expect_close(out[i], rx.v[i] > 0 ? rx.v[i] : 0, 0, "y");
  tg_free_rand(&rx);
  vfree(&v);
  hdtg_destroy(g);
}

/* Concat along the last axis: each input's kernel writes a slice of the
 * output rows. Widths 4 and 8 of rows of 12 keep every run of 4 inside a
 * row and aligned, so both copies are vectorised; widths 3 and 5 (rows of
 * 8) put the second slice at offset 3, and both stay scalar. */
static void concat_last_axis(int64_t wa, int64_t wb, int vcopies) {
  enum { R = 3 };
  hdtg_graph *g = tg_graph();
  hdtg_tensor *x = tg_input(g, "x", 2, (int64_t[]){R, wa});
  tg_rand rc = tg_random_tensor(2, (int64_t[]){R, wb});
  hdtg_tensor *in[] = {x, tg_const(g, "c", &rc)}, *y;
  hdtg_attr ax = HDTG_ATTR_I("axis", 1);
  cr_assert_eq(hdtg_add_node(g, "Concat", "y", in, 2, &ax, 1, &y), HDTG_OK);
  hdtg_mark_output(g, y);
  vmodel v = vcompile(g, "host");
  cr_expect_eq(vcount(&v, "hdt_vcopy("), vcopies, "widths %lld and %lld", (long long)wa,
               (long long)wb);
  tg_rand rx = tg_random_tensor(2, (int64_t[]){R, wa});
  int64_t w = wa + wb;
  float out[R * 16];
  vrun(v.m, 1, (const char *[]){"x"}, (const void *[]){rx.v}, (size_t[]){sizeof(float) * R * wa},
       out, sizeof(float) * R * w);
  for (int i = 0; i < R; i++)
    for (int j = 0; j < w; j++)
      tg_expect_close(out[i * w + j], j < wa ? rx.v[i * wa + j] : rc.v[i * wb + j - wa], 0, "y");
  tg_free_rand(&rx);
  tg_free_rand(&rc);
  vfree(&v);
  hdtg_destroy(g);
}

Test(session_vector, concat_slices_in_runs) { concat_last_axis(4, 8, 4); }
Test(session_vector, concat_odd_slices_stay_scalar) { concat_last_axis(3, 5, 0); }

/* ---- alignment of the caller's buffers ------------------------------------------ */

/* Input and output 4 bytes past a 16-byte boundary: the session stages
 * them, and every run copies the current input in and the output out. A
 * later aligned binding is used directly. */
Test(session_vector, misaligned_buffers_are_staged) {
  enum { N = 64 };
  hdtg_graph *g = tg_graph();
  hdtg_tensor *x = tg_input(g, "x", 1, (int64_t[]){N});
  tg_rand rb = tg_random_tensor(1, (int64_t[]){N});
  hdtg_tensor *y = tg_node1(g, "Relu", tg_node2(g, "Add", x, tg_const(g, "b", &rb)));
  hdtg_mark_output(g, y);
  vmodel v = vcompile(g, "host");
  cr_expect_gt(vcount(&v, "hdt_vcopy("), 0);
  _Alignas(16) float xbuf[N + 4], ybuf[N + 4];
  float *xm = xbuf + 1, *ym = ybuf + 1; /* 4 bytes off */
  hdtrt_session *s;
  hdtrt_tensor_desc od;
  cr_assert_eq(hdtrt_model_output(v.m, 0, &od), HDTRT_OK);
  cr_assert_eq(hdtrt_session_create(v.m, &s), HDTRT_OK, "%s", hdtrt_last_error());
  cr_assert_eq(hdtrt_session_bind_input(s, "x", xm, sizeof(float) * N, HDTRT_MEM_HOST), HDTRT_OK);
  cr_assert_eq(hdtrt_session_bind_output(s, od.name, ym, sizeof(float) * N, HDTRT_MEM_HOST), HDTRT_OK,
               "%s", hdtrt_last_error());
  for (int rep = 0; rep < 2; rep++) {
    tg_rand rx = tg_random_tensor(1, (int64_t[]){N});
    memcpy(xm, rx.v, sizeof(float) * N);
    ybuf[0] = ybuf[N + 1] = 42; /* the neighbours stay untouched */
    cr_assert_eq(hdtrt_session_run(s), HDTRT_OK, "%s", hdtrt_last_error());
    for (int i = 0; i < N; i++) {
      float want = rx.v[i] + rb.v[i];
      tg_expect_close(ym[i], want > 0 ? want : 0, 0, "y");
    }
    cr_expect(ybuf[0] == 42 && ybuf[N + 1] == 42);
    tg_free_rand(&rx);
  }
  /* Aligned again: written in place. */
  cr_assert_eq(hdtrt_session_bind_output(s, od.name, ybuf, sizeof(float) * N, HDTRT_MEM_HOST), HDTRT_OK);
  cr_assert_eq(hdtrt_session_run(s), HDTRT_OK, "%s", hdtrt_last_error());
  for (int i = 0; i < N; i++) {
    float want = xm[i] + rb.v[i];
    tg_expect_close(ybuf[i], want > 0 ? want : 0, 0, "y aligned");
  }
  hdtrt_session_destroy(s);
  tg_free_rand(&rb);
  vfree(&v);
  hdtg_destroy(g);
}

/* ---- CUDA -------------------------------------------------------------------------- */

/* The vectorised kernels build with nvcc (16-byte runs are uint4 accesses,
 * hdt_vcopy<16>); with a GPU they match the host, misaligned host buffers
 * included (a cuda session stages host buffers anyway). */
Test(session_vector, cuda_build, .timeout = 300) {
  if (!tg_have_nvcc())
    cr_skip_test("nvcc not found");
  enum { R = 8, C = 32 };
  hdtg_graph *g = tg_graph();
  hdtg_tensor *x = tg_input(g, "x", 2, (int64_t[]){R, C});
  tg_rand rb = tg_random_tensor(1, (int64_t[]){C});
  hdtg_attr to16 = HDTG_ATTR_I("to", HDTG_F16);
  hdtg_tensor *t = tg_node1(g, "Relu", tg_node2(g, "Add", x, tg_const(g, "b", &rb)));
  hdtg_tensor *y = tg_node(g, "Cast", &t, 1, &to16, 1);
  hdtg_mark_output(g, y);
  vmodel v = vcompile(g, "cuda");
  cr_expect_eq(vcount(&v, "hdt_vcopy<16>("), 2, "x and b");
  cr_expect_eq(vcount(&v, "hdt_vcopy<8>("), 1, "the f16 store");
  hdtrt_session *s = NULL;
  hdtrt_status st = hdtrt_session_create(v.m, &s);
  if (st != HDTRT_ERROR_NO_DEVICE) {
    cr_assert_eq(st, HDTRT_OK, "%s", hdtrt_last_error());
    hdtrt_session_destroy(s);
    tg_rand rx = tg_random_tensor(2, (int64_t[]){R, C});
    _Alignas(16) uint16_t obuf[R * C + 8];
    vrun(v.m, 1, (const char *[]){"x"}, (const void *[]){rx.v},
         (size_t[]){sizeof(float) * R * C}, obuf + 1, sizeof(uint16_t) * R * C);
    for (int i = 0; i < R; i++)
      for (int j = 0; j < C; j++) {
        float s2 = rx.v[i * C + j] + rb.v[j];
        cr_expect_eq(obuf[1 + i * C + j], f16_bits(s2 > 0 ? s2 : 0), "y[%d, %d]", i, j);
      }
    tg_free_rand(&rx);
  }
  tg_free_rand(&rb);
  vfree(&v);
  hdtg_destroy(g);
}

/* The other run widths build too: f16 runs of 8 behind a per-element bool
 * store, and 16-byte runs of f64 behind 8-byte runs of f32. */
Test(session_vector, cuda_build_other_widths, .timeout = 300) {
  if (!tg_have_nvcc())
    cr_skip_test("nvcc not found");
  hdtg_graph *g = tg_graph();
  hdtg_tensor *x, *zero, *y, *x32, *y64;
  cr_assert_eq(hdtg_add_input(g, "x", HDTG_F16, 2, (hdtg_dim[]){HDTG_DIM(4), HDTG_DIM(64)}, &x),
               HDTG_OK);
  uint16_t z = 0;
  cr_assert_eq(hdtg_add_constant(g, "zero", HDTG_F16, 0, NULL, &z, sizeof z, &zero), HDTG_OK);
  hdtg_tensor *in[] = {x, zero};
  cr_assert_eq(hdtg_add_node(g, "Greater", "y", in, 2, NULL, 0, &y), HDTG_OK);
  hdtg_mark_output(g, y);
  x32 = tg_input(g, "x32", 2, (int64_t[]){6, 10});
  hdtg_attr to64 = HDTG_ATTR_I("to", HDTG_F64);
  cr_assert_eq(hdtg_add_node(g, "Cast", "y64", &x32, 1, &to64, 1, &y64), HDTG_OK);
  hdtg_mark_output(g, y64);
  vmodel v = vcompile(g, "cuda");
  cr_expect_eq(vcount(&v, "hdt_vcopy<16>("), 2, "the f16 load, the f64 store");
  cr_expect_eq(vcount(&v, "hdt_vcopy<8>("), 1, "the f32 load");
  vfree(&v);
  hdtg_destroy(g);
}
