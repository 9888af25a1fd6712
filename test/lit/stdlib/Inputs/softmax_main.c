/* softmax_main.c: runs instances of softmax (stdlib/softmax.hdt) against a
 * double-precision reference, with examples/driver.h: fresh random inputs
 * (the seed is printed; HDT_SEED=<seed> repeats a run), the output poisoned
 * with NaN. Exits with status 1 when any case is over its tolerance.
 *
 * Each case is one instance, compiled by the lit test (softmax.test) with
 * exactly the generic values of the table below; the entry point is
 * int NAME(const float *x, float *y). The inputs are uniform in [-8, 8)
 * plus a per-line offset in [-20, 20) (a softmax that forgot to subtract
 * the max still passes small inputs); in the softmax (not LOG) cases every
 * seventh element is -inf, as a masked attention score, which must give 0.
 *
 * Tolerance: max |y - ref| / max |ref| <= 1e-5 (exp and log are within a
 * few ulp; a sum of at most 3001 terms in f32). */
#include "driver.h"

/* name, OUTER, L, INNER, LOG */
#define CASES(X)                                                                                   \
  X(sm_0, 1, 1, 1, 0)                                                                              \
  X(sm_1, 37, 100, 1, 0)                                                                           \
  X(sm_2, 5, 1024, 1, 1)                                                                           \
  X(sm_3, 3, 3001, 1, 0)                                                                           \
  X(sm_4, 2, 2500, 1, 1)                                                                           \
  X(sm_5, 3, 7, 33, 0)                                                                             \
  X(sm_6, 2, 19, 50, 1)                                                                            \
  X(sm_7, 9, 33, 1, 1)                                                                             \
  X(sm_8, 1, 1, 5, 1)                                                                              \
  X(sm_9, 130, 31, 1, 0)

#define DECLARE(name, ...) int name(const float *x, float *y);
CASES(DECLARE)

typedef struct sm_case {
  const char *name;
  int (*fn)(const float *, float *);
  int outer, l, inner, log;
} sm_case;

#define ENTRY(name, ...) {#name, name, __VA_ARGS__},
static const sm_case cases[] = {CASES(ENTRY)};

static int run(const sm_case *p) {
  size_t n = (size_t)p->outer * p->l * p->inner;
  buf x = buf_new(n), y = buf_new(n);
  buf_random(&x);
  for (int o = 0; o < p->outer; o++)
    for (int i = 0; i < p->inner; i++) {
      float offset = 20.0f * drv_uniform();
      for (int l = 0; l < p->l; l++) {
        size_t k = ((size_t)o * p->l + l) * p->inner + i;
        x.host[k] = 8.0f * x.host[k] + offset;
        if (!p->log && l % 7 == 3)
          x.host[k] = -INFINITY;
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
  double *ref = malloc(n * sizeof *ref);
  for (int o = 0; o < p->outer; o++)
    for (int i = 0; i < p->inner; i++) {
      const float *xl = x.host + (size_t)o * p->l * p->inner + i;
      double *rl = ref + (size_t)o * p->l * p->inner + i;
      double m = -INFINITY, s = 0;
      for (int l = 0; l < p->l; l++)
        m = xl[(size_t)l * p->inner] > m ? xl[(size_t)l * p->inner] : m;
      for (int l = 0; l < p->l; l++)
        s += exp(xl[(size_t)l * p->inner] - m);
      for (int l = 0; l < p->l; l++)
        rl[(size_t)l * p->inner] = p->log ? xl[(size_t)l * p->inner] - m - log(s) : exp(xl[(size_t)l * p->inner] - m) / s;
    }
  char size[128];
  snprintf(size, sizeof size, "%s %dx%dx%d%s", p->name, p->outer, p->l, p->inner, p->log ? " log" : "");
  int bad = drv_report("softmax[" DRV_TARGET "]", size, drv_relative_error(y.host, ref, n), 1e-5, t, 0);
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
