/* ctl: the unix control socket (bounded, non-blocking clients) and the peers file reload on SIGHUP.
 */
#include "ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "keyfile.h"
#include "log.h"
#include "loop.h"
#include "peersfile.h"

#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#define CTL_BACKLOG	 128
#define CTL_ACCEPT_BURST 64
#define CTL_FILE_MAX	 (64 * 1024 * 1024) /* largest peers file read */
#define CTL_COMPACT	 (64 * 1024)	    /* sent output dropped from the buffer past this */

struct ctl_client {
	struct ctl *ctl;
	int fd;
	ev_io r, w;
	ev_timer idle;
	ev_tstamp last; /* last progress either way */
	char in[CTL_INBUF];
	size_t inlen;
	struct ctlproto_buf out;
	size_t sent;  /* bytes of out already written */
	bool eof;     /* the client will send no more */
	bool closing; /* close once out is written */
	struct ctl_client *prev, *next;
};

struct ctl {
	struct vxtap *vx;
	struct ctlproto_env env;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	bool rmdir_parent;
	dev_t dev; /* the socket file we made, so that only it is removed */
	ino_t ino;
	int fd;
	ev_io accept_r;
	ev_timer accept_pause; /* out of descriptors: retry accepting later */
	ev_signal sig_hup;
	struct ctl_client *clients;
	size_t nclients;
	char *peers_file;
	struct peersfile applied; /* what the file said when last applied */
	struct ratelimit rl_accept;
};

/* The socket to remove when the process exits, whichever way. */
static struct ctl *ctl_at_exit;

static void remove_socket(struct ctl *ctl)
{
	struct stat st;

	/* Only our own file: a successor may have replaced it already. */
	if (ctl->path[0] != '\0' && lstat(ctl->path, &st) == 0 && st.st_dev == ctl->dev &&
	    st.st_ino == ctl->ino)
		unlink(ctl->path);
	if (ctl->rmdir_parent) {
		char *slash = strrchr(ctl->path, '/');

		if (slash != NULL && slash != ctl->path) {
			*slash = '\0';
			rmdir(ctl->path); /* fails harmlessly while another socket is there */
			*slash = '/';
		}
	}
	ctl->path[0] = '\0';
}

static void remove_at_exit(void)
{
	if (ctl_at_exit != NULL)
		remove_socket(ctl_at_exit);
}

/* mkdir -p of path's directory, each new level 0755. */
static void make_parent(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return;
	*slash = '\0';
	for (char *p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST)
			fatal("cannot create %s for the control socket", dir);
		*p = '/';
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		fatal("cannot create %s for the control socket", dir);
	/* mkdir honours the umask; the directory must be searchable by all. */
}

