/* elementwise_main.c: runs the kernels of stdlib/elementwise.hdt (relu, gelu,
 * bias_add) against double-precision references, with examples/driver.h:
 * fresh random inputs (the seed is printed; HDT_SEED=<seed> repeats a run),
 * outputs poisoned with NaN, several sizes that are multiples of no tile.
 * Exits with status 1 when any result is over its tolerance.
 *
 *   elementwise_main relu|gelu [n ...]
 *   elementwise_main bias_add [rows cols]
 *
 * Host target:
 *   hdtc --target=host stdlib/elementwise.hdt -o elementwise.c
 *   cc -std=c11 -O2 -I runtime/include -I examples \
 *      test/lit/stdlib/Inputs/elementwise_main.c elementwise.c build/libhdtrt.a -lm
 * CUDA: hdtc stdlib/elementwise.hdt -o elementwise.cu, and build this file
 * with -DHDT_DRIVER_CUDA, linked with the .cu file and -lcudart. */
#include "driver.h"

int relu(int32_t n, const float *x, float *y);
int gelu(int32_t n, const float *x, float *y);
int bias_add(int32_t rows, int32_t cols, const float *x, const float *bias, float *y);

/* The tanh approximation of GELU, as the kernel is specified. */
static double gelu_ref(double v) {
  return 0.5 * v * (1.0 + tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)));
}

/* drv_relative_error with the scale floored at 1: gelu's outputs are of
 * order 1 on [-5, 5), but at a small n the largest |reference| can be tiny
 * (n = 1 with x near -5 gives |y| ~ 1e-6), and dividing f32's rounding of
 * tanh near -1 by it would fail a correct kernel. */
static double floored_relative_error(const float *y, const double *ref, size_t n) {
  double err = 0, scale = 1.0;
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(y[i]))
      return INFINITY;
    double d = fabs((double)y[i] - ref[i]);
    err = d > err ? d : err;
    scale = fabs(ref[i]) > scale ? fabs(ref[i]) : scale;
  }
  return err / scale;
}

static int run_unary(const char *op, int32_t n) {
  int is_gelu = strcmp(op, "gelu") == 0;
  buf x = buf_new((size_t)n), y = buf_new((size_t)n);
  buf_random(&x);
  /* gelu: [-5, 5), through the linear, curved and flat parts of the curve. */
  for (size_t i = 0; i < x.n; i++)
    x.host[i] *= is_gelu ? 5.0f : 1.0f;
  buf_upload(&x);
  buf_poison(&y);
  double t;
  int status;
  DRV_TIMED(t, status, is_gelu ? gelu(n, x.dev, y.dev) : relu(n, x.dev, y.dev));
  if (status != 0)
    drv_die("the kernel returned an error");
  buf_download(&y);
  double *ref = malloc(((size_t)n + 1) * sizeof *ref);
  for (int32_t i = 0; i < n; i++) {
    double v = x.host[i];
    ref[i] = is_gelu ? gelu_ref(v) : (v > 0.0 ? v : 0.0);
  }
  char name[32], size[32];
  snprintf(name, sizeof name, "%s[%s]", op, DRV_TARGET);
  snprintf(size, sizeof size, "n=%d", n);
  /* relu is exact; gelu rounds a few times in f32 (and tanhf). */
  int bad = drv_report(name, size, is_gelu ? floored_relative_error(y.host, ref, (size_t)n)
                                       : drv_relative_error(y.host, ref, (size_t)n),
                       is_gelu ? 1e-5 : 0.0,
                       t, 0);
  free(ref);
  buf_free(&x);
  buf_free(&y);
  return bad;
}

static int run_bias_add(int32_t rows, int32_t cols) {
  size_t total = (size_t)rows * (size_t)cols;
  buf x = buf_new(total), bias = buf_new((size_t)cols), y = buf_new(total);
  buf_random(&x);
  buf_random(&bias);
  buf_poison(&y);
  double t;
  int status;
  DRV_TIMED(t, status, bias_add(rows, cols, x.dev, bias.dev, y.dev));
  if (status != 0)
    drv_die("bias_add returned an error");
  buf_download(&y);
  double *ref = malloc((total + 1) * sizeof *ref);
  for (int32_t r = 0; r < rows; r++)
    for (int32_t c = 0; c < cols; c++)
      ref[(size_t)r * cols + c] = (double)x.host[(size_t)r * cols + c] + (double)bias.host[c];
  char size[64];
  snprintf(size, sizeof size, "%dx%d", rows, cols);
  /* One f32 rounding of the sum: at most 2^-24 of max |y|. */
  int bad = drv_report("bias_add[" DRV_TARGET "]", size, drv_relative_error(y.host, ref, total), 1e-7,
                       t, 0);
  free(ref);
  buf_free(&x);
  buf_free(&bias);
  buf_free(&y);
  return bad;
}

int main(int argc, char **argv) {
  if (argc < 2 || (strcmp(argv[1], "relu") && strcmp(argv[1], "gelu") && strcmp(argv[1], "bias_add"))) {
    fprintf(stderr, "usage: %s relu|gelu [n ...] | bias_add [rows cols]\n", argv[0]);
    return 2;
  }
  drv_seed(argc, argv);
  int failures = 0;
  if (strcmp(argv[1], "bias_add") == 0) {
    if (argc >= 4)
      return run_bias_add(atoi(argv[2]), atoi(argv[3]));
    /* 2051 rows: more than 256 row groups of 8, so with the default cap
     * (MAX_ROW_BLOCKS = 256) blocks visit several row groups. */
    const int32_t sizes[][2] = {{1, 1}, {5, 33}, {37, 1000}, {1, 129}, {130, 1}, {3, 31}, {2051, 7}, {19, 4097}};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
      failures += run_bias_add(sizes[i][0], sizes[i][1]);
  } else if (argc >= 3) {
    for (int i = 2; i < argc; i++)
      failures += run_unary(argv[1], atoi(argv[i]));
  } else {
    /* 1048577 and more: over 1024 tiles of 1024, so with the default cap
     * (MAX_BLOCKS = 1024) blocks take several tiles. */
    const int32_t sizes[] = {1, 31, 1000, 1025, 37000, 1048577 + 4096 + 3};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
      failures += run_unary(argv[1], sizes[i]);
  }
  return failures ? 1 : 0;
}
