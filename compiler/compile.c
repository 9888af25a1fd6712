/* compile.c: one compilation (hdtc.h), and the pass pipeline in one place.
 *
 * Like QBE's main.c, compile_pipeline reads as the pipeline:
 *
 *     load -> parse [ast] -> check [sema] -> lower [ir:lower]
 *          -> each pass of passes.def for the target, in order [ir:PASS]
 *          -> [ir] -> emit (CUDA or C)
 *
 * A stage in brackets is where --emit stops and dumps. Diagnostics and the
 * output are written into memory streams (open_memstream), so a caller gets
 * text back and decides where it goes; hdtc's main prints the diagnostics
 * on stderr, then writes the output.
 *
 * Instances (compile_instances) run check and lower once per instance, each
 * on a fresh parse with its own defines (sema annotates the tree in place,
 * so one tree cannot be checked twice), then merge the lowered programs into
 * one (instance.c) before the passes, so the passes and the emitters see one
 * ordinary program. */
#define _POSIX_C_SOURCE 200809L
#include "hdtc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "emit.h"
#include "epilogue.h"
#include "instance.h"
#include "loader.h"
#include "lower.h"
#include "mapping.h"
#include "parse.h"
#include "passes.h"
#include "sema.h"

typedef enum { COMPILE_CODE, COMPILE_AST, COMPILE_SEMA, COMPILE_IR } compile_emit;

/* --emit=ir stops after every pass; ir:lower before the first. */
enum { COMPILE_STOP_END = -2, COMPILE_STOP_LOWER = -1 };

typedef struct compile_pass {
  const char *name;
  ir_pass_fn run;
  int targets; /* PASS_CUDA | PASS_HOST bits */
  const char *what;
} compile_pass;

static const compile_pass compile_passes[] = {
#define PASS(name, fn, targets, what) {#name, fn, targets, what},
#include "passes.def"
#undef PASS
};
enum { COMPILE_NPASSES = sizeof compile_passes / sizeof *compile_passes };

struct hdtc_compilation {
  arena *a;
  diag_ctx d;
  FILE *diag_stream, *out_stream; /* memory streams over the two buffers */
  char *diag_text, *out_text;
  size_t diag_len, out_len;
  const hdt_target *target;
  compile_emit emit;
  int stop_after; /* COMPILE_IR: COMPILE_STOP_* or a pass index */
  const char **includes;
  int ninclude, capinclude;
  loader_define *defines;
  int ndefines, capdefines;
  long long shared_budget; /* -1: the target's (hdt_target.shared_budget) */
  const char *path;        /* the source: a file, or name + text */
  const char *text;
  size_t text_len;
  const char *explain;
  instance_spec *instances;
  int ninstances, capinstances;
  int ran;
};

/* ---- creation and options ---- */

hdtc_status hdtc_create(hdtc_compilation **out) {
  *out = NULL;
  hdtc_compilation *c = calloc(1, sizeof *c);
  if (!c)
    return HDTC_ERROR_NOMEM;
  c->diag_stream = open_memstream(&c->diag_text, &c->diag_len);
  c->out_stream = open_memstream(&c->out_text, &c->out_len);
  if (!c->diag_stream || !c->out_stream) {
    hdtc_destroy(c);
    return HDTC_ERROR_NOMEM;
  }
  c->a = arena_new();
  diag_init(&c->d, c->a, c->diag_stream);
  c->target = target_default();
  c->emit = COMPILE_CODE;
  c->shared_budget = -1;
  *out = c;
  return HDTC_OK;
}

void hdtc_destroy(hdtc_compilation *c) {
  if (!c)
    return;
  if (c->diag_stream)
    fclose(c->diag_stream);
  if (c->out_stream)
    fclose(c->out_stream);
  free(c->diag_text);
  free(c->out_text);
  if (c->a) {
    diag_fini(&c->d);
    arena_free(c->a);
  }
  free(c);
}

/* Grows an arena array of *cap elements of size bytes to hold one more: the
 * old copy stays in the arena, which is freed as a whole. */
