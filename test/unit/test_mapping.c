/* test_mapping.c: the task-mapping algebra against docs/language.md §6.
 *
 * Besides the worked examples, mappings are checked worker by worker
 * against a reference written here straight from the definitions: an atom
 * enumerates its grid with an odometer (no strides), and a composition is
 * evaluated recursively with the formula
 * f1 * f2 (w) = [t1 (*) d2 + t2 for t1 in f1(w / n2) for t2 in f2(w % n2)],
 * splitting the atom list in several places, which also checks that the
 * formula is associative. The reference allocates freely; it is small and
 * slow on purpose. */
#define _POSIX_C_SOURCE 200809L
#include "mapping.h"

#include <criterion/criterion.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* ---- building mappings ------------------------------------------------ */

static mapping make(map_kind kind, int rank, const int64_t *dims, const int *ranks) {
  mapping m;
  map_status s = map_atom_make(&m, kind, rank, dims, ranks);
  cr_assert_eq(s, MAP_OK, "map_atom_make: %s", map_status_message(s));
  return m;
}

static mapping compose(mapping a, mapping b) {
  mapping m;
  map_status s = map_compose(&m, &a, &b);
  cr_assert_eq(s, MAP_OK, "map_compose: %s", map_status_message(s));
  return m;
}

#define D(...) ((const int64_t[]){__VA_ARGS__})
#define R(...) ((const int[]){__VA_ARGS__})
#define SPATIAL2(a, b) make(MAP_SPATIAL, 2, D(a, b), NULL)
#define REPEAT2(a, b) make(MAP_REPEAT, 2, D(a, b), NULL)

static char *formatted(const mapping *m) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  map_format(f, m);
  fclose(f);
  return buf;
}

static char *explained(const mapping *m) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  map_explain(f, m);
  fclose(f);
  return buf;
}

static void assert_format(const mapping *m, const char *expected) {
  char *text = formatted(m);
  cr_assert_str_eq(text, expected);
  free(text);
}

/* Worker w's tasks, compared with a flat list of expected coordinates. */
static void assert_worker(const mapping *m, int64_t w, int64_t count, const int64_t *expected) {
  cr_assert_eq(map_tasks_per_worker(m), count);
  int64_t *got = calloc((size_t)(count * m->rank), sizeof *got);
  map_worker_tasks(m, w, got);
  for (int64_t i = 0; i < count * m->rank; i++)
    cr_assert_eq(got[i], expected[i], "worker %lld, value %lld: got %lld, want %lld",
                 (long long)w, (long long)i, (long long)got[i], (long long)expected[i]);
  free(got);
}

/* ---- the reference ---------------------------------------------------- */

typedef struct {
  int rank, natoms;
  map_kind kind[MAP_MAX_ATOMS];
  int64_t dims[MAP_MAX_ATOMS][MAP_MAX_RANK];
  int ranks[MAP_MAX_ATOMS][MAP_MAX_RANK];
} ref_mapping;

typedef struct {
  int64_t count;
  int64_t *coords; /* count * rank */
} task_list;

static ref_mapping ref_of(const mapping *m) {
  ref_mapping r;
  memset(&r, 0, sizeof r);
  r.rank = m->rank;
  r.natoms = m->natoms;
  for (int k = 0; k < m->natoms; k++) {
    r.kind[k] = m->atoms[k].kind;
    memcpy(r.dims[k], m->atoms[k].dims, sizeof r.dims[k]);
    memcpy(r.ranks[k], m->atoms[k].ranks, sizeof r.ranks[k]);
  }
  return r;
}

/* Every point of atom k's grid, the dimension of highest rank varying
 * fastest: an odometer whose last wheel is that dimension. */
static task_list ref_grid(const ref_mapping *r, int k) {
  int rank = r->rank;
  int order[MAP_MAX_RANK]; /* order[p] = the dimension of rank p */
  for (int i = 0; i < rank; i++)
    order[r->ranks[k][i]] = i;
  int64_t size = 1;
  for (int i = 0; i < rank; i++)
    size *= r->dims[k][i];
  cr_assert(size > 0 && rank > 0);
  task_list l = {size, calloc((size_t)size * (size_t)rank, sizeof(int64_t))};
  int64_t t[MAP_MAX_RANK] = {0};
  for (int64_t n = 0; n < size; n++) {
    memcpy(l.coords + n * rank, t, (size_t)rank * sizeof t[0]);
    for (int p = rank - 1; p >= 0; p--) {
      int i = order[p];
      if (++t[i] < r->dims[k][i])
        break;
      t[i] = 0;
    }
  }
  return l;
}

