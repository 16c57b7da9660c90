/* keytext: a 32-byte key as the 44 characters of base64 that users copy around. */
#ifndef VXTAP_KEYTEXT_H
#define VXTAP_KEYTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KEYTEXT_KEY_LEN 32 /* bytes in a key (an X25519 key or the PSK) */
#define KEYTEXT_LEN	64 /* keytext_format's output buffer */

/* Base64 (RFC 4648, with padding) text of len bytes, surrounding whitespace
 * ignored, into key. False (key zeroed) unless it is exactly 32 bytes. */
bool keytext_parse(const char *text, size_t len, uint8_t key[static KEYTEXT_KEY_LEN]);

/* The 44-character base64 text of key, NUL-terminated. */
void keytext_format(const uint8_t key[static KEYTEXT_KEY_LEN], char out[static KEYTEXT_LEN]);

#endif
