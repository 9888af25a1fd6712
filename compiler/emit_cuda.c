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
 * Expressions and statements are spelled by c_print.c (row CP_CUDA of its
 * dialect table: cuda_fp16.h's operators for f16 and bf16, hdt_cuda.h's
 * overloaded helpers, declarations nothing reads [[maybe_unused]], so that
 * nvcc's -Werror all-warnings has nothing to report). What is CUDA's own
 * is here, as c_print.h's hooks: device functions in namespace hdt_gen
 * (qualified in host code), and shared arrays in dynamic shared memory. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "c_print.h"
#include "emit.h"
#include "reserved.h"
#include "symtab.h"

typedef struct cu_emitter {
  FILE *out;
  c_printer P;              /* expressions and statements (c_print.c) */
  const ir_program *p;
  const char **fn_name;     /* per p->funcs[i]: the device function's C++ name */
  const char **kernel_name; /* per p->funcs[i]: NAME_kernel (kernels only) */
  bool *host_callable;      /* device functions called from a grid expression */
  bool *called;             /* referenced by a call or a grid expression */
  int *reads;               /* per variable id of the current function: reads */
  bool host;                /* printing host code: calls are namespace-qualified */
  bool dynamic_smem;        /* the kernel being printed has its shared arrays in hdt_smem */
  int scanning;             /* index of the function cu_scan_program is in */
  bool forward_calls;       /* a function calls one emitted after it: prototypes first */
  arena *names;             /* the names given out (cu_free_name) */
  symtab *taken;            /* every C++ name in use, for cu_free_name */
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

/* The C++ names in use, hashed (a scan per candidate made emission
 * quadratic in the number of kernels): every variable's, every device
 * function's that keeps its own name, and each name given out so far. */
static void cu_taken_init(cu_emitter *E) {
  E->names = arena_new();
  E->taken = symtab_new(E->names);
  for (int i = 0; i < E->p->nfuncs; i++) {
    const ir_func *f = E->p->funcs[i];
    if (!f->is_kernel && !reserved_cuda_name(f->name))
      symtab_put(E->taken, f->name, (void *)f);
    for (int v = 0; v < f->nvars; v++)
      symtab_put(E->taken, f->vars[v]->name, f->vars[v]);
  }
}

/* base, or base followed by the smallest number from 2 that is free; the
 * name is then taken. Lives in E->names. */
static const char *cu_free_name(cu_emitter *E, const char *base) {
  char *name = cu_numbered(base, 0);
  for (int n = 2; symtab_get(E->taken, name); n++) {
    free(name);
    name = cu_numbered(base, n);
  }
  const char *kept = arena_strdup(E->names, name);
  free(name);
  symtab_put(E->taken, kept, (void *)kept);
  return kept;
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
    E->fn_name[i] = cu_free_name(E, base);
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
    E->kernel_name[i] = cu_free_name(E, base);
    free(base);
  }
}

/* ---- analysis: which variables are read, which functions are called ---- */

static void cu_scan_expr(cu_emitter *E, const ir_expr *e, bool from_host);

static void cu_mark_call(cu_emitter *E, const ir_func *callee, bool from_host) {
  int i = ir_func_index(E->p, callee);
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
  case IR_LOAD: cu_scan_expr(E, e->load.offset, from_host); return;
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
  case IR_ASSIGN: cu_scan_expr(E, s->assign.value, from_host); return;
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

/* ---- the C printer's hooks (c_print.c) ---- */

/* A device function by its C++ name; in host code (the wrappers' grid
 * expressions), qualified by the namespace. */
static bool cu_hook_callee(c_printer *P, const ir_expr *call) {
  const cu_emitter *E = P->target;
  int i = ir_func_index(E->p, call->call.callee);
  fprintf(P->out, "%s%s(", E->host ? "hdt_gen::" : "", i >= 0 ? E->fn_name[i] : call->call.callee->name);
  return false;
}

/* A shared array laid out by ir_smem.c: a typed pointer into hdt_smem. */
static bool cu_hook_stmt(c_printer *P, const ir_stmt *s, int depth) {
  const cu_emitter *E = P->target;
  if (s->kind != IR_DECL || s->decl.var->kind != IR_VAR_SHARED || !E->dynamic_smem)
    return false;
  const ir_var *v = s->decl.var;
  cp_indent(P, depth);
  if (P->reads[v->id] == 0)
    fputs(P->d->unused_attr, P->out);
  const char *t = cp_type(P->d, v->elem);
  fprintf(P->out, "%s *const %s = reinterpret_cast<%s *>(hdt_smem + %lld);\n", t, v->name, t,
          (long long)v->smem_offset);
  return true;
}

/* cp_async, cp_async_wait and vcopy take their constants (the bytes, the
 * groups) as template arguments: inline PTX needs them as immediates
 * (hdt_cuda.h). The elements go by address. */
static bool cu_hook_expr(c_printer *P, const ir_expr *e) {
  if (e->kind != IR_CALL || e->call.fn == IR_FN_USER)
    return false;
  const builtin_info *b = ir_fn_builtin(e->call.fn);
  if (b->sig != BS_CP_ASYNC && b->sig != BS_VCOPY && b->id != BI_CP_ASYNC_WAIT)
    return false;
  int nconst = b->id == BI_CP_ASYNC_WAIT ? 0 : 2; /* the argument that is the template's */
  fprintf(P->out, "%s<%lld>(", b->cuda, (long long)e->call.args[nconst]->cst.i);
  for (int i = 0, n = 0; i < e->call.nargs; i++) {
    if (i == nconst)
      continue;
    fputs(n++ ? ", " : "", P->out);
    if (i < builtin_addr_args(b))
      fputc('&', P->out);
    cp_expr(P, e->call.args[i], i < builtin_addr_args(b) ? CP_PREC_UNARY : 0);
  }
  fputc(')', P->out);
  return true;
}

static const c_hooks cu_hooks = {.expr = cu_hook_expr, .callee = cu_hook_callee, .stmt = cu_hook_stmt};

static bool cu_is_tensor(const ir_var *v) { return v->ty->kind == TY_TENSOR; }

static void cu_expr(cu_emitter *E, const ir_expr *e, int min_prec) { cp_expr(&E->P, e, min_prec); }

/* Reads of every variable of f: declarations nothing reads are
 * [[maybe_unused]]. */
static void cu_count_reads(cu_emitter *E, const ir_func *f) {
  free(E->reads);
  E->reads = calloc((size_t)(f->nvars ? f->nvars : 1), sizeof *E->reads);
  if (!E->reads) {
    fputs("hdtc: fatal: out of memory\n", stderr);
    abort();
  }
  cp_count_reads(E->reads, &f->body);
  E->P.reads = E->reads;
}


/* ---- functions ---- */

/* One parameter: in the kernel (restrict pointers) or in the host wrapper. */
static void cu_param(cu_emitter *E, const ir_var *v, bool restrict_) {
  if (cu_is_tensor(v))
    fprintf(E->out, "%s%s *%s%s", cp_tensor_const(E->P.d, v) ? "const " : "", ir_c_type(v->elem),
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
  cp_block(&E->P, &f->body, 1);
  fputs("}\n", E->out);
}

static void cu_kernel(cu_emitter *E, int i) {
  const ir_func *f = E->p->funcs[i];
  FILE *out = E->out;
  if (f->min_blocks)
    fprintf(out, "static __global__ void __launch_bounds__(%lld, %d) %s(", (long long)f->threads, f->min_blocks,
            E->kernel_name[i]);
  else
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
  cp_block(&E->P, &f->body, 1);
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
  E.P = (c_printer){.out = out, .d = &cp_dialects[CP_CUDA], .h = &cu_hooks, .target = &E};
  int n = p->nfuncs ? p->nfuncs : 1;
  E.fn_name = calloc((size_t)n, sizeof *E.fn_name);
  E.kernel_name = calloc((size_t)n, sizeof *E.kernel_name);
  E.host_callable = calloc((size_t)n, sizeof *E.host_callable);
  E.called = calloc((size_t)n, sizeof *E.called);
  if (!E.fn_name || !E.kernel_name || !E.host_callable || !E.called) {
    fputs("hdtc: fatal: out of memory\n", stderr);
    abort();
  }
  cu_taken_init(&E);
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

  arena_free(E.names);
  free(E.fn_name);
  free(E.kernel_name);
  free(E.host_callable);
  free(E.called);
  free(E.reads);
}
