/* test_loader.c: the loader alone (loader.h), without sema: which file an
 * import resolves to (the importing file's folder, then -I in order, then
 * the standard library), import cycles, a directory named by an import,
 * files loaded once, and the parsing of -D values.
 *
 * Each test builds its files in a fresh mkdtemp folder (removed by the
 * fixture) and loads a main file from there, with diagnostics written to
 * an open_memstream buffer so that messages can be matched exactly. */
#define _XOPEN_SOURCE 700
#include "loader.h"

#include <criterion/criterion.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static arena *A;
static diag_ctx D;
static FILE *out;
static char *out_buf;
static size_t out_len;
static char dir[64];

static void setup(void) {
  A = arena_new();
  out = open_memstream(&out_buf, &out_len);
  cr_assert_not_null(out);
  diag_init(&D, A, out);
  strcpy(dir, "/tmp/hdt-loader-XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(path);
}

static void teardown(void) {
  nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  fclose(out);
  free(out_buf);
  diag_fini(&D);
  arena_free(A);
}

TestSuite(loader, .init = setup, .fini = teardown);

static const char *output(void) {
  fflush(out);
  return out_buf ? out_buf : "";
}

/* dir/rel, as an arena string. */
static const char *at(const char *rel) { return arena_printf(A, "%s/%s", dir, rel); }

/* Writes dir/rel (its folders must exist). */
static void put(const char *rel, const char *text) {
  FILE *f = fopen(at(rel), "w");
  cr_assert_not_null(f, "cannot write %s", at(rel));
  fputs(text, f);
  fclose(f);
}

static void folder(const char *rel) { cr_assert_eq(mkdir(at(rel), 0700), 0, "mkdir %s", at(rel)); }

/* Loads dir/main.hdt with the given options. */
static loaded_program *load(const loader_options *opt) {
  ast_node *m = loader_load_main(A, &D, at("main.hdt"));
  cr_assert_not_null(m, "%s", output());
  loaded_program *p = loader_load_program(A, &D, opt, m);
  cr_assert_not_null(p);
  cr_assert_eq(p->main, m);
  return p;
}

/* The module that the k-th declaration of module m (an import) names. */
static ast_node *imported(const ast_node *m, int k) {
  cr_assert_lt(k, m->module.decls.len);
  ast_node *imp = m->module.decls.items[k];
  cr_assert_eq(imp->kind, AST_IMPORT);
  return imp->import.module;
}

static void expect_path(const ast_node *module, const char *rel) {
  cr_assert_not_null(module, "%s", output());
  cr_assert_str_eq(module->module.path, at(rel));
}

/* ---- the search path ------------------------------------------------------ */

Test(loader, next_to_the_importer_first) {
  folder("inc");
  folder("std");
  put("main.hdt", "import \"lib.hdt\";\n");
  put("lib.hdt", "const L = 1;\n");
  put("inc/lib.hdt", "const L = 2;\n");
  put("std/lib.hdt", "const L = 3;\n");
  const char *inc[] = {at("inc")};
  loader_options opt = {.include_dirs = inc, .ninclude = 1, .stdlib_dir = at("std")};
  loaded_program *p = load(&opt);
  cr_assert_eq(D.nerrors, 0, "%s", output());
  expect_path(imported(p->main, 0), "lib.hdt");
  cr_assert_eq(p->nmodules, 2);
}

Test(loader, include_folders_in_order_then_stdlib) {
  folder("inc1");
  folder("inc2");
  folder("std");
  put("main.hdt", "import \"a.hdt\";\nimport \"b.hdt\";\nimport \"c.hdt\";\n");
  put("inc2/a.hdt", "const A = 2;\n");
  put("inc1/b.hdt", "const B = 1;\n");
  put("inc2/b.hdt", "const B = 2;\n");
  put("std/b.hdt", "const B = 3;\n");
  put("std/c.hdt", "const C = 3;\n");
  const char *inc[] = {at("inc1"), at("inc2")};
  loader_options opt = {.include_dirs = inc, .ninclude = 2, .stdlib_dir = at("std")};
  loaded_program *p = load(&opt);
  cr_assert_eq(D.nerrors, 0, "%s", output());
  expect_path(imported(p->main, 0), "inc2/a.hdt");
  expect_path(imported(p->main, 1), "inc1/b.hdt");
  expect_path(imported(p->main, 2), "std/c.hdt");
}

Test(loader, nested_imports_resolve_next_to_their_own_file) {
  folder("sub");
  put("main.hdt", "import \"sub/mid.hdt\";\n");
  put("sub/mid.hdt", "import \"leaf.hdt\";\n");
  put("sub/leaf.hdt", "const L = 1;\n");
  put("leaf.hdt", "const L = 2;\n"); /* next to main, not to mid: not taken */
  loader_options opt = {0};
  loaded_program *p = load(&opt);
  cr_assert_eq(D.nerrors, 0, "%s", output());
  ast_node *mid = imported(p->main, 0);
  expect_path(mid, "sub/mid.hdt");
  expect_path(imported(mid, 0), "sub/leaf.hdt");
  cr_assert_eq(p->nmodules, 3);
  cr_assert_eq(p->modules[0], p->main, "main first");
  cr_assert_eq(p->modules[1], mid, "then in the order of first import");
}

Test(loader, missing_import) {
  put("main.hdt", "import \"nope.hdt\";\n");
  loader_options opt = {0};
  loaded_program *p = load(&opt);
  cr_assert_null(imported(p->main, 0));
  cr_assert_eq(D.nerrors, 1, "%s", output());
  const char *want = arena_printf(A, "%s:1:1: error: cannot find 'nope.hdt' (searched next to '%s', the -I folders and the standard library)\n",
                                  at("main.hdt"), at("main.hdt"));
  cr_assert_not_null(strstr(output(), want), "%s", output());
}

Test(loader, same_file_twice_is_loaded_once) {
  folder("inc");
  put("main.hdt", "import \"lib.hdt\";\nimport \"inc/../lib.hdt\";\n");
  put("lib.hdt", "const L = 1;\n");
  loader_options opt = {0};
  loaded_program *p = load(&opt);
  cr_assert_eq(D.nerrors, 0, "%s", output());
  cr_assert_not_null(imported(p->main, 0));
  cr_assert_eq(imported(p->main, 0), imported(p->main, 1), "one module for one real path");
  cr_assert_eq(p->nmodules, 2);
}

/* ---- cycles --------------------------------------------------------------- */

Test(loader, cycle_is_an_error_at_the_closing_import) {
  put("main.hdt", "import \"a.hdt\";\n");
  put("a.hdt", "import \"b.hdt\";\n");
  put("b.hdt", "const B = 1;\nimport \"a.hdt\";\n");
  loader_options opt = {0};
  loaded_program *p = load(&opt);
  cr_assert_eq(D.nerrors, 1, "%s", output());
  ast_node *a = imported(p->main, 0), *b = imported(a, 0);
  expect_path(a, "a.hdt");
  expect_path(b, "b.hdt");
  cr_assert_null(imported(b, 1), "the import that closes the cycle resolves to nothing");
  const char *o = output();
  const char *want = arena_printf(A, "%s:2:1: error: import cycle: 'a.hdt' imports itself through the chain of imports\n", at("b.hdt"));
  cr_assert_not_null(strstr(o, want), "%s", o);
  cr_assert_not_null(strstr(o, arena_printf(A, "note: chain starts at '%s'\n", at("main.hdt"))), "%s", o);
  const char *n1 = strstr(o, arena_printf(A, "note: which imports '%s'\n", at("a.hdt")));
  const char *n2 = strstr(o, arena_printf(A, "note: which imports '%s'\n", at("b.hdt")));
  cr_assert(n1 && n2 && n1 < n2, "the chain in order:\n%s", o);
}

Test(loader, importing_the_main_file_is_a_cycle) {
  put("main.hdt", "import \"a.hdt\";\n");
  put("a.hdt", "import \"main.hdt\";\n");
  loader_options opt = {0};
  loaded_program *p = load(&opt);
  cr_assert_eq(D.nerrors, 1, "%s", output());
  cr_assert_null(imported(imported(p->main, 0), 0));
  cr_assert_not_null(strstr(output(), "error: import cycle: 'main.hdt' imports itself"), "%s", output());
}

Test(loader, importing_itself_is_a_cycle) {
  put("main.hdt", "import \"main.hdt\";\n");
  loader_options opt = {0};
  loaded_program *p = load(&opt);
  cr_assert_eq(D.nerrors, 1, "%s", output());
  cr_assert_null(imported(p->main, 0));
  cr_assert_eq(p->nmodules, 1);
}

/* ---- reading -------------------------------------------------------------- */

Test(loader, import_of_a_directory_is_an_error) {
  folder("lib");
  put("main.hdt", "const X = 1;\nimport \"lib\";\n");
  loader_options opt = {0};
  loaded_program *p = load(&opt);
  cr_assert_null(imported(p->main, 1));
  cr_assert_eq(D.nerrors, 1, "%s", output());
  const char *want = arena_printf(A, "%s:2:1: error: cannot read '%s': it is a directory\n", at("main.hdt"), at("lib"));
  cr_assert_not_null(strstr(output(), want), "%s", output());
}

Test(loader, main_file_errors) {
  folder("d");
  uint32_t file;
  cr_assert_not(loader_read_input(&D, at("d"), &file));
  cr_assert_not(loader_read_input(&D, at("missing.hdt"), &file));
  cr_assert_null(loader_load_main(A, &D, at("d")));
  cr_assert_eq(D.nerrors, 3, "%s", output());
  const char *o = output();
  cr_assert_not_null(strstr(o, arena_printf(A, "hdtc: error: cannot read '%s': it is a directory\n", at("d"))), "%s", o);
  cr_assert_not_null(strstr(o, arena_printf(A, "hdtc: error: cannot open '%s': No such file or directory\n", at("missing.hdt"))), "%s", o);
}

Test(loader, main_file_is_read_whole) {
  put("main.hdt", "const A = 1;\n");
  uint32_t file;
  cr_assert(loader_read_input(&D, at("main.hdt"), &file), "%s", output());
  const source_file *f = diag_source(&D, file);
  cr_assert_str_eq(f->name, at("main.hdt"));
  cr_assert_eq(f->len, strlen("const A = 1;\n"));
}

/* ---- -D values ------------------------------------------------------------ */

Test(loader, define_read_by_a_generic_is_parsed) {
  put("main.hdt", "kernel k<BM: i32 = 64>(x: f32[4]) grid(1) block(32) { }\n");
  static const loader_define defs[] = {{"BM", "2 * 64"}};
  loader_options opt = {.defines = defs, .ndefines = 1};
  loaded_program *p = load(&opt);
  cr_assert_eq(D.nerrors, 0, "%s", output());
  cr_assert_eq(p->ndefines, 1);
  cr_assert_str_eq(p->defines[0].name, "BM");
  ast_node *e = p->defines[0].value;
  cr_assert_not_null(e);
  cr_assert_eq(e->kind, AST_BINARY);
  cr_assert_str_eq(diag_source(&D, e->span.file)->name, "-D BM", "a source of its own");
}

Test(loader, define_of_an_imported_generic_is_parsed) {
  put("main.hdt", "import \"lib.hdt\";\n");
  put("lib.hdt", "fn f<N: i32 = 1>(x: f32) -> f32 { return x; }\n");
  static const loader_define defs[] = {{"N", "3"}};
  loader_options opt = {.defines = defs, .ndefines = 1};
  loaded_program *p = load(&opt);
  cr_assert_eq(D.nerrors, 0, "%s", output());
  cr_assert_not_null(p->defines[0].value);
}

Test(loader, define_naming_no_generic_is_not_parsed) {
  put("main.hdt", "kernel k<BM: i32 = 64>(x: f32[4]) grid(1) block(32) { }\n");
  static const loader_define defs[] = {{"BN", "1 +"}};
  loader_options opt = {.defines = defs, .ndefines = 1};
  loaded_program *p = load(&opt);
  cr_assert_eq(D.nerrors, 0, "not parsed, so no syntax error:\n%s", output());
  cr_assert_eq(p->ndefines, 1, "kept, for sema's warning");
  cr_assert_str_eq(p->defines[0].name, "BN");
  cr_assert_null(p->defines[0].value);
}

Test(loader, last_define_of_a_name_wins) {
  put("main.hdt", "kernel k<BM: i32 = 64>(x: f32[4]) grid(1) block(32) { }\n");
  static const loader_define defs[] = {{"BM", "1 +"}, {"BM", "16"}};
  loader_options opt = {.defines = defs, .ndefines = 2};
  loaded_program *p = load(&opt);
  cr_assert_eq(D.nerrors, 0, "the overridden value is not parsed:\n%s", output());
  cr_assert_eq(p->ndefines, 2);
  cr_assert_null(p->defines[0].value);
  cr_assert_not_null(p->defines[1].value);
  cr_assert_eq(p->defines[1].value->kind, AST_INT);
}

Test(loader, define_syntax_error_points_into_the_value) {
  put("main.hdt", "kernel k<BM: i32 = 64>(x: f32[4]) grid(1) block(32) { }\n");
  static const loader_define defs[] = {{"BM", "1+"}};
  loader_options opt = {.defines = defs, .ndefines = 1};
  loaded_program *p = load(&opt);
  cr_assert_null(p->defines[0].value);
  cr_assert_eq(D.nerrors, 1, "%s", output());
  cr_assert_not_null(strstr(output(), "-D BM:1:3: error: expected an expression before end of file\n"), "%s", output());
}
