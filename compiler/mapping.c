/* mapping.c: the task-mapping algebra (see mapping.h for the representation).
 *
 * Everything is a mixed-radix computation over the flat atom list, so no
 * function allocates: a worker's j-th task is computed directly from (w, j),
 * and the owner of a task directly from its coordinates. That keeps
 * map_explain linear in the number of tasks even for large mappings.
 *
 * Overflow: map_atom_make and map_compose check that the total task count
 * (the product of the shape) fits int64_t and the worker count fits
 * MAP_MAX_WORKERS. Every other product computed here (a shape entry, an
 * atom's size, a stride, a worker's task count) divides the total task
 * count, so once a mapping is built no later arithmetic can overflow. */
#include "mapping.h"

#include <assert.h>
#include <inttypes.h>
#include <string.h>

/* a * b for positive a and b; false when it does not fit int64_t. */
static bool mul_positive(int64_t a, int64_t b, int64_t *out) {
  if (a > INT64_MAX / b)
    return false;
  *out = a * b;
  return true;
}

static int64_t gcd64(int64_t a, int64_t b) {
  while (b != 0) {
    int64_t r = a % b;
    a = b;
    b = r;
  }
  return a;
}

const char *map_status_message(map_status s) {
  switch (s) {
  case MAP_OK:
    return "ok";
  case MAP_ERR_RANK_MISMATCH:
    return "cannot compose task mappings with different numbers of dimensions";
  case MAP_ERR_BAD_RANKS:
    return "task mapping ranks must be a permutation of 0..k-1";
  case MAP_ERR_NONPOSITIVE_EXTENT:
    return "task mapping dimensions must be positive";
  case MAP_ERR_NOT_MULTIPLE:
    return "task count is not a multiple of the number of workers";
  case MAP_ERR_TOO_MANY_DIMS:
    return "task mapping has too many dimensions (at most 8)";
  case MAP_ERR_TOO_MANY_ATOMS:
    return "task mapping has too many factors (at most 16)";
  case MAP_ERR_OVERFLOW:
    return "task mapping is too large (more than 2^63-1 tasks or 2^31-1 workers)";
  case MAP_ERR_NONPOSITIVE_WORKERS:
    return "number of workers must be positive";
  case MAP_ERR_NO_DIMS:
    return "task mapping needs at least one dimension";
  }
  return "unknown task mapping error";
}

bool map_validate_ranks(int rank, const int *ranks) {
  if (rank < 1 || rank > MAP_MAX_RANK || !ranks)
    return false;
  bool seen[MAP_MAX_RANK] = {false};
  for (int i = 0; i < rank; i++) {
    if (ranks[i] < 0 || ranks[i] >= rank || seen[ranks[i]])
      return false;
    seen[ranks[i]] = true;
  }
  return true;
}

static map_status check_rank(int rank) {
  if (rank < 1)
    return MAP_ERR_NO_DIMS;
  if (rank > MAP_MAX_RANK)
    return MAP_ERR_TOO_MANY_DIMS;
  return MAP_OK;
}

/* Validates the extents and returns their product in *count. A bad extent
 * is reported before an overflow, since it is the more direct mistake. */
static map_status check_extents(int rank, const int64_t *dims, int64_t *count) {
  for (int i = 0; i < rank; i++)
    if (dims[i] <= 0)
      return MAP_ERR_NONPOSITIVE_EXTENT;
  int64_t product = 1;
  for (int i = 0; i < rank; i++)
    if (!mul_positive(product, dims[i], &product))
      return MAP_ERR_OVERFLOW;
  *count = product;
  return MAP_OK;
}

/* ranks, or row-major [0, 1, ..., rank-1] when NULL, copied into out. */
static map_status resolve_ranks(int rank, const int *ranks, int *out) {
  if (ranks && !map_validate_ranks(rank, ranks))
    return MAP_ERR_BAD_RANKS;
  for (int i = 0; i < rank; i++)
    out[i] = ranks ? ranks[i] : i;
  return MAP_OK;
}

static bool is_row_major(const map_atom *a, int rank) {
  for (int i = 0; i < rank; i++)
    if (a->ranks[i] != i)
      return false;
  return true;
}

static int64_t atom_size(const map_atom *a, int rank) {
  int64_t size = 1;
  for (int i = 0; i < rank; i++)
    size *= a->dims[i];
  return size;
}

static int64_t atom_workers(const map_atom *a, int rank) {
  return a->kind == MAP_SPATIAL ? atom_size(a, rank) : 1;
}

