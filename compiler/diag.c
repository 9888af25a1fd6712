/* diag.c: line tables and clang-style rendering of diagnostics (see diag.h). */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

enum {
  DIAG_TAB_WIDTH = 8,
  DIAG_WINDOW = 120,      /* display columns shown of a long line */
  DIAG_WINDOW_LEAD = 40,  /* of which before the caret */
  DIAG_DEFAULT_MAX = 50,
};

void diag_init(diag_ctx *d, arena *a, FILE *out) {
  memset(d, 0, sizeof *d);
  d->arena = a;
  d->out = out;
  d->max_errors = DIAG_DEFAULT_MAX;
}

void diag_fini(diag_ctx *d) {
  free(d->files);
  d->files = NULL;
  d->nfiles = d->cap = 0;
}

static void diag_build_lines(arena *a, source_file *f) {
  uint32_t n = 1;
  for (size_t i = 0; i < f->len; i++)
    n += f->text[i] == '\n';
  f->line_starts = arena_alloc(a, n * sizeof *f->line_starts);
  f->nlines = 0;
  f->line_starts[f->nlines++] = 0;
  for (size_t i = 0; i < f->len; i++)
    if (f->text[i] == '\n' && f->nlines < n)
      f->line_starts[f->nlines++] = (uint32_t)(i + 1);
}

uint32_t diag_add_source(diag_ctx *d, const char *name, const char *text, size_t len) {
  if (len >= UINT32_MAX)
    len = UINT32_MAX - 1; /* callers reject such files first; never overflow spans */
  source_file *f = arena_alloc(d->arena, sizeof *f);
  f->name = arena_strdup(d->arena, name);
  f->text = arena_strndup(d->arena, text, len);
  f->len = len;
  diag_build_lines(d->arena, f);
  if (d->nfiles == d->cap) {
    d->cap = d->cap ? 2 * d->cap : 8;
    source_file **files = realloc(d->files, d->cap * sizeof *files);
    if (!files) {
      fputs("hdtc: fatal: out of memory\n", stderr);
      abort();
    }
    d->files = files;
  }
  d->files[d->nfiles] = f;
  return d->nfiles++;
}

const source_file *diag_source(const diag_ctx *d, uint32_t file) {
  return file < d->nfiles ? d->files[file] : NULL;
}

void diag_line_col(const source_file *f, uint32_t offset, uint32_t *line, uint32_t *col) {
  if (offset > f->len)
    offset = (uint32_t)f->len;
  uint32_t lo = 0, hi = f->nlines; /* last line start <= offset */
  while (hi - lo > 1) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (f->line_starts[mid] <= offset)
      lo = mid;
    else
      hi = mid;
  }
  *line = lo + 1;
  *col = offset - f->line_starts[lo] + 1;
}

/* Length of a valid UTF-8 sequence at p (at most n bytes), or 0. */
static int diag_utf8_len(const unsigned char *p, size_t n) {
  int len = p[0] >= 0xF0 && p[0] <= 0xF4 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC2 ? 2 : 0;
  if (len == 0 || (size_t)len > n || p[0] >= 0xF8)
    return 0;
  for (int i = 1; i < len; i++)
    if ((p[i] & 0xC0) != 0x80)
      return 0;
  if (len == 3 && p[0] == 0xE0 && p[1] < 0xA0)
    return 0; /* overlong */
  if (len == 4 && p[0] == 0xF0 && p[1] < 0x90)
    return 0;
  return len;
}

/* How one byte sequence of the line is shown: its bytes and its width. */
typedef struct diag_glyph {
  char text[DIAG_TAB_WIDTH + 1]; /* a whole tab stop of spaces, and the NUL */
  int bytes, width;
} diag_glyph;

static diag_glyph diag_glyph_at(const unsigned char *p, size_t n, int column) {
  diag_glyph g = {{0}, 1, 1};
  if (p[0] == '\t') {
    g.width = DIAG_TAB_WIDTH - column % DIAG_TAB_WIDTH;
    memset(g.text, ' ', (size_t)g.width);
  } else if (p[0] >= 0x20 && p[0] < 0x7F) {
    g.text[0] = (char)p[0];
  } else if (p[0] >= 0x80 && (g.bytes = diag_utf8_len(p, n)) > 0) {
    memcpy(g.text, p, (size_t)g.bytes); /* one column: wide glyphs are rare in code */
  } else {
    g.bytes = 1;
    g.width = 4;
    snprintf(g.text, sizeof g.text, "<%02X>", p[0]);
  }
  return g;
}

