/* session.c: running a compiled model (hdtrt_session_*).
 *
 * A session owns everything one run writes: the arena (one allocation, the
 * planner's size), buffers for outputs the caller did not bind and, on
 * cuda, the device copy of the weights, staging for host-bound inputs and
 * outputs, a stream and the captured CUDA graph. Two sessions share
 * nothing but the model, which they only read, so they run at once on two
 * threads.
 *
 * A run resolves every tensor to an address (bound buffer, constant, arena
 * offset, or its base's for a view), then calls the steps in order. On the
 * host each step runs its kernel's blocks in parallel (OpenMP, inside the
 * generated code) and returns when done. On cuda the first run launches the
 * steps on the stream under capture, and later runs replay the CUDA graph;
 * a binding of a device buffer at a new address captures again. */
#include "model.h"

#include <stdlib.h>
#include <string.h>

enum { SES_ALIGN = 256 };

typedef struct ses_binding {
  void *data; /* the caller's, or NULL */
  hdtrt_memory mem;
} ses_binding;

struct hdtrt_session {
  hdtrt_model *m;
  ses_binding *in, *out;
  unsigned char **own_out; /* host buffers of unbound outputs */
  void **addr;             /* every tensor's address for the current run */
  void **args;             /* the steps' argument arrays, end to end */
  unsigned char *arena;    /* host arena, or NULL */
  /* cuda */
  unsigned char *dev;      /* the one device allocation */
  uint64_t dev_consts, dev_arena, *dev_in, *dev_out; /* offsets into dev */
  void *stream, *graph;
  bool graph_stale;
};

/* ---- errors -------------------------------------------------------------- */

static hdtrt_status ses_cuda_fail(hdtrt_session *s, int err, const char *what) {
  return hdtrt_fail(HDTRT_ERROR_DEVICE, "%s: CUDA error %d (%s)", what, err,
                    s->m->glue.error_string(err));
}

static hdtrt_status ses_find(const hdtrt_session *s, const char *name, bool output, int32_t *io) {
  *io = model_find_io(s->m, name, output);
  if (*io < 0)
    return hdtrt_fail(HDTRT_ERROR_INVALID_ARGUMENT, "the model has no %s named '%s'",
                      output ? "output" : "input", name ? name : "(null)");
  return HDTRT_OK;
}

/* ---- creation -------------------------------------------------------------- */

static uint64_t ses_round(uint64_t n) { return (n + SES_ALIGN - 1) / SES_ALIGN * SES_ALIGN; }

/* Lays out the device allocation: weights, arena, then staging for every
 * input and output (used when the caller binds host memory). */
static hdtrt_status ses_cuda_create(hdtrt_session *s) {
  hdtrt_model *m = s->m;
  int n = 0, err = m->glue.device_count(&n);
  if (err || n == 0)
    return hdtrt_fail(HDTRT_ERROR_NO_DEVICE, "model '%s' needs a CUDA GPU, and this machine has "
                      "none (%s)", m->device, err ? m->glue.error_string(err) : "0 devices");
  s->dev_in = calloc((size_t)m->ninputs + 1, sizeof *s->dev_in);
  s->dev_out = calloc((size_t)m->noutputs + 1, sizeof *s->dev_out);
  if (!s->dev_in || !s->dev_out)
    return hdtrt_fail(HDTRT_ERROR_NOMEM, "no memory for a session");
  uint64_t at = ses_round(m->const_bytes);
  s->dev_arena = at;
  at += ses_round(m->arena_bytes);
  for (int32_t i = 0; i < m->ninputs; i++) {
    s->dev_in[i] = at;
    at += ses_round(m->tensors[m->inputs[i]].bytes);
  }
  for (int32_t i = 0; i < m->noutputs; i++) {
    s->dev_out[i] = at;
    at += ses_round(m->tensors[m->outputs[i]].bytes);
  }
  if ((err = m->glue.malloc_((void **)&s->dev, at ? at : 1)))
    return err == 2 ? hdtrt_fail(HDTRT_ERROR_NOMEM, "the GPU has no room for %llu bytes",
                                 (unsigned long long)at)
                    : ses_cuda_fail(s, err, "cudaMalloc");
  if ((err = m->glue.stream_create(&s->stream)))
    return ses_cuda_fail(s, err, "cudaStreamCreate");
  if (m->const_bytes && ((err = m->glue.memcpy_(s->dev, m->consts, m->const_bytes, 1, s->stream)) ||
                         (err = m->glue.sync(s->stream))))
    return ses_cuda_fail(s, err, "copying the weights to the GPU");
  s->graph_stale = true;
  return HDTRT_OK;
}

