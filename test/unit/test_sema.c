/* test_sema.c: the front end driven from C (diag_add_source, parse_file,
 * loader_load_program, sema_check), checking what sema leaves on the AST (types and constant
 * values, cval) and what it reports (error counts, exact messages with
 * their file:line:col).
 *
 * Every test compiles one small source named "t.hdt" (imports are not
 * used here: they are covered by the lit tests) into a fresh arena, with
 * diagnostics written to an open_memstream buffer. */
#define _POSIX_C_SOURCE 200809L
#include "sema.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapping.h"
#include "parse.h"
#include "target.h"

static arena *A;
static diag_ctx D;
static FILE *out;
static char *out_buf;
static size_t out_len;
static program *P;

static void setup(void) {
  A = arena_new();
  out = open_memstream(&out_buf, &out_len);
  cr_assert_not_null(out);
  diag_init(&D, A, out);
  P = NULL;
}

static void teardown(void) {
  fclose(out);
  free(out_buf);
  diag_fini(&D);
  arena_free(A);
}

TestSuite(sema, .init = setup, .fini = teardown);

static const char *output(void) {
  fflush(out);
  return out_buf ? out_buf : "";
}

/* Parses, loads (loader.h: imports, -D values) and checks src with the
 * given options; the source must parse. */
static program *check_loaded(const char *src, const sema_options *opt, const loader_options *lo) {
  uint32_t f = diag_add_source(&D, "t.hdt", src, strlen(src));
  ast_node *m = parse_file(A, &D, f);
  cr_assert_not_null(m);
  cr_assert_eq(D.nerrors, 0, "syntax errors in the test source:\n%s", output());
  loaded_program *lp = loader_load_program(A, &D, lo, m);
  cr_assert_not_null(lp);
  P = sema_check(A, &D, opt, lp);
  cr_assert_not_null(P, "sema_check returns the program, also after errors");
  return P;
}

static program *check_with(const char *src, const sema_options *opt) {
  static const loader_options lo = {0};
  return check_loaded(src, opt, &lo);
}

static program *check(const char *src) {
  static const sema_options opt = {.shared_budget = 48 * 1024};
  return check_with(src, &opt);
}

static void expect_ok(const char *src) {
  check(src);
  cr_assert_eq(D.nerrors, 0, "unexpected errors:\n%s", output());
}

static void expect_error(const char *src, const char *message) {
  check(src);
  cr_assert_geq(D.nerrors, 1, "no error reported for:\n%s", src);
  cr_assert_not_null(strstr(output(), message), "expected \"%s\" in:\n%s", message, output());
}

/* The module-level declaration `name` of the main module. */
static ast_node *decl(const char *name) {
  const ast_list *l = &P->main->module.decls;
  for (int i = 0; i < l->len; i++) {
    ast_node *d = l->items[i];
    if (d->kind == AST_CONST && strcmp(d->konst.name, name) == 0)
      return d;
    if (d->kind == AST_FUNC && strcmp(d->func.name, name) == 0)
      return d;
  }
  cr_assert_fail("no declaration '%s'", name);
  return NULL;
}

/* The folded value of const `name` (its symbol's value and its
 * expression's cval are one). */
static const value *const_value(const char *name) {
  ast_node *d = decl(name);
  cr_assert_not_null(d->sym, "const '%s' has no symbol", name);
  cr_assert_not_null(d->sym->val, "const '%s' has no value", name);
  cr_assert_eq(d->sym->val, d->konst.value->cval);
  return d->sym->val;
}

static int64_t const_int(const char *name) {
  const value *v = const_value(name);
  cr_assert_eq(v->kind, VAL_INT, "const '%s' is not an integer", name);
  return v->i;
}

static type_kind const_type(const char *name) { return decl(name)->sym->ty->kind; }

static const mapping *const_mapping(const char *name) {
  const value *v = const_value(name);
  cr_assert_eq(v->kind, VAL_MAPPING, "const '%s' is not a mapping", name);
  return v->map;
}

