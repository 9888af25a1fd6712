/* select.c: kernel selection, a graph node to a kernel.
 *
 * Every node of an inferred, folded graph whose shapes are all known
 * becomes one of:
 *   - an instance of a stdlib operator template (matmul, conv2d, pooling,
 *     softmax, reductions, layer_norm) with the node's shapes and
 *     attributes as generic values, so the kernel is specialised to its
 *     shapes (docs/stdlib.md lists the templates and their generics);
 *   - an element-wise kernel the generator writes (ewgen.c): every
 *     element-wise and broadcast operator, casts, transposes, batch
 *     normalisation (its four parameters folded into a scale and a shift
 *     here, at compile time) and the pieces of a Concat. A chain of
 *     element-wise nodes whose intermediate results have one consumer and
 *     are not graph outputs becomes one kernel (Hidet's rule-based
 *     scheduling; the tensors in between never reach memory);
 *   - a view sharing its input's storage, with no kernel: Reshape, Flatten,
 *     Squeeze, Unsqueeze, Identity (a view that is a graph output is copied
 *     instead, since outputs live in the caller's buffers).
 * sel_for below says which, per op of graph/ops.def; an op with no entry
 * is an error naming the node.
 *
 * This file holds the driver (rtc_select), the plan's bookkeeping and the
 * fusion decisions (which element-wise nodes join their consumer, which
 * chains join an anchor's stores); select_ew.c builds the element-wise
 * expressions and views, select_anchor.c the template instances. */
#include "select_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- errors and bookkeeping -------------------------------------------- */

int sel_fail(rtc_plan *p, const gnode *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int sel_fail(rtc_plan *p, const gnode *n, const char *fmt, ...) {
  va_list ap;
  int k = n ? snprintf(p->err, sizeof p->err, "node '%s' (%s): ", n->name, hdtg_op_name(n->op)) : 0;
  if (k < 0 || (size_t)k >= sizeof p->err)
    k = 0;
  va_start(ap, fmt);
  vsnprintf(p->err + k, sizeof p->err - (size_t)k, fmt, ap);
  va_end(ap);
  return -1;
}

int64_t sel_dim(const hdtg_tensor *t, int d) {
  return gdim_value(t->g, t->dims[d]);
}

int64_t sel_prod(const hdtg_tensor *t, int from, int to) {
  int64_t n = 1;
  for (int d = from; d < to; d++)
    n *= sel_dim(t, d);
  return n;
}

char *sel_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *c = malloc(n);
  if (c)
    memcpy(c, s, n);
  return c;
}

/* A new kernel; the caller fills kernel, defines and args. */
rtc_kernel *sel_kernel(rtc_plan *p, const gnode *n, const char *ops) {
  if (!ggrow((void **)&p->kernels, &p->capkernels, p->nkernels + 1, sizeof *p->kernels))
    return NULL;
  rtc_kernel *k = &p->kernels[p->nkernels];
  memset(k, 0, sizeof *k);
  snprintf(k->symbol, sizeof k->symbol, "k%d", p->nkernels);
  k->ops = sel_strdup(ops ? ops : n ? hdtg_op_name(n->op) : "Copy");
  if (!k->ops)
    return NULL;
  p->nkernels++;
  return k;
}

int sel_add_define_text(rtc_plan *p, rtc_kernel *k, const char *name, const char *v) {
  char buf[96];
  snprintf(buf, sizeof buf, "%s=%s", name, v);
  char **d = realloc(k->defines, sizeof *d * (size_t)(k->ndefines + 1));
  if (d)
    k->defines = d; /* kept even if the copy below fails: the old array is gone */
  if (!d || !(d[k->ndefines] = sel_strdup(buf)))
    return sel_fail(p, NULL, "out of memory");
  k->ndefines++;
  return 0;
}

int sel_add_define(rtc_plan *p, rtc_kernel *k, const char *name, long long v) {
  char text[32];
  snprintf(text, sizeof text, "%lld", v);
  return sel_add_define_text(p, k, name, text);
}

void sel_copy_ptrs(hdtg_tensor **dst, hdtg_tensor *const *src, int n) {
  for (int i = 0; i < n; i++) /* not memcpy: src is NULL when n is 0 */
    dst[i] = src[i];
}

int sel_set_args(rtc_plan *p, rtc_kernel *k, hdtg_tensor *const *args, int nargs) {
  k->args = malloc(sizeof *k->args * (size_t)nargs);
  if (!k->args)
    return sel_fail(p, NULL, "out of memory");
  sel_copy_ptrs(k->args, args, nargs);
  k->nargs = nargs;
  return 0;
}

