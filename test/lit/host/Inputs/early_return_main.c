/* early_return_main.c: drives test/lit/host/early-return.hdt. */
#include "host_check.h"

int clipped(int32_t n, const float *x, float *y);
int even_blocks(int32_t n, const float *x, float *y);
int guarded(int32_t n, int32_t d, int32_t *y);

static void run(int32_t n) {
  float *x = chk_random_floats((size_t)n, -1, 1);
  float *y = chk_poisoned_floats((size_t)n), *z = chk_poisoned_floats((size_t)n);
  chk_status("clipped", clipped(n, x, y), 0);
  chk_status("even_blocks", even_blocks(n, x, z), 0);
  double *want_y = chk_alloc((size_t)n, sizeof *want_y), *want_z = chk_alloc((size_t)n, sizeof *want_z);
  for (int32_t i = 0; i < n; i++) {
    /* the loop stops before step i % 8 when i % 3 == 0 */
    int steps = i % 3 == 0 ? i % 8 : 8;
    float acc = 0;
    for (int j = 0; j < steps; j++)
      acc += x[i];
    want_y[i] = acc;
    int32_t blk = i / 32, src = blk * 32 + (31 - i % 32);
    want_z[i] = blk % 2 == 1 ? NAN : src < n ? x[src] : 0.0;
  }
  char what[64];
  snprintf(what, sizeof what, "clipped n=%d", n);
  chk_close(what, y, want_y, (size_t)n, 0);
  /* odd blocks write nothing: their outputs stay NaN */
  int shown = 0;
  for (int32_t i = 0; i < n; i++) {
    bool ok = isnan(want_z[i]) ? isnan(z[i]) : z[i] == want_z[i];
    if (!ok)
      chk_fail("even_blocks", (size_t)i, z[i], want_z[i], &shown);
  }
  printf("even_blocks n=%d: %d values checked\n", n, n);
  free(x), free(y), free(z), free(want_y), free(want_z);
}

int main(int argc, char **argv) {
  (void)argc;
  chk_seed(argv[0]);
  const int32_t sizes[] = {1, 31, 32, 33, 64, 100, 1000, 4097};
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
    run(sizes[i]);
  run(chk_int(1, 20000));
  int32_t y[32];
  int64_t got[32], want[32];
  for (int d = 0; d < 2; d++) {
    for (int t = 0; t < 32; t++)
      y[t] = -1;
    chk_status("guarded", guarded(32, d * 7, y), 0); /* d = 0: every thread returns first */
    for (int t = 0; t < 32; t++) {
      got[t] = y[t];
      want[t] = d ? 100 / 7 + t : -1;
    }
    chk_equal_i64(d ? "guarded d=7" : "guarded d=0", got, want, 32);
  }
  return chk_done();
}
