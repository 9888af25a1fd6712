/* mapping.h: the task-mapping algebra (Hidet's spatial, repeat, composition,
 * auto_map), independent of the AST so sema, the lowering and the unit tests
 * share one definition. docs: docs/language.md §6, "Task mappings".
 *
 * Representation. A mapping is a product of atoms, each a spatial or a
 * repeat over the same number of task dimensions (the mapping's rank), with
 * a ranks permutation. Composition is associative, so a mapping is stored as
 * the flat list of its atoms, outermost first, rather than as a tree: the
 * lowering emits one index expression (spatial) or one loop nest (repeat)
 * per atom, and a worker's tasks are a mixed-radix walk over the list. The
 * struct has fixed-size arrays, so a mapping is a plain value: copy it,
 * return it, keep it in a constant, never free it. The bounds are generous
 * for GPU work (a CUDA block has at most 3 dimensions of threads; a useful
 * mapping has a handful of factors).
 *
 * Meaning, for worker w of a list a_0 * ... * a_{m-1}: w is split in mixed
 * radix over the atoms' worker counts (a_{m-1} least significant); task j of
 * its list is split likewise over the atoms' task counts (spatial: 1 task,
 * repeat: every task of its grid); atom k turns its digit into a local task
 * t_k by unflattening it with strides that follow ranks; and the task is
 * t = ((t_0 (*) d_1 + t_1) (*) d_2 + t_2) ..., element-wise. This is the
 * flattened form of f1 * f2 = [t1 (*) d2 + t2 for t1 in f1(w / n2)
 * for t2 in f2(w % n2)].
 *
 * Every function that builds a mapping returns a map_status and, on error,
 * leaves *out unchanged; out may alias an input. The other functions take a
 * mapping built by these functions. */
#ifndef HDT_MAPPING_H
#define HDT_MAPPING_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum {
  MAP_MAX_RANK = 8,   /* task dimensions */
  MAP_MAX_ATOMS = 16, /* factors of one mapping */
  /* map_explain draws the owner grid up to this many rows and columns. */
  MAP_EXPLAIN_GRID_MAX = 128,
  /* ... and lists at most this many workers, and this many tasks of each
   * (a large mapping would otherwise print gigabytes). */
  MAP_EXPLAIN_WORKERS_MAX = 256,
  MAP_EXPLAIN_TASKS_MAX = 64,
};
/* Worker ids must fit a CUDA thread or block index (a signed 32-bit int). */
#define MAP_MAX_WORKERS INT64_C(2147483647)

typedef enum { MAP_SPATIAL, MAP_REPEAT } map_kind;

typedef struct map_atom {
  map_kind kind;
  int64_t dims[MAP_MAX_RANK]; /* entries past the mapping's rank are 0 */
  /* ranks[i] = significance of dim i; the highest varies fastest. */
  int ranks[MAP_MAX_RANK];
} map_atom;

typedef struct mapping {
  int rank; /* number of task dimensions, the same for every atom */
  int natoms;
  map_atom atoms[MAP_MAX_ATOMS]; /* outermost first */
  int64_t shape[MAP_MAX_RANK];   /* element-wise product of the atoms' dims */
  int64_t workers; /* product of atom worker counts (spatial: prod dims; repeat: 1) */
} mapping;

typedef enum {
  MAP_OK,
  MAP_ERR_RANK_MISMATCH,      /* composing mappings of different ranks */
  MAP_ERR_BAD_RANKS,          /* ranks is not a permutation of 0..rank-1 */
  MAP_ERR_NONPOSITIVE_EXTENT, /* a dimension <= 0 */
  MAP_ERR_NOT_MULTIPLE,       /* auto_map: workers do not divide the task count */
  MAP_ERR_TOO_MANY_DIMS,      /* rank > MAP_MAX_RANK */
  MAP_ERR_TOO_MANY_ATOMS,     /* a composition of more than MAP_MAX_ATOMS atoms */
  MAP_ERR_OVERFLOW,           /* task count past INT64_MAX, workers past MAP_MAX_WORKERS */
  MAP_ERR_NONPOSITIVE_WORKERS, /* auto_map with workers <= 0 */
  MAP_ERR_NO_DIMS,            /* rank < 1 */
} map_status;

/* A lowercase phrase for a diagnostic, e.g. "task mapping ranks must be a
 * permutation of 0..k-1". Never NULL. */
