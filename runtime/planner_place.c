/* planner_place.c: placing the planner's buffers in the arena.
 *
 * Optimal placement (dynamic storage allocation) is NP-hard, so two greedy
 * placements are run and the smaller arena kept; both are O(buffers^2),
 * which is fine for graphs of thousands of operators.
 *
 * By size (TFLite's and MXNet's "greedy by size for offset calculation",
 * Pisarchyk & Lee 2020): largest buffers first, each into the smallest gap
 * left between the buffers already placed that are live at the same time
 * as it, or above them all. Large buffers decide the arena; placing them
 * first lets small ones fill the holes between. This wins on wide graphs
 * (ResNet-style skips).
 *
 * By order: production order, in an arena bounded by the liveness lower
 * bound T, with each buffer put against an end of its gap: at 0 or at T
 * when the gap touches one, else next to the neighbour that lives longer,
 * so that free space stays in one piece when the other dies; above
 * everything when no gap fits. On a chain (each tensor read only by the
 * next step) the live buffers alternate between the two ends and the arena
 * is exactly the lower bound, which greedy by size can miss (sizes 10, 4,
 * 5, 12 in a row: it puts 10 and 12 at 0, 5 above 12, and 4 no longer
 * fits between 10 and 5).
 *
 * Every offset is a sum or difference of aligned sizes and T, so aligned;
 * every end is checked for overflow. */
#include "planner_internal.h"

#include <stdlib.h>
#include <string.h>

/* What the two placements share: the buffers, the offsets being chosen,
 * and the buffers placed so far sorted by offset. */
typedef struct place_ctx {
  const plan_buffer *bufs;
  int32_t n;
  size_t *off;     /* per buffer */
  int32_t *placed; /* indices into bufs, by offset */
  int32_t count;
  size_t arena;
} place_ctx;

/* A free range [start, end) among the buffers live with the one being
 * placed; below and above are the buffers around it (-1: the arena's end
 * or the bound). */
typedef struct place_gap {
  size_t start, end;
  int32_t below, above;
} place_gap;

static bool place_overlaps(const place_ctx *c, int32_t a, int32_t b) {
  return plan_live_together(c->bufs[a].first, c->bufs[a].last,
                            c->bufs[b].first, c->bufs[b].last);
}

/* Records buffer b at offset `off`; false when its end passes SIZE_MAX. */
static bool place_commit(place_ctx *c, int32_t b, size_t off) {
  size_t end;
  if (!plan_add(off, c->bufs[b].bytes, &end))
    return false;
  c->off[b] = off;
  if (end > c->arena)
    c->arena = end;
  if (c->bufs[b].bytes == 0)
    return true; /* takes no room: not an obstacle for anyone */
  int32_t k = c->count;
  while (k > 0 && c->off[c->placed[k - 1]] > off)
    k--;
  memmove(&c->placed[k + 1], &c->placed[k],
          (size_t)(c->count - k) * sizeof *c->placed);
  c->placed[k] = b;
  c->count++;
  return true;
}

/* The smallest gap of at least bufs[b].bytes below `bound` among the
 * placed buffers live with b (ties: the lowest); *top is then the end of
 * all of them. Returns false when no gap fits. */
static bool place_best_gap(const place_ctx *c, int32_t b, size_t bound,
                           place_gap *best, size_t *top) {
  size_t size = c->bufs[b].bytes, prev_end = 0;
  int32_t prev = -1;
  bool found = false;
  for (int32_t k = 0; k < c->count; k++) {
    int32_t p = c->placed[k];
    if (!place_overlaps(c, b, p))
      continue;
    size_t gap_end = c->off[p] < bound ? c->off[p] : bound;
    if (gap_end > prev_end && gap_end - prev_end >= size &&
        (!found || gap_end - prev_end < best->end - best->start)) {
      *best = (place_gap){prev_end, gap_end, prev, c->off[p] < bound ? p : -1};
      found = true;
    }
    size_t end = c->off[p] + c->bufs[p].bytes; /* checked when placed */
    if (end > prev_end) {
      prev_end = end;
      prev = p;
    }
  }
  if (bound > prev_end && bound - prev_end >= size &&
      (!found || bound - prev_end < best->end - best->start)) {
    *best = (place_gap){prev_end, bound, prev, -1};
    found = true;
  }
  *top = prev_end;
  return found;
}

/* ---- orders ------------------------------------------------------------ */

/* qsort has no context argument in C11; the orders are computed as keys in
 * an array of these instead of comparing through a global. */
typedef struct place_key {
  uint64_t major; /* smaller first */
  uint64_t minor;
  int32_t index;
} place_key;

