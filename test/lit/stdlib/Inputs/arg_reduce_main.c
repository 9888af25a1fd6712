/* arg_reduce_main.c: runs instances of arg_reduce (stdlib/arg_reduce.hdt)
 * against a reference, with examples/driver.h: fresh random inputs (the
 * seed is printed; HDT_SEED=<seed> repeats a run), the i64 output poisoned
 * with a sentinel (-7777) that no index equals. Exits with status 1 when any
 * case is wrong.
 *
 * Each case is one instance, compiled by the lit test (arg_reduce.test)
 * with exactly the generic values of the table below; the entry point is
 * int NAME(const float *x, int64_t *y). Inputs by DATA:
 *   0  uniform in [-1, 1): ties are rare;
 *   1  small integers 0 .. 3: many ties, so the first/last rule decides;
 *   2  as 1, with about 1 in 16 elements -inf, 1 in 16 +inf and, on every
 *      other line, 1 in 32 NaN (the NaN rule: a NaN wins, first or last).
 * The reference applies the rules of the header of arg_reduce.hdt (a total
 * order, walked in index order), in plain C.
 *
 * Tolerance: none; every index must be exact (the report prints the number
 * of wrong outputs). */
#include "driver.h"

/* name, OUTER, R, INNER, IS_MAX, SELECT_LAST, DATA */
#define CASES(X)                                                                                   \
  X(ar_0, 1, 1, 1, 1, 0, 0)                                                                        \
  X(ar_1, 37, 100, 1, 1, 0, 0)                                                                     \
  X(ar_2, 37, 100, 1, 0, 0, 1)                                                                     \
  X(ar_3, 9, 129, 1, 1, 1, 1)                                                                      \
  X(ar_4, 5, 1000, 1, 0, 1, 2)                                                                     \
  X(ar_5, 11, 33, 1, 1, 0, 2)                                                                      \
  X(ar_6, 2, 3001, 1, 1, 0, 1)                                                                     \
  X(ar_7, 1, 5000, 1, 0, 1, 1)                                                                     \
  X(ar_8, 3, 2049, 1, 1, 1, 2)                                                                     \
  X(ar_9, 2, 1025, 1, 0, 0, 2)                                                                     \
  X(ar_10, 3, 7, 33, 1, 0, 0)                                                                      \
  X(ar_11, 2, 19, 50, 0, 0, 1)                                                                     \
  X(ar_12, 4, 5, 17, 1, 1, 1)                                                                      \
  X(ar_13, 1, 13, 40, 0, 1, 2)                                                                     \
  X(ar_14, 5, 9, 3, 1, 0, 2)                                                                       \
  X(ar_15, 3, 1, 7, 0, 1, 1)

#define DECLARE(name, ...) int name(const float *x, int64_t *y);
CASES(DECLARE)

typedef struct ar_case {
  const char *name;
  int (*fn)(const float *, int64_t *);
  int outer, r, inner, is_max, last, data;
} ar_case;

#define ENTRY(name, ...) {#name, name, __VA_ARGS__},
static const ar_case cases[] = {CASES(ENTRY)};
static const char *const data_names[] = {"uniform", "ties", "ties+inf+nan"};

#define SENTINEL (-7777)

/* An int64_t array with a host copy and, for CUDA, a device copy. */
typedef struct lbuf {
  int64_t *host, *dev;
  size_t n;
} lbuf;

static lbuf lbuf_new(size_t n) {
  lbuf b = {malloc((n ? n : 1) * sizeof(int64_t)), NULL, n};
  if (!b.host)
    drv_die("out of memory");
#ifdef HDT_DRIVER_CUDA
  drv_cuda_check(cudaMalloc((void **)&b.dev, (n ? n : 1) * sizeof(int64_t)), "cudaMalloc failed");
#else
  b.dev = b.host;
#endif
  return b;
}

static void lbuf_poison(lbuf *b) {
  for (size_t i = 0; i < b->n; i++)
    b->host[i] = SENTINEL;
#ifdef HDT_DRIVER_CUDA
  drv_cuda_check(cudaMemcpy(b->dev, b->host, b->n * sizeof(int64_t), cudaMemcpyHostToDevice),
                 "cudaMemcpy to the device failed");
#endif
}

static void lbuf_download(lbuf *b) {
#ifdef HDT_DRIVER_CUDA
  drv_cuda_check(cudaMemcpy(b->host, b->dev, b->n * sizeof(int64_t), cudaMemcpyDeviceToHost),
                 "cudaMemcpy from the device failed");
#else
  (void)b;
#endif
}

static void lbuf_free(lbuf *b) {
#ifdef HDT_DRIVER_CUDA
  cudaFree(b->dev);
#endif
  free(b->host);
}

/* Whether (b, j) beats (a, i): the order of arg_reduce.hdt's header. */
static int beats(int is_max, int last, float a, long i, float b, long j) {
  int an = isnan(a), bn = isnan(b);
  if (an != bn)
    return bn;
  if (!an && a != b)
    return is_max ? b > a : b < a;
  return last ? j > i : j < i;
}

static int run(const ar_case *p) {
  size_t n = (size_t)p->outer * p->r * p->inner, ny = (size_t)p->outer * p->inner;
  buf x = buf_new(n);
  lbuf y = lbuf_new(ny);
  buf_random(&x);
  for (size_t k = 0; k < n; k++) {
    float *v = &x.host[k];
    size_t line = k / ((size_t)p->r * p->inner) * p->inner + k % p->inner;
    if (p->data == 0)
      continue;
    float u = *v; /* in [-1, 1) */
    *v = floorf((u + 1.0f) * 2.0f); /* 0 .. 3 */
    if (p->data == 2) {
      float w = drv_uniform();
      if (w < -0.875f)
        *v = -INFINITY;
      else if (w > 0.875f)
        *v = INFINITY;
      else if (line % 2 == 1 && w > -0.03125f && w < 0.03125f)
        *v = NAN;
    }
  }
  buf_upload(&x);
  lbuf_poison(&y);
  double t;
  int status;
  DRV_TIMED(t, status, p->fn(x.dev, y.dev));
  if (status != 0)
    drv_die("the kernel returned an error");
  lbuf_download(&y);
  size_t wrong = 0;
  float *dump = malloc((ny ? ny : 1) * sizeof *dump);
  for (int o = 0; o < p->outer; o++)
    for (int i = 0; i < p->inner; i++) {
      float bv = p->is_max ? -INFINITY : INFINITY;
      long bi = p->last ? -1 : 2147483647L;
      for (int r = 0; r < p->r; r++) {
        float e = x.host[((size_t)o * p->r + r) * p->inner + i];
        if (beats(p->is_max, p->last, bv, bi, e, r)) {
          bv = e;
          bi = r;
        }
      }
      size_t at = (size_t)o * p->inner + i;
      wrong += y.host[at] != bi;
      dump[at] = (float)y.host[at];
    }
  drv_dump(dump, ny);
  free(dump);
  printf("arg_reduce[" DRV_TARGET "] %s %dx%dx%d %s %s %s: wrong %zu of %zu (tolerance 0) %s, %.3f ms\n",
         p->name, p->outer, p->r, p->inner, p->is_max ? "argmax" : "argmin", p->last ? "last" : "first",
         data_names[p->data], wrong, ny, wrong ? "FAIL" : "ok", t * 1e3);
  buf_free(&x);
  lbuf_free(&y);
  return wrong != 0;
}

int main(int argc, char **argv) {
  drv_seed(argc, argv);
  int failures = 0;
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    failures += run(&cases[i]);
  return failures ? 1 : 0;
}
