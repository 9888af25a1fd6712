/* c_print.c: the one C printer of the lowered IR, for both code generators.
 *
 * emit_cuda.c and emit_host.c used to carry a copy each of the C spelling
 * of expressions and statements, and the copies drifted apart. Now both
 * print through here, and what really differs between the targets is one
 * row each of cp_dialects: the names of the 16-bit float helpers, whether
 * the target header's helpers are overloaded (C++) or suffixed by type
 * (C), which operators must be calls (C has no 16-bit float arithmetic,
 * and the host's shifts follow the GPU for counts past the width), how
 * float-to-integer conversions saturate, the const rule of tensor
 * parameters, how unread declarations are marked. What only one target has
 * is a hook (c_hooks, c_print.h), filled in by its emitter.
 *
 * Spelling rules that matter for correctness, for both targets:
 *   - integer arithmetic narrower than 32 bits is cast back to its type
 *     ((int8_t)(a + b)): C computes it in int, hdt in the type; u8 and u16
 *     products are computed in u32 (in int they could overflow);
 *   - constants carry their exact C type (ir_print_c_const) so that
 *     overloaded helpers resolve without ambiguity;
 *   - f16 and bf16 values convert through helpers that round once;
 *   - parentheses follow C precedence, with a right operand of the same
 *     precedence always parenthesized (a - (b - c), a / (b * c)), and a few
 *     more for readability (&& inside ||, mixed bitwise operators, any
 *     operator inside a shift, arithmetic inside &, | and ^);
 *   - hdt has no indeterminate values: scalars without an initial value
 *     start at zero. */
#include "c_print.h"

#include <inttypes.h>
#include <stdint.h>

#define CP_OP(name) (1u << IR_OP_##name)

/* Every binary operator but the comparisons: 16-bit float arithmetic in C. */
#define CP_HALF_ARITH                                                                                  \
  (CP_OP(ADD) | CP_OP(SUB) | CP_OP(MUL) | CP_OP(DIV) | CP_OP(MOD) | CP_OP(SHL) | CP_OP(SHR) |          \
   CP_OP(BAND) | CP_OP(BOR) | CP_OP(BXOR) | CP_OP(LAND) | CP_OP(LOR) | CP_OP(NEG))

/* The table: one row per target. The CUDA header (hdt_cuda.h) overloads
 * every helper and cuda_fp16.h gives __half its operators; the host header
 * (hdt_host.h) is C, with a helper per type. */
const c_dialect cp_dialects[CP_DIALECTS] = {
    [CP_CUDA] =
        {
            .name = "cuda",
            .f16_type = "__half", .bf16_type = "__nv_bfloat16",
            .f16_from_float = "__float2half_rn", .bf16_from_float = "__float2bfloat16_rn",
            .f16_to_float = "__half2float", .bf16_to_float = "__bfloat162float",
            .suffixed = false,
            .call_ops = 0, .half_call_ops = 0, .half_compare_widened = false,
            .saturating_casts = false, /* the GPU's conversions saturate themselves */
            .deep_const = true,
            .unused_attr = "[[maybe_unused]] ", .unused_void = false,
            .zero_arrays = false, .shared_qual = "__shared__ ", .align_attr = "__align__",
            .unroll_pragma = "#pragma unroll", .unroll_n_pragma = "#pragma unroll %d", .barrier = "__syncthreads();",
        },
    [CP_HOST] =
        {
            .name = "host",
            .f16_type = "hdt_f16", .bf16_type = "hdt_bf16",
            .f16_from_float = "hdt_f32_to_f16", .bf16_from_float = "hdt_f32_to_bf16",
            .f16_to_float = "hdt_f16_to_f32", .bf16_to_float = "hdt_bf16_to_f32",
            .suffixed = true,
            .call_ops = CP_OP(SHL) | CP_OP(SHR), /* shifts past the width shift everything out */
            .half_call_ops = CP_HALF_ARITH, .half_compare_widened = true,
            .saturating_casts = true,
            .deep_const = false,
            .unused_attr = NULL, .unused_void = true,
            .zero_arrays = true, .shared_qual = NULL, .align_attr = "_Alignas",
            .unroll_pragma = NULL, .unroll_n_pragma = NULL,
            .barrier = NULL, /* barriers end thread loops (emit_host.c) */
        },
};

