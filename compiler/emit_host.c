/* emit_host.c: C11 that runs the kernels on the CPU (--target=host).
 *
 * A kernel becomes three things in the output: a block function that runs
 * one thread block, a frame struct that holds what the block's threads keep
 * across barriers, and the entry point `int NAME(params)` that runs the
 * grid through hdt_host_launch (hdt_host.h: one frame per OS thread, blocks
 * in parallel under OpenMP). Everything but the entry points is static.
 *
 * Thread-loop fission. On the GPU the T threads of a block run at once and
 * meet at barriers. Here a block runs as a sequence of *phases*; a phase is
 * a loop `for (int tid = 0; tid < T; tid++)` that runs one stretch of the
 * kernel for every thread in turn, and a barrier is simply the end of a
 * phase: when the next phase starts, every thread has finished the last
 * one, which is all that syncthreads() promises. The emitter walks each
 * statement list of the kernel and sorts its statements:
 *   - a barrier ends the current phase;
 *   - an if/for/while/block that contains a barrier or a shuffle (or, in a
 *     loop emitted this way, a break/continue out of it) is emitted once for
 *     the whole block: its condition or bounds are evaluated with tid = 0
 *     and its bodies are walked the same way (the "uniform" statements);
 *   - a break/continue of such a loop is emitted once for the block too;
 *   - a statement containing shuffles gets exchange phases, in which every
 *     thread stores the value it offers in an exchange buffer (one buffer
 *     per shuffle of the statement, slots of a union of the 32- and 64-bit
 *     types), and then runs with each shuffle replaced by a read of its
 *     source lane's slot (hdt_lane_xor, hdt_lane_down). Shuffles that do
 *     not read one another offer in the same phase; a shuffle under a
 *     select, && or || offers only where C would evaluate it;
 *   - maximal runs of the other statements share one thread loop.
 * This is well defined because of what uniform.c proves for every kernel
 * that hdtc accepts: every syncthreads() and every shuffle is reached by all
 * threads of a block the same number of times. So the condition of an if
 * or loop that contains one is the same in every thread (thread 0's value
 * is everyone's), every thread takes the same path through the uniform
 * statements, and breaking out of a loop with a barrier is uniform too.
 * A `return` may be divergent, but then no barrier or shuffle follows it.
 * Two special cases: a uniform `if` condition that calls a function with
 * side effects is evaluated by every thread (a phase of its own), as on the
 * GPU; a shuffle in a loop condition, which each thread would evaluate as
 * often as it iterates (nothing checks that they agree), and a call with
 * side effects in the bounds of a uniform loop give an #error in the output.
 *
 * Storage. A variable whose lifetime spans phases (declared in a uniformly
 * emitted list and used outside its own thread loop) needs one value per
 * thread: it lives in the frame as name[T] (a local array as name[T][len])
 * and is written name[tid]. A `let` whose value is the same for the whole
 * block (built from parameters, blockIdx, gridDim, the counters of uniform
 * loops and other such lets) is computed once, before the thread loop, as a
 * plain C constant; the counter of a uniform loop is one too. Shared arrays
 * are per block and live in the frame. Everything else is a C local inside
 * its thread loop. Frames can be large (256 threads with a 4x4 register
 * tile each), so they are on the heap, zeroed before each block.
 *
 * Returns. A thread that returns sets done[tid] and leaves its thread loop;
 * every thread loop skips done threads, and after a thread loop that may
 * return, the block ends when every thread is done (a uniform return).
 *
 * Device functions cannot synchronize (sema): they are plain static C
 * functions, with the threadIdx/blockIdx/blockDim/gridDim they read (also
 * through their callees) as leading hdt_dim3 parameters.
 *
 * Arithmetic follows the GPU where C would differ: 16-bit floats compute in
 * float and round once, float -> integer conversions saturate, shifts by
 * the width or more shift everything out, and narrow integer arithmetic is
 * cast back to its type (see hdt_host.h). Expressions and statements are
 * spelled by c_print.c (row CP_HOST of its dialect table); what only the
 * host has (frame variables, threadIdx from tid, dim3 arguments, shuffle
 * exchanges, returns and barriers around thread loops) are its hooks, here. */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "c_print.h"
#include "emit.h"
#include "reserved.h"

/* Where a variable lives in the generated code. */
typedef enum {
  HX_PARAM,  /* a parameter: its name */
  HX_BLOCK,  /* one value per block: a C local of the block function */
  HX_LOCAL,  /* a C local of a thread loop (or of a device function) */
  HX_THREAD, /* one value per thread, in the frame: name[tid], name[tid][off] */
  HX_SHARED, /* one array per block, in the frame: name[off] */
} hx_storage;

/* What the code being printed is part of, which decides how threadIdx and
 * friends are spelled. */
typedef enum {
  HX_IN_FUNC,   /* a device function: threadIdx etc. are parameters */
  HX_IN_BLOCK,  /* a kernel's block function, outside thread loops (tid = 0) */
  HX_IN_THREAD, /* inside a thread loop */
  HX_IN_ENTRY,  /* the entry point (grid expressions) */
} hx_context;

/* The built-in dim3 values a device function reads (with its callees). */
enum { HX_DIM_THREAD = 1, HX_DIM_BLOCK = 2, HX_DIM_BLOCKDIM = 4, HX_DIM_GRID = 8 };
/* Beside the dims: the function (or a callee) vcopies, so it takes the
 * block's fault word (hdt_host.h, hdt_misaligned) as a parameter. */
enum { HX_FAULT = 16 };

