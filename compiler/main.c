/* main.c: the hdtc driver: the command line in, the library (hdtc.h) in
 * between, files out. The pipeline itself is compile.c's:
 *
 *     load the source -> parse  [--emit=ast]
 *                     -> check   [--emit=sema] (names, types, constants, mappings)
 *                     -> lower   [--emit=ir:lower]
 *                     -> the passes of passes.def [--emit=ir:PASS]
 *                     -> emit    [--emit=ir stops just before]
 *
 * --explain-mapping EXPR evaluates one task-mapping expression and prints
 * how it distributes tasks over workers, instead of compiling a file.
 *
 * Every option goes to the compilation as soon as it is read, so that the
 * first mistake on the command line is the one reported. After the run the
 * diagnostics go to standard error, then the output to its file (or, for
 * --emit, standard output). The exit status is 1 as soon as any error was
 * reported, 0 otherwise. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hdtc.h"

enum { MAIN_MAX_FLAGS = 64, MAIN_MAX_INSTANCE_DEFINES = 64 };

typedef struct options {
  hdtc_compilation *c;
  const char *input;  /* path, or "-" for standard input */
  const char *output; /* -o; NULL: derived from the input's name */
  bool emit;          /* --emit=...: the output is a dump, to standard output */
  const char *explain; /* --explain-mapping EXPR */
  int ninclude, ndefines;
} options;

static const char usage_head[] =
    "usage: hdtc [options] FILE.hdt\n"
    "\n"
    "Compiles an hdt program. FILE may be '-' to read standard input.\n"
    "\n"
    "options:\n"
    "  -o FILE         write the output to FILE ('-' for standard output); by\n"
    "                  default FILE.hdt gives FILE.cu or FILE.c in the current folder\n"
    "  --emit=ast      print the syntax tree and stop\n"
    "  --emit=sema     print the checked tree (types, constant values) and stop\n"
    "  --emit=ir       print the IR after every pass and stop\n"
    "  --emit=ir:NAME  print the IR after step NAME and stop: lower (right after\n"
    "                  lowering) or one of the passes, which run in this order:\n";

static const char usage_tail[] =
    "  --target=cuda   write CUDA C++ for nvcc (the default): FILE.cu; cuda is\n"
    "                  cuda:sm_80, and cuda:sm_90a allows Hopper's larger limits\n"
    "  --target=host   write C11 that runs the kernels on the CPU: FILE.c\n"
    "  -I DIR          search DIR for imported files (after the importing file's folder)\n"
    "  -D NAME=VALUE   set generic parameter NAME of every kernel to VALUE\n"
    "  --instance=SYMBOL:KERNEL[:NAME=VALUE,...]\n"
    "                  compile generic KERNEL, with these generic values (after\n"
    "                  the -D ones), as the C function SYMBOL; repeatable, for\n"
    "                  several instances in one output. With instances only the\n"
    "                  instantiated kernels are written, and the device functions\n"
    "                  that an instance calls are named FUNCTION_SYMBOL\n"
    "  --epilogue=SYMBOL:FUNCTION\n"
    "                  fuse device function FUNCTION(v, i: i64, tensors...) into\n"
    "                  the stores of instance SYMBOL's output (its last\n"
    "                  parameter); its tensors become the kernel's, before the\n"
    "                  output\n"
    "  --prologue=SYMBOL:INPUT:FUNCTION\n"
    "                  fuse device function FUNCTION(i: i64, tensors...) into the\n"
    "                  loads of input parameter number INPUT of instance SYMBOL;\n"
    "                  its tensors replace that input among the kernel's parameters\n"
    "  --max-shared-memory=BYTES\n"
    "                  shared memory a kernel may use (default: the target's\n"
    "                  budget, 49152; 232448 on cuda:sm_90a), at most what a\n"
    "                  block of the target can have\n"
    "  --explain-mapping EXPR\n"
    "                  print how the task mapping EXPR assigns tasks to workers\n"
    "  --version       print the version and exit\n"
    "  --help          print this help and exit\n";

/* The usage, with the passes of passes.def between its two halves. */
static void main_usage(void) {
  fputs(usage_head, stdout);
  for (int i = 0; i < hdtc_pass_count(); i++)
    printf("                  %-12s %s\n", hdtc_pass_name(i), hdtc_pass_what(i));
  fputs(usage_tail, stdout);
}

/* A refused option: the library said why. */
static int main_refused(options *opt) {
  size_t len;
  const char *text = hdtc_diagnostics(opt->c, &len);
  fwrite(text, 1, len, stderr);
  return 1;
}

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
    opt->ninclude++;
    return hdtc_add_include_dir(opt->c, val) == HDTC_OK ? 0 : main_refused(opt);
  }
  const char *eq = strchr(val, '=');
  if (!eq || eq == val) {
    fprintf(stderr, "hdtc: error: '-D %s' must have the form NAME=VALUE\n", val);
    return 1;
  }
  opt->ndefines++;
  char *name = strndup(val, (size_t)(eq - val));
  hdtc_status s = name ? hdtc_add_define(opt->c, name, eq + 1) : HDTC_ERROR_NOMEM;
  free(name);
  return s == HDTC_OK ? 0 : main_refused(opt);
}

