/* sema_expr.c: expressions: names, members, indexing, operators, casts,
 * lists and calls (builtins and user functions); see sema.c for the design.
 *
 * sema_expr types an expression bottom-up with the expected type passed
 * down, and folds it where its operands are constant (sema_const.c). */
#include "sema_impl.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtins.h"

/* ---- expressions ---- */

static type *sema_set(ast_node *n, type *t) {
  n->ty = t;
  return t;
}

static type *sema_int_literal(sema *s, ast_node *n, type *expect) {
  if (n->int_.value > (uint64_t)INT64_MAX) {
    diag_error(s->d, n->span, "integer literal %s is larger than the largest i64", n->int_.text);
    return sema_set(n, sema_error_type());
  }
  n->cval = value_int(s, (int64_t)n->int_.value);
  sema_set(n, type_scalar(TY_INT_LIT));
  if (expect && type_is_numeric(expect) && !type_int_fits(expect, n->cval->i))
    return n->ty; /* the context reports the misfit */
  if (expect && type_is_numeric(expect))
    sema_coerce(s, n, expect, "literal");
  return n->ty;
}

static type *sema_name(sema *s, ast_node *n) {
  symbol *sym = sema_lookup(s, n->name.name);
  if (!sym) {
    sema_unknown_name(s, n->span, "name", n->name.name);
    return sema_set(n, sema_error_type());
  }
  n->sym = sym;
  if (sym->kind == SYM_FUNC) { /* its symbol's type is what it returns */
    diag_error(s->d, n->span, "'%s' is a function, not a value: call it as %s(...)", sym->name, sym->name);
    return sema_set(n, sema_error_type());
  }
  if (sym->kind == SYM_CONST || sym->kind == SYM_GENERIC || sym->kind == SYM_LET)
    n->cval = sym->val;
  return sema_set(n, sym->ty ? sym->ty : sema_error_type());
}

bool sema_is_builtin(const ast_node *n, builtin_id id) {
  return n->kind == AST_NAME && n->sym && n->sym->kind == SYM_BUILTIN && n->sym->builtin == (int)id;
}

static type *sema_member(sema *s, ast_node *n) {
  type *bt = sema_expr(s, n->member.base, NULL);
  const char *m = n->member.name;
  if (sema_is_error(bt))
    return sema_set(n, bt);
  if (bt->kind == TY_DIM3) {
    if (strcmp(m, "x") && strcmp(m, "y") && strcmp(m, "z")) {
      diag_error(s->d, n->member.name_span, "'%s' has members x, y and z, not '%s'",
                 n->member.base->kind == AST_NAME ? n->member.base->name.name : "dim3", m);
      return sema_set(n, sema_error_type());
    }
    return sema_set(n, type_scalar(TY_I32));
  }
  if (bt->kind == TY_MAPPING) {
    const value *v = n->member.base->cval;
    if (!v || v->kind != VAL_MAPPING) {
      diag_error(s->d, n->member.base->span, "a task mapping must be a compile-time constant");
      return sema_set(n, sema_error_type());
    }
    if (strcmp(m, "workers") == 0) {
      n->cval = value_int(s, v->map->workers);
      return sema_set(n, type_scalar(TY_INT_LIT));
    }
    if (strcmp(m, "shape") == 0) {
      value *l = arena_alloc(s->a, sizeof *l);
      l->kind = VAL_LIST;
      l->len = v->map->rank;
      l->items = arena_alloc(s->a, (size_t)l->len * sizeof *l->items);
      for (int i = 0; i < l->len; i++)
        l->items[i] = (value){.kind = VAL_INT, .i = v->map->shape[i]};
      n->cval = l;
      return sema_set(n, type_scalar(TY_LIST));
    }
    if (strcmp(m, "on") == 0) {
      diag_error(s->d, n->member.name_span, "'.on' is called with a worker: m.on(threadIdx.x)");
      return sema_set(n, sema_error_type());
    }
    diag_error(s->d, n->member.name_span, "a mapping has members 'workers', 'shape' and 'on', not '%s'", m);
    return sema_set(n, sema_error_type());
  }
  if (bt->kind == TY_LIST && n->member.base->cval && strcmp(m, "len") == 0) {
    n->cval = value_int(s, n->member.base->cval->len);
    return sema_set(n, type_scalar(TY_INT_LIT));
  }
  diag_error(s->d, n->member.name_span, "%s has no member '%s'", type_name(s->a, bt), m);
  return sema_set(n, sema_error_type());
}

/* ---- indexing ---- */

/* Is index expression idx a variable of a mapping loop, and which? */
static symbol *sema_mapping_var(const ast_node *idx) {
  if (idx->kind == AST_NAME && idx->sym && idx->sym->kind == SYM_LOOP && idx->sym->loop &&
      idx->sym->loop->for_.iter_kind == AST_ITER_MAPPING)
    return idx->sym;
  return NULL;
}

static bool mapping_equal(const mapping *a, const mapping *b) {
  return memcmp(a, b, sizeof *a) == 0;
}

/* The same worker expression: the same names, constants and operators. A
 * conservative structural test (x + 1 and 1 + x differ). */
static bool sema_same_worker(const ast_node *a, const ast_node *b) {
  if (a->kind != b->kind)
    return false;
  if (a->cval && b->cval && a->cval->kind == VAL_INT && b->cval->kind == VAL_INT)
    return a->cval->i == b->cval->i;
  switch (a->kind) {
  case AST_NAME: return a->sym && a->sym == b->sym;
  case AST_MEMBER:
    return strcmp(a->member.name, b->member.name) == 0 && sema_same_worker(a->member.base, b->member.base);
  case AST_UNARY: return a->unary.op == b->unary.op && sema_same_worker(a->unary.operand, b->unary.operand);
  case AST_BINARY:
    return a->binary.op == b->binary.op && sema_same_worker(a->binary.lhs, b->binary.lhs) &&
           sema_same_worker(a->binary.rhs, b->binary.rhs);
  case AST_CAST: return a->ty == b->ty && sema_same_worker(a->cast.expr, b->cast.expr);
  default: return false;
  }
}

