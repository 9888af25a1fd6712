/* parser.y: the hdt grammar.
 *
 * A pure LALR(1) parser with byte-span locations and no conflicts
 * (%expect 0). Every action is one line that calls an ast_* builder with the
 * span of the whole rule (@$), so the tree keeps exact source ranges.
 *
 * Error recovery: a broken statement is skipped up to its ';' (or the '}' of
 * its block); a broken kernel or function header, or if/for/while head, is
 * skipped up to the '{' of its body, which is then parsed normally; a broken
 * declaration is skipped up to ';' or '}'. So one run reports every syntax
 * error that is not a consequence of an earlier one. Messages are built by
 * yyreport_syntax_error: "expected ';' before '}'", with the caret after
 * the previous token when the ';' is missing at the end of a line.
 *
 * Lists are heap-grown while being built (ast_list_push) and moved into the
 * arena when their rule is reduced; the %destructor frees those that error
 * recovery discards. Nodes and strings live in the arena and need none. */

%require "3.5"
%define api.pure full
%define parse.error custom
%define api.location.type {span}
%locations
%expect 0

%parse-param {parse_state *ps} {void *scanner}
%lex-param {void *scanner}

%code requires {
#include "ast.h"
#include "parse.h"
}

%code provides {
int yylex(YYSTYPE *lval, YYLTYPE *lloc, void *scanner);
}

%code {
#include <string.h>

static bool parse_missing_semi_at_line_end(parse_state *ps, span *loc);
static ast_node *parse_not_hdt(parse_state *ps, span whole, span op, const char *msg);
static ast_node *parse_conditional(parse_state *ps, span whole, span op, const ast_node *c,
                                   const ast_node *a, const ast_node *b);
static ast_node *parse_range_op(parse_state *ps, span whole, span op, const ast_node *lo,
                                const ast_node *hi);
static span parse_from(span first, span whole);
static ast_node *parse_if_close(parse_state *ps, ast_list *arms, ast_node *els, span whole);
static ast_node *parse_deep(parse_state *ps, ast_node *n);

#define PARSE_NO_CONDITIONAL "C's conditional operator '?:' is not hdt; write 'if c { a } else { b }'"

/* Deeper nesting than this is reported, not a crash of a recursive stage. */
#define YYMAXDEPTH 10000

/* Bison calls this only for "memory exhausted"; syntax errors go through
 * yyreport_syntax_error below. */
static void yyerror(const span *where, parse_state *ps, void *scanner, const char *msg) {
  (void)scanner;
  if (strcmp(msg, "memory exhausted") == 0)
    diag_error(ps->diag, *where, "nested too deeply (the parser keeps at most %d levels)", YYMAXDEPTH);
  else
    diag_error(ps->diag, *where, "%s", msg);
}

#define A (ps->arena)
/* A rule's span runs from its first symbol's start to its last one's end; an
 * empty rule is an empty span where the previous symbol ended. */
#define YYLLOC_DEFAULT(Cur, Rhs, N)                                   \
  do {                                                                \
    if (N) {                                                          \
      (Cur).file = YYRHSLOC(Rhs, 1).file;                             \
      (Cur).begin = YYRHSLOC(Rhs, 1).begin;                           \
      (Cur).end = YYRHSLOC(Rhs, N).end;                               \
    } else {                                                          \
      (Cur).file = YYRHSLOC(Rhs, 0).file;                             \
      (Cur).begin = (Cur).end = YYRHSLOC(Rhs, 0).end;                 \
    }                                                                 \
  } while (0)
}

%union {
  ast_node *node;
  ast_list list;
  const char *str;
  ast_op op;
  ast_space space;
}

