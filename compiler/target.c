/* target.c: the table of targets. The figures are NVIDIA's published
 * per-block limits for each compute capability (CUDA C Programming Guide,
 * "Features and Technical Specifications"); the host target takes the
 * strictest CUDA figures, so that a kernel verified on the host also
 * launches on a GPU. sm_count is the multiprocessor count of the reference
 * GPU of each architecture (A100: 108; H100 SXM and H200: 132), the one
 * figure that is per GPU rather than per architecture: the graph runtime's
 * tile rule sizes grids to fill a wave of them, and the host, which models
 * sm_80, takes the A100's, so that it instantiates the kernels sm_80 would. */
#include "target.h"

#include <stddef.h>
#include <string.h>

enum { KIB = 1024 };

/* Local tensors per thread, all of a function's together. CUDA allows 512
 * KiB of local memory per thread, but a local tensor is meant to be a
 * register tile: the register file gives a thread at most 255 32-bit
 * registers (1 KiB), and what does not fit spills to local memory at the
 * cost of global-memory traffic. 16 KiB (4096 f32 per thread, 16 times the
 * register file) leaves room for spilling tiles that still make sense, and
 * rejects sizes that can only be a mistake; the host target keeps one copy
 * per thread of a block in its frame, where 16 KiB x 1024 threads = 16 MiB. */
enum { LOCAL_BYTES_PER_THREAD = 16 * KIB };

#define CUDA_COMMON                                                                     \
  .lang = TGT_CUDA, .max_threads = 1024, .max_block = {1024, 1024, 64},                 \
  .max_threads_per_sm = 2048,                                                           \
  .max_grid = {2147483647, 65535, 65535}, .warp_size = 32, .static_shared = 48 * KIB,   \
  .max_local_bytes = LOCAL_BYTES_PER_THREAD

static const hdt_target target_table[] = {
    {.name = "cuda:sm_80", .arch = "sm_80", .sm = 80, CUDA_COMMON, .max_shared = 163 * KIB, .sm_count = 108,
     .shared_budget = 48 * KIB, .caps = TCAP_MMA | TCAP_LDMATRIX | TCAP_CP_ASYNC},
    {.name = "cuda:sm_90a", .arch = "sm_90a", .sm = 90, CUDA_COMMON, .max_shared = 227 * KIB, .sm_count = 132,
     .shared_budget = 227 * KIB, .caps = TCAP_MMA | TCAP_LDMATRIX | TCAP_CP_ASYNC | TCAP_WGMMA | TCAP_TMA},
    {.name = "host", .arch = "host", .lang = TGT_HOST, .sm = 0, .max_threads = 1024, .max_threads_per_sm = 2048,
     .max_block = {1024, 1024, 64}, .max_grid = {2147483647, 65535, 65535}, .warp_size = 32,
     .static_shared = 48 * KIB, .max_shared = 227 * KIB, .shared_budget = 48 * KIB,
     .max_local_bytes = LOCAL_BYTES_PER_THREAD, .sm_count = 108,
     .caps = TCAP_MMA | TCAP_LDMATRIX | TCAP_CP_ASYNC},
};

enum { TARGET_COUNT = sizeof target_table / sizeof *target_table };

const hdt_target *target_default(void) { return &target_table[0]; }

const hdt_target *target_find(const char *name) {
  if (strcmp(name, "cuda") == 0)
    return target_default();
  for (int i = 0; i < TARGET_COUNT; i++)
    if (strcmp(target_table[i].name, name) == 0)
      return &target_table[i];
  return NULL;
}

const char *target_names(void) { return "cuda, cuda:sm_80, cuda:sm_90a, host"; }

const char *target_cap_name(unsigned caps) {
  static const struct { unsigned bit; const char *name; } names[] = {
      {TCAP_MMA, "tensor-core mma (sm_80 or later)"},
      {TCAP_LDMATRIX, "ldmatrix (sm_75 or later)"},
      {TCAP_CP_ASYNC, "cp.async (sm_80 or later)"},
      {TCAP_WGMMA, "warpgroup mma (sm_90a)"},
      {TCAP_TMA, "the tensor memory accelerator (sm_90 or later)"},
  };
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    if (caps & names[i].bit)
      return names[i].name;
  return "a capability";
}
