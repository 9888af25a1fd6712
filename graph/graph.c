/* graph.c: the graph's tables, its memory, errors and the builder API.
 *
 * Every public call checks its arguments before it changes anything, so a
 * call that fails leaves the graph as it was (a node whose inference fails
 * is taken back) and says why in g->err. The op and attribute tables are
 * built from ops.def here, once, as constant data. */
#define _POSIX_C_SOURCE 200809L
#include "graph_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const gop_row gop_table[HDTG_OP_COUNT] = {
#define GOP(ID, nm, mn, mx, at, inf, fo, fl) [HDTG_OP_##ID] = {nm, mn, mx, at, inf, fo, fl},
#include "ops.def"
};

const char *const gattr_names[HDTG_A_COUNT] = {
#define GATTR(ID, nm, type) [HDTG_A_##ID] = nm,
#include "ops.def"
};

static const hdtg_attr_type gattr_types[HDTG_A_COUNT] = {
#define GATTR(ID, nm, type) [HDTG_A_##ID] = HDTG_ATTR_##type,
#include "ops.def"
};

static const struct {
  const char *name;
  size_t bytes;
} gdtypes[HDTG_DTYPE_COUNT] = {
#define HDTG_X(ID, nm, by) [HDTG_##ID] = {nm, by},
    HDTG_DTYPE_LIST(HDTG_X)
#undef HDTG_X
};

static const char *const gattr_type_names[] = {"int", "float", "ints", "floats", "string"};

/* ---- errors and helpers --------------------------------------------------- */

hdtg_status gfail(hdtg_graph *g, hdtg_status s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(g->err, sizeof g->err, fmt, ap);
  va_end(ap);
  return s;
}

hdtg_status gnode_fail(hdtg_graph *g, const gnode *n, hdtg_status s, const char *fmt, ...) {
  int k = snprintf(g->err, sizeof g->err, "node '%s' (%s): ", n->name, gop_table[n->op].name);
  va_list ap;
  va_start(ap, fmt);
  if (k > 0 && (size_t)k < sizeof g->err) vsnprintf(g->err + k, sizeof g->err - (size_t)k, fmt, ap);
  va_end(ap);
  return s;
}

/* Grows *p (an array of elem-sized items, *cap of them) to hold need. */
bool ggrow(void **p, int *cap, int need, size_t elem) {
  if (need <= *cap) return true;
  int ncap = *cap ? *cap * 2 : 8;
  while (ncap < need) ncap *= 2;
  void *q = realloc(*p, (size_t)ncap * elem);
  if (!q) return false;
  *p = q;
  *cap = ncap;
  return true;
}

bool gdtype_is_float(hdtg_dtype d) {
  return d == HDTG_F32 || d == HDTG_F16 || d == HDTG_BF16 || d == HDTG_F64;
}

const char *hdtg_dtype_name(hdtg_dtype d) {
  return (unsigned)d < HDTG_DTYPE_COUNT ? gdtypes[d].name : NULL;
}

size_t hdtg_dtype_size(hdtg_dtype d) {
  return (unsigned)d < HDTG_DTYPE_COUNT ? gdtypes[d].bytes : 0;
}

const char *hdtg_op_name(hdtg_op op) {
  return (unsigned)op < HDTG_OP_COUNT ? gop_table[op].name : NULL;
}

hdtg_status hdtg_op_from_name(const char *name, hdtg_op *out) {
  if (!name || !out) return HDTG_ERROR_INVALID_ARGUMENT;
  for (int i = 0; i < HDTG_OP_COUNT; i++)
    if (strcmp(gop_table[i].name, name) == 0) {
      *out = (hdtg_op)i;
      return HDTG_OK;
    }
  return HDTG_ERROR_UNKNOWN_OP;
}

const char *hdtg_status_name(hdtg_status s) {
  static const char *const names[] = {
      "ok", "invalid argument", "unknown op", "arity", "attribute",
      "foreign tensor", "shape", "type", "duplicate", "out of memory"};
  return (unsigned)s < sizeof names / sizeof *names ? names[s] : "unknown status";
}

const char *hdtg_last_error(const hdtg_graph *g) { return g ? g->err : ""; }

/* ---- create and destroy ----------------------------------------------------- */