%token <str> IDENT "identifier"
%token <node> INT "integer literal" FLOAT "floating-point literal" STRING "string literal"
%token IMPORT "import" CONST "const" FN "fn" KERNEL "kernel" LET "let" VAR "var"
%token SHARED "shared" LOCAL "local" GLOBAL "global" BY "by" IF "if" ELSE "else"
%token FOR "for" IN "in" WHILE "while" RETURN "return" BREAK "break" CONTINUE "continue"
%token TRUE "true" FALSE "false" AS "as"
%token START_MODULE "start of file" START_EXPR "start of expression"
%token ARROW "->" DOTDOT ".." EQ "==" NE "!=" LE "<=" GE ">=" LAND "&&" LOR "||" SHL "<<" SHR ">>"
%token ADD_ASSIGN "+=" SUB_ASSIGN "-=" MUL_ASSIGN "*=" DIV_ASSIGN "/=" MOD_ASSIGN "%="
%token AND_ASSIGN "&=" OR_ASSIGN "|=" XOR_ASSIGN "^=" SHL_ASSIGN "<<=" SHR_ASSIGN ">>="

%type <node> start module decl import const_decl func param generic launch type base_type
%type <node> opt_type opt_init opt_by opt_ret opt_default block stmt else_part else_block
%type <node> expr if_expr bin postfix primary arg default_value
%type <list> decls generics generic_list params param_list launches stmts
%type <list> for_vars args arg_list expr_list opt_expr_list if_chain
%type <op> assign_op
%type <space> space

%destructor { ast_list_discard(&$$); } <list>

/* Lowest to highest. Comparisons do not chain; bitwise operators bind
 * tighter than comparisons (unlike C), so `x & 1 == 0` means what it says.
 * '?' and '..' are not hdt: they are parsed only to be reported with the
 * hdt spelling (C's `c ? a : b`, Rust's `0..n`), as one error and no
 * cascade of syntax errors after it. */
%right '?'
%nonassoc DOTDOT
%left LOR
%left LAND
%nonassoc EQ NE '<' '>' LE GE
%left '|'
%left '^'
%left '&'
%left SHL SHR
%left '+' '-'
%left '*' '/' '%'
%precedence AS
%precedence UNARY

%start start

%%

/* The scanner's first token says what is parsed: a file or one expression. */
start: START_MODULE module        { $$ = $2; }
  | START_EXPR expr               { ps->expr = $2; $$ = $2; }
  ;

/* module = decl* */
module: decls                     { ps->module = ast_module(A, @$, $1, diag_source(ps->diag, ps->file)->name); $$ = ps->module; }
  ;

decls: %empty                     { $$ = ast_list_empty(); }
  | decls decl                    { $$ = ast_list_push($1, $2); }
  ;

decl: import
  | const_decl
  | func
  | error ';'                     { $$ = ast_error(A, @$); yyerrok; }
  | error '}'                     { $$ = ast_error(A, @$); yyerrok; }
  ;

/* import "path.hdt"; */
import: IMPORT STRING semi         { $$ = ast_import(A, @$, $2->string.value); }
  ;

/* const NAME [: type] = expr; */
const_decl: CONST IDENT opt_type '=' expr semi { $$ = ast_const(A, @$, $2, $3, $5); }
  ;

/* fn NAME [<generics>] (params) [-> type] block
 * kernel NAME [<generics>] (params) grid(...) block(...) block */
func: FN IDENT generics params opt_ret block      { $$ = ast_func(A, @$, false, $2, $3, $4, $5, ast_list_empty(), $6); }
  | KERNEL IDENT generics params launches block   { $$ = ast_func(A, @$, true, $2, $3, $4, NULL, $5, $6); }
  | FN IDENT error block                          { $$ = ast_error(A, @$); }
  | KERNEL IDENT error block                      { $$ = ast_error(A, @$); }
  ;

generics: %empty                  { $$ = ast_list_empty(); }
  | '<' generic_list '>'          { $$ = $2; }
  | '<' generic_list ',' '>'      { $$ = $2; }
  ;

generic_list: generic             { $$ = ast_list_of($1); }
  | generic_list ',' generic      { $$ = ast_list_push($1, $3); }
  ;

/* NAME: type [= default]; a default is a literal, a name, a call or a
 * parenthesized expression, since a bare '>' would end the list */