static int64_t ref_workers(const ref_mapping *r, int lo, int hi) {
  int64_t n = 1;
  for (int k = lo; k < hi; k++)
    if (r->kind[k] == MAP_SPATIAL)
      for (int i = 0; i < r->rank; i++)
        n *= r->dims[k][i];
  return n;
}

static int64_t ref_extent(const ref_mapping *r, int lo, int hi, int i) {
  int64_t d = 1;
  for (int k = lo; k < hi; k++)
    d *= r->dims[k][i];
  return d;
}

typedef enum { SPLIT_FIRST, SPLIT_LAST, SPLIT_MIDDLE } split_rule;

/* Tasks of worker w under atoms lo..hi-1, per the definitions. */
static task_list ref_tasks(const ref_mapping *r, int lo, int hi, int64_t w, split_rule split) {
  int rank = r->rank;
  if (hi - lo == 1) {
    task_list grid = ref_grid(r, lo);
    if (r->kind[lo] == MAP_REPEAT) {
      cr_assert_eq(w, 0);
      return grid;
    }
    task_list one = {1, calloc((size_t)rank, sizeof(int64_t))};
    memcpy(one.coords, grid.coords + w * rank, (size_t)rank * sizeof(int64_t));
    free(grid.coords);
    return one;
  }
  int mid = split == SPLIT_FIRST ? lo + 1 : split == SPLIT_LAST ? hi - 1 : (lo + hi) / 2;
  int64_t n2 = ref_workers(r, mid, hi);
  task_list l1 = ref_tasks(r, lo, mid, w / n2, split);
  task_list l2 = ref_tasks(r, mid, hi, w % n2, split);
  int64_t count = l1.count * l2.count;
  task_list out = {count, calloc((size_t)(count * rank), sizeof(int64_t))};
  int64_t n = 0;
  for (int64_t a = 0; a < l1.count; a++)
    for (int64_t b = 0; b < l2.count; b++, n++)
      for (int i = 0; i < rank; i++)
        out.coords[n * rank + i] =
            l1.coords[a * rank + i] * ref_extent(r, mid, hi, i) + l2.coords[b * rank + i];
  free(l1.coords);
  free(l2.coords);
  return out;
}

/* Shape, workers and every worker's list agree with the reference, however
 * the reference brackets the composition. */
static void check_against_reference(const mapping *m) {
  ref_mapping r = ref_of(m);
  cr_assert_eq(m->workers, ref_workers(&r, 0, r.natoms));
  for (int i = 0; i < m->rank; i++)
    cr_assert_eq(m->shape[i], ref_extent(&r, 0, r.natoms, i));
  int64_t count = map_tasks_per_worker(m);
  int64_t *got = calloc((size_t)(count * m->rank), sizeof *got);
  for (int64_t w = 0; w < m->workers; w++) {
    map_worker_tasks(m, w, got);
    for (split_rule split = SPLIT_FIRST; split <= SPLIT_MIDDLE; split++) {
      task_list want = ref_tasks(&r, 0, r.natoms, w, split);
      cr_assert_eq(want.count, count);
      cr_assert_eq(memcmp(got, want.coords, (size_t)(count * m->rank) * sizeof *got), 0,
                   "worker %lld differs from the reference (split %d)", (long long)w, split);
      free(want.coords);
    }
  }
  free(got);
}

/* Every task of the shape is owned exactly once, and map_owner inverts
 * map_worker_task. */
static void check_bijective(const mapping *m) {
  int64_t total = 1;
  for (int i = 0; i < m->rank; i++)
    total *= m->shape[i];
  cr_assert_eq(total, m->workers * map_tasks_per_worker(m));
  int *owned = calloc((size_t)total, sizeof *owned);
  int64_t task[MAP_MAX_RANK];
  for (int64_t w = 0; w < m->workers; w++) {
    for (int64_t j = 0; j < map_tasks_per_worker(m); j++) {
      map_worker_task(m, w, j, task);
      int64_t flat = 0;
      for (int i = 0; i < m->rank; i++) {
        cr_assert(task[i] >= 0 && task[i] < m->shape[i]);
        flat = flat * m->shape[i] + task[i];
      }
      owned[flat]++;
      int64_t ow, oj;
      cr_assert(map_owner(m, task, &ow, &oj));
      cr_assert_eq(ow, w);
      cr_assert_eq(oj, j);
    }
  }
  for (int64_t t = 0; t < total; t++)
    cr_assert_eq(owned[t], 1, "task %lld owned %d times", (long long)t, owned[t]);
  free(owned);
}