/* ---- types ---- */

static bool cp_is_half(const type *t) { return t->kind == TY_F16 || t->kind == TY_BF16; }

static bool cp_is_tensor(const ir_var *v) { return v->ty->kind == TY_TENSOR; }

const char *cp_type(const c_dialect *d, const type *t) {
  if (t->kind == TY_TENSOR)
    t = t->elem;
  if (t->kind == TY_F16)
    return d->f16_type;
  if (t->kind == TY_BF16)
    return d->bf16_type;
  return ir_c_type(t);
}

const char *cp_suffix(const type *t) {
  switch (t->kind) {
  case TY_I8: return "i8";
  case TY_I16: return "i16";
  case TY_I32: return "i32";
  case TY_I64: return "i64";
  case TY_U8: return "u8";
  case TY_U16: return "u16";
  case TY_U32: return "u32";
  case TY_U64: return "u64";
  case TY_F16: return "f16";
  case TY_BF16: return "bf16";
  case TY_F32: return "f32";
  case TY_F64: return "f64";
  default: return "bool";
  }
}

bool cp_tensor_const(const c_dialect *d, const ir_var *v) { return d->deep_const ? !v->written_deep : !v->written; }

void cp_count_reads(int *reads, const ir_block *b) {
  for (int i = 0; i < b->len; i++) {
    const ir_stmt *s = b->stmts[i];
    const ir_expr *x[3];
    int n = ir_stmt_exprs(s, x);
    for (int k = 0; k < n; k++)
      ir_count_reads(x[k], reads);
    if (s->kind == IR_FOR)
      reads[s->for_.var->id]++; /* the loop's own condition and step read it */
    const ir_block *nb[2];
    n = ir_stmt_bodies(s, nb);
    for (int k = 0; k < n; k++)
      cp_count_reads(reads, nb[k]);
  }
}

/* ---- how expressions bind ---- */

static bool cp_is_comparison(ir_op op) { return op >= IR_OP_EQ && op <= IR_OP_GE; }

static bool cp_is_shift(ir_op op) { return op == IR_OP_SHL || op == IR_OP_SHR; }

static bool cp_is_bitwise(ir_op op) { return op == IR_OP_BAND || op == IR_OP_BOR || op == IR_OP_BXOR; }

static bool cp_is_arith(ir_op op) { return op <= IR_OP_MOD; } /* ADD..MOD come first (ir.h) */

static bool cp_is_bitwise_or_logical(ir_op op) {
  return op == IR_OP_BAND || op == IR_OP_BOR || op == IR_OP_BXOR || op == IR_OP_LAND || op == IR_OP_LOR ||
         cp_is_shift(op);
}

/* Is the operator of e (unary or binary) written as a helper call? */
static bool cp_op_is_call(const c_dialect *d, const ir_expr *e) {
  unsigned bit = 1u << e->op.op;
  return (d->call_ops & bit) || (cp_is_half(e->ty) && (d->half_call_ops & bit));
}

/* Is a cast written as a helper call? */
static bool cp_cast_is_call(const c_dialect *d, const ir_expr *e) {
  const type *to = e->ty, *from = e->op.a->ty;
  if (cp_is_half(to) || (cp_is_half(from) && to->kind == TY_F32))
    return true;
  return d->saturating_casts && type_is_float(from) && type_is_int(to);
}

static int cp_const_prec(const ir_expr *e) {
  if (ir_is_narrow_int(e->ty))
    return CP_PREC_UNARY; /* (int8_t)5 */
  if (cp_is_half(e->ty))
    return CP_PREC_PRIMARY;
  if ((e->ty->kind == TY_I32 && e->cst.i == INT32_MIN) || (e->ty->kind == TY_I64 && e->cst.i == INT64_MIN))
    return CP_PREC_PRIMARY; /* parenthesized */
  return ir_const_negative(e) ? CP_PREC_UNARY : CP_PREC_PRIMARY;
}