/* `import "FILE";` once per stdlib file, at the top of the source. */
void sel_import(rtc_plan *p, const char *file) {
  char line[96];
  snprintf(line, sizeof line, "import \"%s\";\n", file);
  if (!p->source.s || !strstr(p->source.s, line))
    gbuf_printf(&p->source, "%s", line);
}

/* A tensor the compiler makes: an intermediate (data NULL) or a constant. */
hdtg_tensor *sel_tensor(rtc_plan *p, hdtg_dtype dt, int rank, const int64_t *dims,
                               const void *data) {
  char name[32];
  snprintf(name, sizeof name, "rtc_%d", p->scratch->ntensors);
  hdtg_tensor *t = NULL;
  if (data) {
    size_t bytes = hdtg_dtype_size(dt);
    for (int d = 0; d < rank; d++)
      bytes *= (size_t)dims[d];
    if (hdtg_add_constant(p->scratch, name, dt, rank, dims, data, bytes, &t) != HDTG_OK)
      return NULL;
  } else {
    hdtg_dim dd[HDTG_MAX_RANK];
    for (int d = 0; d < rank; d++)
      dd[d] = HDTG_DIM(dims[d]);
    if (hdtg_add_input(p->scratch, name, dt, rank, dd, &t) != HDTG_OK)
      return NULL;
  }
  return t;
}

int sel_require_f32(rtc_plan *p, const gnode *n) {
  /* A reduction's second input is its axes, not data. */
  int data = n->op == HDTG_OP_REDUCESUM || n->op == HDTG_OP_REDUCEMEAN || n->op == HDTG_OP_REDUCEMAX ||
                     n->op == HDTG_OP_REDUCEMIN || n->op == HDTG_OP_REDUCEPROD
                 ? 1
                 : n->nin;
  for (int i = 0; i < data; i++)
    if (n->in[i]->dt != HDTG_F32)
      return sel_fail(p, n, "input %d is %s; this operator's kernels take f32", i,
                      hdtg_dtype_name(n->in[i]->dt));
  return 0;
}

/* A float generic's value as hdt reads it ("1e-05" needs no dot, "2"
 * does). */
int sel_add_define_float(rtc_plan *p, rtc_kernel *k, const char *name, double v) {
  char text[48];
  snprintf(text, sizeof text, "%.9g", v);
  if (!strpbrk(text, ".en"))
    strcat(text, ".0");
  return sel_add_define_text(p, k, name, text);
}

/* ---- the table and the driver -------------------------------------------------- */

static sel_fn sel_for(hdtg_op op) {
  switch (op) {
  case HDTG_OP_RESHAPE:
  case HDTG_OP_FLATTEN:
  case HDTG_OP_SQUEEZE:
  case HDTG_OP_UNSQUEEZE:
  case HDTG_OP_IDENTITY:
  case HDTG_OP_DROPOUT: return sel_view;
  case HDTG_OP_MATMUL: return sel_matmul;
  case HDTG_OP_GEMM: return sel_gemm;
  case HDTG_OP_CONV: return sel_conv;
  case HDTG_OP_MAXPOOL:
  case HDTG_OP_AVERAGEPOOL: return sel_pool;
  case HDTG_OP_GLOBALAVERAGEPOOL:
  case HDTG_OP_GLOBALMAXPOOL: return sel_global_pool;
  case HDTG_OP_REDUCESUM:
  case HDTG_OP_REDUCEMEAN:
  case HDTG_OP_REDUCEMAX:
  case HDTG_OP_REDUCEMIN:
  case HDTG_OP_REDUCEPROD: return sel_reduce;
  case HDTG_OP_SOFTMAX:
  case HDTG_OP_LOGSOFTMAX: return sel_softmax;
  case HDTG_OP_LAYERNORM: return sel_layernorm;
  case HDTG_OP_CONCAT: return sel_concat;
  case HDTG_OP_ARGMAX:
  case HDTG_OP_ARGMIN: return sel_arg_reduce;
  case HDTG_OP_INSTANCENORM: return sel_instance_norm;
  case HDTG_OP_CONVTRANSPOSE: return sel_conv_transpose;
  case HDTG_OP_PAD: return sel_pad_op;
  case HDTG_OP_TILE: return sel_tile;
  case HDTG_OP_RESIZE: return sel_resize;
  case HDTG_OP_DEPTH_TO_SPACE:
  case HDTG_OP_SPACE_TO_DEPTH: return sel_depth_space;
  default: return NULL;
  }
}

