/* ir_unswitch.c: the `unswitch` pass (CUDA): loop unswitching. A loop whose
 * body chooses between two paths by a condition that is the same in every
 * iteration runs the choice once, before the loop, and each path gets its
 * own copy of the loop:
 *
 *   for (...) { ... if (c) {A} else {B} ... }
 *     =>  if (c) { for (...) { ... A ... } } else { for (...) { ... B ... } }
 *
 * Each copy then holds only its path, which nvcc schedules (and registers
 * allocates) alone: matmul_f16's main loop, whose `if aligned` chooses
 * between cp.async and element-wise copies, becomes one loop of cp.async
 * copies and one of element copies. The pass runs before `strength`, which
 * then sees each copy.
 *
 * Which `if`. The first, in statement order, of the body of a rolled or
 * unrolled `for` (at any depth in its `if`s and blocks, not inside a loop
 * nested in it) whose condition is loop-invariant: it reads only constants,
 * thread and block indices, and scalars declared before the loop that the
 * loop does not assign; no load, no call. The condition is then evaluated
 * before the loop even when the loop runs no iteration or the `if` is not
 * reached, so it must not trap: a division, a modulo or a shift needs a
 * constant right operand (a nonzero divisor other than -1).
 *
 * Barriers and collectives. When the loop contains a syncthreads, a
 * shuffle, a vote, mma, ldmatrix, cp_async_commit/wait or a call of a
 * device function (which may hold one), every thread of the block (or
 * warp) must reach them together; both copies keep every one, so that
 * holds if all threads take the same copy. The condition must then be
 * block-uniform: built from constants, blockIdx, blockDim, gridDim, a
 * kernel's scalar parameters and immutable `let`s of those (through
 * ir_var.value). A thread-varying condition (threadIdx, a load) leaves such
 * a loop alone.
 *
 * Size. A loop is unswitched at most once, only when its body holds at
 * most US_MAX_STMTS statements, and nothing inside either copy is
 * unswitched again (the pass visits outer loops first and does not enter a
 * loop it rewrote), so the code grows by at most one copy of each such
 * loop.
 *
 * The copy. The `then` copy is the loop itself, the `if` replaced by the
 * statements of its `then` block; the `else` copy is a deep copy, the `if`
 * replaced by the copies of its `else` block's statements, in which every
 * variable declared in the loop (its counter, the `let`s and `var`s and
 * counters of its body) is a fresh ir_var with a fresh name (NAME_2,
 * NAME_3...: unique in the function, as ir_lower.c made every name), its
 * value and every reference remapped. The spliced statements keep their
 * unique names, so they can join the enclosing block's scope. */
#include <string.h>

#include "passes.h"
#include "reserved.h"

/* The most statements (at any depth) of a loop's body that is unswitched. */
enum { US_MAX_STMTS = 256 };

typedef struct us_pass {
  arena *a;
  const ir_program *p;
  ir_func *f;
  /* For the loop being looked at: */
  const ir_stmt *loop;
  bool *inside;    /* inside[id]: declared in the loop (its counter too) */
  bool *assigned;  /* assigned[id]: assigned in the loop */
  ir_var **map;    /* the copy's variable of each variable declared inside */
  int cap;         /* of the three arrays */
  int nvars;       /* the function's variables before the copy */
  const ir_stmt *target; /* the `if` being unswitched */
} us_pass;

/* ---- fresh variables ---- */

static bool us_name_taken(const us_pass *U, const char *name) {
  if (reserved_var_name(name))
    return true;
  for (int i = 0; i < U->f->nvars; i++)
    if (strcmp(U->f->vars[i]->name, name) == 0)
      return true;
  for (int i = 0; i < U->p->nfuncs; i++)
    if (strcmp(U->p->funcs[i]->name, name) == 0)
      return true;
  return false;
}

/* NAME_2, NAME_3...: a digit suffix keeps a lowered name's safe shape
 * (lw_safe_base in ir_lower.c). */
static const char *us_name(us_pass *U, const char *base) {
  size_t len = strlen(base);
  const char *sep = len && base[len - 1] == '_' ? "" : "_";
  const char *name = arena_printf(U->a, "%s%s%d", base, sep, 2);
  for (int n = 3; us_name_taken(U, name); n++)
    name = arena_printf(U->a, "%s%s%d", base, sep, n);
  return name;
}

