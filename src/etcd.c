/* etcd: libcurl multi requests driven by libev watchers; answers and stream lines to callbacks. */
#include "etcd.h"

#include <curl/curl.h>
#include <errno.h>
#include <ev.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "etcdgw.h"

#define ETCD_CONNECT_MS	  3000
#define ETCD_MAX_BODY	  (64u << 20)
#define ETCD_KEEPIDLE_S	  10
#define ETCD_KEEPINTVL_S  5
#define ETCD_KEEPCNT	  3
#define ETCD_USER_TIMEOUT 25000 /* ms */

enum req_state {
	REQ_NEW,    /* made, not yet handed to libcurl */
	REQ_ACTIVE, /* in the multi handle */
	REQ_DEAD,   /* done or canceled: to be removed and freed */
};

struct etcd_req {
	struct etcd *e;
	struct etcd_req *prev, *next;
	enum req_state state;
	bool canceled, stream;
	CURL *easy;
	struct curl_slist *headers;
	char *url, *body;
	etcd_done_fn *done;
	etcd_line_fn *line;
	void *arg;
	char *buf; /* a unary answer, or a stream's non-200 answer */
	size_t len, cap;
	bool too_big;
	struct etcdgw_lines lines;
	char errbuf[CURL_ERROR_SIZE];
};

/* One ev_io per socket libcurl asks to watch. */
struct sock {
	ev_io io;
	struct etcd *e;
};

struct etcd {
	struct ev_loop *loop;
	CURLM *multi;
	ev_timer timer;	  /* libcurl's timeout */
	ev_prepare flush; /* adds and removals outside libcurl's callbacks */
	struct etcd_req *reqs;
	size_t nactive;
	struct etcd_opts opts;
	char *cafile, *certfile, *keyfile;
	unsigned long long dropped;
};

static void schedule_flush(struct etcd *e)
{
	if (!ev_is_active(&e->flush))
		ev_prepare_start(e->loop, &e->flush);
}

/* Unlink and release r, which libcurl no longer holds. */
static void req_free(struct etcd_req *r)
{
	struct etcd *e = r->e;

	if (r->prev)
		r->prev->next = r->next;
	else
		e->reqs = r->next;
	if (r->next)
		r->next->prev = r->prev;
	if (r->easy != NULL)
		curl_easy_cleanup(r->easy);
	e->dropped += r->lines.toolong;
	etcdgw_lines_free(&r->lines);
	curl_slist_free_all(r->headers);
	free(r->url);
	free(r->body);
	free(r->buf);
	free(r);
}

/* Hand new requests to libcurl, take canceled ones back, free dead ones:
 * never from inside a libcurl callback. */
static void flush(struct etcd *e)
{
	struct etcd_req *r, *next;

	for (r = e->reqs; r != NULL; r = next) {
		next = r->next;
		if (r->canceled && r->state == REQ_ACTIVE) {
			curl_multi_remove_handle(e->multi, r->easy);
			e->nactive--;
			r->state = REQ_DEAD;
		} else if (r->canceled && r->state == REQ_NEW) {
			r->state = REQ_DEAD;
		} else if (r->state == REQ_NEW) {
			if (curl_multi_add_handle(e->multi, r->easy) == CURLM_OK) {
				r->state = REQ_ACTIVE;
				e->nactive++;
				continue;
			}
			r->state = REQ_DEAD;
			if (r->done)
				r->done(r->arg, 0, NULL, 0, "libcurl refused the request");
		}
		if (r->state == REQ_DEAD)
			req_free(r);
	}
}

static void flush_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct etcd *e = w->data;

	(void)revents;
	ev_prepare_stop(loop, w);
	flush(e);
}

static bool keep(struct etcd_req *r, const char *data, size_t n, size_t max)
{
	size_t cap;
	char *p;

	if (r->len + n > max) {
		r->too_big = true;
		return false;
	}
	if (r->len + n + 1 > r->cap) {
		cap = r->cap ? r->cap : 4096;
		while (cap < r->len + n + 1)
			cap *= 2;
		p = realloc(r->buf, cap);
		if (p == NULL)
			return false;
		r->buf = p;
		r->cap = cap;
	}
	memcpy(r->buf + r->len, data, n);
	r->len += n;
	r->buf[r->len] = '\0';
	return true;
}

