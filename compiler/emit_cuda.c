/* emit_cuda.c: CUDA C++ from the lowered IR (--target=cuda, the default).
 *
 * The output, for nvcc -std=c++17, reads top to bottom as:
 *   - a header comment and #include "hdt_cuda.h" (runtime/include), whose
 *     hdt_* helpers give one name per operation whatever the scalar type;
 *   - namespace hdt_gen { ... } with the device functions (static __device__,
 *     callees first) and the kernels (static __global__, named NAME_kernel).
 *     The namespace keeps a function such as `erf` or `round` from clashing
 *     with CUDA's own, and `static` lets several generated files link into
 *     one program;
 *   - per kernel NAME, the C ABI: extern "C" int NAME_async(params, stream)
 *     computes the grid, launches, and returns a cudaError_t as int;
 *     extern "C" int NAME(params) launches on the default stream.
 *
 * Spelling rules that matter for correctness:
 *   - integer arithmetic narrower than 32 bits is cast back to its type
 *     ((int8_t)(a + b)): C would compute it in int, hdt in the type;
 *   - constants carry their exact C type (5u, INT64_C(5), (int8_t)5) so
 *     that overloaded helpers resolve without ambiguity;
 *   - f16 and bf16 constants are rounded here, once, to the format, and
 *     written as the float of the same value; conversions to them go
 *     through hdt_to_f16/hdt_to_bf16, which round once;
 *   - parentheses follow C precedence, with a right operand of the same
 *     precedence always parenthesized (a - (b - c), a / (b * c)), and a few
 *     more for readability (&& inside ||, mixed bitwise operators);
 *   - declarations that nothing reads are [[maybe_unused]], so that nvcc's
 *     -Werror all-warnings has nothing to report. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "reserved.h"

enum {
  CU_PREC_SELECT = 3,
  CU_PREC_UNARY = 14, /* also casts */
  CU_PREC_PRIMARY = 16,
};

typedef struct cu_emitter {
  FILE *out;
  const ir_program *p;
  const char **fn_name;     /* per p->funcs[i]: the device function's C++ name */
  const char **kernel_name; /* per p->funcs[i]: NAME_kernel (kernels only) */
  bool *host_callable;      /* device functions called from a grid expression */
  bool *called;             /* referenced by a call or a grid expression */
  int *reads;               /* per variable id of the current function */
  bool host;                /* printing host code: calls are namespace-qualified */
  bool dynamic_smem;        /* the kernel being printed has its shared arrays in hdt_smem */
  int *assigns;             /* per variable id of the current function: IR_ASSIGNs to it */
  int scanning;             /* index of the function cu_scan_program is in */
  bool forward_calls;       /* a function calls one emitted after it: prototypes first */
} cu_emitter;

/* ---- names ---- */

static char *cu_xmalloc(size_t n) {
  char *r = malloc(n);
  if (!r) {
    fputs("hdtc: fatal: out of memory\n", stderr);
    abort();
  }
  return r;
}

/* `name` + `suffix`, made unreservable: runs of '_' collapse to one, leading
 * underscores go, and a name that would start with hdt_ gets u_ in front. */
static char *cu_safe_name(const char *name, const char *suffix) {
  size_t len = strlen(name) + strlen(suffix) + 8;
  char *raw = cu_xmalloc(len), *r = cu_xmalloc(len + 2);
  snprintf(raw, len, "%s%s", name, suffix);
  size_t k = 0;
  for (const char *c = raw; *c; c++)
    if (*c != '_' || (k > 0 && r[k - 1] != '_'))
      r[k++] = *c;
  r[k] = '\0';
  if (k == 0 || strncmp(r, "hdt_", 4) == 0) {
    memmove(r + 2, r, k + 1);
    memcpy(r, "u_", 2);
  }
  free(raw);
  return r;
}

/* base, or base followed by the smallest number from 2 that is free. */
static char *cu_numbered(const char *base, int n) {
  size_t len = strlen(base) + 24;
  char *r = cu_xmalloc(len);
  if (n < 2)
    snprintf(r, len, "%s", base);
  else
    snprintf(r, len, "%s%d", base, n);
  return r;
}

/* Is `name` already the C++ name of a function, a kernel symbol, or the
 * name of a variable anywhere (a variable would hide a function)? */
static bool cu_name_taken(const cu_emitter *E, const char *name, int upto) {
  for (int i = 0; i < upto; i++) {
    if (E->fn_name[i] && strcmp(E->fn_name[i], name) == 0)
      return true;
    if (E->kernel_name[i] && strcmp(E->kernel_name[i], name) == 0)
      return true;
  }
  for (int i = 0; i < E->p->nfuncs; i++) {
    const ir_func *f = E->p->funcs[i];
    if (!f->is_kernel && i >= upto && strcmp(f->name, name) == 0)
      return true; /* a later device function keeps its own name when it can */
    for (int v = 0; v < f->nvars; v++)
      if (strcmp(f->vars[v]->name, name) == 0)
        return true;
  }
  return false;
}

