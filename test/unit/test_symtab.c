/* test_symtab.c: the arena-backed hash table of names (compiler/symtab.h):
 * lookups of present and absent keys, replacement, growth through many
 * keys (every key still found with its own value), keys that differ only
 * in their last character, and keys equal as strings but not as pointers. */
#include "symtab.h"

#include <criterion/criterion.h>
#include <stdio.h>

static arena *A;

static void setup(void) { A = arena_new(); }
static void teardown(void) { arena_free(A); }

TestSuite(symtab, .init = setup, .fini = teardown);

Test(symtab, empty_table_finds_nothing) {
  symtab *t = symtab_new(A);
  cr_expect_null(symtab_get(t, "x"));
  cr_expect_null(symtab_get(t, ""));
  cr_expect_eq(symtab_count(t), 0);
}

Test(symtab, put_then_get) {
  symtab *t = symtab_new(A);
  int a = 1, b = 2;
  symtab_put(t, "alpha", &a);
  symtab_put(t, "beta", &b);
  cr_expect_eq(symtab_get(t, "alpha"), &a);
  cr_expect_eq(symtab_get(t, "beta"), &b);
  cr_expect_null(symtab_get(t, "gamma"));
  cr_expect_null(symtab_get(t, "alph"));
  cr_expect_eq(symtab_count(t), 2);
}

Test(symtab, put_replaces) {
  symtab *t = symtab_new(A);
  int a = 1, b = 2;
  symtab_put(t, "x", &a);
  symtab_put(t, "x", &b);
  cr_expect_eq(symtab_get(t, "x"), &b);
  cr_expect_eq(symtab_count(t), 1);
}

Test(symtab, keys_compare_as_strings) {
  symtab *t = symtab_new(A);
  int a = 1;
  symtab_put(t, arena_strdup(A, "name"), &a);
  char other[] = "name";
  cr_expect_eq(symtab_get(t, other), &a);
}

Test(symtab, grows_and_keeps_every_key) {
  symtab *t = symtab_new(A);
  enum { N = 100000 };
  static int values[N];
  for (int i = 0; i < N; i++)
    symtab_put(t, arena_printf(A, "k%d", i), &values[i]);
  cr_assert_eq(symtab_count(t), N);
  for (int i = 0; i < N; i++) {
    char key[16];
    snprintf(key, sizeof key, "k%d", i);
    cr_assert_eq(symtab_get(t, key), &values[i], "key %s", key);
  }
  cr_expect_null(symtab_get(t, "k100000"));
  cr_expect_null(symtab_get(t, "k-1"));
}

Test(symtab, similar_keys_stay_apart) {
  symtab *t = symtab_new(A);
  static int v[26];
  char key[] = "kernel_?";
  for (int i = 0; i < 26; i++) {
    key[7] = (char)('a' + i);
    symtab_put(t, arena_strdup(A, key), &v[i]);
  }
  for (int i = 0; i < 26; i++) {
    key[7] = (char)('a' + i);
    cr_expect_eq(symtab_get(t, key), &v[i]);
  }
}