static hdtrt_status ses_alloc(hdtrt_session *s) {
  hdtrt_model *m = s->m;
  size_t nargs = 0;
  for (int32_t i = 0; i < m->nsteps; i++)
    nargs += (size_t)m->steps[i].nargs;
  s->in = calloc((size_t)m->ninputs + 1, sizeof *s->in);
  s->out = calloc((size_t)m->noutputs + 1, sizeof *s->out);
  s->own_out = calloc((size_t)m->noutputs + 1, sizeof *s->own_out);
  s->addr = calloc((size_t)m->ntensors + 1, sizeof *s->addr);
  s->args = calloc(nargs + 1, sizeof *s->args);
  if (!s->in || !s->out || !s->own_out || !s->addr || !s->args)
    return hdtrt_fail(HDTRT_ERROR_NOMEM, "no memory for a session");
  if (!m->cuda && m->arena_bytes && !(s->arena = hdtrt_host_alloc((size_t)m->arena_bytes)))
    return hdtrt_fail(HDTRT_ERROR_NOMEM, "no memory for an arena of %llu bytes",
                      (unsigned long long)m->arena_bytes);
  return m->cuda ? ses_cuda_create(s) : HDTRT_OK;
}

hdtrt_status hdtrt_session_create(hdtrt_model *m, hdtrt_session **out) {
  if (!m || !out)
    return hdtrt_fail(HDTRT_ERROR_INVALID_ARGUMENT, "NULL model or session");
  *out = NULL;
  hdtrt_session *s = calloc(1, sizeof *s);
  if (!s)
    return hdtrt_fail(HDTRT_ERROR_NOMEM, "no memory for a session");
  s->m = m;
  hdtrt_status st = ses_alloc(s);
  if (st) {
    hdtrt_session_destroy(s);
    return st;
  }
  *out = s;
  return HDTRT_OK;
}

void hdtrt_session_destroy(hdtrt_session *s) {
  if (!s)
    return;
  const mglue *g = &s->m->glue;
  if (s->graph)
    g->graph_destroy(s->graph);
  if (s->stream)
    g->stream_destroy(s->stream);
  if (s->dev)
    g->free_(s->dev);
  for (int32_t i = 0; s->own_out && i < s->m->noutputs; i++)
    hdtrt_host_free(s->own_out[i]);
  hdtrt_host_free(s->arena);
  free(s->in);
  free(s->out);
  free(s->own_out);
  free(s->addr);
  free(s->args);
  free(s->dev_in);
  free(s->dev_out);
  free(s);
}

/* ---- binding ------------------------------------------------------------------ */

/* Input or output `name` of s: its index among them and its tensor. */
static hdtrt_status ses_io(const hdtrt_session *s, const char *name, bool output, int32_t *io,
                           const mtensor **t) {
  if (!s)
    return hdtrt_fail(HDTRT_ERROR_INVALID_ARGUMENT, "NULL session");
  hdtrt_status st = ses_find(s, name, output, io);
  if (!st)
    *t = &s->m->tensors[(output ? s->m->outputs : s->m->inputs)[*io]];
  return st;
}

