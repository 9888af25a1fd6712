/* hdt_cuda.h: what the CUDA code that hdtc writes (--target=cuda) includes.
 *
 * Small helpers over CUDA's intrinsics, overloaded on every scalar type hdt
 * has, so that the generated code can call one name whatever the type:
 *   hdt_exp hdt_log hdt_sqrt hdt_rsqrt hdt_tanh   f32 and f64 (the accurate
 *   hdt_exp2 hdt_log2 hdt_sin hdt_cos hdt_erf     functions: expf, not __expf)
 *   hdt_floor hdt_ceil hdt_round hdt_trunc
 *   hdt_pow hdt_fma hdt_isnan hdt_isinf
 *   hdt_fast_exp                                  f32: __expf (hardware ex2, a few
 *                                                 ulp); f64: exp
 *   hdt_min hdt_max hdt_abs                       every numeric type
 *   hdt_shfl_xor hdt_shfl_down hdt_shfl_up        32- and 64-bit numbers, f16 and
 *   hdt_shfl_idx                                  bf16, full warp
 *   hdt_ballot hdt_warp_any hdt_warp_all          votes over the full warp
 *   hdt_atomic_add hdt_atomic_max hdt_atomic_min  i32 u32 i64 u64 f32 f64; return
 *   hdt_atomic_exch                               the old value (float max/min: a
 *                                                 compare-and-swap loop, fmaxf's NaN rule)
 *   hdt_atomic_cas                                i32 u32 i64 u64
 *   hdt_threadfence                               __threadfence()
 *   hdt_mma hdt_ldmatrix hdt_tf32_round           tensor cores: mma.sync and
 *                                                 ldmatrix on fragment registers
 *   hdt_cp_async<B> hdt_cp_async_commit           cp.async of B = 4, 8 or 16 bytes from
 *   hdt_cp_async_wait<N>                          global to shared memory (.cg for 16,
 *                                                 .ca else; src-size 0 zero-fills), its
 *                                                 commit_group and wait_group N
 *   hdt_vcopy<B>                                  one 32-, 64- or 128-bit load and store
 *   hdt_to_f16 hdt_to_bf16                        conversions to the 16-bit
 *                                                 floats from every scalar type,
 *                                                 rounded once, to nearest even
 *   hdt_inf_f32 hdt_nan_f32 hdt_inf_f64 hdt_nan_f64
 *   hdt_cdiv                                      ceiling division of sizes
 *   hdt_launch_status                             what an entry point returns
 *                                                 after its launch
 *   HDT_ERR_...                                   the entry points' error codes
 *                                                 (hdt_errors.h)
 * Every helper is `static` and inline, so several generated .cu files link
 * into one program without clashing symbols. Those that launch code may also
 * evaluate (grid sizes, which are computed on the host) are __host__
 * __device__; shuffles and atomics are __device__ only.
 *
 * Conversions from f16 and bf16 go through float: every f16 and bf16 value
 * is exactly a float, so (T)__half2float(x) is the correctly converted x. */
#ifndef HDT_CUDA_H
#define HDT_CUDA_H

#include <cuda_runtime.h>
#include <cuda_fp16.h>
#include <cuda_bf16.h>
#include <stdint.h>

#include "hdt_errors.h"

#define HDT_HD static __host__ __device__ __forceinline__
#define HDT_D static __device__ __forceinline__

/* ---- special values (constant expressions, on the host and the device) ---- */

HDT_HD float hdt_inf_f32(void) { return __builtin_huge_valf(); }
HDT_HD float hdt_nan_f32(void) { return __builtin_nanf(""); }
HDT_HD double hdt_inf_f64(void) { return __builtin_huge_val(); }
HDT_HD double hdt_nan_f64(void) { return __builtin_nan(""); }

/* ---- integer helpers ---- */

/* (a + b - 1) / b for a >= 0 and b > 0, without overflowing near the top. */
HDT_HD int32_t hdt_cdiv(int32_t a, int32_t b) { return a / b + (a % b != 0); }
HDT_HD int64_t hdt_cdiv(int64_t a, int64_t b) { return a / b + (a % b != 0); }
HDT_HD uint32_t hdt_cdiv(uint32_t a, uint32_t b) { return a / b + (a % b != 0); }
HDT_HD uint64_t hdt_cdiv(uint64_t a, uint64_t b) { return a / b + (a % b != 0); }

