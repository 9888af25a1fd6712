/* arena.c: chunked bump allocation (see arena.h). */
#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ARENA_CHUNK = 64 * 1024, ARENA_ALIGN = 16 };

typedef struct arena_chunk {
  struct arena_chunk *next;
  size_t used, size;
  _Alignas(16) unsigned char data[];
} arena_chunk;

struct arena {
  arena_chunk *head;
};

static void *arena_xmalloc(size_t size) {
  void *p = malloc(size);
  if (!p) {
    fputs("hdtc: fatal: out of memory\n", stderr);
    abort();
  }
  return p;
}

arena *arena_new(void) {
  arena *a = arena_xmalloc(sizeof *a);
  a->head = NULL;
  return a;
}

void arena_free(arena *a) {
  if (!a)
    return;
  for (arena_chunk *c = a->head, *next; c; c = next) {
    next = c->next;
    free(c);
  }
  free(a);
}

static arena_chunk *arena_grow(arena *a, size_t need) {
  size_t size = need > ARENA_CHUNK ? need : ARENA_CHUNK;
  arena_chunk *c = arena_xmalloc(sizeof *c + size);
  c->used = 0;
  c->size = size;
  c->next = a->head;
  a->head = c;
  return c;
}

void *arena_alloc(arena *a, size_t size) {
  size = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
  if (size == 0)
    size = ARENA_ALIGN;
  arena_chunk *c = a->head;
  if (!c || c->size - c->used < size)
    c = arena_grow(a, size);
  void *p = c->data + c->used;
  c->used += size;
  memset(p, 0, size);
  return p;
}

char *arena_strndup(arena *a, const char *s, size_t len) {
  char *p = arena_alloc(a, len + 1);
  memcpy(p, s, len);
  p[len] = '\0';
  return p;
}

char *arena_strdup(arena *a, const char *s) { return arena_strndup(a, s, strlen(s)); }

char *arena_printf(arena *a, const char *fmt, ...) {
  va_list ap, ap2;
  va_start(ap, fmt);
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *p = arena_alloc(a, (size_t)(n < 0 ? 0 : n) + 1);
  if (n > 0)
    vsnprintf(p, (size_t)n + 1, fmt, ap2);
  va_end(ap2);
  return p;
}
