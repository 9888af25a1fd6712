/* ast.c: builders for the syntax tree and its --emit=ast dump (see ast.h). */
#include "ast.h"
#include "types.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- lists ---- */

ast_list ast_list_empty(void) { return (ast_list){NULL, 0, 0, false}; }

ast_list ast_list_of(ast_node *first) { return ast_list_push(ast_list_empty(), first); }

ast_list ast_list_push(ast_list list, ast_node *item) {
  if (list.len == list.cap) {
    list.cap = list.cap ? 2 * list.cap : 4;
    ast_node **items = realloc(list.items, (size_t)list.cap * sizeof *items);
    if (!items) {
      fputs("hdtc: fatal: out of memory\n", stderr);
      abort();
    }
    list.items = items;
  }
  list.items[list.len++] = item;
  return list;
}

ast_list ast_list_seal(arena *a, ast_list list) {
  if (list.sealed)
    return list;
  ast_list sealed = {NULL, list.len, list.len, true};
  if (list.len) {
    sealed.items = arena_alloc(a, (size_t)list.len * sizeof *sealed.items);
    memcpy(sealed.items, list.items, (size_t)list.len * sizeof *sealed.items);
  }
  free(list.items);
  return sealed;
}

void ast_list_discard(ast_list *list) {
  if (!list->sealed)
    free(list->items);
  *list = ast_list_empty();
}

/* ---- builders ---- */

static ast_node *ast_new(arena *a, ast_kind kind, span s) {
  ast_node *n = arena_alloc(a, sizeof *n);
  n->kind = kind;
  n->span = s;
  return n;
}

ast_node *ast_module(arena *a, span s, ast_list decls, const char *path) {
  ast_node *n = ast_new(a, AST_MODULE, s);
  n->module.decls = ast_list_seal(a, decls);
  n->module.path = path;
  return n;
}

ast_node *ast_import(arena *a, span s, const char *path) {
  ast_node *n = ast_new(a, AST_IMPORT, s);
  n->import.path = path;
  return n;
}

ast_node *ast_const(arena *a, span s, const char *name, ast_node *type, ast_node *value) {
  ast_node *n = ast_new(a, AST_CONST, s);
  n->konst.name = name;
  n->konst.type = type;
  n->konst.value = value;
  return n;
}

ast_node *ast_func(arena *a, span s, bool is_kernel, const char *name, ast_list generics,
                   ast_list params, ast_node *ret, ast_list launch, ast_node *body) {
  ast_node *n = ast_new(a, AST_FUNC, s);
  n->func.name = name;
  n->func.is_kernel = is_kernel;
  n->func.generics = ast_list_seal(a, generics);
  n->func.params = ast_list_seal(a, params);
  n->func.ret = ret;
  n->func.launch = ast_list_seal(a, launch);
  n->func.body = body;
  return n;
}

ast_node *ast_param(arena *a, span s, const char *name, ast_node *type) {
  ast_node *n = ast_new(a, AST_PARAM, s);
  n->param.name = name;
  n->param.type = type;
  return n;
}

ast_node *ast_generic(arena *a, span s, const char *name, ast_node *type, ast_node *value) {
  ast_node *n = ast_new(a, AST_GENERIC, s);
  n->generic.name = name;
  n->generic.type = type;
  n->generic.value = value;
  return n;
}

ast_node *ast_launch(arena *a, span s, const char *name, ast_list args) {
  ast_node *n = ast_new(a, AST_LAUNCH, s);
  n->launch.name = name;
  n->launch.args = ast_list_seal(a, args);
  return n;
}

ast_node *ast_type(arena *a, span s, ast_space space, const char *name, bool has_dims,
                   ast_list dims) {
  ast_node *n = ast_new(a, AST_TYPE, s);
  n->type.space = space;
  n->type.name = name;
  n->type.has_dims = has_dims;
  n->type.dims = ast_list_seal(a, dims);
  return n;
}

ast_node *ast_type_in_space(ast_node *type, ast_space space, span s) {
  type->type.space = space;
  type->span = s;
  return type;
}

