/* model.c: MODEL on the command line, to a compiled model.
 *
 * A file that starts with hdtrt_model_save's magic is loaded (no compiler
 * needed); anything else is taken for ONNX, imported (onnx/), given sizes
 * for its symbolic dimensions (--dim, else 1, said on stderr) and compiled
 * for the device. Built without the importer, an ONNX file is an error
 * that says so. Tensor files (.npy, .pb) are read here too. */
#include "cli.h"

#ifdef HDT_HAVE_ONNX
#include "hdt_onnx.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool cli_is_compiled(const char *path) {
  FILE *f = fopen(path, "rb");
  char magic[8] = {0};
  bool yes = f && fread(magic, 1, 8, f) == 8 && memcmp(magic, "HDTMODEL", 8) == 0;
  if (f)
    fclose(f);
  return yes;
}

#ifdef HDT_HAVE_ONNX
/* Every symbol gets a value: --dim NAME=VALUE, or 1. */
static int cli_specialize(hdtg_graph *g, const cli_opts *o) {
  for (int k = 0; k < o->ndims; k++) {
    const char *eq = strchr(o->dims[k], '=');
    char name[128];
    snprintf(name, sizeof name, "%.*s", (int)(eq - o->dims[k]), o->dims[k]);
    char *end;
    long long v = strtoll(eq + 1, &end, 10);
    if (*end || v < 1)
      return cli_error("--dim %s: the size must be a positive integer", o->dims[k]);
    if (hdtg_specialize(g, name, v) != HDTG_OK)
      return cli_error("--dim %s: %s", o->dims[k], hdtg_last_error(g));
  }
  for (int i = 0; i < hdtg_symbol_count(g); i++)
    if (hdtg_symbol_value(g, i) < 0) {
      fprintf(stderr, "hdt: note: symbolic dimension '%s' is 1 (give --dim %s=N)\n",
              hdtg_symbol_name(g, i), hdtg_symbol_name(g, i));
      if (hdtg_specialize(g, hdtg_symbol_name(g, i), 1) != HDTG_OK)
        return cli_error("%s", hdtg_last_error(g));
    }
  return 0;
}

static int cli_open_onnx(const char *path, const cli_opts *o, cli_model *cm) {
  hdtg_graph *g = NULL;
  char *msg = NULL;
  if (hdto_import_file(path, NULL, &g, &msg) != HDTO_OK) {
    cli_error("%s: %s", path, msg ? msg : "cannot import");
    free(msg);
    return 1;
  }
  cm->from_onnx = true;
  hdtg_op_histogram(g, cm->ops);
  int rc = cli_specialize(g, o);
  hdtrt_compile_options co = {.cache_dir = o->cache_dir, .verbose = o->verbose,
                              .no_fusion = o->no_fusion};
  const char *device = o->device ? o->device : hdtrt_default_device();
  if (!rc && hdtrt_compile(g, device, &co, &cm->m) != HDTRT_OK)
    rc = cli_error("%s: %s", path, hdtrt_last_error());
  hdtg_destroy(g);
  return rc;
}
#endif

int cli_open_model(const char *path, const cli_opts *o, cli_model *cm) {
  memset(cm, 0, sizeof *cm);
  FILE *f = fopen(path, "rb");
  if (!f)
    return cli_error("cannot open %s", path);
  fclose(f);
  if (cli_is_compiled(path)) {
    if (hdtrt_model_load(path, &cm->m) != HDTRT_OK)
      return cli_error("%s", hdtrt_last_error());
    if (o->device && strncmp(o->device, hdtrt_model_device(cm->m), strlen(o->device)) != 0)
      fprintf(stderr, "hdt: note: %s was compiled for %s; --device %s is ignored\n", path,
              hdtrt_model_device(cm->m), o->device);
    return 0;
  }
#ifdef HDT_HAVE_ONNX
  return cli_open_onnx(path, o, cm);
#else
  return cli_error("%s is not a compiled model, and this hdt was built without the ONNX "
                   "importer (protobuf-c)", path);
#endif
}

void cli_close_model(cli_model *cm) {
  hdtrt_model_destroy(cm->m);
  cm->m = NULL;
}

int cli_read_tensor(const char *path, npy_array *out, char *name, size_t name_size, char *err,
                    size_t errsize) {
  size_t n = strlen(path);
  if (name_size)
    name[0] = 0;
  if (n >= 4 && strcmp(path + n - 4, ".npy") == 0)
    return npy_read(path, out, err, errsize);
#ifdef HDT_HAVE_ONNX
  hdto_tensor t;
  char *msg = NULL;
  if (hdto_read_tensor_file(path, &t, &msg) != HDTO_OK) {
    snprintf(err, errsize, "%s", msg ? msg : path);
    free(msg);
    return -1;
  }
  memset(out, 0, sizeof *out);
  out->dtype = t.dtype;
  out->rank = t.rank;
  memcpy(out->dims, t.dims, sizeof out->dims);
  out->bytes = t.bytes;
  out->data = npy_alloc(t.bytes);
  if (out->data)
    if (t.bytes)
      memcpy(out->data, t.data, t.bytes);
  if (name_size)
    snprintf(name, name_size, "%s", t.name);
  hdto_tensor_free(&t);
  if (!out->data) {
    snprintf(err, errsize, "%s: out of memory", path);
    return -1;
  }
  return 0;
#else
  snprintf(err, errsize, "%s: only .npy files can be read (built without protobuf-c)", path);
  return -1;
#endif
}

static uint64_t cli_next(uint64_t *s) {
  *s = *s * 6364136223846793005ull + 1442695040888963407ull;
  return *s >> 11;
}

int cli_random_tensor(const hdtrt_tensor_desc *d, uint64_t *state, npy_array *a) {
  memset(a, 0, sizeof *a);
  a->dtype = d->dtype;
  a->rank = d->rank;
  memcpy(a->dims, d->dims, sizeof a->dims);
  a->bytes = d->bytes;
  a->data = npy_alloc(a->bytes);
  if (!a->data)
    return -1;
  size_t n = hdtg_dtype_size((hdtg_dtype)d->dtype), count = n ? a->bytes / n : 0;
  for (size_t i = 0; i < count; i++) {
    double u = (double)cli_next(state) / 9007199254740992.0;
    switch (d->dtype) {
    case HDTG_F32: ((float *)a->data)[i] = (float)(u * 2 - 1); break;
    case HDTG_F64: ((double *)a->data)[i] = u * 2 - 1; break;
    case HDTG_I64: ((int64_t *)a->data)[i] = (int64_t)(u * 4); break;
    case HDTG_I32: ((int32_t *)a->data)[i] = (int32_t)(u * 4); break;
    case HDTG_BOOL: ((unsigned char *)a->data)[i] = u < 0.5; break;
    default: ((unsigned char *)a->data)[i * n] = (unsigned char)(u * 4); break;
    }
  }
  if (d->dtype == HDTG_F16 || d->dtype == HDTG_BF16)
    memset(a->data, 0, a->bytes); /* zeros: valid values in both formats */
  return 0;
}
