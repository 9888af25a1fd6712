/* passes.c: the graph passes of passes.def, specialisation's re-inference,
 * and the text dump.
 *
 * The passes run over the node list in its order, which is topological (a
 * node's inputs exist before it). Inference and folding are one walk: a
 * node is re-inferred from its inputs as they are now (folded, or with
 * symbols given values), then folded if it can be, so its consumers see a
 * constant when their turn comes. That is what turns Reshape(x,
 * Concat(Gather(Shape(x), 0), [-1])) into a Reshape by a constant shape in
 * a single walk. Dead-node removal walks backwards from the outputs. */
#include "graph_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The most elements a folded tensor may have: shape arithmetic and small
 * constants are folded, computations on weights are left to kernels. */
#define GFOLD_MAX_ELEMS 4096

static const struct {
  const char *name;
  hdtg_status (*run)(hdtg_graph *);
  const char *what;
} gpasses[] = {
#define GPASS(nm, fn, wh) {#nm, fn, wh},
#include "passes.def"
#undef GPASS
};
#define GPASS_COUNT ((int)(sizeof gpasses / sizeof *gpasses))

int hdtg_pass_count(void) { return GPASS_COUNT; }
const char *hdtg_pass_name(int i) { return i >= 0 && i < GPASS_COUNT ? gpasses[i].name : NULL; }
const char *hdtg_pass_what(int i) { return i >= 0 && i < GPASS_COUNT ? gpasses[i].what : NULL; }

hdtg_status hdtg_run_passes(hdtg_graph *g) {
  if (!g) return HDTG_ERROR_INVALID_ARGUMENT;
  for (int i = 0; i < GPASS_COUNT; i++) {
    hdtg_status st = gpasses[i].run(g);
    if (st) return st;
  }
  return HDTG_OK;
}

hdtg_status hdtg_run_pass(hdtg_graph *g, const char *pass) {
  if (!g) return HDTG_ERROR_INVALID_ARGUMENT;
  for (int i = 0; pass && i < GPASS_COUNT; i++)
    if (strcmp(gpasses[i].name, pass) == 0) return gpasses[i].run(g);
  return gfail(g, HDTG_ERROR_INVALID_ARGUMENT, "no pass named '%s'", pass ? pass : "(null)");
}

/* ---- infer, fold, dce ------------------------------------------------------------ */

hdtg_status gpass_infer(hdtg_graph *g) {
  for (int i = 0; i < g->nnodes; i++) {
    if (g->nodes[i]->removed) continue;
    hdtg_status st = gnode_infer(g, g->nodes[i]);
    if (st) return st;
  }
  return HDTG_OK;
}

static bool gfoldable(const gnode *n) {
  const gop_row *r = &gop_table[n->op];
  int64_t elems = gtensor_elems(n->out);
  if (r->fold == gfold_none || elems < 0 || elems > GFOLD_MAX_ELEMS) return false;
  if (r->flags & GF_SHAPE_ONLY) return gtensor_known(n->in[0]);
  for (int i = 0; i < n->nin; i++)
    if (n->in[i]->kind != HDTG_KIND_CONSTANT) return false;
  return true;
}

/* Evaluates n; on success its output becomes a constant and n goes. */
static hdtg_status gfold_node(hdtg_graph *g, gnode *n) {
  size_t bytes = (size_t)gtensor_elems(n->out) * hdtg_dtype_size(n->out->dt);
  void *data = calloc(1, bytes ? bytes : 1);
  if (!data) return gfail(g, HDTG_ERROR_NOMEM, "out of memory");
  if (!gop_table[n->op].fold(g, n, data)) {
    free(data);
    return HDTG_OK;
  }
  n->out->kind = HDTG_KIND_CONSTANT;
  n->out->data = data;
  n->out->bytes = bytes;
  n->out->producer = NULL;
  n->removed = true;
  return HDTG_OK;
}

hdtg_status gpass_fold(hdtg_graph *g) {
  for (int i = 0; i < g->nnodes; i++) {
    gnode *n = g->nodes[i];
    if (n->removed) continue;
    hdtg_status st = gnode_infer(g, n);
    if (!st && gfoldable(n)) st = gfold_node(g, n);
    if (st) return st;
  }
  return HDTG_OK;
}

hdtg_status gpass_dce(hdtg_graph *g) {
  /* Everything but inputs is dead until an output or a live node reaches it. */
  for (int i = 0; i < g->ntensors; i++) {
    hdtg_tensor *t = g->tensors[i];
    if (t->kind != HDTG_KIND_INPUT) t->removed = !t->is_output;
  }
  for (int i = g->nnodes - 1; i >= 0; i--) {
    gnode *n = g->nodes[i];
    if (n->removed) continue;
    n->removed = n->out->removed;
    for (int k = 0; k < n->nin && !n->removed; k++) n->in[k]->removed = false;
  }
  for (int i = 0; i < g->ntensors; i++) {
    hdtg_tensor *t = g->tensors[i];
    if (!t->removed || !t->data) continue;
    free(t->data); /* a dead weight's memory goes now, not at destroy */
    t->data = NULL;
    t->bytes = 0;
  }
  return HDTG_OK;
}

