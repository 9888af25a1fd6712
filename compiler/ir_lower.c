/* ir_lower.c: from the checked AST to the IR (see ir.h).
 *
 * Lowering trusts sema: it runs only on programs without errors, so every
 * name resolves, every constant is known and every mapping loop is valid.
 *
 * Mapping loops. For `for i, j in m.on(w)` with m = a_0 * ... * a_{n-1}:
 *   - w is split into one digit per spatial atom, w_k = (w / P_k) % n_k
 *     where n_k is the atom's worker count and P_k the product of the worker
 *     counts of the atoms after it;
 *   - a spatial atom's coordinates are t_k[d] = (w_k / stride[d]) % ext[d];
 *   - a repeat atom becomes a loop nest, slowest dimension outermost, marked
 *     for unrolling;
 *   - the task is t[d] = (...(t_0[d] * ext_1[d] + t_1[d]) * ext_2[d] ...),
 *     which the loop's variables are bound to;
 *   - when m has fewer workers than w can take values, the body is guarded
 *     by `w < workers` (the simplifier drops the guard when the ranges show
 *     it always holds).
 * Collective functions (they call syncthreads() or a shuffle, uniform.c)
 * are inlined at their calls, which sema allows only as a statement's whole
 * value (`f(...);`, `let x = f(...);`, `x = f(...);`): the host target's
 * thread-loop fission then sees their barriers and shuffles in the kernel
 * body, and both targets get the same code. They are not emitted as
 * functions.
 *
 * The position of the current task in the thread's list is the repeat
 * counters in mixed radix; a local tensor distributed by m is stored as an
 * array of that many elements and indexed by that position, a constant once
 * the loops are unrolled, so it lives in registers. */
#include <stdlib.h>
#include <string.h>

#include "lower.h"
#include "fragment.h"
#include "mapping.h"
#include "reserved.h"
#include "symtab.h"

enum { IR_UNROLL_LIMIT = 64 };

typedef struct sym_binding {
  const symbol *sym;
  ir_var *var;
} sym_binding;

typedef struct loop_binding {
  const ast_node *for_node;
  ir_expr *pos; /* the task's position in the thread's list */
} loop_binding;

typedef struct func_binding {
  const ast_node *decl;
  ir_func *fn;
} func_binding;

typedef struct lower {
  arena *a;
  ir_func *fn;
  sym_binding *syms;
  int nsyms, capsyms;
  loop_binding *loops;
  int nloops, caploops;
  func_binding *funcs;
  int nfuncs;
  /* The names lw_name_taken checks, hashed: every function's, and the
   * current function's variables' (a scan made lowering quadratic in the
   * number of kernels). */
  symtab *func_names;
  symtab *var_names;
  const hdt_target *target;
  const ast_node *inline_call; /* the collective call just inlined */
  ir_expr *inline_result;      /* and its value (NULL: void) */
} lower;

static void *lw_grow(void *p, int *cap, size_t elem) {
  *cap = *cap ? 2 * *cap : 16;
  void *q = realloc(p, (size_t)*cap * elem);
  if (!q) {
    fputs("hdtc: fatal: out of memory\n", stderr);
    abort();
  }
  return q;
}

/* ---- names and variables ---- */

static bool lw_name_taken(const lower *L, const char *name) {
  /* Keywords, the names both outputs spell, the builtins and the names C
   * reserves by their shape (reserved.c). */
  if (reserved_var_name(name))
    return true;
  return symtab_get(L->var_names, name) || symtab_get(L->func_names, name);
}

/* A base that suffixes can free: runs of '_' become one '_' (no "__"), and a
 * name that starts with "hdt_" or "_X" gets a "v" in front ("vhdt_x",
 * "v_X"). The result never has a reserved shape, and neither has base + a
 * digit suffix ("_N", or "N" after a final '_', so no "__" appears). */
static bool lw_unsafe_base(const char *base) {
  /* "__" anywhere, "_" and a capital, "hdt_": no suffix can free them. */
  return reserved_by_c(base) || strcmp(base, "hdt") == 0; /* hdt_1 */
}

static const char *lw_safe_base(lower *L, const char *base) {
  if (!lw_unsafe_base(base))
    return base;
  size_t len = strlen(base);
  char *out = arena_alloc(L->a, len + 2), *o = out;
  *o++ = 'v';
  for (const char *c = base; *c; c++)
    if (*c != '_' || c[1] != '_')
      *o++ = *c;
  *o = '\0';
  return lw_unsafe_base(out + 1) ? out : out + 1;
}

/* A fresh C name for a variable. Every suffix gives a different name of a
 * safe shape (see lw_safe_base), so at most (listed words + variables +
 * functions) suffixes are taken and the loop ends by then. */
static ir_var *lw_new_var(lower *L, const char *base, ir_var_kind kind, type *t) {
  ir_var *v = arena_alloc(L->a, sizeof *v);
  base = lw_safe_base(L, base);
  size_t len = strlen(base);
  const char *sep = len && base[len - 1] == '_' ? "" : "_";
  const char *name = base;
  for (int n = 1; lw_name_taken(L, name); n++)
    name = arena_printf(L->a, "%s%s%d", base, sep, n);
  v->name = name;
  v->kind = kind;
  v->ty = t;
  v->elem = t->kind == TY_TENSOR ? t->elem : t;
  ir_func_add_var(L->a, L->fn, v);
  symtab_put(L->var_names, v->name, v);
  return v;
}

static void lw_bind(lower *L, const symbol *sym, ir_var *v) {
  if (L->nsyms == L->capsyms)
    L->syms = lw_grow(L->syms, &L->capsyms, sizeof *L->syms);
  L->syms[L->nsyms++] = (sym_binding){sym, v};
}

static ir_var *lw_var_of(lower *L, const symbol *sym) {
  for (int i = L->nsyms - 1; i >= 0; i--)
    if (L->syms[i].sym == sym)
      return L->syms[i].var;
  return NULL;
}

/* A value that is the same wherever it is evaluated in its scope: no
 * loads (memory changes), no calls, and only immutable variables. */
static bool lw_unstable(const ir_expr *e, void *ctx) {
  (void)ctx;
  return e->kind == IR_LOAD || e->kind == IR_CALL || e->kind == IR_XCHG_READ ||
         (e->kind == IR_VARREF && (e->var->mutable_ || (e->var->kind != IR_VAR_SCALAR && e->var->kind != IR_VAR_PARAM)));
}

static ir_stmt *lw_decl(lower *L, ir_block *out, ir_var *v, ir_expr *init, span where) {
  ir_stmt *s = ir_stmt_new(L->a, IR_DECL, where);
  s->decl.var = v;
  s->decl.init = init;
  if (init && !v->mutable_ && v->kind == IR_VAR_SCALAR && !ir_expr_any(init, lw_unstable, NULL))
    v->value = init;
  if (init && init->has_range && !v->mutable_ && type_is_int(v->ty)) {
    v->has_range = true;
    v->lo = init->lo;
    v->hi = init->hi;
  }
  ir_block_push(L->a, out, s);
  return s;
}

/* ---- types ---- */

static type *lw_type(const ast_node *n) {
  type *t = n->ty;
  if (t->kind == TY_INT_LIT)
    return type_default(t, n->cval && n->cval->kind == VAL_INT ? n->cval->i : 0);
  if (t->kind == TY_FLOAT_LIT)
    return type_scalar(TY_F32);
  return t;
}

static type *i32(void) { return type_scalar(TY_I32); }

/* ---- expressions ---- */

static ir_expr *lw_expr(lower *L, const ast_node *n);

static ir_expr *lw_constant(lower *L, const ast_node *n) {
  type *t = lw_type(n);
  const value *v = n->cval;
  if (t->kind == TY_BOOL)
    return ir_const_bool(L->a, v->kind == VAL_BOOL ? v->b : v->i != 0);
  if (type_is_float(t))
    return ir_const_float(L->a, t, v->kind == VAL_FLOAT ? v->f : (double)v->i);
  return ir_const_int(L->a, t, v->kind == VAL_INT ? v->i : (int64_t)v->f);
}

