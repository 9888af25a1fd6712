/* fragment.c: the fragment layouts and the split of a fragment tensor's
 * mapping into tiles and a layout (fragment.h).
 *
 * Each layout is checked against the PTX ISA's figures (groupID = lane / 4,
 * threadID_in_group = lane % 4; test/lit/explain/fragment-*.test print
 * them): spatial(8, 4) gives lane l the task (groupID, threadID_in_group),
 * spatial(4, 8, ranks=[1, 0]) the task (threadID_in_group, groupID); a
 * repeat before it steps over the 8 x 8 (or 8 x 4) blocks in register
 * order, and a repeat after it gives a lane the pairs of consecutive
 * elements that share one 32-bit register. */
#include "fragment.h"

#include <string.h>

typedef struct frag_atom_spec {
  map_kind kind;
  int64_t d0, d1;
  bool column; /* ranks=[1, 0] */
} frag_atom_spec;

typedef struct frag_spec {
  const char *name;
  int natoms;
  frag_atom_spec atoms[3];
} frag_spec;

static const frag_spec frag_specs[FRAG_KINDS] = {
    /* a0..a7: (g, 2t + i%2), rows +8 for a2 a3 a6 a7, columns +8 for a4..a7 */
    [FRAG_K16_A] = {"mma_m16n8k16_a", 3, {{MAP_REPEAT, 2, 2, true}, {MAP_SPATIAL, 8, 4, false}, {MAP_REPEAT, 1, 2, false}}},
    /* b0..b3: (2t + i%2, g), rows +8 for b2 b3 */
    [FRAG_K16_B] = {"mma_m16n8k16_b", 3, {{MAP_REPEAT, 2, 1, false}, {MAP_SPATIAL, 4, 8, true}, {MAP_REPEAT, 2, 1, false}}},
    /* c0..c3: (g, 2t + i%2), rows +8 for c2 c3 (m16n8k8 too) */
    [FRAG_C] = {"mma_m16n8k16_c", 3, {{MAP_REPEAT, 2, 1, false}, {MAP_SPATIAL, 8, 4, false}, {MAP_REPEAT, 1, 2, false}}},
    /* tf32 a0..a3: (g, t), rows +8 for a1 a3, columns +4 for a2 a3 */
    [FRAG_K8_A] = {"mma_m16n8k8_a", 2, {{MAP_REPEAT, 2, 2, true}, {MAP_SPATIAL, 8, 4, false}}},
    /* tf32 b0 b1: (t, g), rows +4 for b1 */
    [FRAG_K8_B] = {"mma_m16n8k8_b", 2, {{MAP_REPEAT, 2, 1, false}, {MAP_SPATIAL, 4, 8, true}}},
};

frag_kind frag_of_builtin(builtin_id id) {
  switch (id) {
  case BI_MMA_M16N8K16_A: return FRAG_K16_A;
  case BI_MMA_M16N8K16_B: return FRAG_K16_B;
  case BI_MMA_M16N8K8_A: return FRAG_K8_A;
  case BI_MMA_M16N8K8_B: return FRAG_K8_B;
  default: return FRAG_C;
  }
}

const char *frag_name(frag_kind k) { return frag_specs[k].name; }

void frag_layout(frag_kind k, mapping *out) {
  const frag_spec *sp = &frag_specs[k];
  static const int column[2] = {1, 0};
  for (int i = 0; i < sp->natoms; i++) {
    const frag_atom_spec *a = &sp->atoms[i];
    int64_t dims[2] = {a->d0, a->d1};
    mapping atom;
    map_atom_make(&atom, a->kind, 2, dims, a->column ? column : NULL);
    if (i == 0)
      *out = atom;
    else
      map_compose(out, out, &atom);
  }
}

static bool frag_atoms_equal(const map_atom *a, const map_atom *b) {
  return a->kind == b->kind && memcmp(a->dims, b->dims, sizeof a->dims) == 0 &&
         memcmp(a->ranks, b->ranks, sizeof a->ranks) == 0;
}

bool frag_split_mapping(const mapping *m, frag_split *out) {
  if (m->rank != 2)
    return false;
  for (int k = 0; k < FRAG_KINDS; k++) {
    mapping l;
    frag_layout((frag_kind)k, &l);
    int nrep = m->natoms - l.natoms;
    if (nrep < 0)
      continue;
    bool same = true;
    for (int i = 0; i < l.natoms && same; i++)
      same = frag_atoms_equal(&m->atoms[nrep + i], &l.atoms[i]);
    for (int i = 0; i < nrep && same; i++)
      same = m->atoms[i].kind == MAP_REPEAT;
    if (!same)
      continue;
    out->kind = (frag_kind)k;
    out->nrepeat = nrep;
    out->tiles[0] = m->shape[0] / l.shape[0];
    out->tiles[1] = m->shape[1] / l.shape[1];
    out->ntiles = out->tiles[0] * out->tiles[1];
    out->regs = map_tasks_per_worker(&l);
    return true;
  }
  return false;
}

/* R's atoms, outermost first: atom k's local coordinate of tile t in dim i
 * is (t_i / (product of the later atoms' dims i)) % d_k[i], and its digit
 * (sum of coordinates times the atom's strides) is worth the product of
 * the later atoms' task counts, the layout's |L| counted separately. */
int frag_position_terms(const mapping *m, const frag_split *sp, frag_pos_term *out) {
  int n = 0;
  int64_t weight = 1;
  int64_t inner[2] = {1, 1};
  for (int k = sp->nrepeat - 1; k >= 0; k--) {
    const map_atom *a = &m->atoms[k];
    int64_t strides[MAP_MAX_RANK];
    map_atom_strides(a, 2, strides);
    for (int i = 0; i < 2; i++) /* the outermost atom needs no modulo */
      out[n++] = (frag_pos_term){inner[i], k == 0 ? 0 : a->dims[i], strides[i] * weight};
    weight *= a->dims[0] * a->dims[1];
    inner[0] *= a->dims[0];
    inner[1] *= a->dims[1];
  }
  return n;
}

int64_t frag_position(const mapping *m, const frag_split *sp, const int64_t tile[2]) {
  frag_pos_term terms[2 * MAP_MAX_ATOMS];
  int n = frag_position_terms(m, sp, terms);
  int64_t pos = 0;
  for (int j = 0; j < n; j++)
    pos += (terms[j].mod ? tile[j % 2] / terms[j].div % terms[j].mod : tile[j % 2] / terms[j].div) * terms[j].mul;
  return pos;
}
