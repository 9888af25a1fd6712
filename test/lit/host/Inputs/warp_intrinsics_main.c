/* warp_intrinsics_main.c: drives test/lit/host/warp-intrinsics.hdt. The
 * reference runs each warp lane by lane with the host target's rules (those
 * of Inputs/warp_main.c): the low 5 bits of a lane or delta count; a source
 * lane outside the warp or past the end of the block gives the lane its own
 * value; a vote counts the lanes of the warp that the block has. */
#include "host_check.h"
#include "hdt_host.h"

enum { T = 96 };

int scan(int32_t n, const int32_t *x, int32_t *o);
int broadcast(int32_t n, int32_t src, const float *x, float *a, double *b);
int votes(int32_t n, const float *x, uint32_t *bal, int32_t *flags);
int halves(int32_t n, const hdt_f16 *h, const hdt_bf16 *g, hdt_f16 *ho, hdt_bf16 *go);

static int src_idx(int t, int lane) {
  int s = (t & ~31) | (lane & 31);
  return s < T ? s : t;
}

static int src_xor(int t, int mask) {
  int s = (t & ~31) | ((t & 31) ^ (mask & 31));
  return s < T ? s : t;
}

static int src_down(int t, int delta) { return (t & 31) + delta < 32 && t + delta < T ? t + delta : t; }

static void check_i64(const char *what, int32_t n, const int64_t *got, const int64_t *want) {
  char buf[64];
  snprintf(buf, sizeof buf, "%s n=%d", what, n);
  chk_equal_i64(buf, got, want, (size_t)n);
}

static void run_scan(int32_t n) {
  int32_t *x = chk_alloc((size_t)n, sizeof *x), *o = chk_alloc((size_t)n, sizeof *o);
  int64_t *got = chk_alloc((size_t)n, sizeof *got), *want = chk_alloc((size_t)n, sizeof *want);
  for (int32_t i = 0; i < n; i++)
    x[i] = chk_int(-1000, 1000);
  chk_status("scan", scan(n, x, o), 0);
  /* inclusive prefix sum within each warp; lanes past n hold 0 */
  for (int32_t i = 0; i < n; i++) {
    int32_t warp0 = i / T * T + (i % T) / 32 * 32;
    int64_t s = 0;
    for (int32_t j = warp0; j <= i; j++)
      s += x[j];
    want[i] = s, got[i] = o[i];
  }
  check_i64("scan (shfl_up)", n, got, want);
  free(x), free(o), free(got), free(want);
}

static void run_broadcast(int32_t n) {
  float *x = chk_random_floats((size_t)n, -1, 1), *a = chk_poisoned_floats((size_t)n);
  double *b = chk_alloc((size_t)n, sizeof *b);
  int32_t src = chk_int(0, 31);
  chk_status("broadcast", broadcast(n, src, x, a, b), 0);
  double *wa = chk_alloc((size_t)n, sizeof *wa);
  int shown = 0;
  for (int32_t i = 0; i < n; i++) {
    int32_t blk = i / T * T, t = i % T;
    int sa = src_idx(t, src), sb = src_idx(t, (t * 7 + 3) % 32);
    wa[i] = blk + sa < n ? x[blk + sa] : 0.0;
    double wb = blk + sb < n ? (double)x[blk + sb] : 0.0;
    if (b[i] != wb)
      chk_fail("broadcast f64 (shfl_idx per lane)", (size_t)i, b[i], wb, &shown);
  }
  char what[64];
  snprintf(what, sizeof what, "broadcast (shfl_idx lane %d) n=%d", src, n);
  chk_close(what, a, wa, (size_t)n, 0.0);
  free(x), free(a), free(b), free(wa);
}

static void run_votes(int32_t n) {
  float *x = chk_random_floats((size_t)n, -1, 1);
  /* some warps all above -0.9, some with a lane above 0.9, some neither */
  for (int32_t i = 0; i < n; i++)
    if ((i / 32) % 3 == 0)
      x[i] = (float)chk_uniform(-0.85, 0.85);
  uint32_t *bal = chk_alloc((size_t)n, sizeof *bal);
  int32_t *flags = chk_alloc((size_t)n, sizeof *flags);
  chk_status("votes", votes(n, x, bal, flags), 0);
  int64_t *got = chk_alloc((size_t)n, sizeof *got), *want = chk_alloc((size_t)n, sizeof *want);
  int64_t *gotf = chk_alloc((size_t)n, sizeof *gotf), *wantf = chk_alloc((size_t)n, sizeof *wantf);
  for (int32_t i = 0; i < n; i++) {
    int32_t blk = i / T * T, w0 = (i % T) / 32 * 32;
    uint32_t bits = 0;
    bool any = false, all = true;
    for (int l = 0; l < 32 && w0 + l < T; l++) {
      int32_t j = blk + w0 + l;
      float v = j < n ? x[j] : 0.0f;
      bits |= (uint32_t)(v > 0.0f) << l;
      any |= v > 0.9f;
      all &= v > -0.9f;
    }
    want[i] = bits, got[i] = bal[i];
    wantf[i] = any + 2 * all, gotf[i] = flags[i];
  }
  check_i64("ballot", n, got, want);
  check_i64("warp_any + 2 warp_all", n, gotf, wantf);
  free(x), free(bal), free(flags), free(got), free(want), free(gotf), free(wantf);
}

static void run_halves(int32_t n) {
  hdt_f16 *h = chk_alloc((size_t)n, sizeof *h), *ho = chk_alloc((size_t)n, sizeof *ho);
  hdt_bf16 *g = chk_alloc((size_t)n, sizeof *g), *go = chk_alloc((size_t)n, sizeof *go);
  for (int32_t i = 0; i < n; i++) {
    h[i] = hdt_f32_to_f16((float)chk_uniform(-100, 100));
    g[i] = hdt_f32_to_bf16((float)chk_uniform(-100, 100));
  }
  chk_status("halves", halves(n, h, g, ho, go), 0);
  int64_t *got = chk_alloc((size_t)n, sizeof *got), *want = chk_alloc((size_t)n, sizeof *want);
  int64_t *gotb = chk_alloc((size_t)n, sizeof *gotb), *wantb = chk_alloc((size_t)n, sizeof *wantb);
  for (int32_t i = 0; i < n; i++) {
    int32_t blk = i / T * T, t = i % T;
    int sx = src_xor(t, 5), sd = src_down(t, 3);
    want[i] = blk + sx < n ? h[blk + sx] : 0, got[i] = ho[i];
    wantb[i] = blk + sd < n ? g[blk + sd] : 0, gotb[i] = go[i];
  }
  check_i64("f16 shfl_xor (bits)", n, got, want);
  check_i64("bf16 shfl_down (bits)", n, gotb, wantb);
  free(h), free(ho), free(g), free(go), free(got), free(want), free(gotb), free(wantb);
}

int main(void) {
  chk_seed("warp-intrinsics");
  int32_t sizes[] = {1, 31, 33, 48, 70, 1000, 4801};
  for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
    run_scan(sizes[k]);
    run_broadcast(sizes[k]);
    run_votes(sizes[k]);
    run_halves(sizes[k]);
  }
  return chk_done();
}