static char *cu_free_name(const cu_emitter *E, const char *base, int upto) {
  char *name = cu_numbered(base, 0);
  for (int n = 2; cu_name_taken(E, name, upto); n++) {
    free(name);
    name = cu_numbered(base, n);
  }
  return name;
}

static void cu_assign_names(cu_emitter *E) {
  const ir_program *p = E->p;
  /* Device functions keep their names unless reserved: then NAME_fn. */
  for (int i = 0; i < p->nfuncs; i++) {
    const ir_func *f = p->funcs[i];
    if (f->is_kernel)
      continue;
    if (!reserved_cuda_name(f->name)) {
      E->fn_name[i] = f->name;
      continue;
    }
    char *base = cu_safe_name(f->name, "_fn");
    E->fn_name[i] = cu_free_name(E, base, i);
    free(base);
  }
  /* Kernels: NAME_kernel, with a digit when a function already has that name. */
  for (int i = 0; i < p->nfuncs; i++) {
    const ir_func *f = p->funcs[i];
    if (!f->is_kernel)
      continue;
    char *base = cu_safe_name(f->name, "_kernel");
    if (!reserved_cuda_name(f->name)) { /* keep the name as written (a_b_, not a_b) */
      free(base);
      base = cu_xmalloc(strlen(f->name) + 8);
      sprintf(base, "%s_kernel", f->name);
      if (reserved_cuda_name(base)) {
        free(base);
        base = cu_safe_name(f->name, "_kernel");
      }
    }
    E->kernel_name[i] = cu_free_name(E, base, p->nfuncs);
    free(base);
  }
}

static int cu_func_index(const cu_emitter *E, const ir_func *f) {
  for (int i = 0; i < E->p->nfuncs; i++)
    if (E->p->funcs[i] == f)
      return i;
  return -1;
}

/* ---- analysis: which variables are read, which functions are called ---- */

static void cu_scan_expr(cu_emitter *E, const ir_expr *e, bool from_host);

static void cu_mark_call(cu_emitter *E, const ir_func *callee, bool from_host) {
  int i = cu_func_index(E, callee);
  if (i < 0)
    return;
  E->called[i] = true;
  E->host_callable[i] |= from_host;
  E->forward_calls |= i > E->scanning; /* recursion through a later function */
}

static void cu_scan_expr(cu_emitter *E, const ir_expr *e, bool from_host) {
  if (!e)
    return;
  switch (e->kind) {
  case IR_VARREF:
    if (E->reads)
      E->reads[e->var->id]++;
    return;
  case IR_LOAD:
    if (E->reads)
      E->reads[e->load.var->id]++;
    cu_scan_expr(E, e->load.offset, from_host);
    return;
  case IR_UNARY:
  case IR_CAST: cu_scan_expr(E, e->op.a, from_host); return;
  case IR_BINARY:
    cu_scan_expr(E, e->op.a, from_host);
    cu_scan_expr(E, e->op.b, from_host);
    return;
  case IR_SELECT:
    cu_scan_expr(E, e->select.c, from_host);
    cu_scan_expr(E, e->select.a, from_host);
    cu_scan_expr(E, e->select.b, from_host);
    return;
  case IR_CALL:
    if (e->call.fn == IR_FN_USER)
      cu_mark_call(E, e->call.callee, from_host);
    for (int i = 0; i < e->call.nargs; i++)
      cu_scan_expr(E, e->call.args[i], from_host);
    return;
  default: return;
  }
}

static void cu_scan_block(cu_emitter *E, const ir_block *b, bool from_host);

static void cu_scan_stmt(cu_emitter *E, const ir_stmt *s, bool from_host) {
  switch (s->kind) {
  case IR_DECL: cu_scan_expr(E, s->decl.init, from_host); return;
  case IR_ASSIGN:
    if (E->assigns)
      E->assigns[s->assign.var->id]++;
    cu_scan_expr(E, s->assign.value, from_host);
    return;
  case IR_STORE:
    cu_scan_expr(E, s->store.offset, from_host);
    cu_scan_expr(E, s->store.value, from_host);
    return;
  case IR_IF:
    cu_scan_expr(E, s->if_.cond, from_host);
    cu_scan_block(E, &s->if_.then, from_host);
    cu_scan_block(E, &s->if_.els, from_host);
    return;
  case IR_FOR:
    cu_scan_expr(E, s->for_.start, from_host);
    cu_scan_expr(E, s->for_.cond, from_host);
    cu_scan_expr(E, s->for_.step, from_host);
    cu_scan_block(E, &s->for_.body, from_host);
    return;
  case IR_WHILE:
    cu_scan_expr(E, s->while_.cond, from_host);
    cu_scan_block(E, &s->while_.body, from_host);
    return;
  case IR_RETURN: cu_scan_expr(E, s->ret.value, from_host); return;
  case IR_EVAL: cu_scan_expr(E, s->eval.expr, from_host); return;
  case IR_BLOCK: cu_scan_block(E, &s->block, from_host); return;
  default: return;
  }
}

