/* hdt.c: the `hdt` command, one program with subcommands in the style of
 * tvmc and trtexec:
 *
 *   hdt run MODEL [--input NAME=FILE]... [--output-dir DIR]
 *   hdt test DIR...
 *   hdt bench MODEL [--warmup N] [--runs N] [--json]
 *   hdt info MODEL [--dot FILE]
 *   hdt compile MODEL -o OUT
 *
 * MODEL is an .onnx file or a compiled model (`hdt compile`'s output).
 * Every subcommand takes --device host|cuda|cuda:sm_90a (default: cuda
 * when a GPU is present, else host), --cache-dir DIR, --dim NAME=VALUE,
 * --no-fusion, --verbose and --help. Errors go to stderr, exit status 1.
 * docs/cli.md is the reference. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const struct {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *what;
} cli_commands[] = {
    {"run", cmd_run, "run a model on inputs from files (or random), write its outputs"},
    {"test", cmd_test, "run ONNX backend test cases, PASS/FAIL/UNSUPPORTED each"},
    {"bench", cmd_bench, "time a model: min, median, p90, max latency"},
    {"info", cmd_info, "a model's inputs, outputs, operators, kernels and memory"},
    {"compile", cmd_compile, "compile a model into a file that runs with no compiler"},
};

int cli_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("hdt: error: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return 1;
}

double cli_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* An option's value: "--opt=V" or "--opt V". */
static const char *cli_value(int argc, char **argv, int *i, const char *opt) {
  size_t n = strlen(opt);
  if (argv[*i][n] == '=')
    return argv[*i] + n + 1;
  if (argv[*i][n] == '\0' && *i + 1 < argc)
    return argv[++*i];
  return NULL;
}

static bool cli_is(const char *arg, const char *opt) {
  size_t n = strlen(opt);
  return strncmp(arg, opt, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

int cli_common_option(int argc, char **argv, int *i, cli_opts *o) {
  const char *a = argv[*i], *v;
  if (strcmp(a, "--verbose") == 0) {
    o->verbose++; /* twice: also each kernel's template instance */
    return 1;
  }
  if (strcmp(a, "--no-fusion") == 0)
    return o->no_fusion = 1;
  if (cli_is(a, "--device") || cli_is(a, "--cache-dir") || cli_is(a, "--dim")) {
    const char *opt = cli_is(a, "--device") ? "--device" : cli_is(a, "--dim") ? "--dim" : "--cache-dir";
    if (!(v = cli_value(argc, argv, i, opt)))
      return -cli_error("%s needs a value", opt);
    if (opt[2] == 'd' && opt[3] == 'e')
      o->device = v;
    else if (opt[2] == 'c')
      o->cache_dir = v;
    else if (!strchr(v, '=') || o->ndims == 32)
      return -cli_error("--dim takes NAME=VALUE (at most 32 of them), not '%s'", v);
    else
      o->dims[o->ndims++] = v;
    return 1;
  }
  return 0;
}

int cli_parse(int argc, char **argv, cli_opts *o, cli_own_fn own, void *ctx, const char *what,
              const char **pos, int max, int *npos, int (*usage)(FILE *f)) {
  *npos = 0;
  for (int i = 1; i < argc; i++) {
    int c = cli_common_option(argc, argv, &i, o);
    if (c == 0 && own)
      c = own(argc, argv, &i, ctx);
    if (c < 0)
      return 1;
    if (c)
      continue;
    if (strcmp(argv[i], "--help") == 0)
      return usage(stdout), -1;
    if (argv[i][0] == '-' || *npos == max) {
      cli_error("unexpected argument '%s'", argv[i]);
      return usage(stderr), 1;
    }
    pos[(*npos)++] = argv[i];
  }
  if (*npos == 0) {
    cli_error("no %s given", what);
    return usage(stderr), 1;
  }
  return 0;
}

static int cli_usage(FILE *f) {
  fprintf(f, "usage: hdt COMMAND [options] ...\n\ncommands:\n");
  for (size_t i = 0; i < sizeof cli_commands / sizeof *cli_commands; i++)
    fprintf(f, "  %-8s %s\n", cli_commands[i].name, cli_commands[i].what);
  fprintf(f, "\nhdt COMMAND --help describes each. Options of every command:\n"
             "  --device host|cuda|cuda:sm_90a   where to run (default: %s here)\n"
             "  --cache-dir DIR                  compiled kernels (default: $HDT_CACHE_DIR, ~/.cache/hdt)\n"
             "  --dim NAME=VALUE                 the size of a symbolic dimension (default 1)\n"
             "  --no-fusion                      one kernel per operator\n"
             "  --verbose                        say what is compiled and what comes from the cache;\n"
             "                                   twice: also each kernel's template and generic values\n",
          hdtrt_default_device());
  return f == stdout ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc < 2)
    return cli_usage(stderr);
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0)
    return cli_usage(stdout);
  if (strcmp(argv[1], "--version") == 0)
    return printf("hdt %s\n", hdtrt_version()) < 0;
  for (size_t i = 0; i < sizeof cli_commands / sizeof *cli_commands; i++)
    if (strcmp(argv[1], cli_commands[i].name) == 0)
      return cli_commands[i].run(argc - 1, argv + 1);
  cli_error("unknown command '%s'", argv[1]);
  return cli_usage(stderr);
}
