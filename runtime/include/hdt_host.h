/* hdt_host.h: what the C that hdtc writes for the host target
 * (--target=host) includes.
 *
 * The generated code runs each kernel on the CPU: a block is a sequence of
 * phases, a phase is a loop over the block's threads, and the grid is a loop
 * over blocks (parallel under OpenMP when the generated file is compiled
 * with -fopenmp). This header holds everything that code needs besides the
 * kernel itself:
 *
 *   hdt_f16 hdt_bf16                the 16-bit floats, as their bits (uint16_t),
 *                                   so that callers can pass uint16_t arrays
 *   hdt_f32_to_f16 hdt_f16_to_f32   conversions, rounded once to nearest even;
 *   hdt_f64_to_f16 ... (and bf16)   subnormals, infinities and NaNs as IEEE
 *   hdt_add_f16 ... hdt_div_bf16    arithmetic, computed in float and rounded
 *                                   once (exact: float has 2p+2 bits or more)
 *   hdt_f64_to_i32 ...              float -> integer conversions that saturate
 *                                   and send NaN to 0, as the GPU converts
 *                                   (C leaves out-of-range conversions undefined)
 *   hdt_shl_i32 hdt_shr_i32 ...     shifts with any amount: an amount outside
 *                                   [0, width) shifts every bit out, as PTX's
 *                                   shl/shr do (C leaves it undefined)
 *   hdt_min_T hdt_max_T hdt_abs_T   every numeric type T (hdt names: i32, f16...)
 *   hdt_exp_f32 ... hdt_rsqrt_f64   math, through the compiler's builtins: the
 *                                   generated file includes no <math.h> (fewer
 *                                   names to clash with the program's);
 *                                   hdt_fast_exp_T is exp (the host is the
 *                                   reference); hdt_isnan_T hdt_isinf_T
 *   hdt_atomic_add_T ...            add max min exch: i32 u32 i64 u64 f32 f64;
 *   hdt_atomic_cas_T                cas: i32 u32 i64 u64; return the old value
 *   hdt_threadfence_void            a sequentially consistent fence
 *   hdt_tf32_round_f32              an f32 rounded to tf32 (mma.m16n8k8's operands)
 *   hdt_lane_xor hdt_lane_down      the thread a warp shuffle reads from
 *   hdt_lane_up hdt_lane_idx
 *   hdt_warp_ballot hdt_warp_any    votes: fold the exchange slots of a warp
 *   hdt_warp_all
 *   hdt_cp_async hdt_cp_async_commit  asynchronous copies: a queue of pending
 *   hdt_cp_async_wait                 copies per thread (hdt_cpq), performed
 *                                     at the wait that covers their group
 *   hdt_vcopy                         a vector access: memcpy of 4, 8 or 16
 *                                     bytes at addresses aligned to them
 *   hdt_host_launch                 runs a grid of blocks
 *   HDT_ERR_...                     what entry points return (hdt_errors.h)
 *
 * Every function is static inline, so several generated files (and this
 * header in several translation units) link into one program. Only
 * hdtrt_host_alloc/hdtrt_host_free come from the library (libhdtrt.a),
 * unless HDT_HOST_STANDALONE is defined: then the frames come from
 * aligned_alloc here, and the code needs nothing from the program that
 * loads it (the model compiler's shared objects are built so, to load in
 * any process). */
#ifndef HDT_HOST_H
#define HDT_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hdt_errors.h"
#include "hdtrt.h"

#ifdef HDT_HOST_STANDALONE
#include <stdlib.h>
static inline void *hdt_frame_alloc(size_t bytes) {
  size_t rounded = (bytes + 63) / 64 * 64;
  return rounded < bytes ? NULL : aligned_alloc(64, rounded);
}
static inline void hdt_frame_free(void *p) { free(p); }
#else
static inline void *hdt_frame_alloc(size_t bytes) { return hdtrt_host_alloc(bytes); }
static inline void hdt_frame_free(void *p) { hdtrt_host_free(p); }
#endif

/* The error codes of hdt_host_launch: hdt_errors.h's, whose numbers below
 * 1000 are CUDA's, so that both targets report a failed launch the same way. */
enum {
  HDT_HOST_SUCCESS = HDT_OK,
  HDT_HOST_ERROR_MEMORY_ALLOCATION = HDT_ERR_OUT_OF_MEMORY,
  HDT_HOST_ERROR_INVALID_CONFIGURATION = HDT_ERR_GRID_TOO_LARGE,
};

typedef uint16_t hdt_f16;  /* IEEE binary16, as its bits */
typedef uint16_t hdt_bf16; /* bfloat16, as its bits */