/* ---- dump ------------------------------------------------------------------------- */

void gbuf_printf(gbuf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int w = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (b->failed || w < 0) return;
  if (b->len + (size_t)w + 1 > b->cap) {
    size_t cap = (b->cap ? b->cap * 2 : 1024) + (size_t)w;
    char *s = realloc(b->s, cap);
    if (!s) {
      b->failed = true;
      return;
    }
    b->s = s, b->cap = cap;
  }
  va_start(ap, fmt);
  vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
  va_end(ap);
  b->len += (size_t)w;
}

void gbuf_free(gbuf *b) {
  free(b->s);
  memset(b, 0, sizeof *b);
}

static void gdump_type(gbuf *b, const hdtg_tensor *t) {
  char shape[512];
  gbuf_printf(b, "%s%s", hdtg_dtype_name(t->dt), gshape_str(t->g, t, shape, sizeof shape));
}

/* A small constant's values, so tests and people can read folded shapes. */
static void gdump_values(gbuf *b, const hdtg_tensor *t) {
  int64_t n = gtensor_elems(t);
  if (n < 0 || n > 8 || t->dt == HDTG_F16 || t->dt == HDTG_BF16) return;
  gbuf_printf(b, " = [");
  for (int64_t i = 0; i < n; i++) {
    int64_t v = 0;
    double f = 0;
    if (gdtype_is_float(t->dt) && gload_float(t->dt, t->data, i, &f))
      gbuf_printf(b, "%s%g", i ? ", " : "", f);
    else if (gload_int(t->dt, t->data, i, &v))
      gbuf_printf(b, "%s%lld", i ? ", " : "", (long long)v);
  }
  gbuf_printf(b, "]");
}

static void gdump_attr(gbuf *b, const gattr *a) {
  gbuf_printf(b, "%s=", gattr_names[a->id]);
  switch (a->type) {
  case HDTG_ATTR_INT: gbuf_printf(b, "%lld", (long long)a->i); break;
  case HDTG_ATTR_FLOAT: gbuf_printf(b, "%g", a->f); break;
  case HDTG_ATTR_STRING: gbuf_printf(b, "\"%s\"", a->s); break;
  default:
    gbuf_printf(b, "[");
    for (int i = 0; i < a->n; i++)
      if (a->type == HDTG_ATTR_INTS) gbuf_printf(b, "%s%lld", i ? ", " : "", (long long)a->ints[i]);
      else gbuf_printf(b, "%s%g", i ? ", " : "", a->floats[i]);
    gbuf_printf(b, "]");
  }
}

static void gdump_node(gbuf *b, const gnode *n) {
  gbuf_printf(b, "%s = %s(", n->out->name, gop_table[n->op].name);
  for (int i = 0; i < n->nin; i++) gbuf_printf(b, "%s%s", i ? ", " : "", n->in[i]->name);
  gbuf_printf(b, ")");
  for (int i = 0; i < n->nattrs; i++) {
    gbuf_printf(b, i ? ", " : " {");
    gdump_attr(b, &n->attrs[i]);
  }
  gbuf_printf(b, "%s: ", n->nattrs ? "}" : "");
  gdump_type(b, n->out);
  gbuf_printf(b, "\n");
}

const char *hdtg_dump(hdtg_graph *g) {
  if (!g) return NULL;
  gbuf b = {0};
  for (int i = 0; i < g->ntensors; i++) {
    const hdtg_tensor *t = g->tensors[i];
    if (t->removed || (t->producer && t->producer->removed)) continue;
    if (t->producer) {
      gdump_node(&b, t->producer);
      continue;
    }
    gbuf_printf(&b, "%s %s: ", t->kind == HDTG_KIND_INPUT ? "input" : "const", t->name);
    gdump_type(&b, t);
    if (t->kind == HDTG_KIND_CONSTANT) gdump_values(&b, t);
    gbuf_printf(&b, "\n");
  }
  for (int i = 0; i < g->noutputs; i++)
    gbuf_printf(&b, "%s%s", i ? ", " : "output ", g->outputs[i]->name);
  gbuf_printf(&b, "%s", g->noutputs ? "\n" : "");
  if (b.failed || !b.s) {
    free(b.s);
    gfail(g, HDTG_ERROR_NOMEM, "out of memory");
    return b.failed ? NULL : "";
  }
  free(g->dump);
  g->dump = b.s;
  return g->dump;
}
