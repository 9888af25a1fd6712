/* test_diag.c: source tables, line/column computation, the rendering of
 * the source line under a diagnostic, and diag_report's format, counters
 * and error cap (compiler/diag.h). Output goes to an open_memstream buffer
 * and is compared byte for byte. */
#define _POSIX_C_SOURCE 200809L
#include "diag.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static const char *output(void) {
  fflush(out);
  return out_buf ? out_buf : "";
}

static uint32_t add_n(const char *text, size_t len) { return diag_add_source(&D, "t.hdt", text, len); }
static uint32_t add(const char *text) { return add_n(text, strlen(text)); }

static span at(uint32_t file, uint32_t begin, uint32_t end) { return (span){file, begin, end}; }

/* The snippet for [begin, end) in a file holding text. */
static const char *snippet_n(const char *text, size_t len, uint32_t begin, uint32_t end) {
  uint32_t f = add_n(text, len);
  fflush(out);
  size_t before = out_len;
  diag_render_snippet(out, diag_source(&D, f), at(f, begin, end));
  fflush(out);
  return out_buf + before;
}

static const char *snippet(const char *text, uint32_t begin, uint32_t end) {
  return snippet_n(text, strlen(text), begin, end);
}

/* ---- diag_add_source and diag_line_col ---------------------------------- */

static void expect_line_col(uint32_t file, uint32_t offset, uint32_t line, uint32_t col) {
  uint32_t l = 0, c = 0;
  diag_line_col(diag_source(&D, file), offset, &l, &c);
  cr_expect(l == line && c == col, "offset %u: got %u:%u, want %u:%u", offset, l, c, line, col);
}

Test(diag, add_source_copies_text, .init = setup, .fini = teardown) {
  char text[] = "ab\ncd";
  uint32_t f = add(text);
  uint32_t g = diag_add_source(&D, "other.hdt", "x", 1);
  text[0] = 'X';
  const source_file *s = diag_source(&D, f);
  cr_assert_not_null(s);
  cr_expect_str_eq(s->text, "ab\ncd");
  cr_expect_str_eq(s->name, "t.hdt");
  cr_expect_eq(s->len, 5);
  cr_expect_eq(s->nlines, 2);
  cr_expect_eq(g, f + 1);
  cr_expect_str_eq(diag_source(&D, g)->name, "other.hdt");
  cr_expect_null(diag_source(&D, g + 1));
}

Test(diag, add_source_keeps_nul_bytes, .init = setup, .fini = teardown) {
  uint32_t f = add_n("a\0b\nc", 5);
  const source_file *s = diag_source(&D, f);
  cr_expect_eq(s->len, 5);
  cr_expect_eq(memcmp(s->text, "a\0b\nc", 6), 0); /* and NUL-terminated */
  cr_expect_eq(s->nlines, 2);
  expect_line_col(f, 4, 2, 1);
}

Test(diag, line_col_first_middle_last, .init = setup, .fini = teardown) {
  /* lines: "ab" "cd" "" "ef" (no final newline) */
  uint32_t f = add("ab\ncd\n\nef");
  cr_expect_eq(diag_source(&D, f)->nlines, 4);
  expect_line_col(f, 0, 1, 1);
  expect_line_col(f, 1, 1, 2);
  expect_line_col(f, 2, 1, 3); /* the '\n' ends its own line */
  expect_line_col(f, 3, 2, 1);
  expect_line_col(f, 4, 2, 2);
  expect_line_col(f, 5, 2, 3);
  expect_line_col(f, 6, 3, 1); /* the empty line */
  expect_line_col(f, 7, 4, 1);
  expect_line_col(f, 8, 4, 2);
}

Test(diag, line_col_last_line_without_newline, .init = setup, .fini = teardown) {
  uint32_t f = add("x\nlast");
  expect_line_col(f, 2, 2, 1);
  expect_line_col(f, 5, 2, 4);
  expect_line_col(f, 6, 2, 5); /* offset == len: just past the last byte */
}

Test(diag, line_col_at_end_of_file, .init = setup, .fini = teardown) {
  /* offset == len after a final newline is the start of an empty last line */
  uint32_t f = add("ab\ncd\n");
  cr_expect_eq(diag_source(&D, f)->nlines, 3);
  expect_line_col(f, 6, 3, 1);
  /* beyond the end: clamped to the end */
  expect_line_col(f, 7, 3, 1);
  expect_line_col(f, 1000, 3, 1);
}