typedef struct hdt_dim3 {
  int32_t x, y, z;
} hdt_dim3;

static inline hdt_dim3 hdt_dim3_make(int32_t x, int32_t y, int32_t z) {
  hdt_dim3 d = {x, y, z};
  return d;
}

/* threadIdx of the thread with linear index tid in a bx * by * bz block
 * (x varies fastest, as on the GPU). */
static inline hdt_dim3 hdt_thread_index(int tid, int bx, int by) {
  return hdt_dim3_make(tid % bx, tid / bx % by, tid / (bx * by));
}

/* ---- bits of floats (memcpy: no aliasing questions) ---- */

static inline uint32_t hdt_bits_f32(float f) {
  uint32_t u;
  __builtin_memcpy(&u, &f, sizeof u);
  return u;
}

static inline float hdt_f32_of_bits(uint32_t u) {
  float f;
  __builtin_memcpy(&f, &u, sizeof f);
  return f;
}

static inline float hdt_inf_f32(void) { return __builtin_inff(); }
static inline float hdt_nan_f32(void) { return __builtin_nanf(""); }
static inline double hdt_inf_f64(void) { return __builtin_inf(); }
static inline double hdt_nan_f64(void) { return __builtin_nan(""); }

/* ---- f16 ---- */

static inline float hdt_f16_to_f32(hdt_f16 h) {
  uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu, man = h & 0x3ffu;
  if (exp == 0) { /* zero or subnormal: man * 2^-24, exact in float */
    float v = (float)man * 0x1p-24f;
    return sign ? -v : v;
  }
  if (exp == 31) /* infinity, or NaN with its payload */
    return hdt_f32_of_bits(sign | 0x7f800000u | (man << 13));
  return hdt_f32_of_bits(sign | ((exp + 112u) << 23) | (man << 13));
}

/* Rounds m / 2^shift to nearest, ties to even (0 < shift < 32). */
static inline uint32_t hdt_round_shift(uint32_t m, int shift) {
  uint32_t q = m >> shift, rem = m & ((1u << shift) - 1u), half = 1u << (shift - 1);
  return q + (rem > half || (rem == half && (q & 1u)));
}

static inline hdt_f16 hdt_f32_to_f16(float f) {
  uint32_t x = hdt_bits_f32(f);
  uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
  uint32_t a = x & 0x7fffffffu;
  if (a > 0x7f800000u) /* NaN: quiet, keeping the top of the payload */
    return (hdt_f16)(sign | 0x7e00u | ((a >> 13) & 0x3ffu));
  if (a >= 0x477ff000u) /* 65520 and above (and infinity) round to infinity */
    return (hdt_f16)(sign | 0x7c00u);
  if (a >= 0x38800000u) /* normal in f16 (2^-14 and above): rebias, round 13 bits */
    return (hdt_f16)(sign | hdt_round_shift(a - 0x38000000u, 13));
  /* Subnormal in f16: the result is round(|f| / 2^-24). |f| = m * 2^(e - 150)
   * with e the biased exponent, so the quotient is m / 2^(126 - e). Below
   * 2^-25 (e < 102) it rounds to 0; a carry out of 0x3ff gives the smallest
   * normal, which is the right encoding. */
  uint32_t e = a >> 23;
  if (e < 102)
    return sign;
  return (hdt_f16)(sign | hdt_round_shift((a & 0x7fffffu) | 0x800000u, (int)(126 - e)));
}

/* double -> float rounded to odd: truncate, then set the last bit when
 * anything was cut off. Rounding that to a format with at most 22 bits of
 * precision (f16: 11, bf16: 8) to nearest even gives the correctly rounded
 * result of the double (no double rounding). */
static inline float hdt_f64_to_f32_odd(double d) {
  float f = (float)d;
  if (d != d || (double)f == d)
    return f;
  uint32_t u = hdt_bits_f32(f);
  if ((f < 0 ? -(double)f : (double)f) > (d < 0 ? -d : d))
    u -= 1; /* rounded away from zero: step back toward zero */
  return hdt_f32_of_bits(u | 1u);
}

static inline hdt_f16 hdt_f64_to_f16(double d) { return hdt_f32_to_f16(hdt_f64_to_f32_odd(d)); }

/* ---- bf16 ---- */

static inline float hdt_bf16_to_f32(hdt_bf16 h) { return hdt_f32_of_bits((uint32_t)h << 16); }