static int64_t atom_tasks(const map_atom *a, int rank) {
  return a->kind == MAP_REPEAT ? atom_size(a, rank) : 1;
}

static bool atom_is_identity(const map_atom *a, int rank) { return atom_size(a, rank) == 1; }

void map_atom_strides(const map_atom *a, int rank, int64_t *strides) {
  for (int i = 0; i < rank; i++) {
    int64_t stride = 1;
    for (int j = 0; j < rank; j++)
      if (a->ranks[j] > a->ranks[i])
        stride *= a->dims[j];
    strides[i] = stride;
  }
}

/* Position `flat` of the atom's grid in its iteration order -> local task. */
static void atom_unflatten(const map_atom *a, int rank, int64_t flat, int64_t *t) {
  int64_t strides[MAP_MAX_RANK];
  map_atom_strides(a, rank, strides);
  for (int i = 0; i < rank; i++)
    t[i] = (flat / strides[i]) % a->dims[i];
}

static int64_t atom_flatten(const map_atom *a, int rank, const int64_t *t) {
  int64_t strides[MAP_MAX_RANK];
  map_atom_strides(a, rank, strides);
  int64_t flat = 0;
  for (int i = 0; i < rank; i++)
    flat += t[i] * strides[i];
  return flat;
}

/* What every constructor checks first, in this order: the rank, the
 * extents (and their product, the task count), then the ranks permutation. */
static map_status check_dims_and_ranks(int rank, const int64_t *dims, const int *ranks,
                                       int64_t *count, int *resolved) {
  map_status s = check_rank(rank);
  if (s == MAP_OK)
    s = check_extents(rank, dims, count);
  if (s == MAP_OK)
    s = resolve_ranks(rank, ranks, resolved);
  return s;
}

map_status map_atom_make(mapping *out, map_kind kind, int rank, const int64_t *dims,
                         const int *ranks) {
  int64_t count = 0;
  int resolved[MAP_MAX_RANK];
  map_status s = check_dims_and_ranks(rank, dims, ranks, &count, resolved);
  if (s == MAP_OK && kind == MAP_SPATIAL && count > MAP_MAX_WORKERS)
    s = MAP_ERR_OVERFLOW;
  if (s != MAP_OK)
    return s;

  /* Zero everything first so that unused entries compare equal. */
  mapping m;
  memset(&m, 0, sizeof m);
  m.rank = rank;
  m.natoms = 1;
  m.atoms[0].kind = kind;
  for (int i = 0; i < rank; i++) {
    m.atoms[0].dims[i] = dims[i];
    m.atoms[0].ranks[i] = resolved[i];
    m.shape[i] = dims[i];
  }
  m.workers = kind == MAP_SPATIAL ? count : 1;
  *out = m;
  return MAP_OK;
}

map_status map_compose(mapping *out, const mapping *outer, const mapping *inner) {
  if (outer->rank != inner->rank)
    return MAP_ERR_RANK_MISMATCH;
  if (outer->natoms + inner->natoms > MAP_MAX_ATOMS)
    return MAP_ERR_TOO_MANY_ATOMS;
  int rank = outer->rank;

  mapping m;
  memset(&m, 0, sizeof m);
  m.rank = rank;
  if (!mul_positive(outer->workers, inner->workers, &m.workers) || m.workers > MAP_MAX_WORKERS)
    return MAP_ERR_OVERFLOW;
  for (int i = 0; i < rank; i++)
    if (!mul_positive(outer->shape[i], inner->shape[i], &m.shape[i]))
      return MAP_ERR_OVERFLOW;
  int64_t total;
  if (check_extents(rank, m.shape, &total) != MAP_OK)
    return MAP_ERR_OVERFLOW;

  /* Built in a local so that out may alias outer or inner. */
  m.natoms = outer->natoms + inner->natoms;
  memcpy(m.atoms, outer->atoms, (size_t)outer->natoms * sizeof m.atoms[0]);
  memcpy(m.atoms + outer->natoms, inner->atoms, (size_t)inner->natoms * sizeof m.atoms[0]);
  *out = m;
  return MAP_OK;
}

