/* model_io.c: a compiled model in one file (hdtrt_model_save / _load).
 *
 * The file is everything a session needs, so that a process with neither
 * hdtc nor a C or CUDA compiler runs it: the tensor table, the steps, the
 * constants and the kernels' shared object. Layout (integers little-endian,
 * as the machines hdt targets are; strings are a u32 length and bytes):
 *
 *   "HDTMODEL" u32 format-version  str hdt-version  str device
 *   i32 ntensors  { str name  i32 dtype rank kind  i64 dims[rank]
 *                   u64 bytes offset  i32 base io }
 *   i32 nsteps    { str symbol  str ops  i32 nargs  i32 args[nargs] }
 *   i32 ninputs i32 ids[]   i32 noutputs i32 ids[]
 *   i32 nodes kernels  u64 intermediate-bytes arena-bytes
 *   u64 const-bytes  bytes      u64 so-bytes  bytes
 *   32 bytes: SHA-256 of everything before
 *
 * Loading trusts nothing: the digest catches damage, every count and
 * length is bounded by what is left of the file before anything is
 * allocated, and model_validate checks every index and offset, so a
 * corrupted or hostile file is HDTRT_ERROR_CORRUPT, never a crash. A model
 * saved by another hdt version is refused (its kernels may call a runtime
 * that changed). */
#include "model.h"

#include "sha256.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIO_MAGIC "HDTMODEL"
enum { MIO_VERSION = 1 };

/* ---- writing ------------------------------------------------------------- */

typedef struct mio_out {
  FILE *f;
  hdtrt_sha256 h;
} mio_out;

static void mio_put(mio_out *o, const void *p, size_t n) {
  if (!n)
    return; /* p may be NULL (an empty table) */
  hdtrt_sha256_update(&o->h, p, n);
  fwrite(p, 1, n, o->f);
}
static void mio_i32(mio_out *o, int32_t v) { mio_put(o, &v, 4); }
static void mio_u64(mio_out *o, uint64_t v) { mio_put(o, &v, 8); }
static void mio_str(mio_out *o, const char *s) {
  uint32_t n = (uint32_t)strlen(s);
  mio_put(o, &n, 4);
  mio_put(o, s, n);
}

static void mio_write_model(mio_out *o, const hdtrt_model *m) {
  uint32_t version = MIO_VERSION;
  mio_put(o, MIO_MAGIC, 8);
  mio_put(o, &version, 4);
  mio_str(o, hdtrt_version());
  mio_str(o, m->device);
  mio_i32(o, m->ntensors);
  for (int32_t i = 0; i < m->ntensors; i++) {
    const mtensor *t = &m->tensors[i];
    mio_str(o, t->name);
    mio_i32(o, t->dtype);
    mio_i32(o, t->rank);
    mio_i32(o, t->kind);
    mio_put(o, t->dims, 8 * (size_t)t->rank);
    mio_u64(o, t->bytes);
    mio_u64(o, t->offset);
    mio_i32(o, t->base);
    mio_i32(o, t->io);
  }
  mio_i32(o, m->nsteps);
  for (int32_t s = 0; s < m->nsteps; s++) {
    mio_str(o, m->steps[s].symbol);
    mio_str(o, m->steps[s].ops);
    mio_i32(o, m->steps[s].nargs);
    mio_put(o, m->steps[s].args, 4 * (size_t)m->steps[s].nargs);
  }
  mio_i32(o, m->ninputs);
  mio_put(o, m->inputs, 4 * (size_t)m->ninputs);
  mio_i32(o, m->noutputs);
  mio_put(o, m->outputs, 4 * (size_t)m->noutputs);
  mio_i32(o, m->stats.nodes);
  mio_i32(o, m->stats.kernels);
  mio_u64(o, m->stats.intermediate_bytes);
  mio_u64(o, m->stats.arena_bytes);
  mio_u64(o, m->const_bytes);
  mio_put(o, m->consts, (size_t)m->const_bytes);
  mio_u64(o, m->so_len);
  mio_put(o, m->so, (size_t)m->so_len);
  unsigned char digest[32];
  hdtrt_sha256_final(&o->h, digest);
  fwrite(digest, 1, 32, o->f);
}

hdtrt_status hdtrt_model_save(const hdtrt_model *m, const char *path) {
  if (!m || !path)
    return hdtrt_fail(HDTRT_ERROR_INVALID_ARGUMENT, "NULL model or path");
  mio_out o = {.f = fopen(path, "wb")};
  if (!o.f)
    return hdtrt_fail(HDTRT_ERROR_IO, "cannot write %s: %s", path, strerror(errno));
  hdtrt_sha256_init(&o.h);
  mio_write_model(&o, m);
  bool bad = ferror(o.f) != 0;
  if (fclose(o.f) != 0 || bad) {
    remove(path);
    return hdtrt_fail(HDTRT_ERROR_IO, "cannot write %s (disk full?)", path);
  }
  return HDTRT_OK;
}

