/* planner.c: the graph runtime's memory planner (planner.h).
 *
 * A solve has four stages, each a function below:
 *   1. in-place: the legal hints chain tensors into shared buffers
 *      (plan_resolve_inplace); a buffer lives from its first tensor's
 *      producer to its last tensor's last reader;
 *   2. the liveness lower bound: the most aligned bytes of buffers live at
 *      one step (plan_lower_bound) — no placement can do better;
 *   3. placement, twice (planner_place.c): largest buffers first into the
 *      best-fitting gap (TFLite's "greedy by size" offset calculation), and
 *      production order against both ends of an arena bounded by the lower
 *      bound (optimal on chains, where greedy by size is not); the smaller
 *      arena is kept;
 *   4. stats.
 * Everything is checked for overflow of size_t, and every bad input is an
 * error status with a message, never undefined behaviour: the session
 * builds plans from user graphs. */
#include "planner.h"
#include "planner_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- errors ------------------------------------------------------------ */

hdtrt_plan_status plan_fail(hdtrt_plan *plan, hdtrt_plan_status status,
                            const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(plan->message, sizeof plan->message, fmt, ap);
  va_end(ap);
  return status;
}

/* Every public call starts here: a fresh call has no error yet. */
static hdtrt_plan_status plan_begin(hdtrt_plan *plan) {
  if (!plan)
    return HDTRT_PLAN_ERR_NULL_POINTER;
  plan->message[0] = '\0';
  return HDTRT_PLAN_OK;
}

const char *hdtrt_plan_error_message(const hdtrt_plan *plan) {
  return plan ? plan->message : "";
}

const char *hdtrt_plan_status_name(hdtrt_plan_status status) {
  switch (status) {
  case HDTRT_PLAN_OK: return "HDTRT_PLAN_OK";
  case HDTRT_PLAN_ERR_OUT_OF_MEMORY: return "HDTRT_PLAN_ERR_OUT_OF_MEMORY";
  case HDTRT_PLAN_ERR_NEGATIVE_SIZE: return "HDTRT_PLAN_ERR_NEGATIVE_SIZE";
  case HDTRT_PLAN_ERR_NULL_POINTER: return "HDTRT_PLAN_ERR_NULL_POINTER";
  case HDTRT_PLAN_ERR_BAD_INDEX: return "HDTRT_PLAN_ERR_BAD_INDEX";
  case HDTRT_PLAN_ERR_BAD_LIFETIME: return "HDTRT_PLAN_ERR_BAD_LIFETIME";
  case HDTRT_PLAN_ERR_BAD_KIND: return "HDTRT_PLAN_ERR_BAD_KIND";
  case HDTRT_PLAN_ERR_OVERFLOW: return "HDTRT_PLAN_ERR_OVERFLOW";
  case HDTRT_PLAN_ERR_NOT_SOLVED: return "HDTRT_PLAN_ERR_NOT_SOLVED";
  case HDTRT_PLAN_ERR_NOT_IN_ARENA: return "HDTRT_PLAN_ERR_NOT_IN_ARENA";
  case HDTRT_PLAN_ERR_OVERLAP: return "HDTRT_PLAN_ERR_OVERLAP";
  case HDTRT_PLAN_ERR_MISALIGNED: return "HDTRT_PLAN_ERR_MISALIGNED";
  case HDTRT_PLAN_ERR_OUT_OF_ARENA: return "HDTRT_PLAN_ERR_OUT_OF_ARENA";
  }
  return "HDTRT_PLAN_ERR_UNKNOWN";
}

/* ---- building ---------------------------------------------------------- */

hdtrt_plan_status hdtrt_plan_create(int32_t num_steps, hdtrt_plan **out) {
  if (!out)
    return HDTRT_PLAN_ERR_NULL_POINTER;
  *out = NULL;
  if (num_steps < 0)
    return HDTRT_PLAN_ERR_NEGATIVE_SIZE;
  hdtrt_plan *plan = calloc(1, sizeof *plan);
  if (!plan)
    return HDTRT_PLAN_ERR_OUT_OF_MEMORY;
  plan->num_steps = num_steps;
  *out = plan;
  return HDTRT_PLAN_OK;
}

