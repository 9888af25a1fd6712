/* driver.h: what the example drivers share.
 *
 * Each example driver runs one kernel on fresh random inputs at several
 * sizes chosen not to be multiples of any tile, compares the result with a
 * reference computed in double precision, and prints the relative error and
 * the time. The same driver runs the kernel compiled for the host target
 * (hdtc --target=host, pointers are host memory) or for CUDA (built with
 * -DHDT_DRIVER_CUDA, pointers are device memory), through the buffers below.
 * Outputs are filled with NaN before each run, so an element the kernel
 * fails to write shows up as an error. */
#ifndef HDT_EXAMPLES_DRIVER_H
#define HDT_EXAMPLES_DRIVER_H

#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef HDT_DRIVER_CUDA
#include <cuda_runtime_api.h>
#endif

/* A float array with a host copy and, for CUDA, a device copy. */
typedef struct buf {
  float *host;
  float *dev; /* what the kernel gets: the host copy on the host target */
  size_t n;
} buf;

static inline void drv_die(const char *what) {
  fprintf(stderr, "driver: %s\n", what);
  exit(2);
}

#ifdef HDT_DRIVER_CUDA
/* Dies with WHAT and the CUDA error's name and description. */
static inline void drv_cuda_check(cudaError_t err, const char *what) {
  if (err == cudaSuccess)
    return;
  fprintf(stderr, "driver: %s: %s (%s)\n", what, cudaGetErrorName(err), cudaGetErrorString(err));
  exit(2);
}
#endif

static inline buf buf_new(size_t n) {
  buf b = {malloc((n ? n : 1) * sizeof(float)), NULL, n};
  if (!b.host)
    drv_die("out of memory");
#ifdef HDT_DRIVER_CUDA
  drv_cuda_check(cudaMalloc((void **)&b.dev, (n ? n : 1) * sizeof(float)), "cudaMalloc failed");
#else
  b.dev = b.host;
#endif
  return b;
}

static inline void buf_upload(buf *b) {
#ifdef HDT_DRIVER_CUDA
  drv_cuda_check(cudaMemcpy(b->dev, b->host, b->n * sizeof(float), cudaMemcpyHostToDevice),
                 "cudaMemcpy to the device failed");
#else
  (void)b;
#endif
}

static inline void buf_download(buf *b) {
#ifdef HDT_DRIVER_CUDA
  drv_cuda_check(cudaMemcpy(b->host, b->dev, b->n * sizeof(float), cudaMemcpyDeviceToHost),
                 "cudaMemcpy from the device failed");
#else
  (void)b;
#endif
}

static inline void buf_free(buf *b) {
#ifdef HDT_DRIVER_CUDA
  cudaFree(b->dev);
#endif
  free(b->host);
}

/* A 16-bit float array (f16 or bf16), as its bits, with a host copy and,
 * for CUDA, a device copy: the host target's hdt_f16 and hdt_bf16 are the
 * bits (uint16_t), and on the CUDA target the kernel's __half or
 * __nv_bfloat16 pointers get a device copy of the same bits. */
typedef struct hbuf {
  uint16_t *host;
  void *dev; /* what the kernel gets: the host copy on the host target */
  size_t n;
} hbuf;

static inline hbuf hbuf_new(size_t n) {
  hbuf b = {malloc((n ? n : 1) * sizeof(uint16_t)), NULL, n};
  if (!b.host)
    drv_die("out of memory");
#ifdef HDT_DRIVER_CUDA
  drv_cuda_check(cudaMalloc(&b.dev, (n ? n : 1) * sizeof(uint16_t)), "cudaMalloc failed");
#else
  b.dev = b.host;
#endif
  return b;
}

static inline void hbuf_upload(hbuf *b) {
#ifdef HDT_DRIVER_CUDA
  drv_cuda_check(cudaMemcpy(b->dev, b->host, b->n * sizeof(uint16_t), cudaMemcpyHostToDevice),
                 "cudaMemcpy to the device failed");
#else
  (void)b;
#endif
}

static inline void hbuf_download(hbuf *b) {
#ifdef HDT_DRIVER_CUDA
  drv_cuda_check(cudaMemcpy(b->host, b->dev, b->n * sizeof(uint16_t), cudaMemcpyDeviceToHost),
                 "cudaMemcpy from the device failed");
#else
  (void)b;
#endif
}

