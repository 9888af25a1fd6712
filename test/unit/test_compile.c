/* test_compile.c: the library entry point (compiler/hdtc.h): compiling from
 * a string, the stages --emit can stop at, diagnostics handed back as text,
 * instances of a generic kernel, and the status of every kind of misuse.
 * Each test creates and destroys its own compilation: nothing is shared. */
#define _POSIX_C_SOURCE 200809L
#include "hdtc.h"

#include <criterion/criterion.h>
#include <string.h>

static const char generic_src[] =
    "fn twice(x: f32) -> f32 { return x * 2.0; }\n"
    "kernel k<N: i32 = 32>(x: f32[N]) grid(1) block(N) { x[threadIdx.x] = twice(1.0); }\n"
    "kernel other(x: f32[4]) grid(1) block(4) { }\n";

static hdtc_compilation *compile_new(const char *target, const char *src) {
  hdtc_compilation *c = NULL;
  cr_assert_eq(hdtc_create(&c), HDTC_OK);
  cr_assert_not_null(c);
  cr_assert_eq(hdtc_set_target(c, target), HDTC_OK);
  cr_assert_eq(hdtc_set_source_string(c, "k.hdt", src, strlen(src)), HDTC_OK);
  return c;
}

Test(compile, host_code_from_a_string) {
  hdtc_compilation *c = compile_new("host", generic_src);
  cr_assert_eq(hdtc_run(c), HDTC_OK);
  size_t len;
  const char *out = hdtc_output(c, &len);
  cr_assert_eq(strlen(out), len);
  cr_assert_not_null(strstr(out, "int k(float *x) {"));
  cr_assert_not_null(strstr(out, "int other(const float *x) {"));
  cr_assert_str_eq(hdtc_diagnostics(c, &len), "");
  cr_assert_eq(len, 0);
  cr_assert_str_eq(hdtc_output_extension(c), ".c");
  hdtc_destroy(c);
}

Test(compile, cuda_is_the_default_target) {
  hdtc_compilation *c = NULL;
  cr_assert_eq(hdtc_create(&c), HDTC_OK);
  cr_assert_eq(hdtc_set_source_string(c, "k.hdt", generic_src, strlen(generic_src)), HDTC_OK);
  cr_assert_str_eq(hdtc_output_extension(c), ".cu");
  cr_assert_eq(hdtc_run(c), HDTC_OK);
  cr_assert_not_null(strstr(hdtc_output(c, NULL), "extern \"C\" int k_async("));
  hdtc_destroy(c);
}

Test(compile, errors_come_back_as_text) {
  const char *src = "kernel k() grid(1) block(32) { let y = nope; }\n";
  hdtc_compilation *c = compile_new("host", src);
  cr_assert_eq(hdtc_run(c), HDTC_ERROR_COMPILE);
  const char *diags = hdtc_diagnostics(c, NULL);
  cr_assert_not_null(strstr(diags, "k.hdt:1:40: error: "), "got: %s", diags);
  cr_assert_not_null(strstr(diags, "nope"));
  cr_assert_str_eq(hdtc_output(c, NULL), "");
  hdtc_destroy(c);
}

Test(compile, emit_stages) {
  const char *stages[] = {"ast", "sema", "ir", "ir:lower", "ir:prune"};
  const char *expect[] = {"kernel k", "kernel k", "kernel k(x: f32*)", "let i32 unused", "kernel k"};
  const char *src = "kernel k(x: f32[32]) grid(1) block(32) { let unused = 3; x[threadIdx.x] = 1.0; }\n";
  for (int i = 0; i < 5; i++) {
    hdtc_compilation *c = compile_new("cuda", src);
    cr_assert_eq(hdtc_set_emit(c, stages[i]), HDTC_OK);
    cr_assert_eq(hdtc_run(c), HDTC_OK, "stage %s", stages[i]);
    const char *out = hdtc_output(c, NULL);
    cr_assert_not_null(strstr(out, expect[i]), "stage %s: %s", stages[i], out);
    if (strcmp(stages[i], "ir:prune") == 0)
      cr_assert_null(strstr(out, "unused"), "prune leaves: %s", out);
    hdtc_destroy(c);
  }
}

Test(compile, passes_are_listed) {
  cr_assert_geq(hdtc_pass_count(), 1);
  cr_assert_str_eq(hdtc_pass_name(0), "prune");
  cr_assert_not_null(hdtc_pass_what(0));
  cr_assert_null(hdtc_pass_name(hdtc_pass_count()));
  cr_assert_null(hdtc_pass_name(-1));
}

Test(compile, two_instances_in_one_output) {
  hdtc_compilation *c = compile_new("host", generic_src);
  const char *n64[] = {"N=64"};
  cr_assert_eq(hdtc_add_instance(c, "k_32", "k", NULL, 0), HDTC_OK);
  cr_assert_eq(hdtc_add_instance(c, "k_64", "k", n64, 1), HDTC_OK);
  cr_assert_eq(hdtc_run(c), HDTC_OK, "%s", hdtc_diagnostics(c, NULL));
  const char *out = hdtc_output(c, NULL);
  cr_assert_not_null(strstr(out, "int k_32(float *x) {"));
  cr_assert_not_null(strstr(out, "int k_64(float *x) {"));
  cr_assert_not_null(strstr(out, "static float twice_k_32(float x) {"));
  cr_assert_not_null(strstr(out, "static float twice_k_64(float x) {"));
  cr_assert_null(strstr(out, "other"), "only instances are emitted");
  hdtc_destroy(c);
}