static int place_key_cmp(const void *a, const void *b) {
  const place_key *x = a, *y = b;
  if (x->major != y->major)
    return x->major < y->major ? -1 : 1;
  if (x->minor != y->minor)
    return x->minor < y->minor ? -1 : 1;
  return (x->index > y->index) - (x->index < y->index);
}

/* ---- by size ----------------------------------------------------------- */

/* Largest first, then earliest producer. */
static void place_order_by_size(const place_ctx *c, place_key *keys) {
  for (int32_t b = 0; b < c->n; b++)
    keys[b] = (place_key){UINT64_MAX - c->bufs[b].bytes,
                          (uint64_t)c->bufs[b].first, b};
  qsort(keys, (size_t)c->n, sizeof *keys, place_key_cmp);
}

static bool place_by_size(place_ctx *c, place_key *keys) {
  place_order_by_size(c, keys);
  for (int32_t k = 0; k < c->n; k++) {
    int32_t b = keys[k].index;
    place_gap gap;
    size_t top;
    bool fits = place_best_gap(c, b, SIZE_MAX, &gap, &top);
    if (!place_commit(c, b, fits ? gap.start : top))
      return false;
  }
  return true;
}

/* ---- by order ---------------------------------------------------------- */

/* Earliest producer first, then largest. */
static void place_order_by_first(const place_ctx *c, place_key *keys) {
  for (int32_t b = 0; b < c->n; b++)
    keys[b] = (place_key){(uint64_t)c->bufs[b].first,
                          UINT64_MAX - c->bufs[b].bytes, b};
  qsort(keys, (size_t)c->n, sizeof *keys, place_key_cmp);
}

/* Where in `gap` buffer b goes: against 0, against the bound, or next to
 * the neighbour that dies later. */
static size_t place_in_gap(const place_ctx *c, int32_t b, const place_gap *g) {
  size_t bottom = g->start, top = g->end - c->bufs[b].bytes;
  if (g->start == 0)
    return bottom;
  if (g->above < 0)
    return top;
  return c->bufs[g->below].last >= c->bufs[g->above].last ? bottom : top;
}

static bool place_by_order(place_ctx *c, place_key *keys, size_t bound) {
  place_order_by_first(c, keys);
  for (int32_t k = 0; k < c->n; k++) {
    int32_t b = keys[k].index;
    place_gap gap;
    size_t top;
    bool fits = place_best_gap(c, b, bound, &gap, &top);
    if (!place_commit(c, b, fits ? place_in_gap(c, b, &gap) : top))
      return false;
  }
  return true;
}

/* ---- both, the smaller kept -------------------------------------------- */

static void place_reset(place_ctx *c) {
  c->count = 0;
  c->arena = 0;
}

hdtrt_plan_status plan_place(hdtrt_plan *plan) {
  int32_t n = plan->num_buffers;
  size_t n1 = (size_t)n + 1;
  size_t *by_size = malloc(n1 * sizeof *by_size);
  size_t *by_order = malloc(n1 * sizeof *by_order);
  int32_t *placed = malloc(n1 * sizeof *placed);
  place_key *keys = malloc(n1 * sizeof *keys);
  hdtrt_plan_status st = HDTRT_PLAN_OK;
  if (!by_size || !by_order || !placed || !keys) {
    st = plan_fail(plan, HDTRT_PLAN_ERR_OUT_OF_MEMORY,
                   "no memory to place %d buffers", (int)n);
    goto done;
  }
  place_ctx c = {.bufs = plan->buffers, .n = n, .placed = placed};
  c.off = by_size;
  bool size_ok = place_by_size(&c, keys);
  size_t size_arena = c.arena;
  place_reset(&c);
  c.off = by_order;
  bool order_ok = place_by_order(&c, keys, plan->stats.lower_bound);
  if (!size_ok && !order_ok) {
    st = plan_fail(plan, HDTRT_PLAN_ERR_OVERFLOW,
                   "the arena would pass SIZE_MAX bytes");
    goto done;
  }
  bool use_order = order_ok && (!size_ok || c.arena < size_arena);
  const size_t *off = use_order ? by_order : by_size;
  for (int32_t b = 0; b < n; b++)
    plan->buffers[b].offset = off[b];
  plan->stats.arena_bytes = use_order ? c.arena : size_arena;
  plan->stats.strategy = use_order ? HDTRT_PLAN_BY_ORDER : HDTRT_PLAN_BY_SIZE;
done:
  free(by_size);
  free(by_order);
  free(placed);
  free(keys);
  return st;
}