static void cu_scan_block(cu_emitter *E, const ir_block *b, bool from_host) {
  for (int i = 0; i < b->len; i++)
    cu_scan_stmt(E, b->stmts[i], from_host);
}

/* Calls of every function, and the closure of the functions that grid
 * expressions call (they are evaluated on the host, so they and their
 * callees are __host__ __device__). */
static void cu_scan_program(cu_emitter *E) {
  const ir_program *p = E->p;
  for (int i = 0; i < p->nfuncs; i++) {
    const ir_func *f = p->funcs[i];
    E->scanning = i;
    cu_scan_block(E, &f->body, false);
    if (f->is_kernel)
      for (int d = 0; d < 3; d++)
        cu_scan_expr(E, f->grid[d], true);
  }
  E->scanning = p->nfuncs; /* from here on, marks only */
  /* Host-callable functions make their callees host-callable: scan each once. */
  bool *scanned = calloc((size_t)(p->nfuncs ? p->nfuncs : 1), sizeof *scanned);
  if (!scanned) {
    fputs("hdtc: fatal: out of memory\n", stderr);
    abort();
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (int i = 0; i < p->nfuncs; i++) {
      if (E->host_callable[i] && !scanned[i]) {
        scanned[i] = changed = true;
        cu_scan_block(E, &p->funcs[i]->body, true);
      }
    }
  }
  free(scanned);
}

/* Reads of every variable of f (declarations nothing reads are
 * [[maybe_unused]]) and assignments (a scalar never assigned after its
 * declaration is const). Calls were marked by cu_scan_program already. */
static void cu_count_reads(cu_emitter *E, const ir_func *f) {
  free(E->reads);
  free(E->assigns);
  E->reads = calloc((size_t)(f->nvars ? f->nvars : 1), sizeof *E->reads);
  E->assigns = calloc((size_t)(f->nvars ? f->nvars : 1), sizeof *E->assigns);
  if (!E->reads || !E->assigns) {
    fputs("hdtc: fatal: out of memory\n", stderr);
    abort();
  }
  cu_scan_block(E, &f->body, false);
}

/* ---- types ---- */

static bool cu_is_half(const type *t) { return t->kind == TY_F16 || t->kind == TY_BF16; }

static bool cu_is_tensor(const ir_var *v) { return v->ty->kind == TY_TENSOR; }

/* ---- constants ---- */

static int cu_const_prec(const ir_expr *e) {
  switch (e->ty->kind) {
  case TY_I8: case TY_I16: case TY_U8: case TY_U16: return CU_PREC_UNARY; /* (int8_t)5 */
  case TY_F16: case TY_BF16: return CU_PREC_PRIMARY;
  case TY_I32:
    if (e->cst.i == INT32_MIN)
      return CU_PREC_PRIMARY; /* parenthesized */
    break;
  case TY_I64:
    if (e->cst.i == INT64_MIN)
      return CU_PREC_PRIMARY;
    break;
  default: break;
  }
  return ir_const_negative(e) ? CU_PREC_UNARY : CU_PREC_PRIMARY;
}

/* ---- expressions ---- */

static void cu_expr(cu_emitter *E, const ir_expr *e, int min_prec);

static bool cu_is_bitwise_or_logical(ir_op op) {
  return op == IR_OP_BAND || op == IR_OP_BOR || op == IR_OP_BXOR || op == IR_OP_LAND ||
         op == IR_OP_LOR || op == IR_OP_SHL || op == IR_OP_SHR;
}

static bool cu_is_comparison(ir_op op) { return op >= IR_OP_EQ && op <= IR_OP_GE; }

/* The precedence of e as printed. */
static int cu_prec(const ir_expr *e) {
  switch (e->kind) {
  case IR_CONST: return cu_const_prec(e);
  case IR_SPECIAL: return CU_PREC_UNARY; /* (int32_t)threadIdx.x */
  case IR_UNARY: return CU_PREC_UNARY;
  case IR_CAST:
    return cu_is_half(e->ty) || (cu_is_half(e->op.a->ty) && e->ty->kind == TY_F32) ? CU_PREC_PRIMARY
                                                                                   : CU_PREC_UNARY;
  case IR_BINARY:
    return ir_is_narrow_int(e->ty) ? CU_PREC_UNARY : ir_op_precedence(e->op.op);
  default: return CU_PREC_PRIMARY; /* loads, calls, variables, (c ? a : b) */
  }
}

/* An operand of a binary operator `op`: parenthesized when C would bind it
 * otherwise, and where readers would have to think (a && b || c). */
