/* symtab.c: see symtab.h. */
#include "symtab.h"

#include <stdint.h>
#include <string.h>

typedef struct symtab_slot {
  const char *key; /* NULL: empty */
  void *value;
} symtab_slot;

struct symtab {
  arena *a;
  symtab_slot *slots;
  size_t cap; /* a power of two */
  size_t count;
};

enum { SYMTAB_INITIAL = 16 };

static uint64_t symtab_hash(const char *key) {
  uint64_t h = UINT64_C(14695981039346656037);
  for (const unsigned char *c = (const unsigned char *)key; *c; c++)
    h = (h ^ *c) * UINT64_C(1099511628211);
  return h;
}

symtab *symtab_new(arena *a) {
  symtab *t = arena_alloc(a, sizeof *t);
  t->a = a;
  t->cap = SYMTAB_INITIAL;
  t->slots = arena_alloc(a, t->cap * sizeof *t->slots);
  return t;
}

/* The slot holding key, or the empty slot where it would go. The table is
 * never more than half full, so the probe ends. */
static symtab_slot *symtab_find(const symtab *t, const char *key) {
  size_t mask = t->cap - 1;
  for (size_t i = symtab_hash(key) & mask;; i = (i + 1) & mask)
    if (!t->slots[i].key || strcmp(t->slots[i].key, key) == 0)
      return &t->slots[i];
}

void *symtab_get(const symtab *t, const char *key) { return symtab_find(t, key)->value; }

static void symtab_grow(symtab *t) {
  symtab_slot *old = t->slots;
  size_t old_cap = t->cap;
  t->cap *= 2;
  t->slots = arena_alloc(t->a, t->cap * sizeof *t->slots);
  for (size_t i = 0; i < old_cap; i++)
    if (old[i].key)
      *symtab_find(t, old[i].key) = old[i];
}

void symtab_put(symtab *t, const char *key, void *value) {
  symtab_slot *s = symtab_find(t, key);
  if (!s->key) {
    if (2 * (t->count + 1) > t->cap) {
      symtab_grow(t);
      s = symtab_find(t, key);
    }
    s->key = key;
    t->count++;
  }
  s->value = value;
}

size_t symtab_count(const symtab *t) { return t->count; }