static void *compile_grow(arena *a, void *items, int len, int *cap, size_t size) {
  if (len < *cap)
    return items;
  *cap = *cap ? 2 * *cap : 8;
  void *bigger = arena_alloc(a, (size_t)*cap * size);
  if (len)
    memcpy(bigger, items, (size_t)len * size);
  return bigger;
}

hdtc_status hdtc_set_target(hdtc_compilation *c, const char *name) {
  const hdt_target *t = target_find(name);
  if (!t) {
    diag_error_noloc(&c->d, "unknown target '%s' (expected: %s)", name, target_names());
    return HDTC_ERROR_INVALID;
  }
  c->target = t;
  return HDTC_OK;
}

/* "lower" or a pass name of "ir:NAME". */
static hdtc_status compile_set_stop(hdtc_compilation *c, const char *name) {
  if (strcmp(name, "lower") == 0) {
    c->stop_after = COMPILE_STOP_LOWER;
    return HDTC_OK;
  }
  for (int i = 0; i < COMPILE_NPASSES; i++)
    if (strcmp(name, compile_passes[i].name) == 0) {
      c->stop_after = i;
      return HDTC_OK;
    }
  char names[1024] = "lower";
  for (int i = 0; i < COMPILE_NPASSES; i++) {
    size_t used = strlen(names);
    snprintf(names + used, sizeof names - used, ", %s", compile_passes[i].name);
  }
  diag_error_noloc(&c->d, "unknown pass '%s' for --emit=ir:NAME (expected: %s)", name, names);
  return HDTC_ERROR_INVALID;
}

hdtc_status hdtc_set_emit(hdtc_compilation *c, const char *stage) {
  c->stop_after = COMPILE_STOP_END;
  if (!stage || strcmp(stage, "code") == 0)
    c->emit = COMPILE_CODE;
  else if (strcmp(stage, "ast") == 0)
    c->emit = COMPILE_AST;
  else if (strcmp(stage, "sema") == 0)
    c->emit = COMPILE_SEMA;
  else if (strcmp(stage, "ir") == 0)
    c->emit = COMPILE_IR;
  else if (strncmp(stage, "ir:", 3) == 0) {
    c->emit = COMPILE_IR;
    return compile_set_stop(c, stage + 3);
  } else {
    diag_error_noloc(&c->d, "unknown stage '%s' for --emit (expected: ast, sema, ir)", stage);
    return HDTC_ERROR_INVALID;
  }
  return HDTC_OK;
}

hdtc_status hdtc_add_include_dir(hdtc_compilation *c, const char *dir) {
  c->includes = compile_grow(c->a, c->includes, c->ninclude, &c->capinclude, sizeof *c->includes);
  c->includes[c->ninclude++] = arena_strdup(c->a, dir);
  return HDTC_OK;
}

hdtc_status hdtc_add_define(hdtc_compilation *c, const char *name, const char *value) {
  if (!name[0]) {
    diag_error_noloc(&c->d, "a generic parameter's name is empty (in '=%s')", value);
    return HDTC_ERROR_INVALID;
  }
  c->defines = compile_grow(c->a, c->defines, c->ndefines, &c->capdefines, sizeof *c->defines);
  c->defines[c->ndefines++] = (loader_define){arena_strdup(c->a, name), arena_strdup(c->a, value)};
  return HDTC_OK;
}

hdtc_status hdtc_set_shared_budget(hdtc_compilation *c, long long bytes) {
  if (bytes < 0) {
    diag_error_noloc(&c->d, "the shared-memory budget must not be negative, not %lld", bytes);
    return HDTC_ERROR_INVALID;
  }
  c->shared_budget = bytes;
  return HDTC_OK;
}

static hdtc_status compile_one_source(hdtc_compilation *c) {
  if (c->path || c->explain) {
    diag_error_noloc(&c->d, "a compilation takes one source");
    return HDTC_ERROR_STATE;
  }
  return HDTC_OK;
}