Test(diag, line_col_empty_file, .init = setup, .fini = teardown) {
  uint32_t f = add("");
  cr_expect_eq(diag_source(&D, f)->nlines, 1);
  expect_line_col(f, 0, 1, 1);
}

Test(diag, line_col_many_lines, .init = setup, .fini = teardown) {
  /* 1000 lines of "line\n": the binary search must find each one */
  enum { N = 1000 };
  char *text = malloc(N * 5 + 1);
  for (int i = 0; i < N; i++)
    memcpy(text + 5 * i, "line\n", 5);
  text[5 * N] = '\0';
  uint32_t f = add(text);
  free(text);
  for (uint32_t i = 0; i < N; i++) {
    expect_line_col(f, 5 * i, i + 1, 1);
    expect_line_col(f, 5 * i + 4, i + 1, 5);
  }
}

/* ---- diag_render_snippet ------------------------------------------------ */

Test(diag, snippet_simple_span, .init = setup, .fini = teardown) {
  cr_expect_str_eq(snippet("let x = y + 1;", 8, 13), "let x = y + 1;\n"
                                                     "        ^~~~~\n");
}

Test(diag, snippet_one_char_and_empty_span, .init = setup, .fini = teardown) {
  cr_expect_str_eq(snippet("let x = y + 1;", 8, 9), "let x = y + 1;\n"
                                                    "        ^\n");
  cr_expect_str_eq(snippet("let x = y + 1;", 8, 8), "let x = y + 1;\n"
                                                    "        ^\n");
  cr_expect_str_eq(snippet("let x = y + 1;", 0, 3), "let x = y + 1;\n"
                                                    "^~~\n");
}

Test(diag, snippet_middle_line, .init = setup, .fini = teardown) {
  /* only the span's own line is shown */
  cr_expect_str_eq(snippet("one\ntwo three\nfour\n", 8, 13), "two three\n"
                                                             "    ^~~~~\n");
}

Test(diag, snippet_at_end_of_line, .init = setup, .fini = teardown) {
  /* a span at the line's end (a missing ';'): the caret follows the text */
  cr_expect_str_eq(snippet("let x = 1\nlet y = 2;\n", 9, 9), "let x = 1\n"
                                                            "         ^\n");
  /* also at the end of a last line without a newline */
  cr_expect_str_eq(snippet("let x = 1", 9, 9), "let x = 1\n"
                                               "         ^\n");
}

Test(diag, snippet_span_across_lines, .init = setup, .fini = teardown) {
  /* the underline stops at the end of the span's first line */
  cr_expect_str_eq(snippet("abc\ndef\n", 1, 6), "abc\n"
                                                " ^~\n");
}

Test(diag, snippet_empty_line, .init = setup, .fini = teardown) {
  cr_expect_str_eq(snippet("a\n\nb", 2, 2), "\n^\n");
}

Test(diag, snippet_tab_before_span, .init = setup, .fini = teardown) {
  /* a tab at column 2 is 6 wide; one at column 9 is 7 wide, one at column
   * 15 is 1 wide */
  cr_expect_str_eq(snippet("ab\tc = 1;", 3, 4), "ab      c = 1;\n"
                                                "        ^\n");
  cr_expect_str_eq(snippet("ab\tc\tj;", 5, 6), "ab      c       j;\n"
                                               "                ^\n");
  cr_expect_str_eq(snippet("ab\tcdefghi\tj;", 11, 12), "ab      cdefghi j;\n"
                                                       "                ^\n");
}

Test(diag, snippet_tab_inside_span, .init = setup, .fini = teardown) {
  /* the tab at column 5 is 3 wide and underlined over its width */
  cr_expect_str_eq(snippet("x = a\tb;", 4, 7), "x = a   b;\n"
                                               "    ^~~~~\n");
}

/* Regression test (a fixed bug): a tab that starts at a multiple of 8 columns fills all 8
 * bytes of diag_glyph.text without a terminating NUL, and fputs prints a
 * stray 0x01 byte after the spaces; this test
 * is the unit-level twin of test/lit/syntax/tab-stop.hdt. */
