/* host_memory.c: aligned host buffers (see hdtrt.h). */
#include <stdlib.h>

#include "hdtrt.h"

enum { HDTRT_ALIGN = 64 };

const char *hdtrt_version(void) { return "0.1.0"; }

void *hdtrt_host_alloc(size_t bytes) {
  if (bytes == 0)
    return NULL;
  size_t rounded = (bytes + HDTRT_ALIGN - 1) / HDTRT_ALIGN * HDTRT_ALIGN;
  if (rounded < bytes)
    return NULL; /* overflow */
  return aligned_alloc(HDTRT_ALIGN, rounded);
}

void hdtrt_host_free(void *p) { free(p); }
