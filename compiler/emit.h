/* emit.h: the two code generators over the lowered IR.
 *
 * emit_cuda writes CUDA C++ for nvcc: __global__ kernels and, per kernel
 * NAME, extern "C" host wrappers NAME(...) and NAME_async(..., stream).
 * emit_host writes C11 that runs the same kernels on the CPU, keeping
 * thread-block semantics (shared memory, barriers, warp shuffles, atomics):
 * extern int NAME(...) runs the whole grid. Both include only headers from
 * runtime/include/. */
#ifndef HDT_EMIT_H
#define HDT_EMIT_H

#include <stdio.h>

#include "ir.h"

void emit_cuda(FILE *out, const ir_program *p);
void emit_host(FILE *out, const ir_program *p);

#endif
