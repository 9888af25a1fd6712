/* ir_smem.c: the `smem_layout` pass: where a kernel's shared arrays go.
 *
 * CUDA allows a block target->static_shared bytes (48 KiB) of static
 * __shared__ arrays; a kernel that needs more (sema allows up to
 * --max-shared-memory) gets its shared arrays carved from dynamic shared
 * memory, which the launch wrapper opts in to. The layout is declaration
 * order, each array at an IR_SMEM_ALIGN-byte aligned offset; the pass
 * stores it in ir_var.smem_offset and ir_func.smem_dynamic (the bytes of
 * dynamic shared memory, 0 when the arrays stay static). */
#include "passes.h"

static int64_t sm_block(const ir_block *b, int64_t at);

static int64_t sm_stmt(const ir_stmt *s, int64_t at) {
  if (s->kind == IR_DECL) {
    ir_var *v = s->decl.var;
    if (v->kind != IR_VAR_SHARED)
      return at;
    int64_t size = type_size_bytes(v->elem), len = v->array_len > 0 ? v->array_len : 1;
    v->smem_offset = at;
    at += size * len;
    return (at + IR_SMEM_ALIGN - 1) / IR_SMEM_ALIGN * IR_SMEM_ALIGN;
  }
  const ir_block *nb[2];
  int n = ir_stmt_bodies(s, nb);
  for (int k = 0; k < n; k++)
    at = sm_block(nb[k], at);
  return at;
}

static int64_t sm_block(const ir_block *b, int64_t at) {
  for (int i = 0; i < b->len; i++)
    at = sm_stmt(b->stmts[i], at);
  return at;
}

void ir_pass_smem_layout(pass_ctx *c, ir_program *p) {
  for (int i = 0; i < p->nfuncs; i++) {
    ir_func *f = p->funcs[i];
    if (!f->is_kernel)
      continue;
    int64_t bytes = sm_block(&f->body, 0);
    f->smem_dynamic = bytes > c->target->static_shared ? bytes : 0;
  }
}
