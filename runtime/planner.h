/* planner.h: the memory planner of the graph runtime (internal).
 *
 * What: given an execution order of steps (one kernel each) and the tensors
 * those steps produce and read, choose a byte offset in one arena for every
 * intermediate tensor, so that two tensors live at the same time never
 * share bytes, and buffers are reused as soon as their tensor is dead.
 * Graph inputs, graph outputs and constants (weights) stay outside the
 * arena: the caller owns them and they must outlive a run. An output may
 * take over the buffer of an input that dies at the step producing it (in
 * place), when the caller says the kernel allows it.
 *
 * Why internal (runtime/, not runtime/include/): the graph session is its
 * only user. The public C API is the session's; keeping the planner out of
 * it leaves its interface free to change with the session's needs. It is
 * still written like the public API (opaque handle, a status from every
 * call, a message for every error) so that the session can pass errors on
 * unchanged, and so that it is tested on its own (test/unit/test_planner.c).
 *
 * Use:
 *   hdtrt_plan *p;  hdtrt_plan_create(num_steps, &p);
 *   hdtrt_plan_add_tensor(p, HDTRT_PLAN_INTERMEDIATE, bytes, first, last, &id);
 *   hdtrt_plan_allow_inplace(p, out_id, in_id);       (optional hints)
 *   hdtrt_plan_solve(p);
 *   hdtrt_plan_offset(p, id, &offset);  hdtrt_plan_stats(p, &stats);
 *   hdtrt_plan_destroy(p);
 *
 * The algorithm, the alignment and the in-place rules: docs/runtime.md,
 * "Memory planning". No global state: plans are independent, and a plan
 * may be used from one thread at a time. */
#ifndef HDTRT_PLANNER_H
#define HDTRT_PLANNER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Every offset, and the arena size, is a multiple of this: the widest
 * vector access of a kernel, and CUDA's allocation granularity for
 * cudaMalloc'd bases (256 bytes), so that the arena's base plus an offset
 * is as aligned as a buffer of its own would be. */
#define HDTRT_PLAN_ALIGNMENT ((size_t)256)

/* The status of every call. The values of 2 and 2001 are those of
 * hdt_errors.h for the same situations; the others are the planner's. */
typedef enum hdtrt_plan_status {
  HDTRT_PLAN_OK = 0,
  HDTRT_PLAN_ERR_OUT_OF_MEMORY = 2,    /* the planner's own bookkeeping */
  HDTRT_PLAN_ERR_NEGATIVE_SIZE = 2001, /* a tensor of < 0 bytes, < 0 steps */
  HDTRT_PLAN_ERR_NULL_POINTER = 3001,  /* a NULL plan or out-pointer */
  HDTRT_PLAN_ERR_BAD_INDEX = 3002,     /* a step or tensor id out of range */
  HDTRT_PLAN_ERR_BAD_LIFETIME = 3003,  /* last use before the producer */
  HDTRT_PLAN_ERR_BAD_KIND = 3004,      /* not an hdtrt_plan_kind */
  HDTRT_PLAN_ERR_OVERFLOW = 3005,      /* a byte count over SIZE_MAX */
  HDTRT_PLAN_ERR_NOT_SOLVED = 3006,    /* a query before hdtrt_plan_solve */
  HDTRT_PLAN_ERR_NOT_IN_ARENA = 3007,  /* offset of an input/output/constant */
  HDTRT_PLAN_ERR_OVERLAP = 3008,       /* verification: tensors collide */
  HDTRT_PLAN_ERR_MISALIGNED = 3009,    /* verification: offset not aligned */
  HDTRT_PLAN_ERR_OUT_OF_ARENA = 3010,  /* verification: past the arena end */
} hdtrt_plan_status;

/* Where a tensor lives. Only intermediates are planned: the others belong
 * to the caller (inputs, outputs) or to the model (constants) and must
 * outlive the run, so reusing their memory would be wrong. */
typedef enum hdtrt_plan_kind {
  HDTRT_PLAN_INTERMEDIATE = 0,
  HDTRT_PLAN_GRAPH_INPUT = 1,
  HDTRT_PLAN_GRAPH_OUTPUT = 2,
  HDTRT_PLAN_CONSTANT = 3,
} hdtrt_plan_kind;

