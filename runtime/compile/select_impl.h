/* select_impl.h: what the three files of kernel selection share (select.c:
 * the driver, the bookkeeping and the fusion decisions; select_ew.c: the
 * element-wise side; select_anchor.c: the stdlib templates). Internal to
 * runtime/compile/. */
#ifndef HDT_SELECT_IMPL_H
#define HDT_SELECT_IMPL_H

#include "rtc.h"

/* A node's selection: adds its kernels (or view) to the plan; 0, or -1
 * with plan->err set. */
typedef int (*sel_fn)(rtc_plan *p, hdtg_graph *g, gnode *n);

/* acc[k][d]: dimension k of a tensor read at iteration index i is
 * sum_d acc[k][d] * i_d. */
typedef int64_t sel_access[HDTG_MAX_RANK][HDTG_MAX_RANK];

/* ---- select.c: errors and bookkeeping ---------------------------------- */
int sel_fail(rtc_plan *p, const gnode *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int64_t sel_dim(const hdtg_tensor *t, int d);
int64_t sel_prod(const hdtg_tensor *t, int from, int to);
char *sel_strdup(const char *s);
rtc_kernel *sel_kernel(rtc_plan *p, const gnode *n, const char *ops);
int sel_add_define(rtc_plan *p, rtc_kernel *k, const char *name, long long v);
int sel_add_define_text(rtc_plan *p, rtc_kernel *k, const char *name, const char *v);
int sel_add_define_float(rtc_plan *p, rtc_kernel *k, const char *name, double v);
/* dst[0..n) = src[0..n); src may be NULL when n is 0. */
void sel_copy_ptrs(hdtg_tensor **dst, hdtg_tensor *const *src, int n);
int sel_set_args(rtc_plan *p, rtc_kernel *k, hdtg_tensor *const *args, int nargs);
void sel_import(rtc_plan *p, const char *file);
hdtg_tensor *sel_tensor(rtc_plan *p, hdtg_dtype dt, int rank, const int64_t *dims, const void *data);
int sel_require_f32(rtc_plan *p, const gnode *n);
/* Whether n is computed in an anchor's loads (a prologue). */
bool sel_is_prologue(const rtc_plan *p, const gnode *n);

/* ---- select_ew.c ------------------------------------------------------- */
int sel_ptr_cmp(const void *a, const void *b);
/* The anchor whose epilogue ends at n (by_anchor false), or the last node
 * of anchor n's epilogue (true); NULL if none. */
const gnode *sel_epi_pair(const rtc_plan *p, const gnode *n, bool by_anchor);
/* Whether n's expression is inlined into its consumer's kernel. */
bool sel_is_fused(const rtc_plan *p, const gnode *n);
/* The element-wise operation of n, or -1 if n is not element-wise. */
int sel_ew_op(const gnode *n);
/* Batch normalisation n (constant f32 parameters) as y = x * a + shift per
 * channel, in double. */
void sel_bn_scale_shift(const gnode *n, double *a, double *shift);
void sel_access_identity(sel_access a, int rank);
void sel_access_broadcast(const hdtg_tensor *t, int out_rank, const sel_access out, int iter_rank,
                          sel_access res);
int sel_ew_build(rtc_plan *p, rtc_ew *e, hdtg_graph *g, const gnode *n, const sel_access acc);
int sel_ew_operand(rtc_plan *p, rtc_ew *e, hdtg_graph *g, hdtg_tensor *t, const sel_access acc);
int sel_ew_finish(rtc_plan *p, const gnode *n, rtc_ew *e, const char *ops);
void sel_ew_names(rtc_plan *p, gbuf *b, hdtg_graph *g, const gnode *n);
/* The description of element-wise node n with the chain fused into it, over
 * its own output's iteration space, into e (initialised here), and the
 * names of its operators into names; returns sel_ew_build's value. */
int sel_ew_describe(rtc_plan *p, hdtg_graph *g, const gnode *n, rtc_ew *e, gbuf *names);
int sel_elementwise(rtc_plan *p, hdtg_graph *g, gnode *n);
int sel_copy(rtc_plan *p, const gnode *n, hdtg_tensor *from, hdtg_tensor *to);
int sel_view(rtc_plan *p, hdtg_graph *g, gnode *n);
int sel_concat(rtc_plan *p, hdtg_graph *g, gnode *n);

/* ---- select_anchor.c ----------------------------------------------------- */
int sel_matmul(rtc_plan *p, hdtg_graph *g, gnode *n);
int sel_gemm(rtc_plan *p, hdtg_graph *g, gnode *n);
int sel_conv(rtc_plan *p, hdtg_graph *g, gnode *n);
int sel_conv_transpose(rtc_plan *p, hdtg_graph *g, gnode *n);
int sel_pool(rtc_plan *p, hdtg_graph *g, gnode *n);
int sel_global_pool(rtc_plan *p, hdtg_graph *g, gnode *n);
int sel_reduce(rtc_plan *p, hdtg_graph *g, gnode *n);
int sel_arg_reduce(rtc_plan *p, hdtg_graph *g, gnode *n);
int sel_softmax(rtc_plan *p, hdtg_graph *g, gnode *n);
int sel_layernorm(rtc_plan *p, hdtg_graph *g, gnode *n);
int sel_instance_norm(rtc_plan *p, hdtg_graph *g, gnode *n);
int sel_pad_op(rtc_plan *p, hdtg_graph *g, gnode *n);
int sel_tile(rtc_plan *p, hdtg_graph *g, gnode *n);
int sel_resize(rtc_plan *p, hdtg_graph *g, gnode *n);
int sel_depth_space(rtc_plan *p, hdtg_graph *g, gnode *n);

#endif
