/* sema_stmt.c: statements: assignments, variable declarations, the three
 * kinds of for loop, return and blocks (see sema.c for the design).
 *
 * Statements track what the uniformity and lowering stages need later: which
 * tensor parameters are written, the loop depth, distributed local tensors. */
#include "sema_impl.h"

#include <stdlib.h>
#include <string.h>

#include "builtins.h"

/* ---- statements ---- */

static const char *sema_shape_text(sema *s, const int64_t *shape, int rank) {
  char buf[256];
  size_t used = 0;
  buf[used++] = '[';
  for (int i = 0; i < rank && used < sizeof buf - 32; i++)
    used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%lld", i ? ", " : "", (long long)shape[i]);
  snprintf(buf + used, sizeof buf - used, "]");
  return arena_strdup(s->a, buf);
}


static void sema_stmt(sema *s, ast_node *n);

void sema_mark_written(ast_node *target) {
  while (target->kind == AST_INDEX)
    target = target->index.base;
  if (target->kind == AST_NAME && target->sym)
    target->sym->written = true;
}

static const char *sema_readonly_reason(const symbol *sym) {
  /* A name whose declaration was already reported (an unknown type) is
   * not known to be a scalar parameter: no second error about it. */
  if (!sym->ty || sema_is_error(sym->ty))
    return NULL;
  switch (sym->kind) {
  case SYM_CONST: return "a constant";
  case SYM_GENERIC: return "a generic parameter";
  case SYM_PARAM: return sym->ty->kind == TY_TENSOR ? NULL : "a parameter (parameters are read-only)";
  case SYM_LET: return "a 'let' binding (declare it with 'var' to assign it)";
  case SYM_LOOP: return "a loop variable";
  case SYM_FUNC: return "a function";
  case SYM_BUILTIN: return "a builtin";
  default: return NULL;
  }
}

static void sema_assign(sema *s, ast_node *n) {
  ast_node *target = n->assign.target;
  type *tt = sema_expr(s, target, NULL);
  ast_node *root = target;
  while (root->kind == AST_INDEX)
    root = root->index.base;
  if (root->kind == AST_NAME && root->sym) {
    const char *why = sema_readonly_reason(root->sym);
    if (why && (target == root || root->sym->ty->kind != TY_TENSOR)) {
      diag_error(s->d, target->span, "cannot assign to '%s': it is %s", root->sym->name, why);
      if (root->sym->decl)
        diag_note(s->d, root->sym->decl->span, "'%s' is declared here", root->sym->name);
      tt = sema_error_type();
    }
  } else if (!sema_is_error(tt)) {
    diag_error(s->d, target->span, "the left side of an assignment must be a variable or a tensor element");
    tt = sema_error_type();
  }
  if (!sema_is_error(tt) && tt->kind == TY_TENSOR) {
    diag_error(s->d, target->span, "a whole tensor cannot be assigned; assign its elements");
    tt = sema_error_type();
  }
  type *vt = sema_expr(s, n->assign.value, sema_is_error(tt) ? NULL : tt);
  if (sema_is_error(tt) || sema_is_error(vt))
    return;
  if (n->assign.op != AST_OP_ASSIGN) {
    bool int_only = sema_is_bitwise(n->assign.op) || n->assign.op == AST_OP_MOD;
    if (!type_is_numeric(tt) || (int_only && !type_is_int(tt))) {
      diag_error(s->d, n->span, "operator '%s=' cannot update %s", ast_op_text(n->assign.op),
                 type_name(s->a, tt));
      return;
    }
  }
  sema_coerce(s, n->assign.value, tt, "assignment");
  sema_mark_written(target);
}

/* A thread's local tensors live in registers (spilling to local memory): a
 * distributed one holds the thread's tasks, another its whole shape. Their
 * sum in a function is limited by the target (max_local_bytes, target.c). */
