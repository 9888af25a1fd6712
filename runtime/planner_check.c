/* planner_check.c: checking a placement (hdtrt_plan_check, _verify).
 *
 * Written apart from the placement and from its data (hdtrt_plan_check
 * reads only the tensors as given, the in-place pairs chosen and the
 * offsets it is handed, never the buffers), so that a bug in placement is
 * not repeated here: the tests use it as their
 * oracle, and the session can assert with it in debug builds. Pairs of
 * tensors are compared directly, O(tensors^2): simple enough to trust. */
#include "planner_internal.h"

#include <stdlib.h>

/* Whether a and b may share bytes: one overwrites the other in place, and
 * they meet only at the step that hands the buffer over. */
static bool check_inplace_pair(const hdtrt_plan *plan, int32_t a, int32_t b) {
  const plan_tensor *x = &plan->tensors[a], *y = &plan->tensors[b];
  return (y->inplace_src == a && x->last == y->first) ||
         (x->inplace_src == b && y->last == x->first);
}

static hdtrt_plan_status check_one(hdtrt_plan *plan, int32_t t, size_t off,
                                   size_t arena) {
  const plan_tensor *x = &plan->tensors[t];
  if (off % HDTRT_PLAN_ALIGNMENT != 0)
    return plan_fail(plan, HDTRT_PLAN_ERR_MISALIGNED,
                     "tensor %d at offset %zu, not a multiple of %zu", (int)t,
                     off, HDTRT_PLAN_ALIGNMENT);
  if (x->aligned > arena || off > arena - x->aligned)
    return plan_fail(plan, HDTRT_PLAN_ERR_OUT_OF_ARENA,
                     "tensor %d (%zu bytes at %zu) ends past the arena (%zu "
                     "bytes)",
                     (int)t, x->aligned, off, arena);
  return HDTRT_PLAN_OK;
}

static bool check_bytes_overlap(size_t off_a, size_t len_a, size_t off_b,
                                size_t len_b) {
  /* Both ends are inside the arena (check_one), so no overflow. */
  return len_a > 0 && len_b > 0 && off_a < off_b + len_b &&
         off_b < off_a + len_a;
}

static hdtrt_plan_status check_pair(hdtrt_plan *plan, int32_t a, int32_t b,
                                    const size_t *offsets) {
  const plan_tensor *x = &plan->tensors[a], *y = &plan->tensors[b];
  if (!plan_live_together(x->first, x->last, y->first, y->last) ||
      !check_bytes_overlap(offsets[a], x->aligned, offsets[b], y->aligned) ||
      check_inplace_pair(plan, a, b))
    return HDTRT_PLAN_OK;
  return plan_fail(plan, HDTRT_PLAN_ERR_OVERLAP,
                   "tensors %d (steps %d..%d, bytes %zu..%zu) and %d (steps "
                   "%d..%d, bytes %zu..%zu) are live together and overlap",
                   (int)a, (int)x->first, (int)x->last, offsets[a],
                   offsets[a] + x->aligned, (int)b, (int)y->first,
                   (int)y->last, offsets[b], offsets[b] + y->aligned);
}

static bool check_in_arena(const hdtrt_plan *plan, int32_t t) {
  return plan->tensors[t].kind == HDTRT_PLAN_INTERMEDIATE;
}

hdtrt_plan_status hdtrt_plan_check(hdtrt_plan *plan, const size_t *offsets,
                                   size_t arena_bytes) {
  if (!plan)
    return HDTRT_PLAN_ERR_NULL_POINTER;
  plan->message[0] = '\0';
  if (!offsets && plan->num_tensors > 0)
    return plan_fail(plan, HDTRT_PLAN_ERR_NULL_POINTER, "offsets is NULL");
  if (!plan->solved)
    return plan_fail(plan, HDTRT_PLAN_ERR_NOT_SOLVED,
                     "the plan is not solved (hdtrt_plan_solve)");
  if (arena_bytes % HDTRT_PLAN_ALIGNMENT != 0)
    return plan_fail(plan, HDTRT_PLAN_ERR_MISALIGNED,
                     "arena of %zu bytes, not a multiple of %zu", arena_bytes,
                     HDTRT_PLAN_ALIGNMENT);
  hdtrt_plan_status st;
  for (int32_t a = 0; a < plan->num_tensors; a++) {
    if (!check_in_arena(plan, a))
      continue;
    if ((st = check_one(plan, a, offsets[a], arena_bytes)) != HDTRT_PLAN_OK)
      return st;
  }
  for (int32_t a = 0; a < plan->num_tensors; a++)
    for (int32_t b = a + 1; b < plan->num_tensors; b++)
      if (check_in_arena(plan, a) && check_in_arena(plan, b) &&
          (st = check_pair(plan, a, b, offsets)) != HDTRT_PLAN_OK)
        return st;
  return HDTRT_PLAN_OK;
}

hdtrt_plan_status hdtrt_plan_verify(hdtrt_plan *plan) {
  if (!plan)
    return HDTRT_PLAN_ERR_NULL_POINTER;
  if (!plan->solved)
    return plan_fail(plan, HDTRT_PLAN_ERR_NOT_SOLVED,
                     "the plan is not solved (hdtrt_plan_solve)");
  size_t *offsets = malloc(((size_t)plan->num_tensors + 1) * sizeof *offsets);
  if (!offsets)
    return plan_fail(plan, HDTRT_PLAN_ERR_OUT_OF_MEMORY,
                     "no memory for %d offsets", (int)plan->num_tensors);
  for (int32_t t = 0; t < plan->num_tensors; t++) {
    int32_t b = plan->tensors[t].buffer;
    offsets[t] = b < 0 ? 0 : plan->buffers[b].offset;
  }
  hdtrt_plan_status st =
      hdtrt_plan_check(plan, offsets, plan->stats.arena_bytes);
  free(offsets);
  return st;
}
