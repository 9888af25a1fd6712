/* cmd_test.c: `hdt test DIR...`: each DIR an ONNX backend test case
 * (model.onnx and test_data_set_N/input_K.pb, output_K.pb). The model is
 * imported with the small integer inputs of test_data_set_0 (rank <= 1,
 * at most 16 values: shapes, axes, bounds that real models hold as
 * constants) made constants, compiled for the device, and run on every data
 * set; each output is compared with its expected value: same dtype and
 * shape, |got - want| <= atol + rtol * |want| (ONNX's 1e-7 and 1e-3 unless
 * --atol/--rtol say otherwise; NaN matches NaN; integers and booleans
 * exactly). One line per case, `PASS name`, `FAIL name: why` or
 * `UNSUPPORTED name: why` (the importer or the kernel selection refused
 * something), then `N passed, M failed, K unsupported`; exit 1 when any
 * failed. */
#include "cli.h"
#include "hdt_host.h" /* hdt_f16_to_f32: the host target's f16 conversion */

#ifdef HDT_HAVE_ONNX
#include "hdt_onnx.h"
#endif

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef enum { TEST_PASS, TEST_FAIL, TEST_UNSUPPORTED } test_result;

typedef struct test_opts {
  cli_opts o;
  double atol, rtol;
} test_opts;

static int test_usage(FILE *f) {
  fprintf(f, "usage: hdt test DIR... [--atol A] [--rtol R] [--device D] [--cache-dir DIR]\n"
             "                [--no-fusion] [--verbose]\n"
             "Runs each ONNX backend test case DIR (model.onnx, test_data_set_N/input_K.pb,\n"
             "output_K.pb): PASS, FAIL or UNSUPPORTED per case, then the counts; exit 1 if any\n"
             "failed. Tolerances: --atol 1e-7 --rtol 1e-3 (ONNX's).\n");
  return f == stdout ? 0 : 1;
}

/* The case's name: the folder's last component, without trailing slashes. */
static const char *test_name(const char *dir, char *buf, size_t size) {
  size_t n = strlen(dir);
  while (n > 1 && dir[n - 1] == '/')
    n--;
  const char *p = dir + n;
  while (p > dir && p[-1] != '/')
    p--;
  snprintf(buf, size, "%.*s", (int)(dir + n - p), p);
  return buf;
}

static bool test_exists(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0;
}

#ifdef HDT_HAVE_ONNX

/* Element i of a as a double (and whether a's dtype is a float). */
static double test_value(const void *p, int dtype, size_t i, bool *is_float) {
  *is_float = dtype == HDTG_F32 || dtype == HDTG_F64 || dtype == HDTG_F16;
  switch (dtype) {
  case HDTG_F16: return hdt_f16_to_f32(((const hdt_f16 *)p)[i]); /* exact in f32 */
  case HDTG_F32: return ((const float *)p)[i];
  case HDTG_F64: return ((const double *)p)[i];
  case HDTG_I64: return (double)((const int64_t *)p)[i];
  case HDTG_I32: return ((const int32_t *)p)[i];
  case HDTG_I8: return ((const int8_t *)p)[i];
  default: return ((const unsigned char *)p)[i];
  }
}

/* NULL when got matches want, else why not (in buf). */
static const char *test_compare(const hdtrt_tensor_desc *d, const void *got, const hdto_tensor *want,
                                const test_opts *t, char *buf, size_t size) {
  bool same = want->dtype == (hdtg_dtype)d->dtype && want->rank == d->rank;
  for (int i = 0; same && i < d->rank; i++)
    same = want->dims[i] == d->dims[i];
  if (!same) {
    snprintf(buf, size, "output '%s' has another dtype or shape than expected", d->name);
    return buf;
  }
  if (d->dtype == HDTG_BF16) {
    snprintf(buf, size, "output '%s': comparing %s is not supported", d->name,
             hdtg_dtype_name((hdtg_dtype)d->dtype));
    return buf;
  }
  size_t n = d->bytes / hdtg_dtype_size((hdtg_dtype)d->dtype);
  for (size_t i = 0; i < n; i++) {
    bool fl;
    double g = test_value(got, d->dtype, i, &fl), w = test_value(want->data, d->dtype, i, &fl);
    bool ok = fl ? (isnan(w) ? isnan(g) : fabs(g - w) <= t->atol + t->rtol * fabs(w)) : g == w;
    if (!ok) {
      snprintf(buf, size, "output '%s'[%zu] is %.9g, expected %.9g", d->name, i, g, w);
      return buf;
    }
  }
  return NULL;
}

