/* graph.h: the graph IR of hdt's graph runtime, and its C API.
 *
 * A graph is built from C the way ONNX Runtime's and TensorRT's C APIs
 * build theirs: one opaque hdtg_graph, opaque hdtg_tensor handles that it
 * owns, and a status from every call; when a call fails,
 * hdtg_last_error(g) says why in one line, and the graph is left as it
 * was. Nothing is global, so graphs may be built on several threads (one
 * graph per thread).
 *
 *     hdtg_graph *g;
 *     hdtg_tensor *x, *w, *y;
 *     hdtg_create(&g);
 *     hdtg_dim xd[] = {HDTG_SYM("batch"), HDTG_DIM(512)};
 *     hdtg_add_input(g, "x", HDTG_F32, 2, xd, &x);
 *     int64_t wd[] = {512, 512};
 *     hdtg_add_constant(g, "w", HDTG_F32, 2, wd, data, sizeof data, &w);
 *     hdtg_tensor *in[] = {x, w};
 *     hdtg_add_node(g, "MatMul", "y", in, 2, NULL, 0, &y);  // y: f32[batch, 512]
 *     hdtg_mark_output(g, y);
 *     hdtg_specialize(g, "batch", 8);                       // optional
 *     hdtg_run_passes(g);                                   // infer, fold, dce
 *     puts(hdtg_dump(g));
 *     hdtg_destroy(g);
 *
 * Tensors have a dtype and a shape whose dimensions are known integers or
 * named symbols ("batch", "seq"); a symbol may later be given a value
 * (hdtg_specialize) and keeps its name. Operators and their attributes are
 * ONNX's (graph/ops.def lists them). Each node is checked and its output's
 * shape inferred when it is added, so a mistake is reported at the call
 * that made it, naming the node and the shapes. */
#ifndef HDT_GRAPH_H
#define HDT_GRAPH_H

#include <stddef.h>
#include <stdint.h>

typedef struct hdtg_graph hdtg_graph;
typedef struct hdtg_tensor hdtg_tensor;

typedef enum hdtg_status {
  HDTG_OK = 0,
  HDTG_ERROR_INVALID_ARGUMENT, /* NULL, a bad rank, dims or data size, an unknown name */
  HDTG_ERROR_UNKNOWN_OP,       /* not an operator of ops.def */
  HDTG_ERROR_ARITY,            /* wrong number of inputs for the op */
  HDTG_ERROR_ATTRIBUTE,        /* unknown for the op, wrong type, bad or missing value */
  HDTG_ERROR_FOREIGN_TENSOR,   /* a tensor of another graph, or one removed by a pass */
  HDTG_ERROR_SHAPE,            /* shapes that do not fit (broadcasting, matmul...) */
  HDTG_ERROR_TYPE,             /* dtypes that do not fit */
  HDTG_ERROR_DUPLICATE,        /* a name already used in the graph */
  HDTG_ERROR_NOMEM,
} hdtg_status;

/* X(ID, name, bytes): every dtype; HDTG_ID in hdtg_dtype. */
#define HDTG_DTYPE_LIST(X)                                                                 \
  X(F32, "f32", 4)                                                                         \
  X(F16, "f16", 2)                                                                         \
  X(BF16, "bf16", 2)                                                                       \
  X(F64, "f64", 8)                                                                         \
  X(I64, "i64", 8)                                                                         \
  X(I32, "i32", 4)                                                                         \
  X(I8, "i8", 1)                                                                           \
  X(U8, "u8", 1)                                                                           \
  X(BOOL, "bool", 1)

typedef enum hdtg_dtype {
#define HDTG_X(ID, name, bytes) HDTG_##ID,
  HDTG_DTYPE_LIST(HDTG_X)
#undef HDTG_X
  HDTG_DTYPE_COUNT
} hdtg_dtype;

typedef enum hdtg_op {
#define GOP(ID, name, min_in, max_in, attrs, infer, fold, flags) HDTG_OP_##ID,
#include "ops.def"
  HDTG_OP_COUNT
} hdtg_op;

/* The most dimensions a tensor may have. */
#define HDTG_MAX_RANK 8

/* One dimension: a known value, or a symbol (with value -1 until it is
 * specialised). value -1 and no symbol: unknown (a data-dependent size). */
typedef struct hdtg_dim {
  int64_t value;
  const char *symbol;
} hdtg_dim;
#define HDTG_DIM(n) ((hdtg_dim){(n), NULL})
#define HDTG_SYM(name) ((hdtg_dim){-1, (name)})

typedef enum hdtg_attr_type {
  HDTG_ATTR_INT,
  HDTG_ATTR_FLOAT,
  HDTG_ATTR_INTS,
  HDTG_ATTR_FLOATS,
  HDTG_ATTR_STRING,
} hdtg_attr_type;

/* One attribute of a node; the graph copies what it points to. */
typedef struct hdtg_attr {
  const char *name;
  hdtg_attr_type type;
  int64_t i;             /* INT */
  double f;              /* FLOAT */
  const int64_t *ints;   /* INTS, n of them */
  const double *floats;  /* FLOATS, n of them */
  int n;
  const char *s;         /* STRING */
} hdtg_attr;
#define HDTG_ATTR_I(nm, v) ((hdtg_attr){.name = (nm), .type = HDTG_ATTR_INT, .i = (v)})
#define HDTG_ATTR_F(nm, v) ((hdtg_attr){.name = (nm), .type = HDTG_ATTR_FLOAT, .f = (v)})
#define HDTG_ATTR_IS(nm, p, cnt) ((hdtg_attr){.name = (nm), .type = HDTG_ATTR_INTS, .ints = (p), .n = (cnt)})
#define HDTG_ATTR_FS(nm, p, cnt) ((hdtg_attr){.name = (nm), .type = HDTG_ATTR_FLOATS, .floats = (p), .n = (cnt)})
#define HDTG_ATTR_S(nm, str) ((hdtg_attr){.name = (nm), .type = HDTG_ATTR_STRING, .s = (str)})

