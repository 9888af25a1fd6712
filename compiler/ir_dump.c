/* ir_dump.c: the --emit=ir listing, and spelling helpers the emitters share.
 *
 * The listing is C-like so that it reads as what the emitters will write:
 * hdt type names, one statement per line, loops marked `unroll`, and each
 * integer variable's known range as a trailing comment, since the ranges
 * are what drove the simplification of the index arithmetic. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"

int ir_op_precedence(ir_op op) {
  static const int prec[IR_OP_COUNT] = {
#define IR_OP_PREC(name, text, p) [IR_OP_##name] = p,
      IR_OP_LIST(IR_OP_PREC)
#undef IR_OP_PREC
  };
  return (unsigned)op < IR_OP_COUNT ? prec[op] : 14;
}

const char *ir_op_text(ir_op op) {
  static const char *const text[IR_OP_COUNT] = {
#define IR_OP_TEXT(name, t, p) [IR_OP_##name] = t,
      IR_OP_LIST(IR_OP_TEXT)
#undef IR_OP_TEXT
  };
  return (unsigned)op < IR_OP_COUNT ? text[op] : "?";
}

const builtin_info *ir_fn_builtin(ir_fn fn) { return builtin_get((builtin_id)fn); }

/* IR_THREAD_X.. come in builtins.def's order, three axes each. */
const builtin_info *ir_special_builtin(ir_special s) { return builtin_get((builtin_id)(BI_THREADIDX + s / 3)); }

const char *ir_c_type(const type *t) {
  switch (t->kind) {
  case TY_BOOL: return "bool";
  case TY_I8: return "int8_t";
  case TY_I16: return "int16_t";
  case TY_I32: return "int32_t";
  case TY_I64: return "int64_t";
  case TY_U8: return "uint8_t";
  case TY_U16: return "uint16_t";
  case TY_U32: return "uint32_t";
  case TY_U64: return "uint64_t";
  case TY_F16: return "__half";
  case TY_BF16: return "__nv_bfloat16";
  case TY_F32: return "float";
  case TY_F64: return "double";
  case TY_TENSOR: return ir_c_type(t->elem);
  default: return "void";
  }
}

bool ir_is_narrow_int(const type *t) {
  return t->kind == TY_I8 || t->kind == TY_I16 || t->kind == TY_U8 || t->kind == TY_U16;
}

bool ir_const_negative(const ir_expr *e) {
  if (type_is_float(e->ty))
    return signbit(e->cst.f) && !isnan(e->cst.f);
  if (e->ty->kind == TY_BOOL || e->ty->kind == TY_U32 || e->ty->kind == TY_U64)
    return false;
  return e->cst.i < 0;
}

/* Shortest %.*g that reads back as v (as a float when is_float). */
static void ir_format_real(char *buf, size_t size, double v, bool is_float) {
  for (int digits = 1; digits <= 17; digits++) {
    snprintf(buf, size, "%.*g", digits, v);
    double back = strtod(buf, NULL);
    if (is_float ? (float)back == (float)v : back == v)
      break;
  }
  if (!strpbrk(buf, ".e"))
    strncat(buf, ".0", size - strlen(buf) - 1);
}

/* v rounded to nearest even in a binary format with `digits` significant
 * bits, minimum normal exponent emin and largest finite value max. */
static double ir_round_to_format(double v, int digits, int emin, double max) {
  if (v == 0 || isnan(v) || isinf(v))
    return v;
  int e;
  frexp(v, &e); /* |v| in [2^(e-1), 2^e) */
  int exp = e - 1 < emin ? emin : e - 1;
  double ulp = ldexp(1.0, exp - (digits - 1));
  double r = nearbyint(v / ulp) * ulp;
  return fabs(r) > max ? copysign(INFINITY, v) : r;
}

static void ir_print_float(FILE *out, double v, bool is_f64) {
  const char *sfx = is_f64 ? "f64" : "f32";
  if (isnan(v)) {
    fprintf(out, "hdt_nan_%s()", sfx);
  } else if (isinf(v)) {
    fprintf(out, "%shdt_inf_%s()", v < 0 ? "-" : "", sfx);
  } else {
    char buf[64];
    ir_format_real(buf, sizeof buf, v, !is_f64);
    fprintf(out, "%s%s", buf, is_f64 ? "" : "f");
  }
}

