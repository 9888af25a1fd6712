/* host_check.h: what the drivers of the numerical host-target tests share.
 *
 * Each test compiles a kernel with `hdtc --target=host`, links it with one of
 * these drivers and runs it on fresh random inputs: the seed comes from the
 * clock and is printed (rerun with HDT_SEED=<seed> to repeat a failure).
 * Outputs are filled with NaN (or a sentinel) before the kernel runs, so an
 * element the kernel fails to write is an error, and results are compared
 * with a reference computed here in double precision. A driver exits with
 * status 1 on any mismatch, after printing the first few. */
#ifndef HOST_CHECK_H
#define HOST_CHECK_H

#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t chk_state;
static int chk_failures;

static inline void chk_seed(const char *name) {
  const char *s = getenv("HDT_SEED");
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  chk_state = s ? strtoull(s, NULL, 10) : (uint64_t)ts.tv_sec * 1000003u ^ (uint64_t)ts.tv_nsec;
  if (chk_state == 0)
    chk_state = 1;
  printf("%s: seed %llu (rerun with HDT_SEED=%llu)\n", name, (unsigned long long)chk_state,
         (unsigned long long)chk_state);
}

/* xorshift64* */
static inline uint64_t chk_next(void) {
  chk_state ^= chk_state >> 12;
  chk_state ^= chk_state << 25;
  chk_state ^= chk_state >> 27;
  return chk_state * 0x2545F4914F6CDD1DULL;
}

static inline double chk_uniform(double lo, double hi) { /* in [lo, hi) */
  return lo + (hi - lo) * (double)(chk_next() >> 11) / 9007199254740992.0;
}

static inline int chk_int(int lo, int hi) { /* in [lo, hi] */
  return (int)((int64_t)lo + (int64_t)(chk_next() % (uint64_t)((int64_t)hi - lo + 1)));
}

static inline void *chk_alloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size);
  if (!p) {
    fputs("driver: out of memory\n", stderr);
    exit(2);
  }
  return p;
}

static inline float *chk_random_floats(size_t n, double lo, double hi) {
  float *p = chk_alloc(n, sizeof *p);
  for (size_t i = 0; i < n; i++)
    p[i] = (float)chk_uniform(lo, hi);
  return p;
}

static inline float *chk_poisoned_floats(size_t n) {
  float *p = chk_alloc(n, sizeof *p);
  for (size_t i = 0; i < n; i++)
    p[i] = NAN;
  return p;
}

/* Reports a mismatch (the first few of each check in full). */
static inline void chk_fail(const char *what, size_t i, double got, double want, int *shown) {
  chk_failures++;
  if ((*shown)++ < 5)
    printf("MISMATCH %s[%zu]: got %.9g, want %.9g\n", what, i, got, want);
}

/* |got - want| <= tol * max(1, |want|) everywhere; NaN never passes, equal
 * infinities do. */
static inline void chk_close(const char *what, const float *got, const double *want, size_t n, double tol) {
  int shown = 0;
  for (size_t i = 0; i < n; i++) {
    double g = got[i], w = want[i];
    bool ok = (isinf(w) && g == w) || fabs(g - w) <= tol * (fabs(w) > 1 ? fabs(w) : 1);
    if (!ok)
      chk_fail(what, i, g, w, &shown);
  }
  printf("%s: %zu values checked\n", what, n);
}

static inline void chk_equal_i64(const char *what, const int64_t *got, const int64_t *want, size_t n) {
  int shown = 0;
  for (size_t i = 0; i < n; i++)
    if (got[i] != want[i])
      chk_fail(what, i, (double)got[i], (double)want[i], &shown);
  printf("%s: %zu values checked\n", what, n);
}

static inline void chk_status(const char *what, int got, int want) {
  if (got != want) {
    chk_failures++;
    printf("MISMATCH %s: returned %d, want %d\n", what, got, want);
  }
}

static inline int chk_done(void) {
  if (chk_failures)
    printf("FAILED: %d mismatches\n", chk_failures);
  else
    printf("PASSED\n");
  return chk_failures ? 1 : 0;
}

#endif
