/* instance.h: instances of generic kernels, several in one output.
 *
 * An instance names a kernel, the C symbol it is to be emitted as, and its
 * own generic values. compile.c checks and lowers each instance on its own;
 * this module validates the request (instance_spec_make) and merges the
 * lowered programs into one (instance_merge_*): of each program only the
 * instantiated kernel and the device functions it calls are kept, the
 * kernel renamed to the symbol and each device function FUNCTION_SYMBOL, so
 * that two instances of one kernel never share a C name. */
#ifndef HDT_INSTANCE_H
#define HDT_INSTANCE_H

#include <stdbool.h>

#include "arena.h"
#include "diag.h"
#include "ir.h"
#include "loader.h"
#include "sema.h"
#include "target.h"

typedef struct instance_spec {
  const char *symbol; /* the C name of the instance */
  const char *kernel; /* the generic kernel instantiated */
  loader_define *defines;
  int ndefines;
  const char *epilogue; /* a device function fused into its stores, or NULL (epilogue.h) */
  /* Device functions fused into the loads of inputs (epilogue.h): input
   * prologue_input[i] (a parameter index of the kernel as written) is
   * computed by prologue[i]. */
  const char *prologue[8];
  int prologue_input[8];
  int nprologues;
} instance_spec;

/* Fills *out with copies, after checking that symbol is a C identifier (not
 * a keyword), kernel is not empty and each define has the form NAME=VALUE;
 * false after reporting the first problem. */
bool instance_spec_make(arena *a, diag_ctx *d, instance_spec *out, const char *symbol,
                        const char *kernel, const char *const *defines, int ndefines);

/* The defines an instance is checked with: the common ones, then its own
 * (later ones win, as with repeated -D). */
const loader_define *instance_defines(arena *a, const instance_spec *in, const loader_define *common,
                                    int ncommon);

typedef struct instance_merge instance_merge;

instance_merge *instance_merge_new(arena *a, const hdt_target *target, int ninstances);
/* Takes instance in's kernel (and what it calls) out of ir, lowered for it;
 * false after reporting an unknown kernel or a clash of C names. */
bool instance_merge_add(instance_merge *m, diag_ctx *d, const instance_spec *in, ir_program *ir);
/* The merged program: every instance, in the order they were added. */
ir_program *instance_merge_result(instance_merge *m);

#endif
