/* ir_fission.c: the `fission` pass (host target): thread-loop fission at
 * barriers, as an IR-to-IR rewrite.
 *
 * On the GPU the T threads of a block run at once and meet at barriers. On
 * the CPU a block runs as a sequence of *phases*; a phase is an
 * IR_THREAD_LOOP that runs one stretch of the kernel for every thread in
 * turn, and a barrier is simply the end of a phase: when the next phase
 * starts, every thread has finished the last one, which is all that
 * syncthreads() promises. The pass walks each statement list of a kernel
 * and sorts its statements:
 *   - a barrier ends the current phase (it stays, as a marker);
 *   - an if/for/while/block that contains a barrier or a shuffle (or, in a
 *     loop run this way, a break/continue out of it) is run once for the
 *     whole block: its condition or bounds are thread 0's, and its bodies
 *     are sorted the same way (the "uniform" statements, after an IR_NOTE);
 *   - a break/continue of such a loop is run once for the block too;
 *   - a statement containing shuffles gets exchange phases, thread loops of
 *     IR_XCHG_OFFER, in which every thread stores the value it offers in
 *     an exchange slot (one per shuffle of the statement), and then runs
 *     with each shuffle replaced by an IR_XCHG_READ of its source lane's
 *     slot. Shuffles that do not read one another offer in the same phase;
 *     a shuffle under a select, && or || offers only where C would
 *     evaluate it (the offer's guard terms);
 *   - maximal runs of the other statements share one thread loop.
 * This is well defined because of what uniform.c proves for every kernel
 * that hdtc accepts: every syncthreads() and every shuffle is reached by
 * all threads of a block the same number of times, so the condition of an
 * if or loop that contains one is the same in every thread, and breaking
 * out of a loop with a barrier is uniform too. A `return` may be divergent,
 * but then no barrier or shuffle follows it: a thread loop that may return
 * is marked ends_block (the block ends when every thread returned). Two
 * special cases: a uniform `if` condition with side effects is evaluated
 * by every thread in a phase of its own, into a block variable hdt_cond_N;
 * a shuffle in a loop condition and a call with side effects in the bounds
 * of a uniform loop become an IR_ERROR.
 *
 * Storage (ir_var.home): a variable declared in a uniform list and used
 * outside its own thread loop lives across phases: IR_HOME_THREAD, one
 * value per thread in the block's frame. A `let` whose value is the same
 * for the whole block (parameters, blockIdx, gridDim, the counters of
 * uniform loops and other such lets) is IR_HOME_BLOCK and its declaration
 * moves before its thread loop, unless a thread may have returned earlier
 * in that loop; the counter of a uniform loop is IR_HOME_BLOCK too. */
#include <string.h>

#include "passes.h"

/* The pass over one kernel. */
typedef struct fs_guard {
  ir_expr *cond;
  bool when;
} fs_guard;

typedef struct fs_shuffle {
  const ir_expr *call;
  fs_guard *guards;
  int nguards;
} fs_shuffle;

typedef struct fs_pass {
  arena *a;
  ir_program *p;
  ir_func *f;
  const ir_block *top;  /* the kernel's original body */
  int phase;
  const char *phase_note;
  int conds;
  fs_shuffle *shfl;     /* the shuffles of the statement being split */
  int nshfl, capshfl;
} fs_pass;

typedef enum { FS_PLAIN, FS_SHUFFLE, FS_BARRIER, FS_UNIFORM, FS_JUMP } fs_class;

/* ---- what statements contain ---- */

static bool fs_is_shuffle(const ir_expr *e) {
  return e->kind == IR_CALL && e->call.fn != IR_FN_USER && builtin_is_exchange(ir_fn_builtin(e->call.fn));
}

static bool fs_pred_shuffle(const ir_expr *e, void *ctx) {
  (void)ctx;
  return fs_is_shuffle(e);
}

static bool fs_has_shuffle(const ir_expr *e) { return ir_expr_any(e, fs_pred_shuffle, NULL); }

static bool fs_own_shuffles(const ir_stmt *s) {
  return ir_stmt_expr_any(s, fs_pred_shuffle, NULL);
}

/* A barrier, or a statement that shuffles itself. */
static bool fs_syncs_here(const ir_stmt *s, void *ctx) {
  (void)ctx;
  return s->kind == IR_BARRIER || fs_own_shuffles(s);
}