/* ---- reading ------------------------------------------------------------- */

typedef struct mio_in {
  const unsigned char *p;
  size_t left;
  bool bad;
} mio_in;

static const void *mio_take(mio_in *in, size_t n) {
  if (in->bad || n > in->left) {
    in->bad = true;
    return NULL;
  }
  const void *p = in->p;
  in->p += n;
  in->left -= n;
  return p;
}

static int32_t mio_get_i32(mio_in *in) {
  int32_t v = 0;
  const void *p = mio_take(in, 4);
  if (p)
    memcpy(&v, p, 4);
  return v;
}

static uint64_t mio_get_u64(mio_in *in) {
  uint64_t v = 0;
  const void *p = mio_take(in, 8);
  if (p)
    memcpy(&v, p, 8);
  return v;
}

/* A count of items of at least `min_size` bytes each: no larger than what
 * is left of the file could hold, so a lying count allocates nothing. */
static int32_t mio_get_count(mio_in *in, size_t min_size) {
  int32_t n = mio_get_i32(in);
  if (n < 0 || (size_t)n > in->left / min_size)
    in->bad = true;
  return in->bad ? 0 : n;
}

static char *mio_get_str(mio_in *in) {
  uint32_t n = (uint32_t)mio_get_i32(in);
  const char *p = mio_take(in, n);
  if (!p || memchr(p, 0, n))
    return in->bad = true, NULL;
  char *s = malloc((size_t)n + 1);
  if (!s)
    return in->bad = true, NULL;
  memcpy(s, p, n);
  s[n] = 0;
  return s;
}

/* n bytes of the file in a new buffer (aligned: hdtrt_host_alloc's). */
static void *mio_get_bytes(mio_in *in, size_t n, bool aligned) {
  const void *p = mio_take(in, n);
  if (!p)
    return NULL;
  void *copy = aligned ? hdtrt_host_alloc(n ? n : 1) : malloc(n ? n : 1);
  if (!copy)
    return in->bad = true, NULL;
  if (n)
    memcpy(copy, p, n);
  return copy;
}

static void mio_read_tensor(mio_in *in, mtensor *t) {
  t->name = mio_get_str(in);
  t->dtype = mio_get_i32(in);
  t->rank = mio_get_i32(in);
  t->kind = mio_get_i32(in);
  if (t->rank < 0 || t->rank > 8) {
    in->bad = true;
    return;
  }
  const void *dims = mio_take(in, 8 * (size_t)t->rank);
  if (dims)
    memcpy(t->dims, dims, 8 * (size_t)t->rank);
  t->bytes = mio_get_u64(in);
  t->offset = mio_get_u64(in);
  t->base = mio_get_i32(in);
  t->io = mio_get_i32(in);
}

static void mio_read_step(mio_in *in, mstep *s) {
  s->symbol = mio_get_str(in);
  s->ops = mio_get_str(in);
  s->nargs = mio_get_count(in, 4);
  s->args = mio_get_bytes(in, 4 * (size_t)s->nargs, false);
}

static int32_t *mio_read_ids(mio_in *in, int32_t *n) {
  *n = mio_get_count(in, 4);
  return mio_get_bytes(in, 4 * (size_t)*n, false);
}

static void mio_read_model(mio_in *in, hdtrt_model *m) {
  char *device = mio_get_str(in);
  if (device && strlen(device) < sizeof m->device) {
    strcpy(m->device, device);
    m->cuda = strncmp(device, "cuda", 4) == 0;
  } else {
    in->bad = true;
  }
  free(device);
  m->ntensors = mio_get_count(in, 40);
  m->tensors = in->bad ? NULL : calloc((size_t)m->ntensors + 1, sizeof *m->tensors);
  for (int32_t i = 0; m->tensors && !in->bad && i < m->ntensors; i++)
    mio_read_tensor(in, &m->tensors[i]);
  m->nsteps = mio_get_count(in, 12);
  m->steps = in->bad ? NULL : calloc((size_t)m->nsteps + 1, sizeof *m->steps);
  for (int32_t s = 0; m->steps && !in->bad && s < m->nsteps; s++)
    mio_read_step(in, &m->steps[s]);
  m->inputs = mio_read_ids(in, &m->ninputs);
  m->outputs = mio_read_ids(in, &m->noutputs);
  m->stats.nodes = mio_get_i32(in);
  m->stats.kernels = mio_get_i32(in);
  m->stats.intermediate_bytes = (size_t)mio_get_u64(in);
  m->stats.arena_bytes = (size_t)mio_get_u64(in);
  m->arena_bytes = m->stats.arena_bytes;
  m->const_bytes = mio_get_u64(in);
  m->stats.constant_bytes = (size_t)m->const_bytes;
  m->consts = mio_get_bytes(in, m->const_bytes <= in->left ? (size_t)m->const_bytes : SIZE_MAX, true);
  m->so_len = mio_get_u64(in);
  m->so = mio_get_bytes(in, m->so_len <= in->left ? (size_t)m->so_len : SIZE_MAX, false);
  if (!m->tensors || !m->steps || in->left != 0)
    in->bad = true;
}