static void line_cb(void *arg, const char *line, size_t len)
{
	struct etcd_req *r = arg;

	if (!r->canceled && r->line != NULL)
		r->line(r->arg, line, len);
}

static size_t write_cb(char *data, size_t size, size_t nmemb, void *userp)
{
	struct etcd_req *r = userp;
	size_t n = size * nmemb;
	long status = 0;

	if (r->canceled)
		return 0; /* aborts the transfer */
	if (r->stream) {
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
		if (status == 200) {
			etcdgw_lines_feed(&r->lines, data, n, line_cb, r);
			return r->canceled ? 0 : n;
		}
		/* An error answer: keep a little of it for done. */
		return keep(r, data, n, 65536) ? n : 0;
	}
	return keep(r, data, n, r->e->opts.max_body) ? n : 0;
}

/* The member ended the TLS session with an alert: it refused this node's
 * certificate (with TLS 1.3 that comes after the handshake, as a read error). */
static bool tls_alert(CURLcode rc, const char *msg)
{
	return (rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR) &&
	       strstr(msg, "SSL routines") != NULL && strstr(msg, "alert") != NULL;
}

/* Failures of TLS itself: certificates, keys, verification, the handshake. */
static bool tls_error(CURLcode rc, const char *msg)
{
	if (tls_alert(rc, msg))
		return true;
	switch (rc) {
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
		return true;
	default:
		return false;
	}
}

static void finish(struct etcd *e, CURL *easy, CURLcode rc)
{
	struct etcd_req *r = NULL;
	long status = 0;
	char why[CURL_ERROR_SIZE + 160];

	curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&r);
	if (r == NULL || r->state != REQ_ACTIVE)
		return;
	curl_multi_remove_handle(e->multi, easy);
	e->nactive--;
	r->state = REQ_DEAD;
	schedule_flush(e);
	if (r->canceled || r->done == NULL)
		return;
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK) {
		if (r->too_big)
			snprintf(why, sizeof(why), "answer larger than %zu bytes",
				 e->opts.max_body);
		else {
			const char *msg = r->errbuf[0] ? r->errbuf : curl_easy_strerror(rc);

			snprintf(why, sizeof(why), "%s%s%s",
				 tls_error(rc, msg) ? ETCD_TLS_PREFIX : "", msg,
				 tls_alert(rc, msg)
					 ? " (the member refused this node's certificate: "
					   "expired, or not from a CA it trusts?)"
					 : "");
		}
		r->done(r->arg, status, NULL, 0, why);
	} else if (r->stream && status == 200) {
		if (etcdgw_lines_pending(&r->lines) > 0)
			r->done(r->arg, status, NULL, 0, "the stream ended inside a line");
		else
			r->done(r->arg, status, NULL, 0, NULL);
	} else {
		r->done(r->arg, status, r->buf ? r->buf : "", r->len, NULL);
	}
	r->canceled = true; /* done once */
}

static void check_done(struct etcd *e)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(e->multi, &left)) != NULL)
		if (m->msg == CURLMSG_DONE)
			finish(e, m->easy_handle, m->data.result);
}

static void act(struct etcd *e, curl_socket_t fd, int what)
{
	int running;

	curl_multi_socket_action(e->multi, fd, what, &running);
	check_done(e);
	flush(e);
}

static void io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct sock *s = (struct sock *)w;
	int what = (revents & EV_READ ? CURL_CSELECT_IN : 0) |
		   (revents & EV_WRITE ? CURL_CSELECT_OUT : 0);

	(void)loop;
	act(s->e, w->fd, what);
}

static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	act(w->data, CURL_SOCKET_TIMEOUT, 0);
}

static int sock_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct etcd *e = userp;
	struct sock *s = socketp;
	int events = (what & CURL_POLL_IN ? EV_READ : 0) | (what & CURL_POLL_OUT ? EV_WRITE : 0);

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (s != NULL) {
			ev_io_stop(e->loop, &s->io);
			free(s);
			curl_multi_assign(e->multi, fd, NULL);
		}
		return 0;
	}
	if (s == NULL) {
		s = calloc(1, sizeof(*s));
		if (s == NULL)
			return -1;
		s->e = e;
		curl_multi_assign(e->multi, fd, s);
	} else {
		ev_io_stop(e->loop, &s->io);
	}
	ev_io_init(&s->io, io_cb, fd, events);
	ev_io_start(e->loop, &s->io);
	return 0;
}

