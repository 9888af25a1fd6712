/* graph_mlp.c: a residual MLP built, compiled and run with hdt's C API.
 *
 * What a newcomer reads first: a graph built from C (graph.h), compiled
 * for a device (hdtrt_compile), run by a session, and checked against a
 * reference computed here in double precision.
 *
 *     h = Relu(x @ W1 + b1)          x: f32[batch, dim], W1: f32[dim, hidden]
 *     y = h @ W2 + b2 + x            W2: f32[hidden, dim]
 *
 * Usage: graph_mlp [--device host|cuda|cuda:sm_90a] [--batch N] [--dim N]
 *                  [--hidden N] [--seed N] [--save FILE | --load FILE]
 *                  [--verbose] [--no-fusion]
 *   --save FILE  also writes the compiled model to FILE;
 *   --load FILE  runs the model in FILE instead of compiling (no compiler
 *                needed), checking it against the weights of --seed.
 * Prints the model's info lines, then `max error E (tolerance T) ok` and
 * exits 0, or `FAIL` and exits 1. The default device is cuda when a GPU is
 * present, else host.
 *
 * Build (CMake does it as `graph_mlp`): link -lhdtrtc -lhdtrt -lhdtgraph
 * -lhdtcore -lm (a program that only loads saved models needs -lhdtrt). */
#include "graph.h"
#include "hdtrt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct mlp {
  int64_t batch, dim, hidden;
  float *x, *w1, *b1, *w2, *b2;
} mlp;

/* Uniform in [-scale, scale), from a small LCG so that --seed reproduces
 * the weights in any process. */
static float *mlp_random(size_t n, float scale, unsigned long long *state) {
  float *v = malloc(sizeof *v * n);
  for (size_t i = 0; v && i < n; i++) {
    *state = *state * 6364136223846793005ull + 1442695040888963407ull;
    v[i] = (float)(((double)(*state >> 11) / 9007199254740992.0 * 2 - 1) * scale);
  }
  return v;
}

static int mlp_init(mlp *p, unsigned long long seed) {
  unsigned long long s = seed;
  p->w1 = mlp_random((size_t)(p->dim * p->hidden), 1.0f / sqrtf((float)p->dim), &s);
  p->b1 = mlp_random((size_t)p->hidden, 0.1f, &s);
  p->w2 = mlp_random((size_t)(p->hidden * p->dim), 1.0f / sqrtf((float)p->hidden), &s);
  p->b2 = mlp_random((size_t)p->dim, 0.1f, &s);
  p->x = mlp_random((size_t)(p->batch * p->dim), 1.0f, &s);
  return p->w1 && p->b1 && p->w2 && p->b2 && p->x ? 0 : -1;
}

/* The graph; NULL with a message on stderr if a call fails. */
static hdtg_graph *mlp_graph(const mlp *p) {
  hdtg_graph *g;
  hdtg_tensor *x, *w1, *b1, *w2, *b2, *t;
  if (hdtg_create(&g) != HDTG_OK)
    return NULL;
  hdtg_dim xd[] = {HDTG_DIM(p->batch), HDTG_DIM(p->dim)};
  int64_t w1d[] = {p->dim, p->hidden}, w2d[] = {p->hidden, p->dim};
  size_t f = sizeof(float);
  int bad = hdtg_add_input(g, "x", HDTG_F32, 2, xd, &x) ||
            hdtg_add_constant(g, "W1", HDTG_F32, 2, w1d, p->w1, f * (size_t)(p->dim * p->hidden), &w1) ||
            hdtg_add_constant(g, "b1", HDTG_F32, 1, &p->hidden, p->b1, f * (size_t)p->hidden, &b1) ||
            hdtg_add_constant(g, "W2", HDTG_F32, 2, w2d, p->w2, f * (size_t)(p->hidden * p->dim), &w2) ||
            hdtg_add_constant(g, "b2", HDTG_F32, 1, &p->dim, p->b2, f * (size_t)p->dim, &b2);
  hdtg_tensor *mm1[] = {x, w1};
  bad = bad || hdtg_add_node(g, "MatMul", "xw1", mm1, 2, NULL, 0, &t);
  hdtg_tensor *add1[] = {t, b1};
  bad = bad || hdtg_add_node(g, "Add", "pre", add1, 2, NULL, 0, &t) ||
        hdtg_add_node(g, "Relu", "h", &t, 1, NULL, 0, &t);
  hdtg_tensor *mm2[] = {t, w2};
  bad = bad || hdtg_add_node(g, "MatMul", "hw2", mm2, 2, NULL, 0, &t);
  hdtg_tensor *add2[] = {t, b2};
  bad = bad || hdtg_add_node(g, "Add", "out", add2, 2, NULL, 0, &t);
  hdtg_tensor *res[] = {t, x};
  bad = bad || hdtg_add_node(g, "Add", "y", res, 2, NULL, 0, &t) || hdtg_mark_output(g, t);
  if (bad) {
    fprintf(stderr, "graph_mlp: %s\n", hdtg_last_error(g));
    hdtg_destroy(g);
    return NULL;
  }
  return g;
}

/* The same computation in double precision; the largest error of y
 * relative to max(1, |reference|). */
