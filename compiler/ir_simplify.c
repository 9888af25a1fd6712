/* ir_simplify.c: IR expression builders that fold and simplify.
 *
 * Every integer expression carries the range of values it can take when
 * that range is known (threadIdx.x lies in [0, threads), a loop counter in
 * its bounds, a worker digit in [0, n)). Builders use the ranges to do what
 * a CUDA expert does by hand: `x % n` disappears when x < n is known,
 * `x / n` becomes 0 when x < n, `(x / a) / b` becomes `x / (a * b)`, and
 * comparisons that the ranges decide fold to constants (which removes the
 * guard of a mapping whose workers cover the block). Constant operands fold
 * with the wrap-around of the expression's type, as the GPU computes. */
#include <math.h>
#include <string.h>

#include "ir.h"

static ir_expr *ir_new(arena *a, ir_expr_kind kind, type *t) {
  ir_expr *e = arena_alloc(a, sizeof *e);
  e->kind = kind;
  e->ty = t;
  return e;
}

static void ir_set_range(ir_expr *e, int64_t lo, int64_t hi) {
  e->has_range = true;
  e->lo = lo;
  e->hi = hi;
}

/* Two's-complement wrap of v to the width of integer type t. */
static int64_t ir_wrap(const type *t, int64_t v) {
  int bits = type_bits(t);
  if (bits == 0 || bits >= 64)
    return v;
  uint64_t mask = ((uint64_t)1 << bits) - 1, u = (uint64_t)v & mask;
  if (type_is_signed(t) && (u >> (bits - 1)))
    return (int64_t)(u | ~mask);
  return (int64_t)u;
}

ir_expr *ir_const_int(arena *a, type *t, int64_t v) {
  ir_expr *e = ir_new(a, IR_CONST, t);
  e->cst.i = ir_wrap(t, v);
  ir_set_range(e, e->cst.i, e->cst.i);
  return e;
}

ir_expr *ir_const_float(arena *a, type *t, double v) {
  ir_expr *e = ir_new(a, IR_CONST, t);
  e->cst.f = t->kind == TY_F32 ? (double)(float)v : v;
  return e;
}

ir_expr *ir_const_bool(arena *a, bool v) {
  ir_expr *e = ir_new(a, IR_CONST, type_scalar(TY_BOOL));
  e->cst.b = v;
  return e;
}

ir_expr *ir_varref(arena *a, ir_var *v) {
  ir_expr *e = ir_new(a, IR_VARREF, v->kind == IR_VAR_SCALAR || v->kind == IR_VAR_PARAM ? v->ty : v->elem);
  e->var = v;
  if (v->has_range && !v->mutable_)
    ir_set_range(e, v->lo, v->hi);
  return e;
}

ir_expr *ir_special_ref(arena *a, ir_special s, int64_t lo, int64_t hi) {
  ir_expr *e = ir_new(a, IR_SPECIAL, type_scalar(TY_I32));
  e->special = s;
  ir_set_range(e, lo, hi);
  return e;
}

bool ir_is_const_int(const ir_expr *e, int64_t v) {
  return e->kind == IR_CONST && type_is_int(e->ty) && e->cst.i == v;
}

static bool ir_is_int_const(const ir_expr *e) { return e->kind == IR_CONST && type_is_int(e->ty); }

static int ir_tz_min(int x, int y) { return x < y ? x : y; }

/* The known low zero bits of x op y. Wrap-around arithmetic keeps low bits
 * exact, so the rules hold whatever the width: a sum or difference has the
 * fewer of its operands', a product the sum of both, a left shift by c
 * c more. */
static int ir_known_tz_binary(const ir_expr *e) {
  int x = ir_known_tz(e->op.a), y = ir_known_tz(e->op.b);
  switch (e->op.op) {
  case IR_OP_ADD: case IR_OP_SUB: return ir_tz_min(x, y);
  case IR_OP_MUL: return x + y;
  case IR_OP_BAND: return x > y ? x : y;
  case IR_OP_BOR: case IR_OP_BXOR: return ir_tz_min(x, y);
  case IR_OP_SHL:
    return ir_is_int_const(e->op.b) && e->op.b->cst.i >= 0 && e->op.b->cst.i < 64 ? x + (int)e->op.b->cst.i : 0;
  default: return 0;
  }
}

