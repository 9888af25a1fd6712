/* target.h: what the compiler may assume about the machine it compiles for.
 *
 * Every machine limit and capability lives in one hdt_target (after QBE's
 * Target): sema checks block sizes and the shared-memory budget against it,
 * the lowering takes index ranges from it, the emitters check launch
 * dimensions with it, and a builtin that needs a capability (builtins.def's
 * last column) is refused for a target without it. Targets are named
 * "cuda" (= sm_80), "cuda:sm_80", "cuda:sm_90a" and "host". */
#ifndef HDT_TARGET_H
#define HDT_TARGET_H

#include <stdbool.h>
#include <stdint.h>

typedef enum { TGT_CUDA, TGT_HOST } target_lang; /* what the emitter writes */

/* Capabilities: instructions or hardware units a kernel may use. The host
 * target emulates what it lists. */
typedef enum {
  TCAP_NONE = 0,
  TCAP_MMA = 1 << 0,      /* warp-level mma.sync (sm_80+) */
  TCAP_LDMATRIX = 1 << 1, /* ldmatrix (sm_75+) */
  TCAP_CP_ASYNC = 1 << 2, /* cp.async to shared memory (sm_80+) */
  TCAP_WGMMA = 1 << 3,    /* warpgroup mma (sm_90a) */
  TCAP_TMA = 1 << 4,      /* the tensor memory accelerator (sm_90) */
} target_cap;

typedef struct hdt_target {
  const char *name;        /* "cuda:sm_80", "host"... as --target spells it */
  const char *arch;        /* "sm_80", "sm_90a", "host" */
  target_lang lang;
  int sm;                  /* compute capability * 10 (80, 90); 0 for host */
  int64_t max_threads;     /* threads per block */
  int64_t max_threads_per_sm; /* resident threads per SM: bounds min_blocks(N) * threads */
  int64_t max_block[3];    /* per block dimension */
  int64_t max_grid[3];     /* blocks per grid dimension */
  int warp_size;
  int64_t static_shared;   /* bytes of static shared memory per block */
  int64_t max_shared;      /* bytes of shared memory per block with the opt-in */
  int64_t shared_budget;   /* what sema allows a kernel without --max-shared-memory:
                              static_shared on sm_80 and host (compatibility:
                              a kernel compiled for `cuda` launches anywhere),
                              max_shared on sm_90a; beyond static_shared the
                              arrays go to dynamic shared memory (ir_smem.c) */
  int64_t max_local_bytes; /* bytes of local tensors per thread (see target.c) */
  int sm_count;            /* multiprocessors of the architecture's reference GPU: the
                              graph runtime's tile rule aims to fill one wave of them */
  unsigned caps;           /* target_cap bits */
} hdt_target;

/* The target named name ("cuda", "cuda:sm_90a", "host"...), or NULL. */
const hdt_target *target_find(const char *name);

/* The default: "cuda" (sm_80). */
const hdt_target *target_default(void);

/* What a capability is, for messages ("tensor-core mma"); the first of
 * several bits. */
const char *target_cap_name(unsigned caps);

/* The accepted names, comma-separated, for messages and --help. */
const char *target_names(void);

static inline bool target_has(const hdt_target *t, unsigned cap) { return (t->caps & cap) == cap; }

#endif