/* Does the statement contain a barrier or a shuffle, anywhere? */
static bool fs_stmt_syncs(const ir_stmt *s) { return ir_stmt_any(s, fs_syncs_here, NULL); }

static bool fs_block_syncs(const ir_block *b) { return ir_block_any(b, fs_syncs_here, NULL); }

static bool fs_is_barrier(const ir_stmt *s, void *ctx) {
  (void)ctx;
  return s->kind == IR_BARRIER;
}

static bool fs_stmt_barriers(const ir_stmt *s) { return ir_stmt_any(s, fs_is_barrier, NULL); }

/* Does a break or continue leave the statement (one not owned by a loop
 * inside it)? */
static bool fs_stmt_escapes(const ir_stmt *s) {
  if (s->kind == IR_BREAK || s->kind == IR_CONTINUE)
    return true;
  if (s->kind != IR_IF && s->kind != IR_BLOCK)
    return false; /* a loop owns its jumps */
  const ir_block *b[2];
  int n = ir_stmt_bodies(s, b);
  for (int i = 0; i < n; i++)
    for (int j = 0; j < b[i]->len; j++)
      if (fs_stmt_escapes(b[i]->stmts[j]))
        return true;
  return false;
}

/* ---- side effects of functions (what must run once per thread) ---- */

/* A builtin with a side effect: an atomic, threadfence (not BF_PURE). */
static bool fs_is_builtin_effect(const ir_expr *e) {
  return e->call.fn != IR_FN_USER && !builtin_has(ir_fn_builtin(e->call.fn), BF_PURE);
}

/* A call that must run once per thread: an effect (the `written` pass
 * stored ir_func.has_effects), or a shuffle. */
static bool fs_pred_impure(const ir_expr *e, void *ctx) {
  (void)ctx;
  if (e->kind != IR_CALL)
    return false;
  if (fs_is_builtin_effect(e) || fs_is_shuffle(e))
    return true;
  return e->call.fn == IR_FN_USER && e->call.callee->has_effects;
}

static bool fs_impure(const ir_expr *e) { return ir_expr_any(e, fs_pred_impure, NULL); }

/* ---- classification and storage ---- */

static fs_class fs_classify(const ir_stmt *s, bool in_uniform_loop) {
  switch (s->kind) {
  case IR_BARRIER: return FS_BARRIER;
  case IR_BREAK:
  case IR_CONTINUE: return in_uniform_loop ? FS_JUMP : FS_PLAIN;
  default: break;
  }
  if (fs_own_shuffles(s))
    return FS_SHUFFLE;
  const ir_block *b[2];
  int n = ir_stmt_bodies(s, b);
  for (int i = 0; i < n; i++)
    if (fs_block_syncs(b[i]))
      return FS_UNIFORM;
  if (n && in_uniform_loop && fs_stmt_escapes(s))
    return FS_UNIFORM;
  return FS_PLAIN;
}

/* Classes of a list's statements, and the thread loop (run) each plain or
 * shuffle statement belongs to (-1 for the others). A shuffle statement
 * starts a run: its exchange phases come before it. */
static void fs_partition(const ir_block *b, bool in_uniform_loop, fs_class *cls, int *run) {
  int cur = -1, next = 0;
  for (int i = 0; i < b->len; i++) {
    cls[i] = fs_classify(b->stmts[i], in_uniform_loop);
    if (cls[i] == FS_SHUFFLE || (cls[i] == FS_PLAIN && cur < 0))
      cur = next++;
    else if (cls[i] != FS_PLAIN)
      cur = -1;
    run[i] = cur;
  }
}

/* The same value in every thread of the block, at any point of it:
 * constants, blockIdx, gridDim, scalar parameters (read-only) and block
 * values, combined without loads or calls with effects. */
static bool fs_invariant(const ir_expr *e) {
  switch (e->kind) {
  case IR_CONST: return true;
  case IR_SPECIAL: return e->special >= IR_BLOCK_X;
  case IR_VARREF:
    return (e->var->kind == IR_VAR_PARAM && e->var->ty->kind != TY_TENSOR) ||
           (e->var->kind != IR_VAR_PARAM && e->var->kind != IR_VAR_SHARED && e->var->home == IR_HOME_BLOCK);
  case IR_UNARY:
  case IR_CAST: return fs_invariant(e->op.a);
  case IR_BINARY: return fs_invariant(e->op.a) && fs_invariant(e->op.b);
  case IR_SELECT: return fs_invariant(e->select.c) && fs_invariant(e->select.a) && fs_invariant(e->select.b);
  case IR_CALL:
    if (e->call.fn == IR_FN_USER || fs_is_builtin_effect(e) || fs_is_shuffle(e))
      return false;
    for (int i = 0; i < e->call.nargs; i++)
      if (!fs_invariant(e->call.args[i]))
        return false;
    return true;
  default: return false;
  }
}

