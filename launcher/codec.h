/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* UTF-8 checking and base64 (codec.c), for fnlaunchd and fnlaunch. */
#ifndef LNCH_CODEC_H
#define LNCH_CODEC_H

#include <stdbool.h>
#include <stddef.h>

bool lnch_valid_utf8(const unsigned char *p, size_t n);
/* @n bytes as base64 (malloc'd, NUL-terminated), NULL on ENOMEM */
char *lnch_base64(const unsigned char *p, size_t n);
/* base64 to bytes (malloc'd, *@n its length), NULL if @s is not base64 or on ENOMEM */
char *lnch_unbase64(const char *s, size_t *n);

#endif