typedef struct hx_emitter {
  FILE *out;
  c_printer P;          /* expressions and statements (c_print.c); P.out is out */
  const ir_program *p;
  const char **fn_name; /* per p->funcs[i]: the C name of a device function */
  unsigned *fn_dims;    /* per p->funcs[i]: HX_DIM_* it needs as parameters */
  bool *fn_called;      /* per p->funcs[i]: referenced anywhere */

  /* The function being emitted. */
  const ir_func *f;
  hx_context ctx;
  hx_storage *storage; /* per variable id */
  int *reads;          /* per variable id: uses other than as an assignment target */

  /* The kernel being emitted. */
  bool has_return;     /* some thread may return: done[] exists */
  int xchg_depth;      /* exchange buffers: the most shuffles in one statement (ir_func.xchg_slots) */
  int thread_loops;    /* thread loops so far (labels) */
  bool next_used;      /* the current thread loop's label is jumped to */
  bool uses_block_tid, uses_block_end, uses_blockIdx, uses_gridDim;
} hx_emitter;

static void *hx_alloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size);
  if (!p) {
    fputs("hdtc: fatal: out of memory\n", stderr);
    abort();
  }
  return p;
}

static void hx_indent(hx_emitter *E, int depth) { cp_indent(&E->P, depth); }

/* ---- device functions: names and the dim3 values they need ---- */

/* Is `name` a function's C name, a kernel's, or a variable's anywhere (a
 * variable would hide a function of that name)? */
static bool hx_name_taken(const hx_emitter *E, const char *name) {
  for (int i = 0; i < E->p->nfuncs; i++) {
    const ir_func *f = E->p->funcs[i];
    if ((E->fn_name[i] && strcmp(E->fn_name[i], name) == 0) || strcmp(f->name, name) == 0)
      return true;
    for (int v = 0; v < f->nvars; v++)
      if (strcmp(f->vars[v]->name, name) == 0)
        return true;
  }
  return false;
}

static void hx_assign_names(hx_emitter *E) {
  for (int i = 0; i < E->p->nfuncs; i++) {
    const ir_func *f = E->p->funcs[i];
    if (f->is_kernel || !reserved_host_name(f->name)) {
      E->fn_name[i] = f->name; /* a kernel's name is its C ABI */
      continue;
    }
    size_t size = strlen(f->name) + 16;
    char *name = hx_alloc(size, 1);
    snprintf(name, size, "%s_fn", f->name);
    for (int n = 2; hx_name_taken(E, name); n++)
      snprintf(name, size, "%s_fn%d", f->name, n);
    E->fn_name[i] = name;
  }
}

/* A dim3 parameter of a device function has the builtin's name
 * (threadIdx...): HX_DIM_THREAD is bit 0, in builtins.def's order. */
static const char *hx_dim_name(unsigned dim) {
  int k = dim == HX_DIM_THREAD ? 0 : dim == HX_DIM_BLOCK ? 1 : dim == HX_DIM_BLOCKDIM ? 2 : 3;
  return builtin_get((builtin_id)(BI_THREADIDX + k))->name;
}

static unsigned hx_special_dim(ir_special s) {
  switch (s) {
  case IR_THREAD_X: case IR_THREAD_Y: case IR_THREAD_Z: return HX_DIM_THREAD;
  case IR_BLOCK_X: case IR_BLOCK_Y: case IR_BLOCK_Z: return HX_DIM_BLOCK;
  case IR_BLOCKDIM_X: case IR_BLOCKDIM_Y: case IR_BLOCKDIM_Z: return HX_DIM_BLOCKDIM;
  default: return HX_DIM_GRID;
  }
}

/* What one expression contributes to its function's dims. */
static void hx_scan_expr(hx_emitter *E, const ir_expr *e, unsigned *dims) {
  if (!e)
    return;
  switch (e->kind) {
  case IR_SPECIAL: *dims |= hx_special_dim(e->special); return;
  case IR_LOAD: hx_scan_expr(E, e->load.offset, dims); return;
  case IR_UNARY:
  case IR_CAST: hx_scan_expr(E, e->op.a, dims); return;
  case IR_BINARY:
    hx_scan_expr(E, e->op.a, dims);
    hx_scan_expr(E, e->op.b, dims);
    return;
  case IR_SELECT:
    hx_scan_expr(E, e->select.c, dims);
    hx_scan_expr(E, e->select.a, dims);
    hx_scan_expr(E, e->select.b, dims);
    return;
  case IR_CALL: {
    int i = e->call.fn == IR_FN_USER ? ir_func_index(E->p, e->call.callee) : -1;
    if (e->call.fn != IR_FN_USER && ir_fn_builtin(e->call.fn)->sig == BS_VCOPY)
      *dims |= HX_FAULT;
    if (i >= 0) {
      *dims |= E->fn_dims[i];
      E->fn_called[i] = true;
    }
    for (int k = 0; k < e->call.nargs; k++)
      hx_scan_expr(E, e->call.args[k], dims);
    return;
  }
  default: return;
  }
}

static void hx_scan_block(hx_emitter *E, const ir_block *b, unsigned *dims) {
  for (int i = 0; i < b->len; i++) {
    const ir_stmt *s = b->stmts[i];
    const ir_expr *x[3];
    int n = ir_stmt_exprs(s, x);
    for (int k = 0; k < n; k++)
      hx_scan_expr(E, x[k], dims);
    const ir_block *nb[2];
    n = ir_stmt_bodies(s, nb);
    for (int k = 0; k < n; k++)
      hx_scan_block(E, nb[k], dims);
  }
}

/* The dims every function reads (itself or through its callees), to a
 * fixed point (functions may be recursive). */
static void hx_scan_program(hx_emitter *E) {
  for (bool changed = true; changed;) {
    changed = false;
    for (int i = 0; i < E->p->nfuncs; i++) {
      const ir_func *f = E->p->funcs[i];
      unsigned dims = 0;
      hx_scan_block(E, &f->body, &dims);
      if (f->is_kernel)
        for (int d = 0; d < 3; d++)
          hx_scan_expr(E, f->grid[d], &dims);
      changed |= dims != E->fn_dims[i];
      E->fn_dims[i] = dims;
    }
  }
}

/* ---- spelling: the C printer (c_print.c) and its hooks ---- */

static const char *hx_c_type(const type *t) { return cp_type(&cp_dialects[CP_HOST], t); }