ast_node *ast_block(arena *a, span s, ast_list stmts) {
  ast_node *n = ast_new(a, AST_BLOCK, s);
  n->block.stmts = ast_list_seal(a, stmts);
  return n;
}

ast_node *ast_var(arena *a, span s, ast_var_kind kind, const char *name, ast_node *type,
                  ast_node *init, ast_node *by) {
  ast_node *n = ast_new(a, AST_VAR, s);
  n->var.kind = kind;
  n->var.name = name;
  n->var.type = type;
  n->var.init = init;
  n->var.by = by;
  return n;
}

ast_node *ast_assign(arena *a, span s, ast_op op, ast_node *target, ast_node *value) {
  ast_node *n = ast_new(a, AST_ASSIGN, s);
  n->assign.op = op;
  n->assign.target = target;
  n->assign.value = value;
  return n;
}

ast_node *ast_if(arena *a, span s, ast_node *cond, ast_node *then, ast_node *els) {
  ast_node *n = ast_new(a, AST_IF, s);
  n->if_.cond = cond;
  n->if_.then = then;
  n->if_.els = els;
  return n;
}

ast_node *ast_with_clauses(arena *a, ast_node *n, ast_list clauses) {
  ast_list *to = n->kind == AST_VAR ? &n->var.clauses : &n->for_.clauses;
  *to = ast_list_seal(a, clauses);
  return n;
}

ast_node *ast_for(arena *a, span s, ast_list vars, ast_node *iter, ast_node *body) {
  ast_node *n = ast_new(a, AST_FOR, s);
  n->for_.vars = ast_list_seal(a, vars);
  n->for_.iter = iter;
  n->for_.body = body;
  return n;
}

ast_node *ast_while(arena *a, span s, ast_node *cond, ast_node *body) {
  ast_node *n = ast_new(a, AST_WHILE, s);
  n->while_.cond = cond;
  n->while_.body = body;
  return n;
}

ast_node *ast_return(arena *a, span s, ast_node *value) {
  ast_node *n = ast_new(a, AST_RETURN, s);
  n->ret.value = value;
  return n;
}

ast_node *ast_jump(arena *a, span s, ast_kind kind) { return ast_new(a, kind, s); }

ast_node *ast_expr_stmt(arena *a, span s, ast_node *expr) {
  ast_node *n = ast_new(a, AST_EXPR_STMT, s);
  n->expr_stmt.expr = expr;
  return n;
}

ast_node *ast_int(arena *a, span s, uint64_t value, const char *text) {
  ast_node *n = ast_new(a, AST_INT, s);
  n->int_.value = value;
  n->int_.text = text;
  return n;
}

ast_node *ast_float(arena *a, span s, double value, const char *text) {
  ast_node *n = ast_new(a, AST_FLOAT, s);
  n->float_.value = value;
  n->float_.text = text;
  return n;
}

ast_node *ast_bool(arena *a, span s, bool value) {
  ast_node *n = ast_new(a, AST_BOOL, s);
  n->bool_.value = value;
  return n;
}

ast_node *ast_string(arena *a, span s, const char *value) {
  ast_node *n = ast_new(a, AST_STRING, s);
  n->string.value = value;
  return n;
}

ast_node *ast_name(arena *a, span s, const char *name) {
  ast_node *n = ast_new(a, AST_NAME, s);
  n->name.name = name;
  return n;
}

ast_node *ast_unary(arena *a, span s, ast_op op, ast_node *operand) {
  ast_node *n = ast_new(a, AST_UNARY, s);
  n->unary.op = op;
  n->unary.operand = operand;
  return n;
}

ast_node *ast_binary(arena *a, span s, ast_op op, ast_node *lhs, ast_node *rhs) {
  ast_node *n = ast_new(a, AST_BINARY, s);
  n->binary.op = op;
  n->binary.lhs = lhs;
  n->binary.rhs = rhs;
  return n;
}