static void plan_discard_solution(hdtrt_plan *plan) {
  free(plan->buffers);
  plan->buffers = NULL;
  plan->num_buffers = 0;
  plan->solved = false;
}

void hdtrt_plan_destroy(hdtrt_plan *plan) {
  if (!plan)
    return;
  plan_discard_solution(plan);
  free(plan->tensors);
  free(plan->hints);
  free(plan);
}

/* Room for one more element in a growing array of `size`-byte elements;
 * ids are int32_t, so arrays stop at INT32_MAX elements. */
static bool plan_grow(void **items, int32_t count, int32_t *cap, size_t size) {
  if (count < *cap)
    return true;
  if (count == INT32_MAX)
    return false;
  int32_t cap2 = *cap < 8 ? 8 : (*cap > INT32_MAX / 2 ? INT32_MAX : *cap * 2);
  void *grown = realloc(*items, (size_t)cap2 * size);
  if (!grown)
    return false;
  *items = grown;
  *cap = cap2;
  return true;
}

/* bytes rounded up to the alignment, false when that passes SIZE_MAX. */
bool plan_align(uint64_t bytes, size_t *out) {
  const uint64_t a = HDTRT_PLAN_ALIGNMENT;
  if (bytes > (uint64_t)SIZE_MAX || bytes > (uint64_t)SIZE_MAX - (a - 1))
    return false;
  *out = (size_t)((bytes + a - 1) / a * a);
  return true;
}

static hdtrt_plan_status plan_check_tensor(hdtrt_plan *plan,
                                           hdtrt_plan_kind kind, int64_t bytes,
                                           int32_t first, int32_t last) {
  if ((unsigned)kind > (unsigned)HDTRT_PLAN_CONSTANT)
    return plan_fail(plan, HDTRT_PLAN_ERR_BAD_KIND, "tensor kind %d unknown",
                     (int)kind);
  if (bytes < 0)
    return plan_fail(plan, HDTRT_PLAN_ERR_NEGATIVE_SIZE,
                     "tensor of %lld bytes", (long long)bytes);
  if (kind != HDTRT_PLAN_INTERMEDIATE)
    return HDTRT_PLAN_OK;
  if (first < 0 || first >= plan->num_steps || last < 0 ||
      last >= plan->num_steps)
    return plan_fail(plan, HDTRT_PLAN_ERR_BAD_INDEX,
                     "intermediate's steps %d..%d outside 0..%d", (int)first,
                     (int)last, (int)plan->num_steps - 1);
  if (last < first)
    return plan_fail(plan, HDTRT_PLAN_ERR_BAD_LIFETIME,
                     "intermediate last read at step %d before its producer, "
                     "step %d",
                     (int)last, (int)first);
  return HDTRT_PLAN_OK;
}

hdtrt_plan_status hdtrt_plan_add_tensor(hdtrt_plan *plan, hdtrt_plan_kind kind,
                                        int64_t bytes, int32_t first,
                                        int32_t last, int32_t *out_id) {
  hdtrt_plan_status st = plan_begin(plan);
  if (st != HDTRT_PLAN_OK)
    return st;
  if ((st = plan_check_tensor(plan, kind, bytes, first, last)) != HDTRT_PLAN_OK)
    return st;
  plan_tensor t = {.bytes = bytes, .first = first, .last = last, .kind = kind};
  if (!plan_align((uint64_t)bytes, &t.aligned))
    return plan_fail(plan, HDTRT_PLAN_ERR_OVERFLOW,
                     "tensor of %lld bytes: aligned size over SIZE_MAX",
                     (long long)bytes);
  if (!plan_grow((void **)&plan->tensors, plan->num_tensors,
                 &plan->cap_tensors, sizeof t))
    return plan_fail(plan, HDTRT_PLAN_ERR_OUT_OF_MEMORY,
                     "no memory for tensor %d", (int)plan->num_tensors);
  plan_discard_solution(plan);
  if (out_id)
    *out_id = plan->num_tensors;
  plan->tensors[plan->num_tensors++] = t;
  return HDTRT_PLAN_OK;
}