int ir_known_tz(const ir_expr *e) {
  if (!type_is_int(e->ty))
    return 0;
  int bits = type_bits(e->ty), tz = 0;
  switch (e->kind) {
  case IR_CONST: tz = e->cst.i == 0 ? bits : __builtin_ctzll((unsigned long long)e->cst.i); break;
  case IR_VARREF:
    /* A loop counter has no value: it changes. */
    tz = !e->var->mutable_ && e->var->value ? ir_known_tz(e->var->value) : 0;
    break;
  case IR_BINARY: tz = ir_known_tz_binary(e); break;
  case IR_UNARY: tz = e->op.op == IR_OP_NEG ? ir_known_tz(e->op.a) : 0; break;
  case IR_CAST: tz = ir_known_tz(e->op.a); break; /* extension and truncation keep low bits */
  case IR_SELECT: tz = ir_tz_min(ir_known_tz(e->select.a), ir_known_tz(e->select.b)); break;
  default: break;
  }
  return tz < bits ? tz : bits;
}

bool ir_pure(const ir_expr *e) {
  switch (e->kind) {
  case IR_CALL: return false;
  case IR_LOAD: return ir_pure(e->load.offset);
  case IR_UNARY: case IR_CAST: return ir_pure(e->op.a);
  case IR_BINARY: return ir_pure(e->op.a) && ir_pure(e->op.b);
  case IR_SELECT: return ir_pure(e->select.c) && ir_pure(e->select.a) && ir_pure(e->select.b);
  default: return true;
  }
}

static bool ir_fits(const type *t, int64_t lo, int64_t hi) {
  return type_int_fits(t, lo) && type_int_fits(t, hi);
}

/* The range of x op y from the operands' ranges, where it is simple. */
static void ir_binary_range(ir_expr *e, ir_op op, const ir_expr *x, const ir_expr *y) {
  if (!x->has_range || !y->has_range || !type_is_int(e->ty))
    return;
  int64_t lo, hi;
  switch (op) {
  case IR_OP_ADD:
    if (__builtin_add_overflow(x->lo, y->lo, &lo) || __builtin_add_overflow(x->hi, y->hi, &hi))
      return;
    break;
  case IR_OP_SUB:
    if (__builtin_sub_overflow(x->lo, y->hi, &lo) || __builtin_sub_overflow(x->hi, y->lo, &hi))
      return;
    break;
  case IR_OP_MUL:
    if (x->lo < 0 || y->lo < 0 || __builtin_mul_overflow(x->lo, y->lo, &lo) ||
        __builtin_mul_overflow(x->hi, y->hi, &hi))
      return;
    break;
  case IR_OP_DIV:
    if (x->lo < 0 || y->lo <= 0)
      return;
    lo = x->lo / y->hi;
    hi = x->hi / y->lo;
    break;
  case IR_OP_MOD:
    if (x->lo < 0 || y->lo <= 0)
      return;
    lo = 0;
    hi = x->hi < y->hi - 1 ? x->hi : y->hi - 1;
    break;
  default: return;
  }
  if (ir_fits(e->ty, lo, hi))
    ir_set_range(e, lo, hi);
}