/* Who reads each tensor: one entry per tensor read by a live node, with
 * the number of reads and the last reader, sorted by tensor address. */
typedef struct sel_use {
  const hdtg_tensor *t;
  gnode *consumer;
  int count;
} sel_use;

static int sel_use_cmp(const void *a, const void *b) {
  const hdtg_tensor *x = ((const sel_use *)a)->t, *y = ((const sel_use *)b)->t;
  return x < y ? -1 : x > y;
}

static sel_use *sel_uses_build(hdtg_graph *g, int *n) {
  int total = 0;
  for (int i = 0; i < g->nnodes; i++)
    total += g->nodes[i]->removed ? 0 : g->nodes[i]->nin;
  sel_use *u = malloc(sizeof *u * (size_t)(total + 1));
  if (!u)
    return NULL;
  int k = 0;
  for (int i = 0; i < g->nnodes; i++)
    for (int j = 0; !g->nodes[i]->removed && j < g->nodes[i]->nin; j++)
      u[k++] = (sel_use){g->nodes[i]->in[j], g->nodes[i], 1};
  qsort(u, (size_t)k, sizeof *u, sel_use_cmp);
  int m = 0; /* merge the reads of one tensor */
  for (int i = 0; i < k; i++) {
    if (m && u[m - 1].t == u[i].t) {
      u[m - 1].count++;
      u[m - 1].consumer = u[i].consumer;
    } else {
      u[m++] = u[i];
    }
  }
  *n = m;
  return u;
}

/* t's only reader, or NULL when it has none or several. */
static gnode *sel_only_consumer(const sel_use *u, int n, const hdtg_tensor *t) {
  sel_use key = {.t = t};
  const sel_use *hit = bsearch(&key, u, (size_t)n, sizeof *u, sel_use_cmp);
  return hit && hit->count == 1 ? hit->consumer : NULL;
}

/* Whether n reads t at positions of its own (a gather's or a slice's data),
 * so that t must be in memory, not an expression inlined into n. */
static bool sel_reads_by_position(const gnode *n, const hdtg_tensor *t) {
  return (n->op == HDTG_OP_GATHER || n->op == HDTG_OP_GATHER_ELEMENTS || n->op == HDTG_OP_SLICE) &&
         n->in[0] == t;
}

static bool sel_same_shape(const hdtg_tensor *a, const hdtg_tensor *b) {
  if (a->rank != b->rank || a->dt != b->dt)
    return false;
  for (int d = 0; d < a->rank; d++)
    if (sel_dim(a, d) != sel_dim(b, d))
      return false;
  return true;
}

static bool sel_is_anchor(const gnode *n) {
  return n->op == HDTG_OP_MATMUL || n->op == HDTG_OP_GEMM || n->op == HDTG_OP_CONV;
}

/* The last node of the element-wise chain that can be fused into anchor's
 * stores, or NULL: the anchor's output has one reader, which is element-
 * wise, and so on through fused nodes; every node of the chain has the
 * anchor output's shape and dtype and is no transpose, so each reads the
 * anchor's value at the index it writes (Hidet's rule: one consumer, not a
 * graph output, an anchor that allows it). */
static gnode *sel_chain_root(const rtc_plan *p, const sel_use *u, int nu, const gnode *anchor) {
  const hdtg_tensor *a = anchor->out;
  if (a->is_output || (a->dt != HDTG_F32 && a->dt != HDTG_F16))
    return NULL;
  gnode *r = sel_only_consumer(u, nu, a);
  while (r && sel_ew_op(r) >= 0 && r->op != HDTG_OP_TRANSPOSE && !sel_reads_by_position(r, a) &&
         r->op != HDTG_OP_SLICE && r->op != HDTG_OP_EXPAND && sel_same_shape(r->out, a)) {
    if (!sel_is_fused(p, r))
      return r;
    r = sel_only_consumer(u, nu, r->out);
  }
  return NULL;
}

static bool sel_is_reshape(const gnode *n) {
  return n->op == HDTG_OP_RESHAPE || n->op == HDTG_OP_FLATTEN || n->op == HDTG_OP_SQUEEZE ||
         n->op == HDTG_OP_UNSQUEEZE || n->op == HDTG_OP_IDENTITY;
}

/* The data inputs of an anchor that a prologue may compute in its loads. */
static int sel_prologue_inputs(const gnode *n) {
  return n->op == HDTG_OP_MATMUL || n->op == HDTG_OP_GEMM ? 2 : n->op == HDTG_OP_CONV ? 1 : 0;
}

static bool sel_is_absorbed(const rtc_plan *p, const gnode *n);

