/* vcopy_misaligned_main.c: drives test/lit/host/vcopy-misaligned.hdt. */
#include "host_check.h"

#include "hdt_errors.h"

int global_off(int32_t off, const float *x, float *y);
int shared_off(int32_t off, const float *x, float *y);
int local_off(int32_t off, const float *x, float *y);
int whole(const float *x, float *y);
int through_fn(const float *x, float *y);

/* y[off .. off + 3] copied when aligned, else left NaN; y[32 ..] copied by
 * the other threads either way. */
static void run_global(int32_t off, int status) {
  float *x = chk_random_floats(64, -1, 1), *y = chk_poisoned_floats(64);
  double want[64];
  for (int i = 0; i < 64; i++)
    want[i] = i >= 32 && i != 36 ? x[i] : status == 0 && i >= off && i < off + 4 ? x[i] : NAN;
  chk_status("global_off", global_off(off, x, y), status);
  int shown = 0;
  for (int i = 0; i < 64; i++)
    if (isnan(want[i]) ? !isnan(y[i]) : y[i] != want[i])
      chk_fail("global_off", (size_t)i, y[i], want[i], &shown);
  free(x), free(y);
}

/* The shared array keeps its -1s where the copy faulted. */
static void run_shared(int32_t off, int status) {
  float *x = chk_random_floats(64, 1, 2), *y = chk_poisoned_floats(64);
  double want[64];
  for (int i = 0; i < 64; i++)
    want[i] = status == 0 && i >= off && i < off + 4 ? x[i] : -1;
  chk_status("shared_off", shared_off(off, x, y), status);
  chk_close("shared_off", y, want, 64, 0);
  free(x), free(y);
}

static void run_local(int32_t off, int status) {
  float *x = chk_random_floats(8, 1, 2), *y = chk_poisoned_floats(8);
  double want[8];
  for (int i = 0; i < 8; i++)
    want[i] = status == 0 && i >= off && i < off + 2 ? x[i - off] : -1;
  chk_status("local_off", local_off(off, x, y), status);
  chk_close("local_off", y, want, 8, 0);
  free(x), free(y);
}

int main(void) {
  chk_seed("vcopy-misaligned");
  run_global(4, 0);
  run_global(8, 0);
  run_global(1, HDT_ERR_MISALIGNED);
  run_global(6, HDT_ERR_MISALIGNED);
  run_shared(12, 0);
  run_shared(2, HDT_ERR_MISALIGNED);
  run_local(6, 0);
  run_local(1, HDT_ERR_MISALIGNED);
  /* the tensors' own pointers: 16-byte aligned, then 4 bytes past that */
  float *x = chk_random_floats(8, -1, 1), *y = chk_poisoned_floats(8);
  chk_status("whole (aligned)", whole(x, y), 0);
  chk_status("whole (x misaligned)", whole(x + 1, y + 4), HDT_ERR_MISALIGNED);
  if (!isnan(y[4]))
    chk_fail("whole: y written by a faulting copy", 4, y[4], NAN, &(int){0});
  chk_status("through_fn (aligned)", through_fn(x, y), 0);
  if (y[3] != x[3])
    chk_fail("through_fn: the copy", 3, y[3], x[3], &(int){0});
  chk_status("through_fn (y misaligned)", through_fn(x, y + 1), HDT_ERR_MISALIGNED);
  free(x), free(y);
  return chk_done();
}