generic: IDENT ':' type opt_default { $$ = ast_generic(A, @$, $1, $3, $4); }
  ;

opt_default: %empty               { $$ = NULL; }
  | '=' default_value             { $$ = $2; }
  ;

default_value: postfix
  | '-' postfix                   { $$ = parse_deep(ps, ast_unary(A, @$, AST_OP_NEG, $2)); }
  ;

params: '(' ')'                   { $$ = ast_list_empty(); }
  | '(' param_list ')'            { $$ = $2; }
  | '(' param_list ',' ')'        { $$ = $2; }
  ;

param_list: param                 { $$ = ast_list_of($1); }
  | param_list ',' param          { $$ = ast_list_push($1, $3); }
  ;

param: IDENT ':' type             { $$ = ast_param(A, @$, $1, $3); }
  ;

opt_ret: %empty                   { $$ = NULL; }
  | ARROW type                    { $$ = $2; }
  ;

/* grid(e, ...) block(e, ...) min_blocks(n) and any other clause, checked
 * later; also the clauses of a shared declaration (swizzle) and of a for
 * loop (unroll) */
launches: %empty                  { $$ = ast_list_empty(); }
  | launches launch               { $$ = ast_list_push($1, $2); }
  ;

launch: IDENT '(' args ')'        { $$ = ast_launch(A, @$, $1, $3); }
  ;

/* type = [global | shared | local] NAME [ '[' expr, ... ']' ] */
type: base_type
  | space base_type               { $$ = ast_type_in_space($2, $1, @$); }
  ;

space: GLOBAL                     { $$ = AST_SPACE_GLOBAL; }
  | SHARED                        { $$ = AST_SPACE_SHARED; }
  | LOCAL                         { $$ = AST_SPACE_LOCAL; }
  ;

base_type: IDENT                  { $$ = ast_type(A, @$, AST_SPACE_NONE, $1, false, ast_list_empty()); }
  | IDENT '[' expr_list ']'       { $$ = ast_type(A, @$, AST_SPACE_NONE, $1, true, $3); }
  ;

opt_type: %empty                  { $$ = NULL; }
  | ':' type                      { $$ = $2; }
  ;

opt_init: %empty                  { $$ = NULL; }
  | '=' expr                      { $$ = $2; }
  ;

opt_by: %empty                    { $$ = NULL; }
  | BY expr                       { $$ = $2; }
  ;

/* block = '{' stmt* '}' */
block: '{' stmts '}'              { $$ = ast_block(A, @$, $2); }
  | '{' stmts error '}'           { $$ = ast_block(A, @$, $2); }
  ;

stmts: %empty                     { $$ = ast_list_empty(); }
  | stmts stmt                    { $$ = ast_list_push($1, $2); }
  ;

stmt: LET IDENT opt_type '=' expr semi               { $$ = ast_var(A, @$, AST_VAR_LET, $2, $3, $5, NULL); }
  | VAR IDENT opt_type opt_init semi                 { $$ = ast_var(A, @$, AST_VAR_VAR, $2, $3, $4, NULL); }
  | SHARED IDENT ':' type launches semi              { $$ = ast_with_clauses(A, ast_var(A, @$, AST_VAR_SHARED, $2, $4, NULL, NULL), $5); }
  | LOCAL IDENT ':' type opt_by opt_init semi        { $$ = ast_var(A, @$, AST_VAR_LOCAL, $2, $4, $6, $5); }
  | bin semi                                         { $$ = ast_expr_stmt(A, @$, $1); }
  | bin assign_op expr semi                          { $$ = ast_assign(A, @$, $2, $1, $3); }
  | if_chain else_block                              { $$ = parse_if_close(ps, &$1, $2, @$); }
  | FOR for_vars IN expr launches block             { $$ = ast_with_clauses(A, ast_for(A, @$, $2, $4, $6), $5); }
  | WHILE expr block                                { $$ = ast_while(A, @$, $2, $3); }
  | RETURN ';'                                      { $$ = ast_return(A, @$, NULL); }
  | RETURN expr semi                                 { $$ = ast_return(A, @$, $2); }
  | BREAK ';'                                       { $$ = ast_jump(A, @$, AST_BREAK); }
  | CONTINUE ';'                                    { $$ = ast_jump(A, @$, AST_CONTINUE); }
  | block
  | IF error block else_part                        { $$ = ast_error(A, @$); }
  | FOR error block                                 { $$ = ast_error(A, @$); }
  | WHILE error block                               { $$ = ast_error(A, @$); }
  | error ';'                                       { $$ = ast_error(A, @$); yyerrok; }
  | ';'                                             { $$ = ast_block(A, @$, ast_list_empty()); }
  ;

