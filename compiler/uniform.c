/* uniform.c: barrier uniformity.
 *
 * In CUDA, a __syncthreads() that some threads of a block skip is undefined
 * behaviour (a hang, or silent corruption), and a warp shuffle that some
 * lanes skip reads garbage. hdtc rejects both at compile time. This is also
 * what makes the host target's thread-loop fission well defined: every
 * barrier is reached by all threads the same number of times.
 *
 * The analysis is a taint walk over a typed kernel body. A value is
 * thread-dependent when it derives from threadIdx, from a shuffle or an
 * atomic result, from a local (per-thread) tensor, or from a variable
 * assigned such a value or assigned under thread-dependent control flow.
 * Control flow is divergent under an if/while whose condition, or a range
 * loop whose bounds, are thread-dependent; under a mapping loop over a
 * thread-dependent worker when the mapping has fewer workers than the
 * worker index can take values (lowering guards it); after a return taken
 * under divergent control flow (for the rest of the kernel); in a loop with
 * a divergent break (the whole loop: threads leave it at different
 * iterations); and after a divergent continue (for the rest of that
 * iteration only: every thread starts the next one). Loops are walked until
 * their taint settles, and only the final walk reports. `a && b`, `a || b`
 * and `if c { a } else { b }` are control flow too: b (and a) run only in
 * the threads that reach them, so they diverge when a (or c) does.
 *
 * A mapping loop's worker index gets an interval from threadIdx, constants
 * and the `let`s it is computed from (uni_range). When the interval shows
 * that every thread passes the loop's guard (w < workers), the loop is
 * uniform; when it shows that some tasks are never reached (fewer values
 * than workers) or that the index can be negative, the loop is an error.
 *
 * Collective functions. A device function that calls syncthreads() or a
 * shuffle, directly or through a callee (uniform_collectives, a fixed point
 * over the call edges sema records), is collective: a call of it is checked
 * like a barrier, with a note at the call inside it, and is a statement of
 * its own (lowering inlines it there, ir_lower.c), its only return is its
 * last statement and it is not recursive. In its body the rules are those
 * of a kernel, with its parameters counted as thread-dependent.
 *
 * Also rejected here, because no target can run them: a shuffle in a while
 * condition (each thread evaluates it once per iteration it makes) and a
 * shuffle in a block whose size is not a multiple of the warp size (the
 * shuffles use the full-warp mask). */
#include <stdlib.h>
#include <string.h>

#include "builtins.h"
#include "sema.h"

typedef struct uni {
  diag_ctx *d;
  int64_t block[3]; /* -1 when unknown */
  int64_t threads;  /* their product, -1 when unknown */
  int warp;
  bool report;
  bool in_while_cond;
  const ast_node *whole_call; /* the call that is its statement's whole value */
  bool changed;               /* a symbol became thread-dependent in this walk */
  const ast_node *exit_cause; /* a divergent return: the rest of the kernel diverges */
  const ast_node *jump_cause; /* a divergent break in the current loop */
  const ast_node *cont_cause; /* a divergent continue: the rest of the iteration diverges */
} uni;

static bool uni_expr(uni *u, const ast_node *e, const ast_node *cause);
static void uni_block(uni *u, const ast_node *n, const ast_node *cause);

/* The builtin n names, or NULL. */
static const builtin_info *uni_builtin(const ast_node *n) {
  return n->kind == AST_NAME && n->sym && n->sym->kind == SYM_BUILTIN
             ? builtin_get((builtin_id)n->sym->builtin) : NULL;
}

/* A collective of the warp rather than the block: a shuffle, or a
 * tensor-core operation (which the host runs as shuffles, ir_mma.c). */
static bool uni_warp_wide(const builtin_info *b) {
  return b->sig == BS_SHUFFLE || b->sig == BS_MMA || b->sig == BS_LDMATRIX;
}

/* n names a builtin with every flag in flags. */
static bool uni_is_builtin(const ast_node *n, unsigned flags) {
  const builtin_info *b = uni_builtin(n);
  return b && (b->flags & flags) == flags;
}

static void uni_taint(uni *u, symbol *sym) {
  if (sym && !sym->thread_dependent) {
    sym->thread_dependent = true;
    u->changed = true;
  }
}

