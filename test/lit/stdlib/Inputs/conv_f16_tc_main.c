/* conv_f16_tc_main.c: conv_f16_main.c's driver, reference and tolerance for
 * instances of conv2d_f16_tc (stdlib/conv_f16_tc.hdt), the implicit GEMM on
 * the tensor cores, with this table of cases (conv_f16_tc.test compiles
 * exactly these generic values). */
#define CV_KERNEL "conv2d_f16_tc"
/* name, N, C, H, W, K, R, S, OH, OW, SH, SW, PH, PW, DH, DW, GROUPS */
#define CASES(X) \
  X(cvtc_0, 2, 5, 7, 9, 11, 1, 1, 7, 9, 1, 1, 0, 0, 1, 1, 1) \
  X(cvtc_1, 1, 3, 17, 15, 20, 3, 3, 17, 15, 1, 1, 1, 1, 1, 1, 1) \
  X(cvtc_2, 2, 16, 15, 16, 33, 3, 3, 8, 8, 2, 2, 1, 1, 1, 1, 1) \
  X(cvtc_3, 1, 3, 29, 30, 16, 7, 7, 15, 15, 2, 2, 3, 3, 1, 1, 1) \
  X(cvtc_4, 1, 6, 13, 12, 8, 3, 3, 13, 12, 1, 1, 2, 2, 2, 2, 1) \
  X(cvtc_5, 2, 8, 9, 11, 12, 3, 3, 9, 11, 1, 1, 1, 1, 1, 1, 2) \
  X(cvtc_6, 2, 24, 14, 13, 24, 3, 3, 14, 13, 1, 1, 1, 1, 1, 1, 24) \
  X(cvtc_7, 1, 4, 10, 6, 40, 3, 1, 5, 6, 2, 1, 1, 0, 1, 1, 1) \
  X(cvtc_8, 1, 32, 20, 21, 70, 1, 1, 20, 21, 1, 1, 0, 0, 1, 1, 1) \
  X(cvtc_9, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1) \
  X(cvtc_10, 1, 8, 11, 10, 16, 3, 3, 5, 4, 2, 2, 1, 0, 2, 2, 4) \
  X(cvtc_11, 1, 64, 9, 10, 40, 3, 3, 9, 10, 1, 1, 1, 1, 1, 1, 1) \
  X(cvtc_12, 1, 8, 12, 12, 130, 3, 3, 12, 12, 1, 1, 1, 1, 1, 1, 1) \
  X(cvtc_13, 1, 64, 9, 10, 40, 3, 3, 9, 10, 1, 1, 1, 1, 1, 1, 1) \
  X(cvtc_14, 2, 32, 8, 8, 64, 3, 3, 8, 8, 1, 1, 1, 1, 1, 1, 2)
#include "conv_f16_main.c"
