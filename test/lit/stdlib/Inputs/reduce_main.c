/* reduce_main.c: runs the kernels of stdlib/reduce.hdt (row_sum, row_max)
 * against double-precision references, with examples/driver.h: fresh random
 * inputs (the seed is printed; HDT_SEED=<seed> repeats a run), outputs
 * poisoned with NaN, several sizes that are multiples of no tile. Exits with
 * status 1 when any result is over its tolerance.
 *
 *   reduce_main sum|max [rows cols]
 *
 * Host target:
 *   hdtc --target=host stdlib/reduce.hdt -o reduce.c
 *   cc -std=c11 -O2 -I runtime/include -I examples \
 *      test/lit/stdlib/Inputs/reduce_main.c reduce.c build/libhdtrt.a -lm
 * CUDA: hdtc stdlib/reduce.hdt -o reduce.cu, and build this file with
 * -DHDT_DRIVER_CUDA, linked with the .cu file and -lcudart. */
#include "driver.h"

int row_sum(int32_t rows, int32_t cols, const float *x, float *y);
int row_max(int32_t rows, int32_t cols, const float *x, float *y);

static int run(int is_max, int32_t rows, int32_t cols) {
  size_t total = (size_t)rows * (size_t)cols;
  buf x = buf_new(total), y = buf_new((size_t)rows);
  buf_random(&x);
  /* Every third row is all negative, in [-3, -1): a max that starts from 0
   * instead of the neutral value gives 0 there. Sums: values in [-1, 2),
   * so rows sum to something well away from 0 and the relative error
   * means something. */
  for (int32_t r = 0; r < rows; r++)
    for (int32_t c = 0; c < cols; c++) {
      float *v = &x.host[(size_t)r * cols + c];
      *v = r % 3 == 1 ? *v - 2.0f : (is_max ? *v : *v * 1.5f + 0.5f);
    }
  buf_upload(&x);
  buf_poison(&y);
  double t;
  int status;
  DRV_TIMED(t, status, is_max ? row_max(rows, cols, x.dev, y.dev) : row_sum(rows, cols, x.dev, y.dev));
  if (status != 0)
    drv_die("the kernel returned an error");
  buf_download(&y);
  double *ref = malloc(((size_t)rows + 1) * sizeof *ref);
  for (int32_t r = 0; r < rows; r++) {
    const float *row = x.host + (size_t)r * cols;
    double acc = is_max ? -INFINITY : 0.0;
    for (int32_t c = 0; c < cols; c++)
      acc = is_max ? (row[c] > acc ? row[c] : acc) : acc + row[c];
    ref[r] = acc;
  }
  char size[64];
  snprintf(size, sizeof size, "%dx%d", rows, cols);
  /* The max is exact; a sum of cols floats rounds about log2(cols) times
   * per element on the way (partial sums, then the butterfly). */
  int bad = drv_report(is_max ? "row_max[" DRV_TARGET "]" : "row_sum[" DRV_TARGET "]", size,
                       drv_relative_error(y.host, ref, (size_t)rows), is_max ? 0.0 : 1e-5, t, 0);
  free(ref);
  buf_free(&x);
  buf_free(&y);
  return bad;
}

int main(int argc, char **argv) {
  if (argc < 2 || (strcmp(argv[1], "sum") && strcmp(argv[1], "max"))) {
    fprintf(stderr, "usage: %s sum|max [rows cols]\n", argv[0]);
    return 2;
  }
  int is_max = strcmp(argv[1], "max") == 0;
  drv_seed(argc, argv);
  if (argc >= 4)
    return run(is_max, atoi(argv[2]), atoi(argv[3]));
  const int32_t sizes[][2] = {{1, 1}, {5, 33}, {37, 1000}, {1, 129}, {130, 1}, {3, 31}, {9, 128}, {130, 4097}};
  int failures = 0;
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
    failures += run(is_max, sizes[i][0], sizes[i][1]);
  return failures ? 1 : 0;
}