/* An element-wise node whose only reader is an anchor's data input, and
 * which no other fusion took, is computed in the anchor's loads (Hidet's
 * prologue fusion): a Transpose before a MatMul, a Relu or Cast before a
 * Conv never reach memory. */
static int sel_find_prologues(rtc_plan *p, hdtg_graph *g, const sel_use *u, int nu) {
  p->pro_anchor = malloc(sizeof *p->pro_anchor * (size_t)(g->nnodes * 2 + 1));
  p->pro_node = malloc(sizeof *p->pro_node * (size_t)(g->nnodes * 2 + 1));
  p->pro_input = malloc(sizeof *p->pro_input * (size_t)(g->nnodes * 2 + 1));
  p->pro_view = malloc(sizeof *p->pro_view * (size_t)(g->nnodes * 2 + 1));
  if (!p->pro_anchor || !p->pro_node || !p->pro_input || !p->pro_view)
    return sel_fail(p, NULL, "out of memory");
  for (int i = 0; i < g->nnodes; i++) {
    gnode *n = g->nodes[i];
    for (int k = 0; !n->removed && k < sel_prologue_inputs(n) && k < n->nin; k++) {
      hdtg_tensor *t = n->in[k];
      gnode *prod = t->kind == HDTG_KIND_INTERMEDIATE ? t->producer : NULL, *view = NULL;
      if (!prod || prod->removed || t->is_output || sel_only_consumer(u, nu, t) != n ||
          (k == 1 && n->in[0] == t))
        continue;
      /* Through a reshape: the same elements at the same flat indices. */
      if (sel_is_reshape(prod) && prod->in[0]->kind == HDTG_KIND_INTERMEDIATE &&
          !prod->in[0]->is_output && sel_only_consumer(u, nu, prod->in[0]) == prod) {
        view = prod;
        prod = prod->in[0]->producer;
      }
      if (!prod || prod->removed || sel_ew_op(prod) < 0 || sel_is_absorbed(p, prod) ||
          sel_is_fused(p, prod))
        continue;
      p->pro_anchor[p->npro] = n;
      p->pro_node[p->npro] = prod;
      p->pro_view[p->npro] = view;
      p->pro_input[p->npro++] = k;
    }
  }
  return 0;
}

/* Element-wise nodes whose one consumer is element-wise too, and whose
 * result is not a graph output, are computed inside that consumer; the
 * chain after an anchor joins the anchor's stores. */
static int sel_find_fusions(rtc_plan *p, hdtg_graph *g) {
  if (p->no_fusion)
    return 0;
  int nu = 0;
  sel_use *u = sel_uses_build(g, &nu);
  p->fused = malloc(sizeof *p->fused * (size_t)(g->nnodes + 1));
  p->absorbed = malloc(sizeof *p->absorbed * (size_t)(g->nnodes + 1));
  p->epi_anchor = malloc(sizeof *p->epi_anchor * (size_t)(g->nnodes + 1));
  p->epi_root = malloc(sizeof *p->epi_root * (size_t)(g->nnodes + 1));
  if (!u || !p->fused || !p->absorbed || !p->epi_anchor || !p->epi_root) {
    free(u);
    return sel_fail(p, NULL, "out of memory");
  }
  for (int i = 0; i < g->nnodes; i++) {
    gnode *n = g->nodes[i], *consumer;
    if (!n->removed && sel_ew_op(n) >= 0 && !n->out->is_output &&
        (consumer = sel_only_consumer(u, nu, n->out)) && sel_ew_op(consumer) >= 0 &&
        !sel_reads_by_position(consumer, n->out))
      p->fused[p->nfused++] = n;
  }
  qsort(p->fused, (size_t)p->nfused, sizeof *p->fused, sel_ptr_cmp);
  for (int i = 0; i < g->nnodes; i++) {
    gnode *n = g->nodes[i], *root;
    if (!n->removed && sel_is_anchor(n) && (root = sel_chain_root(p, u, nu, n)) &&
        !sel_epi_pair(p, root, false)) {
      p->absorbed[p->nabsorbed++] = root;
      p->epi_anchor[p->nepi] = n;
      p->epi_root[p->nepi++] = root;
    }
  }
  qsort(p->absorbed, (size_t)p->nabsorbed, sizeof *p->absorbed, sel_ptr_cmp);
  int rc = sel_find_prologues(p, g, u, nu);
  free(u);
  return rc;
}

static bool sel_is_absorbed(const rtc_plan *p, const gnode *n) {
  return p->nabsorbed &&
         bsearch(&n, p->absorbed, (size_t)p->nabsorbed, sizeof *p->absorbed, sel_ptr_cmp);
}

