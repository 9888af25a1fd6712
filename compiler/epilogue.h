/* epilogue.h: fusing an element-wise epilogue into a kernel instance.
 *
 * Hidet's post-scheduling fusion: a scheduled anchor kernel (a matmul, a
 * convolution) keeps its schedule, and the element-wise operators after it
 * are applied to each value as it is stored, so their results never make
 * a trip through memory. Here the epilogue is an ordinary device function
 * of the same file,
 *
 *     fn EPI(v: T, i: i64, t1: U1[...], ..., tk: Uk[...]) -> T
 *
 * where T is the element type of the kernel's last parameter (its output)
 * and i is the element's offset in it. Applied to an instance (after its
 * lowering, before the passes), every store `out[o] = v` becomes
 * `out[o] = EPI(v, o, t1, ..., tk)`, and t1..tk become parameters of the
 * kernel, inserted before the output, so the C entry point is
 * `SYMBOL(inputs..., t1, ..., tk, out)`.
 *
 * Legal only when the kernel never reads its output (a split-K
 * accumulation or an atomic would see the epilogue's results): that, a
 * signature that does not fit, and an unknown function are errors. */
#ifndef HDT_EPILOGUE_H
#define HDT_EPILOGUE_H

#include <stdbool.h>

#include "arena.h"
#include "diag.h"
#include "ir.h"

/* Applies function `function` of ir as the epilogue of kernel `kernel`
 * (instance `symbol`, named in messages); false after reporting why not. */
bool epilogue_apply(arena *a, diag_ctx *d, ir_program *ir, const char *symbol, const char *kernel,
                    const char *function);

/* The prologue, its mirror: device function `function`,
 *
 *     fn PRO(i: i64, t1: U1[...], ..., tk: Uk[...]) -> T
 *
 * computes the element at offset i of input parameter number `input` (T
 * its element type). Every load `in[o]` of that input becomes
 * `PRO(o, t1, ..., tk)`, and t1..tk replace the input among the kernel's
 * parameters. Legal only when the kernel uses the input by loading its
 * elements and nothing else. */
bool prologue_apply(arena *a, diag_ctx *d, ir_program *ir, const char *symbol, const char *kernel,
                    int input, const char *function);

#endif
