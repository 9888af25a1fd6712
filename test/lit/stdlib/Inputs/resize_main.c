/* resize_main.c: runs instances of resize2d (stdlib/resize.hdt) against a
 * reference, with examples/driver.h: fresh random inputs (the seed is
 * printed; HDT_SEED=<seed> repeats a run), the output poisoned with NaN.
 * Exits with status 1 when any case is over its tolerance.
 *
 * Each case is one instance, compiled by the lit test (resize.test) with
 * exactly the generic values of the table below (SCALE_H and SCALE_W only
 * when they are not 0, plus WIDE or BLOCKS where the test gives them); the
 * entry point is int NAME(const float *x, float *y).
 *
 * The reference follows ONNX's formulas (the header of resize.hdt). Without
 * a given scale, the input coordinate of an output coordinate is an exact
 * fraction NUM / DEN of integers (half_pixel: ((2o + 1) L - O) / 2O, and so
 * on), and nearest rounds it exactly in integers, ties (a fraction of one
 * half) included; with a given scale s, the coordinate is (o + 0.5) / s
 * - 0.5 (or o / s, ...) in double. Linear takes the double value of the
 * coordinate, its floor i and l = xo - i, the indices i and i + 1 clamped
 * to the input, and weights (1 - l, l) along each axis.
 *
 * Tolerance: nearest 0 (a copy); linear 1e-6 relative to max |ref| (a few
 * f32 roundings of a convex combination). */
#include "driver.h"

/* name, N, C, H, W, OH, OW, LINEAR, COORD, NEAREST, SCALE_H, SCALE_W */
#define CASES(X)                                                                                   \
  X(rs_0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0)                                                         \
  X(rs_1, 1, 2, 4, 5, 8, 10, 0, 0, 0, 0, 0)                                                        \
  X(rs_2, 2, 3, 3, 4, 2, 6, 0, 0, 1, 0, 0)                                                         \
  X(rs_3, 1, 2, 2, 4, 3, 6, 0, 0, 0, 0, 0)                                                         \
  X(rs_4, 1, 2, 2, 4, 3, 6, 0, 0, 1, 0, 0)                                                         \
  X(rs_5, 1, 2, 3, 4, 2, 8, 0, 1, 0, 0, 0)                                                         \
  X(rs_6, 1, 2, 3, 4, 2, 8, 0, 1, 1, 0, 0)                                                         \
  X(rs_7, 1, 2, 3, 4, 2, 8, 0, 1, 2, 0, 0)                                                         \
  X(rs_8, 1, 2, 3, 4, 2, 8, 0, 1, 3, 0, 0)                                                         \
  X(rs_9, 1, 2, 5, 7, 9, 3, 0, 2, 0, 0, 0)                                                         \
  X(rs_10, 1, 2, 5, 7, 9, 3, 0, 2, 1, 0, 0)                                                        \
  X(rs_11, 1, 2, 6, 5, 1, 9, 0, 3, 1, 0, 0)                                                        \
  X(rs_12, 1, 2, 4, 6, 8, 9, 0, 4, 3, 0, 0)                                                        \
  X(rs_13, 1, 2, 4, 6, 10, 9, 0, 0, 0, 2.5, 1.5)                                                   \
  X(rs_14, 1, 1, 5, 7, 3, 4, 0, 1, 2, 0.6, 0.7)                                                    \
  X(rs_15, 2, 2, 3, 4, 2, 8, 0, 1, 1, 0, 0)                                                        \
  X(rs_16, 1, 2, 4, 5, 8, 10, 1, 0, 0, 0, 0)                                                       \
  X(rs_17, 2, 3, 13, 11, 29, 17, 1, 0, 0, 0, 0)                                                    \
  X(rs_18, 1, 2, 5, 7, 9, 3, 1, 2, 0, 0, 0)                                                        \
  X(rs_19, 1, 2, 6, 5, 3, 11, 1, 1, 0, 0, 0)                                                       \
  X(rs_20, 1, 2, 6, 5, 1, 9, 1, 3, 0, 0, 0)                                                        \
  X(rs_21, 1, 1, 4, 4, 7, 3, 1, 4, 0, 0, 0)                                                        \
  X(rs_22, 1, 2, 8, 9, 5, 4, 1, 0, 0, 0.7, 0.5)                                                    \
  X(rs_23, 1, 3, 7, 9, 15, 20, 1, 0, 0, 0, 0)                                                      \
  X(rs_24, 1, 3, 20, 30, 41, 61, 1, 0, 0, 0, 0)                                                    \
  X(rs_25, 1, 1, 1, 1, 3, 2, 1, 0, 0, 0, 0)

#define DECLARE(name, ...) int name(const float *x, float *y);
CASES(DECLARE)