static void check_all(const mapping *m) {
  check_against_reference(m);
  check_bijective(m);
}

/* ---- the examples of docs/language.md §6.3 and §6.4 ------------------ */

Test(mapping, design_spatial_times_repeat) {
  mapping m = compose(SPATIAL2(4, 8), REPEAT2(2, 2));
  cr_assert_eq(m.rank, 2);
  cr_assert_eq(m.shape[0], 8);
  cr_assert_eq(m.shape[1], 16);
  cr_assert_eq(m.workers, 32);
  assert_worker(&m, 1, 4, D(0, 2, 0, 3, 1, 2, 1, 3));
  assert_worker(&m, 0, 4, D(0, 0, 0, 1, 1, 0, 1, 1));
  assert_worker(&m, 31, 4, D(6, 14, 6, 15, 7, 14, 7, 15));
  check_all(&m);
}

Test(mapping, design_repeat_times_spatial) {
  mapping m = compose(REPEAT2(2, 2), SPATIAL2(4, 8));
  cr_assert_eq(m.shape[0], 8);
  cr_assert_eq(m.shape[1], 16);
  cr_assert_eq(m.workers, 32);
  assert_worker(&m, 1, 4, D(0, 1, 0, 9, 4, 1, 4, 9));
  check_all(&m);
}

Test(mapping, design_auto_map) {
  mapping m;
  cr_assert_eq(map_auto(&m, 2, D(8, 96), 64, NULL), MAP_OK);
  assert_format(&m, "repeat(4, 3) * spatial(2, 32)");
  cr_assert_eq(m.workers, 64);
  check_all(&m);
}

/* ---- single atoms and ranks ------------------------------------------- */

Test(mapping, spatial_row_major) {
  mapping m = SPATIAL2(3, 4);
  cr_assert_eq(m.workers, 12);
  cr_assert_eq(map_tasks_per_worker(&m), 1);
  assert_worker(&m, 5, 1, D(1, 1));
  assert_worker(&m, 11, 1, D(2, 3));
  check_all(&m);
}

Test(mapping, repeat_row_major) {
  mapping m = REPEAT2(2, 3);
  cr_assert_eq(m.workers, 1);
  assert_worker(&m, 0, 6, D(0, 0, 0, 1, 0, 2, 1, 0, 1, 1, 1, 2));
  check_all(&m);
}

Test(mapping, column_spatial) {
  mapping m = make(MAP_SPATIAL, 2, D(4, 8), R(1, 0));
  /* dimension 0 varies fastest */
  assert_worker(&m, 1, 1, D(1, 0));
  assert_worker(&m, 5, 1, D(1, 1));
  assert_worker(&m, 31, 1, D(3, 7));
  int64_t strides[2];
  map_atom_strides(&m.atoms[0], 2, strides);
  cr_assert_eq(strides[0], 1);
  cr_assert_eq(strides[1], 4);
  check_all(&m);
}

Test(mapping, column_repeat) {
  mapping m = make(MAP_REPEAT, 2, D(2, 3), R(1, 0));
  assert_worker(&m, 0, 6, D(0, 0, 1, 0, 0, 1, 1, 1, 0, 2, 1, 2));
  check_all(&m);
}

Test(mapping, three_d_ranks_permutation) {
  /* ranks [2, 0, 1]: dim 0 fastest, then dim 2, dim 1 slowest;
   * strides (1, 8, 2). */
  mapping m = make(MAP_SPATIAL, 3, D(2, 3, 4), R(2, 0, 1));
  int64_t strides[3];
  map_atom_strides(&m.atoms[0], 3, strides);
  cr_assert_eq(strides[0], 1);
  cr_assert_eq(strides[1], 8);
  cr_assert_eq(strides[2], 2);
  assert_worker(&m, 1, 1, D(1, 0, 0));
  assert_worker(&m, 2, 1, D(0, 0, 1));
  assert_worker(&m, 5, 1, D(1, 0, 2));
  assert_worker(&m, 8, 1, D(0, 1, 0));
  check_all(&m);

  mapping r = make(MAP_REPEAT, 3, D(2, 3, 4), R(2, 0, 1));
  int64_t first[4 * 3] = {0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 1};
  int64_t *all = calloc(24 * 3, sizeof *all);
  map_worker_tasks(&r, 0, all);
  cr_assert_eq(memcmp(all, first, sizeof first), 0);
  free(all);
  check_all(&r);
}