static ir_expr *ir_fold_int(arena *a, ir_op op, type *t, int64_t x, int64_t y) {
  uint64_t ux = (uint64_t)x, uy = (uint64_t)y;
  switch (op) {
  case IR_OP_ADD: return ir_const_int(a, t, (int64_t)(ux + uy));
  case IR_OP_SUB: return ir_const_int(a, t, (int64_t)(ux - uy));
  case IR_OP_MUL: return ir_const_int(a, t, (int64_t)(ux * uy));
  case IR_OP_DIV: return y == 0 || (x == INT64_MIN && y == -1) ? NULL : ir_const_int(a, t, x / y);
  case IR_OP_MOD: return y == 0 || (x == INT64_MIN && y == -1) ? NULL : ir_const_int(a, t, x % y);
  case IR_OP_BAND: return ir_const_int(a, t, x & y);
  case IR_OP_BOR: return ir_const_int(a, t, x | y);
  case IR_OP_BXOR: return ir_const_int(a, t, x ^ y);
  case IR_OP_SHL: return y < 0 || y >= type_bits(t) ? NULL : ir_const_int(a, t, (int64_t)(ux << y));
  case IR_OP_SHR: return y < 0 || y >= type_bits(t) ? NULL : ir_const_int(a, t, x >> y);
  case IR_OP_EQ: return ir_const_bool(a, x == y);
  case IR_OP_NE: return ir_const_bool(a, x != y);
  case IR_OP_LT: return ir_const_bool(a, x < y);
  case IR_OP_LE: return ir_const_bool(a, x <= y);
  case IR_OP_GT: return ir_const_bool(a, x > y);
  case IR_OP_GE: return ir_const_bool(a, x >= y);
  default: return NULL;
  }
}

static ir_expr *ir_fold_float(arena *a, ir_op op, type *t, double x, double y) {
  switch (op) {
  case IR_OP_ADD: return ir_const_float(a, t, x + y);
  case IR_OP_SUB: return ir_const_float(a, t, x - y);
  case IR_OP_MUL: return ir_const_float(a, t, x * y);
  case IR_OP_DIV: return y == 0 ? NULL : ir_const_float(a, t, x / y);
  case IR_OP_EQ: return ir_const_bool(a, x == y);
  case IR_OP_NE: return ir_const_bool(a, x != y);
  case IR_OP_LT: return ir_const_bool(a, x < y);
  case IR_OP_LE: return ir_const_bool(a, x <= y);
  case IR_OP_GT: return ir_const_bool(a, x > y);
  case IR_OP_GE: return ir_const_bool(a, x >= y);
  default: return NULL;
  }
}

/* Comparisons that the operands' ranges decide. */
static ir_expr *ir_fold_by_range(arena *a, ir_op op, const ir_expr *x, const ir_expr *y) {
  if (!x->has_range || !y->has_range || !ir_pure(x) || !ir_pure(y))
    return NULL;
  switch (op) {
  case IR_OP_LT:
    return x->hi < y->lo ? ir_const_bool(a, true) : x->lo >= y->hi ? ir_const_bool(a, false) : NULL;
  case IR_OP_LE:
    return x->hi <= y->lo ? ir_const_bool(a, true) : x->lo > y->hi ? ir_const_bool(a, false) : NULL;
  case IR_OP_GT:
    return x->lo > y->hi ? ir_const_bool(a, true) : x->hi <= y->lo ? ir_const_bool(a, false) : NULL;
  case IR_OP_GE:
    return x->lo >= y->hi ? ir_const_bool(a, true) : x->hi < y->lo ? ir_const_bool(a, false) : NULL;
  default: return NULL;
  }
}