static void cu_operand(cu_emitter *E, ir_op op, const ir_expr *x, bool right) {
  int p = ir_op_precedence(op), xp = cu_prec(x);
  bool paren = right ? xp <= p : xp < p;
  if (!paren && x->kind == IR_BINARY && !ir_is_narrow_int(x->ty) && x->op.op != op) {
    ir_op xo = x->op.op;
    if (cu_is_bitwise_or_logical(op) && (cu_is_bitwise_or_logical(xo) || op == IR_OP_SHL || op == IR_OP_SHR))
      paren = true;
    if (cu_is_comparison(op) && cu_is_comparison(xo))
      paren = true;
  }
  if (paren)
    fputc('(', E->out);
  cu_expr(E, x, paren ? 0 : right ? p + 1 : p);
  if (paren)
    fputc(')', E->out);
}

static void cu_unary_operand(cu_emitter *E, const ir_expr *x, char op_char) {
  /* -(-x), not --x; -(-5), not --5 */
  bool paren = cu_prec(x) < CU_PREC_UNARY ||
               (op_char && ((x->kind == IR_UNARY && (x->op.op == IR_OP_NEG) && op_char == '-') ||
                            (x->kind == IR_CONST && ir_const_negative(x) && op_char == '-')));
  if (paren)
    fputc('(', E->out);
  cu_expr(E, x, paren ? 0 : CU_PREC_UNARY);
  if (paren)
    fputc(')', E->out);
}

static void cu_binary(cu_emitter *E, const ir_expr *e) {
  const ir_expr *x = e->op.a, *y = e->op.b;
  bool narrow = ir_is_narrow_int(e->ty);
  if (narrow)
    fprintf(E->out, "(%s)(", ir_c_type(e->ty));
  /* u8 * u8 and u16 * u16 would overflow int (undefined): multiply as u32. */
  if (narrow && !type_is_signed(e->ty) && e->op.op == IR_OP_MUL) {
    fputs("(uint32_t)", E->out);
    cu_unary_operand(E, x, 0);
  } else {
    cu_operand(E, e->op.op, x, false);
  }
  fprintf(E->out, " %s ", ir_op_text(e->op.op));
  cu_operand(E, e->op.op, y, true);
  if (narrow)
    fputc(')', E->out);
}

static void cu_cast(cu_emitter *E, const ir_expr *e) {
  const type *to = e->ty, *from = e->op.a->ty;
  FILE *out = E->out;
  if (to == from) {
    cu_expr(E, e->op.a, CU_PREC_UNARY);
    return;
  }
  if (cu_is_half(to)) {
    fputs(to->kind == TY_F16 ? "hdt_to_f16(" : "hdt_to_bf16(", out);
    cu_expr(E, e->op.a, 0);
    fputc(')', out);
    return;
  }
  if (cu_is_half(from)) {
    /* Exact: every f16 and bf16 value is a float. */
    if (to->kind != TY_F32)
      fprintf(out, "(%s)", ir_c_type(to));
    fputs(from->kind == TY_F16 ? "__half2float(" : "__bfloat162float(", out);
    cu_expr(E, e->op.a, 0);
    fputc(')', out);
    return;
  }
  fprintf(out, "(%s)", ir_c_type(to));
  cu_unary_operand(E, e->op.a, 0);
}


static void cu_load(cu_emitter *E, const ir_var *v, const ir_expr *offset) {
  fprintf(E->out, "%s[", v->name);
  cu_expr(E, offset, 0);
  fputc(']', E->out);
}

static void cu_call(cu_emitter *E, const ir_expr *e) {
  FILE *out = E->out;
  if (e->call.fn == IR_FN_USER) {
    int i = cu_func_index(E, e->call.callee);
    fprintf(out, "%s%s(", E->host ? "hdt_gen::" : "", i >= 0 ? E->fn_name[i] : e->call.callee->name);
  } else {
    fprintf(out, "%s(", ir_fn_builtin(e->call.fn)->cuda);
  }
  for (int i = 0; i < e->call.nargs; i++) {
    if (i)
      fputs(", ", out);
    const ir_expr *a = e->call.args[i];
    /* atomic_add's target; a tensor argument given as an element (the
     * lowering writes a shared tensor s as s[0]): its address. */
    bool tensor_param = e->call.fn == IR_FN_USER && i < e->call.callee->nparams &&
                        cu_is_tensor(e->call.callee->params[i]);
    bool atomic_target = e->call.fn != IR_FN_USER && builtin_is_atomic(ir_fn_builtin(e->call.fn)) && i == 0;
    if ((atomic_target || tensor_param) && a->kind == IR_LOAD) {
      fputc('&', out);
      cu_load(E, a->load.var, a->load.offset);
      continue;
    }
    cu_expr(E, a, 0);
  }
  fputc(')', out);
}