Test(mapping, one_dimensional) {
  mapping m = compose(make(MAP_SPATIAL, 1, D(4), NULL), make(MAP_REPEAT, 1, D(3), NULL));
  cr_assert_eq(m.shape[0], 12);
  assert_worker(&m, 2, 3, D(6, 7, 8));
  m = compose(make(MAP_REPEAT, 1, D(3), NULL), make(MAP_SPATIAL, 1, D(4), NULL));
  assert_worker(&m, 2, 3, D(2, 6, 10));
  check_all(&m);
}

/* ---- longer compositions ---------------------------------------------- */

Test(mapping, three_factors) {
  mapping m = compose(compose(SPATIAL2(2, 3), REPEAT2(2, 1)),
                      make(MAP_SPATIAL, 2, D(2, 4), R(1, 0)));
  cr_assert_eq(m.natoms, 3);
  cr_assert_eq(m.shape[0], 8);
  cr_assert_eq(m.shape[1], 12);
  cr_assert_eq(m.workers, 48);
  /* by hand: worker 9 = 1 * 8 + 1; outer spatial worker 1 -> (0, 1),
   * repeat -> (0, 1) (1, 1), inner column_spatial worker 1 -> (1, 0);
   * (0,1)*(2,1)+(0,0) = (0,1), (1,1); then *(2,4)+(1,0) -> (1,4), (3,4). */
  assert_worker(&m, 9, 2, D(1, 4, 3, 4));
  check_all(&m);
}

Test(mapping, four_factors_mixed_ranks) {
  mapping m = compose(compose(REPEAT2(2, 2), SPATIAL2(2, 4)),
                      compose(make(MAP_REPEAT, 2, D(1, 3), R(1, 0)),
                              make(MAP_SPATIAL, 2, D(2, 2), R(1, 0))));
  cr_assert_eq(m.natoms, 4);
  cr_assert_eq(m.shape[0], 8);
  cr_assert_eq(m.shape[1], 48);
  cr_assert_eq(m.workers, 32);
  cr_assert_eq(map_tasks_per_worker(&m), 12);
  check_all(&m);
}

Test(mapping, four_factors_three_d) {
  mapping m = compose(compose(make(MAP_SPATIAL, 3, D(2, 1, 3), R(2, 0, 1)),
                              make(MAP_REPEAT, 3, D(1, 2, 2), R(0, 2, 1))),
                      compose(make(MAP_SPATIAL, 3, D(2, 2, 1), NULL),
                              make(MAP_REPEAT, 3, D(2, 1, 2), R(1, 2, 0))));
  cr_assert_eq(m.workers, 24);
  cr_assert_eq(map_tasks_per_worker(&m), 16);
  check_all(&m);
}

static void assert_same_mapping(const mapping *a, const mapping *b) {
  cr_assert_eq(a->rank, b->rank);
  cr_assert_eq(a->workers, b->workers);
  for (int i = 0; i < a->rank; i++)
    cr_assert_eq(a->shape[i], b->shape[i]);
  int64_t count = map_tasks_per_worker(a);
  cr_assert_eq(count, map_tasks_per_worker(b));
  int64_t *ta = calloc((size_t)(count * a->rank), sizeof *ta);
  int64_t *tb = calloc((size_t)(count * a->rank), sizeof *tb);
  for (int64_t w = 0; w < a->workers; w++) {
    map_worker_tasks(a, w, ta);
    map_worker_tasks(b, w, tb);
    cr_assert_eq(memcmp(ta, tb, (size_t)(count * a->rank) * sizeof *ta), 0, "worker %lld",
                 (long long)w);
  }
  free(ta);
  free(tb);
}

Test(mapping, associativity) {
  mapping a = make(MAP_SPATIAL, 2, D(2, 3), R(1, 0));
  mapping b = REPEAT2(2, 2);
  mapping c = SPATIAL2(4, 2);
  mapping d = make(MAP_REPEAT, 2, D(3, 1), R(1, 0));
  mapping left = compose(compose(a, b), c);
  mapping right = compose(a, compose(b, c));
  assert_same_mapping(&left, &right);
  cr_assert_eq(memcmp(&left, &right, sizeof left), 0, "both flatten to the same atom list");
  mapping l4 = compose(compose(compose(a, b), c), d);
  mapping r4 = compose(a, compose(b, compose(c, d)));
  mapping m4 = compose(compose(a, b), compose(c, d));
  assert_same_mapping(&l4, &r4);
  assert_same_mapping(&l4, &m4);
  check_all(&l4); /* the reference brackets it three ways */
}

