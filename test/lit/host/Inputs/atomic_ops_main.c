/* atomic_ops_main.c: drives test/lit/host/atomic-ops.hdt. */
#include "host_check.h"

int extremes(int32_t n, const int32_t *x, const uint64_t *u, const float *f, int32_t *mx, uint64_t *mu, float *mf);
int exchange(int32_t n, int32_t *slot, int32_t *old, int64_t *claim, int32_t *won);

static void run_extremes(int32_t n) {
  int32_t *x = chk_alloc((size_t)n, sizeof *x);
  uint64_t *u = chk_alloc((size_t)n, sizeof *u);
  float *f = chk_random_floats((size_t)n, -1e6, 1e6);
  int64_t got[6], want[6];
  int32_t mx[2] = {INT32_MIN, INT32_MAX};
  uint64_t mu[2] = {0, UINT64_MAX};
  float mf[2] = {-INFINITY, INFINITY};
  for (int32_t i = 0; i < n; i++) {
    x[i] = (int32_t)(chk_next() >> 32);
    u[i] = chk_next();
  }
  chk_status("extremes", extremes(n, x, u, f, mx, mu, mf), 0);
  int32_t wx[2] = {INT32_MIN, INT32_MAX};
  uint64_t wu[2] = {0, UINT64_MAX};
  float wf[2] = {-INFINITY, INFINITY};
  for (int32_t i = 0; i < n; i++) {
    wx[0] = x[i] > wx[0] ? x[i] : wx[0], wx[1] = x[i] < wx[1] ? x[i] : wx[1];
    wu[0] = u[i] > wu[0] ? u[i] : wu[0], wu[1] = u[i] < wu[1] ? u[i] : wu[1];
    wf[0] = f[i] > wf[0] ? f[i] : wf[0], wf[1] = f[i] < wf[1] ? f[i] : wf[1];
  }
  /* compared as bits (u64 max/min do not fit an i64 otherwise) */
  got[0] = mx[0], got[1] = mx[1], got[2] = (int64_t)(mu[0] ^ wu[0]), got[3] = (int64_t)(mu[1] ^ wu[1]);
  want[0] = wx[0], want[1] = wx[1], want[2] = 0, want[3] = 0;
  got[4] = mf[0] == wf[0], got[5] = mf[1] == wf[1], want[4] = want[5] = 1;
  char what[64];
  snprintf(what, sizeof what, "atomic_max/min i32 u64 f32 n=%d", n);
  chk_equal_i64(what, got, want, 6);
  free(x), free(u), free(f);
}

static void run_exchange(int32_t n) {
  int32_t slot = -7, *old = chk_alloc((size_t)n, sizeof *old), *won = chk_alloc((size_t)n, sizeof *won);
  int64_t claim = -1;
  chk_status("exchange", exchange(n, &slot, old, &claim, won), 0);
  /* every value in {-7, 0..n-1} appears once among the olds and the final slot */
  int32_t *seen = chk_alloc((size_t)n + 1, sizeof *seen);
  if (slot >= -7 && slot < n)
    seen[slot == -7 ? 0 : slot + 1]++;
  for (int32_t i = 0; i < n; i++)
    if (old[i] >= -7 && old[i] < n)
      seen[old[i] == -7 ? 0 : old[i] + 1]++;
  int64_t got[3] = {0, 0, 0}, want[3] = {n + 1, 1, 1};
  for (int32_t k = 0; k <= n; k++)
    got[0] += seen[k] == 1;
  int32_t winner = -1;
  for (int32_t i = 0; i < n; i++)
    if (won[i])
      got[1]++, winner = i;
  got[2] = claim == winner;
  char what[64];
  snprintf(what, sizeof what, "atomic_exch/atomic_cas n=%d", n);
  chk_equal_i64(what, got, want, 3);
  free(old), free(won), free(seen);
}

int main(void) {
  chk_seed("atomic-ops");
  int32_t sizes[] = {1, 100, 4097, 100000};
  for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
    run_extremes(sizes[k]);
    run_exchange(sizes[k]);
  }
  return chk_done();
}
