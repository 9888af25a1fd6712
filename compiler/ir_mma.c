/* ir_mma.c: the `mma_expand` pass (host target): mma and ldmatrix as warp
 * shuffles, loads and f32 arithmetic, before `fission` runs the shuffles
 * as exchange phases.
 *
 * The host has no tensor cores, and a thread's code sees only its own
 * registers; but an mma or ldmatrix is exactly a pattern of reads of other
 * lanes' registers (or of addresses other lanes give), which shfl_idx
 * expresses, and which fission already runs exactly. So each call becomes
 * a block of shfl_idx reads whose source lanes are the PTX ISA's fragment
 * figures (fragment.c):
 *   - mma(c, a, b), m16n8k16: lane l = 4g + t holds the c elements
 *     (g + 8h, 2t + j), h, j in {0, 1}, register 2h + j; for k = 0..15 in
 *     order, A[g + 8h][k] is register 4(k/8) + 2h + k%2 of lane
 *     4g + (k%8)/2, B[k][n] register 2(k/8) + k%2 of lane 4n + (k%8)/2,
 *     and c += (f32)a * (f32)b (the product of two 16-bit floats is exact
 *     in f32, so each step rounds once). m16n8k8 (tf32): A[g + 8h][k] is
 *     register 2(k/4) + h of lane 4g + k%4, B[k][n] register k/4 of lane
 *     4n + k%4, each rounded to tf32 (tf32_round) by the lane that
 *     offers it.
 *   - ldmatrix(dst, src, num=N, trans): lane l reads, for matrix m < N,
 *     the offset of src that lane 8m + l/4 gave (its row l/4), and its
 *     elements 2(l%4), 2(l%4)+1 into registers 2m, 2m+1; with trans, the
 *     offsets of lanes 8m + 2(l%4) + j (rows 2(l%4) + j) at column l/4.
 * The accumulation order (k from 0 up, starting from c) is one the
 * hardware may not follow; language.md §7 states the resulting tolerance.
 * The lane is the thread's linear index % 32, as for every shuffle. */
#include <string.h>

#include "passes.h"

typedef struct mx_pass {
  arena *a;
  ir_func *f;
  int temps;
} mx_pass;

static type *i32(void) { return type_scalar(TY_I32); }
static ir_expr *mx_int(mx_pass *M, int64_t v) { return ir_const_int(M->a, i32(), v); }
static ir_expr *mx_bin(mx_pass *M, ir_op op, ir_expr *x, ir_expr *y) { return ir_binary(M->a, op, i32(), x, y); }

static ir_var *mx_temp(mx_pass *M, type *t) {
  ir_func *f = M->f;
  ir_var *v = arena_alloc(M->a, sizeof *v);
  v->name = arena_printf(M->a, "hdt_mma_%d", ++M->temps);
  v->kind = IR_VAR_SCALAR;
  v->ty = v->elem = t;
  ir_func_add_var(M->a, f, v);
  return v;
}

/* The thread's linear index in the block (its lane is that % 32). */
static ir_expr *mx_tid(mx_pass *M) {
  const ir_func *f = M->f;
  ir_expr *tid = ir_special_ref(M->a, IR_THREAD_X, 0, f->block[0] - 1);
  if (f->block_rank > 1) {
    ir_expr *y = ir_special_ref(M->a, IR_THREAD_Y, 0, f->block[1] - 1);
    tid = mx_bin(M, IR_OP_ADD, tid, mx_bin(M, IR_OP_MUL, y, mx_int(M, f->block[0])));
  }
  if (f->block_rank > 2) {
    ir_expr *z = ir_special_ref(M->a, IR_THREAD_Z, 0, f->block[2] - 1);
    tid = mx_bin(M, IR_OP_ADD, tid, mx_bin(M, IR_OP_MUL, z, mx_int(M, f->block[0] * f->block[1])));
  }
  return tid;
}

/* The lane's groupID (lane / 4) and threadID_in_group (lane % 4). */
static void mx_group(mx_pass *M, ir_expr **g, ir_expr **t) {
  ir_expr *tid = mx_tid(M);
  *g = mx_bin(M, IR_OP_DIV, mx_bin(M, IR_OP_MOD, tid, mx_int(M, 32)), mx_int(M, 4));
  *t = mx_bin(M, IR_OP_MOD, tid, mx_int(M, 4));
}

static ir_expr *mx_load(mx_pass *M, ir_var *v, ir_expr *off) {
  ir_expr *e = arena_alloc(M->a, sizeof *e);
  e->kind = IR_LOAD;
  e->ty = v->elem;
  e->load.var = v;
  e->load.offset = off;
  return e;
}