Test(mapping, not_commutative) {
  mapping ab = compose(SPATIAL2(4, 8), REPEAT2(2, 2));
  mapping ba = compose(REPEAT2(2, 2), SPATIAL2(4, 8));
  int64_t t1[8], t2[8];
  map_worker_tasks(&ab, 1, t1);
  map_worker_tasks(&ba, 1, t2);
  cr_assert_neq(memcmp(t1, t2, sizeof t1), 0);
}

Test(mapping, compose_may_alias_its_inputs) {
  mapping m = SPATIAL2(4, 8);
  mapping r = REPEAT2(2, 2);
  cr_assert_eq(map_compose(&m, &m, &r), MAP_OK);
  assert_format(&m, "spatial(4, 8) * repeat(2, 2)");
  cr_assert_eq(map_compose(&m, &r, &m), MAP_OK);
  assert_format(&m, "repeat(2, 2) * spatial(4, 8) * repeat(2, 2)");
  check_all(&m);
}

Test(mapping, identity_atoms_keep_meaning) {
  mapping base = compose(SPATIAL2(4, 8), REPEAT2(2, 2));
  mapping padded = compose(compose(SPATIAL2(1, 1), base), REPEAT2(1, 1));
  cr_assert_eq(padded.natoms, 4);
  assert_format(&padded, "spatial(1, 1) * spatial(4, 8) * repeat(2, 2) * repeat(1, 1)");
  assert_same_mapping(&base, &padded);
}

Test(mapping, owner_outside_the_shape) {
  mapping m = compose(SPATIAL2(4, 8), REPEAT2(2, 2));
  int64_t w = 7, j = 7;
  cr_assert_not(map_owner(&m, D(8, 0), &w, &j));
  cr_assert_eq(w, -1);
  cr_assert_eq(j, -1);
  cr_assert_not(map_owner(&m, D(0, -1), &w, &j));
  cr_assert_not(map_owner(&m, D(0, 16), NULL, NULL));
  cr_assert(map_owner(&m, D(2, 5), &w, NULL));
  cr_assert_eq(w, 10);
}

/* ---- auto_map ----------------------------------------------------------- */

Test(mapping, auto_all_spatial_when_workers_equal_tasks) {
  mapping m;
  cr_assert_eq(map_auto(&m, 2, D(4, 8), 32, NULL), MAP_OK);
  assert_format(&m, "spatial(4, 8)");
  cr_assert_eq(m.natoms, 1);
  check_all(&m);
}

Test(mapping, auto_all_repeat_with_one_worker) {
  mapping m;
  cr_assert_eq(map_auto(&m, 2, D(4, 8), 1, NULL), MAP_OK);
  assert_format(&m, "repeat(4, 8)");
  cr_assert_eq(m.workers, 1);
  cr_assert_eq(map_auto(&m, 2, D(1, 1), 1, NULL), MAP_OK);
  assert_format(&m, "repeat(1, 1)");
  cr_assert_eq(map_tasks_per_worker(&m), 1);
}

Test(mapping, auto_column_major) {
  mapping m;
  /* dim 0 is fastest: gcd(64, 8) = 8, then gcd(8, 96) = 8 */
  cr_assert_eq(map_auto(&m, 2, D(8, 96), 64, R(1, 0)), MAP_OK);
  assert_format(&m, "repeat(1, 12, ranks=[1, 0]) * spatial(8, 8, ranks=[1, 0])");
  check_all(&m);
  cr_assert_eq(map_auto(&m, 3, D(4, 6, 2), 8, R(1, 2, 0)), MAP_OK);
  /* fastest dim 1 (6): s=2, then dim 0 (4): s=4, then dim 2: s=1 */
  assert_format(&m, "repeat(1, 3, 2, ranks=[1, 2, 0]) * spatial(4, 2, 1, ranks=[1, 2, 0])");
  check_all(&m);
}

