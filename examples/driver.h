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

static void drv_die(const char *what) {
  fprintf(stderr, "driver: %s\n", what);
  exit(2);
}

static buf buf_new(size_t n) {
  buf b = {malloc((n ? n : 1) * sizeof(float)), NULL, n};
  if (!b.host)
    drv_die("out of memory");
#ifdef HDT_DRIVER_CUDA
  if (cudaMalloc((void **)&b.dev, (n ? n : 1) * sizeof(float)) != cudaSuccess)
    drv_die("cudaMalloc failed");
#else
  b.dev = b.host;
#endif
  return b;
}

static void buf_upload(buf *b) {
#ifdef HDT_DRIVER_CUDA
  if (cudaMemcpy(b->dev, b->host, b->n * sizeof(float), cudaMemcpyHostToDevice) != cudaSuccess)
    drv_die("cudaMemcpy to the device failed");
#else
  (void)b;
#endif
}

static void buf_download(buf *b) {
#ifdef HDT_DRIVER_CUDA
  if (cudaMemcpy(b->host, b->dev, b->n * sizeof(float), cudaMemcpyDeviceToHost) != cudaSuccess)
    drv_die("cudaMemcpy from the device failed");
#else
  (void)b;
#endif
}

static void buf_free(buf *b) {
#ifdef HDT_DRIVER_CUDA
  cudaFree(b->dev);
#endif
  free(b->host);
}

/* NaN everywhere: what the kernel does not write stays NaN. */
static void buf_poison(buf *b) {
  for (size_t i = 0; i < b->n; i++)
    b->host[i] = NAN;
  buf_upload(b);
}

/* xorshift64*: fast, and seeded per run so every run sees fresh inputs. */
static uint64_t drv_state;

static void drv_seed(int argc, char **argv) {
  const char *s = getenv("HDT_SEED");
  drv_state = s ? strtoull(s, NULL, 10) : (uint64_t)time(NULL) ^ ((uint64_t)clock() << 20);
  if (drv_state == 0)
    drv_state = 1;
  printf("%s: seed %llu (rerun with HDT_SEED=%llu)\n", argc > 0 ? argv[0] : "driver",
         (unsigned long long)drv_state, (unsigned long long)drv_state);
}

static float drv_uniform(void) { /* in [-1, 1) */
  drv_state ^= drv_state >> 12;
  drv_state ^= drv_state << 25;
  drv_state ^= drv_state >> 27;
  uint64_t r = drv_state * 0x2545F4914F6CDD1DULL;
  return (float)((double)(r >> 40) / (double)(1ULL << 24) * 2.0 - 1.0);
}

static void buf_random(buf *b) {
  for (size_t i = 0; i < b->n; i++)
    b->host[i] = drv_uniform();
  buf_upload(b);
}

static double drv_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void drv_sync(void) {
#ifdef HDT_DRIVER_CUDA
  if (cudaDeviceSynchronize() != cudaSuccess)
    drv_die("the kernel failed");
#endif
}

/* max |y - ref| / max |ref|: NaN or infinity anywhere gives infinity. */
static double drv_relative_error(const float *y, const double *ref, size_t n) {
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

/* Prints one result line; returns 1 when the error is over the tolerance. */
static int drv_report(const char *kernel, const char *size, double err, double tol, double seconds,
                      double flops) {
  int bad = !(err <= tol);
  printf("%s %s: relative error %.3g (tolerance %.1g) %s, %.3f ms", kernel, size, err, tol,
         bad ? "FAIL" : "ok", seconds * 1e3);
  if (flops > 0 && seconds > 0)
    printf(", %.2f GFLOP/s", flops / seconds * 1e-9);
  printf("\n");
  return bad;
}

#ifdef HDT_DRIVER_CUDA
#define DRV_TARGET "cuda"
#else
#define DRV_TARGET "host"
#endif

#endif