/* The statement `let name` (or var) at the top level of function fname. */
static ast_node *local_decl(const char *fname, const char *name) {
  ast_node *f = decl(fname);
  const ast_list *st = &f->func.body->block.stmts;
  for (int i = 0; i < st->len; i++)
    if (st->items[i]->kind == AST_VAR && strcmp(st->items[i]->var.name, name) == 0)
      return st->items[i];
  cr_assert_fail("no local '%s' in '%s'", name, fname);
  return NULL;
}

static type_kind init_type(const char *fname, const char *name) {
  ast_node *v = local_decl(fname, name);
  cr_assert_not_null(v->var.init);
  cr_assert_not_null(v->var.init->ty);
  return v->var.init->ty->kind;
}

static void expect_atom(const mapping *m, int k, map_kind kind, int64_t d0, int64_t d1) {
  cr_assert_lt(k, m->natoms);
  cr_assert_eq(m->atoms[k].kind, kind, "atom %d kind", k);
  cr_assert_eq(m->atoms[k].dims[0], d0, "atom %d dim 0", k);
  cr_assert_eq(m->atoms[k].dims[1], d1, "atom %d dim 1", k);
}

/* ---- constant folding ---------------------------------------------------- */

Test(sema, const_folds_arithmetic) {
  expect_ok("const BM = 64;\n"
            "const X = BM * 2 + 3 - 1;\n"
            "const Y = (X << 2) | 1;\n"
            "const Z = cdiv(100, BM) + max(3, 9) + min(-4, 2) + abs(-5);\n");
  cr_assert_eq(const_int("BM"), 64);
  cr_assert_eq(const_int("X"), 130);
  cr_assert_eq(const_int("Y"), 521);
  cr_assert_eq(const_int("Z"), 2 + 9 - 4 + 5);
  cr_assert_eq(const_type("X"), TY_I32);
}

Test(sema, integer_division_truncates_toward_zero) {
  expect_ok("const A = -7 / 2;\n"
            "const B = 7 / -2;\n"
            "const C = -7 / -2;\n"
            "const D = 7 / 2;\n");
  cr_assert_eq(const_int("A"), -3);
  cr_assert_eq(const_int("B"), -3);
  cr_assert_eq(const_int("C"), 3);
  cr_assert_eq(const_int("D"), 3);
}

Test(sema, remainder_takes_the_sign_of_the_dividend) {
  expect_ok("const A = -7 % 2;\n"
            "const B = 7 % -2;\n"
            "const C = -7 % -2;\n"
            "const D = 6 % 3;\n");
  cr_assert_eq(const_int("A"), -1);
  cr_assert_eq(const_int("B"), 1);
  cr_assert_eq(const_int("C"), -1);
  cr_assert_eq(const_int("D"), 0);
}

Test(sema, comparisons_are_bool) {
  expect_ok("const LT = 1 < 2;\n"
            "const EQ = 3 == 4;\n"
            "const AND = 1 < 2 && !(2 < 1);\n"
            "fn f(a: i32, b: f32) { let c = a >= 3; let d = b != 0.5; }\n");
  cr_assert_eq(const_type("LT"), TY_BOOL);
  cr_assert_eq(const_value("LT")->kind, VAL_BOOL);
  cr_assert(const_value("LT")->b);
  cr_assert_not(const_value("EQ")->b);
  cr_assert(const_value("AND")->b);
  cr_assert_eq(init_type("f", "c"), TY_BOOL);
  cr_assert_eq(init_type("f", "d"), TY_BOOL);
}