/* Every loop that indexes a distributed tensor must run under the worker of
 * the first one: position p of a thread's part holds the task its worker
 * owns there, so under another worker the thread would read a task that
 * belongs to someone else. */
static void sema_check_dist_worker(sema *s, symbol *tensor, const ast_node *loop) {
  const ast_node *w = loop->for_.worker;
  if (!tensor->dist_worker) {
    tensor->dist_worker = w;
    return;
  }
  if (sema_same_worker(tensor->dist_worker, w))
    return;
  diag_error(s->d, w->span, "'%s' is distributed by its mapping over the worker of the loop that "
             "first indexed it; a loop over another worker would read tasks other threads own",
             tensor->name);
  diag_note(s->d, tensor->dist_worker->span, "'%s' is first indexed in a loop over this worker", tensor->name);
}

/* A local tensor distributed by m can be indexed only as t[i, j] where i, j
 * are, in order, the variables of a loop over m, always under the same
 * worker: each thread then touches exactly the elements it owns, which
 * lowering keeps in registers. */
static void sema_check_distributed(sema *s, ast_node *n, symbol *tensor) {
  const ast_list *ix = &n->index.indices;
  for (int i = 0; i < ix->len; i++) {
    symbol *v = sema_mapping_var(ix->items[i]);
    if (!v || v->loop_dim != i || !mapping_equal(v->loop->for_.map, tensor->dist) ||
        (i > 0 && v->loop != sema_mapping_var(ix->items[0])->loop)) {
      diag_error(s->d, ix->items[i]->span,
                 "'%s' is distributed by a mapping and must be indexed by the variables of a "
                 "loop over that mapping, in order", tensor->name);
      diag_note(s->d, tensor->decl->span, "'%s' is declared here", tensor->name);
      return;
    }
  }
  if (ix->len)
    sema_check_dist_worker(s, tensor, sema_mapping_var(ix->items[0])->loop);
}

static type *sema_index(sema *s, ast_node *n) {
  int outer = s->outer_indices;
  s->outer_indices = n->index.base->kind == AST_INDEX ? outer + n->index.indices.len : 0;
  type *bt = sema_expr(s, n->index.base, NULL);
  s->outer_indices = 0;
  if (sema_is_error(bt)) {
    for (int i = 0; i < n->index.indices.len; i++)
      sema_expr(s, n->index.indices.items[i], type_scalar(TY_I32));
    return sema_set(n, bt);
  }
  if (bt->kind == TY_LIST && n->index.base->cval) {
    ast_node *ix = n->index.indices.items[0];
    sema_expr(s, ix, type_scalar(TY_I32));
    const value *l = n->index.base->cval;
    if (n->index.indices.len != 1 || !ix->cval || ix->cval->kind != VAL_INT) {
      diag_error(s->d, n->span, "a list is indexed by one constant integer");
      return sema_set(n, sema_error_type());
    }
    if (ix->cval->i < 0 || ix->cval->i >= l->len) {
      diag_error(s->d, ix->span, "index %lld is out of range for a list of %d elements",
                 (long long)ix->cval->i, l->len);
      return sema_set(n, sema_error_type());
    }
    value *item = &l->items[ix->cval->i];
    n->cval = item;
    return sema_set(n, type_scalar(item->kind == VAL_INT ? TY_INT_LIT
                                   : item->kind == VAL_FLOAT ? TY_FLOAT_LIT
                                   : item->kind == VAL_BOOL ? TY_BOOL : TY_MAPPING));
  }
  if (bt->kind != TY_TENSOR) {
    diag_error(s->d, n->index.base->span, "only tensors can be indexed, not %s", type_name(s->a, bt));
    return sema_set(n, sema_error_type());
  }
  const ast_list *ix = &n->index.indices;
  if (ix->len != bt->rank) {
    if (outer > 0) { /* x[i][j]: one error, and none from the outer [j] */
      diag_error(s->d, n->span, "tensor of rank %d indexed with %d %s; write all the indices "
                 "in one pair of brackets, as in x[i, j]", bt->rank, ix->len,
                 ix->len == 1 ? "index" : "indices");
      return sema_set(n, sema_error_type());
    }
    diag_error(s->d, n->span, "tensor of rank %d indexed with %d %s", bt->rank, ix->len,
               ix->len == 1 ? "index" : "indices");
    return sema_set(n, bt->elem);
  }
  bool ok = true;
  for (int i = 0; i < ix->len; i++) {
    ast_node *e = ix->items[i];
    type *it = sema_expr(s, e, type_scalar(TY_I32));
    if (sema_is_error(it))
      continue;
    if (!type_is_int(it)) {
      diag_error(s->d, e->span, "a tensor index must be an integer, not %s", type_name(s->a, it));
      ok = false;
      continue;
    }
    sema_settle(s, e);
    int64_t extent = bt->const_dims[i];
    if (e->cval && e->cval->kind == VAL_INT && e->cval->i < 0) {
      if (extent >= 0)
        diag_error(s->d, e->span, "index %lld is out of range for dimension %d of extent %lld",
                   (long long)e->cval->i, i, (long long)extent);
      else
        diag_error(s->d, e->span, "index %lld is out of range (negative)", (long long)e->cval->i);
      ok = false;
    } else if (e->cval && e->cval->kind == VAL_INT && extent >= 0 && e->cval->i >= extent) {
      diag_error(s->d, e->span, "index %lld is out of range for dimension %d of extent %lld",
                 (long long)e->cval->i, i, (long long)extent);
      ok = false;
    }
    symbol *v = sema_mapping_var(e);
    if (v && extent >= 0 && v->loop->for_.map->shape[v->loop_dim] > extent) {
      diag_error(s->d, e->span, "'%s' ranges over %lld tasks but dimension %d of '%s' has extent %lld",
                 v->name, (long long)v->loop->for_.map->shape[v->loop_dim], i,
                 n->index.base->kind == AST_NAME ? n->index.base->name.name : "the tensor",
                 (long long)extent);
      ok = false;
    }
  }
  symbol *ts = n->index.base->kind == AST_NAME ? n->index.base->sym : NULL;
  if (ok && ts && ts->kind == SYM_LOCAL && ts->dist)
    sema_check_distributed(s, n, ts);
  return sema_set(n, bt->elem);
}

