/* conv_main.c: runs instances of conv2d (stdlib/conv.hdt) against a
 * double-precision reference, with examples/driver.h: fresh random inputs
 * (the seed is printed; HDT_SEED=<seed> repeats a run), the output poisoned
 * with NaN. Exits with status 1 when any case is over its tolerance.
 *
 * Each case is one instance, compiled by the lit test (conv.test) as
 *   --instance=cv_N:conv2d:N=..,C=..,...
 * with exactly the generic values of the table below; the entry point is
 * int cv_N(const float *x, const float *w, const float *bias, float *y).
 * The reference is the definition: zero padding wherever a tap falls
 * outside the input (so the bottom/right pads are whatever OH, OW imply).
 *
 * Tolerance: max |y - ref| / max |ref| <= 1e-5; inputs are uniform in
 * [-1, 1) and at most 150 taps are summed per output. */
#include "driver.h"

/* name, N, C, H, W, K, R, S, OH, OW, SH, SW, PH, PW, DH, DW, GROUPS */
#define CASES(X)                                                                                   \
  X(cv_0, 2, 5, 7, 9, 11, 1, 1, 7, 9, 1, 1, 0, 0, 1, 1, 1)                                         \
  X(cv_1, 1, 3, 17, 15, 20, 3, 3, 17, 15, 1, 1, 1, 1, 1, 1, 1)                                     \
  X(cv_2, 2, 16, 15, 16, 33, 3, 3, 8, 8, 2, 2, 1, 1, 1, 1, 1)                                      \
  X(cv_3, 1, 3, 29, 30, 16, 7, 7, 15, 15, 2, 2, 3, 3, 1, 1, 1)                                     \
  X(cv_4, 1, 6, 13, 12, 8, 3, 3, 13, 12, 1, 1, 2, 2, 2, 2, 1)                                      \
  X(cv_5, 2, 8, 9, 11, 12, 3, 3, 9, 11, 1, 1, 1, 1, 1, 1, 2)                                       \
  X(cv_6, 2, 24, 14, 13, 24, 3, 3, 14, 13, 1, 1, 1, 1, 1, 1, 24)                                   \
  X(cv_7, 1, 10, 16, 17, 10, 5, 5, 8, 9, 2, 2, 2, 2, 1, 1, 10)                                     \
  X(cv_8, 1, 4, 10, 6, 40, 3, 1, 5, 6, 2, 1, 1, 0, 1, 1, 1)                                        \
  X(cv_9, 1, 6, 8, 8, 4, 3, 3, 6, 6, 1, 1, 0, 0, 1, 1, 2)                                          \
  X(cv_10, 1, 32, 20, 21, 70, 1, 1, 20, 21, 1, 1, 0, 0, 1, 1, 1)                                   \
  X(cv_11, 2, 16, 15, 16, 33, 3, 3, 8, 8, 2, 2, 1, 1, 1, 1, 1)                                     \
  X(cv_12, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1)                                         \
  X(cv_13, 1, 8, 11, 10, 16, 3, 3, 5, 4, 2, 2, 1, 0, 2, 2, 4)

#define DECLARE(name, ...) int name(const float *x, const float *w, const float *bias, float *y);
CASES(DECLARE)

typedef struct conv_case {
  const char *name;
  int (*fn)(const float *, const float *, const float *, float *);
  int n, c, h, w, k, r, s, oh, ow, sh, sw, ph, pw, dh, dw, groups;
} conv_case;

#define ENTRY(name, ...) {#name, name, __VA_ARGS__},
static const conv_case cases[] = {CASES(ENTRY)};

static int run(const conv_case *p) {
  int cg = p->c / p->groups, kg = p->k / p->groups;
  size_t nx = (size_t)p->n * p->c * p->h * p->w, nw = (size_t)p->k * cg * p->r * p->s;
  size_t ny = (size_t)p->n * p->k * p->oh * p->ow;
  buf x = buf_new(nx), w = buf_new(nw), bias = buf_new((size_t)p->k), y = buf_new(ny);
  buf_random(&x);
  buf_random(&w);
  buf_random(&bias);
  buf_poison(&y);
  double t;
  int status;
  DRV_TIMED(t, status, p->fn(x.dev, w.dev, bias.dev, y.dev));
  if (status != 0)
    drv_die("the kernel returned an error");
  buf_download(&y);
  double *ref = malloc(ny * sizeof *ref);
  for (int n = 0; n < p->n; n++)
    for (int k = 0; k < p->k; k++)
      for (int oh = 0; oh < p->oh; oh++)
        for (int ow = 0; ow < p->ow; ow++) {
          double s = bias.host[k];
          int g = k / kg;
          for (int c = 0; c < cg; c++)
            for (int r = 0; r < p->r; r++)
              for (int q = 0; q < p->s; q++) {
                int ih = oh * p->sh - p->ph + r * p->dh, iw = ow * p->sw - p->pw + q * p->dw;
                if (ih < 0 || ih >= p->h || iw < 0 || iw >= p->w)
                  continue;
                s += (double)w.host[(((size_t)k * cg + c) * p->r + r) * p->s + q] *
                     x.host[(((size_t)n * p->c + g * cg + c) * p->h + ih) * p->w + iw];
              }
          ref[(((size_t)n * p->k + k) * p->oh + oh) * p->ow + ow] = s;
        }
  char size[160];
  snprintf(size, sizeof size, "%s x%dx%dx%dx%d w%dx%dx%dx%d s%d,%d p%d,%d d%d,%d g%d", p->name, p->n, p->c, p->h,
           p->w, p->k, cg, p->r, p->s, p->sh, p->sw, p->ph, p->pw, p->dh, p->dw, p->groups);
  int bad = drv_report("conv2d[" DRV_TARGET "]", size, drv_relative_error(y.host, ref, ny), 1e-5, t,
                       2.0 * ny * cg * p->r * p->s);
  free(ref);
  buf_free(&x);
  buf_free(&w);
  buf_free(&bias);
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
