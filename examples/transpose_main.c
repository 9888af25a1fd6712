/* transpose_main.c: runs examples/transpose.hdt against a reference. */
#include "driver.h"

int transpose(int32_t rows, int32_t cols, const float *x, float *y);

static int run(int32_t rows, int32_t cols) {
  buf x = buf_new((size_t)rows * cols), y = buf_new((size_t)rows * cols);
  buf_random(&x);
  buf_poison(&y);
  double t;
  int status;
  DRV_TIMED(t, status, transpose(rows, cols, x.dev, y.dev));
  if (status != 0)
    drv_die("transpose returned an error");
  buf_download(&y);
  double *ref = malloc(((size_t)rows * cols + 1) * sizeof *ref);
  for (int32_t r = 0; r < rows; r++)
    for (int32_t c = 0; c < cols; c++)
      ref[(size_t)c * rows + r] = x.host[(size_t)r * cols + c];
  char size[64];
  snprintf(size, sizeof size, "%dx%d", rows, cols);
  /* A transpose moves values: it must be exact. */
  int bad = drv_report("transpose[" DRV_TARGET "]", size, drv_relative_error(y.host, ref, y.n), 0, t, 0);
  free(ref);
  buf_free(&x);
  buf_free(&y);
  return bad;
}

int main(int argc, char **argv) {
  drv_seed(argc, argv);
  if (argc >= 3)
    return run(atoi(argv[1]), atoi(argv[2]));
  const int32_t sizes[][2] = {{1, 1}, {33, 65}, {100, 7}, {257, 513}, {31, 1000}};
  int failures = 0;
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
    failures += run(sizes[i][0], sizes[i][1]);
  return failures ? 1 : 0;
}