/* Why "remaining ends at 1" is the same condition as "N divides the task
 * count": gcd takes, for every prime p, the smaller of the exponents of p in
 * remaining and in d[i]. So for each prime independently the loop removes
 * from N as many factors p as the dimensions hold, greedily, until N has
 * none left or the dimensions are exhausted: remaining keeps p exactly when
 * v_p(N) > sum_i v_p(d[i]) = v_p(prod d). Hence remaining == 1 iff
 * v_p(N) <= v_p(prod d) for every p, i.e. iff N | prod d. (dims (2, 3) with
 * N = 6, for instance, works: s = (2, 3).) The code tests remaining, which
 * is what the construction needs, and the unit test checks the equivalence
 * exhaustively on small cases. */
map_status map_auto(mapping *out, int rank, const int64_t *dims, int64_t workers,
                    const int *ranks) {
  int64_t count = 0;
  int resolved[MAP_MAX_RANK];
  map_status s = check_dims_and_ranks(rank, dims, ranks, &count, resolved);
  if (s == MAP_OK && workers <= 0)
    s = MAP_ERR_NONPOSITIVE_WORKERS;
  if (s == MAP_OK && workers > MAP_MAX_WORKERS)
    s = MAP_ERR_OVERFLOW;
  if (s != MAP_OK)
    return s;

  int64_t spatial_dims[MAP_MAX_RANK], repeat_dims[MAP_MAX_RANK];
  int64_t remaining = workers;
  for (int r = rank - 1; r >= 0; r--) { /* fastest-varying dimension first */
    int i = 0;
    while (resolved[i] != r)
      i++;
    spatial_dims[i] = gcd64(remaining, dims[i]);
    repeat_dims[i] = dims[i] / spatial_dims[i];
    remaining /= spatial_dims[i];
  }
  if (remaining != 1)
    return MAP_ERR_NOT_MULTIPLE;

  /* Neither can fail: their extents divide dims and the spatial's product
   * is N. */
  mapping rep = {0}, spa = {0}; /* zeroed: gcc -O3 cannot see that both are set */
  map_atom_make(&rep, MAP_REPEAT, rank, repeat_dims, resolved);
  map_atom_make(&spa, MAP_SPATIAL, rank, spatial_dims, resolved);
  if (atom_is_identity(&spa.atoms[0], rank))
    *out = rep;
  else if (atom_is_identity(&rep.atoms[0], rank))
    *out = spa;
  else
    return map_compose(out, &rep, &spa);
  return MAP_OK;
}

int64_t map_tasks_per_worker(const mapping *m) {
  int64_t tasks = 1;
  for (int k = 0; k < m->natoms; k++)
    tasks *= atom_tasks(&m->atoms[k], m->rank);
  return tasks;
}

void map_worker_task(const mapping *m, int64_t w, int64_t j, int64_t *task) {
  assert(w >= 0 && w < m->workers);
  assert(j >= 0 && j < map_tasks_per_worker(m));
  /* Digits come out innermost atom first; coordinates are built outermost
   * first, so collect the digits before using them. */
  int64_t digits[MAP_MAX_ATOMS];
  for (int k = m->natoms - 1; k >= 0; k--) {
    const map_atom *a = &m->atoms[k];
    if (a->kind == MAP_SPATIAL) {
      int64_t n = atom_workers(a, m->rank);
      digits[k] = w % n;
      w /= n;
    } else {
      int64_t c = atom_tasks(a, m->rank);
      digits[k] = j % c;
      j /= c;
    }
  }
  for (int i = 0; i < m->rank; i++)
    task[i] = 0;
  for (int k = 0; k < m->natoms; k++) {
    const map_atom *a = &m->atoms[k];
    int64_t local[MAP_MAX_RANK];
    atom_unflatten(a, m->rank, digits[k], local);
    for (int i = 0; i < m->rank; i++)
      task[i] = task[i] * a->dims[i] + local[i];
  }
}

void map_worker_tasks(const mapping *m, int64_t w, int64_t *out) {
  int64_t count = map_tasks_per_worker(m);
  for (int64_t j = 0; j < count; j++)
    map_worker_task(m, w, j, out + j * m->rank);
}

