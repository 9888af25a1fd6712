/* hdt_cuda.h: what the CUDA code that hdtc writes (--target=cuda) includes.
 *
 * Small helpers over CUDA's intrinsics, overloaded on every scalar type hdt
 * has, so that the generated code can call one name whatever the type:
 *   hdt_exp hdt_log hdt_sqrt hdt_rsqrt hdt_tanh   f32 and f64 (the accurate
 *                                                 functions: expf, not __expf)
 *   hdt_min hdt_max hdt_abs                       every numeric type
 *   hdt_shfl_xor hdt_shfl_down                    32- and 64-bit numbers, full warp
 *   hdt_atomic_add                                i32 u32 i64 u64 f32 f64; returns
 *                                                 the old value
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
  HDT_D T hdt_shfl_down(T v, int32_t delta) { return __shfl_down_sync(0xffffffffu, v, (unsigned)delta); }
HDT_SHFL(int32_t)
HDT_SHFL(uint32_t)
HDT_SHFL(float)
HDT_SHFL(double)
#undef HDT_SHFL
HDT_D int64_t hdt_shfl_xor(int64_t v, int32_t lane_mask) {
  return (int64_t)__shfl_xor_sync(0xffffffffu, (long long)v, lane_mask);
}
HDT_D int64_t hdt_shfl_down(int64_t v, int32_t delta) {
  return (int64_t)__shfl_down_sync(0xffffffffu, (long long)v, (unsigned)delta);
}
HDT_D uint64_t hdt_shfl_xor(uint64_t v, int32_t lane_mask) {
  return (uint64_t)__shfl_xor_sync(0xffffffffu, (unsigned long long)v, lane_mask);
}
HDT_D uint64_t hdt_shfl_down(uint64_t v, int32_t delta) {
  return (uint64_t)__shfl_down_sync(0xffffffffu, (unsigned long long)v, (unsigned)delta);
}

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

#undef HDT_HD
#undef HDT_D

#endif