static inline hdt_bf16 hdt_f32_to_bf16(float f) {
  uint32_t x = hdt_bits_f32(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) /* NaN: quiet */
    return (hdt_bf16)((x >> 16) | 0x40u);
  /* Round the low 16 bits to nearest even; a carry may reach the exponent,
   * which is right (up to infinity). */
  return (hdt_bf16)((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

static inline hdt_bf16 hdt_f64_to_bf16(double d) { return hdt_f32_to_bf16(hdt_f64_to_f32_odd(d)); }

/* 64-bit integers are not all exact in double: round to odd into double
 * (keep 53 bits, fold the rest into a sticky last bit). */
static inline double hdt_u64_to_f64_odd(uint64_t m) {
  int shift = 0;
  while ((m >> shift) >= ((uint64_t)1 << 53))
    shift++;
  uint64_t kept = m >> shift;
  if (shift && (m & (((uint64_t)1 << shift) - 1)))
    kept |= 1;
  double r = (double)kept;
  for (int i = 0; i < shift; i++)
    r *= 2.0;
  return r;
}

static inline hdt_bf16 hdt_u64_to_bf16(uint64_t x) { return hdt_f64_to_bf16(hdt_u64_to_f64_odd(x)); }

static inline hdt_bf16 hdt_i64_to_bf16(int64_t x) {
  double m = hdt_u64_to_f64_odd(x < 0 ? (uint64_t)0 - (uint64_t)x : (uint64_t)x);
  return hdt_f64_to_bf16(x < 0 ? -m : m);
}

/* ---- 16-bit float arithmetic: in float, rounded once ---- */

#define HDT_HALF_OPS(T, NAME)                                                                     \
  static inline T hdt_add_##NAME(T a, T b) { return hdt_f32_to_##NAME(hdt_##NAME##_to_f32(a) + hdt_##NAME##_to_f32(b)); } \
  static inline T hdt_sub_##NAME(T a, T b) { return hdt_f32_to_##NAME(hdt_##NAME##_to_f32(a) - hdt_##NAME##_to_f32(b)); } \
  static inline T hdt_mul_##NAME(T a, T b) { return hdt_f32_to_##NAME(hdt_##NAME##_to_f32(a) * hdt_##NAME##_to_f32(b)); } \
  static inline T hdt_div_##NAME(T a, T b) { return hdt_f32_to_##NAME(hdt_##NAME##_to_f32(a) / hdt_##NAME##_to_f32(b)); } \
  static inline T hdt_neg_##NAME(T a) { return (T)(a ^ 0x8000u); }                               \
  static inline T hdt_abs_##NAME(T a) { return (T)(a & 0x7fffu); }                               \
  /* minNum/maxNum as fminf: the result is an operand, so no rounding */                         \
  static inline T hdt_min_##NAME(T a, T b) { return hdt_f32_to_##NAME(__builtin_fminf(hdt_##NAME##_to_f32(a), hdt_##NAME##_to_f32(b))); } \
  static inline T hdt_max_##NAME(T a, T b) { return hdt_f32_to_##NAME(__builtin_fmaxf(hdt_##NAME##_to_f32(a), hdt_##NAME##_to_f32(b))); }
HDT_HALF_OPS(hdt_f16, f16)
HDT_HALF_OPS(hdt_bf16, bf16)
#undef HDT_HALF_OPS

/* ---- float -> integer, saturating, NaN -> 0 ---- */

#define HDT_TO_SIGNED(T, NAME, MIN, MAX)                                                          \
  static inline T hdt_f64_to_##NAME(double x) {                                                  \
    if (x != x)                                                                                  \
      return 0;                                                                                  \
    if (x <= (double)(MIN))                                                                      \
      return MIN;                                                                                \
    if (x >= (double)(MAX))                                                                      \
      return MAX;                                                                                \
    return (T)x;                                                                                 \
  }
HDT_TO_SIGNED(int8_t, i8, INT8_MIN, INT8_MAX)
HDT_TO_SIGNED(int16_t, i16, INT16_MIN, INT16_MAX)
HDT_TO_SIGNED(int32_t, i32, INT32_MIN, INT32_MAX)
HDT_TO_SIGNED(int64_t, i64, INT64_MIN, INT64_MAX) /* (double)INT64_MAX is 2^63: saturates there */
#undef HDT_TO_SIGNED

#define HDT_TO_UNSIGNED(T, NAME, MAX)                                                             \
  static inline T hdt_f64_to_##NAME(double x) {                                                  \
    if (!(x > 0)) /* NaN, negative, zero */                                                      \
      return 0;                                                                                  \
    if (x >= (double)(MAX))                                                                      \
      return MAX;                                                                                \
    return (T)x;                                                                                 \
  }
HDT_TO_UNSIGNED(uint8_t, u8, UINT8_MAX)
HDT_TO_UNSIGNED(uint16_t, u16, UINT16_MAX)
HDT_TO_UNSIGNED(uint32_t, u32, UINT32_MAX)
HDT_TO_UNSIGNED(uint64_t, u64, UINT64_MAX) /* (double)UINT64_MAX is 2^64 */
#undef HDT_TO_UNSIGNED

/* ---- shifts: computed in the promoted width W (32, or 64 for 64-bit
 * types); an amount outside [0, W) shifts everything out ---- */

#define HDT_SHIFTS_SIGNED(T, NAME, U, W)                                                          \
  static inline T hdt_shl_##NAME(T a, T b) { return b < 0 || (U)b >= W ? (T)0 : (T)((U)a << (U)b); } \
  static inline T hdt_shr_##NAME(T a, T b) {                                                     \
    if (b < 0 || (U)b >= W)                                                                      \
      return a < 0 ? (T)-1 : (T)0;                                                               \
    return (T)(a >> b); /* arithmetic, as GCC and Clang define it */                             \
  }
