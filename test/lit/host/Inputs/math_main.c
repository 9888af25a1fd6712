/* math_main.c: drives test/lit/host/math.hdt. Each intrinsic is compared
 * with the C library's double function of the same (float) operands. */
#include "host_check.h"
#include "hdt_host.h"

enum { COLS = 14 };

int math32(int32_t n, const float *x, const float *y, const hdt_f16 *h, float *o);
int math64(int32_t n, const double *x, const double *y, double *o);
int preds(int32_t n, const float *x, const double *d, int32_t *o);
int specials(float *o, double *o64, hdt_f16 *oh);

/* Inputs in [-8, 8); every fourth an exact half (k + 0.5), where round
 * must go away from zero. */
static double input(int i) {
  return i % 4 == 0 ? chk_int(-8, 7) + 0.5 : chk_uniform(-8, 8);
}

static double column(int c, double a, double b, double hv) {
  switch (c) {
  case 0: return floor(a);
  case 1: return ceil(a);
  case 2: return round(a);
  case 3: return trunc(a);
  case 4: return pow(fabs(a) + 0.125, b);
  case 5: return sin(a);
  case 6: return cos(a);
  case 7: return erf(a);
  case 8: return fma(a, b, 0.5);
  case 9: return exp2(a);
  case 10: return log2(fabs(a) + 0.125);
  case 11: return exp(a);
  case 12: return exp(a);
  default: return exp(hv);
  }
}

static const char *names[COLS] = {"floor", "ceil", "round", "trunc", "pow", "sin", "cos",
                                  "erf", "fma", "exp2", "log2", "exp", "fast_exp", "exp(f16)"};

static void run32(int32_t n) {
  float *x = chk_alloc((size_t)n, sizeof *x), *y = chk_alloc((size_t)n, sizeof *y);
  hdt_f16 *h = chk_alloc((size_t)n, sizeof *h);
  for (int32_t i = 0; i < n; i++) {
    x[i] = (float)input(i);
    y[i] = (float)chk_uniform(-3, 3);
    h[i] = hdt_f32_to_f16((float)chk_uniform(-2, 2));
  }
  float *o = chk_poisoned_floats((size_t)n * COLS);
  chk_status("math32", math32(n, x, y, h, o), 0);
  float *got = chk_alloc((size_t)n, sizeof *got);
  double *want = chk_alloc((size_t)n, sizeof *want);
  for (int c = 0; c < COLS; c++) {
    for (int32_t i = 0; i < n; i++) {
      got[i] = o[(size_t)i * COLS + c];
      /* the operands as the kernel has them: abs(a) + 0.125 is an f32 sum */
      double a = x[i], b = y[i];
      if (c == 4 || c == 10)
        a = (double)(fabsf(x[i]) + 0.125f), a = c == 4 ? pow(a, b) : log2(a);
      want[i] = c == 4 || c == 10 ? a : column(c, a, b, hdt_f16_to_f32(h[i]));
    }
    /* relative to the magnitude (absolute below 1): libm's f32 functions
     * are within a few ulp (1.2e-7 each) of the double result */
    char what[64];
    snprintf(what, sizeof what, "%s f32 n=%d", names[c], n);
    chk_close(what, got, want, (size_t)n, c <= 3 ? 0.0 : 2e-6);
  }
  free(x), free(y), free(h), free(o), free(got), free(want);
}

static void run64(int32_t n) {
  double *x = chk_alloc((size_t)n, sizeof *x), *y = chk_alloc((size_t)n, sizeof *y);
  double *o = chk_alloc((size_t)n * COLS, sizeof *o);
  for (int32_t i = 0; i < n; i++) {
    x[i] = input(i);
    y[i] = chk_uniform(-3, 3);
  }
  chk_status("math64", math64(n, x, y, o), 0);
  int shown = 0;
  for (int c = 0; c < COLS - 1; c++)
    for (int32_t i = 0; i < n; i++) {
      double g = o[(size_t)i * COLS + c], w = column(c, x[i], y[i], 0);
      if (!(fabs(g - w) <= 1e-13 * (fabs(w) > 1 ? fabs(w) : 1)))
        chk_fail(names[c], (size_t)i, g, w, &shown);
    }
  printf("math64 n=%d: %d columns checked\n", n, COLS - 1);
  free(x), free(y), free(o);
}

static void run_preds(void) {
  enum { N = 300 };
  float x[N];
  double d[N];
  int32_t o[N], want[N];
  for (int i = 0; i < N; i++) {
    int kx = chk_int(0, 3), kd = chk_int(0, 3);
    float fx[4] = {(float)(chk_uniform(-1, 1) * 1e30), NAN, INFINITY, -INFINITY};
    double fd[4] = {chk_uniform(-1, 1) * 1e300, NAN, INFINITY, -INFINITY};
    x[i] = fx[kx], d[i] = fd[kd];
    want[i] = (kx == 1) + 2 * (kx >= 2) + 4 * (kd == 1) + 8 * (kd >= 2);
  }
  chk_status("preds", preds(N, x, d, o), 0);
  int shown = 0;
  for (int i = 0; i < N; i++)
    if (o[i] != want[i])
      chk_fail("isnan/isinf", (size_t)i, o[i], want[i], &shown);
  printf("isnan/isinf: %d values checked\n", N);
}

static void run_specials(void) {
  float o[4];
  double o64[3];
  hdt_f16 oh[2];
  chk_status("specials", specials(o, o64, oh), 0);
  int shown = 0;
  if (!(o[0] == INFINITY && o[1] == -INFINITY && isnan(o[2]) && o[3] == INFINITY))
    chk_fail("inf/nan f32", 0, o[0], INFINITY, &shown);
  if (!(o64[0] == INFINITY && o64[1] == -INFINITY && isnan(o64[2])))
    chk_fail("inf/nan f64", 0, o64[0], INFINITY, &shown);
  if (!(oh[0] == 0x7c00u && oh[1] == 0xfc00u))
    chk_fail("inf f16", 0, oh[0], 0x7c00u, &shown);
  printf("inf/nan: checked\n");
}

int main(void) {
  chk_seed("math");
  int32_t sizes[] = {1, 127, 1000, 4099};
  for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
    run32(sizes[k]);
    run64(sizes[k]);
  }
  run_preds();
  run_specials();
  return chk_done();
}
