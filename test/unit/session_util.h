/* session_util.h: helpers of the graph-runtime tests (test_session*.c):
 * graphs built in one line per node, random tensors from a fresh seed
 * (printed, so a failure can be replayed with HDT_TEST_SEED), compiling
 * into the build's cache folder, running a one-input one-output model, and
 * comparing with a reference in double precision. */
#ifndef HDT_TEST_SESSION_UTIL_H
#define HDT_TEST_SESSION_UTIL_H

#define _GNU_SOURCE
#include "graph.h"
#include "hdtrt.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct tg_rand {
  float *v;
  int rank;
  int64_t dims[8];
  size_t n;
} tg_rand;

typedef struct tg_model {
  hdtrt_model *m;
  hdtrt_model_stats stats;
} tg_model;

static inline void tg_seed(void) {
  static int seeded;
  if (seeded)
    return;
  seeded = 1;
  const char *env = getenv("HDT_TEST_SEED");
  unsigned seed = env ? (unsigned)strtoul(env, NULL, 10) : (unsigned)time(NULL) ^ (unsigned)getpid();
  fprintf(stderr, "seed %u\n", seed);
  srand(seed);
}

static inline hdtg_graph *tg_graph(void) {
  hdtg_graph *g;
  cr_assert_eq(hdtg_create(&g), HDTG_OK);
  tg_seed();
  return g;
}

static inline hdtg_tensor *tg_input(hdtg_graph *g, const char *name, int rank, const int64_t *dims) {
  hdtg_dim d[8];
  for (int i = 0; i < rank; i++)
    d[i] = HDTG_DIM(dims[i]);
  hdtg_tensor *t;
  cr_assert_eq(hdtg_add_input(g, name, HDTG_F32, rank, d, &t), HDTG_OK, "%s", hdtg_last_error(g));
  return t;
}

/* Uniform in [-1, 1). */
static inline tg_rand tg_random_tensor(int rank, const int64_t *dims) {
  tg_seed();
  tg_rand r = {.rank = rank, .n = 1};
  for (int i = 0; i < rank; i++) {
    r.dims[i] = dims[i];
    r.n *= (size_t)dims[i];
  }
  r.v = malloc(sizeof *r.v * (r.n ? r.n : 1));
  cr_assert(r.v);
  for (size_t i = 0; i < r.n; i++)
    r.v[i] = (float)(rand() / (RAND_MAX + 1.0) * 2 - 1);
  return r;
}

static inline void tg_free_rand(tg_rand *r) {
  free(r->v);
  r->v = NULL;
}

/* A constant named name (NULL: a fresh name). */
static inline hdtg_tensor *tg_const(hdtg_graph *g, const char *name, const tg_rand *r) {
  static int fresh;
  char buf[32];
  if (!name) {
    snprintf(buf, sizeof buf, "const%d", fresh++);
    name = buf;
  }
  hdtg_tensor *t;
  cr_assert_eq(hdtg_add_constant(g, name, HDTG_F32, r->rank, r->dims, r->v, sizeof(float) * r->n, &t),
               HDTG_OK, "%s", hdtg_last_error(g));
  return t;
}

static inline hdtg_tensor *tg_node(hdtg_graph *g, const char *op, hdtg_tensor **in, int nin,
                                   const hdtg_attr *attrs, int nattrs) {
  hdtg_tensor *t;
  cr_assert_eq(hdtg_add_node(g, op, NULL, in, nin, attrs, nattrs, &t), HDTG_OK, "%s",
               hdtg_last_error(g));
  return t;
}

static inline hdtg_tensor *tg_node1(hdtg_graph *g, const char *op, hdtg_tensor *a) {
  return tg_node(g, op, &a, 1, NULL, 0);
}

static inline hdtg_tensor *tg_node2(hdtg_graph *g, const char *op, hdtg_tensor *a, hdtg_tensor *b) {
  hdtg_tensor *in[] = {a, b};
  return tg_node(g, op, in, 2, NULL, 0);
}

static inline tg_model tg_compile(hdtg_graph *g, const char *device) {
  tg_model tm = {0};
  hdtrt_compile_options o = {.cache_dir = HDT_TEST_CACHE_DIR};
  cr_assert_eq(hdtrt_compile(g, device, &o, &tm.m), HDTRT_OK, "%s", hdtrt_last_error());
  cr_assert_eq(hdtrt_model_get_stats(tm.m, &tm.stats), HDTRT_OK);
  return tm;
}

static inline void tg_model_free(tg_model *tm) {
  hdtrt_model_destroy(tm->m);
  tm->m = NULL;
}

/* Runs a model of one input and one output of n floats; the output,
 * poisoned with NaN before the run, in a malloc'd array. */
static inline float *tg_run1(tg_model *tm, const char *input, const tg_rand *x, size_t n) {
  hdtrt_session *s;
  cr_assert_eq(hdtrt_session_create(tm->m, &s), HDTRT_OK, "%s", hdtrt_last_error());
  float *y = malloc(sizeof *y * (n ? n : 1));
  cr_assert(y);
  for (size_t i = 0; i < n; i++)
    y[i] = NAN;
  hdtrt_tensor_desc od;
  cr_assert_eq(hdtrt_model_output(tm->m, 0, &od), HDTRT_OK);
  cr_assert_eq(hdtrt_session_bind_input(s, input, x->v, sizeof(float) * x->n, HDTRT_MEM_HOST),
               HDTRT_OK, "%s", hdtrt_last_error());
  cr_assert_eq(hdtrt_session_bind_output(s, od.name, y, sizeof(float) * n, HDTRT_MEM_HOST),
               HDTRT_OK, "%s", hdtrt_last_error());
  cr_assert_eq(hdtrt_session_run(s), HDTRT_OK, "%s", hdtrt_last_error());
  hdtrt_session_destroy(s);
  return y;
}

/* |got - want| <= tol * max(1, |want|) (tol 0: exact). */
static inline void tg_expect_close(float got, double want, double tol, const char *what) {
  double err = fabs((double)got - want), scale = fabs(want) > 1 ? fabs(want) : 1;
  cr_expect(err <= tol * scale && got == got, "%s: got %.9g, want %.9g (tolerance %g)", what,
            (double)got, want, tol);
}

static inline unsigned char *tg_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  cr_assert(f, "%s", path);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *b = malloc((size_t)n + 1);
  cr_assert(b);
  *len = fread(b, 1, (size_t)n, f);
  fclose(f);
  return b;
}

static inline void tg_free_file(unsigned char *b) { free(b); }

static inline void tg_write_file(const char *path, const void *data, size_t len) {
  FILE *f = fopen(path, "wb");
  cr_assert(f, "%s", path);
  cr_assert_eq(fwrite(data, 1, len, f), len);
  fclose(f);
}

static inline void tg_remove_dir(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  char path[4096];
  while (d && (e = readdir(d)))
    if (e->d_name[0] != '.') {
      snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
      remove(path);
    }
  if (d)
    closedir(d);
  rmdir(dir);
}

static inline int tg_have_nvcc(void) {
  return system("command -v nvcc >/dev/null 2>&1") == 0;
}

#endif