hdtg_status hdtg_create(hdtg_graph **out) {
  if (!out) return HDTG_ERROR_INVALID_ARGUMENT;
  *out = calloc(1, sizeof **out);
  return *out ? HDTG_OK : HDTG_ERROR_NOMEM;
}

static void gattrs_free(gattr *a, int n) {
  for (int i = 0; i < n; i++) {
    free(a[i].ints);
    free(a[i].floats);
    free(a[i].s);
  }
  free(a);
}

static void gnode_free(gnode *n) {
  if (!n) return;
  free(n->name);
  free(n->in);
  gattrs_free(n->attrs, n->nattrs);
  free(n);
}

static void gtensor_free(hdtg_tensor *t) {
  if (!t) return;
  free(t->name);
  free(t->data);
  free(t);
}

void hdtg_destroy(hdtg_graph *g) {
  if (!g) return;
  for (int i = 0; i < g->ntensors; i++) gtensor_free(g->tensors[i]);
  for (int i = 0; i < g->nnodes; i++) gnode_free(g->nodes[i]);
  for (int i = 0; i < g->nsyms; i++) free(g->syms[i].name);
  free(g->tensors);
  free(g->nodes);
  free(g->syms);
  free(g->outputs);
  free(g->dump);
  free(g);
}

/* ---- tensors ----------------------------------------------------------------- */

static hdtg_tensor *gfind(hdtg_graph *g, const char *name) {
  /* Linear: graphs are built once; a hash table (compiler/symtab.c's kind)
   * when models with 10^5 tensors show up. */
  for (int i = 0; i < g->ntensors; i++)
    if (strcmp(g->tensors[i]->name, name) == 0) return g->tensors[i];
  return NULL;
}

/* A new tensor registered in g, or NULL (g->err says why). */
static hdtg_tensor *gtensor_new(hdtg_graph *g, const char *name, hdtg_status *st) {
  char fresh[32];
  if (!name) {
    do snprintf(fresh, sizeof fresh, "t%d", g->fresh++);
    while (gfind(g, fresh));
    name = fresh;
  } else if (!*name) {
    *st = gfail(g, HDTG_ERROR_INVALID_ARGUMENT, "a tensor name must not be empty");
    return NULL;
  } else if (gfind(g, name)) {
    *st = gfail(g, HDTG_ERROR_DUPLICATE, "a tensor named '%s' already exists", name);
    return NULL;
  }
  hdtg_tensor *t = calloc(1, sizeof *t);
  if (t) t->name = strdup(name);
  if (!t || !t->name ||
      !ggrow((void **)&g->tensors, &g->captensors, g->ntensors + 1, sizeof *g->tensors)) {
    gtensor_free(t);
    *st = gfail(g, HDTG_ERROR_NOMEM, "out of memory");
    return NULL;
  }
  t->g = g;
  t->nvals = -1;
  g->tensors[g->ntensors++] = t;
  return t;
}

/* Takes back the last tensor made by gtensor_new. */
static void gtensor_drop_last(hdtg_graph *g) { gtensor_free(g->tensors[--g->ntensors]); }

static int gsym_intern(hdtg_graph *g, const char *name) {
  for (int i = 0; i < g->nsyms; i++)
    if (strcmp(g->syms[i].name, name) == 0) return i;
  if (!ggrow((void **)&g->syms, &g->capsyms, g->nsyms + 1, sizeof *g->syms)) return -1;
  char *s = strdup(name);
  if (!s) return -1;
  g->syms[g->nsyms] = (gsym){s, -1};
  return g->nsyms++;
}

static hdtg_status gcheck_dtype_rank(hdtg_graph *g, const char *what, hdtg_dtype dt, int rank) {
  if ((unsigned)dt >= HDTG_DTYPE_COUNT)
    return gfail(g, HDTG_ERROR_INVALID_ARGUMENT, "%s: dtype %d is not a dtype", what, (int)dt);
  if (rank < 0 || rank > HDTG_MAX_RANK)
    return gfail(g, HDTG_ERROR_INVALID_ARGUMENT, "%s: rank %d is not in [0, %d]", what, rank,
                 HDTG_MAX_RANK);
  return HDTG_OK;
}

