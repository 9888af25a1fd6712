/* atomic_main.c: drives test/lit/host/atomic.hdt. */
#include "host_check.h"

int tickets(int32_t n, int32_t *count, int32_t *order, float *total, double *total64, uint64_t *big);
int histogram(int32_t n, const int32_t *x, int32_t *bins);

static void run(int32_t n) {
  int32_t count = 0;
  float total = 0;
  double total64 = 0;
  uint64_t big = 0;
  int32_t *order = chk_alloc((size_t)n, sizeof *order);
  for (int32_t i = 0; i < n; i++)
    order[i] = -1;
  chk_status("tickets", tickets(n, &count, order, &total, &total64, &big), 0);
  char *seen = chk_alloc((size_t)n, 1);
  int shown = 0;
  double want_total = 0, want_total64 = 0;
  for (int32_t i = 0; i < n; i++) {
    if (order[i] < 0 || order[i] >= n || seen[order[i]])
      chk_fail("tickets order", (size_t)i, order[i], -1, &shown);
    else
      seen[order[i]] = 1;
    want_total += i % 8;
    want_total64 += (i % 5) * 0.5;
  }
  if (count != n)
    chk_fail("tickets count", 0, count, n, &shown);
  if (total != want_total)
    chk_fail("tickets total", 0, total, want_total, &shown);
  if (total64 != want_total64)
    chk_fail("tickets total64", 0, total64, want_total64, &shown);
  if (big != (uint64_t)n << 33)
    chk_fail("tickets big", 0, (double)big, (double)((uint64_t)n << 33), &shown);
  printf("tickets n=%d: %d tickets checked\n", n, n);

  int32_t *x = chk_alloc((size_t)n, sizeof *x), bins[16] = {0}, want[16] = {0};
  for (int32_t i = 0; i < n; i++) {
    x[i] = chk_int(0, 1000);
    want[x[i] % 16]++;
  }
  chk_status("histogram", histogram(n, x, bins), 0);
  for (int b = 0; b < 16; b++)
    if (bins[b] != want[b])
      chk_fail("histogram", (size_t)b, bins[b], want[b], &shown);
  printf("histogram n=%d: 16 bins checked\n", n);
  free(order), free(seen), free(x);
}

int main(int argc, char **argv) {
  (void)argc;
  chk_seed(argv[0]);
  const int32_t sizes[] = {1, 127, 128, 1000, 65537, 300001};
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
    run(sizes[i]);
  run(chk_int(1, 100000));
  return chk_done();
}
