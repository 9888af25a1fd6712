/* types.c: scalar singletons, conversion rules and printing (see types.h). */
#define _POSIX_C_SOURCE 200809L
#include "types.h"

#include <stdlib.h>
#include <string.h>

static type scalars[] = {
    [TY_ERROR] = {.kind = TY_ERROR},     [TY_VOID] = {.kind = TY_VOID},
    [TY_BOOL] = {.kind = TY_BOOL},       [TY_I8] = {.kind = TY_I8},
    [TY_I16] = {.kind = TY_I16},         [TY_I32] = {.kind = TY_I32},
    [TY_I64] = {.kind = TY_I64},         [TY_U8] = {.kind = TY_U8},
    [TY_U16] = {.kind = TY_U16},         [TY_U32] = {.kind = TY_U32},
    [TY_U64] = {.kind = TY_U64},         [TY_F16] = {.kind = TY_F16},
    [TY_BF16] = {.kind = TY_BF16},       [TY_F32] = {.kind = TY_F32},
    [TY_F64] = {.kind = TY_F64},         [TY_INT_LIT] = {.kind = TY_INT_LIT},
    [TY_FLOAT_LIT] = {.kind = TY_FLOAT_LIT}, [TY_TENSOR] = {.kind = TY_ERROR},
    [TY_MAPPING] = {.kind = TY_MAPPING}, [TY_LIST] = {.kind = TY_LIST},
    [TY_STRING] = {.kind = TY_STRING},   [TY_DIM3] = {.kind = TY_DIM3},
    [TY_RANGE] = {.kind = TY_RANGE},     [TY_FUNC] = {.kind = TY_FUNC},
};

static const char *const scalar_names[] = {
    [TY_ERROR] = "<error>", [TY_VOID] = "void", [TY_BOOL] = "bool", [TY_I8] = "i8",
    [TY_I16] = "i16", [TY_I32] = "i32", [TY_I64] = "i64", [TY_U8] = "u8", [TY_U16] = "u16",
    [TY_U32] = "u32", [TY_U64] = "u64", [TY_F16] = "f16", [TY_BF16] = "bf16", [TY_F32] = "f32",
    [TY_F64] = "f64", [TY_INT_LIT] = "integer constant", [TY_FLOAT_LIT] = "float constant",
    [TY_TENSOR] = "tensor", [TY_MAPPING] = "mapping", [TY_LIST] = "list",
    [TY_STRING] = "string", [TY_DIM3] = "dim3", [TY_RANGE] = "range", [TY_FUNC] = "function",
};

type *type_scalar(type_kind kind) { return &scalars[kind]; }

type *type_tensor(arena *a, type *elem, int rank, struct ast_node **dims, int64_t *const_dims,
                  mem_space space) {
  type *t = arena_alloc(a, sizeof *t);
  t->kind = TY_TENSOR;
  t->elem = elem;
  t->rank = rank;
  t->dims = dims;
  t->const_dims = const_dims;
  t->space = space;
  return t;
}

bool type_is_int(const type *t) {
  return (t->kind >= TY_I8 && t->kind <= TY_U64) || t->kind == TY_INT_LIT;
}

bool type_is_signed(const type *t) {
  return (t->kind >= TY_I8 && t->kind <= TY_I64) || t->kind == TY_INT_LIT;
}

bool type_is_float(const type *t) {
  return (t->kind >= TY_F16 && t->kind <= TY_F64) || t->kind == TY_FLOAT_LIT;
}

bool type_is_numeric(const type *t) { return type_is_int(t) || type_is_float(t); }

bool type_is_scalar(const type *t) { return t->kind == TY_BOOL || type_is_numeric(t); }

int type_bits(const type *t) {
  switch (t->kind) {
  case TY_BOOL: case TY_I8: case TY_U8: return 8;
  case TY_I16: case TY_U16: case TY_F16: case TY_BF16: return 16;
  case TY_I32: case TY_U32: case TY_F32: return 32;
  case TY_I64: case TY_U64: case TY_F64: return 64;
  default: return 0;
  }
}

int64_t type_size_bytes(const type *t) {
  if (t->kind != TY_TENSOR)
    return type_bits(t) ? type_bits(t) / 8 : -1;
  int64_t n = type_bits(t->elem) / 8;
  for (int i = 0; i < t->rank; i++) {
    if (t->const_dims[i] < 0 || (t->const_dims[i] > 0 && n > INT64_MAX / t->const_dims[i]))
      return -1;
    n *= t->const_dims[i];
  }
  return n;
}

bool type_int_fits(const type *t, int64_t v) {
  switch (t->kind) {
  case TY_I8: return v >= INT8_MIN && v <= INT8_MAX;
  case TY_I16: return v >= INT16_MIN && v <= INT16_MAX;
  case TY_I32: return v >= INT32_MIN && v <= INT32_MAX;
  case TY_U8: return v >= 0 && v <= UINT8_MAX;
  case TY_U16: return v >= 0 && v <= UINT16_MAX;
  case TY_U32: return v >= 0 && v <= (int64_t)UINT32_MAX;
  case TY_U64: return v >= 0;
  default: return true;
  }
}