static void cu_expr(cu_emitter *E, const ir_expr *e, int min_prec) {
  FILE *out = E->out;
  bool paren = cu_prec(e) < min_prec;
  if (paren)
    fputc('(', out);
  switch (e->kind) {
  case IR_CONST: ir_print_c_const(E->out, e, "__float2half_rn", "__float2bfloat16_rn"); break;
  case IR_VARREF: fputs(e->var->name, out); break;
  case IR_LOAD: cu_load(E, e->load.var, e->load.offset); break;
  case IR_SPECIAL: /* CUDA spells them as hdt does: threadIdx.x */
    fprintf(out, "(int32_t)%s.%c", ir_special_builtin(e->special)->name, "xyz"[e->special % 3]);
    break;
  case IR_UNARY: {
    bool narrow = ir_is_narrow_int(e->ty) && e->op.op != IR_OP_NOT;
    const char *op = ir_op_text(e->op.op);
    if (narrow)
      fprintf(out, "(%s)(", ir_c_type(e->ty));
    fputs(op, out);
    cu_unary_operand(E, e->op.a, op[0]);
    if (narrow)
      fputc(')', out);
    break;
  }
  case IR_BINARY: cu_binary(E, e); break;
  case IR_CAST: cu_cast(E, e); break;
  case IR_SELECT:
    fputc('(', out);
    cu_expr(E, e->select.c, CU_PREC_SELECT + 1);
    fputs(" ? ", out);
    cu_expr(E, e->select.a, CU_PREC_SELECT + 1);
    fputs(" : ", out);
    cu_expr(E, e->select.b, CU_PREC_SELECT);
    fputc(')', out);
    break;
  case IR_CALL: cu_call(E, e); break;
  case IR_XCHG_READ: break; /* host forms (pass `fission`) do not reach CUDA */
  }
  if (paren)
    fputc(')', out);
}

/* ---- statements ---- */

static void cu_indent(cu_emitter *E, int depth) { fprintf(E->out, "%*s", 2 * depth, ""); }

/* `x = x op y` can be written `x op= y`: same value, also for the narrow
 * integers (compound assignment converts back), except u8/u16 products,
 * which must be computed in u32. */
static bool cu_compound(const ir_expr *value, const ir_expr *target) {
  if (value->kind != IR_BINARY || cu_is_comparison(value->op.op) || value->op.op == IR_OP_LAND ||
      value->op.op == IR_OP_LOR)
    return false;
  if (ir_is_narrow_int(value->ty) && !type_is_signed(value->ty) && value->op.op == IR_OP_MUL)
    return false;
  return ir_same_expr(value->op.a, target);
}

static void cu_block(cu_emitter *E, const ir_block *b, int depth);

static void cu_zero(cu_emitter *E, const type *t) {
  ir_expr z = {.kind = IR_CONST, .ty = (type *)t};
  ir_print_c_const(E->out, &z, "__float2half_rn", "__float2bfloat16_rn");
}

static void cu_decl(cu_emitter *E, const ir_stmt *s, int depth) {
  const ir_var *v = s->decl.var;
  FILE *out = E->out;
  cu_indent(E, depth);
  if (E->reads[v->id] == 0)
    fputs("[[maybe_unused]] ", out);
  if (v->kind == IR_VAR_SHARED && E->dynamic_smem) { /* laid out by ir_smem.c */
    const char *t = ir_c_type(v->elem);
    fprintf(out, "%s *const %s = reinterpret_cast<%s *>(hdt_smem + %lld);\n", t, v->name, t,
            (long long)v->smem_offset);
    return;
  }
  if (v->kind == IR_VAR_SHARED || v->kind == IR_VAR_LOCAL) {
    fprintf(out, "%s%s %s[%lld];\n", v->kind == IR_VAR_SHARED ? "__shared__ " : "", ir_c_type(v->elem),
            v->name, (long long)(v->array_len > 0 ? v->array_len : 1));
    return;
  }
  const type *t = v->ty;
  bool is_const = !v->mutable_ && s->decl.init && E->assigns[v->id] == 0;
  fprintf(out, "%s%s %s = ", is_const ? "const " : "", ir_c_type(t), v->name);
  if (s->decl.init)
    cu_expr(E, s->decl.init, 0);
  else
    cu_zero(E, t); /* hdt has no indeterminate values; nvcc warns about reading one */
  fputs(";\n", out);
}

