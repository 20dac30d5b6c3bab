/* SPDX-License-Identifier: ISC */
/* UTF-8 decoding and cutting, strict per Unicode Table 3-7. */
#ifndef PC_UTF8_H
#define PC_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* The code point reported for an ill-formed sequence. */
#define UTF8_INVALID	UINT32_MAX

size_t	utf8_decode(const unsigned char *, size_t, uint32_t *);
size_t	utf8_cut(const char *, size_t, size_t);

#endif