/* Someone already at path: a live daemon answers, a dead one's file refuses. */
static void check_existing(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, r;

	if (lstat(sa->sun_path, &st) != 0) {
		if (errno == ENOENT)
			return;
		fatal("control socket %s", sa->sun_path);
	}
	if (!S_ISSOCK(st.st_mode))
		fatalx("control socket %s exists and is not a socket", sa->sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fatal("socket");
	r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	if (r == 0 || errno == EAGAIN || errno == EINPROGRESS) {
		close(fd);
		fatalx("control socket %s is in use by a running vxtap", sa->sun_path);
	}
	if (errno != ECONNREFUSED) {
		fatal("control socket %s", sa->sun_path);
	}
	close(fd);
	log_info("removing stale control socket %s", sa->sun_path);
	if (unlink(sa->sun_path) != 0 && errno != ENOENT)
		fatal("cannot remove stale control socket %s", sa->sun_path);
}

static void peer_gone(const struct peer *p, void *arg)
{
	struct udp_txq *q = &((struct ctl *)arg)->vx->txq;

	loop_forget_peer(((struct ctl *)arg)->vx, &p->ep.ip);
	/* Datagrams still queued for it must not count into freed memory. */
	for (size_t i = q->head; i < q->n; i++)
		if (q->peer[i] == p)
			q->peer[i] = NULL;
}

/* Peers come and go rarely and matter: log them. FDB and neighbour entries
 * may come by the hundred thousand; their tables are there to be shown. */
static void changed(const struct ctlproto_req *req, void *arg)
{
	char a[ADDR_STRLEN];

	(void)arg;
	if (req->cmd == CTLPROTO_PEER_ADD)
		log_info("control: peer %s added", endpoint_fmt(&req->ep, a));
	else if (req->cmd == CTLPROTO_PEER_DEL)
		log_info("control: peer %s removed", ipaddr_fmt(&req->ep.ip, a));
	else if (req->cmd == CTLPROTO_FDB_FLUSH || req->cmd == CTLPROTO_NEIGH_FLUSH)
		log_info("control: learned %s entries flushed",
			 req->cmd == CTLPROTO_FDB_FLUSH ? "fdb" : "neigh");
}

static int key_load(const char *path, char *err, size_t errlen, void *arg)
{
	return loop_load_key(((struct ctl *)arg)->vx, path, err, errlen);
}

struct ctl *ctl_open(struct vxtap *vx, const struct ctl_conf *cc)
{
	struct ctl *ctl = calloc(1, sizeof(*ctl));
	struct sockaddr_un sa;
	struct stat st;
	mode_t old;

	if (ctl == NULL)
		fatalx("out of memory");
	if (strlen(cc->path) >= sizeof(sa.sun_path))
		fatalx("control socket path %s is longer than %zu bytes", cc->path,
		       sizeof(sa.sun_path) - 1);
	ctl->vx = vx;
	ctl->fd = -1;
	ctl->env = (struct ctlproto_env){.dp = &vx->dp,
					 .net = cc->net,
					 .lim = CTLPROTO_LIMITS_DEFAULT,
					 .peer_gone = peer_gone,
					 .changed = changed,
					 .arg = ctl};
	ctl->rl_accept = (struct ratelimit)RATELIMIT_INIT(10000, 3);
	if (cc->peers_file != NULL && (ctl->peers_file = strdup(cc->peers_file)) == NULL)
		fatalx("out of memory");

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, cc->path, strlen(cc->path) + 1);
	make_parent(cc->path);
	check_existing(&sa);

	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ctl->fd < 0)
		fatal("socket");
	/* Created 0600 rather than chmod after: no window where others connect. */
	old = umask(0177);
	if (bind(ctl->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		umask(old);
		if (errno == EADDRINUSE)
			fatalx("control socket %s is in use by a running vxtap", cc->path);
		fatal("cannot bind control socket %s", cc->path);
	}
	umask(old);
	if (stat(cc->path, &st) != 0)
		fatal("control socket %s", cc->path);
	memcpy(ctl->path, cc->path, strlen(cc->path) + 1);
	ctl->rmdir_parent = cc->rmdir_parent;
	ctl->dev = st.st_dev;
	ctl->ino = st.st_ino;
	ctl_at_exit = ctl;
	atexit(remove_at_exit);
	if (chmod(cc->path, 0600) != 0)
		fatal("chmod %s", cc->path);
	if (listen(ctl->fd, CTL_BACKLOG) != 0)
		fatal("listen on %s", cc->path);
	log_info("control socket %s", cc->path);
	return ctl;
}

/* --- the peers file ---------------------------------------------------------- */