/* The precedence of e as printed. */
static int cp_prec(c_printer *P, const ir_expr *e) {
  switch (e->kind) {
  case IR_CONST: return cp_const_prec(e);
  case IR_SPECIAL: /* (int32_t)threadIdx.x */
    return P->h->special_prec ? P->h->special_prec(P, e->special) : CP_PREC_UNARY;
  case IR_UNARY: return cp_op_is_call(P->d, e) ? CP_PREC_PRIMARY : CP_PREC_UNARY;
  case IR_CAST:
    if (e->ty == e->op.a->ty)
      return cp_prec(P, e->op.a);
    return cp_cast_is_call(P->d, e) ? CP_PREC_PRIMARY : CP_PREC_UNARY;
  case IR_BINARY:
    if (cp_op_is_call(P->d, e))
      return CP_PREC_PRIMARY;
    return ir_is_narrow_int(e->ty) ? CP_PREC_UNARY : ir_op_precedence(e->op.op);
  default: return CP_PREC_PRIMARY; /* loads, calls, variables, (c ? a : b) */
  }
}

/* ---- expressions ---- */

/* A helper of the target header: hdt_exp_f32( or hdt_exp(. */
/* hdt_NAME( or, suffixed, hdt_NAME_T( for operand type t; no operand (t
 * NULL): hdt_NAME_void( (hdt_threadfence_void). */
static void cp_helper(c_printer *P, const char *name, const type *t) {
  if (P->d->suffixed)
    fprintf(P->out, "hdt_%s_%s(", name, t ? cp_suffix(t) : "void");
  else
    fprintf(P->out, "hdt_%s(", name);
}

static void cp_var(c_printer *P, const ir_var *v) {
  if (P->h->var)
    P->h->var(P, v);
  else
    fputs(v->name, P->out);
}

static void cp_load(c_printer *P, const ir_var *v, const ir_expr *offset) {
  cp_var(P, v);
  fputc('[', P->out);
  cp_expr(P, offset, 0);
  fputc(']', P->out);
}

/* An operand of a binary operator `op`: parenthesized when C would bind it
 * otherwise, and where readers would have to think (a && b || c). */
static void cp_operand(c_printer *P, ir_op op, const ir_expr *x, bool right) {
  int p = ir_op_precedence(op), xp = cp_prec(P, x);
  bool paren = right ? xp <= p : xp < p;
  if (!paren && x->kind == IR_BINARY && xp == ir_op_precedence(x->op.op) && x->op.op != op) {
    ir_op xo = x->op.op;
    if (cp_is_bitwise_or_logical(op) && (cp_is_bitwise_or_logical(xo) || cp_is_shift(op)))
      paren = true;
    if (cp_is_comparison(op) && cp_is_comparison(xo))
      paren = true;
  }
  /* a + b ^ c is C's (a + b) ^ c, but gcc's -Wparentheses asks for the
   * parentheses (a swizzled offset is o ^ (o >> S & mask)) */
  if (!paren && x->kind == IR_BINARY && xp == ir_op_precedence(x->op.op) && cp_is_bitwise(op) && cp_is_arith(x->op.op))
    paren = true;
  if (paren)
    fputc('(', P->out);
  cp_expr(P, x, paren ? 0 : right ? p + 1 : p);
  if (paren)
    fputc(')', P->out);
}

void cp_unary_operand(c_printer *P, const ir_expr *x, char op_char) {
  /* -(-x), not --x; -(-5), not --5 */
  bool double_minus = op_char == '-' &&
                      ((x->kind == IR_UNARY && x->op.op == IR_OP_NEG && !cp_op_is_call(P->d, x)) ||
                       (x->kind == IR_CONST && ir_const_negative(x) && cp_const_prec(x) < CP_PREC_PRIMARY));
  bool paren = cp_prec(P, x) < CP_PREC_UNARY || double_minus;
  if (paren)
    fputc('(', P->out);
  cp_expr(P, x, paren ? 0 : CP_PREC_UNARY);
  if (paren)
    fputc(')', P->out);
}

