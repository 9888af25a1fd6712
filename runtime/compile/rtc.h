/* rtc.h: the model compiler's internal interface (runtime/compile/).
 *
 * The model compiler turns a graph (graph/) into a compiled model: it picks
 * a kernel for every node (select.c), writes the element-wise kernels it
 * generates as hdt source (ewgen.c), compiles all of them through the
 * compiler's library (hdtc.h) into one translation unit per target, builds
 * that into a shared object through the compilation cache, and plans the
 * arena (build.c). The result is an hdtrt_model (runtime/model.h), which
 * the runtime proper runs, saves and loads with no compiler present.
 *
 * Why a folder and a library of its own: a program that only loads and runs
 * saved models links hdtrt alone and pulls in neither the compiler nor the
 * graph passes. */
#ifndef HDT_RTC_H
#define HDT_RTC_H

#include "graph_impl.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- element-wise kernels (ewgen.c) ------------------------------------ */

/* X(ID, arity, hdt): the element-wise operations; in hdt, %0 %1 %2 are the
 * operands (already in the compute type), %z is the compute type's zero and
 * %1f the literal 1 of it. Read by the generator and by select.c's table
 * of graph ops; nowhere else is an operation spelled. */
#define RTC_EW_OP_LIST(X)                                                                   \
  X(ADD, 2, "(%0 + %1)")                                                                    \
  X(SUB, 2, "(%0 - %1)")                                                                    \
  X(MUL, 2, "(%0 * %1)")                                                                    \
  X(DIV, 2, "(%0 / %1)")                                                                    \
  X(IDIV, 2, "(if %1 == %z { %z } else { %0 / %1 })")                                     \
  X(POW, 2, "pow(%0, %1)")                                                                  \
  X(MIN, 2, "min(%0, %1)")                                                                  \
  X(MAX, 2, "max(%0, %1)")                                                                  \
  X(FMA, 3, "(%0 * %1 + %2)")                                                               \
  X(RELU, 1, "max(%0, %z)")                                                                 \
  X(NEG, 1, "(-%0)")                                                                        \
  X(ABS, 1, "abs(%0)")                                                                      \
  X(EXP, 1, "exp(%0)")                                                                      \
  X(LOG, 1, "log(%0)")                                                                      \
  X(SQRT, 1, "sqrt(%0)")                                                                    \
  X(TANH, 1, "tanh(%0)")                                                                    \
  X(ERF, 1, "erf(%0)")                                                                      \
  X(RECIPROCAL, 1, "(%1f / %0)")                                                            \
  X(SIGMOID, 1, "(%1f / (%1f + exp(-%0)))")                                                 \
  X(GELU, 1, "(0.5 * %0 * (1.0 + erf(%0 * 0.7071067811865476)))")                          \
  X(GELU_TANH, 1, "(0.5 * %0 * (1.0 + tanh(0.7978845608028654 * (%0 + 0.044715 * %0 * %0 * %0))))") \
  X(EQ, 2, "(%0 == %1)")                                                                    \
  X(LT, 2, "(%0 < %1)")                                                                     \
  X(LE, 2, "(%0 <= %1)")                                                                    \
  X(GT, 2, "(%0 > %1)")                                                                     \
  X(GE, 2, "(%0 >= %1)")                                                                    \
  X(AND, 2, "(%0 && %1)")                                                                   \
  X(OR, 2, "(%0 || %1)")                                                                    \
  X(NOT, 1, "(!%0)")                                                                        \
  X(ISNAN, 1, "isnan(%0)")                                                                  \
  X(ISINF, 1, "isinf(%0)")                                                                  \
  X(ISPOSINF, 1, "(isinf(%0) && %0 > 0.0)")                                                 \
  X(ISNEGINF, 1, "(isinf(%0) && %0 < 0.0)")                                                 \
  X(WHERE, 3, "(if %0 { %1 } else { %2 })")                                                 \
  X(LEAKY, 2, "(if %0 >= %z { %0 } else { %1 * %0 })")                                      \
  X(ELU, 2, "(if %0 >= %z { %0 } else { %1 * (exp(%0) - %1f) })")                           \
  X(SELU, 3, "(%2 * (if %0 > %z { %0 } else { %1 * (exp(%0) - %1f) }))")                    \
  X(HARDSIGMOID, 3, "max(%z, min(%1f, %1 * %0 + %2))")                                      \
  X(HARDSWISH, 1, "(%0 * max(%z, min(%1f, %0 / 6.0 + 0.5)))")                               \
  X(SOFTPLUS, 1, "(max(%0, %z) + log(%1f + exp(-abs(%0))))")                                \
  X(COPY, 1, "%0")

