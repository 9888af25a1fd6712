/* matmul_f16_main.c: runs instances of matmul_f16 (stdlib/matmul_f16.hdt)
 * against a double-precision reference, with examples/driver.h and
 * f16_driver.h: fresh random f16 inputs (uniform in [-1, 1), rounded to
 * nearest even; the seed is printed; HDT_SEED=<seed> repeats a run), the
 * output poisoned with the f16 NaN 0x7e00. Exits with status 1 when any
 * case is over its tolerance.
 *
 * Each case is one instance, compiled by the lit test (matmul_f16.test) as
 *   --instance=mm16_N:matmul_f16:BATCH=..,M=..,N=..,K=..,A_BATCHED=..,...
 * with exactly the generic values of the table below; the instance's C
 * entry point is int mm16_N(const hdt_f16 *a, const hdt_f16 *b, hdt_f16 *c)
 * (hdt_f16 is uint16_t, the f16's bits; __half on CUDA, the same bits).
 *
 * The reference is the exact product of the f16 input values, in double.
 * Tolerance, per element (f16_driver.h):
 *   |c - ref| <= 1e-3 |ref| + 1e-5 sqrt(K) max|a| max|b| + 2^-24
 * (one rounding to f16 of an f32 accumulation of K exact products). */
#include "f16_driver.h"

typedef int (*mm_fn)(const uint16_t *, const uint16_t *, uint16_t *);

/* name, BATCH, M, N, K, A_BATCHED, B_BATCHED, TRANS_A, TRANS_B (BM/BN as
 * the lit test gives them; the driver does not need them) */
#ifndef CASES /* matmul_f16_tc_main.c gives its own */
#define CASES(X)                                                                                   \
  X(mm16_0, 1, 1, 1, 1, 1, 1, 0, 0)                                                              \
  X(mm16_1, 3, 37, 45, 29, 1, 1, 0, 0)                                                           \
  X(mm16_2, 2, 70, 33, 50, 1, 0, 0, 1)                                                           \
  X(mm16_3, 4, 17, 100, 19, 0, 1, 1, 0)                                                          \
  X(mm16_4, 2, 64, 64, 64, 1, 1, 1, 1)                                                           \
  X(mm16_5, 1, 5, 130, 33, 1, 1, 0, 0)                                                           \
  X(mm16_6, 1, 1, 300, 77, 1, 1, 0, 1)                                                           \
  X(mm16_7, 2, 96, 20, 16, 0, 0, 1, 0)                                                           \
  X(mm16_8, 1, 130, 129, 40, 1, 1, 0, 0)                                                         \
  X(mm16_9, 3, 50, 50, 21, 1, 0, 1, 1)                                                           \
  X(mm16_10, 5, 33, 1, 100, 0, 1, 0, 1)                                                          \
  X(mm16_11, 2, 31, 47, 517, 1, 0, 0, 0)
#endif
#ifndef MM_KERNEL
#define MM_KERNEL "matmul_f16"
#endif

#define DECLARE(name, ...) int name(const uint16_t *a, const uint16_t *b, uint16_t *c);
CASES(DECLARE)

typedef struct mm_case {
  const char *name;
  mm_fn fn;
  int batch, m, n, k, a_batched, b_batched, trans_a, trans_b;
} mm_case;

#define ENTRY(name, ...) {#name, name, __VA_ARGS__},
static const mm_case cases[] = {CASES(ENTRY)};

static int run(const mm_case *cs) {
  int B = cs->batch, M = cs->m, N = cs->n, K = cs->k;
  int amats = cs->a_batched ? B : 1, bmats = cs->b_batched ? B : 1;
  hbuf a = hbuf_new((size_t)amats * M * K), b = hbuf_new((size_t)bmats * K * N), c = hbuf_new((size_t)B * M * N);
  double amax = hbuf_random(&a), bmax = hbuf_random(&b);
  hbuf_poison(&c);
  double t;
  int status;
  DRV_TIMED(t, status, cs->fn(a.dev, b.dev, c.dev));
  if (status != 0)
    drv_die("the kernel returned an error");
  hbuf_download(&c);
  double *av = malloc(a.n * sizeof *av), *bv = malloc(b.n * sizeof *bv);
  double *ref = malloc((size_t)B * M * N * sizeof *ref);
  if (!av || !bv || !ref)
    drv_die("out of memory");
  for (size_t i = 0; i < a.n; i++)
    av[i] = f16_to_f64(a.host[i]);
  for (size_t i = 0; i < b.n; i++)
    bv[i] = f16_to_f64(b.host[i]);
  for (int bi = 0; bi < B; bi++) {
    const double *am = av + (size_t)(cs->a_batched ? bi : 0) * M * K;
    const double *bm = bv + (size_t)(cs->b_batched ? bi : 0) * K * N;
    for (int i = 0; i < M; i++)
      for (int j = 0; j < N; j++) {
        double s = 0;
        for (int kk = 0; kk < K; kk++) {
          double x = cs->trans_a ? am[(size_t)kk * M + i] : am[(size_t)i * K + kk];
          double y = cs->trans_b ? bm[(size_t)j * K + kk] : bm[(size_t)kk * N + j];
          s += x * y; /* the products are exact, the sum within 1e-16 of it */
        }
        ref[((size_t)bi * M + i) * N + j] = s;
      }
  }
  char size[128];
  snprintf(size, sizeof size, "%s %dx%dx%dx%d%s%s%s%s", cs->name, B, M, N, K, cs->a_batched ? "" : " a-shared",
           cs->b_batched ? "" : " b-shared", cs->trans_a ? " ta" : "", cs->trans_b ? " tb" : "");
  int bad = f16_report(MM_KERNEL "[" DRV_TARGET "]", size, f16_check(c.host, ref, c.n, K, amax * bmax), t,
                       2.0 * B * M * N * K);
  free(av);
  free(bv);
  free(ref);
  hbuf_free(&a);
  hbuf_free(&b);
  hbuf_free(&c);
  return bad;
}

int main(int argc, char **argv) {
  drv_seed(argc, argv);
  int failures = 0;
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    failures += run(&cases[i]);
  return failures ? 1 : 0;
}
