/* ir.h: the lowered IR between the checked AST and the code generators.
 *
 * Structured (if/for/while blocks, no CFG), typed, and close to C: what is
 * left for an emitter is spelling. Lowering (ir_lower.c) has already
 *   - turned mapping loops into worker-index arithmetic and loop nests
 *     (spatial: (w / stride) % extent; repeat: a loop nest, marked unroll;
 *     composition: outer * inner_extent + inner), with a guard when the
 *     mapping has fewer workers than the block has threads;
 *   - flattened every tensor access to an element offset (row-major), and a
 *     distributed local tensor to the position of the task in its thread's
 *     list, which is a constant once repeat loops are unrolled;
 *   - folded constants and simplified division and modulo by constants using
 *     the value ranges that the IR tracks (threadIdx.x in [0, threads), loop
 *     counters, worker digits), so that `(w / 32) % 8` with 256 threads
 *     becomes `w / 32`;
 *   - given every variable a unique C-safe name within its function.
 * Everything lives in the compilation's arena. */
#ifndef HDT_IR_H
#define HDT_IR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "arena.h"
#include "builtins.h"
#include "diag.h"
#include "types.h"

typedef struct ir_expr ir_expr;
typedef struct ir_stmt ir_stmt;
typedef struct ir_func ir_func;

/* The IR's operators, one table: X(NAME, C spelling, C precedence). The
 * IR has its own list (not the AST's) so that passes and emitters depend on
 * nothing above them; lowering translates (lw_op in ir_lower.c). Binary
 * operators come first, comparisons EQ..GE together, unary operators last
 * with precedence 14. */
#define IR_OP_LIST(X)                                                         \
  X(ADD, "+", 12) X(SUB, "-", 12) X(MUL, "*", 13) X(DIV, "/", 13)             \
  X(MOD, "%", 13) X(SHL, "<<", 11) X(SHR, ">>", 11) X(BAND, "&", 8)           \
  X(BOR, "|", 6) X(BXOR, "^", 7) X(LAND, "&&", 5) X(LOR, "||", 4)             \
  X(EQ, "==", 9) X(NE, "!=", 9) X(LT, "<", 10) X(LE, "<=", 10)                \
  X(GT, ">", 10) X(GE, ">=", 10)                                              \
  X(NEG, "-", 14) X(NOT, "!", 14) X(BNOT, "~", 14)

typedef enum {
#define IR_OP_ENUM(name, text, prec) IR_OP_##name,
  IR_OP_LIST(IR_OP_ENUM)
#undef IR_OP_ENUM
  IR_OP_COUNT
} ir_op;

/* The C spelling of an operator ("+", "<<", "!"...). */
const char *ir_op_text(ir_op op);

typedef enum {
  IR_VAR_PARAM,  /* a scalar parameter, or a global tensor (a pointer) */
  IR_VAR_SCALAR, /* a per-thread scalar: let, var, loop counter, temporary */
  IR_VAR_LOCAL,  /* a per-thread array (local tensor), array_len elements */
  IR_VAR_SHARED, /* a per-block array (shared tensor), array_len elements */
} ir_var_kind;

/* Where the fission pass keeps a kernel variable (host target). */
typedef enum {
  IR_HOME_LOCAL,  /* a C local of its thread loop (the default) */
  IR_HOME_BLOCK,  /* one value for the whole block: a uniform let or loop counter */
  IR_HOME_THREAD, /* one value per thread in the block's frame: it lives across phases */
} ir_home;

typedef struct ir_var {
  const char *name; /* unique within the function, safe in C and CUDA */
  ir_var_kind kind;
  type *ty;         /* scalars: the scalar type; arrays and tensors: the tensor type */
  type *elem;       /* the element type of a tensor or array, else ty */
  int64_t array_len;
  bool written;     /* a tensor parameter that is stored into (else `const`) */
  bool written_deep; /* written, or passed to a callee's written parameter (pass `written`) */
  int64_t smem_offset; /* a kernel's shared array: its byte offset (pass `smem_layout`) */
  ir_home home;     /* pass `fission` */
  int align;        /* a shared or local array addressed by a vector access
                       (vcopy, cp_async): the alignment its declaration must
                       give (IR_VEC_ALIGN); 0: the element's own */
  bool mutable_;    /* assigned after its declaration */
  bool has_range;   /* an immutable integer whose value lies in [lo, hi] */
  int64_t lo, hi;
  /* An immutable scalar's initial value (lowering), for rewrites that look
   * through a `let` to the sum it names (the swizzle's split, ir_known_tz).
   * Every variable it reads is immutable or the counter of a loop around
   * the declaration, so it has the same value wherever the `let` is in
   * scope. */
  ir_expr *value;
  /* A cursor (pass `strength`, CUDA): a pointer into this global tensor,
   * declared with its element offset from the tensor's start and assigned
   * (advanced) by a number of elements; loads through it read cursor[i]. */
  struct ir_var *cursor_of;
  int id;
} ir_var;