void ir_print_c_const(FILE *out, const ir_expr *e, const char *f16_from_float,
                      const char *bf16_from_float) {
  long long i = (long long)e->cst.i;
  switch (e->ty->kind) {
  case TY_BOOL: fputs(e->cst.b ? "true" : "false", out); return;
  case TY_I8: case TY_I16: case TY_U8: case TY_U16: fprintf(out, "(%s)%lld", ir_c_type(e->ty), i); return;
  case TY_I32:
    if (e->cst.i == INT32_MIN)
      fputs("(-2147483647 - 1)", out);
    else
      fprintf(out, "%lld", i);
    return;
  case TY_U32: fprintf(out, "%" PRIu32 "u", (uint32_t)e->cst.i); return;
  case TY_I64:
    if (e->cst.i == INT64_MIN)
      fputs("(INT64_C(-9223372036854775807) - 1)", out);
    else
      fprintf(out, "INT64_C(%lld)", i);
    return;
  case TY_U64: fprintf(out, "UINT64_C(%" PRIu64 ")", (uint64_t)e->cst.i); return;
  case TY_F32: ir_print_float(out, (double)(float)e->cst.f, false); return;
  case TY_F64: ir_print_float(out, e->cst.f, true); return;
  case TY_F16:
    fprintf(out, "%s(", f16_from_float);
    ir_print_float(out, ir_round_to_format(e->cst.f, 11, -14, 65504.0), false);
    fputc(')', out);
    return;
  case TY_BF16:
    fprintf(out, "%s(", bf16_from_float);
    ir_print_float(out, ir_round_to_format(e->cst.f, 8, -126, 0x1.fep127), false);
    fputc(')', out);
    return;
  default: fprintf(out, "%lld", i); return;
  }
}

/* threadIdx.x ... gridDim.z: ir_special lists the axes of the four
 * builtin variables in builtins.def's order, three each. */
static void ir_dump_special(FILE *out, ir_special s) {
  fprintf(out, "%s.%c", ir_special_builtin(s)->name, "xyz"[s % 3]);
}

static void ir_dump_expr(FILE *out, const ir_expr *e, int outer);

static void ir_dump_const(FILE *out, const ir_expr *e) {
  if (e->ty->kind == TY_BOOL)
    fputs(e->cst.b ? "true" : "false", out);
  else if (type_is_float(e->ty))
    fprintf(out, "%.9g%s", e->cst.f, e->cst.f == (double)(int64_t)e->cst.f ? ".0" : "");
  else
    fprintf(out, "%lld", (long long)e->cst.i);
}

static void ir_dump_expr(FILE *out, const ir_expr *e, int outer) {
  switch (e->kind) {
  case IR_CONST: ir_dump_const(out, e); return;
  case IR_VARREF: fputs(e->var->name, out); return;
  case IR_LOAD:
    fprintf(out, "%s[", e->load.var->name);
    ir_dump_expr(out, e->load.offset, 0);
    fputc(']', out);
    return;
  case IR_SPECIAL: ir_dump_special(out, e->special); return;
  case IR_UNARY:
    fputs(ir_op_text(e->op.op), out);
    ir_dump_expr(out, e->op.a, 14);
    return;
  case IR_CAST:
    fputc('(', out);
    type_print(out, e->ty);
    fputc(')', out);
    ir_dump_expr(out, e->op.a, 14);
    return;
  case IR_BINARY: {
    int p = ir_op_precedence(e->op.op);
    if (p < outer)
      fputc('(', out);
    ir_dump_expr(out, e->op.a, p);
    fprintf(out, " %s ", ir_op_text(e->op.op));
    ir_dump_expr(out, e->op.b, p + 1); /* left-associative: a - (b - c) keeps its parentheses */
    if (p < outer)
      fputc(')', out);
    return;
  }
  case IR_SELECT:
    if (outer > 3)
      fputc('(', out);
    ir_dump_expr(out, e->select.c, 4);
    fputs(" ? ", out);
    ir_dump_expr(out, e->select.a, 4);
    fputs(" : ", out);
    ir_dump_expr(out, e->select.b, 3);
    if (outer > 3)
      fputc(')', out);
    return;
  case IR_CALL:
    fputs(e->call.fn == IR_FN_USER ? e->call.callee->name : ir_fn_builtin(e->call.fn)->name, out);
    fputc('(', out);
    for (int i = 0; i < e->call.nargs; i++) {
      if (i)
        fputs(", ", out);
      if (e->call.fn != IR_FN_USER && i < builtin_addr_args(ir_fn_builtin(e->call.fn)))
        fputc('&', out);
      ir_dump_expr(out, e->call.args[i], 0);
    }
    fputc(')', out);
    return;
  case IR_XCHG_READ: /* shfl_xor(xchg[0], lane): the slot the shuffle reads */
    fprintf(out, "%s(xchg[%d]", ir_fn_builtin(e->xchg.fn)->name, e->xchg.slot);
    if (e->xchg.lane) { /* a vote has none */
      fputs(", ", out);
      ir_dump_expr(out, e->xchg.lane, 0);
    }
    fputc(')', out);
    return;
  }
}