static int timerfn_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct etcd *e = userp;

	(void)multi;
	ev_timer_stop(e->loop, &e->timer);
	if (timeout_ms >= 0) {
		ev_timer_set(&e->timer, (double)timeout_ms / 1000.0, 0.);
		ev_timer_start(e->loop, &e->timer);
	}
	return 0;
}

/* Find dead peers on long-lived connections (see etcd.h). */
static int sockopt_cb(void *clientp, curl_socket_t fd, curlsocktype purpose)
{
	int cnt = ETCD_KEEPCNT;
	unsigned int uto = ETCD_USER_TIMEOUT;

	(void)clientp;
	if (purpose != CURLSOCKTYPE_IPCXN)
		return CURL_SOCKOPT_OK;
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &uto, sizeof(uto));
	return CURL_SOCKOPT_OK;
}

static bool readable(const char *what, const char *path, char *err)
{
	if (path == NULL || access(path, R_OK) == 0)
		return true;
	snprintf(err, ETCD_ERRLEN, "%s \"%s\": %s", what, path, strerror(errno));
	return false;
}

static char *dup_or_null(const char *s, bool *oom)
{
	char *d;

	if (s == NULL)
		return NULL;
	d = strdup(s);
	if (d == NULL)
		*oom = true;
	return d;
}

struct etcd *etcd_new(struct ev_loop *loop, const struct etcd_opts *opts,
		      char err[static ETCD_ERRLEN])
{
	static bool global;
	struct etcd *e;
	bool oom = false;

	err[0] = '\0';
	if (!readable("etcd CA file", opts->cafile, err) ||
	    !readable("etcd certificate file", opts->certfile, err) ||
	    !readable("etcd key file", opts->keyfile, err))
		return NULL;
	if ((opts->certfile == NULL) != (opts->keyfile == NULL)) {
		snprintf(err, ETCD_ERRLEN,
			 "an etcd client certificate needs both a certificate "
			 "and a key file");
		return NULL;
	}
	if (!global && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, ETCD_ERRLEN, "libcurl failed to start");
		return NULL;
	}
	global = true;
	e = calloc(1, sizeof(*e));
	if (e == NULL) {
		snprintf(err, ETCD_ERRLEN, "out of memory");
		return NULL;
	}
	e->loop = loop;
	e->opts = *opts;
	if (e->opts.connect_timeout_ms <= 0)
		e->opts.connect_timeout_ms = ETCD_CONNECT_MS;
	if (e->opts.max_body == 0)
		e->opts.max_body = ETCD_MAX_BODY;
	if (e->opts.max_line == 0)
		e->opts.max_line = ETCDGW_LINE_MAX;
	e->cafile = dup_or_null(opts->cafile, &oom);
	e->certfile = dup_or_null(opts->certfile, &oom);
	e->keyfile = dup_or_null(opts->keyfile, &oom);
	e->multi = curl_multi_init();
	if (oom || e->multi == NULL) {
		snprintf(err, ETCD_ERRLEN, "out of memory");
		etcd_free(e);
		return NULL;
	}
	curl_multi_setopt(e->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(e->multi, CURLMOPT_SOCKETDATA, e);
	curl_multi_setopt(e->multi, CURLMOPT_TIMERFUNCTION, timerfn_cb);
	curl_multi_setopt(e->multi, CURLMOPT_TIMERDATA, e);
	ev_init(&e->timer, timer_cb);
	e->timer.data = e;
	ev_prepare_init(&e->flush, flush_cb);
	e->flush.data = e;
	return e;
}

void etcd_free(struct etcd *e)
{
	if (e == NULL)
		return;
	while (e->reqs != NULL) {
		struct etcd_req *r = e->reqs;

		if (r->state == REQ_ACTIVE) {
			curl_multi_remove_handle(e->multi, r->easy);
			e->nactive--;
		}
		req_free(r);
	}
	if (e->multi != NULL)
		curl_multi_cleanup(e->multi); /* removes the sockets: sock_cb frees them */
	ev_timer_stop(e->loop, &e->timer);
	ev_prepare_stop(e->loop, &e->flush);
	free(e->cafile);
	free(e->certfile);
	free(e->keyfile);
	free(e);
}