hdtg_status hdtg_add_input(hdtg_graph *g, const char *name, hdtg_dtype dtype, int rank,
                           const hdtg_dim *dims, hdtg_tensor **out) {
  if (!g) return HDTG_ERROR_INVALID_ARGUMENT;
  if (!name || !out || (rank > 0 && !dims))
    return gfail(g, HDTG_ERROR_INVALID_ARGUMENT, "hdtg_add_input: NULL name, dims or out");
  hdtg_status st = gcheck_dtype_rank(g, name, dtype, rank);
  if (st) return st;
  for (int i = 0; i < rank; i++)
    if (!dims[i].symbol && dims[i].value < 0)
      return gfail(g, HDTG_ERROR_INVALID_ARGUMENT,
                   "input '%s': dimension %d is %lld: give a size >= 0 or a symbol", name, i,
                   (long long)dims[i].value);
    else if (dims[i].symbol && !*dims[i].symbol)
      return gfail(g, HDTG_ERROR_INVALID_ARGUMENT, "input '%s': dimension %d has an empty symbol",
                   name, i);
  hdtg_tensor *t = gtensor_new(g, name, &st);
  if (!t) return st;
  for (int i = 0; i < rank; i++) {
    int sym = dims[i].symbol ? gsym_intern(g, dims[i].symbol) : -1;
    if (dims[i].symbol && sym < 0) {
      gtensor_drop_last(g);
      return gfail(g, HDTG_ERROR_NOMEM, "out of memory");
    }
    t->dims[i] = (gdim){dims[i].symbol ? -1 : dims[i].value, sym};
  }
  t->kind = HDTG_KIND_INPUT;
  t->dt = dtype;
  t->rank = rank;
  *out = t;
  return HDTG_OK;
}

hdtg_status hdtg_add_constant(hdtg_graph *g, const char *name, hdtg_dtype dtype, int rank,
                              const int64_t *dims, const void *data, size_t bytes,
                              hdtg_tensor **out) {
  if (!g) return HDTG_ERROR_INVALID_ARGUMENT;
  if (!name || !out || (rank > 0 && !dims) || (bytes > 0 && !data))
    return gfail(g, HDTG_ERROR_INVALID_ARGUMENT, "hdtg_add_constant: NULL name, dims, data or out");
  hdtg_status st = gcheck_dtype_rank(g, name, dtype, rank);
  if (st) return st;
  size_t elems = 1;
  for (int i = 0; i < rank; i++) {
    if (dims[i] < 0 || (dims[i] > 0 && elems > SIZE_MAX / 16 / (size_t)dims[i]))
      return gfail(g, HDTG_ERROR_INVALID_ARGUMENT, "constant '%s': dimension %d (%lld) is invalid",
                   name, i, (long long)dims[i]);
    elems *= (size_t)dims[i];
  }
  if (elems * hdtg_dtype_size(dtype) != bytes)
    return gfail(g, HDTG_ERROR_INVALID_ARGUMENT,
                 "constant '%s': %zu bytes given, its shape and dtype need %zu", name, bytes,
                 elems * hdtg_dtype_size(dtype));
  hdtg_tensor *t = gtensor_new(g, name, &st);
  if (!t) return st;
  t->data = malloc(bytes ? bytes : 1);
  if (!t->data) {
    gtensor_drop_last(g);
    return gfail(g, HDTG_ERROR_NOMEM, "out of memory");
  }
  if (bytes) memcpy(t->data, data, bytes);
  t->bytes = bytes;
  t->kind = HDTG_KIND_CONSTANT;
  t->dt = dtype;
  t->rank = rank;
  for (int i = 0; i < rank; i++) t->dims[i] = gdim_known(dims[i]);
  *out = t;
  return HDTG_OK;
}

/* ---- nodes ------------------------------------------------------------------- */

static hdtg_status gcheck_inputs(hdtg_graph *g, hdtg_op op, const char *name,
                                 hdtg_tensor *const *inputs, int ninputs) {
  const gop_row *r = &gop_table[op];
  const char *nm = name ? name : "(unnamed)";
  if (ninputs < r->min_in || ninputs > r->max_in || (ninputs > 0 && !inputs)) {
    if (r->min_in == r->max_in)
      return gfail(g, HDTG_ERROR_ARITY, "node '%s' (%s): takes %d input(s), %d given", nm,
                   r->name, r->min_in, ninputs);
    return gfail(g, HDTG_ERROR_ARITY, "node '%s' (%s): takes %d to %d inputs, %d given", nm,
                 r->name, r->min_in, r->max_in, ninputs);
  }
  for (int i = 0; i < ninputs; i++) {
    if (!inputs[i])
      return gfail(g, HDTG_ERROR_INVALID_ARGUMENT, "node '%s' (%s): input %d is NULL", nm,
                   r->name, i);
    if (inputs[i]->g != g)
      return gfail(g, HDTG_ERROR_FOREIGN_TENSOR,
                   "node '%s' (%s): input %d belongs to another graph", nm, r->name, i);
    if (inputs[i]->removed)
      return gfail(g, HDTG_ERROR_FOREIGN_TENSOR,
                   "node '%s' (%s): input %d ('%s') was removed by dead-node removal", nm,
                   r->name, i, inputs[i]->name);
  }
  return HDTG_OK;
}