/* A statement's ';'. When it is missing at the end of a line, the error has
 * been reported (see yyreport_syntax_error) and parsing resumes at once with
 * the next line, so that errors there are reported too. */
semi: ';'
  | error                         { if (parse_missing_semi_at_line_end(ps, &@$)) yyerrok; }
  ;

/* if c { } else if d { } ... : left-recursive, so that a chain of any
 * length takes constant parser stack (a right-recursive chain of 2,500
 * arms ran out of the 10,000 levels); parse_if_close nests the arms. */
if_chain: IF expr block             { $$ = ast_list_of(ast_if(A, @$, $2, $3, NULL)); }
  | if_chain ELSE IF expr block     { $$ = ast_list_push($1, ast_if(A, parse_from(@3, @$), $4, $5, NULL)); }
  | if_chain ELSE IF error block    { $$ = ast_list_push($1, ast_if(A, parse_from(@3, @$), ast_error(A, @4), $5, NULL)); }
  ;

else_block: %empty                { $$ = NULL; }
  | ELSE block                    { $$ = $2; }
  ;

/* else_part: the right-recursive form, kept for error recovery only. */
else_part: %empty                 { $$ = NULL; }
  | ELSE block                    { $$ = $2; }
  | ELSE IF expr block else_part  { $$ = ast_if(A, parse_from(@2, @$), $3, $4, $5); }
  ;

for_vars: IDENT                   { $$ = ast_list_of(ast_name(A, @1, $1)); }
  | for_vars ',' IDENT            { $$ = ast_list_push($1, ast_name(A, @3, $3)); }
  ;

assign_op: '='                    { $$ = AST_OP_ASSIGN; }
  | ADD_ASSIGN                    { $$ = AST_OP_ADD; }
  | SUB_ASSIGN                    { $$ = AST_OP_SUB; }
  | MUL_ASSIGN                    { $$ = AST_OP_MUL; }
  | DIV_ASSIGN                    { $$ = AST_OP_DIV; }
  | MOD_ASSIGN                    { $$ = AST_OP_MOD; }
  | AND_ASSIGN                    { $$ = AST_OP_BAND; }
  | OR_ASSIGN                     { $$ = AST_OP_BOR; }
  | XOR_ASSIGN                    { $$ = AST_OP_BXOR; }
  | SHL_ASSIGN                    { $$ = AST_OP_SHL; }
  | SHR_ASSIGN                    { $$ = AST_OP_SHR; }
  ;

/* expr = bin | if expr { expr } else { expr } | if ... else if ... */
expr: bin
  | if_expr
  ;

if_expr: IF expr '{' expr '}' ELSE '{' expr '}'   { $$ = parse_deep(ps, ast_if_expr(A, @$, $2, $4, $8)); }
  | IF expr '{' expr '}' ELSE if_expr             { $$ = parse_deep(ps, ast_if_expr(A, @$, $2, $4, $7)); }
  ;