static ir_expr *lw_special(lower *L, const ast_node *n) {
  builtin_id base = (builtin_id)n->member.base->sym->builtin;
  int axis = n->member.name[0] - 'x';
  ir_func *f = L->fn;
  const hdt_target *tg = L->target;
  if (!f->is_kernel) { /* a device function runs in blocks of any shape */
    if (base == BI_THREADIDX)
      return ir_special_ref(L->a, (ir_special)(IR_THREAD_X + axis), 0, tg->max_block[axis] - 1);
    if (base == BI_BLOCKDIM)
      return ir_special_ref(L->a, (ir_special)(IR_BLOCKDIM_X + axis), 1, tg->max_block[axis]);
  }
  switch (base) {
  case BI_THREADIDX: return ir_special_ref(L->a, (ir_special)(IR_THREAD_X + axis), 0, f->block[axis] - 1);
  case BI_BLOCKDIM: return ir_const_int(L->a, i32(), f->block[axis]);
  case BI_BLOCKIDX: return ir_special_ref(L->a, (ir_special)(IR_BLOCK_X + axis), 0, tg->max_grid[axis] - 1);
  default: return ir_special_ref(L->a, (ir_special)(IR_GRIDDIM_X + axis), 1, tg->max_grid[axis]);
  }
}

/* The type of element offsets into a tensor. A global tensor (a parameter)
 * may hold more than 2^31 elements (an H200 has 141 GB), so its offsets are
 * computed in i64 unless its shape is constant with fewer than 2^31
 * elements; shared and local tensors have constant, small shapes and keep
 * i32, so that the hot loops over them stay cheap. An i64 or u64 index
 * makes the offset i64 anywhere. */
static type *lw_offset_type(const ir_var *v, const type *t, const ast_list *ix) {
  for (int i = 0; i < ix->len; i++)
    if (lw_type(ix->items[i])->kind == TY_I64 || lw_type(ix->items[i])->kind == TY_U64)
      return type_scalar(TY_I64);
  if (v->kind != IR_VAR_PARAM || ix->len == 1)
    return i32(); /* one index: the offset is the index, which is an i32 */
  int64_t elems = 1;
  for (int i = 0; i < t->rank; i++) {
    if (t->const_dims[i] < 0 || t->const_dims[i] > INT32_MAX)
      return type_scalar(TY_I64);
    elems *= t->const_dims[i]; /* < 2^31 * 2^31: no overflow before the test */
    if (elems > INT32_MAX)
      return type_scalar(TY_I64);
  }
  return i32();
}

/* The element offset of t[i0, i1, ...] in a row-major tensor of dims d. */
static ir_expr *lw_row_major(lower *L, const ir_var *v, const type *t, const ast_node *index) {
  const ast_list *ix = &index->index.indices;
  type *ot = lw_offset_type(v, t, ix);
  ir_expr *off = NULL;
  for (int i = 0; i < ix->len; i++) {
    ir_expr *iv = ir_cast(L->a, ot, lw_expr(L, ix->items[i]));
    if (!off) {
      off = iv;
      continue;
    }
    ir_expr *dim = t->const_dims[i] >= 0 ? ir_const_int(L->a, ot, t->const_dims[i])
                                         : ir_cast(L->a, ot, lw_expr(L, t->dims[i]));
    off = ir_binary(L->a, IR_OP_ADD, ot, ir_binary(L->a, IR_OP_MUL, ot, off, dim), iv);
  }
  return off;
}

static ir_expr *lw_loop_position(lower *L, const ast_node *index) {
  const symbol *v = index->index.indices.items[0]->sym;
  for (int i = L->nloops - 1; i >= 0; i--)
    if (L->loops[i].for_node == v->loop)
      return L->loops[i].pos;
  return ir_const_int(L->a, i32(), 0); /* unreachable after sema */
}

/* A swizzled tensor stores row-major offset o at o ^ ((o >> S) & mask),
 * mask = ((1 << B) - 1) << M (types.h): an XOR of bits [M, M + B) with
 * bits [S + M, S + M + B), which S >= B keeps apart, so the map is its own
 * inverse and permutes each run of 2^(B + M + S) elements. */
static ir_expr *lw_swizzle(lower *L, const type *t, ir_expr *off) {
  if (!t->swizzled || t->swz_bits == 0)
    return off;
  type *ot = off->ty;
  int64_t mask = (((int64_t)1 << t->swz_bits) - 1) << t->swz_base;
  ir_expr *shifted = ir_binary(L->a, IR_OP_SHR, ot, off, ir_const_int(L->a, ot, t->swz_shift));
  ir_expr *moved = ir_binary(L->a, IR_OP_BAND, ot, shifted, ir_const_int(L->a, ot, mask));
  return ir_binary(L->a, IR_OP_BXOR, ot, off, moved);
}

/* The swizzle reads and writes only bits below P = 2^(B + M + S), so for
 * any H that is a multiple of P, swz(H + o) = H + swz(o) (two's complement:
 * adding H leaves the low bits alone). The offset of a swizzled access is
 * therefore split into additive terms: those known to be multiples of P
 * (the stage index of a ring of tiles, a row that steps by 16 in a tile of
 * 32 columns, the constant's high part) are added after the XOR, and only
 * the rest goes through it. What is left is often loop-invariant (the
 * lane's part of an ldmatrix address), which the CUDA compiler then
 * computes once instead of in every iteration. */
typedef struct lw_split {
  type *ot;
  int bits;             /* B + M + S */
  ir_expr *high, *low;  /* the sums of the terms, NULL when none */
  int64_t high_c, low_c; /* and of their constants */
} lw_split;

enum { LW_SPLIT_DEPTH = 4 }; /* `let`s looked through, nested */

static void lw_split_add(lower *L, lw_split *sp, ir_expr **sum, ir_expr *term) {
  *sum = *sum ? ir_binary(L->a, IR_OP_ADD, sp->ot, *sum, term) : term;
}

static void lw_split_term(lower *L, lw_split *sp, ir_expr *e, int64_t stride, int depth);

/* A `let` is looked through only when its value has a part that leaves
 * the XOR; otherwise the variable stays one term (nothing is recomputed). */
static bool lw_split_let(lower *L, lw_split *sp, ir_expr *e, int64_t stride, int depth) {
  if (e->kind != IR_VARREF || !e->var->value || e->var->value->ty != sp->ot || depth >= LW_SPLIT_DEPTH)
    return false;
  lw_split sub = {sp->ot, sp->bits, NULL, NULL, 0, 0};
  lw_split_term(L, &sub, e->var->value, stride, depth + 1);
  if (!sub.high && sub.high_c == 0)
    return false;
  if (sub.high)
    lw_split_add(L, sp, &sp->high, sub.high);
  if (sub.low)
    lw_split_add(L, sp, &sp->low, sub.low);
  sp->high_c += sub.high_c;
  sp->low_c += sub.low_c;
  return true;
}

/* Adds e * stride to the split, distributing sums and constant factors
 * (exact in wrap-around arithmetic). */
static void lw_split_term(lower *L, lw_split *sp, ir_expr *e, int64_t stride, int depth) {
  int64_t p = (int64_t)1 << sp->bits, c;
  if (e->kind == IR_CONST && type_is_int(e->ty)) {
    int64_t v = (int64_t)((uint64_t)e->cst.i * (uint64_t)stride);
    sp->low_c += v & (p - 1);
    sp->high_c += v - (v & (p - 1));
    return;
  }
  if (e->ty == sp->ot && e->kind == IR_BINARY && e->op.op == IR_OP_ADD) {
    lw_split_term(L, sp, e->op.a, stride, depth);
    lw_split_term(L, sp, e->op.b, stride, depth);
    return;
  }
  if (e->ty == sp->ot && e->kind == IR_BINARY && e->op.op == IR_OP_MUL && e->op.b->kind == IR_CONST &&
      !__builtin_mul_overflow(e->op.b->cst.i, stride, &c) && c != 0 && type_int_fits(sp->ot, c)) {
    lw_split_term(L, sp, e->op.a, c, depth);
    return;
  }
  bool high = stride != 0 && ir_known_tz(e) + __builtin_ctzll((unsigned long long)stride) >= sp->bits;
  if (!high && lw_split_let(L, sp, e, stride, depth))
    return;
  ir_expr *term = ir_binary(L->a, IR_OP_MUL, sp->ot, e, ir_const_int(L->a, sp->ot, stride));
  lw_split_add(L, sp, high ? &sp->high : &sp->low, term);
}