/* ---- launches ---- */

/* The error of the launch just made on stream. A launch is asynchronous,
 * so an error of the kernel itself (an illegal address, a trap) shows up
 * only at a later synchronization; compiled with -DHDT_DEBUG_SYNC, every
 * entry point synchronizes its stream and returns that error too. */
static inline int hdt_launch_status(cudaStream_t stream) {
  cudaError_t err = cudaGetLastError();
#ifdef HDT_DEBUG_SYNC
  if (err == cudaSuccess)
    err = cudaStreamSynchronize(stream);
#else
  (void)stream;
#endif
  return (int)err;
}

/* ---- math: f32 and f64 ---- */

HDT_HD float hdt_exp(float x) { return expf(x); }
HDT_HD double hdt_exp(double x) { return exp(x); }
HDT_HD float hdt_log(float x) { return logf(x); }
HDT_HD double hdt_log(double x) { return log(x); }
HDT_HD float hdt_sqrt(float x) { return sqrtf(x); }
HDT_HD double hdt_sqrt(double x) { return sqrt(x); }
HDT_HD float hdt_tanh(float x) { return tanhf(x); }
HDT_HD double hdt_tanh(double x) { return tanh(x); }
HDT_HD float hdt_exp2(float x) { return exp2f(x); }
HDT_HD double hdt_exp2(double x) { return exp2(x); }
HDT_HD float hdt_log2(float x) { return log2f(x); }
HDT_HD double hdt_log2(double x) { return log2(x); }
HDT_HD float hdt_sin(float x) { return sinf(x); }
HDT_HD double hdt_sin(double x) { return sin(x); }
HDT_HD float hdt_cos(float x) { return cosf(x); }
HDT_HD double hdt_cos(double x) { return cos(x); }
HDT_HD float hdt_erf(float x) { return erff(x); }
HDT_HD double hdt_erf(double x) { return erf(x); }
HDT_HD float hdt_floor(float x) { return floorf(x); }
HDT_HD double hdt_floor(double x) { return floor(x); }
HDT_HD float hdt_ceil(float x) { return ceilf(x); }
HDT_HD double hdt_ceil(double x) { return ceil(x); }
/* C's round: halfway cases away from zero (CUDA's roundf is the same). */
HDT_HD float hdt_round(float x) { return roundf(x); }
HDT_HD double hdt_round(double x) { return round(x); }
HDT_HD float hdt_trunc(float x) { return truncf(x); }
HDT_HD double hdt_trunc(double x) { return trunc(x); }
HDT_HD float hdt_pow(float x, float y) { return powf(x, y); }
HDT_HD double hdt_pow(double x, double y) { return pow(x, y); }
HDT_HD float hdt_fma(float x, float y, float z) { return fmaf(x, y, z); }
HDT_HD double hdt_fma(double x, double y, double z) { return fma(x, y, z); }
HDT_HD bool hdt_isnan(float x) { return x != x; }
HDT_HD bool hdt_isnan(double x) { return x != x; }
HDT_HD bool hdt_isinf(float x) { return fabsf(x) == hdt_inf_f32(); }
HDT_HD bool hdt_isinf(double x) { return fabs(x) == hdt_inf_f64(); }
/* Opt-in speed over accuracy: __expf's error grows with |x| (CUDA's
 * programming guide: 2 + floor(|1.173 x|) ulp); the host computes exp. */
HDT_HD float hdt_fast_exp(float x) {
#ifdef __CUDA_ARCH__
  return __expf(x);
#else
  return expf(x);
#endif
}
HDT_HD double hdt_fast_exp(double x) { return exp(x); }
HDT_HD float hdt_rsqrt(float x) {
#ifdef __CUDA_ARCH__
  return rsqrtf(x);
#else
  return 1.0f / sqrtf(x);
#endif
}
HDT_HD double hdt_rsqrt(double x) {
#ifdef __CUDA_ARCH__
  return rsqrt(x);
#else
  return 1.0 / sqrt(x);
#endif
}

/* ---- min, max, abs: every numeric type ---- */

#define HDT_MINMAX_INT(T)                                                                          \
  HDT_HD T hdt_min(T a, T b) { return b < a ? b : a; }                                             \
  HDT_HD T hdt_max(T a, T b) { return a < b ? b : a; }
