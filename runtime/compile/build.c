/* build.c: hdtrt_compile, a graph to a compiled model.
 *
 *   graph passes (infer, fold, dce)        graph/passes.def
 *   -> kernel selection and fusion         select.c, ewgen.c
 *   -> one translation unit via hdtc.h     every kernel an instance
 *   -> + the runtime's entry points        glue.c
 *   -> shared object                       the compilation cache
 *   -> tensor table, memory plan, weights  here, with runtime/planner.h
 *
 * The model owns copies of everything (names, weights, the shared object's
 * bytes), so the graph may be destroyed after the call and the model saved
 * and loaded where no compiler exists. */
#include "rtc.h"

#include "../model.h"
#include "../planner.h"
#include "hdtc.h"
#include "hdtrt_cache.h"
#include "target.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct bld {
  hdtg_graph *g;
  rtc_plan plan;
  hdtrt_model *m;
  bool cuda;
  const char *target; /* hdtc's */
  const char *arch;   /* nvcc's */
  /* hdtg_tensor * -> model tensor id: an open-addressing table. */
  hdtg_tensor **keys;
  int32_t *ids;
  size_t cap;
  int32_t captensors;
  int verbose;
} bld;

static char *bld_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *c = malloc(n);
  if (c)
    memcpy(c, s, n);
  return c;
}

/* ---- the device ---------------------------------------------------------- */

static hdtrt_status bld_device(bld *b, const char *device) {
  static const struct {
    const char *name, *target, *arch, *canonical;
  } devices[] = {
      {"host", "host", NULL, "host"},
      {"cuda", "cuda:sm_80", "sm_80", "cuda:sm_80"},
      {"cuda:sm_80", "cuda:sm_80", "sm_80", "cuda:sm_80"},
      {"cuda:sm_90a", "cuda:sm_90a", "sm_90a", "cuda:sm_90a"},
  };
  for (size_t i = 0; device && i < sizeof devices / sizeof *devices; i++)
    if (strcmp(device, devices[i].name) == 0) {
      b->target = devices[i].target;
      b->arch = devices[i].arch;
      b->cuda = devices[i].arch != NULL;
      snprintf(b->m->device, sizeof b->m->device, "%s", devices[i].canonical);
      b->m->cuda = b->cuda;
      return HDTRT_OK;
    }
  return hdtrt_fail(HDTRT_ERROR_INVALID_ARGUMENT, "unknown device '%s': use host, cuda, "
                    "cuda:sm_80 or cuda:sm_90a", device ? device : "(null)");
}

/* ---- the tensor table ------------------------------------------------------ */

static size_t bld_hash(const hdtg_tensor *t, size_t cap) {
  return ((uintptr_t)t >> 4) * 0x9E3779B97F4A7C15ull % cap;
}

static int32_t bld_lookup(const bld *b, const hdtg_tensor *t) {
  for (size_t h = bld_hash(t, b->cap);; h = (h + 1) % b->cap) {
    if (!b->keys[h])
      return -1;
    if (b->keys[h] == t)
      return b->ids[h];
  }
}

/* The model tensor of t, added with `kind` when new. */
static int32_t bld_tensor(bld *b, hdtg_tensor *t, mt_kind kind) {
  int32_t id = bld_lookup(b, t);
  if (id >= 0)
    return id;
  hdtrt_model *m = b->m;
  if (m->ntensors == b->captensors) {
    int32_t cap = b->captensors ? b->captensors * 2 : 64;
    mtensor *nt = realloc(m->tensors, sizeof *nt * (size_t)cap);
    if (!nt)
      return -1;
    m->tensors = nt;
    b->captensors = cap;
  }
  mtensor *mt = &m->tensors[m->ntensors];
  memset(mt, 0, sizeof *mt);
  if (!(mt->name = bld_strdup(t->name)))
    return -1;
  mt->dtype = t->dt;
  mt->rank = t->rank;
  mt->kind = kind;
  mt->base = -1;
  mt->io = -1;
  for (int d = 0; d < t->rank; d++)
    mt->dims[d] = gdim_value(t->g, t->dims[d]);
  mt->bytes = (uint64_t)gtensor_elems(t) * hdtg_dtype_size(t->dt);
  size_t h = bld_hash(t, b->cap);
  while (b->keys[h])
    h = (h + 1) % b->cap;
  b->keys[h] = t;
  b->ids[h] = m->ntensors;
  return m->ntensors++;
}