/* The offset of t[i0, i1, ...] for a swizzled t: high + swz(low). */
static ir_expr *lw_swizzled_offset(lower *L, const ir_var *v, const type *t, const ast_node *index) {
  const ast_list *ix = &index->index.indices;
  type *ot = lw_offset_type(v, t, ix);
  lw_split sp = {ot, t->swz_bits + t->swz_base + t->swz_shift, NULL, NULL, 0, 0};
  int64_t stride = 1;
  for (int i = ix->len - 1; i > 0; i--)
    stride *= t->const_dims[i]; /* shared: constant, and small (sema) */
  for (int i = 0; i < ix->len; i++) { /* the indices in source order */
    lw_split_term(L, &sp, ir_cast(L->a, ot, lw_expr(L, ix->items[i])), stride, 0);
    stride /= i + 1 < ix->len ? t->const_dims[i + 1] : 1;
  }
  ir_expr *low = ir_const_int(L->a, ot, sp.low_c);
  if (sp.low)
    low = sp.low_c ? ir_binary(L->a, IR_OP_ADD, ot, sp.low, low) : sp.low;
  ir_expr *off = lw_swizzle(L, t, low);
  if (sp.high)
    off = ir_binary(L->a, IR_OP_ADD, ot, sp.high, off);
  return sp.high_c ? ir_binary(L->a, IR_OP_ADD, ot, off, ir_const_int(L->a, ot, sp.high_c)) : off;
}

/* A tensor element: the variable and the flattened offset (swizzled where
 * the tensor is, so every access, builtins' included, goes through it). */
static ir_var *lw_element(lower *L, const ast_node *n, ir_expr **offset) {
  const symbol *sym = n->index.base->sym;
  ir_var *v = lw_var_of(L, sym);
  if (sym->kind == SYM_LOCAL && sym->dist)
    *offset = lw_loop_position(L, n);
  else if (sym->ty->swizzled && sym->ty->swz_bits > 0)
    *offset = lw_swizzled_offset(L, v, sym->ty, n);
  else
    *offset = lw_row_major(L, v, sym->ty, n);
  return v;
}

static ir_expr *lw_load(lower *L, ir_var *v, ir_expr *off) {
  ir_expr *e = arena_alloc(L->a, sizeof *e);
  e->kind = IR_LOAD;
  e->ty = v->elem;
  e->load.var = v;
  e->load.offset = off;
  return e;
}

static ir_expr *lw_call_node(lower *L, ir_fn fn, type *t, int nargs) {
  ir_expr *e = arena_alloc(L->a, sizeof *e);
  e->kind = IR_CALL;
  e->ty = t;
  e->call.fn = fn;
  e->call.nargs = nargs;
  e->call.args = arena_alloc(L->a, (size_t)(nargs ? nargs : 1) * sizeof *e->call.args);
  return e;
}

static ir_func *lw_func_of(lower *L, const ast_node *decl) {
  for (int i = 0; i < L->nfuncs; i++)
    if (L->funcs[i].decl == decl)
      return L->funcs[i].fn;
  return NULL;
}

/* The IR's operator for an AST operator (the IR has its own list, ir.h). */
static ir_op lw_op(ast_op op) {
  static const ir_op map[] = {
      [AST_OP_ADD] = IR_OP_ADD,   [AST_OP_SUB] = IR_OP_SUB,   [AST_OP_MUL] = IR_OP_MUL,
      [AST_OP_DIV] = IR_OP_DIV,   [AST_OP_MOD] = IR_OP_MOD,   [AST_OP_SHL] = IR_OP_SHL,
      [AST_OP_SHR] = IR_OP_SHR,   [AST_OP_BAND] = IR_OP_BAND, [AST_OP_BOR] = IR_OP_BOR,
      [AST_OP_BXOR] = IR_OP_BXOR, [AST_OP_LAND] = IR_OP_LAND, [AST_OP_LOR] = IR_OP_LOR,
      [AST_OP_EQ] = IR_OP_EQ,     [AST_OP_NE] = IR_OP_NE,     [AST_OP_LT] = IR_OP_LT,
      [AST_OP_LE] = IR_OP_LE,     [AST_OP_GT] = IR_OP_GT,     [AST_OP_GE] = IR_OP_GE,
      [AST_OP_NEG] = IR_OP_NEG,   [AST_OP_NOT] = IR_OP_NOT,   [AST_OP_BNOT] = IR_OP_BNOT,
  };
  return map[op];
}

/* The type operand i of a builtin call is computed in: the result's type,
 * except a shuffle's lane (i32), a vote's condition (u32: 0 or 1, what the
 * exchange slots and CUDA's __ballot_sync hold) and a predicate's operand
 * (its own type, f16 and bf16 computed in f32). */
static type *lw_operand_type(lower *L, const builtin_info *b, int i, type *t, const ast_node *arg) {
  (void)L;
  if (b->sig == BS_SHUFFLE && i == 1)
    return i32();
  if (b->sig == BS_VOTE)
    return type_scalar(TY_U32);
  if (b->sig == BS_PREDICATE) {
    type *at = lw_type(arg);
    return at->kind == TY_F64 ? at : type_scalar(TY_F32);
  }
  /* Asynchronous copies and vector access: BYTES and N are i32, pred bool. */
  if (b->sig == BS_CP_ASYNC || b->sig == BS_VCOPY || b->sig == BS_CP_ASYNC_GROUP)
    return b->sig == BS_CP_ASYNC && i == 3 ? type_scalar(TY_BOOL) : i32();
  return t;
}

/* ---- tensor cores ---- */

/* A tile operand of mma or ldmatrix (sema_mma.c): its first register, an
 * IR_LOAD of the fragment tensor at pos(tile) * |L| (fragment.h), which
 * the emitters pass by address. */
static ir_expr *lw_tile(lower *L, const ast_node *arg) {
  const ast_node *base = arg->kind == AST_INDEX ? arg->index.base : arg;
  const symbol *sym = base->sym;
  frag_split sp;
  frag_split_mapping(sym->dist, &sp);
  ir_expr *pos = ir_const_int(L->a, i32(), 0);
  if (arg->kind == AST_INDEX) {
    frag_pos_term terms[2 * MAP_MAX_ATOMS];
    int n = frag_position_terms(sym->dist, &sp, terms);
    ir_expr *tile[2];
    for (int i = 0; i < 2; i++)
      tile[i] = ir_cast(L->a, i32(), lw_expr(L, arg->index.indices.items[i]));
    for (int j = 0; j < n; j++) {
      ir_expr *t = ir_binary(L->a, IR_OP_DIV, i32(), tile[j % 2], ir_const_int(L->a, i32(), terms[j].div));
      if (terms[j].mod)
        t = ir_binary(L->a, IR_OP_MOD, i32(), t, ir_const_int(L->a, i32(), terms[j].mod));
      t = ir_binary(L->a, IR_OP_MUL, i32(), t, ir_const_int(L->a, i32(), terms[j].mul));
      pos = ir_binary(L->a, IR_OP_ADD, i32(), pos, t);
    }
  }
  ir_var *v = lw_var_of(L, sym);
  v->align = IR_VEC_ALIGN; /* the helpers read pairs of 16-bit registers as one 32-bit register */
  return lw_load(L, v, ir_binary(L->a, IR_OP_MUL, i32(), pos, ir_const_int(L->a, i32(), sp.regs)));
}