static ir_expr *mx_call(mx_pass *M, ir_fn fn, type *t, ir_expr *x, ir_expr *y) {
  ir_expr *e = arena_alloc(M->a, sizeof *e);
  e->kind = IR_CALL;
  e->ty = t;
  e->call.fn = fn;
  e->call.nargs = y ? 2 : 1;
  e->call.args = arena_alloc(M->a, 2 * sizeof *e->call.args);
  e->call.args[0] = x;
  e->call.args[1] = y;
  return e;
}

/* let hdt_mma_N = shfl_idx(value, lane); its value. */
static ir_expr *mx_shuffle(mx_pass *M, ir_block *out, ir_expr *value, ir_expr *lane, span where) {
  ir_var *v = mx_temp(M, value->ty);
  ir_stmt *d = ir_stmt_new(M->a, IR_DECL, where);
  d->decl.var = v;
  d->decl.init = mx_call(M, IR_FN_SHFL_IDX, value->ty, value, lane);
  ir_block_push(M->a, out, d);
  return ir_varref(M->a, v);
}

static void mx_store(mx_pass *M, ir_block *out, ir_var *v, ir_expr *off, ir_expr *value, span where) {
  ir_stmt *s = ir_stmt_new(M->a, IR_STORE, where);
  s->store.var = v;
  s->store.offset = off;
  s->store.value = value;
  ir_block_push(M->a, out, s);
}

/* Register `reg` of the tile whose first register is the load `tile`. */
static ir_expr *mx_reg(mx_pass *M, const ir_expr *tile, ir_expr *reg) {
  return mx_load(M, tile->load.var, mx_bin(M, IR_OP_ADD, tile->load.offset, reg));
}

/* An A or B register as its lane offers it: a tf32 operand rounded
 * (cvt.rna.tf32.f32), a 16-bit one as it is. */
static ir_expr *mx_operand(mx_pass *M, const ir_expr *tile, ir_expr *reg, bool tf32) {
  ir_expr *v = mx_reg(M, tile, reg);
  return tf32 ? mx_call(M, IR_FN_TF32_ROUND, v->ty, v, NULL) : v;
}

/* One step k of the accumulation: the two A elements of the thread's rows,
 * the two B elements of its columns, four multiply-adds. */
static void mx_mma_step(mx_pass *M, const ir_expr *call, ir_expr *k, bool tf32, ir_block *out, span where) {
  const ir_expr *c = call->call.args[0], *a = call->call.args[1], *b = call->call.args[2];
  ir_expr *g, *t;
  mx_group(M, &g, &t);
  ir_expr *kin = tf32 ? mx_bin(M, IR_OP_MOD, k, mx_int(M, 4)) : mx_bin(M, IR_OP_DIV, mx_bin(M, IR_OP_MOD, k, mx_int(M, 8)), mx_int(M, 2));
  ir_expr *khalf = mx_bin(M, IR_OP_DIV, k, mx_int(M, tf32 ? 4 : 8));
  ir_expr *kodd = mx_bin(M, IR_OP_MOD, k, mx_int(M, 2));
  ir_expr *av[2], *bv[2];
  type *f32 = type_scalar(TY_F32);
  for (int h = 0; h < 2; h++) {
    ir_expr *reg = tf32 ? mx_bin(M, IR_OP_ADD, mx_bin(M, IR_OP_MUL, khalf, mx_int(M, 2)), mx_int(M, h))
                        : mx_bin(M, IR_OP_ADD, mx_bin(M, IR_OP_MUL, khalf, mx_int(M, 4)), mx_bin(M, IR_OP_ADD, mx_int(M, 2 * h), kodd));
    ir_expr *src = mx_bin(M, IR_OP_ADD, mx_bin(M, IR_OP_MUL, g, mx_int(M, 4)), kin);
    av[h] = ir_cast(M->a, f32, mx_shuffle(M, out, mx_operand(M, a, reg, tf32), src, where));
  }
  for (int j = 0; j < 2; j++) {
    ir_expr *reg = tf32 ? khalf : mx_bin(M, IR_OP_ADD, mx_bin(M, IR_OP_MUL, khalf, mx_int(M, 2)), kodd);
    ir_expr *n = mx_bin(M, IR_OP_ADD, mx_bin(M, IR_OP_MUL, t, mx_int(M, 2)), mx_int(M, j));
    ir_expr *src = mx_bin(M, IR_OP_ADD, mx_bin(M, IR_OP_MUL, n, mx_int(M, 4)), kin);
    bv[j] = ir_cast(M->a, f32, mx_shuffle(M, out, mx_operand(M, b, reg, tf32), src, where));
  }
  for (int h = 0; h < 2; h++)
    for (int j = 0; j < 2; j++) {
      ir_expr *reg = mx_int(M, 2 * h + j);
      ir_expr *prod = ir_binary(M->a, IR_OP_MUL, f32, av[h], bv[j]);
      mx_store(M, out, c->load.var, mx_bin(M, IR_OP_ADD, c->load.offset, reg),
               ir_binary(M->a, IR_OP_ADD, f32, mx_reg(M, c, reg), prod), where);
    }
}

