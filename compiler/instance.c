/* instance.c: validating instance requests and merging their lowered
 * programs (see instance.h). */
#include "instance.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* The instance symbol is a C name in the host output and a C++ one in the
 * CUDA output, so the keywords of both are refused. */
static const char *const instance_keywords[] = {
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
    "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
    "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef",
    "union", "unsigned", "void", "volatile", "while", "bool", "true", "false", "class", "new",
    "delete", "template", "this", "namespace", "operator", "private", "public", "protected",
    "virtual", "friend", "typename", "using", "try", "catch", "throw", "explicit", "mutable",
    "nullptr", "main",
};

static bool instance_is_identifier(const char *s) {
  if (!(isalpha((unsigned char)s[0]) || s[0] == '_'))
    return false;
  for (const char *p = s; *p; p++)
    if (!(isalnum((unsigned char)*p) || *p == '_'))
      return false;
  for (size_t i = 0; i < sizeof instance_keywords / sizeof *instance_keywords; i++)
    if (strcmp(s, instance_keywords[i]) == 0)
      return false;
  return true;
}

bool instance_spec_make(arena *a, diag_ctx *d, instance_spec *out, const char *symbol,
                        const char *kernel, const char *const *defines, int ndefines) {
  if (!instance_is_identifier(symbol)) {
    diag_error_noloc(d, "instance name '%s' is not a C identifier", symbol);
    return false;
  }
  if (!kernel[0]) {
    diag_error_noloc(d, "instance '%s' names no kernel", symbol);
    return false;
  }
  out->epilogue = NULL;
  out->nprologues = 0;
  out->symbol = arena_strdup(a, symbol);
  out->kernel = arena_strdup(a, kernel);
  out->ndefines = ndefines;
  out->defines = arena_alloc(a, (size_t)(ndefines ? ndefines : 1) * sizeof *out->defines);
  for (int i = 0; i < ndefines; i++) {
    const char *eq = strchr(defines[i], '=');
    if (!eq || eq == defines[i]) {
      diag_error_noloc(d, "instance '%s': '%s' must have the form NAME=VALUE", symbol, defines[i]);
      return false;
    }
    out->defines[i].name = arena_strndup(a, defines[i], (size_t)(eq - defines[i]));
    out->defines[i].value = arena_strdup(a, eq + 1);
  }
  return true;
}

const loader_define *instance_defines(arena *a, const instance_spec *in, const loader_define *common,
                                    int ncommon) {
  int n = ncommon + in->ndefines;
  loader_define *all = arena_alloc(a, (size_t)(n ? n : 1) * sizeof *all);
  for (int i = 0; i < ncommon; i++)
    all[i] = common[i];
  for (int i = 0; i < in->ndefines; i++)
    all[ncommon + i] = in->defines[i];
  return all;
}

/* ---- merging ---- */

struct instance_merge {
  arena *a;
  ir_program *out;
  const char **owner; /* per merged function: the symbol of its instance */
  int cap;
};

instance_merge *instance_merge_new(arena *a, const hdt_target *target, int ninstances) {
  instance_merge *m = arena_alloc(a, sizeof *m);
  m->a = a;
  m->out = arena_alloc(a, sizeof *m->out);
  m->out->target = target;
  m->cap = ninstances > 0 ? 4 * ninstances : 1;
  m->out->funcs = arena_alloc(a, (size_t)m->cap * sizeof *m->out->funcs);
  m->owner = arena_alloc(a, (size_t)m->cap * sizeof *m->owner);
  return m;
}

/* Marks the device functions a function calls, transitively. */
typedef struct instance_reach {
  const ir_program *p;
  bool *marks;
} instance_reach;

static void instance_mark(instance_reach *r, const ir_func *f);

static bool instance_mark_call(const ir_expr *e, void *ctx) {
  if (e->kind == IR_CALL && e->call.fn == IR_FN_USER)
    instance_mark(ctx, e->call.callee);
  return false; /* see every node */
}

static void instance_mark_expr(instance_reach *r, const ir_expr *e) {
  ir_expr_any(e, instance_mark_call, r);
}

static void instance_mark_block(instance_reach *r, const ir_block *b);

