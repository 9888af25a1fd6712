/* import.c: the importer's entry points (hdt_onnx.h) and the model level:
 * reading and parsing the file, the opset, graph inputs, initializers,
 * the order of the nodes, graph outputs.
 *
 * Parsing is protobuf-c's generated code for onnx.proto (built from
 * Debian's libonnx-dev copy at build time), which checks the wire format:
 * a truncated or malformed file fails to unpack, and every length it reads
 * is bounded by the bytes it was given. What the schema cannot say is
 * checked here and in tensor.c and node.c: names that refer to nothing,
 * cycles, sizes that disagree with data.
 *
 * protobuf-c unpacks nested messages by recursion, without a limit, and a
 * subgraph attribute nests a graph in a node in a graph... at a few bytes a
 * level, so a small hostile file could exhaust the stack; the wire format
 * is therefore walked first (hdto_depth_ok) and a model nested deeper than
 * HDTO_MAX_DEPTH messages is refused.
 *
 * Nodes are converted in an order where each one's inputs exist: ONNX asks
 * for a topologically sorted list, so one walk usually does, but a walk
 * that makes no progress means a cycle or an input naming nothing, each
 * reported as such. */
#define _POSIX_C_SOURCE 200809L
#include "onnx_impl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- errors, names ---------------------------------------------------------------- */

hdto_status hdto_fail(hdto_ctx *c, hdto_status s, const char *fmt, ...) {
  if (c->st) return c->st; /* the first error is the one reported */
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->msg, sizeof c->msg, fmt, ap);
  va_end(ap);
  c->st = s;
  return s;
}

const char *hdto_status_name(hdto_status s) {
  static const char *const names[] = {"ok", "invalid argument", "i/o error", "parse error",
                                      "invalid model", "unsupported", "external data",
                                      "graph error", "out of memory"};
  return (unsigned)s < sizeof names / sizeof *names ? names[s] : "unknown status";
}

void hdto_options_init(hdto_options *o) {
  if (!o) return;
  *o = (hdto_options){0};
  o->max_model_bytes = (size_t)2 << 30;
  o->max_external_bytes = (size_t)16 << 30;
}

static uint64_t hdto_hash(const char *s) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

static hdto_entry *hdto_slot(const hdto_table *t, const char *key) {
  size_t i = (size_t)hdto_hash(key) & (t->cap - 1);
  while (t->e[i].key && strcmp(t->e[i].key, key) != 0) i = (i + 1) & (t->cap - 1);
  return &t->e[i];
}

hdtg_tensor *hdto_lookup(const hdto_table *t, const char *key) {
  return t->cap ? hdto_slot(t, key)->val : NULL;
}

bool hdto_has(const hdto_table *t, const char *key) {
  return t->cap && hdto_slot(t, key)->key;
}

/* Adds key (or sets its value); a key of c->tensors given twice is an error. */
hdto_status hdto_put(hdto_ctx *c, hdto_table *t, const char *key, hdtg_tensor *val) {
  if (2 * (t->n + 1) > t->cap) {
    hdto_table bigger = {calloc(t->cap ? 2 * t->cap : 64, sizeof *t->e), t->cap ? 2 * t->cap : 64, 0};
    if (!bigger.e) return hdto_fail(c, HDTO_ERROR_NOMEM, "out of memory");
    for (size_t i = 0; i < t->cap; i++)
      if (t->e[i].key) *hdto_slot(&bigger, t->e[i].key) = t->e[i];
    bigger.n = t->n;
    free(t->e);
    *t = bigger;
  }
  hdto_entry *e = hdto_slot(t, key);
  if (e->key && t == &c->tensors)
    return hdto_fail(c, HDTO_ERROR_MODEL, "the name '%s' is given to two tensors", key);
  t->n += !e->key;
  *e = (hdto_entry){key, val};
  return HDTO_OK;
}

const char *hdto_fresh(hdto_ctx *c, char *buf, size_t size) {
  hdtg_tensor *t;
  do snprintf(buf, size, "onnx.%d", c->fresh++);
  while (hdto_has(&c->names, buf) || hdtg_find_tensor(c->g, buf, &t) == HDTG_OK);
  return buf;
}

/* ---- the model --------------------------------------------------------------------- */

