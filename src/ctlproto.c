/* ctlproto: the control protocol's grammar and output buffer, shared by the daemon and vxtapctl. */
#include "ctlproto.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf.h"
#include "keytext.h"

/* --- the output buffer ---------------------------------------------------- */

static bool buf_reserve(struct ctlproto_buf *b, size_t more)
{
	size_t cap;
	char *d;

	if (b->failed)
		return false;
	if (more <= b->cap - b->len)
		return true;
	if (more > SIZE_MAX / 2 - b->len) {
		b->failed = true;
		return false;
	}
	cap = b->cap ? b->cap : 256;
	while (cap - b->len < more)
		cap *= 2;
	d = realloc(b->data, cap);
	if (d == NULL) {
		b->failed = true;
		return false;
	}
	b->data = d;
	b->cap = cap;
	return true;
}

bool ctlproto_buf_put(struct ctlproto_buf *b, const char *s, size_t n)
{
	if (!buf_reserve(b, n + 1))
		return false;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
	return true;
}

bool ctlproto_buf_printf(struct ctlproto_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!buf_reserve(b, 128))
		return false;
	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = true;
		return false;
	}
	if ((size_t)n >= b->cap - b->len) {
		if (!buf_reserve(b, (size_t)n + 1))
			return false;
		va_start(ap, fmt);
		vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
	return true;
}

void ctlproto_buf_consume(struct ctlproto_buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

void ctlproto_buf_free(struct ctlproto_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

/* --- parsing --------------------------------------------------------------- */

int ctlproto_split(char *s, char *argv[], int max)
{
	int n = 0;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0')
			return n;
		if (n == max)
			return -1;
		argv[n++] = s;
		while (*s != '\0' && *s != ' ' && *s != '\t')
			s++;
		if (*s != '\0')
			*s++ = '\0';
	}
}

__attribute__((format(printf, 3, 4))) static enum ctlproto_parse_result
fail(enum ctlproto_parse_result r, char *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, CTLPROTO_ERRLEN, fmt, ap);
	va_end(ap);
	return r;
}

/* "VALUE" WHAT, the value quoted and escaped. */
static enum ctlproto_parse_result bad(char *err, const char *v, const char *what)
{
	char q[CONF_QUOTELEN];

	return fail(CTLPROTO_EVALUE, err, "\"%s\" %s", conf_quote(v, strlen(v), q), what);
}

static const char *family_name(const struct ipaddr *a)
{
	return a->family == AF_INET ? "IPv4" : "IPv6";
}

/* An underlay address: unicast, of the local family, not the local address. */
static enum ctlproto_parse_result check_underlay(const struct ctlproto_net *net, const char *v,
						 const struct ipaddr *ip, char *err)
{
	char what[64];

	if (!conf_ip_unicast(ip))
		return bad(err, v, "is not a unicast address");
	if (conf_underlay_unfit(ip) != NULL)
		return bad(err, v, conf_underlay_unfit(ip));
	if (net->local.family == 0)
		return CTLPROTO_OK;
	if (ip->family != net->local.family) {
		snprintf(what, sizeof(what), "is %s but the local address is %s", family_name(ip),
			 family_name(&net->local));
		return bad(err, v, what);
	}
	if (ipaddr_equal(ip, &net->local))
		return bad(err, v, "is the local address");
	return CTLPROTO_OK;
}

static enum ctlproto_parse_result parse_endpoint(const struct ctlproto_net *net, const char *v,
						 struct endpoint *ep, char *err)
{
	if (!endpoint_parse(v, net->port, ep))
		return bad(err, v, "is not ADDR[:PORT]");
	return check_underlay(net, v, &ep->ip, err);
}

/* The key of "peer add ADDR key PUBKEY" (NULL: none given). Secure mode
 * needs one; plain mode would carry datagrams in clear beside it, so it
 * refuses one. */