static inline void hbuf_free(hbuf *b) {
#ifdef HDT_DRIVER_CUDA
  cudaFree(b->dev);
#endif
  free(b->host);
}

/* NaN everywhere: what the kernel does not write stays NaN. */
static inline void buf_poison(buf *b) {
  for (size_t i = 0; i < b->n; i++)
    b->host[i] = NAN;
  buf_upload(b);
}

/* xorshift64*: fast, and seeded per run so every run sees fresh inputs. */
static uint64_t drv_state;

static inline void drv_seed(int argc, char **argv) {
  const char *s = getenv("HDT_SEED");
  drv_state = s ? strtoull(s, NULL, 10) : (uint64_t)time(NULL) ^ ((uint64_t)clock() << 20);
  if (drv_state == 0)
    drv_state = 1;
  printf("%s: seed %llu (rerun with HDT_SEED=%llu)\n", argc > 0 ? argv[0] : "driver",
         (unsigned long long)drv_state, (unsigned long long)drv_state);
}

static inline float drv_uniform(void) { /* in [-1, 1) */
  drv_state ^= drv_state >> 12;
  drv_state ^= drv_state << 25;
  drv_state ^= drv_state >> 27;
  uint64_t r = drv_state * 0x2545F4914F6CDD1DULL;
  return (float)((double)(r >> 40) / (double)(1ULL << 24) * 2.0 - 1.0);
}

static inline void buf_random(buf *b) {
  for (size_t i = 0; i < b->n; i++)
    b->host[i] = drv_uniform();
  buf_upload(b);
}

static inline double drv_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline void drv_sync(void) {
#ifdef HDT_DRIVER_CUDA
  drv_cuda_check(cudaDeviceSynchronize(), "the kernel failed");
#endif
}

/* HDT_DUMP=FILE: every output checked by drv_relative_error below (each
 * driver checks the output it just downloaded, once per size) is appended
 * to FILE as a record: the 4 bytes "HDTD", the element count as a
 * little-endian uint64, then the floats. scripts/gpu-check.sh runs a driver
 * built for the host and for CUDA with the same HDT_SEED (so the same
 * inputs) and compares the two files record by record. */
static inline void drv_dump(const float *y, size_t n) {
  const char *path = getenv("HDT_DUMP");
  if (!path || !*path)
    return;
  FILE *f = fopen(path, "ab");
  if (!f)
    drv_die("cannot open $HDT_DUMP");
  uint64_t count = n;
  if (fwrite("HDTD", 1, 4, f) != 4 || fwrite(&count, sizeof count, 1, f) != 1 ||
      (n && fwrite(y, sizeof *y, n, f) != n) || fclose(f) != 0)
    drv_die("cannot write $HDT_DUMP");
}

/* max |y - ref| / max |ref|: NaN or infinity anywhere gives infinity. */
static inline double drv_relative_error(const float *y, const double *ref, size_t n) {
  drv_dump(y, n);
  double err = 0, scale = 0;
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(y[i]))
      return INFINITY;
    double d = fabs((double)y[i] - ref[i]);
    err = d > err ? d : err;
    scale = fabs(ref[i]) > scale ? fabs(ref[i]) : scale;
  }
  return scale > 0 ? err / scale : err;
}

/* A matmul's reference costs m*n*k multiply-adds on one core: past 2^28 of
 * them (benchmark sizes), the drivers check only every step-th row of C.
 * The step, a power of two (1 when every row is checked). */
static inline int32_t drv_row_step(int32_t m, int32_t n, int32_t k) {
  int32_t step = 1;
  while ((double)m / step * n * k > (double)(1 << 28) && step < m)
    step *= 2;
  return step;
}

/* Benchmark mode, HDT_BENCH=N (N > 0): DRV_TIMED runs the kernel once as
 * usual, then DRV_WARMUP more times untimed and N times timed (CUDA events
 * around each launch on the CUDA target, the wall clock on the host), and
 * gives the median; drv_report then prints one more line,
 *   bench: NAME SIZE median_ms=M min_ms=M max_ms=M reps=N
 * which scripts/gpu-check.sh reads. Without HDT_BENCH a driver times its
 * single run with the wall clock, as it always has. */
#define DRV_WARMUP 3

static inline int drv_bench_reps(void) {
  const char *s = getenv("HDT_BENCH");
  int n = s ? atoi(s) : 0;
  return n > 0 ? n : 0;
}

