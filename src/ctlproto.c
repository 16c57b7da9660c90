/* ctlproto: control requests parsed, carried out on the tables, and answered as text, JSON or
 * Prometheus. */
#include "ctlproto.h"

#include "crypto.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf.h"
#include "crypto.h"
#include "dp.h"

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
	ARGS_FDB_ADD,	/* MAC dst ADDR[:PORT] */
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
	{"peer",  "add",   CTLPROTO_PEER_ADD,    ARGS_PEER,      0,        "peer add ADDR[:PORT]"},
	{"peer",  "del",   CTLPROTO_PEER_DEL,    ARGS_PEER,      0,        "peer del ADDR[:PORT]"},
	{"peer",  "show",  CTLPROTO_PEER_SHOW,   ARGS_NONE,      FMT_JSON, "peer show [--json]"},
	{"fdb",   "add",   CTLPROTO_FDB_ADD,     ARGS_FDB_ADD,   0,        "fdb add MAC dst ADDR[:PORT]"},
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
	{"help",  NULL,    CTLPROTO_HELP,        ARGS_NONE,      0,        "help"},
};
/* clang-format on */

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static const struct cmd_def *find_cmd(int argc, char *const argv[], int *nwords, char *err,
				      enum ctlproto_parse_result *r)
{
	char q[CONF_QUOTELEN], q2[CONF_QUOTELEN];
	bool obj_known = false;

