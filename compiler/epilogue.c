/* epilogue.c: element-wise functions fused into a kernel instance (see
 * epilogue.h): an epilogue into the stores of its output, a prologue into
 * the loads of an input. Works on the lowered IR of one instance: the
 * checks read the functions' signatures and the kernel's body; the rewrite
 * replaces parameters and wraps each store's value, or replaces each load,
 * with a call. */
#include "epilogue.h"

#include <string.h>

typedef struct epi_ctx {
  arena *a;
  diag_ctx *d;
  const char *symbol;
  ir_func *kernel, *fn;
  ir_var *out;    /* the epilogue's output, or the prologue's input */
  bool prologue;  /* rewrite the loads of `out`, not its stores */
  ir_var **extra; /* the kernel's new parameters, one per tensor of fn */
  int nextra;
} epi_ctx;

static ir_func *epi_find(const ir_program *ir, const char *name, bool kernel) {
  for (int i = 0; i < ir->nfuncs; i++)
    if (ir->funcs[i]->is_kernel == kernel && strcmp(ir->funcs[i]->name, name) == 0)
      return ir->funcs[i];
  return NULL;
}

static bool epi_is_tensor(const ir_var *v) { return v->ty && v->ty->kind == TY_TENSOR; }

/* An epilogue is fn(v: T, i: i64, tensors...) -> T, a prologue
 * fn(i: i64, tensors...) -> T, T the element type of E->out. */
static bool epi_check_signature(epi_ctx *E) {
  const ir_func *f = E->fn;
  const type *t = E->out->elem;
  int index = E->prologue ? 0 : 1; /* the i: i64 parameter */
  bool ok = f->nparams > index && f->ret && type_equal(f->ret, t) &&
            (E->prologue || type_equal(f->params[0]->ty, t)) && f->params[index]->ty->kind == TY_I64;
  for (int i = index + 1; ok && i < f->nparams; i++)
    ok = epi_is_tensor(f->params[i]);
  if (!ok && E->prologue)
    diag_error_noloc(E->d, "instance '%s': prologue '%s' must be fn(i: i64, tensors...) -> %s",
                     E->symbol, f->name, type_name(E->a, t));
  else if (!ok)
    diag_error_noloc(E->d, "instance '%s': epilogue '%s' must be fn(v: %s, i: i64, tensors...) -> %s",
                     E->symbol, f->name, type_name(E->a, t), type_name(E->a, t));
  return ok;
}

/* Finds the kernel and the function of E (what: "epilogue" or "prologue");
 * false after an error, and with *skip when the kernel is not in ir
 * (instance_merge_add reports an unknown kernel). */
static bool epi_begin(epi_ctx *E, const ir_program *ir, const char *kernel, const char *function,
                      bool *skip) {
  E->kernel = epi_find(ir, kernel, true);
  E->fn = epi_find(ir, function, false);
  *skip = !E->kernel;
  if (E->kernel && !E->fn)
    diag_error_noloc(E->d, "instance '%s': %s '%s' is not a device function of the file", E->symbol,
                     E->prologue ? "prologue" : "epilogue", function);
  return E->kernel && E->fn;
}

static bool epi_reads_out(const ir_expr *e, void *ctx) {
  const ir_var *out = ctx;
  return (e->kind == IR_LOAD && e->load.var == out) || (e->kind == IR_VARREF && e->var == out);
}

static bool epi_stmt_reads_out(const ir_stmt *s, void *ctx) {
  return ir_stmt_expr_any(s, epi_reads_out, ctx);
}

/* A name for the new parameter p that no variable of the kernel has. */
static const char *epi_fresh_name(epi_ctx *E, const ir_var *p) {
  for (int n = 0;; n++) {
    const char *name =
        n ? arena_printf(E->a, "epi_%s_%d", p->name, n) : arena_printf(E->a, "epi_%s", p->name);
    bool taken = false;
    for (int i = 0; i < E->kernel->nvars && !taken; i++)
      taken = strcmp(E->kernel->vars[i]->name, name) == 0;
    if (!taken)
      return name;
  }
}

/* fn's tensor parameters from `first` on become the kernel's, at position
 * `at`, in place of parameter `drop` (a prologue's input) or before `at`
 * (-1: an epilogue, before the output); the entry point checks them for
 * NULL like the others. */
