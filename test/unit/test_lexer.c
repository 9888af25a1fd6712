/* test_lexer.c: the scanner, through parse_file and lex_parse_int.
 *
 * Sources are loaded with diag_add_source and parsed with parse_file; the
 * diagnostics go to an open_memstream buffer, so a test checks both the
 * tree (literal values, names, spans) and the exact messages. */
#define _POSIX_C_SOURCE 200809L
#include "parse.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- fixture: one arena, one diagnostics context writing to memory ----- */

static arena *A;
static diag_ctx D;
static FILE *out;
static char *out_buf;
static size_t out_len;

static void setup(void) {
  A = arena_new();
  out = open_memstream(&out_buf, &out_len);
  cr_assert_not_null(out);
  diag_init(&D, A, out);
}

static void teardown(void) {
  fclose(out);
  free(out_buf);
  diag_fini(&D);
  arena_free(A);
}

/* What has been reported so far. */
static const char *diags(void) {
  fflush(out);
  return out_buf ? out_buf : "";
}

static ast_node *parse_n(const char *src, size_t len) {
  uint32_t file = diag_add_source(&D, "t.hdt", src, len);
  ast_node *m = parse_file(A, &D, file);
  cr_assert_not_null(m);
  cr_assert_eq(m->kind, AST_MODULE);
  return m;
}

static ast_node *parse(const char *src) { return parse_n(src, strlen(src)); }

/* Parses src, which must be valid, and returns its i-th declaration. */
static ast_node *decl(const char *src, int i) {
  ast_node *m = parse(src);
  cr_assert_eq(D.nerrors, 0, "unexpected errors for \"%s\":\n%s", src, diags());
  cr_assert_gt(m->module.decls.len, i);
  return m->module.decls.items[i];
}

/* The value of the only const declared by src. */
static ast_node *const_value(const char *src) {
  ast_node *c = decl(src, 0);
  cr_assert_eq(c->kind, AST_CONST);
  return c->konst.value;
}

static const ast_node *list_item(const ast_node *list, int i) {
  cr_assert_eq(list->kind, AST_LIST);
  cr_assert_gt(list->list.items.len, i);
  return list->list.items.items[i];
}

/* ---- lex_parse_int ------------------------------------------------------ */

static uint64_t parsed(const char *text) {
  uint64_t v = 12345;
  cr_assert(lex_parse_int(text, &v), "lex_parse_int(\"%s\") failed", text);
  return v;
}

static void overflows(const char *text) {
  uint64_t v = 0;
  cr_assert_not(lex_parse_int(text, &v), "lex_parse_int(\"%s\") should overflow", text);
}

Test(lex_parse_int, decimal) {
  cr_expect_eq(parsed("0"), 0);
  cr_expect_eq(parsed("7"), 7);
  cr_expect_eq(parsed("42"), 42);
  cr_expect_eq(parsed("007"), 7);
  cr_expect_eq(parsed("4294967296"), UINT64_C(4294967296));
}

Test(lex_parse_int, hexadecimal) {
  cr_expect_eq(parsed("0x0"), 0);
  cr_expect_eq(parsed("0xff"), 255);
  cr_expect_eq(parsed("0XFF"), 255);
  cr_expect_eq(parsed("0xaBcDeF"), 0xABCDEF);
  cr_expect_eq(parsed("0x7fffffffffffffff"), UINT64_C(0x7fffffffffffffff));
}

Test(lex_parse_int, binary) {
  cr_expect_eq(parsed("0b0"), 0);
  cr_expect_eq(parsed("0b1"), 1);
  cr_expect_eq(parsed("0B1010"), 10);
  cr_expect_eq(parsed("0b10000000000000000000000000000000"), UINT64_C(1) << 31);
}

Test(lex_parse_int, separators) {
  cr_expect_eq(parsed("1_000_000"), 1000000);
  cr_expect_eq(parsed("1_2_3"), 123);
  cr_expect_eq(parsed("0xdead_beef"), UINT64_C(0xdeadbeef));
  cr_expect_eq(parsed("0b1111_0000"), 0xf0);
  cr_expect_eq(parsed("18_446_744_073_709_551_615"), UINT64_MAX);
}

