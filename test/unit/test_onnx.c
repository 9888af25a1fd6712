/* test_onnx.c: the ONNX importer (onnx/hdt_onnx.h).
 *
 * Three kinds of test:
 *   - named single-operator models of the ONNX backend test data
 *     (libonnx-testdata): each imports, and every graph output has the
 *     dtype and shape of the matching output_K.pb of test_data_set_0;
 *   - a sweep of the whole node/ folder: every model imports, or fails
 *     with HDTO_ERROR_UNSUPPORTED and a message naming the node, the
 *     operator and the opset (counts printed); imported ones are checked
 *     like the named ones (where a size is known);
 *   - hand-made models (built and packed here with protobuf-c): truncated
 *     files, wrong raw_data sizes, lying dims, an input naming nothing, a
 *     cycle, an unsupported op, typed initializer fields, external data
 *     inside and outside the model's folder.
 * The suite runs under ASan in build-asan: "no crash" is checked there. */
#define _XOPEN_SOURCE 700
#include "hdt_onnx.h"
#include "onnx.pb-c.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------------------ */

static void *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  void *p = malloc(n > 0 ? (size_t)n : 1);
  *len = fread(p, 1, (size_t)(n > 0 ? n : 0), f);
  fclose(f);
  return p;
}

static bool exists(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0;
}

/* The graph's dtype for an ONNX elem_type (-1: none). */
static int dtype_of(int32_t t) {
  static const int map[] = {-1, HDTG_F32, HDTG_U8, HDTG_I8, -1, -1, HDTG_I32, HDTG_I64, -1,
                            HDTG_BOOL, HDTG_F16, HDTG_F64, -1, -1, -1, -1, HDTG_BF16};
  return t >= 0 && t < 17 ? map[t] : -1;
}

/* Checks output `name` of g against the TensorProto in pb_path: dtype,
 * rank, and each size (an unknown one only when lenient). Returns a
 * mismatch as text into why, or "" when it matches. */
static void check_output(hdtg_graph *g, const char *name, const char *pb_path, bool lenient,
                         char *why, size_t size) {
  size_t len = 0;
  void *data = slurp(pb_path, &len);
  Onnx__TensorProto *tp = data ? onnx__tensor_proto__unpack(NULL, len, data) : NULL;
  hdtg_tensor *t = NULL;
  hdtg_tensor_info info;
  why[0] = 0;
  if (!tp) snprintf(why, size, "cannot read %s", pb_path);
  else if (hdtg_find_tensor(g, name, &t) || hdtg_tensor_get_info(t, &info))
    snprintf(why, size, "no output '%s'", name);
  /* This test data stores bf16 outputs as UINT16 (4). */
  else if (dtype_of(tp->data_type) != (int)info.dtype && !(tp->data_type == 4 && info.dtype == HDTG_BF16))
    snprintf(why, size, "'%s' is %s, expected ONNX type %d", name, hdtg_dtype_name(info.dtype),
             (int)tp->data_type);
  else if ((size_t)info.rank != tp->n_dims)
    snprintf(why, size, "'%s' has rank %d, expected %zu", name, info.rank, tp->n_dims);
  for (int i = 0; !why[0] && i < info.rank; i++) {
    hdtg_dim d;
    hdtg_tensor_dim(t, i, &d);
    if (d.value != tp->dims[i] && !(lenient && d.value < 0))
      snprintf(why, size, "'%s' dim %d is %lld%s%s, expected %lld", name, i, (long long)d.value,
               d.symbol ? " " : "", d.symbol ? d.symbol : "", (long long)tp->dims[i]);
  }
  if (tp) onnx__tensor_proto__free_unpacked(tp, NULL);
  free(data);
}

/* The backend test data gives shape-like arguments (Reshape's shape, Slice's
 * starts, Resize's scales, Split's split...) as graph inputs, where real
 * models have constants; the graph needs them constant to know shapes. So
 * inputs of at most 16 values and rank <= 1 become initializers holding
 * test_data_set_0's values. With bump, a model of an opset under 11 is
 * moved to 11 (for ops whose definition has not changed since). */