/* Integer identities and the division/modulo rules; NULL when none applies. */
static ir_expr *ir_simplify_int(arena *a, ir_op op, type *t, ir_expr *x, ir_expr *y) {
  bool yc = ir_is_int_const(y), xc = ir_is_int_const(x);
  /* (v + c1) +- c2 == v + (c1 +- c2): wrap-around arithmetic reassociates. */
  if ((op == IR_OP_ADD || op == IR_OP_SUB) && yc && x->kind == IR_BINARY &&
      (x->op.op == IR_OP_ADD || x->op.op == IR_OP_SUB) && ir_is_int_const(x->op.b)) {
    int64_t c1 = x->op.op == IR_OP_ADD ? x->op.b->cst.i : -x->op.b->cst.i;
    int64_t c2 = op == IR_OP_ADD ? y->cst.i : -y->cst.i, c;
    if (!__builtin_add_overflow(c1, c2, &c) && c != INT64_MIN && type_int_fits(t, c))
      return c >= 0 ? ir_binary(a, IR_OP_ADD, t, x->op.a, ir_const_int(a, t, c))
                    : ir_binary(a, IR_OP_SUB, t, x->op.a, ir_const_int(a, t, -c));
  }
  switch (op) {
  case IR_OP_ADD:
    if (ir_is_const_int(y, 0)) return x;
    if (ir_is_const_int(x, 0)) return y;
    break;
  case IR_OP_SUB:
    if (ir_is_const_int(y, 0)) return x;
    break;
  case IR_OP_MUL:
    if (ir_is_const_int(y, 1)) return x;
    if (ir_is_const_int(x, 1)) return y;
    if ((ir_is_const_int(y, 0) && ir_pure(x)) || (ir_is_const_int(x, 0) && ir_pure(y)))
      return ir_const_int(a, t, 0);
    if (xc && !yc) /* constants on the right, as people write them */
      return ir_binary(a, op, t, y, x);
    /* (v * c1) * c2 == v * (c1 * c2): wrap-around arithmetic reassociates */
    if (yc && x->kind == IR_BINARY && x->op.op == IR_OP_MUL && ir_is_int_const(x->op.b))
      return ir_binary(a, op, t, x->op.a, ir_fold_int(a, IR_OP_MUL, t, x->op.b->cst.i, y->cst.i));
    break;
  case IR_OP_DIV:
    if (!yc || y->cst.i <= 0)
      break;
    if (y->cst.i == 1) return x;
    if (x->has_range && x->lo >= 0 && x->hi < y->cst.i && ir_pure(x))
      return ir_const_int(a, t, 0);
    /* (v / c1) / c2 == v / (c1 * c2) for positive constants, any v */
    if (x->kind == IR_BINARY && x->op.op == IR_OP_DIV && ir_is_int_const(x->op.b) && x->op.b->cst.i > 0) {
      int64_t c;
      if (!__builtin_mul_overflow(x->op.b->cst.i, y->cst.i, &c) && type_int_fits(t, c))
        return ir_binary(a, IR_OP_DIV, t, x->op.a, ir_const_int(a, t, c));
    }
    break;
  case IR_OP_MOD:
    if (!yc || y->cst.i <= 0)
      break;
    if (y->cst.i == 1 && ir_pure(x)) return ir_const_int(a, t, 0);
    if (x->has_range && x->lo >= 0 && x->hi < y->cst.i)
      return x;
    break;
  default: break;
  }
  return NULL;
}

ir_expr *ir_binary(arena *a, ir_op op, type *t, ir_expr *x, ir_expr *y) {
  if (ir_is_int_const(x) && ir_is_int_const(y)) {
    ir_expr *f = ir_fold_int(a, op, type_is_int(t) ? t : x->ty, x->cst.i, y->cst.i);
    if (f)
      return f;
  }
  if (x->kind == IR_CONST && y->kind == IR_CONST && type_is_float(x->ty) && type_is_float(y->ty)) {
    ir_expr *f = ir_fold_float(a, op, type_is_float(t) ? t : x->ty, x->cst.f, y->cst.f);
    if (f)
      return f;
  }
  if (x->kind == IR_CONST && y->kind == IR_CONST && x->ty->kind == TY_BOOL && y->ty->kind == TY_BOOL) {
    if (op == IR_OP_LAND) return ir_const_bool(a, x->cst.b && y->cst.b);
    if (op == IR_OP_LOR) return ir_const_bool(a, x->cst.b || y->cst.b);
    if (op == IR_OP_EQ) return ir_const_bool(a, x->cst.b == y->cst.b);
    if (op == IR_OP_NE) return ir_const_bool(a, x->cst.b != y->cst.b);
  }
  if (op == IR_OP_LAND || op == IR_OP_LOR) {
    bool absorbing = op == IR_OP_LOR; /* true || x, false && x */
    if (x->kind == IR_CONST) return x->cst.b == absorbing ? x : y;
    if (y->kind == IR_CONST && ir_pure(x)) return y->cst.b == absorbing ? y : x;
  }
  if (type_is_int(t)) {
    ir_expr *s = ir_simplify_int(a, op, t, x, y);
    if (s)
      return s;
  }
  if (type_is_int(x->ty) && type_is_int(y->ty)) {
    ir_expr *f = ir_fold_by_range(a, op, x, y);
    if (f)
      return f;
  }
  ir_expr *e = ir_new(a, IR_BINARY, t);
  e->op.op = op;
  e->op.a = x;
  e->op.b = y;
  ir_binary_range(e, op, x, y);
  return e;
}