/* The source text of a condition, for the message (cut when long). */
static const char *uni_text(uni *u, const ast_node *n, char *buf, size_t size) {
  const source_file *f = diag_source(u->d, n->span.file);
  uint32_t len = n->span.end - n->span.begin;
  if (!f || n->span.end > f->len)
    return "?";
  if (len > size - 4)
    snprintf(buf, size, "%.*s...", (int)(size - 4), f->text + n->span.begin);
  else
    snprintf(buf, size, "%.*s", (int)len, f->text + n->span.begin);
  for (char *c = buf; *c; c++)
    if (*c == '\n' || *c == '\t')
      *c = ' ';
  return buf;
}

static void uni_divergent_barrier(uni *u, const ast_node *call, const char *what, const char *name,
                                  const ast_node *cause) {
  char text[64];
  const char *why = cause->kind == AST_RETURN || cause->kind == AST_BREAK || cause->kind == AST_CONTINUE
                        ? "some threads leave early at" : "the condition";
  diag_error(u->d, call->span,
             "%s %s() is under control flow that depends on the thread index (%s '%s')", what, name,
             why, uni_text(u, cause, text, sizeof text));
  diag_note(u->d, cause->span, "this differs between the threads of a block; every thread must reach %s()",
            name);
}

/* The note that says where a collective function synchronizes. */
static void uni_site_note(uni *u, const symbol *fn, const ast_node *site) {
  diag_note(u->d, site->span, "'%s' is collective: it calls %s() here", fn->name,
            site->call.callee->sym->name);
}

/* The checks of a call that reaches a barrier or a shuffle: fn is the
 * collective function it calls, NULL for the builtins themselves. */
static void uni_collective_call(uni *u, const ast_node *e, const symbol *fn, bool shuffle,
                                bool whole, const ast_node *cause) {
  const char *name = e->call.callee->sym->name;
  const char *what = fn ? "call of collective function" : "barrier";
  const ast_node *site = fn ? (fn->barrier_site ? fn->barrier_site : fn->shuffle_site) : NULL;
  if (u->in_while_cond) {
    diag_error(u->d, e->span, "%s() in a while condition: each thread evaluates it once per iteration it "
               "makes; compute it in the loop body into a variable", name);
  } else if (cause) {
    uni_divergent_barrier(u, e, what, name, cause);
    if (fn)
      uni_site_note(u, fn, site);
  } else if (fn && !whole) {
    diag_error(u->d, e->span, "a call of collective function %s() must be a statement of its own: "
               "'%s(...);', 'let x = %s(...);' or 'x = %s(...);'", name, name, name, name);
    uni_site_note(u, fn, site);
  }
  if (shuffle && u->threads > 0 && u->threads % u->warp != 0) {
    const builtin_info *b = fn ? NULL : uni_builtin(e->call.callee);
    const char *what_it = fn ? "makes a shuffle" : b->sig == BS_SHUFFLE ? "is a shuffle" : "is a warp-wide operation";
    diag_error(u->d, e->span, "%s() %s, which needs whole warps, but the block has %lld threads, "
               "not a multiple of the warp size %d", name, what_it, (long long)u->threads, u->warp);
    if (fn)
      uni_site_note(u, fn, fn->shuffle_site);
  }
}

static bool uni_call(uni *u, const ast_node *e, const ast_node *cause) {
  bool whole = u->whole_call == e;
  u->whole_call = NULL;
  bool dep = false;
  for (int i = 0; i < e->call.args.len; i++) {
    const ast_node *a = e->call.args.items[i];
    dep |= uni_expr(u, a->kind == AST_KWARG ? a->kwarg.value : a, cause);
  }
  const ast_node *callee = e->call.callee;
  /* A collective (syncthreads, a shuffle) must be reached by every thread. */
  if (uni_is_builtin(callee, BF_COLLECTIVE)) {
    if (u->report)
      uni_collective_call(u, e, NULL, uni_warp_wide(uni_builtin(callee)), true, cause);
    return uni_is_builtin(callee, BF_VARYING);
  }
  /* A device function may read threadIdx or return an atomic's result:
   * its value is taken to differ between threads. */
  bool user = callee->kind == AST_NAME && callee->sym && callee->sym->kind == SYM_FUNC;
  if (user && u->report && (callee->sym->barrier_site || callee->sym->shuffle_site))
    uni_collective_call(u, e, callee->sym, callee->sym->shuffle_site != NULL, whole, cause);
  return dep || user || uni_is_builtin(callee, BF_VARYING);
}

