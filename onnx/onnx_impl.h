/* onnx_impl.h: what the files of onnx/ share, and nothing else sees: the
 * import's context (the graph being built, the ONNX name -> tensor table,
 * the first error), and the functions each file offers the others.
 *
 *   import.c   the entry points: reading, parsing, the model's opset, graph
 *              inputs, initializers and outputs, the node order
 *   tensor.c   TensorProto -> constant data: dtypes, raw and typed fields,
 *              external data
 *   node.c     NodeProto -> graph nodes: attributes, optional inputs, and the
 *              ops whose ONNX form differs from the graph's (by opset)
 *
 * The context's first error wins: a function that fails records a status
 * and one line, and everything above it returns that status unchanged. */
#ifndef HDT_ONNX_IMPL_H
#define HDT_ONNX_IMPL_H

#include "hdt_onnx.h"
#include "onnx.pb-c.h"

#include <stdbool.h>
#include <stdint.h>

/* A table of names (open addressing; keys borrowed from the unpacked model). */
typedef struct hdto_entry {
  const char *key;
  hdtg_tensor *val;
} hdto_entry;

typedef struct hdto_table {
  hdto_entry *e;
  size_t cap, n;
} hdto_table;

typedef struct hdto_ctx {
  hdtg_graph *g;
  hdto_options opts;
  const char *base_dir; /* NULL: external data is refused */
  int64_t opset;        /* of the default domain */
  size_t external_bytes;
  hdto_table tensors;   /* ONNX name -> its tensor in g */
  hdto_table names;     /* every name the model uses (fresh names avoid them) */
  hdto_table used;      /* names read by a node or a graph output */
  hdtg_tensor *absent;  /* [0] i64: a skipped optional input (ops.def) */
  int fresh;
  hdto_status st;
  char msg[1024];
} hdto_ctx;

/* A constant's data decoded from a TensorProto; owned is freed by the caller. */
typedef struct hdto_data {
  hdtg_dtype dt;
  int rank;
  int64_t dims[HDTG_MAX_RANK];
  const void *data;
  size_t bytes;
  void *owned;
} hdto_data;

/* import.c */
hdto_status hdto_fail(hdto_ctx *c, hdto_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
hdtg_tensor *hdto_lookup(const hdto_table *t, const char *key);
bool hdto_has(const hdto_table *t, const char *key);
hdto_status hdto_put(hdto_ctx *c, hdto_table *t, const char *key, hdtg_tensor *val);
/* A name no tensor of the model or the graph has, in buf. */
const char *hdto_fresh(hdto_ctx *c, char *buf, size_t size);

/* tensor.c */
hdto_status hdto_dtype(hdto_ctx *c, int32_t onnx_type, const char *what, hdtg_dtype *out);
const char *hdto_type_name(int32_t onnx_type);
hdto_status hdto_decode(hdto_ctx *c, const Onnx__TensorProto *t, const char *what, hdto_data *out);
/* t as a constant named name (NULL: t's own name) in the graph and the table. */
hdto_status hdto_add_tensor(hdto_ctx *c, const Onnx__TensorProto *t, const char *name,
                            hdtg_tensor **out);

/* node.c */
hdto_status hdto_node(hdto_ctx *c, const Onnx__NodeProto *n, int index);

#endif
