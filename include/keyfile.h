/* keyfile: reading the secure-mode key file, with its permission check. */
#ifndef VXTAP_KEYFILE_H
#define VXTAP_KEYFILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "crypto.h"

#define KEYFILE_ERRLEN 256

/* Read the base64 key in path into key (a private key or the PSK). A file
 * readable or writable by group or others, owned by another user than root
 * or owner (the --user account, else the daemon's own), not a regular file,
 * or not holding exactly 32 bytes of base64 is refused. Returns 0, or -1
 * with one line in err naming the file and the problem. */
int keyfile_read(const char *path, uid_t owner, uint8_t key[static CRYPTO_KEY_LEN],
		 char err[static KEYFILE_ERRLEN]);

#endif