typedef enum hdtg_tensor_kind {
  HDTG_KIND_INPUT,        /* a graph input, given at run time */
  HDTG_KIND_CONSTANT,     /* data owned by the graph (weights, folded values) */
  HDTG_KIND_INTERMEDIATE, /* the output of a node */
} hdtg_tensor_kind;

/* What hdtg_tensor_info reports; the strings live as long as the graph. */
typedef struct hdtg_tensor_info {
  const char *name;
  hdtg_tensor_kind kind;
  hdtg_dtype dtype;
  int rank;
  int is_output;   /* marked by hdtg_mark_output */
  const char *op;  /* the producing node's op name; NULL for inputs and constants */
} hdtg_tensor_info;

/* ---- the graph ---------------------------------------------------------- */
hdtg_status hdtg_create(hdtg_graph **out);
/* Frees the graph and every tensor, string and dump it handed out. NULL is allowed. */
void hdtg_destroy(hdtg_graph *g);
/* The message of the last failed call on g ("" if none). */
const char *hdtg_last_error(const hdtg_graph *g);
const char *hdtg_status_name(hdtg_status s);

/* ---- building ----------------------------------------------------------- */
/* A graph input; dims[i].symbol names a symbolic dimension (its value is
 * ignored), otherwise dims[i].value >= 0 is its size. Names are unique
 * among tensors. */
hdtg_status hdtg_add_input(hdtg_graph *g, const char *name, hdtg_dtype dtype, int rank,
                           const hdtg_dim *dims, hdtg_tensor **out);
/* A constant; data (bytes long, row-major, exactly the shape's size) is copied. */
hdtg_status hdtg_add_constant(hdtg_graph *g, const char *name, hdtg_dtype dtype, int rank,
                              const int64_t *dims, const void *data, size_t bytes,
                              hdtg_tensor **out);
/* A node of op `op` (an ONNX name of ops.def) named `name` (NULL: a fresh
 * name), its output in *out. The inputs must be tensors of g; the node is
 * checked (arity, attributes, dtypes, shapes) and its output's shape
 * inferred before the call returns. */
hdtg_status hdtg_add_node(hdtg_graph *g, const char *op, const char *name,
                          hdtg_tensor *const *inputs, int ninputs, const hdtg_attr *attrs,
                          int nattrs, hdtg_tensor **out);
hdtg_status hdtg_add_node_op(hdtg_graph *g, hdtg_op op, const char *name,
                             hdtg_tensor *const *inputs, int ninputs, const hdtg_attr *attrs,
                             int nattrs, hdtg_tensor **out);
/* Makes t an output of the graph (once; outputs keep the order of the calls). */
hdtg_status hdtg_mark_output(hdtg_graph *g, hdtg_tensor *t);

/* ---- specialisation and passes ------------------------------------------ */
/* Gives symbol `symbol` the value `value` (> 0) in every shape, then
 * re-infers every node: broadcasts and matmuls that the value breaks are
 * reported. Symbols keep their names in the IR and the dump. */
hdtg_status hdtg_specialize(hdtg_graph *g, const char *symbol, int64_t value);
/* Every pass of graph/passes.def, in order. */
hdtg_status hdtg_run_passes(hdtg_graph *g);
hdtg_status hdtg_run_pass(hdtg_graph *g, const char *pass);
int hdtg_pass_count(void);
const char *hdtg_pass_name(int i); /* NULL out of range */
const char *hdtg_pass_what(int i);

/* ---- inspection --------------------------------------------------------- */
/* The graph as text, one tensor or node per line (docs/runtime.md); lives
 * until the next hdtg_dump or hdtg_destroy. NULL only when out of memory. */
const char *hdtg_dump(hdtg_graph *g);
/* Nodes still in the graph (folded and dead ones are gone). */
hdtg_status hdtg_node_count(hdtg_graph *g, int *out);
hdtg_status hdtg_find_tensor(hdtg_graph *g, const char *name, hdtg_tensor **out);
/* counts[op]: how many nodes of each op the graph still has. */
hdtg_status hdtg_op_histogram(hdtg_graph *g, int counts[HDTG_OP_COUNT]);
/* The symbolic dimensions: how many, each one's name (NULL out of range)
 * and value (-1 until hdtg_specialize gives one). */
int hdtg_symbol_count(const hdtg_graph *g);
const char *hdtg_symbol_name(const hdtg_graph *g, int i);
int64_t hdtg_symbol_value(const hdtg_graph *g, int i);
hdtg_status hdtg_tensor_get_info(hdtg_tensor *t, hdtg_tensor_info *out);
/* Dimension i: its effective value (-1 when not known) and its symbol (NULL if none). */
hdtg_status hdtg_tensor_dim(hdtg_tensor *t, int i, hdtg_dim *out);
/* A constant's data (owned by the graph) and its size in bytes. */
hdtg_status hdtg_tensor_data(hdtg_tensor *t, const void **data, size_t *bytes);

/* Names of the tables (NULL out of range), and the lookups by name. */
const char *hdtg_dtype_name(hdtg_dtype d);
size_t hdtg_dtype_size(hdtg_dtype d); /* 0 out of range */
const char *hdtg_op_name(hdtg_op op);
hdtg_status hdtg_op_from_name(const char *name, hdtg_op *out);

#endif