static hdtrt_status ses_bind(hdtrt_session *s, const char *name, const void *data, size_t bytes,
                             hdtrt_memory mem, bool output) {
  int32_t io = -1;
  const mtensor *t = NULL;
  hdtrt_status st = ses_io(s, name, output, &io, &t);
  if (st)
    return st;
  if (mem != HDTRT_MEM_HOST && mem != HDTRT_MEM_DEVICE)
    return hdtrt_fail(HDTRT_ERROR_INVALID_ARGUMENT, "'%s': memory kind %d is neither host nor "
                      "device", name, (int)mem);
  if (mem == HDTRT_MEM_DEVICE && !s->m->cuda)
    return hdtrt_fail(HDTRT_ERROR_INVALID_ARGUMENT, "'%s': a device buffer bound to a host "
                      "session", name);
  if (bytes != t->bytes)
    return hdtrt_fail(HDTRT_ERROR_SHAPE, "%s '%s' takes %llu bytes; the buffer has %zu",
                      output ? "output" : "input", name, (unsigned long long)t->bytes, bytes);
  if (!data && bytes)
    return hdtrt_fail(HDTRT_ERROR_INVALID_ARGUMENT, "'%s': NULL buffer", name);
  /* The kernels read and write 16 bytes at once where the shapes allow
   * (cp.async in the tensor-core templates): a device buffer bound in the
   * session's place must be aligned as cudaMalloc's are (the session's own
   * buffers are 256-byte aligned). */
  if (mem == HDTRT_MEM_DEVICE && (uintptr_t)data % 16 != 0)
    return hdtrt_fail(HDTRT_ERROR_INVALID_ARGUMENT, "'%s': device buffer %p is not 16-byte "
                      "aligned (cudaMalloc's are)", name, data);
  ses_binding *b = &(output ? s->out : s->in)[io];
  /* The captured graph holds device buffers' addresses (host ones go
   * through the session's staging): a change that involves one recaptures. */
  if ((mem == HDTRT_MEM_DEVICE || b->mem == HDTRT_MEM_DEVICE) && (b->data != data || b->mem != mem))
    s->graph_stale = true;
  b->data = (void *)data;
  b->mem = mem;
  return HDTRT_OK;
}

hdtrt_status hdtrt_session_bind_input(hdtrt_session *s, const char *name, const void *data,
                                      size_t bytes, hdtrt_memory mem) {
  return ses_bind(s, name, data, bytes, mem, false);
}

hdtrt_status hdtrt_session_bind_output(hdtrt_session *s, const char *name, void *data,
                                       size_t bytes, hdtrt_memory mem) {
  return ses_bind(s, name, data, bytes, mem, true);
}

static hdtrt_status ses_bind_tensor(hdtrt_session *s, const char *name, const void *data, int dtype,
                                    int rank, const int64_t *dims, hdtrt_memory mem, bool output) {
  if (rank > 0 && !dims)
    return hdtrt_fail(HDTRT_ERROR_INVALID_ARGUMENT, "NULL dims");
  int32_t io = -1;
  const mtensor *t = NULL;
  hdtrt_status st = ses_io(s, name, output, &io, &t);
  if (st)
    return st;
  bool same = dtype == t->dtype && rank == t->rank;
  for (int d = 0; same && d < rank; d++)
    same = dims[d] == t->dims[d];
  if (!same) {
    char want[160], got[160];
    model_shape_str(t->dtype, t->rank, t->dims, want, sizeof want);
    if (rank < 0 || rank > 8)
      snprintf(got, sizeof got, "of rank %d", rank);
    else
      model_shape_str(dtype, rank, dims, got, sizeof got);
    return hdtrt_fail(HDTRT_ERROR_SHAPE, "%s '%s' is %s; the buffer is %s",
                      output ? "output" : "input", name, want, got);
  }
  return ses_bind(s, name, data, (size_t)t->bytes, mem, output);
}