/* A 16-bit float widened to float (exactly). */
static void cp_widened(c_printer *P, const ir_expr *x) {
  fprintf(P->out, "%s(", x->ty->kind == TY_F16 ? P->d->f16_to_float : P->d->bf16_to_float);
  cp_expr(P, x, 0);
  fputc(')', P->out);
}

/* An operator written as a helper call: hdt_add_f16(a, b), hdt_shl_i32(a, b). */
static void cp_op_call(c_printer *P, const ir_expr *e) {
  static const char *const names[] = {[IR_OP_ADD] = "add", [IR_OP_SUB] = "sub", [IR_OP_MUL] = "mul",
                                      [IR_OP_DIV] = "div", [IR_OP_SHL] = "shl", [IR_OP_SHR] = "shr",
                                      [IR_OP_NEG] = "neg"};
  ir_op op = e->op.op;
  cp_helper(P, (size_t)op < sizeof names / sizeof *names && names[op] ? names[op] : "unsupported", e->ty);
  cp_expr(P, e->op.a, 0);
  if (e->kind == IR_BINARY) {
    fputs(", ", P->out);
    cp_expr(P, e->op.b, 0);
  }
  fputc(')', P->out);
}

static void cp_binary(c_printer *P, const ir_expr *e) {
  FILE *out = P->out;
  const ir_expr *x = e->op.a, *y = e->op.b;
  ir_op op = e->op.op;
  if (cp_op_is_call(P->d, e)) {
    cp_op_call(P, e);
    return;
  }
  if (cp_is_comparison(op) && cp_is_half(x->ty) && P->d->half_compare_widened) {
    cp_widened(P, x);
    fprintf(out, " %s ", ir_op_text(op));
    cp_widened(P, y);
    return;
  }
  bool narrow = ir_is_narrow_int(e->ty);
  if (narrow) /* C computes in int; hdt in the type */
    fprintf(out, "(%s)(", ir_c_type(e->ty));
  if (narrow && !type_is_signed(e->ty) && op == IR_OP_MUL) {
    /* u16 * u16 would overflow int (undefined): multiply as u32 */
    fputs("(uint32_t)", out);
    cp_unary_operand(P, x, 0);
  } else {
    cp_operand(P, op, x, false);
  }
  fprintf(out, " %s ", ir_op_text(op));
  cp_operand(P, op, y, true);
  if (narrow)
    fputc(')', out);
}

static void cp_unary(c_printer *P, const ir_expr *e) {
  if (cp_op_is_call(P->d, e)) { /* 16-bit floats: only negation applies */
    cp_op_call(P, e);
    return;
  }
  bool narrow = ir_is_narrow_int(e->ty) && e->op.op != IR_OP_NOT;
  const char *op = ir_op_text(e->op.op);
  if (narrow)
    fprintf(P->out, "(%s)(", ir_c_type(e->ty));
  fputs(op, P->out);
  cp_unary_operand(P, e->op.a, op[0]);
  if (narrow)
    fputc(')', P->out);
}

/* A conversion to f16 or bf16, rounded once. Overloaded: hdt_to_f16(x).
 * Suffixed: a float or a 16-bit float (widened, exactly) from f32, a
 * 64-bit integer to bf16 through its own helper (rounded to odd first),
 * everything else from f64 (exact, or beyond the 16-bit range anyway). */
static void cp_to_half(c_printer *P, const ir_expr *e) {
  const type *to = e->ty, *from = e->op.a->ty;
  const char *h = cp_suffix(to);
  if (!P->d->suffixed)
    fprintf(P->out, "hdt_to_%s(", h);
  else if (from->kind == TY_F32 || cp_is_half(from))
    fprintf(P->out, "hdt_f32_to_%s(", h);
  else if (to->kind == TY_BF16 && (from->kind == TY_I64 || from->kind == TY_U64))
    fprintf(P->out, "hdt_%s_to_bf16(", cp_suffix(from));
  else
    fprintf(P->out, "hdt_f64_to_%s(", h);
  if (P->d->suffixed && cp_is_half(from))
    cp_widened(P, e->op.a);
  else
    cp_expr(P, e->op.a, 0);
  fputc(')', P->out);
}