static void sema_check_local_bytes(sema *s, ast_node *n, const type *t, const mapping *dist) {
  const hdt_target *tg = s->opt->target ? s->opt->target : target_default();
  int64_t elem = type_bits(t->elem) / 8 ? type_bits(t->elem) / 8 : 1;
  int64_t count = dist ? map_tasks_per_worker(dist) : type_size_bytes(t) / elem;
  if (count < 0)
    return;
  int64_t bytes = count * elem; /* fits: sema_type checked the whole shape */
  if (bytes > tg->max_local_bytes) {
    diag_error(s->d, n->span, "local tensor '%s' takes %lld elements (%lld bytes) per thread, over the "
               "target's limit of %lld bytes of local tensors per thread",
               n->var.name, (long long)count, (long long)bytes, (long long)tg->max_local_bytes);
    return;
  }
  if (s->local_bytes <= tg->max_local_bytes && s->local_bytes + bytes > tg->max_local_bytes)
    diag_error(s->d, n->span, "local tensor '%s' brings this function's local tensors to %lld bytes per "
               "thread, over the target's limit of %lld bytes",
               n->var.name, (long long)(s->local_bytes + bytes), (long long)tg->max_local_bytes);
  s->local_bytes += bytes;
}

/* ---- clauses: swizzle(B, M, S), unroll(N) ---- */

bool sema_clause_ints(sema *s, ast_node *clause, int n, int64_t *out) {
  const char *name = clause->launch.name;
  const ast_list *args = &clause->launch.args;
  if (args->len != n) {
    diag_error(s->d, clause->span, "%s() takes %d argument%s, not %d", name, n, n == 1 ? "" : "s", args->len);
    return false;
  }
  bool ok = true;
  for (int i = 0; i < n; i++) {
    ast_node *e = args->items[i];
    if (e->kind == AST_KWARG) {
      diag_error(s->d, e->span, "%s() takes no keyword arguments", name);
      ok = false;
      continue;
    }
    value *v = sema_const_expr(s, e, type_scalar(TY_I32), arena_printf(s->a, "the argument of %s()", name));
    if (v && v->kind != VAL_INT) {
      diag_error(s->d, e->span, "the argument of %s() must be an integer, not %s", name, type_name(s->a, e->ty));
      v = NULL;
    }
    ok &= v != NULL;
    out[i] = v ? v->i : 0;
  }
  return ok;
}

/* A clause that is not the one a construct takes, or is given twice. */
static bool sema_clause_known(sema *s, ast_node *clause, const char *want, const char *where, bool *seen) {
  if (strcmp(clause->launch.name, want) != 0) {
    diag_error(s->d, clause->span, "unknown clause '%s'; %s takes %s(...)", clause->launch.name, where, want);
    return false;
  }
  if (*seen) {
    diag_error(s->d, clause->span, "'%s' is given twice", want);
    return false;
  }
  *seen = true;
  return true;
}

/* swizzle(B, M, S) after a shared tensor's type: checked, and recorded on
 * a copy of the type (the layout is the tensor's, not its element type's). */
static type *sema_swizzle(sema *s, ast_node *n, type *t) {
  bool seen = false;
  for (int i = 0; i < n->var.clauses.len; i++) {
    ast_node *c = n->var.clauses.items[i];
    int64_t v[3];
    if (!sema_clause_known(s, c, "swizzle", "a shared declaration", &seen) || !sema_clause_ints(s, c, 3, v) ||
        !t || sema_is_error(t))
      continue;
    if (t->kind != TY_TENSOR) {
      diag_error(s->d, c->span, "swizzle() applies to a shared tensor, not to %s", type_name(s->a, t));
      continue;
    }
    static const char *const names[3] = {"B (bits)", "M (base)", "S (shift)"};
    bool ok = true;
    for (int k = 0; k < 3 && ok; k++)
      if (v[k] < 0 || v[k] > 30) {
        diag_error(s->d, c->launch.args.items[k]->span, "swizzle %s must be in [0, 30], not %lld", names[k],
                   (long long)v[k]);
        ok = false;
      }
    if (!ok)
      continue;
    if (v[0] + v[1] + v[2] > 30) {
      diag_error(s->d, c->span,
                 "swizzle(%lld, %lld, %lld) reaches bit %lld of the offset; B + M + S must be at most 30",
                 (long long)v[0], (long long)v[1], (long long)v[2], (long long)(v[0] + v[1] + v[2]));
      continue;
    }
    if (v[2] < v[0]) {
      diag_error(s->d, c->launch.args.items[2]->span, "swizzle S (shift) must be at least B (bits), %lld: "
                 "the bits read and the bits changed would overlap", (long long)v[0]);
      continue;
    }
    int64_t len = 1, period = (int64_t)1 << (v[0] + v[1] + v[2]);
    for (int k = 0; k < t->rank; k++)
      len *= t->const_dims[k];
    if (len % period != 0) {
      diag_error(s->d, c->span, "swizzle(%lld, %lld, %lld) permutes runs of %lld elements, but '%s' has %lld; "
                 "its length must be a multiple of 2^(B + M + S)", (long long)v[0], (long long)v[1],
                 (long long)v[2], (long long)period, n->var.name, (long long)len);
      continue;
    }
    type *st = arena_alloc(s->a, sizeof *st);
    *st = *t;
    st->swizzled = true;
    st->swz_bits = (int)v[0];
    st->swz_base = (int)v[1];
    st->swz_shift = (int)v[2];
    t = st;
  }
  return t;
}