static bool fs_count_shuffle(const ir_expr *e, void *count) {
  *(int *)count += fs_is_shuffle(e);
  return false;
}

static void fs_plan_list(fs_pass *F, const ir_block *b, bool in_uniform_loop);

static void fs_plan_uniform(fs_pass *F, const ir_stmt *s, bool in_uniform_loop) {
  switch (s->kind) {
  case IR_IF:
    fs_plan_list(F, &s->if_.then, in_uniform_loop);
    fs_plan_list(F, &s->if_.els, in_uniform_loop);
    return;
  case IR_BLOCK: fs_plan_list(F, &s->block, in_uniform_loop); return;
  case IR_FOR:
    s->for_.var->home = IR_HOME_BLOCK; /* the loop runs once per block */
    fs_plan_list(F, &s->for_.body, true);
    return;
  case IR_WHILE: fs_plan_list(F, &s->while_.body, true); return;
  default: return;
  }
}

/* A declaration of a plain run: a block value (a block-invariant let, unless
 * a thread may have returned earlier in its thread loop: computing it
 * before the loop could do what no thread does, such as divide by zero), or
 * per-thread when a later statement outside its thread loop uses it. */
static void fs_plan_decl(const ir_block *b, int i, const int *run, bool run_returns) {
  const ir_stmt *s = b->stmts[i];
  ir_var *v = s->decl.var;
  if (!run_returns && v->kind == IR_VAR_SCALAR && !v->mutable_ && s->decl.init && fs_invariant(s->decl.init)) {
    v->home = IR_HOME_BLOCK;
    return;
  }
  for (int j = i + 1; j < b->len; j++)
    if (run[j] != run[i] && ir_stmt_refs_var(b->stmts[j], v)) {
      v->home = IR_HOME_THREAD;
      return;
    }
}

/* Decides where the variables declared in a uniform list live, and how
 * many exchange slots the kernel needs. */
static void fs_plan_list(fs_pass *F, const ir_block *b, bool in_uniform_loop) {
  int n = b->len;
  fs_class *cls = arena_alloc(F->a, (size_t)(n ? n : 1) * sizeof *cls);
  int *run = arena_alloc(F->a, (size_t)(n ? n : 1) * sizeof *run);
  fs_partition(b, in_uniform_loop, cls, run);
  bool run_returns = false;
  for (int i = 0; i < n; i++) {
    const ir_stmt *s = b->stmts[i];
    if (i == 0 || run[i] != run[i - 1])
      run_returns = false;
    if (cls[i] == FS_UNIFORM)
      fs_plan_uniform(F, s, in_uniform_loop);
    if (cls[i] != FS_PLAIN && cls[i] != FS_SHUFFLE)
      continue;
    if (cls[i] == FS_SHUFFLE) {
      int k = 0;
      ir_stmt_expr_any(s, fs_count_shuffle, &k); /* a counter: sees every expression */
      if (k > F->f->xchg_slots)
        F->f->xchg_slots = k;
    }
    if (s->kind == IR_DECL && s->decl.var->kind != IR_VAR_SHARED)
      fs_plan_decl(b, i, run, run_returns);
    run_returns |= ir_stmt_returns(s);
  }
}

/* ---- shuffles: collection, exchange phases, reads ---- */

/* Records the shuffles of e in evaluation order (operands first), each with
 * the conditions under which C evaluates it. */
typedef struct fs_guard_link {
  fs_guard g;
  const struct fs_guard_link *up;
} fs_guard_link;

