/* arg_checks_main.c: drives test/lit/host/arg-checks.hdt: the status codes
 * of bad arguments (C must stay untouched), and the product itself. */
#include "host_check.h"

#include "hdt_errors.h"

int matmul(int32_t m, int32_t n, int32_t k, const float *a, const float *b, float *c);

/* Is c still all NaN (the poison)? */
static void untouched(const char *what, const float *c, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (c[i] == c[i]) {
      chk_status(what, 1, 0);
      return;
    }
}

int main(int argc, char **argv) {
  (void)argc;
  chk_seed(argv[0]);
  int32_t m = chk_int(1, 70), n = chk_int(1, 70), k = chk_int(1, 40);
  float *a = chk_random_floats((size_t)m * k, -1, 1), *b = chk_random_floats((size_t)k * n, -1, 1);
  float *c = chk_poisoned_floats((size_t)m * n);
  double *want = chk_alloc((size_t)m * n, sizeof *want);
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++)
      for (int q = 0; q < k; q++)
        want[(size_t)i * n + j] += (double)a[(size_t)i * k + q] * b[(size_t)q * n + j];
  chk_status("matmul", matmul(m, n, k, a, b, c), HDT_OK);
  chk_close("matmul", c, want, (size_t)m * n, 1e-5);

  float *c2 = chk_poisoned_floats((size_t)m * n);
  chk_status("m = -1", matmul(-1, n, k, a, b, c2), HDT_ERR_NEGATIVE_SIZE);
  chk_status("m = -126", matmul(-126, n, k, a, b, c2), HDT_ERR_NEGATIVE_SIZE);
  chk_status("k = -5", matmul(m, n, -5, a, b, c2), HDT_ERR_NEGATIVE_SIZE);
  chk_status("n = INT32_MIN", matmul(m, INT32_MIN, k, a, b, c2), HDT_ERR_NEGATIVE_SIZE);
  chk_status("a = NULL", matmul(m, n, k, NULL, b, c2), HDT_ERR_NULL_POINTER);
  chk_status("b = NULL", matmul(m, n, k, a, NULL, c2), HDT_ERR_NULL_POINTER);
  chk_status("c = NULL", matmul(m, n, k, a, b, NULL), HDT_ERR_NULL_POINTER);
  untouched("C untouched by refused calls", c2, (size_t)m * n);
  /* Empty tensors may be NULL; the grid is empty (n = 0), computed in 64
   * bits from m = 2^31 - 1 without overflowing. */
  chk_status("m = INT32_MAX, n = k = 0", matmul(INT32_MAX, 0, 0, NULL, NULL, NULL), HDT_OK);
  chk_status("m = 0", matmul(0, n, k, NULL, b, NULL), HDT_OK);
  free(a);
  free(b);
  free(c);
  free(c2);
  free(want);
  return chk_done();
}