hdtrt_status hdtrt_session_bind_input_tensor(hdtrt_session *s, const char *name, const void *data,
                                             int dtype, int rank, const int64_t *dims,
                                             hdtrt_memory mem) {
  return ses_bind_tensor(s, name, data, dtype, rank, dims, mem, false);
}

hdtrt_status hdtrt_session_bind_output_tensor(hdtrt_session *s, const char *name, void *data,
                                              int dtype, int rank, const int64_t *dims,
                                              hdtrt_memory mem) {
  return ses_bind_tensor(s, name, data, dtype, rank, dims, mem, true);
}

/* ---- running -------------------------------------------------------------------- */

/* Any valid address for a tensor of no bytes: kernels check pointers. */
static unsigned char ses_empty[64];

/* Where each tensor is for this run; on cuda, device addresses. */
static hdtrt_status ses_resolve(hdtrt_session *s) {
  hdtrt_model *m = s->m;
  for (int32_t i = 0; i < m->ntensors; i++) {
    const mtensor *t = &m->tensors[i];
    unsigned char *p = NULL;
    switch ((mt_kind)t->kind) {
    case MT_INPUT: {
      const ses_binding *b = &s->in[t->io];
      if (!b->data && t->bytes)
        return hdtrt_fail(HDTRT_ERROR_UNBOUND, "input '%s' is not bound", t->name);
      p = m->cuda && b->mem == HDTRT_MEM_HOST ? s->dev + s->dev_in[t->io] : b->data;
      break;
    }
    case MT_OUTPUT: {
      const ses_binding *b = &s->out[t->io];
      if (m->cuda)
        p = b->data && b->mem == HDTRT_MEM_DEVICE ? b->data : s->dev + s->dev_out[t->io];
      else if (b->data)
        p = b->data;
      else if (!(p = s->own_out[t->io]) && t->bytes &&
               !(p = s->own_out[t->io] = hdtrt_host_alloc((size_t)t->bytes)))
        return hdtrt_fail(HDTRT_ERROR_NOMEM, "no memory for output '%s'", t->name);
      break;
    }
    case MT_CONST: p = (m->cuda ? s->dev : m->consts) + t->offset; break;
    case MT_ARENA: p = (m->cuda ? s->dev + s->dev_arena : s->arena) + t->offset; break;
    case MT_VIEW: p = NULL; break;
    default: break;
    }
    s->addr[i] = t->bytes ? (void *)p : ses_empty;
  }
  for (int32_t i = 0; i < m->ntensors; i++)
    if (m->tensors[i].kind == MT_VIEW)
      s->addr[i] = s->addr[m->tensors[i].base];
  return HDTRT_OK;
}

/* Calls every step on stream (NULL: the host). */
static hdtrt_status ses_launch(hdtrt_session *s, void *stream) {
  hdtrt_model *m = s->m;
  void **args = s->args;
  for (int32_t i = 0; i < m->nsteps; i++) {
    const mstep *p = &m->steps[i];
    for (int32_t a = 0; a < p->nargs; a++)
      args[a] = s->addr[p->args[a]];
    int err = p->fn(args, stream);
    if (err)
      return m->cuda ? ses_cuda_fail(s, err, p->symbol)
                     : hdtrt_fail(HDTRT_ERROR_DEVICE, "kernel %s (%s) failed with error %d",
                                  p->symbol, p->ops, err);
    args += p->nargs;
  }
  return HDTRT_OK;
}