/* unroll(N) before a loop's body: N >= 1 (1 keeps it rolled). */
static void sema_unroll(sema *s, ast_node *n) {
  bool seen = false;
  for (int i = 0; i < n->for_.clauses.len; i++) {
    ast_node *c = n->for_.clauses.items[i];
    int64_t v;
    if (!sema_clause_known(s, c, "unroll", "a for loop", &seen) || !sema_clause_ints(s, c, 1, &v))
      continue;
    if (v < 1 || v > INT32_MAX)
      diag_error(s->d, c->launch.args.items[0]->span, "unroll() takes a positive count, not %lld", (long long)v);
    else if (n->for_.iter_kind == AST_ITER_LIST)
      diag_error(s->d, c->span, "a loop over a constant list is always unrolled; unroll() applies to "
                 "range(...) and m.on(worker) loops");
    else
      n->for_.unroll = (int)v;
  }
}

static void sema_var(sema *s, ast_node *n) {
  ast_var_kind kind = n->var.kind;
  bool tensor_decl = kind == AST_VAR_SHARED || kind == AST_VAR_LOCAL;
  type *t = NULL;
  if (n->var.type)
    t = sema_type(s, n->var.type, kind == AST_VAR_SHARED ? SPACE_SHARED : SPACE_LOCAL);
  if (t && t->kind == TY_TENSOR) {
    mem_space want = kind == AST_VAR_SHARED ? SPACE_SHARED : SPACE_LOCAL;
    if (!tensor_decl) {
      diag_error(s->d, n->span, "tensors are declared with 'shared' or 'local', not '%s'",
                 kind == AST_VAR_LET ? "let" : "var");
      t = sema_error_type();
    } else if (t->space != want) {
      diag_error(s->d, n->var.type->span, "a '%s' declaration cannot have a %s type",
                 kind == AST_VAR_SHARED ? "shared" : "local", t->space == SPACE_GLOBAL ? "global" : "differently placed");
      t = sema_error_type();
    }
  }
  if (n->var.clauses.len)
    t = sema_swizzle(s, n, t);
  if (kind == AST_VAR_SHARED) {
    if (!s->func || !s->func->func.is_kernel)
      diag_error(s->d, n->span, "shared memory can be declared only in a kernel");
    else if (t && !sema_is_error(t)) {
      int64_t bytes = type_size_bytes(t); /* a shared scalar is one element */
      if (bytes > 0)
        s->shared_bytes += bytes;
    }
  }
  value *dist = NULL;
  if (n->var.by) {
    dist = sema_const_expr(s, n->var.by, NULL, "the mapping of a distributed tensor");
    if (dist && dist->kind != VAL_MAPPING) {
      diag_error(s->d, n->var.by->span, "'by' takes a task mapping");
      dist = NULL;
    }
    if (dist && t && t->kind == TY_TENSOR) {
      bool same = t->rank == dist->map->rank;
      for (int i = 0; same && i < t->rank; i++)
        same = t->const_dims[i] == dist->map->shape[i];
      if (!same) {
        diag_error(s->d, n->var.type->span, "the shape of '%s' must be the task shape of its mapping, %s",
                   n->var.name, sema_shape_text(s, dist->map->shape, dist->map->rank));
        dist = NULL;
      }
    }
  }
  if (n->var.init) {
    if (tensor_decl && t && t->kind == TY_TENSOR) {
      diag_error(s->d, n->var.init->span, "a tensor cannot be initialised in its declaration; assign its elements");
    } else {
      type *it = sema_expr(s, n->var.init, t);
      if (!t)
        t = sema_settle(s, n->var.init);
      else if (!sema_is_error(it))
        sema_coerce(s, n->var.init, t, "initializer");
      if (!sema_is_error(t) && (t->kind == TY_LIST || t->kind == TY_STRING || t->kind == TY_FUNC ||
                                t->kind == TY_DIM3 || t->kind == TY_VOID)) {
        diag_error(s->d, n->var.init->span, "a variable cannot hold a %s", type_name(s->a, t));
        t = sema_error_type();
      }
      if (t->kind == TY_MAPPING && kind != AST_VAR_LET) {
        diag_error(s->d, n->span, "a task mapping is a constant; bind it with 'let' or 'const'");
      }
    }
  } else if (!t) {
    diag_error(s->d, n->span, "'%s' needs a type or an initial value", n->var.name);
    t = sema_error_type();
  }
  if (!t)
    t = sema_error_type();
  sym_kind sk = kind == AST_VAR_LET ? SYM_LET : kind == AST_VAR_VAR ? SYM_VAR
                : kind == AST_VAR_SHARED ? SYM_SHARED : SYM_LOCAL;
  symbol *sym = sema_declare(s, sk, n->var.name, t, n);
  if (kind == AST_VAR_LET && n->var.init)
    sym->val = n->var.init->cval;
  if (dist)
    sym->dist = dist->map;
  if (kind == AST_VAR_LOCAL && t->kind == TY_TENSOR)
    sema_check_local_bytes(s, n, t, sym->dist);
}

