/* metrics: libmicrohttpd in external-epoll mode under one ev_io and one ev_timer. */
#include "metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "metricsproto.h"

#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

struct metrics {
	struct ev_loop *loop;
	struct MHD_Daemon *mhd;
	ev_io io;	/* MHD's epoll descriptor: readable when a socket of it is ready */
	ev_timer timer; /* MHD's next deadline (connection timeouts) */
	struct metrics_conf conf;
	struct ratelimit rl;
};

__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct metrics *m = cls;
	char line[256];
	uint32_t held;
	size_t n;

	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (!ratelimit_ok(&m->rl, (uint64_t)(ev_now(m->loop) * 1000.0), &held))
		return;
	if (held > 0)
		log_info("metrics: %s (%u more not logged)", line, held);
	else
		log_info("metrics: %s", line);
}

/* Run MHD's pending work, then set the timer to its next deadline. */
static void drive(struct metrics *m)
{
	MHD_UNSIGNED_LONG_LONG ms;

	MHD_run(m->mhd);
	ev_timer_stop(m->loop, &m->timer);
	if (MHD_get_timeout(m->mhd, &ms) == MHD_YES) {
		ev_timer_set(&m->timer, (ev_tstamp)ms / 1000.0, 0.);
		ev_timer_start(m->loop, &m->timer);
	}
}

static void metrics_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	drive(container_of(w, struct metrics, io));
}

static void metrics_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	drive(container_of(w, struct metrics, timer));
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status, const char *type,
			     void *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (r == NULL) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, METRICSPROTO_ALLOW);
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **req_cls)
{
	static const char not_found[] = "not found\n", bad_method[] = "method not allowed\n",
			  failed[] = "cannot build the metrics\n";
	struct metrics *m = cls;
	enum metricsproto_route route = metricsproto_route(method, url);
	char reason[METRICSPROTO_REASON_MAX], text[METRICSPROTO_REASON_MAX + 2];
	bool healthy;
	size_t len;
	char *body;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)req_cls;
	switch (route) {
	case METRICSPROTO_METRICS:
		body = m->conf.body(&len, m->conf.arg);
		if (body == NULL)
			return reply(conn, 500, METRICSPROTO_TYPE_TEXT, (void *)(uintptr_t)failed,
				     sizeof(failed) - 1, MHD_RESPMEM_PERSISTENT);
		return reply(conn, 200, METRICSPROTO_TYPE_PROM, body, len, MHD_RESPMEM_MUST_FREE);
	case METRICSPROTO_HEALTH:
		reason[0] = '\0';
		healthy = m->conf.health(reason, sizeof(reason), m->conf.arg);
		len = metricsproto_health_body(healthy, reason, text);
		return reply(conn, metricsproto_status(route, healthy), METRICSPROTO_TYPE_TEXT,
			     text, len, MHD_RESPMEM_MUST_COPY);
	case METRICSPROTO_NOT_FOUND:
		return reply(conn, 404, METRICSPROTO_TYPE_TEXT, (void *)(uintptr_t)not_found,
			     sizeof(not_found) - 1, MHD_RESPMEM_PERSISTENT);
	case METRICSPROTO_BAD_METHOD:
		break;
	}
	return reply(conn, 405, METRICSPROTO_TYPE_TEXT, (void *)(uintptr_t)bad_method,
		     sizeof(bad_method) - 1, MHD_RESPMEM_PERSISTENT);
}

struct metrics *metrics_start(struct ev_loop *loop, const struct metrics_conf *mc)
{
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *info;
	unsigned int flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	struct metrics *m;

	memset(&ss, 0, sizeof(ss));
	if (mc->listen.ip.family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(mc->listen.port);
		memcpy(&s6->sin6_addr, mc->listen.ip.a, 16);
		flags |= MHD_USE_IPv6;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(mc->listen.port);
		memcpy(&s4->sin_addr, mc->listen.ip.a, 4);
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	m->loop = loop;
	m->conf = *mc;
	m->rl = (struct ratelimit)RATELIMIT_INIT(10000, 5);
	/* No internal thread and no thread per connection: MHD_run() is
	 * called from the loop only. */
	/* clang-format off */
	m->mhd = MHD_start_daemon(flags, mc->listen.port, NULL, NULL, handle, m,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, m,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)METRICS_MAX_CONNS,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)METRICS_MAX_PER_IP,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)METRICS_TIMEOUT_S,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)METRICS_CONN_MEMORY,
		MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)METRICS_MAX_CONNS,
		MHD_OPTION_END);
	/* clang-format on */
	if (m->mhd == NULL) {
		int err = errno != 0 ? errno : EADDRNOTAVAIL;

		free(m);
		errno = err;
		return NULL;
	}
	info = MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (info == NULL) {
		MHD_stop_daemon(m->mhd);
		free(m);
		errno = ENOSYS;
		return NULL;
	}
	ev_io_init(&m->io, metrics_io_cb, info->epoll_fd, EV_READ);
	ev_init(&m->timer, metrics_timer_cb);
	ev_io_start(loop, &m->io);
	drive(m);
	return m;
}

void metrics_stop(struct metrics *m)
{
	if (m == NULL)
		return;
	ev_io_stop(m->loop, &m->io);
	ev_timer_stop(m->loop, &m->timer);
	MHD_stop_daemon(m->mhd);
	free(m);
}
