/* sema.c: names, types, constants and the safety checks (see sema.h).
 *
 * One walk over each function body does name resolution, typing and
 * constant folding together: an expression's type and value are computed
 * bottom-up, with the expected type passed down so that literals take their
 * type from context (`let x: f16 = 1.0`). Compile-time values are needed
 * early (shapes, mappings, launch dimensions), which is why folding is not a
 * separate pass. Barrier uniformity needs the whole body typed and is a
 * second walk (uniform.c).
 *
 * Scopes are a chain of small arrays: functions have few names, and a linear
 * search is faster than hashing at that size. */
#define _XOPEN_SOURCE 700
#include "sema.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "builtins.h"
#include "mapping.h"
#include "parse.h"

/* ---- scopes ---- */

typedef struct scope {
  struct scope *parent;
  symbol **syms;
  int len, cap;
  bool is_function; /* the outermost scope of a function body */
  bool is_module;
} scope;

typedef struct module_entry {
  const char *key;   /* real path */
  ast_node *module;
  scope *scope;
  bool in_progress;  /* on the import stack: importing it again is a cycle */
} module_entry;

typedef struct sema {
  arena *a;
  diag_ctx *d;
  const sema_options *opt;
  scope *builtins;
  scope *cur;
  program *prog;
  module_entry *mods;
  int nmods, capmods;
  const char **import_stack;
  int nstack;
  /* the function being checked */
  ast_node *func;
  int64_t block_threads; /* product of the block dims, -1 if unknown */
  int block_rank;
  int64_t block_dims[3];  /* each block dimension, -1 if unknown */
  int loop_depth;
  int64_t shared_bytes;
  ast_node **funcs;
  int nfuncs, capfuncs;
} sema;

static void *sema_grow(void *p, int *cap, size_t elem) {
  *cap = *cap ? 2 * *cap : 8;
  void *q = realloc(p, (size_t)*cap * elem);
  if (!q) {
    fputs("hdtc: fatal: out of memory\n", stderr);
    abort();
  }
  return q;
}

static scope *scope_push(sema *s, bool is_function) {
  scope *sc = arena_alloc(s->a, sizeof *sc);
  sc->parent = s->cur;
  sc->is_function = is_function;
  s->cur = sc;
  return sc;
}

static void scope_pop(sema *s) {
  scope *sc = s->cur;
  s->cur = sc->parent;
  free(sc->syms);
  sc->syms = NULL;
}

static symbol *scope_find_local(scope *sc, const char *name) {
  for (int i = sc->len - 1; i >= 0; i--)
    if (strcmp(sc->syms[i]->name, name) == 0)
      return sc->syms[i];
  return NULL;
}

static symbol *sema_lookup(sema *s, const char *name) {
  for (scope *sc = s->cur; sc; sc = sc->parent) {
    symbol *sym = scope_find_local(sc, name);
    if (sym)
      return sym;
  }
  return NULL;
}

static void scope_add(scope *sc, symbol *sym) {
  if (sc->len == sc->cap)
    sc->syms = sema_grow(sc->syms, &sc->cap, sizeof *sc->syms);
  sc->syms[sc->len++] = sym;
}

static span sema_decl_name_span(const ast_node *decl) { return decl->span; }

/* Declares a name in the current scope. A name may not be declared twice in
 * one scope, nor shadow a local or parameter of the enclosing function;
 * shadowing module-level names and builtins is allowed. */
static symbol *sema_declare(sema *s, sym_kind kind, const char *name, type *ty, ast_node *decl) {
  symbol *prev = scope_find_local(s->cur, name);
  if (!prev && !s->cur->is_module) {
    for (scope *sc = s->cur->parent; sc && !sc->is_module; sc = sc->parent)
      if ((prev = scope_find_local(sc, name)))
        break;
  }
  if (prev && prev->decl) {
    diag_error(s->d, decl->span, "'%s' is already declared in this %s", name,
               s->cur->is_module ? "module" : "function");
    diag_note(s->d, sema_decl_name_span(prev->decl), "'%s' was declared here", name);
  }
  symbol *sym = arena_alloc(s->a, sizeof *sym);
  sym->kind = kind;
  sym->name = name;
  sym->ty = ty;
  sym->decl = decl;
  if (decl)
    decl->sym = sym;
  scope_add(s->cur, sym);
  return sym;
}

/* ---- "did you mean" ---- */