/* The whole file, NUL-terminated, or NULL with errno set. */
static char *read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 4096, n = 0;
	char *buf;

	if (fd < 0)
		return NULL;
	buf = malloc(cap);
	for (;;) {
		ssize_t r;

		if (buf == NULL) {
			close(fd);
			errno = ENOMEM;
			return NULL;
		}
		if (n + 1 == cap) {
			char *nb = cap >= CTL_FILE_MAX ? NULL : realloc(buf, cap * 2);

			if (nb == NULL) {
				free(buf);
				close(fd);
				errno = cap >= CTL_FILE_MAX ? EFBIG : ENOMEM;
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			free(buf);
			close(fd);
			errno = e;
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Parse the file; false with a logged (or, at start-up, fatal) message. */
static bool load(struct ctl *ctl, bool at_start, struct peersfile *pf)
{
	struct peersfile_error err;
	size_t len;
	char *text = read_file(ctl->peers_file, &len);
	bool ok;

	if (text == NULL) {
		if (at_start)
			fatal("cannot read peers file %s", ctl->peers_file);
		log_warn("cannot read peers file %s; the running configuration is kept",
			 ctl->peers_file);
		return false;
	}
	ok = peersfile_parse(&ctl->env.net, text, len, pf, &err);
	free(text);
	if (ok)
		return true;
	if (at_start)
		fatalx("%s:%zu: %s", ctl->peers_file, err.line, err.msg);
	log_warnx("%s:%zu: %s; file rejected, the running configuration is kept", ctl->peers_file,
		  err.line, err.msg);
	return false;
}

/* Apply pf over what was applied before (nothing at start-up) and keep it. */
static void apply(struct ctl *ctl, struct peersfile *pf, bool at_start, const char *why)
{
	struct peersfile_diff d;

	peersfile_apply(&ctl->env, at_start ? NULL : &ctl->applied, pf, &d);
	peersfile_free(&ctl->applied);
	ctl->applied = *pf;
	log_info("%s %s: peers +%zu -%zu ~%zu, fdb +%zu -%zu, neigh +%zu -%zu; now %zu peers", why,
		 ctl->peers_file, d.peers_added, d.peers_removed, d.peers_changed, d.fdb_added,
		 d.fdb_removed, d.neigh_added, d.neigh_removed, peers_count(ctl->vx->dp.peers));
	if (d.failed > 0)
		log_warnx("%s: %zu entries not added (a table is full or memory ran out)",
			  ctl->peers_file, d.failed);
}

void ctl_load(struct ctl *ctl)
{
	struct peersfile pf;

	if (ctl->peers_file == NULL)
		return;
	load(ctl, true, &pf);
	apply(ctl, &pf, true, "loaded");
}

static void hup_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct ctl *ctl = container_of(w, struct ctl, sig_hup);
	struct peersfile pf;

	(void)loop;
	(void)revents;
	if (ctl->vx->crypto != NULL) {
		char err[KEYFILE_ERRLEN];

		if (loop_load_key(ctl->vx, NULL, err, sizeof(err)) != 0)
			log_warnx("SIGHUP: %s; keeping the running key", err);
	}
	if (ctl->peers_file == NULL) {
		if (ctl->vx->crypto == NULL)
			log_info("SIGHUP: no --peers-file to read");
		return;
	}
	if (load(ctl, false, &pf))
		apply(ctl, &pf, false, "SIGHUP: reloaded");
}

/* --- clients ----------------------------------------------------------------- */

static void client_close(struct ctl_client *cl, const char *why)
{
	struct ctl *ctl = cl->ctl;
	struct ev_loop *loop = ctl->vx->loop;

	if (why != NULL)
		log_debug("control: client dropped: %s", why);
	ev_io_stop(loop, &cl->r);
	ev_io_stop(loop, &cl->w);
	ev_timer_stop(loop, &cl->idle);
	close(cl->fd);
	ctlproto_buf_free(&cl->out);
	if (cl->prev != NULL)
		cl->prev->next = cl->next;
	else
		ctl->clients = cl->next;
	if (cl->next != NULL)
		cl->next->prev = cl->prev;
	ctl->nclients--;
	free(cl);
}

static size_t pending(const struct ctl_client *cl)
{
	return cl->out.len - cl->sent;
}

/* Handle the complete lines waiting in cl->in, until the unsent output
 * passes the soft cap. Returns false when the client was dropped. */
static bool client_lines(struct ctl_client *cl)
{
	uint64_t now = loop_now_ms();
	size_t off = 0;

	while (off < cl->inlen && !cl->closing && pending(cl) <= CTL_OUT_SOFT) {
		size_t avail = cl->inlen - off;
		const char *line = cl->in + off;
		const char *nl =
			memchr(line, '\n', avail < CTLPROTO_LINE_MAX ? avail : CTLPROTO_LINE_MAX);

		if (nl == NULL) {
			if (avail < CTLPROTO_LINE_MAX)
				break; /* the rest of the line is still to come */
			ctlproto_buf_printf(&cl->out, "error: line too long\n");
			cl->closing = true;
			off = cl->inlen;
			break;
		}
		ctlproto_handle(&cl->ctl->env, line, (size_t)(nl - line), now, &cl->out);
		off += (size_t)(nl - line) + 1;
		if (cl->out.failed) {
			client_close(cl, "out of memory for its reply");
			return false;
		}
		if (pending(cl) > CTL_OUT_MAX) {
			client_close(cl, "reply over the output cap");
			return false;
		}
	}
	memmove(cl->in, cl->in + off, cl->inlen - off);
	cl->inlen -= off;
	return true;
}

enum flush { FLUSH_DONE, FLUSH_AGAIN, FLUSH_ERROR };

static enum flush client_write(struct ctl_client *cl)
{
	while (pending(cl) > 0) {
		ssize_t n = send(cl->fd, cl->out.data + cl->sent, pending(cl),
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? FLUSH_AGAIN : FLUSH_ERROR;
		}
		cl->sent += (size_t)n;
		cl->last = ev_now(cl->ctl->vx->loop);
	}
	cl->out.len = cl->sent = 0;
	/* Give back what one large reply took. */
	if (cl->out.cap > 4 * CTL_OUT_SOFT)
		ctlproto_buf_free(&cl->out);
	return FLUSH_DONE;
}

/* Do whatever can be done now: handle lines, write replies, and read only
 * while there is room and the client keeps up with its replies. */
static void client_run(struct ctl_client *cl)
{
	struct ev_loop *loop = cl->ctl->vx->loop;
	bool more;

	do {
		if (!client_lines(cl))
			return;
		switch (client_write(cl)) {
		case FLUSH_ERROR:
			client_close(cl, "write failed");
			return;
		case FLUSH_AGAIN:
			if (cl->sent > CTL_COMPACT) {
				ctlproto_buf_consume(&cl->out, cl->sent);
				cl->sent = 0;
			}
			ev_io_start(loop, &cl->w);
			more = false;
			break;
		case FLUSH_DONE:
			ev_io_stop(loop, &cl->w);
			if (cl->closing || (cl->eof && memchr(cl->in, '\n', cl->inlen) == NULL)) {
				/* An unfinished last line is dropped, never run. */
				shutdown(cl->fd, SHUT_WR);
				client_close(cl, NULL);
				return;
			}
			more = memchr(cl->in, '\n', cl->inlen) != NULL;
			break;
		}
	} while (more);
	if (!cl->eof && !cl->closing && pending(cl) <= CTL_OUT_SOFT && cl->inlen < CTL_INBUF)
		ev_io_start(loop, &cl->r);
	else
		ev_io_stop(loop, &cl->r);
}

static void client_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_client *cl = container_of(w, struct ctl_client, r);
	ssize_t n;

	(void)revents;
	if (cl->inlen == CTL_INBUF) {
		ev_io_stop(loop, w); /* full: client_run reads again once there is room */
		return;
	}
	n = read(cl->fd, cl->in + cl->inlen, CTL_INBUF - cl->inlen);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		client_close(cl, "read failed");
		return;
	}
	if (n == 0)
		cl->eof = true;
	cl->inlen += (size_t)n;
	cl->last = ev_now(loop);
	client_run(cl);
}

