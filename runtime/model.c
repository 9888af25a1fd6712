/* model.c: a compiled model: linking its kernels, checking it, describing
 * it (hdtrt.h's hdtrt_model_* queries, the info lines and the dot graph).
 *
 * Saving and loading are model_io.c's; running is session.c's. */
#define _GNU_SOURCE /* memfd_create */
#include "model.h"

#include "graph.h" /* the dtype table: header only, no graph library */

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const struct {
  const char *name;
  size_t bytes;
} model_dtypes[] = {
#define MODEL_X(ID, name, bytes) {name, bytes},
    HDTG_DTYPE_LIST(MODEL_X)
#undef MODEL_X
};

size_t model_dtype_size(int32_t dtype) {
  return dtype >= 0 && dtype < HDTG_DTYPE_COUNT ? model_dtypes[dtype].bytes : 0;
}

static const char *model_dtype_name(int32_t dtype) {
  return dtype >= 0 && dtype < HDTG_DTYPE_COUNT ? model_dtypes[dtype].name : "?";
}

int32_t model_find_io(const hdtrt_model *m, const char *name, bool output) {
  const int32_t *ids = output ? m->outputs : m->inputs;
  int32_t n = output ? m->noutputs : m->ninputs;
  for (int32_t i = 0; name && i < n; i++)
    if (strcmp(m->tensors[ids[i]].name, name) == 0)
      return i;
  return -1;
}

const char *model_shape_str(int32_t dtype, int rank, const int64_t *dims, char *buf, size_t size) {
  size_t at = (size_t)snprintf(buf, size, "%s[", model_dtype_name(dtype));
  for (int d = 0; d < rank && at < size; d++)
    at += (size_t)snprintf(buf + at, size - at, "%s%lld", d ? ", " : "", (long long)dims[d]);
  if (at < size)
    snprintf(buf + at, size - at, "]");
  return buf;
}

/* ---- checking ------------------------------------------------------------- */

static hdtrt_status model_validate_tensor(const hdtrt_model *m, int32_t i) {
  const mtensor *t = &m->tensors[i];
  if (!t->name || t->kind < 0 || t->kind >= MT_KIND_COUNT || t->rank < 0 || t->rank > 8 ||
      !model_dtype_size(t->dtype))
    return hdtrt_fail(HDTRT_ERROR_CORRUPT, "tensor %d: bad kind, rank or dtype", i);
  uint64_t elems = 1;
  for (int d = 0; d < t->rank; d++) {
    if (t->dims[d] < 0 || (t->dims[d] && elems > UINT64_MAX / (uint64_t)t->dims[d]))
      return hdtrt_fail(HDTRT_ERROR_CORRUPT, "tensor '%s': bad dimensions", t->name);
    elems *= (uint64_t)t->dims[d];
  }
  if (elems > UINT64_MAX / model_dtype_size(t->dtype) ||
      elems * model_dtype_size(t->dtype) != t->bytes)
    return hdtrt_fail(HDTRT_ERROR_CORRUPT, "tensor '%s': size disagrees with its shape", t->name);
  uint64_t limit = t->kind == MT_CONST ? m->const_bytes : t->kind == MT_ARENA ? m->arena_bytes : 0;
  if ((t->kind == MT_CONST || t->kind == MT_ARENA) &&
      (t->offset > limit || t->bytes > limit - t->offset || t->offset % 64))
    return hdtrt_fail(HDTRT_ERROR_CORRUPT, "tensor '%s': outside its %s", t->name,
                      t->kind == MT_CONST ? "constants" : "arena");
  if (t->kind == MT_VIEW) {
    if (t->base < 0 || t->base >= m->ntensors || m->tensors[t->base].kind == MT_VIEW ||
        m->tensors[t->base].bytes != t->bytes)
      return hdtrt_fail(HDTRT_ERROR_CORRUPT, "view '%s': bad base", t->name);
  }
  return HDTRT_OK;
}