HDT_MINMAX_INT(int8_t)
HDT_MINMAX_INT(int16_t)
HDT_MINMAX_INT(int32_t)
HDT_MINMAX_INT(int64_t)
HDT_MINMAX_INT(uint8_t)
HDT_MINMAX_INT(uint16_t)
HDT_MINMAX_INT(uint32_t)
HDT_MINMAX_INT(uint64_t)
#undef HDT_MINMAX_INT

/* Floats: IEEE minNum/maxNum (fminf), so a NaN operand gives the other one. */
HDT_HD float hdt_min(float a, float b) { return fminf(a, b); }
HDT_HD float hdt_max(float a, float b) { return fmaxf(a, b); }
HDT_HD double hdt_min(double a, double b) { return fmin(a, b); }
HDT_HD double hdt_max(double a, double b) { return fmax(a, b); }
/* The result is one of the operands, so the round trip through float is exact. */
HDT_HD __half hdt_min(__half a, __half b) { return __float2half_rn(fminf(__half2float(a), __half2float(b))); }
HDT_HD __half hdt_max(__half a, __half b) { return __float2half_rn(fmaxf(__half2float(a), __half2float(b))); }
HDT_HD __nv_bfloat16 hdt_min(__nv_bfloat16 a, __nv_bfloat16 b) {
  return __float2bfloat16_rn(fminf(__bfloat162float(a), __bfloat162float(b)));
}
HDT_HD __nv_bfloat16 hdt_max(__nv_bfloat16 a, __nv_bfloat16 b) {
  return __float2bfloat16_rn(fmaxf(__bfloat162float(a), __bfloat162float(b)));
}

/* Signed integers: as C, abs of the most negative value is itself. */
HDT_HD int8_t hdt_abs(int8_t a) { return (int8_t)(a < 0 ? -a : a); }
HDT_HD int16_t hdt_abs(int16_t a) { return (int16_t)(a < 0 ? -a : a); }
HDT_HD int32_t hdt_abs(int32_t a) { return a < 0 ? (int32_t)(0u - (uint32_t)a) : a; }
HDT_HD int64_t hdt_abs(int64_t a) { return a < 0 ? (int64_t)(UINT64_C(0) - (uint64_t)a) : a; }
HDT_HD uint8_t hdt_abs(uint8_t a) { return a; }
HDT_HD uint16_t hdt_abs(uint16_t a) { return a; }
HDT_HD uint32_t hdt_abs(uint32_t a) { return a; }
HDT_HD uint64_t hdt_abs(uint64_t a) { return a; }
HDT_HD float hdt_abs(float a) { return fabsf(a); }
HDT_HD double hdt_abs(double a) { return fabs(a); }
/* Clearing the sign bit, as fabs does (NaNs keep their payload). */
HDT_HD __half hdt_abs(__half a) {
  __half_raw r = a;
  r.x &= 0x7fffu;
  return r;
}
HDT_HD __nv_bfloat16 hdt_abs(__nv_bfloat16 a) {
  __nv_bfloat16_raw r = a;
  r.x &= 0x7fffu;
  return r;
}

/* ---- conversions to f16 and bf16, rounded once to nearest even ---- */

HDT_HD __half hdt_to_f16(bool x) { return __float2half_rn(x ? 1.0f : 0.0f); }
/* Integers: an integer whose magnitude is below 65520 (beyond which f16
 * overflows) is exact in float, so the detour through float rounds once. */
HDT_HD __half hdt_to_f16(signed char x) { return __float2half_rn((float)x); }
HDT_HD __half hdt_to_f16(unsigned char x) { return __float2half_rn((float)x); }
HDT_HD __half hdt_to_f16(short x) { return __float2half_rn((float)x); }
HDT_HD __half hdt_to_f16(unsigned short x) { return __float2half_rn((float)x); }
HDT_HD __half hdt_to_f16(int x) { return __float2half_rn((float)x); }
HDT_HD __half hdt_to_f16(unsigned x) { return __float2half_rn((float)x); }
HDT_HD __half hdt_to_f16(long x) { return __float2half_rn((float)x); }
HDT_HD __half hdt_to_f16(unsigned long x) { return __float2half_rn((float)x); }
HDT_HD __half hdt_to_f16(long long x) { return __float2half_rn((float)x); }
HDT_HD __half hdt_to_f16(unsigned long long x) { return __float2half_rn((float)x); }
HDT_HD __half hdt_to_f16(float x) { return __float2half_rn(x); }
HDT_HD __half hdt_to_f16(double x) { return __double2half(x); }
HDT_HD __half hdt_to_f16(__half x) { return x; }
HDT_HD __half hdt_to_f16(__nv_bfloat16 x) { return __float2half_rn(__bfloat162float(x)); }

