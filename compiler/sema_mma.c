/* sema_mma.c: the tensor-core builtins (language.md §7, "Tensor cores"):
 * the fragment layout names, mma and ldmatrix.
 *
 * mma and ldmatrix take *tiles*: `acc[mi, ni]`, as their argument, names
 * the tile (mi, ni) of a fragment tensor (fragment.h), not an element, so
 * these arguments are checked here rather than by sema_index, which would
 * ask for the variables of a mapping loop. Everything a fragment needs to
 * be is checked at the call, with the message naming what was expected:
 * the layout (which says the operand and the shape), the element type, and
 * a constant tile against the tensor's tiles. */
#include "sema_impl.h"

#include <stdio.h>
#include <string.h>

#include "fragment.h"

static type *sm_set(ast_node *n, type *t) {
  n->ty = t;
  return t;
}

/* mma_m16n8k16_a and the other layout names: constant task mappings. */
type *sema_layout_name(sema *s, ast_node *n) {
  mapping m;
  frag_layout(frag_of_builtin((builtin_id)n->sym->builtin), &m);
  n->cval = value_mapping(s, &m);
  return sm_set(n, type_scalar(TY_MAPPING));
}

/* A checked tile argument. */
typedef struct sm_tile {
  symbol *sym;
  frag_split sp;
  bool constant;    /* its indices are constants (or it is the only tile) */
  int64_t tile[2];
  int64_t pos;      /* the tile's position in R when constant */
} sm_tile;

/* "'acc' (f16 by mma_m16n8k16_a)", for messages. */
static const char *sm_describe(sema *s, const sm_tile *t) {
  return arena_printf(s->a, "'%s' (%s by %s)", t->sym->name, type_name(s->a, t->sym->ty->elem),
                      frag_name(t->sp.kind));
}

static bool sm_tile_indices(sema *s, ast_node *arg, const char *fname, sm_tile *t) {
  const ast_list *ix = &arg->index.indices;
  if (ix->len != 2) {
    diag_error(s->d, arg->span, "%s() names a tile of '%s' by 2 indices (its row and column of tiles), not %d",
               fname, t->sym->name, ix->len);
    return false;
  }
  t->constant = true;
  for (int i = 0; i < 2; i++) {
    ast_node *e = ix->items[i];
    type *it = sema_expr(s, e, type_scalar(TY_I32));
    if (sema_is_error(it))
      return false;
    if (!type_is_int(it)) {
      diag_error(s->d, e->span, "a tile index must be an integer, not %s", type_name(s->a, it));
      return false;
    }
    sema_coerce(s, e, type_scalar(TY_I32), "tile index");
    if (!e->cval || e->cval->kind != VAL_INT) {
      t->constant = false;
      continue;
    }
    t->tile[i] = e->cval->i;
    if (s->dead) /* never runs: the tiles may be another instance's */
      t->tile[i] = 0;
    else if (t->tile[i] < 0 || t->tile[i] >= t->sp.tiles[i]) {
      diag_error(s->d, e->span, "tile index %lld is out of range: '%s' has %lld tile%s along dimension %d",
                 (long long)t->tile[i], t->sym->name, (long long)t->sp.tiles[i], t->sp.tiles[i] == 1 ? "" : "s", i);
      return false;
    }
  }
  return true;
}

/* A tile argument: NAME or NAME[mi, ni], NAME a local tensor distributed
 * by R * L. */
static bool sm_tile_arg(sema *s, ast_node *arg, const char *fname, const char *role, sm_tile *t) {
  ast_node *base = arg->kind == AST_INDEX ? arg->index.base : arg;
  memset(t, 0, sizeof *t);
  if (base->kind != AST_NAME) {
    diag_error(s->d, arg->span, "%s() takes %s as a tile of a fragment tensor: NAME or NAME[mi, ni]", fname, role);
    return false;
  }
  type *bt = sema_expr(s, base, NULL);
  if (sema_is_error(bt))
    return false;
  t->sym = base->sym;
  if (bt->kind != TY_TENSOR || !t->sym || t->sym->kind != SYM_LOCAL || !t->sym->dist) {
    diag_error(s->d, arg->span, "%s() takes %s as a tile of a local tensor distributed by a fragment layout "
               "(local t: T[...] by repeat(...) * mma_m16n8k16_a)", fname, role);
    return false;
  }
  if (!frag_split_mapping(t->sym->dist, &t->sp)) {
    diag_error(s->d, arg->span, "'%s' is not distributed by a fragment layout: its mapping must be repeat "
               "atoms times mma_m16n8k16_a, _b, _c, mma_m16n8k8_a, _b or _c", t->sym->name);
    diag_note(s->d, t->sym->decl->span, "'%s' is declared here", t->sym->name);
    return false;
  }
  if (arg->kind == AST_INDEX) {
    if (!sm_tile_indices(s, arg, fname, t))
      return false;
  } else if (t->sp.ntiles > 1) {
    diag_error(s->d, arg->span, "'%s' holds %lld tiles; name one as %s[mi, ni]", t->sym->name,
               (long long)t->sp.ntiles, t->sym->name);
    return false;
  } else {
    t->constant = true;
  }
  if (t->constant)
    t->pos = frag_position(t->sym->dist, &t->sp, t->tile);
  sm_set(arg, bt->elem);
  return true;
}

