/* reduce_axis_main.c: runs instances of reduce_axis (stdlib/reduce_axis.hdt)
 * against a double-precision reference, with examples/driver.h: fresh random
 * inputs (the seed is printed; HDT_SEED=<seed> repeats a run), the output
 * poisoned with NaN. Exits with status 1 when any case is over its
 * tolerance.
 *
 * Each case is one instance, compiled by the lit test (reduce_axis.test)
 * with exactly the generic values of the table below; the entry point is
 * int NAME(const float *x, float *y). Inputs by OP: sum and mean, values in
 * [-1, 2) (sums well away from 0); max (min), every third line all negative
 * (positive), where a reduction that starts from 0 fails; prod, values in
 * 1 + [-0.3, 0.3) (1 + [-0.01, 0.01) for lines over 100), so that the
 * products stay in range.
 *
 * Tolerance: max |y - ref| / max |ref| <= 1e-5, 1e-4 for prod (each of up
 * to 1100 products rounds once). */
#include "driver.h"

/* name, OUTER, R, INNER, OP */
#define CASES(X)                                                                                   \
  X(ra_0, 1, 1, 1, 0)                                                                              \
  X(ra_1, 37, 100, 1, 0)                                                                           \
  X(ra_2, 10, 49, 1, 1)                                                                            \
  X(ra_3, 9, 129, 1, 2)                                                                            \
  X(ra_4, 5, 1000, 1, 3)                                                                           \
  X(ra_5, 6, 40, 1, 4)                                                                             \
  X(ra_6, 2, 3001, 1, 0)                                                                           \
  X(ra_7, 1, 5000, 1, 1)                                                                           \
  X(ra_8, 3, 2049, 1, 2)                                                                           \
  X(ra_9, 2, 1500, 1, 3)                                                                           \
  X(ra_10, 2, 1100, 1, 4)                                                                          \
  X(ra_11, 3, 7, 33, 0)                                                                            \
  X(ra_12, 2, 19, 50, 1)                                                                           \
  X(ra_13, 4, 5, 17, 2)                                                                            \
  X(ra_14, 1, 13, 40, 3)                                                                           \
  X(ra_15, 5, 9, 3, 4)                                                                             \
  X(ra_16, 3, 1, 7, 1)

#define DECLARE(name, ...) int name(const float *x, float *y);
CASES(DECLARE)

typedef struct ra_case {
  const char *name;
  int (*fn)(const float *, float *);
  int outer, r, inner, op;
} ra_case;

#define ENTRY(name, ...) {#name, name, __VA_ARGS__},
static const ra_case cases[] = {CASES(ENTRY)};
static const char *const op_names[] = {"sum", "mean", "max", "min", "prod"};

static int run(const ra_case *p) {
  size_t n = (size_t)p->outer * p->r * p->inner, ny = (size_t)p->outer * p->inner;
  buf x = buf_new(n), y = buf_new(ny);
  buf_random(&x);
  for (size_t k = 0; k < n; k++) {
    float *v = &x.host[k];
    size_t line = k / ((size_t)p->r * p->inner) * p->inner + k % p->inner;
    switch (p->op) {
    case 0:
    case 1: *v = *v * 1.5f + 0.5f; break;
    case 2: *v = line % 3 == 1 ? *v - 2.0f : *v; break;
    case 3: *v = line % 3 == 1 ? *v + 2.0f : *v; break;
    default: *v = 1.0f + *v * (p->r > 100 ? 0.01f : 0.3f); break;
    }
  }
  buf_upload(&x);
  buf_poison(&y);
  double t;
  int status;
  DRV_TIMED(t, status, p->fn(x.dev, y.dev));
  if (status != 0)
    drv_die("the kernel returned an error");
  buf_download(&y);
  double *ref = malloc(ny * sizeof *ref);
  for (int o = 0; o < p->outer; o++)
    for (int i = 0; i < p->inner; i++) {
      double v = p->op <= 1 ? 0 : p->op == 2 ? -INFINITY : p->op == 3 ? INFINITY : 1;
      for (int r = 0; r < p->r; r++) {
        double e = x.host[((size_t)o * p->r + r) * p->inner + i];
        v = p->op <= 1 ? v + e : p->op == 2 ? (e > v ? e : v) : p->op == 3 ? (e < v ? e : v) : v * e;
      }
      ref[(size_t)o * p->inner + i] = p->op == 1 ? v / p->r : v;
    }
  char size[128];
  snprintf(size, sizeof size, "%s %dx%dx%d %s", p->name, p->outer, p->r, p->inner, op_names[p->op]);
  int bad = drv_report("reduce_axis[" DRV_TARGET "]", size, drv_relative_error(y.host, ref, ny),
                       p->op == 4 ? 1e-4 : 1e-5, t, 0);
  free(ref);
  buf_free(&x);
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
