/* cli.h: the `hdt` command's shared pieces (cli/).
 *
 * hdt.c parses the command line and dispatches to one file per subcommand
 * (cmd_run.c, cmd_test.c, cmd_bench.c, cmd_info.c, cmd_compile.c); model.c
 * turns MODEL (an ONNX file or a compiled model) into an hdtrt_model;
 * npy.c and tensor files read and write tensors. Every error is one line on
 * stderr, `hdt: error: ...`, and exit status 1. */
#ifndef HDT_CLI_H
#define HDT_CLI_H

#include "graph.h"
#include "hdtrt.h"
#include "npy.h"

#include <stdbool.h>
#include <stdint.h>

/* The options every subcommand shares. */
typedef struct cli_opts {
  const char *device;     /* --device host|cuda|cuda:sm_90a (default: hdtrt_default_device) */
  const char *cache_dir;  /* --cache-dir */
  const char *dims[32];   /* --dim NAME=VALUE: sizes of symbolic dimensions */
  int ndims;
  int verbose;            /* --verbose */
  int no_fusion;          /* --no-fusion */
} cli_opts;

/* Reads a shared option at argv[*i] (advancing *i past its value); 1 when
 * it was one, 0 when not, -1 after an error message. */
int cli_common_option(int argc, char **argv, int *i, cli_opts *o);

/* A subcommand's own option at argv[*i]: 1 when taken (with *i advanced
 * past its value), 0 when not its, -1 after an error message. */
typedef int (*cli_own_fn)(int argc, char **argv, int *i, void *ctx);

/* Parses a subcommand's arguments: the shared options, own's, --help, and
 * up to max positional arguments (at least one, called `what` in the
 * message when there is none). 0: go on; 1: an error
 * (said, with the usage); -1: --help was printed. */
int cli_parse(int argc, char **argv, cli_opts *o, cli_own_fn own, void *ctx, const char *what,
              const char **pos, int max, int *npos, int (*usage)(FILE *f));
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* What model.c opened: the compiled model, and for an ONNX file the
 * graph's operator histogram and node count. */
typedef struct cli_model {
  hdtrt_model *m;
  bool from_onnx;
  int ops[HDTG_OP_COUNT];
} cli_model;

/* MODEL is a compiled model (hdtrt_model_save's file) or an ONNX file,
 * which is imported, specialised (--dim; a symbol not given is 1, said on
 * stderr) and compiled for the device. 0, or 1 after an error message. */
int cli_open_model(const char *path, const cli_opts *o, cli_model *out);
void cli_close_model(cli_model *cm);

/* A tensor file: .npy, or an ONNX TensorProto (.pb). */
int cli_read_tensor(const char *path, npy_array *out, char *name, size_t name_size, char *err,
                    size_t errsize);

/* Fills a of desc's shape and dtype with random values from *state
 * (uniform in [-1, 1) for floats, [0, 4) for integers). */
int cli_random_tensor(const hdtrt_tensor_desc *desc, uint64_t *state, npy_array *a);

/* The subcommands. */
int cmd_run(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_compile(int argc, char **argv);

/* Seconds on a monotonic clock. */
double cli_now(void);

#endif