static void sema_condition(sema *s, ast_node *cond, const char *what) {
  type *t = sema_expr(s, cond, type_scalar(TY_BOOL));
  if (!sema_is_error(t) && t->kind != TY_BOOL)
    diag_error(s->d, cond->span, "the condition of %s must be bool, not %s%s", what,
               type_name(s->a, t), type_is_numeric(t) ? " (compare it with '!= 0')" : "");
}

/* for i in range(stop) / range(start, stop) / range(start, stop, step) */
static bool sema_for_range(sema *s, ast_node *n, ast_node *call) {
  const char *range = builtin_get(BI_RANGE)->name;
  call_args ca = sema_split_args(s, call, range, false);
  if (!ca.ok || !sema_arity(s, call, range, ca.npos, 1, 3))
    return false;
  type *types[3];
  for (int i = 0; i < ca.npos; i++) {
    types[i] = sema_expr(s, ca.pos[i], NULL);
    if (sema_is_error(types[i]))
      return false;
    if (!type_is_int(types[i])) {
      diag_error(s->d, ca.pos[i]->span, "%s() takes integers, not %s", range, type_name(s->a, types[i]));
      return false;
    }
  }
  type *common = types[0];
  for (int i = 1; i < ca.npos && common; i++)
    common = type_common(common, types[i]);
  if (!common) {
    diag_error(s->d, call->span, "the arguments of %s() have different integer types", range);
    return false;
  }
  common = type_default(common, 0);
  for (int i = 0; i < ca.npos; i++)
    sema_coerce(s, ca.pos[i], common, arena_printf(s->a, "%s() argument", range));
  n->for_.start = ca.npos > 1 ? ca.pos[0] : NULL;
  n->for_.stop = ca.npos > 1 ? ca.pos[1] : ca.pos[0];
  n->for_.step = ca.npos > 2 ? ca.pos[2] : NULL;
  if (n->for_.step && n->for_.step->cval && n->for_.step->cval->i == 0) {
    diag_error(s->d, n->for_.step->span, "%s() step must not be zero", range);
    return false;
  }
  if (n->for_.vars.len != 1) {
    diag_error(s->d, n->for_.vars.items[1]->span, "a range loop has one variable, not %d", n->for_.vars.len);
    return false;
  }
  n->for_.iter_kind = AST_ITER_RANGE;
  symbol *v = sema_declare(s, SYM_LOOP, n->for_.vars.items[0]->name.name, common, n->for_.vars.items[0]);
  v->loop = n;
  n->for_.vars.items[0]->ty = common;
  return true;
}