typedef enum {
  IR_CONST,   /* ty decides: bool, integer, or float */
  IR_VARREF,
  IR_LOAD,    /* var[offset]: a tensor parameter, a shared or a local array */
  IR_UNARY,
  IR_BINARY,
  IR_CAST,
  IR_SELECT,  /* c ? a : b */
  IR_SPECIAL, /* threadIdx.x and friends */
  IR_CALL,    /* an intrinsic or a device function */
  IR_XCHG_READ, /* after fission (host): a shuffle, read from its exchange slot */
} ir_expr_kind;

typedef enum {
  IR_THREAD_X, IR_THREAD_Y, IR_THREAD_Z, IR_BLOCK_X, IR_BLOCK_Y, IR_BLOCK_Z,
  IR_BLOCKDIM_X, IR_BLOCKDIM_Y, IR_BLOCKDIM_Z, IR_GRIDDIM_X, IR_GRIDDIM_Y, IR_GRIDDIM_Z,
} ir_special;

/* What an IR_CALL calls: a builtin of builtins.def (IR_FN_EXP is builtin
 * BI_EXP, with the same number) or, IR_FN_USER, a device function. Only
 * builtins whose lowering is BL_CALL appear in the IR. Argument
 * conventions: shuffles (value, lane mask or delta); atomics (IR_LOAD
 * naming the element, value), returning the old value. */
typedef enum {
#define BUILTIN(id, ...) IR_FN_##id,
#include "builtins.def"
#undef BUILTIN
  IR_FN_USER, /* call.callee */
} ir_fn;

struct ir_expr {
  ir_expr_kind kind;
  type *ty;
  bool has_range; /* integer expressions: the value lies in [lo, hi] */
  int64_t lo, hi;
  union {
    struct { int64_t i; double f; bool b; } cst;
    ir_var *var;
    struct { ir_var *var; ir_expr *offset; } load;
    struct { ir_op op; ir_expr *a, *b; } op; /* unary uses a only */
    struct { ir_expr *c, *a, *b; } select;
    ir_special special;
    struct { ir_fn fn; ir_func *callee; ir_expr **args; int nargs; } call;
    /* the value that lane (shfl_xor: tid ^ lane, shfl_down: tid + lane)
     * offered to exchange slot `slot` (an IR_XCHG_OFFER before it) */
    struct { int slot; ir_fn fn; ir_expr *lane; } xchg;
  };
};

typedef struct ir_block {
  ir_stmt **stmts;
  int len, cap;
} ir_block;

typedef enum {
  IR_DECL,     /* a scalar (with an optional initial value) or an array */
  IR_ASSIGN,   /* var = value */
  IR_STORE,    /* var[offset] = value */
  IR_IF,
  IR_FOR,      /* for (var = start; cond; var += step) body */
  IR_WHILE,
  IR_BREAK,
  IR_CONTINUE,
  IR_RETURN,   /* value may be NULL */
  IR_BARRIER,  /* syncthreads() */
  IR_EVAL,     /* a call whose value is unused */
  IR_BLOCK,    /* a nested scope */
  /* After fission (ir_fission.c, host target), a kernel body is a list of
   * statements run once for the whole block; only these hold per-thread
   * code: */
  IR_THREAD_LOOP, /* for every thread of the block in turn: body (one phase) */
  IR_XCHG_OFFER,  /* in a thread loop: xchg[slot][tid] = value, if guard */
  IR_NOTE,        /* a comment for the reader of the output */
  IR_ERROR,       /* what the target cannot do: the output does not compile */
} ir_stmt_kind;

