/* test_host_runtime.c: the helpers of runtime/include/hdt_host.h that the
 * host target's generated code calls.
 *
 * Conversions to f16 and bf16 are checked against a reference that rounds
 * in double precision with frexp/nearbyint (nothing shared with the bit
 * manipulation under test): exhaustively from f16/bf16 to float and back,
 * on a sweep of float bit patterns, and on the cases that matter: ties to
 * even, subnormals, the overflow threshold, infinities, NaNs, and double
 * rounding from double and 64-bit integers. Float atomics are checked
 * under contention from several threads, and hdt_host_launch for its grid
 * checks and block coordinates. */
#define _POSIX_C_SOURCE 200809L
#include "hdt_host.h"

#include <criterion/criterion.h>
#include <math.h>
#include <pthread.h>
#include <string.h>

/* ---- reference rounding -------------------------------------------------- */

/* v rounded to nearest even with `digits` significant bits, minimum normal
 * exponent emin and largest finite value max (beyond which: infinity). */
static double round_to(double v, int digits, int emin, double max) {
  if (v == 0 || isnan(v) || isinf(v))
    return v;
  int e;
  frexp(v, &e);
  int exp = e - 1 < emin ? emin : e - 1;
  double ulp = ldexp(1.0, exp - (digits - 1));
  double r = nearbyint(v / ulp) * ulp;
  return fabs(r) > max ? copysign(INFINITY, v) : r;
}

static double ref_f16(double v) { return round_to(v, 11, -14, 65504.0); }
static double ref_bf16(double v) { return round_to(v, 8, -126, 0x1.fep127); }

