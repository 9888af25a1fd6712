/* collective_main.c: drives test/lit/host/collective.hdt. */
#include "host_check.h"

int row_sums(int32_t rows, const float *x, float *sums, float *sq);
int lane_tiles(const float *x, float *y);

static void run_row_sums(int32_t rows) {
  float *x = chk_random_floats((size_t)rows * 256, -1, 1);
  float *sums = chk_poisoned_floats((size_t)rows), *sq = chk_poisoned_floats((size_t)rows);
  chk_status("row_sums", row_sums(rows, x, sums, sq), 0);
  double *want = chk_alloc((size_t)rows, sizeof *want), *want_sq = chk_alloc((size_t)rows, sizeof *want_sq);
  for (int32_t r = 0; r < rows; r++)
    for (int i = 0; i < 256; i++) {
      double v = x[(size_t)r * 256 + (size_t)i];
      want[r] += v;
      want_sq[r] += (double)(float)(v * v);
    }
  char what[64];
  snprintf(what, sizeof what, "row_sums rows=%d", rows);
  chk_close(what, sums, want, (size_t)rows, 1e-4);
  snprintf(what, sizeof what, "row_sums squares rows=%d", rows);
  chk_close(what, sq, want_sq, (size_t)rows, 1e-4);
  free(x), free(sums), free(sq), free(want), free(want_sq);
}

static void run_lane_tiles(void) {
  float *x = chk_random_floats(256, -1, 1), *y = chk_poisoned_floats(256);
  chk_status("lane_tiles", lane_tiles(x, y), 0);
  double want[256];
  for (int t = 0; t < 256; t++) {
    int j = ((t % 32) + 1) % 32;
    want[t] = (double)(x[j] + x[j + 32]);
  }
  /* threads 128..255 do not exist: y keeps its poison there */
  chk_close("lane_tiles", y, want, 128, 0);
  free(x), free(y);
}

int main(int argc, char **argv) {
  (void)argc;
  chk_seed(argv[0]);
  const int32_t rows[] = {1, 3, 64};
  for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
    run_row_sums(rows[i]);
  run_row_sums(chk_int(1, 300));
  run_lane_tiles();
  return chk_done();
}