static void ir_dump_block(FILE *out, const ir_block *b, int depth);

static void ir_indent(FILE *out, int depth) { fprintf(out, "%*s", 2 * depth, ""); }

static void ir_dump_range(FILE *out, const ir_var *v) {
  if (v->has_range && !v->mutable_)
    fprintf(out, "  // in [%lld, %lld]", (long long)v->lo, (long long)v->hi);
}

/* Where the fission pass put a variable (nothing for a thread loop's C local). */
static void ir_dump_home(FILE *out, const ir_var *v) {
  if (v->home == IR_HOME_THREAD)
    fputs("  // per thread, in the frame", out);
  else if (v->home == IR_HOME_BLOCK)
    fputs("  // one for the block", out);
}

static void ir_dump_decl(FILE *out, const ir_var *v, const ir_expr *init) {
  if (v->kind == IR_VAR_SHARED || v->kind == IR_VAR_LOCAL) {
    fprintf(out, "%s ", v->kind == IR_VAR_SHARED ? "shared" : "local");
    type_print(out, v->elem);
    fprintf(out, " %s[%lld];", v->name, (long long)v->array_len);
    ir_dump_home(out, v);
    fputc('\n', out);
    return;
  }
  if (v->cursor_of) { /* pass `strength`: a pointer at an element offset */
    fputs("var ", out);
    type_print(out, v->elem);
    fprintf(out, "* %s = &", v->name);
    ir_dump_expr(out, init, 0);
    fputs(";\n", out);
    return;
  }
  fputs(v->mutable_ ? "var " : "let ", out);
  type_print(out, v->ty);
  fprintf(out, " %s", v->name);
  if (init) {
    fputs(" = ", out);
    ir_dump_expr(out, init, 0);
  }
  fputc(';', out);
  ir_dump_range(out, v);
  ir_dump_home(out, v);
  fputc('\n', out);
}

static void ir_dump_stmt(FILE *out, const ir_stmt *s, int depth);

/* The forms of a fissioned kernel (ir_fission.c). */
static void ir_dump_fission_stmt(FILE *out, const ir_stmt *s, int depth) {
  switch (s->kind) {
  case IR_THREAD_LOOP:
    fprintf(out, "for_each_thread {  // phase %d%s%s\n", s->thread_loop.phase, s->thread_loop.note ? ": " : "",
            s->thread_loop.note ? s->thread_loop.note : "");
    ir_dump_block(out, &s->thread_loop.body, depth + 1);
    ir_indent(out, depth);
    fputs(s->thread_loop.ends_block ? "}  // then the block ends if every thread returned\n" : "}\n", out);
    return;
  case IR_XCHG_OFFER:
    if (s->offer.guard) {
      fputs("if (", out);
      ir_dump_expr(out, s->offer.guard, 0);
      fputs(") ", out);
    }
    fprintf(out, "xchg[%d][tid] = ", s->offer.slot);
    ir_dump_expr(out, s->offer.value, 0);
    fprintf(out, ";  // offered to %s\n", ir_fn_builtin(s->offer.fn)->name);
    return;
  case IR_NOTE: fprintf(out, "// %s\n", s->text); return;
  case IR_ERROR: fprintf(out, "error \"%s\";\n", s->text); return;
  default: return;
  }
}

