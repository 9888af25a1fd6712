/* sema_decl.c: declarations: types written in the source, generic
 * parameters (-D values), parameters, launch clauses, the shared-memory
 * budget and whole functions and kernels (see sema.c for the design).
 *
 * A function is checked when its module is, or earlier when a call needs
 * its signature (sema_check_callee), so that callees come first in the
 * program's function list, the order the emitters need. */
#include "sema_impl.h"

#include <stdlib.h>
#include <string.h>

#include "builtins.h"
#include "reserved.h"

/* ---- types written in the source ---- */


type *sema_error_type(void) { return type_scalar(TY_ERROR); }

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

/* The constant extents of a tensor, times its element size, must fit in
 * i64: then every in-range element offset and byte offset fits the i64
 * arithmetic the generated code indexes with (x[4294967295, 4294967295] of
 * an f32[4294967296, 4294967296] used to wrap to x[-1]). */
static bool sema_shape_fits(sema *s, ast_node *t, type *elem, int rank, const int64_t *cd) {
  int64_t bytes = type_bits(elem) / 8 ? type_bits(elem) / 8 : 1;
  for (int i = 0; i < rank; i++)
    if (cd[i] > 0 && __builtin_mul_overflow(bytes, cd[i], &bytes)) {
      diag_error(s->d, t->span, "tensor shape too large: its elements take more than 2^63-1 bytes, "
                 "so element offsets would not fit in i64");
      return false;
    }
  return true;
}

/* hdt's name for a C or CUDA type that kernel writers type by habit
 * (`float x`), or NULL: the hint beats an edit-distance guess. */
static const char *sema_c_type_hint(const char *name) {
  static const char *const map[][2] = {
      {"float", "f32"}, {"double", "f64"}, {"half", "f16"}, {"__half", "f16"},
      {"bfloat16", "bf16"}, {"__nv_bfloat16", "bf16"}, {"int", "i32"},
      {"unsigned", "u32"}, {"uint", "u32"}, {"long", "i64"}, {"int64_t", "i64"},
      {"int32_t", "i32"}, {"uint32_t", "u32"}, {"size_t", "u64"}, {"char", "i8"},
  };
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (strcmp(map[i][0], name) == 0)
      return map[i][1];
  return NULL;
}

