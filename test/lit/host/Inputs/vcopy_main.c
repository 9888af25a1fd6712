/* vcopy_main.c: drives test/lit/host/vcopy.hdt. */
#include "host_check.h"

#include "hdt_host.h" /* hdt_f16 and its conversions */

int vec_f32(int32_t n, const float *x, float *y);
int vec_f16(int32_t n, const hdt_f16 *x, hdt_f16 *y);

/* y[i] = x[i] with its halves swapped. */
static void run_f32(int32_t n) {
  float *x = chk_random_floats((size_t)n * 8, -8, 8), *y = chk_poisoned_floats((size_t)n * 8);
  double *want = chk_alloc((size_t)n * 8, sizeof *want);
  for (size_t i = 0; i < (size_t)n * 8; i++)
    want[i] = x[i / 8 * 8 + (i % 8 + 4) % 8];
  chk_status("vec_f32", vec_f32(n, x, y), 0);
  chk_close("vec_f32", y, want, (size_t)n * 8, 0);
  free(x), free(y), free(want);
}

/* Also the halves swapped, as bits (f16 NaN payloads and -0 included),
 * then x[i, 8..15] again from the local array kept across the barrier. */
static void run_f16(int32_t n) {
  size_t len = (size_t)n * 24;
  hdt_f16 *x = chk_alloc((size_t)n * 16, sizeof *x), *y = chk_alloc(len, sizeof *y);
  for (size_t i = 0; i < (size_t)n * 16; i++)
    x[i] = (hdt_f16)chk_int(0, 0xffff);
  for (size_t i = 0; i < len; i++)
    y[i] = 0x7e01; /* a NaN: the poison */
  int64_t *got = chk_alloc(len, sizeof *got), *want = chk_alloc(len, sizeof *want);
  chk_status("vec_f16", vec_f16(n, x, y), 0);
  for (size_t i = 0; i < len; i++) {
    size_t row = i / 24, col = i % 24;
    got[i] = y[i];
    want[i] = x[row * 16 + (col < 16 ? (col + 8) % 16 : col - 8)];
  }
  chk_equal_i64("vec_f16", got, want, len);
  free(x), free(y), free(got), free(want);
}

int main(void) {
  chk_seed("vcopy");
  run_f32(64);
  run_f32(chk_int(1, 200));
  run_f16(32);
  run_f16(chk_int(1, 100));
  return chk_done();
}
