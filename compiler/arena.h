/* arena.h: one region allocator per compilation.
 *
 * Every AST node, string, type and IR node of one compilation lives in one
 * arena and dies with it, so no stage needs to free what it built and error
 * paths leak nothing. Allocation is a pointer bump inside chunks that are
 * chained together; a request larger than a chunk gets a chunk of its own. */
#ifndef HDT_ARENA_H
#define HDT_ARENA_H

#include <stddef.h>

typedef struct arena arena;

arena *arena_new(void);
void arena_free(arena *a);
/* Zeroed memory, aligned for any object; aborts when memory runs out. */
void *arena_alloc(arena *a, size_t size);
char *arena_strndup(arena *a, const char *s, size_t len);
char *arena_strdup(arena *a, const char *s);
/* printf into the arena. */
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