static void epi_add_params(epi_ctx *E, int first, int at, int drop) {
  ir_func *k = E->kernel;
  E->nextra = E->fn->nparams - first;
  E->extra = arena_alloc(E->a, (size_t)(E->nextra ? E->nextra : 1) * sizeof *E->extra);
  int keep = drop >= 0 ? 1 : 0;
  int nparams = k->nparams + E->nextra - keep, nvars = k->nvars + E->nextra - keep;
  ir_var **params = arena_alloc(E->a, (size_t)nparams * sizeof *params);
  ir_var **vars = arena_alloc(E->a, (size_t)nvars * sizeof *vars);
  ir_var **nonnull = arena_alloc(E->a, (size_t)(k->nnonnull + E->nextra) * sizeof *nonnull);
  ir_expr **when = arena_alloc(E->a, (size_t)(k->nnonnull + E->nextra) * sizeof *when);
  for (int i = 0; i < E->nextra; i++) {
    ir_var *v = arena_alloc(E->a, sizeof *v);
    *v = *E->fn->params[i + first];
    v->name = epi_fresh_name(E, v);
    v->kind = IR_VAR_PARAM;
    v->written = v->written_deep = false;
    E->extra[i] = v;
  }
  int n = 0;
  for (int i = 0; i < k->nparams; i++) {
    if (i == at)
      for (int x = 0; x < E->nextra; x++)
        params[n++] = E->extra[x];
    if (i != drop)
      params[n++] = k->params[i];
  }
  memcpy(vars, params, (size_t)nparams * sizeof *vars);
  memcpy(vars + nparams, k->vars + k->nparams, (size_t)(k->nvars - k->nparams) * sizeof *vars);
  int nn = 0;
  for (int i = 0; i < k->nnonnull; i++)
    if (drop < 0 || k->nonnull[i] != k->params[drop]) {
      nonnull[nn] = k->nonnull[i];
      when[nn++] = k->nonnull_when[i];
    }
  for (int i = 0; i < E->nextra; i++) {
    nonnull[nn] = E->extra[i];
    when[nn++] = NULL;
  }
  /* A variable's id is its position in vars: the passes and emitters
   * index their tables by it. */
  for (int i = 0; i < nvars; i++)
    vars[i]->id = i;
  k->params = params;
  k->nparams = nparams;
  k->vars = vars;
  k->nvars = nvars;
  k->capvars = nvars;
  k->nonnull = nonnull;
  k->nonnull_when = when;
  k->nnonnull = nn;
}

/* EPI(value, offset as i64, extra...), or PRO(offset as i64, extra...)
 * when value is NULL. */
static ir_expr *epi_call(epi_ctx *E, ir_expr *value, ir_expr *offset) {
  ir_expr *e = arena_alloc(E->a, sizeof *e);
  int first = value ? 1 : 0;
  e->kind = IR_CALL;
  e->ty = E->fn->ret;
  e->call.fn = IR_FN_USER;
  e->call.callee = E->fn;
  e->call.nargs = E->nextra + first + 1;
  e->call.args = arena_alloc(E->a, (size_t)e->call.nargs * sizeof *e->call.args);
  if (value)
    e->call.args[0] = value;
  e->call.args[first] = offset->ty->kind == TY_I64 ? offset : ir_cast(E->a, type_scalar(TY_I64), offset);
  for (int i = 0; i < E->nextra; i++)
    e->call.args[first + 1 + i] = ir_varref(E->a, E->extra[i]);
  return e;
}

static void epi_rewrite_block(epi_ctx *E, ir_block *b);

bool epilogue_apply(arena *a, diag_ctx *d, ir_program *ir, const char *symbol, const char *kernel,
                    const char *function) {
  epi_ctx E = {.a = a, .d = d, .symbol = symbol};
  bool skip;
  if (!epi_begin(&E, ir, kernel, function, &skip))
    return skip;
  if (E.kernel->nparams == 0 || !epi_is_tensor(E.kernel->params[E.kernel->nparams - 1])) {
    diag_error_noloc(d, "instance '%s': an epilogue needs a kernel whose last parameter is its "
                     "output tensor", symbol);
    return false;
  }
  E.out = E.kernel->params[E.kernel->nparams - 1];
  if (!epi_check_signature(&E))
    return false;
  if (ir_block_any(&E.kernel->body, epi_stmt_reads_out, E.out)) {
    diag_error_noloc(d, "instance '%s': kernel '%s' reads its output '%s', so an epilogue cannot be "
                     "applied to its stores", symbol, kernel, E.out->name);
    return false;
  }
  epi_add_params(&E, 2, E.kernel->nparams - 1, -1);
  epi_rewrite_block(&E, &E.kernel->body);
  return true;
}

/* ---- rewriting ----------------------------------------------------------------- */

static void pro_rewrite_operand(ir_expr **operand, void *E);

