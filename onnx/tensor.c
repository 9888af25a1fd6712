/* tensor.c: ONNX TensorProtos (initializers, Constant values) into constant
 * data for the graph.
 *
 * A model file is untrusted input, so nothing here believes a size field:
 * the element count is computed from the dims with overflow checks and must
 * match what the tensor actually carries (raw_data's length, a typed field's
 * count, an external file's size) before anything is allocated, so a lying
 * header costs an error, never a huge allocation. Data is little-endian in
 * ONNX and on every host hdt targets, so raw_data is used in place.
 *
 * External data (data_location = EXTERNAL) is read from a file named by the
 * `location` key, relative to the model's folder: absolute paths, `..`
 * components and symbolic links that lead out of the folder are refused, and
 * the total read is bounded by hdto_options.max_external_bytes. */
#define _XOPEN_SOURCE 700 /* realpath */
#include "onnx_impl.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- dtypes ---------------------------------------------------------------------- */

/* ONNX's TensorProto.DataType numbering, and the graph's dtype (-1: none). */
static const struct {
  const char *name;
  int dt;
} hdto_types[] = {
    {"UNDEFINED", -1}, {"FLOAT", HDTG_F32},  {"UINT8", HDTG_U8},      {"INT8", HDTG_I8},
    {"UINT16", -1},    {"INT16", -1},        {"INT32", HDTG_I32},     {"INT64", HDTG_I64},
    {"STRING", -1},    {"BOOL", HDTG_BOOL},  {"FLOAT16", HDTG_F16},   {"DOUBLE", HDTG_F64},
    {"UINT32", -1},    {"UINT64", -1},       {"COMPLEX64", -1},       {"COMPLEX128", -1},
    {"BFLOAT16", HDTG_BF16},
};
#define HDTO_NTYPES ((int32_t)(sizeof hdto_types / sizeof *hdto_types))

const char *hdto_type_name(int32_t t) {
  return t >= 0 && t < HDTO_NTYPES ? hdto_types[t].name : "an unknown type";
}

hdto_status hdto_dtype(hdto_ctx *c, int32_t t, const char *what, hdtg_dtype *out) {
  if (t < 0 || t >= HDTO_NTYPES || hdto_types[t].dt < 0)
    return hdto_fail(c, HDTO_ERROR_UNSUPPORTED, "%s: data type %s (%d) is not supported", what,
                     hdto_type_name(t), (int)t);
  *out = (hdtg_dtype)hdto_types[t].dt;
  return HDTO_OK;
}

/* ---- typed fields ------------------------------------------------------------------- */

/* The typed field that holds values of dtype dt: its count and a copy into
 * buf (elems values of dt, already allocated). */
static size_t hdto_typed_count(const Onnx__TensorProto *t, hdtg_dtype dt) {
  switch (dt) {
  case HDTG_F32: return t->n_float_data;
  case HDTG_F64: return t->n_double_data;
  case HDTG_I64: return t->n_int64_data;
  default: return t->n_int32_data; /* i32, i8, u8, bool, and f16/bf16 as bits */
  }
}

static void hdto_typed_copy(const Onnx__TensorProto *t, hdtg_dtype dt, void *buf, size_t n) {
  if (n == 0) return; /* the field's pointer may be NULL, which memcpy must not see */
  switch (dt) {
  case HDTG_F32: memcpy(buf, t->float_data, n * sizeof(float)); return;
  case HDTG_F64: memcpy(buf, t->double_data, n * sizeof(double)); return;
  case HDTG_I64: memcpy(buf, t->int64_data, n * sizeof(int64_t)); return;
  case HDTG_I32: memcpy(buf, t->int32_data, n * sizeof(int32_t)); return;
  default: break;
  }
  for (size_t i = 0; i < n; i++) {
    uint32_t v = (uint32_t)t->int32_data[i];
    if (dt == HDTG_F16 || dt == HDTG_BF16) ((uint16_t *)buf)[i] = (uint16_t)v;
    else if (dt == HDTG_BOOL) ((uint8_t *)buf)[i] = v != 0;
    else ((uint8_t *)buf)[i] = (uint8_t)v;
  }
}

/* ---- external data ------------------------------------------------------------------ */

typedef struct hdto_ext {
  const char *location;
  int64_t offset, length; /* length -1: to the end of the file */
} hdto_ext;

