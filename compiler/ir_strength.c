/* ir_strength.c: the `strength` pass (CUDA): address arithmetic of global
 * loads strength-reduced in loops, as a CUDA programmer writes it.
 *
 * A load from a global tensor inside a rolled loop over s (a K loop) has an
 * offset such as (i64)gi * (i64)k + (i64)gk with gk = s * 8 + kk: the GPU
 * recomputes the 64-bit product and the address every iteration. The pass
 * splits the offset, looked at through the `let`s of the body
 * (ir_var.value), into three parts, all in i64:
 *   off = in + before + s * step
 * where `step` and `before` can be computed before the loop (constants,
 * thread and block indices, parameters, immutable variables declared
 * before it) and `in` is whatever is left (the row of an unrolled repeat
 * loop, r * 32 * k). When `step` is not 0 the tensor gets a cursor, a
 * pointer declared before the loop at &a[before + start * step] and
 * advanced by loop_step * step elements at the end of each iteration, and
 * the load reads cursor[in], which no longer depends on s. Loads with the
 * same tensor, step and before share a cursor.
 *
 * Exactness. Every rule is an identity on the integers the expressions
 * denote: sums and products by a factor computed before the loop are
 * distributed, in i64, so nothing that was 64-bit becomes narrower. An i32
 * subexpression (gk above) is distributed as the integer it denotes, which
 * holds when its i32 evaluation does not overflow; the emitted C++ assumes
 * that already (signed overflow is undefined in CUDA C++, and nvcc reasons
 * the same way). Unsigned arithmetic, which wraps by definition, is not
 * distributed. Only a loop with a signed counter, a constant step, a start
 * computed before it and no `continue` of its own is rewritten (the
 * increment at the end of the body must run once per iteration). Inner
 * rolled loops are rewritten first; a loop around them then treats an inner
 * cursor's start, a load whose address is taken, like any other load, so
 * the inner cursor starts from the outer one. */
#include <string.h>

#include "passes.h"

typedef struct sr_cursor {
  ir_var *tensor;
  ir_expr *step;   /* elements per unit of the counter, i64 */
  ir_expr *before; /* elements from the tensor's start at counter 0 (NULL: 0) */
  ir_var *ptr;
} sr_cursor;

typedef struct sr_pass {
  arena *a;
  ir_func *f;
  bool *inside;  /* inside[id]: declared in the loop being rewritten */
  int capinside;
  ir_var *ctr;   /* its counter */
  sr_cursor *cur;
  int ncur, capcur;
} sr_pass;

/* An offset as in + before + ctr * step, in i64: `in` is evaluated at the
 * load (it may read the variables of the loop's body), `before` before the
 * loop (it goes into the cursor), `step` too. NULL: 0. */
typedef struct sr_aff {
  ir_expr *in, *before, *step;
} sr_aff;

static type *sr_i64(void) { return type_scalar(TY_I64); }

static ir_var *sr_new_var(sr_pass *S, const char *name) {
  ir_func *f = S->f;
  ir_var *v = arena_alloc(S->a, sizeof *v);
  v->name = name;
  v->kind = IR_VAR_SCALAR;
  ir_func_add_var(S->a, f, v);
  return v;
}

/* ---- what is computed before the loop ---- */

static bool sr_not_before(const ir_expr *e, void *ctx) {
  const sr_pass *S = ctx;
  if (e->kind == IR_LOAD || e->kind == IR_CALL || e->kind == IR_XCHG_READ)
    return true;
  if (e->kind != IR_VARREF)
    return false;
  const ir_var *v = e->var;
  return v == S->ctr || v->mutable_ || S->inside[v->id] || (v->kind != IR_VAR_SCALAR && v->kind != IR_VAR_PARAM);
}

/* e has the same value before the loop and in every iteration. */
static bool sr_before(sr_pass *S, const ir_expr *e) { return !ir_expr_any(e, sr_not_before, S); }