static hdtg_status gcheck_attr(hdtg_graph *g, hdtg_op op, const char *nm, const hdtg_attr *a,
                               int *id) {
  const gop_row *r = &gop_table[op];
  if (!a->name)
    return gfail(g, HDTG_ERROR_ATTRIBUTE, "node '%s' (%s): an attribute has no name", nm, r->name);
  *id = -1;
  for (int k = 0; k < HDTG_A_COUNT; k++)
    if ((r->attrs >> k & 1) && strcmp(gattr_names[k], a->name) == 0) *id = k;
  if (*id < 0)
    return gfail(g, HDTG_ERROR_ATTRIBUTE, "node '%s' (%s): no attribute '%s'", nm, r->name,
                 a->name);
  if (a->type != gattr_types[*id])
    return gfail(g, HDTG_ERROR_ATTRIBUTE, "node '%s' (%s): attribute '%s' is %s, %s given", nm,
                 r->name, a->name, gattr_type_names[gattr_types[*id]],
                 (unsigned)a->type <= HDTG_ATTR_STRING ? gattr_type_names[a->type] : "no type");
  bool list = a->type == HDTG_ATTR_INTS || a->type == HDTG_ATTR_FLOATS;
  if (list && (a->n < 0 || (a->n > 0 && !(a->type == HDTG_ATTR_INTS ? (const void *)a->ints
                                                                      : (const void *)a->floats))))
    return gfail(g, HDTG_ERROR_ATTRIBUTE, "node '%s' (%s): attribute '%s' has a bad list", nm,
                 r->name, a->name);
  if (a->type == HDTG_ATTR_STRING && !a->s)
    return gfail(g, HDTG_ERROR_ATTRIBUTE, "node '%s' (%s): attribute '%s' is a NULL string", nm,
                 r->name, a->name);
  return HDTG_OK;
}

/* Copies a checked attribute; false when out of memory. */
static bool gattr_copy(gattr *d, const hdtg_attr *a, int id) {
  *d = (gattr){.id = (gattr_id)id, .type = a->type, .i = a->i, .f = a->f, .n = a->n};
  if (a->type == HDTG_ATTR_INTS) {
    d->ints = malloc(sizeof *d->ints * (size_t)(a->n ? a->n : 1));
    if (!d->ints) return false;
    if (a->n) memcpy(d->ints, a->ints, sizeof *d->ints * (size_t)a->n);
  } else if (a->type == HDTG_ATTR_FLOATS) {
    d->floats = malloc(sizeof *d->floats * (size_t)(a->n ? a->n : 1));
    if (!d->floats) return false;
    if (a->n) memcpy(d->floats, a->floats, sizeof *d->floats * (size_t)a->n);
  } else if (a->type == HDTG_ATTR_STRING) {
    d->s = strdup(a->s);
    if (!d->s) return false;
  }
  return true;
}

static hdtg_status gnode_attrs(hdtg_graph *g, gnode *n, const hdtg_attr *attrs, int nattrs) {
  if (nattrs < 0 || (nattrs > 0 && !attrs))
    return gfail(g, HDTG_ERROR_ATTRIBUTE, "node '%s' (%s): bad attribute array", n->name,
                 gop_table[n->op].name);
  n->attrs = calloc((size_t)(nattrs ? nattrs : 1), sizeof *n->attrs);
  if (!n->attrs) return gfail(g, HDTG_ERROR_NOMEM, "out of memory");
  for (int i = 0; i < nattrs; i++) {
    int id = -1;
    hdtg_status st = gcheck_attr(g, n->op, n->name, &attrs[i], &id);
    if (st) return st;
    for (int k = 0; k < i; k++)
      if (n->attrs[k].id == (gattr_id)id)
        return gfail(g, HDTG_ERROR_ATTRIBUTE, "node '%s' (%s): attribute '%s' given twice",
                     n->name, gop_table[n->op].name, attrs[i].name);
    if (!gattr_copy(&n->attrs[n->nattrs++], &attrs[i], id))
      return gfail(g, HDTG_ERROR_NOMEM, "out of memory");
  }
  return HDTG_OK;
}