static void hx_expr(hx_emitter *E, const ir_expr *e, int min_prec) { cp_expr(&E->P, e, min_prec); }

/* threadIdx in a kernel is arithmetic on tid (tid % 16, tid / 16): how it binds. */
static int hx_hook_special_prec(c_printer *P, ir_special s) {
  const hx_emitter *E = P->target;
  if (hx_special_dim(s) != HX_DIM_THREAD || E->ctx == HX_IN_FUNC || E->ctx == HX_IN_ENTRY)
    return CP_PREC_PRIMARY;
  return s == IR_THREAD_X && E->f->block[1] * E->f->block[2] == 1 ? CP_PREC_PRIMARY : ir_op_precedence(IR_OP_MUL);
}

/* A variable as a value: per-thread ones are indexed by the thread. */
static void hx_hook_var(c_printer *P, const ir_var *v) {
  hx_emitter *E = P->target;
  fputs(v->name, P->out);
  if (E->storage[v->id] == HX_THREAD) {
    fputs("[tid]", P->out);
    if (E->ctx == HX_IN_BLOCK)
      E->uses_block_tid = true;
  }
}

static const char *const hx_axes = "xyz";

static void hx_hook_special(c_printer *P, ir_special s) {
  hx_emitter *E = P->target;
  FILE *out = P->out;
  int axis = (int)(s - IR_THREAD_X) % 3;
  unsigned dim = hx_special_dim(s);
  if (E->ctx == HX_IN_FUNC || E->ctx == HX_IN_ENTRY || dim == HX_DIM_GRID || dim == HX_DIM_BLOCK) {
    if (E->ctx == HX_IN_ENTRY) { /* no block here: grid expressions do not use them */
      fputs("0", out);
      return;
    }
    fprintf(out, "%s.%c", ir_special_builtin(s)->name, hx_axes[axis]);
    E->uses_blockIdx |= dim == HX_DIM_BLOCK;
    E->uses_gridDim |= dim == HX_DIM_GRID;
    return;
  }
  const ir_func *f = E->f;
  if (dim == HX_DIM_BLOCKDIM) {
    fprintf(out, "%lld", (long long)f->block[axis]);
    return;
  }
  /* threadIdx from the linear thread index; x varies fastest */
  if (E->ctx == HX_IN_BLOCK)
    E->uses_block_tid = true;
  long long bx = f->block[0], by = f->block[1], bz = f->block[2];
  if (axis == 0 && by * bz == 1)
    fputs("tid", out);
  else if (axis == 0)
    fprintf(out, "tid %% %lld", bx);
  else if (axis == 1 && bz == 1)
    fprintf(out, "tid / %lld", bx);
  else if (axis == 1)
    fprintf(out, "tid / %lld %% %lld", bx, by);
  else
    fprintf(out, "tid / %lld", bx * by);
}

/* The dim3 arguments a device function takes first. */
static void hx_dim_args(hx_emitter *E, unsigned dims) {
  FILE *out = E->P.out;
  const char *sep = "";
  const ir_func *f = E->f;
  if (dims & HX_DIM_THREAD) {
    if (E->ctx == HX_IN_FUNC)
      fputs(hx_dim_name(HX_DIM_THREAD), out);
    else if (E->ctx == HX_IN_ENTRY)
      fputs("hdt_dim3_make(0, 0, 0)", out);
    else {
      fprintf(out, "hdt_thread_index(tid, %lld, %lld)", (long long)f->block[0], (long long)f->block[1]);
      E->uses_block_tid |= E->ctx == HX_IN_BLOCK;
    }
    sep = ", ";
  }
  if (dims & HX_DIM_BLOCK) {
    fprintf(out, "%s%s", sep, E->ctx == HX_IN_ENTRY ? "hdt_dim3_make(0, 0, 0)" : hx_dim_name(HX_DIM_BLOCK));
    E->uses_blockIdx |= E->ctx == HX_IN_BLOCK || E->ctx == HX_IN_THREAD;
    sep = ", ";
  }
  if (dims & HX_DIM_BLOCKDIM) {
    if (E->ctx == HX_IN_FUNC)
      fprintf(out, "%s%s", sep, hx_dim_name(HX_DIM_BLOCKDIM));
    else if (E->ctx == HX_IN_ENTRY)
      fprintf(out, "%shdt_dim3_make(0, 0, 0)", sep);
    else
      fprintf(out, "%shdt_dim3_make(%lld, %lld, %lld)", sep, (long long)f->block[0], (long long)f->block[1],
              (long long)f->block[2]);
    sep = ", ";
  }
  if (dims & HX_DIM_GRID) {
    fprintf(out, "%s%s", sep, E->ctx == HX_IN_ENTRY ? "hdt_dim3_make(0, 0, 0)" : hx_dim_name(HX_DIM_GRID));
    E->uses_gridDim |= E->ctx == HX_IN_BLOCK || E->ctx == HX_IN_THREAD;
    sep = ", ";
  }
  if (dims & HX_FAULT) /* the entry point's grid expressions run no block: a fault goes nowhere */
    fprintf(out, "%s%s", sep, E->ctx == HX_IN_ENTRY ? "&(int){0}" : "hdt_fault");
}

/* A device function by its C name, with the dim3 values it reads first. */
static bool hx_hook_callee(c_printer *P, const ir_expr *call) {
  hx_emitter *E = P->target;
  int fi = ir_func_index(E->p, call->call.callee);
  fprintf(P->out, "%s(", fi >= 0 ? E->fn_name[fi] : call->call.callee->name);
  unsigned dims = fi >= 0 ? E->fn_dims[fi] : 0;
  hx_dim_args(E, dims);
  return dims != 0;
}

/* The exchange buffer slot of shuffle j. */
static void hx_xchg_slot(hx_emitter *E, int j) {
  if (E->xchg_depth > 1)
    fprintf(E->P.out, "xchg[%d]", j);
  else
    fputs("xchg", E->P.out);
}

/* A shuffle, in the phase after its operands were exchanged: the value
 * the source lane stored. */
