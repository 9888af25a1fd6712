/* pad_main.c: runs instances of pad4 (stdlib/pad.hdt) against a reference,
 * with examples/driver.h: fresh random inputs (the seed is printed;
 * HDT_SEED=<seed> repeats a run), the output poisoned with NaN. Exits with
 * status 1 when any case is wrong.
 *
 * Each case is one instance, compiled by the lit test (pad.test) with
 * exactly the generic values of the table below (WIDE and BLOCKS, the i64
 * loop and the grid size, only where the table gives them: -1 means the
 * default); the entry point is int NAME(const float *x, float *y). The
 * reference maps each output index back per axis as ONNX's reference
 * (numpy.pad) does: reflect by repeated mirroring (i < 0: -i; i >= D:
 * 2 (D - 1) - i; until inside), edge by clamping, wrap by the mathematical
 * modulo, constant by VALUE.
 *
 * Tolerance: 0 (a copy; max |y - ref| / max |ref| must be exactly 0). */
#include "driver.h"

/* name, D0..D3, B0..B3, O0..O3, MODE, VALUE */
#define CASES(X)                                                                                   \
  X(pd_0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0.0)                                              \
  X(pd_1, 2, 3, 5, 7, 1, 0, 2, 3, 4, 3, 10, 13, 0, -1.5)                                           \
  X(pd_2, 1, 3, 13, 11, 0, -1, 2, -3, 1, 2, 14, 6, 0, 0.0)                                         \
  X(pd_3, 1, 2, 9, 8, 0, 0, 3, 2, 1, 2, 17, 15, 1, 0.0)                                            \
  X(pd_4, 1, 1, 3, 4, 0, 0, 5, 7, 1, 1, 14, 20, 1, 0.0)                                            \
  X(pd_5, 2, 3, 6, 7, 0, 1, -2, 3, 2, 5, 6, 9, 1, 0.0)                                             \
  X(pd_6, 1, 3, 1, 5, 0, 0, 2, 1, 1, 3, 4, 7, 1, 0.0)                                              \
  X(pd_7, 2, 3, 5, 7, 1, 2, 3, 4, 5, 6, 9, 12, 2, 0.0)                                             \
  X(pd_8, 1, 4, 13, 11, 0, -1, -2, 3, 1, 3, 9, 14, 2, 0.0)                                         \
  X(pd_9, 2, 3, 5, 7, 0, 1, 4, 9, 2, 5, 13, 25, 3, 0.0)                                            \
  X(pd_10, 1, 3, 13, 11, 0, 0, 2, 3, 1, 3, 18, 17, 1, 0.0)                                         \
  X(pd_11, 2, 3, 9, 10, 0, -1, 1, -2, 2, 2, 12, 8, 0, 2.5)                                         \
  X(pd_12, 1, 3, 100, 101, 0, 0, 1, 1, 1, 3, 102, 103, 0, 0.0)                                     \
  X(pd_13, 1, 3, 100, 101, 0, 0, -1, 2, 1, 3, 99, 105, 1, 0.0)

#define DECLARE(name, ...) int name(const float *x, float *y);
CASES(DECLARE)

typedef struct pd_case {
  const char *name;
  int (*fn)(const float *, float *);
  int d[4], b[4], o[4], mode;
  double value;
} pd_case;

#define ENTRY(name, d0, d1, d2, d3, b0, b1, b2, b3, o0, o1, o2, o3, mode, value)                        \
  {#name, name, {d0, d1, d2, d3}, {b0, b1, b2, b3}, {o0, o1, o2, o3}, mode, value},
static const pd_case cases[] = {CASES(ENTRY)};
static const char *const mode_names[] = {"constant", "reflect", "edge", "wrap"};

/* The input index of output index o on an axis, or -1 for VALUE. */
static int src(int mode, int o, int b, int d) {
  int i = o - b;
  if (i >= 0 && i < d)
    return i;
  switch (mode) {
  case 0: return -1;
  case 2: return i < 0 ? 0 : d - 1;
  case 3: return ((i % d) + d) % d;
  default:
    if (d == 1)
      return 0;
    while (i < 0 || i >= d)
      i = i < 0 ? -i : 2 * (d - 1) - i;
    return i;
  }
}

static int run(const pd_case *p) {
  size_t nx = (size_t)p->d[0] * p->d[1] * p->d[2] * p->d[3];
  size_t ny = (size_t)p->o[0] * p->o[1] * p->o[2] * p->o[3];
  buf x = buf_new(nx), y = buf_new(ny);
  buf_random(&x);
  buf_poison(&y);
  double t;
  int status;
  DRV_TIMED(t, status, p->fn(x.dev, y.dev));
  if (status != 0)
    drv_die("the kernel returned an error");
  buf_download(&y);
  double *ref = malloc(ny * sizeof *ref);
  size_t k = 0;
  for (int a = 0; a < p->o[0]; a++)
    for (int b = 0; b < p->o[1]; b++)
      for (int c = 0; c < p->o[2]; c++)
        for (int e = 0; e < p->o[3]; e++, k++) {
          int i0 = src(p->mode, a, p->b[0], p->d[0]), i1 = src(p->mode, b, p->b[1], p->d[1]);
          int i2 = src(p->mode, c, p->b[2], p->d[2]), i3 = src(p->mode, e, p->b[3], p->d[3]);
          ref[k] = i0 < 0 || i1 < 0 || i2 < 0 || i3 < 0
                       ? p->value
                       : x.host[(((size_t)i0 * p->d[1] + i1) * p->d[2] + i2) * p->d[3] + i3];
        }
  char size[160];
  snprintf(size, sizeof size, "%s x%dx%dx%dx%d b%d,%d,%d,%d y%dx%dx%dx%d %s", p->name, p->d[0], p->d[1],
           p->d[2], p->d[3], p->b[0], p->b[1], p->b[2], p->b[3], p->o[0], p->o[1], p->o[2], p->o[3],
           mode_names[p->mode]);
  int bad = drv_report("pad4[" DRV_TARGET "]", size, drv_relative_error(y.host, ref, ny), 0, t, 0);
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