static void fs_record_shuffle(fs_pass *F, const ir_expr *e, const fs_guard_link *guards) {
  if (F->nshfl == F->capshfl) {
    int cap = F->capshfl ? 2 * F->capshfl : 4;
    fs_shuffle *grown = arena_alloc(F->a, (size_t)cap * sizeof *grown);
    if (F->nshfl)
      memcpy(grown, F->shfl, (size_t)F->nshfl * sizeof *grown);
    F->shfl = grown;
    F->capshfl = cap;
  }
  fs_shuffle *sh = &F->shfl[F->nshfl++];
  sh->call = e;
  sh->nguards = 0;
  for (const fs_guard_link *l = guards; l; l = l->up)
    sh->nguards++;
  sh->guards = arena_alloc(F->a, (size_t)(sh->nguards ? sh->nguards : 1) * sizeof *sh->guards);
  int k = sh->nguards;
  for (const fs_guard_link *l = guards; l; l = l->up)
    sh->guards[--k] = l->g;
}

static void fs_collect_shuffles(fs_pass *F, const ir_expr *e, const fs_guard_link *guards) {
  if (!e)
    return;
  switch (e->kind) {
  case IR_LOAD: fs_collect_shuffles(F, e->load.offset, guards); return;
  case IR_UNARY:
  case IR_CAST: fs_collect_shuffles(F, e->op.a, guards); return;
  case IR_BINARY: {
    fs_collect_shuffles(F, e->op.a, guards);
    if (e->op.op != IR_OP_LAND && e->op.op != IR_OP_LOR) {
      fs_collect_shuffles(F, e->op.b, guards);
      return;
    }
    fs_guard_link g = {{e->op.a, e->op.op == IR_OP_LAND}, guards};
    fs_collect_shuffles(F, e->op.b, &g);
    return;
  }
  case IR_SELECT: {
    fs_collect_shuffles(F, e->select.c, guards);
    fs_guard_link g = {{e->select.c, true}, guards};
    fs_collect_shuffles(F, e->select.a, &g);
    g.g.when = false;
    fs_collect_shuffles(F, e->select.b, &g);
    return;
  }
  case IR_CALL:
    for (int i = 0; i < e->call.nargs; i++)
      fs_collect_shuffles(F, e->call.args[i], guards);
    if (fs_is_shuffle(e))
      fs_record_shuffle(F, e, guards);
    return;
  default: return;
  }
}

static int fs_shuffle_index(const fs_pass *F, const ir_expr *call) {
  for (int i = 0; i < F->nshfl; i++)
    if (F->shfl[i].call == call)
      return i;
  return -1;
}

typedef struct fs_shuffle_from {
  const fs_pass *F;
  int from;
} fs_shuffle_from;

static bool fs_is_shuffle_from(const ir_expr *e, void *ctx) {
  const fs_shuffle_from *c = ctx;
  return fs_is_shuffle(e) && fs_shuffle_index(c->F, e) >= c->from;
}

/* Does e contain a shuffle recorded at index `from` or later? */
static bool fs_uses_shuffle_from(const fs_pass *F, const ir_expr *e, int from) {
  fs_shuffle_from c = {F, from};
  return ir_expr_any(e, fs_is_shuffle_from, &c);
}

/* Can shuffle j offer its value in the same phase as shuffles [from, j)?
 * Not when its operand or guards read one of them. */
static bool fs_offers_together(const fs_pass *F, int from, int j) {
  const fs_shuffle *sh = &F->shfl[j];
  if (fs_uses_shuffle_from(F, sh->call->call.args[0], from))
    return false;
  for (int g = 0; g < sh->nguards; g++)
    if (fs_uses_shuffle_from(F, sh->guards[g].cond, from))
      return false;
  return true;
}

static bool fs_pred_recorded(const ir_expr *e, void *ctx) {
  return fs_is_shuffle(e) && fs_shuffle_index(ctx, e) >= 0;
}

/* e with every recorded shuffle replaced by the read of its exchange slot;
 * subtrees without one are shared, not copied. */
static ir_expr *fs_rewrite(fs_pass *F, ir_expr *e);

static void fs_rewrite_operand(ir_expr **operand, void *F) { *operand = fs_rewrite(F, *operand); }