static hdto_status hdto_ext_keys(hdto_ctx *c, const Onnx__TensorProto *t, const char *what,
                                 hdto_ext *e) {
  *e = (hdto_ext){NULL, 0, -1};
  for (size_t i = 0; i < t->n_external_data; i++) {
    const char *k = t->external_data[i]->key, *v = t->external_data[i]->value;
    char *end = NULL;
    if (!k || !v) continue;
    if (strcmp(k, "location") == 0) {
      e->location = v;
      continue;
    }
    if (strcmp(k, "offset") != 0 && strcmp(k, "length") != 0) continue; /* checksum: unused */
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || end == v || *end || x < 0)
      return hdto_fail(c, HDTO_ERROR_EXTERNAL_DATA, "%s: external data %s '%s' is not a size",
                       what, k, v);
    *(strcmp(k, "offset") == 0 ? &e->offset : &e->length) = x;
  }
  if (!e->location || !*e->location)
    return hdto_fail(c, HDTO_ERROR_EXTERNAL_DATA, "%s: external data without a location", what);
  return HDTO_OK;
}

/* base/location, refused when it is absolute, has a `..` component, or (once
 * symbolic links are resolved) is not inside base. */
static hdto_status hdto_ext_path(hdto_ctx *c, const char *what, const char *loc, char *out) {
  char joined[PATH_MAX], rbase[PATH_MAX];
  bool dotdot = strcmp(loc, "..") == 0 || strncmp(loc, "../", 3) == 0 || strstr(loc, "/../") ||
                (strlen(loc) >= 3 && strcmp(loc + strlen(loc) - 3, "/..") == 0);
  if (!c->base_dir)
    return hdto_fail(c, HDTO_ERROR_EXTERNAL_DATA, "%s: external data '%s', but the model was "
                     "given in memory without a folder", what, loc);
  if (loc[0] == '/' || dotdot || strchr(loc, '\\'))
    return hdto_fail(c, HDTO_ERROR_EXTERNAL_DATA, "%s: external data location '%s' leaves the "
                     "model's folder", what, loc);
  if ((size_t)snprintf(joined, sizeof joined, "%s/%s", c->base_dir, loc) >= sizeof joined)
    return hdto_fail(c, HDTO_ERROR_EXTERNAL_DATA, "%s: external data path too long", what);
  if (!realpath(c->base_dir, rbase) || !realpath(joined, out))
    return hdto_fail(c, HDTO_ERROR_EXTERNAL_DATA, "%s: external data file '%s': %s", what, joined,
                     strerror(errno));
  size_t n = strlen(rbase);
  if (strncmp(out, rbase, n) != 0 || (out[n] != '/' && strcmp(rbase, "/") != 0))
    return hdto_fail(c, HDTO_ERROR_EXTERNAL_DATA, "%s: external data location '%s' leads out of "
                     "the model's folder (to %s)", what, loc, out);
  return HDTO_OK;
}

/* Reads `bytes` bytes of the external data of t into a new buffer. */
static hdto_status hdto_ext_read(hdto_ctx *c, const Onnx__TensorProto *t, const char *what,
                                 size_t bytes, void **out) {
  hdto_ext e;
  char path[PATH_MAX];
  struct stat sb;
  hdto_status st = hdto_ext_keys(c, t, what, &e);
  if (st || (st = hdto_ext_path(c, what, e.location, path))) return st;
  if (e.length >= 0 && (uint64_t)e.length != bytes)
    return hdto_fail(c, HDTO_ERROR_EXTERNAL_DATA, "%s: external data length %lld, its shape "
                     "needs %zu bytes", what, (long long)e.length, bytes);
  FILE *f = fopen(path, "rb");
  if (!f || fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode) ||
      (uint64_t)e.offset > (uint64_t)sb.st_size || bytes > (uint64_t)sb.st_size - (uint64_t)e.offset) {
    if (f) fclose(f);
    return hdto_fail(c, HDTO_ERROR_EXTERNAL_DATA, "%s: external data file '%s' has no %zu bytes "
                     "at offset %lld", what, e.location, bytes, (long long)e.offset);
  }
  if (bytes > c->opts.max_external_bytes - c->external_bytes) {
    fclose(f);
    return hdto_fail(c, HDTO_ERROR_EXTERNAL_DATA, "%s: external data over the limit of %zu bytes",
                     what, c->opts.max_external_bytes);
  }
  *out = malloc(bytes ? bytes : 1);
  bool ok = *out && fseeko(f, (off_t)e.offset, SEEK_SET) == 0 &&
            fread(*out, 1, bytes, f) == bytes;
  fclose(f);
  if (!ok) {
    hdto_status why = *out ? HDTO_ERROR_EXTERNAL_DATA : HDTO_ERROR_NOMEM;
    free(*out);
    *out = NULL;
    return hdto_fail(c, why,
                     "%s: cannot read %zu bytes of external data from '%s'", what, bytes,
                     e.location);
  }
  c->external_bytes += bytes;
  return HDTO_OK;
}