static void ir_dump_stmt(FILE *out, const ir_stmt *s, int depth) {
  ir_indent(out, depth);
  switch (s->kind) {
  case IR_DECL: ir_dump_decl(out, s->decl.var, s->decl.init); return;
  case IR_ASSIGN:
    fprintf(out, s->assign.var->cursor_of ? "%s += " : "%s = ", s->assign.var->name);
    ir_dump_expr(out, s->assign.value, 0);
    fputs(";\n", out);
    return;
  case IR_STORE:
    fprintf(out, "%s[", s->store.var->name);
    ir_dump_expr(out, s->store.offset, 0);
    fputs("] = ", out);
    ir_dump_expr(out, s->store.value, 0);
    fputs(";\n", out);
    return;
  case IR_IF:
    fputs("if ", out);
    ir_dump_expr(out, s->if_.cond, 0);
    fputs(" {\n", out);
    ir_dump_block(out, &s->if_.then, depth + 1);
    if (s->if_.els.len) {
      ir_indent(out, depth);
      fputs("} else {\n", out);
      ir_dump_block(out, &s->if_.els, depth + 1);
    }
    ir_indent(out, depth);
    fputs("}\n", out);
    return;
  case IR_FOR:
    if (s->for_.unroll_count)
      fprintf(out, "for unroll(%d) ", s->for_.unroll_count);
    else
      fputs(s->for_.unroll ? "for unroll " : "for ", out);
    type_print(out, s->for_.var->ty);
    fprintf(out, " %s = ", s->for_.var->name);
    ir_dump_expr(out, s->for_.start, 0);
    fputs("; ", out);
    ir_dump_expr(out, s->for_.cond, 0);
    fprintf(out, "; %s += ", s->for_.var->name);
    ir_dump_expr(out, s->for_.step, 0);
    fputs(" {", out);
    ir_dump_range(out, s->for_.var);
    fputc('\n', out);
    ir_dump_block(out, &s->for_.body, depth + 1);
    ir_indent(out, depth);
    fputs("}\n", out);
    return;
  case IR_WHILE:
    fputs("while ", out);
    ir_dump_expr(out, s->while_.cond, 0);
    fputs(" {\n", out);
    ir_dump_block(out, &s->while_.body, depth + 1);
    ir_indent(out, depth);
    fputs("}\n", out);
    return;
  case IR_BREAK: fputs("break;\n", out); return;
  case IR_CONTINUE: fputs("continue;\n", out); return;
  case IR_RETURN:
    fputs("return", out);
    if (s->ret.value) {
      fputc(' ', out);
      ir_dump_expr(out, s->ret.value, 0);
    }
    fputs(";\n", out);
    return;
  case IR_BARRIER: fprintf(out, "%s();\n", builtin_get(BI_SYNCTHREADS)->name); return;
  case IR_EVAL:
    ir_dump_expr(out, s->eval.expr, 0);
    fputs(";\n", out);
    return;
  case IR_BLOCK:
    fputs("{\n", out);
    ir_dump_block(out, &s->block, depth + 1);
    ir_indent(out, depth);
    fputs("}\n", out);
    return;
  default: ir_dump_fission_stmt(out, s, depth); return;
  }
}

static void ir_dump_block(FILE *out, const ir_block *b, int depth) {
  for (int i = 0; i < b->len; i++)
    ir_dump_stmt(out, b->stmts[i], depth);
}

static void ir_dump_func(FILE *out, const ir_func *f) {
  fprintf(out, "%s %s(", f->is_kernel ? "kernel" : "fn", f->name);
  for (int i = 0; i < f->nparams; i++) {
    const ir_var *p = f->params[i];
    fprintf(out, "%s%s: ", i ? ", " : "", p->name);
    if (p->ty->kind == TY_TENSOR) {
      fputs(p->written ? "" : "const ", out);
      type_print(out, p->elem);
      fputc('*', out);
    } else {
      type_print(out, p->ty);
    }
  }
  fputc(')', out);
  if (f->is_kernel) {
    fputs("\n    grid(", out);
    for (int i = 0; i < 3; i++) {
      if (i)
        fputs(", ", out);
      ir_dump_expr(out, f->grid[i], 0);
    }
    fprintf(out, ") block(%lld, %lld, %lld)", (long long)f->block[0], (long long)f->block[1],
            (long long)f->block[2]);
    if (f->min_blocks)
      fprintf(out, " min_blocks(%d)", f->min_blocks);
  } else if (f->ret->kind != TY_VOID) {
    fputs(" -> ", out);
    type_print(out, f->ret);
  }
  fputs("\n{\n", out);
  ir_dump_block(out, &f->body, 1);
  fputs("}\n", out);
}

void ir_dump(FILE *out, const ir_program *p) {
  for (int i = 0; i < p->nfuncs; i++) {
    if (i)
      fputc('\n', out);
    ir_dump_func(out, p->funcs[i]);
  }
}