/* binary and unary operators, by the precedence table above */
bin: postfix
  | bin LOR bin                   { $$ = parse_deep(ps, ast_binary(A, @$, AST_OP_LOR, $1, $3)); }
  | bin LAND bin                  { $$ = parse_deep(ps, ast_binary(A, @$, AST_OP_LAND, $1, $3)); }
  | bin EQ bin                    { $$ = parse_deep(ps, ast_binary(A, @$, AST_OP_EQ, $1, $3)); }
  | bin NE bin                    { $$ = parse_deep(ps, ast_binary(A, @$, AST_OP_NE, $1, $3)); }
  | bin '<' bin                   { $$ = parse_deep(ps, ast_binary(A, @$, AST_OP_LT, $1, $3)); }
  | bin '>' bin                   { $$ = parse_deep(ps, ast_binary(A, @$, AST_OP_GT, $1, $3)); }
  | bin LE bin                    { $$ = parse_deep(ps, ast_binary(A, @$, AST_OP_LE, $1, $3)); }
  | bin GE bin                    { $$ = parse_deep(ps, ast_binary(A, @$, AST_OP_GE, $1, $3)); }
  | bin '|' bin                   { $$ = parse_deep(ps, ast_binary(A, @$, AST_OP_BOR, $1, $3)); }
  | bin '^' bin                   { $$ = parse_deep(ps, ast_binary(A, @$, AST_OP_BXOR, $1, $3)); }
  | bin '&' bin                   { $$ = parse_deep(ps, ast_binary(A, @$, AST_OP_BAND, $1, $3)); }
  | bin SHL bin                   { $$ = parse_deep(ps, ast_binary(A, @$, AST_OP_SHL, $1, $3)); }
  | bin SHR bin                   { $$ = parse_deep(ps, ast_binary(A, @$, AST_OP_SHR, $1, $3)); }
  | bin '+' bin                   { $$ = parse_deep(ps, ast_binary(A, @$, AST_OP_ADD, $1, $3)); }
  | bin '-' bin                   { $$ = parse_deep(ps, ast_binary(A, @$, AST_OP_SUB, $1, $3)); }
  | bin '*' bin                   { $$ = parse_deep(ps, ast_binary(A, @$, AST_OP_MUL, $1, $3)); }
  | bin '/' bin                   { $$ = parse_deep(ps, ast_binary(A, @$, AST_OP_DIV, $1, $3)); }
  | bin '%' bin                   { $$ = parse_deep(ps, ast_binary(A, @$, AST_OP_MOD, $1, $3)); }
  | bin AS type                   { $$ = parse_deep(ps, ast_cast(A, @$, $1, $3)); }
  | '-' bin %prec UNARY           { $$ = parse_deep(ps, ast_unary(A, @$, AST_OP_NEG, $2)); }
  | '!' bin %prec UNARY           { $$ = parse_deep(ps, ast_unary(A, @$, AST_OP_NOT, $2)); }
  | '~' bin %prec UNARY           { $$ = parse_deep(ps, ast_unary(A, @$, AST_OP_BNOT, $2)); }
  | bin '?' bin ':' bin %prec '?' { $$ = parse_conditional(ps, @$, @2, $1, $3, $5); }
  | bin DOTDOT bin                { $$ = parse_range_op(ps, @$, @2, $1, $3); }
  ;

/* postfix = primary ( '(' args ')' | '[' expr, ... ']' | '.' NAME )* */
postfix: primary
  | postfix '(' args ')'          { $$ = parse_deep(ps, ast_call(A, @$, $1, $3)); }
  | postfix '[' expr_list ']'     { $$ = parse_deep(ps, ast_index(A, @$, $1, $3)); }
  | postfix '.' IDENT             { $$ = parse_deep(ps, ast_member(A, @$, $1, $3, @3)); }
  ;

primary: IDENT                    { $$ = ast_name(A, @$, $1); }
  | INT
  | FLOAT
  | STRING
  | TRUE                          { $$ = ast_bool(A, @$, true); }
  | FALSE                         { $$ = ast_bool(A, @$, false); }
  | '(' expr ')'                  { $$ = $2; $$->span = @$; }
  | '[' opt_expr_list ']'         { $$ = parse_deep(ps, ast_list_expr(A, @$, $2)); }
  ;

/* args = (expr | NAME '=' expr), ... [','] */
args: %empty                      { $$ = ast_list_empty(); }
  | arg_list
  | arg_list ','
  ;