static ir_var *us_new_var(us_pass *U, const ir_var *old) {
  ir_func *f = U->f;
  ir_var *v = arena_alloc(U->a, sizeof *v);
  *v = *old;
  v->name = us_name(U, old->name);
  v->value = NULL; /* set once every variable of the loop has its copy */
  ir_func_add_var(U->a, f, v);
  return v;
}

/* ---- the deep copy ---- */

static ir_expr *us_expr(us_pass *U, const ir_expr *e);

/* The copy's variable: a fresh one, made at its first use, for a variable
 * declared in the loop (its value refers to variables declared before it,
 * which get theirs first). */
static ir_var *us_var(us_pass *U, ir_var *v) {
  if (v->id >= U->nvars || !U->inside[v->id])
    return v;
  if (!U->map[v->id]) {
    U->map[v->id] = us_new_var(U, v);
    U->map[v->id]->value = us_expr(U, v->value);
  }
  return U->map[v->id];
}

static void us_operand(ir_expr **operand, void *U) { *operand = us_expr(U, *operand); }

static ir_expr *us_expr(us_pass *U, const ir_expr *e) {
  if (!e)
    return NULL;
  ir_expr *n = ir_expr_shallow_copy(U->a, e);
  if (e->kind == IR_VARREF)
    n->var = us_var(U, e->var);
  else if (e->kind == IR_LOAD)
    n->load.var = us_var(U, e->load.var);
  ir_expr_each_operand(n, us_operand, U);
  return n;
}

static ir_stmt *us_stmt(us_pass *U, const ir_stmt *s);

/* A copy of b; the `if` being unswitched becomes the copies of the
 * statements of its `else` block. */
static ir_block us_block(us_pass *U, const ir_block *b) {
  ir_block out = {0};
  for (int i = 0; i < b->len; i++) {
    const ir_stmt *s = b->stmts[i];
    if (s != U->target) {
      ir_block_push(U->a, &out, us_stmt(U, s));
      continue;
    }
    for (int k = 0; k < s->if_.els.len; k++)
      ir_block_push(U->a, &out, us_stmt(U, s->if_.els.stmts[k]));
  }
  return out;
}

/* The loop's statements are checked (us_copyable) before it is copied. */
static ir_stmt *us_stmt(us_pass *U, const ir_stmt *s) {
  ir_stmt *n = arena_alloc(U->a, sizeof *n);
  *n = *s;
  switch (s->kind) {
  case IR_DECL:
    n->decl.var = us_var(U, s->decl.var);
    n->decl.init = us_expr(U, s->decl.init);
    break;
  case IR_ASSIGN:
    n->assign.var = us_var(U, s->assign.var);
    n->assign.value = us_expr(U, s->assign.value);
    break;
  case IR_STORE:
    n->store.var = us_var(U, s->store.var);
    n->store.offset = us_expr(U, s->store.offset);
    n->store.value = us_expr(U, s->store.value);
    break;
  case IR_IF:
    n->if_.cond = us_expr(U, s->if_.cond);
    n->if_.then = us_block(U, &s->if_.then);
    n->if_.els = us_block(U, &s->if_.els);
    break;
  case IR_FOR:
    n->for_.var = us_var(U, s->for_.var);
    n->for_.start = us_expr(U, s->for_.start);
    n->for_.cond = us_expr(U, s->for_.cond);
    n->for_.step = us_expr(U, s->for_.step);
    n->for_.body = us_block(U, &s->for_.body);
    break;
  case IR_WHILE:
    n->while_.cond = us_expr(U, s->while_.cond);
    n->while_.body = us_block(U, &s->while_.body);
    break;
  case IR_RETURN: n->ret.value = us_expr(U, s->ret.value); break;
  case IR_EVAL: n->eval.expr = us_expr(U, s->eval.expr); break;
  case IR_BLOCK: n->block = us_block(U, &s->block); break;
  case IR_BREAK: case IR_CONTINUE: case IR_BARRIER: case IR_NOTE: case IR_ERROR: break;
  case IR_THREAD_LOOP: case IR_XCHG_OFFER: break; /* host only: refused by us_copyable */
  }
  return n;
}

/* ---- what the loop holds ---- */