#define HDT_SHIFTS_UNSIGNED(T, NAME, U, W)                                                        \
  static inline T hdt_shl_##NAME(T a, T b) { return (U)b >= W ? (T)0 : (T)((U)a << (U)b); }     \
  static inline T hdt_shr_##NAME(T a, T b) { return (U)b >= W ? (T)0 : (T)((U)a >> (U)b); }
HDT_SHIFTS_SIGNED(int8_t, i8, uint32_t, 32u)
HDT_SHIFTS_SIGNED(int16_t, i16, uint32_t, 32u)
HDT_SHIFTS_SIGNED(int32_t, i32, uint32_t, 32u)
HDT_SHIFTS_SIGNED(int64_t, i64, uint64_t, 64u)
HDT_SHIFTS_UNSIGNED(uint8_t, u8, uint32_t, 32u)
HDT_SHIFTS_UNSIGNED(uint16_t, u16, uint32_t, 32u)
HDT_SHIFTS_UNSIGNED(uint32_t, u32, uint32_t, 32u)
HDT_SHIFTS_UNSIGNED(uint64_t, u64, uint64_t, 64u)
#undef HDT_SHIFTS_SIGNED
#undef HDT_SHIFTS_UNSIGNED

/* ---- min, max, abs ---- */

#define HDT_MINMAX(T, NAME)                                                                       \
  static inline T hdt_min_##NAME(T a, T b) { return b < a ? b : a; }                             \
  static inline T hdt_max_##NAME(T a, T b) { return a < b ? b : a; }
HDT_MINMAX(int8_t, i8)
HDT_MINMAX(int16_t, i16)
HDT_MINMAX(int32_t, i32)
HDT_MINMAX(int64_t, i64)
HDT_MINMAX(uint8_t, u8)
HDT_MINMAX(uint16_t, u16)
HDT_MINMAX(uint32_t, u32)
HDT_MINMAX(uint64_t, u64)
#undef HDT_MINMAX

/* Floats: IEEE minNum/maxNum, so a NaN operand gives the other one (as CUDA's fminf). */
static inline float hdt_min_f32(float a, float b) { return __builtin_fminf(a, b); }
static inline float hdt_max_f32(float a, float b) { return __builtin_fmaxf(a, b); }
static inline double hdt_min_f64(double a, double b) { return __builtin_fmin(a, b); }
static inline double hdt_max_f64(double a, double b) { return __builtin_fmax(a, b); }

/* Signed integers: as on the GPU, abs of the most negative value is itself
 * (computed in unsigned arithmetic, which wraps, instead of overflowing). */
static inline int8_t hdt_abs_i8(int8_t a) { return (int8_t)(a < 0 ? -a : a); }
static inline int16_t hdt_abs_i16(int16_t a) { return (int16_t)(a < 0 ? -a : a); }
static inline int32_t hdt_abs_i32(int32_t a) { return a < 0 ? (int32_t)(0u - (uint32_t)a) : a; }
static inline int64_t hdt_abs_i64(int64_t a) { return a < 0 ? (int64_t)((uint64_t)0 - (uint64_t)a) : a; }
static inline uint8_t hdt_abs_u8(uint8_t a) { return a; }
static inline uint16_t hdt_abs_u16(uint16_t a) { return a; }
static inline uint32_t hdt_abs_u32(uint32_t a) { return a; }
static inline uint64_t hdt_abs_u64(uint64_t a) { return a; }
static inline float hdt_abs_f32(float a) { return __builtin_fabsf(a); }
static inline double hdt_abs_f64(double a) { return __builtin_fabs(a); }