/* Positional argument i of a call that may have keyword arguments. */
static const ast_node *lw_positional(const ast_node *call, int i) {
  for (int j = 0; j < call->call.args.len; j++)
    if (call->call.args.items[j]->kind != AST_KWARG && i-- == 0)
      return call->call.args.items[j];
  return NULL; /* unreachable after sema */
}

/* A keyword argument's constant, or NULL. */
static const value *lw_kwarg(const ast_node *call, const char *name) {
  for (int i = 0; i < call->call.args.len; i++) {
    const ast_node *a = call->call.args.items[i];
    if (a->kind == AST_KWARG && strcmp(a->kwarg.name, name) == 0)
      return a->kwarg.value->cval;
  }
  return NULL;
}

/* mma(c, a, b): the three tiles. ldmatrix(dst, src, num=, trans=): the
 * tile, the shared element, then the number of matrices (i32) and trans
 * (bool), both constants, so that every call has four arguments. */
static ir_expr *lw_tensor_core(lower *L, const ast_node *n, const builtin_info *b) {
  bool mma = b->sig == BS_MMA;
  ir_expr *e = lw_call_node(L, (ir_fn)b->id, type_scalar(TY_VOID), mma ? 3 : 4);
  e->call.args[0] = lw_tile(L, lw_positional(n, 0));
  if (mma) {
    e->call.args[1] = lw_tile(L, lw_positional(n, 1));
    e->call.args[2] = lw_tile(L, lw_positional(n, 2));
    return e;
  }
  const ast_node *dst = lw_positional(n, 0);
  if (dst->kind == AST_INDEX)
    dst = dst->index.base;
  frag_split sp;
  frag_split_mapping(dst->sym->dist, &sp);
  ir_expr *off;
  ir_var *v = lw_element(L, lw_positional(n, 1), &off);
  e->call.args[1] = lw_load(L, v, off);
  const value *num = lw_kwarg(n, "num"), *trans = lw_kwarg(n, "trans");
  e->call.args[2] = ir_const_int(L->a, i32(), num ? num->i : sp.regs / 2);
  e->call.args[3] = ir_const_bool(L->a, trans && trans->b);
  return e;
}

/* The IR arguments of a builtin call: cp_async's predicate defaults to
 * true, so that its IR call always has four. */
static int lw_call_nargs(const builtin_info *b, int nargs) { return b->sig == BS_CP_ASYNC ? 4 : nargs; }

/* What a vector access (vcopy, cp_async and its groups) tells the
 * emitters: the arrays it addresses are declared aligned to the widest
 * access, and the host keeps a queue of pending copies for the function. */
static void lw_note_vector_access(lower *L, const builtin_info *b, ir_var *addressed) {
  if (b->sig != BS_CP_ASYNC && b->sig != BS_VCOPY && b->sig != BS_CP_ASYNC_GROUP)
    return;
  if (addressed && (addressed->kind == IR_VAR_SHARED || addressed->kind == IR_VAR_LOCAL))
    addressed->align = IR_VEC_ALIGN;
  L->fn->uses_cp_async |= b->sig != BS_VCOPY;
}

static ir_expr *lw_call(lower *L, const ast_node *n) {
  const symbol *callee = n->call.callee->sym;
  const ast_list *args = &n->call.args;
  type *t = lw_type(n);
  if (callee->kind == SYM_FUNC && n == L->inline_call)
    return L->inline_result;
  if (callee->kind == SYM_FUNC) {
    ir_expr *e = lw_call_node(L, IR_FN_USER, t, args->len);
    e->call.callee = lw_func_of(L, callee->decl);
    for (int i = 0; i < args->len; i++)
      e->call.args[i] = lw_expr(L, args->items[i]);
    return e;
  }
  const builtin_info *b = builtin_get((builtin_id)callee->builtin);
  if (b->id == BI_CDIV) {
    /* a / b + (a % b > 0): never overflows, unlike (a + b - 1) / b near the
     * top of the type, and rounds up for negative a too (b > 0) */
    ir_expr *x = ir_cast(L->a, t, lw_expr(L, args->items[0])), *y = ir_cast(L->a, t, lw_expr(L, args->items[1]));
    ir_expr *rem = ir_binary(L->a, IR_OP_MOD, t, x, y);
    ir_expr *up = ir_cast(L->a, t, ir_binary(L->a, IR_OP_GT, type_scalar(TY_BOOL), rem, ir_const_int(L->a, t, 0)));
    return ir_binary(L->a, IR_OP_ADD, t, ir_binary(L->a, IR_OP_DIV, t, x, y), up);
  }
  if (b->sig == BS_MMA || b->sig == BS_LDMATRIX)
    return lw_tensor_core(L, n, b);
  if (b->lowering == BL_CALL) {
    ir_fn fn = (ir_fn)b->id;
    ir_expr *e = lw_call_node(L, fn, t, lw_call_nargs(b, args->len));
    lw_note_vector_access(L, b, NULL);
    for (int i = 0; i < args->len; i++) {
      if (i < builtin_addr_args(b)) {
        ir_expr *off;
        ir_var *v = lw_element(L, args->items[i], &off);
        e->call.args[i] = lw_load(L, v, off);
        lw_note_vector_access(L, b, v);
        continue;
      }
      ir_expr *x = lw_expr(L, args->items[i]);
      e->call.args[i] = ir_cast(L->a, lw_operand_type(L, b, i, t, args->items[i]), x);
    }
    for (int i = args->len; i < e->call.nargs; i++) /* cp_async's default predicate */
      e->call.args[i] = ir_const_bool(L->a, true);
    L->fn->uses_shuffle |= builtin_is_exchange(b);
    L->fn->uses_atomic |= builtin_is_atomic(b);
    return e;
  }
  return ir_const_int(L->a, i32(), 0); /* unreachable after sema */
}

static ir_expr *lw_expr(lower *L, const ast_node *n) {
  if (n->cval && n->ty && type_is_scalar(n->ty))
    return lw_constant(L, n);
  switch (n->kind) {
  case AST_NAME: {
    ir_var *v = lw_var_of(L, n->sym);
    return v->kind == IR_VAR_SHARED ? lw_load(L, v, ir_const_int(L->a, i32(), 0)) : ir_varref(L->a, v);
  }
  case AST_MEMBER: return lw_special(L, n);
  case AST_INDEX: {
    ir_expr *off;
    ir_var *v = lw_element(L, n, &off);
    return lw_load(L, v, off);
  }
  case AST_UNARY:
    return ir_unary(L->a, lw_op(n->unary.op), lw_type(n), lw_expr(L, n->unary.operand));
  case AST_BINARY: {
    type *t = lw_type(n), *ot = lw_type(n->binary.lhs);
    ir_expr *x = lw_expr(L, n->binary.lhs), *y = lw_expr(L, n->binary.rhs);
    if (n->binary.op != AST_OP_LAND && n->binary.op != AST_OP_LOR) {
      type *common = t->kind == TY_BOOL ? (type_common(ot, lw_type(n->binary.rhs)) ? type_common(ot, lw_type(n->binary.rhs)) : ot) : t;
      x = ir_cast(L->a, common, x);
      y = ir_cast(L->a, common, y);
    }
    return ir_binary(L->a, lw_op(n->binary.op), t, x, y);
  }
  case AST_CAST: return ir_cast(L->a, lw_type(n), lw_expr(L, n->cast.expr));
  case AST_IF_EXPR: {
    type *t = lw_type(n);
    return ir_select(L->a, t, lw_expr(L, n->if_expr.cond), ir_cast(L->a, t, lw_expr(L, n->if_expr.then)),
                     ir_cast(L->a, t, lw_expr(L, n->if_expr.els)));
  }
  case AST_CALL: return lw_call(L, n);
  default: return ir_const_int(L->a, i32(), 0); /* unreachable after sema */
  }
}

/* ---- statements ---- */