/* Splits "A=1,B=max(2, 3)" in place at the commas outside brackets, so a
 * value may be any expression; returns the count, or -1 when over max. */
static int main_split_defines(char *list, const char **out, int max) {
  int n = 0, depth = 0;
  if (!*list)
    return 0;
  out[n++] = list;
  for (char *p = list; *p; p++) {
    if (*p == '(' || *p == '[')
      depth++;
    else if ((*p == ')' || *p == ']') && depth > 0)
      depth--;
    else if (*p == ',' && depth == 0) {
      if (n == max)
        return -1;
      *p = '\0';
      out[n++] = p + 1;
    }
  }
  return n;
}

/* --instance=SYMBOL:KERNEL[:NAME=VALUE,...] */
static int main_parse_instance(const char *spec, options *opt) {
  char *copy = strdup(spec);
  char *kernel = copy ? strchr(copy, ':') : NULL;
  if (!kernel) {
    fprintf(stderr, "hdtc: error: '--instance=%s' must have the form SYMBOL:KERNEL[:NAME=VALUE,...]\n", spec);
    free(copy);
    return 1;
  }
  *kernel++ = '\0';
  char *list = strchr(kernel, ':');
  if (list)
    *list++ = '\0';
  const char *defines[MAIN_MAX_INSTANCE_DEFINES];
  int n = list ? main_split_defines(list, defines, MAIN_MAX_INSTANCE_DEFINES) : 0;
  int status = 0;
  if (n < 0) {
    fprintf(stderr, "hdtc: error: more than %d generic values in '--instance=%s'\n", MAIN_MAX_INSTANCE_DEFINES, spec);
    status = 1;
  } else if (hdtc_add_instance(opt->c, copy, kernel, defines, n) != HDTC_OK) {
    status = main_refused(opt);
  }
  free(copy);
  return status;
}

/* --epilogue=SYMBOL:FUNCTION (after the --instance it names) */
static int main_parse_epilogue(const char *spec, options *opt) {
  char *copy = strdup(spec);
  char *fn = copy ? strchr(copy, ':') : NULL;
  if (!fn) {
    fprintf(stderr, "hdtc: error: '--epilogue=%s' must have the form SYMBOL:FUNCTION\n", spec);
    free(copy);
    return 1;
  }
  *fn++ = '\0';
  int status = hdtc_set_instance_epilogue(opt->c, copy, fn) != HDTC_OK ? main_refused(opt) : 0;
  free(copy);
  return status;
}

/* --prologue=SYMBOL:INPUT:FUNCTION (after the --instance it names) */
static int main_parse_prologue(const char *spec, options *opt) {
  char *copy = strdup(spec);
  char *num = copy ? strchr(copy, ':') : NULL, *fn = num ? strchr(num + 1, ':') : NULL, *end;
  long input = num ? strtol(num + 1, &end, 10) : -1;
  if (!fn || end != fn || input < 0 || input > 1000) {
    fprintf(stderr, "hdtc: error: '--prologue=%s' must have the form SYMBOL:INPUT:FUNCTION\n", spec);
    free(copy);
    return 1;
  }
  *num = '\0';
  int status = hdtc_add_instance_prologue(opt->c, copy, (int)input, fn + 1) != HDTC_OK
                   ? main_refused(opt)
                   : 0;
  free(copy);
  return status;
}

static int main_parse_shared(const char *val, options *opt) {
  char *end;
  errno = 0;
  long long bytes = strtoll(val, &end, 10);
  if (errno || *end || end == val || bytes < 0) {
    fprintf(stderr, "hdtc: error: '--max-shared-memory' takes a number of bytes, not '%s'\n", val);
    return 1;
  }
  return hdtc_set_shared_budget(opt->c, bytes) == HDTC_OK ? 0 : main_refused(opt);
}

/* One option that takes its value after '=' or in the next argument;
 * returns 0 when arg was handled, 1 on an error, 2 when arg is not one of
 * them. */