const char *map_status_message(map_status s);

/* Is ranks a permutation of 0..rank-1 (with 1 <= rank <= MAP_MAX_RANK)? */
bool map_validate_ranks(int rank, const int *ranks);

/* A one-atom mapping: spatial(dims...) or repeat(dims...). ranks NULL means
 * row-major [0, 1, ..., rank-1]; column_spatial/column_repeat pass the
 * reverse. Errors, first that applies: NO_DIMS, TOO_MANY_DIMS,
 * NONPOSITIVE_EXTENT, BAD_RANKS, OVERFLOW. */
map_status map_atom_make(mapping *out, map_kind kind, int rank, const int64_t *dims,
                         const int *ranks);

/* outer * inner. The atom lists are concatenated as they are (an all-ones
 * atom is an identity but is kept: it is what the user wrote). Errors:
 * RANK_MISMATCH (different numbers of task dimensions; the ranks
 * permutations may differ), TOO_MANY_ATOMS, OVERFLOW. */
map_status map_compose(mapping *out, const mapping *outer, const mapping *inner);

/* auto_map(dims..., workers=N, ranks=...): repeat(r) * spatial(s) with, from
 * the fastest-varying dimension to the slowest, s[i] = gcd(remaining, d[i]),
 * r[i] = d[i] / s[i], remaining /= s[i], starting from remaining = N. Both
 * atoms take ranks (NULL: row-major). An all-ones atom is left out (pure
 * spatial when N is the task count, pure repeat when N is 1; repeat(1...)
 * when both are). Errors: those of map_atom_make, NONPOSITIVE_WORKERS,
 * OVERFLOW (N > MAP_MAX_WORKERS), NOT_MULTIPLE (remaining does not end at 1,
 * which happens exactly when N does not divide the task count; see
 * mapping.c). */
map_status map_auto(mapping *out, int rank, const int64_t *dims, int64_t workers,
                    const int *ranks);

/* Length of every worker's task list: the product of the repeat atoms' sizes. */
int64_t map_tasks_per_worker(const mapping *m);

/* Stride of each dimension of one atom when its grid is flattened: the
 * dimension with the highest rank has stride 1, the next-highest the extent
 * of that one, and so on. A spatial atom gives worker w the task
 * t[i] = (w / strides[i]) % dims[i]; a repeat enumerates the same order. */
void map_atom_strides(const map_atom *a, int rank, int64_t *strides);

/* Task j (0 <= j < map_tasks_per_worker) of worker w (0 <= w < workers):
 * writes rank coordinates. */
void map_worker_task(const mapping *m, int64_t w, int64_t j, int64_t *task);

/* Writes the tasks of worker w, in iteration order, as count*rank
 * coordinates into out (the caller gives room for
 * map_tasks_per_worker(m) * m->rank values). */
void map_worker_tasks(const mapping *m, int64_t w, int64_t *out);

/* Which worker owns task (rank coordinates), and at which position of its
 * list? Returns false, and -1 in both, for a task outside the shape. Every
 * mapping built here is a bijection from (worker, position) to the tasks of
 * its shape, so the answer is unique. worker or index may be NULL. */
bool map_owner(const mapping *m, const int64_t *task, int64_t *worker, int64_t *index);

/* Canonical text, e.g. "spatial(4, 8) * repeat(2, 2)"; an atom that is not
 * row-major gets ", ranks=[1, 0]" inside its parentheses. */
void map_format(FILE *f, const mapping *m);

/* What --explain-mapping prints:
 *   mapping: spatial(4, 8) * repeat(2, 2)
 *   task shape: [8, 16]
 *   workers: 32
 *   worker 0: (0, 0) (0, 1) (1, 0) (1, 1)
 *   ... one line per worker, tasks in iteration order ...
 * at most MAP_EXPLAIN_WORKERS_MAX worker lines, then "... N more workers not
 * listed"; a line lists at most MAP_EXPLAIN_TASKS_MAX tasks, then
 * " ... N more tasks";
 * and, for 2-D mappings, a blank line, "owner grid:" and one line per task
 * row whose cells are the owning workers, right-aligned to the width of the
 * largest worker id, separated by one space; over MAP_EXPLAIN_GRID_MAX rows
 * or columns the grid is replaced by
 * "owner grid: omitted (larger than 128 x 128)". */
void map_explain(FILE *f, const mapping *m);

#endif