static void cu_for(cu_emitter *E, const ir_stmt *s, int depth) {
  FILE *out = E->out;
  const ir_var *v = s->for_.var;
  const ir_expr *step = s->for_.step;
  if (s->for_.unroll) {
    cu_indent(E, depth);
    fputs("#pragma unroll\n", out);
  }
  cu_indent(E, depth);
  fprintf(out, "for (%s %s = ", ir_c_type(v->ty), v->name);
  cu_expr(E, s->for_.start, 0);
  fputs("; ", out);
  cu_expr(E, s->for_.cond, 0);
  fputs("; ", out);
  if (step->kind == IR_CONST && type_is_int(step->ty) && step->cst.i == 1)
    fprintf(out, "++%s", v->name);
  else if (step->kind == IR_CONST && type_is_int(step->ty) && type_is_signed(step->ty) && step->cst.i == -1)
    fprintf(out, "--%s", v->name);
  else if (step->kind == IR_CONST && type_is_int(step->ty) && type_is_signed(step->ty) && step->cst.i < 0 &&
           ((step->ty->kind == TY_I32 && step->cst.i != INT32_MIN) ||
            (step->ty->kind == TY_I64 && step->cst.i != INT64_MIN))) {
    ir_expr minus = *step;
    minus.cst.i = -step->cst.i;
    fprintf(out, "%s -= ", v->name);
    cu_expr(E, &minus, 0);
  } else {
    fprintf(out, "%s += ", v->name);
    cu_expr(E, step, 0);
  }
  fputs(") {\n", out);
  cu_block(E, &s->for_.body, depth + 1);
  cu_indent(E, depth);
  fputs("}\n", out);
}

static void cu_if(cu_emitter *E, const ir_stmt *s, int depth, bool chained) {
  FILE *out = E->out;
  if (!chained)
    cu_indent(E, depth);
  fputs("if (", out);
  cu_expr(E, s->if_.cond, 0);
  fputs(") {\n", out);
  cu_block(E, &s->if_.then, depth + 1);
  cu_indent(E, depth);
  if (s->if_.els.len == 1 && s->if_.els.stmts[0]->kind == IR_IF) {
    fputs("} else ", out);
    cu_if(E, s->if_.els.stmts[0], depth, true);
    return;
  }
  if (s->if_.els.len) {
    fputs("} else {\n", out);
    cu_block(E, &s->if_.els, depth + 1);
    cu_indent(E, depth);
  }
  fputs("}\n", out);
}

static void cu_stmt(cu_emitter *E, const ir_stmt *s, int depth) {
  FILE *out = E->out;
  switch (s->kind) {
  case IR_DECL: cu_decl(E, s, depth); return;
  case IR_ASSIGN: {
    const ir_expr *value = s->assign.value;
    ir_expr target = {.kind = IR_VARREF, .ty = s->assign.var->ty, .var = s->assign.var};
    cu_indent(E, depth);
    if (cu_compound(value, &target)) {
      fprintf(out, "%s %s= ", s->assign.var->name, ir_op_text(value->op.op));
      cu_expr(E, value->op.b, 0);
    } else {
      fprintf(out, "%s = ", s->assign.var->name);
      cu_expr(E, value, 0);
    }
    fputs(";\n", out);
    return;
  }
  case IR_STORE: {
    const ir_expr *value = s->store.value;
    ir_expr target = {.kind = IR_LOAD, .ty = s->store.var->elem};
    target.load.var = s->store.var;
    target.load.offset = s->store.offset;
    cu_indent(E, depth);
    cu_load(E, s->store.var, s->store.offset);
    if (cu_compound(value, &target)) {
      fprintf(out, " %s= ", ir_op_text(value->op.op));
      cu_expr(E, value->op.b, 0);
    } else {
      fputs(" = ", out);
      cu_expr(E, value, 0);
    }
    fputs(";\n", out);
    return;
  }
  case IR_IF: cu_if(E, s, depth, false); return;
  case IR_FOR: cu_for(E, s, depth); return;
  case IR_WHILE:
    cu_indent(E, depth);
    fputs("while (", out);
    cu_expr(E, s->while_.cond, 0);
    fputs(") {\n", out);
    cu_block(E, &s->while_.body, depth + 1);
    cu_indent(E, depth);
    fputs("}\n", out);
    return;
  case IR_BREAK: cu_indent(E, depth); fputs("break;\n", out); return;
  case IR_CONTINUE: cu_indent(E, depth); fputs("continue;\n", out); return;
  case IR_RETURN:
    cu_indent(E, depth);
    fputs("return", out);
    if (s->ret.value) {
      fputc(' ', out);
      cu_expr(E, s->ret.value, 0);
    }
    fputs(";\n", out);
    return;
  case IR_BARRIER: cu_indent(E, depth); fputs("__syncthreads();\n", out); return;
  case IR_EVAL:
    cu_indent(E, depth);
    if (s->eval.expr->ty && s->eval.expr->ty->kind != TY_VOID)
      fputs("(void)", out);
    cu_expr(E, s->eval.expr, CU_PREC_UNARY);
    fputs(";\n", out);
    return;
  case IR_BLOCK:
    cu_indent(E, depth);
    fputs("{\n", out);
    cu_block(E, &s->block, depth + 1);
    cu_indent(E, depth);
    fputs("}\n", out);
    return;
  default: return; /* host forms (pass `fission`) do not reach CUDA */
  }
}

static void cu_block(cu_emitter *E, const ir_block *b, int depth) {
  for (int i = 0; i < b->len; i++)
    cu_stmt(E, b->stmts[i], depth);
}