ast_node *ast_cast(arena *a, span s, ast_node *expr, ast_node *type) {
  ast_node *n = ast_new(a, AST_CAST, s);
  n->cast.expr = expr;
  n->cast.type = type;
  return n;
}

ast_node *ast_call(arena *a, span s, ast_node *callee, ast_list args) {
  ast_node *n = ast_new(a, AST_CALL, s);
  n->call.callee = callee;
  n->call.args = ast_list_seal(a, args);
  return n;
}

ast_node *ast_kwarg(arena *a, span s, const char *name, ast_node *value) {
  ast_node *n = ast_new(a, AST_KWARG, s);
  n->kwarg.name = name;
  n->kwarg.value = value;
  return n;
}

ast_node *ast_index(arena *a, span s, ast_node *base, ast_list indices) {
  ast_node *n = ast_new(a, AST_INDEX, s);
  n->index.base = base;
  n->index.indices = ast_list_seal(a, indices);
  return n;
}

ast_node *ast_member(arena *a, span s, ast_node *base, const char *name, span name_span) {
  ast_node *n = ast_new(a, AST_MEMBER, s);
  n->member.base = base;
  n->member.name = name;
  n->member.name_span = name_span;
  return n;
}

ast_node *ast_list_expr(arena *a, span s, ast_list items) {
  ast_node *n = ast_new(a, AST_LIST, s);
  n->list.items = ast_list_seal(a, items);
  return n;
}

ast_node *ast_if_expr(arena *a, span s, ast_node *cond, ast_node *then, ast_node *els) {
  ast_node *n = ast_new(a, AST_IF_EXPR, s);
  n->if_expr.cond = cond;
  n->if_expr.then = then;
  n->if_expr.els = els;
  return n;
}

ast_node *ast_error(arena *a, span s) { return ast_new(a, AST_ERROR, s); }

/* ---- names ---- */

const char *ast_op_text(ast_op op) {
  static const char *const text[] = {
      [AST_OP_ADD] = "+",  [AST_OP_SUB] = "-",  [AST_OP_MUL] = "*",  [AST_OP_DIV] = "/",
      [AST_OP_MOD] = "%",  [AST_OP_SHL] = "<<", [AST_OP_SHR] = ">>", [AST_OP_BAND] = "&",
      [AST_OP_BOR] = "|",  [AST_OP_BXOR] = "^", [AST_OP_LAND] = "&&", [AST_OP_LOR] = "||",
      [AST_OP_EQ] = "==",  [AST_OP_NE] = "!=",  [AST_OP_LT] = "<",  [AST_OP_LE] = "<=",
      [AST_OP_GT] = ">",   [AST_OP_GE] = ">=",  [AST_OP_NEG] = "-",  [AST_OP_NOT] = "!",
      [AST_OP_BNOT] = "~", [AST_OP_ASSIGN] = "=",
  };
  return (unsigned)op < sizeof text / sizeof *text ? text[op] : "?";
}

const char *ast_kind_name(ast_kind kind) {
  static const char *const names[] = {
      [AST_MODULE] = "module",   [AST_IMPORT] = "import",     [AST_CONST] = "const",
      [AST_FUNC] = "fn",         [AST_PARAM] = "param",       [AST_GENERIC] = "generic",
      [AST_LAUNCH] = "launch",   [AST_TYPE] = "type",         [AST_BLOCK] = "block",
      [AST_VAR] = "var",         [AST_ASSIGN] = "assign",     [AST_IF] = "if",
      [AST_FOR] = "for",         [AST_WHILE] = "while",       [AST_RETURN] = "return",
      [AST_BREAK] = "break",     [AST_CONTINUE] = "continue", [AST_EXPR_STMT] = "expr-stmt",
      [AST_INT] = "int",         [AST_FLOAT] = "float",       [AST_BOOL] = "bool",
      [AST_STRING] = "string",   [AST_NAME] = "name",         [AST_UNARY] = "unary",
      [AST_BINARY] = "binary",   [AST_CAST] = "cast",         [AST_CALL] = "call",
      [AST_KWARG] = "kwarg",     [AST_INDEX] = "index",       [AST_MEMBER] = "member",
      [AST_LIST] = "list",       [AST_IF_EXPR] = "if-expr",   [AST_ERROR] = "error",
  };
  return (unsigned)kind < sizeof names / sizeof *names ? names[kind] : "?";
}

