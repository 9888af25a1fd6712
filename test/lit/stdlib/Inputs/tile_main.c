/* tile_main.c: runs instances of tile4 (stdlib/tile.hdt) against a
 * reference, with examples/driver.h: fresh random inputs (the seed is
 * printed; HDT_SEED=<seed> repeats a run), the output poisoned with NaN.
 * Exits with status 1 when any case is wrong.
 *
 * Each case is one instance, compiled by the lit test (tile.test) with
 * exactly the generic values of the table below (plus WIDE or BLOCKS where
 * the test gives them); the entry point is int NAME(const float *x,
 * float *y). The reference copies block by block: for each repetition
 * (r0, r1, r2, r3) of the input, x[i] goes to y[r * D + i].
 *
 * Tolerance: 0 (a copy; max |y - ref| / max |ref| must be exactly 0). */
#include "driver.h"

/* name, D0..D3, O0..O3 (each Oa a multiple of Da) */
#define CASES(X)                                                                                   \
  X(tl_0, 1, 1, 1, 1, 1, 1, 1, 1)                                                                  \
  X(tl_1, 1, 1, 1, 1, 2, 3, 4, 5)                                                                  \
  X(tl_2, 2, 3, 5, 7, 4, 3, 15, 14)                                                                \
  X(tl_3, 1, 3, 13, 11, 1, 3, 13, 33)                                                              \
  X(tl_4, 3, 1, 9, 1, 6, 4, 9, 37)                                                                 \
  X(tl_5, 1, 2, 100, 101, 1, 4, 200, 101)                                                          \
  X(tl_6, 2, 3, 5, 7, 4, 3, 15, 14)                                                                \
  X(tl_7, 1, 1, 33, 65, 1, 2, 66, 130)

#define DECLARE(name, ...) int name(const float *x, float *y);
CASES(DECLARE)

typedef struct tl_case {
  const char *name;
  int (*fn)(const float *, float *);
  int d[4], o[4];
} tl_case;

#define ENTRY(name, d0, d1, d2, d3, o0, o1, o2, o3) {#name, name, {d0, d1, d2, d3}, {o0, o1, o2, o3}},
static const tl_case cases[] = {CASES(ENTRY)};

static int run(const tl_case *p) {
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
  for (size_t k = 0; k < ny; k++)
    ref[k] = NAN;
  int rep[4];
  for (int a = 0; a < 4; a++)
    rep[a] = p->o[a] / p->d[a];
  for (int r0 = 0; r0 < rep[0]; r0++)
    for (int r1 = 0; r1 < rep[1]; r1++)
      for (int r2 = 0; r2 < rep[2]; r2++)
        for (int r3 = 0; r3 < rep[3]; r3++)
          for (int i0 = 0; i0 < p->d[0]; i0++)
            for (int i1 = 0; i1 < p->d[1]; i1++)
              for (int i2 = 0; i2 < p->d[2]; i2++)
                for (int i3 = 0; i3 < p->d[3]; i3++) {
                  size_t o0 = (size_t)r0 * p->d[0] + i0, o1 = (size_t)r1 * p->d[1] + i1;
                  size_t o2 = (size_t)r2 * p->d[2] + i2, o3 = (size_t)r3 * p->d[3] + i3;
                  ref[((o0 * p->o[1] + o1) * p->o[2] + o2) * p->o[3] + o3] =
                      x.host[(((size_t)i0 * p->d[1] + i1) * p->d[2] + i2) * p->d[3] + i3];
                }
  char size[160];
  snprintf(size, sizeof size, "%s x%dx%dx%dx%d y%dx%dx%dx%d", p->name, p->d[0], p->d[1], p->d[2], p->d[3],
           p->o[0], p->o[1], p->o[2], p->o[3]);
  int bad = drv_report("tile4[" DRV_TARGET "]", size, drv_relative_error(y.host, ref, ny), 0, t, 0);
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