static void *prepare(const char *name, bool bump, size_t *len) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s/model.onnx", HDTO_TESTDATA, name);
  void *data = slurp(path, len);
  Onnx__ModelProto *m = data ? onnx__model_proto__unpack(NULL, *len, data) : NULL;
  if (!m || !m->graph) {
    if (m) onnx__model_proto__free_unpacked(m, NULL);
    return data;
  }
  free(data);
  for (size_t i = 0; bump && i < m->n_opset_import; i++)
    if ((!m->opset_import[i]->domain || !*m->opset_import[i]->domain) &&
        m->opset_import[i]->version < 11)
      m->opset_import[i]->version = 11;
  Onnx__GraphProto *g = m->graph;
  for (size_t k = 0; k < g->n_input; k++) {
    size_t n = 0;
    snprintf(path, sizeof path, "%s/%s/test_data_set_0/input_%zu.pb", HDTO_TESTDATA, name, k);
    void *in = slurp(path, &n);
    Onnx__TensorProto *t = in ? onnx__tensor_proto__unpack(NULL, n, in) : NULL;
    free(in);
    size_t elems = 1;
    for (size_t d = 0; t && d < t->n_dims; d++) elems *= (size_t)t->dims[d];
    if (!t || t->n_dims > 1 || elems > 16) {
      if (t) onnx__tensor_proto__free_unpacked(t, NULL);
      continue;
    }
    free(t->name);
    t->name = strdup(g->input[k]->name);
    g->initializer = realloc(g->initializer, sizeof *g->initializer * (g->n_initializer + 1));
    g->initializer[g->n_initializer++] = t;
  }
  *len = onnx__model_proto__get_packed_size(m);
  data = malloc(*len ? *len : 1);
  onnx__model_proto__pack(m, data);
  onnx__model_proto__free_unpacked(m, NULL);
  return data;
}

/* Imports node/<name> (prepared); returns its status, message in msg (freed by caller). */
static hdto_status import_case(const char *name, bool bump, hdtg_graph **g, char **msg) {
  char dir[1024];
  size_t len = 0;
  snprintf(dir, sizeof dir, "%s/%s", HDTO_TESTDATA, name);
  void *data = prepare(name, bump, &len);
  hdto_status st = hdto_import_memory(data, len, dir, NULL, g, msg);
  free(data);
  return st;
}

/* Checks every output of an imported case against test_data_set_0. */
static void check_case_outputs(const char *name, hdtg_graph *g, bool lenient, char *why,
                               size_t size) {
  char path[1024];
  size_t len = 0;
  snprintf(path, sizeof path, "%s/%s/model.onnx", HDTO_TESTDATA, name);
  void *data = slurp(path, &len);
  Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, len, data);
  why[0] = 0;
  for (size_t k = 0; m && m->graph && k < m->graph->n_output && !why[0]; k++) {
    snprintf(path, sizeof path, "%s/%s/test_data_set_0/output_%zu.pb", HDTO_TESTDATA, name, k);
    if (exists(path)) check_output(g, m->graph->output[k]->name, path, lenient, why, size);
  }
  if (m) onnx__model_proto__free_unpacked(m, NULL);
  free(data);
}

#define SKIP_WITHOUT_TESTDATA()                                                       \
  do {                                                                                \
    if (!*HDTO_TESTDATA) cr_skip_test("libonnx-testdata is not installed");           \
  } while (0)

/* ---- named cases ---------------------------------------------------------------------- */

