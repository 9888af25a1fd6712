/* hdt_onnx.h: the ONNX importer, an ONNX model (protobuf) into an
 * hdtg_graph (graph/graph.h).
 *
 *     hdtg_graph *g;
 *     char *msg;
 *     if (hdto_import_file("model.onnx", NULL, &g, &msg) != HDTO_OK) {
 *       fprintf(stderr, "%s\n", msg);   // e.g. "node 'n3' (Mod, opset 13): ..."
 *       free(msg);
 *     } else {
 *       hdtg_run_passes(g);
 *       ...
 *       hdtg_destroy(g);
 *     }
 *
 * The graph is built through graph.h's public builder, so every node is
 * checked and its shapes inferred as it is added: whatever the importer
 * returns is a graph the graph IR accepted. Graph inputs keep their names,
 * symbolic sizes (dim_param) become symbols; initializers (and graph
 * inputs that are initializers) become constants; Constant nodes become
 * constants. Every error is found before anything runs and is reported
 * with a status and one line that names what is wrong (for a node: its
 * name, op type and the model's opset). Nothing is global: imports may run
 * on several threads. docs/onnx.md lists what is supported. */
#ifndef HDT_ONNX_H
#define HDT_ONNX_H

#include "graph.h"

#include <stddef.h>

typedef enum hdto_status {
  HDTO_OK = 0,
  HDTO_ERROR_INVALID_ARGUMENT, /* NULL path, data or out; bad options */
  HDTO_ERROR_IO,               /* the model file cannot be read */
  HDTO_ERROR_PARSE,            /* not a ModelProto: malformed or truncated protobuf */
  HDTO_ERROR_MODEL,            /* an inconsistent model: bad dims, wrong data sizes, an
                                  input naming no tensor, a cycle, a name used twice */
  HDTO_ERROR_UNSUPPORTED,      /* an operator, attribute, data type, opset or domain
                                  the importer does not handle */
  HDTO_ERROR_EXTERNAL_DATA,    /* external data: a path leaving the model's folder, a
                                  missing file, an offset or length out of the file */
  HDTO_ERROR_GRAPH,            /* the graph refused a node (shapes, dtypes): its message */
  HDTO_ERROR_NOMEM,
} hdto_status;

/* A tensor read from a file holding one serialised TensorProto (the ONNX
 * backend tests' input_K.pb and output_K.pb). name and data are malloc'd;
 * hdto_tensor_free releases them. */
typedef struct hdto_tensor {
  char *name;
  hdtg_dtype dtype;
  int rank;
  int64_t dims[HDTG_MAX_RANK];
  void *data;
  size_t bytes;
} hdto_tensor;

typedef struct hdto_options {
  /* The largest model file read, in bytes (0: 2 GiB). */
  size_t max_model_bytes;
  /* The most bytes of weights read from external data files, in all (0: 16 GiB). */
  size_t max_external_bytes;
  /* Values for graph inputs (by name): those inputs become constants, of
   * this dtype and shape. For models that take a shape as an input (the
   * ONNX backend tests do), so that the shapes it decides are known. The
   * tensors are copied; not kept after the call. */
  const hdto_tensor *frozen;
  int nfrozen;
} hdto_options;

/* The defaults (what a NULL opts means). */
void hdto_options_init(hdto_options *opts);

/* Imports the model file at path; external data is looked up relative to
 * the file's folder. On success *out is a new graph (the caller destroys
 * it) and *error_message is NULL; on failure *out is NULL and
 * *error_message (when error_message is not NULL) a malloc'd line that the
 * caller frees with free(). opts may be NULL. */
hdto_status hdto_import_file(const char *path, const hdto_options *opts, hdtg_graph **out,
                             char **error_message);

/* The same from len bytes in memory (not kept after the call). base_dir is
 * the folder external data is relative to; NULL refuses external data. */
hdto_status hdto_import_memory(const void *data, size_t len, const char *base_dir,
                               const hdto_options *opts, hdtg_graph **out,
                               char **error_message);

const char *hdto_status_name(hdto_status s);

/* On failure *error_message (when not NULL) is a malloc'd line. */
hdto_status hdto_read_tensor_file(const char *path, hdto_tensor *out, char **error_message);
void hdto_tensor_free(hdto_tensor *t);

/* The opsets of the default domain ("" or "ai.onnx") that are imported. */
#define HDTO_MIN_OPSET 6
#define HDTO_MAX_OPSET 18

#endif
