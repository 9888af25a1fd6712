/* planner_internal.h: what the planner's files (planner.c, planner_place.c,
 * planner_check.c) share: the plan's layout and a few helpers. Split so
 * that each file stays about one thing: building and solving, placement,
 * checking. Nothing here is for the planner's users (planner.h is). */
#ifndef HDTRT_PLANNER_INTERNAL_H
#define HDTRT_PLANNER_INTERNAL_H

#include "planner.h"

#include <stdbool.h>

typedef struct plan_tensor {
  int64_t bytes;       /* as given */
  size_t aligned;      /* rounded up to HDTRT_PLAN_ALIGNMENT */
  int32_t first, last; /* producer and last reader (intermediates) */
  hdtrt_plan_kind kind;
  int32_t inplace_src; /* set by a solve: the tensor it overwrites, or -1 */
  int32_t buffer;      /* set by a solve: its buffer, -1 outside the arena */
} plan_tensor;

typedef struct plan_hint {
  int32_t out, in;
  int32_t order_key, seq; /* used while sorting the hints in a solve */
} plan_hint;

/* A block of the arena: a tensor and the tensors that take its buffer over
 * in place, one after the other. Lives from its first tensor's producer to
 * its last tensor's last reader. */
typedef struct plan_buffer {
  size_t bytes; /* aligned */
  int32_t first, last;
  size_t offset;
} plan_buffer;

struct hdtrt_plan {
  int32_t num_steps;
  plan_tensor *tensors;
  int32_t num_tensors, cap_tensors;
  plan_hint *hints;
  int32_t num_hints, cap_hints;
  /* The solution: valid while `solved`. */
  bool solved;
  plan_buffer *buffers;
  int32_t num_buffers;
  hdtrt_plan_stats stats;
  char message[256];
};

/* Sets the plan's message; returns status. */
hdtrt_plan_status plan_fail(hdtrt_plan *plan, hdtrt_plan_status status,
                            const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* bytes rounded up to HDTRT_PLAN_ALIGNMENT; false past SIZE_MAX. */
bool plan_align(uint64_t bytes, size_t *out);

/* a + b; false when it passes SIZE_MAX. */
static inline bool plan_add(size_t a, size_t b, size_t *out) {
  if (a > SIZE_MAX - b)
    return false;
  *out = a + b;
  return true;
}

/* Whether two step ranges share a step. */
static inline bool plan_live_together(int32_t first_a, int32_t last_a,
                                      int32_t first_b, int32_t last_b) {
  return first_a <= last_b && first_b <= last_a;
}

/* Places plan->buffers (sets their offsets, stats.arena_bytes and
 * stats.strategy); needs stats.lower_bound (planner_place.c). */
hdtrt_plan_status plan_place(hdtrt_plan *plan);

#endif