hdtg_status hdtg_add_node_op(hdtg_graph *g, hdtg_op op, const char *name,
                             hdtg_tensor *const *inputs, int ninputs, const hdtg_attr *attrs,
                             int nattrs, hdtg_tensor **out) {
  if (!g) return HDTG_ERROR_INVALID_ARGUMENT;
  if (!out) return gfail(g, HDTG_ERROR_INVALID_ARGUMENT, "hdtg_add_node: NULL out");
  if ((unsigned)op >= HDTG_OP_COUNT)
    return gfail(g, HDTG_ERROR_UNKNOWN_OP, "%d is not an operator", (int)op);
  hdtg_status st = gcheck_inputs(g, op, name, inputs, ninputs);
  if (st) return st;
  if (!ggrow((void **)&g->nodes, &g->capnodes, g->nnodes + 1, sizeof *g->nodes))
    return gfail(g, HDTG_ERROR_NOMEM, "out of memory");
  hdtg_tensor *t = gtensor_new(g, name, &st);
  if (!t) return st;
  gnode *n = calloc(1, sizeof *n);
  if (n) {
    n->op = op;
    n->out = t;
    n->name = strdup(t->name);
    n->in = malloc(sizeof *n->in * (size_t)(ninputs ? ninputs : 1));
  }
  if (!n || !n->name || !n->in) {
    st = gfail(g, HDTG_ERROR_NOMEM, "out of memory");
  } else {
    if (ninputs) memcpy(n->in, inputs, sizeof *n->in * (size_t)ninputs);
    n->nin = ninputs;
    t->kind = HDTG_KIND_INTERMEDIATE;
    t->producer = n;
    st = gnode_attrs(g, n, attrs, nattrs);
    if (!st) st = gnode_infer(g, n);
  }
  if (st) {
    gnode_free(n);
    gtensor_drop_last(g);
    return st;
  }
  g->nodes[g->nnodes++] = n;
  *out = t;
  return HDTG_OK;
}

hdtg_status hdtg_add_node(hdtg_graph *g, const char *op, const char *name,
                          hdtg_tensor *const *inputs, int ninputs, const hdtg_attr *attrs,
                          int nattrs, hdtg_tensor **out) {
  if (!g) return HDTG_ERROR_INVALID_ARGUMENT;
  hdtg_op id;
  if (!op) return gfail(g, HDTG_ERROR_UNKNOWN_OP, "hdtg_add_node: NULL op");
  if (hdtg_op_from_name(op, &id))
    return gfail(g, HDTG_ERROR_UNKNOWN_OP, "node '%s': unknown operator '%s'",
                 name ? name : "(unnamed)", op);
  return hdtg_add_node_op(g, id, name, inputs, ninputs, attrs, nattrs, out);
}

hdtg_status hdtg_mark_output(hdtg_graph *g, hdtg_tensor *t) {
  if (!g) return HDTG_ERROR_INVALID_ARGUMENT;
  if (!t) return gfail(g, HDTG_ERROR_INVALID_ARGUMENT, "hdtg_mark_output: NULL tensor");
  if (t->g != g)
    return gfail(g, HDTG_ERROR_FOREIGN_TENSOR, "hdtg_mark_output: the tensor belongs to another graph");
  if (t->removed)
    return gfail(g, HDTG_ERROR_FOREIGN_TENSOR, "hdtg_mark_output: '%s' was removed by dead-node removal",
                 t->name);
  if (t->is_output)
    return gfail(g, HDTG_ERROR_DUPLICATE, "'%s' is already an output", t->name);
  if (!ggrow((void **)&g->outputs, &g->capoutputs, g->noutputs + 1, sizeof *g->outputs))
    return gfail(g, HDTG_ERROR_NOMEM, "out of memory");
  g->outputs[g->noutputs++] = t;
  t->is_output = true;
  return HDTG_OK;
}

