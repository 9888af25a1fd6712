/* norm_main.c: runs stdlib/layernorm.hdt or stdlib/rmsnorm.hdt against a
 * double-precision reference, with examples/driver.h: fresh random inputs
 * (the seed is printed; HDT_SEED=<seed> repeats a run), outputs poisoned with
 * NaN, several sizes that are multiples of no tile. Exits with status 1 when
 * any result is over its tolerance.
 *
 *   norm_main layernorm|rmsnorm [rows cols]
 *
 * Link it with the host C (or, built with -DHDT_DRIVER_CUDA, the CUDA) of
 * the file the operator names; the other operator is a weak symbol, so one
 * driver serves both files:
 *   hdtc --target=host stdlib/layernorm.hdt -o layernorm.c
 *   cc -std=c11 -O2 -I runtime/include -I examples \
 *      test/lit/stdlib/Inputs/norm_main.c layernorm.c build/libhdtrt.a -lm
 *
 * The inputs are x = u * s_r + o_r with u uniform in [-1, 1) and, per row, a
 * scale s_r in [0.5, 4.5) and an offset o_r in [-8, 8): rows with a mean
 * far from 0, so that a layernorm that forgot to subtract the mean, or
 * computed the variance as E[x^2] - E[x]^2 in f32, fails. Every fourth row
 * (row 0 first) has s_r = 0.05 and o_r = 0 instead: a variance (or mean
 * square) of about 1e-3, where a wrong EPS shows. gamma is in [0.5, 1.5)
 * and beta in [-1, 1). */
#include "driver.h"

__attribute__((weak)) int layernorm(int32_t rows, int32_t cols, const float *x, const float *gamma,
                                    const float *beta, float *y);
__attribute__((weak)) int rmsnorm(int32_t rows, int32_t cols, const float *x, const float *gamma,
                                  float *y);

static int run(int is_layernorm, int32_t rows, int32_t cols) {
  size_t total = (size_t)rows * (size_t)cols;
  buf x = buf_new(total), gamma = buf_new((size_t)cols), beta = buf_new((size_t)cols), y = buf_new(total);
  buf_random(&x);
  for (int32_t r = 0; r < rows; r++) {
    float scale = 2.5f + 2.0f * drv_uniform(), offset = 8.0f * drv_uniform();
    if (r % 4 == 0) { /* a small spread around 0: EPS matters here */
      scale = 0.05f;
      offset = 0.0f;
    }
    for (int32_t c = 0; c < cols; c++)
      x.host[(size_t)r * cols + c] = x.host[(size_t)r * cols + c] * scale + offset;
  }
  buf_upload(&x);
  buf_random(&gamma);
  for (int32_t c = 0; c < cols; c++)
    gamma.host[c] = 1.0f + 0.5f * gamma.host[c];
  buf_upload(&gamma);
  buf_random(&beta);
  buf_poison(&y);
  double t;
  int status;
  DRV_TIMED(t, status,
            is_layernorm ? layernorm(rows, cols, x.dev, gamma.dev, beta.dev, y.dev)
                         : rmsnorm(rows, cols, x.dev, gamma.dev, y.dev));
  if (status != 0)
    drv_die("the kernel returned an error");
  buf_download(&y);
  double *ref = malloc((total + 1) * sizeof *ref);
  for (int32_t r = 0; r < rows; r++) {
    const float *row = x.host + (size_t)r * cols;
    double *out = ref + (size_t)r * cols;
    if (is_layernorm) {
      double mean = 0, var = 0;
      for (int32_t c = 0; c < cols; c++)
        mean += row[c];
      mean /= cols;
      for (int32_t c = 0; c < cols; c++)
        var += (row[c] - mean) * (row[c] - mean);
      var /= cols;
      double rstd = 1.0 / sqrt(var + 1e-5);
      for (int32_t c = 0; c < cols; c++)
        out[c] = (row[c] - mean) * rstd * gamma.host[c] + beta.host[c];
    } else {
      double ms = 0;
      for (int32_t c = 0; c < cols; c++)
        ms += (double)row[c] * row[c];
      ms /= cols;
      double scale = 1.0 / sqrt(ms + 1e-6);
      for (int32_t c = 0; c < cols; c++)
        out[c] = row[c] * scale * gamma.host[c];
    }
  }
  char size[64];
  snprintf(size, sizeof size, "%dx%d", rows, cols);
  /* f32 sums over a row, then a few roundings per element: up to about
   * 1.3e-6 over 40 seeds. A wrong EPS gives about 5e-3 on the rows of small
   * spread. */
  int bad = drv_report(is_layernorm ? "layernorm[" DRV_TARGET "]" : "rmsnorm[" DRV_TARGET "]", size,
                       drv_relative_error(y.host, ref, total), 1e-5, t, 0);
  free(ref);
  buf_free(&x);
  buf_free(&gamma);
  buf_free(&beta);
  buf_free(&y);
  return bad;
}

int main(int argc, char **argv) {
  int is_layernorm = argc >= 2 && strcmp(argv[1], "layernorm") == 0;
  if (argc < 2 || (!is_layernorm && strcmp(argv[1], "rmsnorm")) ||
      (is_layernorm ? !layernorm : !rmsnorm)) {
    fprintf(stderr, "usage: %s layernorm|rmsnorm [rows cols] (linked with that operator)\n", argv[0]);
    return 2;
  }
  drv_seed(argc, argv);
  if (argc >= 4)
    return run(is_layernorm, atoi(argv[2]), atoi(argv[3]));
  /* Up to 1024 columns a row is kept in registers (CACHED = 1024), past it
   * the kernel reads it from memory again: 1024 and 1025 are either side. */
  const int32_t sizes[][2] = {{1, 1}, {5, 33}, {37, 1000}, {1, 1024}, {3, 1025}, {130, 1}, {3, 31}, {130, 4097}};
  int failures = 0;
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
    failures += run(is_layernorm, sizes[i][0], sizes[i][1]);
  return failures ? 1 : 0;
}