/* Float widening: f16 and bf16 both widen to f32 and f64, but not into each
 * other (neither holds every value of the other). */
static bool type_float_widens(type_kind from, type_kind to) {
  if (from == to)
    return true;
  if (from == TY_F16 || from == TY_BF16)
    return to == TY_F32 || to == TY_F64;
  return from == TY_F32 && to == TY_F64;
}

static bool type_int_widens(const type *from, const type *to) {
  if (from->kind == to->kind)
    return true;
  bool fs = type_is_signed(from), ts = type_is_signed(to);
  if (fs && !ts)
    return false;
  return fs == ts ? type_bits(to) >= type_bits(from) : type_bits(to) > type_bits(from);
}

bool type_implicitly_converts(const type *from, const type *to) {
  if (from->kind == TY_ERROR || to->kind == TY_ERROR)
    return true;
  if (from->kind == TY_TENSOR || to->kind == TY_TENSOR)
    return type_equal(from, to);
  if (from == to)
    return true;
  if (from->kind == TY_INT_LIT)
    return type_is_numeric(to); /* the value's fit is checked where it is known */
  if (from->kind == TY_FLOAT_LIT)
    return type_is_float(to);
  if (type_is_int(from) && type_is_int(to))
    return type_int_widens(from, to);
  if (type_is_float(from) && type_is_float(to))
    return type_float_widens(from->kind, to->kind);
  return false;
}

type *type_common(type *a, type *b) {
  if (a->kind == TY_ERROR || b->kind == TY_ERROR)
    return type_scalar(TY_ERROR);
  if (!type_is_numeric(a) || !type_is_numeric(b))
    return a == b ? a : NULL;
  if (a->kind == TY_INT_LIT && b->kind == TY_FLOAT_LIT)
    return b;
  if (b->kind == TY_INT_LIT && a->kind == TY_FLOAT_LIT)
    return a;
  if (type_implicitly_converts(a, b))
    return b;
  if (type_implicitly_converts(b, a))
    return a;
  return NULL;
}

type *type_default(type *t, int64_t int_value) {
  if (t->kind == TY_INT_LIT)
    return type_scalar(int_value >= INT32_MIN && int_value <= INT32_MAX ? TY_I32 : TY_I64);
  if (t->kind == TY_FLOAT_LIT)
    return type_scalar(TY_F32);
  return t;
}

type *type_by_name(const char *name) {
  for (int k = TY_BOOL; k <= TY_F64; k++)
    if (strcmp(scalar_names[k], name) == 0)
      return &scalars[k];
  if (strcmp(name, "mapping") == 0)
    return &scalars[TY_MAPPING];
  return NULL;
}

bool type_equal(const type *a, const type *b) {
  if (a == b)
    return true;
  if (a->kind != TY_TENSOR || b->kind != TY_TENSOR)
    return false;
  if (a->elem != b->elem || a->rank != b->rank)
    return false;
  if (a->swizzled != b->swizzled || (a->swizzled && (a->swz_bits != b->swz_bits || a->swz_base != b->swz_base ||
                                                     a->swz_shift != b->swz_shift)))
    return false;
  /* Shapes known only at run time are not compared: they are the caller's. */
  for (int i = 0; i < a->rank; i++)
    if (a->const_dims[i] >= 0 && b->const_dims[i] >= 0 && a->const_dims[i] != b->const_dims[i])
      return false;
  return true;
}

void type_print(FILE *f, const type *t) {
  if (t->kind != TY_TENSOR) {
    fputs(scalar_names[t->kind], f);
    return;
  }
  if (t->space == SPACE_SHARED)
    fputs("shared ", f);
  else if (t->space == SPACE_LOCAL)
    fputs("local ", f);
  type_print(f, t->elem);
  fputc('[', f);
  for (int i = 0; i < t->rank; i++) {
    if (i)
      fputs(", ", f);
    if (t->const_dims[i] >= 0)
      fprintf(f, "%lld", (long long)t->const_dims[i]);
    else
      fputc('?', f);
  }
  fputc(']', f);
  if (t->swizzled)
    fprintf(f, " swizzle(%d, %d, %d)", t->swz_bits, t->swz_base, t->swz_shift);
}

int type_swizzle_chunk(const type *t) {
  return t->kind == TY_TENSOR && t->swizzled && t->swz_bits > 0 ? 1 << t->swz_base : 0;
}

const char *type_name(arena *a, const type *t) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f)
    return "?";
  type_print(f, t);
  fclose(f);
  const char *s = arena_strdup(a, buf);
  free(buf);
  return s;
}

void value_print(FILE *f, const value *v) {
  switch (v->kind) {
  case VAL_NONE: fputs("?", f); break;
  case VAL_INT: fprintf(f, "%lld", (long long)v->i); break;
  case VAL_FLOAT: fprintf(f, "%.9g", v->f); break;
  case VAL_BOOL: fputs(v->b ? "true" : "false", f); break;
  case VAL_MAPPING: map_format(f, v->map); break;
  case VAL_LIST:
    fputc('[', f);
    for (int i = 0; i < v->len; i++) {
      if (i)
        fputs(", ", f);
      value_print(f, &v->items[i]);
    }
    fputc(']', f);
    break;
  }
}