/* ---- math ---- */

static inline float hdt_exp_f32(float x) { return __builtin_expf(x); }
static inline double hdt_exp_f64(double x) { return __builtin_exp(x); }
static inline float hdt_log_f32(float x) { return __builtin_logf(x); }
static inline double hdt_log_f64(double x) { return __builtin_log(x); }
static inline float hdt_sqrt_f32(float x) { return __builtin_sqrtf(x); }
static inline double hdt_sqrt_f64(double x) { return __builtin_sqrt(x); }
static inline float hdt_rsqrt_f32(float x) { return 1.0f / __builtin_sqrtf(x); }
static inline double hdt_rsqrt_f64(double x) { return 1.0 / __builtin_sqrt(x); }
static inline float hdt_tanh_f32(float x) { return __builtin_tanhf(x); }
static inline double hdt_tanh_f64(double x) { return __builtin_tanh(x); }
/* fast_exp: on the host, exp itself (the host target is the reference the
 * GPU's __expf is measured against). */
static inline float hdt_fast_exp_f32(float x) { return __builtin_expf(x); }
static inline double hdt_fast_exp_f64(double x) { return __builtin_exp(x); }
static inline float hdt_exp2_f32(float x) { return __builtin_exp2f(x); }
static inline double hdt_exp2_f64(double x) { return __builtin_exp2(x); }
static inline float hdt_log2_f32(float x) { return __builtin_log2f(x); }
static inline double hdt_log2_f64(double x) { return __builtin_log2(x); }
static inline float hdt_sin_f32(float x) { return __builtin_sinf(x); }
static inline double hdt_sin_f64(double x) { return __builtin_sin(x); }
static inline float hdt_cos_f32(float x) { return __builtin_cosf(x); }
static inline double hdt_cos_f64(double x) { return __builtin_cos(x); }
static inline float hdt_erf_f32(float x) { return __builtin_erff(x); }
static inline double hdt_erf_f64(double x) { return __builtin_erf(x); }
static inline float hdt_floor_f32(float x) { return __builtin_floorf(x); }
static inline double hdt_floor_f64(double x) { return __builtin_floor(x); }
static inline float hdt_ceil_f32(float x) { return __builtin_ceilf(x); }
static inline double hdt_ceil_f64(double x) { return __builtin_ceil(x); }
/* Halfway cases away from zero, as CUDA's roundf. */
static inline float hdt_round_f32(float x) { return __builtin_roundf(x); }
static inline double hdt_round_f64(double x) { return __builtin_round(x); }
static inline float hdt_trunc_f32(float x) { return __builtin_truncf(x); }
static inline double hdt_trunc_f64(double x) { return __builtin_trunc(x); }
static inline float hdt_pow_f32(float x, float y) { return __builtin_powf(x, y); }
static inline double hdt_pow_f64(double x, double y) { return __builtin_pow(x, y); }
static inline float hdt_fma_f32(float x, float y, float z) { return __builtin_fmaf(x, y, z); }
static inline double hdt_fma_f64(double x, double y, double z) { return __builtin_fma(x, y, z); }
static inline bool hdt_isnan_f32(float x) { return x != x; }
static inline bool hdt_isnan_f64(double x) { return x != x; }
static inline bool hdt_isinf_f32(float x) { return __builtin_fabsf(x) == __builtin_inff(); }
static inline bool hdt_isinf_f64(double x) { return __builtin_fabs(x) == __builtin_inf(); }

/* ---- tensor cores: what the expansion of mma calls (ir_mma.c) ----
 * cvt.rna.tf32.f32: to nearest with ties away from zero, keeping 10 of the
 * 23 mantissa bits: add half of the dropped unit to the magnitude's bits
 * and clear the 13 low bits (a carry into the exponent is the right
 * rounding, up to infinity). NaN and infinity pass through. */
static inline float hdt_tf32_round_f32(float x) {
  uint32_t u = hdt_bits_f32(x);
  if ((u & 0x7f800000u) == 0x7f800000u)
    return x;
  return hdt_f32_of_bits((u + 0x1000u) & ~0x1fffu);
}

/* ---- atomics: blocks may run on several OS threads at once ----
 * Relaxed, as CUDA's atomicAdd. Integers wrap (GCC and Clang define the
 * atomic builtins so). Floats: a compare-exchange loop on the value, which
 * the builtin compares bit for bit (a NaN does not loop forever). */

