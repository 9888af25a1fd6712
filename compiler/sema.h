/* sema.h: semantic analysis of a parsed program.
 *
 * sema resolves names (scopes, and the imports that the loader resolved),
 * gives every expression a type, evaluates compile-time constants (consts,
 * generic parameters, shapes, task mappings), and runs the checks that make a kernel safe to lower: tensor
 * indexing, mapping loops, distributed local tensors, barrier uniformity
 * (uniform.c) and the shared-memory budget. Results are stored on the AST
 * (ty, sym, cval) for the later stages. */
#ifndef HDT_SEMA_H
#define HDT_SEMA_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "loader.h"
#include "target.h"
#include "types.h"

typedef enum {
  SYM_CONST, SYM_GENERIC, SYM_PARAM, SYM_LET, SYM_VAR, SYM_SHARED, SYM_LOCAL, SYM_LOOP,
  SYM_FUNC, SYM_BUILTIN,
} sym_kind;

typedef struct symbol {
  sym_kind kind;
  const char *name;
  type *ty;
  value *val;      /* compile-time value, where there is one */
  ast_node *decl;  /* the declaring node (for notes), NULL for builtins */
  int builtin;     /* SYM_BUILTIN: its builtin_id (builtins.def) */
  bool written;    /* a tensor parameter that the kernel stores into */
  bool thread_dependent; /* uniform.c: its value may differ between threads */
  const mapping *dist;   /* SYM_LOCAL ... by m: the distributing mapping */
  const ast_node *dist_worker; /* the worker of the first loop that indexed it */
  ast_node *loop;        /* SYM_LOOP: its for statement */
  int loop_dim;          /* SYM_LOOP: which dimension of a mapping loop */
  const char *module;    /* the file that declared it */
  void *home;            /* SYM_FUNC: the scope of its module */
  bool checking, checked; /* SYM_FUNC: where sema is with its body */
  /* SYM_FUNC: the call in its body through which it reaches syncthreads()
   * or a shuffle (directly or through a callee), NULL when it does not: a
   * function with either is collective (uniform.c). */
  ast_node *barrier_site, *shuffle_site;
} symbol;

/* A call of one function by another, recorded by sema for uniform.c. */
typedef struct uni_edge {
  symbol *caller, *callee;
  ast_node *call;
} uni_edge;

typedef struct sema_options {
  int64_t shared_budget;     /* bytes of static shared memory per block */
  const hdt_target *target;  /* block-size limits; NULL: target_default() */
  /* An instance's kernel: the other kernels are not checked (their generic
   * parameters may share names with this one's but not its values, as
   * templates of one library do), nor emitted. NULL: every kernel. */
  const char *only_kernel;
} sema_options;

/* A checked program: the main module and every module it imports, and the
 * functions in the order they are to be emitted (callees first). */
typedef struct program {
  ast_node *main;
  ast_node **modules;
  int nmodules;
  ast_node **funcs;
  int nfuncs;
} program;

/* Checks a loaded program (loader.h: every module parsed, imports resolved,
 * -D values parsed); errors go to d. Returns the program even when errors
 * were reported, so that --emit=sema can show what was understood. */
program *sema_check(arena *a, diag_ctx *d, const sema_options *opt, const loaded_program *lp);

/* Evaluates a standalone expression (for --explain-mapping), with only the
 * builtins in scope. Returns NULL after reporting an error. */
value *sema_eval_standalone(arena *a, diag_ctx *d, ast_node *expr);

/* --emit=sema: the tree with types and constant values. */
void sema_dump(FILE *out, const diag_ctx *d, const program *p);

/* uniform.c: makes every caller of a collective function collective (to a
 * fixed point over the call edges) and rejects recursion among them. */
void uniform_collectives(diag_ctx *d, const uni_edge *edges, int n);

/* uniform.c: reports barriers (syncthreads, shuffles, calls of collective
 * functions) under control flow that depends on the thread index, and
 * mapping loops that cannot reach their tasks. block: the kernel's block
 * dimensions (-1 unknown: a device function). */
void uniform_check_func(diag_ctx *d, const hdt_target *tg, ast_node *f, const int64_t block[3]);

#endif