hdtc_status hdtc_set_source_file(hdtc_compilation *c, const char *path) {
  hdtc_status s = compile_one_source(c);
  if (s == HDTC_OK)
    c->path = arena_strdup(c->a, path);
  return s;
}

hdtc_status hdtc_set_source_string(hdtc_compilation *c, const char *name, const char *text,
                                   size_t len) {
  hdtc_status s = compile_one_source(c);
  if (s != HDTC_OK)
    return s;
  if (len >= UINT32_MAX) {
    diag_error_noloc(&c->d, "cannot read '%s': larger than 4 GiB", name);
    return HDTC_ERROR_INPUT;
  }
  c->path = arena_strdup(c->a, name);
  c->text = arena_strndup(c->a, text, len);
  c->text_len = len;
  return HDTC_OK;
}

hdtc_status hdtc_set_explain_mapping(hdtc_compilation *c, const char *expr) {
  hdtc_status s = compile_one_source(c);
  if (s == HDTC_OK)
    c->explain = arena_strdup(c->a, expr);
  return s;
}

hdtc_status hdtc_add_instance(hdtc_compilation *c, const char *symbol, const char *kernel,
                              const char *const *defines, int ndefines) {
  instance_spec spec;
  if (!instance_spec_make(c->a, &c->d, &spec, symbol, kernel, defines, ndefines))
    return HDTC_ERROR_INVALID;
  for (int i = 0; i < c->ninstances; i++)
    if (strcmp(c->instances[i].symbol, symbol) == 0) {
      diag_error_noloc(&c->d, "instance '%s' is given twice", symbol);
      return HDTC_ERROR_INVALID;
    }
  c->instances = compile_grow(c->a, c->instances, c->ninstances, &c->capinstances, sizeof *c->instances);
  c->instances[c->ninstances++] = spec;
  return HDTC_OK;
}

hdtc_status hdtc_set_instance_epilogue(hdtc_compilation *c, const char *symbol,
                                      const char *function) {
  for (int i = 0; i < c->ninstances; i++)
    if (strcmp(c->instances[i].symbol, symbol) == 0) {
      if (!function || !function[0]) {
        diag_error_noloc(&c->d, "instance '%s': the epilogue names no function", symbol);
        return HDTC_ERROR_INVALID;
      }
      c->instances[i].epilogue = arena_strdup(c->a, function);
      return HDTC_OK;
    }
  diag_error_noloc(&c->d, "epilogue for '%s', which is not an instance (give --instance first)", symbol);
  return HDTC_ERROR_INVALID;
}

hdtc_status hdtc_add_instance_prologue(hdtc_compilation *c, const char *symbol, int input,
                                      const char *function) {
  for (int i = 0; i < c->ninstances; i++) {
    instance_spec *in = &c->instances[i];
    if (strcmp(in->symbol, symbol) != 0)
      continue;
    bool twice = false;
    for (int k = 0; k < in->nprologues; k++)
      twice |= in->prologue_input[k] == input;
    if (!function || !function[0] || input < 0 || twice || in->nprologues == 8) {
      diag_error_noloc(&c->d, "instance '%s': a prologue needs a function and an input number "
                       "not given before (at most 8 prologues)", symbol);
      return HDTC_ERROR_INVALID;
    }
    in->prologue[in->nprologues] = arena_strdup(c->a, function);
    in->prologue_input[in->nprologues++] = input;
    return HDTC_OK;
  }
  diag_error_noloc(&c->d, "prologue for '%s', which is not an instance (give --instance first)", symbol);
  return HDTC_ERROR_INVALID;
}

/* ---- results ---- */

const char *hdtc_diagnostics(hdtc_compilation *c, size_t *len) {
  fflush(c->diag_stream);
  if (len)
    *len = c->diag_len;
  return c->diag_text ? c->diag_text : "";
}

const char *hdtc_output(hdtc_compilation *c, size_t *len) {
  fflush(c->out_stream);
  if (len)
    *len = c->out_len;
  return c->out_text ? c->out_text : "";
}

const char *hdtc_output_extension(const hdtc_compilation *c) {
  return c->target->lang == TGT_HOST ? ".c" : ".cu";
}