static hdto_status hdto_opset(hdto_ctx *c, const Onnx__ModelProto *m) {
  c->opset = -1;
  for (size_t i = 0; i < m->n_opset_import; i++) {
    const char *d = m->opset_import[i]->domain;
    if (!d || !*d || strcmp(d, "ai.onnx") == 0) c->opset = m->opset_import[i]->version;
  }
  if (c->opset < 0)
    return hdto_fail(c, HDTO_ERROR_UNSUPPORTED, "the model imports no opset of the default "
                     "domain (other domains are not supported)");
  if (c->opset < HDTO_MIN_OPSET || c->opset > HDTO_MAX_OPSET)
    return hdto_fail(c, HDTO_ERROR_UNSUPPORTED, "opset %lld of the default domain is not "
                     "supported (%d to %d are)", (long long)c->opset, HDTO_MIN_OPSET,
                     HDTO_MAX_OPSET);
  return HDTO_OK;
}

/* Every name the model uses, and those that something reads. */
static hdto_status hdto_collect_names(hdto_ctx *c, const Onnx__GraphProto *gp) {
  hdto_status st = HDTO_OK;
  for (size_t i = 0; i < gp->n_initializer && !st; i++)
    if (gp->initializer[i]->name) st = hdto_put(c, &c->names, gp->initializer[i]->name, NULL);
  for (size_t i = 0; i < gp->n_input && !st; i++)
    if (gp->input[i]->name) st = hdto_put(c, &c->names, gp->input[i]->name, NULL);
  for (size_t i = 0; i < gp->n_output && !st; i++)
    if (gp->output[i]->name) st = hdto_put(c, &c->used, gp->output[i]->name, NULL);
  for (size_t i = 0; i < gp->n_node && !st; i++) {
    const Onnx__NodeProto *n = gp->node[i];
    for (size_t k = 0; k < n->n_output && !st; k++) st = hdto_put(c, &c->names, n->output[k], NULL);
    for (size_t k = 0; k < n->n_input && !st; k++) {
      st = hdto_put(c, &c->names, n->input[k], NULL);
      if (!st) st = hdto_put(c, &c->used, n->input[k], NULL);
    }
  }
  return st;
}

static hdto_status hdto_input(hdto_ctx *c, const Onnx__ValueInfoProto *v) {
  const char *nm = v->name ? v->name : "";
  if (!*nm) return hdto_fail(c, HDTO_ERROR_MODEL, "a graph input has no name");
  if (hdto_lookup(&c->tensors, nm)) return HDTO_OK; /* an initializer: a constant */
  const Onnx__TypeProto *tp = v->type;
  if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type ||
      !tp->tensor_type->has_elem_type)
    return hdto_fail(c, HDTO_ERROR_UNSUPPORTED, "graph input '%s' is not a tensor of a known "
                     "type (sequences, maps and optionals are not supported)", nm);
  const Onnx__TensorShapeProto *sh = tp->tensor_type->shape;
  char what[300], syms[HDTG_MAX_RANK][300];
  hdtg_dtype dt;
  snprintf(what, sizeof what, "graph input '%s'", nm);
  hdto_status st = hdto_dtype(c, tp->tensor_type->elem_type, what, &dt);
  if (st) return st;
  if (!sh || sh->n_dim > HDTG_MAX_RANK)
    return hdto_fail(c, HDTO_ERROR_UNSUPPORTED, "%s: %s", what,
                     sh ? "its rank is over 8" : "it has no shape (an unknown rank)");
  hdtg_dim dims[HDTG_MAX_RANK];
  for (size_t i = 0; i < sh->n_dim; i++) {
    const Onnx__TensorShapeProto__Dimension *d = sh->dim[i];
    if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE && d->dim_value < 0)
      return hdto_fail(c, HDTO_ERROR_MODEL, "%s: dimension %zu is %lld", what, i,
                       (long long)d->dim_value);
    if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE)
      dims[i] = HDTG_DIM(d->dim_value);
    else if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM && d->dim_param &&
             *d->dim_param)
      dims[i] = HDTG_SYM(d->dim_param);
    else /* neither: a size of its own, named after the input */
      snprintf(syms[i], sizeof syms[i], "%s.%zu", nm, i), dims[i] = HDTG_SYM(syms[i]);
  }
  hdtg_tensor *t;
  for (int k = 0; k < c->opts.nfrozen; k++) {
    const hdto_tensor *f = &c->opts.frozen[k];
    if (!f->name || strcmp(f->name, nm) != 0)
      continue;
    /* A value given for the input: a constant, so that what it feeds
     * (a Reshape's shape, a Slice's bounds) is known. */
    if (f->dtype != dt || f->rank != (int)sh->n_dim)
      return hdto_fail(c, HDTO_ERROR_MODEL, "%s: the value given for it is not %s of rank %zu",
                       what, hdtg_dtype_name(dt), sh->n_dim);
    if (hdtg_add_constant(c->g, nm, dt, f->rank, f->dims, f->data, f->bytes, &t))
      return hdto_fail(c, HDTO_ERROR_MODEL, "%s: %s", what, hdtg_last_error(c->g));
    return hdto_put(c, &c->tensors, nm, t);
  }
  if (hdtg_add_input(c->g, nm, dt, (int)sh->n_dim, dims, &t))
    return hdto_fail(c, HDTO_ERROR_MODEL, "%s: %s", what, hdtg_last_error(c->g));
  return hdto_put(c, &c->tensors, nm, t);
}

