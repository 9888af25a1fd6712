/* block2d_main.c: drives test/lit/host/block2d.hdt. */
#include "host_check.h"

int transpose2d(int32_t rows, int32_t cols, const float *x, float *y);
int coords3d(int32_t nblocks, float *out);

static void run_transpose(int32_t rows, int32_t cols) {
  size_t n = (size_t)rows * cols;
  float *x = chk_random_floats(n, -1, 1), *y = chk_poisoned_floats(n);
  chk_status("transpose2d", transpose2d(rows, cols, x, y), 0);
  double *want = chk_alloc(n, sizeof *want);
  for (int32_t r = 0; r < rows; r++)
    for (int32_t c = 0; c < cols; c++)
      want[(size_t)c * rows + r] = x[(size_t)r * cols + c];
  char what[64];
  snprintf(what, sizeof what, "transpose2d %dx%d", rows, cols);
  chk_close(what, y, want, n, 0);
  free(x), free(y), free(want);
}

static void run_coords(int32_t nblocks) {
  size_t n = (size_t)nblocks * 32 * 4;
  float *out = chk_poisoned_floats(n);
  chk_status("coords3d", coords3d(nblocks, out), 0);
  double *want = chk_alloc(n, sizeof *want);
  for (int32_t b = 0; b < nblocks; b++)
    for (int l = 0; l < 32; l++) {
      int tx = l % 4, ty = l / 4 % 4, tz = l / 16;
      double *w = want + ((size_t)b * 32 + l) * 4;
      w[0] = b * 100 + (31 - l);
      w[1] = tx + 10 * ty + 100 * tz;
      w[2] = 2 * w[0];
      w[3] = nblocks * 1000 + 4 * 100 + 4 * 10 + 2;
    }
  char what[64];
  snprintf(what, sizeof what, "coords3d %d blocks", nblocks);
  chk_close(what, out, want, n, 0);
  free(out), free(want);
}

int main(int argc, char **argv) {
  (void)argc;
  chk_seed(argv[0]);
  const int32_t sizes[][2] = {{1, 1}, {16, 16}, {17, 33}, {100, 7}, {257, 130}};
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
    run_transpose(sizes[i][0], sizes[i][1]);
  run_transpose(chk_int(1, 300), chk_int(1, 300));
  run_coords(1);
  run_coords(chk_int(2, 50));
  return chk_done();
}
