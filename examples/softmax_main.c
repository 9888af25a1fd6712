/* softmax_main.c: runs examples/softmax.hdt against a reference. */
#include "driver.h"

int softmax(int32_t rows, int32_t cols, const float *x, float *y);

static int run(int32_t rows, int32_t cols) {
  buf x = buf_new((size_t)rows * cols), y = buf_new((size_t)rows * cols);
  buf_random(&x);
  /* Large magnitudes: a softmax that forgets to subtract the maximum
   * overflows exp() and fails here. */
  for (size_t i = 0; i < x.n; i++)
    x.host[i] *= 100.0f;
  buf_upload(&x);
  buf_poison(&y);
  double t;
  int status;
  DRV_TIMED(t, status, softmax(rows, cols, x.dev, y.dev));
  if (status != 0)
    drv_die("softmax returned an error");
  buf_download(&y);
  double *ref = malloc(((size_t)rows * cols + 1) * sizeof *ref);
  for (int32_t r = 0; r < rows; r++) {
    const float *row = x.host + (size_t)r * cols;
    double mx = -INFINITY, sum = 0;
    for (int32_t c = 0; c < cols; c++)
      mx = row[c] > mx ? row[c] : mx;
    for (int32_t c = 0; c < cols; c++)
      sum += exp((double)row[c] - mx);
    for (int32_t c = 0; c < cols; c++)
      ref[(size_t)r * cols + c] = exp((double)row[c] - mx) / sum;
  }
  char size[64];
  snprintf(size, sizeof size, "%dx%d", rows, cols);
  int bad = drv_report("softmax[" DRV_TARGET "]", size, drv_relative_error(y.host, ref, y.n), 1e-5, t, 0);
  free(ref);
  buf_free(&x);
  buf_free(&y);
  return bad;
}

int main(int argc, char **argv) {
  drv_seed(argc, argv);
  if (argc >= 3)
    return run(atoi(argv[1]), atoi(argv[2]));
  const int32_t sizes[][2] = {{1, 1}, {5, 33}, {37, 1000}, {130, 4097}, {3, 31}};
  int failures = 0;
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
    failures += run(sizes[i][0], sizes[i][1]);
  return failures ? 1 : 0;
}