struct ir_stmt {
  ir_stmt_kind kind;
  span where;
  union {
    struct { ir_var *var; ir_expr *init; } decl;
    struct { ir_var *var; ir_expr *value; } assign;
    struct { ir_var *var; ir_expr *offset, *value; } store;
    struct { ir_expr *cond; ir_block then, els; } if_;
    /* unroll: the lowering wants it unrolled in full (#pragma unroll);
     * unroll_count: unroll(N) in the source, N >= 1 (#pragma unroll N; 1
     * keeps it rolled), 0 when not written (unroll is then false) */
    struct { ir_var *var; ir_expr *start, *cond, *step; ir_block body; bool unroll; int unroll_count; } for_;
    struct { ir_expr *cond; ir_block body; } while_;
    struct { ir_expr *value; } ret;
    struct { ir_expr *expr; } eval;
    ir_block block;
    /* phase: its number in the kernel; note: why it starts (or NULL);
     * ends_block: after it, the block ends when every thread returned */
    struct { ir_block body; int phase; const char *note; bool ends_block; } thread_loop;
    /* guard: the conjunction of the terms (NULL when none), for walkers;
     * terms[i] must be when[i] for C to evaluate the shuffle */
    struct { int slot; ir_fn fn; type *ty; ir_expr *value, *guard; ir_expr **terms; bool *when; int nterms; } offer;
    const char *text; /* IR_NOTE, IR_ERROR */
  };
};

struct ir_func {
  const char *name;
  bool is_kernel;
  ir_var **params;
  int nparams;
  type *ret;                /* void for kernels */
  ir_expr *grid[3];         /* over the scalar parameters, in i64 (or u64) */
  int grid_rank;
  int64_t block[3];
  int block_rank;
  int64_t threads;          /* block[0] * block[1] * block[2] */
  int min_blocks;           /* min_blocks(N): blocks per SM for __launch_bounds__; 0: not given */
  /* What a kernel's entry point checks before it launches (lowering):
   * bad_size is true when a size argument (a signed integer parameter in a
   * tensor's shape, or a shape expression) is negative, NULL when nothing
   * can be; tensor nonnull[i] must not be NULL when nonnull_when[i] holds
   * (its shape has elements; NULL: always). */
  ir_expr *bad_size;
  ir_var **nonnull;
  ir_expr **nonnull_when;
  int nnonnull;
  ir_block body;
  ir_var **vars;            /* every variable of the function, params first */
  int nvars, capvars;
  bool uses_barrier, uses_shuffle, uses_atomic;
  bool uses_cp_async;       /* the host keeps a queue of pending copies per thread */
  int64_t smem_dynamic;     /* bytes of dynamic shared memory; 0: static arrays (pass `smem_layout`) */
  bool has_effects;         /* pass `written`: stores through a parameter, calls an
                               atomic or threadfence, or a function that does */
  bool fissioned;           /* pass `fission`: the body is in block form */
  int phases;               /* pass `fission`: thread loops in the body */
  int xchg_slots;           /* pass `fission`: the most shuffles of one statement */
};

/* The alignment of an array that a vector access addresses: the widest
 * access (16 bytes), so that an aligned element offset is an aligned
 * address on both targets. */
enum { IR_VEC_ALIGN = 16 };

/* The alignment of each shared array in a dynamic shared-memory layout. */
enum { IR_SMEM_ALIGN = 16 };

typedef struct ir_program {
  const char *source;       /* the main file's name */
  const hdt_target *target; /* the machine it is lowered for (target.h) */
  ir_func **funcs;          /* callees before callers */
  int nfuncs;
} ir_program;

/* --emit=ir: a C-like listing with ranges of index arithmetic elided. */
void ir_dump(FILE *out, const ir_program *p);

/* Expression builders that fold and simplify as they build (ir_simplify.c). */
ir_expr *ir_const_int(arena *a, type *t, int64_t v);
ir_expr *ir_const_float(arena *a, type *t, double v);
ir_expr *ir_const_bool(arena *a, bool v);
ir_expr *ir_varref(arena *a, ir_var *v);
ir_expr *ir_binary(arena *a, ir_op op, type *t, ir_expr *x, ir_expr *y);
ir_expr *ir_unary(arena *a, ir_op op, type *t, ir_expr *x);
ir_expr *ir_cast(arena *a, type *t, ir_expr *x);
ir_expr *ir_select(arena *a, type *t, ir_expr *c, ir_expr *x, ir_expr *y);
ir_expr *ir_special_ref(arena *a, ir_special s, int64_t lo, int64_t hi);
bool ir_is_const_int(const ir_expr *e, int64_t v);
/* How many low bits of e's value are known to be zero (e is a known
 * multiple of 2^result), looking through immutable variables' values; at
 * most the width of e's type. 0 when nothing is known. */