Test(sema, literal_defaults) {
  expect_ok("const I = 5;\n"
            "const MAX = 2147483647;\n"
            "const L = 3000000000;\n"
            "const NEG = -2147483649;\n"
            "const F = 1.5;\n"
            "fn f() { let h: f16 = 1.0; let d: f64 = 2.5; let u: u8 = 255; let g: f32 = 1; }\n");
  cr_assert_eq(const_type("I"), TY_I32);
  cr_assert_eq(const_type("MAX"), TY_I32);
  cr_assert_eq(const_type("L"), TY_I64);
  cr_assert_eq(const_int("L"), 3000000000LL);
  cr_assert_eq(const_type("NEG"), TY_I64);
  cr_assert_eq(const_type("F"), TY_F32);
  cr_assert_eq(const_value("F")->kind, VAL_FLOAT);
  cr_assert_float_eq(const_value("F")->f, 1.5, 1e-12);
  /* literals take their type from context */
  cr_assert_eq(init_type("f", "h"), TY_F16);
  cr_assert_eq(init_type("f", "d"), TY_F64);
  cr_assert_eq(init_type("f", "u"), TY_U8);
  cr_assert_eq(init_type("f", "g"), TY_F32);
}

Test(sema, implicit_widening_and_as) {
  expect_ok("fn f(a: i32, s: i8, w: u16, c: i64, h: f16, x: f32) {\n"
            "  let p = a + s + w;\n"
            "  let q = c + a;\n"
            "  let r = h * 2.0;\n"
            "  let t = x + (a as f32);\n"
            "  let v: f64 = x;\n"
            "}\n");
  cr_assert_eq(init_type("f", "p"), TY_I32);
  cr_assert_eq(init_type("f", "q"), TY_I64);
  cr_assert_eq(init_type("f", "r"), TY_F16);
  cr_assert_eq(init_type("f", "t"), TY_F32);
}

Test(sema, casts_fold) {
  expect_ok("const W = 300 as u8;\n"
            "const N = -1 as u32;\n"
            "const T = -7.9 as i32;\n"
            "const B = 5 as bool;\n");
  cr_assert_eq(const_int("W"), 44);
  cr_assert_eq(const_type("W"), TY_U8);
  cr_assert_eq(const_int("N"), 4294967295LL);
  cr_assert_eq(const_int("T"), -7);
  cr_assert_eq(const_value("B")->kind, VAL_BOOL);
  cr_assert(const_value("B")->b);
}

/* ---- task mappings ------------------------------------------------------- */

Test(sema, mapping_value_workers_and_shape) {
  expect_ok("const m = spatial(16, 16) * repeat(4, 4);\n"
            "const W = m.workers;\n"
            "const S0 = m.shape[0];\n"
            "const S1 = m.shape[1];\n"
            "const R = m.shape.len;\n");
  const mapping *m = const_mapping("m");
  cr_assert_eq(const_type("m"), TY_MAPPING);
  cr_assert_eq(m->rank, 2);
  cr_assert_eq(m->natoms, 2);
  expect_atom(m, 0, MAP_SPATIAL, 16, 16);
  expect_atom(m, 1, MAP_REPEAT, 4, 4);
  cr_assert_eq(m->workers, 256);
  cr_assert_eq(m->shape[0], 64);
  cr_assert_eq(m->shape[1], 64);
  cr_assert_eq(const_int("W"), 256);
  cr_assert_eq(const_type("W"), TY_I32);
  cr_assert_eq(const_int("S0"), 64);
  cr_assert_eq(const_int("S1"), 64);
  cr_assert_eq(const_int("R"), 2);
}

Test(sema, auto_map_is_repeat_times_spatial) {
  expect_ok("const a = auto_map(8, 96, workers=64);\n");
  const mapping *m = const_mapping("a");
  cr_assert_eq(m->natoms, 2);
  expect_atom(m, 0, MAP_REPEAT, 4, 3);
  expect_atom(m, 1, MAP_SPATIAL, 2, 32);
  cr_assert_eq(m->workers, 64);
  cr_assert_eq(m->shape[0], 8);
  cr_assert_eq(m->shape[1], 96);
}

Test(sema, auto_map_with_workers_from_a_const) {
  expect_ok("const T = 256;\nconst a = auto_map(64, 16, workers=T);\n");
  const mapping *m = const_mapping("a");
  expect_atom(m, 0, MAP_REPEAT, 4, 1);
  expect_atom(m, 1, MAP_SPATIAL, 16, 16);
}