/* ---- dump ---- */

typedef struct ast_dumper {
  FILE *out;
  const diag_ctx *d;
  bool annotated; /* --emit=sema: types and constant values too */
  const ast_node *node; /* the node whose line is being printed */
} ast_dumper;

static void ast_dump_node(ast_dumper *p, const ast_node *n, int depth);

static void ast_dump_span(ast_dumper *p, span s) {
  const source_file *f = diag_source(p->d, s.file);
  if (p->annotated && p->node && p->node->ty) {
    fputs(" : ", p->out);
    type_print(p->out, p->node->ty);
  }
  if (p->annotated && p->node && p->node->cval) {
    fputs(" = ", p->out);
    value_print(p->out, p->node->cval);
  }
  if (!f) {
    fputc('\n', p->out);
    return;
  }
  uint32_t l0, c0, l1, c1;
  diag_line_col(f, s.begin, &l0, &c0);
  diag_line_col(f, s.end, &l1, &c1);
  fprintf(p->out, " @%u:%u-%u:%u\n", l0, c0, l1, c1);
}

static void ast_dump_head(ast_dumper *p, int depth, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void ast_dump_head(ast_dumper *p, int depth, const char *fmt, ...) {
  fprintf(p->out, "%*s", 2 * depth, "");
  va_list ap;
  va_start(ap, fmt);
  vfprintf(p->out, fmt, ap);
  va_end(ap);
}

static void ast_dump_list(ast_dumper *p, const ast_list *l, int depth) {
  for (int i = 0; i < l->len; i++)
    ast_dump_node(p, l->items[i], depth);
}

/* A labelled group of children, printed only when non-empty. */
static void ast_dump_group(ast_dumper *p, const char *label, const ast_list *l, int depth) {
  if (l->len == 0)
    return;
  ast_dump_head(p, depth, "%s\n", label);
  ast_dump_list(p, l, depth + 1);
}

static void ast_dump_child(ast_dumper *p, const char *label, const ast_node *n, int depth) {
  if (!n)
    return;
  ast_dump_head(p, depth, "%s\n", label);
  ast_dump_node(p, n, depth + 1);
}

static const char *ast_space_name(ast_space s) {
  switch (s) {
  case AST_SPACE_GLOBAL: return "global ";
  case AST_SPACE_SHARED: return "shared ";
  case AST_SPACE_LOCAL: return "local ";
  case AST_SPACE_NONE: break;
  }
  return "";
}

static const char *ast_var_kind_name(ast_var_kind k) {
  switch (k) {
  case AST_VAR_LET: return "let";
  case AST_VAR_VAR: return "var";
  case AST_VAR_SHARED: return "shared";
  case AST_VAR_LOCAL: return "local";
  }
  return "?";
}

/* Strings are printed with C escapes so that the dump stays one line each. */
static void ast_dump_quoted(FILE *out, const char *s) {
  fputc('"', out);
  for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
    if (*c == '"' || *c == '\\')
      fprintf(out, "\\%c", *c);
    else if (*c < 0x20 || *c >= 0x7F)
      fprintf(out, "\\x%02x", *c);
    else
      fputc(*c, out);
  }
  fputc('"', out);
}