/* Replaces every load of E->out in *slot's tree by PRO(offset, extra...). */
static void pro_rewrite_expr(epi_ctx *E, ir_expr **slot) {
  ir_expr *e = *slot;
  if (!e)
    return;
  ir_expr_each_operand(e, pro_rewrite_operand, E);
  if (e->kind == IR_LOAD && e->load.var == E->out)
    *slot = epi_call(E, NULL, e->load.offset);
}

static void pro_rewrite_operand(ir_expr **operand, void *E) { pro_rewrite_expr(E, operand); }

/* Every load of E->out in the expressions s evaluates itself. */
static void pro_rewrite_loads(epi_ctx *E, ir_stmt *s) {
  switch (s->kind) {
  case IR_DECL: pro_rewrite_expr(E, &s->decl.init); break;
  case IR_ASSIGN: pro_rewrite_expr(E, &s->assign.value); break;
  case IR_STORE:
    pro_rewrite_expr(E, &s->store.offset);
    pro_rewrite_expr(E, &s->store.value);
    break;
  case IR_IF: pro_rewrite_expr(E, &s->if_.cond); break;
  case IR_FOR:
    pro_rewrite_expr(E, &s->for_.start);
    pro_rewrite_expr(E, &s->for_.cond);
    pro_rewrite_expr(E, &s->for_.step);
    break;
  case IR_WHILE: pro_rewrite_expr(E, &s->while_.cond); break;
  case IR_RETURN: pro_rewrite_expr(E, &s->ret.value); break;
  case IR_EVAL: pro_rewrite_expr(E, &s->eval.expr); break;
  default: break;
  }
}

/* An epilogue wraps the value of each store to E->out; a prologue
 * replaces each load of E->out. Then the statements nested in s. */
static void epi_rewrite_stmt(epi_ctx *E, ir_stmt *s) {
  if (E->prologue)
    pro_rewrite_loads(E, s);
  else if (s->kind == IR_STORE && s->store.var == E->out)
    s->store.value = epi_call(E, s->store.value, s->store.offset);
  const ir_block *bodies[2];
  int n = ir_stmt_bodies(s, bodies);
  for (int i = 0; i < n; i++)
    epi_rewrite_block(E, (ir_block *)bodies[i]);
}

static void epi_rewrite_block(epi_ctx *E, ir_block *b) {
  for (int i = 0; i < b->len; i++)
    epi_rewrite_stmt(E, b->stmts[i]);
}

/* The input appears other than as the tensor of a load (passed to a
 * function, stored to, or an element passed by address: a cp_async or
 * vcopy copies its raw memory, an atomic updates it): its loads cannot all
 * be seen here, or one would become the address of a call. */
static bool pro_other_use(const ir_expr *e, void *ctx) {
  if (e->kind == IR_CALL && e->call.fn != IR_FN_USER) {
    int by_address = builtin_addr_args(ir_fn_builtin(e->call.fn));
    for (int i = 0; i < by_address && i < e->call.nargs; i++)
      if (e->call.args[i]->kind == IR_LOAD && e->call.args[i]->load.var == ctx)
        return true;
  }
  return e->kind == IR_VARREF && e->var == ctx;
}

static bool pro_stmt_other_use(const ir_stmt *s, void *ctx) {
  return (s->kind == IR_STORE && s->store.var == ctx) || ir_stmt_expr_any(s, pro_other_use, ctx);
}

bool prologue_apply(arena *a, diag_ctx *d, ir_program *ir, const char *symbol, const char *kernel,
                    int input, const char *function) {
  epi_ctx E = {.a = a, .d = d, .symbol = symbol, .prologue = true};
  bool skip;
  if (!epi_begin(&E, ir, kernel, function, &skip))
    return skip;
  if (input < 0 || input >= E.kernel->nparams - 1 || !epi_is_tensor(E.kernel->params[input])) {
    diag_error_noloc(d, "instance '%s': a prologue's parameter must be an input tensor of kernel "
                     "'%s' (0 to %d, not its output)", symbol, kernel, E.kernel->nparams - 2);
    return false;
  }
  E.out = E.kernel->params[input]; /* the tensor whose loads are replaced */
  if (!epi_check_signature(&E))
    return false;
  if (ir_block_any(&E.kernel->body, pro_stmt_other_use, E.out)) {
    diag_error_noloc(d, "instance '%s': kernel '%s' uses its input '%s' other than by loading "
                     "elements, so a prologue cannot replace its loads", symbol, kernel,
                     E.out->name);
    return false;
  }
  epi_add_params(&E, 1, input, input);
  epi_rewrite_block(&E, &E.kernel->body);
  return true;
}