int hdtc_pass_count(void) { return COMPILE_NPASSES; }

const char *hdtc_pass_name(int i) { return i >= 0 && i < COMPILE_NPASSES ? compile_passes[i].name : NULL; }

const char *hdtc_pass_what(int i) { return i >= 0 && i < COMPILE_NPASSES ? compile_passes[i].what : NULL; }

/* ---- loading ---- */

/* The load step: one call, a source given as text or read from its file. */
static bool compile_load(hdtc_compilation *c, uint32_t *file) {
  if (!c->text)
    return loader_read_input(&c->d, c->path, file);
  *file = diag_add_source(&c->d, c->path, c->text, c->text_len);
  return true;
}

/* ---- the pipeline ---- */

static hdtc_status compile_status(const hdtc_compilation *c) {
  return c->d.nerrors ? HDTC_ERROR_COMPILE : HDTC_OK;
}

/* The loader resolves the imports and -D values of a parsed main module,
 * then sema checks the whole program. */
static program *compile_check(hdtc_compilation *c, ast_node *module, const loader_define *defines,
                              int ndefines, const char *only_kernel) {
  loader_options lo = {
      .include_dirs = c->includes, .ninclude = c->ninclude,
      .defines = defines, .ndefines = ndefines, .stdlib_dir = HDT_STDLIB_DIR,
  };
  loaded_program *loaded = loader_load_program(c->a, &c->d, &lo, module);
  sema_options so = {
      .shared_budget = c->shared_budget >= 0 ? c->shared_budget : c->target->shared_budget,
      .target = c->target,
      .only_kernel = only_kernel,
  };
  return sema_check(c->a, &c->d, &so, loaded);
}

static bool compile_runs_on(const compile_pass *p, const hdt_target *t) {
  return (p->targets & (t->lang == TGT_HOST ? PASS_HOST : PASS_CUDA)) != 0;
}

/* The passes of passes.def in order (a pass for another target leaves the
 * IR as it is), then the emitter; --emit=ir[:NAME] dumps and stops. */
static hdtc_status compile_passes_and_emit(hdtc_compilation *c, ir_program *ir) {
  bool dump = c->emit == COMPILE_IR;
  if (dump && c->stop_after == COMPILE_STOP_LOWER) {
    ir_dump(c->out_stream, ir);
    return HDTC_OK;
  }
  pass_ctx pc = {.a = c->a, .d = &c->d, .target = c->target};
  for (int i = 0; i < COMPILE_NPASSES; i++) {
    if (compile_runs_on(&compile_passes[i], c->target))
      compile_passes[i].run(&pc, ir);
    if (c->d.nerrors)
      return HDTC_ERROR_COMPILE;
    if (dump && c->stop_after == i)
      break;
  }
  if (dump)
    ir_dump(c->out_stream, ir);
  else if (c->target->lang == TGT_HOST)
    emit_host(c->out_stream, ir);
  else
    emit_cuda(c->out_stream, ir);
  return HDTC_OK;
}

/* An instance's epilogue, then its prologues from the last input to the
 * first: an epilogue adds parameters only before the output and a prologue
 * only at its input, so the indices given stay those of the kernel as
 * written. */
static bool compile_fuse(hdtc_compilation *c, const instance_spec *in, ir_program *ir) {
  if (in->epilogue && !epilogue_apply(c->a, &c->d, ir, in->symbol, in->kernel, in->epilogue))
    return false;
  int order[8];
  for (int i = 0; i < in->nprologues; i++) {
    int k = i;
    while (k > 0 && in->prologue_input[order[k - 1]] < in->prologue_input[i]) {
      order[k] = order[k - 1];
      k--;
    }
    order[k] = i;
  }
  for (int i = 0; i < in->nprologues; i++)
    if (!prologue_apply(c->a, &c->d, ir, in->symbol, in->kernel, in->prologue_input[order[i]],
                        in->prologue[order[i]]))
      return false;
  return true;
}

