/* main.c: the hdtc driver. It reads as the pipeline:
 *
 *     load the source -> parse  [--emit=ast]
 *                     -> load imports, parse -D values (loader.c)
 *                     -> check   [--emit=sema] (names, types, constants, mappings)
 *
 * --explain-mapping EXPR evaluates one task-mapping expression and prints
 * how it distributes tasks over workers, instead of compiling a file.
 *
 * Each stage reports into one diagnostics context and the run's exit status
 * is 1 as soon as any error was reported, 0 otherwise. Every --emit flag
 * stops the pipeline after its stage and prints that stage's result, which
 * is what the golden tests under test/lit/ read. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "emit.h"
#include "loader.h"
#include "lower.h"
#include "mapping.h"
#include "parse.h"
#include "sema.h"

typedef enum { EMIT_NONE, EMIT_AST, EMIT_SEMA, EMIT_IR } emit_stage;
typedef enum { TARGET_CUDA, TARGET_HOST } target_kind;

enum { MAIN_MAX_FLAGS = 64 };

typedef struct options {
  const char *input;  /* path, or "-" for standard input */
  const char *output; /* -o; NULL: derived from the input's name */
  emit_stage emit;
  target_kind target;
  const char *explain; /* --explain-mapping EXPR */
  const char *includes[MAIN_MAX_FLAGS];
  int ninclude;
  loader_define defines[MAIN_MAX_FLAGS];
  int ndefines;
  long long shared_budget; /* -1: the target's static limit */
  const hdt_target *machine;
} options;

static const char usage[] =
    "usage: hdtc [options] FILE.hdt\n"
    "\n"
    "Compiles an hdt program. FILE may be '-' to read standard input.\n"
    "\n"
    "options:\n"
    "  -o FILE         write the output to FILE ('-' for standard output); by\n"
    "                  default FILE.hdt gives FILE.cu or FILE.c in the current folder\n"
    "  --emit=ast      print the syntax tree and stop\n"
    "  --emit=sema     print the checked tree (types, constant values) and stop\n"
    "  --emit=ir       print the lowered IR and stop\n"
    "  --target=cuda   write CUDA C++ for nvcc (the default): FILE.cu; cuda is\n"
    "                  cuda:sm_80, and cuda:sm_90a allows Hopper's larger limits\n"
    "  --target=host   write C11 that runs the kernels on the CPU: FILE.c\n"
    "  -I DIR          search DIR for imported files (after the importing file's folder)\n"
    "  -D NAME=VALUE   set generic parameter NAME of every kernel to VALUE\n"
    "  --max-shared-memory=BYTES\n"
    "                  static shared memory a kernel may use (default: the\n"
    "                  target's static limit, 49152)\n"
    "  --explain-mapping EXPR\n"
    "                  print how the task mapping EXPR assigns tasks to workers\n"
    "  --version       print the version and exit\n"
    "  --help          print this help and exit\n";

/* -I DIR, -IDIR, -D NAME=VALUE, -DNAME=VALUE. */
static int main_parse_path_flag(int argc, char **argv, int *i, options *opt) {
  const char *arg = argv[*i];
  bool include = arg[1] == 'I';
  const char *val = arg[2] ? arg + 2 : (*i + 1 < argc ? argv[++*i] : NULL);
  if (!val) {
    fprintf(stderr, "hdtc: error: '%s' needs %s\n", arg, include ? "a folder" : "NAME=VALUE");
    return 1;
  }
  if ((include ? opt->ninclude : opt->ndefines) == MAIN_MAX_FLAGS) {
    fprintf(stderr, "hdtc: error: more than %d '%s' options\n", MAIN_MAX_FLAGS, include ? "-I" : "-D");
    return 1;
  }
  if (include) {
    opt->includes[opt->ninclude++] = val;
    return 0;
  }
  const char *eq = strchr(val, '=');
  if (!eq || eq == val) {
    fprintf(stderr, "hdtc: error: '-D %s' must have the form NAME=VALUE\n", val);
    return 1;
  }
  loader_define *d = &opt->defines[opt->ndefines++];
  d->name = strndup(val, (size_t)(eq - val));
  d->value = eq + 1;
  return 0;
}

/* Returns 0 to go on, 1 on a usage error, -1 when the run is complete
 * (--help, --version). */