Test(sema, column_spatial_is_reversed_ranks) {
  expect_ok("const c = column_spatial(2, 3);\nconst s = spatial(2, 3, ranks=[1, 0]);\n");
  const mapping *c = const_mapping("c"), *s = const_mapping("s");
  cr_assert_eq(c->atoms[0].kind, MAP_SPATIAL);
  cr_assert_eq(c->atoms[0].ranks[0], 1);
  cr_assert_eq(c->atoms[0].ranks[1], 0);
  cr_assert_eq(memcmp(c, s, sizeof *c), 0, "column_spatial(2, 3) == spatial(2, 3, ranks=[1, 0])");
  int64_t t[2];
  map_worker_task(c, 1, 0, t);
  cr_assert(t[0] == 1 && t[1] == 0, "worker 1 of column_spatial(2, 3) is (1, 0), not (%lld, %lld)",
            (long long)t[0], (long long)t[1]);
}

Test(sema, mapping_errors) {
  check("const a = spatial(4, 8) * repeat(2);\n"
        "const b = spatial(4, 8, ranks=[0, 0]);\n"
        "const c = spatial(4, 0);\n"
        "const d = auto_map(8, 96, workers=40);\n");
  cr_assert_eq(D.nerrors, 4, "%s", output());
  const char *o = output();
  cr_assert_not_null(strstr(o, "t.hdt:1:11: error: cannot compose a 2-D and a 1-D task mapping: their ranks must match\n"), "%s", o);
  cr_assert_not_null(strstr(o, "t.hdt:2:31: error: ranks must be a permutation of 0..1 for a 2-D mapping\n"), "%s", o);
  cr_assert_not_null(strstr(o, "t.hdt:3:22: error: task mapping extent must be positive, not 0\n"), "%s", o);
  cr_assert_not_null(strstr(o, "t.hdt:4:11: error: auto_map: 768 tasks cannot be spread evenly over 40 workers\n"), "%s", o);
  /* a failed mapping leaves no value behind */
  cr_assert_null(decl("a")->konst.value->cval);
}

Test(sema, standalone_mapping_expression) {
  const char *src = "spatial(4, 8) * repeat(2, 2)";
  uint32_t f = diag_add_source(&D, "<mapping>", src, strlen(src));
  ast_node *e = parse_expr(A, &D, f);
  cr_assert_not_null(e);
  value *v = sema_eval_standalone(A, &D, e);
  cr_assert_not_null(v);
  cr_assert_eq(v->kind, VAL_MAPPING);
  cr_assert_eq(v->map->workers, 32);
  cr_assert_eq(v->map->shape[0], 8);
  cr_assert_eq(v->map->shape[1], 16);
  int64_t tasks[8];
  cr_assert_eq(map_tasks_per_worker(v->map), 4);
  map_worker_tasks(v->map, 1, tasks);
  const int64_t want[8] = {0, 2, 0, 3, 1, 2, 1, 3};
  cr_assert_arr_eq(tasks, want, sizeof want);
}

Test(sema, standalone_expression_errors) {
  const char *src = "auto_map(8, 96, workers=40)";
  uint32_t f = diag_add_source(&D, "<mapping>", src, strlen(src));
  ast_node *e = parse_expr(A, &D, f);
  cr_assert_not_null(e);
  cr_assert_null(sema_eval_standalone(A, &D, e));
  cr_assert_eq(D.nerrors, 1);
  cr_assert_not_null(strstr(output(), "<mapping>:1:1: error: auto_map: 768 tasks cannot be spread evenly over 40 workers"));
}

/* ---- diagnostics ---------------------------------------------------------- */

/* Regression test (a fixed bug): each fold error is followed by a second
 * error at the same place, "the value of a const must be a compile-time
 * constant"; one error per failure is expected. */