int ir_known_tz(const ir_expr *e);

/* No calls inside: the expression may be dropped or duplicated. */
bool ir_pure(const ir_expr *e);
/* Does pred hold for e or one of its subexpressions? Visits e first, then
 * its operands left to right, and stops at the first true; a visitor that
 * only gathers (counts, records) returns false to see every node. A NULL e
 * has none. */
bool ir_expr_any(const ir_expr *e, bool (*pred)(const ir_expr *e, void *ctx), void *ctx);
/* Calls fn with the address of each operand of e (its subexpressions one
 * level down, left to right; none for a NULL e): the one list of an
 * expression's operands for the passes that rewrite expressions in place
 * or copy them. */
void ir_expr_each_operand(ir_expr *e, void (*fn)(ir_expr **operand, void *ctx), void *ctx);
/* A copy of the node e (and of a call's argument array), whose operands
 * are still e's: what a rewriting pass changes before it stores. */
ir_expr *ir_expr_shallow_copy(arena *a, const ir_expr *e);

/* Adds to reads[v->id] one per read of each variable v in e (a load reads
 * its array). */
void ir_count_reads(const ir_expr *e, int *reads);

/* The same value, structurally (calls are never the same twice). */
bool ir_same_expr(const ir_expr *a, const ir_expr *b);

/* Printing shared by the dump and the emitters: C operator precedence. */
int ir_op_precedence(ir_op op);
/* The builtin variable an IR_SPECIAL reads (threadIdx for IR_THREAD_Y). */
const builtin_info *ir_special_builtin(ir_special s);
/* The builtin an IR_FN_ call stands for (its row in builtins.def). */
const builtin_info *ir_fn_builtin(ir_fn fn);
/* The C spelling of a scalar type ("int32_t", "float", "__half"...). */
const char *ir_c_type(const type *t);
/* i8, i16, u8, u16: C promotes them to int, so results are cast back. */
bool ir_is_narrow_int(const type *t);
/* A constant that prints with a leading '-'. */
bool ir_const_negative(const ir_expr *e);
/* A constant as a C or CUDA literal of its type: integers with the suffix
 * or cast their type needs, floats with the fewest digits that read back
 * exactly, infinities and NaNs through hdt_inf_f32() and friends (both
 * target headers define them), and 16-bit floats rounded once here to the
 * nearest even value of their format and written as
 * f16_from_float(<that value as a float literal>). */
void ir_print_c_const(FILE *out, const ir_expr *e, const char *f16_from_float,
                      const char *bf16_from_float);

void ir_block_push(arena *a, ir_block *b, ir_stmt *s);
/* A statement of the kind at where, every other field zero. */
ir_stmt *ir_stmt_new(arena *a, ir_stmt_kind kind, span where);
/* Appends v to f's variables, growing the table in a, and gives v its id
 * (its index there). */
void ir_func_add_var(arena *a, ir_func *f, ir_var *v);

/* The expressions a statement evaluates itself, not those of the statements
 * nested in it (up to 3; NULL entries for absent parts), and the statement
 * lists nested in it (up to 2). Both return the count. */
int ir_stmt_exprs(const ir_stmt *s, const ir_expr *out[3]);
int ir_stmt_bodies(const ir_stmt *s, const ir_block *out[2]);

/* Does pred hold for an expression s evaluates itself (not those of the
 * statements nested in it), or one of its subexpressions? As ir_expr_any. */
bool ir_stmt_expr_any(const ir_stmt *s, bool (*pred)(const ir_expr *e, void *ctx), void *ctx);
/* Does pred hold for s or a statement nested in it (at any depth)? Stops
 * at the first true. */
bool ir_stmt_any(const ir_stmt *s, bool (*pred)(const ir_stmt *s, void *ctx), void *ctx);
/* The same over every statement of b. */
bool ir_block_any(const ir_block *b, bool (*pred)(const ir_stmt *s, void *ctx), void *ctx);
/* s, or a statement in it, reads or writes v (a load or store of an array
 * counts). */
bool ir_stmt_refs_var(const ir_stmt *s, const ir_var *v);
/* f's position in p->funcs, or -1. */
int ir_func_index(const ir_program *p, const ir_func *f);

/* s is or contains a return; a statement of b does. */
bool ir_stmt_returns(const ir_stmt *s);
bool ir_block_returns(const ir_block *b);

#endif
