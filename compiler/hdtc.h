/* hdtc.h: the compiler as a library, for hdtc's own driver (main.c) and for
 * tools that generate kernels (a graph compiler instantiating stdlib kernels
 * per shape).
 *
 * After ONNX Runtime's C API: one opaque handle per compilation, every call
 * returns a status, and nothing is global, so several compilations may live
 * side by side (one per thread). A compilation owns one arena; everything it
 * hands back (diagnostics, generated text) lives until hdtc_destroy.
 *
 *     hdtc_compilation *c;
 *     hdtc_create(&c);
 *     hdtc_set_target(c, "host");
 *     hdtc_set_source_file(c, "stdlib/elementwise.hdt");
 *     const char *cap3[] = {"MAX_BLOCKS=3"};
 *     hdtc_add_instance(c, "relu_cap3", "relu", cap3, 1);
 *     if (hdtc_run(c) == HDTC_OK)
 *       text = hdtc_output(c, &len);      // C for both instances
 *     else
 *       text = hdtc_diagnostics(c, &len); // clang-style messages
 *     hdtc_destroy(c);
 *
 * Options are set before hdtc_run, which runs once. An option call that
 * fails reports why in the diagnostics, and the compilation then refuses to
 * run (HDTC_ERROR_INVALID): start a new one. Strings passed in are copied. */
#ifndef HDT_HDTC_H
#define HDT_HDTC_H

#include <stddef.h>

typedef struct hdtc_compilation hdtc_compilation;

typedef enum hdtc_status {
  HDTC_OK = 0,
  HDTC_ERROR_COMPILE, /* the program has errors (see hdtc_diagnostics) */
  HDTC_ERROR_INPUT,   /* the source could not be read */
  HDTC_ERROR_INVALID, /* an option or argument is wrong (diagnostics say which) */
  HDTC_ERROR_STATE,   /* a call out of order: no source, a second run... */
  HDTC_ERROR_NOMEM,
} hdtc_status;

/* Creates an empty compilation: target "cuda", output the generated code. */
hdtc_status hdtc_create(hdtc_compilation **out);
/* Frees the compilation and everything it returned. NULL is allowed. */
void hdtc_destroy(hdtc_compilation *c);

/* "cuda", "cuda:sm_80", "cuda:sm_90a", "host". */
hdtc_status hdtc_set_target(hdtc_compilation *c, const char *name);
/* What hdtc_run leaves as output: NULL or "code" (CUDA or C), "ast",
 * "sema", "ir" (after every pass), "ir:lower" (right after lowering) or
 * "ir:PASS" (after pass PASS of passes.def). */
hdtc_status hdtc_set_emit(hdtc_compilation *c, const char *stage);
/* A folder searched for imported files (after the importing file's). */
hdtc_status hdtc_add_include_dir(hdtc_compilation *c, const char *dir);
/* Generic parameter NAME of every kernel and function is VALUE (an
 * expression); the last one for a name wins (hdtc -D NAME=VALUE). */
hdtc_status hdtc_add_define(hdtc_compilation *c, const char *name, const char *value);
/* Static shared memory per block a kernel may use; default: the target's. */
hdtc_status hdtc_set_shared_budget(hdtc_compilation *c, long long bytes);

/* The program: a file ("-" is standard input), or text named name in
 * diagnostics (imports are then searched in the include folders). One per
 * compilation. */
hdtc_status hdtc_set_source_file(hdtc_compilation *c, const char *path);
hdtc_status hdtc_set_source_string(hdtc_compilation *c, const char *name, const char *text,
                                   size_t len);
/* Instead of compiling: hdtc_run explains how the task mapping expr
 * distributes tasks over workers (hdtc --explain-mapping). */
hdtc_status hdtc_set_explain_mapping(hdtc_compilation *c, const char *expr);

/* Instantiates generic kernel `kernel` as the C function `symbol`, with
 * defines[i] = "NAME=VALUE" on top of hdtc_add_define's values. Repeatable:
 * each instance is checked and lowered on its own, and all of them end in
 * one output; its device functions are renamed FUNCTION_SYMBOL. With
 * instances, only the instantiated kernels are emitted. symbol must be a C
 * identifier, unique among the instances. */
hdtc_status hdtc_add_instance(hdtc_compilation *c, const char *symbol, const char *kernel,
                              const char *const *defines, int ndefines);

/* Fuses device function `function` into the stores of instance `symbol`'s
 * output (its last parameter): every `out[o] = v` becomes
 * `out[o] = function(v, o, t1..tk)`, and the function's tensor parameters
 * t1..tk become the kernel's, before the output. function is
 * `fn F(v: T, i: i64, t1: U1[..], ...) -> T` with T the output's element
 * type; the kernel must not read its output. See compiler/epilogue.h. */
hdtc_status hdtc_set_instance_epilogue(hdtc_compilation *c, const char *symbol,
                                      const char *function);

/* Fuses device function `function` into the loads of input `input` (a
 * parameter index of the kernel as written) of instance `symbol`: every
 * load `in[o]` becomes `function(o, t1..tk)`, and the function's tensor
 * parameters t1..tk replace the input among the kernel's parameters.
 * function is `fn F(i: i64, t1: U1[..], ...) -> T` with T the input's
 * element type; the kernel must use the input only by loading elements.
 * At most 8 per instance. See compiler/epilogue.h. */
hdtc_status hdtc_add_instance_prologue(hdtc_compilation *c, const char *symbol, int input,
                                      const char *function);

/* Runs the pipeline: load, parse, check, lower, the passes, emit. */
hdtc_status hdtc_run(hdtc_compilation *c);

/* Everything reported so far (errors, warnings, notes), as hdtc prints it
 * on standard error; *len (if len) is its length: the text may hold NULs. */
const char *hdtc_diagnostics(hdtc_compilation *c, size_t *len);
/* What the run produced: the generated code or the dump of the chosen stage
 * ("" before a run). A stage dump may be there after an error. */
const char *hdtc_output(hdtc_compilation *c, size_t *len);
/* ".cu" or ".c": the usual file extension of the target's code. */
const char *hdtc_output_extension(const hdtc_compilation *c);

/* The passes of passes.def in pipeline order, for --help: count, then
 * name and one line of description of pass i (NULL out of range). */
int hdtc_pass_count(void);
const char *hdtc_pass_name(int i);
const char *hdtc_pass_what(int i);

#endif