Test(sema, division_by_zero_in_a_constant) {
  check("const A = 1;\nconst D = 10 / (A - 1);\nconst M = 10 % 0;\n");
  cr_assert_eq(D.nerrors, 2, "%s", output());
  cr_assert_not_null(strstr(output(), "t.hdt:2:11: error: division by zero in a constant expression\n"), "%s", output());
  cr_assert_not_null(strstr(output(), "t.hdt:3:11: error: division by zero in a constant expression\n"), "%s", output());
}

/* Regression test (a fixed bug): as above, a second error follows. */
Test(sema, overflow_in_a_constant) {
  check("const A = 9223372036854775807 + 1;\n");
  cr_assert_eq(D.nerrors, 1, "%s", output());
  cr_assert_not_null(strstr(output(), "t.hdt:1:11: error: integer overflow in a constant expression\n"), "%s", output());
}

/* Regression test (a fixed bug): a constant whose operands already have a
 * sized type wraps silently instead of being reported (255, -56, 0). */
Test(sema, typed_constant_overflow_is_an_error) {
  check("fn f() {\n"
        "  let k: u8 = -1;\n"
        "  let z: i8 = 100 + 100;\n"
        "  let n: i32 = 65536 * 65536;\n"
        "}\n");
  cr_assert_eq(D.nerrors, 3, "expected one error per line, got:\n%s", output());
}

Test(sema, constant_does_not_fit) {
  expect_error("fn f() { let x: i8 = 300; }\n", "t.hdt:1:22: error: initializer: constant 300 does not fit in i8\n");
  cr_assert_eq(D.nerrors, 1);
}

Test(sema, unknown_name_suggestions) {
  check("fn g(count: i32) {\n"
        "  let a = cout;\n"
        "  let b = qqqqq;\n"
        "}\n");
  cr_assert_eq(D.nerrors, 2, "%s", output());
  cr_assert_not_null(strstr(output(), "t.hdt:2:11: error: unknown name 'cout'; did you mean 'count'?\n"), "%s", output());
  cr_assert_not_null(strstr(output(), "t.hdt:3:11: error: unknown name 'qqqqq'\n"), "%s", output());
}

Test(sema, errors_accumulate_and_checking_goes_on) {
  check("fn f(a: i32, b: f32) {\n"
        "  let x = a + b;\n"
        "  if a { }\n"
        "  a = 1;\n"
        "}\n"
        "const C = 2 * 3;\n");
  cr_assert_eq(D.nerrors, 3, "%s", output());
  /* what follows the errors is still checked and folded */
  cr_assert_eq(const_int("C"), 6);
  cr_assert_eq(P->nfuncs, 1);
}

Test(sema, readonly_targets) {
  check("const C = 1;\n"
        "fn f<G: i32 = 2>(p: i32) {\n"
        "  let l = 1;\n"
        "  l = 2;\n"
        "  p = 3;\n"
        "  C = 4;\n"
        "  G = 5;\n"
        "  for i in range(3) { i = 1; }\n"
        "  var v = 0;\n"
        "  v = 1;\n"
        "}\n");
  cr_assert_eq(D.nerrors, 5, "%s", output());
  const char *o = output();
  cr_assert_not_null(strstr(o, "t.hdt:4:3: error: cannot assign to 'l': it is a 'let' binding"), "%s", o);
  cr_assert_not_null(strstr(o, "t.hdt:5:3: error: cannot assign to 'p': it is a parameter"), "%s", o);
  cr_assert_not_null(strstr(o, "t.hdt:6:3: error: cannot assign to 'C': it is a constant"), "%s", o);
  cr_assert_not_null(strstr(o, "t.hdt:7:3: error: cannot assign to 'G': it is a generic parameter"), "%s", o);
  cr_assert_not_null(strstr(o, "t.hdt:8:23: error: cannot assign to 'i': it is a loop variable"), "%s", o);
}

/* ---- generics and -D ------------------------------------------------------ */

