/* ldmatrix_main.c: drives test/lit/host/ldmatrix.hdt: every output is a
 * permutation of the source's bits (or zero), compared exactly. */
#include "host_check.h"

int ld(const uint16_t *s, uint16_t *a4, uint16_t *a4t, uint16_t *b2, uint16_t *b2t, uint16_t *b1, uint16_t *b1t);

static void expect(const char *what, const uint16_t *got, int rows, int cols, uint16_t (*want)(const uint16_t *, int, int),
                   const uint16_t *s) {
  int shown = 0;
  for (int i = 0; i < rows; i++)
    for (int j = 0; j < cols; j++)
      if (got[i * cols + j] != want(s, i, j))
        chk_fail(what, (size_t)(i * cols + j), got[i * cols + j], want(s, i, j), &shown);
  printf("%s: %d values checked\n", what, rows * cols);
}

/* (i, j) of an output: block w = i / 16 of the source, row r = i % 16. */
static uint16_t same(const uint16_t *s, int i, int j) { return s[i * 16 + j]; }
static uint16_t transposed(const uint16_t *s, int i, int j) { return s[(i / 16 * 16 + j) * 16 + i % 16]; }
static uint16_t high_zero(const uint16_t *s, int i, int j) { return i % 16 < 8 ? same(s, i, j) : 0; }
static uint16_t high_zero_t(const uint16_t *s, int i, int j) { return i % 16 < 8 ? transposed(s, i, j) : 0; }

int main(void) {
  chk_seed("ldmatrix");
  uint16_t s[32 * 16], a4[32 * 16], a4t[32 * 16], b2[32 * 8], b2t[32 * 8], b1[32 * 8], b1t[32 * 8];
  for (int i = 0; i < 32 * 16; i++)
    s[i] = (uint16_t)(chk_int(1, 0x7bff) | (chk_int(0, 1) << 15)); /* finite, nonzero f16 bits */
  memset(a4, 0xff, sizeof a4), memset(a4t, 0xff, sizeof a4t), memset(b2, 0xff, sizeof b2);
  memset(b2t, 0xff, sizeof b2t), memset(b1, 0xff, sizeof b1), memset(b1t, 0xff, sizeof b1t); /* NaN */
  chk_status("ld", ld(s, a4, a4t, b2, b2t, b1, b1t), 0);
  expect("a4", a4, 32, 16, same, s);
  expect("a4t", a4t, 32, 16, transposed, s);
  expect("b2", b2, 32, 8, transposed, s);
  expect("b2t", b2t, 32, 8, same, s);
  expect("b1", b1, 32, 8, high_zero_t, s);
  expect("b1t", b1t, 32, 8, high_zero, s);
  return chk_done();
}
