/* model.h: a compiled model, as the runtime proper sees it (internal).
 *
 * A model is a flat, self-contained description that needs neither the
 * graph nor the compiler: a table of tensors (where each one lives), the
 * steps (one kernel call each, with the tensors it takes), the constants in
 * one blob, and the kernels' shared object as bytes. runtime/compile/
 * fills one in from a graph; model_io.c writes it to a file and reads it
 * back; session.c runs it. */
#ifndef HDTRT_MODEL_H
#define HDTRT_MODEL_H

#include "hdtrt.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where a tensor lives. */
typedef enum mt_kind {
  MT_INPUT = 0,  /* the caller's buffer, bound per session */
  MT_OUTPUT = 1, /* the caller's buffer, or the session's */
  MT_CONST = 2,  /* the model's constant blob at offset */
  MT_ARENA = 3,  /* the session's arena at offset */
  MT_VIEW = 4,   /* the storage of tensor base (a reshape) */
  MT_KIND_COUNT
} mt_kind;

typedef struct mtensor {
  char *name;
  int32_t dtype, rank, kind;
  int64_t dims[8];
  uint64_t bytes;
  uint64_t offset; /* CONST, ARENA */
  int32_t base;    /* VIEW */
  int32_t io;      /* INPUT, OUTPUT: the index among them */
} mtensor;

/* A kernel's entry point as the model compiler wraps it: the tensors'
 * addresses in parameter order, and the stream (NULL on the host). */
typedef int (*mstep_fn)(void *const *args, void *stream);

typedef struct mstep {
  char *symbol; /* the kernel; its wrapper is symbol + "_run" */
  char *ops;    /* the graph operators it computes, "Add+Relu" */
  int32_t nargs;
  int32_t *args;
  mstep_fn fn;
} mstep;

/* The CUDA entry points every cuda model's shared object carries
 * (runtime/compile/glue.c writes them), so that the runtime never links
 * the CUDA runtime itself: a host-only program does not need it, and the
 * kernels and the session share one CUDA runtime instance. */
typedef struct mglue {
  int (*device_count)(int *n);
  int (*malloc_)(void **p, size_t n);
  int (*free_)(void *p);
  int (*memcpy_)(void *dst, const void *src, size_t n, int to_device, void *stream);
  int (*stream_create)(void **s);
  int (*stream_destroy)(void *s);
  int (*sync)(void *s);
  int (*capture_begin)(void *s);
  int (*capture_end)(void *s, void **exec);
  int (*graph_launch)(void *exec, void *s);
  int (*graph_destroy)(void *exec);
  const char *(*error_string)(int e);
} mglue;

struct hdtrt_model {
  char device[32];
  bool cuda;
  mtensor *tensors;
  int32_t ntensors;
  mstep *steps;
  int32_t nsteps;
  int32_t *inputs, *outputs; /* tensor ids */
  int32_t ninputs, noutputs;
  unsigned char *consts; /* 64-byte aligned */
  uint64_t const_bytes;
  uint64_t arena_bytes;
  hdtrt_model_stats stats;
  unsigned char *so; /* the shared object's bytes, for hdtrt_model_save */
  uint64_t so_len;
  void *dl;          /* its dlopen handle */
  mglue glue;
};

/* errors.c: the calling thread's last error. */
hdtrt_status hdtrt_fail(hdtrt_status s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* model.c */
/* dlopens so_path (or, for a loaded model, the bytes in m->so) and looks
 * up every step's wrapper and, on cuda, the glue. */
hdtrt_status model_link(hdtrt_model *m, const char *so_path);
/* Checks every index, size and offset of m (the loader's, and the
 * compiler's own assertion): a model that passes cannot make the session
 * read or write out of bounds. */
hdtrt_status model_validate(const hdtrt_model *m);
void model_free(hdtrt_model *m);
/* A whole file into a new buffer (*data, *len bytes; model_io.c). */
hdtrt_status model_read_file(const char *path, unsigned char **data, size_t *len);
size_t model_dtype_size(int32_t dtype);
int32_t model_find_io(const hdtrt_model *m, const char *name, bool output);
/* "f32[37, 96]" into buf. */
const char *model_shape_str(int32_t dtype, int rank, const int64_t *dims, char *buf, size_t size);

#endif