/* ---- decoding ------------------------------------------------------------------------ */

/* dtype and dims, and the byte size they need (overflow-checked). */
static hdto_status hdto_shape(hdto_ctx *c, const Onnx__TensorProto *t, const char *what,
                              hdto_data *d) {
  if (!t->has_data_type)
    return hdto_fail(c, HDTO_ERROR_MODEL, "%s: the tensor has no data type", what);
  hdto_status st = hdto_dtype(c, t->data_type, what, &d->dt);
  if (st) return st;
  if (t->n_dims > HDTG_MAX_RANK)
    return hdto_fail(c, HDTO_ERROR_UNSUPPORTED, "%s: rank %zu is over %d", what, t->n_dims,
                     HDTG_MAX_RANK);
  uint64_t elems = 1, limit = ((uint64_t)1 << 62) / 8;
  for (size_t i = 0; i < t->n_dims; i++) {
    if (t->dims[i] < 0 || (t->dims[i] > 0 && elems > limit / (uint64_t)t->dims[i]))
      return hdto_fail(c, HDTO_ERROR_MODEL, "%s: dimension %zu (%lld) is invalid", what, i,
                       (long long)t->dims[i]);
    elems *= (uint64_t)t->dims[i];
    d->dims[i] = t->dims[i];
  }
  d->rank = (int)t->n_dims;
  d->bytes = (size_t)(elems * hdtg_dtype_size(d->dt));
  return HDTO_OK;
}

hdto_status hdto_decode(hdto_ctx *c, const Onnx__TensorProto *t, const char *what, hdto_data *d) {
  *d = (hdto_data){0};
  hdto_status st = hdto_shape(c, t, what, d);
  if (st) return st;
  size_t es = hdtg_dtype_size(d->dt), elems = d->bytes / es;
  if (t->segment) return hdto_fail(c, HDTO_ERROR_UNSUPPORTED, "%s: segmented tensors are not supported", what);
  if (t->has_data_location && t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL) {
    if ((st = hdto_ext_read(c, t, what, d->bytes, &d->owned))) return st;
    d->data = d->owned;
    return HDTO_OK;
  }
  if (t->has_raw_data) {
    if (t->raw_data.len != d->bytes)
      return hdto_fail(c, HDTO_ERROR_MODEL, "%s: raw_data has %zu bytes, its shape and type "
                       "need %zu", what, t->raw_data.len, d->bytes);
    d->data = t->raw_data.data;
    return HDTO_OK;
  }
  size_t n = hdto_typed_count(t, d->dt);
  if (n != elems)
    return hdto_fail(c, HDTO_ERROR_MODEL, "%s: %zu values given, its shape needs %zu", what, n,
                     elems);
  d->owned = malloc(d->bytes ? d->bytes : 1);
  if (!d->owned) return hdto_fail(c, HDTO_ERROR_NOMEM, "%s: out of memory", what);
  hdto_typed_copy(t, d->dt, d->owned, n);
  d->data = d->owned;
  return HDTO_OK;
}

hdto_status hdto_add_tensor(hdto_ctx *c, const Onnx__TensorProto *t, const char *name,
                            hdtg_tensor **out) {
  char what[300];
  name = name ? name : t->name;
  if (!name || !*name) return hdto_fail(c, HDTO_ERROR_MODEL, "a tensor has no name");
  snprintf(what, sizeof what, "tensor '%s'", name);
  hdto_data d;
  hdto_status st = hdto_decode(c, t, what, &d);
  if (st) return st;
  hdtg_status gs = hdtg_add_constant(c->g, name, d.dt, d.rank, d.dims, d.data, d.bytes, out);
  free(d.owned);
  if (gs == HDTG_ERROR_DUPLICATE)
    return hdto_fail(c, HDTO_ERROR_MODEL, "%s: the name is used twice", what);
  if (gs) return hdto_fail(c, gs == HDTG_ERROR_NOMEM ? HDTO_ERROR_NOMEM : HDTO_ERROR_MODEL, "%s: %s",
                           what, hdtg_last_error(c->g));
  return hdto_put(c, &c->tensors, name, *out);
}
