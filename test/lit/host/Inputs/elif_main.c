/* elif_main.c: drives the 2,500-arm else-if chain of
 * test/lit/host/else-if-chain.test (Inputs/deep.py elif 2500): out[i] is 7
 * for x == 0, 3x + 7 for 1 <= x < 2500, -1 otherwise. */
#include "host_check.h"

int pick(const int32_t *xs, int32_t *out);

int main(int argc, char **argv) {
  (void)argc;
  chk_seed(argv[0]);
  for (int round = 0; round < 8; round++) {
    int32_t xs[64], out[64];
    int64_t got[64], want[64];
    for (int i = 0; i < 64; i++) {
      xs[i] = i == 0 ? 0 : i == 1 ? 2499 : i == 2 ? 2500 : chk_int(-5, 2600);
      out[i] = -12345;
    }
    chk_status("pick", pick(xs, out), 0);
    for (int i = 0; i < 64; i++) {
      got[i] = out[i];
      want[i] = xs[i] == 0 ? 7 : xs[i] >= 1 && xs[i] < 2500 ? 3 * xs[i] + 7 : -1;
    }
    chk_equal_i64("pick", got, want, 64);
  }
  return chk_done();
}