/* ---- operators ---- */

static bool sema_is_comparison(ast_op op) { return op >= AST_OP_EQ && op <= AST_OP_GE; }
bool sema_is_bitwise(ast_op op) {
  return op == AST_OP_BAND || op == AST_OP_BOR || op == AST_OP_BXOR || op == AST_OP_SHL ||
         op == AST_OP_SHR;
}

static type *sema_compose(sema *s, ast_node *n) {
  const value *a = n->binary.lhs->cval, *b = n->binary.rhs->cval;
  if (!a || !b || a->kind != VAL_MAPPING || b->kind != VAL_MAPPING) {
    diag_error(s->d, n->span, "task mappings are compile-time constants");
    return sema_set(n, sema_error_type());
  }
  mapping m;
  map_status st = map_compose(&m, a->map, b->map);
  if (st != MAP_OK) {
    if (st == MAP_ERR_RANK_MISMATCH)
      diag_error(s->d, n->span, "cannot compose a %d-D and a %d-D task mapping: their ranks must match",
                 a->map->rank, b->map->rank);
    else
      diag_error(s->d, n->span, "invalid composition of task mappings: %s", map_status_message(st));
    return sema_set(n, sema_error_type());
  }
  n->cval = value_mapping(s, &m);
  return sema_set(n, type_scalar(TY_MAPPING));
}

static type *sema_binary(sema *s, ast_node *n, type *expect) {
  ast_op op = n->binary.op;
  bool logical = op == AST_OP_LAND || op == AST_OP_LOR;
  type *operand_expect = logical ? type_scalar(TY_BOOL)
                         : sema_is_comparison(op) ? NULL : expect;
  type *lt = sema_expr(s, n->binary.lhs, operand_expect);
  type *rt = sema_expr(s, n->binary.rhs, operand_expect);
  if (sema_is_error(lt) || sema_is_error(rt))
    return sema_set(n, sema_error_type());
  if (lt->kind == TY_MAPPING && rt->kind == TY_MAPPING && op == AST_OP_MUL)
    return sema_compose(s, n);
  if (logical) {
    if (lt->kind != TY_BOOL || rt->kind != TY_BOOL) {
      diag_error(s->d, n->span, "operands of '%s' must be bool, not %s and %s", ast_op_text(op),
                 type_name(s->a, lt), type_name(s->a, rt));
      return sema_set(n, sema_error_type());
    }
    const value *a = n->binary.lhs->cval, *b = n->binary.rhs->cval;
    if (a && b)
      n->cval = value_bool(s, op == AST_OP_LAND ? a->b && b->b : a->b || b->b);
    return sema_set(n, type_scalar(TY_BOOL));
  }
  type *common = type_common(lt, rt);
  bool eq_bool = (op == AST_OP_EQ || op == AST_OP_NE) && lt->kind == TY_BOOL && rt->kind == TY_BOOL;
  if (!eq_bool && (!common || !type_is_numeric(common))) {
    diag_error(s->d, n->span, "invalid operands to '%s': %s and %s%s", ast_op_text(op),
               type_name(s->a, lt), type_name(s->a, rt),
               type_is_numeric(lt) && type_is_numeric(rt) ? "; convert one with 'as'" : "");
    return sema_set(n, sema_error_type());
  }
  if (eq_bool)
    common = type_scalar(TY_BOOL);
  const value *divisor = n->binary.rhs->cval;
  bool folds = n->binary.lhs->cval && divisor; /* then the fold reports it */
  if ((op == AST_OP_DIV || op == AST_OP_MOD) && type_is_int(common) && divisor && !folds &&
      divisor->kind == VAL_INT && divisor->i == 0) {
    diag_error(s->d, n->binary.rhs->span, "division by zero");
    return sema_set(n, sema_error_type());
  }
  if ((op == AST_OP_SHL || op == AST_OP_SHR) && divisor && !folds && divisor->kind == VAL_INT && type_bits(common) &&
      (divisor->i < 0 || divisor->i >= type_bits(common))) {
    diag_error(s->d, n->binary.rhs->span, "shift by %lld is outside 0..%d for %s", (long long)divisor->i,
               type_bits(common) - 1, type_name(s->a, common));
    return sema_set(n, sema_error_type());
  }
  if ((sema_is_bitwise(op) || op == AST_OP_MOD) && !type_is_int(common)) {
    diag_error(s->d, n->span, "operator '%s' needs integer operands, not %s", ast_op_text(op),
               type_name(s->a, common));
    return sema_set(n, sema_error_type());
  }
  if (common->kind != TY_INT_LIT && common->kind != TY_FLOAT_LIT) {
    sema_coerce(s, n->binary.lhs, common, "operand");
    sema_coerce(s, n->binary.rhs, common, "operand");
  }
  const value *a = n->binary.lhs->cval, *b = n->binary.rhs->cval;
  if (a && b) {
    if (eq_bool)
      n->cval = value_bool(s, (a->b == b->b) == (op == AST_OP_EQ));
    else if (a->kind == VAL_INT && b->kind == VAL_INT)
      n->cval = sema_fold_int(s, n, op, a->i, b->i);
    else
      n->cval = sema_fold_float(s, op, value_as_double(a), value_as_double(b));
    if (n->cval && n->cval->kind == VAL_INT && type_is_int(common) && !type_int_fits(common, n->cval->i)) {
      diag_error(s->d, n->span, "integer overflow in a constant expression: %lld does not fit in %s",
                 (long long)n->cval->i, type_name(s->a, common));
      n->cval = NULL;
      return sema_set(n, sema_error_type());
    }
    if (n->cval && common->kind != TY_INT_LIT && common->kind != TY_FLOAT_LIT &&
        n->cval->kind != VAL_BOOL)
      n->cval = value_convert(s, n->cval, common);
  }
  return sema_set(n, sema_is_comparison(op) ? type_scalar(TY_BOOL) : common);
}

