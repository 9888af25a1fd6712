/* f16_driver.h: what the drivers of the f16 templates (matmul_f16_main.c,
 * conv_f16_main.c) add to examples/driver.h: f16 buffers, the conversions
 * between f16 bits and f32/f64, and the check of an f16 output against a
 * double-precision reference with a tolerance per element.
 *
 * The conversions are written here, independently of the runtime's
 * (hdt_host.h), so that the test also checks those: the inputs are encoded
 * by f16_from_f32 and the reference decodes them with f16_to_f64, while the
 * kernel decodes them with the runtime's conversion.
 *
 * The f16 buffers are driver.h's 16-bit buffers (hbuf). */
#ifndef HDT_TEST_F16_DRIVER_H
#define HDT_TEST_F16_DRIVER_H

#include "driver.h"

#ifdef HDT_BF16
/* -DHDT_BF16: the 16-bit type is bfloat16 (matmul_bf16_tc.test); the
 * names stay f16_*, the codec and the tolerance's relative term change. */
#define F16_NAN_BITS 0x7fc0u /* the quiet NaN that poisons outputs */

/* f32 -> bf16: the top 16 bits, rounded to nearest even on the rest (an
 * overflow carries into the exponent: to infinity, as IEEE); NaNs quiet. */
static uint16_t f16_from_f32(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  if (isnan(f))
    return (uint16_t)((u >> 16) | 0x40u);
  uint32_t rest = u & 0xffffu, up = rest > 0x8000u || (rest == 0x8000u && (u >> 16 & 1));
  return (uint16_t)((u >> 16) + up);
}

/* bf16 -> f64, exact (the bits are an f32's top half). */
static double f16_to_f64(uint16_t h) {
  uint32_t u = (uint32_t)h << 16;
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}
#else
#define F16_NAN_BITS 0x7e00u /* the quiet NaN that poisons outputs */

/* f32 -> f16, rounded once to nearest, ties to even; subnormals, overflow
 * to infinity (at 65520 and above, what rounds past 65504), infinities and
 * NaNs as IEEE. The rounding is done in double, where every step is exact:
 * a / q scales by a power of two, rint() rounds to nearest even (the
 * default rounding mode). */
static uint16_t f16_from_f32(float f) {
  uint16_t sign = signbit(f) ? 0x8000u : 0;
  double a = fabs((double)f);
  if (isnan(f))
    return (uint16_t)(sign | F16_NAN_BITS);
  if (a >= 65520.0) /* includes infinity */
    return (uint16_t)(sign | 0x7c00u);
  if (a == 0.0)
    return sign;
  int e; /* a = m * 2^e, m in [0.5, 1) */
  frexp(a, &e);
  int qe = (e - 1 > -14 ? e - 1 : -14) - 10; /* the f16 quantum at a: 2^qe */
  double v = rint(ldexp(a, -qe));            /* a in quanta, rounded: an integer <= 2048 */
  if (qe == -24)                             /* subnormal (or 2^-14 = 1024 quanta, bits 0x400) */
    return (uint16_t)(sign | (uint16_t)v);
  /* normal: v in [1024, 2048]; 2048 is the next binade's 1024 */
  if (v == 2048.0) {
    v = 1024.0;
    qe++;
  }
  int biased = qe + 10 + 15; /* the exponent of the value v * 2^qe, in [1, 31] */
  if (biased >= 31)
    return (uint16_t)(sign | 0x7c00u);
  return (uint16_t)(sign | (uint16_t)(biased << 10) | (uint16_t)((int)v - 1024));
}

/* f16 -> f64, exact. */
static double f16_to_f64(uint16_t h) {
  int exp = (h >> 10) & 31, man = h & 1023;
  double v;
  if (exp == 0)
    v = ldexp((double)man, -24);
  else if (exp == 31)
    v = man ? NAN : INFINITY;
  else
    v = ldexp((double)(1024 + man), exp - 25);
  return (h & 0x8000u) ? -v : v;
}

#endif /* HDT_BF16 */

