/* builtins.c: the builtin table, built from builtins.def. */
#include "builtins.h"

#include <stddef.h>
#include <string.h>

static const builtin_info builtin_table[BI_COUNT] = {
#define BUILTIN(id, name, sig, flags, lowering, cuda, host, cap) \
  {BI_##id, name, sig, flags, lowering, cuda, host, cap},
#include "builtins.def"
#undef BUILTIN
};

const builtin_info *builtin_get(builtin_id id) {
  return (unsigned)id < BI_COUNT ? &builtin_table[id] : NULL;
}

/* A linear scan is enough: the table has a few dozen rows and sema looks
 * each name up once, when it builds the builtin scope. */
const builtin_info *builtin_find(const char *name) {
  for (int i = 0; i < BI_COUNT; i++)
    if (strcmp(builtin_table[i].name, name) == 0)
      return &builtin_table[i];
  return NULL;
}