static bool sm_is_half(const type *t) { return t->kind == TY_F16 || t->kind == TY_BF16; }

static bool sm_no_keywords(sema *s, ast_node *n, const char *fname) {
  for (int i = 0; i < n->call.args.len; i++)
    if (n->call.args.items[i]->kind == AST_KWARG) {
      diag_error(s->d, n->call.args.items[i]->span, "%s() has no keyword argument '%s'", fname,
                 n->call.args.items[i]->kwarg.name);
      return false;
    }
  return true;
}

/* The operand types of the two shapes: k16 multiplies f16 or bf16, k8
 * multiplies tf32 given as f32; both accumulate in f32. */
static bool sm_mma_types(sema *s, ast_node *n, const sm_tile *a, const sm_tile *b) {
  type *at = a->sym->ty->elem, *bt = b->sym->ty->elem;
  const char *an = type_name(s->a, at), *bn = type_name(s->a, bt);
  if (a->sp.kind == FRAG_K16_A && !sm_is_half(at)) {
    diag_error(s->d, n->call.args.items[1]->span, "mma.m16n8k16 multiplies f16 or bf16, not %s", an);
    return false;
  }
  if (a->sp.kind == FRAG_K8_A && at->kind != TY_F32) {
    diag_error(s->d, n->call.args.items[1]->span, "mma.m16n8k8 multiplies tf32, given as f32, not %s", an);
    return false;
  }
  if (at != bt) {
    diag_error(s->d, n->call.args.items[2]->span, "mma() takes a and b of one type: a is %s, b is %s", an, bn);
    return false;
  }
  return true;
}

/* mma(c, a, b): c += a * b for one m16n8k16 or m16n8k8 tile. */
type *sema_mma(sema *s, ast_node *n, const char *fname) {
  if (!sm_no_keywords(s, n, fname) || !sema_arity(s, n, fname, n->call.args.len, 3, 3))
    return sm_set(n, sema_error_type());
  ast_node **args = n->call.args.items;
  sm_tile c, a, b;
  if (!sm_tile_arg(s, args[0], fname, "the accumulator c", &c) || !sm_tile_arg(s, args[1], fname, "a", &a) ||
      !sm_tile_arg(s, args[2], fname, "b", &b))
    return sm_set(n, sema_error_type());
  if (c.sp.kind != FRAG_C || c.sym->ty->elem->kind != TY_F32) {
    diag_error(s->d, args[0]->span, "mma() accumulates into an f32 tile of mma_m16n8k16_c (or mma_m16n8k8_c), "
               "not a tile of %s", sm_describe(s, &c));
    return sm_set(n, sema_error_type());
  }
  if (a.sp.kind != FRAG_K16_A && a.sp.kind != FRAG_K8_A) {
    diag_error(s->d, args[1]->span, "mma() takes a as a tile of mma_m16n8k16_a (f16 or bf16) or mma_m16n8k8_a "
               "(f32, as tf32), not of %s", sm_describe(s, &a));
    return sm_set(n, sema_error_type());
  }
  frag_kind want_b = a.sp.kind == FRAG_K16_A ? FRAG_K16_B : FRAG_K8_B;
  if (b.sp.kind != want_b) {
    diag_error(s->d, args[2]->span, "mma() with a of %s takes b as a tile of %s, not of %s", frag_name(a.sp.kind),
               frag_name(want_b), sm_describe(s, &b));
    return sm_set(n, sema_error_type());
  }
  if (!sm_mma_types(s, n, &a, &b))
    return sm_set(n, sema_error_type());
  sema_mark_written(args[0]);
  return sm_set(n, type_scalar(TY_VOID));
}