hdtrt_status model_read_file(const char *path, unsigned char **data, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return hdtrt_fail(HDTRT_ERROR_IO, "cannot open %s: %s", path, strerror(errno));
  long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
  if (size < 0 || fseek(f, 0, SEEK_SET) != 0) {
    fclose(f);
    return hdtrt_fail(HDTRT_ERROR_IO, "cannot read %s", path);
  }
  *data = malloc((size_t)size + 1);
  if (!*data) {
    fclose(f);
    return hdtrt_fail(HDTRT_ERROR_NOMEM, "%s: no memory for %ld bytes", path, size);
  }
  *len = fread(*data, 1, (size_t)size, f);
  fclose(f);
  if (*len != (size_t)size) {
    free(*data);
    *data = NULL;
    return hdtrt_fail(HDTRT_ERROR_IO, "cannot read %s", path);
  }
  return HDTRT_OK;
}

static hdtrt_status mio_check_header(const char *path, const unsigned char *data, size_t len) {
  if (len < 8 + 4 + 32 || memcmp(data, MIO_MAGIC, 8) != 0)
    return hdtrt_fail(HDTRT_ERROR_CORRUPT, "%s is not an hdt model", path);
  unsigned char digest[32];
  hdtrt_sha256 h;
  hdtrt_sha256_init(&h);
  hdtrt_sha256_update(&h, data, len - 32);
  hdtrt_sha256_final(&h, digest);
  if (memcmp(digest, data + len - 32, 32) != 0)
    return hdtrt_fail(HDTRT_ERROR_CORRUPT, "%s is damaged (its checksum does not match)", path);
  uint32_t version;
  memcpy(&version, data + 8, 4);
  if (version != MIO_VERSION)
    return hdtrt_fail(HDTRT_ERROR_CORRUPT, "%s has format version %u; this runtime reads %d",
                      path, version, MIO_VERSION);
  return HDTRT_OK;
}

static hdtrt_status mio_parse(const char *path, const unsigned char *data, size_t len,
                              hdtrt_model *m) {
  mio_in in = {.p = data + 12, .left = len - 12 - 32};
  char *version = mio_get_str(&in);
  if (!version || strcmp(version, hdtrt_version()) != 0) {
    hdtrt_status st = hdtrt_fail(HDTRT_ERROR_CORRUPT, "%s was saved by hdt %s; this is hdt %s",
                                 path, version ? version : "?", hdtrt_version());
    free(version);
    return st;
  }
  free(version);
  mio_read_model(&in, m);
  if (in.bad)
    return hdtrt_fail(HDTRT_ERROR_CORRUPT, "%s is damaged (truncated or inconsistent)", path);
  hdtrt_status st = model_validate(m);
  if (st)
    return hdtrt_fail(st, "%s: %s", path, hdtrt_last_error());
  return HDTRT_OK;
}

hdtrt_status hdtrt_model_load(const char *path, hdtrt_model **out) {
  if (!path || !out)
    return hdtrt_fail(HDTRT_ERROR_INVALID_ARGUMENT, "NULL path or model");
  *out = NULL;
  unsigned char *data = NULL;
  size_t len = 0;
  hdtrt_status st = model_read_file(path, &data, &len);
  if (st)
    return st;
  hdtrt_model *m = calloc(1, sizeof *m);
  if (!m) {
    free(data);
    return hdtrt_fail(HDTRT_ERROR_NOMEM, "no memory for a model");
  }
  if (!(st = mio_check_header(path, data, len)) && !(st = mio_parse(path, data, len, m)))
    st = model_link(m, NULL);
  free(data);
  if (st) {
    model_free(m);
    return st;
  }
  *out = m;
  return HDTRT_OK;
}