Test(mapping, auto_non_multiple_is_an_error) {
  mapping m = SPATIAL2(2, 2);
  mapping before = m;
  cr_assert_eq(map_auto(&m, 2, D(3, 5), 2, NULL), MAP_ERR_NOT_MULTIPLE);
  cr_assert_eq(map_auto(&m, 2, D(4, 6), 16, NULL), MAP_ERR_NOT_MULTIPLE);
  cr_assert_eq(map_auto(&m, 1, D(7), 8, NULL), MAP_ERR_NOT_MULTIPLE);
  cr_assert_eq(memcmp(&m, &before, sizeof m), 0, "out is left alone on error");
  /* (2, 3) with 6 workers is fine: the gcd places 3 then 2. */
  cr_assert_eq(map_auto(&m, 2, D(2, 3), 6, NULL), MAP_OK);
  assert_format(&m, "spatial(2, 3)");
}

/* The gcd construction succeeds exactly when N divides the task count (see
 * the proof in mapping.c), and what it builds is a bijection onto dims. */
Test(mapping, auto_condition_is_divisibility) {
  for (int64_t a = 1; a <= 8; a++)
    for (int64_t b = 1; b <= 12; b++)
      for (int64_t n = 1; n <= 100; n++)
        for (int col = 0; col < 2; col++) {
          mapping m;
          map_status s = map_auto(&m, 2, D(a, b), n, col ? R(1, 0) : NULL);
          bool divides = (a * b) % n == 0;
          cr_assert_eq(s, divides ? MAP_OK : MAP_ERR_NOT_MULTIPLE, "(%lld, %lld) workers=%lld",
                       (long long)a, (long long)b, (long long)n);
          if (s != MAP_OK)
            continue;
          cr_assert_eq(m.workers, n);
          cr_assert_eq(m.shape[0], a);
          cr_assert_eq(m.shape[1], b);
          if (a * b <= 24)
            check_bijective(&m);
        }
}

/* ---- errors -------------------------------------------------------------- */

