/* instance_norm_main.c: runs instances of instance_norm
 * (stdlib/instance_norm.hdt) against a double-precision reference, with
 * examples/driver.h: fresh random inputs (the seed is printed;
 * HDT_SEED=<seed> repeats a run), the output poisoned with NaN. Exits with
 * status 1 when any case is over its tolerance.
 *
 * Each case is one instance, compiled by the lit test (instance_norm.test)
 * with exactly the generic values of the table below; the entry point is
 * int NAME(const float *x, const float *scale, const float *bias, float *y).
 * As in layer_norm_main.c, plane (n, c) is x = u * s + o with u uniform in
 * [-1, 1), a per-plane spread s in [0.5, 4.5) and offset o in [-8, 8) (a
 * mean far from 0), except every fourth plane, s = 0.05 and o = 0 (a
 * variance of about 1e-3, where a wrong EPS shows); scale in [0.5, 1.5),
 * bias in [-1, 1).
 *
 * Tolerance: max |y - ref| / max |ref| <= 1e-5 (f32 plane sums and a few
 * roundings per element; EPS 1e-5 where 1e-3 is due gives about 0.2). */
#include "driver.h"

/* name, N, C, HW, EPS */
#define CASES(X)                                                                                   \
  X(in_0, 1, 1, 1, 1e-5)                                                                           \
  X(in_1, 2, 3, 33, 1e-5)                                                                          \
  X(in_2, 3, 13, 100, 1e-12)                                                                       \
  X(in_3, 1, 4, 1024, 1e-3)                                                                        \
  X(in_4, 2, 3, 1025, 1e-5)                                                                        \
  X(in_5, 1, 130, 1, 1e-5)                                                                         \
  X(in_6, 2, 5, 3137, 1e-3)                                                                        \
  X(in_7, 1, 3, 12544, 1e-5)                                                                       \
  X(in_8, 5, 1, 49, 1e-3)

#define DECLARE(name, ...) int name(const float *x, const float *scale, const float *bias, float *y);
CASES(DECLARE)

typedef struct in_case {
  const char *name;
  int (*fn)(const float *, const float *, const float *, float *);
  int n, c, hw;
  double eps;
} in_case;

#define ENTRY(name, ...) {#name, name, __VA_ARGS__},
static const in_case cases[] = {CASES(ENTRY)};

static int run(const in_case *p) {
  int planes = p->n * p->c, hw = p->hw;
  size_t total = (size_t)planes * hw;
  buf x = buf_new(total), scale = buf_new((size_t)p->c), bias = buf_new((size_t)p->c), y = buf_new(total);
  buf_random(&x);
  for (int r = 0; r < planes; r++) {
    float s = 2.5f + 2.0f * drv_uniform(), o = 8.0f * drv_uniform();
    if (r % 4 == 0) {
      s = 0.05f;
      o = 0.0f;
    }
    for (int k = 0; k < hw; k++)
      x.host[(size_t)r * hw + k] = x.host[(size_t)r * hw + k] * s + o;
  }
  buf_upload(&x);
  buf_random(&scale);
  for (int c = 0; c < p->c; c++)
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
  for (int r = 0; r < planes; r++) {
    const float *row = x.host + (size_t)r * hw;
    int c = r % p->c;
    double mean = 0, var = 0;
    for (int k = 0; k < hw; k++)
      mean += row[k];
    mean /= hw;
    for (int k = 0; k < hw; k++)
      var += (row[k] - mean) * (row[k] - mean);
    var /= hw;
    double rstd = 1.0 / sqrt(var + p->eps);
    for (int k = 0; k < hw; k++)
      ref[(size_t)r * hw + k] = (row[k] - mean) * rstd * scale.host[c] + bias.host[c];
  }
  char size[128];
  snprintf(size, sizeof size, "%s %dx%dx%d eps %g", p->name, p->n, p->c, hw, p->eps);
  int bad = drv_report("instance_norm[" DRV_TARGET "]", size, drv_relative_error(y.host, ref, total), 1e-5, t, 0);
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