static void ast_dump_node(ast_dumper *p, const ast_node *n, int depth) {
  FILE *out = p->out;
  p->node = n;
  switch (n->kind) {
  case AST_MODULE:
    ast_dump_head(p, depth, "module ");
    ast_dump_quoted(out, n->module.path);
    ast_dump_span(p, n->span);
    ast_dump_list(p, &n->module.decls, depth + 1);
    return;
  case AST_IMPORT:
    ast_dump_head(p, depth, "import ");
    ast_dump_quoted(out, n->import.path);
    ast_dump_span(p, n->span);
    return;
  case AST_CONST:
    ast_dump_head(p, depth, "const %s", n->konst.name);
    ast_dump_span(p, n->span);
    if (n->konst.type)
      ast_dump_node(p, n->konst.type, depth + 1);
    ast_dump_node(p, n->konst.value, depth + 1);
    return;
  case AST_FUNC:
    ast_dump_head(p, depth, "%s %s", n->func.is_kernel ? "kernel" : "fn", n->func.name);
    ast_dump_span(p, n->span);
    ast_dump_group(p, "generics", &n->func.generics, depth + 1);
    ast_dump_list(p, &n->func.params, depth + 1);
    ast_dump_child(p, "returns", n->func.ret, depth + 1);
    ast_dump_list(p, &n->func.launch, depth + 1);
    ast_dump_node(p, n->func.body, depth + 1);
    return;
  case AST_PARAM:
    ast_dump_head(p, depth, "param %s", n->param.name);
    ast_dump_span(p, n->span);
    ast_dump_node(p, n->param.type, depth + 1);
    return;
  case AST_GENERIC:
    ast_dump_head(p, depth, "generic %s", n->generic.name);
    ast_dump_span(p, n->span);
    ast_dump_node(p, n->generic.type, depth + 1);
    ast_dump_child(p, "default", n->generic.value, depth + 1);
    return;
  case AST_LAUNCH:
    ast_dump_head(p, depth, "launch %s", n->launch.name);
    ast_dump_span(p, n->span);
    ast_dump_list(p, &n->launch.args, depth + 1);
    return;
  case AST_TYPE:
    ast_dump_head(p, depth, "type %s%s%s", ast_space_name(n->type.space), n->type.name,
                  n->type.has_dims ? "[]" : "");
    ast_dump_span(p, n->span);
    ast_dump_list(p, &n->type.dims, depth + 1);
    return;
  case AST_BLOCK:
    ast_dump_head(p, depth, "block");
    ast_dump_span(p, n->span);
    ast_dump_list(p, &n->block.stmts, depth + 1);
    return;
  case AST_VAR:
    ast_dump_head(p, depth, "%s %s", ast_var_kind_name(n->var.kind), n->var.name);
    ast_dump_span(p, n->span);
    if (n->var.type)
      ast_dump_node(p, n->var.type, depth + 1);
    ast_dump_child(p, "init", n->var.init, depth + 1);
    ast_dump_child(p, "by", n->var.by, depth + 1);
    ast_dump_list(p, &n->var.clauses, depth + 1);
    return;
  case AST_ASSIGN:
    ast_dump_head(p, depth, "assign %s%s", n->assign.op == AST_OP_ASSIGN ? "" : ast_op_text(n->assign.op), "=");
    ast_dump_span(p, n->span);
    ast_dump_node(p, n->assign.target, depth + 1);
    ast_dump_node(p, n->assign.value, depth + 1);
    return;
  case AST_IF:
    ast_dump_head(p, depth, "if");
    ast_dump_span(p, n->span);
    ast_dump_node(p, n->if_.cond, depth + 1);
    ast_dump_node(p, n->if_.then, depth + 1);
    ast_dump_child(p, "else", n->if_.els, depth + 1);
    return;
  case AST_FOR:
    ast_dump_head(p, depth, "for");
    for (int i = 0; i < n->for_.vars.len; i++)
      fprintf(out, " %s", n->for_.vars.items[i]->name.name);
    ast_dump_span(p, n->span);
    ast_dump_node(p, n->for_.iter, depth + 1);
    ast_dump_list(p, &n->for_.clauses, depth + 1);
    ast_dump_node(p, n->for_.body, depth + 1);
    return;
  case AST_WHILE:
    ast_dump_head(p, depth, "while");
    ast_dump_span(p, n->span);
    ast_dump_node(p, n->while_.cond, depth + 1);
    ast_dump_node(p, n->while_.body, depth + 1);
    return;
  case AST_RETURN:
    ast_dump_head(p, depth, "return");
    ast_dump_span(p, n->span);
    if (n->ret.value)
      ast_dump_node(p, n->ret.value, depth + 1);
    return;
  case AST_BREAK:
  case AST_CONTINUE:
  case AST_ERROR:
    ast_dump_head(p, depth, "%s", ast_kind_name(n->kind));
    ast_dump_span(p, n->span);
    return;
  case AST_EXPR_STMT:
    ast_dump_head(p, depth, "expr-stmt");
    ast_dump_span(p, n->span);
    ast_dump_node(p, n->expr_stmt.expr, depth + 1);
    return;
  case AST_INT:
    ast_dump_head(p, depth, "int %llu", (unsigned long long)n->int_.value);
    ast_dump_span(p, n->span);
    return;
  case AST_FLOAT:
    ast_dump_head(p, depth, "float %s", n->float_.text);
    ast_dump_span(p, n->span);
    return;
  case AST_BOOL:
    ast_dump_head(p, depth, "bool %s", n->bool_.value ? "true" : "false");
    ast_dump_span(p, n->span);
    return;
  case AST_STRING:
    ast_dump_head(p, depth, "string ");
    ast_dump_quoted(out, n->string.value);
    ast_dump_span(p, n->span);
    return;
  case AST_NAME:
    ast_dump_head(p, depth, "name %s", n->name.name);
    ast_dump_span(p, n->span);
    return;
  case AST_UNARY:
    ast_dump_head(p, depth, "unary %s", ast_op_text(n->unary.op));
    ast_dump_span(p, n->span);
    ast_dump_node(p, n->unary.operand, depth + 1);
    return;
  case AST_BINARY:
    ast_dump_head(p, depth, "binary %s", ast_op_text(n->binary.op));
    ast_dump_span(p, n->span);
    ast_dump_node(p, n->binary.lhs, depth + 1);
    ast_dump_node(p, n->binary.rhs, depth + 1);
    return;
  case AST_CAST:
    ast_dump_head(p, depth, "cast");
    ast_dump_span(p, n->span);
    ast_dump_node(p, n->cast.expr, depth + 1);
    ast_dump_node(p, n->cast.type, depth + 1);
    return;
  case AST_CALL:
    ast_dump_head(p, depth, "call");
    ast_dump_span(p, n->span);
    ast_dump_node(p, n->call.callee, depth + 1);
    ast_dump_list(p, &n->call.args, depth + 1);
    return;
  case AST_KWARG:
    ast_dump_head(p, depth, "kwarg %s", n->kwarg.name);
    ast_dump_span(p, n->span);
    ast_dump_node(p, n->kwarg.value, depth + 1);
    return;
  case AST_INDEX:
    ast_dump_head(p, depth, "index");
    ast_dump_span(p, n->span);
    ast_dump_node(p, n->index.base, depth + 1);
    ast_dump_list(p, &n->index.indices, depth + 1);
    return;
  case AST_MEMBER:
    ast_dump_head(p, depth, "member %s", n->member.name);
    ast_dump_span(p, n->span);
    ast_dump_node(p, n->member.base, depth + 1);
    return;
  case AST_LIST:
    ast_dump_head(p, depth, "list");
    ast_dump_span(p, n->span);
    ast_dump_list(p, &n->list.items, depth + 1);
    return;
  case AST_IF_EXPR:
    ast_dump_head(p, depth, "if-expr");
    ast_dump_span(p, n->span);
    ast_dump_node(p, n->if_expr.cond, depth + 1);
    ast_dump_node(p, n->if_expr.then, depth + 1);
    ast_dump_node(p, n->if_expr.els, depth + 1);
    return;
  }
}

void ast_dump(FILE *out, const diag_ctx *d, const ast_node *module) {
  ast_dumper p = {out, d, false, NULL};
  ast_dump_node(&p, module, 0);
}

void ast_dump_annotated(FILE *out, const diag_ctx *d, const ast_node *module) {
  ast_dumper p = {out, d, true, NULL};
  ast_dump_node(&p, module, 0);
}
