/* parse.h: the front end's entry point, and the state the scanner and the
 * parser share.
 *
 * The flex scanner is reentrant and the bison parser pure: all their state is
 * in one parse_state, so several files can be parsed in one process (imports)
 * and nothing is global. */
#ifndef HDT_PARSE_H
#define HDT_PARSE_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"

typedef struct parse_state {
  arena *arena;
  diag_ctx *diag;
  uint32_t file;
  uint32_t pos;       /* scanner position, a byte offset */
  uint32_t last_end;  /* end of the last token returned */
  uint32_t prev_end;  /* end of the token before it: where a missing ';' goes */
  bool missing_semi;  /* the last syntax error was a ';' missing at a line's end */
  bool question_open; /* a '?' was read and no ':' or ';' since: a broken C
                         conditional is reported as such */
  span question;      /* where that '?' is */
  bool question_semi; /* a ';' followed it: it closes on the next token */
  ast_node *module;
  ast_node *expr;      /* the result when parsing a lone expression */
  int start_token;     /* returned first by the scanner: selects what to parse */
} parse_state;

/* Parses one loaded source file. Always returns a module (possibly with
 * AST_ERROR nodes where recovery dropped constructs); syntax errors are
 * reported through the diagnostics context. */
ast_node *parse_file(arena *a, diag_ctx *d, uint32_t file);

/* Parses a whole file as one expression (for -D values and
 * --explain-mapping); NULL after a reported syntax error. */
ast_node *parse_expr(arena *a, diag_ctx *d, uint32_t file);

/* The value of an integer literal's text (decimal, 0x hex, 0b binary, with
 * '_' separators); false when it does not fit in 64 bits. */
bool lex_parse_int(const char *text, uint64_t *value);

#endif