/* Reads DIR/test_data_set_N/PREFIX_K.pb for K = 0, 1, ... into ts. */
static void test_free_set(hdto_tensor *ts, int n) {
  for (int k = 0; k < n; k++)
    hdto_tensor_free(&ts[k]);
}

/* 0, or the importer's status (UNSUPPORTED for a dtype the graph has
 * not) after a message in why. */
static int test_read_set(const char *dir, int set, const char *prefix, hdto_tensor *ts, int max,
                         int *n, char *why, size_t size) {
  *n = 0;
  for (int k = 0; k < max; k++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/test_data_set_%d/%s_%d.pb", dir, set, prefix, k);
    if (!test_exists(path))
      break;
    char *msg = NULL;
    hdto_status st = hdto_read_tensor_file(path, &ts[k], &msg);
    if (st != HDTO_OK) {
      snprintf(why, size, "%.900s", msg ? msg : path);
      free(msg);
      test_free_set(ts, *n);
      *n = 0;
      return (int)st;
    }
    (*n)++;
  }
  return 0;
}


/* Imports with the small integer inputs frozen, then compiles. */
static test_result test_compile(const char *dir, const test_opts *t, hdtrt_model **m, char *why,
                                size_t size) {
  hdto_tensor ins[64];
  int nin = 0;
  int rs = test_read_set(dir, 0, "input", ins, 64, &nin, why, size);
  if (rs) /* a dtype or a structure (sequences, optionals) hdt has not */
    return rs == HDTO_ERROR_UNSUPPORTED || rs == HDTO_ERROR_PARSE || rs == HDTO_ERROR_MODEL
               ? TEST_UNSUPPORTED
               : TEST_FAIL;
  hdto_tensor frozen[64];
  int nf = 0;
  for (int k = 0; k < nin; k++)
    if ((ins[k].dtype == HDTG_I64 || ins[k].dtype == HDTG_I32) && ins[k].rank <= 1 &&
        ins[k].bytes / hdtg_dtype_size(ins[k].dtype) <= 16)
      frozen[nf++] = ins[k];
  hdto_options opts;
  hdto_options_init(&opts);
  opts.frozen = frozen;
  opts.nfrozen = nf;
  char path[4096], *msg = NULL;
  snprintf(path, sizeof path, "%s/model.onnx", dir);
  hdtg_graph *g = NULL;
  hdto_status st = hdto_import_file(path, &opts, &g, &msg);
  test_free_set(ins, nin);
  if (st != HDTO_OK) {
    snprintf(why, size, "%s", msg ? msg : "cannot import");
    free(msg);
    return st == HDTO_ERROR_UNSUPPORTED ? TEST_UNSUPPORTED : TEST_FAIL;
  }
  for (int i = 0; i < hdtg_symbol_count(g); i++)
    if (hdtg_symbol_value(g, i) < 0)
      hdtg_specialize(g, hdtg_symbol_name(g, i), 1);
  hdtrt_compile_options co = {.cache_dir = t->o.cache_dir, .verbose = t->o.verbose,
                              .no_fusion = t->o.no_fusion};
  hdtrt_status cs = hdtrt_compile(g, t->o.device ? t->o.device : hdtrt_default_device(), &co, m);
  hdtg_destroy(g);
  if (cs != HDTRT_OK) {
    snprintf(why, size, "%s", hdtrt_last_error());
    return cs == HDTRT_ERROR_UNSUPPORTED || cs == HDTRT_ERROR_SHAPE ? TEST_UNSUPPORTED : TEST_FAIL;
  }
  return TEST_PASS;
}

