/* statefile: small files that must survive a restart or be read by others (the VTEP MAC, the
 * subnet file): read whole, written atomically. */
#ifndef VXTAP_STATEFILE_H
#define VXTAP_STATEFILE_H

#include <stddef.h>
#include <sys/types.h>

/* Read the file at path into buf (cap bytes, NUL added): its length, or
 * -errno (-EFBIG when it does not fit). */
ssize_t statefile_read(const char *path, char *buf, size_t cap);

/* Replace the file at path with len bytes of text, mode mode, so that a
 * reader sees the old file or the new one and never a part: written to a
 * temporary file beside it, synced, then renamed over it. Missing parent
 * directories are made (0755). 0 or -errno. */
int statefile_write(const char *path, const char *text, size_t len, mode_t mode);

#endif