static type *sema_unary(sema *s, ast_node *n, type *expect) {
  ast_op op = n->unary.op;
  type *t = sema_expr(s, n->unary.operand, op == AST_OP_NOT ? type_scalar(TY_BOOL) : expect);
  if (sema_is_error(t))
    return sema_set(n, t);
  const value *v = n->unary.operand->cval;
  if (op == AST_OP_NOT) {
    if (t->kind != TY_BOOL) {
      diag_error(s->d, n->span, "operand of '!' must be bool, not %s", type_name(s->a, t));
      return sema_set(n, sema_error_type());
    }
    if (v)
      n->cval = value_bool(s, !v->b);
    return sema_set(n, t);
  }
  if (op == AST_OP_BNOT ? !type_is_int(t) : !type_is_numeric(t)) {
    diag_error(s->d, n->span, "invalid operand to '%s': %s", ast_op_text(op), type_name(s->a, t));
    return sema_set(n, sema_error_type());
  }
  if (v && v->kind == VAL_INT) {
    if (op == AST_OP_NEG && v->i == INT64_MIN)
      diag_error(s->d, n->span, "integer overflow in a constant expression");
    else
    {
      int64_t r = op == AST_OP_NEG ? -v->i : ~v->i;
      if (op == AST_OP_NEG && type_is_int(t) && !type_int_fits(t, r)) {
        diag_error(s->d, n->span, "constant %lld does not fit in %s", (long long)r, type_name(s->a, t));
        return sema_set(n, sema_error_type());
      }
      n->cval = value_convert(s, value_int(s, r), t); /* ~ keeps the type's width */
    }
  } else if (v && v->kind == VAL_FLOAT) {
    n->cval = value_float(s, -v->f);
  }
  return sema_set(n, t);
}

static type *sema_cast(sema *s, ast_node *n) {
  type *to = sema_type(s, n->cast.type, SPACE_LOCAL);
  type *from = sema_expr(s, n->cast.expr, NULL);
  if (sema_is_error(to) || sema_is_error(from))
    return sema_set(n, sema_error_type());
  if (!type_is_scalar(to) || !type_is_scalar(from)) {
    diag_error(s->d, n->span, "'as' converts between scalar types, not %s to %s",
               type_name(s->a, from), type_name(s->a, to));
    return sema_set(n, sema_error_type());
  }
  sema_settle(s, n->cast.expr);
  if (n->cast.expr->cval)
    n->cval = value_convert(s, n->cast.expr->cval, to);
  return sema_set(n, to);
}

static type *sema_if_expr(sema *s, ast_node *n, type *expect) {
  type *c = sema_expr(s, n->if_expr.cond, type_scalar(TY_BOOL));
  if (!sema_is_error(c) && c->kind != TY_BOOL)
    diag_error(s->d, n->if_expr.cond->span, "condition must be bool, not %s", type_name(s->a, c));
  type *a = sema_expr(s, n->if_expr.then, expect);
  type *b = sema_expr(s, n->if_expr.els, expect);
  if (sema_is_error(a) || sema_is_error(b))
    return sema_set(n, sema_error_type());
  type *common = type_common(a, b);
  if (!common) {
    diag_error(s->d, n->span, "the branches of an if expression have different types, %s and %s",
               type_name(s->a, a), type_name(s->a, b));
    return sema_set(n, sema_error_type());
  }
  sema_coerce(s, n->if_expr.then, common, "branch");
  sema_coerce(s, n->if_expr.els, common, "branch");
  const value *cv = n->if_expr.cond->cval;
  if (cv && cv->kind == VAL_BOOL)
    n->cval = cv->b ? n->if_expr.then->cval : n->if_expr.els->cval;
  return sema_set(n, common);
}

static type *sema_list(sema *s, ast_node *n) {
  value *l = arena_alloc(s->a, sizeof *l);
  l->kind = VAL_LIST;
  l->len = n->list.items.len;
  l->items = arena_alloc(s->a, (size_t)(l->len ? l->len : 1) * sizeof *l->items);
  bool constant = true;
  for (int i = 0; i < l->len; i++) {
    ast_node *e = n->list.items.items[i];
    type *t = sema_expr(s, e, NULL);
    if (sema_is_error(t))
      return sema_set(n, t);
    if (e->cval)
      l->items[i] = *e->cval;
    else
      constant = false;
  }
  if (!constant) {
    diag_error(s->d, n->span, "a list literal must be a compile-time constant");
    return sema_set(n, sema_error_type());
  }
  n->cval = l;
  return sema_set(n, type_scalar(TY_LIST));
}

/* ---- calls ---- */


call_args sema_split_args(sema *s, ast_node *call, const char *fname, bool mapping_kw) {
  call_args ca = {.ok = true};
  const ast_list *args = &call->call.args;
  for (int i = 0; i < args->len; i++) {
    ast_node *a = args->items[i];
    if (a->kind == AST_KWARG) {
      bool is_ranks = strcmp(a->kwarg.name, "ranks") == 0;
      bool is_workers = strcmp(a->kwarg.name, "workers") == 0;
      if (!mapping_kw || (!is_ranks && !is_workers)) {
        diag_error(s->d, a->span, "%s() has no keyword argument '%s'", fname, a->kwarg.name);
        ca.ok = false;
      } else if (is_ranks ? ca.ranks != NULL : ca.workers != NULL) {
        diag_error(s->d, a->span, "keyword argument '%s' given twice", a->kwarg.name);
        ca.ok = false;
      } else if (is_ranks) {
        ca.ranks = a->kwarg.value;
      } else {
        ca.workers = a->kwarg.value;
      }
    } else if (ca.npos == MAP_MAX_RANK + 2) {
      diag_error(s->d, a->span, "too many arguments to %s()", fname);
      ca.ok = false;
    } else {
      ca.pos[ca.npos++] = a;
    }
  }
  return ca;
}

bool sema_arity(sema *s, ast_node *call, const char *fname, int n, int lo, int hi) {
  if (n >= lo && n <= hi)
    return true;
  if (lo == hi)
    diag_error(s->d, call->span, "%s() takes %d argument%s, not %d", fname, lo, lo == 1 ? "" : "s", n);
  else
    diag_error(s->d, call->span, "%s() takes %d to %d arguments, not %d", fname, lo, hi, n);
  return false;
}

