/* test_tables.c: the compiler's two description tables, builtins.def and
 * target.c, against the invariants every stage relies on. */
#include <criterion/criterion.h>
#include <string.h>

#include "builtins.h"
#include "ir.h"
#include "target.h"

Test(builtins, every_row_is_found_by_its_name) {
  for (int i = 0; i < BI_COUNT; i++) {
    const builtin_info *b = builtin_get((builtin_id)i);
    cr_assert_eq(b->id, (builtin_id)i, "row %d holds id %d", i, b->id);
    cr_assert_eq(builtin_find(b->name), b, "'%s' does not find its own row", b->name);
  }
  cr_assert_null(builtin_find("no_such_builtin"));
  cr_assert_null(builtin_get(BI_COUNT));
}

Test(builtins, calls_have_a_helper_on_each_target) {
  for (int i = 0; i < BI_COUNT; i++) {
    const builtin_info *b = builtin_get((builtin_id)i);
    if (b->lowering != BL_CALL)
      continue;
    cr_assert_not_null(b->cuda, "'%s' lowers to a call but has no CUDA helper", b->name);
    /* the host pass mma_expand rewrites mma and ldmatrix before emission */
    if (b->sig != BS_MMA && b->sig != BS_LDMATRIX)
      cr_assert_not_null(b->host, "'%s' lowers to a call but has no host helper", b->name);
    cr_assert_eq(ir_fn_builtin((ir_fn)b->id), b, "IR_FN_ and BI_ numbers differ for '%s'", b->name);
  }
}

Test(builtins, variables_are_specials_and_collectives_are_kernel_only) {
  for (int i = 0; i < BI_COUNT; i++) {
    const builtin_info *b = builtin_get((builtin_id)i);
    cr_assert_eq(b->sig == BS_INDEX, b->lowering == BL_SPECIAL, "'%s'", b->name);
    if (builtin_has(b, BF_COLLECTIVE))
      cr_assert(!builtin_has(b, BF_PURE), "collective '%s' cannot be pure", b->name);
  }
  /* ir_special lists the axes of the builtin variables in table order. */
  cr_assert_eq(BI_BLOCKIDX, BI_THREADIDX + 1);
  cr_assert_eq(BI_BLOCKDIM, BI_THREADIDX + 2);
  cr_assert_eq(BI_GRIDDIM, BI_THREADIDX + 3);
}

Test(target, names) {
  cr_assert_eq(target_find("cuda"), target_default());
  cr_assert_str_eq(target_find("cuda")->arch, "sm_80");
  cr_assert_str_eq(target_find("cuda:sm_90a")->arch, "sm_90a");
  cr_assert_eq(target_find("host")->lang, TGT_HOST);
  cr_assert_null(target_find("cuda:sm_10"));
  cr_assert_null(target_find(""));
  cr_assert_not_null(strstr(target_names(), "cuda:sm_90a"));
}

Test(target, limits) {
  const hdt_target *h = target_find("cuda:sm_90a"), *a = target_find("cuda:sm_80");
  cr_assert_eq(h->max_shared, 227 * 1024);
  cr_assert_eq(a->max_shared, 163 * 1024);
  for (const hdt_target *t = a; t; t = t == a ? h : t == h ? target_find("host") : NULL) {
    cr_assert_eq(t->static_shared, 48 * 1024, "%s", t->name);
    cr_assert_eq(t->max_threads, 1024, "%s", t->name);
    cr_assert_eq(t->warp_size, 32, "%s", t->name);
    cr_assert_eq(t->max_grid[0], 2147483647, "%s", t->name);
    cr_assert_eq(t->max_grid[1], 65535, "%s", t->name);
    cr_assert_geq(t->max_shared, t->static_shared, "%s", t->name);
  }
}

Test(target, capabilities) {
  cr_assert(target_has(target_find("cuda:sm_90a"), TCAP_WGMMA | TCAP_TMA | TCAP_MMA));
  cr_assert(!target_has(target_find("cuda:sm_80"), TCAP_WGMMA));
  cr_assert(target_has(target_find("cuda:sm_80"), TCAP_MMA | TCAP_CP_ASYNC));
  cr_assert(target_has(target_find("host"), TCAP_NONE));
  cr_assert_str_eq(target_cap_name(TCAP_WGMMA), "warpgroup mma (sm_90a)");
  cr_assert_str_eq(target_cap_name(TCAP_WGMMA | TCAP_MMA), "tensor-core mma (sm_80 or later)");
}
