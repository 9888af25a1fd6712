/* hdt_errors.h: the codes a kernel's entry point returns, on both targets
 * (hdt_cuda.h and hdt_host.h include it).
 *
 * 0 is success. Codes below 1000 are CUDA's cudaError_t numbers: on the
 * CUDA target an entry point passes on the error of the launch (and, with
 * HDT_DEBUG_SYNC, of the kernel itself), and the host target reports the
 * same situations with the same numbers. The codes from 2000 up are hdt's
 * own: the entry point found its arguments wrong and launched nothing
 * (docs/language.md 10.2 lists what it checks). */
#ifndef HDT_ERRORS_H
#define HDT_ERRORS_H

enum {
  HDT_OK = 0,
  HDT_ERR_OUT_OF_MEMORY = 2,    /* = cudaErrorMemoryAllocation */
  HDT_ERR_GRID_TOO_LARGE = 9,   /* = cudaErrorInvalidConfiguration: a grid
                                   dimension (computed in 64 bits) is
                                   negative or over the target's max_grid */
  HDT_ERR_MISALIGNED = 716,     /* = cudaErrorMisalignedAddress: a vector
                                   access (vcopy, cp_async) at an address
                                   that is not a multiple of its size */
  HDT_ERR_NEGATIVE_SIZE = 2001, /* a size parameter (a signed integer in a
                                   tensor's shape) or a shape is negative */
  HDT_ERR_NULL_POINTER = 2002,  /* a tensor whose shape has elements is NULL */
};

#endif