ir_expr *ir_unary(arena *a, ir_op op, type *t, ir_expr *x) {
  if (x->kind == IR_CONST) {
    if (op == IR_OP_NOT && x->ty->kind == TY_BOOL) return ir_const_bool(a, !x->cst.b);
    if (op == IR_OP_NEG && type_is_int(x->ty)) return ir_const_int(a, t, (int64_t)(0 - (uint64_t)x->cst.i));
    if (op == IR_OP_NEG && type_is_float(x->ty)) return ir_const_float(a, t, -x->cst.f);
    if (op == IR_OP_BNOT && type_is_int(x->ty)) return ir_const_int(a, t, ~x->cst.i);
  }
  ir_expr *e = ir_new(a, IR_UNARY, t);
  e->op.op = op;
  e->op.a = x;
  return e;
}

ir_expr *ir_cast(arena *a, type *t, ir_expr *x) {
  if (x->ty == t)
    return x;
  if (x->kind == IR_CONST) {
    if (type_is_int(t) && type_is_int(x->ty)) return ir_const_int(a, t, x->cst.i);
    if (type_is_float(t) && type_is_int(x->ty)) return ir_const_float(a, t, (double)x->cst.i);
    if (type_is_float(t) && type_is_float(x->ty)) return ir_const_float(a, t, x->cst.f);
    if (t->kind == TY_BOOL && type_is_int(x->ty)) return ir_const_bool(a, x->cst.i != 0);
  }
  ir_expr *e = ir_new(a, IR_CAST, t);
  e->op.a = x;
  /* Widening an integer keeps its range. */
  if (type_is_int(t) && type_is_int(x->ty) && x->has_range && ir_fits(t, x->lo, x->hi))
    ir_set_range(e, x->lo, x->hi);
  return e;
}

ir_expr *ir_select(arena *a, type *t, ir_expr *c, ir_expr *x, ir_expr *y) {
  if (c->kind == IR_CONST)
    return c->cst.b ? x : y;
  ir_expr *e = ir_new(a, IR_SELECT, t);
  e->select.c = c;
  e->select.a = x;
  e->select.b = y;
  if (x->has_range && y->has_range)
    ir_set_range(e, x->lo < y->lo ? x->lo : y->lo, x->hi > y->hi ? x->hi : y->hi);
  return e;
}

void ir_block_push(arena *a, ir_block *b, ir_stmt *s) {
  if (b->len == b->cap) {
    int cap = b->cap ? 2 * b->cap : 8;
    ir_stmt **items = arena_alloc(a, (size_t)cap * sizeof *items);
    if (b->len)
      memcpy(items, b->stmts, (size_t)b->len * sizeof *items);
    b->stmts = items;
    b->cap = cap;
  }
  b->stmts[b->len++] = s;
}

ir_stmt *ir_stmt_new(arena *a, ir_stmt_kind kind, span where) {
  ir_stmt *s = arena_alloc(a, sizeof *s);
  s->kind = kind;
  s->where = where;
  return s;
}

void ir_func_add_var(arena *a, ir_func *f, ir_var *v) {
  if (f->nvars == f->capvars) {
    int cap = f->capvars ? 2 * f->capvars : 16;
    ir_var **vars = arena_alloc(a, (size_t)cap * sizeof *vars);
    if (f->nvars)
      memcpy(vars, f->vars, (size_t)f->nvars * sizeof *vars);
    f->vars = vars;
    f->capvars = cap;
  }
  v->id = f->nvars;
  f->vars[f->nvars++] = v;
}

