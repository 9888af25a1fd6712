/* lower.h: the lowering from the checked AST to the IR (ir_lower.c). It is
 * the one stage that sees both sides, so ir.h itself depends on neither the
 * AST nor sema. */
#ifndef HDT_LOWER_H
#define HDT_LOWER_H

#include "ir.h"
#include "sema.h"

/* Lowers a checked program (no errors reported) to IR for target: index
 * ranges come from its limits. */
ir_program *ir_lower(arena *a, const program *p, const hdt_target *target);

#endif