static ir_expr *fs_rewrite(fs_pass *F, ir_expr *e) {
  if (!e || !ir_expr_any(e, fs_pred_recorded, F))
    return e;
  if (fs_is_shuffle(e) && fs_shuffle_index(F, e) >= 0) {
    ir_expr *r = arena_alloc(F->a, sizeof *r);
    *r = *e;
    r->kind = IR_XCHG_READ;
    r->xchg.slot = fs_shuffle_index(F, e);
    r->xchg.fn = e->call.fn;
    r->xchg.lane = e->call.nargs > 1 ? fs_rewrite(F, e->call.args[1]) : NULL; /* a vote reads the warp */
    return r;
  }
  ir_expr *r = ir_expr_shallow_copy(F->a, e);
  ir_expr_each_operand(r, fs_rewrite_operand, F);
  return r;
}

/* The statement with its own expressions rewritten (shuffle reads). */
static ir_stmt *fs_rewrite_stmt(fs_pass *F, ir_stmt *s) {
  if (!F->nshfl)
    return s;
  ir_stmt *r = ir_stmt_new(F->a, s->kind, s->where);
  *r = *s;
  switch (s->kind) {
  case IR_DECL: r->decl.init = fs_rewrite(F, s->decl.init); break;
  case IR_ASSIGN: r->assign.value = fs_rewrite(F, s->assign.value); break;
  case IR_STORE:
    r->store.offset = fs_rewrite(F, s->store.offset);
    r->store.value = fs_rewrite(F, s->store.value);
    break;
  case IR_IF: r->if_.cond = fs_rewrite(F, s->if_.cond); break;
  case IR_FOR:
    r->for_.start = fs_rewrite(F, s->for_.start);
    r->for_.cond = fs_rewrite(F, s->for_.cond);
    r->for_.step = fs_rewrite(F, s->for_.step);
    break;
  case IR_WHILE: r->while_.cond = fs_rewrite(F, s->while_.cond); break;
  case IR_RETURN: r->ret.value = fs_rewrite(F, s->ret.value); break;
  case IR_EVAL: r->eval.expr = fs_rewrite(F, s->eval.expr); break;
  default: break;
  }
  return r;
}

/* A new phase: a thread loop, numbered, with the note of why it starts. */
static ir_stmt *fs_thread_loop(fs_pass *F, span where) {
  ir_stmt *t = ir_stmt_new(F->a, IR_THREAD_LOOP, where);
  t->thread_loop.phase = ++F->phase;
  t->thread_loop.note = F->phase_note;
  F->phase_note = NULL;
  return t;
}

/* Shuffle j offers its operand, where C would evaluate the shuffle at all. */
static ir_stmt *fs_offer(fs_pass *F, int j, span where) {
  const fs_shuffle *sh = &F->shfl[j];
  ir_stmt *o = ir_stmt_new(F->a, IR_XCHG_OFFER, where);
  o->offer.slot = j;
  o->offer.fn = sh->call->call.fn;
  o->offer.ty = sh->call->call.args[0]->ty; /* a vote offers its u32 condition */
  o->offer.value = fs_rewrite(F, sh->call->call.args[0]);
  o->offer.nterms = sh->nguards;
  o->offer.terms = arena_alloc(F->a, (size_t)(sh->nguards ? sh->nguards : 1) * sizeof *o->offer.terms);
  o->offer.when = arena_alloc(F->a, (size_t)(sh->nguards ? sh->nguards : 1) * sizeof *o->offer.when);
  type *b = NULL;
  for (int g = 0; g < sh->nguards; g++) {
    ir_expr *t = fs_rewrite(F, sh->guards[g].cond);
    o->offer.terms[g] = t;
    o->offer.when[g] = sh->guards[g].when;
    b = t->ty;
    /* the conjunction, built as is (no folding): walkers see every term */
    ir_expr *term = t;
    if (!sh->guards[g].when) {
      term = arena_alloc(F->a, sizeof *term);
      term->kind = IR_UNARY, term->ty = b, term->op.op = IR_OP_NOT, term->op.a = t;
    }
    if (o->offer.guard) {
      ir_expr *both = arena_alloc(F->a, sizeof *both);
      both->kind = IR_BINARY, both->ty = b, both->op.op = IR_OP_LAND;
      both->op.a = o->offer.guard, both->op.b = term;
      term = both;
    }
    o->offer.guard = term;
  }
  return o;
}

static ir_stmt *fs_error(fs_pass *F, const char *text, span where) {
  ir_stmt *e = ir_stmt_new(F->a, IR_ERROR, where);
  e->text = text;
  return e;
}

/* The exchange phases of a statement with shuffles: every thread stores
 * the value it offers; a shuffle whose operand contains another one offers
 * in a later phase, after that one can be read. */