/* f16 NaN everywhere: what the kernel does not write stays NaN. */
static void hbuf_poison(hbuf *b) {
  for (size_t i = 0; i < b->n; i++)
    b->host[i] = F16_NAN_BITS;
  hbuf_upload(b);
}

/* Fresh uniform values in [-1, 1), rounded to f16. Returns the largest
 * magnitude of the f16 values. */
static double hbuf_random(hbuf *b) {
  double mx = 0;
  for (size_t i = 0; i < b->n; i++) {
    b->host[i] = f16_from_f32(drv_uniform());
    double v = fabs(f16_to_f64(b->host[i]));
    mx = v > mx ? v : mx;
  }
  hbuf_upload(b);
  return mx;
}

/* The tolerance of an output whose exact value (from the f16 inputs) is
 * REF, the sum of TERMS products (a bias counts as one) of magnitude at
 * most PMAX, accumulated in f32 and rounded to f16 once:
 *
 *   |y - ref| <= F16_REL * |ref| + F16_ABS * sqrt(TERMS) * PMAX + 2^-24
 *
 * F16_REL = 1e-3 covers the one rounding to f16, at most 2^-11 = 4.9e-4 of
 * the value, twice over; F16_ABS * sqrt(TERMS) * PMAX covers the f32
 * accumulation (the products of f16 values are exact in f32; rounding
 * errors of 2^-24 of the partial sums, which grow as sqrt(TERMS) * PMAX
 * for random signs, add up to about 2^-24 * TERMS * PMAX, well under
 * 1e-5 * sqrt(TERMS) * PMAX for the sizes here) and how it moves the
 * rounding to f16; 2^-24 is the spacing of f16's subnormals. An f16
 * accumulation instead would be off by about 2^-12 * TERMS * PMAX / 3
 * and fails. */
#ifdef HDT_BF16
#define F16_REL 8e-3 /* bf16's rounding, 2^-8 = 3.9e-3 of the value, twice over */
#else
#define F16_REL 1e-3
#endif
#define F16_ABS 1e-5

/* The largest |y - ref| / tolerance over the N outputs (at most 1 passes);
 * infinity when an output is NaN or infinite (the poison left in place).
 * With HDT_DUMP set, the output is also appended to the dump as floats
 * (drv_dump in driver.h), so that host and CUDA runs compare. */
static double f16_check(const uint16_t *y, const double *ref, size_t n, int terms, double pmax) {
  float *yf = malloc((n ? n : 1) * sizeof *yf);
  if (!yf)
    drv_die("out of memory");
  for (size_t i = 0; i < n; i++)
    yf[i] = (float)f16_to_f64(y[i]);
  drv_dump(yf, n);
  free(yf);
  double abs_tol = F16_ABS * sqrt((double)terms) * pmax + ldexp(1.0, -24), worst = 0;
  for (size_t i = 0; i < n; i++) {
    double v = f16_to_f64(y[i]);
    if (!isfinite(v))
      return INFINITY;
    double r = fabs(v - ref[i]) / (F16_REL * fabs(ref[i]) + abs_tol);
    worst = r > worst ? r : worst;
  }
  return worst;
}

/* Prints one result line, with RATIO from f16_check (the largest error as
 * a fraction of its tolerance); returns 1 when the check failed. */
static int f16_report(const char *kernel, const char *size, double ratio, double seconds, double flops) {
  int bad = !(ratio <= 1.0);
  printf("%s %s: error %.3g of its tolerance (%.0e |ref| + %.0e sqrt(terms) max|product| + 2^-24) %s, %.3f ms",
         kernel, size, ratio, F16_REL, F16_ABS, bad ? "FAIL" : "ok", seconds * 1e3);
  if (flops > 0 && seconds > 0)
    printf(", %.2f GFLOP/s", flops / seconds * 1e-9);
  printf("\n");
  if (drv_bench_done)
    printf("bench: %s %s median_ms=%.6f min_ms=%.6f max_ms=%.6f reps=%d\n", kernel, size, seconds * 1e3,
           drv_bench_min * 1e3, drv_bench_max * 1e3, drv_bench_done);
  return bad;
}

#endif