typedef enum rtc_ew_op {
#define RTC_X(ID, arity, hdt) RTC_EW_##ID,
  RTC_EW_OP_LIST(RTC_X)
#undef RTC_X
  RTC_EW_OP_COUNT,
  RTC_EW_LEAF = RTC_EW_OP_COUNT, /* a read of an argument */
  RTC_EW_CONST,                  /* a literal */
  RTC_EW_CAST,                   /* operand 0 converted to the node's dtype */
  RTC_EW_VALUE,                  /* an epilogue's value: what the anchor stores */
} rtc_ew_op;

/* One node of an element-wise expression. Operands come earlier in the
 * array, so the array is in evaluation order and its last node is the
 * result. dt is the node's value type (the graph tensor's dtype). */
typedef struct rtc_ew_node {
  rtc_ew_op op;
  int a[3];
  hdtg_dtype dt;
  double value; /* CONST */
  int leaf;     /* LEAF: index into the leaves */
} rtc_ew_node;

/* A read: argument arg at offset + sum(i_d * stride[d]) for the iteration
 * index i (broadcast dimensions have stride 0, transposes permute them). */
typedef struct rtc_ew_leaf {
  int arg;
  int64_t offset;
  int64_t stride[HDTG_MAX_RANK];
  /* A gather: plus node dyn's value (an index along an axis of dyn_dim
   * elements, negative from the end, clamped into range) times dyn_stride;
   * dyn -1: none. */
  int dyn;
  int64_t dyn_stride, dyn_dim;
} rtc_ew_leaf;

typedef struct rtc_ew {
  int rank;
  int64_t dims[HDTG_MAX_RANK]; /* the iteration space (the output's shape) */
  rtc_ew_node *nodes;
  int nnodes, capnodes;
  rtc_ew_leaf *leaves;
  int nleaves, capleaves;
  /* The arguments read (graph tensors, each once), then the output. */
  hdtg_tensor **args;
  int nargs, capargs;
  /* Where the result goes: out at out_offset + sum(i_d * out_stride[d])
   * (contiguous unless the kernel writes a slice of a Concat). */
  hdtg_tensor *out;
  int64_t out_offset;
  int64_t out_stride[HDTG_MAX_RANK];
} rtc_ew;

/* Resets e to an empty expression over out's shape, written contiguously. */
void rtc_ew_init(rtc_ew *e, hdtg_tensor *out);
void rtc_ew_free(rtc_ew *e);
/* Adds a node; returns its index, or -1 without memory. */
int rtc_ew_add(rtc_ew *e, rtc_ew_node n);
/* A read of t with strides over the iteration space; returns the node. */
int rtc_ew_read(rtc_ew *e, hdtg_tensor *t, int64_t offset, const int64_t *stride);
/* A read of t at a data-dependent position: the strides' offset plus the
 * value of node index (normalised and clamped to [0, dim)) times stride. */
int rtc_ew_read_gather(rtc_ew *e, hdtg_tensor *t, const int64_t *strides, int index,
                       int64_t stride, int64_t dim);
/* A read of t broadcast (numpy rules, aligned right) to the iteration space. */
int rtc_ew_read_broadcast(rtc_ew *e, hdtg_tensor *t);
/* Writes `kernel NAME(args..., out) ...` as hdt source into out, in the
 * vectorised schedule where legal (ewgen.c's header; its tensors must then
 * start 16-byte aligned), else the scalar one. 0 on success; -1 with a
 * message in err for a dtype hdt kernels cannot hold. */
int rtc_ew_emit(const rtc_ew *e, const char *name, gbuf *out, char *err, size_t errsize);
/* Writes e as a device function computing its result for the element at
 * flat index g of e->out (compiler/epilogue.h): with value, an epilogue,
 * `fn NAME(v: T, g: i64, args...) -> T`, its VALUE nodes being v; without,
 * a prologue, `fn NAME(g: i64, args...) -> T`. */
int rtc_ew_emit_function(const rtc_ew *e, const char *name, bool value, gbuf *out, char *err,
                         size_t errsize);