static hdtrt_plan_status plan_check_id(hdtrt_plan *plan, int32_t id,
                                       const char *what) {
  if (id < 0 || id >= plan->num_tensors)
    return plan_fail(plan, HDTRT_PLAN_ERR_BAD_INDEX,
                     "%s: tensor %d outside 0..%d", what, (int)id,
                     (int)plan->num_tensors - 1);
  return HDTRT_PLAN_OK;
}

hdtrt_plan_status hdtrt_plan_allow_inplace(hdtrt_plan *plan, int32_t out,
                                           int32_t in) {
  hdtrt_plan_status st = plan_begin(plan);
  if (st != HDTRT_PLAN_OK)
    return st;
  if ((st = plan_check_id(plan, out, "in-place output")) != HDTRT_PLAN_OK ||
      (st = plan_check_id(plan, in, "in-place input")) != HDTRT_PLAN_OK)
    return st;
  if (out == in)
    return plan_fail(plan, HDTRT_PLAN_ERR_BAD_INDEX,
                     "tensor %d in place of itself", (int)out);
  if (!plan_grow((void **)&plan->hints, plan->num_hints, &plan->cap_hints,
                 sizeof(plan_hint)))
    return plan_fail(plan, HDTRT_PLAN_ERR_OUT_OF_MEMORY,
                     "no memory for in-place hint %d", (int)plan->num_hints);
  plan_discard_solution(plan);
  plan->hints[plan->num_hints++] = (plan_hint){.out = out, .in = in};
  return HDTRT_PLAN_OK;
}

/* ---- solving: in place ------------------------------------------------- */

/* Whether `in`'s buffer may be handed to `out` now (planner.h). `taken`:
 * tensors whose buffer already went on to another output. Only the last
 * tensor of a chain may pass the buffer on; the buffer's size is its first
 * tensor's. */
static bool plan_inplace_legal(const hdtrt_plan *plan, const plan_hint *h,
                               const bool *taken, const int32_t *root) {
  const plan_tensor *o = &plan->tensors[h->out], *i = &plan->tensors[h->in];
  return o->kind == HDTRT_PLAN_INTERMEDIATE &&
         i->kind == HDTRT_PLAN_INTERMEDIATE && o->inplace_src < 0 &&
         !taken[h->in] && i->last == o->first && i->first < o->first &&
         o->aligned <= plan->tensors[root[h->in]].aligned;
}

/* Hints in the order their outputs are produced (then as given), so that
 * a chain a -> b -> c has b's source decided before c's is looked at. */