static void hx_xchg_read(hx_emitter *E, const ir_expr *e) {
  FILE *out = E->P.out;
  if (E->ctx != HX_IN_THREAD) {
    fputs("HDT_UNSUPPORTED_SHUFFLE_PLACEMENT", out); /* not reached for checked kernels */
    return;
  }
  const char *helper = ir_fn_builtin(e->xchg.fn)->host; /* hdt_host.h: hdt_lane_xor..., hdt_warp_ballot... */
  if (!e->xchg.lane) { /* a vote: the helper folds the slots of the thread's warp */
    fprintf(out, "hdt_%s(", helper);
    hx_xchg_slot(E, e->xchg.slot);
    fprintf(out, ", tid, %lld)", (long long)E->f->threads);
    return;
  }
  hx_xchg_slot(E, e->xchg.slot);
  fprintf(out, "[hdt_%s(tid, ", helper);
  hx_expr(E, e->xchg.lane, 0);
  fprintf(out, ", %lld)].%s", (long long)E->f->threads, cp_suffix(e->ty));
}

/* cp_async and its groups, and vcopy: helpers of no type suffix (they
 * move bytes), the elements by address; cp_async, commit and wait act on
 * the thread's queue of pending copies (hdt_host.h), cpq[tid] in the frame
 * (sema allows them only in kernels). */
static bool hx_mem_call(c_printer *P, const ir_expr *e) {
  const builtin_info *b = ir_fn_builtin(e->call.fn);
  if (b->sig != BS_CP_ASYNC && b->sig != BS_CP_ASYNC_GROUP && b->sig != BS_VCOPY)
    return false;
  FILE *out = P->out;
  fprintf(out, "hdt_%s(", b->host);
  if (b->sig != BS_VCOPY)
    fputs(e->call.nargs ? "&cpq[tid], " : "&cpq[tid]", out);
  if (b->sig != BS_CP_ASYNC_GROUP) /* the accesses that can fault */
    fputs("hdt_fault, ", out);
  for (int i = 0; i < e->call.nargs; i++) {
    fputs(i ? ", " : "", out);
    if (i < builtin_addr_args(b))
      fputc('&', out);
    cp_expr(P, e->call.args[i], i < builtin_addr_args(b) ? CP_PREC_UNARY : 0);
  }
  fputc(')', out);
  return true;
}

/* Shuffles: reads of the exchange (fission made every shuffle of a checked
 * kernel one). */
static bool hx_hook_expr(c_printer *P, const ir_expr *e) {
  if (e->kind == IR_XCHG_READ) {
    hx_xchg_read(P->target, e);
    return true;
  }
  if (e->kind == IR_CALL && e->call.fn != IR_FN_USER && hx_mem_call(P, e))
    return true;
  if (e->kind == IR_CALL && e->call.fn != IR_FN_USER && ir_fn_builtin(e->call.fn)->sig == BS_SHUFFLE) {
    fputs("HDT_UNSUPPORTED_SHUFFLE_PLACEMENT", P->out); /* not reached for checked kernels */
    return true;
  }
  return false;
}

/* xchg[j][tid].T = operand, where C would evaluate the shuffle at all. */
static void hx_offer(hx_emitter *E, const ir_stmt *s, int depth) {
  FILE *out = E->P.out;
  if (s->offer.nterms) {
    hx_indent(E, depth);
    fputs("if (", out);
    for (int g = 0; g < s->offer.nterms; g++) {
      if (g)
        fputs(" && ", out);
      if (s->offer.when[g]) {
        hx_expr(E, s->offer.terms[g], ir_op_precedence(IR_OP_LAND) + 1);
      } else {
        fputc('!', out);
        cp_unary_operand(&E->P, s->offer.terms[g], '!');
      }
    }
    fputs(")\n", out);
    depth++;
  }
  hx_indent(E, depth);
  hx_xchg_slot(E, s->offer.slot);
  fprintf(out, "[tid].%s = ", cp_suffix(s->offer.ty));
  hx_expr(E, s->offer.value, 0);
  fputs(";\n", out);
}

static bool hx_is_tensor(const ir_var *v) { return v->ty->kind == TY_TENSOR; }

/* ---- statements of the host's own ---- */

/* A declaration of a frame variable: a shared array is in the frame
 * already; a per-thread value is set, a per-thread array zeroed (a fresh
 * array, as in a C block: no values left from before). Others: false. */
static bool hx_frame_decl(hx_emitter *E, const ir_stmt *s, int depth) {
  const ir_var *v = s->decl.var;
  FILE *out = E->P.out;
  if (E->storage[v->id] == HX_SHARED)
    return true;
  if (E->storage[v->id] != HX_THREAD)
    return false;
  hx_indent(E, depth);
  if (v->kind == IR_VAR_LOCAL) {
    fprintf(out, "hdt_zero(%s[tid], sizeof %s[tid]);\n", v->name, v->name);
    return true;
  }
  fprintf(out, "%s[tid] = ", v->name);
  if (s->decl.init)
    hx_expr(E, s->decl.init, 0);
  else
    cp_zero(&E->P, v->ty); /* hdt has no indeterminate values */
  fputs(";\n", out);
  return true;
}

/* In a kernel, a returning thread is done for the rest of the block: it is
 * marked and leaves its thread loop. */
static void hx_return(hx_emitter *E, int depth) {
  FILE *out = E->P.out;
  hx_indent(E, depth);
  fputs("done[tid] = true; /* return */\n", out);
  hx_indent(E, depth);
  if (E->P.loops == 0) {
    fputs("continue;\n", out);
  } else {
    fprintf(out, "goto hdt_next_%d;\n", E->thread_loops);
    E->next_used = true;
  }
}

/* ---- the block form that the fission pass made (ir_fission.c) ---- */