/* Runs data set `set` through s; NULL when its outputs match. */
static test_result test_run_set(const char *dir, int set, hdtrt_model *m, hdtrt_session *s,
                                const test_opts *t, char *why, size_t size) {
  hdto_tensor ins[64], outs[64];
  int nin = 0, nout = 0;
  test_result r = TEST_FAIL;
  int rs = test_read_set(dir, set, "input", ins, 64, &nin, why, size);
  if (!rs)
    rs = test_read_set(dir, set, "output", outs, 64, &nout, why, size);
  if (rs) {
    r = rs == HDTO_ERROR_UNSUPPORTED ? TEST_UNSUPPORTED : TEST_FAIL;
    goto done;
  }
  if (nout != hdtrt_model_num_outputs(m)) {
    snprintf(why, size, "%d expected outputs, the model has %d", nout, hdtrt_model_num_outputs(m));
    goto done;
  }
  for (int k = 0; k < hdtrt_model_num_inputs(m); k++) {
    hdtrt_tensor_desc d;
    hdtrt_model_input(m, k, &d);
    int j = -1;
    for (int i = 0; i < nin; i++)
      if (strcmp(ins[i].name, d.name) == 0 || (j < 0 && !ins[i].name[0] && i == k))
        j = i;
    if (j < 0) {
      snprintf(why, size, "no data for input '%s'", d.name);
      goto done;
    }
    if (hdtrt_session_bind_input_tensor(s, d.name, ins[j].data, ins[j].dtype, ins[j].rank,
                                        ins[j].dims, HDTRT_MEM_HOST) != HDTRT_OK) {
      snprintf(why, size, "%s", hdtrt_last_error());
      goto done;
    }
  }
  if (hdtrt_session_run(s) != HDTRT_OK) {
    snprintf(why, size, "%s", hdtrt_last_error());
    goto done;
  }
  for (int k = 0; k < nout; k++) {
    hdtrt_tensor_desc d;
    const void *got;
    hdtrt_model_output(m, k, &d);
    if (hdtrt_session_output_data(s, d.name, &got, NULL) != HDTRT_OK) {
      snprintf(why, size, "%s", hdtrt_last_error());
      goto done;
    }
    if (test_compare(&d, got, &outs[k], t, why, size))
      goto done;
  }
  r = TEST_PASS;
done:
  test_free_set(ins, nin);
  test_free_set(outs, nout);
  return r;
}

static test_result test_case(const char *dir, const test_opts *t, char *why, size_t size) {
  char path[4096];
  snprintf(path, sizeof path, "%s/model.onnx", dir);
  if (!test_exists(path)) {
    snprintf(why, size, "no %.900s", path);
    return TEST_FAIL;
  }
  hdtrt_model *m = NULL;
  test_result r = test_compile(dir, t, &m, why, size);
  if (r != TEST_PASS)
    return r;
  hdtrt_session *s = NULL;
  if (hdtrt_session_create(m, &s) != HDTRT_OK) {
    snprintf(why, size, "%s", hdtrt_last_error());
    r = TEST_FAIL;
  }
  int sets = 0;
  for (int set = 0; r == TEST_PASS; set++) {
    snprintf(path, sizeof path, "%s/test_data_set_%d", dir, set);
    if (!test_exists(path))
      break;
    r = test_run_set(dir, set, m, s, t, why, size);
    sets++;
  }
  if (r == TEST_PASS && sets == 0) {
    snprintf(why, size, "no test_data_set_0");
    r = TEST_FAIL;
  }
  hdtrt_session_destroy(s);
  hdtrt_model_destroy(m);
  return r;
}
#endif

static int test_option(int argc, char **argv, int *i, void *ctx) {
  test_opts *t = ctx;
  if (strcmp(argv[*i], "--atol") != 0 && strcmp(argv[*i], "--rtol") != 0)
    return 0;
  if (*i + 1 >= argc)
    return -cli_error("%s needs a number", argv[*i]);
  double *which = argv[*i][2] == 'a' ? &t->atol : &t->rtol;
  *which = atof(argv[++*i]);
  return 1;
}

int cmd_test(int argc, char **argv) {
  test_opts t = {.atol = 1e-7, .rtol = 1e-3};
  const char **dirs = calloc((size_t)argc + 1, sizeof *dirs);
  int ndirs = 0;
  if (!dirs)
    return cli_error("out of memory");
  int rc = cli_parse(argc, argv, &t.o, test_option, &t, "test case DIR", dirs, argc, &ndirs, test_usage);
  if (rc) {
    free(dirs);
    return rc < 0 ? 0 : rc;
  }
#ifndef HDT_HAVE_ONNX
  free(dirs);
  return cli_error("this hdt was built without the ONNX importer (protobuf-c)");
#else
  int count[3] = {0};
  static const char *const label[] = {"PASS", "FAIL", "UNSUPPORTED"};
  for (int i = 0; i < ndirs; i++) {
    char why[1024] = "";
    test_result r = test_case(dirs[i], &t, why, sizeof why);
    count[r]++;
    for (char *c = why; *c; c++)
      if (*c == '\n')
        *c = ' ';
    char name[512];
    test_name(dirs[i], name, sizeof name);
    if (r == TEST_PASS)
      printf("PASS %s\n", name);
    else
      printf("%s %s: %s\n", label[r], name, why);
    fflush(stdout);
  }
  printf("%d passed, %d failed, %d unsupported\n", count[0], count[1], count[2]);
  free(dirs);
  return count[TEST_FAIL] ? 1 : 0;
#endif
}
