/* matmul_main.c: runs examples/matmul.hdt (or matmul_pipelined.hdt, built
 * with -DKERNEL=matmul_pipelined) against a double-precision reference.
 *
 *   ./matmul            the default sizes, none a multiple of a tile
 *   ./matmul M N K [R]  one size, timed as the best of R runs
 *   HDT_BENCH=N ./matmul M N K   the median of N timed runs (driver.h)
 */
#include "driver.h"

#ifndef KERNEL
#define KERNEL matmul
#endif
#define STR2(x) #x
#define STR(x) STR2(x)

int KERNEL(int32_t m, int32_t n, int32_t k, const float *a, const float *b, float *c);

static int run(int32_t m, int32_t n, int32_t k, int reps) {
  buf a = buf_new((size_t)m * k), b = buf_new((size_t)k * n), c = buf_new((size_t)m * n);
  buf_random(&a);
  buf_random(&b);
  double best = INFINITY;
  for (int r = 0; r < reps; r++) {
    buf_poison(&c);
    double t;
    int status;
    DRV_TIMED(t, status, KERNEL(m, n, k, a.dev, b.dev, c.dev));
    if (status != 0)
      drv_die(STR(KERNEL) " returned an error");
    best = t < best ? t : best;
  }
  buf_download(&c);
  int32_t step = drv_row_step(m, n, k);
  int32_t rows = (m + step - 1) / step;
  float *got = c.host;
  if (step > 1) {
    got = malloc((size_t)rows * n * sizeof *got);
    if (!got)
      drv_die("out of memory");
    for (int32_t r = 0; r < rows; r++)
      memcpy(got + (size_t)r * n, c.host + (size_t)r * step * n, (size_t)n * sizeof *got);
  }
  double *ref = calloc((size_t)rows * n + 1, sizeof *ref);
  for (int32_t r = 0; r < rows; r++) {
    int32_t i = r * step;
    for (int32_t p = 0; p < k; p++) {
      double av = a.host[(size_t)i * k + p];
      for (int32_t j = 0; j < n; j++)
        ref[(size_t)r * n + j] += av * (double)b.host[(size_t)p * n + j];
    }
  }
  char size[64];
  snprintf(size, sizeof size, "%dx%dx%d", m, n, k);
  /* float accumulation: the error grows with k */
  double tol = 1e-6 + 5e-7 * k;
  int bad = drv_report(STR(KERNEL) "[" DRV_TARGET "]", size,
                       drv_relative_error(got, ref, (size_t)rows * n), tol, best, 2.0 * m * n * k);
  if (got != c.host)
    free(got);
  free(ref);
  buf_free(&a);
  buf_free(&b);
  buf_free(&c);
  return bad;
}

int main(int argc, char **argv) {
  drv_seed(argc, argv);
  if (argc >= 4)
    return run(atoi(argv[1]), atoi(argv[2]), atoi(argv[3]), argc > 4 ? atoi(argv[4]) : 1);
  const int32_t sizes[][3] = {{1, 1, 1}, {63, 65, 17}, {129, 257, 100}, {300, 200, 333}, {77, 513, 31}};
  int failures = 0;
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
    failures += run(sizes[i][0], sizes[i][1], sizes[i][2], 1);
  return failures ? 1 : 0;
}