static void lw_block(lower *L, const ast_node *n, ir_block *out);
static void lw_stmt(lower *L, const ast_node *n, ir_block *out);

static void lw_var(lower *L, const ast_node *n, ir_block *out) {
  symbol *sym = n->sym;
  type *t = sym->ty;
  if (n->var.kind == AST_VAR_SHARED || n->var.kind == AST_VAR_LOCAL) {
    bool shared = n->var.kind == AST_VAR_SHARED;
    if (t->kind != TY_TENSOR) { /* `shared x: f32;` is a one-element array */
      int64_t *one = arena_alloc(L->a, sizeof *one);
      *one = 1;
      t = type_tensor(L->a, t, 1, NULL, one, shared ? SPACE_SHARED : SPACE_LOCAL);
    }
    ir_var *v = lw_new_var(L, n->var.name, shared ? IR_VAR_SHARED : IR_VAR_LOCAL, t);
    v->array_len = sym->dist ? map_tasks_per_worker(sym->dist) : type_size_bytes(t) / (type_bits(t->elem) / 8);
    lw_bind(L, sym, v);
    lw_decl(L, out, v, NULL, n->span);
    return;
  }
  if (t->kind == TY_MAPPING)
    return; /* a compile-time value: uses were folded */
  ir_var *v = lw_new_var(L, n->var.name, IR_VAR_SCALAR, t);
  v->mutable_ = n->var.kind == AST_VAR_VAR;
  lw_bind(L, sym, v);
  lw_decl(L, out, v, n->var.init ? ir_cast(L->a, t, lw_expr(L, n->var.init)) : NULL, n->span);
}

static void lw_assign(lower *L, const ast_node *n, ir_block *out) {
  const ast_node *target = n->assign.target;
  type *t = lw_type(target);
  ir_expr *value = ir_cast(L->a, t, lw_expr(L, n->assign.value));
  if (target->kind == AST_NAME && lw_var_of(L, target->sym)->kind == IR_VAR_SCALAR) {
    ir_var *v = lw_var_of(L, target->sym);
    if (n->assign.op != AST_OP_ASSIGN)
      value = ir_binary(L->a, lw_op(n->assign.op), t, ir_varref(L->a, v), value);
    ir_stmt *s = ir_stmt_new(L->a, IR_ASSIGN, n->span);
    s->assign.var = v;
    s->assign.value = value;
    ir_block_push(L->a, out, s);
    return;
  }
  ir_expr *off;
  ir_var *v = target->kind == AST_NAME ? lw_var_of(L, target->sym) : lw_element(L, target, &off);
  if (target->kind == AST_NAME) /* a shared scalar */
    off = ir_const_int(L->a, i32(), 0);
  if (n->assign.op != AST_OP_ASSIGN)
    value = ir_binary(L->a, lw_op(n->assign.op), t, lw_load(L, v, off), value);
  ir_stmt *s = ir_stmt_new(L->a, IR_STORE, n->span);
  s->store.var = v;
  s->store.offset = off;
  s->store.value = value;
  ir_block_push(L->a, out, s);
}

static ir_stmt *lw_for_stmt(lower *L, ir_var *v, ir_expr *start, ir_expr *cond, ir_expr *step, bool unroll,
                            span where) {
  ir_stmt *s = ir_stmt_new(L->a, IR_FOR, where);
  s->for_.var = v;
  s->for_.start = start;
  s->for_.cond = cond;
  s->for_.step = step;
  s->for_.unroll = unroll;
  return s;
}

/* A counter over [0, n) with a known range: a repeat dimension or a list index. */
static ir_stmt *lw_counted_loop(lower *L, const char *name, int64_t n, bool unroll, span where, ir_var **out_var) {
  ir_var *v = lw_new_var(L, name, IR_VAR_SCALAR, i32());
  /* The range holds in the body, not where the condition is tested. */
  ir_expr *cond = ir_binary(L->a, IR_OP_LT, type_scalar(TY_BOOL), ir_varref(L->a, v), ir_const_int(L->a, i32(), n));
  v->has_range = true;
  v->lo = 0;
  v->hi = n - 1;
  *out_var = v;
  return lw_for_stmt(L, v, ir_const_int(L->a, i32(), 0), cond, ir_const_int(L->a, i32(), 1), unroll, where);
}

/* A loop bound is evaluated once, as range() promises: anything but a
 * constant, a variable or a builtin index goes into a variable first. */
static ir_expr *lw_once(lower *L, ir_expr *e, const char *name, ir_block *out, span where) {
  if (e->kind == IR_CONST || e->kind == IR_VARREF || e->kind == IR_SPECIAL)
    return e;
  ir_var *v = lw_new_var(L, name, IR_VAR_SCALAR, e->ty);
  lw_decl(L, out, v, e, where);
  return ir_varref(L->a, v);
}

static void lw_for_range(lower *L, const ast_node *n, ir_block *out) {
  symbol *sym = n->for_.vars.items[0]->sym;
  type *t = sym->ty;
  ir_expr *start = n->for_.start ? ir_cast(L->a, t, lw_expr(L, n->for_.start)) : ir_const_int(L->a, t, 0);
  ir_expr *stop = lw_once(L, ir_cast(L->a, t, lw_expr(L, n->for_.stop)), "stop", out, n->span);
  ir_expr *step = n->for_.step ? lw_once(L, ir_cast(L->a, t, lw_expr(L, n->for_.step)), "step", out, n->span)
                               : ir_const_int(L->a, t, 1);
  ir_var *v = lw_new_var(L, sym->name, IR_VAR_SCALAR, t);
  lw_bind(L, sym, v);
  type *b = type_scalar(TY_BOOL);
  ir_expr *ref = ir_varref(L->a, v);
  ir_expr *cond;
  if (step->kind == IR_CONST)
    cond = ir_binary(L->a, step->cst.i > 0 ? IR_OP_LT : IR_OP_GT, b, ref, stop);
  else
    cond = ir_select(L->a, b, ir_binary(L->a, IR_OP_GT, b, step, ir_const_int(L->a, t, 0)),
                     ir_binary(L->a, IR_OP_LT, b, ref, stop), ir_binary(L->a, IR_OP_GT, b, ref, stop));
  /* In the body (the body never assigns a loop variable), not in the condition. */
  if (start->has_range && stop->has_range && step->kind == IR_CONST && step->cst.i > 0 && stop->hi > start->lo) {
    v->has_range = true;
    v->lo = start->lo;
    v->hi = stop->hi - 1;
  }
  bool unroll = !n->for_.unroll && start->kind == IR_CONST && stop->kind == IR_CONST && step->kind == IR_CONST &&
                (stop->cst.i - start->cst.i) / step->cst.i <= IR_UNROLL_LIMIT;
  ir_stmt *s = lw_for_stmt(L, v, start, cond, step, unroll, n->span);
  s->for_.unroll_count = n->for_.unroll;
  lw_block(L, n->for_.body, &s->for_.body);
  ir_block_push(L->a, out, s);
}

/* for x in [a, b, c]: an unrolled counter, and x chosen by the counter. */
static void lw_for_list(lower *L, const ast_node *n, ir_block *out) {
  const value *l = n->for_.iter->cval;
  symbol *sym = n->for_.vars.items[0]->sym;
  ir_var *k;
  ir_stmt *s = lw_counted_loop(L, "k", l->len, true, n->span, &k);
  ir_expr *chosen = ir_const_int(L->a, i32(), l->len ? l->items[l->len - 1].i : 0);
  for (int i = l->len - 2; i >= 0; i--)
    chosen = ir_select(L->a, i32(), ir_binary(L->a, IR_OP_EQ, type_scalar(TY_BOOL), ir_varref(L->a, k), ir_const_int(L->a, i32(), i)),
                       ir_const_int(L->a, i32(), l->items[i].i), chosen);
  ir_var *v = lw_new_var(L, sym->name, IR_VAR_SCALAR, i32());
  lw_bind(L, sym, v);
  lw_decl(L, &s->for_.body, v, chosen, n->span);
  lw_block(L, n->for_.body, &s->for_.body);
  ir_block_push(L->a, out, s);
}