/* ---- functions ---- */

/* One parameter: in the kernel (restrict pointers) or in the host wrapper. */
static void cu_param(cu_emitter *E, const ir_var *v, bool restrict_) {
  if (cu_is_tensor(v))
    fprintf(E->out, "%s%s *%s%s", v->written_deep ? "" : "const ", ir_c_type(v->elem),
            restrict_ ? "__restrict__ " : "", v->name);
  else
    fprintf(E->out, "%s %s", ir_c_type(v->ty), v->name);
}

static void cu_params(cu_emitter *E, const ir_func *f, bool restrict_, bool stream) {
  for (int i = 0; i < f->nparams; i++) {
    if (i)
      fputs(", ", E->out);
    cu_param(E, f->params[i], restrict_);
  }
  if (stream)
    fputs(f->nparams ? ", cudaStream_t stream" : "cudaStream_t stream", E->out);
  else if (!f->nparams)
    fputs("void", E->out);
}

/* Device functions take plain pointers: a caller may pass one tensor for two
 * parameters (the kernel's own parameters are __restrict__). */
static void cu_prototype(cu_emitter *E, int i) {
  const ir_func *f = E->p->funcs[i];
  if (!E->called[i])
    fputs("[[maybe_unused]] ", E->out);
  fprintf(E->out, "static %s %s %s(", E->host_callable[i] ? "__host__ __device__" : "__device__",
          ir_c_type(f->ret), E->fn_name[i]);
  cu_params(E, f, false, false);
  fputc(')', E->out);
}

static void cu_body(cu_emitter *E, const ir_func *f) {
  cu_count_reads(E, f);
  fputs(" {\n", E->out);
  cu_block(E, &f->body, 1);
  fputs("}\n", E->out);
}

static void cu_kernel(cu_emitter *E, int i) {
  const ir_func *f = E->p->funcs[i];
  FILE *out = E->out;
  fprintf(out, "static __global__ void __launch_bounds__(%lld) %s(", (long long)f->threads, E->kernel_name[i]);
  cu_params(E, f, true, false);
  fputc(')', out);
  if (!f->smem_dynamic) {
    cu_body(E, f);
    return;
  }
  cu_count_reads(E, f);
  fprintf(out, " {\n  extern __shared__ __align__(%d) unsigned char hdt_smem[]; // %lld bytes\n", IR_SMEM_ALIGN,
          (long long)f->smem_dynamic);
  E->dynamic_smem = true;
  cu_block(E, &f->body, 1);
  E->dynamic_smem = false;
  fputs("}\n", out);
}

static const char *const cu_axes = "xyz";

/* A grid dimension known at compile time to be launchable as is. */
static bool cu_grid_const_ok(const cu_emitter *E, const ir_expr *g, int d) {
  return g->kind == IR_CONST && type_is_int(g->ty) && g->cst.i >= 1 && g->cst.i <= E->p->target->max_grid[d];
}

/* The argument checks that lowering made (ir_func.bad_size, .nonnull). */
static void cu_arg_checks(cu_emitter *E, const ir_func *f) {
  FILE *out = E->out;
  if (f->bad_size) {
    fputs("  if (", out);
    cu_expr(E, f->bad_size, 0);
    fputs(")\n    return HDT_ERR_NEGATIVE_SIZE;\n", out);
  }
  for (int i = 0; i < f->nnonnull; i++) {
    fprintf(out, "  if (!%s", f->nonnull[i]->name);
    if (f->nonnull_when[i]) {
      fputs(" && ", out);
      cu_expr(E, f->nonnull_when[i], 5); /* the precedence of && */
    }
    fputs(")\n    return HDT_ERR_NULL_POINTER;\n", out);
  }
}