/* The dims, ranks and worker count of a mapping constructor, all constants. */
static bool sema_mapping_args(sema *s, ast_node *call, const char *fname, call_args *ca,
                              int64_t *dims, int *ranks, bool *has_ranks, int64_t *workers) {
  if (ca->npos == 0 || ca->npos > MAP_MAX_RANK) {
    diag_error(s->d, call->span, "%s() takes 1 to %d dimensions, not %d", fname, MAP_MAX_RANK, ca->npos);
    return false;
  }
  bool ok = true;
  for (int i = 0; i < ca->npos; i++) {
    value *v = sema_const_expr(s, ca->pos[i], type_scalar(TY_I64), "a task mapping's extent");
    if (!v || v->kind != VAL_INT) {
      /* A constant of another kind (spatial(1 < 2)) was not reported yet:
       * unreported, it let an error-typed mapping reach lowering (a crash
       * the fuzzer found: test/fuzz/regressions/mapping-bool-extent.hdt). */
      if (v)
        diag_error(s->d, ca->pos[i]->span, "task mapping extent must be an integer, not %s",
                   type_name(s->a, ca->pos[i]->ty));
      ok = false;
      continue;
    }
    dims[i] = v->i;
    if (v->i <= 0) {
      diag_error(s->d, ca->pos[i]->span, "task mapping extent must be positive, not %lld", (long long)v->i);
      ok = false;
    }
  }
  *has_ranks = false;
  if (ca->ranks) {
    value *v = sema_const_expr(s, ca->ranks, NULL, "ranks");
    if (!v || v->kind != VAL_LIST) {
      if (v)
        diag_error(s->d, ca->ranks->span, "ranks must be a list such as [1, 0]");
      return false;
    }
    bool perm = v->len == ca->npos;
    for (int i = 0; i < v->len && perm; i++) {
      perm = v->items[i].kind == VAL_INT && v->items[i].i >= 0 && v->items[i].i < ca->npos;
      if (perm)
        ranks[i] = (int)v->items[i].i;
    }
    if (!perm || !map_validate_ranks(ca->npos, ranks)) {
      diag_error(s->d, ca->ranks->span, "ranks must be a permutation of 0..%d for a %d-D mapping",
                 ca->npos - 1, ca->npos);
      return false;
    }
    *has_ranks = true;
  }
  if (workers) {
    if (!ca->workers) {
      diag_error(s->d, call->span, "%s() needs workers=N", fname);
      return false;
    }
    value *v = sema_const_expr(s, ca->workers, type_scalar(TY_I64), "workers");
    if (!v || v->kind != VAL_INT)
      return false;
    *workers = v->i;
  } else if (ca->workers) {
    diag_error(s->d, ca->workers->span, "%s() has no keyword argument 'workers'", fname);
    return false;
  }
  return ok;
}

static type *sema_mapping_call(sema *s, ast_node *n, builtin_id id, const char *fname) {
  call_args ca = sema_split_args(s, n, fname, true);
  if (!ca.ok)
    return sema_set(n, sema_error_type());
  int64_t dims[MAP_MAX_RANK], workers = 0;
  int ranks[MAP_MAX_RANK];
  bool has_ranks;
  if (!sema_mapping_args(s, n, fname, &ca, dims, ranks, &has_ranks, id == BI_AUTO_MAP ? &workers : NULL))
    return sema_set(n, sema_error_type());
  int rank = ca.npos;
  if ((id == BI_COLUMN_SPATIAL || id == BI_COLUMN_REPEAT) && !has_ranks) {
    for (int i = 0; i < rank; i++)
      ranks[i] = rank - 1 - i;
    has_ranks = true;
  } else if ((id == BI_COLUMN_SPATIAL || id == BI_COLUMN_REPEAT)) {
    diag_error(s->d, ca.ranks->span, "%s() is column-major; give ranks to spatial() or repeat() instead", fname);
    return sema_set(n, sema_error_type());
  }
  mapping m;
  map_status st;
  if (id == BI_AUTO_MAP)
    st = map_auto(&m, rank, dims, workers, has_ranks ? ranks : NULL);
  else
    st = map_atom_make(&m, id == BI_SPATIAL || id == BI_COLUMN_SPATIAL ? MAP_SPATIAL : MAP_REPEAT,
                       rank, dims, has_ranks ? ranks : NULL);
  if (st != MAP_OK) {
    if (st == MAP_ERR_NOT_MULTIPLE) {
      int64_t tasks = 1;
      for (int i = 0; i < rank; i++)
        tasks *= dims[i];
      diag_error(s->d, n->span, "auto_map: %lld tasks cannot be spread evenly over %lld workers",
                 (long long)tasks, (long long)workers);
    } else {
      diag_error(s->d, n->span, "invalid task mapping: %s", map_status_message(st));
    }
    return sema_set(n, sema_error_type());
  }
  n->cval = value_mapping(s, &m);
  return sema_set(n, type_scalar(TY_MAPPING));
}

/* The maths (BS_MATH1, BS_MATH2, BS_MATH3, BS_PREDICATE): nargs
 * floating-point arguments of a common type; a literal is f32, and f16 and
 * bf16 are computed in f32 (they convert to it implicitly). The result has
 * that type, or is bool for a predicate (isnan, isinf). */