static const value *generic_value(const char *fname, int k) {
  ast_node *f = decl(fname);
  cr_assert_lt(k, f->func.generics.len);
  cr_assert_not_null(f->func.generics.items[k]->sym);
  return f->func.generics.items[k]->sym->val;
}

Test(sema, generic_default_and_define) {
  static const char src[] = "kernel k<BM: i32 = 64, S: f32 = 0.5>(x: f32[BM]) grid(1) block(BM) { }\n";
  check(src);
  cr_assert_eq(D.nerrors, 0, "%s", output());
  cr_assert_eq(generic_value("k", 0)->i, 64);
  cr_assert_float_eq(generic_value("k", 1)->f, 0.5, 1e-12);
}

Test(sema, define_overrides_the_default) {
  static const loader_define defs[] = {{"BM", "2 * 64"}, {"S", "2"}};
  sema_options opt = {.shared_budget = 48 * 1024};
  loader_options lo = {.defines = defs, .ndefines = 2};
  check_loaded("kernel k<BM: i32 = 64, S: f32 = 0.5>(x: f32[BM]) grid(1) block(BM) { }\n", &opt, &lo);
  cr_assert_eq(D.nerrors, 0, "%s", output());
  cr_assert_eq(D.nwarnings, 0, "%s", output());
  cr_assert_eq(generic_value("k", 0)->kind, VAL_INT);
  cr_assert_eq(generic_value("k", 0)->i, 128);
  cr_assert_eq(generic_value("k", 1)->kind, VAL_FLOAT, "-D S=2 is converted to the f32 parameter");
  cr_assert_float_eq(generic_value("k", 1)->f, 2.0, 1e-12);
}

Test(sema, define_naming_nothing_warns) {
  static const loader_define defs[] = {{"BN", "3"}};
  sema_options opt = {.shared_budget = 48 * 1024};
  loader_options lo = {.defines = defs, .ndefines = 1};
  check_loaded("kernel k<BM: i32 = 64>(x: f32[4]) grid(1) block(BM) { }\n", &opt, &lo);
  cr_assert_eq(D.nerrors, 0, "%s", output());
  cr_assert_eq(D.nwarnings, 1, "%s", output());
  cr_assert_not_null(strstr(output(), "warning: -D BN names no generic parameter"), "%s", output());
}

Test(sema, generic_without_value) {
  check("kernel k<BM: i32>(x: f32[4]) grid(1) block(32) { }\n");
  cr_assert_eq(D.nerrors, 1, "%s", output());
  cr_assert_not_null(strstr(output(), "t.hdt:1:10: error: generic parameter 'BM' has no default; give its value with -D BM=..."), "%s", output());
}

/* ---- kernels -------------------------------------------------------------- */

Test(sema, shared_budget_option) {
  static const char src[] = "kernel k(x: f32[4]) grid(1) block(32) { shared s: f32[16, 16]; }\n";
  sema_options opt = {.shared_budget = 1023};
  check_with(src, &opt);
  cr_assert_eq(D.nerrors, 1, "%s", output());
  cr_assert_not_null(strstr(output(), "t.hdt:1:1: error: kernel 'k' uses 1024 bytes of static shared memory, over the budget of 1023 bytes\n"), "%s", output());
}

Test(sema, shared_budget_exact_fit) {
  static const char src[] = "kernel k(x: f32[4]) grid(1) block(32) { shared s: f32[16, 16]; }\n";
  sema_options opt = {.shared_budget = 1024};
  check_with(src, &opt);
  cr_assert_eq(D.nerrors, 0, "%s", output());
}

Test(sema, launch_rules) {
  check("kernel a(x: f32[4], n: i32) grid(n) block(n) { }\n"
        "kernel b(x: f32[4]) grid(1) block(32, 33) { }\n"
        "kernel c(x: f32[4]) block(32) { }\n");
  cr_assert_eq(D.nerrors, 3, "%s", output());
  const char *o = output();
  cr_assert_not_null(strstr(o, "t.hdt:1:43: error: a block dimension must be a compile-time constant\n"), "%s", o);
  cr_assert_not_null(strstr(o, "t.hdt:2:29: error: a block has at most 1024 threads, not 1056\n"), "%s", o);
  cr_assert_not_null(strstr(o, "t.hdt:3:1: error: kernel 'c' needs grid(...)\n"), "%s", o);
}

