/* conv_f16_main.c: runs instances of conv2d_f16 (stdlib/conv_f16.hdt)
 * against a double-precision reference, with examples/driver.h and
 * f16_driver.h: fresh random f16 inputs (uniform in [-1, 1), rounded to
 * nearest even; the seed is printed; HDT_SEED=<seed> repeats a run), the
 * output poisoned with the f16 NaN 0x7e00. Exits with status 1 when any
 * case is over its tolerance.
 *
 * Each case is one instance, compiled by the lit test (conv_f16.test) as
 *   --instance=cv16_N:conv2d_f16:N=..,C=..,...
 * with exactly the generic values of the table below; the entry point is
 * int cv16_N(const hdt_f16 *x, const hdt_f16 *w, const hdt_f16 *bias, hdt_f16 *y)
 * (hdt_f16 is uint16_t, the f16's bits; __half on CUDA, the same bits).
 * The reference is the definition, in double from the f16 input values:
 * zero padding wherever a tap falls outside the input (so the bottom/right
 * pads are whatever OH, OW imply).
 *
 * Tolerance, per element (f16_driver.h), with T = C / GROUPS * R * S + 1
 * terms (the taps and the bias):
 *   |y - ref| <= 1e-3 |ref| + 1e-5 sqrt(T) max(max|w| max|x|, max|bias|) + 2^-24
 * (one rounding to f16 of an f32 accumulation of exact products). */
#include "f16_driver.h"

/* name, N, C, H, W, K, R, S, OH, OW, SH, SW, PH, PW, DH, DW, GROUPS (DIRECT,
 * BM, BN as the lit test gives them; the driver does not need them) */
#ifndef CASES /* conv_f16_tc_main.c gives its own */
#define CASES(X)                                                                                   \
  X(cv16_0, 2, 5, 7, 9, 11, 1, 1, 7, 9, 1, 1, 0, 0, 1, 1, 1)                                       \
  X(cv16_1, 1, 3, 17, 15, 20, 3, 3, 17, 15, 1, 1, 1, 1, 1, 1, 1)                                   \
  X(cv16_2, 2, 16, 15, 16, 33, 3, 3, 8, 8, 2, 2, 1, 1, 1, 1, 1)                                    \
  X(cv16_3, 1, 3, 29, 30, 16, 7, 7, 15, 15, 2, 2, 3, 3, 1, 1, 1)                                   \
  X(cv16_4, 1, 6, 13, 12, 8, 3, 3, 13, 12, 1, 1, 2, 2, 2, 2, 1)                                    \
  X(cv16_5, 2, 8, 9, 11, 12, 3, 3, 9, 11, 1, 1, 1, 1, 1, 1, 2)                                     \
  X(cv16_6, 2, 24, 14, 13, 24, 3, 3, 14, 13, 1, 1, 1, 1, 1, 1, 24)                                 \
  X(cv16_7, 1, 10, 16, 17, 10, 5, 5, 8, 9, 2, 2, 2, 2, 1, 1, 10)                                   \
  X(cv16_8, 1, 4, 10, 6, 40, 3, 1, 5, 6, 2, 1, 1, 0, 1, 1, 1)                                      \
  X(cv16_9, 1, 6, 8, 8, 4, 3, 3, 6, 6, 1, 1, 0, 0, 1, 1, 2)                                        \
  X(cv16_10, 1, 32, 20, 21, 70, 1, 1, 20, 21, 1, 1, 0, 0, 1, 1, 1)                                 \
  X(cv16_11, 2, 16, 15, 16, 33, 3, 3, 8, 8, 2, 2, 1, 1, 1, 1, 1)                                   \
  X(cv16_12, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1)                                       \
  X(cv16_13, 1, 8, 11, 10, 16, 3, 3, 5, 4, 2, 2, 1, 0, 2, 2, 4)                                    \
  X(cv16_14, 1, 64, 9, 10, 40, 3, 3, 9, 10, 1, 1, 1, 1, 1, 1, 1)