static type *sema_math(sema *s, ast_node *n, const char *fname, int nargs, bool predicate, type *expect) {
  call_args ca = sema_split_args(s, n, fname, false);
  if (!ca.ok || !sema_arity(s, n, fname, ca.npos, nargs, nargs))
    return sema_set(n, sema_error_type());
  type *want = !predicate && expect && type_is_float(expect) ? expect : NULL;
  type *common = NULL;
  for (int i = 0; i < nargs; i++) {
    type *t = sema_expr(s, ca.pos[i], want);
    if (sema_is_error(t))
      return sema_set(n, t);
    common = i ? type_common(common, t) : t;
    if (!common) {
      diag_error(s->d, n->span, "%s() takes arguments of one float type, not %s and %s", fname,
                 type_name(s->a, ca.pos[0]->ty), type_name(s->a, t));
      return sema_set(n, sema_error_type());
    }
  }
  if (common->kind == TY_INT_LIT || common->kind == TY_FLOAT_LIT || common->kind == TY_F16 ||
      common->kind == TY_BF16)
    common = type_scalar(TY_F32);
  if (common->kind != TY_F32 && common->kind != TY_F64) {
    ast_node *bad = ca.pos[0];
    for (int i = 0; i < nargs; i++)
      if (!type_is_float(ca.pos[i]->ty) && ca.pos[i]->ty->kind != TY_INT_LIT && ca.pos[i]->ty->kind != TY_FLOAT_LIT)
        bad = ca.pos[i];
    diag_error(s->d, bad->span, "%s() takes f32 or f64 (f16 and bf16 are computed in f32), not %s", fname,
               type_name(s->a, bad->ty));
    return sema_set(n, sema_error_type());
  }
  for (int i = 0; i < nargs; i++)
    if (!sema_coerce(s, ca.pos[i], common, "argument"))
      return sema_set(n, sema_error_type());
  return sema_set(n, predicate ? type_scalar(TY_BOOL) : common);
}

/* inf and nan: constants typed from context, as a float literal is. */
static type *sema_float_const(sema *s, ast_node *n, builtin_id id, type *expect) {
  n->cval = value_float(s, id == BI_INF_CONST ? INFINITY : NAN);
  sema_set(n, type_scalar(TY_FLOAT_LIT));
  if (expect && type_is_float(expect))
    sema_coerce(s, n, expect, "constant");
  return n->ty;
}

/* min, max, abs, cdiv: numeric, folded when constant. */
static type *sema_arith_call(sema *s, ast_node *n, builtin_id id, const char *fname, type *expect) {
  call_args ca = sema_split_args(s, n, fname, false);
  int want = id == BI_ABS ? 1 : 2;
  if (!ca.ok || !sema_arity(s, n, fname, ca.npos, want, want))
    return sema_set(n, sema_error_type());
  type *t = sema_expr(s, ca.pos[0], expect);
  type *u = want == 2 ? sema_expr(s, ca.pos[1], expect) : t;
  if (sema_is_error(t) || sema_is_error(u))
    return sema_set(n, sema_error_type());
  type *common = type_common(t, u);
  if (!common || !type_is_numeric(common) || (id == BI_CDIV && !type_is_int(common))) {
    diag_error(s->d, n->span, "invalid arguments to %s(): %s%s%s", fname, type_name(s->a, t),
               want == 2 ? " and " : "", want == 2 ? type_name(s->a, u) : "");
    return sema_set(n, sema_error_type());
  }
  if (common->kind != TY_INT_LIT && common->kind != TY_FLOAT_LIT)
    for (int i = 0; i < want; i++)
      sema_coerce(s, ca.pos[i], common, "argument");
  const value *a = ca.pos[0]->cval, *b = want == 2 ? ca.pos[1]->cval : a;
  if (a && b) {
    if (a->kind == VAL_INT && b->kind == VAL_INT) {
      if (id == BI_CDIV) {
        if (b->i <= 0)
          diag_error(s->d, ca.pos[1]->span, "%s() by %lld", fname, (long long)b->i);
        else if (a->i >= 0)
          n->cval = value_int(s, a->i / b->i + (a->i % b->i != 0));
      } else if (id == BI_ABS) {
        n->cval = a->i == INT64_MIN ? NULL : value_int(s, a->i < 0 ? -a->i : a->i);
      } else {
        n->cval = value_int(s, (id == BI_MIN) == (a->i < b->i) ? a->i : b->i);
      }
    } else {
      double x = value_as_double(a), y = value_as_double(b);
      n->cval = value_float(s, id == BI_ABS ? fabs(x) : id == BI_MIN ? fmin(x, y) : fmax(x, y));
    }
  }
  return sema_set(n, common);
}

static type *sema_shuffle(sema *s, ast_node *n, const char *fname) {
  call_args ca = sema_split_args(s, n, fname, false);
  if (!ca.ok || !sema_arity(s, n, fname, ca.npos, 2, 2))
    return sema_set(n, sema_error_type());
  type *t = sema_expr(s, ca.pos[0], NULL);
  type *l = sema_expr(s, ca.pos[1], type_scalar(TY_I32));
  if (sema_is_error(t) || sema_is_error(l))
    return sema_set(n, sema_error_type());
  t = sema_settle(s, ca.pos[0]);
  if (!type_is_numeric(t) || (type_bits(t) < 32 && t->kind != TY_F16 && t->kind != TY_BF16)) {
    diag_error(s->d, ca.pos[0]->span, "%s() moves a 32- or 64-bit number, f16 or bf16, not %s", fname,
               type_name(s->a, t));
    return sema_set(n, sema_error_type());
  }
  if (!type_is_int(l)) {
    diag_error(s->d, ca.pos[1]->span, "the lane argument of %s() must be an integer", fname);
    return sema_set(n, sema_error_type());
  }
  sema_settle(s, ca.pos[1]);
  const value *lane = ca.pos[1]->cval;
  if (lane && (lane->i < 0 || lane->i > 31)) {
    diag_error(s->d, ca.pos[1]->span, "%s() lane offset %lld is outside 0..31", fname, (long long)lane->i);
    return sema_set(n, sema_error_type());
  }
  return sema_set(n, t);
}


/* ballot, warp_any, warp_all: one bool, every lane of the warp. */
static type *sema_vote(sema *s, ast_node *n, builtin_id id, const char *fname) {
  call_args ca = sema_split_args(s, n, fname, false);
  if (!ca.ok || !sema_arity(s, n, fname, ca.npos, 1, 1))
    return sema_set(n, sema_error_type());
  type *t = sema_expr(s, ca.pos[0], type_scalar(TY_BOOL));
  if (sema_is_error(t))
    return sema_set(n, t);
  if (t->kind != TY_BOOL) {
    diag_error(s->d, ca.pos[0]->span, "%s() takes a bool, not %s", fname, type_name(s->a, t));
    return sema_set(n, sema_error_type());
  }
  return sema_set(n, type_scalar(id == BI_BALLOT ? TY_U32 : TY_BOOL));
}