HDT_HD __nv_bfloat16 hdt_to_bf16(bool x) { return __float2bfloat16_rn(x ? 1.0f : 0.0f); }
/* bf16 keeps 8 significant bits and float 24: integers beyond 2^24 would be
 * rounded twice through float, so they take the direct conversions. */
HDT_HD __nv_bfloat16 hdt_to_bf16(signed char x) { return __float2bfloat16_rn((float)x); }
HDT_HD __nv_bfloat16 hdt_to_bf16(unsigned char x) { return __float2bfloat16_rn((float)x); }
HDT_HD __nv_bfloat16 hdt_to_bf16(short x) { return __float2bfloat16_rn((float)x); }
HDT_HD __nv_bfloat16 hdt_to_bf16(unsigned short x) { return __float2bfloat16_rn((float)x); }
HDT_HD __nv_bfloat16 hdt_to_bf16(int x) { return __double2bfloat16((double)x); }
HDT_HD __nv_bfloat16 hdt_to_bf16(unsigned x) { return __double2bfloat16((double)x); }
/* 64-bit integers are not exact in double either: round to odd into double
 * (sticky bit), then once to bf16, which is exact for the 8-bit target. */
HDT_HD double hdt_round_odd_f64(unsigned long long m) {
  /* m < 2^53 is exact; above, fold the bits below the 53 kept into a sticky bit. */
  int shift = 0;
  while ((m >> shift) >= (1ull << 53))
    shift++;
  unsigned long long kept = m >> shift;
  if (shift && (m & ((1ull << shift) - 1)))
    kept |= 1;
  return ldexp((double)kept, shift);
}
HDT_HD __nv_bfloat16 hdt_to_bf16(unsigned long long x) { return __double2bfloat16(hdt_round_odd_f64(x)); }
HDT_HD __nv_bfloat16 hdt_to_bf16(long long x) {
  double m = hdt_round_odd_f64(x < 0 ? 0ull - (unsigned long long)x : (unsigned long long)x);
  return __double2bfloat16(x < 0 ? -m : m);
}
HDT_HD __nv_bfloat16 hdt_to_bf16(unsigned long x) { return hdt_to_bf16((unsigned long long)x); }
HDT_HD __nv_bfloat16 hdt_to_bf16(long x) { return hdt_to_bf16((long long)x); }
HDT_HD __nv_bfloat16 hdt_to_bf16(float x) { return __float2bfloat16_rn(x); }
HDT_HD __nv_bfloat16 hdt_to_bf16(double x) { return __double2bfloat16(x); }
HDT_HD __nv_bfloat16 hdt_to_bf16(__half x) { return __float2bfloat16_rn(__half2float(x)); }
HDT_HD __nv_bfloat16 hdt_to_bf16(__nv_bfloat16 x) { return x; }

/* ---- warp shuffles over the full warp (every lane takes part) ---- */

#define HDT_SHFL(T)                                                                                \
  HDT_D T hdt_shfl_xor(T v, int32_t lane_mask) { return __shfl_xor_sync(0xffffffffu, v, lane_mask); } \
  HDT_D T hdt_shfl_down(T v, int32_t delta) { return __shfl_down_sync(0xffffffffu, v, (unsigned)delta); } \
  HDT_D T hdt_shfl_up(T v, int32_t delta) { return __shfl_up_sync(0xffffffffu, v, (unsigned)delta); } \
  HDT_D T hdt_shfl_idx(T v, int32_t lane) { return __shfl_sync(0xffffffffu, v, lane); }