static int sema_edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 64 || lb > 64)
    return INT_MAX;
  int row[65];
  for (size_t j = 0; j <= lb; j++)
    row[j] = (int)j;
  for (size_t i = 1; i <= la; i++) {
    int diag = row[0];
    row[0] = (int)i;
    for (size_t j = 1; j <= lb; j++) {
      int up = row[j];
      int best = diag + (a[i - 1] != b[j - 1]);
      if (up + 1 < best)
        best = up + 1;
      if (row[j - 1] + 1 < best)
        best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[lb];
}

/* The visible name closest to `name`, if it is close enough to be a typo:
 * at most a third of the name's length away (and at most 3 edits). */
static const char *sema_suggest(sema *s, const char *name) {
  const char *best = NULL;
  int best_d = INT_MAX, limit = (int)strlen(name) / 3;
  if (limit < 1)
    limit = 1;
  if (limit > 3)
    limit = 3;
  for (scope *sc = s->cur; sc; sc = sc->parent)
    for (int i = 0; i < sc->len; i++) {
      int dist = sema_edit_distance(name, sc->syms[i]->name);
      if (dist <= limit && dist < (int)strlen(name) && dist < best_d) {
        best_d = dist;
        best = sc->syms[i]->name;
      }
    }
  for (int k = TY_BOOL; k <= TY_F64; k++) {
    const char *tn = type_name(s->a, type_scalar((type_kind)k));
    int dist = sema_edit_distance(name, tn);
    if (dist <= limit && dist < (int)strlen(name) && dist < best_d) {
      best_d = dist;
      best = tn;
    }
  }
  return best;
}

static void sema_unknown_name(sema *s, span where, const char *what, const char *name) {
  const char *hint = sema_suggest(s, name);
  if (hint)
    diag_error(s->d, where, "unknown %s '%s'; did you mean '%s'?", what, name, hint);
  else
    diag_error(s->d, where, "unknown %s '%s'", what, name);
}

/* ---- values ---- */

static value *value_int(sema *s, int64_t v) {
  value *r = arena_alloc(s->a, sizeof *r);
  r->kind = VAL_INT;
  r->i = v;
  return r;
}

static value *value_float(sema *s, double v) {
  value *r = arena_alloc(s->a, sizeof *r);
  r->kind = VAL_FLOAT;
  r->f = v;
  return r;
}

static value *value_bool(sema *s, bool v) {
  value *r = arena_alloc(s->a, sizeof *r);
  r->kind = VAL_BOOL;
  r->b = v;
  return r;
}

static value *value_mapping(sema *s, const mapping *m) {
  value *r = arena_alloc(s->a, sizeof *r);
  r->kind = VAL_MAPPING;
  r->map = arena_alloc(s->a, sizeof *r->map);
  *r->map = *m;
  return r;
}

static double value_as_double(const value *v) { return v->kind == VAL_INT ? (double)v->i : v->f; }

/* Converts a constant to the representation of type t (ints truncate
 * toward zero, as C does; narrow integer types wrap). */
static value *value_convert(sema *s, value *v, const type *t) {
  if (!v || v->kind == VAL_NONE)
    return v;
  if (type_is_float(t) && v->kind == VAL_INT)
    return value_float(s, t->kind == TY_F32 ? (double)(float)v->i : (double)v->i);
  if (type_is_float(t) && v->kind == VAL_FLOAT && t->kind == TY_F32)
    return value_float(s, (double)(float)v->f);
  if (type_is_int(t) && v->kind == VAL_FLOAT) {
    if (!(v->f > -9.3e18 && v->f < 9.3e18))
      return NULL;
    return value_int(s, (int64_t)v->f);
  }
  if (type_is_int(t) && v->kind == VAL_BOOL)
    return value_int(s, v->b);
  if (t->kind == TY_BOOL && v->kind == VAL_INT)
    return value_bool(s, v->i != 0);
  if (type_is_int(t) && v->kind == VAL_INT && !type_int_fits(t, v->i)) {
    int bits = type_bits(t);
    uint64_t mask = bits == 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
    uint64_t u = (uint64_t)v->i & mask;
    if (type_is_signed(t) && bits < 64 && (u >> (bits - 1)))
      return value_int(s, (int64_t)(u | ~mask));
    return value_int(s, (int64_t)u);
  }
  return v;
}

/* ---- types written in the source ---- */

static type *sema_expr(sema *s, ast_node *n, type *expect);
static value *sema_const_expr(sema *s, ast_node *n, type *expect, const char *what);

static type *sema_error_type(void) { return type_scalar(TY_ERROR); }

/* A tensor dimension: any integer expression over parameters for global
 * tensors; a positive compile-time constant for shared and local ones. */
static int64_t sema_dim(sema *s, ast_node *dim, bool must_be_const) {
  int errors = s->d->nerrors;
  type *t = sema_expr(s, dim, type_scalar(TY_I32));
  if (t->kind == TY_ERROR)
    return -1;
  if (!type_is_int(t)) {
    diag_error(s->d, dim->span, "tensor dimension must be an integer, not %s", type_name(s->a, t));
    return -1;
  }
  if (dim->cval && dim->cval->kind == VAL_INT) {
    if (dim->cval->i <= 0) {
      diag_error(s->d, dim->span, "tensor dimension must be positive, not %lld",
                 (long long)dim->cval->i);
      return -1;
    }
    return dim->cval->i;
  }
  if (must_be_const && s->d->nerrors == errors) /* a failed fold has said why already */
    diag_error(s->d, dim->span, "the shape of a shared or local tensor must be a compile-time constant");
  return -1;
}

static mem_space sema_space(ast_space sp, mem_space dflt) {
  switch (sp) {
  case AST_SPACE_GLOBAL: return SPACE_GLOBAL;
  case AST_SPACE_SHARED: return SPACE_SHARED;
  case AST_SPACE_LOCAL: return SPACE_LOCAL;
  case AST_SPACE_NONE: break;
  }
  return dflt;
}

static type *sema_type(sema *s, ast_node *t, mem_space dflt_space) {
  type *base = type_by_name(t->type.name);
  if (!base) {
    sema_unknown_name(s, t->span, "type", t->type.name);
    return sema_error_type();
  }
  if (!t->type.has_dims) {
    if (t->type.space != AST_SPACE_NONE)
      diag_error(s->d, t->span, "a memory space applies only to tensor types");
    return base;
  }
  if (!type_is_scalar(base)) {
    diag_error(s->d, t->span, "tensor elements must be scalars, not %s", type_name(s->a, base));
    return sema_error_type();
  }
  mem_space space = sema_space(t->type.space, dflt_space);
  int rank = t->type.dims.len;
  if (rank == 0 || rank > MAP_MAX_RANK) {
    diag_error(s->d, t->span, "a tensor has 1 to %d dimensions, not %d", MAP_MAX_RANK, rank);
    return sema_error_type();
  }
  int64_t *cd = arena_alloc(s->a, (size_t)rank * sizeof *cd);
  bool bad = false;
  for (int i = 0; i < rank; i++) {
    cd[i] = sema_dim(s, t->type.dims.items[i], space != SPACE_GLOBAL);
    bad |= cd[i] < 0 && space != SPACE_GLOBAL;
  }
  if (bad)
    return sema_error_type();
  return type_tensor(s->a, base, rank, t->type.dims.items, cd, space);
}

/* ---- conversions ---- */

static bool sema_is_error(const type *t) { return t->kind == TY_ERROR; }

/* Checks that expression n (of type from) may be used as `to`; settles the
 * type of an untyped constant. `what` names the context for the message. */
static bool sema_coerce(sema *s, ast_node *n, type *to, const char *what) {
  type *from = n->ty;
  if (!from || sema_is_error(from) || sema_is_error(to))
    return true;
  if (!type_implicitly_converts(from, to)) {
    diag_error(s->d, n->span, "%s: cannot convert %s to %s implicitly; use 'as'", what,
               type_name(s->a, from), type_name(s->a, to));
    return false;
  }
  if (from->kind == TY_INT_LIT && n->cval && n->cval->kind == VAL_INT && type_is_int(to) &&
      !type_int_fits(to, n->cval->i)) {
    diag_error(s->d, n->span, "%s: constant %lld does not fit in %s", what,
               (long long)n->cval->i, type_name(s->a, to));
    return false;
  }
  if (from->kind == TY_INT_LIT || from->kind == TY_FLOAT_LIT) {
    n->ty = to;
    n->cval = value_convert(s, n->cval, to);
  }
  return true;
}

/* An untyped constant that no context typed gets its default type. */
static type *sema_settle(sema *s, ast_node *n) {
  if (n->ty && (n->ty->kind == TY_INT_LIT || n->ty->kind == TY_FLOAT_LIT)) {
    type *t = type_default(n->ty, n->cval && n->cval->kind == VAL_INT ? n->cval->i : 0);
    sema_coerce(s, n, t, "constant");
  }
  return n->ty;
}

/* ---- constant folding ---- */

static bool sema_mul_overflows(int64_t a, int64_t b, int64_t *r) {
  return __builtin_mul_overflow(a, b, r);
}

static value *sema_fold_int(sema *s, ast_node *n, ast_op op, int64_t a, int64_t b) {
  int64_t r = 0;
  bool overflow = false;
  switch (op) {
  case AST_OP_ADD: overflow = __builtin_add_overflow(a, b, &r); break;
  case AST_OP_SUB: overflow = __builtin_sub_overflow(a, b, &r); break;
  case AST_OP_MUL: overflow = sema_mul_overflows(a, b, &r); break;
  case AST_OP_DIV:
  case AST_OP_MOD:
    if (b == 0) {
      diag_error(s->d, n->span, "division by zero in a constant expression");
      return NULL;
    }
    if (a == INT64_MIN && b == -1) {
      overflow = true;
      break;
    }
    r = op == AST_OP_DIV ? a / b : a % b;
    break;
  case AST_OP_SHL:
  case AST_OP_SHR:
    if (b < 0 || b > 63) {
      diag_error(s->d, n->span, "shift by %lld in a constant expression", (long long)b);
      return NULL;
    }
    r = op == AST_OP_SHL ? (int64_t)((uint64_t)a << b) : a >> b;
    break;
  case AST_OP_BAND: r = a & b; break;
  case AST_OP_BOR: r = a | b; break;
  case AST_OP_BXOR: r = a ^ b; break;
  case AST_OP_EQ: return value_bool(s, a == b);
  case AST_OP_NE: return value_bool(s, a != b);
  case AST_OP_LT: return value_bool(s, a < b);
  case AST_OP_LE: return value_bool(s, a <= b);
  case AST_OP_GT: return value_bool(s, a > b);
  case AST_OP_GE: return value_bool(s, a >= b);
  default: return NULL;
  }
  if (overflow) {
    diag_error(s->d, n->span, "integer overflow in a constant expression");
    return NULL;
  }
  return value_int(s, r);
}

static value *sema_fold_float(sema *s, ast_op op, double a, double b) {
  switch (op) {
  case AST_OP_ADD: return value_float(s, a + b);
  case AST_OP_SUB: return value_float(s, a - b);
  case AST_OP_MUL: return value_float(s, a * b);
  case AST_OP_DIV: return value_float(s, a / b);
  case AST_OP_EQ: return value_bool(s, a == b);
  case AST_OP_NE: return value_bool(s, a != b);
  case AST_OP_LT: return value_bool(s, a < b);
  case AST_OP_LE: return value_bool(s, a <= b);
  case AST_OP_GT: return value_bool(s, a > b);
  case AST_OP_GE: return value_bool(s, a >= b);
  default: return NULL;
  }
}

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
  if (sym->kind == SYM_CONST || sym->kind == SYM_GENERIC || sym->kind == SYM_LET)
    n->cval = sym->val;
  return sema_set(n, sym->ty ? sym->ty : sema_error_type());
}

