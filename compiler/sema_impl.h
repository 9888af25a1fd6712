/* sema_impl.h: what the files of sema share (sema.c, sema_const.c,
 * sema_decl.c, sema_expr.c, sema_stmt.c); private to them, the rest of the
 * compiler uses sema.h.
 *
 * The checker's state is one struct passed to every function: the scope
 * chain, the module table and the facts about the function being checked
 * that its statements need (block size, loop depth, shared bytes). */
#ifndef HDT_SEMA_IMPL_H
#define HDT_SEMA_IMPL_H

#include "sema.h"

#include "builtins.h"
#include "mapping.h"
#include "symtab.h"

typedef struct scope {
  struct scope *parent;
  symbol **syms;
  int len, cap;
  symtab *index; /* name -> latest symbol, once the scope is large */
  bool is_function; /* the outermost scope of a function body */
  bool is_module;
} scope;

typedef struct module_entry {
  ast_node *module;
  scope *scope;
  bool in_progress;  /* being checked (its imports first) */
} module_entry;

typedef struct sema {
  arena *a;
  diag_ctx *d;
  const sema_options *opt;
  scope *builtins;
  scope *cur;
  program *prog;
  module_entry *mods;
  int nmods, capmods;
  const loaded_define *defines; /* -D, parsed by the loader */
  int ndefines;
  /* the function being checked */
  ast_node *func;
  int64_t block_threads; /* product of the block dims, -1 if unknown */
  int block_rank;
  int64_t block_dims[3];  /* each block dimension, -1 if unknown */
  int loop_depth;
  /* Inside a branch that a constant condition never takes (lowering drops
   * it): the checks of shapes that the generics fixed (a vector run's
   * alignment, a fragment tile's range) are skipped there, so that a
   * template can hold the code for other shapes (language.md 4.5). */
  int dead;
  int64_t shared_bytes;
  int64_t local_bytes; /* per-thread bytes of the function's local tensors */
  /* While the base of x[i][j] is checked: the indices applied after it (1),
   * so that x[i] reports the C-style chain once, with the fix. */
  int outer_indices;
  ast_node **funcs;
  int nfuncs, capfuncs;
  int64_t (*blocks)[3]; /* the block dimensions of funcs[i], -1 unknown (uniform.c) */
  int capblocks;
  uni_edge *edges; /* which function calls which (uniform.c) */
  int nedges, capedges;
} sema;

/* Positional arguments of a call and its keyword arguments, separated. */
typedef struct call_args {
  ast_node *pos[MAP_MAX_RANK + 2];
  int npos;
  ast_node *ranks, *workers;
  bool ok;
} call_args;

/* sema.c */
void *sema_grow(void *p, int *cap, size_t elem);
scope *scope_push(sema *s, bool is_function);
void scope_pop(sema *s);
symbol *sema_lookup(sema *s, const char *name);
symbol *sema_declare(sema *s, sym_kind kind, const char *name, type *ty, ast_node *decl);
void sema_unknown_name(sema *s, span where, const char *what, const char *name);
/* sema_const.c */
value *value_int(sema *s, int64_t v);
value *value_float(sema *s, double v);
value *value_bool(sema *s, bool v);
value *value_mapping(sema *s, const mapping *m);
double value_as_double(const value *v);
value *value_convert(sema *s, value *v, const type *t);
bool sema_is_error(const type *t);
bool sema_coerce(sema *s, ast_node *n, type *to, const char *what);
type *sema_settle(sema *s, ast_node *n);
value *sema_fold_int(sema *s, ast_node *n, ast_op op, int64_t a, int64_t b);
value *sema_fold_float(sema *s, ast_op op, double a, double b);
/* sema_decl.c */
type *sema_error_type(void);
type *sema_type(sema *s, ast_node *t, mem_space dflt_space);
void sema_func(sema *s, ast_node *f);
/* sema_expr.c */
bool sema_is_builtin(const ast_node *n, builtin_id id);
bool sema_is_bitwise(ast_op op);
call_args sema_split_args(sema *s, ast_node *call, const char *fname, bool mapping_kw);
bool sema_arity(sema *s, ast_node *call, const char *fname, int n, int lo, int hi);
type *sema_expr(sema *s, ast_node *n, type *expect);
value *sema_const_expr(sema *s, ast_node *n, type *expect, const char *what);
/* sema_mma.c: tensor cores */
type *sema_layout_name(sema *s, ast_node *n);
type *sema_mma(sema *s, ast_node *n, const char *fname);
type *sema_ldmatrix(sema *s, ast_node *n, const char *fname);
/* sema_mem.c: cp_async, its groups, vcopy (the call's type; checks done) */
type *sema_cp_async(sema *s, ast_node *n, const char *fname);
type *sema_cp_async_group(sema *s, ast_node *n, builtin_id id, const char *fname);
type *sema_vcopy(sema *s, ast_node *n, const char *fname);
/* sema_stmt.c */
/* The arguments of a clause such as swizzle(3, 3, 3) or unroll(4): n
 * positional integer compile-time constants, into out; false when not
 * (reported at the clause or the argument). */
bool sema_clause_ints(sema *s, ast_node *clause, int n, int64_t *out);
void sema_mark_written(ast_node *target);
void sema_block(sema *s, ast_node *block, bool new_scope);

#endif