bool ir_same_expr(const ir_expr *a, const ir_expr *b) {
  if (a == b)
    return true;
  if (a->kind != b->kind || a->ty != b->ty)
    return false;
  switch (a->kind) {
  case IR_CONST:
    return type_is_float(a->ty) ? a->cst.f == b->cst.f && signbit(a->cst.f) == signbit(b->cst.f)
                                : a->cst.i == b->cst.i && a->cst.b == b->cst.b;
  case IR_VARREF: return a->var == b->var;
  case IR_SPECIAL: return a->special == b->special;
  case IR_LOAD: return a->load.var == b->load.var && ir_same_expr(a->load.offset, b->load.offset);
  case IR_UNARY:
  case IR_CAST: return a->op.op == b->op.op && ir_same_expr(a->op.a, b->op.a);
  case IR_BINARY:
    return a->op.op == b->op.op && ir_same_expr(a->op.a, b->op.a) && ir_same_expr(a->op.b, b->op.b);
  default: return false; /* calls are never the same twice */
  }
}

bool ir_expr_any(const ir_expr *e, bool (*pred)(const ir_expr *e, void *ctx), void *ctx) {
  if (!e)
    return false;
  if (pred(e, ctx))
    return true;
  switch (e->kind) {
  case IR_LOAD: return ir_expr_any(e->load.offset, pred, ctx);
  case IR_UNARY:
  case IR_CAST: return ir_expr_any(e->op.a, pred, ctx);
  case IR_BINARY: return ir_expr_any(e->op.a, pred, ctx) || ir_expr_any(e->op.b, pred, ctx);
  case IR_SELECT:
    return ir_expr_any(e->select.c, pred, ctx) || ir_expr_any(e->select.a, pred, ctx) ||
           ir_expr_any(e->select.b, pred, ctx);
  case IR_CALL:
    for (int i = 0; i < e->call.nargs; i++)
      if (ir_expr_any(e->call.args[i], pred, ctx))
        return true;
    return false;
  case IR_XCHG_READ: return ir_expr_any(e->xchg.lane, pred, ctx);
  default: return false;
  }
}

void ir_expr_each_operand(ir_expr *e, void (*fn)(ir_expr **operand, void *ctx), void *ctx) {
  if (!e)
    return;
  switch (e->kind) {
  case IR_LOAD: fn(&e->load.offset, ctx); return;
  case IR_UNARY:
  case IR_CAST: fn(&e->op.a, ctx); return;
  case IR_BINARY:
    fn(&e->op.a, ctx);
    fn(&e->op.b, ctx);
    return;
  case IR_SELECT:
    fn(&e->select.c, ctx);
    fn(&e->select.a, ctx);
    fn(&e->select.b, ctx);
    return;
  case IR_CALL:
    for (int i = 0; i < e->call.nargs; i++)
      fn(&e->call.args[i], ctx);
    return;
  case IR_XCHG_READ:
    if (e->xchg.lane) /* a vote reads the whole warp: no lane */
      fn(&e->xchg.lane, ctx);
    return;
  default: return;
  }
}

ir_expr *ir_expr_shallow_copy(arena *a, const ir_expr *e) {
  ir_expr *n = arena_alloc(a, sizeof *n);
  *n = *e;
  if (e->kind == IR_CALL && e->call.nargs) {
    n->call.args = arena_alloc(a, (size_t)e->call.nargs * sizeof *n->call.args);
    memcpy(n->call.args, e->call.args, (size_t)e->call.nargs * sizeof *n->call.args);
  }
  return n;
}

static bool ir_count_read(const ir_expr *e, void *reads) {
  if (e->kind == IR_VARREF)
    ((int *)reads)[e->var->id]++;
  else if (e->kind == IR_LOAD)
    ((int *)reads)[e->load.var->id]++;
  return false;
}

void ir_count_reads(const ir_expr *e, int *reads) { ir_expr_any(e, ir_count_read, reads); }

