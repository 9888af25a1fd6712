/* sema_const.c: compile-time values, implicit conversions and constant
 * folding, shared by every part of sema (see sema.c for the design).
 *
 * Values live in the compilation's arena, like the AST that points at
 * them. Folding checks overflow and division by zero itself, since a
 * constant that wrapped silently would size a tensor or a launch wrongly. */
#include "sema_impl.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- values ---- */

value *value_int(sema *s, int64_t v) {
  value *r = arena_alloc(s->a, sizeof *r);
  r->kind = VAL_INT;
  r->i = v;
  return r;
}

value *value_float(sema *s, double v) {
  value *r = arena_alloc(s->a, sizeof *r);
  r->kind = VAL_FLOAT;
  r->f = v;
  return r;
}

value *value_bool(sema *s, bool v) {
  value *r = arena_alloc(s->a, sizeof *r);
  r->kind = VAL_BOOL;
  r->b = v;
  return r;
}

value *value_mapping(sema *s, const mapping *m) {
  value *r = arena_alloc(s->a, sizeof *r);
  r->kind = VAL_MAPPING;
  r->map = arena_alloc(s->a, sizeof *r->map);
  *r->map = *m;
  return r;
}

double value_as_double(const value *v) { return v->kind == VAL_INT ? (double)v->i : v->f; }

/* Converts a constant to the representation of type t (ints truncate
 * toward zero, as C does; narrow integer types wrap). */
value *value_convert(sema *s, value *v, const type *t) {
  if (!v || v->kind == VAL_NONE)
    return v;
  if (type_is_float(t) && v->kind == VAL_INT)
    return value_float(s, t->kind == TY_F32 ? (double)(float)v->i : (double)v->i);
  if (type_is_float(t) && v->kind == VAL_FLOAT && t->kind == TY_F32)
    return value_float(s, (double)(float)v->f);
  if (type_is_int(t) && v->kind == VAL_FLOAT) {
    if (!(v->f > -9.3e18 && v->f < 9.3e18))
      return NULL;
    return value_int(s, (int64_t)v->f);
  }
  if (type_is_int(t) && v->kind == VAL_BOOL)
    return value_int(s, v->b);
  if (t->kind == TY_BOOL && v->kind == VAL_INT)
    return value_bool(s, v->i != 0);
  if (type_is_int(t) && v->kind == VAL_INT && !type_int_fits(t, v->i)) {
    int bits = type_bits(t);
    uint64_t mask = bits == 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
    uint64_t u = (uint64_t)v->i & mask;
    if (type_is_signed(t) && bits < 64 && (u >> (bits - 1)))
      return value_int(s, (int64_t)(u | ~mask));
    return value_int(s, (int64_t)u);
  }
  return v;
}

/* ---- conversions ---- */

bool sema_is_error(const type *t) { return t->kind == TY_ERROR; }

/* Checks that expression n (of type from) may be used as `to`; settles the
 * type of an untyped constant. `what` names the context for the message. */
bool sema_coerce(sema *s, ast_node *n, type *to, const char *what) {
  type *from = n->ty;
  if (!from || sema_is_error(from) || sema_is_error(to))
    return true;
  if (!type_implicitly_converts(from, to) && (from->kind == TY_TENSOR || to->kind == TY_TENSOR)) {
    /* 'as' converts only scalars: suggesting it here would send the user
     * to a second error. */
    diag_error(s->d, n->span, "%s: %s does not match %s; a tensor is passed as it is (its "
               "element type and constant dimensions must agree), 'as' converts only scalars",
               what, type_name(s->a, from), type_name(s->a, to));
    return false;
  }
  if (!type_implicitly_converts(from, to)) {
    diag_error(s->d, n->span, "%s: cannot convert %s to %s implicitly; use 'as'", what,
               type_name(s->a, from), type_name(s->a, to));
    return false;
  }
  if (from->kind == TY_INT_LIT && n->cval && n->cval->kind == VAL_INT && type_is_int(to) &&
      !type_int_fits(to, n->cval->i)) {
    diag_error(s->d, n->span, "%s: constant %lld does not fit in %s", what,
               (long long)n->cval->i, type_name(s->a, to));
    return false;
  }
  if (from->kind == TY_INT_LIT || from->kind == TY_FLOAT_LIT) {
    n->ty = to;
    n->cval = value_convert(s, n->cval, to);
  }
  return true;
}