static enum ctlproto_parse_result parse_peer_key(const struct ctlproto_net *net, const char *addr,
						 const char *v, struct ctlproto_req *req, char *err)
{
	if (v != NULL && !keytext_parse(v, strlen(v), req->key))
		return bad(err, v, "is not a public key (32 bytes of base64)");
	req->has_key = v != NULL;
	if (net->local.family == 0)
		return CTLPROTO_OK;
	if (net->secure && v == NULL)
		return bad(err, addr, "has no key: secure mode needs \"ADDR[:PORT] key PUBKEY\"");
	if (!net->secure && v != NULL)
		return bad(err, v, "is a key, but secure mode is off (no --key-file)");
	return CTLPROTO_OK;
}

static enum ctlproto_parse_result parse_mac(const char *v, bool unicast, struct mac *m, char *err)
{
	if (!mac_parse(v, m))
		return bad(err, v, "is not a MAC address");
	if (mac_is_zero(m))
		return bad(err, v, "is the all-zero MAC");
	if (unicast && mac_is_multicast(m))
		return bad(err, v, "is a multicast MAC");
	return CTLPROTO_OK;
}

/* IPv4 entries answer ARP, IPv6 ones neighbour solicitations. */
static enum ctlproto_parse_result parse_neigh_ip(const char *v, struct ipaddr *ip, char *err)
{
	if (!ipaddr_parse(v, ip))
		return bad(err, v, "is not an IP address");
	if (!conf_ip_unicast(ip))
		return bad(err, v, "is not a unicast address");
	return CTLPROTO_OK;
}

/* Every request the daemon knows: words, the arguments after them, and the
 * output options it takes. */
enum arg_shape {
	ARGS_NONE,
	ARGS_PEER,	/* ADDR[:PORT] */
	ARGS_PEER_ADD,	/* ADDR[:PORT] [key PUBKEY] [noflood] */
	ARGS_FDB_ADD,	/* MAC dst ADDR[:PORT] [port PORT] */
	ARGS_MAC,	/* MAC */
	ARGS_NEIGH_ADD, /* IP lladdr MAC */
	ARGS_IP,	/* IP */
	ARGS_PATH,	/* FILE */
};

#define FMT_JSON (1u << CTLPROTO_JSON)
#define FMT_PROM (1u << CTLPROTO_PROMETHEUS)

struct cmd_def {
	const char *obj, *verb; /* verb NULL: a one-word command */
	enum ctlproto_cmd cmd;
	enum arg_shape shape;
	unsigned fmts;
	const char *usage;
};

/* clang-format off */
static const struct cmd_def cmds[] = {
	{"peer",  "add",   CTLPROTO_PEER_ADD,    ARGS_PEER_ADD,  0,        "peer add ADDR[:PORT] [key PUBKEY] [noflood]"},
	{"peer",  "del",   CTLPROTO_PEER_DEL,    ARGS_PEER,      0,        "peer del ADDR[:PORT]"},
	{"peer",  "show",  CTLPROTO_PEER_SHOW,   ARGS_NONE,      FMT_JSON, "peer show [--json]"},
	{"peer",  "flush", CTLPROTO_PEER_FLUSH,  ARGS_NONE,      0,        "peer flush"},
	{"fdb",   "add",   CTLPROTO_FDB_ADD,     ARGS_FDB_ADD,   0,        "fdb add MAC dst ADDR[:PORT] [port PORT]"},
	{"fdb",   "del",   CTLPROTO_FDB_DEL,     ARGS_MAC,       0,        "fdb del MAC"},
	{"fdb",   "show",  CTLPROTO_FDB_SHOW,    ARGS_NONE,      FMT_JSON, "fdb show [--json]"},
	{"fdb",   "flush", CTLPROTO_FDB_FLUSH,   ARGS_NONE,      0,        "fdb flush"},
	{"neigh", "add",   CTLPROTO_NEIGH_ADD,   ARGS_NEIGH_ADD, 0,        "neigh add IP lladdr MAC"},
	{"neigh", "del",   CTLPROTO_NEIGH_DEL,   ARGS_IP,        0,        "neigh del IP"},
	{"neigh", "show",  CTLPROTO_NEIGH_SHOW,  ARGS_NONE,      FMT_JSON, "neigh show [--json]"},
	{"neigh", "flush", CTLPROTO_NEIGH_FLUSH, ARGS_NONE,      0,        "neigh flush"},
	{"stats", NULL,    CTLPROTO_STATS,       ARGS_NONE,      FMT_JSON | FMT_PROM,
	 "stats [--json | --prometheus]"},
	{"key",   "load",  CTLPROTO_KEY_LOAD,    ARGS_PATH,      0,        "key load FILE"},
	{"lease", "show",  CTLPROTO_LEASE_SHOW,  ARGS_NONE,      FMT_JSON, "lease show [--json]"},
	{"etcd",  "show",  CTLPROTO_ETCD_SHOW,   ARGS_NONE,      FMT_JSON, "etcd show [--json]"},
	{"route", "show",  CTLPROTO_ROUTE_SHOW,  ARGS_NONE,      FMT_JSON, "route show [--json]"},
	{"help",  NULL,    CTLPROTO_HELP,        ARGS_NONE,      0,        "help"},
};
/* clang-format on */

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static const struct cmd_def *find_cmd(int argc, char *const argv[], int *nwords, char *err,
				      enum ctlproto_parse_result *r)
{
	char q[CONF_QUOTELEN], q2[CONF_QUOTELEN], verbs[64] = "";
	bool obj_known = false;