#endif
#ifndef CV_KERNEL
#define CV_KERNEL "conv2d_f16"
#endif

#define DECLARE(name, ...) int name(const uint16_t *x, const uint16_t *w, const uint16_t *bias, uint16_t *y);
CASES(DECLARE)

typedef struct conv_case {
  const char *name;
  int (*fn)(const uint16_t *, const uint16_t *, const uint16_t *, uint16_t *);
  int n, c, h, w, k, r, s, oh, ow, sh, sw, ph, pw, dh, dw, groups;
} conv_case;

#define ENTRY(name, ...) {#name, name, __VA_ARGS__},
static const conv_case cases[] = {CASES(ENTRY)};

static double *decode(const hbuf *b) {
  double *v = malloc((b->n ? b->n : 1) * sizeof *v);
  if (!v)
    drv_die("out of memory");
  for (size_t i = 0; i < b->n; i++)
    v[i] = f16_to_f64(b->host[i]);
  return v;
}

static int run(const conv_case *p) {
  int cg = p->c / p->groups, kg = p->k / p->groups;
  size_t nx = (size_t)p->n * p->c * p->h * p->w, nw = (size_t)p->k * cg * p->r * p->s;
  size_t ny = (size_t)p->n * p->k * p->oh * p->ow;
  hbuf x = hbuf_new(nx), w = hbuf_new(nw), bias = hbuf_new((size_t)p->k), y = hbuf_new(ny);
  double xmax = hbuf_random(&x), wmax = hbuf_random(&w), bmax = hbuf_random(&bias);
  hbuf_poison(&y);
  double t;
  int status;
  DRV_TIMED(t, status, p->fn(x.dev, w.dev, bias.dev, y.dev));
  if (status != 0)
    drv_die("the kernel returned an error");
  hbuf_download(&y);
  double *xv = decode(&x), *wv = decode(&w), *bv = decode(&bias);
  double *ref = malloc(ny * sizeof *ref);
  if (!ref)
    drv_die("out of memory");
  for (int n = 0; n < p->n; n++)
    for (int k = 0; k < p->k; k++)
      for (int oh = 0; oh < p->oh; oh++)
        for (int ow = 0; ow < p->ow; ow++) {
          double s = bv[k];
          int g = k / kg;
          for (int c = 0; c < cg; c++)
            for (int r = 0; r < p->r; r++)
              for (int q = 0; q < p->s; q++) {
                int ih = oh * p->sh - p->ph + r * p->dh, iw = ow * p->sw - p->pw + q * p->dw;
                if (ih < 0 || ih >= p->h || iw < 0 || iw >= p->w)
                  continue;
                s += wv[(((size_t)k * cg + c) * p->r + r) * p->s + q] *
                     xv[(((size_t)n * p->c + g * cg + c) * p->h + ih) * p->w + iw];
              }
          ref[(((size_t)n * p->k + k) * p->oh + oh) * p->ow + ow] = s;
        }
  double pmax = wmax * xmax > bmax ? wmax * xmax : bmax;
  char size[160];
  snprintf(size, sizeof size, "%s x%dx%dx%dx%d w%dx%dx%dx%d s%d,%d p%d,%d d%d,%d g%d", p->name, p->n, p->c, p->h,
           p->w, p->k, cg, p->r, p->s, p->sh, p->sw, p->ph, p->pw, p->dh, p->dw, p->groups);
  int bad = f16_report(CV_KERNEL "[" DRV_TARGET "]", size, f16_check(y.host, ref, ny, cg * p->r * p->s + 1, pmax),
                       t, 2.0 * ny * cg * p->r * p->s);
  free(xv);
  free(wv);
  free(bv);
  free(ref);
  hbuf_free(&x);
  hbuf_free(&w);
  hbuf_free(&bias);
  hbuf_free(&y);
  return bad;
}

int main(int argc, char **argv) {
  drv_seed(argc, argv);
  int failures = 0;
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    failures += run(&cases[i]);
  return failures ? 1 : 0;
}
