/* warp_main.c: drives test/lit/host/warp.hdt. The reference runs the
 * kernels' shuffles lane by lane with the host target's rules: the low 5
 * bits of the mask or delta count; a source lane past the end of the warp
 * (shfl_down) or of the block gives the lane its own value. */
#include "host_check.h"

int warp_sums(int32_t n, const float *x, float *a, float *b);
int shuffle_mix(int32_t n, const double *x, const int32_t *k, double *y, int32_t *z);
int nested(int32_t n, const float *x, float *y);

/* The source of lane t's shuffle in a block of `threads` threads. */
static int src_xor(int t, int mask, int threads) {
  int s = (t & ~31) | ((t & 31) ^ (mask & 31));
  return s < threads ? s : t;
}

static int src_down(int t, int delta, int threads) {
  return (t & 31) + delta < 32 && t + delta < threads ? t + delta : t;
}

static void run_warp_sums(int32_t n) {
  enum { T = 96 };
  float *x = chk_random_floats((size_t)n, -1, 1);
  float *a = chk_poisoned_floats((size_t)n), *b = chk_poisoned_floats((size_t)n);
  chk_status("warp_sums", warp_sums(n, x, a, b), 0);
  double *wa = chk_alloc((size_t)n, sizeof *wa), *wb = chk_alloc((size_t)n, sizeof *wb);
  for (int32_t blk = 0; blk * T < n; blk++) {
    double s[T], d[T], t[T];
    for (int l = 0; l < T; l++)
      s[l] = d[l] = blk * T + l < n ? x[blk * T + l] : 0.0;
    for (int o = 16; o > 0; o /= 2) {
      for (int l = 0; l < T; l++)
        t[l] = s[l] + s[src_xor(l, o, T)];
      memcpy(s, t, sizeof s);
    }
    for (int o = 16; o > 0; o /= 2) {
      for (int l = 0; l < T; l++)
        t[l] = d[l] + d[src_down(l, o, T)];
      memcpy(d, t, sizeof d);
    }
    for (int l = 0; l < T && blk * T + l < n; l++) {
      wa[blk * T + l] = s[l];
      wb[blk * T + l] = d[l];
    }
  }
  char what[64];
  snprintf(what, sizeof what, "warp_sums xor n=%d", n);
  chk_close(what, a, wa, (size_t)n, 1e-5);
  snprintf(what, sizeof what, "warp_sums down n=%d", n);
  chk_close(what, b, wb, (size_t)n, 1e-5);
  free(x), free(a), free(b), free(wa), free(wb);
}

static void run_shuffle_mix(int32_t n) {
  enum { T = 64 };
  double *x = chk_alloc((size_t)n, sizeof *x), *y = chk_alloc((size_t)n, sizeof *y);
  int32_t *k = chk_alloc((size_t)n, sizeof *k), *z = chk_alloc((size_t)n, sizeof *z);
  for (int32_t i = 0; i < n; i++) {
    x[i] = chk_uniform(-1, 1);
    k[i] = chk_int(-1000000, 1000000);
    y[i] = NAN;
    z[i] = INT32_MIN;
  }
  chk_status("shuffle_mix", shuffle_mix(n, x, k, y, z), 0);
  int shown_y = 0, shown_z = 0;
  for (int32_t i = 0; i < n; i++) {
    int l = i % T, base = i - l;
    int s1 = base + src_xor(l, 1, T), s2 = base + src_xor(l, 2, T);
    double v1 = s1 < n ? x[s1] : 0.0, v2 = s2 < n ? x[s2] : 0.0; /* threads past n offer 0 */
    int sx = base + (n > 100 ? src_down(l, 3, T) : src_xor(l, 5, T));
    double want_y = v1 * 2.0 + v2;
    int32_t want_z = sx < n ? k[sx] : 0;
    if (n <= 100)
      want_z += 1;
    if (y[i] != want_y)
      chk_fail("shuffle_mix y", (size_t)i, y[i], want_y, &shown_y);
    if (z[i] != want_z)
      chk_fail("shuffle_mix z", (size_t)i, z[i], want_z, &shown_z);
  }
  printf("shuffle_mix n=%d: %d values checked\n", n, 2 * n);
  free(x), free(y), free(k), free(z);
}

static void run_nested(int32_t n) {
  enum { T = 32 };
  float *x = chk_random_floats((size_t)n, -1, 1);
  float *y = chk_poisoned_floats((size_t)n);
  chk_status("nested", nested(n, x, y), 0);
  double *want = chk_alloc((size_t)n, sizeof *want);
  for (int32_t i = 0; i < n; i++) {
    int l = i % T, base = i - l, j = base + src_xor(l, 4, T); /* the lane that offers to thread i */
    int d = base + src_down(j - base, 1, T);
    want[i] = (double)(d < n ? x[d] : 0.0f) + (j < n ? x[j] : 0.0f);
  }
  char what[64];
  snprintf(what, sizeof what, "nested n=%d", n);
  chk_close(what, y, want, (size_t)n, 1e-6);
  free(x), free(y), free(want);
}

int main(int argc, char **argv) {
  (void)argc;
  chk_seed(argv[0]);
  const int32_t sizes[] = {1, 47, 96, 100, 193, 1000, 4099};
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    run_warp_sums(sizes[i]);
    run_shuffle_mix(sizes[i] * 2 / 3 + 1);
    run_nested(sizes[i]);
  }
  run_warp_sums(chk_int(1, 20000));
  run_shuffle_mix(chk_int(1, 20000));
  return chk_done();
}
