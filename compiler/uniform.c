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
 * their taint settles, and only the final walk reports. */
#include <string.h>

#include "builtins.h"
#include "sema.h"

typedef struct uni {
  diag_ctx *d;
  int64_t block[3]; /* -1 when unknown */
  bool report;
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

static void uni_divergent_barrier(uni *u, const ast_node *call, const char *name, const ast_node *cause) {
  if (!u->report)
    return;
  char text[64];
  const char *why = cause->kind == AST_RETURN || cause->kind == AST_BREAK || cause->kind == AST_CONTINUE
                        ? "some threads leave early at" : "the condition";
  diag_error(u->d, call->span,
             "barrier %s() is under control flow that depends on the thread index (%s '%s')", name,
             why, uni_text(u, cause, text, sizeof text));
  diag_note(u->d, cause->span, "this differs between the threads of a block; every thread must reach %s()",
            name);
}

static bool uni_call(uni *u, const ast_node *e, const ast_node *cause) {
  bool dep = false;
  for (int i = 0; i < e->call.args.len; i++) {
    const ast_node *a = e->call.args.items[i];
    dep |= uni_expr(u, a->kind == AST_KWARG ? a->kwarg.value : a, cause);
  }
  const ast_node *callee = e->call.callee;
  /* A collective (syncthreads, a shuffle) must be reached by every thread. */
  if (uni_is_builtin(callee, BF_COLLECTIVE)) {
    if (cause)
      uni_divergent_barrier(u, e, callee->sym->name, cause);
    return uni_is_builtin(callee, BF_VARYING);
  }
  /* A device function may read threadIdx or return an atomic's result:
   * its value is taken to differ between threads. */
  bool user = callee->kind == AST_NAME && callee->sym && callee->sym->kind == SYM_FUNC;
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
    return uni_expr(u, e->binary.rhs, cause) || l;
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

/* How many values a worker index can take, [0, n), or -1 when unknown:
 * threadIdx.a, and that divided or reduced modulo by a constant. */
static int64_t uni_worker_values(const uni *u, const ast_node *w) {
  if (w->kind == AST_MEMBER && uni_builtin(w->member.base) &&
      uni_builtin(w->member.base)->id == BI_THREADIDX) {
    int axis = w->member.name[0] - 'x';
    return axis >= 0 && axis < 3 ? u->block[axis] : -1;
  }
  if (w->kind == AST_BINARY && (w->binary.op == AST_OP_DIV || w->binary.op == AST_OP_MOD) &&
      w->binary.rhs->cval && w->binary.rhs->cval->kind == VAL_INT && w->binary.rhs->cval->i > 0) {
    int64_t n = uni_worker_values(u, w->binary.lhs), c = w->binary.rhs->cval->i;
    if (n < 0)
      return -1;
    return w->binary.op == AST_OP_DIV ? (n + c - 1) / c : (n < c ? n : c);
  }
  return -1;
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
  case AST_ITER_MAPPING:
    vars_dep = uni_expr(u, n->for_.worker, cause);
    if (vars_dep && !inner) {
      int64_t values = uni_worker_values(u, n->for_.worker);
      if (values < 0 || n->for_.map->workers < values)
        inner = n->for_.iter; /* threads past the last worker skip the loop */
    }
    break;
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
    if (uni_expr(u, n->var.init, cause) || (cause && n->var.init))
      uni_taint(u, n->sym);
    return;
  case AST_ASSIGN: {
    bool dep = uni_expr(u, n->assign.value, cause);
    uni_expr(u, n->assign.target, cause);
    symbol *root = uni_root(n->assign.target);
    if (root && (root->kind == SYM_VAR) && (dep || cause))
      uni_taint(u, root);
    return;
  }
  case AST_EXPR_STMT: uni_expr(u, n->expr_stmt.expr, cause); return;
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

void uniform_check_kernel(diag_ctx *d, ast_node *kernel, const int64_t block[3]) {
  uni u = {.d = d, .block = {block[0], block[1], block[2]}, .report = true};
  uni_block(&u, kernel->func.body, NULL);
}
