/* math_half_main.c: drives test/lit/host/math-half.hdt. */
#include "host_check.h"

int math_half(int32_t n, const float *x, const float *p, float *e, float *t, float *l, float *s,
              float *r, float *bt, float *bl);

/* v rounded to nearest even with `digits` significant bits (as in
 * halves_main.c; the inputs here are normal and in range). */
static double round_to(double v, int digits) {
  if (v == 0)
    return v;
  int ex;
  frexp(v, &ex);
  double ulp = ldexp(1.0, ex - 1 - (digits - 1));
  return nearbyint(v / ulp) * ulp;
}

static double f16(double v) { return round_to(v, 11); }
static double bf16(double v) { return round_to(v, 8); }

static void run(int32_t n) {
  float *x = chk_random_floats((size_t)n, -4, 4), *p = chk_random_floats((size_t)n, 0.01, 100);
  float *out[7];
  for (int k = 0; k < 7; k++)
    out[k] = chk_poisoned_floats((size_t)n);
  chk_status("math_half", math_half(n, x, p, out[0], out[1], out[2], out[3], out[4], out[5], out[6]), 0);
  double *want[7];
  for (int k = 0; k < 7; k++)
    want[k] = chk_alloc((size_t)n, sizeof *want[k]);
  for (int32_t i = 0; i < n; i++) {
    double a = f16(x[i]), q = f16(p[i]);
    want[0][i] = exp(a);
    want[1][i] = tanh(a);
    want[2][i] = log(q);
    want[3][i] = sqrt(q);
    want[4][i] = 1.0 / sqrt(q);
    want[5][i] = tanh(bf16(x[i]));
    want[6][i] = log(bf16(p[i]));
  }
  static const char *const names[7] = {"exp(f16)", "tanh(f16)", "log(f16)", "sqrt(f16)",
                                       "rsqrt(f16)", "tanh(bf16)", "log(bf16)"};
  for (int k = 0; k < 7; k++) {
    /* f32 libm functions are within a few ulp (2^-23 relative each). */
    chk_close(names[k], out[k], want[k], (size_t)n, 1e-6);
    free(out[k]);
    free(want[k]);
  }
  free(x);
  free(p);
}

int main(int argc, char **argv) {
  (void)argc;
  chk_seed(argv[0]);
  run(1);
  run(1000);
  run(chk_int(5, 20000));
  return chk_done();
}
