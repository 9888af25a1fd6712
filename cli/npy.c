/* npy.c: NumPy .npy files (see npy.h). The header is a Python dict
 * literal, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
 * padded with spaces to a multiple of 64 bytes; only what NumPy writes is
 * accepted. */
#include "npy.h"

#include "graph.h"
#include "hdtrt.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
  const char *descr;
  int dtype;
} npy_types[] = {
    {"<f4", HDTG_F32}, {"<f2", HDTG_F16}, {"<f8", HDTG_F64}, {"<i8", HDTG_I64},
    {"<i4", HDTG_I32}, {"|i1", HDTG_I8},  {"|u1", HDTG_U8},  {"|b1", HDTG_BOOL},
};

static int npy_fail(char *err, size_t size, const char *fmt, const char *a, const char *b) {
  snprintf(err, size, fmt, a, b);
  return -1;
}

/* The value after 'key': in the header, or NULL. */
static const char *npy_field(const char *h, const char *key) {
  const char *p = strstr(h, key);
  if (!p)
    return NULL;
  p += strlen(key);
  while (*p == ' ' || *p == ':')
    p++;
  return p;
}

static int npy_parse_header(const char *h, npy_array *a, const char *path, char *err, size_t size) {
  const char *d = npy_field(h, "'descr'"), *f = npy_field(h, "'fortran_order'");
  const char *s = npy_field(h, "'shape'");
  if (!d || !f || !s || *d != '\'' || *s != '(')
    return npy_fail(err, size, "%s: not a .npy header%s", path, "");
  a->dtype = -1;
  for (size_t i = 0; i < sizeof npy_types / sizeof *npy_types; i++)
    if (strncmp(d + 1, npy_types[i].descr, 3) == 0 && d[4] == '\'')
      a->dtype = npy_types[i].dtype;
  if (a->dtype < 0)
    return npy_fail(err, size, "%s: dtype %.6s is not supported (f4 f2 f8 i8 i4 i1 u1 b1, little-endian)", path, d);
  if (strncmp(f, "False", 5) != 0)
    return npy_fail(err, size, "%s: Fortran order is not supported%s", path, "");
  a->rank = 0;
  for (s++; *s != ')';) {
    while (*s == ' ' || *s == ',')
      s++;
    if (*s == ')')
      break;
    if (!isdigit((unsigned char)*s) || a->rank == 8)
      return npy_fail(err, size, "%s: bad shape in the header%s", path, "");
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno || v < 0)
      return npy_fail(err, size, "%s: bad shape in the header%s", path, "");
    a->dims[a->rank++] = v;
    s = end;
  }
  return 0;
}

static int npy_size(npy_array *a, const char *path, char *err, size_t size) {
  size_t n = hdtg_dtype_size((hdtg_dtype)a->dtype);
  for (int i = 0; i < a->rank; i++) {
    if (a->dims[i] && n > SIZE_MAX / (size_t)a->dims[i])
      return npy_fail(err, size, "%s: shape too large%s", path, "");
    n *= (size_t)a->dims[i];
  }
  a->bytes = n;
  return 0;
}

int npy_read(const char *path, npy_array *a, char *err, size_t size) {
  memset(a, 0, sizeof *a);
  FILE *f = fopen(path, "rb");
  if (!f)
    return npy_fail(err, size, "cannot open %s: %s", path, strerror(errno));
  unsigned char pre[12];
  int rc = -1;
  char *header = NULL;
  if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0) {
    npy_fail(err, size, "%s is not a .npy file%s", path, "");
    goto done;
  }
  size_t hlen = pre[8] | (size_t)pre[9] << 8;
  if (pre[6] >= 2) { /* versions 2 and 3: a 4-byte length */
    if (fread(pre + 10, 1, 2, f) != 2) {
      npy_fail(err, size, "%s: truncated header%s", path, "");
      goto done;
    }
    hlen |= (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
  }
  if (hlen > (1u << 20) || !(header = calloc(hlen + 1, 1)) || fread(header, 1, hlen, f) != hlen) {
    npy_fail(err, size, "%s: truncated or oversized header%s", path, "");
    goto done;
  }
  if (npy_parse_header(header, a, path, err, size) || npy_size(a, path, err, size))
    goto done;
  a->data = npy_alloc(a->bytes);
  if (!a->data) {
    npy_fail(err, size, "%s: no memory for the data%s", path, "");
    goto done;
  }
  if (fread(a->data, 1, a->bytes, f) != a->bytes || fgetc(f) != EOF) {
    npy_fail(err, size, "%s: the data does not match the shape in the header%s", path, "");
    goto done;
  }
  rc = 0;
done:
  free(header);
  fclose(f);
  if (rc)
    npy_free(a);
  return rc;
}

int npy_write(const char *path, const npy_array *a, char *err, size_t size) {
  const char *descr = NULL;
  for (size_t i = 0; i < sizeof npy_types / sizeof *npy_types; i++)
    if (npy_types[i].dtype == a->dtype)
      descr = npy_types[i].descr;
  if (!descr)
    return npy_fail(err, size, "%s: dtype %s has no .npy spelling here", path,
                    hdtg_dtype_name((hdtg_dtype)a->dtype));
  char dict[512];
  int n = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
  for (int i = 0; i < a->rank; i++)
    n += snprintf(dict + n, sizeof dict - (size_t)n, "%lld,%s", (long long)a->dims[i],
                  i + 1 < a->rank ? " " : "");
  n += snprintf(dict + n, sizeof dict - (size_t)n, "), }");
  size_t total = 10 + (size_t)n + 1, pad = (64 - total % 64) % 64;
  size_t hlen = (size_t)n + pad + 1;
  FILE *f = fopen(path, "wb");
  if (!f)
    return npy_fail(err, size, "cannot write %s: %s", path, strerror(errno));
  unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(hlen & 0xff),
                           (unsigned char)(hlen >> 8)};
  fwrite(pre, 1, 10, f);
  fwrite(dict, 1, (size_t)n, f);
  for (size_t i = 0; i < pad; i++)
    fputc(' ', f);
  fputc('\n', f);
  fwrite(a->data, 1, a->bytes, f);
  if (ferror(f) | (fclose(f) != 0))
    return npy_fail(err, size, "cannot write %s%s", path, " (disk full?)");
  return 0;
}

void *npy_alloc(size_t bytes) { return hdtrt_host_alloc(bytes ? bytes : 1); }

void npy_free(npy_array *a) {
  hdtrt_host_free(a->data);
  memset(a, 0, sizeof *a);
}