static void fs_exchange_phases(fs_pass *F, const ir_stmt *s, ir_block *out) {
  if ((s->kind == IR_FOR && (fs_has_shuffle(s->for_.cond) || fs_has_shuffle(s->for_.step))) ||
      s->kind == IR_WHILE) {
    /* evaluated once per iteration by each thread: the threads would have
     * to agree on the trip count, which nothing checks */
    ir_block_push(F->a, out, fs_error(F, "the host target does not support a shuffle in a loop condition", s->where));
    return;
  }
  const ir_expr *x[3];
  int nx = ir_stmt_exprs(s, x);
  for (int i = 0; i < nx; i++)
    fs_collect_shuffles(F, x[i], NULL);
  for (int from = 0, to; from < F->nshfl; from = to) {
    for (to = from + 1; to < F->nshfl && fs_offers_together(F, from, to);)
      to++;
    if (to - from == 1)
      F->phase_note = arena_printf(F->a, "every thread offers its value to %s",
                                   ir_fn_builtin(F->shfl[from].call->call.fn)->name);
    else
      F->phase_note = arena_printf(F->a, "every thread offers its values to %d shuffles", to - from);
    ir_stmt *loop = fs_thread_loop(F, s->where);
    for (int j = from; j < to; j++)
      ir_block_push(F->a, &loop->thread_loop.body, fs_offer(F, j, s->where));
    ir_block_push(F->a, out, loop);
  }
  F->phase_note = F->nshfl > 1 ? "the shuffles read the values offered" : "the shuffle reads the values offered";
}

/* ---- the block form ---- */

/* A thread loop over b->stmts[from, to), after the exchange phases of a
 * leading shuffle statement; the declarations of block values and shared
 * arrays go before it (they run nothing per thread). */
static void fs_run(fs_pass *F, const ir_block *b, int from, int to, bool shuffle_first, ir_block *out) {
  bool last = b == F->top && to == b->len; /* the end of the block follows anyway */
  if (shuffle_first)
    fs_exchange_phases(F, b->stmts[from], out);
  ir_block body = {0};
  bool returns = false;
  for (int k = from; k < to; k++) {
    ir_stmt *s = b->stmts[k];
    bool outside = s->kind == IR_DECL && (s->decl.var->kind == IR_VAR_SHARED || s->decl.var->home == IR_HOME_BLOCK);
    ir_block_push(F->a, outside ? out : &body, k == from && shuffle_first ? fs_rewrite_stmt(F, s) : s);
    returns |= ir_stmt_returns(s);
  }
  if (body.len) {
    ir_stmt *loop = fs_thread_loop(F, b->stmts[from]->where);
    loop->thread_loop.body = body;
    loop->thread_loop.ends_block = returns && !last; /* every thread returned: a uniform return */
    ir_block_push(F->a, out, loop);
  }
  F->nshfl = 0;
}

static void fs_uniform_list(fs_pass *F, const ir_block *b, bool in_uniform_loop, ir_block *out);

/* A condition of a uniform `if` that calls a function with side effects:
 * every thread evaluates it, as on the GPU (they agree on the value), into
 * a new block variable hdt_cond_N, which the `if` then reads. */
static ir_expr *fs_hoist_condition(fs_pass *F, ir_expr *cond, span where, ir_block *out) {
  ir_func *f = F->f;
  ir_var *v = arena_alloc(F->a, sizeof *v);
  v->name = arena_printf(F->a, "hdt_cond_%d", ++F->conds);
  v->kind = IR_VAR_SCALAR;
  v->ty = v->elem = cond->ty;
  v->mutable_ = true;
  v->home = IR_HOME_BLOCK;
  ir_func_add_var(F->a, f, v);
  ir_stmt *decl = ir_stmt_new(F->a, IR_DECL, where);
  decl->decl.var = v;
  decl->decl.init = ir_const_bool(F->a, false);
  ir_block_push(F->a, out, decl);
  F->phase_note = "every thread evaluates the condition (it has side effects)";
  ir_stmt *loop = fs_thread_loop(F, where);
  ir_stmt *set = ir_stmt_new(F->a, IR_ASSIGN, where);
  set->assign.var = v;
  set->assign.value = cond;
  ir_block_push(F->a, &loop->thread_loop.body, set);
  ir_block_push(F->a, out, loop);
  return ir_varref(F->a, v);
}