/* Each instance: parse, check with the common defines and then its own (the
 * last for a name wins), lower, and take its kernel into the merged
 * program. The first instance with an error stops, so that an error in the
 * file is not reported once per instance. */
static hdtc_status compile_instances(hdtc_compilation *c, uint32_t file) {
  instance_merge *m = instance_merge_new(c->a, c->target, c->ninstances);
  for (int i = 0; i < c->ninstances; i++) {
    const instance_spec *in = &c->instances[i];
    ast_node *module = parse_file(c->a, &c->d, file);
    if (c->d.nerrors)
      return HDTC_ERROR_COMPILE;
    const loader_define *defs = instance_defines(c->a, in, c->defines, c->ndefines);
    program *prog = compile_check(c, module, defs, c->ndefines + in->ndefines, in->kernel);
    if (c->emit == COMPILE_SEMA) {
      fprintf(c->out_stream, "instance %s = %s\n", in->symbol, in->kernel);
      sema_dump(c->out_stream, &c->d, prog);
    }
    if (c->d.nerrors) {
      span nowhere = {UINT32_MAX, 0, 0}; /* printed as "hdtc: note: " */
      diag_note(&c->d, nowhere, "in instance '%s' of kernel '%s'", in->symbol, in->kernel);
      return HDTC_ERROR_COMPILE;
    }
    if (c->emit == COMPILE_SEMA)
      continue;
    ir_program *ir = ir_lower(c->a, prog, c->target);
    if (!compile_fuse(c, in, ir))
      return HDTC_ERROR_COMPILE;
    if (!instance_merge_add(m, &c->d, in, ir))
      return HDTC_ERROR_COMPILE;
  }
  if (c->emit == COMPILE_SEMA)
    return HDTC_OK;
  return compile_passes_and_emit(c, instance_merge_result(m));
}

static hdtc_status compile_pipeline(hdtc_compilation *c) {
  uint32_t file;
  if (!compile_load(c, &file))
    return HDTC_ERROR_INPUT;
  if (c->emit != COMPILE_AST && c->ninstances)
    return compile_instances(c, file);
  ast_node *module = parse_file(c->a, &c->d, file);
  if (c->emit == COMPILE_AST) {
    ast_dump(c->out_stream, &c->d, module);
    return compile_status(c);
  }
  if (c->d.nerrors) /* no checking of a tree with syntax errors: it would only add noise */
    return HDTC_ERROR_COMPILE;
  program *prog = compile_check(c, module, c->defines, c->ndefines, NULL);
  if (c->emit == COMPILE_SEMA) {
    sema_dump(c->out_stream, &c->d, prog);
    return compile_status(c);
  }
  if (c->d.nerrors)
    return HDTC_ERROR_COMPILE;
  return compile_passes_and_emit(c, ir_lower(c->a, prog, c->target));
}

/* --explain-mapping: evaluates one mapping expression, named "<mapping>". */
static hdtc_status compile_explain(hdtc_compilation *c) {
  uint32_t file = diag_add_source(&c->d, "<mapping>", c->explain, strlen(c->explain));
  ast_node *e = parse_expr(c->a, &c->d, file);
  value *v = e ? sema_eval_standalone(c->a, &c->d, e) : NULL;
  if (v && v->kind != VAL_MAPPING)
    diag_error(&c->d, e->span, "not a task mapping: the expression is %s", type_name(c->a, e->ty));
  if (c->d.nerrors || !v)
    return HDTC_ERROR_COMPILE;
  map_explain(c->out_stream, v->map);
  return HDTC_OK;
}

hdtc_status hdtc_run(hdtc_compilation *c) {
  if (c->d.nerrors)
    return HDTC_ERROR_INVALID; /* an option was refused */
  if (c->ran || (!c->path && !c->explain)) {
    diag_error_noloc(&c->d, c->ran ? "a compilation runs once" : "no source to compile");
    return HDTC_ERROR_STATE;
  }
  c->ran = 1;
  hdtc_status s = c->explain ? compile_explain(c) : compile_pipeline(c);
  fflush(c->out_stream);
  fflush(c->diag_stream);
  return s;
}