static int plan_hint_cmp(const void *a, const void *b) {
  const plan_hint *x = a, *y = b;
  if (x->order_key != y->order_key)
    return x->order_key < y->order_key ? -1 : 1;
  return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Sets inplace_src of every tensor, and root[t]: the first tensor of t's
 * buffer. */
static hdtrt_plan_status plan_resolve_inplace(hdtrt_plan *plan,
                                              int32_t *root) {
  int32_t n = plan->num_tensors;
  bool *taken = calloc((size_t)n + 1, sizeof *taken);
  plan_hint *hints = malloc(((size_t)plan->num_hints + 1) * sizeof *hints);
  if (!taken || !hints) {
    free(taken);
    free(hints);
    return plan_fail(plan, HDTRT_PLAN_ERR_OUT_OF_MEMORY,
                     "no memory to resolve %d in-place hints",
                     (int)plan->num_hints);
  }
  for (int32_t t = 0; t < n; t++) {
    plan->tensors[t].inplace_src = -1;
    root[t] = t;
  }
  for (int32_t k = 0; k < plan->num_hints; k++) {
    hints[k] = plan->hints[k];
    hints[k].order_key = plan->tensors[hints[k].out].first;
    hints[k].seq = k;
  }
  qsort(hints, (size_t)plan->num_hints, sizeof *hints, plan_hint_cmp);
  for (int32_t k = 0; k < plan->num_hints; k++) {
    const plan_hint *h = &hints[k];
    if (!plan_inplace_legal(plan, h, taken, root))
      continue;
    plan->tensors[h->out].inplace_src = h->in;
    root[h->out] = root[h->in];
    taken[h->in] = true;
  }
  free(taken);
  free(hints);
  return HDTRT_PLAN_OK;
}

/* ---- solving: buffers and bounds --------------------------------------- */

/* One buffer per chain of in-place tensors; plan->tensors[t].buffer. */
static hdtrt_plan_status plan_make_buffers(hdtrt_plan *plan,
                                           const int32_t *root) {
  int32_t n = plan->num_tensors, nb = 0;
  plan->buffers = calloc((size_t)n + 1, sizeof *plan->buffers);
  if (!plan->buffers)
    return plan_fail(plan, HDTRT_PLAN_ERR_OUT_OF_MEMORY,
                     "no memory for %d buffers", (int)n);
  for (int32_t t = 0; t < n; t++) {
    plan_tensor *x = &plan->tensors[t];
    x->buffer = -1;
    if (x->kind != HDTRT_PLAN_INTERMEDIATE || root[t] != t)
      continue;
    x->buffer = nb;
    plan->buffers[nb++] =
        (plan_buffer){.bytes = x->aligned, .first = x->first, .last = x->last};
  }
  /* Chain members come after their source in production order, but not
   * necessarily in id order: follow root, which is always a buffer's
   * first tensor. */
  for (int32_t t = 0; t < n; t++) {
    plan_tensor *x = &plan->tensors[t];
    if (x->kind != HDTRT_PLAN_INTERMEDIATE || root[t] == t)
      continue;
    x->buffer = plan->tensors[root[t]].buffer;
    plan_buffer *b = &plan->buffers[x->buffer];
    if (x->last > b->last)
      b->last = x->last;
  }
  plan->num_buffers = nb;
  return HDTRT_PLAN_OK;
}

/* The most bytes of buffers live at one step: a sweep over the steps with
 * +bytes where a buffer starts and -bytes after it ends. */
static hdtrt_plan_status plan_lower_bound(hdtrt_plan *plan, size_t *out) {
  size_t steps = (size_t)plan->num_steps + 1;
  size_t *start = calloc(steps, sizeof *start);
  size_t *end = calloc(steps, sizeof *end);
  if (!start || !end) {
    free(start);
    free(end);
    return plan_fail(plan, HDTRT_PLAN_ERR_OUT_OF_MEMORY,
                     "no memory for %d steps", (int)plan->num_steps);
  }
  /* Each per-step sum is at most the sum of all buffers, which the caller
   * checked for overflow; no check is needed here. */
  for (int32_t b = 0; b < plan->num_buffers; b++) {
    start[plan->buffers[b].first] += plan->buffers[b].bytes;
    end[plan->buffers[b].last] += plan->buffers[b].bytes;
  }
  size_t live = 0, best = 0;
  for (int32_t s = 0; s < plan->num_steps; s++) {
    live += start[s];
    if (live > best)
      best = live;
    live -= end[s];
  }
  free(start);
  free(end);
  *out = best;
  return HDTRT_PLAN_OK;
}

/* Sums the aligned sizes of intermediates (the stat) and of buffers (which
 * bounds every other sum of the solve). */
static hdtrt_plan_status plan_sums(hdtrt_plan *plan) {
  hdtrt_plan_stats *s = &plan->stats;
  size_t buffers = 0;
  for (int32_t t = 0; t < plan->num_tensors; t++) {
    const plan_tensor *x = &plan->tensors[t];
    if (x->kind != HDTRT_PLAN_INTERMEDIATE)
      continue;
    s->num_intermediates++;
    s->num_inplace += x->inplace_src >= 0;
    if (!plan_add(s->sum_intermediates, x->aligned, &s->sum_intermediates))
      return plan_fail(plan, HDTRT_PLAN_ERR_OVERFLOW,
                       "intermediates sum to more than SIZE_MAX bytes");
  }
  for (int32_t b = 0; b < plan->num_buffers; b++)
    if (!plan_add(buffers, plan->buffers[b].bytes, &buffers))
      return plan_fail(plan, HDTRT_PLAN_ERR_OVERFLOW,
                       "buffers sum to more than SIZE_MAX bytes");
  return HDTRT_PLAN_OK;
}

/* ---- solving ----------------------------------------------------------- */

static hdtrt_plan_status plan_solve_stages(hdtrt_plan *plan, int32_t *root) {
  hdtrt_plan_status st;
  if ((st = plan_resolve_inplace(plan, root)) != HDTRT_PLAN_OK ||
      (st = plan_make_buffers(plan, root)) != HDTRT_PLAN_OK ||
      (st = plan_sums(plan)) != HDTRT_PLAN_OK ||
      (st = plan_lower_bound(plan, &plan->stats.lower_bound)) != HDTRT_PLAN_OK)
    return st;
  return plan_place(plan);
}

hdtrt_plan_status hdtrt_plan_solve(hdtrt_plan *plan) {
  hdtrt_plan_status st = plan_begin(plan);
  if (st != HDTRT_PLAN_OK)
    return st;
  plan_discard_solution(plan);
  memset(&plan->stats, 0, sizeof plan->stats);
  int32_t *root = malloc(((size_t)plan->num_tensors + 1) * sizeof *root);
  if (!root)
    return plan_fail(plan, HDTRT_PLAN_ERR_OUT_OF_MEMORY,
                     "no memory for %d tensors", (int)plan->num_tensors);
  st = plan_solve_stages(plan, root);
  free(root);
  if (st != HDTRT_PLAN_OK) {
    plan_discard_solution(plan);
    return st;
  }
  plan->solved = true;
  return HDTRT_PLAN_OK;
}

/* ---- results ----------------------------------------------------------- */

static hdtrt_plan_status plan_begin_query(hdtrt_plan *plan, const void *out) {
  hdtrt_plan_status st = plan_begin(plan);
  if (st != HDTRT_PLAN_OK)
    return st;
  if (!out)
    return plan_fail(plan, HDTRT_PLAN_ERR_NULL_POINTER, "out-pointer is NULL");
  if (!plan->solved)
    return plan_fail(plan, HDTRT_PLAN_ERR_NOT_SOLVED,
                     "the plan is not solved (hdtrt_plan_solve)");
  return HDTRT_PLAN_OK;
}

hdtrt_plan_status hdtrt_plan_arena_bytes(hdtrt_plan *plan, size_t *out) {
  hdtrt_plan_status st = plan_begin_query(plan, out);
  if (st == HDTRT_PLAN_OK)
    *out = plan->stats.arena_bytes;
  return st;
}

hdtrt_plan_status hdtrt_plan_stats_get(hdtrt_plan *plan,
                                       hdtrt_plan_stats *out) {
  hdtrt_plan_status st = plan_begin_query(plan, out);
  if (st == HDTRT_PLAN_OK)
    *out = plan->stats;
  return st;
}

hdtrt_plan_status hdtrt_plan_offset(hdtrt_plan *plan, int32_t tensor,
                                    size_t *out) {
  hdtrt_plan_status st = plan_begin_query(plan, out);
  if (st != HDTRT_PLAN_OK ||
      (st = plan_check_id(plan, tensor, "offset")) != HDTRT_PLAN_OK)
    return st;
  const plan_tensor *x = &plan->tensors[tensor];
  if (x->buffer < 0)
    return plan_fail(plan, HDTRT_PLAN_ERR_NOT_IN_ARENA,
                     "tensor %d is a graph input, output or constant",
                     (int)tensor);
  *out = plan->buffers[x->buffer].offset;
  return HDTRT_PLAN_OK;
}

hdtrt_plan_status hdtrt_plan_inplace_source(hdtrt_plan *plan, int32_t tensor,
                                            int32_t *out) {
  hdtrt_plan_status st = plan_begin_query(plan, out);
  if (st != HDTRT_PLAN_OK ||
      (st = plan_check_id(plan, tensor, "in-place source")) != HDTRT_PLAN_OK)
    return st;
  *out = plan->tensors[tensor].inplace_src;
  return HDTRT_PLAN_OK;
}
