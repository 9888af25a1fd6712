/* fragment.h: tensor-core fragments (language.md §7, "Tensor cores").
 *
 * A fragment layout is a constant task mapping over the 32 lanes of a warp
 * that says which lane holds which element of an mma operand, and in which
 * of its registers: the PTX ISA's "Matrix Fragments for mma.m16n8k16 /
 * mma.m16n8k8" written as products of atoms. A fragment tensor is a local
 * tensor distributed by R * L, R a product of repeat atoms (the tiles) and
 * L a layout: the thread's array holds tile t's |L| registers at
 * [pos(t) * |L|, pos(t) * |L| + |L|), pos(t) the position of t in R's task
 * order (what a mapping's storage rule, language.md §6.7, gives). Sema, the
 * lowering and the host's expansion of mma and ldmatrix (ir_mma.c) share
 * these definitions. */
#ifndef HDT_FRAGMENT_H
#define HDT_FRAGMENT_H

#include <stdbool.h>
#include <stdint.h>

#include "builtins.h"
#include "mapping.h"

/* The operand kinds; the two accumulator layouts are one mapping. */
typedef enum { FRAG_K16_A, FRAG_K16_B, FRAG_C, FRAG_K8_A, FRAG_K8_B, FRAG_KINDS } frag_kind;

/* The layout a BS_LAYOUT builtin names. */
frag_kind frag_of_builtin(builtin_id id);
/* Its mapping (32 workers). */
void frag_layout(frag_kind k, mapping *out);
/* "mma_m16n8k16_a"...: the name programs write (FRAG_C: mma_m16n8k16_c). */
const char *frag_name(frag_kind k);

/* A distributing mapping split as R * L. */
typedef struct frag_split {
  frag_kind kind;
  int nrepeat;         /* atoms of R (all repeats) */
  int64_t tiles[2];    /* R's shape: tiles along each dimension */
  int64_t ntiles;      /* tiles[0] * tiles[1] */
  int64_t regs;        /* |L|: registers per tile */
} frag_split;

/* Is m R * L for a fragment layout L and repeat atoms R (none: one tile)? */
bool frag_split_mapping(const mapping *m, frag_split *out);

/* The coefficients of a tile's position in R: for a tile (t0, t1),
 * pos = sum over atoms k and dims i of ((t_i / div[k][i]) % mod[k][i]) *
 * mul[k][i], term j being dimension j % 2's; mod 0 means no modulo (the
 * outermost atom). The lowering builds it as an expression. */
typedef struct frag_pos_term {
  int64_t div, mod, mul;
} frag_pos_term;
/* Writes 2 * nrepeat terms; returns their count. */
int frag_position_terms(const mapping *m, const frag_split *sp, frag_pos_term *out);
/* pos(t) of a constant tile. */
int64_t frag_position(const mapping *m, const frag_split *sp, const int64_t tile[2]);

#endif
