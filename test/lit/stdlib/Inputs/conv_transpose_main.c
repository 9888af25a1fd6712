/* conv_transpose_main.c: runs instances of conv_transpose2d
 * (stdlib/conv_transpose.hdt) against a double-precision reference, with
 * examples/driver.h: fresh random inputs (the seed is printed;
 * HDT_SEED=<seed> repeats a run), the output poisoned with NaN. Exits with
 * status 1 when any case is over its tolerance.
 *
 * Each case is one instance, compiled by the lit test (conv_transpose.test)
 * with exactly the generic values of the table below; the entry point is
 * int NAME(const float *x, const float *w, const float *bias, float *y),
 * x [N, C, H, W], w [C, K / GROUPS, R, S], bias [K], y [N, K, OH, OW].
 * The reference is ONNX's definition, the scatter form (each input pixel
 * adds its products to the outputs it reaches), independent of the
 * kernel's gather; outputs that no input reaches are the bias.
 *
 * Tolerance: max |y - ref| / max |ref| <= 1e-5 (f32 sums of at most
 * C / GROUPS * R * S products in [-1, 1)). */
#include "driver.h"

/* name, N, C, H, W, K, R, S, OH, OW, SH, SW, PH, PW, DH, DW, GROUPS */
#define CASES(X)                                                                                   \
  X(ct_0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1)                                          \
  X(ct_1, 2, 4, 5, 6, 3, 3, 3, 9, 11, 2, 2, 1, 1, 1, 1, 1)                                         \
  X(ct_2, 2, 4, 5, 6, 3, 3, 3, 10, 12, 2, 2, 1, 1, 1, 1, 1)                                        \
  X(ct_3, 1, 6, 7, 5, 8, 4, 4, 14, 10, 2, 2, 1, 1, 1, 1, 1)                                        \
  X(ct_4, 1, 3, 6, 7, 5, 3, 2, 10, 9, 1, 1, 0, 1, 2, 3, 1)                                         \
  X(ct_5, 2, 4, 5, 5, 6, 3, 3, 5, 5, 1, 1, 1, 1, 1, 1, 2)                                          \
  X(ct_6, 1, 3, 4, 3, 3, 3, 3, 12, 9, 3, 3, 0, 0, 1, 1, 3)                                         \
  X(ct_7, 3, 5, 4, 6, 2, 2, 4, 11, 5, 3, 1, 0, 2, 1, 1, 1)                                         \
  X(ct_8, 1, 32, 16, 16, 16, 4, 4, 32, 32, 2, 2, 1, 1, 1, 1, 1)                                    \
  X(ct_9, 1, 2, 2, 2, 2, 2, 2, 7, 6, 3, 3, 0, 0, 1, 1, 1)                                          \
  X(ct_10, 2, 6, 3, 4, 9, 3, 2, 8, 9, 2, 3, 1, 0, 2, 1, 3)

#define DECLARE(name, ...) int name(const float *x, const float *w, const float *bias, float *y);
CASES(DECLARE)

typedef struct ct_case {
  const char *name;
  int (*fn)(const float *, const float *, const float *, float *);
  int n, c, h, w, k, r, s, oh, ow, sh, sw, ph, pw, dh, dw, groups;
} ct_case;

#define ENTRY(name, ...) {#name, name, __VA_ARGS__},
static const ct_case cases[] = {CASES(ENTRY)};

static int run(const ct_case *p) {
  int cg = p->c / p->groups, kg = p->k / p->groups;
  size_t nx = (size_t)p->n * p->c * p->h * p->w, nw = (size_t)p->c * kg * p->r * p->s;
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
      for (int i = 0; i < p->oh * p->ow; i++)
        ref[((size_t)n * p->k + k) * p->oh * p->ow + i] = bias.host[k];
  for (int n = 0; n < p->n; n++)
    for (int c = 0; c < p->c; c++) {
      int g = c / cg;
      for (int ih = 0; ih < p->h; ih++)
        for (int iw = 0; iw < p->w; iw++) {
          double v = x.host[(((size_t)n * p->c + c) * p->h + ih) * p->w + iw];
          for (int r = 0; r < p->r; r++) {
            int oh = ih * p->sh - p->ph + r * p->dh;
            if (oh < 0 || oh >= p->oh)
              continue;
            for (int s = 0; s < p->s; s++) {
              int ow = iw * p->sw - p->pw + s * p->dw;
              if (ow < 0 || ow >= p->ow)
                continue;
              for (int kk = 0; kk < kg; kk++) {
                int k = g * kg + kk;
                ref[(((size_t)n * p->k + k) * p->oh + oh) * p->ow + ow] +=
                    v * w.host[(((size_t)c * kg + kk) * p->r + r) * p->s + s];
              }
            }
          }
        }
    }
  char size[160];
  snprintf(size, sizeof size, "%s x%dx%dx%dx%d k%d w%dx%d y%dx%d s%d,%d p%d,%d d%d,%d g%d", p->name, p->n,
           p->c, p->h, p->w, p->k, p->r, p->s, p->oh, p->ow, p->sh, p->sw, p->ph, p->pw, p->dh, p->dw,
           p->groups);
  int bad = drv_report("conv_transpose2d[" DRV_TARGET "]", size, drv_relative_error(y.host, ref, ny), 1e-5, t,
                       2.0 * ny * cg * p->r * p->s / ((double)p->sh * p->sw));
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