/* ---- the affine form ---- */

static ir_expr *sr_bin(sr_pass *S, ir_op op, ir_expr *x, ir_expr *y) { return ir_binary(S->a, op, sr_i64(), x, y); }

static ir_expr *sr_leaf(sr_pass *S, ir_expr *e) { return ir_cast(S->a, sr_i64(), e); }

/* x op y where NULL is 0 (op: + or -) */
static ir_expr *sr_sum(sr_pass *S, ir_op op, ir_expr *x, ir_expr *y) {
  if (!y)
    return x;
  if (!x)
    return op == IR_OP_ADD ? y : ir_unary(S->a, IR_OP_NEG, sr_i64(), y);
  return sr_bin(S, op, x, y);
}

static ir_expr *sr_scale(sr_pass *S, ir_expr *x, ir_expr *c) { return x ? sr_bin(S, IR_OP_MUL, x, c) : NULL; }

/* A term that is not split further: before the loop if it can be. */
static sr_aff sr_term(sr_pass *S, ir_expr *e) {
  ir_expr *t = sr_leaf(S, e);
  return sr_before(S, e) ? (sr_aff){NULL, t, NULL} : (sr_aff){t, NULL, NULL};
}

static sr_aff sr_affine(sr_pass *S, ir_expr *e, int depth);

static sr_aff sr_affine_sum(sr_pass *S, ir_expr *e, int depth) {
  sr_aff x = sr_affine(S, e->op.a, depth), y = sr_affine(S, e->op.b, depth);
  ir_op op = e->op.op;
  return (sr_aff){sr_sum(S, op, x.in, y.in), sr_sum(S, op, x.before, y.before), sr_sum(S, op, x.step, y.step)};
}

/* x * c with c computed before the loop: every part times c. */
static sr_aff sr_affine_product(sr_pass *S, ir_expr *e, int depth) {
  ir_expr *x = e->op.a, *c = e->op.b;
  if (!sr_before(S, c)) {
    x = e->op.b;
    c = e->op.a;
  }
  if (!sr_before(S, c))
    return sr_term(S, e);
  sr_aff f = sr_affine(S, x, depth);
  ir_expr *k = sr_leaf(S, c);
  return (sr_aff){sr_scale(S, f.in, k), sr_scale(S, f.before, k), sr_scale(S, f.step, k)};
}

/* A `let` of the body is looked through when that splits it; one that
 * stays whole at the load is read as the variable (nothing recomputed). */
static sr_aff sr_affine_let(sr_pass *S, ir_expr *e, int depth) {
  sr_aff f = sr_affine(S, e->var->value, depth);
  if (f.step || !f.in || f.before)
    return f;
  return (sr_aff){sr_leaf(S, e), NULL, NULL};
}

/* e split into its parts. Every rule is an identity on the integers the
 * expressions denote, so a part that is not affine simply stays `in`. */
static sr_aff sr_affine(sr_pass *S, ir_expr *e, int depth) {
  /* Unsigned arithmetic wraps by definition: it is not distributed. */
  if (!type_is_int(e->ty) || !type_is_signed(e->ty) || depth > 16)
    return sr_term(S, e);
  switch (e->kind) {
  case IR_VARREF:
    if (e->var == S->ctr)
      return (sr_aff){NULL, NULL, ir_const_int(S->a, sr_i64(), 1)};
    if (e->var->value && S->inside[e->var->id])
      return sr_affine_let(S, e, depth + 1);
    break;
  case IR_BINARY:
    if (e->op.op == IR_OP_ADD || e->op.op == IR_OP_SUB)
      return sr_affine_sum(S, e, depth + 1);
    if (e->op.op == IR_OP_MUL)
      return sr_affine_product(S, e, depth + 1);
    break;
  case IR_CAST: /* a signed integer widened: the same integer */
    if (type_is_int(e->op.a->ty) && type_is_signed(e->op.a->ty) && type_bits(e->op.a->ty) <= type_bits(e->ty))
      return sr_affine(S, e->op.a, depth + 1);
    break;
  default: break;
  }
  return sr_term(S, e);
}

