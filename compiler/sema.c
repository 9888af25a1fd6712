/* sema.c: names, types, constants and the safety checks (see sema.h); this
 * file is the driver: scopes, "did you mean", modules and sema_check.
 *
 * One walk over each function body does name resolution, typing and
 * constant folding together: an expression's type and value are computed
 * bottom-up, with the expected type passed down so that literals take their
 * type from context (`let x: f16 = 1.0`). Compile-time values are needed
 * early (shapes, mappings, launch dimensions), which is why folding is not a
 * separate pass. Barrier uniformity needs the whole body typed and is a
 * second walk (uniform.c).
 *
 * The walk is split by construct: sema_const.c (values, conversions,
 * folding), sema_expr.c, sema_stmt.c, sema_decl.c (types written in the
 * source, functions and kernels); sema_impl.h is what they share.
 *
 * Scopes are a chain of arrays: functions have few names, and a linear
 * search is fastest at that size; a scope that grows past SCOPE_HASH_AT
 * names (a module with hundreds of kernels and constants) gets a hash index
 * (symtab.h), so that lookups stay O(1) and compile time linear in the
 * number of declarations. */
#include "sema_impl.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "builtins.h"

/* ---- scopes ---- */


void *sema_grow(void *p, int *cap, size_t elem) {
  *cap = *cap ? 2 * *cap : 8;
  void *q = realloc(p, (size_t)*cap * elem);
  if (!q) {
    fputs("hdtc: fatal: out of memory\n", stderr);
    abort();
  }
  return q;
}

scope *scope_push(sema *s, bool is_function) {
  scope *sc = arena_alloc(s->a, sizeof *sc);
  sc->parent = s->cur;
  sc->is_function = is_function;
  s->cur = sc;
  return sc;
}

void scope_pop(sema *s) {
  scope *sc = s->cur;
  s->cur = sc->parent;
  free(sc->syms);
  sc->syms = NULL;
}

enum { SCOPE_HASH_AT = 16 };

static symbol *scope_find_local(scope *sc, const char *name) {
  if (sc->index)
    return symtab_get(sc->index, name);
  for (int i = sc->len - 1; i >= 0; i--)
    if (strcmp(sc->syms[i]->name, name) == 0)
      return sc->syms[i];
  return NULL;
}

symbol *sema_lookup(sema *s, const char *name) {
  for (scope *sc = s->cur; sc; sc = sc->parent) {
    symbol *sym = scope_find_local(sc, name);
    if (sym)
      return sym;
  }
  return NULL;
}

/* The index maps a name to its latest symbol, as the backward scan does. */
static void scope_add(sema *s, scope *sc, symbol *sym) {
  if (sc->len == sc->cap)
    sc->syms = sema_grow(sc->syms, &sc->cap, sizeof *sc->syms);
  sc->syms[sc->len++] = sym;
  if (!sc->index && sc->len > SCOPE_HASH_AT) {
    sc->index = symtab_new(s->a);
    for (int i = 0; i < sc->len; i++)
      symtab_put(sc->index, sc->syms[i]->name, sc->syms[i]);
  } else if (sc->index) {
    symtab_put(sc->index, sym->name, sym);
  }
}

static span sema_decl_name_span(const ast_node *decl) { return decl->span; }

/* Declares a name in the current scope. A name may not be declared twice in
 * one scope, nor shadow a local or parameter of the enclosing function;
 * shadowing module-level names and builtins is allowed. */
