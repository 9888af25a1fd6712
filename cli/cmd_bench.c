/* cmd_bench.c: `hdt bench MODEL [--warmup N] [--runs N] [--json]`: random
 * inputs, N warm-up runs, then N timed runs (each hdtrt_session_run, which
 * returns when the outputs are written: on cuda the CUDA graph's replay and
 * the copies); prints the minimum, median, p90 and maximum latency, with a
 * progress bar on a terminal. --json prints one JSON object instead. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int bench_usage(FILE *f) {
  fprintf(f, "usage: hdt bench MODEL [--warmup N] [--runs N] [--json] [--device D] [--dim NAME=N]\n"
             "                 [--cache-dir DIR] [--no-fusion] [--verbose]\n"
             "Times MODEL on random inputs: min, median, p90 and max latency (defaults:\n"
             "10 warm-up runs, 100 timed runs).\n");
  return f == stdout ? 0 : 1;
}

static int bench_cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void bench_progress(int done, int total) {
  int width = 40, fill = total ? done * width / total : width;
  fprintf(stderr, "\r[%.*s%*s] %d/%d", fill, "########################################",
          width - fill, "", done, total);
  if (done == total)
    fputc('\n', stderr);
  fflush(stderr);
}

static int bench_bind(hdtrt_model *m, hdtrt_session *s, npy_array *bufs) {
  uint64_t state = 1;
  for (int k = 0; k < hdtrt_model_num_inputs(m); k++) {
    hdtrt_tensor_desc d;
    hdtrt_model_input(m, k, &d);
    if (cli_random_tensor(&d, &state, &bufs[k]))
      return cli_error("out of memory");
    if (hdtrt_session_bind_input(s, d.name, bufs[k].data, bufs[k].bytes, HDTRT_MEM_HOST))
      return cli_error("%s", hdtrt_last_error());
  }
  return 0;
}

static int bench_loop(hdtrt_session *s, int warmup, int runs, double *times) {
  bool tty = isatty(2);
  for (int i = 0; i < warmup; i++)
    if (hdtrt_session_run(s) != HDTRT_OK)
      return cli_error("%s", hdtrt_last_error());
  for (int i = 0; i < runs; i++) {
    double t0 = cli_now();
    if (hdtrt_session_run(s) != HDTRT_OK)
      return cli_error("%s", hdtrt_last_error());
    times[i] = (cli_now() - t0) * 1e3;
    if (tty && (i % 8 == 7 || i + 1 == runs))
      bench_progress(i + 1, runs);
  }
  return 0;
}

/* s as a JSON string (quotes, backslashes and control characters escaped). */
static void bench_json_string(const char *s) {
  putchar('"');
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      printf("\\%c", c);
    else if (c < 0x20)
      printf("\\u%04x", c);
    else
      putchar(c);
  }
  putchar('"');
}

static void bench_report(const char *model, const char *device, double *t, int n, bool json) {
  qsort(t, (size_t)n, sizeof *t, bench_cmp);
  double med = t[n / 2], p90 = t[(n * 9) / 10 < n ? (n * 9) / 10 : n - 1];
  if (json) {
    printf("{\"model\": ");
    bench_json_string(model);
    printf(", \"device\": \"%s\", \"runs\": %d, \"min_ms\": %.6f, \"median_ms\": %.6f, "
           "\"p90_ms\": %.6f, \"max_ms\": %.6f}\n",
           device, n, t[0], med, p90, t[n - 1]);
  } else {
    printf("%s on %s, %d runs: min %.3f ms, median %.3f ms, p90 %.3f ms, max %.3f ms\n", model,
           device, n, t[0], med, p90, t[n - 1]);
  }
}

typedef struct bench_args {
  int warmup, runs;
  bool json;
} bench_args;

static int bench_option(int argc, char **argv, int *i, void *ctx) {
  bench_args *b = ctx;
  if (strcmp(argv[*i], "--json") == 0)
    return b->json = true, 1;
  if (strcmp(argv[*i], "--warmup") != 0 && strcmp(argv[*i], "--runs") != 0)
    return 0;
  if (*i + 1 >= argc)
    return -cli_error("%s needs a number", argv[*i]);
  int *which = argv[*i][2] == 'w' ? &b->warmup : &b->runs;
  *which = atoi(argv[++*i]);
  return 1;
}

int cmd_bench(int argc, char **argv) {
  cli_opts o = {0};
  const char *model = NULL;
  bench_args b = {.warmup = 10, .runs = 100};
  int n, rc = cli_parse(argc, argv, &o, bench_option, &b, "MODEL", &model, 1, &n, bench_usage);
  if (rc)
    return rc < 0 ? 0 : rc;
  int warmup = b.warmup, runs = b.runs;
  bool json = b.json;
  if (runs < 1 || runs > 1000000 || warmup < 0)
    return cli_error("--runs must be 1 to 1000000 and --warmup >= 0");
  cli_model cm;
  if (cli_open_model(model, &o, &cm))
    return 1;
  hdtrt_session *s = NULL;
  npy_array *bufs = calloc((size_t)hdtrt_model_num_inputs(cm.m) + 1, sizeof *bufs);
  double *times = malloc(sizeof *times * (size_t)runs);
  rc = 1;
  if (!bufs || !times)
    cli_error("out of memory");
  else if (hdtrt_session_create(cm.m, &s) != HDTRT_OK)
    cli_error("%s", hdtrt_last_error());
  else if (!bench_bind(cm.m, s, bufs) && !bench_loop(s, warmup, runs, times)) {
    bench_report(model, hdtrt_model_device(cm.m), times, runs, json);
    rc = 0;
  }
  for (int k = 0; bufs && k < hdtrt_model_num_inputs(cm.m); k++)
    npy_free(&bufs[k]);
  free(bufs);
  free(times);
  hdtrt_session_destroy(s);
  cli_close_model(&cm);
  return rc;
}