static float from_bits(uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

/* Same value, same sign of zero; any NaN matches any NaN. */
static bool same(double got, double want) {
  if (isnan(want))
    return isnan(got);
  return got == want && signbit(got) == signbit(want);
}

/* ---- f16 ------------------------------------------------------------------- */

Test(f16, known_encodings) {
  cr_expect_eq(hdt_f32_to_f16(1.0f), 0x3c00);
  cr_expect_eq(hdt_f32_to_f16(-2.0f), 0xc000);
  cr_expect_eq(hdt_f32_to_f16(65504.0f), 0x7bff);
  cr_expect_eq(hdt_f32_to_f16(0x1p-14f), 0x0400, "smallest normal");
  cr_expect_eq(hdt_f32_to_f16(0x1p-24f), 0x0001, "smallest subnormal");
  cr_expect_eq(hdt_f32_to_f16(0x1.ff8p-15f), 0x03ff, "largest subnormal");
  cr_expect_eq(hdt_f32_to_f16(-0.0f), 0x8000);
  cr_expect_eq(hdt_f32_to_f16(INFINITY), 0x7c00);
  cr_expect_eq(hdt_f32_to_f16(-INFINITY), 0xfc00);
  cr_expect_eq(hdt_f16_to_f32(0x3555), 0x1.554p-2f);
  cr_expect_eq(hdt_f16_to_f32(0x0001), 0x1p-24f);
  cr_expect_eq(hdt_f16_to_f32(0x7bff), 65504.0f);
}

Test(f16, ties_go_to_even) {
  cr_expect_eq(hdt_f32_to_f16(1.0f + 0x1p-11f), 0x3c00, "1 + half an ulp: down to even");
  cr_expect_eq(hdt_f32_to_f16(1.0f + 0x3p-11f), 0x3c02, "1 + 1.5 ulp: up to even");
  cr_expect_eq(hdt_f32_to_f16(1.0f + 0x1p-11f + 0x1p-20f), 0x3c01, "just above the tie");
  cr_expect_eq(hdt_f32_to_f16(0x1p-25f), 0x0000, "half the smallest subnormal: to zero (even)");
  cr_expect_eq(hdt_f32_to_f16(0x1.000002p-25f), 0x0001, "just above: up");
  cr_expect_eq(hdt_f32_to_f16(0x3p-25f), 0x0002, "1.5 subnormal ulps: up to even");
  cr_expect_eq(hdt_f32_to_f16(0x1.ffcp-15f), 0x0400, "the largest subnormal rounds up to the smallest normal");
}

Test(f16, overflow_threshold) {
  cr_expect_eq(hdt_f32_to_f16(65519.996f), 0x7bff, "below 65520: the largest finite");
  cr_expect_eq(hdt_f32_to_f16(65520.0f), 0x7c00, "65520 is the tie with 65536: infinity");
  cr_expect_eq(hdt_f32_to_f16(-1e10f), 0xfc00);
}

Test(f16, nan) {
  hdt_f16 h = hdt_f32_to_f16(NAN);
  cr_expect((h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0, "NaN stays NaN: %#x", h);
  cr_expect(h & 0x200, "and is quiet");
  cr_expect(isnan(hdt_f16_to_f32(0x7c01)), "a signalling f16 NaN is a float NaN");
  cr_expect(isnan(hdt_f16_to_f32(0xfe00)));
}

/* Every f16 value is a float: the round trip gives back the same bits
 * (NaNs come back quiet). */
Test(f16, every_value_round_trips) {
  for (uint32_t b = 0; b < 0x10000; b++) {
    float f = hdt_f16_to_f32((hdt_f16)b);
    hdt_f16 back = hdt_f32_to_f16(f);
    bool nan = (b & 0x7c00) == 0x7c00 && (b & 0x3ff);
    if (nan)
      cr_assert(isnan(f) && back == (b | 0x200), "%#x -> %a -> %#x", b, f, back);
    else
      cr_assert_eq(back, b, "%#x -> %a -> %#x", b, f, back);
  }
}

/* float -> f16 against the reference over a sweep of bit patterns (every
 * 257th float: all exponents, many mantissas, both signs). */
Test(f16, float_sweep_matches_reference) {
  for (uint64_t u = 0; u <= 0xffffffffu; u += 257) {
    float f = from_bits((uint32_t)u);
    double got = hdt_f16_to_f32(hdt_f32_to_f16(f)), want = ref_f16(f);
    if (!same(got, want))
      cr_assert_fail("%a: got %a, want %a", f, got, want);
  }
}

/* Every float near the f16 values of [1, 2) and the subnormals (every
 * fifth of them): the 2^13 floats that round to each, ties included. */
Test(f16, floats_near_ties_match_reference) {
  for (uint32_t h = 0; h < 0x400; h += 5) {
    double base[2] = {1.0 + h * 0x1p-10, h * 0x1p-24};
    for (int k = 0; k < 2; k++) {
      uint32_t bits;
      float f = (float)base[k];
      memcpy(&bits, &f, sizeof bits);
      for (uint32_t d = 0; d < 0x2000; d++) {
        float g = from_bits(bits + d);
        double got = hdt_f16_to_f32(hdt_f32_to_f16(g)), want = ref_f16(g);
        if (!same(got, want))
          cr_assert_fail("%a: got %a, want %a", g, got, want);
      }
    }
  }
}

Test(f16, from_double_rounds_once) {
  /* Just above a tie, by less than a float can hold: rounding to float
   * first would land on the tie and go down to even. */
  cr_expect_eq(hdt_f64_to_f16(1.0 + 0x1p-11 + 0x1p-40), 0x3c01);
  cr_expect_eq(hdt_f64_to_f16(1.0 + 0x1p-11 - 0x1p-40), 0x3c00);
  cr_expect_eq(hdt_f64_to_f16(1.0 + 0x1p-11), 0x3c00);
  cr_expect_eq(hdt_f64_to_f16(65520.0 - 0x1p-30), 0x7bff);
  cr_expect_eq(hdt_f64_to_f16(1e300), 0x7c00);
  cr_expect_eq(hdt_f64_to_f16(0x1p-25 + 0x1p-60), 0x0001);
  cr_expect_eq(hdt_f64_to_f16(-0.0), 0x8000);
  cr_expect(isnan(hdt_f16_to_f32(hdt_f64_to_f16(NAN))));
}

Test(f16, arithmetic_rounds_once) {
  hdt_f16 one = 0x3c00, eps = 0x1400; /* 2^-10: one ulp at 1 */
  cr_expect_eq(hdt_add_f16(one, eps), 0x3c01);
  cr_expect_eq(hdt_add_f16(one, hdt_f32_to_f16(0x1p-11f)), 0x3c00, "a tie: to even");
  cr_expect_eq(hdt_mul_f16(hdt_f32_to_f16(256.0f), hdt_f32_to_f16(256.0f)), 0x7c00, "overflow");
  cr_expect_eq(hdt_sub_f16(one, one), 0x0000);
  cr_expect_eq(hdt_neg_f16(one), 0xbc00);
  cr_expect_eq(hdt_abs_f16(0xbc00), 0x3c00);
  cr_expect_eq(hdt_div_f16(one, hdt_f32_to_f16(3.0f)), hdt_f64_to_f16(1.0 / 3.0));
  cr_expect_eq(hdt_min_f16(one, hdt_f32_to_f16(NAN)), one, "minNum: a NaN operand gives the other");
  cr_expect_eq(hdt_max_f16(eps, one), one);
}

/* ---- bf16 ------------------------------------------------------------------ */

Test(bf16, known_encodings_and_ties) {
  cr_expect_eq(hdt_f32_to_bf16(1.0f), 0x3f80);
  cr_expect_eq(hdt_f32_to_bf16(1.0f + 0x1p-8f), 0x3f80, "a tie: down to even");
  cr_expect_eq(hdt_f32_to_bf16(1.0f + 0x3p-8f), 0x3f82, "a tie: up to even");
  cr_expect_eq(hdt_f32_to_bf16(1.0f + 0x1p-8f + 0x1p-23f), 0x3f81);
  cr_expect_eq(hdt_f32_to_bf16(0x1p-133f), 0x0001, "smallest bf16 subnormal");
  cr_expect_eq(hdt_f32_to_bf16(0x1p-134f), 0x0000, "half of it: to zero");
  cr_expect_eq(hdt_f32_to_bf16(0x1.fffffep127f), 0x7f80, "FLT_MAX rounds to infinity");
  cr_expect_eq(hdt_f32_to_bf16(0x1.fep127f), 0x7f7f, "the largest finite");
  cr_expect_eq(hdt_f32_to_bf16(-INFINITY), 0xff80);
  cr_expect_eq(hdt_f32_to_bf16(-0.0f), 0x8000);
  hdt_bf16 n = hdt_f32_to_bf16(from_bits(0x7f800001u)); /* a NaN whose payload is all below bf16 */
  cr_expect((n & 0x7f80) == 0x7f80 && (n & 0x7f), "NaN stays NaN (not infinity): %#x", n);
}

Test(bf16, every_value_round_trips) {
  for (uint32_t b = 0; b < 0x10000; b++) {
    float f = hdt_bf16_to_f32((hdt_bf16)b);
    hdt_bf16 back = hdt_f32_to_bf16(f);
    bool nan = (b & 0x7f80) == 0x7f80 && (b & 0x7f);
    if (nan)
      cr_assert(isnan(f) && back == (b | 0x40), "%#x -> %a -> %#x", b, f, back);
    else
      cr_assert_eq(back, b, "%#x -> %a -> %#x", b, f, back);
  }
}

Test(bf16, float_sweep_matches_reference) {
  for (uint64_t u = 0; u <= 0xffffffffu; u += 251) {
    float f = from_bits((uint32_t)u);
    double got = hdt_bf16_to_f32(hdt_f32_to_bf16(f)), want = ref_bf16(f);
    if (!same(got, want))
      cr_assert_fail("%a: got %a, want %a", f, got, want);
  }
}

Test(bf16, from_wide_values_rounds_once) {
  cr_expect_eq(hdt_f64_to_bf16(1.0 + 0x1p-8 + 0x1p-40), 0x3f81, "above a tie by less than a float holds");
  /* 2^53 + 2^45 + 1: just above a bf16 tie, but as a double it is the tie
   * itself (the 1 is lost), which would round down to 2^53. */
  int64_t x = ((int64_t)1 << 53) + ((int64_t)1 << 45) + 1;
  cr_expect_eq(hdt_bf16_to_f32(hdt_i64_to_bf16(x)), 0x1.02p53f);
  cr_expect_eq(hdt_bf16_to_f32(hdt_i64_to_bf16(-x)), -0x1.02p53f);
  cr_expect_eq(hdt_bf16_to_f32(hdt_u64_to_bf16((uint64_t)x)), 0x1.02p53f);
  cr_expect_eq(hdt_bf16_to_f32(hdt_u64_to_bf16(UINT64_MAX)), 0x1p64f);
  cr_expect_eq(hdt_bf16_to_f32(hdt_i64_to_bf16(INT64_MIN)), -0x1p63f);
  cr_expect_eq(hdt_bf16_to_f32(hdt_i64_to_bf16(255)), 255.0f, "8 significant bits: exact");
  cr_expect_eq(hdt_bf16_to_f32(hdt_i64_to_bf16(257)), 256.0f, "9 bits: a tie, to even");
  cr_expect_eq(hdt_bf16_to_f32(hdt_i64_to_bf16(0)), 0.0f);
}

Test(bf16, arithmetic_rounds_once) {
  hdt_bf16 one = 0x3f80;
  cr_expect_eq(hdt_add_bf16(one, hdt_f32_to_bf16(0x1p-7f)), 0x3f81);
  cr_expect_eq(hdt_add_bf16(one, hdt_f32_to_bf16(0x1p-8f)), 0x3f80, "a tie: to even");
  cr_expect_eq(hdt_mul_bf16(hdt_f32_to_bf16(3.0f), hdt_f32_to_bf16(3.0f)), hdt_f32_to_bf16(9.0f));
  cr_expect_eq(hdt_div_bf16(one, hdt_f32_to_bf16(3.0f)), hdt_f64_to_bf16(1.0 / 3.0));
  cr_expect_eq(hdt_neg_bf16(one), 0xbf80);
}

/* ---- float -> integer, shifts, min/max/abs --------------------------------- */

Test(convert, float_to_int_saturates) {
  cr_expect_eq(hdt_f64_to_i32(NAN), 0);
  cr_expect_eq(hdt_f64_to_i32(INFINITY), INT32_MAX);
  cr_expect_eq(hdt_f64_to_i32(-INFINITY), INT32_MIN);
  cr_expect_eq(hdt_f64_to_i32(2147483648.0), INT32_MAX);
  cr_expect_eq(hdt_f64_to_i32(2147483647.9), INT32_MAX);
  cr_expect_eq(hdt_f64_to_i32(-2147483648.9), INT32_MIN);
  cr_expect_eq(hdt_f64_to_i32(-2.9), -2, "truncates toward zero");
  cr_expect_eq(hdt_f64_to_i8(200.0), 127);
  cr_expect_eq(hdt_f64_to_i8(-200.0), -128);
  cr_expect_eq(hdt_f64_to_u8(255.9), 255);
  cr_expect_eq(hdt_f64_to_u8(256.0), 255);
  cr_expect_eq(hdt_f64_to_u8(-0.9), 0);
  cr_expect_eq(hdt_f64_to_u8(-1e9), 0);
  cr_expect_eq(hdt_f64_to_u16(70000.0), 65535);
  cr_expect_eq(hdt_f64_to_i64(1e19), INT64_MAX);
  cr_expect_eq(hdt_f64_to_i64(-1e19), INT64_MIN);
  cr_expect_eq(hdt_f64_to_i64(0x1p62), (int64_t)1 << 62);
  cr_expect_eq(hdt_f64_to_u64(2e19), UINT64_MAX);
  cr_expect_eq(hdt_f64_to_u64(0x1p63), (uint64_t)1 << 63);
  cr_expect_eq(hdt_f64_to_u64(NAN), 0);
  cr_expect_eq(hdt_f64_to_u32(4294967295.5), UINT32_MAX);
}

Test(shift, amounts_outside_the_width_shift_everything_out) {
  cr_expect_eq(hdt_shl_i32(1, 31), INT32_MIN);
  cr_expect_eq(hdt_shl_i32(1, 32), 0);
  cr_expect_eq(hdt_shl_i32(-1, 1), -2, "a negative value shifts as its bits");
  cr_expect_eq(hdt_shl_i32(5, -1), 0);
  cr_expect_eq(hdt_shr_i32(-8, 1), -4, "arithmetic");
  cr_expect_eq(hdt_shr_i32(-8, 40), -1);
  cr_expect_eq(hdt_shr_i32(8, 40), 0);
  cr_expect_eq(hdt_shr_u32(0x80000000u, 31), 1u);
  cr_expect_eq(hdt_shr_u32(0x80000000u, 32), 0u);
  cr_expect_eq(hdt_shl_u64(1, 63), (uint64_t)1 << 63);
  cr_expect_eq(hdt_shl_u64(1, 64), 0);
  cr_expect_eq(hdt_shr_i64(INT64_MIN, 63), -1);
  cr_expect_eq(hdt_shr_i64(INT64_MIN, 64), -1);
  cr_expect_eq(hdt_shl_i8(1, 7), INT8_MIN, "computed in 32 bits, then truncated");
  cr_expect_eq(hdt_shl_i8(1, 8), 0);
  cr_expect_eq(hdt_shr_i8(-128, 100), -1);
  cr_expect_eq(hdt_shl_u16(0xffff, 4), 0xfff0);
}

Test(minmax, as_on_the_gpu) {
  cr_expect_eq(hdt_min_f32(NAN, 1.0f), 1.0f);
  cr_expect_eq(hdt_max_f32(2.0f, NAN), 2.0f);
  cr_expect_eq(hdt_min_i32(-3, 2), -3);
  cr_expect_eq(hdt_max_u64(UINT64_MAX, 0), UINT64_MAX);
  cr_expect_eq(hdt_abs_i32(INT32_MIN), INT32_MIN, "abs of the most negative value is itself");
  cr_expect_eq(hdt_abs_i64(-5), 5);
  cr_expect_eq(hdt_abs_f64(-0.0), 0.0);
  cr_expect_eq(hdt_rsqrt_f32(4.0f), 0.5f);
}

/* ---- shuffle lanes ---------------------------------------------------------- */

Test(lanes, xor_and_down) {
  cr_expect_eq(hdt_lane_xor(0, 1, 64), 1);
  cr_expect_eq(hdt_lane_xor(33, 16, 64), 49);
  cr_expect_eq(hdt_lane_xor(3, 32 + 1, 64), 2, "only the low 5 bits of the mask count");
  cr_expect_eq(hdt_lane_xor(33, 16, 48), 33, "source past the block: own value");
  cr_expect_eq(hdt_lane_xor(5, -1, 32), 26, "-1 & 31 = 31");
  cr_expect_eq(hdt_lane_down(30, 1, 64), 31);
  cr_expect_eq(hdt_lane_down(31, 1, 64), 31, "source past the warp: own value");
  cr_expect_eq(hdt_lane_down(40, 8, 44), 40, "source past the block: own value");
  cr_expect_eq(hdt_lane_down(0, 33, 64), 1, "only the low 5 bits of the delta count");
}

/* ---- atomics under contention ---------------------------------------------- */

enum { THREADS = 8, ADDS = 20000 };

typedef struct shared_totals {
  float f32;
  double f64;
  int32_t i32;
  uint64_t u64;
  int32_t tickets[THREADS * ADDS];
} shared_totals;

static void *adder(void *arg) {
  shared_totals *t = arg;
  for (int i = 0; i < ADDS; i++) {
    hdt_atomic_add_f32(&t->f32, 1.0f);
    hdt_atomic_add_f64(&t->f64, 0.25);
    int32_t ticket = hdt_atomic_add_i32(&t->i32, 1);
    t->tickets[ticket]++; /* each ticket is taken once: no race on it */
    hdt_atomic_add_u64(&t->u64, (uint64_t)1 << 40);
  }
  return NULL;
}

Test(atomics, float_adds_from_many_threads_lose_nothing) {
  shared_totals *t = calloc(1, sizeof *t);
  cr_assert(t);
  pthread_t th[THREADS];
  for (int i = 0; i < THREADS; i++)
    cr_assert_eq(pthread_create(&th[i], NULL, adder, t), 0);
  for (int i = 0; i < THREADS; i++)
    pthread_join(th[i], NULL);
  /* Sums of small integers and quarters: exact in any order. */
  cr_expect_eq(t->f32, (float)(THREADS * ADDS));
  cr_expect_eq(t->f64, THREADS * ADDS * 0.25);
  cr_expect_eq(t->i32, THREADS * ADDS);
  cr_expect_eq(t->u64, (uint64_t)THREADS * ADDS << 40);
  for (int i = 0; i < THREADS * ADDS; i++)
    cr_assert_eq(t->tickets[i], 1, "ticket %d taken %d times", i, t->tickets[i]);
  free(t);
}

Test(atomics, return_the_old_value) {
  float f = 1.5f;
  cr_expect_eq(hdt_atomic_add_f32(&f, 2.0f), 1.5f);
  cr_expect_eq(f, 3.5f);
  uint32_t u = UINT32_MAX;
  cr_expect_eq(hdt_atomic_add_u32(&u, 2u), UINT32_MAX);
  cr_expect_eq(u, 1u, "wraps");
  int64_t i = -5;
  cr_expect_eq(hdt_atomic_add_i64(&i, 7), -5);
  cr_expect_eq(i, 2);
}

/* ---- hdt_host_launch --------------------------------------------------------- */

typedef struct launch_log {
  int blocks;
  int bad_frames;
  int dirty_faults;
  int seen[3][4][5];
  hdt_dim3 grid;
  int fault_block; /* the block (x) that reports a fault, or -1 */
} launch_log;

static void record_block(void *frame, const void *args, hdt_dim3 blockIdx, hdt_dim3 gridDim, int *fault) {
  launch_log *log = (launch_log *)args; /* a test: the block writes its log */
  if (*fault != 0)
    __atomic_fetch_add(&log->dirty_faults, 1, __ATOMIC_RELAXED); /* a fault left from another block */
  if (blockIdx.x == log->fault_block)
    *fault = HDT_ERR_MISALIGNED;
  int *f = frame;
  if (f[0] != 0 || f[63] != 0)
    __atomic_fetch_add(&log->bad_frames, 1, __ATOMIC_RELAXED); /* a frame left dirty */
  f[0] = f[63] = 1;
  __atomic_fetch_add(&log->blocks, 1, __ATOMIC_RELAXED);
  __atomic_fetch_add(&log->seen[blockIdx.z][blockIdx.y][blockIdx.x], 1, __ATOMIC_RELAXED);
  log->grid = gridDim;
}

Test(launch, runs_every_block_once_with_a_zeroed_frame) {
  launch_log log = {.fault_block = -1};
  cr_assert_eq(hdt_host_launch(record_block, 64 * sizeof(int), &log, 5, 4, 3), 0);
  cr_expect_eq(log.blocks, 60);
  cr_expect_eq(log.bad_frames, 0);
  for (int z = 0; z < 3; z++)
    for (int y = 0; y < 4; y++)
      for (int x = 0; x < 5; x++)
        cr_expect_eq(log.seen[z][y][x], 1, "block (%d, %d, %d)", x, y, z);
  cr_expect(log.grid.x == 5 && log.grid.y == 4 && log.grid.z == 3);
}

/* A block that faults (a misaligned vector access) makes the launch return
 * its error, as the GPU reports the kernel's; the other blocks still run,
 * and each block starts with a clear fault word. */
Test(launch, a_faulting_block_is_the_launch_error) {
  launch_log log = {.fault_block = 2};
  cr_assert_eq(hdt_host_launch(record_block, 64 * sizeof(int), &log, 5, 4, 3), HDT_ERR_MISALIGNED);
  cr_expect_eq(log.blocks, 60);
  cr_expect_eq(log.dirty_faults, 0);
  log = (launch_log){.fault_block = -1};
  cr_expect_eq(hdt_host_launch(record_block, 64 * sizeof(int), &log, 5, 4, 3), 0, "no fault is left over");
}

Test(launch, grid_out_of_range_or_empty) {
  launch_log log = {.fault_block = -1};
  cr_expect_eq(hdt_host_launch(record_block, 64 * sizeof(int), &log, -1, 1, 1), HDT_HOST_ERROR_INVALID_CONFIGURATION);
  cr_expect_eq(hdt_host_launch(record_block, 64 * sizeof(int), &log, (int64_t)INT32_MAX + 1, 1, 1),
               HDT_HOST_ERROR_INVALID_CONFIGURATION);
  cr_expect_eq(hdt_host_launch(record_block, 64 * sizeof(int), &log, 1, 65536, 1), HDT_HOST_ERROR_INVALID_CONFIGURATION);
  cr_expect_eq(hdt_host_launch(record_block, 64 * sizeof(int), &log, 1, 1, 65536), HDT_HOST_ERROR_INVALID_CONFIGURATION);
  cr_expect_eq(hdt_host_launch(record_block, 64 * sizeof(int), &log, 0, 7, 1), 0);
  cr_expect_eq(hdt_host_launch(record_block, 64 * sizeof(int), &log, 7, 1, 0), 0);
  cr_expect_eq(log.blocks, 0, "nothing ran");
  cr_expect_eq(HDT_HOST_ERROR_INVALID_CONFIGURATION, 9, "cudaErrorInvalidConfiguration");
}

Test(thread_index, x_varies_fastest) {
  hdt_dim3 t = hdt_thread_index(37, 4, 3); /* 37 = (3 * 3 + 0) * 4 + 1 */
  cr_expect(t.x == 1 && t.y == 0 && t.z == 3, "(%d, %d, %d)", t.x, t.y, t.z);
  t = hdt_thread_index(11, 4, 3);
  cr_expect(t.x == 3 && t.y == 2 && t.z == 0);
}