typedef struct us_scan {
  us_pass *U;
  int stmts;
  bool collective; /* a barrier, a collective builtin or a device function's call */
  bool refused;    /* something the copy cannot hold */
} us_scan;

static bool us_collective_expr(const ir_expr *e, void *ctx) {
  (void)ctx;
  return e->kind == IR_CALL &&
         (e->call.fn == IR_FN_USER || builtin_has(ir_fn_builtin(e->call.fn), BF_COLLECTIVE));
}

static bool us_scan_stmt(const ir_stmt *s, void *ctx) {
  us_scan *sc = ctx;
  us_pass *U = sc->U;
  sc->stmts++;
  switch (s->kind) {
  case IR_DECL:
    U->inside[s->decl.var->id] = true;
    if (s->decl.var->kind == IR_VAR_SHARED) /* one array per block: not copied */
      sc->refused = true;
    break;
  case IR_FOR: U->inside[s->for_.var->id] = true; break;
  case IR_ASSIGN: U->assigned[s->assign.var->id] = true; break;
  case IR_BARRIER: sc->collective = true; break;
  case IR_THREAD_LOOP: case IR_XCHG_OFFER: sc->refused = true; break;
  default: break;
  }
  if (ir_stmt_expr_any(s, us_collective_expr, NULL))
    sc->collective = true;
  return false;
}

/* ---- which conditions ---- */

/* A division, modulo or shift that may trap (or be undefined) when it is
 * evaluated where the source did not evaluate it. */
static bool us_may_trap(const ir_expr *e) {
  if (e->kind != IR_BINARY)
    return false;
  const ir_expr *y = e->op.b;
  switch (e->op.op) {
  case IR_OP_DIV: case IR_OP_MOD:
    if (y->kind != IR_CONST)
      return true;
    return type_is_int(y->ty) && (y->cst.i == 0 || y->cst.i == -1);
  case IR_OP_SHL: case IR_OP_SHR: return y->kind != IR_CONST;
  default: return false;
  }
}

/* Not the same value in every iteration of the loop, or unsafe to
 * evaluate before it. */
static bool us_not_invariant(const ir_expr *e, void *ctx) {
  const us_pass *U = ctx;
  if (e->kind == IR_LOAD || e->kind == IR_CALL || e->kind == IR_XCHG_READ || us_may_trap(e))
    return true;
  if (e->kind != IR_VARREF)
    return false;
  const ir_var *v = e->var;
  if (v->kind != IR_VAR_SCALAR && v->kind != IR_VAR_PARAM)
    return true;
  return v == U->loop->for_.var || U->inside[v->id] || U->assigned[v->id];
}

/* The same value in every thread of the block: constants, block indices
 * and sizes, a kernel's scalar parameters, and immutable `let`s of those. */
static bool us_uniform(const ir_func *f, const ir_expr *e, int depth);

typedef struct us_uctx {
  const ir_func *f;
  int depth;
} us_uctx;

static bool us_not_uniform(const ir_expr *e, void *ctx) {
  const us_uctx *u = ctx;
  switch (e->kind) {
  case IR_CONST: case IR_UNARY: case IR_BINARY: case IR_CAST: case IR_SELECT: return false;
  case IR_SPECIAL: return e->special <= IR_THREAD_Z;
  case IR_VARREF: {
    const ir_var *v = e->var;
    if (v->mutable_)
      return true;
    if (v->kind == IR_VAR_PARAM)
      return !u->f->is_kernel || v->ty->kind == TY_TENSOR;
    return v->kind != IR_VAR_SCALAR || !v->value || !us_uniform(u->f, v->value, u->depth + 1);
  }
  default: return true;
  }
}

static bool us_uniform(const ir_func *f, const ir_expr *e, int depth) {
  us_uctx u = {f, depth};
  return depth <= 16 && !ir_expr_any(e, us_not_uniform, &u);
}

typedef struct us_find {
  us_pass *U;
  bool need_uniform;
} us_find;

/* The first `if` of b (through `if`s and blocks, not loops) to unswitch. */
static const ir_stmt *us_find_if(const us_find *F, const ir_block *b) {
  for (int i = 0; i < b->len; i++) {
    const ir_stmt *s = b->stmts[i];
    if (s->kind == IR_FOR || s->kind == IR_WHILE)
      continue;
    if (s->kind == IR_IF && s->if_.cond->kind != IR_CONST && !ir_expr_any(s->if_.cond, us_not_invariant, F->U) &&
        (!F->need_uniform || us_uniform(F->U->f, s->if_.cond, 0)))
      return s;
    const ir_block *nb[2];
    int m = ir_stmt_bodies(s, nb);
    for (int k = 0; k < m; k++) {
      const ir_stmt *t = us_find_if(F, nb[k]);
      if (t)
        return t;
    }
  }
  return NULL;
}