static int sel_check_known(rtc_plan *p, hdtg_graph *g) {
  for (int i = 0; i < g->ntensors; i++) {
    hdtg_tensor *t = g->tensors[i];
    if (t->removed || gtensor_known(t))
      continue;
    char shape[128];
    gshape_str(g, t, shape, sizeof shape);
    return sel_fail(p, NULL, "tensor '%s' has shape %s: give every symbolic dimension a value "
                    "(hdtg_specialize) before compiling", t->name, shape);
  }
  return 0;
}

/* A graph output that is an input or a constant (a folded subgraph) is
 * computed by no node; a copy kernel writes it into a tensor of the same
 * name, which stands for it in the model (rtc_plan.out_alias). */
static int sel_copy_outputs(rtc_plan *p, hdtg_graph *g) {
  for (int i = 0; i < g->noutputs; i++) {
    hdtg_tensor *t = g->outputs[i], *alias = NULL;
    if (t->kind == HDTG_KIND_INTERMEDIATE)
      continue;
    hdtg_dim d[HDTG_MAX_RANK];
    for (int k = 0; k < t->rank; k++)
      d[k] = HDTG_DIM(sel_dim(t, k));
    if (!ggrow((void **)&p->out_alias, &p->capalias, p->nalias + 1, sizeof *p->out_alias) ||
        hdtg_add_input(p->scratch, t->name, t->dt, t->rank, d, &alias) != HDTG_OK)
      return sel_fail(p, NULL, "output '%s': out of memory", t->name);
    p->out_alias[p->nalias++] = (rtc_alias){t, alias};
    if (sel_copy(p, NULL, t, alias))
      return -1;
  }
  return 0;
}

bool sel_is_prologue(const rtc_plan *p, const gnode *n) {
  for (int i = 0; i < p->npro; i++)
    if (p->pro_node[i] == n || p->pro_view[i] == n)
      return true;
  return false;
}

int rtc_select(hdtg_graph *g, rtc_plan *p) {
  if (hdtg_create(&p->scratch) != HDTG_OK)
    return sel_fail(p, NULL, "out of memory");
  gbuf_printf(&p->source, "%s", rtc_ew_prelude);
  if (sel_check_known(p, g) || sel_find_fusions(p, g))
    return -1;
  gbuf missing = {0};
  int nmissing = 0;
  for (int i = 0; i < g->nnodes; i++) {
    gnode *n = g->nodes[i];
    /* An anchor with an epilogue is emitted where its chain ends: the
     * chain may read tensors computed after the anchor. */
    if (n->removed || sel_is_fused(p, n) || sel_epi_pair(p, n, true) || sel_is_prologue(p, n))
      continue;
    if (sel_is_absorbed(p, n))
      n = (gnode *)sel_epi_pair(p, n, false);
    sel_fn fn = sel_ew_op(n) >= 0 ? sel_elementwise : sel_for(n->op);
    if (!fn) { /* every such node is listed, not only the first */
      gbuf_printf(&missing, "%s'%s' (%s)", nmissing++ ? ", " : "", n->name, hdtg_op_name(n->op));
      continue;
    }
    if (fn(p, g, n)) {
      gbuf_free(&missing);
      return -1;
    }
  }
  if (nmissing) {
    if (nmissing == 1)
      sel_fail(p, NULL, "node %s: no kernel implements this operator yet", missing.s);
    else
      sel_fail(p, NULL, "%d nodes have operators no kernel implements yet: %s", nmissing,
               missing.s ? missing.s : "");
    gbuf_free(&missing);
    return -1;
  }
  if (sel_copy_outputs(p, g) || p->source.failed)
    return p->err[0] ? -1 : sel_fail(p, NULL, "out of memory");
  return 0;
}

void rtc_plan_free(rtc_plan *p) {
  for (int i = 0; i < p->nkernels; i++) {
    rtc_kernel *k = &p->kernels[i];
    for (int d = 0; d < k->ndefines; d++)
      free(k->defines[d]);
    free(k->defines);
    free(k->args);
    free(k->ops);
  }
  free(p->kernels);
  free(p->views);
  free(p->fused);
  free(p->absorbed);
  free(p->epi_anchor);
  free(p->epi_root);
  free(p->pro_anchor);
  free(p->pro_node);
  free(p->pro_input);
  free(p->pro_view);
  free(p->out_alias);
  gbuf_free(&p->source);
  hdtg_destroy(p->scratch);
  memset(p, 0, sizeof *p);
}
