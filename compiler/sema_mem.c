/* sema_mem.c: the checks of the builtins that move runs of elements:
 * cp_async (an asynchronous copy from global to shared memory),
 * cp_async_commit and cp_async_wait (its groups), and vcopy (one vector load
 * and store). See docs/language.md §7, "Asynchronous copies and vector
 * access".
 *
 * Each operand is an element, passed by address (builtin_addr_args): the
 * run of BYTES / size elements starting there, along the last dimension.
 * The GPU faults on a vector access whose address is not a multiple of its
 * size, so what can be known here is checked here: the size is 4, 8 or 16
 * bytes and a whole number of elements, a row of a matrix is a whole number
 * of accesses (else every other row would be misaligned), and a constant
 * last index starts an aligned run that stays inside its row. What depends
 * on run-time indices is checked at run time by the host target
 * (HDT_ERR_MISALIGNED). */
#include "sema_impl.h"

#include <string.h>

/* An operand's element type, after checking that it names an element of a
 * tensor in one of the allowed spaces (a bit per mem_space); NULL after an
 * error. `what` says what the builtin wants, for the message. */
static type *mem_operand(sema *s, ast_node *a, const char *fname, unsigned spaces, const char *what) {
  type *t = sema_expr(s, a, NULL);
  if (sema_is_error(t))
    return NULL;
  const type *bt = a->kind == AST_INDEX ? a->index.base->ty : NULL;
  if (!bt || bt->kind != TY_TENSOR || !(spaces & (1u << bt->space))) {
    diag_error(s->d, a->span, "%s() takes %s, such as x[i, j]", fname, what);
    return NULL;
  }
  const symbol *sym = a->index.base->kind == AST_NAME ? a->index.base->sym : NULL;
  if (sym && sym->kind == SYM_LOCAL && sym->dist) {
    diag_error(s->d, a->span, "%s() cannot address '%s': a tensor distributed by a mapping is "
               "registers, without addresses", fname, sym->name);
    return NULL;
  }
  if (!type_is_numeric(t)) {
    diag_error(s->d, a->span, "%s() moves numbers, not %s", fname, type_name(s->a, t));
    return NULL;
  }
  return t;
}

/* BYTES: a constant 4, 8 or 16, a whole number of elements of type t;
 * returns it, or 0 after an error. */
static int64_t mem_bytes(sema *s, ast_node *a, const char *fname, const type *t) {
  const value *v = sema_const_expr(s, a, type_scalar(TY_I32), "the size in bytes");
  if (!v)
    return 0;
  if (v->kind != VAL_INT || (v->i != 4 && v->i != 8 && v->i != 16)) {
    diag_error(s->d, a->span, "%s() moves 4, 8 or 16 bytes at once", fname);
    return 0;
  }
  int64_t size = type_size_bytes(t);
  if (v->i % size != 0) {
    diag_error(s->d, a->span, "%s() of %lld bytes cannot move %s elements, of %lld bytes each", fname,
               (long long)v->i, type_name(s->a, t), (long long)size);
    return 0;
  }
  return v->i;
}

/* The alignment of one operand that is known at compile time: a row of
 * a matrix is a whole number of accesses, and a constant last index starts
 * an aligned run inside its row. */
static bool mem_aligned(sema *s, const ast_node *a, const char *fname, int64_t bytes) {
  if (s->dead)
    return true; /* never runs: the shapes may be another instance's */
  const type *bt = a->index.base->ty;
  const char *name = a->index.base->kind == AST_NAME ? a->index.base->name.name : "the tensor";
  int64_t size = type_size_bytes(bt->elem), count = bytes / size;
  int last = bt->rank - 1;
  int64_t extent = bt->const_dims[last];
  if (bt->rank > 1 && extent >= 0 && extent * size % bytes != 0) {
    diag_error(s->d, a->span, "%s() of %lld bytes needs rows of '%s' that are a multiple of %lld bytes, "
               "not %lld (%lld x %s): the runs of other rows would be misaligned", fname, (long long)bytes,
               name, (long long)bytes, (long long)(extent * size), (long long)extent, type_name(s->a, bt->elem));
    return false;
  }
  int chunk = type_swizzle_chunk(bt);
  if (chunk && count > chunk) {
    diag_error(s->d, a->span, "%s() of %lld bytes moves %lld consecutive elements, but the swizzle of '%s' "
               "keeps only runs of %d together (swizzle(B, M, S) moves runs of 2^M elements)", fname,
               (long long)bytes, (long long)count, name, chunk);
    return false;
  }
  const ast_node *ix = a->index.indices.items[last];
  if (!ix->cval || ix->cval->kind != VAL_INT)
    return true; /* checked at run time (host target) */
  int64_t i = ix->cval->i;
  if (i % count != 0) {
    diag_error(s->d, ix->span, "%s() of %lld bytes moves %lld elements from index %lld, which must be "
               "a multiple of %lld to be aligned", fname, (long long)bytes, (long long)count, (long long)i,
               (long long)count);
    return false;
  }
  if (extent >= 0 && i + count > extent) {
    diag_error(s->d, ix->span, "%s() of %lld bytes moves %lld elements from index %lld, past the end of "
               "dimension %d of extent %lld", fname, (long long)bytes, (long long)count, (long long)i, last,
               (long long)extent);
    return false;
  }
  return true;
}