static bool uni_expr(uni *u, const ast_node *e, const ast_node *cause) {
  if (!e)
    return false;
  switch (e->kind) {
  case AST_NAME: return e->sym && e->sym->thread_dependent;
  case AST_MEMBER:
    return uni_is_builtin(e->member.base, BF_VARYING) || uni_expr(u, e->member.base, cause);
  case AST_INDEX: {
    bool dep = uni_expr(u, e->index.base, cause);
    for (int i = 0; i < e->index.indices.len; i++)
      dep |= uni_expr(u, e->index.indices.items[i], cause);
    const ast_node *b = e->index.base;
    return dep || (b->kind == AST_NAME && b->sym && b->sym->kind == SYM_LOCAL);
  }
  case AST_CALL: return uni_call(u, e, cause);
  case AST_UNARY: return uni_expr(u, e->unary.operand, cause);
  case AST_BINARY: {
    bool l = uni_expr(u, e->binary.lhs, cause);
    /* the right operand of && and || runs only where the left one says */
    bool branch = e->binary.op == AST_OP_LAND || e->binary.op == AST_OP_LOR;
    const ast_node *inner = cause ? cause : branch && l ? e->binary.lhs : NULL;
    return uni_expr(u, e->binary.rhs, inner) || l;
  }
  case AST_CAST: return uni_expr(u, e->cast.expr, cause);
  case AST_IF_EXPR: {
    bool c = uni_expr(u, e->if_expr.cond, cause);
    const ast_node *inner = cause ? cause : c ? e->if_expr.cond : NULL;
    bool a = uni_expr(u, e->if_expr.then, inner);
    return uni_expr(u, e->if_expr.els, inner) || a || c;
  }
  default: return false;
  }
}

static symbol *uni_root(const ast_node *target) {
  while (target->kind == AST_INDEX)
    target = target->index.base;
  return target->kind == AST_NAME ? target->sym : NULL;
}

/* Walks a loop body until no new variable becomes thread-dependent, then
 * once more with reporting on (if it was on). */
static void uni_loop(uni *u, const ast_node *body, const ast_node *cause) {
  bool report = u->report;
  const ast_node *outer_jump = u->jump_cause, *outer_cont = u->cont_cause;
  u->report = false;
  for (int i = 0; i < 8; i++) {
    u->changed = false;
    u->jump_cause = NULL;
    u->cont_cause = NULL;
    uni_block(u, body, cause);
    const ast_node *c = cause ? cause : u->jump_cause;
    if (c != cause) {
      u->changed = false;
      u->cont_cause = NULL;
      uni_block(u, body, c); /* iterations after a divergent break diverge */
    }
    if (!u->changed)
      break;
  }
  u->report = report;
  u->jump_cause = NULL;
  u->cont_cause = NULL;
  uni_block(u, body, cause);
  if (!cause && u->jump_cause) {
    u->cont_cause = NULL;
    uni_block(u, body, u->jump_cause);
  }
  u->jump_cause = outer_jump;
  u->cont_cause = outer_cont;
}

/* An interval that holds every value of the integer expression w, from
 * constants, threadIdx (with a known block), the `let`s w reads and
 * + - * / % & >> with constants; false when there is none. */