bool map_owner(const mapping *m, const int64_t *task, int64_t *worker, int64_t *index) {
  int64_t w = -1, j = -1;
  bool inside = true;
  for (int i = 0; i < m->rank; i++)
    if (task[i] < 0 || task[i] >= m->shape[i])
      inside = false;
  if (inside) {
    /* Peel each atom's local task off the coordinates, innermost first. */
    int64_t rest[MAP_MAX_RANK], digits[MAP_MAX_ATOMS];
    memcpy(rest, task, (size_t)m->rank * sizeof rest[0]);
    for (int k = m->natoms - 1; k >= 0; k--) {
      const map_atom *a = &m->atoms[k];
      int64_t local[MAP_MAX_RANK];
      for (int i = 0; i < m->rank; i++) {
        local[i] = rest[i] % a->dims[i];
        rest[i] /= a->dims[i];
      }
      digits[k] = atom_flatten(a, m->rank, local);
    }
    /* Then reassemble the worker and position digits, outermost first. */
    w = 0;
    j = 0;
    for (int k = 0; k < m->natoms; k++) {
      const map_atom *a = &m->atoms[k];
      bool spatial = a->kind == MAP_SPATIAL;
      w = w * atom_workers(a, m->rank) + (spatial ? digits[k] : 0);
      j = j * atom_tasks(a, m->rank) + (spatial ? 0 : digits[k]);
    }
  }
  if (worker)
    *worker = w;
  if (index)
    *index = j;
  return inside;
}

/* "a, b, c" */
static void print_list(FILE *f, int n, const int64_t *values) {
  for (int i = 0; i < n; i++)
    fprintf(f, "%s%" PRId64, i ? ", " : "", values[i]);
}

static void print_atom(FILE *f, const map_atom *a, int rank) {
  fprintf(f, "%s(", a->kind == MAP_SPATIAL ? "spatial" : "repeat");
  print_list(f, rank, a->dims);
  if (!is_row_major(a, rank)) {
    fputs(", ranks=[", f);
    for (int i = 0; i < rank; i++)
      fprintf(f, "%s%d", i ? ", " : "", a->ranks[i]);
    fputc(']', f);
  }
  fputc(')', f);
}

void map_format(FILE *f, const mapping *m) {
  for (int k = 0; k < m->natoms; k++) {
    if (k > 0)
      fputs(" * ", f);
    print_atom(f, &m->atoms[k], m->rank);
  }
}

static int decimal_width(int64_t v) {
  int width = 1;
  for (; v >= 10; v /= 10)
    width++;
  return width;
}

/* Capped (see MAP_EXPLAIN_WORKERS_MAX): the output stays a few hundred
 * kilobytes at most, whatever the mapping's size, and says what it left out. */
static void explain_workers(FILE *f, const mapping *m) {
  int64_t count = map_tasks_per_worker(m);
  int64_t listed = count < MAP_EXPLAIN_TASKS_MAX ? count : MAP_EXPLAIN_TASKS_MAX;
  int64_t workers = m->workers < MAP_EXPLAIN_WORKERS_MAX ? m->workers : MAP_EXPLAIN_WORKERS_MAX;
  int64_t task[MAP_MAX_RANK];
  for (int64_t w = 0; w < workers; w++) {
    fprintf(f, "worker %" PRId64 ":", w);
    for (int64_t j = 0; j < listed; j++) {
      map_worker_task(m, w, j, task);
      fputs(" (", f);
      print_list(f, m->rank, task);
      fputc(')', f);
    }
    if (listed < count)
      fprintf(f, " ... %" PRId64 " more tasks", count - listed);
    fputc('\n', f);
  }
  if (workers < m->workers)
    fprintf(f, "... %" PRId64 " more workers not listed\n", m->workers - workers);
}

/* Each cell asks map_owner, which costs O(atoms * rank): linear in the
 * grid's size and no allocation. */
static void explain_owner_grid(FILE *f, const mapping *m) {
  if (m->shape[0] > MAP_EXPLAIN_GRID_MAX || m->shape[1] > MAP_EXPLAIN_GRID_MAX) {
    fprintf(f, "owner grid: omitted (larger than %d x %d)\n", MAP_EXPLAIN_GRID_MAX,
            MAP_EXPLAIN_GRID_MAX);
    return;
  }
  fputs("owner grid:\n", f);
  int width = decimal_width(m->workers - 1);
  for (int64_t r = 0; r < m->shape[0]; r++) {
    for (int64_t c = 0; c < m->shape[1]; c++) {
      int64_t task[2] = {r, c}, w;
      map_owner(m, task, &w, NULL);
      fprintf(f, "%s%*" PRId64, c ? " " : "", width, w);
    }
    fputc('\n', f);
  }
}

void map_explain(FILE *f, const mapping *m) {
  fputs("mapping: ", f);
  map_format(f, m);
  fputs("\ntask shape: [", f);
  print_list(f, m->rank, m->shape);
  fprintf(f, "]\nworkers: %" PRId64 "\n", m->workers);
  explain_workers(f, m);
  if (m->rank == 2) {
    fputc('\n', f);
    explain_owner_grid(f, m);
  }
}