static hdtrt_status model_validate_io(const hdtrt_model *m, const int32_t *ids, int32_t n,
                                      mt_kind kind) {
  for (int32_t i = 0; i < n; i++)
    if (ids[i] < 0 || ids[i] >= m->ntensors || m->tensors[ids[i]].kind != (int32_t)kind ||
        m->tensors[ids[i]].io != i)
      return hdtrt_fail(HDTRT_ERROR_CORRUPT, "%s %d: bad tensor",
                        kind == MT_INPUT ? "input" : "output", i);
  return HDTRT_OK;
}

hdtrt_status model_validate(const hdtrt_model *m) {
  if (m->ntensors < 0 || m->nsteps < 0 || m->ninputs < 0 || m->noutputs < 0)
    return hdtrt_fail(HDTRT_ERROR_CORRUPT, "negative counts");
  for (int32_t i = 0; i < m->ntensors; i++) {
    hdtrt_status st = model_validate_tensor(m, i);
    if (st)
      return st;
  }
  hdtrt_status st = model_validate_io(m, m->inputs, m->ninputs, MT_INPUT);
  if (st || (st = model_validate_io(m, m->outputs, m->noutputs, MT_OUTPUT)))
    return st;
  for (int32_t s = 0; s < m->nsteps; s++) {
    const mstep *p = &m->steps[s];
    if (!p->symbol || p->nargs < 1 || p->nargs > 64)
      return hdtrt_fail(HDTRT_ERROR_CORRUPT, "step %d: bad kernel", s);
    for (int32_t a = 0; a < p->nargs; a++)
      if (p->args[a] < 0 || p->args[a] >= m->ntensors)
        return hdtrt_fail(HDTRT_ERROR_CORRUPT, "step %d: argument %d names no tensor", s, a);
    int32_t out = p->args[p->nargs - 1];
    int32_t kind = m->tensors[out].kind;
    if (kind == MT_INPUT || kind == MT_CONST || kind == MT_VIEW)
      return hdtrt_fail(HDTRT_ERROR_CORRUPT, "step %d writes a read-only tensor", s);
  }
  return HDTRT_OK;
}

/* ---- linking the kernels ----------------------------------------------------- */

static hdtrt_status model_lookup(hdtrt_model *m, const char *name, void **out) {
  dlerror();
  *out = dlsym(m->dl, name);
  if (!*out)
    return hdtrt_fail(HDTRT_ERROR_CORRUPT, "the kernels have no symbol '%s'", name);
  return HDTRT_OK;
}

#define MODEL_GLUE_LIST(X)                                                                 \
  X(device_count) X(malloc_) X(free_) X(memcpy_) X(stream_create) X(stream_destroy) X(sync) \
  X(capture_begin) X(capture_end) X(graph_launch) X(graph_destroy) X(error_string)