/* ---- the rewrite ---- */

static bool sr_name_taken(const ir_func *f, const char *name) {
  for (int i = 0; i < f->nvars; i++)
    if (strcmp(f->vars[i]->name, name) == 0)
      return true;
  return false;
}

/* hdt_ptr_a, hdt_ptr_a_2...: the runtime's prefix, which no program
 * variable keeps (ir_lower.c renames those), so no clash with the source. */
static const char *sr_name(sr_pass *S, const ir_var *tensor) {
  const char *name = arena_printf(S->a, "hdt_ptr_%s", tensor->name);
  for (int n = 2; sr_name_taken(S->f, name); n++)
    name = arena_printf(S->a, "hdt_ptr_%s_%d", tensor->name, n);
  return name;
}

static bool sr_same(const ir_expr *x, const ir_expr *y) { return x == y || (x && y && ir_same_expr(x, y)); }

static ir_var *sr_cursor_for(sr_pass *S, ir_var *tensor, const sr_aff *f) {
  for (int i = 0; i < S->ncur; i++)
    if (S->cur[i].tensor == tensor && sr_same(S->cur[i].step, f->step) && sr_same(S->cur[i].before, f->before))
      return S->cur[i].ptr;
  if (S->ncur == S->capcur) {
    int cap = S->capcur ? 2 * S->capcur : 4;
    sr_cursor *c = arena_alloc(S->a, (size_t)cap * sizeof *c);
    if (S->ncur)
      memcpy(c, S->cur, (size_t)S->ncur * sizeof *c);
    S->cur = c;
    S->capcur = cap;
  }
  ir_var *p = sr_new_var(S, sr_name(S, tensor));
  p->ty = tensor->ty;
  p->elem = tensor->elem;
  p->mutable_ = true;
  p->cursor_of = tensor;
  S->cur[S->ncur++] = (sr_cursor){tensor, f->step, f->before, p};
  return p;
}

static void sr_load(sr_pass *S, ir_expr *e) {
  ir_var *t = e->load.var;
  if (t->kind != IR_VAR_PARAM || t->ty->kind != TY_TENSOR)
    return;
  sr_aff f = sr_affine(S, e->load.offset, 0);
  if (!f.step)
    return;
  e->load.var = sr_cursor_for(S, t, &f);
  e->load.offset = f.in ? f.in : ir_const_int(S->a, sr_i64(), 0);
}

static void sr_expr(sr_pass *S, ir_expr *e);

static void sr_operand(ir_expr **operand, void *S) { sr_expr(S, *operand); }

/* Every load in e, its offset's loads first. */
static void sr_expr(sr_pass *S, ir_expr *e) {
  ir_expr_each_operand(e, sr_operand, S);
  if (e && e->kind == IR_LOAD)
    sr_load(S, e);
}

static void sr_rewrite_block(sr_pass *S, ir_block *b) {
  for (int i = 0; i < b->len; i++) {
    ir_stmt *s = b->stmts[i];
    const ir_expr *x[3];
    int n = ir_stmt_exprs(s, x);
    for (int k = 0; k < n; k++)
      sr_expr(S, (ir_expr *)x[k]);
    const ir_block *nb[2];
    int m = ir_stmt_bodies(s, nb);
    for (int k = 0; k < m; k++)
      sr_rewrite_block(S, (ir_block *)nb[k]);
  }
}

/* ---- which loops ---- */

