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
  ast_node *loop;        /* SYM_LOOP: its for statement */
  int loop_dim;          /* SYM_LOOP: which dimension of a mapping loop */
  const char *module;    /* the file that declared it */
  void *home;            /* SYM_FUNC: the scope of its module */
  bool checking, checked; /* SYM_FUNC: where sema is with its body */
} symbol;

typedef struct sema_options {
  int64_t shared_budget;     /* bytes of static shared memory per block */
  const hdt_target *target;  /* block-size limits; NULL: target_default() */
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

/* uniform.c: reports barriers (syncthreads, shuffles) under control flow
 * that depends on the thread index. */
void uniform_check_kernel(diag_ctx *d, ast_node *kernel, const int64_t block[3]);

#endif