static void instance_mark_stmt(instance_reach *r, const ir_stmt *s) {
  switch (s->kind) {
  case IR_DECL: instance_mark_expr(r, s->decl.init); return;
  case IR_ASSIGN: instance_mark_expr(r, s->assign.value); return;
  case IR_STORE: instance_mark_expr(r, s->store.offset); instance_mark_expr(r, s->store.value); return;
  case IR_IF: instance_mark_expr(r, s->if_.cond); instance_mark_block(r, &s->if_.then); instance_mark_block(r, &s->if_.els); return;
  case IR_FOR:
    instance_mark_expr(r, s->for_.start); instance_mark_expr(r, s->for_.cond); instance_mark_expr(r, s->for_.step);
    instance_mark_block(r, &s->for_.body);
    return;
  case IR_WHILE: instance_mark_expr(r, s->while_.cond); instance_mark_block(r, &s->while_.body); return;
  case IR_RETURN: instance_mark_expr(r, s->ret.value); return;
  case IR_EVAL: instance_mark_expr(r, s->eval.expr); return;
  case IR_BLOCK: instance_mark_block(r, &s->block); return;
  default: return;
  }
}

static void instance_mark_block(instance_reach *r, const ir_block *b) {
  for (int i = 0; i < b->len; i++)
    instance_mark_stmt(r, b->stmts[i]);
}

static void instance_mark(instance_reach *r, const ir_func *f) {
  int i = ir_func_index(r->p, f);
  if (i < 0 || r->marks[i])
    return;
  r->marks[i] = true;
  instance_mark_block(r, &f->body);
}

static ir_func *instance_find_kernel(diag_ctx *d, const instance_spec *in, const ir_program *ir) {
  for (int i = 0; i < ir->nfuncs; i++) {
    ir_func *f = ir->funcs[i];
    if (strcmp(f->name, in->kernel) != 0)
      continue;
    if (f->is_kernel)
      return f;
    diag_error_noloc(d, "instance '%s': '%s' is a function, not a kernel", in->symbol, in->kernel);
    return NULL;
  }
  diag_error_noloc(d, "instance '%s': there is no kernel '%s'", in->symbol, in->kernel);
  return NULL;
}

/* Appends f under name, unless the name is taken. */
static bool instance_append(instance_merge *m, diag_ctx *d, const instance_spec *in, ir_func *f,
                            const char *name) {
  for (int i = 0; i < m->out->nfuncs; i++)
    if (strcmp(m->out->funcs[i]->name, name) == 0) {
      diag_error_noloc(d, "instance '%s': the name '%s' is also used by instance '%s'", in->symbol,
                       name, m->owner[i]);
      return false;
    }
  if (m->out->nfuncs == m->cap) {
    m->cap *= 2;
    ir_func **funcs = arena_alloc(m->a, (size_t)m->cap * sizeof *funcs);
    const char **owner = arena_alloc(m->a, (size_t)m->cap * sizeof *owner);
    memcpy(funcs, m->out->funcs, (size_t)m->out->nfuncs * sizeof *funcs);
    memcpy(owner, m->owner, (size_t)m->out->nfuncs * sizeof *owner);
    m->out->funcs = funcs;
    m->owner = owner;
  }
  f->name = name;
  m->owner[m->out->nfuncs] = in->symbol;
  m->out->funcs[m->out->nfuncs++] = f;
  return true;
}

bool instance_merge_add(instance_merge *m, diag_ctx *d, const instance_spec *in, ir_program *ir) {
  if (!m->out->source)
    m->out->source = ir->source;
  ir_func *kernel = instance_find_kernel(d, in, ir);
  if (!kernel)
    return false;
  instance_reach r = {ir, arena_alloc(m->a, (size_t)(ir->nfuncs ? ir->nfuncs : 1) * sizeof(bool))};
  instance_mark(&r, kernel);
  for (int i = 0; i < ir->nfuncs; i++) { /* callees stay before callers */
    ir_func *f = ir->funcs[i];
    if (!r.marks[i])
      continue;
    const char *name = f == kernel ? in->symbol : arena_printf(m->a, "%s_%s", f->name, in->symbol);
    if (!instance_append(m, d, in, f, name))
      return false;
  }
  return true;
}

ir_program *instance_merge_result(instance_merge *m) { return m->out; }