/* for k = 0 .. K-1 (in order): one step each. */
static ir_stmt *mx_mma(mx_pass *M, const ir_expr *call, span where) {
  bool tf32 = call->call.args[1]->ty->kind == TY_F32;
  ir_var *k = mx_temp(M, i32());
  k->mutable_ = true;
  ir_stmt *loop = ir_stmt_new(M->a, IR_FOR, where);
  loop->for_.var = k;
  loop->for_.start = mx_int(M, 0);
  ir_expr *kref = ir_varref(M->a, k);
  kref->has_range = true, kref->lo = 0, kref->hi = tf32 ? 7 : 15;
  loop->for_.cond = ir_binary(M->a, IR_OP_LT, type_scalar(TY_BOOL), ir_varref(M->a, k), mx_int(M, tf32 ? 8 : 16));
  loop->for_.step = mx_int(M, 1);
  mx_mma_step(M, call, kref, tf32, &loop->for_.body, where);
  return loop;
}

/* ldmatrix: per matrix, the row offsets other lanes gave, then loads. */
static ir_stmt *mx_ldmatrix(mx_pass *M, const ir_expr *call, span where) {
  const ir_expr *dst = call->call.args[0], *src = call->call.args[1];
  int64_t num = call->call.args[2]->cst.i;
  bool trans = call->call.args[3]->cst.b;
  ir_stmt *blk = ir_stmt_new(M->a, IR_BLOCK, where);
  ir_expr *g, *t;
  mx_group(M, &g, &t);
  for (int64_t m = 0; m < num; m++) {
    ir_expr *off = NULL;
    for (int j = 0; j < 2; j++) {
      ir_expr *row = trans ? mx_bin(M, IR_OP_ADD, mx_bin(M, IR_OP_MUL, t, mx_int(M, 2)), mx_int(M, j)) : g;
      ir_expr *from = mx_bin(M, IR_OP_ADD, mx_int(M, 8 * m), row);
      /* without trans both registers come from one row: one exchange */
      if (trans || j == 0)
        off = mx_shuffle(M, &blk->block, ir_cast(M->a, i32(), src->load.offset), from, where);
      ir_expr *col = trans ? g : mx_bin(M, IR_OP_ADD, mx_bin(M, IR_OP_MUL, t, mx_int(M, 2)), mx_int(M, j));
      ir_expr *value = mx_load(M, src->load.var, mx_bin(M, IR_OP_ADD, off, col));
      mx_store(M, &blk->block, dst->load.var, mx_bin(M, IR_OP_ADD, dst->load.offset, mx_int(M, 2 * m + j)), value,
               where);
    }
  }
  return blk;
}

static bool mx_is(const ir_stmt *s, ir_fn fn) {
  return s->kind == IR_EVAL && s->eval.expr->kind == IR_CALL && s->eval.expr->call.fn == fn;
}

static void mx_block(mx_pass *M, ir_block *b) {
  for (int i = 0; i < b->len; i++) {
    ir_stmt *s = b->stmts[i];
    if (mx_is(s, IR_FN_MMA)) {
      b->stmts[i] = mx_mma(M, s->eval.expr, s->where);
      M->f->uses_shuffle = true;
      continue;
    }
    if (mx_is(s, IR_FN_LDMATRIX)) {
      b->stmts[i] = mx_ldmatrix(M, s->eval.expr, s->where);
      M->f->uses_shuffle = true;
      continue;
    }
    switch (s->kind) {
    case IR_IF: mx_block(M, &s->if_.then); mx_block(M, &s->if_.els); break;
    case IR_FOR: mx_block(M, &s->for_.body); break;
    case IR_WHILE: mx_block(M, &s->while_.body); break;
    case IR_BLOCK: mx_block(M, &s->block); break;
    default: break;
    }
  }
}

void ir_pass_mma_expand(pass_ctx *c, ir_program *p) {
  for (int i = 0; i < p->nfuncs; i++) {
    mx_pass M = {.a = c->a, .f = p->funcs[i]};
    mx_block(&M, &p->funcs[i]->body);
  }
}