arg_list: arg                     { $$ = ast_list_of($1); }
  | arg_list ',' arg              { $$ = ast_list_push($1, $3); }
  ;

arg: expr
  | IDENT '=' expr                { $$ = parse_deep(ps, ast_kwarg(A, @$, $1, $3)); }
  ;

expr_list: expr                   { $$ = ast_list_of($1); }
  | expr_list ',' expr            { $$ = ast_list_push($1, $3); }
  ;

opt_expr_list: %empty             { $$ = ast_list_empty(); }
  | expr_list
  | expr_list ','
  ;

%%

#include "lexer.h"

/* `semi: error` was reduced. When the error was a ';' missing at the end of
 * a line, the statement is complete: the caller resumes parsing at once with
 * the next line (yyerrok), and the statement's span stops after its last
 * token rather than at the next line's first. Otherwise bison's usual
 * recovery goes on. */
static bool parse_missing_semi_at_line_end(parse_state *ps, span *loc) {
  bool at_end = ps->missing_semi;
  if (at_end)
    loc->begin = loc->end = ps->prev_end;
  ps->missing_semi = false;
  return at_end;
}

/* An operator of another language (see the precedence table): reported at
 * the operator, and the whole expression becomes an error node, which the
 * checker accepts silently. */
static ast_node *parse_not_hdt(parse_state *ps, span whole, span op, const char *msg) {
  diag_error(ps->diag, op, "%s", msg);
  return ast_error(A, whole);
}

/* `c ? a : b`: reported once per chain, by its innermost '?' (reduced
 * first); an operand already turned into an error was reported. */
static ast_node *parse_conditional(parse_state *ps, span whole, span op, const ast_node *c,
                                   const ast_node *a, const ast_node *b) {
  if (c->kind == AST_ERROR || a->kind == AST_ERROR || b->kind == AST_ERROR)
    return ast_error(A, whole);
  return parse_not_hdt(ps, whole, op, PARSE_NO_CONDITIONAL);
}

/* The source text of a node, when short and on one line, else `alt`. */
static const char *parse_text_of(parse_state *ps, const ast_node *n, const char *alt) {
  const source_file *f = diag_source(ps->diag, ps->file);
  uint32_t len = n->span.end - n->span.begin;
  if (len == 0 || len > 40 || n->span.end > f->len)
    return alt;
  for (uint32_t i = 0; i < len; i++)
    if (f->text[n->span.begin + i] < 0x20 || f->text[n->span.begin + i] >= 0x7F)
      return alt;
  return arena_printf(A, "%.*s", (int)len, f->text + n->span.begin);
}

/* `lo..hi`: the range is range(hi) or range(lo, hi), written with the
 * operands the user wrote. */
static ast_node *parse_range_op(parse_state *ps, span whole, span op, const ast_node *lo,
                                const ast_node *hi) {
  const char *h = parse_text_of(ps, hi, "n");
  bool from_zero = lo->kind == AST_INT && lo->int_.value == 0;
  const char *fix = from_zero ? arena_printf(A, "range(%s)", h)
                              : arena_printf(A, "range(%s, %s)", parse_text_of(ps, lo, "a"), h);
  return parse_not_hdt(ps, whole, op, arena_printf(A, "'..' is not hdt; write the range as '%s'", fix));
}

/* A span from the start of `first` to the end of `whole`. */
static span parse_from(span first, span whole) {
  span s = whole;
  s.begin = first.begin;
  return s;
}

/* Nests the arms of an if / else if chain: each arm's else is the next arm
 * (the last one's the final else block, if any), and each arm's span runs
 * from its `if` to the end of the whole statement. */
static ast_node *parse_if_close(parse_state *ps, ast_list *arms, ast_node *els, span whole) {
  (void)ps;
  for (int i = arms->len - 1; i >= 0; i--) {
    ast_node *arm = arms->items[i];
    arm->if_.els = els;
    arm->span.end = whole.end;
    els = arm;
  }
  els->span = whole;
  ast_list_discard(arms);
  return els;
}