static bool uni_range(const uni *u, const ast_node *w, int64_t *lo, int64_t *hi, int depth) {
  const int64_t big = (int64_t)1 << 40; /* past this, no interval: no overflow to reason about */
  if (depth > 32)
    return false;
  if (w->cval && w->cval->kind == VAL_INT) {
    *lo = *hi = w->cval->i;
    return *lo > -big && *lo < big;
  }
  if (w->kind == AST_MEMBER && uni_builtin(w->member.base) && uni_builtin(w->member.base)->id == BI_THREADIDX) {
    int axis = w->member.name[0] - 'x';
    if (axis < 0 || axis > 2 || u->block[axis] < 1)
      return false;
    *lo = 0, *hi = u->block[axis] - 1;
    return true;
  }
  if (w->kind == AST_NAME && w->sym && w->sym->kind == SYM_LET && w->sym->decl &&
      w->sym->decl->kind == AST_VAR && w->sym->decl->var.init)
    return uni_range(u, w->sym->decl->var.init, lo, hi, depth + 1);
  if (w->kind == AST_CAST && w->ty && type_is_int(w->ty) && type_bits(w->ty) >= 32)
    return uni_range(u, w->cast.expr, lo, hi, depth + 1);
  if (w->kind == AST_UNARY && w->unary.op == AST_OP_NEG) {
    int64_t a, b;
    if (!uni_range(u, w->unary.operand, &a, &b, depth + 1))
      return false;
    *lo = -b, *hi = -a;
    return true;
  }
  if (w->kind != AST_BINARY)
    return false;
  int64_t a, b, c, d;
  if (!uni_range(u, w->binary.lhs, &a, &b, depth + 1) || !uni_range(u, w->binary.rhs, &c, &d, depth + 1))
    return false;
  switch (w->binary.op) {
  case AST_OP_ADD: *lo = a + c, *hi = b + d; break;
  case AST_OP_SUB: *lo = a - d, *hi = b - c; break;
  case AST_OP_MUL: {
    int64_t p[4] = {a * c, a * d, b * c, b * d};
    *lo = *hi = p[0];
    for (int i = 1; i < 4; i++) {
      *lo = p[i] < *lo ? p[i] : *lo;
      *hi = p[i] > *hi ? p[i] : *hi;
    }
    break;
  }
  case AST_OP_DIV: /* truncating division by a positive constant is monotonic */
    if (c != d || c <= 0)
      return false;
    *lo = a / c, *hi = b / c;
    break;
  case AST_OP_MOD:
    if (c != d || c <= 0)
      return false;
    if (a >= 0 && b < c)
      *lo = a, *hi = b;
    else
      *lo = a >= 0 ? 0 : a > -(c - 1) ? a : -(c - 1), *hi = b < 0 ? 0 : b < c - 1 ? b : c - 1;
    break;
  case AST_OP_BAND:
    if (c != d || c < 0 || a < 0)
      return false;
    *lo = 0, *hi = b < c ? b : c;
    break;
  case AST_OP_SHR:
    if (c != d || c < 0 || c > 62 || a < 0)
      return false;
    *lo = a >> c, *hi = b >> c;
    break;
  default: return false;
  }
  return *lo > -big && *lo < big && *hi > -big && *hi < big;
}

/* A mapping loop whose worker index ranges over [lo, hi]: negative indices
 * give negative task coordinates, and workers past hi are never run. */
static void uni_check_workers(uni *u, const ast_node *n, int64_t lo, int64_t hi) {
  char text[64];
  const ast_node *w = n->for_.worker;
  int64_t workers = n->for_.map->workers;
  if (lo < 0)
    diag_error(u->d, w->span, "worker index '%s' can be negative (it ranges over %lld..%lld): "
               "its tasks would have negative coordinates", uni_text(u, w, text, sizeof text),
               (long long)lo, (long long)hi);
  else if (hi + 1 < workers)
    diag_error(u->d, w->span, "worker index '%s' takes at most %lld values (0..%lld) but the mapping has "
               "%lld workers: the tasks of workers %lld..%lld would never run",
               uni_text(u, w, text, sizeof text), (long long)(hi + 1), (long long)hi, (long long)workers,
               (long long)(hi + 1), (long long)(workers - 1));
}