static void cp_cast(c_printer *P, const ir_expr *e) {
  FILE *out = P->out;
  const type *to = e->ty, *from = e->op.a->ty;
  const ir_expr *a = e->op.a;
  bool saturate = P->d->saturating_casts && type_is_int(to);
  if (cp_is_half(to)) {
    cp_to_half(P, e);
  } else if (cp_is_half(from)) { /* exact: every f16 and bf16 value is a float */
    if (saturate)
      fprintf(out, "hdt_f64_to_%s(", cp_suffix(to));
    else if (to->kind != TY_F32)
      fprintf(out, "(%s)", cp_type(P->d, to));
    cp_widened(P, a);
    if (saturate)
      fputc(')', out);
  } else if (saturate && type_is_float(from)) { /* saturating, NaN -> 0 */
    fprintf(out, "hdt_f64_to_%s(", cp_suffix(to));
    cp_expr(P, a, 0);
    fputc(')', out);
  } else {
    fprintf(out, "(%s)", cp_type(P->d, to));
    cp_unary_operand(P, a, 0);
  }
}

/* CUDA spells them as hdt does, threadIdx.x, an unsigned read as int32_t. */
static void cp_special(c_printer *P, ir_special s) {
  if (P->h->special)
    P->h->special(P, s);
  else
    fprintf(P->out, "(int32_t)%s.%c", ir_special_builtin(s)->name, "xyz"[s % 3]);
}

/* The arguments of a call. A device function's tensor parameter given an
 * element (the lowering writes a shared tensor s as s[0]) and an atomic's
 * target are passed by address. */
static void cp_args(c_printer *P, const ir_expr *e, bool sep) {
  FILE *out = P->out;
  int by_address = e->call.fn != IR_FN_USER ? builtin_addr_args(ir_fn_builtin(e->call.fn)) : 0;
  for (int i = 0; i < e->call.nargs; i++) {
    if (i || sep)
      fputs(", ", out);
    const ir_expr *a = e->call.args[i];
    const ir_var *param = e->call.fn == IR_FN_USER && i < e->call.callee->nparams ? e->call.callee->params[i] : NULL;
    bool tensor = param && cp_is_tensor(param);
    if ((tensor || i < by_address) && a->kind == IR_LOAD) {
      fputc('&', out);
      cp_load(P, a->load.var, a->load.offset);
      continue;
    }
    if (i < by_address) {
      fputc('&', out);
      cp_expr(P, a, CP_PREC_UNARY);
      continue;
    }
    if (tensor && !cp_tensor_const(P->d, param) && a->kind == IR_VARREF && a->var->kind == IR_VAR_PARAM &&
        cp_tensor_const(P->d, a->var))
      fprintf(out, "(%s *)", cp_type(P->d, param->elem)); /* the caller's parameter is const */
    cp_expr(P, a, 0);
  }
  fputc(')', out);
}

static void cp_call(c_printer *P, const ir_expr *e) {
  bool sep = false;
  if (e->call.fn == IR_FN_USER) {
    if (P->h->callee)
      sep = P->h->callee(P, e);
    else
      fprintf(P->out, "%s(", e->call.callee->name);
  } else if (P->d->suffixed) {
    /* Suffixed with the first operand's type (isnan(f32) is hdt_isnan_f32,
     * whatever it returns); no operand: _void (hdt_threadfence_void). */
    const char *name = ir_fn_builtin(e->call.fn)->host;
    cp_helper(P, name ? name : "unsupported", e->call.nargs ? e->call.args[0]->ty : NULL);
  } else {
    const char *name = ir_fn_builtin(e->call.fn)->cuda;
    fprintf(P->out, "%s(", name ? name : "hdt_unsupported");
  }
  cp_args(P, e, sep);
}