	for (size_t i = 0; i < NCMDS; i++) {
		if (strcmp(cmds[i].obj, argv[0]) != 0)
			continue;
		obj_known = true;
		if (cmds[i].verb != NULL)
			snprintf(verbs + strlen(verbs), sizeof(verbs) - strlen(verbs), "%s%s",
				 verbs[0] ? "|" : "", cmds[i].verb);
		if (cmds[i].verb == NULL) {
			*nwords = 1;
			return &cmds[i];
		}
		if (argc > 1 && strcmp(cmds[i].verb, argv[1]) == 0) {
			*nwords = 2;
			return &cmds[i];
		}
	}
	if (!obj_known)
		*r = fail(CTLPROTO_EUSAGE, err, "unknown command \"%s\"",
			  conf_quote(argv[0], strlen(argv[0]), q));
	else if (argc < 2)
		*r = fail(CTLPROTO_EUSAGE, err, "usage: %s %s ...", argv[0], verbs);
	else
		*r = fail(CTLPROTO_EUSAGE, err, "unknown command \"%s %s\"",
			  conf_quote(argv[0], strlen(argv[0]), q),
			  conf_quote(argv[1], strlen(argv[1]), q2));
	return NULL;
}

/* Take the output options out of the words; the rest are the arguments. */
static enum ctlproto_parse_result take_options(const struct cmd_def *d, int argc,
					       char *const argv[], char *args[], int *nargs,
					       enum ctlproto_fmt *fmt, char *err)
{
	char q[CONF_QUOTELEN];

	*nargs = 0;
	*fmt = CTLPROTO_TEXT;
	for (int i = 0; i < argc; i++) {
		enum ctlproto_fmt f;

		if (strncmp(argv[i], "--", 2) != 0) {
			args[(*nargs)++] = argv[i];
			continue;
		}
		if (strcmp(argv[i], "--json") == 0) {
			f = CTLPROTO_JSON;
		} else if (strcmp(argv[i], "--prometheus") == 0) {
			f = CTLPROTO_PROMETHEUS;
		} else {
			return fail(CTLPROTO_EUSAGE, err, "unknown option \"%s\"; usage: %s",
				    conf_quote(argv[i], strlen(argv[i]), q), d->usage);
		}
		if ((d->fmts & (1u << f)) == 0 || *fmt != CTLPROTO_TEXT)
			return fail(CTLPROTO_EUSAGE, err, "usage: %s", d->usage);
		*fmt = f;
	}
	return CTLPROTO_OK;
}

/* Where the words "show" prints only for reading begin in an add line (nargs
 * when none): so a line of "peer show", "fdb show" or "neigh show" after
 * "peer add", "fdb add" or "neigh add" is the add that restores its entry. */
