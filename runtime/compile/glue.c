/* glue.c: what the model compiler appends to the generated code.
 *
 * The runtime calls every kernel the same way, `SYMBOL_run(args, stream)`
 * with the tensors' addresses in parameter order, so that a session needs
 * no knowledge of each kernel's C signature (all of the model's kernels
 * take tensors only: shapes are generic values). In C a void * converts to
 * any object pointer; in CUDA C++ the hdt_anyptr wrapper does the same.
 *
 * A cuda model's shared object also carries hdt_glue_*: the few CUDA
 * runtime calls a session makes (memory, a stream, graph capture). The
 * session finds them with dlsym, so the runtime library never links the
 * CUDA runtime: host-only programs do not need it, and kernels and session
 * use the same CUDA runtime instance (nvcc links it statically). */
#include "rtc.h"

static const char glue_cuda[] =
    "\n// ---- the runtime's entry points (runtime/compile/glue.c) ----\n"
    "struct hdt_anyptr {\n"
    "  void *p;\n"
    "  template <class T> operator T *() const { return static_cast<T *>(p); }\n"
    "};\n"
    "extern \"C\" int hdt_glue_device_count(int *n) { return (int)cudaGetDeviceCount(n); }\n"
    "extern \"C\" int hdt_glue_malloc_(void **p, size_t n) { return (int)cudaMalloc(p, n); }\n"
    "extern \"C\" int hdt_glue_free_(void *p) { return (int)cudaFree(p); }\n"
    "extern \"C\" int hdt_glue_memcpy_(void *dst, const void *src, size_t n, int to_device, void *s) {\n"
    "  return (int)cudaMemcpyAsync(dst, src, n, to_device ? cudaMemcpyHostToDevice : cudaMemcpyDeviceToHost,\n"
    "                              (cudaStream_t)s);\n"
    "}\n"
    "extern \"C\" int hdt_glue_stream_create(void **s) {\n"
    "  return (int)cudaStreamCreateWithFlags((cudaStream_t *)s, cudaStreamNonBlocking);\n"
    "}\n"
    "extern \"C\" int hdt_glue_stream_destroy(void *s) { return (int)cudaStreamDestroy((cudaStream_t)s); }\n"
    "extern \"C\" int hdt_glue_sync(void *s) { return (int)cudaStreamSynchronize((cudaStream_t)s); }\n"
    "extern \"C\" int hdt_glue_capture_begin(void *s) {\n"
    "  return (int)cudaStreamBeginCapture((cudaStream_t)s, cudaStreamCaptureModeThreadLocal);\n"
    "}\n"
    "extern \"C\" int hdt_glue_capture_end(void *s, void **exec) {\n"
    "  cudaGraph_t g = nullptr;\n"
    "  cudaError_t e = cudaStreamEndCapture((cudaStream_t)s, &g);\n"
    "  if (e == cudaSuccess)\n"
    "    e = cudaGraphInstantiate((cudaGraphExec_t *)exec, g, 0);\n"
    "  if (g)\n"
    "    cudaGraphDestroy(g);\n"
    "  return (int)e;\n"
    "}\n"
    "extern \"C\" int hdt_glue_graph_launch(void *exec, void *s) {\n"
    "  return (int)cudaGraphLaunch((cudaGraphExec_t)exec, (cudaStream_t)s);\n"
    "}\n"
    "extern \"C\" int hdt_glue_graph_destroy(void *exec) { return (int)cudaGraphExecDestroy((cudaGraphExec_t)exec); }\n"
    "extern \"C\" const char *hdt_glue_error_string(int e) { return cudaGetErrorString((cudaError_t)e); }\n";

static void glue_wrapper(gbuf *b, const rtc_kernel *k, bool cuda) {
  if (cuda)
    gbuf_printf(b, "extern \"C\" int %s_run(void *const *a, void *stream) {\n  return %s_async(",
               k->symbol, k->symbol);
  else
    gbuf_printf(b, "int %s_run(void *const *a, void *stream);\n"
                  "int %s_run(void *const *a, void *stream) {\n  (void)stream;\n  return %s(",
               k->symbol, k->symbol, k->symbol);
  for (int i = 0; i < k->nargs; i++)
    gbuf_printf(b, cuda ? "%shdt_anyptr{a[%d]}" : "%sa[%d]", i ? ", " : "", i);
  gbuf_printf(b, cuda ? ", (cudaStream_t)stream);\n}\n" : ");\n}\n");
}

void rtc_glue_write(gbuf *b, const rtc_plan *p, bool cuda) {
  if (cuda)
    gbuf_printf(b, "%s", glue_cuda);
  else
    gbuf_printf(b, "\n/* ---- the runtime's entry points (runtime/compile/glue.c) ---- */\n");
  for (int i = 0; i < p->nkernels; i++)
    glue_wrapper(b, &p->kernels[i], cuda);
}