static void cp_expr_body(c_printer *P, const ir_expr *e) {
  FILE *out = P->out;
  switch (e->kind) {
  case IR_CONST: ir_print_c_const(out, e, P->d->f16_from_float, P->d->bf16_from_float); return;
  case IR_VARREF: cp_var(P, e->var); return;
  case IR_LOAD: cp_load(P, e->load.var, e->load.offset); return;
  case IR_SPECIAL: cp_special(P, e->special); return;
  case IR_UNARY: cp_unary(P, e); return;
  case IR_BINARY: cp_binary(P, e); return;
  case IR_CAST: cp_cast(P, e); return;
  case IR_SELECT:
    fputc('(', out);
    cp_expr(P, e->select.c, CP_PREC_SELECT + 1);
    fputs(" ? ", out);
    cp_expr(P, e->select.a, CP_PREC_SELECT + 1);
    fputs(" : ", out);
    cp_expr(P, e->select.b, CP_PREC_SELECT);
    fputc(')', out);
    return;
  case IR_CALL: cp_call(P, e); return;
  case IR_XCHG_READ: fputs("HDT_UNSUPPORTED_EXCHANGE", out); return; /* a hook's (host) */
  }
}

void cp_expr(c_printer *P, const ir_expr *e, int min_prec) {
  if (e->kind == IR_CAST && e->ty == e->op.a->ty) { /* no conversion: the operand as it is */
    cp_expr(P, e->op.a, min_prec);
    return;
  }
  bool paren = cp_prec(P, e) < min_prec;
  if (paren)
    fputc('(', P->out);
  if (!P->h->expr || !P->h->expr(P, e))
    cp_expr_body(P, e);
  if (paren)
    fputc(')', P->out);
}

void cp_zero(c_printer *P, const type *t) {
  ir_expr z = {.kind = IR_CONST, .ty = (type *)t};
  ir_print_c_const(P->out, &z, P->d->f16_from_float, P->d->bf16_from_float);
}

/* ---- statements ---- */

void cp_indent(c_printer *P, int depth) { fprintf(P->out, "%*s", 2 * depth, ""); }

/* `x = x op y` can be written `x op= y` when op is a C operator: same value,
 * also for the narrow integers (compound assignment converts back), except
 * u8/u16 products, which must be computed in u32. */
static bool cp_compound(const c_printer *P, const ir_expr *value, const ir_expr *target) {
  if (value->kind != IR_BINARY || cp_is_comparison(value->op.op) || value->op.op == IR_OP_LAND ||
      value->op.op == IR_OP_LOR || cp_op_is_call(P->d, value))
    return false;
  if (ir_is_narrow_int(value->ty) && !type_is_signed(value->ty) && value->op.op == IR_OP_MUL)
    return false;
  return ir_same_expr(value->op.a, target);
}

/* The rest of an assignment to target: ` = value`, or ` op= y` when the
 * value is `target op y`. */
static void cp_assigned_value(c_printer *P, const ir_expr *value, const ir_expr *target) {
  if (cp_compound(P, value, target)) {
    fprintf(P->out, " %s= ", ir_op_text(value->op.op));
    cp_expr(P, value->op.b, 0);
  } else {
    fputs(" = ", P->out);
    cp_expr(P, value, 0);
  }
}

static void cp_assign(c_printer *P, const ir_stmt *s) {
  if (s->assign.var->cursor_of) { /* a cursor advances by a number of elements */
    cp_var(P, s->assign.var);
    fputs(" += ", P->out);
    cp_expr(P, s->assign.value, 0);
    return;
  }
  ir_expr target = {.kind = IR_VARREF, .ty = s->assign.var->ty, .var = s->assign.var};
  cp_var(P, s->assign.var);
  cp_assigned_value(P, s->assign.value, &target);
}

static void cp_store(c_printer *P, const ir_stmt *s) {
  ir_expr target = {.kind = IR_LOAD, .ty = s->store.var->elem};
  target.load.var = s->store.var;
  target.load.offset = s->store.offset;
  cp_load(P, s->store.var, s->store.offset);
  cp_assigned_value(P, s->store.value, &target);
}

/* A declaration: an array (shared or local), or a scalar, const when
 * nothing assigns it later; marked when nothing reads it. */
