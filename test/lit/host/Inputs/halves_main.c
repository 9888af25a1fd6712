/* halves_main.c: drives test/lit/host/halves.hdt. */
#include "host_check.h"

int halves(int32_t n, const float *x, const float *y, float *h, float *b, float *q);
int conversions(int32_t n, const float *x, const int32_t *s, int32_t *k, uint8_t *u, int32_t *w);

/* v rounded to nearest even with `digits` significant bits, minimum normal
 * exponent emin, largest finite value max (beyond which: infinity). */
static double round_to(double v, int digits, int emin, double max) {
  if (v == 0 || isnan(v) || isinf(v))
    return v;
  int e;
  frexp(v, &e);
  int exp = e - 1 < emin ? emin : e - 1;
  double ulp = ldexp(1.0, exp - (digits - 1));
  double r = nearbyint(v / ulp) * ulp;
  return fabs(r) > max ? copysign(INFINITY, v) : r;
}

static double f16(double v) { return round_to(v, 11, -14, 65504.0); }
static double bf16(double v) { return round_to(v, 8, -126, 0x1.fep127); }

static int64_t saturate(double v, double lo, double hi) {
  if (isnan(v))
    return 0;
  if (v <= lo)
    return (int64_t)lo;
  if (v >= hi)
    return (int64_t)hi;
  return (int64_t)trunc(v);
}

static void run(int32_t n) {
  float *x = chk_alloc((size_t)n, sizeof *x), *y = chk_alloc((size_t)n, sizeof *y);
  int32_t *s = chk_alloc((size_t)n, sizeof *s);
  for (int32_t i = 0; i < n; i++) {
    double scale = i % 4 == 0 ? 1e-6 : i % 4 == 1 ? 1e-3 : 300; /* subnormal, small, overflowing */
    x[i] = (float)chk_uniform(-scale, scale);
    y[i] = (float)chk_uniform(-300, 300);
    s[i] = chk_int(INT32_MIN / 2, INT32_MAX / 2);
  }
  if (n > 3) {
    x[0] = NAN;
    x[1] = INFINITY;
    x[2] = 3e9f;
    x[3] = -0.0f;
  }
  float *h = chk_poisoned_floats((size_t)n), *b = chk_poisoned_floats((size_t)n), *q = chk_poisoned_floats((size_t)n);
  chk_status("halves", halves(n, x, y, h, b, q), 0);
  int32_t *k = chk_alloc((size_t)n, sizeof *k), *w = chk_alloc((size_t)n, sizeof *w);
  uint8_t *u = chk_alloc((size_t)n, sizeof *u);
  chk_status("conversions", conversions(n, x, s, k, u, w), 0);

  double *wh = chk_alloc((size_t)n, sizeof *wh), *wb = chk_alloc((size_t)n, sizeof *wb), *wq = chk_alloc((size_t)n, sizeof *wq);
  int64_t *gk = chk_alloc((size_t)n, sizeof *gk), *wk = chk_alloc((size_t)n, sizeof *wk);
  int64_t *gu = chk_alloc((size_t)n, sizeof *gu), *wu = chk_alloc((size_t)n, sizeof *wu);
  int64_t *gw = chk_alloc((size_t)n, sizeof *gw), *ww = chk_alloc((size_t)n, sizeof *ww);
  int shown = 0;
  for (int32_t i = 0; i < n; i++) {
    double a = f16(x[i]), c = f16(y[i]);
    wh[i] = f16(f16(a * c) + a);
    double xb = bf16(x[i]), yb = bf16(y[i]);
    wb[i] = bf16(bf16(xb / yb) - xb);
    wq[i] = isnan(a) ? -c : a > -c ? a : -c; /* fmax: a NaN operand gives the other */
    if (isnan(wh[i]) != isnan(h[i]) || isnan(wb[i]) != isnan(b[i]))
      chk_fail("halves NaN", (size_t)i, h[i], wh[i], &shown);
    if (isnan(wh[i]))
      wh[i] = h[i] = 0; /* NaN == NaN here, checked above */
    if (isnan(wb[i]))
      wb[i] = b[i] = 0;
    wk[i] = saturate(x[i], INT32_MIN, INT32_MAX);
    gk[i] = k[i];
    wu[i] = saturate(x[i], 0, 255);
    gu[i] = u[i];
    uint32_t sh = (uint32_t)(i % 40), sr = (uint32_t)(i % 37);
    int32_t left = sh >= 32 ? 0 : (int32_t)((uint32_t)s[i] << sh);
    int32_t right = sr >= 32 ? (s[i] < 0 ? -1 : 0) : s[i] >> sr;
    ww[i] = left ^ right;
    gw[i] = w[i];
  }
  char what[64];
  snprintf(what, sizeof what, "f16 a * c + a, n=%d", n);
  chk_close(what, h, wh, (size_t)n, 0);
  snprintf(what, sizeof what, "bf16 x / y - x, n=%d", n);
  chk_close(what, b, wb, (size_t)n, 0);
  snprintf(what, sizeof what, "f16 max(a, -c), n=%d", n);
  chk_close(what, q, wq, (size_t)n, 0);
  chk_equal_i64("f32 -> i32 (saturating)", gk, wk, (size_t)n);
  chk_equal_i64("f32 -> u8 (saturating)", gu, wu, (size_t)n);
  chk_equal_i64("i32 shifts", gw, ww, (size_t)n);
  free(x), free(y), free(s), free(h), free(b), free(q), free(k), free(w), free(u);
  free(wh), free(wb), free(wq), free(gk), free(wk), free(gu), free(wu), free(gw), free(ww);
}

int main(int argc, char **argv) {
  (void)argc;
  chk_seed(argv[0]);
  run(4);
  run(1000);
  run(chk_int(5, 100000));
  return chk_done();
}