static int main_parse_option(int argc, char **argv, int *i, options *opt) {
  const char *arg = argv[*i];
  if (strcmp(arg, "-o") == 0) {
    if (++*i == argc) {
      fputs("hdtc: error: '-o' needs a file name\n", stderr);
      return 1;
    }
    opt->output = argv[*i];
  } else if (strncmp(arg, "--emit=", 7) == 0) {
    opt->emit = true;
    return hdtc_set_emit(opt->c, arg + 7) == HDTC_OK ? 0 : main_refused(opt);
  } else if (strncmp(arg, "--target=", 9) == 0) {
    return hdtc_set_target(opt->c, arg + 9) == HDTC_OK ? 0 : main_refused(opt);
  } else if (strcmp(arg, "--explain-mapping") == 0) {
    if (++*i == argc) {
      fputs("hdtc: error: '--explain-mapping' needs an expression\n", stderr);
      return 1;
    }
    opt->explain = argv[*i];
  } else if (strncmp(arg, "-I", 2) == 0 || strncmp(arg, "-D", 2) == 0) {
    return main_parse_path_flag(argc, argv, i, opt);
  } else if (strncmp(arg, "--instance=", 11) == 0) {
    return main_parse_instance(arg + 11, opt);
  } else if (strncmp(arg, "--epilogue=", 11) == 0) {
    return main_parse_epilogue(arg + 11, opt);
  } else if (strncmp(arg, "--prologue=", 11) == 0) {
    return main_parse_prologue(arg + 11, opt);
  } else if (strncmp(arg, "--max-shared-memory=", 20) == 0) {
    return main_parse_shared(arg + 20, opt);
  } else {
    return 2;
  }
  return 0;
}

/* Returns 0 to go on, 1 on a usage error, -1 when the run is complete
 * (--help, --version). */
static int main_parse_args(int argc, char **argv, options *opt) {
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
      main_usage();
      return -1;
    } else if (strcmp(arg, "--version") == 0) {
      printf("hdtc %s\n", HDT_VERSION);
      return -1;
    }
    int status = main_parse_option(argc, argv, &i, opt);
    if (status == 1)
      return 1;
    if (status == 0)
      continue;
    if (arg[0] == '-' && arg[1] != '\0') {
      fprintf(stderr, "hdtc: error: unknown option '%s' (see hdtc --help)\n", arg);
      return 1;
    } else if (opt->input) {
      fprintf(stderr, "hdtc: error: more than one input file ('%s' and '%s')\n", opt->input, arg);
      return 1;
    }
    opt->input = arg;
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
 * writes FILE.o; "<stdin>" gives out.cu. The result is malloc'd. */
static char *main_output_name(const options *opt) {
  if (opt->output)
    return strdup(opt->output);
  const char *ext = hdtc_output_extension(opt->c);
  const char *base = "out";
  if (strcmp(opt->input, "-") != 0) {
    base = strrchr(opt->input, '/');
    base = base ? base + 1 : opt->input;
  }
  const char *dot = strrchr(base, '.');
  int len = dot && dot != base ? (int)(dot - base) : (int)strlen(base);
  size_t size = (size_t)len + strlen(ext) + 1;
  char *name = malloc(size);
  if (name)
    snprintf(name, size, "%.*s%s", len, base, ext);
  return name;
}

static int main_write_output(const options *opt, const char *text, size_t len) {
  char *path = main_output_name(opt);
  if (!path) {
    fputs("hdtc: fatal: out of memory\n", stderr);
    return 1;
  }
  bool to_stdout = strcmp(path, "-") == 0;
  FILE *out = to_stdout ? stdout : fopen(path, "w");
  if (!out) {
    fprintf(stderr, "hdtc: error: cannot write '%s': %s\n", path, strerror(errno));
    free(path);
    return 1;
  }
  fwrite(text, 1, len, out);
  bool failed = ferror(out) != 0;
  if (!to_stdout)
    failed |= fclose(out) != 0;
  else
    failed |= fflush(out) != 0;
  if (failed) {
    fprintf(stderr, "hdtc: error: cannot write '%s'\n", path);
    if (!to_stdout)
      remove(path);
  }
  free(path);
  return failed ? 1 : 0;
}

/* Runs the compilation: its diagnostics to stderr, then a dump (--emit,
 * --explain-mapping, printed even after an error) to stdout, or the code,
 * when there were no errors, to its file. */
static int main_run(options *opt) {
  bool source_ok = opt->explain ? hdtc_set_explain_mapping(opt->c, opt->explain) == HDTC_OK
                                : hdtc_set_source_file(opt->c, opt->input) == HDTC_OK;
  hdtc_status status = source_ok ? hdtc_run(opt->c) : HDTC_ERROR_STATE;
  size_t len;
  const char *text = hdtc_diagnostics(opt->c, &len);
  fwrite(text, 1, len, stderr);
  text = hdtc_output(opt->c, &len);
  if (opt->emit || opt->explain) {
    fwrite(text, 1, len, stdout);
    return status == HDTC_OK ? 0 : 1;
  }
  if (status != HDTC_OK)
    return 1;
  return main_write_output(opt, text, len);
}

int main(int argc, char **argv) {
  options opt = {0};
  if (hdtc_create(&opt.c) != HDTC_OK) {
    fputs("hdtc: fatal: out of memory\n", stderr);
    return 1;
  }
  int status = main_parse_args(argc, argv, &opt);
  if (status == 0)
    status = main_run(&opt);
  hdtc_destroy(opt.c);
  return status < 0 ? 0 : status;
}