static void cp_decl(c_printer *P, const ir_stmt *s, int depth) {
  const ir_var *v = s->decl.var;
  const c_dialect *d = P->d;
  FILE *out = P->out;
  bool unread = P->reads[v->id] == 0;
  cp_indent(P, depth);
  if (unread && d->unused_attr)
    fputs(d->unused_attr, out);
  if (v->kind == IR_VAR_SHARED || v->kind == IR_VAR_LOCAL) {
    if (v->kind == IR_VAR_SHARED && d->shared_qual)
      fputs(d->shared_qual, out);
    if (v->align) /* a vector access's operand (ir_var.align) */
      fprintf(out, "%s(%d) ", d->align_attr, v->align);
    fprintf(out, "%s %s[%lld]%s;\n",
            cp_type(d, v->elem), v->name, (long long)(v->array_len > 0 ? v->array_len : 1),
            d->zero_arrays ? " = {0}" : "");
  } else if (v->cursor_of) { /* a pointer into a global tensor: &a[i] */
    fprintf(out, "%s%s *%s = ", cp_tensor_const(d, v->cursor_of) ? "const " : "", cp_type(d, v->elem), v->name);
    const ir_expr *at = s->decl.init; /* a load of the tensor, or of a cursor of an outer loop */
    if (ir_is_const_int(at->load.offset, 0)) {
      cp_var(P, at->load.var);
    } else {
      fputc('&', out);
      cp_load(P, at->load.var, at->load.offset);
    }
    fputs(";\n", out);
  } else {
    fprintf(out, "%s%s %s = ", !v->mutable_ && s->decl.init ? "const " : "", cp_type(d, v->ty), v->name);
    if (s->decl.init)
      cp_expr(P, s->decl.init, 0);
    else
      cp_zero(P, v->ty); /* hdt has no indeterminate values; compilers warn about reading one */
    fputs(";\n", out);
  }
  if (unread && d->unused_void) {
    cp_indent(P, depth);
    fprintf(out, "(void)%s;\n", v->name);
  }
}

/* A constant step of a loop counter, by kind. */
static bool cp_step_is(const ir_expr *step, int64_t v) {
  return step->kind == IR_CONST && type_is_int(step->ty) && (v >= 0 || type_is_signed(step->ty)) && step->cst.i == v;
}

/* A negative constant step that can be negated: counter -= k. */
static bool cp_step_negative(const ir_expr *step) {
  return step->kind == IR_CONST && type_is_int(step->ty) && type_is_signed(step->ty) && step->cst.i < 0 &&
         ((step->ty->kind == TY_I32 && step->cst.i != INT32_MIN) ||
          (step->ty->kind == TY_I64 && step->cst.i != INT64_MIN));
}

/* The header of a C for loop, `for (T v = start; cond; step)`. */
static void cp_for_header(c_printer *P, const ir_stmt *s) {
  FILE *out = P->out;
  const ir_var *v = s->for_.var;
  const ir_expr *step = s->for_.step;
  fprintf(out, "for (%s %s = ", cp_type(P->d, v->ty), v->name);
  cp_expr(P, s->for_.start, 0);
  fputs("; ", out);
  cp_expr(P, s->for_.cond, 0);
  fputs("; ", out);
  ir_expr counter = {.kind = IR_VARREF, .ty = v->ty, .var = (ir_var *)v};
  if (cp_step_is(step, 1)) {
    fprintf(out, "++%s", v->name);
  } else if (cp_step_is(step, -1)) {
    fprintf(out, "--%s", v->name);
  } else if (cp_step_negative(step)) {
    ir_expr minus = *step;
    minus.cst.i = -step->cst.i;
    fprintf(out, "%s -= ", v->name);
    cp_expr(P, &minus, 0);
  } else { /* counter += step, or counter = hdt_add_f16(counter, step) */
    ir_expr sum = {.kind = IR_BINARY, .ty = v->ty};
    sum.op.op = IR_OP_ADD;
    sum.op.a = &counter;
    sum.op.b = (ir_expr *)step;
    fputs(v->name, out);
    cp_assigned_value(P, &sum, &counter);
  }
  fputc(')', out);
}

/* A loop's body: C loops open are counted for the hooks (a host thread
 * leaves its thread loop from inside one by goto). */