static void hx_thread_loop_open(hx_emitter *E, const ir_stmt *s, int depth) {
  FILE *out = E->P.out;
  hx_indent(E, depth);
  if (s->thread_loop.note)
    fprintf(out, "/* phase %d: %s */\n", s->thread_loop.phase, s->thread_loop.note);
  else
    fprintf(out, "/* phase %d */\n", s->thread_loop.phase);
  hx_indent(E, depth);
  fprintf(out, "for (int tid = 0; tid < %lld; tid++) {\n", (long long)E->f->threads);
  if (E->has_return) {
    hx_indent(E, depth + 1);
    fputs("if (done[tid])\n", out);
    hx_indent(E, depth + 2);
    fputs("continue;\n", out);
  }
  E->ctx = HX_IN_THREAD;
  E->P.loops = 0; /* C loops inside this thread loop */
  E->next_used = false;
  E->thread_loops++;
}

static void hx_thread_loop_close(hx_emitter *E, int depth) {
  if (E->next_used) {
    hx_indent(E, depth);
    fprintf(E->P.out, "hdt_next_%d:;\n", E->thread_loops);
  }
  hx_indent(E, depth);
  fputs("}\n", E->P.out);
  E->ctx = HX_IN_BLOCK;
}

static void hx_thread_loop(hx_emitter *E, const ir_stmt *s, int depth) {
  FILE *out = E->P.out;
  int loops = E->P.loops;
  hx_thread_loop_open(E, s, depth);
  cp_block(&E->P, &s->thread_loop.body, depth + 1);
  hx_thread_loop_close(E, depth);
  E->P.loops = loops;
  if (s->thread_loop.ends_block) { /* every thread returned: a uniform return ends the block */
    hx_indent(E, depth);
    fprintf(out, "if (hdt_all_true(done, %lld))\n", (long long)E->f->threads);
    hx_indent(E, depth + 1);
    fputs("goto hdt_block_end;\n", out);
    E->uses_block_end = true;
  }
}

/* What the host spells itself: frame variables, returns inside thread
 * loops, barriers (the end of a phase: outside thread loops a comment),
 * shuffle offers, and the block form. */
static bool hx_hook_stmt(c_printer *P, const ir_stmt *s, int depth) {
  hx_emitter *E = P->target;
  switch (s->kind) {
  case IR_DECL: return hx_frame_decl(E, s, depth);
  case IR_RETURN:
    if (E->ctx != HX_IN_THREAD)
      return false;
    hx_return(E, depth);
    return true;
  case IR_BARRIER:
    if (E->ctx == HX_IN_BLOCK) {
      hx_indent(E, depth);
      fprintf(P->out, "/* %s() */\n", builtin_get(BI_SYNCTHREADS)->name);
    } else { /* not reached for a kernel that passed the uniformity check */
      fprintf(P->out, "#error \"hdtc: %s() under control flow that differs between threads\"\n",
              builtin_get(BI_SYNCTHREADS)->name);
    }
    return true;
  case IR_XCHG_OFFER: hx_offer(E, s, depth); return true;
  case IR_THREAD_LOOP: hx_thread_loop(E, s, depth); return true;
  case IR_NOTE: hx_indent(E, depth); fprintf(P->out, "/* %s */\n", s->text); return true;
  case IR_ERROR: fprintf(P->out, "#error \"hdtc: %s\"\n", s->text); return true;
  default: return false;
  }
}

static const c_hooks hx_hooks = {
    .expr = hx_hook_expr,
    .var = hx_hook_var,
    .special = hx_hook_special,
    .special_prec = hx_hook_special_prec,
    .callee = hx_hook_callee,
    .stmt = hx_hook_stmt,
};

/* ---- kernels ---- */

static void hx_reset_function(hx_emitter *E, const ir_func *f, hx_context ctx) {
  E->f = f;
  E->ctx = ctx;
  free(E->storage);
  free(E->reads);
  int n = f->nvars ? f->nvars : 1;
  E->storage = hx_alloc((size_t)n, sizeof *E->storage);
  E->reads = hx_alloc((size_t)n, sizeof *E->reads);
  for (int i = 0; i < f->nvars; i++) {
    const ir_var *v = f->vars[i];
    E->storage[i] = v->kind == IR_VAR_PARAM    ? HX_PARAM
                    : v->kind == IR_VAR_SHARED ? HX_SHARED
                    : v->home == IR_HOME_BLOCK ? HX_BLOCK /* decided by the fission pass */
                    : v->home == IR_HOME_THREAD ? HX_THREAD
                                                : HX_LOCAL;
  }
  cp_count_reads(E->reads, &f->body);
  E->P.reads = E->reads;
}

static void hx_params(hx_emitter *E, const ir_func *f, unsigned dims) {
  FILE *out = E->out;
  const char *sep = "";
  for (int k = 0; k < 4; k++)
    if (dims & (1u << k)) {
      fprintf(out, "%shdt_dim3 %s", sep, hx_dim_name(1u << k));
      sep = ", ";
    }
  if (dims & HX_FAULT) {
    fprintf(out, "%sint *hdt_fault", sep);
    sep = ", ";
  }
  for (int i = 0; i < f->nparams; i++) {
    const ir_var *v = f->params[i];
    if (hx_is_tensor(v))
      fprintf(out, "%s%s%s *%s", sep, cp_tensor_const(E->P.d, v) ? "const " : "", hx_c_type(v->elem), v->name);
    else
      fprintf(out, "%s%s %s", sep, hx_c_type(v->ty), v->name);
    sep = ", ";
  }
  if (!*sep)
    fputs("void", out);
}

/* Is the variable used at all (read, or stored into)? */
static bool hx_mentioned(const ir_block *b, const ir_var *v) {
  for (int i = 0; i < b->len; i++)
    if (ir_stmt_refs_var(b->stmts[i], v))
      return true;
  return false;
}

static bool hx_declared(const ir_block *b, const ir_var *v) {
  for (int i = 0; i < b->len; i++) {
    const ir_stmt *s = b->stmts[i];
    if (s->kind == IR_DECL && s->decl.var == v)
      return true;
    const ir_block *nb[2];
    int n = ir_stmt_bodies(s, nb);
    for (int k = 0; k < n; k++)
      if (hx_declared(nb[k], v))
        return true;
  }
  return false;
}