Test(lex_parse_int, exactly_uint64_max) {
  cr_expect_eq(parsed("18446744073709551615"), UINT64_MAX);
  cr_expect_eq(parsed("0xffffffffffffffff"), UINT64_MAX);
  cr_expect_eq(parsed("0xFFFF_FFFF_FFFF_FFFF"), UINT64_MAX);
  cr_expect_eq(parsed("0b1111111111111111111111111111111111111111111111111111111111111111"),
               UINT64_MAX);
  cr_expect_eq(parsed("18446744073709551614"), UINT64_MAX - 1);
}

Test(lex_parse_int, overflow) {
  overflows("18446744073709551616"); /* UINT64_MAX + 1: only the last digit overflows */
  overflows("18446744073709551619");
  overflows("18446744073709551620");
  overflows("99999999999999999999");
  overflows("100000000000000000000");
  overflows("0x10000000000000000");
  overflows("0x1_0000_0000_0000_0000");
  overflows("0b10000000000000000000000000000000000000000000000000000000000000000");
}

/* ---- integers and floats in the tree ------------------------------------ */

Test(lexer, int_literals_in_the_tree, .init = setup, .fini = teardown) {
  const ast_node *l = const_value("const a = [0, 42, 0x2A, 0b101010, 4_2, 18446744073709551615];");
  cr_assert_eq(l->list.items.len, 6);
  const uint64_t want[] = {0, 42, 42, 42, 42, UINT64_MAX};
  const char *text[] = {"0", "42", "0x2A", "0b101010", "4_2", "18446744073709551615"};
  for (int i = 0; i < 6; i++) {
    const ast_node *n = list_item(l, i);
    cr_assert_eq(n->kind, AST_INT, "item %d", i);
    cr_expect_eq(n->int_.value, want[i], "item %d", i);
    cr_expect_str_eq(n->int_.text, text[i], "item %d", i);
  }
  /* spans are byte ranges of the token: "0x2A" is bytes 18..22 */
  cr_expect_eq(list_item(l, 2)->span.begin, 18);
  cr_expect_eq(list_item(l, 2)->span.end, 22);
  cr_expect_str_eq(diags(), "");
}

Test(lexer, int_too_large, .init = setup, .fini = teardown) {
  ast_node *m = parse("const a = 18446744073709551616;\nconst b = 0x1_0000_0000_0000_0000;\n");
  cr_expect_eq(D.nerrors, 2);
  cr_expect_str_eq(diags(),
                   "t.hdt:1:11: error: integer literal '18446744073709551616' is too large for 64 bits\n"
                   "const a = 18446744073709551616;\n"
                   "          ^~~~~~~~~~~~~~~~~~~~\n"
                   "t.hdt:2:11: error: integer literal '0x1_0000_0000_0000_0000' is too large for 64 bits\n"
                   "const b = 0x1_0000_0000_0000_0000;\n"
                   "          ^~~~~~~~~~~~~~~~~~~~~~~\n");
  /* the literal still parses: both declarations are in the tree */
  cr_assert_eq(m->module.decls.len, 2);
  cr_expect_eq(m->module.decls.items[0]->kind, AST_CONST);
  cr_expect_eq(m->module.decls.items[0]->konst.value->kind, AST_INT);
  cr_expect_eq(m->module.decls.items[1]->kind, AST_CONST);
}

Test(lexer, invalid_suffix, .init = setup, .fini = teardown) {
  ast_node *m = parse("const a = 12ab;\nconst b = 0x;\n");
  cr_expect_eq(D.nerrors, 2);
  cr_expect_str_eq(diags(), "t.hdt:1:11: error: invalid suffix on numeric literal '12ab'\n"
                            "const a = 12ab;\n"
                            "          ^~~~\n"
                            "t.hdt:2:11: error: invalid suffix on numeric literal '0x'\n"
                            "const b = 0x;\n"
                            "          ^~\n");
  cr_assert_eq(m->module.decls.len, 2);
  cr_expect_eq(m->module.decls.items[0]->konst.value->kind, AST_INT);
}

static void expect_float(const char *literal, double value, const char *text) {
  char src[128];
  snprintf(src, sizeof src, "const f = %s;", literal);
  const ast_node *f = const_value(src);
  cr_assert_eq(f->kind, AST_FLOAT, "%s", literal);
  cr_expect_eq(f->float_.value, value, "%s: got %.17g, want %.17g", literal, f->float_.value, value);
  cr_expect_str_eq(f->float_.text, text, "%s", literal);
  cr_expect_eq(f->span.begin, 10, "%s", literal);
  cr_expect_eq(f->span.end, 10 + strlen(literal), "%s", literal);
}

