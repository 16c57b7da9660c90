/* sdproto: the sd_notify datagram protocol as text and a socket address; no sockets. */
#ifndef VXTAP_SDPROTO_H
#define VXTAP_SDPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>

/*
 * A service manager started with Type=notify listens on a datagram socket
 * named in $NOTIFY_SOCKET; the daemon sends it newline-separated VAR=VALUE
 * assignments (sd_notify(3)): READY=1 once it serves, RELOADING=1 (with
 * MONOTONIC_USEC) while it re-reads its configuration, STOPPING=1 as it
 * exits, and STATUS=TEXT, one line shown by "systemctl status".
 */
#define SDPROTO_MSG_MAX	   512 /* one datagram; STATUS text is cut to fit */
#define SDPROTO_STATUS_MAX 256 /* the STATUS value alone */

/* What the STATUS line tells. */
struct sdproto_status {
	size_t peers;	   /* peers in the table */
	bool secure;	   /* secure mode (--key-file) */
	const char *lease; /* the subnet leased from etcd, or NULL without one */
};

enum sdproto_event {
	SDPROTO_READY,	   /* READY=1 and STATUS */
	SDPROTO_STATUS,	   /* STATUS only */
	SDPROTO_RELOADING, /* RELOADING=1, MONOTONIC_USEC and STATUS=reloading */
	SDPROTO_STOPPING,  /* STOPPING=1 and STATUS=stopping */
};

/*
 * The address in a $NOTIFY_SOCKET value: an absolute path, or an abstract
 * name written with a leading '@' (the '@' becomes a NUL byte). Fills sa and
 * *len, the length to give sendto(). Returns 0; -EINVAL for an empty or
 * relative value or another address family ("vsock:..."); -ENAMETOOLONG when
 * it does not fit sun_path.
 */
int sdproto_addr(const char *env, struct sockaddr_un *sa, size_t *len);

/*
 * The STATUS text for st into out: "2 peers", "1 peer; secure",
 * "3 peers; lease 10.244.1.0/24". Bytes of lease below 0x20 or 0x7f become
 * '?', so the text stays one line; it is cut to fit. Returns its length.
 */
size_t sdproto_status_text(const struct sdproto_status *st, char out[static SDPROTO_STATUS_MAX]);

/*
 * The whole datagram for ev into out, NUL-terminated; st is read for READY
 * and STATUS, mono_usec (CLOCK_MONOTONIC in microseconds) for RELOADING.
 * Returns its length (without the NUL).
 */
size_t sdproto_msg(enum sdproto_event ev, const struct sdproto_status *st, uint64_t mono_usec,
		   char out[static SDPROTO_MSG_MAX]);

#endif