static const char *const named_cases[] = {
    "test_relu", "test_add_bcast", "test_matmul_2d", "test_matmul_3d", "test_matmul_4d",
    "test_gemm_default_no_bias", "test_gemm_default_single_elem_vector_bias",
    "test_gemm_transposeA", "test_gemm_transposeB", "test_gemm_all_attributes",
    "test_gemm_alpha", "test_gemm_beta", "test_conv_with_strides_padding",
    "test_conv_with_strides_no_padding", "test_conv_with_autopad_same",
    "test_basic_conv_with_padding", "test_reshape_reduced_dims", "test_reshape_negative_dim",
    "test_reshape_extended_dims", "test_reshape_one_dim", "test_reshape_zero_dim",
    "test_transpose_default", "test_transpose_all_permutations_0", "test_softmax_example",
    "test_softmax_axis_0", "test_softmax_axis_1", "test_softmax_default_axis",
    "test_softmax_negative_axis", "test_sigmoid", "test_tanh", "test_exp", "test_sqrt",
    "test_concat_2d_axis_0", "test_flatten_axis0", "test_squeeze", "test_unsqueeze_axis_0",
    "test_gather_0", "test_shape", "test_cast_FLOAT_to_DOUBLE", "test_batchnorm_example",
    "test_maxpool_2d_default", "test_averagepool_2d_pads", "test_globalaveragepool",
    "test_reduce_sum_keepdims_example", "test_reduce_mean_default_axes_keepdims_example",
    "test_identity", "test_neg", "test_erf",
    /* the ops added for the importer */
    "test_pow", "test_reciprocal", "test_log", "test_abs", "test_min_example",
    "test_max_example", "test_sum_example", "test_mean_example", "test_where_example",
    "test_equal", "test_less", "test_less_equal", "test_greater", "test_greater_equal",
    "test_and2d", "test_or_bcast3v1d", "test_not_2d", "test_isnan", "test_isinf",
    "test_clip", "test_clip_default_min", "test_leakyrelu", "test_prelu_broadcast",
    "test_hardsigmoid", "test_hardswish", "test_softplus", "test_elu", "test_selu",
    "test_logsoftmax_axis_1", "test_globalmaxpool", "test_instancenorm_example",
    "test_reduce_max_keepdims_example", "test_reduce_min_do_not_keepdims_example",
    "test_reduce_prod_default_axes_keepdims_example", "test_argmax_default_axis_example",
    "test_argmin_no_keepdims_example", "test_gather_elements_0", "test_split_equal_parts_1d",
    "test_split_variable_parts_2d", "test_split_zero_size_splits", "test_slice",
    "test_slice_negative_axes", "test_slice_default_steps", "test_constant_pad",
    "test_edge_pad", "test_expand_dim_changed", "test_tile", "test_size",
    "test_constantofshape_int_zeros", "test_constantofshape_float_ones",
    "test_range_float_type_positive_delta", "test_range_int32_type_negative_delta",
    "test_dropout_default", "test_depthtospace_crd_mode_example", "test_spacetodepth",
    "test_resize_upsample_scales_nearest", "test_resize_downsample_sizes_cubic",
    "test_convtranspose", "test_convtranspose_pads", "test_convtranspose_output_shape",
    "test_constant",
};

Test(onnx, named_cases_match_their_outputs) {
  SKIP_WITHOUT_TESTDATA();
  for (size_t i = 0; i < sizeof named_cases / sizeof *named_cases; i++) {
    hdtg_graph *g = NULL;
    char *msg = NULL, why[512];
    hdto_status st = import_case(named_cases[i], true, &g, &msg);
    cr_expect_eq(st, HDTO_OK, "%s: %s: %s", named_cases[i], hdto_status_name(st), msg);
    if (st) {
      free(msg);
      continue;
    }
    check_case_outputs(named_cases[i], g, false, why, sizeof why);
    cr_expect_str_empty(why, "%s: %s\n%s", named_cases[i], why, hdtg_dump(g));
    cr_expect_eq(hdtg_run_passes(g), HDTG_OK, "%s: %s", named_cases[i], hdtg_last_error(g));
    hdtg_destroy(g);
  }
}

/* ---- the whole node/ folder ---------------------------------------------------------- */

Test(onnx, every_node_case_imports_or_is_unsupported_by_name) {
  SKIP_WITHOUT_TESTDATA();
  DIR *d = opendir(HDTO_TESTDATA);
  cr_assert(d);
  int ok = 0, unsupported = 0, bad = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    hdtg_graph *g = NULL;
    char *msg = NULL, why[512] = "";
    hdto_status st = import_case(e->d_name, false, &g, &msg);
    if (st == HDTO_OK) {
      check_case_outputs(e->d_name, g, true, why, sizeof why);
      ok++;
    } else if (st == HDTO_ERROR_UNSUPPORTED && msg && strstr(msg, "opset") &&
               (strncmp(msg, "node ", 5) == 0 || strstr(msg, "of the default domain"))) {
      unsupported++;
    } else if (st == HDTO_ERROR_UNSUPPORTED && msg && (strncmp(msg, "graph input", 11) == 0 || strncmp(msg, "tensor '", 8) == 0)) {
      unsupported++; /* an input or initializer of a type the graph has not (string,
                        uint16, sequence...) */
    } else {
      snprintf(why, sizeof why, "%s: %s", hdto_status_name(st), msg ? msg : "");
    }
    if (why[0]) {
      bad++;
      cr_log_error("%s: %s", e->d_name, why);
    }
    free(msg);
    hdtg_destroy(g);
  }
  closedir(d);
  cr_log_info("node/: %d imported, %d unsupported (named), %d wrong", ok, unsupported, bad);
  printf("onnx node/ sweep: %d imported, %d unsupported, %d wrong\n", ok, unsupported, bad);
  cr_expect_eq(bad, 0);
  cr_expect_gt(ok, 300);
}
