/* fuzz_onnx.c: the libFuzzer harness of the ONNX importer (onnx/).
 *
 * Each input is a model file's bytes, imported from memory without a folder
 * (so external data is refused and no file is ever read). Whatever the
 * bytes, the import must end with exactly one of a graph or a message, and
 * an imported graph must survive the passes (inference, folding, dead-node
 * removal) and the dump: ASan, UBSan and LeakSanitizer (the fuzz build's)
 * report anything else. A wrong-size field must never become a huge
 * allocation: -rss_limit_mb and -malloc_limit_mb catch one. */
#include "hdt_onnx.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  hdtg_graph *g = NULL;
  char *msg = NULL;
  hdto_status st = hdto_import_memory(data, size, NULL, NULL, &g, &msg);
  if ((st == HDTO_OK) != (g != NULL) || (st == HDTO_OK) != (msg == NULL)) abort();
  if (g) {
    hdtg_run_passes(g);
    hdtg_dump(g);
  }
  hdtg_destroy(g);
  free(msg);
  return 0;
}