/* for i, j in m.on(worker) */
static bool sema_for_mapping(sema *s, ast_node *n, ast_node *call) {
  ast_node *mexpr = call->call.callee->member.base;
  type *mt = sema_expr(s, mexpr, NULL);
  if (sema_is_error(mt))
    return false;
  if (mt->kind != TY_MAPPING || !mexpr->cval) {
    diag_error(s->d, mexpr->span, "'.on' iterates a task mapping, not %s", type_name(s->a, mt));
    return false;
  }
  if (call->call.args.len != 1 || call->call.args.items[0]->kind == AST_KWARG) {
    diag_error(s->d, call->span, "'.on' takes one worker index, such as threadIdx.x");
    return false;
  }
  ast_node *w = call->call.args.items[0];
  type *wt = sema_expr(s, w, type_scalar(TY_I32));
  if (sema_is_error(wt))
    return false;
  if (!type_is_int(wt)) {
    diag_error(s->d, w->span, "a worker index must be an integer, not %s", type_name(s->a, wt));
    return false;
  }
  sema_coerce(s, w, type_scalar(TY_I32), "worker index");
  const mapping *m = mexpr->cval->map;
  if (n->for_.vars.len != m->rank) {
    diag_error(s->d, n->span, "the mapping has %d dimension%s but the loop binds %d variable%s",
               m->rank, m->rank == 1 ? "" : "s", n->for_.vars.len, n->for_.vars.len == 1 ? "" : "s");
    return false;
  }
  bool is_tid = w->kind == AST_MEMBER && strcmp(w->member.name, "x") == 0 &&
                sema_is_builtin(w->member.base, BI_THREADIDX);
  if (is_tid && s->block_threads > 0 && s->block_rank == 1 && m->workers > s->block_threads) {
    diag_error(s->d, call->span, "the mapping has %lld workers but the block has only %lld threads",
               (long long)m->workers, (long long)s->block_threads);
    return false;
  }
  n->for_.iter_kind = AST_ITER_MAPPING;
  n->for_.map = m;
  n->for_.worker = w;
  for (int i = 0; i < n->for_.vars.len; i++) {
    ast_node *v = n->for_.vars.items[i];
    symbol *sym = sema_declare(s, SYM_LOOP, v->name.name, type_scalar(TY_I32), v);
    sym->loop = n;
    sym->loop_dim = i;
    v->ty = sym->ty;
  }
  return true;
}

/* for x in [16, 8, 4, 2, 1]: unrolled over a constant list */
static bool sema_for_list(sema *s, ast_node *n) {
  const value *l = n->for_.iter->cval;
  if (n->for_.vars.len != 1) {
    diag_error(s->d, n->span, "a loop over a list has one variable");
    return false;
  }
  type *t = type_scalar(TY_I32);
  for (int i = 0; i < l->len; i++)
    if (l->items[i].kind != VAL_INT || !type_int_fits(t, l->items[i].i)) {
      diag_error(s->d, n->for_.iter->span, "a loop over a list takes i32 constants");
      return false;
    }
  n->for_.iter_kind = AST_ITER_LIST;
  symbol *v = sema_declare(s, SYM_LOOP, n->for_.vars.items[0]->name.name, t, n->for_.vars.items[0]);
  v->loop = n;
  n->for_.vars.items[0]->ty = t;
  return true;
}

