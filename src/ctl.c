/* ctl: the unix control socket: bounded, non-blocking clients whose lines ctlexec carries out. */
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

#include "crypto.h"
#include "flnode.h"
#include "log.h"
#include "loop.h"
#include "reload.h"

#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#define CTL_BACKLOG	 128
#define CTL_ACCEPT_BURST 64
#define CTL_COMPACT	 (64 * 1024) /* sent output dropped from the buffer past this */
#define CTL_HINT	 "give --control PATH elsewhere, or --control none"

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
	struct ctlexec_env env;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	bool rmdir_parent;
	dev_t dev; /* the socket file we made, so that only it is removed */
	ino_t ino;
	int fd;
	ev_io accept_r;
	ev_timer accept_pause; /* out of descriptors: retry accepting later */
	struct ctl_client *clients;
	size_t nclients;
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
			fatalx("cannot create %s for the control socket: %s; " CTL_HINT, dir,
			       strerror(errno));
		*p = '/';
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		fatalx("cannot create %s for the control socket: %s; " CTL_HINT, dir,
		       strerror(errno));
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

/* Peers come and go rarely and matter: log them. FDB and neighbour entries
 * may come by the hundred thousand; their tables are there to be shown. */
static void changed(const struct ctlproto_req *req, void *arg)
{
	char a[ADDR_STRLEN];

	(void)arg;
	if (req->cmd == CTLPROTO_PEER_ADD)
		log_info("control: peer %s added%s", endpoint_fmt(&req->ep, a),
			 req->has_key ? " with its key" : "");
	else if (req->cmd == CTLPROTO_PEER_DEL)
		log_info("control: peer %s removed", ipaddr_fmt(&req->ep.ip, a));
	else if (req->cmd == CTLPROTO_PEER_FLUSH)
		log_info("control: every peer removed");
	else if (req->cmd == CTLPROTO_FDB_FLUSH || req->cmd == CTLPROTO_NEIGH_FLUSH)
		log_info("control: learned %s entries flushed",
			 req->cmd == CTLPROTO_FDB_FLUSH ? "fdb" : "neigh");
}

static int key_load(const char *path, char *err, size_t errlen, void *arg)
{
	return reload_key(((struct ctl *)arg)->vx->reload, path, err, errlen);
}

static bool peer_secure(const struct ipaddr *ip, uint64_t now, struct crypto_peer_info *info,
			void *arg)
{
	struct method *m = ((struct ctl *)arg)->vx->method;

	return m->ops->peer_info != NULL && m->ops->peer_info(m, ip, now, info) == 0;
}

static void snapshot(struct counters_snap *s, void *arg)
{
	loop_snapshot(((struct ctl *)arg)->vx, s);
}

static void plane_show(enum ctlproto_cmd cmd, enum ctlproto_fmt fmt, uint64_t now,
		       struct ctlproto_buf *out, void *arg)
{
	flnode_show(((struct ctl *)arg)->vx->flnode, cmd, fmt, now, out);
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
	ctl->env = (struct ctlexec_env){.dp = &vx->dp,
					.net = cc->net,
					.dev = vx->dev,
					.changed = changed,
					.snapshot = snapshot,
					.arg = ctl};
	ctl->rl_accept = (struct ratelimit)RATELIMIT_INIT(10000, 3);

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
		fatalx("cannot bind control socket %s: %s; " CTL_HINT, cc->path, strerror(errno));
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
	return ctl;
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
		const char *line = cl->in + off;
		size_t len;
		enum ctlproto_frame fr = ctlproto_next_line(line, cl->inlen - off, &len);

		if (fr == CTLPROTO_FRAME_MORE)
			break; /* the rest of the line is still to come */
		if (fr == CTLPROTO_FRAME_TOO_LONG) {
			ctlproto_buf_printf(&cl->out, "error: line too long\n");
			cl->closing = true;
			off = cl->inlen;
			break;
		}
		ctlexec_handle(&cl->ctl->env, line, len, now, &cl->out);
		off += len + 1;
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

const char *ctl_path(const struct ctl *ctl)
{
	return ctl->path;
}

void ctl_start(struct ctl *ctl)
{
	struct ev_loop *loop;

	if (ctl == NULL)
		return;
	loop = ctl->vx->loop;
	if (method_keyed(ctl->vx->method)) {
		ctl->env.key_load = key_load;
		ctl->env.peer_secure = peer_secure;
		ctl->env.net.secure = true;
	}
	if (ctl->vx->flnode != NULL)
		ctl->env.plane_show = plane_show;
	ev_io_init(&ctl->accept_r, accept_cb, ctl->fd, EV_READ);
	ev_init(&ctl->accept_pause, accept_pause_cb);
	ev_io_start(loop, &ctl->accept_r);
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
	}
	if (ctl->fd >= 0)
		close(ctl->fd);
	remove_socket(ctl);
	ctl_at_exit = NULL;
	free(ctl);
}