static int main_parse_args(int argc, char **argv, options *opt) {
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
      fputs(usage, stdout);
      return -1;
    } else if (strcmp(arg, "--version") == 0) {
      printf("hdtc %s\n", HDT_VERSION);
      return -1;
    } else if (strcmp(arg, "-o") == 0) {
      if (++i == argc) {
        fputs("hdtc: error: '-o' needs a file name\n", stderr);
        return 1;
      }
      opt->output = argv[i];
    } else if (strncmp(arg, "--emit=", 7) == 0) {
      if (strcmp(arg + 7, "ast") == 0)
        opt->emit = EMIT_AST;
      else if (strcmp(arg + 7, "sema") == 0)
        opt->emit = EMIT_SEMA;
      else if (strcmp(arg + 7, "ir") == 0)
        opt->emit = EMIT_IR;
      else {
        fprintf(stderr, "hdtc: error: unknown stage '%s' for --emit (expected: ast, sema, ir)\n", arg + 7);
        return 1;
      }
    } else if (strncmp(arg, "--target=", 9) == 0) {
      opt->machine = target_find(arg + 9);
      if (!opt->machine) {
        fprintf(stderr, "hdtc: error: unknown target '%s' (expected: %s)\n", arg + 9, target_names());
        return 1;
      }
      opt->target = opt->machine->lang == TGT_HOST ? TARGET_HOST : TARGET_CUDA;
    } else if (strcmp(arg, "--explain-mapping") == 0) {
      if (++i == argc) {
        fputs("hdtc: error: '--explain-mapping' needs an expression\n", stderr);
        return 1;
      }
      opt->explain = argv[i];
    } else if (strncmp(arg, "-I", 2) == 0 || strncmp(arg, "-D", 2) == 0) {
      if (main_parse_path_flag(argc, argv, &i, opt) != 0)
        return 1;
    } else if (strncmp(arg, "--max-shared-memory=", 20) == 0) {
      char *end;
      errno = 0;
      opt->shared_budget = strtoll(arg + 20, &end, 10);
      if (errno || *end || end == arg + 20 || opt->shared_budget < 0) {
        fprintf(stderr, "hdtc: error: '--max-shared-memory' takes a number of bytes, not '%s'\n", arg + 20);
        return 1;
      }
    } else if (arg[0] == '-' && arg[1] != '\0') {
      fprintf(stderr, "hdtc: error: unknown option '%s' (see hdtc --help)\n", arg);
      return 1;
    } else if (opt->input) {
      fprintf(stderr, "hdtc: error: more than one input file ('%s' and '%s')\n", opt->input, arg);
      return 1;
    } else {
      opt->input = arg;
    }
  }
  if (opt->explain && opt->input) {
    fputs("hdtc: error: --explain-mapping takes no input file\n", stderr);
    return 1;
  }
  if (!opt->input && !opt->explain) {
    fputs("hdtc: error: no input file (see hdtc --help)\n", stderr);
    return 1;
  }
  return 0;
}

/* FILE.hdt -> FILE.cu (or FILE.c) in the current folder, as a C compiler
 * writes FILE.o; "<stdin>" gives out.cu. */
static const char *main_output_name(const options *opt, arena *a) {
  if (opt->output)
    return opt->output;
  const char *ext = opt->target == TARGET_HOST ? ".c" : ".cu";
  if (strcmp(opt->input, "-") == 0)
    return arena_printf(a, "out%s", ext);
  const char *base = strrchr(opt->input, '/');
  base = base ? base + 1 : opt->input;
  const char *dot = strrchr(base, '.');
  int len = dot && dot != base ? (int)(dot - base) : (int)strlen(base);
  return arena_printf(a, "%.*s%s", len, base, ext);
}

static int main_write_output(const options *opt, diag_ctx *d, arena *a, const ir_program *ir) {
  const char *path = main_output_name(opt, a);
  bool to_stdout = strcmp(path, "-") == 0;
  FILE *out = to_stdout ? stdout : fopen(path, "w");
  if (!out) {
    diag_error_noloc(d, "cannot write '%s': %s", path, strerror(errno));
    return 1;
  }
  if (opt->target == TARGET_HOST)
    emit_host(out, ir);
  else
    emit_cuda(out, ir);
  bool failed = ferror(out) != 0;
  if (!to_stdout)
    failed |= fclose(out) != 0;
  else
    failed |= fflush(out) != 0;
  if (failed) {
    diag_error_noloc(d, "cannot write '%s'", path);
    if (!to_stdout)
      remove(path);
    return 1;
  }
  return 0;
}

static int main_explain(const options *opt, diag_ctx *d, arena *a) {
  uint32_t file = diag_add_source(d, "<mapping>", opt->explain, strlen(opt->explain));
  ast_node *e = parse_expr(a, d, file);
  value *v = e ? sema_eval_standalone(a, d, e) : NULL;
  if (v && v->kind != VAL_MAPPING)
    diag_error(d, e->span, "not a task mapping: the expression is %s", type_name(a, e->ty));
  if (d->nerrors)
    return 1;
  map_explain(stdout, v->map);
  return 0;
}

static int main_compile(const options *opt, diag_ctx *d, arena *a) {
  ast_node *module = loader_load_main(a, d, opt->input);
  if (!module)
    return 1;
  if (opt->emit == EMIT_AST) {
    ast_dump(stdout, d, module);
    return d->nerrors ? 1 : 0;
  }
  if (d->nerrors) /* no checking of a tree with syntax errors: it would only add noise */
    return 1;
  loader_options lo = {
      .include_dirs = opt->includes, .ninclude = opt->ninclude,
      .defines = opt->defines, .ndefines = opt->ndefines, .stdlib_dir = HDT_STDLIB_DIR,
  };
  loaded_program *loaded = loader_load_program(a, d, &lo, module);
  sema_options so = {
      .shared_budget = opt->shared_budget >= 0 ? opt->shared_budget : opt->machine->static_shared,
      .target = opt->machine,
  };
  program *prog = sema_check(a, d, &so, loaded);
  if (opt->emit == EMIT_SEMA) {
    sema_dump(stdout, d, prog);
    return d->nerrors ? 1 : 0;
  }
  if (d->nerrors)
    return 1;
  ir_program *ir = ir_lower(a, prog, opt->machine);
  if (opt->emit == EMIT_IR) {
    ir_dump(stdout, ir);
    return 0;
  }
  return main_write_output(opt, d, a, ir);
}

static void main_free_options(options *opt) {
  for (int i = 0; i < opt->ndefines; i++)
    free((char *)opt->defines[i].name);
}

int main(int argc, char **argv) {
  options opt = {.shared_budget = -1, .machine = target_default()};
  int status = main_parse_args(argc, argv, &opt);
  if (status != 0) {
    main_free_options(&opt);
    return status < 0 ? 0 : 1;
  }
  arena *a = arena_new();
  diag_ctx d;
  diag_init(&d, a, stderr);
  status = opt.explain ? main_explain(&opt, &d, a) : main_compile(&opt, &d, a);
  main_free_options(&opt);
  diag_fini(&d);
  arena_free(a);
  return status;
}
