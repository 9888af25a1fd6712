/* layer_norm_main.c: runs instances of layer_norm (stdlib/layer_norm.hdt)
 * against a double-precision reference, with examples/driver.h: fresh random
 * inputs (the seed is printed; HDT_SEED=<seed> repeats a run), the output
 * poisoned with NaN. Exits with status 1 when any case is over its
 * tolerance.
 *
 * Each case is one instance, compiled by the lit test (layer_norm.test)
 * with exactly the generic values of the table below; the entry point is
 * int NAME(const float *x, const float *scale, const float *bias, float *y).
 * As in norm_main.c, x = u * s_r + o_r with u uniform in [-1, 1), a
 * per-row scale s_r in [0.5, 4.5) and offset o_r in [-8, 8) (a mean far from
 * 0), except every fourth row, s_r = 0.05 and o_r = 0 (a variance of about
 * 1e-3, where a wrong EPS shows when EPS is 1e-3 or 1e-5); scale in
 * [0.5, 1.5), bias in [-1, 1).
 *
 * Tolerance: max |y - ref| / max |ref| <= 1e-5 (f32 row sums and a few
 * roundings per element; EPS 1e-5 where 1e-3 is due gives about 0.24). */
#include "driver.h"

/* name, ROWS, COLS, EPS */
#define CASES(X)                                                                                   \
  X(ln_0, 1, 1, 1e-5)                                                                              \
  X(ln_1, 5, 33, 1e-5)                                                                             \
  X(ln_2, 37, 1000, 1e-12)                                                                         \
  X(ln_3, 1, 1024, 1e-5)                                                                           \
  X(ln_4, 3, 1025, 1e-5)                                                                           \
  X(ln_5, 130, 1, 1e-5)                                                                            \
  X(ln_6, 9, 4097, 1e-3)                                                                           \
  X(ln_7, 17, 64, 1e-5)                                                                            \
  X(ln_8, 3, 768, 1e-3)

#define DECLARE(name, ...) int name(const float *x, const float *scale, const float *bias, float *y);
CASES(DECLARE)

typedef struct ln_case {
  const char *name;
  int (*fn)(const float *, const float *, const float *, float *);
  int rows, cols;
  double eps;
} ln_case;

#define ENTRY(name, ...) {#name, name, __VA_ARGS__},
static const ln_case cases[] = {CASES(ENTRY)};

static int run(const ln_case *p) {
  int rows = p->rows, cols = p->cols;
  size_t total = (size_t)rows * cols;
  buf x = buf_new(total), scale = buf_new((size_t)cols), bias = buf_new((size_t)cols), y = buf_new(total);
  buf_random(&x);
  for (int r = 0; r < rows; r++) {
    float s = 2.5f + 2.0f * drv_uniform(), o = 8.0f * drv_uniform();
    if (r % 4 == 0) {
      s = 0.05f;
      o = 0.0f;
    }
    for (int c = 0; c < cols; c++)
      x.host[(size_t)r * cols + c] = x.host[(size_t)r * cols + c] * s + o;
  }
  buf_upload(&x);
  buf_random(&scale);
  for (int c = 0; c < cols; c++)
    scale.host[c] = 1.0f + 0.5f * scale.host[c];
  buf_upload(&scale);
  buf_random(&bias);
  buf_poison(&y);
  double t;
  int status;
  DRV_TIMED(t, status, p->fn(x.dev, scale.dev, bias.dev, y.dev));
  if (status != 0)
    drv_die("the kernel returned an error");
  buf_download(&y);
  double *ref = malloc(total * sizeof *ref);
  for (int r = 0; r < rows; r++) {
    const float *row = x.host + (size_t)r * cols;
    double mean = 0, var = 0;
    for (int c = 0; c < cols; c++)
      mean += row[c];
    mean /= cols;
    for (int c = 0; c < cols; c++)
      var += (row[c] - mean) * (row[c] - mean);
    var /= cols;
    double rstd = 1.0 / sqrt(var + p->eps);
    for (int c = 0; c < cols; c++)
      ref[(size_t)r * cols + c] = (row[c] - mean) * rstd * scale.host[c] + bias.host[c];
  }
  char size[128];
  snprintf(size, sizeof size, "%s %dx%d eps %g", p->name, rows, cols, p->eps);
  int bad = drv_report("layer_norm[" DRV_TARGET "]", size, drv_relative_error(y.host, ref, total), 1e-5, t, 0);
  free(ref);
  buf_free(&x);
  buf_free(&scale);
  buf_free(&bias);
  buf_free(&y);
  return bad;
}

int main(int argc, char **argv) {
  drv_seed(argc, argv);
  int failures = 0;
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    failures += run(&cases[i]);
  return failures ? 1 : 0;
}