static hdtrt_status bld_nomem(void) { return hdtrt_fail(HDTRT_ERROR_NOMEM, "out of memory"); }

/* Graph inputs and outputs first, in their order; then what the kernels
 * touch: constants, the views' bases, the tensors they write. */
static hdtrt_status bld_interface(bld *b) {
  hdtrt_model *m = b->m;
  hdtg_graph *g = b->g;
  size_t most = (size_t)g->ntensors + (size_t)b->plan.scratch->ntensors + 16;
  b->cap = most * 2;
  b->keys = calloc(b->cap, sizeof *b->keys);
  b->ids = calloc(b->cap, sizeof *b->ids);
  m->inputs = calloc((size_t)g->ntensors + 1, sizeof *m->inputs);
  m->outputs = calloc((size_t)g->noutputs + 1, sizeof *m->outputs);
  if (!b->keys || !b->ids || !m->inputs || !m->outputs)
    return bld_nomem();
  for (int i = 0; i < g->ntensors; i++) {
    hdtg_tensor *t = g->tensors[i];
    if (t->kind != HDTG_KIND_INPUT || t->removed)
      continue;
    int32_t id = bld_tensor(b, t, MT_INPUT);
    if (id < 0)
      return bld_nomem();
    m->tensors[id].io = m->ninputs;
    m->inputs[m->ninputs++] = id;
  }
  for (int i = 0; i < g->noutputs; i++) {
    hdtg_tensor *t = g->outputs[i];
    for (int k = 0; k < b->plan.nalias; k++)
      if (b->plan.out_alias[k].output == t)
        t = b->plan.out_alias[k].copy; /* an input or constant, copied */
    int32_t id = bld_tensor(b, t, MT_OUTPUT);
    if (id < 0)
      return bld_nomem();
    m->tensors[id].io = m->noutputs;
    m->outputs[m->noutputs++] = id;
  }
  return HDTRT_OK;
}

/* The kind of a tensor a kernel reads or writes, seen for the first time. */
static mt_kind bld_kind_of(const hdtg_tensor *t, bool written) {
  if (written)
    return MT_ARENA;
  return t->kind == HDTG_KIND_CONSTANT ? MT_CONST : MT_ARENA;
}

static hdtrt_status bld_steps(bld *b) {
  hdtrt_model *m = b->m;
  const rtc_plan *p = &b->plan;
  m->steps = calloc((size_t)p->nkernels + 1, sizeof *m->steps);
  if (!m->steps)
    return bld_nomem();
  for (int v = 0; v < p->nviews; v++) {
    int32_t base = bld_tensor(b, p->views[v].base, bld_kind_of(p->views[v].base, false));
    int32_t id = base < 0 ? -1 : bld_tensor(b, p->views[v].t, MT_VIEW);
    if (id < 0)
      return bld_nomem();
    m->tensors[id].base = base;
  }
  for (int k = 0; k < p->nkernels; k++) {
    const rtc_kernel *kk = &p->kernels[k];
    mstep *s = &m->steps[m->nsteps++];
    s->symbol = bld_strdup(kk->symbol);
    s->ops = bld_strdup(kk->ops);
    s->args = calloc((size_t)kk->nargs, sizeof *s->args);
    if (!s->symbol || !s->ops || !s->args)
      return bld_nomem();
    s->nargs = kk->nargs;
    for (int a = 0; a < kk->nargs; a++)
      if ((s->args[a] = bld_tensor(b, kk->args[a], bld_kind_of(kk->args[a], a == kk->nargs - 1))) < 0)
        return bld_nomem();
  }
  return HDTRT_OK;
}