/* A `continue` of this loop (not of a loop inside it). */
static bool sr_has_continue(const ir_block *b) {
  for (int i = 0; i < b->len; i++) {
    const ir_stmt *s = b->stmts[i];
    if (s->kind == IR_CONTINUE)
      return true;
    if (s->kind == IR_FOR || s->kind == IR_WHILE)
      continue;
    const ir_block *nb[2];
    int m = ir_stmt_bodies(s, nb);
    for (int k = 0; k < m; k++)
      if (sr_has_continue(nb[k]))
        return true;
  }
  return false;
}

static bool sr_mark_inside(const ir_stmt *s, void *ctx) {
  bool *inside = ctx;
  if (s->kind == IR_DECL)
    inside[s->decl.var->id] = true;
  if (s->kind == IR_FOR)
    inside[s->for_.var->id] = true;
  return false;
}

static bool sr_candidate(sr_pass *S, const ir_stmt *s) {
  if (s->kind != IR_FOR || s->for_.unroll || s->for_.step->kind != IR_CONST || !type_is_int(s->for_.var->ty) ||
      !type_is_signed(s->for_.var->ty) || sr_has_continue(&s->for_.body))
    return false;
  if (S->f->nvars > S->capinside) {
    S->capinside = 2 * S->f->nvars;
    S->inside = arena_alloc(S->a, (size_t)S->capinside * sizeof *S->inside);
  }
  memset(S->inside, 0, (size_t)S->f->nvars * sizeof *S->inside);
  ir_block_any(&s->for_.body, sr_mark_inside, S->inside);
  S->ctr = s->for_.var;
  return sr_before(S, s->for_.start);
}

/* A cursor's initial value: the element it points at, as a load whose
 * address is taken (`&a[i]`), as cp_async's operands are. */
static ir_expr *sr_address(sr_pass *S, ir_var *tensor, ir_expr *offset) {
  ir_expr *e = arena_alloc(S->a, sizeof *e);
  e->kind = IR_LOAD;
  e->ty = tensor->elem;
  e->load.var = tensor;
  e->load.offset = offset;
  return e;
}

/* Rewrites loop s; the cursors' declarations go to out, before it. */
static void sr_loop(sr_pass *S, ir_stmt *s, ir_block *out) {
  S->ncur = 0;
  if (!sr_candidate(S, s))
    return;
  sr_rewrite_block(S, &s->for_.body);
  ir_expr *start = sr_leaf(S, s->for_.start), *step = sr_leaf(S, s->for_.step);
  for (int i = 0; i < S->ncur; i++) {
    sr_cursor *c = &S->cur[i];
    ir_stmt *d = ir_stmt_new(S->a, IR_DECL, s->where);
    d->decl.var = c->ptr;
    d->decl.init = sr_address(S, c->tensor, sr_sum(S, IR_OP_ADD, c->before, sr_bin(S, IR_OP_MUL, start, c->step)));
    ir_block_push(S->a, out, d);
    ir_stmt *inc = ir_stmt_new(S->a, IR_ASSIGN, s->where);
    inc->assign.var = c->ptr;
    inc->assign.value = sr_bin(S, IR_OP_MUL, step, c->step); /* elements to advance by */
    ir_block_push(S->a, &s->for_.body, inc);
  }
}

/* Inner loops first; a rewritten loop's cursors are declared just before it. */
static void sr_block(sr_pass *S, ir_block *b) {
  ir_block out = {0};
  for (int i = 0; i < b->len; i++) {
    ir_stmt *s = b->stmts[i];
    const ir_block *nb[2];
    int m = ir_stmt_bodies(s, nb);
    for (int k = 0; k < m; k++)
      sr_block(S, (ir_block *)nb[k]);
    if (s->kind == IR_FOR)
      sr_loop(S, s, &out);
    ir_block_push(S->a, &out, s);
  }
  *b = out;
}

void ir_pass_strength(pass_ctx *c, ir_program *p) {
  for (int i = 0; i < p->nfuncs; i++) {
    sr_pass S = {.a = c->a, .f = p->funcs[i]};
    sr_block(&S, &S.f->body);
  }
}
