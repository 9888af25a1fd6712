/* instances_main.c: runs two instances of Inputs/generic_matmul.hdt's
 * generic kernel, compiled into one host-target file
 * (--instance=matmul_64x64:matmul:BM=64,BN=64
 *  --instance=matmul_32x128:matmul:BM=32,BN=128), against a
 * double-precision reference, on fresh random inputs at sizes that are not
 * multiples of either tile. Exits non-zero on any error over the
 * tolerance. */
#include "driver.h"

typedef int matmul_fn(int32_t m, int32_t n, int32_t k, const float *a, const float *b, float *c);
matmul_fn matmul_64x64, matmul_32x128;

static int run(const char *name, matmul_fn *kernel, int32_t m, int32_t n, int32_t k) {
  buf a = buf_new((size_t)m * k), b = buf_new((size_t)k * n), c = buf_new((size_t)m * n);
  buf_random(&a);
  buf_random(&b);
  buf_poison(&c);
  double t0 = drv_now();
  if (kernel(m, n, k, a.dev, b.dev, c.dev) != 0)
    drv_die("the kernel returned an error");
  drv_sync();
  double t = drv_now() - t0;
  buf_download(&c);
  double *ref = calloc((size_t)m * n + 1, sizeof *ref);
  for (int32_t i = 0; i < m; i++)
    for (int32_t p = 0; p < k; p++) {
      double av = a.host[(size_t)i * k + p];
      for (int32_t j = 0; j < n; j++)
        ref[(size_t)i * n + j] += av * (double)b.host[(size_t)p * n + j];
    }
  char size[64], label[64];
  snprintf(size, sizeof size, "%dx%dx%d", m, n, k);
  snprintf(label, sizeof label, "%s[" DRV_TARGET "]", name);
  double tol = 1e-6 + 5e-7 * k; /* float accumulation: the error grows with k */
  int bad = drv_report(label, size, drv_relative_error(c.host, ref, (size_t)m * n), tol, t,
                       2.0 * m * n * k);
  free(ref);
  buf_free(&a);
  buf_free(&b);
  buf_free(&c);
  return bad;
}

int main(int argc, char **argv) {
  drv_seed(argc, argv);
  const int32_t sizes[][3] = {{1, 1, 1}, {63, 130, 17}, {129, 257, 100}, {97, 45, 33}};
  int failures = 0;
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    failures += run("matmul_64x64", matmul_64x64, sizes[i][0], sizes[i][1], sizes[i][2]);
    failures += run("matmul_32x128", matmul_32x128, sizes[i][0], sizes[i][1], sizes[i][2]);
  }
  return failures ? 1 : 0;
}
