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

/* ---- old opsets (6 to 10), imported as they are ---------------------------------------- */

/* Backend cases of opsets 6 to 10 (node/, and pytorch-converted/ and
 * pytorch-operator/ beside it, mostly opset 6): legacy broadcasting, the
 * attribute forms of Pad, Slice, Clip, Upsample's scales, Gemm's broadcast,
 * PRelu 6's per-channel slope, BatchNormalization and Dropout with is_test. */
static const char *const old_opset_cases[] = {
    "test_and2d", "test_and_bcast4v2d", "test_or_bcast3v1d", "test_upsample_nearest",
    "test_elu", "test_selu", "test_hardsigmoid", "test_instancenorm_example", "test_isinf",
    "test_isinf_negative", "test_constantofshape_int_zeros", "test_convtranspose_output_shape",
    "../pytorch-operator/test_operator_add_broadcast",
    "../pytorch-operator/test_operator_add_size1_broadcast",
    "../pytorch-operator/test_operator_add_size1_right_broadcast",
    "../pytorch-operator/test_operator_add_size1_singleton_broadcast",
    "../pytorch-operator/test_operator_addconstant", "../pytorch-operator/test_operator_addmm",
    "../pytorch-operator/test_operator_clip", "../pytorch-operator/test_operator_index",
    "../pytorch-operator/test_operator_pad", "../pytorch-operator/test_operator_mm",
    "../pytorch-operator/test_operator_chunk", "../pytorch-operator/test_operator_max",
    "../pytorch-converted/test_PReLU_1d_multiparam", "../pytorch-converted/test_PReLU_3d",
    "../pytorch-converted/test_BatchNorm2d_eval", "../pytorch-converted/test_Linear",
    "../pytorch-converted/test_ConstantPad2d", "../pytorch-converted/test_ReflectionPad2d",
    "../pytorch-converted/test_Softsign", "../pytorch-converted/test_log_softmax_dim3",
    "../pytorch-converted/test_MaxPool1d_stride",
};