/* ldmatrix's keyword arguments, constants: num= (1, 2, 4), trans= (bool). */
static bool sm_ldmatrix_keywords(sema *s, ast_node *n, const char *fname, ast_node **pos, int *npos,
                                 ast_node **num, ast_node **trans) {
  *npos = 0;
  for (int i = 0; i < n->call.args.len; i++) {
    ast_node *a = n->call.args.items[i];
    if (a->kind != AST_KWARG) {
      if (*npos < 2)
        pos[*npos] = a;
      ++*npos;
      continue;
    }
    bool is_num = strcmp(a->kwarg.name, "num") == 0;
    if (!is_num && strcmp(a->kwarg.name, "trans") != 0) {
      diag_error(s->d, a->span, "%s() has no keyword argument '%s' (it takes num= and trans=)", fname, a->kwarg.name);
      return false;
    }
    ast_node **slot = is_num ? num : trans;
    if (*slot) {
      diag_error(s->d, a->span, "keyword argument '%s' given twice", a->kwarg.name);
      return false;
    }
    *slot = a->kwarg.value;
    value *v = sema_const_expr(s, *slot, type_scalar(is_num ? TY_I32 : TY_BOOL),
                               is_num ? "ldmatrix()'s num=" : "ldmatrix()'s trans=");
    if (!v)
      return false;
    if (is_num && (v->kind != VAL_INT || (v->i != 1 && v->i != 2 && v->i != 4))) {
      diag_error(s->d, (*slot)->span, "%s() loads num=1, 2 or 4 matrices of 8 x 8, not %s", fname,
                 v->kind == VAL_INT ? arena_printf(s->a, "%lld", (long long)v->i) : "a non-integer");
      return false;
    }
    if (!is_num && v->kind != VAL_BOOL) {
      diag_error(s->d, (*slot)->span, "%s()'s trans= is a constant bool", fname);
      return false;
    }
  }
  return sema_arity(s, n, fname, *npos, 2, 2);
}

/* The shared element each lane gives: the start of one row of 8 elements. */
static bool sm_ldmatrix_source(sema *s, ast_node *src, const char *fname, const sm_tile *dst) {
  type *t = sema_expr(s, src, NULL);
  if (sema_is_error(t))
    return false;
  const type *bt = src->kind == AST_INDEX ? src->index.base->ty : NULL;
  if (!bt || bt->kind != TY_TENSOR || bt->space != SPACE_SHARED) {
    diag_error(s->d, src->span, "%s() reads rows of a shared tensor: its second argument is an element of one, "
               "as sa[row, col]", fname);
    return false;
  }
  if (t != dst->sym->ty->elem) {
    diag_error(s->d, src->span, "%s() copies 16-bit elements unchanged: the shared tensor holds %s, the tile %s",
               fname, type_name(s->a, t), type_name(s->a, dst->sym->ty->elem));
    return false;
  }
  int chunk = type_swizzle_chunk(bt);
  if (chunk && chunk < 8) {
    diag_error(s->d, src->span, "%s() reads rows of 8 consecutive elements, but the swizzle of the shared "
               "tensor keeps only runs of %d together: use swizzle(B, M, S) with M >= 3", fname, chunk);
    return false;
  }
  return true;
}

/* ldmatrix(dst, src [, num=N] [, trans=b]): N matrices of 8 x 8 16-bit
 * elements into the 2N registers that start at the tile dst. */
type *sema_ldmatrix(sema *s, ast_node *n, const char *fname) {
  ast_node *pos[2] = {NULL, NULL}, *num = NULL, *trans = NULL;
  int npos;
  if (!sm_ldmatrix_keywords(s, n, fname, pos, &npos, &num, &trans))
    return sm_set(n, sema_error_type());
  sm_tile d;
  if (!sm_tile_arg(s, pos[0], fname, "the destination", &d))
    return sm_set(n, sema_error_type());
  if ((d.sp.kind != FRAG_K16_A && d.sp.kind != FRAG_K16_B) || !sm_is_half(d.sym->ty->elem)) {
    diag_error(s->d, pos[0]->span, "%s() loads into an f16 or bf16 tile of mma_m16n8k16_a or mma_m16n8k16_b, "
               "not a tile of %s", fname, sm_describe(s, &d));
    return sm_set(n, sema_error_type());
  }
  if (!sm_ldmatrix_source(s, pos[1], fname, &d))
    return sm_set(n, sema_error_type());
  int64_t matrices = num ? num->cval->i : d.sp.regs / 2;
  int64_t total = d.sp.ntiles * d.sp.regs;
  if (d.constant && !s->dead && d.pos * d.sp.regs + 2 * matrices > total) {
    diag_error(s->d, n->span, "%s() with num=%lld fills %lld registers from tile (%lld, %lld), past the end of "
               "'%s' (%lld registers)", fname, (long long)matrices, (long long)(2 * matrices),
               (long long)d.tile[0], (long long)d.tile[1], d.sym->name, (long long)total);
    return sm_set(n, sema_error_type());
  }
  if (!d.constant && 2 * matrices > d.sp.regs) {
    diag_error(s->d, n->span, "%s() with num=%lld fills %lld registers, more than one tile of '%s' holds (%lld): "
               "name the tile with constant indices so that the span can be checked", fname, (long long)matrices,
               (long long)(2 * matrices), d.sym->name, (long long)d.sp.regs);
    return sm_set(n, sema_error_type());
  }
  sema_mark_written(pos[0]);
  return sm_set(n, type_scalar(TY_VOID));
}
