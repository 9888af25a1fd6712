/* matmul_tf32_main.c: runs instances of matmul_tf32 (stdlib/matmul_tf32.hdt)
 * against a double-precision reference, with examples/driver.h: fresh
 * random f32 inputs uniform in [-1, 1) (the seed is printed; HDT_SEED=<seed>
 * repeats a run), the output poisoned with NaN. Exits with status 1 when
 * any case is over its tolerance.
 *
 * Each case is one instance, compiled by matmul_tf32.test with exactly the
 * generic values of the table below; the entry point is
 * int mmtf_N(const float *a, const float *b, float *c).
 *
 * The reference is the exact product of the f32 inputs. Tolerance, per
 * element, with S = sum_k |a_ik b_kj|:
 *   |c - ref| <= (2^-10 + K 2^-23) S
 * each operand is rounded to tf32 (relative error at most 2^-11), so a
 * product is within 2^-10 (+ 2^-22) of the exact one, and the f32 sum adds
 * at most about K 2^-24 S. The error is printed as the largest fraction of
 * that bound: the rounding to tf32 puts it at 0.05 to 0.5 (a plain f32
 * matmul would be near 1e-3 of it). */
#include "driver.h"

typedef int (*mm_fn)(const float *, const float *, float *);

/* name, BATCH, M, N, K, A_BATCHED, B_BATCHED, TRANS_A, TRANS_B */
#define CASES(X) \
  X(mmtf_0, 1, 1, 1, 1, 1, 1, 0, 0) \
  X(mmtf_1, 3, 37, 45, 29, 1, 1, 0, 0) \
  X(mmtf_2, 2, 70, 33, 48, 1, 0, 0, 1) \
  X(mmtf_3, 4, 17, 104, 19, 0, 1, 1, 0) \
  X(mmtf_4, 2, 64, 64, 64, 1, 1, 1, 1) \
  X(mmtf_5, 1, 5, 130, 40, 1, 1, 0, 0) \
  X(mmtf_6, 1, 1, 300, 77, 1, 1, 0, 1) \
  X(mmtf_7, 2, 96, 24, 16, 0, 0, 1, 0) \
  X(mmtf_8, 1, 136, 130, 40, 1, 1, 0, 0) \
  X(mmtf_9, 3, 56, 50, 21, 1, 0, 1, 1) \
  X(mmtf_10, 5, 33, 1, 100, 0, 1, 0, 1) \
  X(mmtf_11, 2, 31, 48, 517, 1, 0, 0, 0) \
  X(mmtf_12, 2, 200, 264, 72, 1, 1, 1, 1) \
  X(mmtf_13, 2, 64, 72, 64, 1, 1, 0, 0) \
  X(mmtf_14, 3, 72, 40, 48, 1, 1, 1, 0)

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
  double worst = 0, bound = ldexp(1.0, -10) + K * ldexp(1.0, -23);
  for (int bi = 0; bi < B; bi++) {
    const float *am = a.host + (size_t)(cs->a_batched ? bi : 0) * M * K;
    const float *bm = b.host + (size_t)(cs->b_batched ? bi : 0) * K * N;
    for (int i = 0; i < M; i++)
      for (int j = 0; j < N; j++) {
        double s = 0, sabs = 0;
        for (int kk = 0; kk < K; kk++) {
          double av = cs->trans_a ? am[(size_t)kk * M + i] : am[(size_t)i * K + kk];
          double bv = cs->trans_b ? bm[(size_t)j * K + kk] : bm[(size_t)kk * N + j];
          s += av * bv;
          sabs += fabs(av * bv);
        }
        double y = c.host[((size_t)bi * M + i) * N + j];
        double r = isfinite(y) ? fabs(y - s) / (bound * sabs + 1e-30) : INFINITY;
        worst = r > worst ? r : worst;
      }
  }
  char size[128];
  snprintf(size, sizeof size, "%s %dx%dx%dx%d%s%s%s%s", cs->name, B, M, N, K, cs->a_batched ? "" : " a-shared",
           cs->b_batched ? "" : " b-shared", cs->trans_a ? " ta" : "", cs->trans_b ? " tb" : "");
  int bad = drv_report("matmul_tf32[" DRV_TARGET "]", size, worst, 1.0, t, 2.0 * B * M * N * K);
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