/* atomic_add/max/min/exch(t[i...], v) and atomic_cas(t[i...], compare, v):
 * an element of a global or shared tensor, updated in place; the old value.
 * atomic_cas compares bits, so it takes integers only. */
static type *sema_atomic(sema *s, ast_node *n, const char *fname, bool cas) {
  call_args ca = sema_split_args(s, n, fname, false);
  int nargs = cas ? 3 : 2;
  if (!ca.ok || !sema_arity(s, n, fname, ca.npos, nargs, nargs))
    return sema_set(n, sema_error_type());
  ast_node *target = ca.pos[0];
  type *t = sema_expr(s, target, NULL);
  if (sema_is_error(t))
    return sema_set(n, t);
  const type *bt = target->kind == AST_INDEX ? target->index.base->ty : NULL;
  if (!bt || bt->kind != TY_TENSOR || bt->space == SPACE_LOCAL) {
    diag_error(s->d, target->span, "%s() updates an element of a global or shared tensor", fname);
    return sema_set(n, sema_error_type());
  }
  bool is_int = t->kind == TY_I32 || t->kind == TY_U32 || t->kind == TY_I64 || t->kind == TY_U64;
  if (cas && !is_int) {
    diag_error(s->d, target->span, "%s() works on i32, u32, i64 and u64, not %s", fname, type_name(s->a, t));
    return sema_set(n, sema_error_type());
  }
  if (!is_int && t->kind != TY_F32 && t->kind != TY_F64) {
    diag_error(s->d, target->span, "%s() works on i32, u32, i64, u64, f32 and f64, not %s", fname,
               type_name(s->a, t));
    return sema_set(n, sema_error_type());
  }
  char what[64];
  for (int i = 1; i < nargs; i++) {
    snprintf(what, sizeof what, "%s() %s", fname, cas && i == 1 ? "compare value" : "value");
    type *v = sema_expr(s, ca.pos[i], t);
    if (!sema_is_error(v))
      sema_coerce(s, ca.pos[i], t, what);
  }
  sema_mark_written(target);
  return sema_set(n, t);
}

/* Checks a function declared later in its module before a call to it, so
 * that its signature is known (callees are checked before callers). */
static void sema_check_callee(sema *s, symbol *fn) {
  sema saved = *s;
  s->cur = fn->home;
  sema_func(s, fn->decl);
  sema checked = *s;
  *s = saved;
  /* the lists grown while checking it are the program's */
  s->funcs = checked.funcs, s->nfuncs = checked.nfuncs, s->capfuncs = checked.capfuncs;
  s->blocks = checked.blocks, s->capblocks = checked.capblocks;
  s->edges = checked.edges, s->nedges = checked.nedges, s->capedges = checked.capedges;
}

/* Records that the function being checked calls fn (uniform.c makes the
 * callers of collective functions collective). */
static void sema_record_call(sema *s, symbol *fn, ast_node *call) {
  if (!s->func || !s->func->sym)
    return;
  if (s->nedges == s->capedges)
    s->edges = sema_grow(s->edges, &s->capedges, sizeof *s->edges);
  s->edges[s->nedges++] = (uni_edge){s->func->sym, fn, call};
}

/* The function being checked calls syncthreads() or a shuffle at call. */
static void sema_mark_collective(sema *s, ast_node *call, bool shuffle) {
  if (!s->func || !s->func->sym)
    return;
  ast_node **site = shuffle ? &s->func->sym->shuffle_site : &s->func->sym->barrier_site;
  if (!*site)
    *site = call;
}

static type *sema_user_call(sema *s, ast_node *n, symbol *fn) {
  ast_node *decl = fn->decl;
  if (!fn->checked && !fn->checking)
    sema_check_callee(s, fn);
  if (decl->func.is_kernel) {
    diag_error(s->d, n->span, "kernel '%s' cannot be called from device code", fn->name);
    return sema_set(n, sema_error_type());
  }
  sema_record_call(s, fn, n);
  const ast_list *params = &decl->func.params, *args = &n->call.args;
  if (params->len != args->len) {
    diag_error(s->d, n->span, "'%s' takes %d argument%s, not %d", fn->name, params->len,
               params->len == 1 ? "" : "s", args->len);
    diag_note(s->d, decl->span, "'%s' is declared here", fn->name);
    return sema_set(n, fn->ty ? fn->ty : sema_error_type());
  }
  for (int i = 0; i < args->len; i++) {
    ast_node *a = args->items[i];
    symbol *p = params->items[i]->sym;
    if (a->kind == AST_KWARG) {
      diag_error(s->d, a->span, "'%s' takes no keyword arguments", fn->name);
      continue;
    }
    type *pt = p && p->ty ? p->ty : sema_error_type();
    type *at = sema_expr(s, a, pt);
    if (!sema_is_error(at))
      sema_coerce(s, a, pt, "argument");
  }
  return sema_set(n, fn->ty ? fn->ty : type_scalar(TY_VOID));
}

/* A builtin that needs a capability (builtins.def's last column) is an
 * error, at the call, for a target without it. */
static bool sema_target_allows(sema *s, ast_node *n, const builtin_info *b) {
  const hdt_target *t = s->opt && s->opt->target ? s->opt->target : target_default();
  if (target_has(t, b->cap))
    return true;
  diag_error(s->d, n->span, "%s() needs %s, which target '%s' does not have", b->name,
             target_cap_name(b->cap & ~t->caps), t->name);
  return false;
}