/* Converts the nodes in an order where each one's inputs exist. */
static hdto_status hdto_nodes(hdto_ctx *c, const Onnx__GraphProto *gp) {
  bool *done = calloc(gp->n_node ? gp->n_node : 1, sizeof *done);
  if (!done) return hdto_fail(c, HDTO_ERROR_NOMEM, "out of memory");
  size_t left = gp->n_node;
  for (bool progress = true; left && progress && !c->st;) {
    progress = false;
    for (size_t i = 0; i < gp->n_node && !c->st; i++) {
      const Onnx__NodeProto *n = gp->node[i];
      bool ready = !done[i];
      for (size_t k = 0; k < n->n_input && ready; k++)
        ready = !*n->input[k] || hdto_lookup(&c->tensors, n->input[k]);
      if (!ready) continue;
      if (hdto_node(c, n, (int)i)) break;
      done[i] = progress = true;
      left--;
    }
  }
  for (size_t i = 0; left && !c->st && i < gp->n_node; i++) {
    const Onnx__NodeProto *n = gp->node[i];
    for (size_t k = 0; !done[i] && k < n->n_input && !c->st; k++) {
      bool produced = false;
      for (size_t j = 0; j < gp->n_node && !produced; j++)
        for (size_t o = 0; o < gp->node[j]->n_output && !done[j]; o++)
          produced |= strcmp(gp->node[j]->output[o], n->input[k]) == 0;
      if (*n->input[k] && !hdto_lookup(&c->tensors, n->input[k]) && !produced)
        hdto_fail(c, HDTO_ERROR_MODEL, "node '%s' (%s): input '%s' names no tensor",
                  n->name ? n->name : "", n->op_type ? n->op_type : "", n->input[k]);
    }
  }
  for (size_t i = 0; left && !c->st && i < gp->n_node; i++)
    if (!done[i])
      hdto_fail(c, HDTO_ERROR_MODEL, "%zu nodes form a cycle, node '%s' (%s) among them", left,
                gp->node[i]->name ? gp->node[i]->name : "",
                gp->node[i]->op_type ? gp->node[i]->op_type : "");
  free(done);
  return c->st;
}

static hdto_status hdto_outputs(hdto_ctx *c, const Onnx__GraphProto *gp) {
  if (gp->n_output == 0) return hdto_fail(c, HDTO_ERROR_MODEL, "the graph has no outputs");
  for (size_t i = 0; i < gp->n_output; i++) {
    const char *nm = gp->output[i]->name ? gp->output[i]->name : "";
    hdtg_tensor *t = hdto_lookup(&c->tensors, nm);
    if (!t) return hdto_fail(c, HDTO_ERROR_MODEL, "graph output '%s' names no tensor", nm);
    if (hdtg_mark_output(c->g, t))
      return hdto_fail(c, HDTO_ERROR_MODEL, "graph output '%s': %s", nm, hdtg_last_error(c->g));
  }
  return HDTO_OK;
}

static hdto_status hdto_graph(hdto_ctx *c, const Onnx__ModelProto *m) {
  const Onnx__GraphProto *gp = m->graph;
  hdto_status st = hdto_opset(c, m);
  if (st) return st;
  if (!gp) return hdto_fail(c, HDTO_ERROR_MODEL, "the model has no graph");
  if (gp->n_sparse_initializer)
    return hdto_fail(c, HDTO_ERROR_UNSUPPORTED, "sparse initializers are not supported");
  if ((st = hdto_collect_names(c, gp))) return st;
  if (hdtg_create(&c->g)) return hdto_fail(c, HDTO_ERROR_NOMEM, "out of memory");
  for (size_t i = 0; i < gp->n_initializer && !st; i++) {
    hdtg_tensor *t;
    st = hdto_add_tensor(c, gp->initializer[i], NULL, &t);
  }
  for (size_t i = 0; i < gp->n_input && !st; i++) st = hdto_input(c, gp->input[i]);
  if (!st) st = hdto_nodes(c, gp);
  if (!st) st = hdto_outputs(c, gp);
  return st;
}