hdtg_status hdtg_specialize(hdtg_graph *g, const char *symbol, int64_t value) {
  if (!g) return HDTG_ERROR_INVALID_ARGUMENT;
  if (!symbol) return gfail(g, HDTG_ERROR_INVALID_ARGUMENT, "hdtg_specialize: NULL symbol");
  if (value <= 0)
    return gfail(g, HDTG_ERROR_INVALID_ARGUMENT, "hdtg_specialize: %s = %lld: a size must be > 0",
                 symbol, (long long)value);
  for (int i = 0; i < g->nsyms; i++) {
    if (strcmp(g->syms[i].name, symbol) != 0) continue;
    int64_t old = g->syms[i].value;
    g->syms[i].value = value;
    hdtg_status st = gpass_infer(g);
    if (st) g->syms[i].value = old; /* the graph stays as it was */
    if (st) gpass_infer(g);
    return st;
  }
  return gfail(g, HDTG_ERROR_INVALID_ARGUMENT, "hdtg_specialize: no symbol '%s' in the graph",
               symbol);
}

/* ---- inspection ------------------------------------------------------------ */

hdtg_status hdtg_node_count(hdtg_graph *g, int *out) {
  if (!g || !out) return HDTG_ERROR_INVALID_ARGUMENT;
  int k = 0;
  for (int i = 0; i < g->nnodes; i++) k += !g->nodes[i]->removed;
  *out = k;
  return HDTG_OK;
}

hdtg_status hdtg_op_histogram(hdtg_graph *g, int counts[HDTG_OP_COUNT]) {
  if (!g || !counts) return HDTG_ERROR_INVALID_ARGUMENT;
  memset(counts, 0, sizeof(int) * HDTG_OP_COUNT);
  for (int i = 0; i < g->nnodes; i++)
    if (!g->nodes[i]->removed) counts[g->nodes[i]->op]++;
  return HDTG_OK;
}

int hdtg_symbol_count(const hdtg_graph *g) { return g ? g->nsyms : 0; }

const char *hdtg_symbol_name(const hdtg_graph *g, int i) {
  return g && i >= 0 && i < g->nsyms ? g->syms[i].name : NULL;
}

int64_t hdtg_symbol_value(const hdtg_graph *g, int i) {
  return g && i >= 0 && i < g->nsyms ? g->syms[i].value : -1;
}

hdtg_status hdtg_find_tensor(hdtg_graph *g, const char *name, hdtg_tensor **out) {
  if (!g) return HDTG_ERROR_INVALID_ARGUMENT;
  if (!name || !out) return gfail(g, HDTG_ERROR_INVALID_ARGUMENT, "hdtg_find_tensor: NULL argument");
  *out = gfind(g, name);
  return *out ? HDTG_OK : gfail(g, HDTG_ERROR_INVALID_ARGUMENT, "no tensor named '%s'", name);
}

hdtg_status hdtg_tensor_get_info(hdtg_tensor *t, hdtg_tensor_info *out) {
  if (!t || !out) return HDTG_ERROR_INVALID_ARGUMENT;
  *out = (hdtg_tensor_info){t->name, t->kind, t->dt, t->rank, t->is_output,
                            t->producer ? gop_table[t->producer->op].name : NULL};
  return HDTG_OK;
}

hdtg_status hdtg_tensor_dim(hdtg_tensor *t, int i, hdtg_dim *out) {
  if (!t || !out) return HDTG_ERROR_INVALID_ARGUMENT;
  if (i < 0 || i >= t->rank)
    return gfail(t->g, HDTG_ERROR_INVALID_ARGUMENT, "'%s' has no dimension %d (rank %d)", t->name,
                 i, t->rank);
  gdim d = t->dims[i];
  *out = (hdtg_dim){gdim_value(t->g, d), d.sym >= 0 ? t->g->syms[d.sym].name : NULL};
  return HDTG_OK;
}

hdtg_status hdtg_tensor_data(hdtg_tensor *t, const void **data, size_t *bytes) {
  if (!t || !data || !bytes) return HDTG_ERROR_INVALID_ARGUMENT;
  if (t->kind != HDTG_KIND_CONSTANT)
    return gfail(t->g, HDTG_ERROR_INVALID_ARGUMENT, "'%s' is not a constant", t->name);
  *data = t->data;
  *bytes = t->bytes;
  return HDTG_OK;
}