static void sema_for(sema *s, ast_node *n) {
  ast_node *it = n->for_.iter;
  scope_push(s, false);
  bool ok;
  if (it->kind == AST_CALL && it->call.callee->kind == AST_MEMBER &&
      strcmp(it->call.callee->member.name, "on") == 0)
    ok = sema_for_mapping(s, n, it);
  else if (it->kind == AST_CALL && it->call.callee->kind == AST_NAME &&
           sema_lookup(s, it->call.callee->name.name) &&
           sema_lookup(s, it->call.callee->name.name)->kind == SYM_BUILTIN &&
           sema_lookup(s, it->call.callee->name.name)->builtin == BI_RANGE)
    ok = sema_for_range(s, n, it);
  else {
    type *t = sema_expr(s, it, NULL);
    ok = !sema_is_error(t) && t->kind == TY_LIST && it->cval;
    if (ok)
      ok = sema_for_list(s, n);
    else if (!sema_is_error(t))
      diag_error(s->d, it->span, "a for loop iterates range(...), m.on(worker) or a constant list, not %s",
                 type_name(s->a, t));
  }
  sema_unroll(s, n);
  if (!ok) /* declare the variables anyway, so the body is checked without noise */
    for (int i = 0; i < n->for_.vars.len; i++)
      if (!n->for_.vars.items[i]->sym)
        sema_declare(s, SYM_LOOP, n->for_.vars.items[i]->name.name, sema_error_type(), n->for_.vars.items[i]);
  s->loop_depth++;
  sema_block(s, n->for_.body, false);
  s->loop_depth--;
  scope_pop(s);
}

static void sema_return(sema *s, ast_node *n) {
  ast_node *f = s->func;
  type *want = f->func.ret ? f->func.ret->ty : type_scalar(TY_VOID);
  if (!n->ret.value) {
    if (want->kind != TY_VOID && !sema_is_error(want))
      diag_error(s->d, n->span, "'%s' must return a %s value", f->func.name, type_name(s->a, want));
    return;
  }
  type *t = sema_expr(s, n->ret.value, want->kind == TY_VOID ? NULL : want);
  if (want->kind == TY_VOID) {
    diag_error(s->d, n->ret.value->span, "%s '%s' returns no value", f->func.is_kernel ? "kernel" : "function",
               f->func.name);
    return;
  }
  if (!sema_is_error(t))
    sema_coerce(s, n->ret.value, want, "return value");
}

static void sema_expr_stmt(sema *s, ast_node *n) {
  ast_node *e = n->expr_stmt.expr;
  sema_expr(s, e, NULL);
  if (e->kind != AST_CALL && e->kind != AST_ERROR)
    diag_error(s->d, e->span, "this expression does nothing; only a call can stand as a statement");
}

static void sema_stmt(sema *s, ast_node *n) {
  switch (n->kind) {
  case AST_VAR: sema_var(s, n); return;
  case AST_ASSIGN: sema_assign(s, n); return;
  case AST_IF: {
    sema_condition(s, n->if_.cond, "an if");
    const value *c = n->if_.cond->cval;
    bool known = c && c->kind == VAL_BOOL;
    s->dead += known && !c->b;
    sema_block(s, n->if_.then, true);
    s->dead -= known && !c->b;
    s->dead += known && c->b;
    if (n->if_.els && n->if_.els->kind == AST_IF)
      sema_stmt(s, n->if_.els);
    else if (n->if_.els)
      sema_block(s, n->if_.els, true);
    s->dead -= known && c->b;
    return;
  }
  case AST_FOR: sema_for(s, n); return;
  case AST_WHILE:
    sema_condition(s, n->while_.cond, "a while");
    s->loop_depth++;
    sema_block(s, n->while_.body, true);
    s->loop_depth--;
    return;
  case AST_RETURN: sema_return(s, n); return;
  case AST_BREAK:
  case AST_CONTINUE:
    if (s->loop_depth == 0)
      diag_error(s->d, n->span, "'%s' outside a loop", n->kind == AST_BREAK ? "break" : "continue");
    return;
  case AST_EXPR_STMT: sema_expr_stmt(s, n); return;
  case AST_BLOCK: sema_block(s, n, true); return;
  case AST_ERROR: return;
  default:
    diag_error(s->d, n->span, "expected a statement");
    return;
  }
}

void sema_block(sema *s, ast_node *block, bool new_scope) {
  if (block->kind != AST_BLOCK) {
    sema_stmt(s, block);
    return;
  }
  if (new_scope)
    scope_push(s, false);
  for (int i = 0; i < block->block.stmts.len; i++)
    sema_stmt(s, block->block.stmts.items[i]);
  if (new_scope)
    scope_pop(s);
}
