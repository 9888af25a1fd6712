/* hdtrt.h: the hdt runtime's public interface.
 *
 * Small for now: host buffers with the alignment generated kernels assume.
 * Kernel launch on CUDA and on the host, and graphs of compiled operators,
 * are added by the code-generation work. */
#ifndef HDTRT_H
#define HDTRT_H

#include <stddef.h>

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

#ifdef __cplusplus
}
#endif

#endif