type *sema_type(sema *s, ast_node *t, mem_space dflt_space) {
  type *base = type_by_name(t->type.name);
  if (!base) {
    const char *hdt = sema_c_type_hint(t->type.name);
    if (hdt)
      diag_error(s->d, t->span, "unknown type '%s'; hdt spells it '%s'", t->type.name, hdt);
    else
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
  if (bad || !sema_shape_fits(s, t, base, rank, cd))
    return sema_error_type();
  return type_tensor(s->a, base, rank, t->type.dims.items, cd, space);
}

/* ---- functions and kernels ---- */

/* The last -D of a name wins (the loader parsed only that one). */
static const loaded_define *sema_find_define(sema *s, const char *name) {
  for (int i = s->ndefines - 1; i >= 0; i--)
    if (strcmp(s->defines[i].name, name) == 0)
      return &s->defines[i];
  return NULL;
}

/* The value of -D NAME=TEXT: the loader parsed TEXT (NULL after a syntax
 * error it reported); it is evaluated as a constant expression with only
 * the builtins in scope, converted to the parameter's type. */
static value *sema_define_value(sema *s, const loaded_define *def, type *t) {
  ast_node *e = def->value;
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
    const loaded_define *def = sema_find_define(s, g->generic.name);
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

/* min_blocks(N): the blocks of this kernel that must fit on one SM at once
 * (__launch_bounds__'s second argument, which makes the compiler limit the
 * registers per thread to fit them). N blocks of the block's threads must
 * fit the SM's threads, or no register budget could make them fit. */
static void sema_min_blocks(sema *s, ast_node *l) {
  int64_t n;
  if (!sema_clause_ints(s, l, 1, &n))
    return;
  const hdt_target *t = s->opt->target ? s->opt->target : target_default();
  if (n < 1) {
    diag_error(s->d, l->launch.args.items[0]->span, "min_blocks() takes a positive count, not %lld", (long long)n);
    return;
  }
  if (s->block_threads > 0 && n * s->block_threads > t->max_threads_per_sm) {
    diag_error(s->d, l->span, "min_blocks(%lld) of %lld threads is %lld threads, over the %lld threads an SM has on %s",
               (long long)n, (long long)s->block_threads, (long long)(n * s->block_threads),
               (long long)t->max_threads_per_sm, t->name);
    return;
  }
  l->cval = l->launch.args.items[0]->cval;
}

/* grid(x[, y[, z]]) and block(x[, y[, z]]). Block dimensions are constants,
 * since they size shared memory and __launch_bounds__; grid dimensions may
 * use the scalar parameters. */
static void sema_launch(sema *s, ast_node *f) {
  bool seen_grid = false, seen_block = false;
  ast_node *min_blocks = NULL;
  s->block_threads = -1;
  s->block_rank = 0;
  s->block_dims[0] = s->block_dims[1] = s->block_dims[2] = -1;
  for (int i = 0; i < f->func.launch.len; i++) {
    ast_node *l = f->func.launch.items[i];
    bool is_grid = strcmp(l->launch.name, "grid") == 0, is_block = strcmp(l->launch.name, "block") == 0;
    if (strcmp(l->launch.name, "min_blocks") == 0) {
      if (min_blocks)
        diag_error(s->d, l->span, "'min_blocks' is given twice");
      min_blocks = l;
      continue;
    }
    if (!is_grid && !is_block) {
      diag_error(s->d, l->span, "unknown launch clause '%s'; a kernel has grid(...), block(...) and min_blocks(...)",
                 l->launch.name);
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
  if (min_blocks)
    sema_min_blocks(s, min_blocks);
}

typedef struct shared_use {
  const ast_node *decl; /* the declaration, where the note points */
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
        top[i] = (shared_use){n, b};
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

/* The budget is --max-shared-memory or the target's default; no option
 * goes past what a block of the target can have (max_shared, with the
 * opt-in to dynamic shared memory). */
static void sema_check_shared_budget(sema *s, ast_node *f) {
  const hdt_target *t = s->opt->target;
  if (t && s->shared_bytes > t->max_shared && s->opt->shared_budget >= t->max_shared)
    diag_error(s->d, f->span, "kernel '%s' uses %lld bytes of shared memory, over the %lld bytes a block can have on %s",
               f->func.name, (long long)s->shared_bytes, (long long)t->max_shared, t->name);
  else if (s->shared_bytes > s->opt->shared_budget)
    diag_error(s->d, f->span, "kernel '%s' uses %lld bytes of static shared memory, over the budget of %lld bytes",
               f->func.name, (long long)s->shared_bytes, (long long)s->opt->shared_budget);
  else
    return;
  shared_use top[3] = {{NULL, 0}, {NULL, 0}, {NULL, 0}};
  sema_collect_shared(f->func.body, top, 3);
  for (int i = 0; i < 3 && top[i].decl; i++)
    diag_note(s->d, top[i].decl->span, "'%s' takes %lld bytes", top[i].decl->var.name,
              (long long)top[i].bytes);
}

/* ---- kernel names ---- */

static bool sema_is_kernel_sym(const symbol *sym) {
  return sym && sym->kind == SYM_FUNC && sym->decl && sym->decl->kind == AST_FUNC &&
         sym->decl->func.is_kernel;
}

/* Kernel foo defines foo and foo_async: another kernel foo_async, or a
 * function foo_async, would define one of them twice. */
static void sema_check_async_twin(sema *s, ast_node *f) {
  const char *name = f->func.name;
  size_t len = strlen(name);
  if (len > 6 && strcmp(name + len - 6, "_async") == 0) {
    symbol *twin = sema_lookup(s, arena_printf(s->a, "%.*s", (int)(len - 6), name));
    if (sema_is_kernel_sym(twin))
      diag_error(s->d, f->span, "kernel name '%s' is not allowed: kernel '%s' already defines the C "
                 "entry point '%s'", name, twin->name, name);
  }
  symbol *other = sema_lookup(s, arena_printf(s->a, "%s_async", name));
  if (other && other->kind == SYM_FUNC && !sema_is_kernel_sym(other))
    diag_error(s->d, f->span, "kernel name '%s' is not allowed: its C entry point '%s_async' would "
               "clash with function '%s_async'", name, name, name);
}

static void sema_check_kernel_name(sema *s, ast_node *f) {
  const char *name = f->func.name;
  const char *why = reserved_kernel_name(name);
  if (why)
    diag_error(s->d, f->span, "kernel name '%s' is not allowed: the kernel's C entry point is named '%s', "
               "and %s; rename the kernel", name, name, why);
  else
    sema_check_async_twin(s, f);
}

void sema_func(sema *s, ast_node *f) {
  if (f->func.is_kernel)
    sema_check_kernel_name(s, f);
  f->sym->checking = true;
  s->func = f;
  s->shared_bytes = 0;
  s->local_bytes = 0;
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
  int64_t dims[3] = {-1, -1, -1};
  if (f->func.is_kernel) {
    sema_check_shared_budget(s, f);
    for (int i = 0; i < 3; i++)
      dims[i] = s->block_threads > 0 ? s->block_dims[i] : -1;
  } else if (f->func.ret && f->func.ret->ty->kind != TY_ERROR) {
    const ast_list *st = &f->func.body->block.stmts;
    if (st->len == 0 || st->items[st->len - 1]->kind != AST_RETURN)
      diag_error(s->d, f->func.body->span, "function '%s' must end with a return statement", f->func.name);
  }
  scope_pop(s);
  s->func = NULL;
  f->sym->checking = false;
  f->sym->checked = true;
  if (s->nfuncs == s->capfuncs) {
    s->funcs = sema_grow(s->funcs, &s->capfuncs, sizeof *s->funcs);
    int cap = s->capblocks;
    s->blocks = sema_grow(s->blocks, &cap, sizeof *s->blocks);
    s->capblocks = cap;
  }
  /* uniformity is checked once every function is known to be collective
   * or not (sema_check) */
  memcpy(s->blocks[s->nfuncs], dims, sizeof dims);
  s->funcs[s->nfuncs++] = f;
}