static void uni_for(uni *u, const ast_node *n, const ast_node *cause) {
  const ast_node *inner = cause;
  bool vars_dep = false;
  switch (n->for_.iter_kind) {
  case AST_ITER_RANGE: {
    bool dep = uni_expr(u, n->for_.start, cause) | uni_expr(u, n->for_.stop, cause) |
               uni_expr(u, n->for_.step, cause);
    if (dep && !inner)
      inner = n->for_.iter;
    vars_dep = dep;
    break;
  }
  case AST_ITER_MAPPING: {
    vars_dep = uni_expr(u, n->for_.worker, cause);
    int64_t lo, hi;
    bool known = n->for_.map && uni_range(u, n->for_.worker, &lo, &hi, 0);
    if (known && u->report)
      uni_check_workers(u, n, lo, hi);
    /* Threads whose index fails the guard (w < workers) skip the loop; when
     * the range shows that none does, every thread runs it. */
    if (vars_dep && !inner && (!known || !n->for_.map || hi >= n->for_.map->workers))
      inner = n->for_.iter;
    break;
  }
  default: break;
  }
  for (int i = 0; i < n->for_.vars.len; i++)
    if (vars_dep || inner)
      uni_taint(u, n->for_.vars.items[i]->sym);
  uni_loop(u, n->for_.body, inner);
}

static bool uni_has_jump(const ast_node *n, ast_kind kind) {
  if (!n)
    return false;
  switch (n->kind) {
  case AST_BLOCK:
    for (int i = 0; i < n->block.stmts.len; i++)
      if (uni_has_jump(n->block.stmts.items[i], kind))
        return true;
    return false;
  case AST_IF: return uni_has_jump(n->if_.then, kind) || uni_has_jump(n->if_.els, kind);
  case AST_FOR:
  case AST_WHILE: /* a nested loop owns its break and continue */
    return kind == AST_RETURN &&
           uni_has_jump(n->kind == AST_FOR ? n->for_.body : n->while_.body, kind);
  default: return n->kind == kind;
  }
}

static void uni_stmt(uni *u, const ast_node *n, const ast_node *cause) {
  switch (n->kind) {
  case AST_VAR:
    u->whole_call = n->var.init; /* `let x = f(...);` may call a collective f */
    if (uni_expr(u, n->var.init, cause) || (cause && n->var.init))
      uni_taint(u, n->sym);
    u->whole_call = NULL;
    return;
  case AST_ASSIGN: {
    u->whole_call = n->assign.value;
    bool dep = uni_expr(u, n->assign.value, cause);
    u->whole_call = NULL;
    uni_expr(u, n->assign.target, cause);
    symbol *root = uni_root(n->assign.target);
    if (root && (root->kind == SYM_VAR) && (dep || cause))
      uni_taint(u, root);
    return;
  }
  case AST_EXPR_STMT:
    u->whole_call = n->expr_stmt.expr;
    uni_expr(u, n->expr_stmt.expr, cause);
    u->whole_call = NULL;
    return;
  case AST_IF: {
    bool dep = uni_expr(u, n->if_.cond, cause);
    const ast_node *inner = cause ? cause : dep ? n->if_.cond : NULL;
    uni_block(u, n->if_.then, inner);
    if (n->if_.els)
      uni_block(u, n->if_.els, inner);
    if (inner && !cause) {
      if (!u->exit_cause && (uni_has_jump(n->if_.then, AST_RETURN) || uni_has_jump(n->if_.els, AST_RETURN)))
        u->exit_cause = n->if_.cond;
      if (!u->jump_cause && (uni_has_jump(n->if_.then, AST_BREAK) || uni_has_jump(n->if_.els, AST_BREAK)))
        u->jump_cause = n->if_.cond;
      if (!u->cont_cause && (uni_has_jump(n->if_.then, AST_CONTINUE) || uni_has_jump(n->if_.els, AST_CONTINUE)))
        u->cont_cause = n->if_.cond;
    }
    return;
  }
  case AST_FOR: uni_for(u, n, cause); return;
  case AST_WHILE: {
    /* The condition is re-evaluated each iteration, after the body: settle
     * the body's taint silently first, then walk it once for real. */
    bool report = u->report;
    u->report = false;
    uni_loop(u, n->while_.body, cause);
    bool dep = uni_expr(u, n->while_.cond, cause);
    u->report = report;
    u->in_while_cond = true; /* now for the reports */
    uni_expr(u, n->while_.cond, cause);
    u->in_while_cond = false;
    uni_loop(u, n->while_.body, cause ? cause : dep ? n->while_.cond : NULL);
    return;
  }
  case AST_RETURN: uni_expr(u, n->ret.value, cause); return;
  case AST_BLOCK: uni_block(u, n, cause); return;
  default: return;
  }
}

