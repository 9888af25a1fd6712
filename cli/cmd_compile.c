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

int cmd_compile(int argc, char **argv) {
  cli_opts o = {0};
  const char *model = NULL, *out = NULL;
  for (int i = 1; i < argc; i++) {
    int c = cli_common_option(argc, argv, &i, &o);
    if (c < 0)
      return 1;
    if (c)
      continue;
    if (strcmp(argv[i], "--help") == 0)
      return compile_usage(stdout);
    if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
      out = argv[++i];
    else if (argv[i][0] == '-' || model)
      return cli_error("unexpected argument '%s'", argv[i]), compile_usage(stderr);
    else
      model = argv[i];
  }
  if (!model || !out)
    return cli_error("compile needs MODEL and -o OUT"), compile_usage(stderr);
  cli_model cm;
  if (cli_open_model(model, &o, &cm))
    return 1;
  int rc = 0;
  if (hdtrt_model_save(cm.m, out) != HDTRT_OK)
    rc = cli_error("%s", hdtrt_last_error());
  else
    printf("%s: %s model written\n", out, hdtrt_model_device(cm.m));
  cli_close_model(&cm);
  return rc;
}