/* Constants into one blob, each at a 64-byte aligned offset. */
static hdtrt_status bld_constants(bld *b) {
  hdtrt_model *m = b->m;
  uint64_t at = 0;
  for (int32_t i = 0; i < m->ntensors; i++)
    if (m->tensors[i].kind == MT_CONST) {
      m->tensors[i].offset = at;
      at += (m->tensors[i].bytes + 63) / 64 * 64;
    }
  m->const_bytes = at;
  m->consts = hdtrt_host_alloc(at ? at : 64);
  if (!m->consts)
    return hdtrt_fail(HDTRT_ERROR_NOMEM, "no memory for %llu bytes of weights",
                      (unsigned long long)at);
  for (size_t h = 0; h < b->cap; h++) {
    const hdtg_tensor *t = b->keys[h];
    if (t && m->tensors[b->ids[h]].kind == MT_CONST && t->bytes)
      memcpy(m->consts + m->tensors[b->ids[h]].offset, t->data, t->bytes);
  }
  m->stats.constant_bytes = (size_t)at;
  return HDTRT_OK;
}

/* ---- the arena -------------------------------------------------------------- */

static int32_t bld_storage(const hdtrt_model *m, int32_t t) {
  return m->tensors[t].kind == MT_VIEW ? m->tensors[t].base : t;
}

/* Each arena tensor lives from the first step writing it (a Concat's
 * output is written by several) to the last step reading it or a view of
 * it. An element-wise step may write over its first input. */
static hdtrt_status bld_arena(bld *b) {
  hdtrt_model *m = b->m;
  int32_t n = m->ntensors;
  int32_t *first = malloc(sizeof *first * (size_t)(n + 1)), *last = malloc(sizeof *last * (size_t)(n + 1));
  int32_t *pid = malloc(sizeof *pid * (size_t)(n + 1));
  hdtrt_plan *plan = NULL;
  hdtrt_status st = HDTRT_OK;
  if (!first || !last || !pid || hdtrt_plan_create(m->nsteps, &plan)) {
    st = bld_nomem();
    goto done;
  }
  for (int32_t i = 0; i < n; i++)
    first[i] = last[i] = pid[i] = -1;
  for (int32_t s = 0; s < m->nsteps; s++)
    for (int32_t a = 0; a < m->steps[s].nargs; a++) {
      int32_t t = bld_storage(m, m->steps[s].args[a]);
      if (a == m->steps[s].nargs - 1 && first[t] < 0)
        first[t] = s;
      last[t] = s;
    }
  for (int32_t i = 0; i < n; i++) {
    if (m->tensors[i].kind != MT_ARENA)
      continue;
    if (first[i] < 0 && m->tensors[i].bytes == 0)
      continue; /* empty: nothing writes it, nothing is read */
    if (first[i] < 0) {
      st = hdtrt_fail(HDTRT_ERROR_UNSUPPORTED, "tensor '%s' is read but no kernel writes it",
                      m->tensors[i].name);
      goto done;
    }
    b->m->stats.intermediate_bytes += (size_t)m->tensors[i].bytes;
    if (hdtrt_plan_add_tensor(plan, HDTRT_PLAN_INTERMEDIATE, (int64_t)m->tensors[i].bytes,
                              first[i], last[i], &pid[i])) {
      st = hdtrt_fail(HDTRT_ERROR_NOMEM, "planning the arena: %s", hdtrt_plan_error_message(plan));
      goto done;
    }
  }
  for (int k = 0; k < b->plan.nkernels; k++) {
    const mstep *s = &m->steps[k];
    int32_t out = bld_storage(m, s->args[s->nargs - 1]), in = bld_storage(m, s->args[0]);
    if (b->plan.kernels[k].elementwise && pid[out] >= 0 && pid[in] >= 0 && s->nargs > 1)
      hdtrt_plan_allow_inplace(plan, pid[out], pid[in]);
  }
  size_t offset;
  if (hdtrt_plan_solve(plan) || hdtrt_plan_verify(plan) ||
      hdtrt_plan_arena_bytes(plan, &offset)) {
    st = hdtrt_fail(HDTRT_ERROR_NOMEM, "planning the arena: %s", hdtrt_plan_error_message(plan));
    goto done;
  }
  m->arena_bytes = offset;
  m->stats.arena_bytes = offset;
  for (int32_t i = 0; i < n; i++)
    if (pid[i] >= 0 && !hdtrt_plan_offset(plan, pid[i], &offset))
      m->tensors[i].offset = offset;
done:
  hdtrt_plan_destroy(plan);
  free(first);
  free(last);
  free(pid);
  return st;
}

