/* hdtrt.h: the hdt runtime's public C API.
 *
 * Graphs of compiled operators, run from C with no Python and, once a model
 * is compiled and saved, with no compiler either. In the style of ONNX
 * Runtime's and TensorRT's C APIs: opaque handles, a status from every
 * call, and the message of the last failed call of the calling thread in
 * hdtrt_last_error(). docs/runtime.md is the full reference.
 *
 *     hdtg_graph *g = ...;                       // graph.h: build or import
 *     hdtrt_model *m;
 *     if (hdtrt_compile(g, "host", NULL, &m) != HDTRT_OK)
 *       fprintf(stderr, "%s\n", hdtrt_last_error());
 *     hdtrt_session *s;
 *     hdtrt_session_create(m, &s);               // owns its arena
 *     hdtrt_session_bind_input(s, "x", x, sizeof x, HDTRT_MEM_HOST);
 *     hdtrt_session_bind_output(s, "y", y, sizeof y, HDTRT_MEM_HOST);
 *     hdtrt_session_run(s);
 *     hdtrt_model_save(m, "mlp.hdtm");           // load with hdtrt_model_load
 *     hdtrt_session_destroy(s);
 *     hdtrt_model_destroy(m);
 *
 * Threads: a model is immutable once compiled or loaded, and may be shared;
 * a session is used by one thread at a time, and several sessions of one
 * model run at once. */
#ifndef HDTRT_H
#define HDTRT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The runtime's version, "MAJOR.MINOR.PATCH". */
const char *hdtrt_version(void);

/* A host buffer of `bytes` bytes aligned to 64 bytes (a cache line, and a
 * multiple of every vector width kernels use), or NULL when out of memory or
 * when bytes is 0. Free with hdtrt_host_free. */
void *hdtrt_host_alloc(size_t bytes);
void hdtrt_host_free(void *p);

typedef enum hdtrt_status {
  HDTRT_OK = 0,
  HDTRT_ERROR_INVALID_ARGUMENT, /* NULL, an unknown name, a bad size */
  HDTRT_ERROR_SHAPE,            /* a bound buffer of the wrong size or shape */
  HDTRT_ERROR_UNSUPPORTED,      /* an operator, dtype or device with no kernel */
  HDTRT_ERROR_COMPILE,          /* hdtc or the C/CUDA compiler failed */
  HDTRT_ERROR_NO_DEVICE,        /* cuda asked for and no GPU (or driver) here */
  HDTRT_ERROR_DEVICE,           /* a CUDA call or a kernel failed */
  HDTRT_ERROR_IO,               /* a file cannot be read or written */
  HDTRT_ERROR_CORRUPT,          /* a saved model that is not one, or damaged */
  HDTRT_ERROR_UNBOUND,          /* run with an input not bound */
  HDTRT_ERROR_NOMEM,
} hdtrt_status;

/* "HDTRT_ERROR_SHAPE" for a status. */
const char *hdtrt_status_name(hdtrt_status s);
/* The message of the last call of this thread that failed ("" if none):
 * what went wrong, naming the node, tensor or file. */
const char *hdtrt_last_error(void);

typedef struct hdtrt_model hdtrt_model;
typedef struct hdtrt_session hdtrt_session;
typedef struct hdtg_graph hdtg_graph; /* graph.h */

/* Where a bound buffer is: host memory, or device memory (zero-copy on a
 * cuda session; refused by a host session). */
typedef enum hdtrt_memory {
  HDTRT_MEM_HOST = 0,
  HDTRT_MEM_DEVICE = 1,
} hdtrt_memory;

/* "cuda" when a CUDA GPU and its driver are usable here, else "host". */
const char *hdtrt_default_device(void);

/* ---- compiling ----------------------------------------------------------- */
typedef struct hdtrt_compile_options {
  const char *cache_dir; /* NULL: $HDT_CACHE_DIR, else ~/.cache/hdt */
  int verbose;           /* 1: print the kernels and the cache's hits on stderr; 2: also each
                            kernel's template instance and generic values */
  int no_fusion;         /* 1: one kernel per node (to compare with the fused model) */
  int tensor_cores;      /* f16 MatMul, Gemm, Conv on the tensor cores (mma, ldmatrix,
                            cp.async): 0 where they pay, on cuda devices; 1 on the
                            host too (its emulation is exact, but 3-4 times slower
                            than the SIMT kernel: for tests); -1 never */
  int tf32;              /* 1: f32 MatMul and Gemm on the tensor cores in tf32 (the
                            operands rounded to 10 mantissa bits, f32 sums: about
                            1e-3 relative), on every device; 0: exact f32 */
} hdtrt_compile_options;

/* Compiles graph g for device "host", "cuda" (= "cuda:sm_80") or
 * "cuda:sm_90a": runs the graph passes (inference, folding, dead nodes),
 * picks a kernel per node (fusing element-wise chains), compiles them into
 * one shared object through the compilation cache, and plans the arena.
 * Every dimension must be known (hdtg_specialize the symbols first). g is
 * not changed beyond its passes and may be destroyed afterwards: the model
 * holds everything it needs. options may be NULL. */
hdtrt_status hdtrt_compile(hdtg_graph *g, const char *device,
                           const hdtrt_compile_options *options, hdtrt_model **out);