static double drv_bench_min, drv_bench_max;
static int drv_bench_done;

#ifdef HDT_DRIVER_CUDA
static cudaEvent_t drv_ev_start, drv_ev_stop;
static inline void drv_timer_start(void) {
  if (!drv_ev_start) {
    drv_cuda_check(cudaEventCreate(&drv_ev_start), "cudaEventCreate failed");
    drv_cuda_check(cudaEventCreate(&drv_ev_stop), "cudaEventCreate failed");
  }
  cudaEventRecord(drv_ev_start, 0);
}
static inline double drv_timer_stop(void) {
  float ms = 0;
  drv_cuda_check(cudaEventRecord(drv_ev_stop, 0), "the kernel failed (timing it)");
  drv_cuda_check(cudaEventSynchronize(drv_ev_stop), "the kernel failed (timing it)");
  drv_cuda_check(cudaEventElapsedTime(&ms, drv_ev_start, drv_ev_stop), "the kernel failed (timing it)");
  return ms * 1e-3;
}
#else
static double drv_timer_t0;
static inline void drv_timer_start(void) { drv_timer_t0 = drv_now(); }
static inline double drv_timer_stop(void) { return drv_now() - drv_timer_t0; }
#endif

static inline int drv_cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Sorts the n times; keeps the minimum and maximum for drv_report and
 * returns the median. */
static inline double drv_bench_summarize(double *times, int n) {
  qsort(times, (size_t)n, sizeof *times, drv_cmp_double);
  drv_bench_min = times[0];
  drv_bench_max = times[n - 1];
  drv_bench_done = n;
  return n % 2 ? times[n / 2] : 0.5 * (times[n / 2 - 1] + times[n / 2]);
}

/* Runs CALL (a kernel launch returning its status) into STATUS and its time
 * in seconds into SECONDS; see benchmark mode above. */
#define DRV_TIMED(seconds, status, call)                                                          \
  do {                                                                                            \
    double drv_t0_ = drv_now();                                                                   \
    (status) = (call);                                                                            \
    drv_sync();                                                                                   \
    (seconds) = drv_now() - drv_t0_;                                                              \
    drv_bench_done = 0;                                                                           \
    int drv_reps_ = drv_bench_reps();                                                             \
    if (drv_reps_ > 0 && (status) == 0) {                                                         \
      double *drv_times_ = malloc((size_t)drv_reps_ * sizeof *drv_times_);                        \
      if (!drv_times_)                                                                            \
        drv_die("out of memory");                                                                 \
      for (int drv_i_ = 0; drv_i_ < DRV_WARMUP + drv_reps_; drv_i_++) {                           \
        drv_timer_start();                                                                        \
        int drv_status_ = (call);                                                                 \
        double drv_s_ = drv_timer_stop();                                                         \
        if (drv_status_ != 0)                                                                     \
          drv_die("the kernel returned an error (benchmark runs)");                               \
        if (drv_i_ >= DRV_WARMUP)                                                                 \
          drv_times_[drv_i_ - DRV_WARMUP] = drv_s_;                                               \
      }                                                                                           \
      (seconds) = drv_bench_summarize(drv_times_, drv_reps_);                                     \
      free(drv_times_);                                                                           \
    }                                                                                             \
  } while (0)

/* Prints one result line; returns 1 when the error is over the tolerance. */
static inline int drv_report(const char *kernel, const char *size, double err, double tol, double seconds,
                      double flops) {
  int bad = !(err <= tol);
  printf("%s %s: relative error %.3g (tolerance %.1g) %s, %.3f ms", kernel, size, err, tol,
         bad ? "FAIL" : "ok", seconds * 1e3);
  if (flops > 0 && seconds > 0)
    printf(", %.2f GFLOP/s", flops / seconds * 1e-9);
  printf("\n");
  if (drv_bench_done)
    printf("bench: %s %s median_ms=%.6f min_ms=%.6f max_ms=%.6f reps=%d\n", kernel, size, seconds * 1e3,
           drv_bench_min * 1e3, drv_bench_max * 1e3, drv_bench_done);
  return bad;
}

#ifdef HDT_DRIVER_CUDA
#define DRV_TARGET "cuda"
#else
#define DRV_TARGET "host"
#endif

#endif
