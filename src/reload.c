/* reload: SIGHUP re-reads the peers file (applied as a difference) and the key file; "key load"
 * moves to another key. */
#include "reload.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keytext.h"
#include "flnode.h"
#include "keyfile.h"
#include "log.h"
#include "loop.h"
#include "peersfile.h"

#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#define RELOAD_FILE_MAX (64 * 1024 * 1024) /* largest peers file read */

struct reload {
	struct vxtap *vx;
	char *peers_file;
	char *key_file;
	uid_t key_owner;
	struct ctlproto_net net;
	struct peersfile applied; /* what the file said when last applied */
	ev_signal sig_hup;
};

struct reload *reload_new(struct vxtap *vx, const struct reload_conf *rc)
{
	struct reload *r = calloc(1, sizeof(*r));

	if (r == NULL ||
	    (rc->peers_file != NULL && (r->peers_file = strdup(rc->peers_file)) == NULL) ||
	    (rc->key_file != NULL && (r->key_file = strdup(rc->key_file)) == NULL))
		fatalx("out of memory");
	r->vx = vx;
	r->net = rc->net;
	r->key_owner = rc->key_owner;
	return r;
}

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
			char *nb = cap >= RELOAD_FILE_MAX ? NULL : realloc(buf, cap * 2);

			if (nb == NULL) {
				free(buf);
				close(fd);
				errno = cap >= RELOAD_FILE_MAX ? EFBIG : ENOMEM;
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
static bool load(struct reload *r, bool at_start, struct peersfile *pf)
{
	struct peersfile_error err;
	size_t len;
	char *text = read_file(r->peers_file, &len);
	bool ok;

	if (text == NULL) {
		if (at_start)
			fatal("cannot read peers file %s", r->peers_file);
		log_warn("cannot read peers file %s; the running configuration is kept",
			 r->peers_file);
		return false;
	}
	ok = peersfile_parse(&r->net, text, len, pf, &err);
	free(text);
	if (ok)
		return true;
	if (at_start)
		fatalx("%s:%zu: %s", r->peers_file, err.line, err.msg);
	log_warnx("%s:%zu: %s; file rejected, the running configuration is kept", r->peers_file,
		  err.line, err.msg);
	return false;
}

/* Apply pf over what was applied before (nothing at start-up) and keep it. */
static void apply(struct reload *r, struct peersfile *pf, bool at_start, const char *why)
{
	struct peersfile_diff d;

	peersfile_apply(&r->vx->dp, at_start ? NULL : &r->applied, pf, &d);
	peersfile_free(&r->applied);
	r->applied = *pf;
	log_info("%s %s: peers +%zu -%zu ~%zu, fdb +%zu -%zu, neigh +%zu -%zu; now %zu peers", why,
		 r->peers_file, d.peers_added, d.peers_removed, d.peers_changed, d.fdb_added,
		 d.fdb_removed, d.neigh_added, d.neigh_removed, peers_count(r->vx->dp.peers));
	if (d.failed > 0)
		log_warnx("%s: %zu entries not added (a table is full or memory ran out)",
			  r->peers_file, d.failed);
}

void reload_load(struct reload *r)
{
	struct peersfile pf;

	if (r->peers_file == NULL)
		return;
	load(r, true, &pf);
	apply(r, &pf, true, "loaded");
}

int reload_key(struct reload *r, const char *path, char *err, size_t errlen)
{
	struct method *m = r->vx->method;
	char why[KEYFILE_ERRLEN], *file = NULL;
	uint8_t *key;
	int rc = -1;

	if (!method_keyed(m)) {
		snprintf(err, errlen, "secure mode is off (no --key-file)");
		return -1;
	}
	if (path == NULL)
		path = r->key_file;
	key = sodium_malloc(KEYTEXT_KEY_LEN);
	if (key == NULL || (file = strdup(path)) == NULL) {
		snprintf(err, errlen, "out of memory");
	} else if (keyfile_read(path, r->key_owner, key, why) != 0) {
		snprintf(err, errlen, "%s", why);
	} else if (m->ops->set_key(m, key, loop_now_ms()) != 0) {
		snprintf(err, errlen, "key file %s holds a key a peer is listed with", path);
	} else {
		uint8_t pub[KEYTEXT_KEY_LEN];
		char text[KEYTEXT_LEN];

		rc = 0;
		m->ops->own_key(m, pub);
		keytext_format(pub, text);
		log_info("private key from %s loaded (public key %s); sessions are renegotiated, "
			 "and SIGHUP re-reads this file",
			 path, text);
		if (r->vx->flnode != NULL)
			flnode_set_pubkey(r->vx->flnode, pub);
		/* A revoked key must not come back with the next SIGHUP. */
		free(r->key_file);
		r->key_file = file;
		file = NULL;
		loop_start_method(r->vx);
	}
	free(file);
	sodium_free(key);
	return rc;
}

static void hup_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct reload *r = container_of(w, struct reload, sig_hup);
	struct peersfile pf;

	(void)loop;
	(void)revents;
	if (r->key_file != NULL) {
		char err[KEYFILE_ERRLEN];

		if (reload_key(r, NULL, err, sizeof(err)) != 0)
			log_warnx("SIGHUP: %s; keeping the running key", err);
	}
	if (r->peers_file == NULL) {
		if (r->key_file == NULL)
			log_info("SIGHUP: no --peers-file to read");
		return;
	}
	if (!load(r, false, &pf))
		return;
	if (peersfile_empties(&r->applied, &pf)) {
		log_warnx(
			"SIGHUP: %s lists no peers; keeping the %zu it listed (a file meant to "
			"have none says \"peers none\"; replace the file by writing a new one and "
			"renaming it over the old)",
			r->peers_file, r->applied.npeers);
		peersfile_free(&pf);
		return;
	}
	apply(r, &pf, false, "SIGHUP: reloaded");
}

void reload_start(struct reload *r)
{
	ev_signal_init(&r->sig_hup, hup_cb, SIGHUP);
	ev_signal_start(r->vx->loop, &r->sig_hup);
}

void reload_free(struct reload *r)
{
	if (r == NULL)
		return;
	if (r->vx->loop != NULL)
		ev_signal_stop(r->vx->loop, &r->sig_hup);
	peersfile_free(&r->applied);
	free(r->peers_file);
	free(r->key_file);
	free(r);
}