/* A compiled model in one file: the kernels' shared object, the constants,
 * the plan. hdtrt_model_load needs neither hdtc nor a compiler. */
hdtrt_status hdtrt_model_save(const hdtrt_model *m, const char *path);
hdtrt_status hdtrt_model_load(const char *path, hdtrt_model **out);
/* NULL is allowed; the model must outlive its sessions. */
void hdtrt_model_destroy(hdtrt_model *m);

/* ---- describing a model --------------------------------------------------- */
/* A tensor of the model's interface. The name lives as long as the model. */
typedef struct hdtrt_tensor_desc {
  const char *name;
  int dtype; /* an hdtg_dtype (graph.h) */
  int rank;
  int64_t dims[8];
  size_t bytes;
} hdtrt_tensor_desc;

int hdtrt_model_num_inputs(const hdtrt_model *m);
int hdtrt_model_num_outputs(const hdtrt_model *m);
hdtrt_status hdtrt_model_input(const hdtrt_model *m, int i, hdtrt_tensor_desc *out);
hdtrt_status hdtrt_model_output(const hdtrt_model *m, int i, hdtrt_tensor_desc *out);
/* "host", "cuda:sm_80", ... */
const char *hdtrt_model_device(const hdtrt_model *m);

typedef struct hdtrt_model_stats {
  int nodes;                 /* of the source graph, before any pass */
  int kernels;               /* launched per run, after fusion */
  size_t intermediate_bytes; /* every tensor the kernels write that is not an output */
  size_t arena_bytes;        /* the planned arena a session allocates */
  size_t constant_bytes;     /* weights */
  int from_cache;            /* hdtrt_compile found the kernels compiled in
                                the cache (1) or ran the compiler (0); 0
                                for a loaded model */
  int tensor_core_kernels;   /* kernels that run on the tensor cores (mma);
                                0 for a loaded model */
} hdtrt_model_stats;
hdtrt_status hdtrt_model_get_stats(const hdtrt_model *m, hdtrt_model_stats *out);

/* Writes the model's summary: the lines "nodes: N", "kernels: K",
 * "intermediate bytes: X", "arena bytes: Y", then its inputs, outputs and
 * one line per kernel with the operators fused into it. */
hdtrt_status hdtrt_model_print_info(const hdtrt_model *m, FILE *f);
/* The kernel graph in Graphviz's dot language: a box per kernel listing the
 * operators fused into it, an edge per tensor between kernels. */
hdtrt_status hdtrt_model_print_dot(const hdtrt_model *m, FILE *f);

/* ---- running ---------------------------------------------------------------- */
/* A session of model m: its own arena (one allocation; on cuda, device
 * memory with the weights, the arena and staging for host buffers, and one
 * stream). A cuda model on a machine without a GPU: HDTRT_ERROR_NO_DEVICE. */
hdtrt_status hdtrt_session_create(hdtrt_model *m, hdtrt_session **out);
void hdtrt_session_destroy(hdtrt_session *s);

/* Binds the buffer of input or output `name` (or of index i, in the order of
 * the model's inputs and outputs) for the following runs. bytes must be
 * the tensor's size exactly (HDTRT_ERROR_SHAPE otherwise, naming both); a
 * device buffer must be 16-byte aligned (HDTRT_ERROR_INVALID_ARGUMENT).
 * An output left unbound goes to a buffer of the session's
 * (hdtrt_session_output_data). Kernels access tensors up to 16 bytes at a
 * time: a host buffer that is not 16-byte aligned is staged through an
 * aligned copy of the session's (in before a run, out after), and a
 * device buffer that is not is refused (HDTRT_ERROR_INVALID_ARGUMENT). */
hdtrt_status hdtrt_session_bind_input(hdtrt_session *s, const char *name, const void *data,
                                      size_t bytes, hdtrt_memory mem);
hdtrt_status hdtrt_session_bind_output(hdtrt_session *s, const char *name, void *data,
                                       size_t bytes, hdtrt_memory mem);

/* The same, stating the buffer's dtype (an hdtg_dtype) and shape: a dtype
 * or a shape other than the model's is HDTRT_ERROR_SHAPE, naming both
 * ("input 'x' is f32[37, 96]; the buffer is f16[37, 96]"). */
hdtrt_status hdtrt_session_bind_input_tensor(hdtrt_session *s, const char *name, const void *data,
                                             int dtype, int rank, const int64_t *dims,
                                             hdtrt_memory mem);
hdtrt_status hdtrt_session_bind_output_tensor(hdtrt_session *s, const char *name, void *data,
                                              int dtype, int rank, const int64_t *dims,
                                              hdtrt_memory mem);

/* Runs the model once on the bound inputs; returns when the outputs are
 * written. On cuda the kernels are launched asynchronously on the
 * session's stream, captured into a CUDA graph at the first run and
 * replayed after, until a binding changes. */
hdtrt_status hdtrt_session_run(hdtrt_session *s);

/* The shape of output `name`, and (for an output not bound) the host
 * buffer holding it after a run, owned by the session. */
hdtrt_status hdtrt_session_output_shape(hdtrt_session *s, const char *name, int *rank,
                                        int64_t dims[8]);
hdtrt_status hdtrt_session_output_data(hdtrt_session *s, const char *name, const void **data,
                                       size_t *bytes);

#ifdef __cplusplus
}
#endif

#endif
