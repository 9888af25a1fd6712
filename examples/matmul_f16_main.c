/* matmul_f16_main.c: runs examples/matmul_f16.hdt (or matmul_bf16.hdt, built
 * with -DKERNEL=matmul_bf16 -DHDT_BF16) against a double-precision
 * reference computed from the same 16-bit inputs.
 *
 *   ./matmul_f16            the default sizes: odd ones (every edge path),
 *                           then full tiles (the unpredicated path)
 *   ./matmul_f16 M N K [R]  one size, timed as the best of R runs
 *   HDT_BENCH=N ./matmul_f16 M N K   the median of N timed runs (driver.h)
 *
 * The inputs are uniform in [-1, 1) rounded to the 16-bit type; the output
 * is rounded to it once, so the error allowed is that rounding (half an ulp:
 * 2^-11 relative for f16, 2^-8 for bf16) plus the f32 accumulation's. */
#include "driver.h"
#include "hdt_host.h"

#ifndef KERNEL
#define KERNEL matmul_f16
#endif
#define STR2(x) #x
#define STR(x) STR2(x)

#ifdef HDT_BF16
#define TO_HALF hdt_f32_to_bf16
#define FROM_HALF hdt_bf16_to_f32
#define OUT_TOL 8e-3
#else
#define TO_HALF hdt_f32_to_f16
#define FROM_HALF hdt_f16_to_f32
#define OUT_TOL 1e-3
#endif

int KERNEL(int32_t m, int32_t n, int32_t k, const uint16_t *a, const uint16_t *b, uint16_t *c);

static void hbuf_random(hbuf *b) {
  for (size_t i = 0; i < b->n; i++)
    b->host[i] = TO_HALF(drv_uniform());
  hbuf_upload(b);
}

/* NaN in the 16-bit type (0x7e00 for f16, 0x7fc0 for bf16). */
static void hbuf_poison(hbuf *b) {
  for (size_t i = 0; i < b->n; i++)
    b->host[i] = TO_HALF(NAN);
  hbuf_upload(b);
}

static int run(int32_t m, int32_t n, int32_t k, int reps) {
  hbuf a = hbuf_new((size_t)m * k), b = hbuf_new((size_t)k * n), c = hbuf_new((size_t)m * n);
  hbuf_random(&a);
  hbuf_random(&b);
  double best = INFINITY;
  for (int r = 0; r < reps; r++) {
    hbuf_poison(&c);
    double t;
    int status;
    DRV_TIMED(t, status, KERNEL(m, n, k, a.dev, b.dev, c.dev));
    if (status != 0)
      drv_die(STR(KERNEL) " returned an error");
    best = t < best ? t : best;
  }
  hbuf_download(&c);
  int32_t step = drv_row_step(m, n, k);
  int32_t rows = (m + step - 1) / step;
  float *got = malloc(((size_t)rows * n + 1) * sizeof *got);
  double *ref = calloc((size_t)rows * n + 1, sizeof *ref);
  float *bf = malloc(((size_t)k * n + 1) * sizeof *bf);
  if (!got || !ref || !bf)
    drv_die("out of memory");
  for (size_t i = 0; i < (size_t)k * n; i++)
    bf[i] = FROM_HALF(b.host[i]);
  for (int32_t r = 0; r < rows; r++) {
    int32_t i = r * step;
    for (int32_t j = 0; j < n; j++)
      got[(size_t)r * n + j] = FROM_HALF(c.host[(size_t)i * n + j]);
    for (int32_t p = 0; p < k; p++) {
      double av = FROM_HALF(a.host[(size_t)i * k + p]);
      for (int32_t j = 0; j < n; j++)
        ref[(size_t)r * n + j] += av * (double)bf[(size_t)p * n + j];
    }
  }
  char size[64];
  snprintf(size, sizeof size, "%dx%dx%d", m, n, k);
  double tol = OUT_TOL + 5e-7 * k;
  int bad = drv_report(STR(KERNEL) "[" DRV_TARGET "]", size,
                       drv_relative_error(got, ref, (size_t)rows * n), tol, best, 2.0 * m * n * k);
  free(got);
  free(ref);
  free(bf);
  hbuf_free(&a);
  hbuf_free(&b);
  hbuf_free(&c);
  return bad;
}

int main(int argc, char **argv) {
  drv_seed(argc, argv);
  if (argc >= 4)
    return run(atoi(argv[1]), atoi(argv[2]), atoi(argv[3]), argc > 4 ? atoi(argv[4]) : 1);
  const int32_t sizes[][3] = {{1, 1, 1},     {63, 65, 17},  {129, 257, 100}, {77, 130, 31},
                              {128, 128, 32}, {256, 128, 160}, {200, 136, 64}};
  int failures = 0;
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
    failures += run(sizes[i][0], sizes[i][1], sizes[i][2], 1);
  return failures ? 1 : 0;
}