static inline int32_t hdt_atomic_add_i32(int32_t *p, int32_t v) { return __atomic_fetch_add(p, v, __ATOMIC_RELAXED); }
static inline uint32_t hdt_atomic_add_u32(uint32_t *p, uint32_t v) { return __atomic_fetch_add(p, v, __ATOMIC_RELAXED); }
static inline int64_t hdt_atomic_add_i64(int64_t *p, int64_t v) { return __atomic_fetch_add(p, v, __ATOMIC_RELAXED); }
static inline uint64_t hdt_atomic_add_u64(uint64_t *p, uint64_t v) { return __atomic_fetch_add(p, v, __ATOMIC_RELAXED); }

static inline float hdt_atomic_add_f32(float *p, float v) {
  float old, sum;
  __atomic_load(p, &old, __ATOMIC_RELAXED);
  do
    sum = old + v;
  while (!__atomic_compare_exchange(p, &old, &sum, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
  return old;
}

static inline double hdt_atomic_add_f64(double *p, double v) {
  double old, sum;
  __atomic_load(p, &old, __ATOMIC_RELAXED);
  do
    sum = old + v;
  while (!__atomic_compare_exchange(p, &old, &sum, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
  return old;
}

/* max, min, exchange: integers with the builtins; floats with a
 * compare-exchange loop and fmax's NaN rule (the CUDA header does the same). */
#define HDT_ATOMIC_INT(T, NAME)                                                                   \
  static inline T hdt_atomic_max_##NAME(T *p, T v) {                                             \
    T old;                                                                                       \
    __atomic_load(p, &old, __ATOMIC_RELAXED);                                                    \
    while (old < v && !__atomic_compare_exchange(p, &old, &v, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) \
      ;                                                                                          \
    return old;                                                                                  \
  }                                                                                              \
  static inline T hdt_atomic_min_##NAME(T *p, T v) {                                             \
    T old;                                                                                       \
    __atomic_load(p, &old, __ATOMIC_RELAXED);                                                    \
    while (v < old && !__atomic_compare_exchange(p, &old, &v, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) \
      ;                                                                                          \
    return old;                                                                                  \
  }                                                                                              \
  static inline T hdt_atomic_exch_##NAME(T *p, T v) { return __atomic_exchange_n(p, v, __ATOMIC_RELAXED); } \
  static inline T hdt_atomic_cas_##NAME(T *p, T cmp, T v) {                                      \
    __atomic_compare_exchange(p, &cmp, &v, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);           \
    return cmp; /* the old value, whether or not it was swapped */                               \
  }
HDT_ATOMIC_INT(int32_t, i32)
HDT_ATOMIC_INT(uint32_t, u32)
HDT_ATOMIC_INT(int64_t, i64)
HDT_ATOMIC_INT(uint64_t, u64)
#undef HDT_ATOMIC_INT

#define HDT_ATOMIC_FLOAT(T, NAME, MAX, MIN)                                                       \
  static inline T hdt_atomic_max_##NAME(T *p, T v) {                                             \
    T old, r;                                                                                    \
    __atomic_load(p, &old, __ATOMIC_RELAXED);                                                    \
    do                                                                                           \
      r = MAX(old, v);                                                                           \
    while (!__atomic_compare_exchange(p, &old, &r, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED));   \
    return old;                                                                                  \
  }                                                                                              \
  static inline T hdt_atomic_min_##NAME(T *p, T v) {                                             \
    T old, r;                                                                                    \
    __atomic_load(p, &old, __ATOMIC_RELAXED);                                                    \
    do                                                                                           \
      r = MIN(old, v);                                                                           \
    while (!__atomic_compare_exchange(p, &old, &r, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED));   \
    return old;                                                                                  \
  }                                                                                              \
  static inline T hdt_atomic_exch_##NAME(T *p, T v) {                                            \
    T old;                                                                                       \
    __atomic_exchange(p, &v, &old, __ATOMIC_RELAXED);                                            \
    return old;                                                                                  \
  }
HDT_ATOMIC_FLOAT(float, f32, __builtin_fmaxf, __builtin_fminf)
HDT_ATOMIC_FLOAT(double, f64, __builtin_fmax, __builtin_fmin)
#undef HDT_ATOMIC_FLOAT