/* An expression's depth in the AST, which the recursive stages (sema,
 * uniformity, lowering, emitters, dumps) walk on the C stack: a left-
 * associative chain (1 + 1 + ... or x as i32 as f32 ...) is flat in the
 * source but as deep as it is long. One limit for every expression keeps
 * them all safe; the node that goes over becomes an error node (with the
 * depth at the limit, so that the rest of the chain is not reported again). */
static int parse_depth_of(const ast_node *n) { return n ? n->depth : 0; }

static int parse_list_depth(const ast_list *l) {
  int d = 0;
  for (int i = 0; i < l->len; i++)
    if (parse_depth_of(l->items[i]) > d)
      d = parse_depth_of(l->items[i]);
  return d;
}

static ast_node *parse_deep(parse_state *ps, ast_node *n) {
  int d = 0;
  switch (n->kind) {
  case AST_BINARY: d = parse_depth_of(n->binary.lhs); if (parse_depth_of(n->binary.rhs) > d) d = parse_depth_of(n->binary.rhs); break;
  case AST_UNARY: d = parse_depth_of(n->unary.operand); break;
  case AST_CAST: d = parse_depth_of(n->cast.expr); break;
  case AST_CALL: d = parse_depth_of(n->call.callee); if (parse_list_depth(&n->call.args) > d) d = parse_list_depth(&n->call.args); break;
  case AST_INDEX: d = parse_depth_of(n->index.base); if (parse_list_depth(&n->index.indices) > d) d = parse_list_depth(&n->index.indices); break;
  case AST_MEMBER: d = parse_depth_of(n->member.base); break;
  case AST_KWARG: d = parse_depth_of(n->kwarg.value); break;
  case AST_LIST: d = parse_list_depth(&n->list.items); break;
  case AST_IF_EXPR:
    d = parse_depth_of(n->if_expr.cond);
    if (parse_depth_of(n->if_expr.then) > d) d = parse_depth_of(n->if_expr.then);
    if (parse_depth_of(n->if_expr.els) > d) d = parse_depth_of(n->if_expr.els);
    break;
  default: break;
  }
  n->depth = d + 1;
  if (n->depth <= AST_MAX_EXPR_DEPTH)
    return n;
  if (d == AST_MAX_EXPR_DEPTH)
    diag_error(ps->diag, n->span, "expression nested too deeply: more than %d levels of operators, "
               "casts, calls or indexing (split it with 'let')", AST_MAX_EXPR_DEPTH);
  ast_node *e = ast_error(A, n->span);
  e->depth = AST_MAX_EXPR_DEPTH + 1;
  return e;
}

/* The text of the offending token, for the message: its source bytes (cut
 * when long), or "end of file". */
static const char *parse_token_text(parse_state *ps, span where, yysymbol_kind_t token) {
  if (token == YYSYMBOL_YYEOF)
    return "end of file";
  const source_file *f = diag_source(ps->diag, ps->file);
  uint32_t len = where.end - where.begin;
  bool printable = len > 0;
  for (uint32_t i = 0; i < len && printable; i++)
    printable = f->text[where.begin + i] >= 0x20 && f->text[where.begin + i] < 0x7F;
  if (!printable)
    return yysymbol_name(token);
  if (len > 24)
    return arena_printf(A, "'%.20s...'", f->text + where.begin);
  return arena_printf(A, "'%.*s'", (int)len, f->text + where.begin);
}

static bool parse_expects(const yysymbol_kind_t *expected, int n, yysymbol_kind_t sym) {
  for (int i = 0; i < n; i++)
    if (expected[i] == sym)
      return true;
  return false;
}

/* "expected X or Y before Z" when few tokens fit, else "unexpected Z". A
 * missing ';' at a line's end is reported after the previous token, where
 * it belongs, rather than at the start of the next line. */
