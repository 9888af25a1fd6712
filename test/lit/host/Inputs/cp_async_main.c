/* cp_async_main.c: drives test/lit/host/cp-async-pipeline.hdt. */
#include "host_check.h"

int pipeline(int32_t m, int32_t k, const float *x, float *out);
int visibility(const float *x, float *seen);

/* Every element of the padded tiles: x inside the matrix, 0 (the zero fill)
 * outside it. */
static void run_pipeline(int32_t m, int32_t k) {
  int32_t pm = (m + 15) / 16 * 16, pk = (k + 15) / 16 * 16;
  float *x = chk_random_floats((size_t)m * (size_t)k, -4, 4);
  float *out = chk_poisoned_floats((size_t)pm * (size_t)pk);
  double *want = chk_alloc((size_t)pm * (size_t)pk, sizeof *want);
  for (int32_t i = 0; i < pm; i++)
    for (int32_t j = 0; j < pk; j++)
      want[(size_t)i * (size_t)pk + (size_t)j] = i < m && j < k ? x[(size_t)i * (size_t)k + (size_t)j] : 0.0;
  chk_status("pipeline", pipeline(m, k, x, out), 0);
  char what[64];
  snprintf(what, sizeof what, "pipeline m=%d k=%d", m, k);
  chk_close(what, out, want, (size_t)pm * (size_t)pk, 0);
  free(x);
  free(out);
  free(want);
}

/* Row r of seen, thread t's four elements, as the kernel's comments say. */
static void run_visibility(void) {
  float *x = chk_random_floats(768, 1, 2);
  float *seen = chk_poisoned_floats(6 * 256);
  double want[6 * 256];
  for (int i = 0; i < 256; i++) {
    int t = i / 4;
    want[0 * 256 + i] = -1;                         /* before any wait */
    want[1 * 256 + i] = x[i];                       /* wait(1): group 0 done */
    want[2 * 256 + i] = -1;                         /* group 1 still pending */
    want[3 * 256 + i] = t % 2 == 0 ? x[256 + i] : 0; /* wait(0): done, zero fill */
    want[4 * 256 + i] = -1;                         /* not committed: not covered */
    want[5 * 256 + i] = x[512 + i];                 /* committed and waited for */
  }
  chk_status("visibility", visibility(x, seen), 0);
  chk_close("visibility", seen, want, 6 * 256, 0);
  free(x);
  free(seen);
}

int main(void) {
  chk_seed("cp_async");
  run_pipeline(37, 52);  /* 3 row blocks, 4 column tiles, the last with 4 of 16 columns */
  run_pipeline(1, 4);    /* one tile, one chunk in it */
  run_pipeline(16, 64);  /* whole tiles: nothing predicated off but the tiles past the end */
  for (int i = 0; i < 4; i++)
    run_pipeline(chk_int(1, 70), 4 * chk_int(1, 30));
  run_visibility();
  return chk_done();
}
