/* sdnotify: one unconnected datagram socket towards $NOTIFY_SOCKET and the sends on it. */
#include "sdnotify.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

struct sdnotify {
	int fd;
	struct sockaddr_un sa;
	size_t salen;
	bool warned; /* one warning for failed sends, not one each */
};

struct sdnotify *sdnotify_open(void)
{
	const char *env = getenv("NOTIFY_SOCKET");
	struct sdnotify *n;
	int err;

	if (env == NULL)
		return NULL;
	n = calloc(1, sizeof(*n));
	if (n == NULL) {
		log_warnx("NOTIFY_SOCKET: out of memory; the service manager is not told");
		return NULL;
	}
	err = sdproto_addr(env, &n->sa, &n->salen);
	if (err != 0) {
		log_warnx("NOTIFY_SOCKET \"%s\": %s; the service manager is not told", env,
			  err == -ENAMETOOLONG ? "too long" : "not a path or @name");
		free(n);
		unsetenv("NOTIFY_SOCKET");
		return NULL;
	}
	n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (n->fd < 0) {
		log_warn("NOTIFY_SOCKET: socket");
		free(n);
		return NULL;
	}
	unsetenv("NOTIFY_SOCKET");
	return n;
}

static void send_msg(struct sdnotify *n, const char *msg, size_t len)
{
	if (n == NULL)
		return;
	if (sendto(n->fd, msg, len, MSG_NOSIGNAL, (const struct sockaddr *)&n->sa,
		   (socklen_t)n->salen) == (ssize_t)len)
		return;
	if (!n->warned)
		log_warn("NOTIFY_SOCKET: cannot tell the service manager \"%.*s\"",
			 (int)strcspn(msg, "\n"), msg);
	n->warned = true;
}

static void send_event(struct sdnotify *n, enum sdproto_event ev, const struct sdproto_status *st)
{
	static const struct sdproto_status none;
	char msg[SDPROTO_MSG_MAX];
	struct timespec ts;
	uint64_t usec;
	size_t len;

	if (n == NULL)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	usec = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	len = sdproto_msg(ev, st != NULL ? st : &none, usec, msg);
	send_msg(n, msg, len);
}

void sdnotify_ready(struct sdnotify *n, const struct sdproto_status *st)
{
	send_event(n, SDPROTO_READY, st);
}

void sdnotify_status(struct sdnotify *n, const struct sdproto_status *st)
{
	send_event(n, SDPROTO_STATUS, st);
}

void sdnotify_reloading(struct sdnotify *n)
{
	send_event(n, SDPROTO_RELOADING, NULL);
}

void sdnotify_stopping(struct sdnotify *n)
{
	send_event(n, SDPROTO_STOPPING, NULL);
}

void sdnotify_close(struct sdnotify *n)
{
	if (n == NULL)
		return;
	close(n->fd);
	free(n);
}