Test(onnx, old_opset_cases_match_their_outputs) {
  SKIP_WITHOUT_TESTDATA();
  for (size_t i = 0; i < sizeof old_opset_cases / sizeof *old_opset_cases; i++) {
    const char *name = old_opset_cases[i];
    hdtg_graph *g = NULL;
    char *msg = NULL, why[512], path[1024];
    snprintf(path, sizeof path, "%s/%s/model.onnx", HDTO_TESTDATA, name);
    if (!exists(path)) continue; /* pytorch-*: another package's folder */
    hdto_status st = import_case(name, false, &g, &msg);
    cr_expect_eq(st, HDTO_OK, "%s: %s: %s", name, hdto_status_name(st), msg);
    if (st) {
      free(msg);
      continue;
    }
    check_case_outputs(name, g, false, why, sizeof why);
    cr_expect_str_empty(why, "%s: %s\n%s", name, why, hdtg_dump(g));
    cr_expect_eq(hdtg_run_passes(g), HDTG_OK, "%s: %s", name, hdtg_last_error(g));
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

/* ---- hand-made models -------------------------------------------------------------------- */

/* y = Add(x, w): x f32[batch, 3] an input, w f32[1, 3] an initializer, opset
 * 13; the fields are edited by each test before packing. */
typedef struct mini {
  Onnx__ModelProto m;
  Onnx__OperatorSetIdProto op, *ops[1];
  Onnx__GraphProto g;
  Onnx__NodeProto n[2], *nodes[2];
  char *n_in[2][2], *n_out[2][2];
  Onnx__AttributeProto attr, *attrs[1];
  Onnx__TensorProto w, *inits[1];
  int64_t wdims[2];
  float wdata[6];
  Onnx__StringStringEntryProto ext[3], *exts[3];
  Onnx__ValueInfoProto in, out, *ins[1], *outs[1];
  Onnx__TypeProto tin;
  Onnx__TypeProto__Tensor tt;
  Onnx__TensorShapeProto sh;
  Onnx__TensorShapeProto__Dimension d[2], *dims[2];
} mini;

static void mini_init(mini *k) {
  *k = (mini){.m = ONNX__MODEL_PROTO__INIT, .op = ONNX__OPERATOR_SET_ID_PROTO__INIT,
              .g = ONNX__GRAPH_PROTO__INIT, .attr = ONNX__ATTRIBUTE_PROTO__INIT,
              .w = ONNX__TENSOR_PROTO__INIT, .in = ONNX__VALUE_INFO_PROTO__INIT,
              .out = ONNX__VALUE_INFO_PROTO__INIT, .tin = ONNX__TYPE_PROTO__INIT,
              .tt = ONNX__TYPE_PROTO__TENSOR__INIT, .sh = ONNX__TENSOR_SHAPE_PROTO__INIT};
  k->m.has_ir_version = 1, k->m.ir_version = 8;
  k->op.domain = "", k->op.has_version = 1, k->op.version = 13;
  k->ops[0] = &k->op, k->m.opset_import = k->ops, k->m.n_opset_import = 1;
  k->m.graph = &k->g;
  for (int i = 0; i < 2; i++) {
    k->n[i] = (Onnx__NodeProto)ONNX__NODE_PROTO__INIT;
    k->nodes[i] = &k->n[i];
    k->d[i] = (Onnx__TensorShapeProto__Dimension)ONNX__TENSOR_SHAPE_PROTO__DIMENSION__INIT;
    k->dims[i] = &k->d[i];
    k->ext[i] = (Onnx__StringStringEntryProto)ONNX__STRING_STRING_ENTRY_PROTO__INIT;
    k->exts[i] = &k->ext[i];
  }
  k->ext[2] = (Onnx__StringStringEntryProto)ONNX__STRING_STRING_ENTRY_PROTO__INIT;
  k->exts[2] = &k->ext[2];
  k->n_in[0][0] = "x", k->n_in[0][1] = "w", k->n_out[0][0] = "y";
  k->n[0].name = "n0", k->n[0].op_type = "Add";
  k->n[0].input = k->n_in[0], k->n[0].n_input = 2, k->n[0].output = k->n_out[0], k->n[0].n_output = 1;
  k->g.node = k->nodes, k->g.n_node = 1;
  k->attrs[0] = &k->attr;
  k->wdims[0] = 1, k->wdims[1] = 3;
  for (int i = 0; i < 6; i++) k->wdata[i] = (float)i;
  k->w.name = "w", k->w.dims = k->wdims, k->w.n_dims = 2, k->w.has_data_type = 1, k->w.data_type = 1;
  k->w.has_raw_data = 1, k->w.raw_data.data = (uint8_t *)k->wdata, k->w.raw_data.len = 12;
  k->inits[0] = &k->w, k->g.initializer = k->inits, k->g.n_initializer = 1;
  k->d[0].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM, k->d[0].dim_param = "batch";
  k->d[1].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE, k->d[1].dim_value = 3;
  k->sh.dim = k->dims, k->sh.n_dim = 2;
  k->tt.has_elem_type = 1, k->tt.elem_type = 1, k->tt.shape = &k->sh;
  k->tin.value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE, k->tin.tensor_type = &k->tt;
  k->in.name = "x", k->in.type = &k->tin, k->ins[0] = &k->in;
  k->out.name = "y", k->outs[0] = &k->out;
  k->g.input = k->ins, k->g.n_input = 1, k->g.output = k->outs, k->g.n_output = 1;
}

static void *mini_pack(mini *k, size_t *len) {
  *len = onnx__model_proto__get_packed_size(&k->m);
  void *p = malloc(*len ? *len : 1);
  onnx__model_proto__pack(&k->m, p);
  return p;
}

/* Imports k from memory (base_dir: the work folder); the status, and the
 * message (or "") copied into msg. */
static hdto_status mini_import(mini *k, hdtg_graph **g, char *msg, size_t size) {
  size_t len;
  char *m = NULL;
  void *p = mini_pack(k, &len);
  hdto_status st = hdto_import_memory(p, len, HDTO_WORKDIR, NULL, g, &m);
  snprintf(msg, size, "%s", m ? m : "");
  cr_assert_eq(st == HDTO_OK, m == NULL, "a message exactly when it fails");
  cr_assert_eq(st == HDTO_OK, *g != NULL, "a graph exactly when it succeeds");
  free(m);
  free(p);
  return st;
}

#define EXPECT_FAIL(k, status, text)                                                     \
  do {                                                                                   \
    hdtg_graph *g_ = NULL;                                                               \
    char m_[1024];                                                                       \
    hdto_status s_ = mini_import((k), &g_, m_, sizeof m_);                               \
    cr_expect_eq(s_, (status), "%s: %s", hdto_status_name(s_), m_);                      \
    cr_expect(strstr(m_, (text)) != NULL, "'%s' not in '%s'", (text), m_);               \
    hdtg_destroy(g_);                                                                    \
  } while (0)

static hdtg_graph *mini_ok(mini *k) {
  hdtg_graph *g = NULL;
  char m[1024];
  cr_assert_eq(mini_import(k, &g, m, sizeof m), HDTO_OK, "%s", m);
  return g;
}

static void expect_type(hdtg_graph *g, const char *name, hdtg_dtype dt, const char *shape) {
  hdtg_tensor *t;
  hdtg_tensor_info info;
  char buf[256] = "";
  cr_assert_eq(hdtg_find_tensor(g, name, &t), HDTG_OK, "%s", name);
  hdtg_tensor_get_info(t, &info);
  for (int i = 0; i < info.rank; i++) {
    hdtg_dim d;
    hdtg_tensor_dim(t, i, &d);
    size_t k = strlen(buf);
    if (d.symbol) snprintf(buf + k, sizeof buf - k, "%s%s", i ? "," : "", d.symbol);
    else snprintf(buf + k, sizeof buf - k, "%s%lld", i ? "," : "", (long long)d.value);
  }
  cr_expect_eq(info.dtype, dt, "%s is %s", name, hdtg_dtype_name(info.dtype));
  cr_expect_str_eq(buf, shape, "%s", name);
}

Test(onnx, mini_model_imports_with_symbols) {
  mini k;
  mini_init(&k);
  hdtg_graph *g = mini_ok(&k);
  expect_type(g, "y", HDTG_F32, "batch,3");
  hdtg_tensor *w;
  const void *data;
  size_t bytes;
  cr_assert_eq(hdtg_find_tensor(g, "w", &w), HDTG_OK);
  cr_assert_eq(hdtg_tensor_data(w, &data, &bytes), HDTG_OK);
  cr_expect_eq(bytes, 12);
  cr_expect_eq(((const float *)data)[2], 2.0f);
  cr_expect_eq(hdtg_specialize(g, "batch", 4), HDTG_OK, "%s", hdtg_last_error(g));
  hdtg_destroy(g);
}

Test(onnx, typed_initializer_fields) {
  mini k;
  mini_init(&k);
  k.d[0].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE, k.d[0].dim_value = 2;
  k.w.has_raw_data = 0, k.w.float_data = k.wdata, k.w.n_float_data = 3;
  hdtg_graph *g = mini_ok(&k);
  expect_type(g, "y", HDTG_F32, "2,3");
  hdtg_destroy(g);
  k.w.n_float_data = 5;
  EXPECT_FAIL(&k, HDTO_ERROR_MODEL, "tensor 'w': 5 values given, its shape needs 3");
  /* int64_data, with an i64 input */
  int64_t iv[6] = {1, 2, 3, 4, 5, 6};
  k.w.n_float_data = 0, k.w.data_type = 7, k.w.int64_data = iv, k.w.n_int64_data = 3, k.tt.elem_type = 7;
  g = mini_ok(&k);
  expect_type(g, "y", HDTG_I64, "2,3");
  hdtg_destroy(g);
  /* int32_data holds bools */
  int32_t bv[6] = {0, 1, 2, 0, 0, 1};
  k.w.n_int64_data = 0, k.w.data_type = 9, k.w.int32_data = bv, k.w.n_int32_data = 3, k.tt.elem_type = 9;
  k.n[0].op_type = "And";
  g = mini_ok(&k);
  expect_type(g, "y", HDTG_BOOL, "2,3");
  hdtg_destroy(g);
  k.w.data_type = 8; /* STRING */
  EXPECT_FAIL(&k, HDTO_ERROR_UNSUPPORTED, "tensor 'w': data type STRING (8) is not supported");
}

Test(onnx, wrong_raw_data_sizes_and_lying_dims) {
  mini k;
  mini_init(&k);
  k.w.raw_data.len = 20;
  EXPECT_FAIL(&k, HDTO_ERROR_MODEL, "tensor 'w': raw_data has 20 bytes, its shape and type need 12");
  k.w.raw_data.len = 24;
  k.wdims[0] = (int64_t)1 << 40, k.wdims[1] = (int64_t)1 << 40; /* 2^80 elements */
  EXPECT_FAIL(&k, HDTO_ERROR_MODEL, "tensor 'w': dimension 1");
  k.wdims[0] = (int64_t)1 << 31, k.wdims[1] = 3; /* 24 GiB claimed, 24 bytes given */
  EXPECT_FAIL(&k, HDTO_ERROR_MODEL, "raw_data has 24 bytes");
  k.w.has_raw_data = 0, k.w.n_float_data = 0; /* no data at all: nothing allocated */
  EXPECT_FAIL(&k, HDTO_ERROR_MODEL, "0 values given");
  k.wdims[0] = -2;
  EXPECT_FAIL(&k, HDTO_ERROR_MODEL, "dimension 0 (-2) is invalid");
  mini_init(&k);
  k.d[1].dim_value = -3;
  EXPECT_FAIL(&k, HDTO_ERROR_MODEL, "graph input 'x': dimension 1 is -3");
}

Test(onnx, inconsistent_graphs) {
  mini k;
  mini_init(&k);
  k.n_in[0][1] = "nothing";
  EXPECT_FAIL(&k, HDTO_ERROR_MODEL, "node 'n0' (Add): input 'nothing' names no tensor");
  mini_init(&k);
  /* a = Add(x, b); b = Add(a, w): a cycle */
  k.n_in[0][1] = "b", k.n_out[0][0] = "a";
  k.n[1] = k.n[0], k.n[1].name = "n1", k.n[1].input = k.n_in[1], k.n[1].output = k.n_out[1];
  k.n_in[1][0] = "a", k.n_in[1][1] = "w", k.n_out[1][0] = "b";
  k.g.n_node = 2, k.out.name = "b";
  EXPECT_FAIL(&k, HDTO_ERROR_MODEL, "2 nodes form a cycle");
  mini_init(&k);
  k.out.name = "z";
  EXPECT_FAIL(&k, HDTO_ERROR_MODEL, "graph output 'z' names no tensor");
  mini_init(&k);
  k.n_out[0][0] = "w";
  EXPECT_FAIL(&k, HDTO_ERROR_MODEL, "'w'");
  mini_init(&k);
  k.g.n_input = 0;
  k.n_in[0][0] = "w";
  hdtg_graph *g = mini_ok(&k); /* no graph inputs at all */
  expect_type(g, "y", HDTG_F32, "1,3");
  hdtg_destroy(g);
}

Test(onnx, unsupported_op_attribute_opset_domain) {
  mini k;
  mini_init(&k);
  k.n[0].op_type = "Mod";
  EXPECT_FAIL(&k, HDTO_ERROR_UNSUPPORTED, "node 'n0' (Mod, opset 13): operator Mod is not supported");
  mini_init(&k);
  k.n[0].name = "";
  k.n[0].op_type = "NonZero";
  EXPECT_FAIL(&k, HDTO_ERROR_UNSUPPORTED,
              "node #0 (NonZero, opset 13, output 'y'): operator NonZero is not supported");
  mini_init(&k);
  k.attr.name = "fancy", k.attr.has_type = 1, k.attr.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
  k.n[0].attribute = k.attrs, k.n[0].n_attribute = 1;
  EXPECT_FAIL(&k, HDTO_ERROR_UNSUPPORTED, "node 'n0' (Add, opset 13): no attribute 'fancy'");
  k.attr.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH;
  EXPECT_FAIL(&k, HDTO_ERROR_UNSUPPORTED, "attribute 'fancy' of type GRAPH is not supported");
  mini_init(&k);
  k.op.version = 5;
  EXPECT_FAIL(&k, HDTO_ERROR_UNSUPPORTED, "opset 5 of the default domain is not supported (6 to 18 are)");
  k.op.version = 19;
  EXPECT_FAIL(&k, HDTO_ERROR_UNSUPPORTED, "opset 19");
  mini_init(&k);
  k.n[0].domain = "com.microsoft";
  EXPECT_FAIL(&k, HDTO_ERROR_UNSUPPORTED, "node 'n0' (Add, opset 13): domain 'com.microsoft'");
  mini_init(&k);
  k.tt.elem_type = 4; /* UINT16 */
  EXPECT_FAIL(&k, HDTO_ERROR_UNSUPPORTED, "graph input 'x': data type UINT16");
  mini_init(&k);
  k.tt.elem_type = 7, k.n[0].op_type = "Sqrt", k.n[0].n_input = 1; /* Sqrt of i64 */
  EXPECT_FAIL(&k, HDTO_ERROR_UNSUPPORTED, "node 'n0' (Sqrt, opset 13): input 0 must be floating point");
  mini_init(&k);
  k.d[1].dim_value = 4; /* [batch, 4] + [2, 3]: the graph's message, our node */
  EXPECT_FAIL(&k, HDTO_ERROR_GRAPH, "node 'n0' (Add, opset 13): cannot broadcast");
}

Test(onnx, opset_forms_of_split_softmax_reduce) {
  mini k;
  mini_init(&k);
  int64_t split[] = {1, 2}, axes[] = {1};
  k.d[0].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE, k.d[0].dim_value = 4;
  /* Split before 13: 'split' attribute; two outputs. */
  k.op.version = 11, k.n[0].op_type = "Split", k.n[0].n_input = 1;
  k.n_out[0][0] = "y", k.n_out[0][1] = "y2", k.n[0].n_output = 2;
  k.attr.name = "split", k.attr.has_type = 1, k.attr.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
  k.attr.ints = split, k.attr.n_ints = 2, k.n[0].attribute = k.attrs, k.n[0].n_attribute = 1;
  Onnx__AttributeProto ax = ONNX__ATTRIBUTE_PROTO__INIT, *two[] = {&k.attr, &ax};
  ax.name = "axis", ax.has_type = 1, ax.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT, ax.i = 1;
  ax.has_i = 1, k.n[0].attribute = two, k.n[0].n_attribute = 2;
  hdtg_graph *g = mini_ok(&k);
  expect_type(g, "y", HDTG_F32, "4,1");
  expect_type(g, "y2", HDTG_F32, "4,2");
  hdtg_destroy(g);
  /* Split 18: num_outputs, unequal last part (3 = 2 + 1) */
  k.op.version = 18, k.attr.name = "num_outputs", k.attr.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
  k.attr.i = 2, k.attr.has_i = 1;
  g = mini_ok(&k);
  expect_type(g, "y", HDTG_F32, "4,2");
  expect_type(g, "y2", HDTG_F32, "4,1");
  hdtg_destroy(g);
  /* Softmax 11 over axis 0 of a matrix: Flatten, Softmax, Reshape */
  mini_init(&k);
  k.op.version = 11, k.n[0].op_type = "Softmax", k.n[0].n_input = 1;
  ax.i = 0, k.n[0].attribute = two + 1, k.n[0].n_attribute = 1;
  g = mini_ok(&k);
  expect_type(g, "y", HDTG_F32, "batch,3");
  cr_expect(strstr(hdtg_dump(g), "Flatten"), "%s", hdtg_dump(g));
  hdtg_destroy(g);
  /* ReduceMax 13: axes attribute; 18: axes input */
  mini_init(&k);
  k.n[0].op_type = "ReduceMax", k.n[0].n_input = 1;
  k.attr.name = "axes", k.attr.has_type = 1, k.attr.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
  k.attr.ints = axes, k.attr.n_ints = 1, k.n[0].attribute = k.attrs, k.n[0].n_attribute = 1;
  g = mini_ok(&k);
  expect_type(g, "y", HDTG_F32, "batch,1");
  hdtg_destroy(g);
  k.op.version = 18, k.n[0].n_attribute = 0, k.n[0].n_input = 2;
  k.w.data_type = 7, k.wdims[0] = 1, k.w.n_dims = 1, k.w.raw_data.data = (uint8_t *)axes;
  k.w.raw_data.len = 8;
  g = mini_ok(&k);
  expect_type(g, "y", HDTG_F32, "batch,1");
  hdtg_destroy(g);
  /* a skipped optional input: Clip(x, "", w) */
  mini_init(&k);
  k.n[0].op_type = "Clip", k.n_in[0][1] = "", k.n_in[0][0] = "x";
  char *three[] = {"x", "", "w"};
  k.n[0].input = three, k.n[0].n_input = 3;
  k.w.n_dims = 0, k.w.raw_data.len = 4;
  g = mini_ok(&k);
  expect_type(g, "y", HDTG_F32, "batch,3");
  hdtg_destroy(g);
}

Test(onnx, constant_nodes) {
  mini k;
  mini_init(&k);
  /* c = Constant(value = w's tensor); y = Add(x, c) */
  Onnx__NodeProto cn = ONNX__NODE_PROTO__INIT;
  char *cout[] = {"c"};
  k.attr.name = "value", k.attr.has_type = 1, k.attr.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR;
  k.attr.t = &k.w, k.w.name = NULL;
  cn.op_type = "Constant", cn.output = cout, cn.n_output = 1, cn.attribute = k.attrs, cn.n_attribute = 1;
  k.g.n_initializer = 0, k.n_in[0][1] = "c", k.nodes[1] = &cn, k.g.n_node = 2;
  hdtg_graph *g = mini_ok(&k);
  expect_type(g, "c", HDTG_F32, "1,3");
  expect_type(g, "y", HDTG_F32, "batch,3");
  hdtg_destroy(g);
  float f = 2.5f;
  k.attr.name = "value_floats", k.attr.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS;
  k.attr.floats = &f, k.attr.n_floats = 1, k.attr.t = NULL;
  g = mini_ok(&k);
  expect_type(g, "c", HDTG_F32, "1");
  hdtg_destroy(g);
  k.attr.name = "value_string", k.attr.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
  EXPECT_FAIL(&k, HDTO_ERROR_UNSUPPORTED, "(Constant, opset 13, output 'c'): attribute 'value_string'");
}

/* ---- old opsets, hand-made ---------------------------------------------------------------- */

static Onnx__AttributeProto int_attr(const char *name, int64_t v) {
  Onnx__AttributeProto a = ONNX__ATTRIBUTE_PROTO__INIT;
  a.name = (char *)name, a.has_type = 1, a.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
  a.has_i = 1, a.i = v;
  return a;
}

static Onnx__AttributeProto float_attr(const char *name, float v) {
  Onnx__AttributeProto a = ONNX__ATTRIBUTE_PROTO__INIT;
  a.name = (char *)name, a.has_type = 1, a.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
  a.has_f = 1, a.f = v;
  return a;
}

static Onnx__AttributeProto ints_attr(const char *name, int64_t *v, size_t n) {
  Onnx__AttributeProto a = ONNX__ATTRIBUTE_PROTO__INIT;
  a.name = (char *)name, a.has_type = 1, a.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
  a.ints = v, a.n_ints = n;
  return a;
}

static Onnx__AttributeProto floats_attr(const char *name, float *v, size_t n) {
  Onnx__AttributeProto a = ONNX__ATTRIBUTE_PROTO__INIT;
  a.name = (char *)name, a.has_type = 1, a.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS;
  a.floats = v, a.n_floats = n;
  return a;
}

/* The mini model at opset `opset`, x f32[2, 3], node 0 of op with attributes. */
static void mini_old(mini *k, int64_t opset, const char *op, Onnx__AttributeProto **attrs, size_t n) {
  mini_init(k);
  k->op.version = opset, k->n[0].op_type = (char *)op;
  k->d[0].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE, k->d[0].dim_value = 2;
  k->n[0].attribute = attrs, k->n[0].n_attribute = n;
}

Test(onnx, old_opsets_legacy_broadcasting) {
  mini k;
  Onnx__AttributeProto bc = int_attr("broadcast", 1), ax = int_attr("axis", 0), *a[] = {&bc, &ax};
  /* suffix: [2, 3] + [3] */
  mini_old(&k, 6, "Add", a, 1);
  k.wdims[0] = 3, k.w.n_dims = 1;
  hdtg_graph *g = mini_ok(&k);
  expect_type(g, "y", HDTG_F32, "2,3");
  hdtg_destroy(g);
  /* axis 0: [2, 3] + [2] (B becomes [2, 1]) */
  k.wdims[0] = 2, k.w.raw_data.len = 8, k.n[0].n_attribute = 2;
  g = mini_ok(&k);
  expect_type(g, "y", HDTG_F32, "2,3");
  cr_expect(strstr(hdtg_dump(g), "Unsqueeze"), "%s", hdtg_dump(g));
  hdtg_destroy(g);
  /* axis 0 with [3]: does not fit */
  k.wdims[0] = 3, k.w.raw_data.len = 12;
  EXPECT_FAIL(&k, HDTO_ERROR_GRAPH, "node 'n0' (Add, opset 6): cannot broadcast");
  /* one element fits at any axis; Mul, Pow, Equal the same way */
  k.wdims[0] = 1, k.w.raw_data.len = 4, k.n[0].op_type = "Mul";
  g = mini_ok(&k);
  expect_type(g, "y", HDTG_F32, "2,3");
  hdtg_destroy(g);
  k.n[0].op_type = "Equal", k.n[0].n_attribute = 1;
  g = mini_ok(&k);
  expect_type(g, "y", HDTG_BOOL, "2,3");
  hdtg_destroy(g);
  /* broadcast=1 never widens A: [2, 3] + [1, 3, 1]... rank 3 > 2 */
  k.n[0].op_type = "Sub", k.wdims[0] = 1, k.wdims[1] = 3, k.w.n_dims = 2, k.w.raw_data.len = 12;
  bc.i = 0; /* without broadcast: equal shapes only */
  EXPECT_FAIL(&k, HDTO_ERROR_MODEL, "node 'n0' (Sub, opset 6): without broadcast=1 the inputs "
                                    "must have the same shape");
  /* opset 7: numpy broadcasting, no broadcast attribute */
  mini_old(&k, 7, "Add", NULL, 0);
  g = mini_ok(&k);
  expect_type(g, "y", HDTG_F32, "2,3");
  hdtg_destroy(g);
  mini_old(&k, 7, "Add", a, 1);
  EXPECT_FAIL(&k, HDTO_ERROR_UNSUPPORTED, "node 'n0' (Add, opset 7): no attribute 'broadcast'");
  /* every prefix and one-byte corruption of the legacy form fails cleanly (ASan) */
  mini_old(&k, 6, "Add", a, 2);
  k.wdims[0] = 2, k.w.n_dims = 1, k.w.raw_data.len = 8;
  size_t len;
  unsigned char *p = mini_pack(&k, &len);
  for (size_t n = 0; n < len; n++) {
    char *msg = NULL;
    g = NULL;
    cr_expect_neq(hdto_import_memory(p, n, NULL, NULL, &g, &msg), HDTO_OK);
    free(msg);
    p[n] ^= 0xA5;
    hdto_import_memory(p, len, NULL, NULL, &g, &msg);
    p[n] ^= 0xA5;
    hdtg_destroy(g);
    free(msg);
  }
  free(p);
  /* Max before 8: equal shapes */
  mini_old(&k, 7, "Max", NULL, 0);
  EXPECT_FAIL(&k, HDTO_ERROR_MODEL, "node 'n0' (Max, opset 7): the inputs must have the same shape");
}

Test(onnx, old_opsets_attribute_forms) {
  mini k;
  /* Clip 6: min and max attributes */
  Onnx__AttributeProto mn = float_attr("min", -1), mx = float_attr("max", 1), *c[] = {&mn, &mx};
  mini_old(&k, 6, "Clip", c, 2);
  k.n[0].n_input = 1;
  hdtg_graph *g = mini_ok(&k);
  expect_type(g, "y", HDTG_F32, "2,3");
  hdtg_destroy(g);
  k.n[0].attribute = c + 1, k.n[0].n_attribute = 1; /* max alone: min skipped */
  g = mini_ok(&k);
  expect_type(g, "y", HDTG_F32, "2,3");
  hdtg_destroy(g);
  /* Pad 2 (opset 10): pads, value */
  int64_t pads[] = {0, 1, 1, 2};
  Onnx__AttributeProto pa = ints_attr("pads", pads, 4), va = float_attr("value", 1.5f), *p[] = {&pa, &va};
  mini_old(&k, 10, "Pad", p, 2);
  k.n[0].n_input = 1;
  g = mini_ok(&k);
  expect_type(g, "y", HDTG_F32, "3,6");
  hdtg_destroy(g);
  k.n[0].n_attribute = 0;
  EXPECT_FAIL(&k, HDTO_ERROR_MODEL, "node 'n0' (Pad, opset 10): takes one input and attribute 'pads'");
  /* Slice 1 (opset 9): starts, ends, axes */
  int64_t starts[] = {1}, ends[] = {100}, axes[] = {1};
  Onnx__AttributeProto sa = ints_attr("starts", starts, 1), ea = ints_attr("ends", ends, 1);
  Onnx__AttributeProto xa = ints_attr("axes", axes, 1), *s[] = {&sa, &ea, &xa};
  mini_old(&k, 9, "Slice", s, 3);
  k.n[0].n_input = 1;
  g = mini_ok(&k);
  expect_type(g, "y", HDTG_F32, "2,2");
  hdtg_destroy(g);
  k.n[0].n_attribute = 2; /* no axes: the first ones */
  g = mini_ok(&k);
  expect_type(g, "y", HDTG_F32, "1,3");
  hdtg_destroy(g);
  /* Upsample 7: scales attribute */
  float sc[] = {1, 2};
  Onnx__AttributeProto ua = floats_attr("scales", sc, 2), *u[] = {&ua};
  mini_old(&k, 7, "Upsample", u, 1);
  k.n[0].n_input = 1;
  g = mini_ok(&k);
  expect_type(g, "y", HDTG_F32, "2,6");
  cr_expect(strstr(hdtg_dump(g), "asymmetric"), "%s", hdtg_dump(g));
  hdtg_destroy(g);
  /* Gemm before 11: C required */
  Onnx__AttributeProto tb = int_attr("transB", 1), *t[] = {&tb};
  mini_old(&k, 9, "Gemm", t, 1);
  EXPECT_FAIL(&k, HDTO_ERROR_MODEL, "node 'n0' (Gemm, opset 9): input C is required before opset 11");
  /* an op newer than the model's opset */
  mini_old(&k, 8, "Where", NULL, 0);
  EXPECT_FAIL(&k, HDTO_ERROR_UNSUPPORTED, "node 'n0' (Where, opset 8): operator Where is not in opset 8");
}

Test(onnx, old_opsets_training_forms_refused) {
  mini k;
  /* Dropout 6: is_test=1 is the identity, is_test=0 (the default) trains */
  Onnx__AttributeProto it = int_attr("is_test", 1), *d[] = {&it};
  mini_old(&k, 6, "Dropout", d, 1);
  k.n[0].n_input = 1;
  hdtg_graph *g = mini_ok(&k);
  expect_type(g, "y", HDTG_F32, "2,3");
  hdtg_destroy(g);
  it.i = 0;
  EXPECT_FAIL(&k, HDTO_ERROR_UNSUPPORTED, "node 'n0' (Dropout, opset 6): is_test=0 (training)");
  k.n[0].n_attribute = 0;
  EXPECT_FAIL(&k, HDTO_ERROR_UNSUPPORTED, "is_test=0");
  /* BatchNormalization 7, spatial=0: refused for x [2, 3, 4, 5], the same as spatial=1 for [2, 3] */
  Onnx__AttributeProto sp = int_attr("spatial", 0), *b[] = {&sp};
  char *five[] = {"x", "w", "w", "w", "w"};
  mini_old(&k, 7, "BatchNormalization", b, 1);
  k.n[0].input = five, k.n[0].n_input = 5;
  k.wdims[0] = 3, k.w.n_dims = 1;
  g = mini_ok(&k);
  expect_type(g, "y", HDTG_F32, "2,3");
  hdtg_destroy(g);
  Onnx__TensorShapeProto__Dimension d4[4], *dims4[4];
  for (int i = 0; i < 4; i++) {
    d4[i] = (Onnx__TensorShapeProto__Dimension)ONNX__TENSOR_SHAPE_PROTO__DIMENSION__INIT;
    d4[i].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE, d4[i].dim_value = 2 + i;
    dims4[i] = &d4[i];
  }
  k.sh.dim = dims4, k.sh.n_dim = 4;
  EXPECT_FAIL(&k, HDTO_ERROR_UNSUPPORTED, "node 'n0' (BatchNormalization, opset 7): spatial=0");
  sp.i = 1;
  g = mini_ok(&k);
  expect_type(g, "y", HDTG_F32, "2,3,4,5");
  hdtg_destroy(g);
  /* opset 9: no spatial attribute at all */
  k.op.version = 9;
  EXPECT_FAIL(&k, HDTO_ERROR_UNSUPPORTED, "no attribute 'spatial'");
}

/* ---- external data ------------------------------------------------------------------------ */

static void write_file(const char *path, const void *data, size_t len) {
  FILE *f = fopen(path, "wb");
  cr_assert(f, "%s", path);
  fwrite(data, 1, len, f);
  fclose(f);
}

static void mini_external(mini *k, const char *location, const char *offset) {
  k->w.has_raw_data = 0, k->w.has_data_location = 1;
  k->w.data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
  k->ext[0].key = "location", k->ext[0].value = (char *)location;
  k->ext[1].key = "offset", k->ext[1].value = (char *)offset;
  k->ext[2].key = "length", k->ext[2].value = "12";
  k->w.external_data = k->exts, k->w.n_external_data = 3;
}

Test(onnx, external_data_inside_and_outside_the_folder) {
  float data[8] = {9, 9, 0, 1, 2, 3, 4, 5};
  write_file(HDTO_WORKDIR "/w.bin", data, sizeof data);
  mkdir(HDTO_WORKDIR "/../onnx-outside", 0755);
  write_file(HDTO_WORKDIR "/../onnx-outside/w.bin", data, sizeof data);
  unlink(HDTO_WORKDIR "/link.bin");
  cr_assert_eq(symlink("../onnx-outside/w.bin", HDTO_WORKDIR "/link.bin"), 0);
  mini k;
  mini_init(&k);
  mini_external(&k, "w.bin", "8");
  /* from a file: relative to the model's folder */
  size_t len;
  void *p = mini_pack(&k, &len);
  write_file(HDTO_WORKDIR "/ext.onnx", p, len);
  free(p);
  hdtg_graph *g = NULL;
  char *msg = NULL;
  cr_assert_eq(hdto_import_file(HDTO_WORKDIR "/ext.onnx", NULL, &g, &msg), HDTO_OK, "%s", msg);
  hdtg_tensor *w;
  const void *d;
  size_t bytes;
  cr_assert_eq(hdtg_find_tensor(g, "w", &w), HDTG_OK);
  cr_assert_eq(hdtg_tensor_data(w, &d, &bytes), HDTG_OK);
  cr_expect_eq(bytes, 12);
  cr_expect_eq(memcmp(d, data + 2, 12), 0);
  hdtg_destroy(g);
  mini_external(&k, "../onnx-outside/w.bin", "0");
  EXPECT_FAIL(&k, HDTO_ERROR_EXTERNAL_DATA, "leaves the model's folder");
  mini_external(&k, "/etc/passwd", "0");
  EXPECT_FAIL(&k, HDTO_ERROR_EXTERNAL_DATA, "leaves the model's folder");
  mini_external(&k, "sub/../../x.bin", "0");
  EXPECT_FAIL(&k, HDTO_ERROR_EXTERNAL_DATA, "leaves the model's folder");
  mini_external(&k, "link.bin", "0");
  EXPECT_FAIL(&k, HDTO_ERROR_EXTERNAL_DATA, "leads out of the model's folder");
  mini_external(&k, "w.bin", "24");
  EXPECT_FAIL(&k, HDTO_ERROR_EXTERNAL_DATA, "has no 12 bytes at offset 24");
  mini_external(&k, "w.bin", "-1");
  EXPECT_FAIL(&k, HDTO_ERROR_EXTERNAL_DATA, "offset '-1' is not a size");
  mini_external(&k, "missing.bin", "0");
  EXPECT_FAIL(&k, HDTO_ERROR_EXTERNAL_DATA, "missing.bin");
  mini_external(&k, "w.bin", "0");
  k.ext[2].value = "99999999999";
  EXPECT_FAIL(&k, HDTO_ERROR_EXTERNAL_DATA, "length 99999999999");
  k.ext[2].value = "12";
  p = mini_pack(&k, &len);
  cr_expect_eq(hdto_import_memory(p, len, NULL, NULL, &g, &msg), HDTO_ERROR_EXTERNAL_DATA);
  cr_expect(strstr(msg, "in memory"), "%s", msg);
  free(msg);
  free(p);
}

/* ---- malformed files and misuse ------------------------------------------------------------- */

Test(onnx, every_truncation_fails_cleanly) {
  mini k;
  mini_init(&k);
  size_t len;
  unsigned char *p = mini_pack(&k, &len);
  for (size_t n = 0; n < len; n++) {
    hdtg_graph *g = (hdtg_graph *)1;
    char *msg = NULL;
    hdto_status st = hdto_import_memory(p, n, NULL, NULL, &g, &msg);
    cr_expect_neq(st, HDTO_OK, "a prefix of %zu bytes imported", n);
    cr_expect(g == NULL && msg && *msg, "%zu: no graph and a message", n);
    free(msg);
  }
  /* and flipped bytes: any status but a crash */
  for (size_t n = 0; n < len; n++) {
    hdtg_graph *g = NULL;
    char *msg = NULL;
    p[n] ^= 0xA5;
    hdto_import_memory(p, len, NULL, NULL, &g, &msg);
    p[n] ^= 0xA5;
    hdtg_destroy(g);
    free(msg);
  }
  free(p);
}

/* A model whose graph has a node with a subgraph attribute whose graph has
 * a node ... levels deep, written back to front (each message's length
 * precedes it). */
static unsigned char *nested_model(int levels, size_t *len) {
  size_t cap = (size_t)levels * 16 + 64, at = cap;
  unsigned char *buf = malloc(cap);
  /* Graph(node=1) <- Node(attribute=5) <- Attribute(g=6) <- Graph ... */
  static const unsigned char tags[] = {(1 << 3) | 2, (5 << 3) | 2, (6 << 3) | 2};
  for (int i = 0; i < levels; i++) {
    size_t n = cap - at;
    unsigned char v[10];
    int k = 0;
    do v[k++] = (unsigned char)((n & 127) | (n > 127 ? 128 : 0)), n >>= 7;
    while (n);
    at -= (size_t)k;
    memcpy(buf + at, v, (size_t)k);
    buf[--at] = tags[(levels - 1 - i) % 3]; /* node first, from the outside */
  }
  size_t n = cap - at; /* Model(graph=7) */
  unsigned char v[10];
  int k = 0;
  do v[k++] = (unsigned char)((n & 127) | (n > 127 ? 128 : 0)), n >>= 7;
  while (n);
  at -= (size_t)k;
  memcpy(buf + at, v, (size_t)k);
  buf[--at] = (7 << 3) | 2;
  *len = cap - at;
  memmove(buf, buf + at, *len);
  return buf;
}

Test(onnx, deep_nesting_is_refused_not_a_stack_overflow) {
  size_t len;
  hdtg_graph *g = NULL;
  char *msg = NULL;
  unsigned char *p = nested_model(300000, &len);
  cr_expect_eq(hdto_import_memory(p, len, NULL, NULL, &g, &msg), HDTO_ERROR_PARSE);
  cr_expect(msg && strstr(msg, "nests messages more than"), "%s", msg);
  free(msg);
  free(p);
  p = nested_model(30, &len); /* shallow: parsed, then refused for its content */
  cr_expect_neq(hdto_import_memory(p, len, NULL, NULL, &g, &msg), HDTO_ERROR_PARSE, "%s", msg);
  free(msg);
  free(p);
}

Test(onnx, truncated_backend_models) {
  SKIP_WITHOUT_TESTDATA();
  const char *cases[] = {"test_conv_with_strides_padding", "test_gemm_all_attributes",
                         "test_resize_upsample_scales_nearest"};
  for (size_t c = 0; c < 3; c++) {
    char path[1024];
    size_t len;
    snprintf(path, sizeof path, "%s/%s/model.onnx", HDTO_TESTDATA, cases[c]);
    void *p = slurp(path, &len);
    for (size_t n = 0; p && n < len; n++) {
      hdtg_graph *g = NULL;
      char *msg = NULL;
      if (hdto_import_memory(p, n, NULL, NULL, &g, &msg) != HDTO_OK)
        cr_expect(msg && *msg);
      hdtg_destroy(g);
      free(msg);
    }
    free(p);
  }
}

Test(onnx, misuse_and_unreadable_files) {
  hdtg_graph *g = NULL;
  char *msg = NULL;
  cr_expect_eq(hdto_import_file(NULL, NULL, &g, &msg), HDTO_ERROR_INVALID_ARGUMENT);
  free(msg);
  cr_expect_eq(hdto_import_file("x.onnx", NULL, NULL, NULL), HDTO_ERROR_INVALID_ARGUMENT);
  cr_expect_eq(hdto_import_file("/nonexistent/model.onnx", NULL, &g, &msg), HDTO_ERROR_IO);
  cr_expect(strstr(msg, "/nonexistent/model.onnx"), "%s", msg);
  free(msg);
  cr_expect_eq(hdto_import_file("/", NULL, &g, &msg), HDTO_ERROR_IO);
  free(msg);
  cr_expect_eq(hdto_import_memory("\xff\xff\xff\xff", 4, NULL, NULL, &g, &msg), HDTO_ERROR_PARSE);
  cr_expect_str_eq(msg, "not an ONNX model: the protobuf is malformed or truncated");
  free(msg);
  cr_expect_eq(hdto_import_memory(NULL, 0, NULL, NULL, &g, &msg), HDTO_ERROR_UNSUPPORTED);
  free(msg); /* an empty message is a model without an opset */
  hdto_options o;
  hdto_options_init(&o);
  o.max_model_bytes = 3;
  cr_expect_eq(hdto_import_memory("\x08\x01\x08\x01", 4, NULL, &o, &g, &msg),
               HDTO_ERROR_INVALID_ARGUMENT);
  free(msg);
  cr_expect_str_eq(hdto_status_name(HDTO_ERROR_EXTERNAL_DATA), "external data");
}
