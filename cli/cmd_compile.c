/* cmd_compile.c: `hdt compile MODEL -o OUT`: the compiled model in one file
 * (hdtrt_model_save) that `hdt run OUT` and hdtrt_model_load run with no
 * compiler, no hdtc and no ONNX importer. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static int compile_usage(FILE *f) {
  fprintf(f, "usage: hdt compile MODEL -o OUT [--device D] [--dim NAME=N] [--cache-dir DIR]\n"
             "                   [--no-fusion] [--verbose]\n"
             "Compiles MODEL for the device into OUT, which runs with no compiler present.\n");
  return f == stdout ? 0 : 1;
}

static int compile_option(int argc, char **argv, int *i, void *ctx) {
  if (strcmp(argv[*i], "-o") != 0)
    return 0;
  if (*i + 1 >= argc)
    return -cli_error("-o needs a file");
  *(const char **)ctx = argv[++*i];
  return 1;
}

int cmd_compile(int argc, char **argv) {
  cli_opts o = {0};
  const char *model = NULL, *out = NULL;
  int n, rc = cli_parse(argc, argv, &o, compile_option, &out, "MODEL", &model, 1, &n, compile_usage);
  if (rc)
    return rc < 0 ? 0 : rc;
  if (!out)
    return cli_error("compile needs MODEL and -o OUT"), compile_usage(stderr);
  cli_model cm;
  if (cli_open_model(model, &o, &cm))
    return 1;
  if (hdtrt_model_save(cm.m, out) != HDTRT_OK)
    rc = cli_error("%s", hdtrt_last_error());
  else
    printf("%s: %s model written\n", out, hdtrt_model_device(cm.m));
  cli_close_model(&cm);
  return rc;
}