/* A copy of a leaf expression with a narrower range, valid where a guard holds. */
static ir_expr *lw_with_range(lower *L, const ir_expr *e, int64_t lo, int64_t hi) {
  ir_expr *c = arena_alloc(L->a, sizeof *c);
  *c = *e;
  c->lo = lo;
  c->hi = hi;
  return c;
}

static void lw_push_loop(lower *L, const ast_node *for_node, ir_expr *pos) {
  if (L->nloops == L->caploops)
    L->loops = lw_grow(L->loops, &L->caploops, sizeof *L->loops);
  L->loops[L->nloops++] = (loop_binding){for_node, pos};
}

static void lw_for_mapping(lower *L, const ast_node *n, ir_block *out) {
  const mapping *m = n->for_.map;
  arena *a = L->a;
  type *t = i32(), *b = type_scalar(TY_BOOL);
  ir_expr *w = ir_cast(a, t, lw_expr(L, n->for_.worker));
  ir_block *cur = out;
  /* The worker index is evaluated once. */
  if (w->kind != IR_CONST && w->kind != IR_SPECIAL && w->kind != IR_VARREF) {
    ir_var *wv = lw_new_var(L, "w", IR_VAR_SCALAR, t);
    lw_decl(L, cur, wv, w, n->span);
    w = ir_varref(a, wv);
  }
  bool guard = !(w->has_range && w->lo >= 0 && w->hi < m->workers);
  if (guard) {
    ir_stmt *g = ir_stmt_new(L->a, IR_IF, n->span);
    g->if_.cond = ir_binary(a, IR_OP_LT, b, w, ir_const_int(a, t, m->workers));
    ir_block_push(a, cur, g);
    cur = &g->if_.then;
    if (w->has_range) /* inside the guard, w < workers */
      w = lw_with_range(L, w, w->lo, m->workers - 1);
  }
  ir_expr *coord[MAP_MAX_RANK] = {0};
  ir_expr *pos = ir_const_int(a, t, 0);
  int64_t later_workers = m->workers;
  for (int k = 0; k < m->natoms; k++) {
    const map_atom *at = &m->atoms[k];
    int64_t strides[MAP_MAX_RANK];
    map_atom_strides(at, m->rank, strides);
    ir_expr *local[MAP_MAX_RANK];
    if (at->kind == MAP_SPATIAL) {
      int64_t nk = 1;
      for (int d = 0; d < m->rank; d++)
        nk *= at->dims[d];
      later_workers /= nk;
      ir_expr *digit = ir_binary(a, IR_OP_MOD, t, ir_binary(a, IR_OP_DIV, t, w, ir_const_int(a, t, later_workers)),
                                 ir_const_int(a, t, nk));
      for (int d = 0; d < m->rank; d++)
        local[d] = ir_binary(a, IR_OP_MOD, t, ir_binary(a, IR_OP_DIV, t, digit, ir_const_int(a, t, strides[d])),
                             ir_const_int(a, t, at->dims[d]));
    } else {
      /* Loops from the slowest dimension (lowest rank) to the fastest. */
      int order[MAP_MAX_RANK];
      for (int d = 0; d < m->rank; d++)
        order[at->ranks[d]] = d;
      for (int r = 0; r < m->rank; r++) {
        int d = order[r];
        if (at->dims[d] == 1) {
          local[d] = ir_const_int(a, t, 0);
          continue;
        }
        ir_var *cv;
        ir_stmt *loop = lw_counted_loop(L, "r", at->dims[d],
                                        !n->for_.unroll && map_tasks_per_worker(m) <= IR_UNROLL_LIMIT, n->span, &cv);
        loop->for_.unroll_count = n->for_.unroll; /* unroll(N): each loop of the nest */
        ir_block_push(a, cur, loop);
        cur = &loop->for_.body;
        local[d] = ir_varref(a, cv);
        pos = ir_binary(a, IR_OP_ADD, t, ir_binary(a, IR_OP_MUL, t, pos, ir_const_int(a, t, at->dims[d])), local[d]);
      }
    }
    for (int d = 0; d < m->rank; d++)
      coord[d] = !coord[d] ? local[d]
                           : ir_binary(a, IR_OP_ADD, t, ir_binary(a, IR_OP_MUL, t, coord[d], ir_const_int(a, t, at->dims[d])), local[d]);
  }
  for (int d = 0; d < m->rank; d++) {
    symbol *sym = n->for_.vars.items[d]->sym;
    ir_var *v = lw_new_var(L, sym->name, IR_VAR_SCALAR, t);
    lw_bind(L, sym, v);
    lw_decl(L, cur, v, coord[d], n->for_.vars.items[d]->span);
  }
  lw_push_loop(L, n, pos);
  lw_block(L, n->for_.body, cur);
  L->nloops--;
}

/* ---- collective functions, inlined ---- */

static bool lw_is_collective(const symbol *fn) {
  return fn->kind == SYM_FUNC && fn->decl && !fn->decl->func.is_kernel && (fn->barrier_site || fn->shuffle_site);
}

/* e, when it calls a collective function, else NULL. */
static const ast_node *lw_collective_call(const ast_node *e) {
  return e && e->kind == AST_CALL && e->call.callee->sym && lw_is_collective(e->call.callee->sym) ? e : NULL;
}

/* Inlines the collective call n into out, in a block of its own: scalar
 * parameters become variables set to the arguments, tensor parameters name
 * the argument's tensor, and the final `return v` (its only return,
 * uniform.c) sets a result variable declared before the block, which the
 * statement then reads in place of the call (lw_call). */
static void lw_inline(lower *L, const ast_node *n, ir_block *out) {
  const ast_node *decl = n->call.callee->sym->decl;
  type *rt = decl->func.ret ? decl->func.ret->ty : NULL;
  ir_var *result = NULL;
  if (rt && rt->kind != TY_VOID) {
    result = lw_new_var(L, "ret", IR_VAR_SCALAR, rt);
    result->mutable_ = true;
    lw_decl(L, out, result, NULL, n->span);
  }
  ir_stmt *blk = ir_stmt_new(L->a, IR_BLOCK, n->span);
  int nsyms = L->nsyms;
  for (int i = 0; i < decl->func.params.len; i++) {
    const ast_node *p = decl->func.params.items[i], *arg = n->call.args.items[i];
    if (p->sym->ty->kind == TY_TENSOR) {
      lw_bind(L, p->sym, lw_var_of(L, arg->sym));
      continue;
    }
    ir_var *v = lw_new_var(L, p->param.name, IR_VAR_SCALAR, p->sym->ty);
    v->mutable_ = true;
    ir_expr *x = ir_cast(L->a, p->sym->ty, lw_expr(L, arg));
    lw_bind(L, p->sym, v);
    lw_decl(L, &blk->block, v, x, p->span);
  }
  const ast_list *st = &decl->func.body->block.stmts;
  for (int i = 0; i < st->len; i++) {
    const ast_node *x = st->items[i];
    if (x->kind != AST_RETURN) {
      lw_stmt(L, x, &blk->block);
    } else if (result && x->ret.value) {
      ir_stmt *s = ir_stmt_new(L->a, IR_ASSIGN, x->span);
      s->assign.var = result;
      s->assign.value = ir_cast(L->a, rt, lw_expr(L, x->ret.value));
      ir_block_push(L->a, &blk->block, s);
    }
  }
  L->nsyms = nsyms;
  ir_block_push(L->a, out, blk);
  L->inline_call = n;
  L->inline_result = result ? ir_varref(L->a, result) : NULL;
}

/* A statement whose whole value is a call of a collective function has
 * that call inlined first (lw_call then reads its result). */