static hdtrt_status model_link_glue(hdtrt_model *m) {
  void *p;
  hdtrt_status st;
#define MODEL_G(field)                                                                     \
  if ((st = model_lookup(m, "hdt_glue_" #field, &p)))                                      \
    return st;                                                                             \
  memcpy(&m->glue.field, &p, sizeof p);
  MODEL_GLUE_LIST(MODEL_G)
#undef MODEL_G
  return HDTRT_OK;
}

/* The bytes of a loaded model go to an anonymous file that dlopen can
 * open by its /proc path: nothing is left on disk, even after a crash. */
static hdtrt_status model_dlopen_bytes(hdtrt_model *m) {
  int fd = memfd_create("hdt-model", MFD_CLOEXEC);
  if (fd < 0)
    return hdtrt_fail(HDTRT_ERROR_IO, "cannot create a file for the kernels");
  size_t done = 0;
  while (done < m->so_len) {
    ssize_t w = write(fd, m->so + done, m->so_len - done);
    if (w <= 0) {
      close(fd);
      return hdtrt_fail(HDTRT_ERROR_IO, "cannot write the kernels out");
    }
    done += (size_t)w;
  }
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  m->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  close(fd);
  if (!m->dl)
    return hdtrt_fail(HDTRT_ERROR_CORRUPT, "the kernels do not load: %s", dlerror());
  return HDTRT_OK;
}

hdtrt_status model_link(hdtrt_model *m, const char *so_path) {
  if (so_path) {
    m->dl = dlopen(so_path, RTLD_NOW | RTLD_LOCAL);
    if (!m->dl)
      return hdtrt_fail(HDTRT_ERROR_COMPILE, "cannot load %s: %s", so_path, dlerror());
  } else {
    hdtrt_status st = model_dlopen_bytes(m);
    if (st)
      return st;
  }
  for (int32_t s = 0; s < m->nsteps; s++) {
    char name[96];
    void *p;
    snprintf(name, sizeof name, "%s_run", m->steps[s].symbol);
    hdtrt_status st = model_lookup(m, name, &p);
    if (st)
      return st;
    memcpy(&m->steps[s].fn, &p, sizeof p);
  }
  return m->cuda ? model_link_glue(m) : HDTRT_OK;
}

/* ---- releasing and describing ------------------------------------------------- */

void model_free(hdtrt_model *m) {
  if (!m)
    return;
  for (int32_t i = 0; m->tensors && i < m->ntensors; i++)
    free(m->tensors[i].name);
  for (int32_t s = 0; m->steps && s < m->nsteps; s++) {
    free(m->steps[s].symbol);
    free(m->steps[s].ops);
    free(m->steps[s].args);
  }
  free(m->tensors);
  free(m->steps);
  free(m->inputs);
  free(m->outputs);
  hdtrt_host_free(m->consts);
  free(m->so);
  /* The shared object stays mapped: an OpenMP pool or a CUDA runtime
   * may still have threads in it (hdtrt_cache.h says the same). */
  free(m);
}

void hdtrt_model_destroy(hdtrt_model *m) { model_free(m); }

int hdtrt_model_num_inputs(const hdtrt_model *m) { return m ? m->ninputs : 0; }
int hdtrt_model_num_outputs(const hdtrt_model *m) { return m ? m->noutputs : 0; }
const char *hdtrt_model_device(const hdtrt_model *m) { return m ? m->device : ""; }

static hdtrt_status model_desc(const hdtrt_model *m, int i, bool output, hdtrt_tensor_desc *out) {
  if (!m || !out)
    return hdtrt_fail(HDTRT_ERROR_INVALID_ARGUMENT, "NULL model or description");
  int32_t n = output ? m->noutputs : m->ninputs;
  if (i < 0 || i >= n)
    return hdtrt_fail(HDTRT_ERROR_INVALID_ARGUMENT, "the model has %d %s; %d is out of range", n,
                      output ? "outputs" : "inputs", i);
  const mtensor *t = &m->tensors[(output ? m->outputs : m->inputs)[i]];
  memset(out, 0, sizeof *out);
  out->name = t->name;
  out->dtype = t->dtype;
  out->rank = t->rank;
  memcpy(out->dims, t->dims, sizeof out->dims);
  out->bytes = (size_t)t->bytes;
  return HDTRT_OK;
}

hdtrt_status hdtrt_model_input(const hdtrt_model *m, int i, hdtrt_tensor_desc *out) {
  return model_desc(m, i, false, out);
}

hdtrt_status hdtrt_model_output(const hdtrt_model *m, int i, hdtrt_tensor_desc *out) {
  return model_desc(m, i, true, out);
}

hdtrt_status hdtrt_model_get_stats(const hdtrt_model *m, hdtrt_model_stats *out) {
  if (!m || !out)
    return hdtrt_fail(HDTRT_ERROR_INVALID_ARGUMENT, "NULL model or stats");
  *out = m->stats;
  return HDTRT_OK;
}

static void model_print_tensor(FILE *f, const char *what, const mtensor *t) {
  fprintf(f, "%s %s: %s[", what, t->name, model_dtype_name(t->dtype));
  for (int d = 0; d < t->rank; d++)
    fprintf(f, "%s%lld", d ? ", " : "", (long long)t->dims[d]);
  fprintf(f, "]\n");
}

hdtrt_status hdtrt_model_print_info(const hdtrt_model *m, FILE *f) {
  if (!m || !f)
    return hdtrt_fail(HDTRT_ERROR_INVALID_ARGUMENT, "NULL model or file");
  fprintf(f, "device: %s\n", m->device);
  fprintf(f, "nodes: %d\n", m->stats.nodes);
  fprintf(f, "kernels: %d\n", m->stats.kernels);
  fprintf(f, "intermediate bytes: %zu\n", m->stats.intermediate_bytes);
  fprintf(f, "arena bytes: %zu\n", m->stats.arena_bytes);
  fprintf(f, "constant bytes: %zu\n", m->stats.constant_bytes);
  for (int32_t i = 0; i < m->ninputs; i++)
    model_print_tensor(f, "input", &m->tensors[m->inputs[i]]);
  for (int32_t i = 0; i < m->noutputs; i++)
    model_print_tensor(f, "output", &m->tensors[m->outputs[i]]);
  for (int32_t s = 0; s < m->nsteps; s++)
    fprintf(f, "kernel %s: %s\n", m->steps[s].symbol, m->steps[s].ops);
  return ferror(f) ? hdtrt_fail(HDTRT_ERROR_IO, "cannot write the model's info") : HDTRT_OK;
}

/* The tensor whose storage t is (through a view). */
static int32_t model_storage(const hdtrt_model *m, int32_t t) {
  return m->tensors[t].kind == MT_VIEW ? m->tensors[t].base : t;
}

/* The last step before `before` that writes tensor t's storage, or -1. */
static int32_t model_writer(const hdtrt_model *m, int32_t t, int32_t before) {
  int32_t st = model_storage(m, t);
  for (int32_t s = before - 1; s >= 0; s--) {
    const mstep *p = &m->steps[s];
    if (model_storage(m, p->args[p->nargs - 1]) == st)
      return s;
  }
  return -1;
}

/* A name inside a quoted dot label. */
static void model_dot_name(FILE *f, const char *s) {
  for (; *s; s++) {
    if (*s == '"' || *s == '\\')
      fputc('\\', f);
    fputc(*s, f);
  }
}

hdtrt_status hdtrt_model_print_dot(const hdtrt_model *m, FILE *f) {
  if (!m || !f)
    return hdtrt_fail(HDTRT_ERROR_INVALID_ARGUMENT, "NULL model or file");
  fprintf(f, "digraph model {\n  rankdir=TB;\n  node [shape=box, fontname=\"monospace\"];\n");
  for (int32_t i = 0; i < m->ninputs; i++)
  {
    fprintf(f, "  t%d [shape=ellipse, label=\"", m->inputs[i]);
    model_dot_name(f, m->tensors[m->inputs[i]].name);
    fprintf(f, "\"];\n");
  }
  for (int32_t s = 0; s < m->nsteps; s++) {
    fprintf(f, "  k%d [label=\"%s\\n", s, m->steps[s].symbol);
    for (const char *c = m->steps[s].ops; *c; c++)
      fputs(*c == '+' ? "\\n" : (char[2]){*c, 0}, f);
    fprintf(f, "\"];\n");
  }
  for (int32_t s = 0; s < m->nsteps; s++) {
    const mstep *p = &m->steps[s];
    for (int32_t a = 0; a + 1 < p->nargs; a++) {
      int32_t t = p->args[a], w = model_writer(m, t, s);
      if (w >= 0) {
        fprintf(f, "  k%d -> k%d [label=\"", w, s);
        model_dot_name(f, m->tensors[t].name);
        fprintf(f, "\"];\n");
      } else if (m->tensors[model_storage(m, t)].kind == MT_INPUT)
        fprintf(f, "  t%d -> k%d;\n", model_storage(m, t), s);
    }
  }
  for (int32_t i = 0; i < m->noutputs; i++) {
    int32_t t = m->outputs[i], w = model_writer(m, t, m->nsteps);
    fprintf(f, "  t%d [shape=ellipse, label=\"", t);
    model_dot_name(f, m->tensors[t].name);
    fprintf(f, "\"];\n");
    if (w >= 0)
      fprintf(f, "  k%d -> t%d;\n", w, t);
  }
  fprintf(f, "}\n");
  return ferror(f) ? hdtrt_fail(HDTRT_ERROR_IO, "cannot write the dot graph") : HDTRT_OK;
}
