/* ast.h: the syntax tree built by the parser.
 *
 * Every node lives in the compilation's arena and keeps the byte span of the
 * source it came from. Nodes are a tagged union with one named struct per
 * group of kinds, so later stages read `n->var.init` rather than a generic
 * child slot. The parser calls only the ast_* builders below, one per
 * grammar action.
 *
 * Lists (ast_list) are grown on the heap while the parser builds them and
 * moved into the arena by ast_list_seal() when their rule is complete; the
 * parser's %destructor frees the heap part of lists that error recovery
 * throws away. */
#ifndef HDT_AST_H
#define HDT_AST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "arena.h"
#include "diag.h"

typedef struct ast_node ast_node;

typedef struct ast_list {
  ast_node **items;
  int len, cap;
  bool sealed; /* items live in the arena */
} ast_list;

typedef enum {
  /* declarations */
  AST_MODULE, AST_IMPORT, AST_CONST, AST_FUNC, AST_PARAM, AST_GENERIC, AST_LAUNCH,
  /* types */
  AST_TYPE,
  /* statements */
  AST_BLOCK, AST_VAR, AST_ASSIGN, AST_IF, AST_FOR, AST_WHILE, AST_RETURN, AST_BREAK,
  AST_CONTINUE, AST_EXPR_STMT,
  /* expressions */
  AST_INT, AST_FLOAT, AST_BOOL, AST_STRING, AST_NAME, AST_UNARY, AST_BINARY, AST_CAST,
  AST_CALL, AST_KWARG, AST_INDEX, AST_MEMBER, AST_LIST, AST_IF_EXPR,
  /* a placeholder where error recovery dropped a construct */
  AST_ERROR,
} ast_kind;

typedef enum {
  AST_OP_ADD, AST_OP_SUB, AST_OP_MUL, AST_OP_DIV, AST_OP_MOD,
  AST_OP_SHL, AST_OP_SHR, AST_OP_BAND, AST_OP_BOR, AST_OP_BXOR,
  AST_OP_LAND, AST_OP_LOR,
  AST_OP_EQ, AST_OP_NE, AST_OP_LT, AST_OP_LE, AST_OP_GT, AST_OP_GE,
  AST_OP_NEG, AST_OP_NOT, AST_OP_BNOT,
  AST_OP_ASSIGN, /* plain '=' in an assignment; compound ones use the binary op */
} ast_op;

/* How a variable statement declares its name. */
typedef enum {
  AST_VAR_LET,    /* let x = e;          immutable */
  AST_VAR_VAR,    /* var x: T = e;       mutable */
  AST_VAR_SHARED, /* shared s: T;        block-shared tensor */
  AST_VAR_LOCAL,  /* local r: T by m;    per-thread (register) tensor */
} ast_var_kind;

/* Memory space written in a type (`shared f32[16, 16]` as a parameter). */
typedef enum { AST_SPACE_NONE, AST_SPACE_GLOBAL, AST_SPACE_SHARED, AST_SPACE_LOCAL } ast_space;

struct type;
struct value;
struct symbol;
struct mapping;

/* How a for loop iterates, decided by sema. */
typedef enum { AST_ITER_UNCHECKED, AST_ITER_RANGE, AST_ITER_MAPPING, AST_ITER_LIST } ast_iter_kind;

/* The deepest expression the parser builds (see parse_deep in
 * grammar/parser.y): the stages after it recurse on the C stack. */
enum { AST_MAX_EXPR_DEPTH = 1000 };

struct ast_node {
  ast_kind kind;
  span span;
  int depth; /* expressions: levels of the AST below and at this node */
  /* Filled in by sema: the expression's type, the symbol a name or
   * declaration refers to, and the value of a compile-time constant. */
  struct type *ty;
  struct symbol *sym;
  struct value *cval;
  union {
    struct { ast_list decls; const char *path; } module;
    /* module: set by the loader, the imported module; NULL when the file
     * is missing, unreadable or closes an import cycle (reported there). */
    struct { const char *path; ast_node *module; } import;
    /* const NAME [: type] = value; */
    struct { const char *name; ast_node *type, *value; } konst;
    /* fn / kernel: generics, params, return type (fn), launch clauses (kernel) */
    struct {
      const char *name; bool is_kernel;
      ast_list generics, params, launch; ast_node *ret, *body;
    } func;
    struct { const char *name; ast_node *type; } param;
    struct { const char *name; ast_node *type, *value; } generic;
    /* grid(...) or block(...) after a kernel's parameters */
    struct { const char *name; ast_list args; } launch;
    /* scalar name, or name[dims] with has_dims */
    struct { const char *name; ast_space space; bool has_dims; ast_list dims; } type;
    struct { ast_list stmts; } block;
    /* clauses: AST_LAUNCH nodes after a shared tensor's type (swizzle(B, M, S)) */
    struct { ast_var_kind kind; const char *name; ast_node *type, *init, *by; ast_list clauses; } var;
    struct { ast_op op; ast_node *target, *value; } assign;
    struct { ast_node *cond, *then, *els; } if_; /* els: block, if, or NULL */
    /* vars: AST_NAME nodes; clauses: AST_LAUNCH nodes before the body
     * (unroll(N)). sema fills in the iteration: a range's start/stop/step,
     * a mapping and its worker, or a constant list, and unroll: N, or 0
     * when no clause asks. */
    struct {
      ast_list vars, clauses; ast_node *iter, *body; int unroll;
      ast_iter_kind iter_kind; ast_node *start, *stop, *step, *worker;
      const struct mapping *map;
    } for_;
    struct { ast_node *cond, *body; } while_;
    struct { ast_node *value; } ret;
    struct { ast_node *expr; } expr_stmt;
    struct { uint64_t value; const char *text; } int_;
    struct { double value; const char *text; } float_;
    struct { bool value; } bool_;
    struct { const char *value; } string;
    struct { const char *name; } name;
    struct { ast_op op; ast_node *operand; } unary;
    struct { ast_op op; ast_node *lhs, *rhs; } binary;
    struct { ast_node *expr, *type; } cast;
    struct { ast_node *callee; ast_list args; } call;
    struct { const char *name; ast_node *value; } kwarg;
    struct { ast_node *base; ast_list indices; } index;
    struct { ast_node *base; const char *name; span name_span; } member;
    struct { ast_list items; } list;
    struct { ast_node *cond, *then, *els; } if_expr;
  };
};