/* The copy builtins exist in kernels only: the host target keeps a
 * thread's pending copies in its block's frame, which a device function
 * does not see. */
static bool mem_in_kernel(sema *s, ast_node *n, const char *fname) {
  if (s->func && s->func->func.is_kernel)
    return true;
  diag_error(s->d, n->span, "%s() can be called only in a kernel", fname);
  return false;
}

/* dst, src and BYTES of cp_async and vcopy; false after an error. */
static bool mem_copy_args(sema *s, ast_node *n, const char *fname, call_args *ca, unsigned dst_spaces,
                          unsigned src_spaces, const char *dst_what, const char *src_what) {
  type *dt = mem_operand(s, ca->pos[0], fname, dst_spaces, dst_what);
  type *st = mem_operand(s, ca->pos[1], fname, src_spaces, src_what);
  if (!dt || !st)
    return false;
  if (dt != st) {
    diag_error(s->d, n->span, "%s() copies between elements of one type, not %s and %s", fname,
               type_name(s->a, dt), type_name(s->a, st));
    return false;
  }
  int64_t bytes = mem_bytes(s, ca->pos[2], fname, dt);
  if (!bytes)
    return false;
  bool ok = mem_aligned(s, ca->pos[0], fname, bytes);
  ok &= mem_aligned(s, ca->pos[1], fname, bytes);
  sema_mark_written(ca->pos[0]);
  return ok;
}

enum {
  MEM_GLOBAL = 1u << SPACE_GLOBAL,
  MEM_SHARED = 1u << SPACE_SHARED,
  MEM_LOCAL = 1u << SPACE_LOCAL,
};

/* cp_async(dst, src, BYTES [, pred]): dst shared, src global. */
type *sema_cp_async(sema *s, ast_node *n, const char *fname) {
  call_args ca = sema_split_args(s, n, fname, false);
  if (!ca.ok || !sema_arity(s, n, fname, ca.npos, 3, 4) || !mem_in_kernel(s, n, fname))
    return sema_error_type();
  bool ok = mem_copy_args(s, n, fname, &ca, MEM_SHARED, MEM_GLOBAL, "an element of a shared tensor as its destination",
                          "an element of a global tensor as its source");
  if (ca.npos == 4) {
    type *p = sema_expr(s, ca.pos[3], type_scalar(TY_BOOL));
    if (!sema_is_error(p) && p->kind != TY_BOOL) {
      diag_error(s->d, ca.pos[3]->span, "the predicate of %s() must be a bool, not %s", fname,
                 type_name(s->a, p));
      ok = false;
    }
  }
  return ok ? type_scalar(TY_VOID) : sema_error_type();
}

/* cp_async_commit() and cp_async_wait(N), N a constant >= 0. */
type *sema_cp_async_group(sema *s, ast_node *n, builtin_id id, const char *fname) {
  int want = id == BI_CP_ASYNC_WAIT ? 1 : 0;
  call_args ca = sema_split_args(s, n, fname, false);
  if (!ca.ok || !sema_arity(s, n, fname, ca.npos, want, want) || !mem_in_kernel(s, n, fname))
    return sema_error_type();
  if (!want)
    return type_scalar(TY_VOID);
  const value *v = sema_const_expr(s, ca.pos[0], type_scalar(TY_I32), "the group count of cp_async_wait()");
  if (!v)
    return sema_error_type();
  if (v->kind != VAL_INT || v->i < 0) {
    diag_error(s->d, ca.pos[0]->span, "%s() takes a number of groups, 0 or more", fname);
    return sema_error_type();
  }
  return type_scalar(TY_VOID);
}

/* vcopy(dst, src, BYTES): global, shared or plain local elements. */
type *sema_vcopy(sema *s, ast_node *n, const char *fname) {
  call_args ca = sema_split_args(s, n, fname, false);
  if (!ca.ok || !sema_arity(s, n, fname, ca.npos, 3, 3))
    return sema_error_type();
  const char *what = "an element of a global, shared or local tensor";
  bool ok = mem_copy_args(s, n, fname, &ca, MEM_GLOBAL | MEM_SHARED | MEM_LOCAL, MEM_GLOBAL | MEM_SHARED | MEM_LOCAL,
                          what, what);
  return ok ? type_scalar(TY_VOID) : sema_error_type();
}
