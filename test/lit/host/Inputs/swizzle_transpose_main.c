/* swizzle_transpose_main.c: drives test/lit/host/swizzle-transpose.hdt. */
#include "host_check.h"

int tile16(int32_t n, const float *x, float *y);
int tile32(const float *x, float *y);

/* Integers in [-1000, 1000]: exact in f16, so the round trip is too. */
static float *ints(size_t n) {
  float *x = chk_alloc(n, sizeof *x);
  for (size_t i = 0; i < n; i++)
    x[i] = (float)chk_int(-1000, 1000);
  return x;
}

/* y[b][c][r] = x[b][r][c] for nb blocks of rows x cols. */
static double *transposed(const float *x, int nb, int rows, int cols) {
  double *want = chk_alloc((size_t)nb * rows * cols, sizeof *want);
  for (int b = 0; b < nb; b++)
    for (int r = 0; r < rows; r++)
      for (int c = 0; c < cols; c++)
        want[((size_t)b * cols + c) * rows + r] = x[((size_t)b * rows + r) * cols + c];
  return want;
}

static void run_tile16(int32_t n) {
  size_t len = (size_t)n * 3 * 128 * 32;
  float *x = ints(len), *y = chk_poisoned_floats(len);
  chk_status("tile16", tile16(n, x, y), 0);
  double *want = transposed(x, n * 3, 128, 32);
  chk_close("tile16", y, want, len, 0);
  free(x), free(y), free(want);
}

static void run_tile32(void) {
  float *x = ints(64 * 32), *y = chk_poisoned_floats(64 * 32);
  chk_status("tile32", tile32(x, y), 0);
  double *want = transposed(x, 1, 64, 32);
  chk_close("tile32", y, want, 64 * 32, 0);
  free(x), free(y), free(want);
}

int main(int argc, char **argv) {
  (void)argc;
  chk_seed(argv[0]);
  run_tile16(1);
  run_tile16(chk_int(2, 5));
  run_tile32();
  return chk_done();
}