static double mlp_check(const mlp *p, const float *y) {
  double worst = 0;
  double *h = malloc(sizeof *h * (size_t)p->hidden);
  for (int64_t b = 0; h && b < p->batch; b++) {
    const float *x = p->x + b * p->dim;
    for (int64_t j = 0; j < p->hidden; j++) {
      double s = p->b1[j];
      for (int64_t k = 0; k < p->dim; k++)
        s += (double)x[k] * p->w1[k * p->hidden + j];
      h[j] = s > 0 ? s : 0;
    }
    for (int64_t i = 0; i < p->dim; i++) {
      double s = (double)p->b2[i] + x[i];
      for (int64_t j = 0; j < p->hidden; j++)
        s += h[j] * p->w2[j * p->dim + i];
      double got = y[b * p->dim + i], err = fabs(got - s) / (fabs(s) > 1 ? fabs(s) : 1);
      if (!(err <= worst))
        worst = err != err ? INFINITY : err;
    }
  }
  free(h);
  return h ? worst : INFINITY;
}

static int mlp_fail(const char *what) {
  fprintf(stderr, "graph_mlp: %s: %s\n", what, hdtrt_last_error());
  return 1;
}

/* Compiles (or loads) the model, runs it once, checks it. */
static int mlp_run(const mlp *p, const char *device, const char *save, const char *load, int verbose,
                   int no_fusion) {
  hdtrt_model *m = NULL;
  if (load) {
    if (hdtrt_model_load(load, &m))
      return mlp_fail("loading the model");
  } else {
    hdtg_graph *g = mlp_graph(p);
    hdtrt_compile_options o = {.verbose = verbose, .no_fusion = no_fusion};
    hdtrt_status st = g ? hdtrt_compile(g, device, &o, &m) : HDTRT_ERROR_INVALID_ARGUMENT;
    hdtg_destroy(g);
    if (st)
      return mlp_fail("compiling");
    if (save && hdtrt_model_save(m, save))
      return hdtrt_model_destroy(m), mlp_fail("saving");
  }
  hdtrt_model_print_info(m, stdout);
  size_t n = (size_t)(p->batch * p->dim);
  float *y = malloc(sizeof *y * n);
  for (size_t i = 0; y && i < n; i++)
    y[i] = NAN;
  hdtrt_session *s = NULL;
  int rc = 1;
  if (!y)
    fprintf(stderr, "graph_mlp: out of memory\n");
  else if (hdtrt_session_create(m, &s) ||
           hdtrt_session_bind_input(s, "x", p->x, sizeof(float) * n, HDTRT_MEM_HOST) ||
           hdtrt_session_bind_output(s, "y", y, sizeof(float) * n, HDTRT_MEM_HOST) ||
           hdtrt_session_run(s))
    mlp_fail("running");
  else {
    double err = mlp_check(p, y), tol = 1e-4;
    printf("max error %.3g (tolerance %g) %s\n", err, tol, err <= tol ? "ok" : "FAIL");
    rc = err <= tol ? 0 : 1;
  }
  hdtrt_session_destroy(s);
  hdtrt_model_destroy(m);
  free(y);
  return rc;
}

static int mlp_usage(void) {
  fprintf(stderr, "usage: graph_mlp [--device host|cuda|cuda:sm_90a] [--batch N] [--dim N] "
                  "[--hidden N] [--seed N] [--save FILE | --load FILE] [--verbose] [--no-fusion]\n");
  return 1;
}

int main(int argc, char **argv) {
  mlp p = {.batch = 37, .dim = 96, .hidden = 200};
  const char *device = getenv("HDT_DEVICE"), *save = NULL, *load = NULL;
  unsigned long long seed = (unsigned long long)time(NULL);
  int verbose = 0, no_fusion = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--verbose") == 0) { verbose = 1; continue; }
    if (strcmp(a, "--no-fusion") == 0) { no_fusion = 1; continue; }
    if (!v) return mlp_usage();
    i++;
    if (strcmp(a, "--device") == 0) device = v;
    else if (strcmp(a, "--batch") == 0) p.batch = atoll(v);
    else if (strcmp(a, "--dim") == 0) p.dim = atoll(v);
    else if (strcmp(a, "--hidden") == 0) p.hidden = atoll(v);
    else if (strcmp(a, "--seed") == 0) seed = strtoull(v, NULL, 10);
    else if (strcmp(a, "--save") == 0) save = v;
    else if (strcmp(a, "--load") == 0) load = v;
    else return mlp_usage();
  }
  if (p.batch < 1 || p.dim < 1 || p.hidden < 1 || p.batch * p.dim > (1 << 26) ||
      p.dim * p.hidden > (1 << 26))
    return fprintf(stderr, "graph_mlp: sizes must be positive and not huge\n"), 1;
  if (!device)
    device = hdtrt_default_device();
  printf("seed %llu\n", seed);
  if (mlp_init(&p, seed))
    return fprintf(stderr, "graph_mlp: out of memory\n"), 1;
  int rc = mlp_run(&p, device, save, load, verbose, no_fusion);
  free(p.x);
  free(p.w1);
  free(p.b1);
  free(p.w2);
  free(p.b2);
  return rc;
}