static int shown_words_at(enum arg_shape s, char *const args[], int nargs)
{
	static const char *const peer[] = {"rx", "fdb-only", NULL};
	static const char *const entry[] = {"static", "learned", NULL};
	const char *const *w = s == ARGS_PEER_ADD			  ? peer
			       : s == ARGS_FDB_ADD || s == ARGS_NEIGH_ADD ? entry
									  : NULL;

	for (int i = 1; w != NULL && i < nargs; i++)
		for (size_t k = 0; w[k] != NULL; k++)
			if (strcmp(args[i], w[k]) == 0)
				return i;
	return nargs;
}

/* The PUBKEY of "ADDR key PUBKEY ...", or NULL. */
static const char *peer_key_word(char *const args[], int nargs)
{
	return nargs >= 3 && strcmp(args[1], "key") == 0 ? args[2] : NULL;
}

/* The arguments fit the shape (after the shown words are cut). */
static bool shape_fits(enum arg_shape s, char *const args[], int nargs)
{
	static const int want[] = {
		[ARGS_NONE] = 0, [ARGS_PEER] = 1, [ARGS_PEER_ADD] = 1, [ARGS_FDB_ADD] = 3,
		[ARGS_MAC] = 1,	 [ARGS_IP] = 1,	  [ARGS_PATH] = 1,     [ARGS_NEIGH_ADD] = 3,
	};
	int key = 0;

	switch (s) {
	case ARGS_PEER_ADD:
		if (nargs >= 3 && strcmp(args[1], "key") == 0)
			key = 2;
		return nargs == 1 + key ||
		       (nargs == 2 + key && strcmp(args[1 + key], "noflood") == 0);
	case ARGS_FDB_ADD:
		return (nargs == 3 || (nargs == 5 && strcmp(args[3], "port") == 0)) &&
		       strcmp(args[1], "dst") == 0;
	case ARGS_NEIGH_ADD:
		return nargs == 3 && strcmp(args[1], "lladdr") == 0;
	default:
		return nargs == want[s];
	}
}

/* "fdb add MAC dst ADDR[:PORT] port PORT", as "fdb show" prints it: the
 * port word, which must agree with a port in ADDR. */
static enum ctlproto_parse_result parse_fdb_dst(const struct ctlproto_net *net, char *const args[],
						int nargs, struct endpoint *ep, char *err)
{
	enum ctlproto_parse_result r;
	struct endpoint bare;
	char *end;
	unsigned long port;

	r = parse_endpoint(net, args[2], ep, err);
	if (r != CTLPROTO_OK || nargs < 5)
		return r;
	errno = 0;
	port = strtoul(args[4], &end, 10);
	if (args[4][0] < '0' || args[4][0] > '9' || *end != '\0' || errno != 0 || port == 0 ||
	    port > 65535)
		return bad(err, args[4], "is not a port (1-65535)");
	/* An address with no port of its own takes the port word's. */
	if (endpoint_parse(args[2], 0, &bare) && bare.port == 0)
		ep->port = (uint16_t)port;
	else if (ep->port != port)
		return bad(err, args[4], "is not the port the address gives");
	return CTLPROTO_OK;
}