static bool fs_loop_bounds_impure(const ir_stmt *s) {
  if (s->kind == IR_FOR)
    return fs_impure(s->for_.start) || fs_impure(s->for_.cond) || fs_impure(s->for_.step);
  return fs_impure(s->while_.cond);
}

/* A uniform statement, run once for the block after a note that says why.
 * A branch or loop body starts after what came before the statement; after
 * it, what the last phase followed depends on the path taken, so the next
 * phase's note claims nothing. */
static void fs_uniform_stmt(fs_pass *F, const ir_stmt *s, bool in_uniform_loop, ir_block *out) {
  const char *incoming = F->phase_note;
  ir_stmt *note = ir_stmt_new(F->a, IR_NOTE, s->where);
  const char *why = fs_stmt_barriers(s) ? "it contains syncthreads()"
                    : fs_stmt_syncs(s)  ? "it contains a shuffle"
                                        : "it has a break or continue of a uniform loop";
  note->text = arena_printf(F->a, "the same for every thread (%s): run once for the block", why);
  ir_block_push(F->a, out, note);
  ir_stmt *r = ir_stmt_new(F->a, s->kind, s->where);
  *r = *s;
  switch (s->kind) {
  case IR_BLOCK:
    r->block = (ir_block){0};
    fs_uniform_list(F, &s->block, in_uniform_loop, &r->block);
    break;
  case IR_IF:
    if (fs_impure(s->if_.cond))
      r->if_.cond = fs_hoist_condition(F, s->if_.cond, s->where, out);
    r->if_.then = r->if_.els = (ir_block){0};
    fs_uniform_list(F, &s->if_.then, in_uniform_loop, &r->if_.then);
    if (s->if_.els.len) {
      F->phase_note = incoming;
      fs_uniform_list(F, &s->if_.els, in_uniform_loop, &r->if_.els);
    }
    break;
  case IR_FOR:
  case IR_WHILE:
    if (fs_loop_bounds_impure(s))
      ir_block_push(F->a, out, fs_error(F, "the host target does not support a call with side effects in the "
                                           "bounds of a loop that contains a barrier", s->where));
    if (s->kind == IR_FOR) {
      r->for_.body = (ir_block){0};
      fs_uniform_list(F, &s->for_.body, true, &r->for_.body);
    } else {
      r->while_.body = (ir_block){0};
      fs_uniform_list(F, &s->while_.body, true, &r->while_.body);
    }
    break;
  default: break;
  }
  ir_block_push(F->a, out, r);
  F->phase_note = NULL;
}

static void fs_uniform_list(fs_pass *F, const ir_block *b, bool in_uniform_loop, ir_block *out) {
  int n = b->len;
  fs_class *cls = arena_alloc(F->a, (size_t)(n ? n : 1) * sizeof *cls);
  int *run = arena_alloc(F->a, (size_t)(n ? n : 1) * sizeof *run);
  fs_partition(b, in_uniform_loop, cls, run);
  for (int i = 0; i < n;) {
    ir_stmt *s = b->stmts[i];
    switch (cls[i]) {
    case FS_BARRIER:
      ir_block_push(F->a, out, s);
      F->phase_note = "after syncthreads()";
      i++;
      break;
    case FS_JUMP:
      ir_block_push(F->a, out, s);
      i++;
      break;
    case FS_UNIFORM:
      fs_uniform_stmt(F, s, in_uniform_loop, out);
      i++;
      break;
    default: {
      int j = i + 1;
      while (j < n && run[j] == run[i])
        j++;
      fs_run(F, b, i, j, cls[i] == FS_SHUFFLE, out);
      i = j;
    }
    }
  }
}

void ir_pass_fission(pass_ctx *c, ir_program *p) {
  fs_pass F = {.a = c->a, .p = p};
  for (int i = 0; i < p->nfuncs; i++) {
    ir_func *f = p->funcs[i];
    if (!f->is_kernel || f->fissioned)
      continue;
    F.f = f;
    F.top = &f->body;
    F.phase = F.conds = 0;
    F.phase_note = NULL;
    fs_plan_list(&F, &f->body, false);
    ir_block body = {0};
    fs_uniform_list(&F, &f->body, false, &body);
    f->body = body;
    f->phases = F.phase;
    f->fissioned = true;
  }
}