Test(diag, snippet_tab_at_tab_stop, .init = setup, .fini = teardown) {
  cr_expect_str_eq(snippet("\tx;", 1, 2), "        x;\n"
                                          "        ^\n");
  cr_expect_str_eq(snippet("abcdefgh\tx;", 9, 10), "abcdefgh        x;\n"
                                                   "                ^\n");
}

Test(diag, snippet_utf8_before_span, .init = setup, .fini = teardown) {
  /* a 2-, 3- or 4-byte UTF-8 character is shown as is and counts as one
   * column for the caret */
  cr_expect_str_eq(snippet("\xc3\xa9 = x;", 5, 6), "\xc3\xa9 = x;\n"
                                                   "    ^\n");
  cr_expect_str_eq(snippet("\"\xe2\x88\x80\xc3\xa9\" + y", 10, 11), "\"\xe2\x88\x80\xc3\xa9\" + y\n"
                                                                    "       ^\n");
  cr_expect_str_eq(snippet("\xf0\x9f\x98\x80 z", 5, 6), "\xf0\x9f\x98\x80 z\n"
                                                        "  ^\n");
}

Test(diag, snippet_utf8_span, .init = setup, .fini = teardown) {
  /* a span over one multi-byte character: one caret, no '~' */
  cr_expect_str_eq(snippet("let caf\xc3\xa9 = 1;", 7, 9), "let caf\xc3\xa9 = 1;\n"
                                                          "       ^\n");
}

Test(diag, snippet_invalid_byte_before_span, .init = setup, .fini = teardown) {
  /* an invalid byte is shown as <FF>, 4 columns wide */
  cr_expect_str_eq(snippet("\xff = x;", 4, 5), "<FF> = x;\n"
                                               "       ^\n");
  /* the byte itself as the span: underlined over its 4 columns */
  cr_expect_str_eq(snippet("a \xff b", 2, 3), "a <FF> b\n"
                                              "  ^~~~\n");
}

Test(diag, snippet_control_and_malformed_bytes, .init = setup, .fini = teardown) {
  /* control bytes, a lead byte without its continuation, an overlong
   * encoding and a lone continuation byte are each shown byte by byte */
  cr_expect_str_eq(snippet("\x01\xc3( \xe0\x80\x80 \x80 q", 10, 11),
                   "<01><C3>( <E0><80><80> <80> q\n"
                   "                            ^\n");
  cr_expect_str_eq(snippet_n("a\0b", 3, 2, 3), "a<00>b\n"
                                               "     ^\n");
}

Test(diag, snippet_long_line_window, .init = setup, .fini = teardown) {
  /* 1000 characters, a 3-character span at column 900 (offset 899): the
   * window starts 40 columns before the caret and is 120 columns wide */
  char line[1001];
  for (int i = 0; i < 1000; i++)
    line[i] = (char)('a' + i % 26);
  line[1000] = '\0';
  line[899] = '#';
  const char *got = snippet(line, 899, 902);
  char want[400];
  int n = snprintf(want, sizeof want, "...%.120s...\n   %40s^~~\n", line + 859, "");
  cr_assert_lt(n, (int)sizeof want);
  cr_expect_str_eq(got, want);
  /* the caret is under the '#' */
  const char *nl = strchr(got, '\n');
  cr_assert_not_null(nl);
  cr_expect_eq(got[strchr(nl + 1, '^') - (nl + 1)], '#');
}

Test(diag, snippet_long_line_start, .init = setup, .fini = teardown) {
  /* a span near the start of a long line: only the end is cut */
  char line[301];
  memset(line, 'x', 300);
  line[300] = '\0';
  char want[400];
  snprintf(want, sizeof want, "%.120s...\n     ^\n", line);
  cr_expect_str_eq(snippet(line, 5, 6), want);
}

Test(diag, snippet_crlf, .init = setup, .fini = teardown) {
  /* CRLF line ends: the '\r' is not shown */
  cr_expect_str_eq(snippet("ab\r\ncd\r\n", 4, 5), "cd\n"
                                                  "^\n");
  /* a span on the '\r' is at the end of the line */
  cr_expect_str_eq(snippet("ab\r\ncd\r\n", 2, 3), "ab\n"
                                                  "  ^\n");
  cr_expect_str_eq(snippet("ab\r\ncd\r\n", 0, 4), "ab\n"
                                                  "^~\n");
}