/* ---- code ------------------------------------------------------------------- */

/* The diagnostics, cut to what fits a message. */
static hdtrt_status bld_hdtc_fail(hdtc_compilation *c) {
  size_t len;
  const char *d = hdtc_diagnostics(c, &len);
  return hdtrt_fail(HDTRT_ERROR_COMPILE, "the model's kernels do not compile (an hdt bug, "
                    "please report it):\n%.900s", d ? d : "");
}

/* --verbose twice: each kernel's template instance, with its generic
 * values (the tile sizes the rules chose among them). */
static void bld_print_instances(const rtc_plan *p) {
  for (int k = 0; k < p->nkernels; k++) {
    const rtc_kernel *kk = &p->kernels[k];
    fprintf(stderr, "hdt: %s = %s<", kk->symbol, kk->kernel);
    for (int d = 0; d < kk->ndefines; d++)
      fprintf(stderr, "%s%s", d ? ", " : "", kk->defines[d]);
    fprintf(stderr, ">\n");
  }
}

static hdtrt_status bld_generate(bld *b, gbuf *code) {
  hdtc_compilation *c = NULL;
  if (hdtc_create(&c) != HDTC_OK)
    return bld_nomem();
  hdtrt_status st = HDTRT_OK;
  const rtc_plan *p = &b->plan;
  if (hdtc_set_target(c, b->target) || hdtc_set_source_string(c, "model.hdt", p->source.s, p->source.len))
    st = bld_hdtc_fail(c);
  if (b->verbose > 1)
    bld_print_instances(p);
  for (int k = 0; !st && k < p->nkernels; k++)
    if (hdtc_add_instance(c, p->kernels[k].symbol, p->kernels[k].kernel,
                          (const char *const *)p->kernels[k].defines, p->kernels[k].ndefines) ||
        (p->kernels[k].epilogue[0] &&
         hdtc_set_instance_epilogue(c, p->kernels[k].symbol, p->kernels[k].epilogue)))
      st = bld_hdtc_fail(c);
  for (int k = 0; !st && k < p->nkernels; k++)
    for (int i = 0; !st && i < p->kernels[k].nprologues; i++)
      if (hdtc_add_instance_prologue(c, p->kernels[k].symbol, p->kernels[k].prologue_input[i],
                                     p->kernels[k].prologue[i]))
        st = bld_hdtc_fail(c);
  if (!st && hdtc_run(c) != HDTC_OK)
    st = bld_hdtc_fail(c);
  if (!st) {
    size_t len;
    const char *out = hdtc_output(c, &len);
    /* Host code that needs nothing from the program loading it. */
    if (!b->cuda)
      gbuf_printf(code, "#define HDT_HOST_STANDALONE 1\n");
    gbuf_printf(code, "%.*s", (int)len, out);
    rtc_glue_write(code, p, b->cuda);
    if (code->failed)
      st = bld_nomem();
  }
  if (b->verbose && st == HDTRT_OK)
    fprintf(stderr, "hdt: %d kernels, %zu bytes of %s code\n", p->nkernels, code->len,
            b->cuda ? "CUDA" : "C");
  hdtc_destroy(c);
  return st;
}