HDT_SHFL(int32_t)
HDT_SHFL(uint32_t)
HDT_SHFL(float)
HDT_SHFL(double)
HDT_SHFL(__half)
HDT_SHFL(__nv_bfloat16)
#undef HDT_SHFL
/* 64-bit integers: CUDA's overloads are long long and unsigned long long. */
#define HDT_SHFL64(T, C)                                                                           \
  HDT_D T hdt_shfl_xor(T v, int32_t lane_mask) { return (T)__shfl_xor_sync(0xffffffffu, (C)v, lane_mask); } \
  HDT_D T hdt_shfl_down(T v, int32_t delta) { return (T)__shfl_down_sync(0xffffffffu, (C)v, (unsigned)delta); } \
  HDT_D T hdt_shfl_up(T v, int32_t delta) { return (T)__shfl_up_sync(0xffffffffu, (C)v, (unsigned)delta); } \
  HDT_D T hdt_shfl_idx(T v, int32_t lane) { return (T)__shfl_sync(0xffffffffu, (C)v, lane); }
HDT_SHFL64(int64_t, long long)
HDT_SHFL64(uint64_t, unsigned long long)
#undef HDT_SHFL64

/* ---- warp votes over the full warp; the condition is 0 or 1 ---- */

HDT_D uint32_t hdt_ballot(uint32_t pred) { return __ballot_sync(0xffffffffu, pred != 0u); }
HDT_D bool hdt_warp_any(uint32_t pred) { return __any_sync(0xffffffffu, pred != 0u) != 0; }
HDT_D bool hdt_warp_all(uint32_t pred) { return __all_sync(0xffffffffu, pred != 0u) != 0; }

/* ---- atomic add on global or shared memory; returns the old value ---- */

HDT_D int32_t hdt_atomic_add(int32_t *p, int32_t v) { return atomicAdd(p, v); }
HDT_D uint32_t hdt_atomic_add(uint32_t *p, uint32_t v) { return atomicAdd(p, v); }
HDT_D float hdt_atomic_add(float *p, float v) { return atomicAdd(p, v); }
HDT_D double hdt_atomic_add(double *p, double v) { return atomicAdd(p, v); }
HDT_D uint64_t hdt_atomic_add(uint64_t *p, uint64_t v) {
  return (uint64_t)atomicAdd((unsigned long long *)p, (unsigned long long)v);
}
/* Two's complement addition is the same on the unsigned bits. */
HDT_D int64_t hdt_atomic_add(int64_t *p, int64_t v) {
  return (int64_t)atomicAdd((unsigned long long *)p, (unsigned long long)v);
}

/* ---- atomic max, min, exchange, compare-and-swap; return the old value ---- */

HDT_D int32_t hdt_atomic_max(int32_t *p, int32_t v) { return atomicMax(p, v); }
HDT_D uint32_t hdt_atomic_max(uint32_t *p, uint32_t v) { return atomicMax(p, v); }
HDT_D int64_t hdt_atomic_max(int64_t *p, int64_t v) { return (int64_t)atomicMax((long long *)p, (long long)v); }
HDT_D uint64_t hdt_atomic_max(uint64_t *p, uint64_t v) {
  return (uint64_t)atomicMax((unsigned long long *)p, (unsigned long long)v);
}
HDT_D int32_t hdt_atomic_min(int32_t *p, int32_t v) { return atomicMin(p, v); }
HDT_D uint32_t hdt_atomic_min(uint32_t *p, uint32_t v) { return atomicMin(p, v); }
HDT_D int64_t hdt_atomic_min(int64_t *p, int64_t v) { return (int64_t)atomicMin((long long *)p, (long long)v); }
HDT_D uint64_t hdt_atomic_min(uint64_t *p, uint64_t v) {
  return (uint64_t)atomicMin((unsigned long long *)p, (unsigned long long)v);
}
/* CUDA has no float atomicMax/atomicMin: a compare-and-swap loop on the
 * bits, with fmaxf/fminf's rule (a NaN operand gives the other one), as the
 * host target computes it. The loop ends once no other thread changed the
 * element between the read and the swap. */
#define HDT_ATOMIC_FLOAT_OP(NAME, T, U, C, TO_BITS, FROM_BITS, OP)                                 \
  HDT_D T NAME(T *p, T v) {                                                                        \
    C *u = (C *)p;                                                                                 \
    C old = *(volatile C *)u, assumed;                                                             \
    do {                                                                                           \
      assumed = old;                                                                               \
      old = atomicCAS(u, assumed, (C)TO_BITS(OP(FROM_BITS((U)assumed), v)));                       \
    } while (old != assumed);                                                                      \
    return FROM_BITS((U)old);                                                                      \
  }