static void client_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	client_run(container_of(w, struct ctl_client, w));
}

/* "Be smart about timeouts": one timer per client, re-armed from the last
 * progress instead of restarted on every read. */
static void client_idle_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ctl_client *cl = container_of(w, struct ctl_client, idle);
	ev_tstamp left = cl->last + CTL_IDLE_S - ev_now(loop);

	(void)revents;
	if (left <= 0) {
		client_close(cl, "idle");
		return;
	}
	w->repeat = left;
	ev_timer_again(loop, w);
}

static void accept_one(struct ctl *ctl, int fd)
{
	static const char busy[] = "error: too many clients\n";
	struct ev_loop *loop = ctl->vx->loop;
	struct ctl_client *cl;

	if (ctl->nclients >= CTL_MAX_CLIENTS || (cl = calloc(1, sizeof(*cl))) == NULL) {
		(void)send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		close(fd);
		return;
	}
	cl->ctl = ctl;
	cl->fd = fd;
	cl->last = ev_now(loop);
	ev_io_init(&cl->r, client_read_cb, fd, EV_READ);
	ev_io_init(&cl->w, client_write_cb, fd, EV_WRITE);
	ev_init(&cl->idle, client_idle_cb);
	cl->idle.repeat = CTL_IDLE_S;
	ev_timer_again(loop, &cl->idle);
	ev_io_start(loop, &cl->r);
	cl->next = ctl->clients;
	if (cl->next != NULL)
		cl->next->prev = cl;
	ctl->clients = cl;
	ctl->nclients++;
}