Test(sema, barrier_under_thread_dependent_if) {
  check("kernel k(x: f32[256]) grid(1) block(256) {\n"
        "  let lane = threadIdx.x % 32;\n"
        "  if lane == 0 { syncthreads(); }\n"
        "  if blockIdx.x == 0 { syncthreads(); }\n"
        "}\n");
  cr_assert_eq(D.nerrors, 1, "%s", output());
  cr_assert_not_null(strstr(output(), "t.hdt:3:18: error: barrier syncthreads() is under control flow that depends on "
                                      "the thread index (the condition 'lane == 0')\n"), "%s", output());
  cr_assert_not_null(strstr(output(), "t.hdt:3:6: note: this differs between the threads of a block"), "%s", output());
}

Test(sema, distributed_local_tensor) {
  check("const m = spatial(16, 16) * repeat(4, 4);\n"
        "kernel k(o: f32[64, 64]) grid(1) block(256) {\n"
        "  local acc: f32[64, 64] by m;\n"
        "  for i, j in m.on(threadIdx.x) { acc[i, j] = 0.0; }\n"
        "  for i, j in m.on(threadIdx.x) { o[i, j] = acc[j, i]; }\n"
        "}\n");
  cr_assert_eq(D.nerrors, 1, "%s", output());
  cr_assert_not_null(strstr(output(), "t.hdt:5:49: error: 'acc' is distributed by a mapping"), "%s", output());
  /* the declaration keeps its distributing mapping */
  ast_node *acc = P->funcs[0]->func.body->block.stmts.items[0];
  cr_assert_eq(acc->kind, AST_VAR);
  cr_assert_not_null(acc->sym);
  cr_assert_not_null(acc->sym->dist);
  cr_assert_eq(acc->sym->dist->workers, 256);
  cr_assert_eq(acc->sym->ty->kind, TY_TENSOR);
  cr_assert_eq(acc->sym->ty->space, SPACE_LOCAL);
}

Test(sema, mapping_loop_records_its_mapping) {
  expect_ok("kernel k(x: f32[64, 64]) grid(1) block(256) {\n"
            "  for i, j in auto_map(64, 64, workers=256).on(threadIdx.x) { x[i, j] = 0.0; }\n"
            "}\n");
  ast_node *loop = P->funcs[0]->func.body->block.stmts.items[0];
  cr_assert_eq(loop->kind, AST_FOR);
  cr_assert_eq(loop->for_.iter_kind, AST_ITER_MAPPING);
  cr_assert_not_null(loop->for_.map);
  cr_assert_eq(loop->for_.map->workers, 256);
  /* from the last dimension: gcd(256, 64) = 64, then gcd(4, 64) = 4 */
  expect_atom(loop->for_.map, 0, MAP_REPEAT, 16, 1);
  expect_atom(loop->for_.map, 1, MAP_SPATIAL, 4, 64);
  cr_assert_eq(loop->for_.vars.items[1]->sym->kind, SYM_LOOP);
  cr_assert_eq(loop->for_.vars.items[1]->sym->loop_dim, 1);
}

/* Regression test (a fixed bug): a function called before its definition in
 * the file has type void at the call (its return type is set only when its
 * body is checked), so `g(a) + 1.0` is "invalid operands: void and f32",
 * and its arguments are not checked against its parameters. */
Test(sema, forward_call_has_the_callee_type) {
  check("fn f(a: f32) -> f32 { return g(a) + 1.0; }\n"
        "fn g(a: f32) -> f32 { return a * 2.0; }\n");
  cr_assert_eq(D.nerrors, 0, "%s", output());
}

