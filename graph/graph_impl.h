/* graph_impl.h: the graph IR's data structures, shared by the files of
 * graph/ and by nothing else (callers see graph.h's opaque handles).
 *
 * Ownership is flat: the graph owns arrays of tensors, nodes and symbols,
 * each malloc'd, and frees them all in hdtg_destroy. Passes never free a
 * tensor or node, they mark it removed, so a handle the caller holds stays
 * valid (and is refused, with a message, when used as an input) until the
 * graph dies. Nodes are kept in the order they were added, which is a
 * topological order (an input must exist before its consumer), so every
 * pass is one walk forwards or backwards. */
#ifndef HDT_GRAPH_IMPL_H
#define HDT_GRAPH_IMPL_H

#include "graph.h"

#include <stdbool.h>
#include <stddef.h>

/* A dimension: with sym >= 0 its value is the symbol's (g->syms[sym].value,
 * -1 until specialised); otherwise v, -1 when unknown. */
typedef struct gdim {
  int64_t v;
  int sym;
} gdim;

typedef struct gsym {
  char *name;
  int64_t value;
} gsym;

struct hdtg_tensor {
  hdtg_graph *g;
  char *name;
  hdtg_tensor_kind kind;
  hdtg_dtype dt;
  int rank;
  gdim dims[HDTG_MAX_RANK];
  void *data; /* constants: row-major, bytes long */
  size_t bytes;
  struct gnode *producer; /* intermediates; NULL once folded */
  bool is_output;
  bool removed; /* by dce: no longer part of the graph */
  /* The values of a small i64 shape tensor (nvals of them, -1: none), as
   * dimensions: what Shape(x) holds while x's sizes are symbols. Passed on
   * by Gather, Concat, Unsqueeze, Squeeze and Identity and read by Reshape
   * (ONNX's "data propagation"), so Reshape(x, Concat(Shape(x)[0], [-1]))
   * is [batch, 512] before batch has a value. */
  gdim vals[HDTG_MAX_RANK];
  int nvals;
};

typedef enum gattr_id {
#define GATTR(ID, name, type) HDTG_A_##ID,
#include "ops.def"
  HDTG_A_COUNT
} gattr_id;
#define GA(ID) (1ull << HDTG_A_##ID)

enum { GF_FLOAT = 1, GF_SHAPE_ONLY = 2 };

typedef struct gattr {
  gattr_id id;
  hdtg_attr_type type;
  int64_t i;
  double f;
  int64_t *ints;
  double *floats;
  int n;
  char *s;
} gattr;

typedef struct gnode {
  char *name;
  hdtg_op op;
  hdtg_tensor **in;
  int nin;
  hdtg_tensor *out;
  gattr *attrs;
  int nattrs;
  bool removed; /* folded into a constant, or dead */
} gnode;

struct hdtg_graph {
  hdtg_tensor **tensors;
  int ntensors, captensors;
  gnode **nodes;
  int nnodes, capnodes;
  gsym *syms;
  int nsyms, capsyms;
  hdtg_tensor **outputs;
  int noutputs, capoutputs;
  int fresh;      /* counter for generated names */
  char *dump;     /* the last hdtg_dump */
  char err[512];
};

typedef hdtg_status (*ginfer_fn)(hdtg_graph *g, gnode *n);
typedef int (*gfold_fn)(hdtg_graph *g, gnode *n, void *out);

typedef struct gop_row {
  const char *name;
  int min_in, max_in;
  uint64_t attrs;
  ginfer_fn infer;
  gfold_fn fold;
  int flags;
} gop_row;

/* The rows of ops.def, indexed by hdtg_op / gattr_id (graph.c). */
extern const gop_row gop_table[HDTG_OP_COUNT];
extern const char *const gattr_names[HDTG_A_COUNT];

/* Declarations of every infer and fold function named in ops.def. */
#define GOP(ID, name, min_in, max_in, attrs, infer, fold, flags)                          \
  hdtg_status infer(hdtg_graph *g, gnode *n);                                            \
  int fold(hdtg_graph *g, gnode *n, void *out);
#include "ops.def"

/* graph.c: errors, growth, names. */
hdtg_status gfail(hdtg_graph *g, hdtg_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
hdtg_status gnode_fail(hdtg_graph *g, const gnode *n, hdtg_status s, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
bool ggrow(void **p, int *cap, int need, size_t elem);
bool gdtype_is_float(hdtg_dtype d);

/* shape.c: dimensions and shapes. */
int64_t gdim_value(const hdtg_graph *g, gdim d); /* -1 when not known */
gdim gdim_known(int64_t v);
bool gdim_same(const hdtg_graph *g, gdim a, gdim b);
/* The shape as "[batch, 512]" into buf (always terminated). */
const char *gshape_str(const hdtg_graph *g, const hdtg_tensor *t, char *buf, size_t size);
int64_t gtensor_elems(const hdtg_tensor *t); /* -1 unless every dim is known */
bool gtensor_known(const hdtg_tensor *t);    /* every dim has a value */
/* Attribute getters: the node's value, or dflt when it has none. */
const gattr *gnode_attr(const gnode *n, gattr_id id);
int64_t gattr_int(const gnode *n, gattr_id id, int64_t dflt);
double gattr_float(const gnode *n, gattr_id id, double dflt);
/* Runs the op's inference on n (with the table's dtype checks). */
hdtg_status gnode_infer(hdtg_graph *g, gnode *n);

/* fold.c: element access shared with the dump. */
bool gload_int(hdtg_dtype dt, const void *p, int64_t i, int64_t *out);
bool gload_float(hdtg_dtype dt, const void *p, int64_t i, double *out);
/* A constant int tensor's values (at most max of them), for shape inputs. */
int gconst_ints(const hdtg_tensor *t, int64_t *vals, int max);

/* passes.c: a growable string, for the dump and for the model compiler's
 * generated source (runtime/compile/). After a failed allocation `failed`
 * is set and nothing more is appended. */
typedef struct gbuf {
  char *s;
  size_t len, cap;
  bool failed;
} gbuf;
void gbuf_printf(gbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void gbuf_free(gbuf *b);

/* passes.c */
hdtg_status gpass_infer(hdtg_graph *g);
hdtg_status gpass_fold(hdtg_graph *g);
hdtg_status gpass_dce(hdtg_graph *g);

#endif
