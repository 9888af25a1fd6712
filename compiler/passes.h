/* passes.h: the pass interface and the list of passes (passes.def). */
#ifndef HDT_PASSES_H
#define HDT_PASSES_H

#include "arena.h"
#include "diag.h"
#include "ir.h"
#include "target.h"

typedef struct pass_ctx {
  arena *a;                 /* the compilation's arena: passes allocate here */
  diag_ctx *d;              /* for the rare pass that can report an error */
  const hdt_target *target; /* the machine being compiled for */
} pass_ctx;

typedef void (*ir_pass_fn)(pass_ctx *c, ir_program *p);

enum { PASS_CUDA = 1, PASS_HOST = 2, PASS_ALL = PASS_CUDA | PASS_HOST };

#define PASS(name, fn, targets, what) void fn(pass_ctx *c, ir_program *p);
#include "passes.def"
#undef PASS

#endif