Test(lexer, float_values, .init = setup, .fini = teardown) {
  expect_float("0.0", 0.0, "0.0");
  expect_float("1.5", 1.5, "1.5");
  expect_float("0.1", 0.1, "0.1");
  expect_float("1e3", 1000.0, "1e3");
  expect_float("1E3", 1000.0, "1E3");
  expect_float("2.5e-3", 2.5e-3, "2.5e-3");
  expect_float("6.02e+23", 6.02e23, "6.02e+23");
  expect_float("1_000.000_1", 1000.0001, "1000.0001");
  expect_float("3.141_592_653_589_793", 3.141592653589793, "3.141592653589793");
  expect_float("1e1_0", 1e10, "1e10");
  expect_float("1.7976931348623157e308", 1.7976931348623157e308, "1.7976931348623157e308");
  cr_expect_str_eq(diags(), "");
}

Test(lexer, float_out_of_range, .init = setup, .fini = teardown) {
  parse("const f = 1e999;\n");
  cr_expect_eq(D.nerrors, 1);
  cr_expect_str_eq(diags(), "t.hdt:1:11: error: floating-point literal '1e999' is out of range\n"
                            "const f = 1e999;\n"
                            "          ^~~~~\n");
}

Test(lexer, int_dot_is_not_a_float, .init = setup, .fini = teardown) {
  /* `1.x` is a member access on an integer: a float needs a digit after
   * the '.' */
  const ast_node *v = const_value("const a = 1.x;");
  cr_assert_eq(v->kind, AST_MEMBER);
  cr_expect_str_eq(v->member.name, "x");
  cr_expect_eq(v->member.base->kind, AST_INT);
}

/* ---- comments ----------------------------------------------------------- */

static void expect_one_const(const char *src, uint64_t value) {
  ast_node *m = parse(src);
  cr_assert_eq(D.nerrors, 0, "errors for \"%s\":\n%s", src, diags());
  cr_assert_eq(m->module.decls.len, 1, "\"%s\"", src);
  ast_node *c = m->module.decls.items[0];
  cr_assert_eq(c->kind, AST_CONST, "\"%s\"", src);
  cr_assert_eq(c->konst.value->kind, AST_INT, "\"%s\"", src);
  cr_expect_eq(c->konst.value->int_.value, value, "\"%s\"", src);
}

Test(lexer, line_comments, .init = setup, .fini = teardown) {
  expect_one_const("// const x = 1;\nconst a = 2; // const b = 3;\n// last", 2);
  expect_one_const("const a = 4 // ; /* not a block comment\n;", 4);
  expect_one_const("const a = 5;//", 5);
}

Test(lexer, block_comments, .init = setup, .fini = teardown) {
  expect_one_const("/* const x = 1; */ const a = /* 2 */ 3;", 3);
  expect_one_const("/* a * b ** c / d */ const a = 6;", 6);
  expect_one_const("/**/ /***/ /****/ const a = 7; /* * / */", 7);
  expect_one_const("/* one\n * two\n */\nconst a = 8;", 8);
  expect_one_const("/* // */ const a = 9;", 9);
  expect_one_const("const a /* between */ = /*\n*/ 10 /**/;", 10);
  cr_expect_str_eq(diags(), "");
}

Test(lexer, block_comment_keeps_lines, .init = setup, .fini = teardown) {
  /* a multi-line comment does not shift the lines of what follows */
  ast_node *c = decl("/* 1\n2\n3 */ const a = 1;", 0);
  uint32_t line, col;
  diag_line_col(diag_source(&D, 0), c->span.begin, &line, &col);
  cr_expect_eq(line, 3);
  cr_expect_eq(col, 6);
}

Test(lexer, unterminated_block_comment, .init = setup, .fini = teardown) {
  ast_node *m = parse("const a = 1;\nconst b = 2; /* not closed * /\nconst c = 3;\n");
  cr_expect_eq(D.nerrors, 1);
  cr_expect_str_eq(diags(), "t.hdt:2:14: error: unterminated comment\n"
                            "const b = 2; /* not closed * /\n"
                            "             ^~\n");
  /* what is before the comment is kept */
  cr_expect_eq(m->module.decls.len, 2);
}