/* threadfence(): blocks run on several OS threads under OpenMP. */
static inline void hdt_threadfence_void(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

/* ---- warp shuffles ----
 * The generated code runs a shuffle in two phases: every thread stores its
 * value in an exchange buffer, then every thread reads the slot of the
 * thread these functions name. As on the GPU (PTX shfl with a full warp),
 * only the low 5 bits of the mask or delta count; a source past the end of
 * the warp (shfl_down) or of the block (a partial last warp) gives the
 * thread its own value. */

typedef union hdt_xchg {
  int32_t i32;
  uint32_t u32;
  int64_t i64;
  uint64_t u64;
  float f32;
  double f64;
  hdt_f16 f16;
  hdt_bf16 bf16;
} hdt_xchg;

static inline int hdt_lane_xor(int tid, int32_t lane_mask, int threads) {
  int src = (tid & ~31) | ((tid & 31) ^ (int)((uint32_t)lane_mask & 31u));
  return src < threads ? src : tid;
}

static inline int hdt_lane_down(int tid, int32_t delta, int threads) {
  int d = (int)((uint32_t)delta & 31u);
  return (tid & 31) + d < 32 && tid + d < threads ? tid + d : tid;
}

static inline int hdt_lane_up(int tid, int32_t delta, int threads) {
  (void)threads; /* a source below the thread is in the block */
  int d = (int)((uint32_t)delta & 31u);
  return (tid & 31) >= d ? tid - d : tid;
}

static inline int hdt_lane_idx(int tid, int32_t lane, int threads) {
  int src = (tid & ~31) | (int)((uint32_t)lane & 31u);
  return src < threads ? src : tid;
}

/* ---- warp votes ----
 * Every thread offers its condition (0 or 1) as .u32; these fold the slots
 * of the thread's warp, the lanes the block has (a partial last warp votes
 * with the lanes it has, as the GPU's active mask). */

static inline uint32_t hdt_warp_ballot(const hdt_xchg *slots, int tid, int threads) {
  int base = tid & ~31;
  uint32_t bits = 0;
  for (int l = 0; l < 32 && base + l < threads; l++)
    bits |= (slots[base + l].u32 != 0u ? 1u : 0u) << l;
  return bits;
}

static inline bool hdt_warp_any(const hdt_xchg *slots, int tid, int threads) {
  return hdt_warp_ballot(slots, tid, threads) != 0u;
}

static inline bool hdt_warp_all(const hdt_xchg *slots, int tid, int threads) {
  int base = tid & ~31, n = threads - base < 32 ? threads - base : 32;
  uint32_t lanes = n == 32 ? 0xffffffffu : (1u << n) - 1u;
  return hdt_warp_ballot(slots, tid, threads) == lanes;
}

/* ---- asynchronous copies and vector access ---- */

/* A vector access at an address that is not a multiple of its size faults
 * on the GPU (cudaErrorMisalignedAddress). Here it does nothing and sets
 * *fault, the fault word of the block being run, which hdt_host_launch
 * gives each block (and the generated code hands on to the device
 * functions that vcopy): one word per OS thread of the launch, so
 * concurrent launches do not see each other's faults. It is not a
 * thread-local variable: those, in a model's shared object that is
 * dlclose'd later, crash LeakSanitizer at exit. */
static inline bool hdt_misaligned(int *fault, const void *dst, const void *src, int bytes) {
  if ((((uintptr_t)dst | (uintptr_t)src) & (uintptr_t)(bytes - 1)) == 0)
    return false;
  *fault = HDT_ERR_MISALIGNED;
  return true;
}

/* vcopy: one 4-, 8- or 16-byte load and store. */
static inline void hdt_vcopy(int *fault, void *dst, const void *src, int bytes) {
  if (!hdt_misaligned(fault, dst, src, bytes))
    __builtin_memcpy(dst, src, (size_t)bytes);
}

/* The copies a thread has issued and not yet completed, in issue order,
 * each tagged with its group: the number of groups the thread had
 * committed when it issued it (so group == committed: not committed yet).
 * The queue lives in the block's frame, zeroed before each block: copies
 * still pending at the end of a block are dropped. A queue holds
 * HDT_CP_ASYNC_PENDING copies; one more completes the oldest early, which
 * the GPU may do too (a copy completes at some time before its wait). */
enum { HDT_CP_ASYNC_PENDING = 32 };

typedef struct hdt_cp_copy {
  void *dst;
  const void *src;
  uint32_t group;
  uint8_t bytes, fill; /* fill: the predicate was false, zero-fill */
} hdt_cp_copy;

typedef struct hdt_cpq {
  hdt_cp_copy q[HDT_CP_ASYNC_PENDING];
  int len;
  uint32_t committed;
} hdt_cpq;

static inline void hdt_cp_copy_do(const hdt_cp_copy *c) {
  if (c->fill)
    __builtin_memset(c->dst, 0, c->bytes);
  else
    __builtin_memcpy(c->dst, c->src, c->bytes);
}

/* Completes the first n copies of the queue, in order, and drops them. */
static inline void hdt_cp_async_complete(hdt_cpq *q, int n) {
  for (int i = 0; i < n; i++)
    hdt_cp_copy_do(&q->q[i]);
  for (int i = n; i < q->len; i++)
    q->q[i - n] = q->q[i];
  q->len -= n;
}

/* cp_async: queues the copy of bytes from src to dst (zeros where pred is
 * false: the source is not read). */
static inline void hdt_cp_async(hdt_cpq *q, int *fault, void *dst, const void *src, int bytes, bool pred) {
  if (hdt_misaligned(fault, dst, src, bytes))
    return;
  if (q->len == HDT_CP_ASYNC_PENDING)
    hdt_cp_async_complete(q, 1);
  hdt_cp_copy c = {dst, src, q->committed, (uint8_t)bytes, (uint8_t)!pred};
  q->q[q->len++] = c;
}

/* cp_async_commit: the copies not yet committed become the newest group. */
static inline void hdt_cp_async_commit(hdt_cpq *q) { q->committed++; }

/* cp_async_wait(n): completes every committed group but the n newest;
 * copies not committed are not waited for (PTX's cp.async.wait_group). */
static inline void hdt_cp_async_wait(hdt_cpq *q, int32_t n) {
  int done = 0;
  while (done < q->len && (int64_t)q->q[done].group < (int64_t)q->committed - n)
    done++;
  hdt_cp_async_complete(q, done);
}

/* ---- blocks ---- */

/* Are all n flags set? (Every thread of the block has returned.) */
static inline bool hdt_all_true(const bool *flags, int n) {
  for (int i = 0; i < n; i++)
    if (!flags[i])
      return false;
  return true;
}

static inline void hdt_zero(void *p, size_t bytes) { __builtin_memset(p, 0, bytes); }

/* One block of a kernel: its frame (per-thread values that live across
 * phases, shared memory; zeroed before each block), the kernel's arguments,
 * and the block's coordinates. */
typedef void (*hdt_block_fn)(void *frame, const void *args, hdt_dim3 blockIdx, hdt_dim3 gridDim, int *fault);

/* Runs every block of a grid_x * grid_y * grid_z grid, on all cores when
 * the caller is compiled with OpenMP. Each OS thread allocates one frame
 * and reuses it for its blocks. Returns 0, or the error CUDA would give for
 * a grid out of range or for a block that faulted (a misaligned vector
 * access: the other blocks still run); an empty grid does nothing. */
static inline int hdt_host_launch(hdt_block_fn block, size_t frame_bytes, const void *args, int64_t grid_x,
                                  int64_t grid_y, int64_t grid_z) {
  if (grid_x < 0 || grid_x > INT32_MAX || grid_y < 0 || grid_y > 65535 || grid_z < 0 || grid_z > 65535)
    return HDT_HOST_ERROR_INVALID_CONFIGURATION;
  if (grid_x == 0 || grid_y == 0 || grid_z == 0)
    return HDT_HOST_SUCCESS;
  const hdt_dim3 grid = hdt_dim3_make((int32_t)grid_x, (int32_t)grid_y, (int32_t)grid_z);
  const int64_t nblocks = grid_x * grid_y * grid_z; /* < 2^63 */
  int status = HDT_HOST_SUCCESS;
#ifdef _OPENMP
#pragma omp parallel
#endif
  {
    void *frame = frame_bytes ? hdt_frame_alloc(frame_bytes) : NULL;
    bool ok = !frame_bytes || frame;
    if (!ok) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
      status = HDT_HOST_ERROR_MEMORY_ALLOCATION;
    }
    /* Every OS thread takes part in the loop (a worksharing loop must be
     * reached by all); one without a frame skips its blocks. */
#ifdef _OPENMP
#pragma omp for schedule(dynamic)
#endif
    for (int64_t b = 0; b < nblocks; b++) {
      if (!ok)
        continue;
      if (frame_bytes)
        hdt_zero(frame, frame_bytes);
      hdt_dim3 bid = hdt_dim3_make((int32_t)(b % grid_x), (int32_t)(b / grid_x % grid_y),
                                   (int32_t)(b / (grid_x * grid_y)));
      int fault = HDT_OK;
      block(frame, args, bid, grid, &fault);
      if (fault != HDT_OK) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
        status = fault;
      }
    }
    hdt_frame_free(frame);
  }
  return status;
}

#endif