/* The cause in force for the next statement: the enclosing one, else a
 * divergent return earlier in the kernel, else a divergent continue earlier
 * in this iteration. */
static const ast_node *uni_cause(const uni *u, const ast_node *cause) {
  return cause ? cause : u->exit_cause ? u->exit_cause : u->cont_cause;
}

static void uni_block(uni *u, const ast_node *n, const ast_node *cause) {
  if (n->kind != AST_BLOCK) {
    uni_stmt(u, n, uni_cause(u, cause));
    return;
  }
  for (int i = 0; i < n->block.stmts.len; i++)
    uni_stmt(u, n->block.stmts.items[i], uni_cause(u, cause));
}

/* A collective function is inlined at its call sites: its only return is
 * its last statement. */
static void uni_early_returns(uni *u, const ast_node *n, const ast_node *last) {
  if (!n)
    return;
  switch (n->kind) {
  case AST_BLOCK:
    for (int i = 0; i < n->block.stmts.len; i++)
      uni_early_returns(u, n->block.stmts.items[i], last);
    return;
  case AST_IF: uni_early_returns(u, n->if_.then, last); uni_early_returns(u, n->if_.els, last); return;
  case AST_FOR: uni_early_returns(u, n->for_.body, last); return;
  case AST_WHILE: uni_early_returns(u, n->while_.body, last); return;
  case AST_RETURN:
    if (n != last)
      diag_error(u->d, n->span, "a collective function (it calls syncthreads() or a shuffle) may return "
                 "only at its end: it is inlined where it is called");
    return;
  default: return;
  }
}

void uniform_check_func(diag_ctx *d, const hdt_target *tg, ast_node *f, const int64_t block[3]) {
  uni u = {.d = d, .block = {block[0], block[1], block[2]}, .warp = tg->warp_size, .report = true};
  u.threads = block[0] > 0 && block[1] > 0 && block[2] > 0 ? block[0] * block[1] * block[2] : -1;
  if (!f->func.is_kernel) {
    /* its arguments may differ between threads */
    for (int i = 0; i < f->func.params.len; i++)
      uni_taint(&u, f->func.params.items[i]->sym);
    if (f->sym->barrier_site || f->sym->shuffle_site) {
      const ast_list *st = &f->func.body->block.stmts;
      uni_early_returns(&u, f->func.body, st->len ? st->items[st->len - 1] : NULL);
    }
  }
  uni_block(&u, f->func.body, NULL);
}

/* Whether callee reaches target through calls (seen: the edges walked). */
static bool uni_reaches(const uni_edge *edges, int n, bool *seen, const symbol *from, const symbol *target) {
  for (int i = 0; i < n; i++) {
    if (edges[i].caller != from || seen[i])
      continue;
    seen[i] = true;
    if (edges[i].callee == target || uni_reaches(edges, n, seen, edges[i].callee, target))
      return true;
  }
  return false;
}

void uniform_collectives(diag_ctx *d, const uni_edge *edges, int n) {
  for (bool changed = true; changed;) {
    changed = false;
    for (int i = 0; i < n; i++) {
      symbol *caller = edges[i].caller, *callee = edges[i].callee;
      if (callee->barrier_site && !caller->barrier_site)
        caller->barrier_site = edges[i].call, changed = true;
      if (callee->shuffle_site && !caller->shuffle_site)
        caller->shuffle_site = edges[i].call, changed = true;
    }
  }
  bool *seen = calloc(n > 0 ? (size_t)n : 1, sizeof *seen);
  for (int i = 0; i < n && seen; i++) {
    const symbol *caller = edges[i].caller, *callee = edges[i].callee;
    if (!callee->barrier_site && !callee->shuffle_site)
      continue;
    memset(seen, 0, (size_t)n * sizeof *seen);
    if (callee == caller || uni_reaches(edges, n, seen, callee, caller))
      diag_error(d, edges[i].call->span, "collective function '%s' (it calls syncthreads() or a shuffle) is "
                 "called recursively: it is inlined where it is called, so it cannot recurse", callee->name);
  }
  free(seen);
}