/* Which placement won (both are tried; the smaller arena is kept). */
typedef enum hdtrt_plan_strategy {
  HDTRT_PLAN_BY_SIZE = 0,  /* largest buffers first, best-fit gaps */
  HDTRT_PLAN_BY_ORDER = 1, /* production order, both ends of the bound */
} hdtrt_plan_strategy;

typedef struct hdtrt_plan_stats {
  size_t arena_bytes;        /* the peak: the arena to allocate */
  size_t lower_bound;        /* max over steps of the live aligned bytes */
  size_t sum_intermediates;  /* aligned sizes of all arena tensors, summed:
                                the arena without any reuse */
  int32_t num_intermediates; /* tensors in the arena */
  int32_t num_inplace;       /* of which reuse their input's buffer */
  hdtrt_plan_strategy strategy;
} hdtrt_plan_stats;

typedef struct hdtrt_plan hdtrt_plan;

/* A plan over steps 0 .. num_steps-1 (NEGATIVE_SIZE when < 0). *out is
 * NULL after an error. */
hdtrt_plan_status hdtrt_plan_create(int32_t num_steps, hdtrt_plan **out);
/* NULL is allowed. */
void hdtrt_plan_destroy(hdtrt_plan *plan);

/* A tensor of `bytes` bytes; its id (0, 1, 2, ... in the order of the
 * calls) in *out_id, which may be NULL. An intermediate is written by step
 * `first` and last read by step `last` (first <= last; last == first for an
 * output nobody reads, which still needs its buffer while it is written).
 * For the other kinds first and last are not used (pass -1). Adding a tensor
 * discards an earlier solution. */
hdtrt_plan_status hdtrt_plan_add_tensor(hdtrt_plan *plan, hdtrt_plan_kind kind,
                                        int64_t bytes, int32_t first,
                                        int32_t last, int32_t *out_id);

/* A hint: the kernel producing tensor `out` may write it over tensor `in`
 * (element-wise operators). Applied by hdtrt_plan_solve only where legal
 * (docs/runtime.md): both intermediates, `in` last read by the step that
 * produces `out` and produced before it, `out` no larger than the buffer,
 * and the buffer not already taken by another output. An output may have
 * several hints; the first legal one is used. */
hdtrt_plan_status hdtrt_plan_allow_inplace(hdtrt_plan *plan, int32_t out,
                                           int32_t in);

/* Places every intermediate. May be called again (after more tensors). */
hdtrt_plan_status hdtrt_plan_solve(hdtrt_plan *plan);

/* Results; NOT_SOLVED before hdtrt_plan_solve succeeded. (The plan is not
 * const: an error leaves its message in it.) */
hdtrt_plan_status hdtrt_plan_arena_bytes(hdtrt_plan *plan, size_t *out);
hdtrt_plan_status hdtrt_plan_offset(hdtrt_plan *plan, int32_t tensor,
                                    size_t *out);
/* The tensor whose buffer `tensor` reuses, or -1. */
hdtrt_plan_status hdtrt_plan_inplace_source(hdtrt_plan *plan, int32_t tensor,
                                            int32_t *out);
hdtrt_plan_status hdtrt_plan_stats_get(hdtrt_plan *plan,
                                       hdtrt_plan_stats *out);

/* Checks proposed offsets (offsets[i] for tensor i; entries of tensors
 * outside the arena are not read) in an arena of arena_bytes: every offset
 * aligned, every tensor inside the arena, and no two tensors live at one
 * step sharing a byte unless one is the in-place source of the other and
 * they meet only at that step. OVERLAP, MISALIGNED or OUT_OF_ARENA, with
 * the tensors named in the message. Independent of how offsets were
 * chosen; O(tensors^2). NOT_SOLVED before a solve, which decides the
 * in-place pairs. */
hdtrt_plan_status hdtrt_plan_check(hdtrt_plan *plan,
                                   const size_t *offsets, size_t arena_bytes);
/* hdtrt_plan_check on the plan's own solution (a debug assertion). */
hdtrt_plan_status hdtrt_plan_verify(hdtrt_plan *plan);

/* The message of the last error of a call on this plan ("" if none). Valid
 * until the next call on the plan. */
const char *hdtrt_plan_error_message(const hdtrt_plan *plan);
/* A constant name for a status ("HDTRT_PLAN_ERR_OVERLAP"). */
const char *hdtrt_plan_status_name(hdtrt_plan_status status);

#ifdef __cplusplus
}
#endif

#endif