HDT_ATOMIC_FLOAT_OP(hdt_atomic_max, float, unsigned, unsigned, __float_as_uint, __uint_as_float, fmaxf)
HDT_ATOMIC_FLOAT_OP(hdt_atomic_min, float, unsigned, unsigned, __float_as_uint, __uint_as_float, fminf)
HDT_ATOMIC_FLOAT_OP(hdt_atomic_max, double, long long, unsigned long long, __double_as_longlong, __longlong_as_double, fmax)
HDT_ATOMIC_FLOAT_OP(hdt_atomic_min, double, long long, unsigned long long, __double_as_longlong, __longlong_as_double, fmin)
#undef HDT_ATOMIC_FLOAT_OP

HDT_D int32_t hdt_atomic_exch(int32_t *p, int32_t v) { return atomicExch(p, v); }
HDT_D uint32_t hdt_atomic_exch(uint32_t *p, uint32_t v) { return atomicExch(p, v); }
HDT_D float hdt_atomic_exch(float *p, float v) { return atomicExch(p, v); }
HDT_D uint64_t hdt_atomic_exch(uint64_t *p, uint64_t v) {
  return (uint64_t)atomicExch((unsigned long long *)p, (unsigned long long)v);
}
HDT_D int64_t hdt_atomic_exch(int64_t *p, int64_t v) {
  return (int64_t)atomicExch((unsigned long long *)p, (unsigned long long)v);
}
HDT_D double hdt_atomic_exch(double *p, double v) {
  return __longlong_as_double(
      (long long)atomicExch((unsigned long long *)p, (unsigned long long)__double_as_longlong(v)));
}

HDT_D int32_t hdt_atomic_cas(int32_t *p, int32_t cmp, int32_t v) { return atomicCAS(p, cmp, v); }
HDT_D uint32_t hdt_atomic_cas(uint32_t *p, uint32_t cmp, uint32_t v) { return atomicCAS(p, cmp, v); }
HDT_D uint64_t hdt_atomic_cas(uint64_t *p, uint64_t cmp, uint64_t v) {
  return (uint64_t)atomicCAS((unsigned long long *)p, (unsigned long long)cmp, (unsigned long long)v);
}
HDT_D int64_t hdt_atomic_cas(int64_t *p, int64_t cmp, int64_t v) {
  return (int64_t)atomicCAS((unsigned long long *)p, (unsigned long long)cmp, (unsigned long long)v);
}

/* Orders this thread's memory accesses for every thread of the device. */
HDT_D void hdt_threadfence(void) { __threadfence(); }

/* ---- tensor cores (language.md §7, "Tensor cores") ----
 * Each helper takes pointers to the first register of a tile: the fragment
 * arrays of 16-bit floats are declared __align__(16), so reading two of
 * them as one 32-bit register (the f16x2 / bf16x2 operands) is aligned.
 * The registers are in the PTX order a0, a1, ... (fragment.c). */

/* cvt.rna.tf32.f32: round to nearest, ties away from zero, to 10 mantissa
 * bits; the result is an f32 with the low 13 bits clear. */
HDT_D float hdt_tf32_round(float x) {
  uint32_t r;
  asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
  return __uint_as_float(r);
}

#define HDT_MMA_K16(T, NAME)                                                                          \
  HDT_D void hdt_mma(float *c, const T *a, const T *b) {                                            \
    const uint32_t *ar = (const uint32_t *)a, *br = (const uint32_t *)b;                           \
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32." NAME "." NAME ".f32 "                     \
                 "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};"                  \
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])                                  \
                 : "r"(ar[0]), "r"(ar[1]), "r"(ar[2]), "r"(ar[3]), "r"(br[0]), "r"(br[1]));        \
  }
HDT_MMA_K16(__half, "f16")
HDT_MMA_K16(__nv_bfloat16, "bf16")
#undef HDT_MMA_K16

/* m16n8k8 tf32: the f32 operands are rounded to tf32 first (hdt_tf32_round),
 * which the instruction's behaviour on unrounded inputs leaves unspecified. */
HDT_D void hdt_mma(float *c, const float *a, const float *b) {
  uint32_t ar[4], br[2];
  for (int i = 0; i < 4; i++)
    ar[i] = __float_as_uint(hdt_tf32_round(a[i]));
  for (int i = 0; i < 2; i++)
    br[i] = __float_as_uint(hdt_tf32_round(b[i]));
  asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 "
               "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};"
               : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
               : "r"(ar[0]), "r"(ar[1]), "r"(ar[2]), "r"(ar[3]), "r"(br[0]), "r"(br[1]));
}