/* An untyped constant that no context typed gets its default type. */
type *sema_settle(sema *s, ast_node *n) {
  if (n->ty && (n->ty->kind == TY_INT_LIT || n->ty->kind == TY_FLOAT_LIT)) {
    type *t = type_default(n->ty, n->cval && n->cval->kind == VAL_INT ? n->cval->i : 0);
    sema_coerce(s, n, t, "constant");
  }
  return n->ty;
}

/* ---- constant folding ---- */

static bool sema_mul_overflows(int64_t a, int64_t b, int64_t *r) {
  return __builtin_mul_overflow(a, b, r);
}

value *sema_fold_int(sema *s, ast_node *n, ast_op op, int64_t a, int64_t b) {
  int64_t r = 0;
  bool overflow = false;
  switch (op) {
  case AST_OP_ADD: overflow = __builtin_add_overflow(a, b, &r); break;
  case AST_OP_SUB: overflow = __builtin_sub_overflow(a, b, &r); break;
  case AST_OP_MUL: overflow = sema_mul_overflows(a, b, &r); break;
  case AST_OP_DIV:
  case AST_OP_MOD:
    if (b == 0) {
      diag_error(s->d, n->span, "division by zero in a constant expression");
      return NULL;
    }
    if (a == INT64_MIN && b == -1) {
      overflow = true;
      break;
    }
    r = op == AST_OP_DIV ? a / b : a % b;
    break;
  case AST_OP_SHL:
  case AST_OP_SHR:
    if (b < 0 || b > 63) {
      diag_error(s->d, n->span, "shift by %lld in a constant expression", (long long)b);
      return NULL;
    }
    r = op == AST_OP_SHL ? (int64_t)((uint64_t)a << b) : a >> b;
    /* a << b is a * 2^b, checked like a product: 1 << 63 does not fit i64
     * (it used to fold silently to INT64_MIN while 1 << 31 in an i32 was an
     * error). */
    overflow = op == AST_OP_SHL && (r >> b) != a;
    break;
  case AST_OP_BAND: r = a & b; break;
  case AST_OP_BOR: r = a | b; break;
  case AST_OP_BXOR: r = a ^ b; break;
  case AST_OP_EQ: return value_bool(s, a == b);
  case AST_OP_NE: return value_bool(s, a != b);
  case AST_OP_LT: return value_bool(s, a < b);
  case AST_OP_LE: return value_bool(s, a <= b);
  case AST_OP_GT: return value_bool(s, a > b);
  case AST_OP_GE: return value_bool(s, a >= b);
  default: return NULL;
  }
  if (overflow) {
    diag_error(s->d, n->span, "integer overflow in a constant expression");
    return NULL;
  }
  return value_int(s, r);
}

value *sema_fold_float(sema *s, ast_op op, double a, double b) {
  switch (op) {
  case AST_OP_ADD: return value_float(s, a + b);
  case AST_OP_SUB: return value_float(s, a - b);
  case AST_OP_MUL: return value_float(s, a * b);
  case AST_OP_DIV: return value_float(s, a / b);
  case AST_OP_EQ: return value_bool(s, a == b);
  case AST_OP_NE: return value_bool(s, a != b);
  case AST_OP_LT: return value_bool(s, a < b);
  case AST_OP_LE: return value_bool(s, a <= b);
  case AST_OP_GT: return value_bool(s, a > b);
  case AST_OP_GE: return value_bool(s, a >= b);
  default: return NULL;
  }
}