symbol *sema_declare(sema *s, sym_kind kind, const char *name, type *ty, ast_node *decl) {
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
  scope_add(s, s->cur, sym);
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

void sema_unknown_name(sema *s, span where, const char *what, const char *name) {
  const char *hint = sema_suggest(s, name);
  if (hint)
    diag_error(s->d, where, "unknown %s '%s'; did you mean '%s'?", what, name, hint);
  else
    diag_error(s->d, where, "unknown %s '%s'", what, name);
}
/* ---- modules ---- */

static void sema_module(sema *s, ast_node *module, scope *sc);


static module_entry *sema_find_module(sema *s, const ast_node *module) {
  for (int i = 0; i < s->nmods; i++)
    if (s->mods[i].module == module)
      return &s->mods[i];
  return NULL;
}

static module_entry *sema_add_module(sema *s, ast_node *module) {
  if (s->nmods == s->capmods)
    s->mods = sema_grow(s->mods, &s->capmods, sizeof *s->mods);
  module_entry *e = &s->mods[s->nmods++];
  e->module = module;
  e->scope = arena_alloc(s->a, sizeof *e->scope);
  e->scope->parent = s->builtins;
  e->scope->is_module = true;
  e->in_progress = true;
  return e;
}

/* Checks (once) and returns the scope of an imported module; NULL for an
 * import that the loader could not resolve (it said why). Its declarations
 * (not its own imports) become visible. */
static scope *sema_import(sema *s, ast_node *imp) {
  ast_node *module = imp->import.module;
  if (!module)
    return NULL;
  module_entry *e = sema_find_module(s, module);
  if (e) /* in progress only on a cycle, which the loader cut already */
    return e->in_progress ? NULL : e->scope;
  /* The table may move while the import is checked: keep its index. */
  int idx = (int)(sema_add_module(s, module) - s->mods);
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

/* A kernel that an instance compilation does not instantiate. */
static bool sema_other_kernel(const sema *s, const ast_node *d) {
  return s->opt && s->opt->only_kernel && d->func.is_kernel &&
         strcmp(d->func.name, s->opt->only_kernel) != 0;
}

static void sema_module(sema *s, ast_node *module, scope *sc) {
  scope *saved = s->cur;
  s->cur = sc;
  for (int i = 0; i < module->module.decls.len; i++) {
    ast_node *d = module->module.decls.items[i];
    if (d->kind != AST_IMPORT)
      continue;
    scope *imported = sema_import(s, d);
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
        scope_add(s, sc, sym);
    }
  }
  sema_declare_funcs(s, module);
  for (int i = 0; i < module->module.decls.len; i++) {
    ast_node *d = module->module.decls.items[i];
    if (d->kind == AST_CONST)
      sema_const(s, d);
    else if (d->kind == AST_FUNC && !d->sym->checked && !d->sym->checking &&
             !sema_other_kernel(s, d))
      sema_func(s, d);
  }
  s->cur = saved;
}

static scope *sema_builtin_scope(sema *s) {
  scope *sc = arena_alloc(s->a, sizeof *sc);
  sc->is_module = true;
  for (int i = 0; i < BI_COUNT; i++) {
    const builtin_info *b = builtin_get((builtin_id)i);
    if (b->sig == BS_INTERNAL) /* made by passes, never named */
      continue;
    symbol *sym = arena_alloc(s->a, sizeof *sym);
    sym->kind = SYM_BUILTIN;
    sym->name = b->name;
    sym->builtin = i;
    sym->ty = type_scalar(b->sig == BS_INDEX ? TY_DIM3 : TY_FUNC);
    scope_add(s, sc, sym);
  }
  return sc;
}

static void sema_fini(sema *s) {
  free(s->builtins->syms);
  for (int i = 0; i < s->nmods; i++)
    free(s->mods[i].scope->syms);
  free(s->mods);
  free(s->funcs);
  free(s->blocks);
  free(s->edges);
}

program *sema_check(arena *a, diag_ctx *d, const sema_options *opt, const loaded_program *lp) {
  sema s = {.a = a, .d = d, .opt = opt, .defines = lp->defines, .ndefines = lp->ndefines};
  s.builtins = sema_builtin_scope(&s);
  s.prog = arena_alloc(a, sizeof *s.prog);
  s.prog->main = lp->main;
  module_entry *e = sema_add_module(&s, lp->main);
  scope *sc = e->scope;
  sema_module(&s, lp->main, sc);
  s.mods[0].in_progress = false;
  for (int i = 0; i < lp->ndefines; i++) {
    bool used = false;
    for (int j = 0; j < s.nfuncs && !used; j++)
      for (int k = 0; k < s.funcs[j]->func.generics.len && !used; k++)
        used = strcmp(s.funcs[j]->func.generics.items[k]->generic.name, lp->defines[i].name) == 0;
    span nowhere = {UINT32_MAX, 0, 0};
    if (!used)
      diag_warning(d, nowhere, "-D %s names no generic parameter", lp->defines[i].name);
  }
  /* Uniformity needs to know which functions are collective. */
  uniform_collectives(d, s.edges, s.nedges);
  const hdt_target *tg = opt && opt->target ? opt->target : target_default();
  for (int i = 0; i < s.nfuncs; i++)
    uniform_check_func(d, tg, s.funcs[i], s.blocks[i]);
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