static type *sema_call(sema *s, ast_node *n, type *expect) {
  ast_node *callee = n->call.callee;
  if (callee->kind == AST_MEMBER && strcmp(callee->member.name, "on") == 0) {
    diag_error(s->d, n->span, "'m.on(w)' can only be iterated by a for loop");
    return sema_set(n, sema_error_type());
  }
  if (callee->kind != AST_NAME) {
    sema_expr(s, callee, NULL);
    if (!sema_is_error(callee->ty))
      diag_error(s->d, callee->span, "only functions can be called");
    return sema_set(n, sema_error_type());
  }
  symbol *sym = sema_lookup(s, callee->name.name);
  if (!sym) {
    sema_unknown_name(s, callee->span, "function", callee->name.name);
    for (int i = 0; i < n->call.args.len; i++)
      if (n->call.args.items[i]->kind != AST_KWARG)
        sema_expr(s, n->call.args.items[i], NULL);
    return sema_set(n, sema_error_type());
  }
  callee->sym = sym;
  callee->ty = type_scalar(TY_FUNC);
  if (sym->kind == SYM_FUNC)
    return sema_user_call(s, n, sym);
  if (sym->kind != SYM_BUILTIN || builtin_get((builtin_id)sym->builtin)->sig == BS_INDEX) {
    diag_error(s->d, callee->span, "'%s' is not a function", sym->name);
    return sema_set(n, sema_error_type());
  }
  builtin_id id = (builtin_id)sym->builtin;
  const char *fname = builtin_get(id)->name;
  if (!sema_target_allows(s, n, builtin_get(id)))
    return sema_set(n, sema_error_type());
  /* One case per signature class of builtins.def: a new builtin of an
   * existing class needs no code here. */
  switch (builtin_get(id)->sig) {
  case BS_BARRIER:
    sema_mark_collective(s, n, false);
    if (!sema_arity(s, n, fname, n->call.args.len, 0, 0))
      return sema_set(n, sema_error_type());
    return sema_set(n, type_scalar(TY_VOID));
  case BS_FENCE:
    if (!sema_arity(s, n, fname, n->call.args.len, 0, 0))
      return sema_set(n, sema_error_type());
    return sema_set(n, type_scalar(TY_VOID));
  case BS_SHUFFLE: sema_mark_collective(s, n, true); return sema_shuffle(s, n, fname);
  case BS_VOTE: sema_mark_collective(s, n, true); return sema_vote(s, n, id, fname);
  case BS_ATOMIC: return sema_atomic(s, n, fname, false);
  case BS_ATOMIC_CAS: return sema_atomic(s, n, fname, true);
  case BS_ARITH: return sema_arith_call(s, n, id, fname, expect);
  case BS_MATH1: return sema_math(s, n, fname, 1, false, expect);
  case BS_MATH2: return sema_math(s, n, fname, 2, false, expect);
  case BS_MATH3: return sema_math(s, n, fname, 3, false, expect);
  case BS_PREDICATE: return sema_math(s, n, fname, 1, true, expect);
  case BS_FLOAT_CONST: break;
  case BS_RANGE:
    diag_error(s->d, n->span, "%s() can only be iterated by a for loop", fname);
    return sema_set(n, sema_error_type());
  case BS_MAPPING: return sema_mapping_call(s, n, id, fname);
  case BS_INDEX: break;
  /* tensor cores (sema_mma.c) */
  case BS_MMA: sema_mark_collective(s, n, true); return sema_mma(s, n, fname);
  case BS_LDMATRIX: sema_mark_collective(s, n, true); return sema_ldmatrix(s, n, fname);
  case BS_LAYOUT:
  case BS_INTERNAL: break;
  /* Asynchronous copies and vector access (sema_mem.c). */
  case BS_CP_ASYNC: return sema_set(n, sema_cp_async(s, n, fname));
  case BS_CP_ASYNC_GROUP:
    sema_mark_collective(s, n, false);
    return sema_set(n, sema_cp_async_group(s, n, id, fname));
  case BS_VCOPY: return sema_set(n, sema_vcopy(s, n, fname));
  }
  diag_error(s->d, callee->span, "'%s' is not a function", sym->name);
  return sema_set(n, sema_error_type());
}

type *sema_expr(sema *s, ast_node *n, type *expect) {
  switch (n->kind) {
  case AST_INT: return sema_int_literal(s, n, expect);
  case AST_FLOAT:
    n->cval = value_float(s, n->float_.value);
    sema_set(n, type_scalar(TY_FLOAT_LIT));
    if (expect && type_is_float(expect))
      sema_coerce(s, n, expect, "literal");
    return n->ty;
  case AST_BOOL:
    n->cval = value_bool(s, n->bool_.value);
    return sema_set(n, type_scalar(TY_BOOL));
  case AST_STRING: return sema_set(n, type_scalar(TY_STRING));
  case AST_NAME: {
    type *t = sema_name(s, n);
    if (n->sym && n->sym->kind == SYM_BUILTIN && builtin_get((builtin_id)n->sym->builtin)->sig == BS_FLOAT_CONST)
      return sema_float_const(s, n, (builtin_id)n->sym->builtin, expect);
    if (n->sym && n->sym->kind == SYM_BUILTIN && builtin_get((builtin_id)n->sym->builtin)->sig == BS_LAYOUT)
      return sema_layout_name(s, n);
    return t;
  }
  case AST_UNARY: return sema_unary(s, n, expect);
  case AST_BINARY: return sema_binary(s, n, expect);
  case AST_CAST: return sema_cast(s, n);
  case AST_CALL: return sema_call(s, n, expect);
  case AST_INDEX: return sema_index(s, n);
  case AST_MEMBER: return sema_member(s, n);
  case AST_LIST: return sema_list(s, n);
  case AST_IF_EXPR: return sema_if_expr(s, n, expect);
  case AST_KWARG:
    diag_error(s->d, n->span, "keyword argument '%s' outside a call", n->kwarg.name);
    return sema_set(n, sema_error_type());
  case AST_ERROR: return sema_set(n, sema_error_type());
  default:
    diag_error(s->d, n->span, "expected an expression");
    return sema_set(n, sema_error_type());
  }
}

/* A value needed at compile time (a const, a generic default, a launch
 * dimension): checks it and returns its value, or NULL after an error. */
value *sema_const_expr(sema *s, ast_node *n, type *expect, const char *what) {
  int errors = s->d->nerrors;
  type *t = sema_expr(s, n, expect);
  if (sema_is_error(t))
    return NULL;
  if (!n->cval && s->d->nerrors == errors) { /* a failed fold has said why already */
    diag_error(s->d, n->span, "%s must be a compile-time constant", what);
    return NULL;
  }
  return n->cval;
}