/* The expressions a statement evaluates itself (not those of nested
 * statements). */
int ir_stmt_exprs(const ir_stmt *s, const ir_expr *out[3]) {
  switch (s->kind) {
  case IR_DECL: out[0] = s->decl.init; return 1;
  case IR_ASSIGN: out[0] = s->assign.value; return 1;
  case IR_STORE: out[0] = s->store.offset; out[1] = s->store.value; return 2;
  case IR_IF: out[0] = s->if_.cond; return 1;
  case IR_FOR: out[0] = s->for_.start; out[1] = s->for_.cond; out[2] = s->for_.step; return 3;
  case IR_WHILE: out[0] = s->while_.cond; return 1;
  case IR_RETURN: out[0] = s->ret.value; return 1;
  case IR_EVAL: out[0] = s->eval.expr; return 1;
  case IR_XCHG_OFFER: out[0] = s->offer.guard; out[1] = s->offer.value; return 2;
  default: return 0;
  }
}

/* The statement lists nested in a statement. */
int ir_stmt_bodies(const ir_stmt *s, const ir_block *out[2]) {
  switch (s->kind) {
  case IR_IF: out[0] = &s->if_.then; out[1] = &s->if_.els; return 2;
  case IR_FOR: out[0] = &s->for_.body; return 1;
  case IR_WHILE: out[0] = &s->while_.body; return 1;
  case IR_BLOCK: out[0] = &s->block; return 1;
  case IR_THREAD_LOOP: out[0] = &s->thread_loop.body; return 1;
  default: return 0;
  }
}

bool ir_stmt_expr_any(const ir_stmt *s, bool (*pred)(const ir_expr *e, void *ctx), void *ctx) {
  const ir_expr *x[3];
  int n = ir_stmt_exprs(s, x);
  for (int i = 0; i < n; i++)
    if (ir_expr_any(x[i], pred, ctx))
      return true;
  return false;
}

bool ir_stmt_any(const ir_stmt *s, bool (*pred)(const ir_stmt *s, void *ctx), void *ctx) {
  if (pred(s, ctx))
    return true;
  const ir_block *b[2];
  int n = ir_stmt_bodies(s, b);
  for (int i = 0; i < n; i++)
    if (ir_block_any(b[i], pred, ctx))
      return true;
  return false;
}

bool ir_block_any(const ir_block *b, bool (*pred)(const ir_stmt *s, void *ctx), void *ctx) {
  for (int i = 0; i < b->len; i++)
    if (ir_stmt_any(b->stmts[i], pred, ctx))
      return true;
  return false;
}

/* A load through a cursor (pass `strength`) reads its tensor too. */
static bool ir_is_ref_to(const ir_expr *e, void *v) {
  return (e->kind == IR_VARREF && e->var == v) ||
         (e->kind == IR_LOAD && (e->load.var == v || e->load.var->cursor_of == v));
}

/* s itself (not what is nested in it) reads or writes v. */
static bool ir_stmt_refs_here(const ir_stmt *s, void *v) {
  if ((s->kind == IR_ASSIGN && s->assign.var == v) || (s->kind == IR_STORE && s->store.var == v))
    return true;
  return ir_stmt_expr_any(s, ir_is_ref_to, v);
}

bool ir_stmt_refs_var(const ir_stmt *s, const ir_var *v) { return ir_stmt_any(s, ir_stmt_refs_here, (void *)v); }

static bool ir_is_return(const ir_stmt *s, void *ctx) {
  (void)ctx;
  return s->kind == IR_RETURN;
}

bool ir_stmt_returns(const ir_stmt *s) { return ir_stmt_any(s, ir_is_return, NULL); }

bool ir_block_returns(const ir_block *b) { return ir_block_any(b, ir_is_return, NULL); }

int ir_func_index(const ir_program *p, const ir_func *f) {
  for (int i = 0; i < p->nfuncs; i++)
    if (p->funcs[i] == f)
      return i;
  return -1;
}
