/* link_main.c: drives test/lit/host/link.hdt: two generated files in one
 * program, and the entry points' status codes. */
#include "host_check.h"

int fill_rows(int32_t rows, float *y);
int scale_cols(int32_t cols, float *y);
int triple(int32_t n, float *y);

int main(int argc, char **argv) {
  (void)argc;
  chk_seed(argv[0]);
  int32_t rows = chk_int(1, 500), n = chk_int(1, 5000);
  float *a = chk_poisoned_floats((size_t)rows * 8), *b = chk_poisoned_floats((size_t)n);
  double *wa = chk_alloc((size_t)rows * 8, sizeof *wa), *wb = chk_alloc((size_t)n, sizeof *wb);
  chk_status("fill_rows", fill_rows(rows, a), 0);
  chk_status("triple", triple(n, b), 0);
  for (int32_t r = 0; r < rows; r++)
    for (int c = 0; c < 8; c++)
      wa[r * 8 + c] = 2.0 * r + c;
  for (int32_t i = 0; i < n; i++)
    wb[i] = 3.0 * i;
  chk_close("fill_rows (helper doubles)", a, wa, (size_t)rows * 8, 0);
  chk_close("triple (its own helper triples)", b, wb, (size_t)n, 0);

  /* Grid dimensions: x up to 2^31 - 1, y and z up to 65535, as CUDA. */
  /* A negative size is an error (HDT_ERR_NEGATIVE_SIZE, 2001), not an empty grid. */
  chk_status("fill_rows(-1): negative size", fill_rows(-1, a), 2001);
  chk_status("fill_rows(0): empty grid", fill_rows(0, a), 0);
  chk_status("fill_rows(0, NULL): empty tensor may be NULL", fill_rows(0, NULL), 0);
  chk_status("fill_rows(1, NULL): NULL tensor (HDT_ERR_NULL_POINTER)", fill_rows(1, NULL), 2002);
  float *c = chk_poisoned_floats(65535);
  chk_status("scale_cols(65536): grid y too large", scale_cols(65536, c), 9);
  double *wc = chk_alloc(65535, sizeof *wc);
  for (int32_t i = 0; i < 65535; i++)
    wc[i] = 2.0 * i;
  chk_status("scale_cols(65535)", scale_cols(65535, c), 0);
  chk_close("scale_cols", c, wc, 65535, 0);
  free(a), free(b), free(c), free(wa), free(wb), free(wc);
  return chk_done();
}