static void cu_wrappers(cu_emitter *E, int k) {
  const ir_func *f = E->p->funcs[k];
  FILE *out = E->out;
  fprintf(out, "extern \"C\" int %s_async(", f->name);
  cu_params(E, f, false, true);
  fputs(") {\n", out);
  E->host = true;
  cu_arg_checks(E, f);
  bool any = false;
  for (int d = 0; d < 3; d++) {
    const ir_expr *g = f->grid[d];
    if (!g || cu_grid_const_ok(E, g, d))
      continue;
    fprintf(out, "  const int64_t hdt_grid_%c = ", cu_axes[d]);
    cu_expr(E, g, 0);
    fputs(";\n", out);
    any = true;
  }
  if (any) {
    /* An out-of-range dimension is an error; an empty grid has nothing to do. */
    fputs("  if (", out);
    bool first = true;
    for (int d = 0; d < 3; d++) {
      const ir_expr *g = f->grid[d];
      if (!g || cu_grid_const_ok(E, g, d))
        continue;
      fprintf(out, "%shdt_grid_%c < 0 || hdt_grid_%c > %lld", first ? "" : " ||\n      ", cu_axes[d],
              cu_axes[d], (long long)E->p->target->max_grid[d]);
      first = false;
    }
    fputs(")\n    return HDT_ERR_GRID_TOO_LARGE;\n", out);
    fputs("  if (", out);
    first = true;
    for (int d = 0; d < 3; d++) {
      const ir_expr *g = f->grid[d];
      if (!g || cu_grid_const_ok(E, g, d))
        continue;
      fprintf(out, "%shdt_grid_%c == 0", first ? "" : " || ", cu_axes[d]);
      first = false;
    }
    fputs(")\n    return 0;\n", out);
  }
  E->host = false;
  int64_t smem = f->smem_dynamic;
  if (smem) {
    fprintf(out,
            "  const cudaError_t hdt_err = cudaFuncSetAttribute(hdt_gen::%s, "
            "cudaFuncAttributeMaxDynamicSharedMemorySize, %lld);\n"
            "  if (hdt_err != cudaSuccess)\n    return (int)hdt_err;\n",
            E->kernel_name[k], (long long)smem);
  }
  fprintf(out, "  hdt_gen::%s<<<dim3(", E->kernel_name[k]);
  for (int d = 0; d < 3; d++) {
    const ir_expr *g = f->grid[d];
    if (d)
      fputs(", ", out);
    if (!g)
      fputs("1u", out);
    else if (cu_grid_const_ok(E, g, d))
      fprintf(out, "%lldu", (long long)g->cst.i);
    else
      fprintf(out, "(unsigned)hdt_grid_%c", cu_axes[d]);
  }
  fprintf(out, "), dim3(%lldu, %lldu, %lldu), %lld, stream>>>(", (long long)f->block[0], (long long)f->block[1],
          (long long)f->block[2], (long long)smem);
  for (int i = 0; i < f->nparams; i++)
    fprintf(out, "%s%s", i ? ", " : "", f->params[i]->name);
  fputs(");\n  return hdt_launch_status(stream);\n}\n", out);

  fprintf(out, "extern \"C\" int %s(", f->name);
  cu_params(E, f, false, false);
  fprintf(out, ") {\n  return %s_async(", f->name);
  for (int i = 0; i < f->nparams; i++)
    fprintf(out, "%s, ", f->params[i]->name);
  fputs("0);\n}\n", out);
}

static void cu_source_comment(FILE *out, const char *source) {
  fputs("// Generated by hdtc from ", out);
  for (const char *c = source ? source : "<stdin>"; *c; c++)
    fputc((unsigned char)*c < 0x20 || *c == 0x7f ? '?' : *c, out);
  fputs("; do not edit.\n", out);
}

void emit_cuda(FILE *out, const ir_program *p) {
  cu_emitter E = {.out = out, .p = p};
  int n = p->nfuncs ? p->nfuncs : 1;
  E.fn_name = calloc((size_t)n, sizeof *E.fn_name);
  E.kernel_name = calloc((size_t)n, sizeof *E.kernel_name);
  E.host_callable = calloc((size_t)n, sizeof *E.host_callable);
  E.called = calloc((size_t)n, sizeof *E.called);
  if (!E.fn_name || !E.kernel_name || !E.host_callable || !E.called) {
    fputs("hdtc: fatal: out of memory\n", stderr);
    abort();
  }
  cu_assign_names(&E);
  cu_scan_program(&E);

  cu_source_comment(out, p->source);
  fputs("#include \"hdt_cuda.h\"\n", out);
  /* `u >= 0` on an unsigned u is what the program says, not an error. */
  fputs("#pragma nv_diag_suppress 186\n", out);
  if (p->nfuncs) {
    fputs("\nnamespace hdt_gen {\n", out);
    /* Prototypes only where a function calls one emitted after it. */
    if (E.forward_calls) {
      fputc('\n', out);
      for (int i = 0; i < p->nfuncs; i++) {
        if (p->funcs[i]->is_kernel)
          continue;
        cu_prototype(&E, i);
        fputs(";\n", out);
      }
    }
    for (int i = 0; i < p->nfuncs; i++) {
      fputc('\n', out);
      if (p->funcs[i]->is_kernel) {
        cu_kernel(&E, i);
      } else {
        cu_prototype(&E, i);
        cu_body(&E, p->funcs[i]);
      }
    }
    fputs("\n} // namespace hdt_gen\n", out);
    for (int i = 0; i < p->nfuncs; i++) {
      if (!p->funcs[i]->is_kernel)
        continue;
      fputc('\n', out);
      cu_wrappers(&E, i);
    }
  }

  for (int i = 0; i < p->nfuncs; i++) {
    if (E.fn_name[i] && E.fn_name[i] != p->funcs[i]->name)
      free((char *)E.fn_name[i]);
    free((char *)E.kernel_name[i]);
  }
  free(E.fn_name);
  free(E.kernel_name);
  free(E.host_callable);
  free(E.called);
  free(E.reads);
  free(E.assigns);
}
