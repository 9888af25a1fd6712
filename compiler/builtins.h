/* builtins.h: the builtin table (builtins.def) as C data.
 *
 * A builtin is decoded once, here, into a builtin_info: every stage asks
 * the table what a builtin is (how sema checks it, whether it is a barrier
 * for the uniformity check, how it lowers, how each target spells it)
 * rather than comparing its name. Adding a builtin is one row in
 * builtins.def plus, where needed, one case in sema and in the lowering and
 * one helper per runtime header (docs/internals.md). */
#ifndef HDT_BUILTINS_H
#define HDT_BUILTINS_H

#include <stdbool.h>

#include "target.h"

/* How sema checks a use of the builtin. */
typedef enum {
  BS_INDEX,   /* a dim3 variable: threadIdx.x */
  BS_BARRIER, /* syncthreads(): no arguments, no value */
  BS_SHUFFLE, /* shfl_*(value, lane): a warp exchange */
  BS_VOTE,    /* ballot, warp_any, warp_all(cond): a bool of every lane of the warp */
  BS_ATOMIC,  /* atomic_*(tensor[element], value) */
  BS_ATOMIC_CAS, /* atomic_cas(tensor[element], compare, value) */
  BS_FENCE,   /* threadfence(): no arguments, no value, any function */
  BS_ARITH,   /* cdiv, abs, min, max: numeric, folded when constant */
  BS_MATH1,   /* exp, log...: one float argument */
  BS_MATH2,   /* pow(x, y): two float arguments of a common type */
  BS_MATH3,   /* fma(x, y, z): three float arguments of a common type */
  BS_PREDICATE, /* isnan, isinf(x): a float argument, a bool result */
  BS_FLOAT_CONST, /* inf, nan: a name standing for a floating-point constant */
  BS_RANGE,   /* range(...): only as a for loop's iterable */
  BS_MAPPING, /* spatial(...) and friends: a compile-time task mapping */
  /* Tensor cores (fragment.h, sema_mma.c) */
  BS_LAYOUT,    /* mma_m16n8k16_a...: a name standing for a constant task mapping */
  BS_MMA,       /* mma(c_tile, a_tile, b_tile): c += a * b, warp-wide */
  BS_LDMATRIX,  /* ldmatrix(dst_tile, src_elem [, num=N] [, trans=b]) */
  BS_INTERNAL,  /* made by a pass, never named by a program (not in sema's scope) */
  /* Asynchronous copies and vector access (sema_mem.c). */
  BS_CP_ASYNC,       /* cp_async(shared[element], global[element], BYTES [, pred]) */
  BS_CP_ASYNC_GROUP, /* cp_async_commit(), cp_async_wait(N): per-thread groups */
  BS_VCOPY,          /* vcopy(dst[element], src[element], BYTES) */
} builtin_sig;

enum {
  BF_COLLECTIVE = 1 << 1,  /* every thread of the block (or warp) must reach it together */
  BF_PURE = 1 << 2,        /* no side effect: a use may be dropped or repeated */
  BF_VARYING = 1 << 3,     /* its value may differ between the threads of a block */
};

/* How the lowering treats a use. */
typedef enum { BL_NONE, BL_SPECIAL, BL_CALL, BL_INLINE } builtin_lowering;

typedef enum {
#define BUILTIN(id, ...) BI_##id,
#include "builtins.def"
#undef BUILTIN
  BI_COUNT
} builtin_id;

typedef struct builtin_info {
  builtin_id id;
  const char *name;
  builtin_sig sig;
  unsigned flags;
  builtin_lowering lowering;
  const char *cuda; /* the CUDA runtime helper, or NULL */
  const char *host; /* the host runtime helper's stem, or NULL */
  target_cap cap;
} builtin_info;

/* The row of builtin id (id < BI_COUNT). */
const builtin_info *builtin_get(builtin_id id);

/* The builtin spelled name, or NULL. */
const builtin_info *builtin_find(const char *name);

/* Does the builtin update an element in place (its first argument is the
 * element, passed by address)? */
static inline bool builtin_is_atomic(const builtin_info *b) { return b->sig == BS_ATOMIC || b->sig == BS_ATOMIC_CAS; }

/* How many leading arguments are tensor elements passed by address: the
 * lowering gives each as an IR_LOAD naming the element, the emitters pass
 * its address, and the first of them is written (an atomic's target). One
 * switch on the signature class, so that a builtin family that takes
 * memory operands adds one case here. */
static inline int builtin_addr_args(const builtin_info *b) {
  switch (b->sig) {
  case BS_ATOMIC:
  case BS_ATOMIC_CAS: return 1;
  case BS_MMA: return 3;      /* c (written), a, b: the first register of each tile */
  case BS_LDMATRIX: return 2; /* dst (written), the shared element */
  case BS_CP_ASYNC:
  case BS_VCOPY: return 2; /* dst, src */
  default: return 0;
  }
}

/* Is the builtin a warp exchange (the host runs it as exchange phases)? */
static inline bool builtin_is_exchange(const builtin_info *b) { return b->sig == BS_SHUFFLE || b->sig == BS_VOTE; }

static inline bool builtin_has(const builtin_info *b, unsigned flag) { return (b->flags & flag) != 0; }

#endif