static bool hx_in_frame(const hx_emitter *E, const ir_var *v) {
  return (E->storage[v->id] == HX_SHARED || E->storage[v->id] == HX_THREAD) && hx_declared(&E->f->body, v);
}

/* The row length of a local array kept per thread in the frame: an array
 * that a vector access addresses (ir_var.align) gets rows padded to a
 * multiple of its alignment, so that every thread's row is aligned. */
static long long hx_row_len(const ir_var *v) {
  long long len = v->array_len > 0 ? v->array_len : 1;
  if (!v->align)
    return len;
  long long per = v->align / type_size_bytes(v->elem);
  return per > 1 ? (len + per - 1) / per * per : len;
}

/* `_Alignas(N) ` before a frame member declared aligned, or nothing. */
static void hx_align(FILE *out, const ir_var *v) {
  if (v->align)
    fprintf(out, "_Alignas(%d) ", v->align);
}

static void hx_frame_struct(hx_emitter *E, const char *name, bool *any) {
  const ir_func *f = E->f;
  FILE *out = E->out;
  long long T = (long long)f->threads;
  *any = false;
  for (int i = 0; i < f->nvars; i++)
    *any |= hx_in_frame(E, f->vars[i]);
  *any |= E->xchg_depth > 0 || E->has_return || f->uses_cp_async;
  if (!*any)
    return;
  fprintf(out, "/* What a block keeps across its phases: shared memory, and the\n"
               " * per-thread values that live across barriers (one per thread). */\n");
  fprintf(out, "struct hdt_%s_frame {\n", name);
  for (int i = 0; i < f->nvars; i++) {
    const ir_var *v = f->vars[i];
    if (!hx_in_frame(E, v))
      continue;
    long long len = v->array_len > 0 ? v->array_len : 1;
    fputs("  ", out);
    if (E->storage[v->id] == HX_SHARED || v->kind == IR_VAR_LOCAL)
      hx_align(out, v);
    if (E->storage[v->id] == HX_SHARED)
      fprintf(out, "%s %s[%lld]; /* shared */\n", hx_c_type(v->elem), v->name, len);
    else if (v->kind == IR_VAR_LOCAL)
      fprintf(out, "%s %s[%lld][%lld]; /* local, per thread */\n", hx_c_type(v->elem), v->name, T, hx_row_len(v));
    else
      fprintf(out, "%s %s[%lld]; /* per thread */\n", hx_c_type(v->ty), v->name, T);
  }
  if (f->uses_cp_async)
    fprintf(out, "  hdt_cpq cpq[%lld]; /* pending cp_async copies, per thread */\n", T);
  if (E->xchg_depth == 1)
    fprintf(out, "  hdt_xchg xchg[%lld]; /* shuffle exchange */\n", T);
  else if (E->xchg_depth > 1)
    fprintf(out, "  hdt_xchg xchg[%d][%lld]; /* shuffle exchange, one per shuffle of a statement */\n",
            E->xchg_depth, T);
  if (E->has_return)
    fprintf(out, "  bool done[%lld]; /* threads that returned */\n", T);
  fputs("};\n\n", out);
}

static void hx_frame_aliases(hx_emitter *E, const char *name) {
  const ir_func *f = E->f;
  FILE *out = E->out;
  fprintf(out, "  struct hdt_%s_frame *const frame = hdt_frame;\n", name);
  for (int i = 0; i < f->nvars; i++) {
    const ir_var *v = f->vars[i];
    if (!hx_in_frame(E, v))
      continue;
    if (E->storage[v->id] == HX_THREAD && v->kind == IR_VAR_LOCAL)
      fprintf(out, "  %s (*const %s)[%lld] = frame->%s;\n", hx_c_type(v->elem), v->name, hx_row_len(v),
              v->name);
    else
      fprintf(out, "  %s *const %s = frame->%s;\n", hx_c_type(v->elem), v->name, v->name);
  }
  if (E->xchg_depth == 1)
    fputs("  hdt_xchg *const xchg = frame->xchg;\n", out);
  else if (E->xchg_depth > 1)
    fprintf(out, "  hdt_xchg (*const xchg)[%lld] = frame->xchg;\n", (long long)f->threads);
  if (E->has_return)
    fputs("  bool *const done = frame->done;\n", out);
  if (f->uses_cp_async)
    fputs("  hdt_cpq *const cpq = frame->cpq;\n", out);
}

/* The kernel's parameters, as the block function receives them. */
static void hx_args_struct(hx_emitter *E, const ir_func *f) {
  FILE *out = E->out;
  if (!f->nparams)
    return;
  fprintf(out, "struct hdt_%s_args {\n", f->name);
  for (int i = 0; i < f->nparams; i++) {
    const ir_var *v = f->params[i];
    if (hx_is_tensor(v))
      fprintf(out, "  %s%s *%s;\n", v->written ? "" : "const ", hx_c_type(v->elem), v->name);
    else
      fprintf(out, "  %s %s;\n", hx_c_type(v->ty), v->name);
  }
  fputs("};\n\n", out);
}

/* The statements of the kernel, fissioned, into memory: the prologue of the
 * block function depends on what they use. */
static char *hx_kernel_body(hx_emitter *E, size_t *len) {
  char *body = NULL;
  FILE *mem = open_memstream(&body, len);
  if (!mem) {
    fputs("hdtc: fatal: out of memory\n", stderr);
    abort();
  }
  FILE *out = E->out;
  E->out = E->P.out = mem;
  cp_block(&E->P, &E->f->body, 1);
  fclose(mem);
  E->out = E->P.out = out;
  return body;
}

/* Parameters the body uses, the frame's arrays by name, and the block-level
 * tid; then the body. */
