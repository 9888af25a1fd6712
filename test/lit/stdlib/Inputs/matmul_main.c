/* matmul_main.c: runs instances of stdlib/matmul.hdt against a
 * double-precision reference, with examples/driver.h: fresh random inputs
 * (the seed is printed; HDT_SEED=<seed> repeats a run), the output poisoned
 * with NaN. Exits with status 1 when any case is over its tolerance.
 *
 * Each case is one instance, compiled by the lit test (matmul.test) as
 *   --instance=mm_N:matmul:BATCH=..,M=..,N=..,K=..,A_BATCHED=..,...
 * with exactly the generic values of the table below; the instance's C
 * entry point is int mm_N(const float *a, const float *b, float *c).
 *
 * Tolerance: max |c - ref| / max |ref| <= 1e-5. The inputs are uniform in
 * [-1, 1) and K <= 100 here: f32 dot products of that length are within
 * about 1e-6 of the exact value relative to the largest output. */
#include "driver.h"

typedef int (*mm_fn)(const float *, const float *, float *);

/* name, BATCH, M, N, K, A_BATCHED, B_BATCHED, TRANS_A, TRANS_B (BM/BN as
 * the lit test gives them; the driver does not need them) */
#define CASES(X)                                                                                   \
  X(mm_0, 1, 1, 1, 1, 1, 1, 0, 0)                                                                \
  X(mm_1, 3, 37, 45, 29, 1, 1, 0, 0)                                                             \
  X(mm_2, 2, 70, 33, 50, 1, 0, 0, 1)                                                             \
  X(mm_3, 4, 17, 100, 19, 0, 1, 1, 0)                                                            \
  X(mm_4, 2, 64, 64, 64, 1, 1, 1, 1)                                                             \
  X(mm_5, 1, 5, 130, 33, 1, 1, 0, 0)                                                             \
  X(mm_6, 1, 1, 300, 77, 1, 1, 0, 1)                                                             \
  X(mm_7, 2, 96, 20, 16, 0, 0, 1, 0)                                                             \
  X(mm_8, 1, 130, 129, 40, 1, 1, 0, 0)                                                           \
  X(mm_9, 3, 50, 50, 21, 1, 0, 1, 1)                                                             \
  X(mm_10, 5, 33, 1, 100, 0, 1, 0, 1)

#define DECLARE(name, ...) int name(const float *a, const float *b, float *c);
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
  buf a = buf_new((size_t)amats * M * K), b = buf_new((size_t)bmats * K * N), c = buf_new((size_t)B * M * N);
  buf_random(&a);
  buf_random(&b);
  buf_poison(&c);
  double t;
  int status;
  DRV_TIMED(t, status, cs->fn(a.dev, b.dev, c.dev));
  if (status != 0)
    drv_die("the kernel returned an error");
  buf_download(&c);
  double *ref = malloc((size_t)B * M * N * sizeof *ref);
  for (int bi = 0; bi < B; bi++) {
    const float *am = a.host + (size_t)(cs->a_batched ? bi : 0) * M * K;
    const float *bm = b.host + (size_t)(cs->b_batched ? bi : 0) * K * N;
    for (int i = 0; i < M; i++)
      for (int j = 0; j < N; j++) {
        double s = 0;
        for (int kk = 0; kk < K; kk++) {
          double av = cs->trans_a ? am[(size_t)kk * M + i] : am[(size_t)i * K + kk];
          double bv = cs->trans_b ? bm[(size_t)j * K + kk] : bm[(size_t)kk * N + j];
          s += av * bv;
        }
        ref[((size_t)bi * M + i) * N + j] = s;
      }
  }
  char size[128];
  snprintf(size, sizeof size, "%s %dx%dx%dx%d%s%s%s%s", cs->name, B, M, N, K, cs->a_batched ? "" : " a-shared",
           cs->b_batched ? "" : " b-shared", cs->trans_a ? " ta" : "", cs->trans_b ? " tb" : "");
  int bad = drv_report("matmul[" DRV_TARGET "]", size, drv_relative_error(c.host, ref, (size_t)B * M * N), 1e-5, t,
                       2.0 * B * M * N * K);
  free(ref);
  buf_free(&a);
  buf_free(&b);
  buf_free(&c);
  return bad;
}

int main(int argc, char **argv) {
  drv_seed(argc, argv);
  int failures = 0;
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    failures += run(&cases[i]);
  return failures ? 1 : 0;
}
