/* cmd_run.c: `hdt run MODEL [--input NAME=FILE]... [--output-dir DIR]
 * [--seed N]`: runs the model once on the given inputs (a .npy or ONNX .pb
 * file each; inputs not given are random, from --seed or the clock, which
 * is printed), prints each output's shape and the time, and writes each
 * output to DIR/<name>.npy. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

typedef struct run_args {
  const char *model, *output_dir;
  const char *inputs[64];
  int ninputs;
  uint64_t seed;
  bool seeded;
  cli_opts o;
} run_args;

static int run_usage(FILE *f) {
  fprintf(f, "usage: hdt run MODEL [--input NAME=FILE]... [--output-dir DIR] [--seed N]\n"
             "               [--device D] [--dim NAME=N] [--cache-dir DIR] [--no-fusion] [--verbose]\n"
             "Runs MODEL (.onnx or compiled) once. FILE is .npy or an ONNX TensorProto (.pb);\n"
             "inputs not given are random (the seed is printed). Prints each output's shape\n"
             "and the time; with --output-dir, writes DIR/<output name>.npy.\n");
  return f == stdout ? 0 : 1;
}

static int run_option(int argc, char **argv, int *i, void *ctx) {
  run_args *a = ctx;
  const char *s = argv[*i];
  if (strcmp(s, "--input") != 0 && strcmp(s, "--output-dir") != 0 && strcmp(s, "--seed") != 0)
    return 0;
  if (*i + 1 >= argc)
    return -cli_error("%s needs a value", s);
  const char *v = argv[++*i];
  if (strcmp(s, "--input") == 0) {
    if (a->ninputs == 64 || !strchr(v, '='))
      return -cli_error("--input takes NAME=FILE (at most 64), not '%s'", v);
    a->inputs[a->ninputs++] = v;
  } else if (strcmp(s, "--output-dir") == 0) {
    a->output_dir = v;
  } else {
    a->seed = strtoull(v, NULL, 10);
    a->seeded = true;
  }
  return 1;
}

/* The file given for input name, or NULL. */
static const char *run_input_file(const run_args *a, const char *name) {
  size_t n = strlen(name);
  for (int i = 0; i < a->ninputs; i++)
    if (strncmp(a->inputs[i], name, n) == 0 && a->inputs[i][n] == '=')
      return a->inputs[i] + n + 1;
  return NULL;
}

static int run_bind_inputs(const run_args *a, hdtrt_model *m, hdtrt_session *s, npy_array *bufs) {
  uint64_t state = a->seeded ? a->seed : (uint64_t)time(NULL);
  for (int i = 0; i < a->ninputs; i++) {
    bool known = false;
    for (int k = 0; k < hdtrt_model_num_inputs(m); k++) {
      hdtrt_tensor_desc d;
      hdtrt_model_input(m, k, &d);
      known |= strncmp(a->inputs[i], d.name, strlen(d.name)) == 0 && a->inputs[i][strlen(d.name)] == '=';
    }
    if (!known)
      return cli_error("--input %s: the model has no such input", a->inputs[i]);
  }
  bool said = a->seeded; /* the seed is printed before the first random input */
  for (int k = 0; k < hdtrt_model_num_inputs(m); k++) {
    hdtrt_tensor_desc d;
    hdtrt_model_input(m, k, &d);
    const char *file = run_input_file(a, d.name);
    char err[512];
    if (file && cli_read_tensor(file, &bufs[k], NULL, 0, err, sizeof err))
      return cli_error("%s", err);
    if (!file && !said) {
      printf("seed %llu\n", (unsigned long long)state);
      said = true;
    }
    if (!file && cli_random_tensor(&d, &state, &bufs[k]))
      return cli_error("out of memory");
    if (hdtrt_session_bind_input_tensor(s, d.name, bufs[k].data, bufs[k].dtype, bufs[k].rank,
                                        bufs[k].dims, HDTRT_MEM_HOST) != HDTRT_OK)
      return cli_error("%s%s%s", hdtrt_last_error(), file ? " in " : "", file ? file : "");
  }
  return 0;
}

static int run_outputs(const run_args *a, hdtrt_model *m, hdtrt_session *s) {
  if (a->output_dir && mkdir(a->output_dir, 0777) != 0 && errno != EEXIST)
    return cli_error("cannot create %s: %s", a->output_dir, strerror(errno));
  for (int k = 0; k < hdtrt_model_num_outputs(m); k++) {
    hdtrt_tensor_desc d;
    hdtrt_model_output(m, k, &d);
    npy_array arr = {.dtype = d.dtype, .rank = d.rank, .bytes = d.bytes};
    memcpy(arr.dims, d.dims, sizeof arr.dims);
    const void *data;
    if (hdtrt_session_output_data(s, d.name, &data, NULL) != HDTRT_OK)
      return cli_error("%s", hdtrt_last_error());
    arr.data = (void *)data;
    char shape[256];
    size_t at = (size_t)snprintf(shape, sizeof shape, "%s[", hdtg_dtype_name((hdtg_dtype)d.dtype));
    for (int i = 0; i < d.rank && at < sizeof shape; i++)
      at += (size_t)snprintf(shape + at, sizeof shape - at, "%s%lld", i ? ", " : "", (long long)d.dims[i]);
    printf("output %s: %s]\n", d.name, shape);
    if (a->output_dir) {
      char path[4096], err[512];
      snprintf(path, sizeof path, "%s/%s.npy", a->output_dir, d.name);
      for (char *c = path + strlen(a->output_dir) + 1; *c; c++)
        if (*c == '/')
          *c = '_'; /* an output name is not a path */
      if (npy_write(path, &arr, err, sizeof err))
        return cli_error("%s", err);
    }
  }
  return 0;
}

int cmd_run(int argc, char **argv) {
  run_args a = {0};
  int n, rc = cli_parse(argc, argv, &a.o, run_option, &a, "MODEL", &a.model, 1, &n, run_usage);
  if (rc)
    return rc < 0 ? 0 : rc;
  cli_model cm;
  if (cli_open_model(a.model, &a.o, &cm))
    return 1;
  hdtrt_session *s = NULL;
  npy_array *bufs = calloc((size_t)hdtrt_model_num_inputs(cm.m) + 1, sizeof *bufs);
  rc = 1;
  if (!bufs)
    cli_error("out of memory");
  else if (hdtrt_session_create(cm.m, &s) != HDTRT_OK)
    cli_error("%s", hdtrt_last_error());
  else if (!run_bind_inputs(&a, cm.m, s, bufs)) {
    double t0 = cli_now();
    if (hdtrt_session_run(s) != HDTRT_OK) {
      cli_error("%s", hdtrt_last_error());
    } else {
      double ms = (cli_now() - t0) * 1e3;
      rc = run_outputs(&a, cm.m, s);
      printf("time: %.3f ms (one run, %s)\n", ms, hdtrt_model_device(cm.m));
    }
  }
  for (int k = 0; bufs && k < hdtrt_model_num_inputs(cm.m); k++)
    npy_free(&bufs[k]);
  free(bufs);
  hdtrt_session_destroy(s);
  cli_close_model(&cm);
  return rc;
}
