/* pass_prune.c: the first IR pass, dead declarations (passes.def: prune).
 *
 * Mapping loops bind every coordinate, and a body often uses only some:
 * declarations of unused scalars with side-effect-free initial values are
 * dropped, so that nvcc has nothing to warn about. Dropping one can make
 * another unused (its initial value read the first), so each function is
 * swept until nothing changes. Parameters always stay: they are the C
 * signature. The variables themselves stay in ir_func.vars, so names and
 * ids are those the lowering gave. This used to run inside ir_lower; as a
 * pass it can be seen on its own with --emit=ir:lower and --emit=ir:prune. */
#include <stdlib.h>
#include <string.h>

#include "passes.h"

static void prune_count_block(const ir_block *b, int *uses);

static void prune_count_stmt(const ir_stmt *s, int *uses) {
  switch (s->kind) {
  case IR_DECL: ir_count_reads(s->decl.init, uses); return;
  case IR_ASSIGN: uses[s->assign.var->id]++; ir_count_reads(s->assign.value, uses); return;
  case IR_STORE: uses[s->store.var->id]++; ir_count_reads(s->store.offset, uses); ir_count_reads(s->store.value, uses); return;
  case IR_IF: ir_count_reads(s->if_.cond, uses); prune_count_block(&s->if_.then, uses); prune_count_block(&s->if_.els, uses); return;
  case IR_FOR:
    uses[s->for_.var->id]++;
    ir_count_reads(s->for_.start, uses); ir_count_reads(s->for_.cond, uses); ir_count_reads(s->for_.step, uses);
    prune_count_block(&s->for_.body, uses);
    return;
  case IR_WHILE: ir_count_reads(s->while_.cond, uses); prune_count_block(&s->while_.body, uses); return;
  case IR_RETURN: ir_count_reads(s->ret.value, uses); return;
  case IR_EVAL: ir_count_reads(s->eval.expr, uses); return;
  case IR_BLOCK: prune_count_block(&s->block, uses); return;
  default: return;
  }
}

static void prune_count_block(const ir_block *b, int *uses) {
  for (int i = 0; i < b->len; i++)
    prune_count_stmt(b->stmts[i], uses);
}

static bool prune_block(ir_block *b, const int *uses);

static bool prune_stmt(ir_stmt *s, const int *uses) {
  switch (s->kind) {
  case IR_IF: {
    bool then = prune_block(&s->if_.then, uses); /* both branches are pruned */
    bool els = prune_block(&s->if_.els, uses);
    return then || els;
  }
  case IR_FOR: return prune_block(&s->for_.body, uses);
  case IR_WHILE: return prune_block(&s->while_.body, uses);
  case IR_BLOCK: return prune_block(&s->block, uses);
  default: return false;
  }
}

static bool prune_block(ir_block *b, const int *uses) {
  bool changed = false;
  int kept = 0;
  for (int i = 0; i < b->len; i++) {
    ir_stmt *s = b->stmts[i];
    if (s->kind == IR_DECL && uses[s->decl.var->id] == 0 && (!s->decl.init || ir_pure(s->decl.init))) {
      changed = true;
      continue;
    }
    changed |= prune_stmt(s, uses);
    b->stmts[kept++] = s;
  }
  b->len = kept;
  return changed;
}

static void prune_func(ir_func *f) {
  int *uses = calloc(f->nvars > 0 ? (size_t)f->nvars : 1, sizeof *uses);
  if (!uses)
    return;
  bool changed = true;
  while (changed) {
    memset(uses, 0, (size_t)f->nvars * sizeof *uses);
    for (int i = 0; i < f->nparams; i++)
      uses[f->params[i]->id]++; /* parameters stay, used or not */
    prune_count_block(&f->body, uses);
    changed = prune_block(&f->body, uses);
  }
  free(uses);
}

void ir_pass_prune(pass_ctx *c, ir_program *p) {
  (void)c;
  for (int i = 0; i < p->nfuncs; i++)
    prune_func(p->funcs[i]);
}
