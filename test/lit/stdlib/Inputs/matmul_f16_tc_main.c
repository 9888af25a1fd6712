/* matmul_f16_tc_main.c: matmul_f16_main.c's driver and checks for instances
 * of matmul_f16_tc (stdlib/matmul_f16_tc.hdt), the tensor-core template:
 * the same entry point, reference and tolerance, this table of cases
 * (matmul_f16_tc.test compiles exactly these generic values).
 * matmul_bf16_tc.test runs the same instances of the bf16 twin, with
 * -DHDT_BF16 -DMM_KERNEL='"matmul_bf16_tc"'. */
#ifndef MM_KERNEL
#define MM_KERNEL "matmul_f16_tc"
#endif
/* name, BATCH, M, N, K, A_BATCHED, B_BATCHED, TRANS_A, TRANS_B */
#define CASES(X) \
  X(mmtc_0, 1, 1, 1, 1, 1, 1, 0, 0) \
  X(mmtc_1, 3, 37, 45, 29, 1, 1, 0, 0) \
  X(mmtc_2, 2, 70, 33, 48, 1, 0, 0, 1) \
  X(mmtc_3, 4, 17, 104, 19, 0, 1, 1, 0) \
  X(mmtc_4, 2, 64, 64, 64, 1, 1, 1, 1) \
  X(mmtc_5, 1, 5, 136, 40, 1, 1, 0, 0) \
  X(mmtc_6, 1, 1, 300, 77, 1, 1, 0, 1) \
  X(mmtc_7, 2, 96, 24, 16, 0, 0, 1, 0) \
  X(mmtc_8, 1, 136, 130, 40, 1, 1, 0, 0) \
  X(mmtc_9, 3, 56, 50, 21, 1, 0, 1, 1) \
  X(mmtc_10, 5, 33, 1, 100, 0, 1, 0, 1) \
  X(mmtc_11, 2, 31, 48, 520, 1, 0, 0, 0) \
  X(mmtc_12, 2, 200, 264, 72, 1, 1, 1, 1) \
  X(mmtc_13, 1, 130, 136, 64, 1, 1, 0, 0) \
  X(mmtc_14, 2, 64, 72, 64, 1, 1, 0, 0) \
  X(mmtc_15, 3, 72, 40, 48, 1, 1, 1, 0)
#include "matmul_f16_main.c"