static bool lw_inline_statement(lower *L, const ast_node *n, ir_block *out) {
  const ast_node *call = n->kind == AST_VAR ? lw_collective_call(n->var.init)
                         : n->kind == AST_ASSIGN ? lw_collective_call(n->assign.value)
                         : n->kind == AST_EXPR_STMT ? lw_collective_call(n->expr_stmt.expr) : NULL;
  if (!call)
    return false;
  lw_inline(L, call, out);
  return n->kind == AST_EXPR_STMT; /* the call was the whole statement */
}

static void lw_stmt(lower *L, const ast_node *n, ir_block *out) {
  if (lw_inline_statement(L, n, out))
    return;
  switch (n->kind) {
  case AST_VAR: lw_var(L, n, out); return;
  case AST_ASSIGN: lw_assign(L, n, out); return;
  case AST_IF: {
    ir_expr *c = lw_expr(L, n->if_.cond);
    if (c->kind == IR_CONST) { /* a branch on a constant keeps only what runs */
      const ast_node *taken = c->cst.b ? n->if_.then : n->if_.els;
      if (taken) {
        ir_stmt *s = ir_stmt_new(L->a, IR_BLOCK, n->span);
        lw_block(L, taken, &s->block);
        ir_block_push(L->a, out, s);
      }
      return;
    }
    ir_stmt *s = ir_stmt_new(L->a, IR_IF, n->span);
    s->if_.cond = c;
    lw_block(L, n->if_.then, &s->if_.then);
    if (n->if_.els)
      lw_block(L, n->if_.els, &s->if_.els);
    ir_block_push(L->a, out, s);
    return;
  }
  case AST_FOR:
    if (n->for_.iter_kind == AST_ITER_RANGE)
      lw_for_range(L, n, out);
    else if (n->for_.iter_kind == AST_ITER_MAPPING)
      lw_for_mapping(L, n, out);
    else
      lw_for_list(L, n, out);
    return;
  case AST_WHILE: {
    ir_stmt *s = ir_stmt_new(L->a, IR_WHILE, n->span);
    s->while_.cond = lw_expr(L, n->while_.cond);
    lw_block(L, n->while_.body, &s->while_.body);
    ir_block_push(L->a, out, s);
    return;
  }
  case AST_RETURN: {
    ir_stmt *s = ir_stmt_new(L->a, IR_RETURN, n->span);
    s->ret.value = n->ret.value ? ir_cast(L->a, L->fn->ret, lw_expr(L, n->ret.value)) : NULL;
    ir_block_push(L->a, out, s);
    return;
  }
  case AST_BREAK:
  case AST_CONTINUE:
    ir_block_push(L->a, out, ir_stmt_new(L->a, n->kind == AST_BREAK ? IR_BREAK : IR_CONTINUE, n->span));
    return;
  case AST_EXPR_STMT: {
    const ast_node *e = n->expr_stmt.expr;
    if (e->kind == AST_CALL && e->call.callee->sym && e->call.callee->sym->kind == SYM_BUILTIN &&
        builtin_get((builtin_id)e->call.callee->sym->builtin)->sig == BS_BARRIER) {
      L->fn->uses_barrier = true;
      ir_block_push(L->a, out, ir_stmt_new(L->a, IR_BARRIER, n->span));
      return;
    }
    ir_stmt *s = ir_stmt_new(L->a, IR_EVAL, n->span);
    s->eval.expr = lw_expr(L, e);
    ir_block_push(L->a, out, s);
    return;
  }
  case AST_BLOCK: {
    ir_stmt *s = ir_stmt_new(L->a, IR_BLOCK, n->span);
    lw_block(L, n, &s->block);
    ir_block_push(L->a, out, s);
    return;
  }
  default: return;
  }
}

static void lw_block(lower *L, const ast_node *n, ir_block *out) {
  if (n->kind != AST_BLOCK) {
    lw_stmt(L, n, out);
    return;
  }
  int nsyms = L->nsyms;
  for (int i = 0; i < n->block.stmts.len; i++)
    lw_stmt(L, n->block.stmts.items[i], out);
  L->nsyms = nsyms; /* names declared in the block go out of scope */
}

/* ---- functions ---- */

/* Launch arithmetic in 64 bits: the wrappers compute grid(cdiv(n, 256) * 4)
 * on the host and must see its true value to check it against the target's
 * limits, not a wrapped 32-bit one. Integer +, -, *, /, %, negation and
 * selects of narrower integers are recomputed in i64, which is exact unless
 * an intermediate passes 2^63; anything else is evaluated as written and
 * then widened. u64 stays u64. */
static ir_expr *lw_widen(lower *L, ir_expr *e) {
  type *i64 = type_scalar(TY_I64);
  if (!type_is_int(e->ty) || e->ty->kind == TY_I64 || e->ty->kind == TY_U64)
    return e;
  if (e->kind == IR_BINARY && e->op.op <= IR_OP_MOD)
    return ir_binary(L->a, e->op.op, i64, lw_widen(L, e->op.a), lw_widen(L, e->op.b));
  if (e->kind == IR_UNARY && e->op.op == IR_OP_NEG)
    return ir_unary(L->a, IR_OP_NEG, i64, lw_widen(L, e->op.a));
  if (e->kind == IR_SELECT)
    return ir_select(L->a, i64, e->select.c, lw_widen(L, e->select.a), lw_widen(L, e->select.b));
  if (e->kind == IR_CAST && type_is_int(e->op.a->ty) && type_size_bytes(e->op.a->ty) < type_size_bytes(e->ty))
    return lw_widen(L, e->op.a); /* a widening cast: the value is the operand's */
  if (e->kind == IR_CAST && e->op.a->ty->kind == TY_BOOL)
    return ir_cast(L->a, i64, e->op.a);
  return ir_cast(L->a, i64, e);
}

/* A grid dimension: widened, but a constant stays as written (the wrappers
 * check it at compile time). */
static ir_expr *lw_grid_dim(lower *L, ir_expr *e) {
  return e->kind == IR_CONST ? ir_cast(L->a, i32(), e) : lw_widen(L, e);
}

static void lw_launch(lower *L, const ast_node *decl, ir_func *f) {
  for (int i = 0; i < decl->func.launch.len; i++) {
    const ast_node *l = decl->func.launch.items[i];
    bool block = strcmp(l->launch.name, "block") == 0;
    if (strcmp(l->launch.name, "min_blocks") == 0) {
      f->min_blocks = l->cval ? (int)l->cval->i : 0;
      continue;
    }
    for (int j = 0; j < l->launch.args.len && j < 3; j++) {
      if (block)
        f->block[j] = l->launch.args.items[j]->cval->i;
      else
        f->grid[j] = lw_grid_dim(L, lw_expr(L, l->launch.args.items[j]));
    }
    if (block)
      f->block_rank = l->launch.args.len;
    else
      f->grid_rank = l->launch.args.len;
  }
  for (int j = f->grid_rank; j < 3; j++)
    f->grid[j] = ir_const_int(L->a, i32(), 1);
  f->threads = f->block[0] * f->block[1] * f->block[2];
}

/* ---- the entry point's checks of its arguments ---- */

typedef struct size_scan {
  lower *L;
  ir_expr *bad; /* the disjunction so far */
} size_scan;

static void lw_add_bad_size(size_scan *sc, ir_expr *e) {
  lower *L = sc->L;
  type *b = type_scalar(TY_BOOL);
  ir_expr *neg = ir_binary(L->a, IR_OP_LT, b, e, ir_const_int(L->a, e->ty, 0));
  if (neg->kind == IR_CONST)
    return; /* the ranges show it cannot be negative */
  for (ir_expr *d = sc->bad; d; d = d->kind == IR_BINARY && d->op.op == IR_OP_LOR ? d->op.a : NULL)
    if (ir_same_expr(d->kind == IR_BINARY && d->op.op == IR_OP_LOR ? d->op.b : d, neg))
      return; /* n in two shapes is checked once */
  sc->bad = sc->bad ? ir_binary(L->a, IR_OP_LOR, b, sc->bad, neg) : neg;
}