void diag_render_snippet(FILE *out, const source_file *f, span where) {
  uint32_t line, col;
  diag_line_col(f, where.begin, &line, &col);
  size_t start = f->line_starts[line - 1], stop = start;
  while (stop < f->len && f->text[stop] != '\n')
    stop++;
  if (stop > start && f->text[stop - 1] == '\r')
    stop--;
  size_t caret = where.begin < start ? start : where.begin > stop ? stop : where.begin;
  size_t last = where.end > stop ? stop : where.end; /* underline stops at the line's end */

  /* First pass: display column of the caret, to choose the window. */
  const unsigned char *text = (const unsigned char *)f->text;
  int caret_col = 0;
  for (size_t i = start; i < caret;) {
    diag_glyph g = diag_glyph_at(text + i, stop - i, caret_col);
    caret_col += g.width;
    i += (size_t)g.bytes;
  }
  int skip = caret_col > DIAG_WINDOW - 10 ? caret_col - DIAG_WINDOW_LEAD : 0;

  char marks[DIAG_WINDOW + 8];
  int column = 0, shown = 0, nmarks = 0;
  if (skip)
    fputs("...", out);
  for (size_t i = start; i < stop && shown < DIAG_WINDOW;) {
    diag_glyph g = diag_glyph_at(text + i, stop - i, column);
    if (column >= skip) {
      fputs(g.text, out);
      char m = i == caret ? '^' : (i > caret && i < last) ? '~' : ' ';
      for (int k = 0; k < g.width && nmarks < DIAG_WINDOW + 4; k++)
        marks[nmarks++] = k == 0 ? m : (m == '^' ? '~' : m);
      shown += g.width;
    }
    column += g.width;
    i += (size_t)g.bytes;
  }
  if (caret == stop && nmarks < DIAG_WINDOW + 4)
    marks[nmarks++] = '^'; /* at the end of the line: the caret follows the text */
  /* A span whose last glyph was wide: keep '~' only under the span proper. */
  while (nmarks > 0 && marks[nmarks - 1] == ' ')
    nmarks--;
  if (shown >= DIAG_WINDOW && stop > start)
    fputs("...", out);
  fputc('\n', out);
  if (skip)
    fputs("   ", out);
  fwrite(marks, 1, (size_t)nmarks, out);
  fputc('\n', out);
}

static const char *diag_level_name(diag_level level) {
  switch (level) {
  case DIAG_ERROR: return "error";
  case DIAG_WARNING: return "warning";
  case DIAG_NOTE: return "note";
  }
  return "error";
}

void diag_report(diag_ctx *d, diag_level level, span where, const char *fmt, ...) {
  if (level == DIAG_ERROR)
    d->nerrors++;
  else if (level == DIAG_WARNING)
    d->nwarnings++;
  if (d->nerrors > d->max_errors) {
    if (!d->suppressed)
      fprintf(d->out, "hdtc: note: too many errors; the rest are not shown\n");
    d->suppressed = true;
    return;
  }
  const source_file *f = diag_source(d, where.file);
  if (f) {
    uint32_t line, col;
    diag_line_col(f, where.begin, &line, &col);
    fprintf(d->out, "%s:%u:%u: %s: ", f->name, line, col, diag_level_name(level));
  } else {
    fprintf(d->out, "hdtc: %s: ", diag_level_name(level));
  }
  va_list ap;
  va_start(ap, fmt);
  vfprintf(d->out, fmt, ap);
  va_end(ap);
  fputc('\n', d->out);
  if (f)
    diag_render_snippet(d->out, f, where);
}

void diag_error_noloc(diag_ctx *d, const char *fmt, ...) {
  d->nerrors++;
  fputs("hdtc: error: ", d->out);
  va_list ap;
  va_start(ap, fmt);
  vfprintf(d->out, fmt, ap);
  va_end(ap);
  fputc('\n', d->out);
}