static void cp_loop_body(c_printer *P, const ir_block *body, int depth) {
  fputs(" {\n", P->out);
  P->loops++;
  cp_block(P, body, depth + 1);
  P->loops--;
  cp_indent(P, depth);
  fputs("}\n", P->out);
}

static void cp_for(c_printer *P, const ir_stmt *s, int depth) {
  if (s->for_.unroll_count && P->d->unroll_n_pragma) {
    cp_indent(P, depth);
    fprintf(P->out, P->d->unroll_n_pragma, s->for_.unroll_count);
    fputc('\n', P->out);
  } else if (s->for_.unroll && P->d->unroll_pragma) {
    cp_indent(P, depth);
    fprintf(P->out, "%s\n", P->d->unroll_pragma);
  }
  cp_indent(P, depth);
  cp_for_header(P, s);
  cp_loop_body(P, &s->for_.body, depth);
}

/* if / else if / else: an else branch that is one `if` continues the chain. */
static void cp_if(c_printer *P, const ir_stmt *s, int depth, bool chained) {
  FILE *out = P->out;
  if (!chained)
    cp_indent(P, depth);
  fputs("if (", out);
  cp_expr(P, s->if_.cond, 0);
  fputs(") {\n", out);
  cp_block(P, &s->if_.then, depth + 1);
  cp_indent(P, depth);
  if (s->if_.els.len == 1 && s->if_.els.stmts[0]->kind == IR_IF) {
    fputs("} else ", out);
    cp_if(P, s->if_.els.stmts[0], depth, true);
    return;
  }
  if (s->if_.els.len) {
    fputs("} else {\n", out);
    cp_block(P, &s->if_.els, depth + 1);
    cp_indent(P, depth);
  }
  fputs("}\n", out);
}

/* Statements of one line. */
static void cp_simple(c_printer *P, const ir_stmt *s, int depth) {
  FILE *out = P->out;
  cp_indent(P, depth);
  switch (s->kind) {
  case IR_ASSIGN: cp_assign(P, s); break;
  case IR_STORE: cp_store(P, s); break;
  case IR_BREAK: fputs("break", out); break;
  case IR_CONTINUE: fputs("continue", out); break;
  case IR_RETURN:
    fputs("return", out);
    if (s->ret.value) {
      fputc(' ', out);
      cp_expr(P, s->ret.value, 0);
    }
    break;
  case IR_EVAL:
    if (s->eval.expr->ty && s->eval.expr->ty->kind != TY_VOID)
      fputs("(void)", out);
    cp_expr(P, s->eval.expr, CP_PREC_UNARY);
    break;
  default: break;
  }
  fputs(";\n", out);
}

void cp_stmt(c_printer *P, const ir_stmt *s, int depth) {
  if (P->h->stmt && P->h->stmt(P, s, depth))
    return;
  FILE *out = P->out;
  switch (s->kind) {
  case IR_DECL: cp_decl(P, s, depth); return;
  case IR_IF: cp_if(P, s, depth, false); return;
  case IR_FOR: cp_for(P, s, depth); return;
  case IR_WHILE:
    cp_indent(P, depth);
    fputs("while (", out);
    cp_expr(P, s->while_.cond, 0);
    fputc(')', out);
    cp_loop_body(P, &s->while_.body, depth);
    return;
  case IR_BARRIER:
    if (P->d->barrier) {
      cp_indent(P, depth);
      fprintf(out, "%s\n", P->d->barrier);
    }
    return;
  case IR_BLOCK:
    cp_indent(P, depth);
    fputs("{\n", out);
    cp_block(P, &s->block, depth + 1);
    cp_indent(P, depth);
    fputs("}\n", out);
    return;
  case IR_ASSIGN: case IR_STORE: case IR_BREAK: case IR_CONTINUE: case IR_RETURN: case IR_EVAL:
    cp_simple(P, s, depth);
    return;
  default: return; /* the host's block forms (pass `fission`): its hook's */
  }
}

void cp_block(c_printer *P, const ir_block *b, int depth) {
  for (int i = 0; i < b->len; i++)
    cp_stmt(P, b->stmts[i], depth);
}
