/* sha256.h: SHA-256 (FIPS 180-4), for the compilation cache's keys
 * (cache.c). Internal to libhdtrt: not installed with runtime/include/.
 *
 * Written from the specification rather than vendored; checked against the
 * standard's test vectors in test/unit/test_cache.c. Streaming, so that a
 * key can be hashed from several pieces without concatenating them. */
#ifndef HDTRT_SHA256_H
#define HDTRT_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct hdtrt_sha256 {
  uint32_t state[8];
  uint64_t bytes;          /* message length so far */
  unsigned char block[64]; /* the partial block not yet compressed */
  size_t fill;             /* bytes in block */
} hdtrt_sha256;

void hdtrt_sha256_init(hdtrt_sha256 *h);
void hdtrt_sha256_update(hdtrt_sha256 *h, const void *data, size_t len);
void hdtrt_sha256_final(hdtrt_sha256 *h, unsigned char digest[32]);
/* The digest of data as 64 lowercase hex digits and a NUL. */
void hdtrt_sha256_hex(const void *data, size_t len, char hex[65]);
/* digest as 64 lowercase hex digits and a NUL. */
void hdtrt_sha256_to_hex(const unsigned char digest[32], char hex[65]);

#endif
