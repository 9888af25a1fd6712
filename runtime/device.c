/* device.c: which device a program should default to.
 *
 * The runtime links no CUDA library (runtime/model.h says why), so it asks
 * the driver directly: libcuda.so.1, opened with dlopen, cuInit and
 * cuDeviceGetCount. No driver, no device, or an error: the host. */
#include "hdtrt.h"

#include <dlfcn.h>

const char *hdtrt_default_device(void) {
  void *cuda = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!cuda)
    return "host";
  int (*init)(unsigned) = NULL;
  int (*count)(int *) = NULL;
  void *p = dlsym(cuda, "cuInit");
  *(void **)&init = p;
  p = dlsym(cuda, "cuDeviceGetCount");
  *(void **)&count = p;
  int n = 0;
  const char *device = init && count && init(0) == 0 && count(&n) == 0 && n > 0 ? "cuda" : "host";
  /* Not closed: the driver keeps its state for the CUDA runtime to come. */
  return device;
}