static void hx_block_function(hx_emitter *E, bool has_frame, const char *body, size_t body_len) {
  const ir_func *f = E->f;
  const char *name = f->name;
  FILE *out = E->out;
  fputs("/* One block: its phases in order. */\n", out);
  fprintf(out, "static void hdt_%s_block(void *hdt_frame, const void *hdt_args_memory, hdt_dim3 blockIdx,\n", name);
  fprintf(out, "%*shdt_dim3 gridDim, int *hdt_fault) {\n", (int)strlen(name) + 23, "");
  bool any_param = false;
  for (int i = 0; i < f->nparams; i++)
    any_param |= hx_mentioned(&f->body, f->params[i]);
  if (any_param)
    fprintf(out, "  const struct hdt_%s_args *const hdt_args = hdt_args_memory;\n", name);
  else
    fputs("  (void)hdt_args_memory;\n", out);
  for (int i = 0; i < f->nparams; i++) {
    const ir_var *v = f->params[i];
    if (!hx_mentioned(&f->body, v))
      continue;
    if (hx_is_tensor(v))
      fprintf(out, "  %s%s *const %s = hdt_args->%s;\n", v->written ? "" : "const ", hx_c_type(v->elem), v->name,
              v->name);
    else
      fprintf(out, "  const %s %s = hdt_args->%s;\n", hx_c_type(v->ty), v->name, v->name);
  }
  if (has_frame)
    hx_frame_aliases(E, name);
  else
    fputs("  (void)hdt_frame;\n", out);
  if (E->uses_block_tid)
    fputs("  const int tid = 0; /* outside thread loops: thread 0 (uniform values are everyone's) */\n", out);
  if (!E->uses_blockIdx)
    fputs("  (void)blockIdx;\n", out);
  if (!E->uses_gridDim)
    fputs("  (void)gridDim;\n", out);
  if (!f->uses_cp_async && !(E->fn_dims[ir_func_index(E->p, f)] & HX_FAULT))
    fputs("  (void)hdt_fault;\n", out);
  fwrite(body, 1, body_len, out);
  if (E->uses_block_end)
    fputs("hdt_block_end:;\n", out);
  fputs("}\n\n", out);
}

/* The argument checks that lowering made (ir_func.bad_size, .nonnull). */
static void hx_arg_checks(hx_emitter *E, const ir_func *f) {
  FILE *out = E->out;
  if (f->bad_size) {
    fputs("  if (", out);
    hx_expr(E, f->bad_size, 0);
    fputs(")\n    return HDT_ERR_NEGATIVE_SIZE;\n", out);
  }
  for (int i = 0; i < f->nnonnull; i++) {
    fprintf(out, "  if (!%s", f->nonnull[i]->name);
    if (f->nonnull_when[i]) {
      fputs(" && ", out);
      hx_expr(E, f->nonnull_when[i], 5); /* the precedence of && */
    }
    fputs(")\n    return HDT_ERR_NULL_POINTER;\n", out);
  }
}

/* int NAME(params): the arguments checked, then the grid, through
 * hdt_host_launch. */
static void hx_entry_point(hx_emitter *E, bool has_frame) {
  const ir_func *f = E->f;
  const char *name = f->name;
  FILE *out = E->out;
  E->ctx = HX_IN_ENTRY;
  fputs("/* Runs the grid. Returns 0, or an HDT_ERR_ code (hdt_errors.h): a negative\n"
        " * size, a NULL tensor with elements, a grid dimension out of range; an\n"
        " * empty grid does nothing. */\n", out);
  fprintf(out, "int %s(", name);
  hx_params(E, f, 0);
  fputs(") {\n", out);
  hx_arg_checks(E, f);
  if (f->nparams) {
    fprintf(out, "  const struct hdt_%s_args hdt_args = {", name);
    for (int i = 0; i < f->nparams; i++)
      fprintf(out, "%s.%s = %s", i ? ", " : "", f->params[i]->name, f->params[i]->name);
    fputs("};\n", out);
  }
  fprintf(out, "  return hdt_host_launch(hdt_%s_block, ", name);
  if (has_frame)
    fprintf(out, "sizeof(struct hdt_%s_frame)", name);
  else
    fputs("0", out);
  fprintf(out, ", %s,\n%*s", f->nparams ? "&hdt_args" : "NULL", 25, "");
  for (int d = 0; d < 3; d++) {
    if (d)
      fputs(", ", out);
    if (f->grid[d])
      hx_expr(E, f->grid[d], 0);
    else
      fputs("1", out);
  }
  fputs(");\n}\n\n", out);
}

static void hx_kernel(hx_emitter *E, int fi) {
  const ir_func *f = E->p->funcs[fi];
  hx_reset_function(E, f, HX_IN_BLOCK);
  E->has_return = ir_block_returns(&f->body);
  E->xchg_depth = f->xchg_slots;
  E->thread_loops = 0;
  E->uses_block_tid = E->uses_block_end = E->uses_blockIdx = E->uses_gridDim = false;
  size_t body_len = 0;
  char *body = hx_kernel_body(E, &body_len);

  fprintf(E->out, "/* ---- kernel %s: block(%lld, %lld, %lld), %lld thread%s, %d phase%s ---- */\n\n", f->name,
          (long long)f->block[0], (long long)f->block[1], (long long)f->block[2], (long long)f->threads,
          f->threads == 1 ? "" : "s", f->phases, f->phases == 1 ? "" : "s");
  hx_args_struct(E, f);
  bool has_frame;
  hx_frame_struct(E, f->name, &has_frame);
  hx_block_function(E, has_frame, body, body_len);
  free(body);
  hx_entry_point(E, has_frame);
}

/* ---- device functions ---- */

static void hx_prototype(hx_emitter *E, int fi) {
  const ir_func *f = E->p->funcs[fi];
  FILE *out = E->out;
  if (!E->fn_called[fi])
    fputs("__attribute__((unused)) ", out);
  fprintf(out, "static %s %s(", f->ret && f->ret->kind != TY_VOID ? hx_c_type(f->ret) : "void", E->fn_name[fi]);
  hx_params(E, f, E->fn_dims[fi]);
  fputc(')', out);
}