/* ---- nesting depth ------------------------------------------------------------------ */

/* Messages within messages; real models nest a dozen deep (a subgraph
 * costs four: graph, node, attribute, graph). */
#define HDTO_MAX_DEPTH 128

static bool hdto_varint(const uint8_t **p, const uint8_t *end, uint64_t *v) {
  *v = 0;
  for (int shift = 0; *p < end && shift < 64; shift += 7) {
    uint8_t b = *(*p)++;
    *v |= (uint64_t)(b & 127) << shift;
    if (!(b & 128)) return true;
  }
  return false;
}

/* Whether the message of descriptor d in [p, end) nests at most
 * HDTO_MAX_DEPTH - depth levels. Malformed bytes pass: unpacking reports
 * them. Iterative within a message, recursive (bounded) across levels. */
static bool hdto_depth_ok(const ProtobufCMessageDescriptor *d, const uint8_t *p,
                          const uint8_t *end, int depth) {
  if (depth > HDTO_MAX_DEPTH) return false;
  while (p < end) {
    uint64_t tag, v;
    if (!hdto_varint(&p, end, &tag)) return true;
    switch (tag & 7) {
    case 0: if (!hdto_varint(&p, end, &v)) return true; break;
    case 1: if (end - p < 8) return true; p += 8; break;
    case 5: if (end - p < 4) return true; p += 4; break;
    case 2: {
      if (!hdto_varint(&p, end, &v) || v > (uint64_t)(end - p)) return true;
      const ProtobufCFieldDescriptor *f =
          tag >> 3 <= UINT32_MAX ? protobuf_c_message_descriptor_get_field(d, (unsigned)(tag >> 3)) : NULL;
      if (f && f->type == PROTOBUF_C_TYPE_MESSAGE &&
          !hdto_depth_ok(f->descriptor, p, p + v, depth + 1))
        return false;
      p += v;
      break;
    }
    default: return true;
    }
  }
  return true;
}

/* ---- entry points ------------------------------------------------------------------- */

static hdto_status hdto_finish(hdto_ctx *c, hdtg_graph **out, char **msg) {
  free(c->tensors.e);
  free(c->names.e);
  free(c->used.e);
  if (c->st) {
    hdtg_destroy(c->g);
    c->g = NULL;
  }
  *out = c->g;
  if (msg) *msg = c->st ? strdup(c->msg) : NULL;
  return c->st;
}

static hdto_status hdto_start(hdto_ctx *c, const hdto_options *opts, hdtg_graph **out,
                              char **msg) {
  *c = (hdto_ctx){0};
  hdto_options_init(&c->opts);
  if (opts && opts->max_model_bytes) c->opts.max_model_bytes = opts->max_model_bytes;
  if (opts && opts->max_external_bytes) c->opts.max_external_bytes = opts->max_external_bytes;
  if (opts) c->opts.frozen = opts->frozen, c->opts.nfrozen = opts->nfrozen;
  if (msg) *msg = NULL;
  if (out) *out = NULL;
  return out ? HDTO_OK : hdto_fail(c, HDTO_ERROR_INVALID_ARGUMENT, "NULL out");
}

hdto_status hdto_import_memory(const void *data, size_t len, const char *base_dir,
                               const hdto_options *opts, hdtg_graph **out, char **msg) {
  hdto_ctx c;
  hdtg_graph *dummy;
  if (hdto_start(&c, opts, out, msg)) return hdto_finish(&c, out ? out : &dummy, msg);
  c.base_dir = base_dir;
  Onnx__ModelProto *m = NULL;
  if (!data && len) hdto_fail(&c, HDTO_ERROR_INVALID_ARGUMENT, "NULL data");
  else if (len > c.opts.max_model_bytes)
    hdto_fail(&c, HDTO_ERROR_INVALID_ARGUMENT, "the model (%zu bytes) is over the limit of %zu",
              len, c.opts.max_model_bytes);
  else if (!hdto_depth_ok(&onnx__model_proto__descriptor, data, (const uint8_t *)data + len, 1))
    hdto_fail(&c, HDTO_ERROR_PARSE, "the model nests messages more than %d deep", HDTO_MAX_DEPTH);
  else if (!(m = onnx__model_proto__unpack(NULL, len, data)))
    hdto_fail(&c, HDTO_ERROR_PARSE, "not an ONNX model: the protobuf is malformed or truncated");
  else hdto_graph(&c, m);
  if (m) onnx__model_proto__free_unpacked(m, NULL);
  return hdto_finish(&c, out, msg);
}