typedef struct rs_case {
  const char *name;
  int (*fn)(const float *, float *);
  int n, c, h, w, oh, ow, linear, coord, nearest;
  float scale_h, scale_w;
} rs_case;

#define ENTRY(name, ...) {#name, name, __VA_ARGS__},
static const rs_case cases[] = {CASES(ENTRY)};
static const char *const coord_names[] = {"half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel",
                                          "tf_half_pixel_for_nn"};
static const char *const nearest_names[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};

static long floor_div(long a, long b) { /* b > 0 */
  long q = a / b;
  return q * b > a ? q - 1 : q;
}

static long clampl(long i, long l) { return i < 0 ? 0 : i >= l ? l - 1 : i; }

/* The input coordinate of output coordinate o as a fraction *num / *den
 * (no given scale) or a double (scale != 0; *den is then 0). */
static double coord_of(int mode, long o, long l, long m, float scale, long *num, long *den) {
  *den = 0;
  if (mode == 2) {
    *num = m == 1 ? 0 : o * (l - 1);
    *den = m == 1 ? 1 : m - 1;
    return (double)*num / (double)*den;
  }
  if (mode == 3 && m == 1) {
    *num = 0;
    *den = 1;
    return 0;
  }
  if (scale == 0) {
    switch (mode) {
    case 0:
    case 3: *num = (2 * o + 1) * l - m, *den = 2 * m; break;
    case 1: *num = o * l, *den = m; break;
    default: *num = (2 * o + 1) * l, *den = 2 * m; break;
    }
    return (double)*num / (double)*den;
  }
  double s = scale;
  switch (mode) {
  case 0:
  case 3: return (o + 0.5) / s - 0.5;
  case 1: return o / s;
  default: return (o + 0.5) / s;
  }
}

static long nearest_of(int mode, double xo, long num, long den, long l) {
  long r;
  if (den) {
    long f = floor_div(num, den), rem2 = 2 * (num - f * den); /* 2 * fractional part * den */
    int half = rem2 == den;
    switch (mode) {
    case 0: r = half ? f : f + (rem2 > den); break;
    case 1: r = half ? f + 1 : f + (rem2 > den); break;
    case 2: r = f; break;
    default: r = f + (rem2 != 0); break;
    }
  } else {
    double f = floor(xo);
    int half = xo == f + 0.5;
    switch (mode) {
    case 0: r = (long)(half ? f : round(xo)); break;
    case 1: r = (long)(half ? f + 1 : round(xo)); break;
    case 2: r = (long)f; break;
    default: r = (long)ceil(xo); break;
    }
  }
  return clampl(r, l);
}

static int run(const rs_case *p) {
  size_t nx = (size_t)p->n * p->c * p->h * p->w, ny = (size_t)p->n * p->c * p->oh * p->ow;
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
  for (int nc = 0; nc < p->n * p->c; nc++)
    for (int oh = 0; oh < p->oh; oh++)
      for (int ow = 0; ow < p->ow; ow++) {
        long hn, hd, wn, wd;
        double fh = coord_of(p->coord, oh, p->h, p->oh, p->scale_h, &hn, &hd);
        double fw = coord_of(p->coord, ow, p->w, p->ow, p->scale_w, &wn, &wd);
        const float *plane = x.host + (size_t)nc * p->h * p->w;
        double v;
        if (p->linear) {
          double h0 = floor(fh), w0 = floor(fw), lh = fh - h0, lw = fw - w0;
          long ih0 = clampl((long)h0, p->h), ih1 = clampl((long)h0 + 1, p->h);
          long iw0 = clampl((long)w0, p->w), iw1 = clampl((long)w0 + 1, p->w);
          v = (1 - lh) * ((1 - lw) * plane[ih0 * p->w + iw0] + lw * plane[ih0 * p->w + iw1]) +
              lh * ((1 - lw) * plane[ih1 * p->w + iw0] + lw * plane[ih1 * p->w + iw1]);
        } else {
          long ih = nearest_of(p->nearest, fh, hn, hd, p->h), iw = nearest_of(p->nearest, fw, wn, wd, p->w);
          v = plane[ih * p->w + iw];
        }
        ref[((size_t)nc * p->oh + oh) * p->ow + ow] = v;
      }
  char size[200];
  snprintf(size, sizeof size, "%s x%dx%dx%dx%d y%dx%d %s %s%s%s scales %g,%g", p->name, p->n, p->c, p->h, p->w,
           p->oh, p->ow, p->linear ? "linear" : "nearest", coord_names[p->coord], p->linear ? "" : " ",
           p->linear ? "" : nearest_names[p->nearest], p->scale_h, p->scale_w);
  int bad = drv_report("resize2d[" DRV_TARGET "]", size, drv_relative_error(y.host, ref, ny),
                       p->linear ? 1e-6 : 0, t, 0);
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
