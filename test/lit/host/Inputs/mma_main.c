/* mma_main.c: drives test/lit/host/mma.hdt.
 *
 * The reference is D = C + A * B in double precision. The expansion sums
 * in f32, k in order, each step rounded once (the products of two f16,
 * bf16 or tf32 values are exact in f32); the hardware's order is
 * unspecified, and any order of K rounded f32 additions is within
 * K * 2^-24 * (|c| + sum |a b|) of the exact sum, so that is the bound
 * checked (it holds for a GPU as well). */
#include "host_check.h"

#include "hdt_host.h"

int mm_f16(const hdt_f16 *a, const hdt_f16 *b, const float *c, float *d);
int mm_bf16(const hdt_bf16 *a, const hdt_bf16 *b, const float *c, float *d);
int mm_tf32(const float *a, const float *b, const float *c, float *d);

/* x rounded to 11 significant bits, ties away from zero (cvt.rna.tf32),
 * computed in double, independently of the runtime's helper. */
static double tf32(double x) {
  if (x == 0 || isnan(x) || isinf(x))
    return x;
  int e;
  frexp(x, &e);
  double ulp = ldexp(1.0, e - 11);
  return copysign(floor(fabs(x) / ulp + 0.5) * ulp, x);
}

static void check(const char *what, const float *d, const double *a, const double *b, const float *c, int m, int n,
                  int k) {
  int shown = 0;
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) {
      double want = c[i * n + j], mag = fabs(c[i * n + j]);
      for (int q = 0; q < k; q++) {
        want += a[i * k + q] * b[q * n + j];
        mag += fabs(a[i * k + q] * b[q * n + j]);
      }
      double got = d[i * n + j];
      if (!(fabs(got - want) <= k * 0x1p-24 * mag))
        chk_fail(what, (size_t)(i * n + j), got, want, &shown);
    }
  printf("%s: %d values checked\n", what, m * n);
}

static void run_half(bool bf) {
  enum { M = 64, N = 32, K = 32 };
  uint16_t *a = chk_alloc(M * K, sizeof *a), *b = chk_alloc(K * N, sizeof *b);
  double *ad = chk_alloc(M * K, sizeof *ad), *bd = chk_alloc(K * N, sizeof *bd);
  for (int i = 0; i < M * K + K * N; i++) {
    float v = (float)chk_uniform(-2, 2);
    uint16_t h = bf ? hdt_f32_to_bf16(v) : hdt_f32_to_f16(v);
    double x = bf ? hdt_bf16_to_f32(h) : hdt_f16_to_f32(h);
    if (i < M * K)
      a[i] = h, ad[i] = x;
    else
      b[i - M * K] = h, bd[i - M * K] = x;
  }
  float *c = chk_random_floats(M * N, -4, 4), *d = chk_poisoned_floats(M * N);
  chk_status(bf ? "mm_bf16" : "mm_f16", bf ? mm_bf16(a, b, c, d) : mm_f16(a, b, c, d), 0);
  check(bf ? "mm_bf16" : "mm_f16", d, ad, bd, c, M, N, K);
  free(a), free(b), free(ad), free(bd), free(c), free(d);
}

static void run_tf32(void) {
  enum { M = 32, N = 16, K = 16 };
  float *a = chk_random_floats(M * K, -2, 2), *b = chk_random_floats(K * N, -2, 2);
  a[0] = 1.0f + 0x1p-11f; /* a tie: rna gives 1 + 2^-10, ties-to-even 1 */
  b[0] = 3.0f;
  double *ad = chk_alloc(M * K, sizeof *ad), *bd = chk_alloc(K * N, sizeof *bd);
  for (int i = 0; i < M * K; i++)
    ad[i] = tf32(a[i]);
  for (int i = 0; i < K * N; i++)
    bd[i] = tf32(b[i]);
  float *c = chk_random_floats(M * N, -4, 4), *d = chk_poisoned_floats(M * N);
  c[0] = 0.0f;
  chk_status("mm_tf32", mm_tf32(a, b, c, d), 0);
  check("mm_tf32", d, ad, bd, c, M, N, K);
  free(a), free(b), free(ad), free(bd), free(c), free(d);
}

int main(void) {
  chk_seed("mma");
  run_half(false);
  run_half(true);
  run_tf32();
  return chk_done();
}
