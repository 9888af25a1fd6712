/* reserved.h: names the generated code must not define (reserved.c). */
#ifndef HDT_RESERVED_H
#define HDT_RESERVED_H

#include <stdbool.h>

/* Reserved by C and C++ themselves, or by the runtime headers: hdt_...,
 * anything with __, and _ followed by a capital. */
bool reserved_by_c(const char *name);

/* A variable of the lowered IR (the name appears in both outputs). */
bool reserved_var_name(const char *name);

/* A device function of the CUDA output (C++, inside namespace hdt_gen). */
bool reserved_cuda_name(const char *name);

/* A static function of the host output (C11 with <math.h> and <stdlib.h>). */
bool reserved_host_name(const char *name);

/* Why a kernel NAME cannot be one (its extern "C" entry points NAME and
 * NAME_async are file-scope C symbols next to the C library, <math.h>,
 * CUDA's headers and C++ keywords), or NULL when it can. */
const char *reserved_kernel_name(const char *name);

#endif