Test(lexer, unterminated_block_comment_at_end, .init = setup, .fini = teardown) {
  parse("const a = 1; /*");
  cr_expect_eq(D.nerrors, 1);
  cr_expect_str_eq(diags(), "t.hdt:1:14: error: unterminated comment\n"
                            "const a = 1; /*\n"
                            "             ^~\n");
}

/* ---- keywords and identifiers ------------------------------------------- */

Test(lexer, keyword_prefixes_are_identifiers, .init = setup, .fini = teardown) {
  const char *names[] = {"iff",    "for_", "in2",   "as_",    "letx", "_",      "True",
                         "IF",     "inn",  "byx",   "fn_",    "constant", "kernels", "returns",
                         "elsewhere", "while0", "_if", "globals", "shared_", "localx"};
  enum { N = sizeof names / sizeof *names };
  char src[512] = "const x = [";
  for (int i = 0; i < N; i++) {
    strcat(src, names[i]);
    strcat(src, i + 1 < N ? ", " : "];");
  }
  const ast_node *l = const_value(src);
  cr_assert_eq(l->list.items.len, N);
  for (int i = 0; i < N; i++) {
    const ast_node *n = list_item(l, i);
    cr_assert_eq(n->kind, AST_NAME, "%s", names[i]);
    cr_expect_str_eq(n->name.name, names[i]);
    cr_expect_eq(n->span.end - n->span.begin, strlen(names[i]), "%s", names[i]);
  }
}

Test(lexer, identifier_as_declared_name, .init = setup, .fini = teardown) {
  ast_node *c = decl("const iff = for_;", 0);
  cr_expect_str_eq(c->konst.name, "iff");
  cr_expect_str_eq(c->konst.value->name.name, "for_");
}

Test(lexer, keywords_are_not_identifiers, .init = setup, .fini = teardown) {
  parse("const for = 1;\n");
  cr_expect_eq(D.nerrors, 1);
  cr_expect_str_eq(diags(), "t.hdt:1:7: error: expected identifier before 'for'\n"
                            "const for = 1;\n"
                            "      ^~~\n");
}

Test(lexer, true_and_false, .init = setup, .fini = teardown) {
  const ast_node *l = const_value("const b = [true, false, true_];");
  cr_expect_eq(list_item(l, 0)->kind, AST_BOOL);
  cr_expect(list_item(l, 0)->bool_.value);
  cr_expect_eq(list_item(l, 1)->kind, AST_BOOL);
  cr_expect_not(list_item(l, 1)->bool_.value);
  cr_expect_eq(list_item(l, 2)->kind, AST_NAME);
}

Test(lexer, longest_operator_match, .init = setup, .fini = teardown) {
  /* without spaces, `a<<=b` is one '<<=' token (not '<<' '=' or '<' '<='),
   * and `a<<b>>c` two shifts */
  ast_node *f = decl("fn f() { a<<=b; c>>=d; e = a<<b>>c; }", 0);
  ast_list *s = &f->func.body->block.stmts;
  cr_assert_eq(s->len, 3);
  cr_expect_eq(s->items[0]->kind, AST_ASSIGN);
  cr_expect_eq(s->items[0]->assign.op, AST_OP_SHL);
  cr_expect_eq(s->items[1]->assign.op, AST_OP_SHR);
  const ast_node *v = s->items[2]->assign.value;
  cr_assert_eq(v->kind, AST_BINARY);
  cr_expect_eq(v->binary.op, AST_OP_SHR);
  cr_expect_eq(v->binary.lhs->binary.op, AST_OP_SHL);
}

/* ---- strings ------------------------------------------------------------ */

Test(lexer, string_escapes, .init = setup, .fini = teardown) {
  const ast_node *s = const_value("const s = \"a\\\"b\\\\c\\nd\\te\";");
  cr_assert_eq(s->kind, AST_STRING);
  cr_expect_str_eq(s->string.value, "a\"b\\c\nd\te");
  cr_expect_eq(s->span.begin, 10);
  cr_expect_eq(s->span.end, 25);
}