static int yyreport_syntax_error(const yypcontext_t *ctx, parse_state *ps, void *scanner) {
  (void)scanner;
  enum { MAX_LISTED = 4 };
  yysymbol_kind_t expected[YYNTOKENS];
  int n = yypcontext_expected_tokens(ctx, expected, YYNTOKENS);
  yysymbol_kind_t token = yypcontext_token(ctx);
  span where = *yypcontext_location(ctx);
  const char *got = parse_token_text(ps, where, token);

  const source_file *f = diag_source(ps->diag, ps->file);
  bool at_line_end = false;
  for (uint32_t i = ps->prev_end; i < where.begin && i < f->len; i++)
    at_line_end |= f->text[i] == '\n';

  if (ps->question_open && parse_expects(expected, n, YYTRANSLATE(':'))) {
    /* `c ? a` without its ':' still is C's conditional, not hdt */
    ps->question_open = false;
    diag_error(ps->diag, ps->question, "%s", PARSE_NO_CONDITIONAL);
  } else if (token == YYSYMBOL_YYEOF && parse_expects(expected, n, YYTRANSLATE('}'))) {
    diag_error(ps->diag, where, "expected '}' before end of file");
  } else if (parse_expects(expected, n, YYTRANSLATE(';')) && at_line_end) {
    span after_previous = {ps->file, ps->prev_end, ps->prev_end};
    ps->missing_semi = true;
    diag_error(ps->diag, after_previous, "expected ';' at the end of the statement");
  } else if (parse_expects(expected, n, YYSYMBOL_IDENT) && parse_expects(expected, n, YYSYMBOL_INT)) {
    diag_error(ps->diag, where, "expected an expression before %s", got);
  } else if (n <= 0 || n > MAX_LISTED) {
    diag_error(ps->diag, where, "unexpected %s", got);
  } else {
    char list[256] = "";
    size_t used = 0;
    for (int i = 0; i < n; i++) {
      const char *sep = i == 0 ? "" : i == n - 1 ? " or " : ", ";
      int w = snprintf(list + used, sizeof list - used, "%s%s", sep, yysymbol_name(expected[i]));
      used += w > 0 && (size_t)w < sizeof list - used ? (size_t)w : 0;
    }
    diag_error(ps->diag, where, "expected %s before %s", list, got);
  }
  /* Default reductions have already closed the condition of an if or a
   * while by the time a stray '=' is seen, so '{' is what is expected. */
  if (token == YYTRANSLATE('=') && parse_expects(expected, n, YYTRANSLATE('{')))
    diag_note(ps->diag, where, "'=' assigns; use '==' to compare");
  return 0;
}

static parse_state parse_run(arena *a, diag_ctx *d, uint32_t file, int start_token) {
  parse_state ps = {.arena = a, .diag = d, .file = file, .start_token = start_token};
  const source_file *f = diag_source(d, file);
  yyscan_t scanner;
  if (yylex_init_extra(&ps, &scanner) != 0) {
    diag_error_noloc(d, "cannot initialise the scanner");
    return ps;
  }
  YY_BUFFER_STATE buf = yy_scan_bytes(f->text, (int)f->len, scanner);
  int status = yyparse(&ps, scanner);
  yy_delete_buffer(buf, scanner);
  yylex_destroy(scanner);
  (void)status; /* 1 and 2 (too deep) were reported through yyerror */
  return ps;
}

ast_node *parse_file(arena *a, diag_ctx *d, uint32_t file) {
  parse_state ps = parse_run(a, d, file, START_MODULE);
  if (!ps.module) { /* the parse was aborted: keep a well-formed, empty tree */
    span all = {file, 0, (uint32_t)diag_source(d, file)->len};
    ps.module = ast_module(a, all, ast_list_empty(), diag_source(d, file)->name);
  }
  return ps.module;
}

ast_node *parse_expr(arena *a, diag_ctx *d, uint32_t file) {
  int errors = d->nerrors;
  parse_state ps = parse_run(a, d, file, START_EXPR);
  return d->nerrors == errors ? ps.expr : NULL;
}