enum ctlproto_parse_result ctlproto_parse_argv(const struct ctlproto_net *net, int argc,
					       char *const argv[], struct ctlproto_req *req,
					       char err[static CTLPROTO_ERRLEN])
{
	enum ctlproto_parse_result r = CTLPROTO_OK;
	const struct cmd_def *d;
	char *args[CTLPROTO_ARGS_MAX];
	int nwords, nargs;

	memset(req, 0, sizeof(*req));
	err[0] = '\0';
	if (argc == 0 || argv[0][0] == '#')
		return CTLPROTO_EMPTY;
	if (argc > CTLPROTO_ARGS_MAX)
		return fail(CTLPROTO_EUSAGE, err, "too many words");
	d = find_cmd(argc, argv, &nwords, err, &r);
	if (d == NULL)
		return r;
	req->cmd = d->cmd;
	r = take_options(d, argc - nwords, argv + nwords, args, &nargs, &req->fmt, err);
	if (r != CTLPROTO_OK)
		return r;
	nargs = shown_words_at(d->shape, args, nargs);
	if (!shape_fits(d->shape, args, nargs))
		return fail(CTLPROTO_EUSAGE, err, "usage: %s", d->usage);

	switch (d->shape) {
	case ARGS_NONE:
		return CTLPROTO_OK;
	case ARGS_PEER:
		return parse_endpoint(net, args[0], &req->ep, err);
	case ARGS_PEER_ADD:
		req->noflood = nargs > 1 && strcmp(args[nargs - 1], "noflood") == 0;
		r = parse_endpoint(net, args[0], &req->ep, err);
		return r != CTLPROTO_OK
			       ? r
			       : parse_peer_key(net, args[0], peer_key_word(args, nargs), req, err);
	case ARGS_FDB_ADD:
		r = parse_mac(args[0], false, &req->mac, err);
		return r != CTLPROTO_OK ? r : parse_fdb_dst(net, args, nargs, &req->ep, err);
	case ARGS_MAC:
		return parse_mac(args[0], false, &req->mac, err);
	case ARGS_NEIGH_ADD:
		r = parse_neigh_ip(args[0], &req->ip, err);
		return r != CTLPROTO_OK ? r : parse_mac(args[2], true, &req->mac, err);
	case ARGS_IP:
		return parse_neigh_ip(args[0], &req->ip, err);
	case ARGS_PATH:
		if (strlen(args[0]) >= sizeof(req->path))
			return fail(CTLPROTO_EVALUE, err, "path longer than %d bytes",
				    CTLPROTO_PATH_MAX - 1);
		memcpy(req->path, args[0], strlen(args[0]) + 1);
		return CTLPROTO_OK;
	}
	return CTLPROTO_OK;
}

enum ctlproto_parse_result ctlproto_parse(const struct ctlproto_net *net, const char *line,
					  size_t len, struct ctlproto_req *req,
					  char err[static CTLPROTO_ERRLEN])
{
	char copy[CTLPROTO_LINE_MAX];
	char *argv[CTLPROTO_ARGS_MAX];
	int argc;

	memset(req, 0, sizeof(*req));
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len >= sizeof(copy))
		return fail(CTLPROTO_EUSAGE, err, "line too long");
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)line[i];

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return fail(CTLPROTO_EUSAGE, err, "control byte 0x%02x in the request", ch);
	}
	memcpy(copy, line, len);
	copy[len] = '\0';
	argc = ctlproto_split(copy, argv, CTLPROTO_ARGS_MAX);
	if (argc < 0)
		return fail(CTLPROTO_EUSAGE, err, "too many words");
	return ctlproto_parse_argv(net, argc, argv, req, err);
}

void ctlproto_help(struct ctlproto_buf *out)
{
	for (size_t i = 0; i < NCMDS; i++)
		ctlproto_buf_printf(out, "%s\n", cmds[i].usage);
}

enum ctlproto_frame ctlproto_next_line(const char *buf, size_t avail, size_t *len)
{
	const char *nl = memchr(buf, '\n', avail < CTLPROTO_LINE_MAX ? avail : CTLPROTO_LINE_MAX);

	if (nl != NULL) {
		*len = (size_t)(nl - buf);
		return CTLPROTO_FRAME_LINE;
	}
	return avail < CTLPROTO_LINE_MAX ? CTLPROTO_FRAME_MORE : CTLPROTO_FRAME_TOO_LONG;
}

bool ctlproto_is_blank(const char *s, size_t n)
{
	size_t skip = 0;

	while (skip < n && (s[skip] == ' ' || s[skip] == '\t' || s[skip] == '\r'))
		skip++;
	return skip == n || s[skip] == '#';
}

enum ctlproto_reply ctlproto_reply_line(const char *s, size_t n, const char **msg, size_t *msglen)
{
	if (n == 2 && memcmp(s, "ok", 2) == 0)
		return CTLPROTO_REPLY_OK;
	if (n >= 6 && memcmp(s, "error:", 6) == 0) {
		*msg = s + 6 + (n > 6 && s[6] == ' ');
		*msglen = n - (size_t)(*msg - s);
		return CTLPROTO_REPLY_ERROR;
	}
	return CTLPROTO_REPLY_BODY;
}
