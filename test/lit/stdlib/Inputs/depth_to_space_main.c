/* depth_to_space_main.c: runs instances of depth_to_space and
 * space_to_depth (stdlib/depth_to_space.hdt) against a reference, with
 * examples/driver.h: fresh random inputs (the seed is printed;
 * HDT_SEED=<seed> repeats a run), the output poisoned with NaN. Exits with
 * status 1 when any case is wrong.
 *
 * Each case is one instance, compiled by the lit test (depth_to_space.test)
 * with exactly the generic values of the table below (plus WIDE or BLOCKS
 * where the test gives them); the entry point is int NAME(const float *x,
 * float *y). The reference is ONNX's definition, reshape then transpose,
 * walked in the output's order:
 *   DCR: x as [N, B, B, C', H, W], transposed to [N, C', H, B, W, B];
 *   CRD: x as [N, C', B, B, H, W], transposed to [N, C', H, B, W, B];
 *   SpaceToDepth: x as [N, C, H', B, W', B], transposed to
 *   [N, B, B, C, H', W'].
 *
 * Tolerance: 0 (a copy; max |y - ref| / max |ref| must be exactly 0). */
#include "driver.h"

/* name, KIND (0 depth_to_space DCR, 1 depth_to_space CRD, 2 space_to_depth), N, C, H, W, B */
#define CASES(X)                                                                                   \
  X(d2s_0, 0, 1, 4, 1, 1, 2)                                                                       \
  X(d2s_1, 0, 2, 12, 3, 5, 2)                                                                      \
  X(d2s_2, 1, 2, 12, 3, 5, 2)                                                                      \
  X(d2s_3, 0, 1, 27, 4, 3, 3)                                                                      \
  X(d2s_4, 1, 1, 27, 4, 3, 3)                                                                      \
  X(d2s_5, 0, 1, 3, 5, 7, 1)                                                                       \
  X(d2s_6, 1, 2, 16, 9, 11, 2)                                                                     \
  X(d2s_7, 0, 1, 64, 20, 30, 4)                                                                    \
  X(s2d_0, 2, 1, 1, 2, 2, 2)                                                                       \
  X(s2d_1, 2, 2, 3, 6, 10, 2)                                                                      \
  X(s2d_2, 2, 1, 5, 9, 6, 3)                                                                       \
  X(s2d_3, 2, 2, 3, 8, 12, 2)                                                                      \
  X(s2d_4, 2, 1, 2, 7, 5, 1)

#define DECLARE(name, ...) int name(const float *x, float *y);
CASES(DECLARE)

typedef struct ds_case {
  const char *name;
  int (*fn)(const float *, float *);
  int kind, n, c, h, w, b;
} ds_case;

#define ENTRY(name, ...) {#name, name, __VA_ARGS__},
static const ds_case cases[] = {CASES(ENTRY)};
static const char *const kind_names[] = {"depth_to_space", "depth_to_space", "space_to_depth"};
static const char *const mode_names[] = {" DCR", " CRD", ""};

static int run(const ds_case *p) {
  size_t total = (size_t)p->n * p->c * p->h * p->w;
  int b = p->b;
  buf x = buf_new(total), y = buf_new(total);
  buf_random(&x);
  buf_poison(&y);
  double t;
  int status;
  DRV_TIMED(t, status, p->fn(x.dev, y.dev));
  if (status != 0)
    drv_die("the kernel returned an error");
  buf_download(&y);
  double *ref = malloc(total * sizeof *ref);
  size_t k = 0;
  if (p->kind < 2) {
    int co = p->c / (b * b);
    for (int n = 0; n < p->n; n++)
      for (int c = 0; c < co; c++)
        for (int h = 0; h < p->h; h++)
          for (int i = 0; i < b; i++)
            for (int w = 0; w < p->w; w++)
              for (int j = 0; j < b; j++) {
                size_t ch = p->kind == 0 ? ((size_t)n * b + i) * b * co + (size_t)j * co + c
                                         : (((size_t)n * co + c) * b + i) * b + j;
                ref[k++] = x.host[(ch * p->h + h) * p->w + w];
              }
  } else {
    int oh = p->h / b, ow = p->w / b;
    for (int n = 0; n < p->n; n++)
      for (int i = 0; i < b; i++)
        for (int j = 0; j < b; j++)
          for (int c = 0; c < p->c; c++)
            for (int h = 0; h < oh; h++)
              for (int w = 0; w < ow; w++)
                ref[k++] = x.host[(((size_t)n * p->c + c) * p->h + h * b + i) * p->w + w * b + j];
  }
  char size[160];
  snprintf(size, sizeof size, "%s x%dx%dx%dx%d b%d%s", p->name, p->n, p->c, p->h, p->w, b, mode_names[p->kind]);
  char kernel[64];
  snprintf(kernel, sizeof kernel, "%s[" DRV_TARGET "]", kind_names[p->kind]);
  int bad = drv_report(kernel, size, drv_relative_error(y.host, ref, total), 0, t, 0);
  free(ref);
  buf_free(&x);
  buf_free(&y);
  return bad;
}

int main(int argc, char **argv) {
  drv_seed(argc, argv);
  int failures = 0;
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    failures += run(&cases[i]);
  return failures ? 1 : 0;
}