Test(mapping, error_statuses) {
  mapping m, one_d = make(MAP_SPATIAL, 1, D(4), NULL), two_d = SPATIAL2(2, 2);
  cr_assert_eq(map_compose(&m, &one_d, &two_d), MAP_ERR_RANK_MISMATCH);

  cr_assert_eq(map_atom_make(&m, MAP_SPATIAL, 2, D(2, 2), R(0, 0)), MAP_ERR_BAD_RANKS);
  cr_assert_eq(map_atom_make(&m, MAP_REPEAT, 2, D(2, 2), R(0, 2)), MAP_ERR_BAD_RANKS);
  cr_assert_eq(map_atom_make(&m, MAP_REPEAT, 2, D(2, 2), R(-1, 0)), MAP_ERR_BAD_RANKS);
  cr_assert_eq(map_auto(&m, 2, D(2, 2), 2, R(1, 1)), MAP_ERR_BAD_RANKS);

  cr_assert_eq(map_atom_make(&m, MAP_SPATIAL, 2, D(4, 0), NULL), MAP_ERR_NONPOSITIVE_EXTENT);
  cr_assert_eq(map_atom_make(&m, MAP_REPEAT, 2, D(-3, 2), NULL), MAP_ERR_NONPOSITIVE_EXTENT);
  cr_assert_eq(map_auto(&m, 1, D(0), 1, NULL), MAP_ERR_NONPOSITIVE_EXTENT);

  cr_assert_eq(map_auto(&m, 2, D(3, 5), 4, NULL), MAP_ERR_NOT_MULTIPLE);

  const int64_t nine[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
  cr_assert_eq(map_atom_make(&m, MAP_REPEAT, 9, nine, NULL), MAP_ERR_TOO_MANY_DIMS);
  cr_assert_eq(map_auto(&m, 9, nine, 1, NULL), MAP_ERR_TOO_MANY_DIMS);
  cr_assert_eq(map_atom_make(&m, MAP_REPEAT, 0, nine, NULL), MAP_ERR_NO_DIMS);

  mapping many = REPEAT2(1, 1);
  for (int k = 1; k < MAP_MAX_ATOMS; k++)
    many = compose(many, REPEAT2(1, 1));
  cr_assert_eq(many.natoms, MAP_MAX_ATOMS);
  mapping id = REPEAT2(1, 1);
  cr_assert_eq(map_compose(&m, &many, &id), MAP_ERR_TOO_MANY_ATOMS);

  /* 2^16 * 2^16 = 2^32 threads: more than CUDA can index. */
  cr_assert_eq(map_atom_make(&m, MAP_SPATIAL, 2, D(65536, 65536), NULL), MAP_ERR_OVERFLOW);
  /* 2^31 exactly is one too many. */
  cr_assert_eq(map_atom_make(&m, MAP_SPATIAL, 1, D(INT64_C(2147483648)), NULL), MAP_ERR_OVERFLOW);
  cr_assert_eq(map_atom_make(&m, MAP_SPATIAL, 1, D(INT64_C(2147483647)), NULL), MAP_OK);
  /* a repeat may be huge, as long as the task count fits int64 */
  cr_assert_eq(map_atom_make(&m, MAP_REPEAT, 2, D(INT64_C(1) << 32, INT64_C(1) << 30), NULL),
               MAP_OK);
  cr_assert_eq(map_atom_make(&m, MAP_REPEAT, 2, D(INT64_C(1) << 32, INT64_C(1) << 31), NULL),
               MAP_ERR_OVERFLOW, "2^63 is one past INT64_MAX");
  cr_assert_eq(map_atom_make(&m, MAP_REPEAT, 2, D(INT64_MAX, 2), NULL), MAP_ERR_OVERFLOW);
  /* composition: workers past 2^31-1, then a shape past int64 */
  mapping s16 = make(MAP_SPATIAL, 1, D(65536), NULL);
  cr_assert_eq(map_compose(&m, &s16, &s16), MAP_ERR_OVERFLOW);
  mapping r32 = make(MAP_REPEAT, 2, D(INT64_C(1) << 32, 1), NULL);
  mapping r32b = make(MAP_REPEAT, 2, D(1, INT64_C(1) << 32), NULL);
  cr_assert_eq(map_compose(&m, &r32, &r32b), MAP_ERR_OVERFLOW,
               "each entry fits, the total does not");
  mapping r33 = make(MAP_REPEAT, 1, D(INT64_C(1) << 33), NULL);
  mapping r31 = make(MAP_REPEAT, 1, D(INT64_C(1) << 31), NULL);
  cr_assert_eq(map_compose(&m, &r33, &r31), MAP_ERR_OVERFLOW);
  cr_assert_eq(map_auto(&m, 1, D(INT64_C(1) << 40), INT64_C(1) << 32, NULL), MAP_ERR_OVERFLOW);

  cr_assert_eq(map_auto(&m, 2, D(4, 8), 0, NULL), MAP_ERR_NONPOSITIVE_WORKERS);
  cr_assert_eq(map_auto(&m, 2, D(4, 8), -4, NULL), MAP_ERR_NONPOSITIVE_WORKERS);
}

Test(mapping, errors_leave_out_unchanged) {
  mapping m = SPATIAL2(4, 8), before = m;
  mapping one_d = make(MAP_SPATIAL, 1, D(4), NULL);
  cr_assert_neq(map_compose(&m, &one_d, &m), MAP_OK);
  cr_assert_neq(map_atom_make(&m, MAP_SPATIAL, 2, D(4, 0), NULL), MAP_OK);
  cr_assert_neq(map_auto(&m, 2, D(4, 8), 0, NULL), MAP_OK);
  cr_assert_eq(memcmp(&m, &before, sizeof m), 0);
}

Test(mapping, status_messages) {
  for (map_status s = MAP_OK; s <= MAP_ERR_NO_DIMS; s++) {
    const char *msg = map_status_message(s);
    cr_assert(msg && msg[0]);
    cr_assert(islower((unsigned char)msg[0]), "%s", msg);
    for (map_status t = MAP_OK; t < s; t++)
      cr_assert_str_neq(msg, map_status_message(t));
  }
}

Test(mapping, validate_ranks) {
  cr_assert(map_validate_ranks(3, R(2, 0, 1)));
  cr_assert(map_validate_ranks(1, R(0)));
  cr_assert_not(map_validate_ranks(3, R(2, 0, 0)));
  cr_assert_not(map_validate_ranks(2, R(1, 2)));
  cr_assert_not(map_validate_ranks(0, R(0)));
  cr_assert_not(map_validate_ranks(2, NULL));
}

/* ---- text ---------------------------------------------------------------- */

Test(mapping, format) {
  mapping m = compose(SPATIAL2(4, 8), REPEAT2(2, 2));
  assert_format(&m, "spatial(4, 8) * repeat(2, 2)");
  m = make(MAP_SPATIAL, 2, D(4, 8), R(1, 0));
  assert_format(&m, "spatial(4, 8, ranks=[1, 0])");
  m = compose(make(MAP_REPEAT, 3, D(2, 3, 4), R(2, 0, 1)), make(MAP_SPATIAL, 3, D(1, 2, 3), NULL));
  assert_format(&m, "repeat(2, 3, 4, ranks=[2, 0, 1]) * spatial(1, 2, 3)");
  m = make(MAP_REPEAT, 1, D(5), NULL);
  assert_format(&m, "repeat(5)");
}

static const char *const EXPLAIN_4x8_2x2 =
    "mapping: spatial(4, 8) * repeat(2, 2)\n"
    "task shape: [8, 16]\n"
    "workers: 32\n"
    "worker 0: (0, 0) (0, 1) (1, 0) (1, 1)\n"
    "worker 1: (0, 2) (0, 3) (1, 2) (1, 3)\n"
    "worker 2: (0, 4) (0, 5) (1, 4) (1, 5)\n";

Test(mapping, explain_design_example) {
  mapping m = compose(SPATIAL2(4, 8), REPEAT2(2, 2));
  char *text = explained(&m);
  cr_assert_eq(strncmp(text, EXPLAIN_4x8_2x2, strlen(EXPLAIN_4x8_2x2)), 0, "got:\n%s", text);
  cr_assert_not_null(strstr(text, "\nworker 31: (6, 14) (6, 15) (7, 14) (7, 15)\n"));
  cr_assert_null(strstr(text, "worker 32"));
  const char *grid = "\n\nowner grid:\n"
                     " 0  0  1  1  2  2  3  3  4  4  5  5  6  6  7  7\n"
                     " 0  0  1  1  2  2  3  3  4  4  5  5  6  6  7  7\n"
                     " 8  8  9  9 10 10 11 11 12 12 13 13 14 14 15 15\n";
  cr_assert_not_null(strstr(text, grid), "got:\n%s", text);
  const char *tail = "24 24 25 25 26 26 27 27 28 28 29 29 30 30 31 31\n";
  size_t len = strlen(text);
  cr_assert_str_eq(text + len - strlen(tail), tail);
  cr_assert_null(strstr(text, " \n"), "no trailing spaces");
  free(text);
}

Test(mapping, explain_whole_small_mapping) {
  mapping m = compose(make(MAP_SPATIAL, 2, D(2, 2), R(1, 0)), REPEAT2(1, 2));
  char *text = explained(&m);
  cr_assert_str_eq(text, "mapping: spatial(2, 2, ranks=[1, 0]) * repeat(1, 2)\n"
                         "task shape: [2, 4]\n"
                         "workers: 4\n"
                         "worker 0: (0, 0) (0, 1)\n"
                         "worker 1: (1, 0) (1, 1)\n"
                         "worker 2: (0, 2) (0, 3)\n"
                         "worker 3: (1, 2) (1, 3)\n"
                         "\n"
                         "owner grid:\n"
                         "0 0 2 2\n"
                         "1 1 3 3\n");
  free(text);
}

Test(mapping, explain_one_and_three_dimensions) {
  mapping m = compose(make(MAP_SPATIAL, 1, D(2), NULL), make(MAP_REPEAT, 1, D(2), NULL));
  char *text = explained(&m);
  cr_assert_str_eq(text, "mapping: spatial(2) * repeat(2)\n"
                         "task shape: [4]\n"
                         "workers: 2\n"
                         "worker 0: (0) (1)\n"
                         "worker 1: (2) (3)\n");
  free(text);
  m = make(MAP_SPATIAL, 3, D(1, 1, 2), NULL);
  text = explained(&m);
  cr_assert_str_eq(text, "mapping: spatial(1, 1, 2)\n"
                         "task shape: [1, 1, 2]\n"
                         "workers: 2\n"
                         "worker 0: (0, 0, 0)\n"
                         "worker 1: (0, 0, 1)\n");
  free(text);
}

Test(mapping, explain_omits_large_grids) {
  mapping m = compose(SPATIAL2(16, 16), REPEAT2(16, 1));
  cr_assert_eq(m.shape[0], 256);
  char *text = explained(&m);
  const char *omitted = "\n\nowner grid: omitted (larger than 128 x 128)\n";
  size_t len = strlen(text);
  cr_assert_str_eq(text + len - strlen(omitted), omitted);
  free(text);
  m = compose(SPATIAL2(8, 16), REPEAT2(16, 8)); /* exactly 128 x 128 is drawn */
  text = explained(&m);
  cr_assert_not_null(strstr(text, "\n\nowner grid:\n"));
  cr_assert_null(strstr(text, "omitted"));
  free(text);
}