static void hx_function(hx_emitter *E, int fi) {
  const ir_func *f = E->p->funcs[fi];
  FILE *out = E->out;
  hx_reset_function(E, f, HX_IN_FUNC);
  hx_prototype(E, fi);
  fputs(" {\n", out);
  for (int i = 0; i < f->nparams; i++)
    if (!hx_mentioned(&f->body, f->params[i]))
      fprintf(out, "  (void)%s;\n", f->params[i]->name);
  cp_block(&E->P, &f->body, 1);
  /* Every path returns (sema); C compilers cannot always see it. */
  bool value = f->ret && f->ret->kind != TY_VOID;
  if (value && (!f->body.len || f->body.stmts[f->body.len - 1]->kind != IR_RETURN)) {
    fputs("  return ", out);
    cp_zero(&E->P, f->ret);
    fputs(";\n", out);
  }
  fputs("}\n\n", out);
}

/* Does a function call one that is defined after it? */
static bool hx_calls_forward_expr(const hx_emitter *E, const ir_expr *e, int self) {
  if (!e)
    return false;
  switch (e->kind) {
  case IR_LOAD: return hx_calls_forward_expr(E, e->load.offset, self);
  case IR_UNARY:
  case IR_CAST: return hx_calls_forward_expr(E, e->op.a, self);
  case IR_BINARY: return hx_calls_forward_expr(E, e->op.a, self) || hx_calls_forward_expr(E, e->op.b, self);
  case IR_SELECT:
    return hx_calls_forward_expr(E, e->select.c, self) || hx_calls_forward_expr(E, e->select.a, self) ||
           hx_calls_forward_expr(E, e->select.b, self);
  case IR_CALL:
    if (e->call.fn == IR_FN_USER && ir_func_index(E->p, e->call.callee) > self)
      return true;
    for (int i = 0; i < e->call.nargs; i++)
      if (hx_calls_forward_expr(E, e->call.args[i], self))
        return true;
    return false;
  default: return false;
  }
}

static bool hx_calls_forward(const hx_emitter *E, const ir_block *b, int self) {
  for (int i = 0; i < b->len; i++) {
    const ir_stmt *s = b->stmts[i];
    const ir_expr *x[3];
    int n = ir_stmt_exprs(s, x);
    for (int k = 0; k < n; k++)
      if (hx_calls_forward_expr(E, x[k], self))
        return true;
    const ir_block *nb[2];
    n = ir_stmt_bodies(s, nb);
    for (int k = 0; k < n; k++)
      if (hx_calls_forward(E, nb[k], self))
        return true;
  }
  return false;
}

/* The source name in a C comment: no control characters, no end of comment. */
static void hx_source_comment(FILE *out, const char *source) {
  fputs("/* Generated by hdtc from ", out);
  char prev = 0;
  for (const char *c = source ? source : "<stdin>"; *c; c++) {
    char ch = (unsigned char)*c < 0x20 || *c == 0x7f || (prev == '*' && *c == '/') ? '?' : *c;
    fputc(ch, out);
    prev = *c;
  }
  fputs(" for the host target (hdtc --target=host); do not edit.\n"
        " *\n"
        " * Each kernel runs on the CPU with its thread-block semantics kept: a block\n"
        " * runs as a sequence of phases, each phase a loop over the block's threads,\n"
        " * and a barrier is the end of a phase. What a thread keeps across phases\n"
        " * lives in the block's frame, one value per thread (see compiler/emit_host.c\n"
        " * in the hdt sources). Compile with -fopenmp to run blocks in parallel. */\n",
        out);
}

void emit_host(FILE *out, const ir_program *p) {
  hx_emitter E = {.out = out, .p = p};
  E.P = (c_printer){.out = out, .d = &cp_dialects[CP_HOST], .h = &hx_hooks, .target = &E};
  int n = p->nfuncs;
  E.fn_name = hx_alloc((size_t)n, sizeof *E.fn_name);
  E.fn_dims = hx_alloc((size_t)n, sizeof *E.fn_dims);
  E.fn_called = hx_alloc((size_t)n, sizeof *E.fn_called);
  hx_assign_names(&E);
  hx_scan_program(&E);

  hx_source_comment(out, p->source);
  fputs("#include \"hdt_host.h\"\n\n"
        "/* What a kernel may say without being wrong, and C compilers warn about:\n"
        " * a comparison its types decide (u >= 0), x < x, x = x, x / 0. */\n"
        "#ifdef __clang__\n"
        "#pragma clang diagnostic ignored \"-Wtautological-compare\"\n"
        "#pragma clang diagnostic ignored \"-Wself-assign\"\n"
        "#pragma clang diagnostic ignored \"-Wdivision-by-zero\"\n"
        "#else\n"
        "#pragma GCC diagnostic ignored \"-Wtype-limits\"\n"
        "#pragma GCC diagnostic ignored \"-Wtautological-compare\"\n"
        "#pragma GCC diagnostic ignored \"-Wdiv-by-zero\"\n"
        "#endif\n\n",
        out);
  bool forward = false;
  for (int i = 0; i < n; i++)
    forward |= !p->funcs[i]->is_kernel && hx_calls_forward(&E, &p->funcs[i]->body, i);
  if (forward) {
    for (int i = 0; i < n; i++) {
      if (p->funcs[i]->is_kernel)
        continue;
      hx_prototype(&E, i);
      fputs(";\n", out);
    }
    fputc('\n', out);
  }
  for (int i = 0; i < n; i++)
    if (!p->funcs[i]->is_kernel)
      hx_function(&E, i);
  for (int i = 0; i < n; i++)
    if (p->funcs[i]->is_kernel)
      hx_kernel(&E, i);

  for (int i = 0; i < n; i++)
    if (E.fn_name[i] != p->funcs[i]->name)
      free((char *)E.fn_name[i]);
  free(E.fn_name);
  free(E.fn_dims);
  free(E.fn_called);
  free(E.storage);
  free(E.reads);
}