/* ---- diag_report -------------------------------------------------------- */

Test(diag, report_error_format, .init = setup, .fini = teardown) {
  uint32_t f = add("const a = 1;\nconst b = ;\n");
  diag_error(&D, at(f, 23, 24), "expected %s before '%c' (%d)", "an expression", ';', 42);
  cr_expect_str_eq(output(), "t.hdt:2:11: error: expected an expression before ';' (42)\n"
                             "const b = ;\n"
                             "          ^\n");
  cr_expect_eq(D.nerrors, 1);
  cr_expect_eq(D.nwarnings, 0);
}

Test(diag, report_levels_and_counters, .init = setup, .fini = teardown) {
  uint32_t f = add("x = 1\n");
  diag_warning(&D, at(f, 0, 1), "unused %s", "x");
  diag_note(&D, at(f, 2, 3), "here");
  cr_expect_str_eq(output(), "t.hdt:1:1: warning: unused x\n"
                             "x = 1\n"
                             "^\n"
                             "t.hdt:1:3: note: here\n"
                             "x = 1\n"
                             "  ^\n");
  cr_expect_eq(D.nerrors, 0);
  cr_expect_eq(D.nwarnings, 1);
  diag_error(&D, at(f, 4, 5), "e1");
  diag_error(&D, at(f, 4, 5), "e2");
  cr_expect_eq(D.nerrors, 2);
  cr_expect_eq(D.nwarnings, 1);
}

Test(diag, report_names_the_file, .init = setup, .fini = teardown) {
  add("a");
  uint32_t g = diag_add_source(&D, "dir/other.hdt", "\nbb", 3);
  diag_error(&D, at(g, 2, 3), "second");
  cr_expect_str_eq(output(), "dir/other.hdt:2:2: error: second\n"
                             "bb\n"
                             " ^\n");
}

Test(diag, report_without_a_file, .init = setup, .fini = teardown) {
  /* a span whose file is not loaded: no location, no snippet */
  diag_error(&D, at(7, 0, 1), "lost %d", 1);
  diag_error_noloc(&D, "cannot open '%s'", "x.hdt");
  cr_expect_str_eq(output(), "hdtc: error: lost 1\n"
                             "hdtc: error: cannot open 'x.hdt'\n");
  cr_expect_eq(D.nerrors, 2);
}

Test(diag, default_max_errors, .init = setup, .fini = teardown) {
  cr_expect_eq(D.max_errors, 50);
  cr_expect_not(D.suppressed);
  uint32_t f = add("e\n");
  for (int i = 0; i < 50; i++)
    diag_error(&D, at(f, 0, 1), "e%d", i);
  cr_expect_not(D.suppressed);
  cr_expect_null(strstr(output(), "too many"));
  diag_error(&D, at(f, 0, 1), "e50");
  cr_expect(D.suppressed);
  cr_expect_null(strstr(output(), "e50"));
  cr_expect_not_null(strstr(output(), "hdtc: note: too many errors; the rest are not shown\n"));
}

Test(diag, max_errors_cap, .init = setup, .fini = teardown) {
  uint32_t f = add("ab\n");
  D.max_errors = 2;
  diag_error(&D, at(f, 0, 1), "one");
  diag_note(&D, at(f, 1, 2), "note one");
  diag_error(&D, at(f, 1, 2), "two");
  diag_error(&D, at(f, 0, 1), "three");
  diag_note(&D, at(f, 1, 2), "note three");
  diag_warning(&D, at(f, 1, 2), "warning after the cap");
  diag_error(&D, at(f, 0, 2), "four");
  cr_expect_str_eq(output(), "t.hdt:1:1: error: one\n"
                             "ab\n"
                             "^\n"
                             "t.hdt:1:2: note: note one\n"
                             "ab\n"
                             " ^\n"
                             "t.hdt:1:2: error: two\n"
                             "ab\n"
                             " ^\n"
                             "hdtc: note: too many errors; the rest are not shown\n");
  /* errors past the cap are still counted (the exit status depends on it) */
  cr_expect_eq(D.nerrors, 4);
  cr_expect_eq(D.nwarnings, 1);
  cr_expect(D.suppressed);
}