/* List building (heap while open, arena once sealed). */
ast_list ast_list_empty(void);
ast_list ast_list_of(ast_node *first);
ast_list ast_list_push(ast_list list, ast_node *item);
ast_list ast_list_seal(arena *a, ast_list list);
void ast_list_discard(ast_list *list);

/* Builders, one per construct; each takes the whole construct's span. */
ast_node *ast_module(arena *a, span s, ast_list decls, const char *path);
ast_node *ast_import(arena *a, span s, const char *path);
ast_node *ast_const(arena *a, span s, const char *name, ast_node *type, ast_node *value);
ast_node *ast_func(arena *a, span s, bool is_kernel, const char *name, ast_list generics,
                   ast_list params, ast_node *ret, ast_list launch, ast_node *body);
ast_node *ast_param(arena *a, span s, const char *name, ast_node *type);
ast_node *ast_generic(arena *a, span s, const char *name, ast_node *type, ast_node *value);
ast_node *ast_launch(arena *a, span s, const char *name, ast_list args);
ast_node *ast_type(arena *a, span s, ast_space space, const char *name, bool has_dims,
                   ast_list dims);
ast_node *ast_type_in_space(ast_node *type, ast_space space, span s);
ast_node *ast_block(arena *a, span s, ast_list stmts);
ast_node *ast_var(arena *a, span s, ast_var_kind kind, const char *name, ast_node *type,
                  ast_node *init, ast_node *by);
/* The clauses written after a shared declaration's type or a for loop's
 * iterable (AST_LAUNCH nodes, as a kernel's), attached to that node. */
ast_node *ast_with_clauses(arena *a, ast_node *n, ast_list clauses);
ast_node *ast_assign(arena *a, span s, ast_op op, ast_node *target, ast_node *value);
ast_node *ast_if(arena *a, span s, ast_node *cond, ast_node *then, ast_node *els);
ast_node *ast_for(arena *a, span s, ast_list vars, ast_node *iter, ast_node *body);
ast_node *ast_while(arena *a, span s, ast_node *cond, ast_node *body);
ast_node *ast_return(arena *a, span s, ast_node *value);
ast_node *ast_jump(arena *a, span s, ast_kind kind); /* break / continue */
ast_node *ast_expr_stmt(arena *a, span s, ast_node *expr);
ast_node *ast_int(arena *a, span s, uint64_t value, const char *text);
ast_node *ast_float(arena *a, span s, double value, const char *text);
ast_node *ast_bool(arena *a, span s, bool value);
ast_node *ast_string(arena *a, span s, const char *value);
ast_node *ast_name(arena *a, span s, const char *name);
ast_node *ast_unary(arena *a, span s, ast_op op, ast_node *operand);
ast_node *ast_binary(arena *a, span s, ast_op op, ast_node *lhs, ast_node *rhs);
ast_node *ast_cast(arena *a, span s, ast_node *expr, ast_node *type);
ast_node *ast_call(arena *a, span s, ast_node *callee, ast_list args);
ast_node *ast_kwarg(arena *a, span s, const char *name, ast_node *value);
ast_node *ast_index(arena *a, span s, ast_node *base, ast_list indices);
ast_node *ast_member(arena *a, span s, ast_node *base, const char *name, span name_span);
ast_node *ast_list_expr(arena *a, span s, ast_list items);
ast_node *ast_if_expr(arena *a, span s, ast_node *cond, ast_node *then, ast_node *els);
ast_node *ast_error(arena *a, span s);

const char *ast_op_text(ast_op op);
const char *ast_kind_name(ast_kind kind);

/* The --emit=ast dump: one node per line, children indented by two spaces,
 * each line ending with the node's span as @line:col-line:col. */
void ast_dump(FILE *out, const diag_ctx *d, const ast_node *module);
/* The same, with each typed node's type (" : f32") and each compile-time
 * constant's value (" = 64") before its span: the --emit=sema dump. */
void ast_dump_annotated(FILE *out, const diag_ctx *d, const ast_node *module);

#endif