/* ---- the rewrite ---- */

/* Replaces statement target, somewhere in b, by the statements of with. */
static bool us_splice(us_pass *U, ir_block *b, const ir_stmt *target, const ir_block *with) {
  for (int i = 0; i < b->len; i++) {
    ir_stmt *s = b->stmts[i];
    if (s == target) {
      int len = b->len - 1 + with->len;
      ir_stmt **stmts = arena_alloc(U->a, (size_t)(len ? len : 1) * sizeof *stmts);
      memcpy(stmts, b->stmts, (size_t)i * sizeof *stmts);
      if (with->len)
        memcpy(stmts + i, with->stmts, (size_t)with->len * sizeof *stmts);
      memcpy(stmts + i + with->len, b->stmts + i + 1, (size_t)(b->len - i - 1) * sizeof *stmts);
      b->stmts = stmts;
      b->len = b->cap = len;
      return true;
    }
    const ir_block *nb[2];
    int m = ir_stmt_bodies(s, nb);
    for (int k = 0; k < m; k++)
      if (us_splice(U, (ir_block *)nb[k], target, with))
        return true;
  }
  return false;
}

static void us_grow(us_pass *U) {
  if (U->f->nvars <= U->cap)
    return;
  U->cap = 2 * U->f->nvars;
  U->inside = arena_alloc(U->a, (size_t)U->cap * sizeof *U->inside);
  U->assigned = arena_alloc(U->a, (size_t)U->cap * sizeof *U->assigned);
  U->map = arena_alloc(U->a, (size_t)U->cap * sizeof *U->map);
}

/* Loop s unswitched: the `if` that replaces it, or NULL. */
static ir_stmt *us_loop(us_pass *U, ir_stmt *s) {
  us_grow(U);
  int nvars = U->f->nvars;
  memset(U->inside, 0, (size_t)nvars * sizeof *U->inside);
  memset(U->assigned, 0, (size_t)nvars * sizeof *U->assigned);
  U->loop = s;
  us_scan sc = {.U = U};
  ir_block_any(&s->for_.body, us_scan_stmt, &sc);
  if (sc.refused || sc.stmts > US_MAX_STMTS)
    return NULL;
  us_find F = {U, sc.collective};
  const ir_stmt *target = us_find_if(&F, &s->for_.body);
  if (!target)
    return NULL;

  /* The else copy, with fresh variables; then the loop itself becomes the
   * then copy. */
  U->inside[s->for_.var->id] = true;
  memset(U->map, 0, (size_t)nvars * sizeof *U->map);
  U->nvars = nvars;
  U->target = target;
  ir_stmt *copy = us_stmt(U, s);
  us_splice(U, &s->for_.body, target, &target->if_.then);

  ir_stmt *r = arena_alloc(U->a, sizeof *r);
  r->kind = IR_IF;
  r->where = s->where;
  r->if_.cond = target->if_.cond;
  ir_block_push(U->a, &r->if_.then, s);
  ir_block_push(U->a, &r->if_.els, copy);
  return r;
}

/* Outer loops first; a rewritten loop's copies are not entered. */
static void us_walk(us_pass *U, ir_block *b) {
  for (int i = 0; i < b->len; i++) {
    ir_stmt *s = b->stmts[i];
    if (s->kind == IR_FOR) {
      ir_stmt *r = us_loop(U, s);
      if (r) {
        b->stmts[i] = r;
        continue;
      }
    }
    const ir_block *nb[2];
    int m = ir_stmt_bodies(s, nb);
    for (int k = 0; k < m; k++)
      us_walk(U, (ir_block *)nb[k]);
  }
}

void ir_pass_unswitch(pass_ctx *c, ir_program *p) {
  for (int i = 0; i < p->nfuncs; i++) {
    us_pass U = {.a = c->a, .p = p, .f = p->funcs[i]};
    us_walk(&U, &U.f->body);
  }
}
