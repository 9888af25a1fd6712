/* cmd_info.c: `hdt info MODEL [--dot FILE]`: the model's inputs and
 * outputs, its operator histogram (ONNX), the kernels after fusion with
 * the operators each holds, and the memory lines (`nodes:`, `kernels:`,
 * `intermediate bytes:`, `arena bytes:`). What does not compile (an
 * operator with no kernel) is reported as the error it is. --dot writes
 * the kernel graph for Graphviz. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static int info_usage(FILE *f) {
  fprintf(f, "usage: hdt info MODEL [--dot FILE] [--device D] [--dim NAME=N] [--cache-dir DIR]\n"
             "                [--no-fusion] [--verbose]\n"
             "Prints MODEL's inputs, outputs, operators, kernels and memory; --dot FILE writes\n"
             "the fused kernel graph in Graphviz's dot language.\n");
  return f == stdout ? 0 : 1;
}

/* The ONNX model's operators, and when it did not compile, a pointer to
 * the error that says what is unsupported. */
static void info_histogram(const cli_model *cm, bool failed) {
  printf("operators:");
  for (int op = 0; op < HDTG_OP_COUNT; op++)
    if (cm->ops[op])
      printf(" %s=%d", hdtg_op_name((hdtg_op)op), cm->ops[op]);
  printf(failed ? "\nunsupported: the error above\n" : "\n");
}

static int info_option(int argc, char **argv, int *i, void *ctx) {
  if (strcmp(argv[*i], "--dot") != 0)
    return 0;
  if (*i + 1 >= argc)
    return -cli_error("--dot needs a file");
  *(const char **)ctx = argv[++*i];
  return 1;
}

int cmd_info(int argc, char **argv) {
  cli_opts o = {0};
  const char *model = NULL, *dot = NULL;
  int n, rc = cli_parse(argc, argv, &o, info_option, &dot, "MODEL", &model, 1, &n, info_usage);
  if (rc)
    return rc < 0 ? 0 : rc;
  cli_model cm;
  rc = cli_open_model(model, &o, &cm);
  if (cm.from_onnx) /* what the model holds, even when it does not compile */
    info_histogram(&cm, rc != 0);
  if (rc)
    return 1;
  if (hdtrt_model_print_info(cm.m, stdout) != HDTRT_OK)
    rc = cli_error("%s", hdtrt_last_error());
  if (!rc && dot) {
    FILE *f = strcmp(dot, "-") == 0 ? stdout : fopen(dot, "w");
    if (!f)
      rc = cli_error("cannot write %s", dot);
    else if (hdtrt_model_print_dot(cm.m, f) != HDTRT_OK)
      rc = cli_error("%s", hdtrt_last_error());
    if (f && f != stdout && fclose(f) != 0)
      rc = cli_error("cannot write %s", dot);
  }
  cli_close_model(&cm);
  return rc;
}
