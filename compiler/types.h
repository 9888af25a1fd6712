/* types.h: hdt's types and compile-time values.
 *
 * Scalar types are singletons (type_scalar), so scalar types compare by
 * pointer. Tensor and other compound types are built in the compilation's
 * arena. Integer and floating-point literals start with the "untyped" kinds
 * TY_INT_LIT and TY_FLOAT_LIT and take their type from context; where no
 * context decides, they default to i32 (i64 when the value does not fit) and
 * f32. Compile-time values (value) are what the constant evaluator computes
 * for consts, generic parameters, shapes and task mappings. */
#ifndef HDT_TYPES_H
#define HDT_TYPES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "arena.h"
#include "mapping.h"

struct ast_node;

typedef enum {
  TY_ERROR, /* an expression that already produced an error: checked no further */
  TY_VOID,
  TY_BOOL,
  TY_I8, TY_I16, TY_I32, TY_I64,
  TY_U8, TY_U16, TY_U32, TY_U64,
  TY_F16, TY_BF16, TY_F32, TY_F64,
  TY_INT_LIT,   /* an integer constant without a type yet */
  TY_FLOAT_LIT, /* a floating-point constant without a type yet */
  TY_TENSOR,
  TY_MAPPING,
  TY_LIST,      /* a constant list literal, such as ranks=[1, 0] */
  TY_STRING,
  TY_DIM3,      /* threadIdx, blockIdx, blockDim, gridDim: members x, y, z */
  TY_RANGE,     /* range(...) and m.on(w): only as the iterable of a for */
  TY_FUNC,      /* a function or a builtin, only as a callee */
} type_kind;

typedef enum { SPACE_GLOBAL, SPACE_SHARED, SPACE_LOCAL } mem_space;

typedef struct type {
  type_kind kind;
  /* TY_TENSOR */
  struct type *elem;
  int rank;
  struct ast_node **dims; /* the shape's expressions, as written */
  int64_t *const_dims;    /* their values, or -1 where not a compile-time constant */
  mem_space space;
  /* A swizzled shared tensor (`swizzle(B, M, S)`, CUTLASS Swizzle<B, M, S>):
   * element offset o of the row-major layout is stored at
   * o ^ ((o >> swz_shift) & (((1 << swz_bits) - 1) << swz_base)).
   * swizzled false: stored at o. */
  bool swizzled;
  int swz_bits, swz_base, swz_shift;
} type;

type *type_scalar(type_kind kind); /* any kind but TY_TENSOR */
type *type_tensor(arena *a, type *elem, int rank, struct ast_node **dims, int64_t *const_dims,
                  mem_space space);

bool type_is_int(const type *t);      /* i8..u64 and untyped integer constants */
bool type_is_signed(const type *t);
bool type_is_float(const type *t);    /* f16..f64 and untyped float constants */
bool type_is_numeric(const type *t);
bool type_is_scalar(const type *t);   /* bool or numeric */
int type_bits(const type *t);         /* width of a sized scalar, 0 otherwise */
int64_t type_size_bytes(const type *t); /* scalar size, or the whole of a constant-shape tensor; -1 */
/* Can a value of `from` be used where `to` is expected without `as`?
 * Widening that keeps every value (i8 -> i32, u16 -> i32, f16 -> f32) and
 * untyped constants whose value fits. */
bool type_implicitly_converts(const type *from, const type *to);
/* The type both operands of an arithmetic operator convert to, or NULL. */
type *type_common(type *a, type *b);
/* i32 for an untyped integer constant (i64 if it does not fit), f32 for an
 * untyped float constant, the type itself otherwise. */
type *type_default(type *t, int64_t int_value);
/* Does an integer value fit the integer type? */
bool type_int_fits(const type *t, int64_t v);
void type_print(FILE *f, const type *t);
const char *type_name(arena *a, const type *t); /* type_print into the arena */
/* The scalar type named `name` (f32, i32, ...) or NULL. */
type *type_by_name(const char *name);
bool type_equal(const type *a, const type *b);
/* The run of consecutive elements (aligned to it) that a swizzled tensor
 * keeps together, 2^M for swizzle(B, M, S): a vector access of more
 * elements than this would read permuted ones. 0 when the layout is not
 * permuted (no swizzle, or B = 0): no limit. */
int type_swizzle_chunk(const type *t);

typedef enum { VAL_NONE, VAL_INT, VAL_FLOAT, VAL_BOOL, VAL_MAPPING, VAL_LIST } value_kind;

typedef struct value {
  value_kind kind;
  int64_t i;
  double f;
  bool b;
  mapping *map;
  struct value *items; /* VAL_LIST */
  int len;
} value;

void value_print(FILE *f, const value *v);

#endif