/* ldmatrix.sync.aligned.m8n8.x{1,2,4}[.trans].shared.b16: num and trans are
 * constants at every call (hdtc writes them), so one branch remains. Each
 * lane gives the address of one row (lane % 8 of matrix lane / 8). */
template <typename T>
HDT_D void hdt_ldmatrix(T *dst, const T *src, int num, bool trans) {
  uint32_t *d = (uint32_t *)dst;
  unsigned addr = (unsigned)__cvta_generic_to_shared(src);
  if (num == 1 && !trans)
    asm volatile("ldmatrix.sync.aligned.m8n8.x1.shared.b16 {%0}, [%1];" : "=r"(d[0]) : "r"(addr));
  else if (num == 1)
    asm volatile("ldmatrix.sync.aligned.m8n8.x1.trans.shared.b16 {%0}, [%1];" : "=r"(d[0]) : "r"(addr));
  else if (num == 2 && !trans)
    asm volatile("ldmatrix.sync.aligned.m8n8.x2.shared.b16 {%0, %1}, [%2];" : "=r"(d[0]), "=r"(d[1]) : "r"(addr));
  else if (num == 2)
    asm volatile("ldmatrix.sync.aligned.m8n8.x2.trans.shared.b16 {%0, %1}, [%2];"
                 : "=r"(d[0]), "=r"(d[1]) : "r"(addr));
  else if (!trans)
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];"
                 : "=r"(d[0]), "=r"(d[1]), "=r"(d[2]), "=r"(d[3]) : "r"(addr));
  else
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];"
                 : "=r"(d[0]), "=r"(d[1]), "=r"(d[2]), "=r"(d[3]) : "r"(addr));
}

/* ---- asynchronous copies and vector access ---- */

/* cp.async: BYTES from global src to shared dst, on the side of the
 * thread's other work; where pred is false the source size is 0, so the
 * destination is zero-filled and src is not read. 16-byte copies bypass L1
 * (.cg, the only size it allows), smaller ones cache there (.ca). The
 * shared address is the 32-bit one of the shared window. */
template <int BYTES>
struct hdt_cp_async_op { /* 4 and 8 bytes: .ca (a class, so that no build sees .cg with them) */
  static __device__ __forceinline__ void run(unsigned saddr, const void *src, int src_size) {
    asm volatile("cp.async.ca.shared.global [%0], [%1], %2, %3;\n" ::"r"(saddr), "l"(src), "n"(BYTES),
                 "r"(src_size) : "memory");
  }
};

template <>
struct hdt_cp_async_op<16> {
  static __device__ __forceinline__ void run(unsigned saddr, const void *src, int src_size) {
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(saddr), "l"(src), "r"(src_size)
                 : "memory");
  }
};

template <int BYTES, typename T>
HDT_D void hdt_cp_async(T *dst, const T *src, bool pred) {
  static_assert(BYTES == 4 || BYTES == 8 || BYTES == 16, "cp.async copies 4, 8 or 16 bytes");
  hdt_cp_async_op<BYTES>::run(static_cast<unsigned>(__cvta_generic_to_shared(dst)), src, pred ? BYTES : 0);
}

HDT_D void hdt_cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }

/* Waits until at most N of the thread's committed groups are pending. */
template <int N>
HDT_D void hdt_cp_async_wait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(N) : "memory");
}

template <int BYTES> struct hdt_vec_of;
template <> struct hdt_vec_of<4> { typedef unsigned type; };
template <> struct hdt_vec_of<8> { typedef uint2 type; };
template <> struct hdt_vec_of<16> { typedef uint4 type; };

/* BYTES consecutive bytes in one access: both addresses must be multiples
 * of BYTES (local and shared arrays that hdtc declares for it are). */
template <int BYTES, typename T>
HDT_D void hdt_vcopy(T *dst, const T *src) {
  static_assert(BYTES == 4 || BYTES == 8 || BYTES == 16, "vector accesses are 4, 8 or 16 bytes");
  typedef typename hdt_vec_of<BYTES>::type V;
  *reinterpret_cast<V *>(dst) = *reinterpret_cast<const V *>(src);
}

#undef HDT_HD
#undef HDT_D

#endif
