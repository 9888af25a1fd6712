/* pool_main.c: runs instances of maxpool2d and avgpool2d (stdlib/pool.hdt)
 * against a double-precision reference, with examples/driver.h: fresh random
 * inputs (the seed is printed; HDT_SEED=<seed> repeats a run), the output
 * poisoned with NaN. Exits with status 1 when any case is over its
 * tolerance.
 *
 * Each case is one instance, compiled by the lit test (pool.test) with
 * exactly the generic values of the table below; the entry points are
 * int NAME(const float *x, float *y). The reference is ONNX's definition:
 * max over the taps inside the input; average over the taps inside the
 * input (COUNT_PAD 0) or, with the padding counted as zeros, divided by
 * the number of taps inside the padded input, rows -PH .. H + PHE - 1 and
 * columns -PW .. W + PWE - 1 (COUNT_PAD 1). PHE and PWE are the end pads:
 * the table has them for the reference; the lit test passes them as
 * PH_END/PW_END only where they differ from what OH and OW imply
 * (ceil_mode).
 *
 * Tolerance: max |y - ref| / max |ref| <= 1e-6 (a max is exact; an average
 * of at most 49 values is within a few ulp). */
#include "driver.h"

/* name, AVG, N, C, H, W, OH, OW, KH, KW, SH, SW, PH, PW, DH, DW, COUNT_PAD, PHE, PWE */
#define CASES(X)                                                                                   \
  X(mp_0, 0, 1, 3, 8, 8, 4, 4, 2, 2, 2, 2, 0, 0, 1, 1, 0, 0, 0)                                    \
  X(mp_1, 0, 2, 5, 13, 11, 7, 6, 3, 3, 2, 2, 1, 1, 1, 1, 0, 1, 1)                                  \
  X(mp_2, 0, 1, 4, 9, 10, 7, 8, 3, 3, 1, 1, 1, 1, 2, 2, 0, 1, 1)                                   \
  X(mp_3, 0, 1, 2, 7, 7, 4, 4, 2, 2, 2, 2, 0, 0, 1, 1, 0, 0, 0)                                    \
  X(mp_4, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0)                                    \
  X(mp_5, 0, 1, 3, 12, 9, 6, 8, 3, 2, 2, 1, 1, 0, 1, 1, 0, 0, 0)                                   \
  X(ap_0, 1, 1, 3, 8, 8, 4, 4, 2, 2, 2, 2, 0, 0, 1, 1, 0, 0, 0)                                    \
  X(ap_1, 1, 2, 5, 13, 11, 7, 6, 3, 3, 2, 2, 1, 1, 1, 1, 0, 1, 1)                                  \
  X(ap_2, 1, 2, 5, 13, 11, 7, 6, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1)                                  \
  X(ap_3, 1, 1, 3, 8, 8, 5, 5, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1)                                    \
  X(ap_4, 1, 1, 3, 8, 8, 5, 5, 3, 3, 2, 2, 1, 1, 1, 1, 0, 1, 1)                                    \
  X(ap_5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0)                                    \
  X(ap_6, 1, 1, 2, 10, 9, 10, 9, 3, 3, 1, 1, 2, 2, 2, 2, 1, 2, 2)                                  \
  X(ap_7, 1, 2, 3, 7, 7, 1, 1, 7, 7, 1, 1, 0, 0, 1, 1, 1, 0, 0)

#define DECLARE(name, ...) int name(const float *x, float *y);
CASES(DECLARE)

typedef struct pool_case {
  const char *name;
  int (*fn)(const float *, float *);
  int avg, n, c, h, w, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw, count_pad, phe, pwe;
} pool_case;

#define ENTRY(name, ...) {#name, name, __VA_ARGS__},
static const pool_case cases[] = {CASES(ENTRY)};

static int run(const pool_case *p) {
  size_t nx = (size_t)p->n * p->c * p->h * p->w, ny = (size_t)p->n * p->c * p->oh * p->ow;
  buf x = buf_new(nx), y = buf_new(ny);
  buf_random(&x);
  /* Every third plane is all negative: a max that lets the padding (0) win
   * gives 0 at the edges there. */
  for (size_t i = 0; i < nx; i++)
    if (i / ((size_t)p->h * p->w) % 3 == 1)
      x.host[i] = x.host[i] * 0.5f - 1.5f;
  buf_upload(&x);
  buf_poison(&y);
  double t;
  int status;
  DRV_TIMED(t, status, p->fn(x.dev, y.dev));
  if (status != 0)
    drv_die("the kernel returned an error");
  buf_download(&y);
  double *ref = malloc(ny * sizeof *ref);
  for (int nc = 0; nc < p->n * p->c; nc++)
    for (int oh = 0; oh < p->oh; oh++)
      for (int ow = 0; ow < p->ow; ow++) {
        double m = -INFINITY, s = 0;
        int inside = 0, padded = 0;
        for (int kh = 0; kh < p->kh; kh++)
          for (int kw = 0; kw < p->kw; kw++) {
            int ih = oh * p->sh - p->ph + kh * p->dh, iw = ow * p->sw - p->pw + kw * p->dw;
            if (ih < p->h + p->phe && iw < p->w + p->pwe)
              padded++;
            if (ih < 0 || ih >= p->h || iw < 0 || iw >= p->w)
              continue;
            double v = x.host[((size_t)nc * p->h + ih) * p->w + iw];
            m = v > m ? v : m;
            s += v;
            inside++;
          }
        ref[((size_t)nc * p->oh + oh) * p->ow + ow] = !p->avg ? m : s / (p->count_pad ? padded : inside);
      }
  char size[160];
  snprintf(size, sizeof size, "%s x%dx%dx%dx%d k%dx%d s%d,%d p%d,%d d%d,%d%s", p->name, p->n, p->c, p->h, p->w,
           p->kh, p->kw, p->sh, p->sw, p->ph, p->pw, p->dh, p->dw, p->avg && p->count_pad ? " count_pad" : "");
  int bad = drv_report(p->avg ? "avgpool2d[" DRV_TARGET "]" : "maxpool2d[" DRV_TARGET "]", size,
                       drv_relative_error(y.host, ref, ny), 1e-6, t, 0);
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
