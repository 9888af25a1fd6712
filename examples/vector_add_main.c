/* vector_add_main.c: runs examples/vector_add.hdt against a reference.
 *
 *   hdtc --target=host examples/vector_add.hdt -o vector_add.c
 *   cc -std=c11 -O2 -I runtime/include examples/vector_add_main.c vector_add.c \
 *      build/libhdtrt.a -lm -o vector_add && ./vector_add [n ...]
 */
#include "driver.h"

int vector_add(int32_t n, const float *a, const float *b, float *c);

static int run(int32_t n) {
  buf a = buf_new((size_t)n), b = buf_new((size_t)n), c = buf_new((size_t)n);
  buf_random(&a);
  buf_random(&b);
  buf_poison(&c);
  double t;
  int status;
  DRV_TIMED(t, status, vector_add(n, a.dev, b.dev, c.dev));
  if (status != 0)
    drv_die("vector_add returned an error");
  buf_download(&c);
  double *ref = malloc(((size_t)n + 1) * sizeof *ref);
  for (int32_t i = 0; i < n; i++)
    ref[i] = (double)a.host[i] + (double)b.host[i];
  char size[32];
  snprintf(size, sizeof size, "n=%d", n);
  int bad = drv_report("vector_add[" DRV_TARGET "]", size, drv_relative_error(c.host, ref, (size_t)n),
                       1e-7, t, (double)n);
  free(ref);
  buf_free(&a);
  buf_free(&b);
  buf_free(&c);
  return bad;
}

int main(int argc, char **argv) {
  drv_seed(argc, argv);
  int failures = 0;
  if (argc > 1) {
    for (int i = 1; i < argc; i++)
      failures += run((int32_t)atoi(argv[i]));
  } else {
    const int32_t sizes[] = {1, 255, 1000, 4097, 100003};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
      failures += run(sizes[i]);
  }
  return failures ? 1 : 0;
}