static void accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl *ctl = container_of(w, struct ctl, accept_r);
	uint32_t held;

	(void)revents;
	for (int i = 0; i < CTL_ACCEPT_BURST; i++) {
		int fd = accept4(ctl->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0) {
			accept_one(ctl, fd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		/* Out of descriptors or memory: the socket stays readable, so
		 * stop watching it for a while rather than spin. */
		if (ratelimit_ok(&ctl->rl_accept, loop_now_ms(), &held))
			log_warn("control: accept (%u more not logged)", held);
		ev_io_stop(loop, &ctl->accept_r);
		ev_timer_set(&ctl->accept_pause, 0.1, 0.);
		ev_timer_start(loop, &ctl->accept_pause);
		return;
	}
}

static void accept_pause_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ctl *ctl = container_of(w, struct ctl, accept_pause);

	(void)revents;
	ev_io_start(loop, &ctl->accept_r);
}

void ctl_start(struct ctl *ctl)
{
	struct ev_loop *loop = ctl->vx->loop;

	/* Secure mode is set up after the socket is opened. */
	if (ctl->vx->crypto != NULL) {
		ctl->env.key_load = key_load;
		ctl->env.crypto = ctl->vx->crypto;
	}
	ev_io_init(&ctl->accept_r, accept_cb, ctl->fd, EV_READ);
	ev_init(&ctl->accept_pause, accept_pause_cb);
	ev_signal_init(&ctl->sig_hup, hup_cb, SIGHUP);
	ev_io_start(loop, &ctl->accept_r);
	ev_signal_start(loop, &ctl->sig_hup);
}

void ctl_free(struct ctl *ctl)
{
	if (ctl == NULL)
		return;
	while (ctl->clients != NULL)
		client_close(ctl->clients, NULL);
	if (ctl->vx->loop != NULL) {
		ev_io_stop(ctl->vx->loop, &ctl->accept_r);
		ev_timer_stop(ctl->vx->loop, &ctl->accept_pause);
		ev_signal_stop(ctl->vx->loop, &ctl->sig_hup);
	}
	if (ctl->fd >= 0)
		close(ctl->fd);
	remove_socket(ctl);
	ctl_at_exit = NULL;
	peersfile_free(&ctl->applied);
	free(ctl->peers_file);
	free(ctl);
}