Test(lexer, string_plain_and_empty, .init = setup, .fini = teardown) {
  const ast_node *l = const_value("const s = [\"\", \"plain text\", \"// not a comment\", \"/* nor this\", \"é∀\"];");
  cr_expect_str_eq(list_item(l, 0)->string.value, "");
  cr_expect_str_eq(list_item(l, 1)->string.value, "plain text");
  cr_expect_str_eq(list_item(l, 2)->string.value, "// not a comment");
  cr_expect_str_eq(list_item(l, 3)->string.value, "/* nor this");
  cr_expect_str_eq(list_item(l, 4)->string.value, "é∀");
}

Test(lexer, string_nul_escape, .init = setup, .fini = teardown) {
  /* \0 is rejected (a string is an import path); the rest of the string
   * is kept, the escape as its character */
  ast_node *m = parse("const s = \"ab\\0c\";");
  cr_expect_eq(D.nerrors, 1);
  cr_assert_eq(m->module.decls.len, 1);
  const ast_node *s = m->module.decls.items[0]->konst.value;
  cr_assert_eq(s->kind, AST_STRING);
  cr_expect_str_eq(s->string.value, "ab0c");
}

Test(lexer, string_unknown_escape, .init = setup, .fini = teardown) {
  parse("const s = \"x\\qy\\z\";\n");
  cr_expect_eq(D.nerrors, 2);
  cr_expect_str_eq(diags(), "t.hdt:1:13: error: unknown escape sequence '\\q' in string literal\n"
                            "const s = \"x\\qy\\z\";\n"
                            "            ^~\n"
                            "t.hdt:1:16: error: unknown escape sequence '\\z' in string literal\n"
                            "const s = \"x\\qy\\z\";\n"
                            "               ^~\n");
}

Test(lexer, string_unterminated, .init = setup, .fini = teardown) {
  ast_node *m = parse("const s = \"abc;\nconst t = 1;\n");
  cr_expect_str_eq(diags(), "t.hdt:1:11: error: unterminated string literal\n"
                            "const s = \"abc;\n"
                            "          ^~~~~\n"
                            "t.hdt:1:16: error: expected ';' at the end of the statement\n"
                            "const s = \"abc;\n"
                            "               ^\n");
  cr_expect_eq(D.nerrors, 2);
  /* scanning goes on with the next line */
  cr_assert_eq(m->module.decls.len, 2);
  cr_expect_str_eq(m->module.decls.items[1]->konst.name, "t");
  cr_expect_str_eq(m->module.decls.items[0]->konst.value->string.value, "abc;");
}

/* ---- bad characters ----------------------------------------------------- */

Test(lexer, stray_characters, .init = setup, .fini = teardown) {
  ast_node *m = parse("const a = @b;\n");
  cr_expect_eq(D.nerrors, 1);
  cr_expect_str_eq(diags(), "t.hdt:1:11: error: unexpected character '@'\n"
                            "const a = @b;\n"
                            "          ^\n");
  cr_expect_str_eq(m->module.decls.items[0]->konst.value->name.name, "b");
}

Test(lexer, non_ascii_identifier, .init = setup, .fini = teardown) {
  ast_node *m = parse("const caf\xc3\xa9 = 1;\n");
  cr_expect_eq(D.nerrors, 1);
  cr_expect_str_eq(diags(), "t.hdt:1:10: error: unexpected character '\xc3\xa9' (non-ASCII "
                            "characters may appear only in comments and strings)\n"
                            "const caf\xc3\xa9 = 1;\n"
                            "         ^\n");
  cr_expect_str_eq(m->module.decls.items[0]->konst.name, "caf");
}

Test(lexer, nul_byte, .init = setup, .fini = teardown) {
  static const char src[] = "const a = 1\0;\nconst b = 2;\n";
  ast_node *m = parse_n(src, sizeof src - 1);
  cr_expect_eq(D.nerrors, 1);
  cr_expect_str_eq(diags(), "t.hdt:1:12: error: unexpected byte 0x00\n"
                            "const a = 1<00>;\n"
                            "           ^~~~\n");
  /* the NUL does not end the file */
  cr_expect_eq(m->module.decls.len, 2);
}

Test(lexer, empty_and_blank_sources, .init = setup, .fini = teardown) {
  ast_node *m = parse("");
  cr_expect_eq(m->module.decls.len, 0);
  m = parse(" \t\r\n\f\v\n// only a comment");
  cr_expect_eq(m->module.decls.len, 0);
  cr_expect_eq(D.nerrors, 0);
  cr_expect_str_eq(diags(), "");
}