static hdtrt_status ses_cuda_copies(hdtrt_session *s, bool to_device) {
  hdtrt_model *m = s->m;
  int32_t n = to_device ? m->ninputs : m->noutputs;
  for (int32_t i = 0; i < n; i++) {
    const mtensor *t = &m->tensors[(to_device ? m->inputs : m->outputs)[i]];
    const ses_binding *b = &(to_device ? s->in : s->out)[i];
    if (!t->bytes || (b->data && b->mem == HDTRT_MEM_DEVICE))
      continue;
    unsigned char *staging = s->dev + (to_device ? s->dev_in : s->dev_out)[i];
    void *host = b->data;
    if (!to_device && !host && !(host = s->own_out[i]) &&
        !(host = s->own_out[i] = hdtrt_host_alloc((size_t)t->bytes)))
      return hdtrt_fail(HDTRT_ERROR_NOMEM, "no memory for output '%s'", t->name);
    int err = to_device ? m->glue.memcpy_(staging, host, t->bytes, 1, s->stream)
                        : m->glue.memcpy_(host, staging, t->bytes, 0, s->stream);
    if (err)
      return ses_cuda_fail(s, err, t->name);
  }
  return HDTRT_OK;
}

/* Inputs in, the graph (captured again when stale), outputs out. */
static hdtrt_status ses_cuda_run(hdtrt_session *s) {
  const mglue *g = &s->m->glue;
  hdtrt_status st = ses_cuda_copies(s, true);
  int err;
  if (st)
    return st;
  if (s->graph_stale) {
    if (s->graph)
      g->graph_destroy(s->graph);
    s->graph = NULL;
    if ((err = g->capture_begin(s->stream)))
      return ses_cuda_fail(s, err, "cudaStreamBeginCapture");
    st = ses_launch(s, s->stream);
    err = g->capture_end(s->stream, &s->graph);
    if (st)
      return st;
    if (err)
      return ses_cuda_fail(s, err, "capturing the CUDA graph");
    s->graph_stale = false;
  }
  if ((err = g->graph_launch(s->graph, s->stream)))
    return ses_cuda_fail(s, err, "cudaGraphLaunch");
  if ((st = ses_cuda_copies(s, false)))
    return st;
  if ((err = g->sync(s->stream)))
    return ses_cuda_fail(s, err, "running the model");
  return HDTRT_OK;
}

hdtrt_status hdtrt_session_run(hdtrt_session *s) {
  if (!s)
    return hdtrt_fail(HDTRT_ERROR_INVALID_ARGUMENT, "NULL session");
  hdtrt_status st = ses_resolve(s);
  if (st)
    return st;
  return s->m->cuda ? ses_cuda_run(s) : ses_launch(s, NULL);
}

/* ---- outputs ------------------------------------------------------------------------ */

hdtrt_status hdtrt_session_output_shape(hdtrt_session *s, const char *name, int *rank,
                                        int64_t dims[8]) {
  if (!rank || !dims)
    return hdtrt_fail(HDTRT_ERROR_INVALID_ARGUMENT, "NULL rank or dims");
  int32_t io = -1;
  const mtensor *t = NULL;
  hdtrt_status st = ses_io(s, name, true, &io, &t);
  if (st)
    return st;
  *rank = t->rank;
  memcpy(dims, t->dims, sizeof(int64_t) * (size_t)t->rank);
  return HDTRT_OK;
}

hdtrt_status hdtrt_session_output_data(hdtrt_session *s, const char *name, const void **data,
                                       size_t *bytes) {
  if (!data)
    return hdtrt_fail(HDTRT_ERROR_INVALID_ARGUMENT, "NULL data");
  int32_t io = -1;
  const mtensor *t = NULL;
  hdtrt_status st = ses_io(s, name, true, &io, &t);
  if (st)
    return st;
  if (s->out[io].data)
    return hdtrt_fail(HDTRT_ERROR_INVALID_ARGUMENT, "output '%s' is bound to the caller's "
                      "buffer: read it there", name);
  if (!s->own_out[io] && t->bytes)
    return hdtrt_fail(HDTRT_ERROR_UNBOUND, "output '%s' has no data before a run", name);
  *data = s->own_out[io];
  if (bytes)
    *bytes = (size_t)t->bytes;
  return HDTRT_OK;
}