	for (size_t i = 0; i < NCMDS; i++) {
		if (strcmp(cmds[i].obj, argv[0]) != 0)
			continue;
		obj_known = true;
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
		*r = fail(CTLPROTO_EUSAGE, err, "usage: %s add|del|show|flush ...", argv[0]);
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

enum ctlproto_parse_result ctlproto_parse_argv(const struct ctlproto_net *net, int argc,
					       char *const argv[], struct ctlproto_req *req,
					       char err[static CTLPROTO_ERRLEN])
{
	enum ctlproto_parse_result r = CTLPROTO_OK;
	const struct cmd_def *d;
	char *args[CTLPROTO_ARGS_MAX];
	int nwords, nargs;
	static const int want[] = {
		[ARGS_NONE] = 0,      [ARGS_PEER] = 1, [ARGS_FDB_ADD] = 3, [ARGS_MAC] = 1,
		[ARGS_NEIGH_ADD] = 3, [ARGS_IP] = 1,   [ARGS_PATH] = 1,
	};

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
	if (nargs != want[d->shape] || (d->shape == ARGS_FDB_ADD && strcmp(args[1], "dst") != 0) ||
	    (d->shape == ARGS_NEIGH_ADD && strcmp(args[1], "lladdr") != 0))
		return fail(CTLPROTO_EUSAGE, err, "usage: %s", d->usage);

	switch (d->shape) {
	case ARGS_NONE:
		return CTLPROTO_OK;
	case ARGS_PEER:
		return parse_endpoint(net, args[0], &req->ep, err);
	case ARGS_FDB_ADD:
		r = parse_mac(args[0], false, &req->mac, err);
		return r != CTLPROTO_OK ? r : parse_endpoint(net, args[2], &req->ep, err);
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

/* --- changes ----------------------------------------------------------------- */

int ctlproto_peer_add(const struct ctlproto_env *env, const struct endpoint *ep)
{
	struct endpoint e = *ep;

	if (peers_find(env->dp->peers, &e.ip) != NULL)
		return -EEXIST;
	if (peers_count(env->dp->peers) >= env->lim.peers)
		return -ENOSPC;
	if (e.port == 0)
		e.port = env->net.port;
	return peers_add(env->dp->peers, &e, NULL);
}

int ctlproto_peer_del(const struct ctlproto_env *env, const struct ipaddr *ip)
{
	const struct peer *p = peers_find(env->dp->peers, ip);

	if (p == NULL)
		return -ENOENT;
	if (env->peer_gone != NULL)
		env->peer_gone(p, env->arg);
	/* What it taught goes with it; what the administrator set stays. */
	fdb_del_dst(env->dp->fdb, ip, false);
	return peers_del(env->dp->peers, ip);
}

int ctlproto_fdb_add(const struct ctlproto_env *env, const struct mac *mac,
		     const struct endpoint *dst)
{
	struct endpoint e = *dst;

	/* Replacing an entry never needs room; a learned one made static may
	 * pass the cap by the learned cap at most. */
	if (fdb_lookup(env->dp->fdb, mac) == NULL &&
	    fdb_count(env->dp->fdb, true) >= env->lim.fdb_static)
		return -ENOSPC;
	if (e.port == 0)
		e.port = env->net.port;
	return fdb_add_static(env->dp->fdb, mac, &e);
}

int ctlproto_neigh_add(const struct ctlproto_env *env, const struct ipaddr *ip,
		       const struct mac *mac)
{
	if (neigh_lookup(env->dp->neigh, ip) == NULL &&
	    neigh_count(env->dp->neigh, true) >= env->lim.neigh_static)
		return -ENOSPC;
	return neigh_add_static(env->dp->neigh, ip, mac);
}

/* --- output ---------------------------------------------------------------- */

#define ULL(x) ((unsigned long long)(x))

static void put_age(struct ctlproto_buf *out, bool is_static, uint64_t updated, uint64_t now)
{
	if (is_static)
		ctlproto_buf_printf(out, " static\n");
	else
		ctlproto_buf_printf(out, " learned age %llus\n",
				    ULL(now > updated ? (now - updated) / 1000u : 0));
}

static void put_json_age(struct ctlproto_buf *out, bool is_static, uint64_t updated, uint64_t now)
{
	if (is_static)
		ctlproto_buf_printf(out, "\"state\":\"static\",\"age_ms\":null}");
	else
		ctlproto_buf_printf(out, "\"state\":\"learned\",\"age_ms\":%llu}",
				    ULL(now > updated ? now - updated : 0));
}

static int cmp_ipaddr(const struct ipaddr *a, const struct ipaddr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->a, b->a, sizeof(a->a));
}

/* Collect views into an array so that show lists them sorted. */
struct collect {
	void *arr;
	size_t n, cap, size;
	bool failed;
};

static void *collect_slot(struct collect *c)
{
	if (c->n == c->cap) {
		/* The count may have been read before; grow anyway to be safe. */
		size_t cap = c->cap ? c->cap * 2 : 64;
		void *a = realloc(c->arr, cap * c->size);

		if (a == NULL) {
			c->failed = true;
			return NULL;
		}
		c->arr = a;
		c->cap = cap;
	}
	return (char *)c->arr + c->n++ * c->size;
}

static void collect_fdb(const struct fdb_view *v, void *arg)
{
	struct fdb_view *slot = collect_slot(arg);

	if (slot != NULL)
		*slot = *v;
}

static void collect_neigh(const struct neigh_view *v, void *arg)
{
	struct neigh_view *slot = collect_slot(arg);

	if (slot != NULL)
		*slot = *v;
}

static int cmp_fdb(const void *a, const void *b)
{
	return memcmp(((const struct fdb_view *)a)->mac.b, ((const struct fdb_view *)b)->mac.b,
		      MAC_LEN);
}

static int cmp_neigh(const void *a, const void *b)
{
	return cmp_ipaddr(&((const struct neigh_view *)a)->ip, &((const struct neigh_view *)b)->ip);
}

static int cmp_peer(const void *a, const void *b)
{
	const struct peer *const *pa = a, *const *pb = b;

	return cmp_ipaddr(&(*pa)->ep.ip, &(*pb)->ep.ip);
}

static void put_fdb(struct ctlproto_buf *out, const void *view, bool json, uint64_t now)
{
	const struct fdb_view *v = view;
	char m[MAC_STRLEN], a[ADDR_STRLEN];

	mac_fmt(&v->mac, m);
	ipaddr_fmt(&v->dst.ip, a);
	if (json) {
		ctlproto_buf_printf(out, "{\"mac\":\"%s\",\"dst\":\"%s\",\"port\":%u,", m, a,
				    v->dst.port);
		put_json_age(out, v->is_static, v->updated, now);
	} else {
		ctlproto_buf_printf(out, "%s dst %s port %u", m, a, v->dst.port);
		put_age(out, v->is_static, v->updated, now);
	}
}

static void put_neigh(struct ctlproto_buf *out, const void *view, bool json, uint64_t now)
{
	const struct neigh_view *v = view;
	char m[MAC_STRLEN], a[ADDR_STRLEN];

	ipaddr_fmt(&v->ip, a);
	mac_fmt(&v->mac, m);
	if (json) {
		ctlproto_buf_printf(out, "{\"ip\":\"%s\",\"lladdr\":\"%s\",", a, m);
		put_json_age(out, v->is_static, v->updated, now);
	} else {
		ctlproto_buf_printf(out, "%s lladdr %s", a, m);
		put_age(out, v->is_static, v->updated, now);
	}
}

/* Sort what was collected and print it: a line per entry, or one JSON array. */
static bool show_sorted(struct collect *c, int (*cmp)(const void *, const void *),
			void (*put)(struct ctlproto_buf *, const void *, bool, uint64_t),
			enum ctlproto_fmt fmt, uint64_t now, struct ctlproto_buf *out)
{
	bool json = fmt == CTLPROTO_JSON;

	if (c->failed) {
		free(c->arr);
		return false;
	}
	if (c->n > 0)
		qsort(c->arr, c->n, c->size, cmp);
	if (json)
		ctlproto_buf_put(out, "[", 1);
	for (size_t i = 0; i < c->n; i++) {
		if (json && i > 0)
			ctlproto_buf_put(out, ",", 1);
		put(out, (const char *)c->arr + i * c->size, json, now);
	}
	if (json)
		ctlproto_buf_put(out, "]\n", 2);
	free(c->arr);
	return true;
}

static bool fdb_show(const struct ctlproto_env *env, enum ctlproto_fmt fmt, uint64_t now,
		     struct ctlproto_buf *out)
{
	struct collect c = {.size = sizeof(struct fdb_view)};

	fdb_foreach(env->dp->fdb, collect_fdb, &c);
	return show_sorted(&c, cmp_fdb, put_fdb, fmt, now, out);
}

static bool neigh_show(const struct ctlproto_env *env, enum ctlproto_fmt fmt, uint64_t now,
		       struct ctlproto_buf *out)
{
	struct collect c = {.size = sizeof(struct neigh_view)};

	neigh_foreach(env->dp->neigh, collect_neigh, &c);
	return show_sorted(&c, cmp_neigh, put_neigh, fmt, now, out);
}

/* The peers sorted by address; NULL (and *n 0) when there are none or no memory. */
static const struct peer **sorted_peers(const struct peers *ps, size_t *n, bool *failed)
{
	const struct peer **arr;

	*n = peers_count(ps);
	*failed = false;
	if (*n == 0)
		return NULL;
	arr = malloc(*n * sizeof(*arr));
	if (arr == NULL) {
		*failed = true;
		*n = 0;
		return NULL;
	}
	for (size_t i = 0; i < *n; i++)
		arr[i] = peers_at(ps, i);
	qsort(arr, *n, sizeof(*arr), cmp_peer);
	return arr;
}

static void put_peer_text(struct ctlproto_buf *out, const char *prefix, const struct peer *p,
			  uint64_t now)
{
	char a[ADDR_STRLEN];
	const struct peer_stats *s = &p->st;

	ctlproto_buf_printf(out, "%s%s rx %llu pkts %llu bytes tx %llu pkts %llu bytes last_rx ",
			    prefix, endpoint_fmt(&p->ep, a), ULL(s->rx_packets), ULL(s->rx_bytes),
			    ULL(s->tx_packets), ULL(s->tx_bytes));
	if (s->last_rx == 0) {
		ctlproto_buf_printf(out, "never\n");
	} else {
		uint64_t ago = now > s->last_rx ? now - s->last_rx : 0;

		ctlproto_buf_printf(out, "%llu.%llus ago\n", ULL(ago / 1000u),
				    ULL(ago % 1000u / 100u));
	}
}

static void put_peer_json(struct ctlproto_buf *out, const struct peer *p, uint64_t now)
{
	char a[ADDR_STRLEN];
	const struct peer_stats *s = &p->st;

	ctlproto_buf_printf(out,
			    "{\"addr\":\"%s\",\"port\":%u,\"rx_packets\":%llu,\"rx_bytes\":%llu,"
			    "\"tx_packets\":%llu,\"tx_bytes\":%llu,\"last_rx_age_ms\":",
			    ipaddr_fmt(&p->ep.ip, a), p->ep.port, ULL(s->rx_packets),
			    ULL(s->rx_bytes), ULL(s->tx_packets), ULL(s->tx_bytes));
	if (s->last_rx == 0)
		ctlproto_buf_printf(out, "null}");
	else
		ctlproto_buf_printf(out, "%llu}", ULL(now > s->last_rx ? now - s->last_rx : 0));
}

static bool peer_show(const struct ctlproto_env *env, enum ctlproto_fmt fmt, uint64_t now,
		      struct ctlproto_buf *out)
{
	size_t n;
	bool failed;
	const struct peer **arr = sorted_peers(env->dp->peers, &n, &failed);

	if (failed)
		return false;
	if (fmt == CTLPROTO_JSON)
		ctlproto_buf_put(out, "[", 1);
	for (size_t i = 0; i < n; i++) {
		if (fmt == CTLPROTO_JSON) {
			ctlproto_buf_printf(out, "%s", i ? "," : "");
			put_peer_json(out, arr[i], now);
		} else {
			put_peer_text(out, "", arr[i], now);
		}
	}
	if (fmt == CTLPROTO_JSON)
		ctlproto_buf_put(out, "]\n", 2);
	free(arr);
	return true;
}

/* Table sizes, in the order every format lists them. */
struct sizes {
	const char *name, *desc;
	uint64_t v;
};

static void table_sizes(const struct dp *dp, struct sizes s[static 5])
{
	s[0] = (struct sizes){"peers", "peers in the flood list", peers_count(dp->peers)};
	s[1] = (struct sizes){"fdb_static_entries", "static FDB entries", fdb_count(dp->fdb, true)};
	s[2] = (struct sizes){"fdb_learned_entries", "learned FDB entries",
			      fdb_count(dp->fdb, false)};
	s[3] = (struct sizes){"neigh_static_entries", "static neighbour entries",
			      neigh_count(dp->neigh, true)};
	s[4] = (struct sizes){"neigh_learned_entries", "learned neighbour entries",
			      neigh_count(dp->neigh, false)};
}

static void stats_text(const struct ctlproto_env *env, const struct peer **peers, size_t np,
		       uint64_t now, struct ctlproto_buf *out)
{
	const struct dp_stats *st = &env->dp->st;
	struct sizes sz[5];

#define TEXT_COUNTER(name, desc) \
	ctlproto_buf_printf(out, "%-22s %14llu  %s\n", #name, ULL(st->name), desc);
	DP_COUNTERS(TEXT_COUNTER)
#undef TEXT_COUNTER
	ctlproto_buf_printf(out, "%-22s %14llu  %s\n", "drops", ULL(dp_drops_total(st)),
			    "dropped, every reason");
	for (int r = DROP_NONE + 1; r < DROP__COUNT; r++)
		ctlproto_buf_printf(out, "drop_%-17s %14llu  %s\n", dp_drop_name((enum dp_drop)r),
				    ULL(st->drops[r]), dp_drop_desc((enum dp_drop)r));
	table_sizes(env->dp, sz);
	for (size_t i = 0; i < 5; i++)
		ctlproto_buf_printf(out, "%-22s %14llu  %s\n", sz[i].name, ULL(sz[i].v),
				    sz[i].desc);
	if (env->crypto != NULL) {
		struct crypto_stats cs;

		crypto_get_stats(env->crypto, &cs);
		ctlproto_buf_printf(out, "%-22s %14llu  %s\n", "crypto_sessions", ULL(cs.sessions),
				    "secure sessions established");
		ctlproto_buf_printf(out, "%-22s %14llu  %s\n", "crypto_inits_sent",
				    ULL(cs.inits_sent), "handshake inits sent");
		ctlproto_buf_printf(out, "%-22s %14llu  %s\n", "crypto_responses_sent",
				    ULL(cs.responses_sent), "handshake responses sent");
		for (int r = CRYPTO_DROP_NONE + 1; r < CRYPTO_DROP__COUNT; r++)
			ctlproto_buf_printf(out, "drop_crypto_%-10s %14llu  %s\n",
					    crypto_drop_name((enum crypto_drop)r), ULL(cs.drops[r]),
					    "secure mode drops");
	}
	for (size_t i = 0; i < np; i++)
		put_peer_text(out, "peer ", peers[i], now);
}

static void stats_json(const struct ctlproto_env *env, const struct peer **peers, size_t np,
		       uint64_t now, struct ctlproto_buf *out)
{
	const struct dp_stats *st = &env->dp->st;
	struct sizes sz[5];
	const char *sep = "";

	ctlproto_buf_printf(out, "{\"totals\":{");
#define JSON_COUNTER(name, desc)                                              \
	ctlproto_buf_printf(out, "%s\"%s\":%llu", sep, #name, ULL(st->name)); \
	sep = ",";
	DP_COUNTERS(JSON_COUNTER)
#undef JSON_COUNTER
	ctlproto_buf_printf(out, "},\"drops\":{\"total\":%llu", ULL(dp_drops_total(st)));
	for (int r = DROP_NONE + 1; r < DROP__COUNT; r++)
		ctlproto_buf_printf(out, ",\"%s\":%llu", dp_drop_name((enum dp_drop)r),
				    ULL(st->drops[r]));
	if (env->crypto != NULL) {
		struct crypto_stats cs;

		crypto_get_stats(env->crypto, &cs);
		ctlproto_buf_printf(out,
				    "},\"crypto\":{\"sessions\":%llu,\"inits_sent\":%llu,"
				    "\"responses_sent\":%llu",
				    ULL(cs.sessions), ULL(cs.inits_sent), ULL(cs.responses_sent));
		for (int r = CRYPTO_DROP_NONE + 1; r < CRYPTO_DROP__COUNT; r++)
			ctlproto_buf_printf(out, ",\"drop_%s\":%llu",
					    crypto_drop_name((enum crypto_drop)r),
					    ULL(cs.drops[r]));
	}
	ctlproto_buf_printf(out, "},\"tables\":{");
	table_sizes(env->dp, sz);
	for (size_t i = 0; i < 5; i++)
		ctlproto_buf_printf(out, "%s\"%s\":%llu", i ? "," : "", sz[i].name, ULL(sz[i].v));
	ctlproto_buf_printf(out, "},\"peers\":[");
	for (size_t i = 0; i < np; i++) {
		ctlproto_buf_printf(out, "%s", i ? "," : "");
		put_peer_json(out, peers[i], now);
	}
	ctlproto_buf_printf(out, "]}\n");
}

static void prom_head(struct ctlproto_buf *out, const char *name, const char *type,
		      const char *help)
{
	ctlproto_buf_printf(out, "# HELP vxtap_%s %s\n# TYPE vxtap_%s %s\n", name, help, name,
			    type);
}

/* Per-peer series: one family per field, one sample per peer. */
static void prom_peers(struct ctlproto_buf *out, const struct peer **peers, size_t np)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} fields[] = {
		{"peer_rx_packets_total", "Datagrams received from the peer.",
		 offsetof(struct peer_stats, rx_packets)},
		{"peer_rx_bytes_total", "Bytes received from the peer.",
		 offsetof(struct peer_stats, rx_bytes)},
		{"peer_tx_packets_total", "Datagrams sent to the peer.",
		 offsetof(struct peer_stats, tx_packets)},
		{"peer_tx_bytes_total", "Bytes sent to the peer.",
		 offsetof(struct peer_stats, tx_bytes)},
	};
	char a[ADDR_STRLEN];

	for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
		prom_head(out, fields[f].name, "counter", fields[f].help);
		for (size_t i = 0; i < np; i++) {
			uint64_t v;

			memcpy(&v, (const char *)&peers[i]->st + fields[f].off, sizeof(v));
			ctlproto_buf_printf(out, "vxtap_%s{peer=\"%s\"} %llu\n", fields[f].name,
					    endpoint_fmt(&peers[i]->ep, a), ULL(v));
		}
	}
}

static void stats_prometheus(const struct ctlproto_env *env, const struct peer **peers, size_t np,
			     uint64_t now, struct ctlproto_buf *out)
{
	const struct dp_stats *st = &env->dp->st;
	struct sizes sz[5];
	char a[ADDR_STRLEN];

#define PROM_COUNTER(name, desc)                         \
	prom_head(out, #name "_total", "counter", desc); \
	ctlproto_buf_printf(out, "vxtap_%s_total %llu\n", #name, ULL(st->name));
	DP_COUNTERS(PROM_COUNTER)
#undef PROM_COUNTER
	prom_head(out, "drops_total", "counter", "Frames and datagrams dropped, by reason.");
	for (int r = DROP_NONE + 1; r < DROP__COUNT; r++)
		ctlproto_buf_printf(out, "vxtap_drops_total{reason=\"%s\"} %llu\n",
				    dp_drop_name((enum dp_drop)r), ULL(st->drops[r]));
	if (env->crypto != NULL) {
		struct crypto_stats cs;

		crypto_get_stats(env->crypto, &cs);
		prom_head(out, "crypto_sessions_total", "counter", "Secure sessions established.");
		ctlproto_buf_printf(out, "vxtap_crypto_sessions_total %llu\n", ULL(cs.sessions));
		prom_head(out, "crypto_drops_total", "counter", "Secure-mode drops, by reason.");
		for (int r = CRYPTO_DROP_NONE + 1; r < CRYPTO_DROP__COUNT; r++)
			ctlproto_buf_printf(out, "vxtap_crypto_drops_total{reason=\"%s\"} %llu\n",
					    crypto_drop_name((enum crypto_drop)r),
					    ULL(cs.drops[r]));
	}
	table_sizes(env->dp, sz);
	for (size_t i = 0; i < 5; i++) {
		prom_head(out, sz[i].name, "gauge", sz[i].desc);
		ctlproto_buf_printf(out, "vxtap_%s %llu\n", sz[i].name, ULL(sz[i].v));
	}
	prom_peers(out, peers, np);
	prom_head(out, "peer_last_rx_age_seconds", "gauge",
		  "Seconds since the last datagram from the peer (absent: never).");
	for (size_t i = 0; i < np; i++) {
		uint64_t last = peers[i]->st.last_rx;

		if (last != 0)
			ctlproto_buf_printf(out,
					    "vxtap_peer_last_rx_age_seconds{peer=\"%s\"} %.3f\n",
					    endpoint_fmt(&peers[i]->ep, a),
					    (double)(now > last ? now - last : 0) / 1000.0);
	}
}

static bool stats(const struct ctlproto_env *env, enum ctlproto_fmt fmt, uint64_t now,
		  struct ctlproto_buf *out)
{
	size_t np;
	bool failed;
	const struct peer **peers = sorted_peers(env->dp->peers, &np, &failed);

	if (failed)
		return false;
	if (fmt == CTLPROTO_JSON)
		stats_json(env, peers, np, now, out);
	else if (fmt == CTLPROTO_PROMETHEUS)
		stats_prometheus(env, peers, np, now, out);
	else
		stats_text(env, peers, np, now, out);
	free(peers);
	return true;
}

static void help(struct ctlproto_buf *out)
{
	for (size_t i = 0; i < NCMDS; i++)
		ctlproto_buf_printf(out, "%s\n", cmds[i].usage);
}

/* --- execution ------------------------------------------------------------- */

static bool reply_error(struct ctlproto_buf *out, size_t mark, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Replace whatever the request appended with one error status line. */
static bool reply_error(struct ctlproto_buf *out, size_t mark, const char *fmt, ...)
{
	char msg[CTLPROTO_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	out->len = mark;
	out->failed = false;
	ctlproto_buf_printf(out, "error: %s\n", msg);
	return false;
}

static bool errno_reply(struct ctlproto_buf *out, size_t mark, int err, const char *what,
			size_t limit)
{
	switch (err) {
	case -ENOSPC:
		return reply_error(out, mark, "%s table full (%zu entries)", what, limit);
	case -ENOMEM:
		return reply_error(out, mark, "out of memory");
	default:
		return reply_error(out, mark, "%s: %s", what, strerror(-err));
	}
}

bool ctlproto_exec(const struct ctlproto_env *env, const struct ctlproto_req *req, uint64_t now,
		   struct ctlproto_buf *out)
{
	size_t mark = out->len;
	char a[ADDR_STRLEN], m[MAC_STRLEN];
	bool shown = true;
	int r;

	switch (req->cmd) {
	case CTLPROTO_HELP:
		help(out);
		break;
	case CTLPROTO_PEER_ADD:
		r = ctlproto_peer_add(env, &req->ep);
		if (r == -EEXIST)
			return reply_error(out, mark, "peer %s already exists",
					   ipaddr_fmt(&req->ep.ip, a));
		if (r != 0)
			return errno_reply(out, mark, r, "peer", env->lim.peers);
		break;
	case CTLPROTO_PEER_DEL:
		if (ctlproto_peer_del(env, &req->ep.ip) != 0)
			return reply_error(out, mark, "no peer %s", ipaddr_fmt(&req->ep.ip, a));
		break;
	case CTLPROTO_PEER_SHOW:
		shown = peer_show(env, req->fmt, now, out);
		break;
	case CTLPROTO_FDB_ADD:
		r = ctlproto_fdb_add(env, &req->mac, &req->ep);
		if (r != 0)
			return errno_reply(out, mark, r, "static fdb", env->lim.fdb_static);
		break;
	case CTLPROTO_FDB_DEL:
		if (fdb_del(env->dp->fdb, &req->mac) != 0)
			return reply_error(out, mark, "no fdb entry for %s", mac_fmt(&req->mac, m));
		break;
	case CTLPROTO_FDB_SHOW:
		shown = fdb_show(env, req->fmt, now, out);
		break;
	case CTLPROTO_FDB_FLUSH:
		fdb_flush_learned(env->dp->fdb);
		break;
	case CTLPROTO_NEIGH_ADD:
		r = ctlproto_neigh_add(env, &req->ip, &req->mac);
		if (r != 0)
			return errno_reply(out, mark, r, "static neigh", env->lim.neigh_static);
		break;
	case CTLPROTO_NEIGH_DEL:
		if (neigh_del(env->dp->neigh, &req->ip) != 0)
			return reply_error(out, mark, "no neigh entry for %s",
					   ipaddr_fmt(&req->ip, a));
		break;
	case CTLPROTO_NEIGH_SHOW:
		shown = neigh_show(env, req->fmt, now, out);
		break;
	case CTLPROTO_NEIGH_FLUSH:
		neigh_flush_learned(env->dp->neigh);
		break;
	case CTLPROTO_STATS:
		shown = stats(env, req->fmt, now, out);
		break;
	case CTLPROTO_KEY_LOAD: {
		char err[CTLPROTO_ERRLEN];

		if (env->key_load == NULL)
			return reply_error(out, mark, "secure mode is off (no --key-file)");
		if (env->key_load(req->path, err, sizeof(err), env->arg) != 0)
			return reply_error(out, mark, "%s", err);
		break;
	}
	}
	if (!shown || out->failed)
		return reply_error(out, mark, "out of memory");
	if (env->changed != NULL && req->cmd != CTLPROTO_HELP && req->cmd != CTLPROTO_STATS &&
	    req->cmd != CTLPROTO_PEER_SHOW && req->cmd != CTLPROTO_FDB_SHOW &&
	    req->cmd != CTLPROTO_NEIGH_SHOW)
		env->changed(req, env->arg);
	ctlproto_buf_put(out, "ok\n", 3);
	if (out->failed)
		return reply_error(out, mark, "out of memory");
	return true;
}

bool ctlproto_handle(const struct ctlproto_env *env, const char *line, size_t len, uint64_t now,
		     struct ctlproto_buf *out)
{
	struct ctlproto_req req;
	char err[CTLPROTO_ERRLEN];

	switch (ctlproto_parse(&env->net, line, len, &req, err)) {
	case CTLPROTO_OK:
		return ctlproto_exec(env, &req, now, out);
	case CTLPROTO_EMPTY:
		return true;
	case CTLPROTO_EUSAGE:
	case CTLPROTO_EVALUE:
		break;
	}
	return reply_error(out, out->len, "%s", err);
}
