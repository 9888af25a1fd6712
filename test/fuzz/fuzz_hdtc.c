/* fuzz_hdtc.c: a libFuzzer harness over the whole hdtc pipeline, in process.
 *
 * Each input is one .hdt program, compiled through the library entry point
 * (hdtc.h) exactly as hdtc does: load, parse, check, lower, the passes and
 * the CUDA emitter, then again for the host target and its emitter; and the
 * same bytes are handed to --explain-mapping, which parses them as one
 * mapping expression. A crash, a sanitizer report, a leak or a hang in any
 * of them is a bug; an error in the program is not (every input must simply
 * end with HDTC_OK or HDTC_ERROR_COMPILE, and diagnostics that are text).
 *
 * Built only with clang and -DHDT_FUZZ=ON (test/fuzz/CMakeLists.txt);
 * README.md's "Fuzzing" section says how to run it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hdtc.h"

/* A bad status is a bug of the library: end the run so libFuzzer keeps the
 * input (abort is a crash to it). */
static void fuzz_expect(int ok) {
  if (!ok)
    abort();
}

static void fuzz_compile(const char *text, size_t len, const char *target) {
  hdtc_compilation *c = NULL;
  fuzz_expect(hdtc_create(&c) == HDTC_OK);
  fuzz_expect(hdtc_set_target(c, target) == HDTC_OK);
  fuzz_expect(hdtc_set_source_string(c, "fuzz.hdt", text, len) == HDTC_OK);
  hdtc_status st = hdtc_run(c);
  fuzz_expect(st == HDTC_OK || st == HDTC_ERROR_COMPILE);
  size_t n = 0;
  const char *out = st == HDTC_OK ? hdtc_output(c, &n) : hdtc_diagnostics(c, &n);
  /* An error always says why; touching every byte lets ASan check them. */
  fuzz_expect(out != NULL && (st == HDTC_OK || n > 0));
  volatile unsigned sum = 0;
  for (size_t i = 0; i < n; i++)
    sum += (unsigned char)out[i];
  hdtc_destroy(c);
}

static void fuzz_explain(const char *expr) {
  hdtc_compilation *c = NULL;
  fuzz_expect(hdtc_create(&c) == HDTC_OK);
  if (hdtc_set_explain_mapping(c, expr) == HDTC_OK) {
    hdtc_status st = hdtc_run(c);
    fuzz_expect(st == HDTC_OK || st == HDTC_ERROR_COMPILE || st == HDTC_ERROR_INVALID);
  }
  hdtc_destroy(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* A copy of exactly `size` bytes: ASan then catches a read past the end
   * (the library must not assume a terminating NUL). */
  char *text = malloc(size ? size : 1);
  if (!text)
    return 0;
  memcpy(text, data, size);
  fuzz_compile(text, size, "cuda");
  fuzz_compile(text, size, "host");
  free(text);
  /* --explain-mapping takes a C string: the bytes up to the first NUL. */
  if (size <= 4096) {
    char *expr = malloc(size + 1);
    if (!expr)
      return 0;
    memcpy(expr, data, size);
    expr[size] = '\0';
    fuzz_explain(expr);
    free(expr);
  }
  return 0;
}