static bool sema_is_builtin(const ast_node *n, builtin_id id) {
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

/* A local tensor distributed by m can be indexed only as t[i, j] where i, j
 * are, in order, the variables of a loop over m: each thread then touches
 * exactly the elements it owns, which lowering keeps in registers. */
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
}

static type *sema_index(sema *s, ast_node *n) {
  type *bt = sema_expr(s, n->index.base, NULL);
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
static bool sema_is_bitwise(ast_op op) {
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

/* Positional arguments of a call and its keyword arguments, separated. */
typedef struct call_args {
  ast_node *pos[MAP_MAX_RANK + 2];
  int npos;
  ast_node *ranks, *workers;
  bool ok;
} call_args;

static call_args sema_split_args(sema *s, ast_node *call, const char *fname, bool mapping_kw) {
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

static bool sema_arity(sema *s, ast_node *call, const char *fname, int n, int lo, int hi) {
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

/* exp, log, sqrt, rsqrt, tanh: one floating-point argument. */
static type *sema_math1(sema *s, ast_node *n, const char *fname, type *expect) {
  call_args ca = sema_split_args(s, n, fname, false);
  if (!ca.ok || !sema_arity(s, n, fname, ca.npos, 1, 1))
    return sema_set(n, sema_error_type());
  type *t = sema_expr(s, ca.pos[0], expect && type_is_float(expect) ? expect : NULL);
  if (sema_is_error(t))
    return sema_set(n, t);
  if (t->kind == TY_INT_LIT || t->kind == TY_FLOAT_LIT)
    sema_coerce(s, ca.pos[0], type_scalar(TY_F32), "argument");
  t = ca.pos[0]->ty;
  if (t->kind != TY_F32 && t->kind != TY_F64) {
    diag_error(s->d, ca.pos[0]->span, "%s() takes f32 or f64, not %s", fname, type_name(s->a, t));
    return sema_set(n, sema_error_type());
  }
  return sema_set(n, t);
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
          diag_error(s->d, ca.pos[1]->span, "cdiv() by %lld", (long long)b->i);
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

static bool sema_in_kernel(sema *s, ast_node *n, const char *fname) {
  if (s->func && s->func->func.is_kernel)
    return true;
  diag_error(s->d, n->span, "%s() may be called only in a kernel", fname);
  return false;
}

static type *sema_shuffle(sema *s, ast_node *n, const char *fname) {
  call_args ca = sema_split_args(s, n, fname, false);
  if (!ca.ok || !sema_arity(s, n, fname, ca.npos, 2, 2) || !sema_in_kernel(s, n, fname))
    return sema_set(n, sema_error_type());
  type *t = sema_expr(s, ca.pos[0], NULL);
  type *l = sema_expr(s, ca.pos[1], type_scalar(TY_I32));
  if (sema_is_error(t) || sema_is_error(l))
    return sema_set(n, sema_error_type());
  t = sema_settle(s, ca.pos[0]);
  if (!type_is_numeric(t) || type_bits(t) < 32) {
    diag_error(s->d, ca.pos[0]->span, "%s() moves a 32- or 64-bit number, not %s", fname, type_name(s->a, t));
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

static void sema_mark_written(ast_node *target);

static type *sema_atomic_add(sema *s, ast_node *n, const char *fname) {
  call_args ca = sema_split_args(s, n, fname, false);
  if (!ca.ok || !sema_arity(s, n, fname, ca.npos, 2, 2))
    return sema_set(n, sema_error_type());
  ast_node *target = ca.pos[0];
  type *t = sema_expr(s, target, NULL);
  if (sema_is_error(t))
    return sema_set(n, t);
  const type *bt = target->kind == AST_INDEX ? target->index.base->ty : NULL;
  if (!bt || bt->kind != TY_TENSOR || bt->space == SPACE_LOCAL) {
    diag_error(s->d, target->span, "atomic_add() updates an element of a global or shared tensor");
    return sema_set(n, sema_error_type());
  }
  if (t->kind != TY_F32 && t->kind != TY_F64 && t->kind != TY_I32 && t->kind != TY_U32 &&
      t->kind != TY_I64 && t->kind != TY_U64) {
    diag_error(s->d, target->span, "atomic_add() works on i32, u32, i64, u64, f32 and f64, not %s",
               type_name(s->a, t));
    return sema_set(n, sema_error_type());
  }
  type *v = sema_expr(s, ca.pos[1], t);
  if (!sema_is_error(v))
    sema_coerce(s, ca.pos[1], t, "atomic_add() value");
  sema_mark_written(target);
  return sema_set(n, t);
}

static void sema_func(sema *s, ast_node *f);

/* Checks a function declared later in its module before a call to it, so
 * that its signature is known (callees are checked before callers). */
static void sema_check_callee(sema *s, symbol *fn) {
  sema saved = *s;
  s->cur = fn->home;
  sema_func(s, fn->decl);
  ast_node **funcs = s->funcs;
  int nfuncs = s->nfuncs, capfuncs = s->capfuncs;
  *s = saved;
  s->funcs = funcs, s->nfuncs = nfuncs, s->capfuncs = capfuncs;
}

static type *sema_user_call(sema *s, ast_node *n, symbol *fn) {
  ast_node *decl = fn->decl;
  if (!fn->checked && !fn->checking)
    sema_check_callee(s, fn);
  if (decl->func.is_kernel) {
    diag_error(s->d, n->span, "kernel '%s' cannot be called from device code", fn->name);
    return sema_set(n, sema_error_type());
  }
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
  switch (id) {
  case BI_SYNCTHREADS:
    if (!sema_in_kernel(s, n, fname) || !sema_arity(s, n, fname, n->call.args.len, 0, 0))
      return sema_set(n, sema_error_type());
    return sema_set(n, type_scalar(TY_VOID));
  case BI_SHFL_XOR:
  case BI_SHFL_DOWN: return sema_shuffle(s, n, fname);
  case BI_ATOMIC_ADD: return sema_atomic_add(s, n, fname);
  case BI_CDIV:
  case BI_ABS:
  case BI_MIN:
  case BI_MAX: return sema_arith_call(s, n, id, fname, expect);
  case BI_EXP:
  case BI_LOG:
  case BI_SQRT:
  case BI_RSQRT:
  case BI_TANH: return sema_math1(s, n, fname, expect);
  case BI_RANGE:
    diag_error(s->d, n->span, "range() can only be iterated by a for loop");
    return sema_set(n, sema_error_type());
  case BI_SPATIAL:
  case BI_REPEAT:
  case BI_COLUMN_SPATIAL:
  case BI_COLUMN_REPEAT:
  case BI_AUTO_MAP: return sema_mapping_call(s, n, id, fname);
  default: break;
  }
  diag_error(s->d, callee->span, "'%s' is not a function", sym->name);
  return sema_set(n, sema_error_type());
}

static type *sema_expr(sema *s, ast_node *n, type *expect) {
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
  case AST_NAME: return sema_name(s, n);
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
static value *sema_const_expr(sema *s, ast_node *n, type *expect, const char *what) {
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

static void sema_block(sema *s, ast_node *block, bool new_scope);
static void sema_stmt(sema *s, ast_node *n);

static void sema_mark_written(ast_node *target) {
  while (target->kind == AST_INDEX)
    target = target->index.base;
  if (target->kind == AST_NAME && target->sym)
    target->sym->written = true;
}

static const char *sema_readonly_reason(const symbol *sym) {
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
}

static void sema_condition(sema *s, ast_node *cond, const char *what) {
  type *t = sema_expr(s, cond, type_scalar(TY_BOOL));
  if (!sema_is_error(t) && t->kind != TY_BOOL)
    diag_error(s->d, cond->span, "the condition of %s must be bool, not %s%s", what,
               type_name(s->a, t), type_is_numeric(t) ? " (compare it with '!= 0')" : "");
}

/* for i in range(stop) / range(start, stop) / range(start, stop, step) */
static bool sema_for_range(sema *s, ast_node *n, ast_node *call) {
  call_args ca = sema_split_args(s, call, "range", false);
  if (!ca.ok || !sema_arity(s, call, "range", ca.npos, 1, 3))
    return false;
  type *types[3];
  for (int i = 0; i < ca.npos; i++) {
    types[i] = sema_expr(s, ca.pos[i], NULL);
    if (sema_is_error(types[i]))
      return false;
    if (!type_is_int(types[i])) {
      diag_error(s->d, ca.pos[i]->span, "range() takes integers, not %s", type_name(s->a, types[i]));
      return false;
    }
  }
  type *common = types[0];
  for (int i = 1; i < ca.npos && common; i++)
    common = type_common(common, types[i]);
  if (!common) {
    diag_error(s->d, call->span, "the arguments of range() have different integer types");
    return false;
  }
  common = type_default(common, 0);
  for (int i = 0; i < ca.npos; i++)
    sema_coerce(s, ca.pos[i], common, "range() argument");
  n->for_.start = ca.npos > 1 ? ca.pos[0] : NULL;
  n->for_.stop = ca.npos > 1 ? ca.pos[1] : ca.pos[0];
  n->for_.step = ca.npos > 2 ? ca.pos[2] : NULL;
  if (n->for_.step && n->for_.step->cval && n->for_.step->cval->i == 0) {
    diag_error(s->d, n->for_.step->span, "range() step must not be zero");
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
  case AST_IF:
    sema_condition(s, n->if_.cond, "an if");
    sema_block(s, n->if_.then, true);
    if (n->if_.els && n->if_.els->kind == AST_IF)
      sema_stmt(s, n->if_.els);
    else if (n->if_.els)
      sema_block(s, n->if_.els, true);
    return;
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

static void sema_block(sema *s, ast_node *block, bool new_scope) {
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

/* ---- functions and kernels ---- */

static const sema_define *sema_find_define(sema *s, const char *name) {
  for (int i = s->opt->ndefines - 1; i >= 0; i--)
    if (strcmp(s->opt->defines[i].name, name) == 0)
      return &s->opt->defines[i];
  return NULL;
}

/* The value of -D NAME=TEXT: TEXT is parsed and evaluated as a constant
 * expression in a source of its own named "-D NAME". */
static value *sema_define_value(sema *s, const sema_define *def, type *t) {
  char *name = arena_printf(s->a, "-D %s", def->name);
  uint32_t file = diag_add_source(s->d, name, def->value, strlen(def->value));
  ast_node *e = parse_expr(s->a, s->d, file);
  if (!e)
    return NULL;
  scope *saved = s->cur;
  s->cur = s->builtins;
  value *v = sema_const_expr(s, e, t, "a -D value");
  bool ok = v && !sema_is_error(e->ty) && sema_coerce(s, e, t, "-D value");
  s->cur = saved;
  return ok ? e->cval : NULL;
}

/* Generic parameters are compile-time constants: their value comes from
 * -D NAME=VALUE when given, else from their default. */
static void sema_generics(sema *s, ast_node *f) {
  for (int i = 0; i < f->func.generics.len; i++) {
    ast_node *g = f->func.generics.items[i];
    type *t = sema_type(s, g->generic.type, SPACE_LOCAL);
    if (!sema_is_error(t) && !type_is_scalar(t)) {
      diag_error(s->d, g->generic.type->span, "a generic parameter is a scalar constant, not %s",
                 type_name(s->a, t));
      t = sema_error_type();
    }
    symbol *sym = sema_declare(s, SYM_GENERIC, g->generic.name, t, g);
    const sema_define *def = sema_find_define(s, g->generic.name);
    if (g->generic.value) {
      value *dv = sema_const_expr(s, g->generic.value, t, "a generic parameter's default");
      if (dv && !sema_is_error(t))
        sema_coerce(s, g->generic.value, t, "default");
      sym->val = g->generic.value->cval;
    }
    if (def && !sema_is_error(t))
      sym->val = sema_define_value(s, def, t);
    else if (!g->generic.value)
      diag_error(s->d, g->span, "generic parameter '%s' has no default; give its value with -D %s=...",
                 g->generic.name, g->generic.name);
    /* Without a usable value, uses are errors already reported: quiet. */
    if (!sym->val || (type_is_int(t) && sym->val->kind != VAL_INT))
      sym->ty = sema_error_type(), sym->val = NULL;
  }
}

static void sema_params(sema *s, ast_node *f) {
  for (int i = 0; i < f->func.params.len; i++) {
    ast_node *p = f->func.params.items[i];
    type *t = sema_type(s, p->param.type, SPACE_GLOBAL);
    if (!sema_is_error(t) && !type_is_scalar(t) && t->kind != TY_TENSOR) {
      diag_error(s->d, p->param.type->span, "a parameter is a scalar or a tensor, not %s", type_name(s->a, t));
      t = sema_error_type();
    }
    if (f->func.is_kernel && t->kind == TY_TENSOR && t->space != SPACE_GLOBAL)
      diag_error(s->d, p->param.type->span, "kernel parameters are global tensors");
    sema_declare(s, SYM_PARAM, p->param.name, t, p);
  }
}

/* grid(x[, y[, z]]) and block(x[, y[, z]]). Block dimensions are constants,
 * since they size shared memory and __launch_bounds__; grid dimensions may
 * use the scalar parameters. */
static void sema_launch(sema *s, ast_node *f) {
  bool seen_grid = false, seen_block = false;
  s->block_threads = -1;
  s->block_rank = 0;
  s->block_dims[0] = s->block_dims[1] = s->block_dims[2] = -1;
  for (int i = 0; i < f->func.launch.len; i++) {
    ast_node *l = f->func.launch.items[i];
    bool is_grid = strcmp(l->launch.name, "grid") == 0, is_block = strcmp(l->launch.name, "block") == 0;
    if (!is_grid && !is_block) {
      diag_error(s->d, l->span, "unknown launch clause '%s'; a kernel has grid(...) and block(...)", l->launch.name);
      continue;
    }
    if (is_grid ? seen_grid : seen_block) {
      diag_error(s->d, l->span, "'%s' is given twice", l->launch.name);
      continue;
    }
    seen_grid |= is_grid;
    seen_block |= is_block;
    if (l->launch.args.len < 1 || l->launch.args.len > 3) {
      diag_error(s->d, l->span, "%s() takes 1 to 3 dimensions, not %d", l->launch.name, l->launch.args.len);
      continue;
    }
    int64_t threads = 1;
    if (is_block)
      s->block_dims[0] = s->block_dims[1] = s->block_dims[2] = 1;
    for (int j = 0; j < l->launch.args.len; j++) {
      ast_node *e = l->launch.args.items[j];
      if (e->kind == AST_KWARG) {
        diag_error(s->d, e->span, "%s() takes no keyword arguments", l->launch.name);
        threads = -1;
        continue;
      }
      type *t = is_block ? (sema_const_expr(s, e, type_scalar(TY_I32), "a block dimension") ? e->ty : NULL)
                         : sema_expr(s, e, type_scalar(TY_I32));
      if (!t || sema_is_error(t)) {
        threads = -1;
        continue;
      }
      if (!type_is_int(t)) {
        diag_error(s->d, e->span, "a launch dimension must be an integer, not %s", type_name(s->a, t));
        threads = -1;
        continue;
      }
      sema_coerce(s, e, type_scalar(TY_I32), "launch dimension");
      if (e->cval && e->cval->kind == VAL_INT && e->cval->i <= 0) {
        diag_error(s->d, e->span, "a launch dimension must be positive, not %lld", (long long)e->cval->i);
        threads = -1;
      } else if (is_block && threads > 0 && e->cval && e->cval->kind == VAL_INT) {
        threads *= e->cval->i;
        s->block_dims[j] = e->cval->i;
      }
    }
    int64_t max_threads = s->opt->target ? s->opt->target->max_threads : target_default()->max_threads;
    if (is_block && threads > max_threads) {
      diag_error(s->d, l->span, "a block has at most %lld threads, not %lld", (long long)max_threads,
                 (long long)threads);
      threads = -1;
    }
    if (is_block) {
      s->block_threads = threads;
      s->block_rank = l->launch.args.len;
    }
  }
  if (!seen_grid || !seen_block)
    diag_error(s->d, f->span, "kernel '%s' needs %s", f->func.name,
               !seen_grid && !seen_block ? "grid(...) and block(...)" : !seen_grid ? "grid(...)" : "block(...)");
}

typedef struct shared_use {
  const char *name;
  int64_t bytes;
} shared_use;

static void sema_collect_shared(const ast_node *n, shared_use *top, int ntop) {
  if (!n)
    return;
  if (n->kind == AST_VAR && n->var.kind == AST_VAR_SHARED && n->sym && n->sym->ty->kind == TY_TENSOR) {
    int64_t b = type_size_bytes(n->sym->ty);
    for (int i = 0; i < ntop; i++)
      if (b > top[i].bytes) {
        memmove(&top[i + 1], &top[i], (size_t)(ntop - 1 - i) * sizeof *top);
        top[i] = (shared_use){n->var.name, b};
        break;
      }
    return;
  }
  switch (n->kind) {
  case AST_BLOCK:
    for (int i = 0; i < n->block.stmts.len; i++)
      sema_collect_shared(n->block.stmts.items[i], top, ntop);
    return;
  case AST_IF: sema_collect_shared(n->if_.then, top, ntop); sema_collect_shared(n->if_.els, top, ntop); return;
  case AST_FOR: sema_collect_shared(n->for_.body, top, ntop); return;
  case AST_WHILE: sema_collect_shared(n->while_.body, top, ntop); return;
  default: return;
  }
}

static void sema_check_shared_budget(sema *s, ast_node *f) {
  if (s->shared_bytes <= s->opt->shared_budget)
    return;
  diag_error(s->d, f->span, "kernel '%s' uses %lld bytes of static shared memory, over the budget of %lld bytes",
             f->func.name, (long long)s->shared_bytes, (long long)s->opt->shared_budget);
  shared_use top[3] = {{NULL, 0}, {NULL, 0}, {NULL, 0}};
  sema_collect_shared(f->func.body, top, 3);
  for (int i = 0; i < 3 && top[i].name; i++)
    diag_note(s->d, f->span, "'%s' takes %lld bytes", top[i].name, (long long)top[i].bytes);
}

/* A kernel NAME is the C entry point NAME (and NAME_async): a name that the
 * C library or CUDA already defines with C linkage would not link. */
static void sema_check_kernel_name(sema *s, ast_node *f) {
  static const char *const taken[] = {
      "abs", "acos", "asin", "atan", "atan2", "ceil", "cos", "cosh", "erf", "erfc", "exp", "exp2",
      "exit", "fabs", "floor", "fma", "fmax", "fmin", "fmod", "free", "frexp", "labs", "ldexp",
      "log", "log10", "log2", "main", "malloc", "calloc", "realloc", "max", "memcpy", "memset", "min",
      "modf", "pow", "printf", "rint", "round", "rsqrt", "sin", "sinh", "sqrt", "tan", "tanh",
      "trunc", "abort", "puts", "strlen",
  };
  const char *name = f->func.name;
  bool bad = strncmp(name, "hdt_", 4) == 0 || strncmp(name, "cuda", 4) == 0;
  for (size_t i = 0; i < sizeof taken / sizeof *taken && !bad; i++)
    bad = strcmp(name, taken[i]) == 0;
  if (bad)
    diag_error(s->d, f->span, "kernel name '%s' would clash with a C or CUDA function of the same name "
               "in the generated entry point; rename the kernel", name);
}

static void sema_func(sema *s, ast_node *f) {
  if (f->func.is_kernel)
    sema_check_kernel_name(s, f);
  f->sym->checking = true;
  s->func = f;
  s->shared_bytes = 0;
  s->loop_depth = 0;
  scope_push(s, true);
  sema_generics(s, f);
  sema_params(s, f);
  if (f->func.ret) {
    type *rt = sema_type(s, f->func.ret, SPACE_LOCAL);
    if (!sema_is_error(rt) && !type_is_scalar(rt)) {
      diag_error(s->d, f->func.ret->span, "a function returns a scalar, not %s", type_name(s->a, rt));
      rt = sema_error_type();
    }
    f->func.ret->ty = rt;
    f->sym->ty = rt;
  }
  if (f->func.is_kernel)
    sema_launch(s, f);
  else
    s->block_threads = -1;
  sema_block(s, f->func.body, false);
  if (f->func.is_kernel) {
    sema_check_shared_budget(s, f);
    int64_t dims[3];
    for (int i = 0; i < 3; i++)
      dims[i] = s->block_threads > 0 ? s->block_dims[i] : -1;
    uniform_check_kernel(s->d, f, dims);
  } else if (f->func.ret && f->func.ret->ty->kind != TY_ERROR) {
    const ast_list *st = &f->func.body->block.stmts;
    if (st->len == 0 || st->items[st->len - 1]->kind != AST_RETURN)
      diag_error(s->d, f->func.body->span, "function '%s' must end with a return statement", f->func.name);
  }
  scope_pop(s);
  s->func = NULL;
  f->sym->checking = false;
  f->sym->checked = true;
  if (s->nfuncs == s->capfuncs)
    s->funcs = sema_grow(s->funcs, &s->capfuncs, sizeof *s->funcs);
  s->funcs[s->nfuncs++] = f;
}

/* ---- modules ---- */

static void sema_module(sema *s, ast_node *module, scope *sc);

static bool sema_file_exists(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return false;
  fclose(f);
  return true;
}

/* Search order: the importing file's folder, each -I folder, the stdlib. */
static char *sema_resolve_import(sema *s, const char *from, const char *path) {
  if (path[0] == '/')
    return sema_file_exists(path) ? arena_strdup(s->a, path) : NULL;
  const char *slash = strrchr(from, '/');
  char *cand = slash ? arena_printf(s->a, "%.*s/%s", (int)(slash - from), from, path)
                     : arena_strdup(s->a, path);
  if (sema_file_exists(cand))
    return cand;
  for (int i = 0; i < s->opt->ninclude; i++) {
    cand = arena_printf(s->a, "%s/%s", s->opt->include_dirs[i], path);
    if (sema_file_exists(cand))
      return cand;
  }
  if (s->opt->stdlib_dir) {
    cand = arena_printf(s->a, "%s/%s", s->opt->stdlib_dir, path);
    if (sema_file_exists(cand))
      return cand;
  }
  return NULL;
}

static module_entry *sema_find_module(sema *s, const char *key) {
  for (int i = 0; i < s->nmods; i++)
    if (strcmp(s->mods[i].key, key) == 0)
      return &s->mods[i];
  return NULL;
}

static char *sema_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  size_t cap = 1 << 14, n = 0;
  char *buf = malloc(cap);
  while (buf) {
    n += fread(buf + n, 1, cap - n, f);
    if (n < cap || cap >= ((size_t)1 << 30))
      break;
    char *bigger = realloc(buf, cap * 2);
    if (!bigger) {
      free(buf);
      buf = NULL;
      break;
    }
    buf = bigger;
    cap *= 2;
  }
  fclose(f);
  *len = n;
  return buf;
}

static module_entry *sema_add_module(sema *s, const char *key, ast_node *module) {
  if (s->nmods == s->capmods)
    s->mods = sema_grow(s->mods, &s->capmods, sizeof *s->mods);
  module_entry *e = &s->mods[s->nmods++];
  e->key = key;
  e->module = module;
  e->scope = arena_alloc(s->a, sizeof *e->scope);
  e->scope->parent = s->builtins;
  e->scope->is_module = true;
  e->in_progress = true;
  return e;
}

/* Loads, checks and returns the scope of an imported file; NULL after an
 * error. Its declarations (not its own imports) become visible. */
static scope *sema_import(sema *s, ast_node *imp, const char *from) {
  char *path = sema_resolve_import(s, from, imp->import.path);
  if (!path) {
    diag_error(s->d, imp->span, "cannot find '%s' (searched next to '%s', the -I folders and the standard library)",
               imp->import.path, from);
    return NULL;
  }
  char *real = realpath(path, NULL);
  const char *key = real ? arena_strdup(s->a, real) : path;
  free(real);
  module_entry *e = sema_find_module(s, key);
  if (e && e->in_progress) {
    diag_error(s->d, imp->span, "import cycle: '%s' imports itself through the chain of imports", imp->import.path);
    for (int i = 0; i < s->nstack; i++)
      diag_note(s->d, imp->span, "%s '%s'", i == 0 ? "chain starts at" : "which imports", s->import_stack[i]);
    return NULL;
  }
  if (e)
    return e->scope;
  size_t len = 0;
  char *text = sema_read_file(path, &len);
  if (!text || len >= UINT32_MAX) {
    diag_error(s->d, imp->span, "cannot read '%s'", path);
    free(text);
    return NULL;
  }
  uint32_t file = diag_add_source(s->d, path, text, len);
  free(text);
  ast_node *module = parse_file(s->a, s->d, file);
  /* The table may move while the import is checked: keep its index. */
  int idx = (int)(sema_add_module(s, key, module) - s->mods);
  scope *sc = s->mods[idx].scope;
  sema_module(s, module, sc);
  s->mods[idx].in_progress = false;
  return sc;
}

static void sema_declare_funcs(sema *s, ast_node *module) {
  for (int i = 0; i < module->module.decls.len; i++) {
    ast_node *d = module->module.decls.items[i];
    if (d->kind == AST_FUNC) {
      symbol *sym = sema_declare(s, SYM_FUNC, d->func.name, type_scalar(TY_VOID), d);
      sym->module = module->module.path;
      sym->home = s->cur;
    }
  }
}

static void sema_const(sema *s, ast_node *d) {
  type *t = d->konst.type ? sema_type(s, d->konst.type, SPACE_LOCAL) : NULL;
  value *v = sema_const_expr(s, d->konst.value, t, "the value of a const");
  type *vt = d->konst.value->ty;
  if (t && v && !sema_is_error(t))
    sema_coerce(s, d->konst.value, t, "const");
  else if (!t)
    t = vt && !sema_is_error(vt) ? sema_settle(s, d->konst.value) : sema_error_type();
  if (t->kind == TY_LIST || t->kind == TY_STRING)
    t = type_scalar(t->kind);
  symbol *sym = sema_declare(s, SYM_CONST, d->konst.name, t, d);
  sym->val = d->konst.value->cval;
}

static void sema_module(sema *s, ast_node *module, scope *sc) {
  scope *saved = s->cur;
  s->cur = sc;
  if (s->nstack < 64) {
    s->import_stack = realloc(s->import_stack, (size_t)(s->nstack + 1) * sizeof *s->import_stack);
    s->import_stack[s->nstack++] = module->module.path;
  }
  for (int i = 0; i < module->module.decls.len; i++) {
    ast_node *d = module->module.decls.items[i];
    if (d->kind != AST_IMPORT)
      continue;
    scope *imported = sema_import(s, d, module->module.path);
    if (!imported)
      continue;
    /* Only what the imported file declares itself, not what it imports. */
    uint32_t file = UINT32_MAX;
    for (int j = 0; j < s->nmods; j++)
      if (s->mods[j].scope == imported)
        file = s->mods[j].module->span.file;
    for (int j = 0; j < imported->len; j++) {
      symbol *sym = imported->syms[j];
      if (sym->decl && sym->decl->span.file == file && !scope_find_local(sc, sym->name))
        scope_add(sc, sym);
    }
  }
  sema_declare_funcs(s, module);
  for (int i = 0; i < module->module.decls.len; i++) {
    ast_node *d = module->module.decls.items[i];
    if (d->kind == AST_CONST)
      sema_const(s, d);
    else if (d->kind == AST_FUNC && !d->sym->checked && !d->sym->checking)
      sema_func(s, d);
  }
  s->nstack--;
  s->cur = saved;
}

static scope *sema_builtin_scope(sema *s) {
  scope *sc = arena_alloc(s->a, sizeof *sc);
  sc->is_module = true;
  for (int i = 0; i < BI_COUNT; i++) {
    symbol *sym = arena_alloc(s->a, sizeof *sym);
    sym->kind = SYM_BUILTIN;
    const builtin_info *b = builtin_get((builtin_id)i);
    sym->name = b->name;
    sym->builtin = i;
    sym->ty = type_scalar(b->sig == BS_INDEX ? TY_DIM3 : TY_FUNC);
    scope_add(sc, sym);
  }
  return sc;
}

static void sema_fini(sema *s) {
  free(s->builtins->syms);
  for (int i = 0; i < s->nmods; i++)
    free(s->mods[i].scope->syms);
  free(s->mods);
  free(s->import_stack);
  free(s->funcs);
}

program *sema_check(arena *a, diag_ctx *d, const sema_options *opt, ast_node *main_module) {
  sema s = {.a = a, .d = d, .opt = opt};
  s.builtins = sema_builtin_scope(&s);
  s.prog = arena_alloc(a, sizeof *s.prog);
  s.prog->main = main_module;
  char *real = realpath(main_module->module.path, NULL);
  const char *key = real ? arena_strdup(a, real) : main_module->module.path;
  free(real);
  module_entry *e = sema_add_module(&s, key, main_module);
  scope *sc = e->scope;
  sema_module(&s, main_module, sc);
  s.mods[0].in_progress = false;
  for (int i = 0; i < opt->ndefines; i++) {
    bool used = false;
    for (int j = 0; j < s.nfuncs && !used; j++)
      for (int k = 0; k < s.funcs[j]->func.generics.len && !used; k++)
        used = strcmp(s.funcs[j]->func.generics.items[k]->generic.name, opt->defines[i].name) == 0;
    span nowhere = {UINT32_MAX, 0, 0};
    if (!used)
      diag_warning(d, nowhere, "-D %s names no generic parameter", opt->defines[i].name);
  }
  program *p = s.prog;
  p->nmodules = s.nmods;
  p->modules = arena_alloc(a, (size_t)s.nmods * sizeof *p->modules);
  for (int i = 0; i < s.nmods; i++)
    p->modules[i] = s.mods[i].module;
  p->nfuncs = s.nfuncs;
  p->funcs = arena_alloc(a, (size_t)(s.nfuncs ? s.nfuncs : 1) * sizeof *p->funcs);
  if (s.nfuncs)
    memcpy(p->funcs, s.funcs, (size_t)s.nfuncs * sizeof *p->funcs);
  sema_fini(&s);
  return p;
}

value *sema_eval_standalone(arena *a, diag_ctx *d, ast_node *expr) {
  sema_options opt = {0};
  sema s = {.a = a, .d = d, .opt = &opt};
  s.builtins = sema_builtin_scope(&s);
  s.cur = s.builtins;
  value *v = sema_const_expr(&s, expr, NULL, "the expression");
  free(s.builtins->syms);
  return v;
}

void sema_dump(FILE *out, const diag_ctx *d, const program *p) {
  for (int i = p->nmodules - 1; i >= 0; i--)
    ast_dump_annotated(out, d, p->modules[i]);
}