static hdtrt_status bld_compile_code(bld *b, const gbuf *code, const char *cache_dir) {
  hdtrt_cache *cache = NULL;
  hdtrt_status st = HDTRT_OK;
  if (hdtrt_cache_create(&cache, cache_dir) != HDTRT_CACHE_OK) {
    st = hdtrt_fail(HDTRT_ERROR_IO, "compilation cache: %s", hdtrt_cache_last_error(cache));
    hdtrt_cache_destroy(cache);
    return st;
  }
  hdtrt_cache_options opts = {.cuda_arch = b->arch, .nkernels = b->plan.nkernels};
  hdtrt_cache_module *mod;
  int hit = 0;
  if (hdtrt_cache_load(cache, code->s, code->len, b->cuda ? HDTRT_CACHE_CUDA : HDTRT_CACHE_HOST,
                       &opts, &mod, &hit) != HDTRT_CACHE_OK) {
    st = hdtrt_fail(HDTRT_ERROR_COMPILE, "compiling the model's kernels: %s",
                    hdtrt_cache_last_error(cache));
  } else {
    const char *path = hdtrt_cache_module_path(mod);
    b->m->stats.from_cache = hit;
    if (b->verbose)
      fprintf(stderr, "hdt: kernels %s %s\n", hit ? "from the cache:" : "compiled into", path);
    size_t len = 0;
    /* The model keeps the object's bytes: hdtrt_model_save writes them. */
    st = model_read_file(path, &b->m->so, &len);
    b->m->so_len = len;
    if (!st)
      st = model_link(b->m, path);
  }
  hdtrt_cache_destroy(cache);
  return st;
}

/* ---- the entry point ------------------------------------------------------------- */

static hdtrt_status bld_graph(bld *b) {
  hdtg_graph *g = b->g;
  int nodes = 0;
  hdtg_node_count(g, &nodes);
  b->m->stats.nodes = nodes;
  if (hdtg_run_passes(g) != HDTG_OK)
    return hdtrt_fail(HDTRT_ERROR_SHAPE, "graph: %s", hdtg_last_error(g));
  if (rtc_select(g, &b->plan))
    return hdtrt_fail(HDTRT_ERROR_UNSUPPORTED, "%s", b->plan.err);
  b->m->stats.kernels = b->plan.nkernels;
  for (int k = 0; k < b->plan.nkernels; k++)
    b->m->stats.tensor_core_kernels += b->plan.kernels[k].tensor_cores;
  return HDTRT_OK;
}

hdtrt_status hdtrt_compile(hdtg_graph *g, const char *device, const hdtrt_compile_options *options,
                           hdtrt_model **out) {
  if (!g || !out)
    return hdtrt_fail(HDTRT_ERROR_INVALID_ARGUMENT, "NULL graph or model");
  *out = NULL;
  bld b = {.g = g, .verbose = options ? options->verbose : 0};
  b.plan.no_fusion = options && options->no_fusion;
  gbuf code = {0};
  if (!(b.m = calloc(1, sizeof *b.m)))
    return bld_nomem();
  hdtrt_status st = bld_device(&b, device);
  int tc = options ? options->tensor_cores : 0;
  b.plan.tensor_cores = tc > 0 || (tc == 0 && b.cuda);
  b.plan.tf32 = options && options->tf32 > 0;
  const hdt_target *target = st ? NULL : target_find(b.target);
  b.plan.sm_count = target ? target->sm_count : 0;
  if (!st)
    st = bld_graph(&b);
  if (!st && !(st = bld_interface(&b)) && !(st = bld_steps(&b)) && !(st = bld_constants(&b)) &&
      !(st = bld_arena(&b)) && !(st = model_validate(b.m)) && !(st = bld_generate(&b, &code)))
    st = bld_compile_code(&b, &code, options ? options->cache_dir : NULL);
  gbuf_free(&code);
  rtc_plan_free(&b.plan);
  free(b.keys);
  free(b.ids);
  if (st) {
    model_free(b.m);
    return st;
  }
  *out = b.m;
  return HDTRT_OK;
}