const char *rtc_ew_op_name(rtc_ew_op op);
/* Whether argument arg is read, and the output written, at the iteration's
 * flat index alone: then the kernel may write its output over arg. */
bool rtc_ew_arg_flat(const rtc_ew *e, int arg);
/* The module-level declarations the generated kernels use, written once at
 * the top of the translation unit. */
extern const char rtc_ew_prelude[];

/* ---- kernel selection (select.c) --------------------------------------- */

/* One kernel of the model: an instance `symbol` of hdt kernel `kernel`
 * (a stdlib template, or one the generator wrote into the plan's source)
 * with generic values `defines` ("NAME=VALUE"), called with args (the
 * kernel's tensor parameters in order; the last is what it writes). */
typedef struct rtc_kernel {
  char symbol[32];
  char kernel[64];
  char **defines;
  int ndefines;
  hdtg_tensor **args;
  int nargs;
  char *ops;         /* the graph nodes it computes, "Add+Relu" (info, dot) */
  char epilogue[48]; /* a generated function fused into its stores, or "" */
  char prologue[4][48]; /* generated functions fused into the loads of inputs */
  int prologue_input[4];
  int nprologues;
  bool elementwise;  /* it may write its output over args[0] (in place) */
  bool tensor_cores; /* a template on the tensor cores (mma), for the stats */
} rtc_kernel;

/* A tensor that needs no kernel: it shares base's storage (Reshape,
 * Flatten, Squeeze, Unsqueeze, Identity). */
typedef struct rtc_view {
  hdtg_tensor *t, *base;
} rtc_view;

/* A constant the compiler made (batch normalisation's folded scale, a
 * convolution's zero bias): owned by the plan, not the graph. */
typedef struct rtc_const {
  hdtg_tensor *t;
} rtc_const;

/* A graph output computed by no node, and the tensor a copy writes it to. */
typedef struct rtc_alias {
  hdtg_tensor *output, *copy;
} rtc_alias;

typedef struct rtc_plan {
  gbuf source; /* the hdt translation unit: imports, generated kernels */
  rtc_kernel *kernels;
  int nkernels, capkernels;
  rtc_view *views;
  int nviews, capviews;
  hdtg_graph *scratch; /* owns the tensors the compiler made */
  int nsource_nodes;   /* of the graph as given */
  bool no_fusion;      /* set by the caller: one kernel per node */
  bool tensor_cores;   /* set by the caller: f16 matmuls on the tensor cores */
  bool tf32;           /* set by the caller: f32 matmuls on them, in tf32 */
  int sm_count;        /* set by the caller: the target's multiprocessors (target.h),
                          which the anchors' tile rule fills a wave of */
  rtc_alias *out_alias; /* outputs that are inputs or constants (select.c) */
  int nalias, capalias;
  /* The element-wise nodes inlined into their consumer's kernel, sorted by
   * address (select.c). */
  const gnode **fused;
  int nfused;
  /* Element-wise chains fused into an anchor's stores: the last node of
   * each (its output is what the anchor's kernel writes), sorted. */
  const gnode **absorbed;
  int nabsorbed;
  const gnode **epi_anchor, **epi_root; /* the same chains, by anchor */
  int nepi;
  /* While an epilogue is built: the anchor's own output, read as VALUE,
   * and the Gemm whose alpha and beta apply to it (or NULL). */
  const hdtg_tensor *epi_value;
  const gnode *epi_gemm;
  const gnode *epi_folded; /* a BatchNormalization folded into the conv's weights */
  /* Element-wise nodes computed in an anchor's loads instead (prologues):
   * node pro_node[i] is input pro_input[i] of anchor pro_anchor[i]. */
  const gnode **pro_anchor, **pro_node, **pro_view; /* pro_view: a reshape between, or NULL */
  int *pro_input;
  int npro;
  char err[512];
} rtc_plan;

/* glue.c: the entry points the runtime calls, appended to the generated
 * code: `SYMBOL_run(void *const *args, void *stream)` per kernel and, for
 * cuda, the hdt_glue_* functions of runtime/model.h. */
void rtc_glue_write(gbuf *b, const rtc_plan *p, bool cuda);

/* Picks a kernel for every node of g (inferred, folded, every shape known);
 * 0 on success, else -1 with plan->err naming the node. */
int rtc_select(hdtg_graph *g, rtc_plan *plan);
void rtc_plan_free(rtc_plan *plan);

#endif
