/* large_offsets_main.c: drives test/lit/host/large-offsets.hdt: a 2.3 GB
 * tensor mapped lazily (only the pages written cost memory), and a grid
 * computed from n = 2^31 - 1. */
#define _DEFAULT_SOURCE
#include <sys/mman.h>

#include "host_check.h"

int last_col(int32_t rows, int32_t cols, const uint8_t *x, uint8_t *y);
int ones(int32_t n, int32_t *out);

enum { ROWS = 70000, COLS = 32768, WRITTEN = 64 };

int main(int argc, char **argv) {
  (void)argc;
  chk_seed(argv[0]);
  size_t bytes = (size_t)ROWS * COLS;
  uint8_t *x = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (x == MAP_FAILED) {
    puts("driver: cannot map 2.3 GB of address space");
    return 2;
  }
  uint8_t *y = chk_alloc(ROWS, 1);
  int64_t *got = chk_alloc(ROWS, sizeof *got), *want = chk_alloc(ROWS, sizeof *want);
  /* Random rows, always including the last one (its offset is the largest). */
  for (int i = 0; i < WRITTEN; i++) {
    int r = i == 0 ? ROWS - 1 : chk_int(0, ROWS - 1);
    x[(size_t)r * COLS + COLS - 1] = (uint8_t)chk_int(1, 255);
  }
  memset(y, 0xab, ROWS);
  chk_status("last_col", last_col(ROWS, COLS, x, y), 0);
  for (size_t r = 0; r < ROWS; r++) {
    got[r] = y[r];
    want[r] = x[r * COLS + COLS - 1];
  }
  chk_equal_i64("last_col (x[r, cols - 1] past 2^31 elements)", got, want, ROWS);

  int32_t out[128] = {0};
  int64_t out_got[128], out_want[128];
  chk_status("ones(2^31 - 1)", ones(INT32_MAX, out), 0);
  for (int i = 0; i < 128; i++) {
    out_got[i] = out[i];
    out_want[i] = 1;
  }
  chk_equal_i64("ones (128 blocks)", out_got, out_want, 128);
  munmap(x, bytes);
  free(y);
  free(got);
  free(want);
  return chk_done();
}