static struct etcd_req *make(struct etcd *e, const char *base, const char *path, const char *body,
			     long timeout_ms, bool stream)
{
	struct etcd_req *r = calloc(1, sizeof(*r));
	size_t blen = strlen(base), plen = strlen(path);
	bool ok;

	if (r == NULL)
		return NULL;
	r->e = e;
	r->stream = stream;
	r->url = malloc(blen + plen + 1);
	r->body = strdup(body);
	r->easy = curl_easy_init();
	r->headers = curl_slist_append(NULL, "Content-Type: application/json");
	ok = r->url && r->body && r->easy && r->headers;
	/* No "Expect: 100-continue" wait on larger bodies. */
	if (ok)
		ok = (r->headers = curl_slist_append(r->headers, "Expect:")) != NULL;
	if (ok && stream)
		ok = (r->headers = curl_slist_append(r->headers,
						     "Grpc-Metadata-hasleader: true")) != NULL;
	if (!ok) {
		if (r->easy)
			curl_easy_cleanup(r->easy);
		curl_slist_free_all(r->headers);
		free(r->url);
		free(r->body);
		free(r);
		return NULL;
	}
	memcpy(r->url, base, blen);
	memcpy(r->url + blen, path, plen + 1);
	etcdgw_lines_init(&r->lines, e->opts.max_line);

	curl_easy_setopt(r->easy, CURLOPT_URL, r->url);
	curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(r->easy, CURLOPT_PROXY, "");
	curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->easy, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(r->easy, CURLOPT_POST, 1L);
	curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS, r->body);
	curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE, (long)strlen(r->body));
	curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->headers);
	curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(r->easy, CURLOPT_PRIVATE, r);
	curl_easy_setopt(r->easy, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT_MS, e->opts.connect_timeout_ms);
	curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms : 0L);
	curl_easy_setopt(r->easy, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(r->easy, CURLOPT_TCP_KEEPIDLE, (long)ETCD_KEEPIDLE_S);
	curl_easy_setopt(r->easy, CURLOPT_TCP_KEEPINTVL, (long)ETCD_KEEPINTVL_S);
	curl_easy_setopt(r->easy, CURLOPT_SOCKOPTFUNCTION, sockopt_cb);
	if (e->cafile)
		curl_easy_setopt(r->easy, CURLOPT_CAINFO, e->cafile);
	if (e->certfile)
		curl_easy_setopt(r->easy, CURLOPT_SSLCERT, e->certfile);
	if (e->keyfile)
		curl_easy_setopt(r->easy, CURLOPT_SSLKEY, e->keyfile);

	r->next = e->reqs;
	if (e->reqs)
		e->reqs->prev = r;
	e->reqs = r;
	schedule_flush(e);
	return r;
}

struct etcd_req *etcd_post(struct etcd *e, const char *base, const char *path, const char *body,
			   long timeout_ms, etcd_done_fn *done, void *arg)
{
	struct etcd_req *r = make(e, base, path, body, timeout_ms, false);

	if (r != NULL) {
		r->done = done;
		r->arg = arg;
	}
	return r;
}

struct etcd_req *etcd_stream(struct etcd *e, const char *base, const char *path, const char *body,
			     etcd_line_fn *line, etcd_done_fn *done, void *arg)
{
	struct etcd_req *r = make(e, base, path, body, 0, true);

	if (r != NULL) {
		r->line = line;
		r->done = done;
		r->arg = arg;
	}
	return r;
}

void etcd_cancel(struct etcd_req *r)
{
	if (r == NULL)
		return;
	r->canceled = true;
	schedule_flush(r->e);
}

size_t etcd_active(const struct etcd *e)
{
	size_t n = 0;

	for (const struct etcd_req *r = e->reqs; r != NULL; r = r->next)
		if (!r->canceled && r->state != REQ_DEAD)
			n++;
	return n;
}

unsigned long long etcd_lines_dropped(const struct etcd *e)
{
	unsigned long long n = e->dropped;

	for (const struct etcd_req *r = e->reqs; r != NULL; r = r->next)
		n += r->lines.toolong;
	return n;
}

const char *etcd_resolver(void)
{
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);

	if (v->ares != NULL && v->ares[0] != '\0')
		return "c-ares";
	return (v->features & CURL_VERSION_ASYNCHDNS) ? "threaded" : "blocking";
}