/* The whole file, at most max bytes, into a new buffer. */
static hdto_status hdto_read(hdto_ctx *c, const char *path, void **data, size_t *len) {
  FILE *f = fopen(path, "rb");
  struct stat sb;
  *data = NULL;
  if (!f || fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
    int e = errno;
    if (f) fclose(f);
    return hdto_fail(c, HDTO_ERROR_IO, "cannot read '%s': %s", path,
                     f ? "not a regular file" : strerror(e));
  }
  if ((uint64_t)sb.st_size > c->opts.max_model_bytes) {
    fclose(f);
    return hdto_fail(c, HDTO_ERROR_IO, "'%s' (%lld bytes) is over the limit of %zu", path,
                     (long long)sb.st_size, c->opts.max_model_bytes);
  }
  *len = (size_t)sb.st_size;
  *data = malloc(*len ? *len : 1);
  bool ok = *data && fread(*data, 1, *len, f) == *len;
  fclose(f);
  if (!ok) return hdto_fail(c, *data ? HDTO_ERROR_IO : HDTO_ERROR_NOMEM, "cannot read '%s'", path);
  return HDTO_OK;
}

hdto_status hdto_import_file(const char *path, const hdto_options *opts, hdtg_graph **out,
                             char **msg) {
  hdto_ctx c;
  hdtg_graph *dummy;
  if (hdto_start(&c, opts, out, msg)) return hdto_finish(&c, out ? out : &dummy, msg);
  void *data = NULL;
  size_t len = 0;
  char *dir = path ? strdup(path) : NULL;
  if (!path) hdto_fail(&c, HDTO_ERROR_INVALID_ARGUMENT, "NULL path");
  else if (!dir) hdto_fail(&c, HDTO_ERROR_NOMEM, "out of memory");
  if (c.st || hdto_read(&c, path, &data, &len)) {
    free(dir);
    return hdto_finish(&c, out, msg);
  }
  /* External data is relative to the model's folder. */
  char *slash = strrchr(dir, '/');
  const char *base = !slash ? "." : slash == dir ? "/" : (*slash = 0, dir);
  hdto_status st = hdto_import_memory(data, len, base, &c.opts, out, msg);
  free(dir);
  free(data);
  return st;
}

/* ---- tensor files ------------------------------------------------------------------ */

/* A serialised TensorProto (the backend tests' input_K.pb, output_K.pb),
 * decoded as an initializer would be; external data is refused. */
hdto_status hdto_read_tensor_file(const char *path, hdto_tensor *out, char **msg) {
  hdto_ctx c;
  if (msg) *msg = NULL;
  c = (hdto_ctx){0};
  hdto_options_init(&c.opts);
  void *data = NULL;
  size_t len = 0;
  Onnx__TensorProto *t = NULL;
  if (!path || !out) {
    hdto_fail(&c, HDTO_ERROR_INVALID_ARGUMENT, "NULL path or tensor");
  } else if (!hdto_read(&c, path, &data, &len)) {
    memset(out, 0, sizeof *out);
    hdto_data d;
    if (!hdto_depth_ok(&onnx__tensor_proto__descriptor, data, (const uint8_t *)data + len, 1) ||
        !(t = onnx__tensor_proto__unpack(NULL, len, data)))
      hdto_fail(&c, HDTO_ERROR_PARSE, "'%s' is not an ONNX TensorProto", path);
    else if (!hdto_decode(&c, t, path, &d)) {
      out->name = strdup(t->name ? t->name : "");
      out->data = malloc(d.bytes ? d.bytes : 1);
      if (!out->name || !out->data) {
        hdto_fail(&c, HDTO_ERROR_NOMEM, "out of memory");
      } else {
        if (d.bytes) memcpy(out->data, d.data, d.bytes);
        out->dtype = d.dt;
        out->rank = d.rank;
        memcpy(out->dims, d.dims, sizeof out->dims);
        out->bytes = d.bytes;
      }
      free(d.owned);
    }
  }
  if (t) onnx__tensor_proto__free_unpacked(t, NULL);
  free(data);
  if (c.st && out) hdto_tensor_free(out);
  if (c.st && msg) *msg = strdup(c.msg);
  return c.st;
}

void hdto_tensor_free(hdto_tensor *t) {
  if (!t) return;
  free(t->name);
  free(t->data);
  memset(t, 0, sizeof *t);
}
