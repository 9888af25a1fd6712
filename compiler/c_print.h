/* c_print.h: the C printer shared by the two code generators (c_print.c).
 *
 * Both outputs are C (C++ for nvcc is C for what is printed here): the
 * expressions and statements of the lowered IR are spelled by one printer.
 * What differs between the targets is data, one row per target in
 * cp_dialects (c_print.c), and what only one target has (the host's frame
 * variables, thread loops and shuffle exchanges; CUDA's dynamic shared
 * memory and device-function namespace) is a hook of c_hooks that its
 * emitter fills in. */
#ifndef HDT_C_PRINT_H
#define HDT_C_PRINT_H

#include <stdbool.h>
#include <stdio.h>

#include "ir.h"

/* C precedence levels the printer uses besides the operators' own. */
enum {
  CP_PREC_SELECT = 3,
  CP_PREC_UNARY = 14, /* also casts */
  CP_PREC_PRIMARY = 16,
};

typedef enum { CP_CUDA, CP_HOST, CP_DIALECTS } cp_target;

/* How one target spells what both print. */
typedef struct c_dialect {
  const char *name;
  /* 16-bit floats: their C types; constants, rounded by ir_print_c_const
   * and written as a call of this on the float of the same value; the exact
   * conversion to float. */
  const char *f16_type, *bf16_type;
  const char *f16_from_float, *bf16_from_float;
  const char *f16_to_float, *bf16_to_float;
  /* Helpers of the target's header: overloaded on the operand type (C++:
   * hdt_exp(x), hdt_to_f16(x)), or one per type with its suffix (C:
   * hdt_exp_f32(x), hdt_f32_to_f16(x)). */
  bool suffixed;
  /* Operators written as calls hdt_OP_T(a, b) (bits 1u << IR_OP_*): for
   * every type, and for f16/bf16 results (C has no 16-bit arithmetic). */
  unsigned call_ops, half_call_ops;
  bool half_compare_widened; /* f16/bf16 comparisons compare the floats */
  bool saturating_casts;     /* float -> integer through hdt_f64_to_T: GPU semantics */
  /* Declarations. A tensor parameter is const unless written_deep (else:
   * unless written, and a call casts the const away where a callee
   * writes). Declarations nothing reads are marked, before or after. */
  bool deep_const;
  const char *unused_attr; /* before the declaration */
  bool unused_void;        /* after it: (void)name; */
  bool zero_arrays;        /* local arrays start zeroed: = {0} */
  const char *shared_qual; /* before a shared array */
  const char *align_attr;  /* align_attr(N) before an array declared aligned */
  /* Statements. */
  const char *unroll_pragma; /* the line before a loop marked unroll */
  const char *unroll_n_pragma; /* the same with a count (a printf format taking an int), or NULL */
  const char *barrier;       /* syncthreads(); NULL: a hook's */
} c_dialect;

extern const c_dialect cp_dialects[CP_DIALECTS];

typedef struct c_printer c_printer;

/* What an emitter spells itself. Any hook may be NULL. */
typedef struct c_hooks {
  /* An expression of the target's own (host: exchange reads): true when
   * printed. Such an expression binds as a primary expression. */
  bool (*expr)(c_printer *P, const ir_expr *e);
  /* A variable, read or written (host: frame variables are name[tid]);
   * NULL: its name. */
  void (*var)(c_printer *P, const ir_var *v);
  /* threadIdx and friends, and how the spelling binds; NULL: the builtin's
   * name read as int32_t, (int32_t)threadIdx.x. */
  void (*special)(c_printer *P, ir_special s);
  int (*special_prec)(c_printer *P, ir_special s);
  /* The callee of a device-function call and the arguments it takes before
   * the call's own; returns whether it printed any. NULL: the IR's name. */
  bool (*callee)(c_printer *P, const ir_expr *call);
  /* A statement of the target's own spelling: true when printed. */
  bool (*stmt)(c_printer *P, const ir_stmt *s, int depth);
} c_hooks;

struct c_printer {
  FILE *out;
  const c_dialect *d;
  const c_hooks *h;
  void *target;     /* the emitter, for its hooks */
  const int *reads; /* per variable id of the function printed (cp_count_reads) */
  int loops;        /* C loops open around the statement printed */
};

/* A C type of a scalar (a tensor: of its elements). */
const char *cp_type(const c_dialect *d, const type *t);
/* The suffix of a helper for a scalar type: f32, i64... */
const char *cp_suffix(const type *t);
/* Is a tensor parameter's pointer const? */
bool cp_tensor_const(const c_dialect *d, const ir_var *v);

/* Adds to reads[v->id] one per read of each variable v in the statements
 * of b, nested ones included; a for loop reads its counter. */
void cp_count_reads(int *reads, const ir_block *b);

/* e, parenthesized if it binds less tightly than min_prec. */
void cp_expr(c_printer *P, const ir_expr *e, int min_prec);
/* The operand of a unary operator spelled op_char ('-', '!'; 0 for a cast). */
void cp_unary_operand(c_printer *P, const ir_expr *x, char op_char);
/* The zero of a scalar type. */
void cp_zero(c_printer *P, const type *t);

void cp_indent(c_printer *P, int depth);
void cp_stmt(c_printer *P, const ir_stmt *s, int depth);
void cp_block(c_printer *P, const ir_block *b, int depth);

#endif
