/* npy.h: NumPy's .npy files, read and written (the `hdt` command's tensor
 * files). Format versions 1.0, 2.0 and 3.0; little-endian, C order; the
 * dtypes of graph.h (f4 f2 f8 i8 i4 i1 u1 b1, and bfloat16 as 'V2' is not
 * read). A file that is not one, or of another layout, is an error with a
 * message, never a crash: the header is parsed with its length checked
 * against the file. */
#ifndef HDT_CLI_NPY_H
#define HDT_CLI_NPY_H

#include <stddef.h>
#include <stdint.h>

typedef struct npy_array {
  int dtype; /* an hdtg_dtype */
  int rank;
  int64_t dims[8];
  void *data; /* malloc'd, 64-byte aligned */
  size_t bytes;
} npy_array;

/* 0, or -1 with a message in err. */
int npy_read(const char *path, npy_array *out, char *err, size_t errsize);
int npy_write(const char *path, const npy_array *a, char *err, size_t errsize);
void npy_free(npy_array *a);
/* A buffer for `bytes` bytes of tensor data (hdtrt_host_alloc's 64-byte
 * alignment; 0 bytes is a valid, empty buffer), freed by npy_free. */
void *npy_alloc(size_t bytes);

#endif
