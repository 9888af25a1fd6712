/* symtab.h: a string-keyed hash table in the compilation's arena.
 *
 * Name lookups were linear scans (sema's scopes, the lowering's unique-name
 * check), which made compile time quadratic in the number of declarations:
 * 8k kernels took 9 s, mostly strcmp. A symtab maps a name to a pointer in
 * O(1) expected time. Keys are not copied (they are arena strings that live
 * as long as the table); there is no removal, which no user needs: scopes
 * die whole with their function. Open addressing with linear probing, FNV-1a
 * hashes, at most half full; growing allocates a new array from the arena
 * (the old one stays there until the compilation ends, at most as much
 * again). */
#ifndef HDT_SYMTAB_H
#define HDT_SYMTAB_H

#include <stddef.h>

#include "arena.h"

typedef struct symtab symtab;

symtab *symtab_new(arena *a);
/* The value of key, or NULL. */
void *symtab_get(const symtab *t, const char *key);
/* Sets key to value (value not NULL), replacing an earlier value. */
void symtab_put(symtab *t, const char *key, void *value);
/* The number of keys. */
size_t symtab_count(const symtab *t);

#endif