Test(compile, instance_defines_override_common_ones) {
  hdtc_compilation *c = compile_new("cuda", generic_src);
  const char *n16[] = {"N=16"};
  cr_assert_eq(hdtc_add_define(c, "N", "8"), HDTC_OK);
  cr_assert_eq(hdtc_set_emit(c, "ir"), HDTC_OK);
  cr_assert_eq(hdtc_add_instance(c, "a", "k", NULL, 0), HDTC_OK);
  cr_assert_eq(hdtc_add_instance(c, "b", "k", n16, 1), HDTC_OK);
  cr_assert_eq(hdtc_run(c), HDTC_OK);
  const char *out = hdtc_output(c, NULL);
  const char *a = strstr(out, "kernel a("), *b = strstr(out, "kernel b(");
  cr_assert(a && b && a < b, "%s", out);
  cr_assert_not_null(strstr(a, "block(8, 1, 1)"));
  cr_assert_not_null(strstr(b, "block(16, 1, 1)"));
  hdtc_destroy(c);
}

Test(compile, invalid_instances) {
  const char *bad[] = {"N"};
  const char *cases[][2] = {{"1k", "k"}, {"static", "k"}, {"k-1", "k"}, {"a", ""}};
  for (int i = 0; i < 4; i++) {
    hdtc_compilation *c = compile_new("host", generic_src);
    cr_assert_eq(hdtc_add_instance(c, cases[i][0], cases[i][1], NULL, 0), HDTC_ERROR_INVALID);
    cr_assert_neq(hdtc_diagnostics(c, NULL)[0], '\0');
    cr_assert_eq(hdtc_run(c), HDTC_ERROR_INVALID, "a refused option stops the run");
    hdtc_destroy(c);
  }
  hdtc_compilation *c = compile_new("host", generic_src);
  cr_assert_eq(hdtc_add_instance(c, "a", "k", bad, 1), HDTC_ERROR_INVALID);
  cr_assert_str_eq(hdtc_diagnostics(c, NULL), "hdtc: error: instance 'a': 'N' must have the form NAME=VALUE\n");
  hdtc_destroy(c);
  c = compile_new("host", generic_src);
  cr_assert_eq(hdtc_add_instance(c, "a", "k", NULL, 0), HDTC_OK);
  cr_assert_eq(hdtc_add_instance(c, "a", "k", NULL, 0), HDTC_ERROR_INVALID);
  hdtc_destroy(c);
}

Test(compile, unknown_kernel_of_an_instance) {
  hdtc_compilation *c = compile_new("host", generic_src);
  cr_assert_eq(hdtc_add_instance(c, "a", "nope", NULL, 0), HDTC_OK);
  cr_assert_eq(hdtc_run(c), HDTC_ERROR_COMPILE);
  cr_assert_str_eq(hdtc_diagnostics(c, NULL), "hdtc: error: instance 'a': there is no kernel 'nope'\n");
  hdtc_destroy(c);
}

Test(compile, invalid_options) {
  hdtc_compilation *c = NULL;
  cr_assert_eq(hdtc_create(&c), HDTC_OK);
  cr_assert_eq(hdtc_set_target(c, "vax"), HDTC_ERROR_INVALID);
  cr_assert_not_null(strstr(hdtc_diagnostics(c, NULL), "unknown target 'vax'"));
  hdtc_destroy(c);
  cr_assert_eq(hdtc_create(&c), HDTC_OK);
  cr_assert_eq(hdtc_set_emit(c, "ir:nope"), HDTC_ERROR_INVALID);
  cr_assert_str_eq(hdtc_diagnostics(c, NULL),
                   "hdtc: error: unknown pass 'nope' for --emit=ir:NAME (expected: lower, prune, written, smem_layout, unswitch, strength, mma_expand, fission)\n");
  hdtc_destroy(c);
  cr_assert_eq(hdtc_create(&c), HDTC_OK);
  cr_assert_eq(hdtc_set_emit(c, "bogus"), HDTC_ERROR_INVALID);
  cr_assert_eq(hdtc_set_shared_budget(c, -1), HDTC_ERROR_INVALID);
  hdtc_destroy(c);
}

Test(compile, call_order) {
  hdtc_compilation *c = NULL;
  cr_assert_eq(hdtc_create(&c), HDTC_OK);
  cr_assert_eq(hdtc_run(c), HDTC_ERROR_STATE, "no source");
  hdtc_destroy(c);
  c = compile_new("host", generic_src);
  cr_assert_eq(hdtc_set_source_file(c, "other.hdt"), HDTC_ERROR_STATE, "one source");
  hdtc_destroy(c);
  c = compile_new("host", generic_src);
  cr_assert_eq(hdtc_run(c), HDTC_OK);
  cr_assert_eq(hdtc_run(c), HDTC_ERROR_STATE, "runs once");
  hdtc_destroy(c);
  hdtc_destroy(NULL);
}

Test(compile, unreadable_file) {
  hdtc_compilation *c = NULL;
  cr_assert_eq(hdtc_create(&c), HDTC_OK);
  cr_assert_eq(hdtc_set_source_file(c, "/nonexistent/k.hdt"), HDTC_OK);
  cr_assert_eq(hdtc_run(c), HDTC_ERROR_INPUT);
  cr_assert_str_eq(hdtc_diagnostics(c, NULL),
                   "hdtc: error: cannot open '/nonexistent/k.hdt': No such file or directory\n");
  hdtc_destroy(c);
}

Test(compile, explain_mapping) {
  hdtc_compilation *c = NULL;
  cr_assert_eq(hdtc_create(&c), HDTC_OK);
  cr_assert_eq(hdtc_set_explain_mapping(c, "spatial(2, 2)"), HDTC_OK);
  cr_assert_eq(hdtc_run(c), HDTC_OK);
  cr_assert_not_null(strstr(hdtc_output(c, NULL), "workers: 4"));
  hdtc_destroy(c);
}
