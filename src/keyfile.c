/* keyfile: the secure-mode key file: permissions, size, base64. */
#include "keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A key is 44 characters of base64; allow a newline and some white space. */
#define KEYFILE_MAX 256

int keyfile_read(const char *path, uid_t owner, uint8_t key[static CRYPTO_KEY_LEN],
		 char err[static KEYFILE_ERRLEN])
{
	char text[KEYFILE_MAX + 1];
	struct stat st;
	ssize_t n;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		snprintf(err, KEYFILE_ERRLEN, "key file %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		snprintf(err, KEYFILE_ERRLEN, "key file %s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, KEYFILE_ERRLEN, "key file %s is not a regular file", path);
		goto out;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, KEYFILE_ERRLEN,
			 "key file %s is accessible by group or others (mode %04o); chmod 600 it",
			 path, (unsigned)(st.st_mode & 07777));
		goto out;
	}
	/* Whoever owns the file can give it to others. */
	if (st.st_uid != 0 && st.st_uid != owner) {
		if (owner == 0)
			snprintf(err, KEYFILE_ERRLEN,
				 "key file %s is owned by uid %u, not root; chown it to root", path,
				 (unsigned)st.st_uid);
		else
			snprintf(err, KEYFILE_ERRLEN,
				 "key file %s is owned by uid %u, neither root nor uid %u that "
				 "vxtap "
				 "runs as; chown it",
				 path, (unsigned)st.st_uid, (unsigned)owner);
		goto out;
	}
	n = read(fd, text, sizeof(text));
	if (n < 0) {
		snprintf(err, KEYFILE_ERRLEN, "key file %s: %s", path, strerror(errno));
		goto out;
	}
	if (n > KEYFILE_MAX || !keytext_parse(text, (size_t)n, key)) {
		snprintf(err, KEYFILE_ERRLEN,
			 "key file %s does not hold a 32-byte key in base64 (see vxtap --genkey)",
			 path);
		goto out;
	}
	rc = 0;
out:
	sodium_memzero(text, sizeof(text));
	close(fd);
	return rc;
}