Test(sema, forward_call_checks_arguments) {
  check("fn f(a: f32) -> f32 { return g(true); }\n"
        "fn g(a: f32) -> f32 { return a * 2.0; }\n");
  cr_assert_eq(D.nerrors, 1, "%s", output());
  cr_assert_not_null(strstr(output(), "t.hdt:1:32: error: argument: cannot convert bool to f32 implicitly"), "%s", output());
}

/* ---- tensor cores ---------------------------------------------------------- */

/* Every target hdtc has lists mma and ldmatrix (the host emulates them), so
 * the capability check is tested on a copy of the host target without
 * them: the error is at the call and names the target. */
Test(sema, tensor_cores_need_their_capabilities) {
  hdt_target bare = *target_find("host");
  bare.caps &= ~(unsigned)(TCAP_MMA | TCAP_LDMATRIX);
  sema_options opt = {.shared_budget = 48 * 1024, .target = &bare};
  check_with("kernel k(x: f32[1]) grid(1) block(32) {\n"
             "  shared s: f16[16, 16];\n"
             "  local a: f16[16, 16] by mma_m16n8k16_a;\n"
             "  local b: f16[16, 8] by mma_m16n8k16_b;\n"
             "  local c: f32[16, 8] by mma_m16n8k16_c;\n"
             "  ldmatrix(a, s[threadIdx.x % 16, 0]);\n"
             "  mma(c, a, b);\n"
             "}\n",
             &opt);
  cr_assert_eq(D.nerrors, 2, "%s", output());
  cr_assert_not_null(strstr(output(), "t.hdt:6:3: error: ldmatrix() needs ldmatrix (sm_75 or later), which target 'host' does not have"),
                     "%s", output());
  cr_assert_not_null(strstr(output(), "t.hdt:7:3: error: mma() needs tensor-core mma (sm_80 or later), which target 'host' does not have"),
                     "%s", output());
}

Test(sema, fragment_layouts_are_mappings) {
  expect_ok("const A = repeat(2, 1) * mma_m16n8k16_a;\n"
            "kernel k(x: f32[1]) grid(1) block(32) {\n"
            "  local a: f16[32, 16] by A;\n"
            "  for i, j in A.on(threadIdx.x) { a[i, j] = 0.0; }\n"
            "}\n");
}

/* ---- asynchronous copies ------------------------------------------------- */

/* Every shipped target has cp.async (the host emulates it), so the error
 * for one without it is tested on a copy of cuda:sm_80 that lacks it: at
 * each call of the three cp_async builtins, naming the target; vcopy needs
 * no capability. */
Test(sema, cp_async_needs_the_capability) {
  hdt_target t = *target_find("cuda:sm_80");
  t.name = "test:no-cp-async";
  t.caps &= ~(unsigned)TCAP_CP_ASYNC;
  sema_options opt = {.shared_budget = 48 * 1024, .target = &t};
  check_with("kernel k(x: f32[64]) grid(1) block(16) {\n"
             "  shared s: f32[64];\n"
             "  cp_async(s[0], x[0], 16);\n"
             "  cp_async_commit();\n"
             "  cp_async_wait(0);\n"
             "  vcopy(s[4], x[4], 16);\n"
             "}\n",
             &opt);
  cr_assert_eq(D.nerrors, 3, "errors:\n%s", output());
  const char *want[] = {
      "t.hdt:3:3: error: cp_async() needs cp.async (sm_80 or later), which target 'test:no-cp-async' does not have\n",
      "t.hdt:4:3: error: cp_async_commit() needs cp.async (sm_80 or later), which target 'test:no-cp-async' does not have\n",
      "t.hdt:5:3: error: cp_async_wait() needs cp.async (sm_80 or later), which target 'test:no-cp-async' does not have\n",
  };
  for (int i = 0; i < 3; i++)
    cr_assert_not_null(strstr(output(), want[i]), "expected \"%s\" in:\n%s", want[i], output());
}
