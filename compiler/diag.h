/* diag.h: source files, spans and diagnostics.
 *
 * A span is a byte range [begin, end) inside one loaded file, named by its
 * index in the source table; line and column are computed only when a
 * diagnostic is printed, so the lexer and the AST stay small. Diagnostics
 * are printed as they are reported, in clang's format:
 *
 *     file:line:col: error: message
 *         let x = y +;
 *                    ^
 *
 * Columns are 1-based byte offsets within the line (as in clang); the
 * rendering of the source line expands tabs, shows control bytes and invalid
 * UTF-8 as <XX>, and cuts very long lines to a window around the span. */
#ifndef HDT_DIAG_H
#define HDT_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "arena.h"

typedef struct span {
  uint32_t file;  /* index in the source table */
  uint32_t begin; /* byte offset of the first byte */
  uint32_t end;   /* byte offset one past the last byte */
} span;

typedef struct source_file {
  const char *name; /* as given on the command line, "<stdin>" for "-" */
  const char *text; /* NUL-terminated copy; may contain NUL bytes */
  size_t len;
  uint32_t *line_starts; /* byte offset of each line's first byte */
  uint32_t nlines;
} source_file;

typedef enum { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE } diag_level;

typedef struct diag_ctx {
  arena *arena;
  FILE *out;
  source_file **files;
  uint32_t nfiles, cap;
  int nerrors, nwarnings;
  int max_errors;  /* after this many, further errors are counted, not printed */
  bool suppressed; /* the "too many errors" note was printed */
} diag_ctx;

void diag_init(diag_ctx *d, arena *a, FILE *out);
/* Frees what the context allocated outside its arena. */
void diag_fini(diag_ctx *d);

/* Adds a file whose text is copied into the arena; returns its index. Files
 * larger than 4 GiB cannot be represented by a span and are rejected. */
uint32_t diag_add_source(diag_ctx *d, const char *name, const char *text, size_t len);
const source_file *diag_source(const diag_ctx *d, uint32_t file);

/* 1-based line and byte column of a byte offset. */
void diag_line_col(const source_file *f, uint32_t offset, uint32_t *line, uint32_t *col);

void diag_report(diag_ctx *d, diag_level level, span where, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
#define diag_error(d, where, ...) diag_report((d), DIAG_ERROR, (where), __VA_ARGS__)
#define diag_warning(d, where, ...) diag_report((d), DIAG_WARNING, (where), __VA_ARGS__)
#define diag_note(d, where, ...) diag_report((d), DIAG_NOTE, (where), __VA_ARGS__)

/* An error not tied to a source location ("hdtc: error: ..."). */
void diag_error_noloc(diag_ctx *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Renders the source line under a diagnostic: the line itself, then a caret
 * at span.begin and '~' under the rest of the span on that line. Exposed for
 * unit tests. */
void diag_render_snippet(FILE *out, const source_file *f, span where);

static inline span span_join(span a, span b) {
  span s = a;
  if (b.end > s.end)
    s.end = b.end;
  return s;
}

#endif
