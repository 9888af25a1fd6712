/* ir_effects.c: the `written` pass: which tensor parameters a function
 * writes, through its own stores or through the functions it calls, and
 * which functions have side effects at all (ir_func.has_effects).
 *
 * The lowering sets ir_var.written for a tensor parameter the function
 * stores into. A parameter passed on to a callee that writes its parameter
 * is written too: its pointer cannot be `const` in C or CUDA. This pass
 * propagates over the calls, to a fixed point because functions may be
 * recursive, and stores the result in ir_var.written_deep, which the CUDA
 * emitter spells. (ir_var.written stays what the function itself stores:
 * the host output spells that one and casts the `const` away at a call,
 * and both outputs are kept as they were.) */
#include "passes.h"

/* Either: every operand is walked first (a walk records what it sees), so
 * no short circuit. */
static bool fx_any(bool a, bool b, bool c) { return a || b || c; }

static bool fx_expr(const ir_expr *e);

/* A call's arguments that name a variable passed to a written parameter. */
static bool fx_call(const ir_expr *e) {
  bool changed = false;
  for (int i = 0; i < e->call.nargs; i++)
    changed |= fx_expr(e->call.args[i]);
  if (e->call.fn != IR_FN_USER)
    return changed;
  const ir_func *callee = e->call.callee;
  for (int i = 0; i < e->call.nargs && i < callee->nparams; i++) {
    const ir_expr *a = e->call.args[i];
    ir_var *v = a->kind == IR_VARREF ? a->var : a->kind == IR_LOAD ? a->load.var : NULL;
    if (v && callee->params[i]->written_deep && !v->written_deep) {
      v->written_deep = true;
      changed = true;
    }
  }
  return changed;
}

static bool fx_expr(const ir_expr *e) {
  if (!e)
    return false;
  switch (e->kind) {
  case IR_LOAD: return fx_expr(e->load.offset);
  case IR_UNARY:
  case IR_CAST: return fx_expr(e->op.a);
  case IR_BINARY: return fx_any(fx_expr(e->op.a), fx_expr(e->op.b), false);
  case IR_SELECT: return fx_any(fx_expr(e->select.c), fx_expr(e->select.a), fx_expr(e->select.b));
  case IR_CALL: return fx_call(e);
  default: return false;
  }
}

static bool fx_block(const ir_block *b) {
  bool changed = false;
  for (int i = 0; i < b->len; i++) {
    const ir_stmt *s = b->stmts[i];
    const ir_expr *x[3];
    int n = ir_stmt_exprs(s, x);
    for (int k = 0; k < n; k++)
      changed |= fx_expr(x[k]);
    const ir_block *nb[2];
    n = ir_stmt_bodies(s, nb);
    for (int k = 0; k < n; k++)
      changed |= fx_block(nb[k]);
  }
  return changed;
}

/* A side effect of a call in a body: an atomic or threadfence (a builtin
 * that is not BF_PURE; shuffles and votes are exchanges, not effects), or a
 * function that has one. */
static bool fx_pred_effect(const ir_expr *e, void *ctx) {
  (void)ctx;
  if (e->kind != IR_CALL)
    return false;
  if (e->call.fn == IR_FN_USER)
    return e->call.callee->has_effects;
  const builtin_info *b = ir_fn_builtin(e->call.fn);
  return !builtin_has(b, BF_PURE) && !builtin_is_exchange(b);
}

/* s itself stores through a parameter (a global tensor) or calls for an
 * effect. */
static bool fx_stmt_effect(const ir_stmt *s, void *ctx) {
  if (s->kind == IR_STORE && s->store.var->kind == IR_VAR_PARAM)
    return true;
  return ir_stmt_expr_any(s, fx_pred_effect, ctx);
}

/* ir_func.has_effects of every function, to a fixed point (recursion). */
static void fx_effects(ir_program *p) {
  for (bool changed = true; changed;) {
    changed = false;
    for (int i = 0; i < p->nfuncs; i++) {
      bool effects = ir_block_any(&p->funcs[i]->body, fx_stmt_effect, NULL);
      changed |= effects != p->funcs[i]->has_effects;
      p->funcs[i]->has_effects = effects;
    }
  }
}

void ir_pass_written(pass_ctx *c, ir_program *p) {
  (void)c;
  for (int i = 0; i < p->nfuncs; i++)
    for (int v = 0; v < p->funcs[i]->nvars; v++)
      p->funcs[i]->vars[v]->written_deep = p->funcs[i]->vars[v]->written;
  for (bool changed = true; changed;) {
    changed = false;
    for (int i = 0; i < p->nfuncs; i++)
      changed |= fx_block(&p->funcs[i]->body);
  }
  fx_effects(p);
}