/* Signed integer parameters named in a shape are sizes. */
static bool lw_size_param(const ir_expr *e, void *ctx) {
  if (e->kind == IR_VARREF && e->var->kind == IR_VAR_PARAM && type_is_int(e->ty) && type_is_signed(e->ty))
    lw_add_bad_size(ctx, (ir_expr *)e);
  return false;
}

/* Sizes must not be negative, and a tensor whose shape has elements must
 * not be NULL: the entry point checks both before it launches, instead of
 * running an empty or a wrong grid (docs/language.md 10.2). */
static void lw_arg_checks(lower *L, ir_func *f) {
  size_scan sc = {L, NULL};
  type *b = type_scalar(TY_BOOL);
  f->nonnull = arena_alloc(L->a, (size_t)(f->nparams ? f->nparams : 1) * sizeof *f->nonnull);
  f->nonnull_when = arena_alloc(L->a, (size_t)(f->nparams ? f->nparams : 1) * sizeof *f->nonnull_when);
  for (int i = 0; i < f->nparams; i++) {
    ir_var *v = f->params[i];
    if (v->ty->kind != TY_TENSOR)
      continue;
    ir_expr *when = NULL;
    bool empty = false;
    for (int d = 0; d < v->ty->rank; d++) {
      if (v->ty->const_dims[d] >= 0) {
        empty |= v->ty->const_dims[d] == 0;
        continue;
      }
      ir_expr *dim = lw_expr(L, v->ty->dims[d]);
      ir_expr_any(dim, lw_size_param, &sc);
      if (dim->kind != IR_VARREF) { /* n * 2: computed in 64 bits, checked itself */
        dim = lw_widen(L, dim);
        lw_add_bad_size(&sc, dim);
      }
      ir_expr *ne = ir_binary(L->a, IR_OP_NE, b, dim, ir_const_int(L->a, dim->ty, 0));
      when = when ? ir_binary(L->a, IR_OP_LAND, b, when, ne) : ne;
    }
    if (empty)
      continue;
    f->nonnull[f->nnonnull] = v;
    f->nonnull_when[f->nnonnull++] = when;
  }
  f->bad_size = sc.bad;
}

static ir_func *lw_func(lower *L, const ast_node *decl, ir_func *f) {
  L->fn = f;
  L->var_names = symtab_new(L->a);
  L->nsyms = 0;
  f->is_kernel = decl->func.is_kernel;
  f->ret = decl->func.ret ? decl->func.ret->ty : type_scalar(TY_VOID);
  f->block[0] = f->block[1] = f->block[2] = 1;
  f->nparams = decl->func.params.len;
  f->params = arena_alloc(L->a, (size_t)(f->nparams ? f->nparams : 1) * sizeof *f->params);
  for (int i = 0; i < f->nparams; i++) {
    const ast_node *p = decl->func.params.items[i];
    ir_var *v = lw_new_var(L, p->param.name, IR_VAR_PARAM, p->sym->ty);
    v->written = p->sym->written;
    lw_bind(L, p->sym, v);
    f->params[i] = v;
  }
  if (f->is_kernel) {
    lw_launch(L, decl, f);
    lw_arg_checks(L, f);
  }
  lw_block(L, decl->func.body, &f->body);
  return f;
}

/* Callees before callers, so that emitters need no prototypes. */
static void lw_order(lower *L, const ast_node *n, bool *visiting, ir_program *out, const program *p);

static int lw_func_index(const program *p, const ast_node *decl) {
  for (int i = 0; i < p->nfuncs; i++)
    if (p->funcs[i] == decl)
      return i;
  return -1;
}

static void lw_order_calls(lower *L, const ast_node *n, bool *visiting, ir_program *out, const program *p) {
  if (!n)
    return;
  switch (n->kind) {
  case AST_CALL:
    if (n->call.callee->sym && n->call.callee->sym->kind == SYM_FUNC)
      lw_order(L, n->call.callee->sym->decl, visiting, out, p);
    for (int i = 0; i < n->call.args.len; i++)
      lw_order_calls(L, n->call.args.items[i], visiting, out, p);
    return;
  case AST_BLOCK:
    for (int i = 0; i < n->block.stmts.len; i++)
      lw_order_calls(L, n->block.stmts.items[i], visiting, out, p);
    return;
  case AST_VAR: lw_order_calls(L, n->var.init, visiting, out, p); return;
  case AST_ASSIGN: lw_order_calls(L, n->assign.target, visiting, out, p); lw_order_calls(L, n->assign.value, visiting, out, p); return;
  case AST_IF: lw_order_calls(L, n->if_.cond, visiting, out, p); lw_order_calls(L, n->if_.then, visiting, out, p); lw_order_calls(L, n->if_.els, visiting, out, p); return;
  case AST_FOR: lw_order_calls(L, n->for_.iter, visiting, out, p); lw_order_calls(L, n->for_.body, visiting, out, p); return;
  case AST_WHILE: lw_order_calls(L, n->while_.cond, visiting, out, p); lw_order_calls(L, n->while_.body, visiting, out, p); return;
  case AST_RETURN: lw_order_calls(L, n->ret.value, visiting, out, p); return;
  case AST_EXPR_STMT: lw_order_calls(L, n->expr_stmt.expr, visiting, out, p); return;
  case AST_UNARY: lw_order_calls(L, n->unary.operand, visiting, out, p); return;
  case AST_BINARY: lw_order_calls(L, n->binary.lhs, visiting, out, p); lw_order_calls(L, n->binary.rhs, visiting, out, p); return;
  case AST_CAST: lw_order_calls(L, n->cast.expr, visiting, out, p); return;
  case AST_INDEX:
    for (int i = 0; i < n->index.indices.len; i++)
      lw_order_calls(L, n->index.indices.items[i], visiting, out, p);
    return;
  case AST_IF_EXPR: lw_order_calls(L, n->if_expr.cond, visiting, out, p); lw_order_calls(L, n->if_expr.then, visiting, out, p); lw_order_calls(L, n->if_expr.els, visiting, out, p); return;
  default: return;
  }
}

static void lw_order(lower *L, const ast_node *decl, bool *visiting, ir_program *out, const program *p) {
  int i = lw_func_index(p, decl);
  if (i < 0 || visiting[i])
    return; /* recursion: CUDA allows it, the emitters' order just follows the source */
  visiting[i] = true;
  lw_order_calls(L, decl->func.body, visiting, out, p);
  if (!lw_is_collective(decl->sym))
    out->funcs[out->nfuncs++] = L->funcs[i].fn;
}

ir_program *ir_lower(arena *a, const program *p, const hdt_target *target) {
  lower L = {.a = a, .target = target};
  ir_program *out = arena_alloc(a, sizeof *out);
  out->source = p->main->module.path;
  out->target = target;
  out->funcs = arena_alloc(a, (size_t)(p->nfuncs ? p->nfuncs : 1) * sizeof *out->funcs);
  L.funcs = arena_alloc(a, (size_t)(p->nfuncs ? p->nfuncs : 1) * sizeof *L.funcs);
  /* Functions get their names first, so that variables avoid them. */
  for (int i = 0; i < p->nfuncs; i++) {
    ir_func *f = arena_alloc(a, sizeof *f);
    f->name = p->funcs[i]->func.name;
    L.funcs[i] = (func_binding){p->funcs[i], f};
    L.nfuncs = i + 1;
  }
  L.func_names = symtab_new(a);
  for (int i = 0; i < p->nfuncs; i++)
    symtab_put(L.func_names, L.funcs[i].fn->name, L.funcs[i].fn);
  for (int i = 0; i < p->nfuncs; i++)
    if (!lw_is_collective(p->funcs[i]->sym)) /* inlined where called */
      lw_func(&L, p->funcs[i], L.funcs[i].fn);
  bool *visiting = calloc(p->nfuncs > 0 ? (size_t)p->nfuncs : 1, sizeof *visiting);
  for (int i = 0; i < p->nfuncs && visiting; i++)
    lw_order(&L, p->funcs[i], visiting, out, p);
  free(visiting);
  free(L.syms);
  free(L.loops);
  return out;
}
