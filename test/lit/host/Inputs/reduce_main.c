/* reduce_main.c: drives test/lit/host/reduce.hdt. */
#include "host_check.h"

int block_sum(int32_t n, const float *x, float *out);
int block_max(int32_t n, const float *x, float *out);

static void run(int32_t n) {
  float *x = chk_random_floats((size_t)n, -1, 1);
  int32_t nsum = (n + 255) / 256, nmax = (n + 127) / 128;
  float *sum = chk_poisoned_floats((size_t)nsum), *mx = chk_poisoned_floats((size_t)nmax);
  chk_status("block_sum", block_sum(n, x, sum), 0);
  chk_status("block_max", block_max(n, x, mx), 0);
  double *want_sum = chk_alloc((size_t)nsum, sizeof *want_sum), *want_max = chk_alloc((size_t)nmax, sizeof *want_max);
  for (int32_t b = 0; b < nsum; b++)
    for (int32_t i = b * 256; i < n && i < (b + 1) * 256; i++)
      want_sum[b] += x[i];
  for (int32_t b = 0; b < nmax; b++) {
    want_max[b] = -1e30;
    for (int32_t i = b * 128; i < n && i < (b + 1) * 128; i++)
      want_max[b] = x[i] > want_max[b] ? x[i] : want_max[b];
  }
  char what[64];
  snprintf(what, sizeof what, "block_sum n=%d", n);
  chk_close(what, sum, want_sum, (size_t)nsum, 1e-5);
  snprintf(what, sizeof what, "block_max n=%d", n);
  chk_close(what, mx, want_max, (size_t)nmax, 0);
  free(x), free(sum), free(mx), free(want_sum), free(want_max);
}

int main(int argc, char **argv) {
  (void)argc;
  chk_seed(argv[0]);
  const int32_t sizes[] = {1, 255, 256, 1000, 4097, 100003};
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
    run(sizes[i]);
  run(chk_int(1, 20000));
  /* An empty grid runs nothing and succeeds. */
  chk_status("block_sum n=0", block_sum(0, NULL, NULL), 0);
  return chk_done();
}
