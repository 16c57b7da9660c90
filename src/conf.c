/* conf: the command line into a validated configuration; parses, never prints. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf.h"
#include "keytext.h"
#include "spin.h"

#define USAGE_LINE "usage: vxtap --local ADDR {--peer|--peers-file|--etcd-endpoints} ... [options]"

const char conf_usage_line[] = USAGE_LINE;

/* Keep in step with man/vxtap.8. */
const char conf_help[] = USAGE_LINE
	"\n"
	"A userspace VXLAN tunnel endpoint (RFC 7348): a TAP device and a UDP socket.\n"
	"\n"
	"  -d, --dev NAME             TAP device name (default vxtap0)\n"
	"      --vni N                VXLAN network identifier, 0-16777215 (default 1)\n"
	"      --port N               UDP port to listen on and send to (default 8472)\n"
	"      --local ADDR           underlay address to bind and send from, IPv4 or\n"
	"                             IPv6; peers are of its family (required)\n"
	"      --peer ADDR[:PORT][=PUBKEY]\n"
	"                             remote VTEP, with its public key in secure\n"
	"                             mode; repeatable or a,b,c (port: --port)\n"
	"      --addr ADDR/LEN        overlay address for the TAP, IPv4 or IPv6;\n"
	"                             repeatable (default none)\n"
	"      --mac MAC              TAP MAC address, unicast (default random)\n"
	"      --mtu N                TAP MTU, 68-65000 (default underlay MTU - 50,\n"
	"                             or - 70 over IPv6; 32 less in secure mode)\n"
	"      --fdb MAC=ADDR[:PORT]  static FDB entry; repeatable (default none)\n"
	"      --neigh IP=MAC         static ARP or ND proxy entry, IPv4 or IPv6;\n"
	"                             repeatable (default none)\n"
	"      --ageing SECS          learned entry lifetime, 0 = never (default 300)\n"
	"      --no-learning          do not learn MACs from received packets\n"
	"      --max-fdb N            cap on learned FDB entries (default 4096)\n"
	"      --max-fdb-per-peer N   cap on learned FDB entries behind one peer\n"
	"                             (default max-fdb / 4, rounded up)\n"
	"      --max-moves N          moves between peers a MAC may make in a minute\n"
	"                             before it is frozen for one, 0 = any (default 5)\n"
	"      --flood-rate PPS       broadcast and unknown-unicast frames a second per\n"
	"                             source MAC, each way, 0 = any (default 1000)\n"
	"      --user NAME            run as user NAME once set up (default stay root)\n"
	"      --control PATH|none    control socket for vxtapctl, or none at all\n"
	"                             (default /run/vxtap/DEV.sock; in a network\n"
	"                             namespace named NS, /run/vxtap/NS/DEV.sock)\n"
	"      --peers-file FILE      peers and static entries, one a line; re-read\n"
	"                             on SIGHUP (default none)\n"
	"      --key-file FILE        secure mode: this node's private key (base64,\n"
	"                             mode 0600, owned by root or --user; re-read on\n"
	"                             SIGHUP); every peer then needs its public key\n"
	"      --psk-file FILE        secure mode: a cluster secret mixed into every\n"
	"                             handshake, as --key-file (default none)\n"
	"      --genkey               print a new private key and exit\n"
	"      --pubkey               print the public key of the private key read\n"
	"                             on standard input and exit\n"
	"      --etcd-endpoints URL[,URL...]\n"
	"                             join a flannel network through etcd (http:// or\n"
	"                             https://): lease a subnet, program every other\n"
	"                             node; --peer is then optional (default off)\n"
	"      --etcd-prefix PREFIX   flannel's key prefix (default /coreos.com/network)\n"
	"      --etcd-cafile FILE     CA certificates for https endpoints\n"
	"      --etcd-certfile FILE   client certificate for etcd (with --etcd-keyfile)\n"
	"      --etcd-keyfile FILE    the client certificate's private key\n"
	"      --subnet-file FILE     where the leased subnet is written for the CNI\n"
	"                             plugin (default /run/flannel/subnet.env)\n"
	"      --subnet-lease-renew-margin MINUTES\n"
	"                             renew the lease this long before it expires,\n"
	"                             1-1439 (default 60)\n"
	"      --state-dir DIR        what survives a restart: the TAP's MAC unless\n"
	"                             --mac is given (default /var/lib/vxtap)\n"
	"      --no-offload           no TAP offloads, UDP GSO or GRO: one frame a call\n"
	"      --busy-poll            poll without sleeping (lower latency, one core)\n"
	"      --spin-us N            after traffic, poll N microseconds before\n"
	"                             sleeping, yielding the core, 0-10000,\n"
	"                             0 = never (default 100)\n"
	"      --metrics ADDR:PORT    serve /metrics (Prometheus) and /healthz over HTTP\n"
	"                             ([ADDR]:PORT for IPv6; default off)\n"
	"  -v, --verbose              log why datagrams are dropped (a line per\n"
	"                             address and reason per 10 s), caps reached and,\n"
	"                             in secure mode, handshakes completed; -vv:\n"
	"                             every drop (FDB moves are always logged)\n"
	"  -h, --help                 print this help and exit\n"
	"  -V, --version              print the version and exit\n"
	"\n"
	"SIGINT and SIGTERM exit and remove the TAP; SIGUSR1 logs the FDB, the\n"
	"neighbour table and the counters; SIGHUP re-reads --peers-file and\n"
	"--key-file.\n";

#define DEFAULT_DEV	"vxtap0"
#define DEFAULT_VNI	1
#define DEFAULT_PORT	8472
#define DEFAULT_AGEING	300
#define DEFAULT_MAX_FDB 4096
#define VNI_MAX		16777215UL
#define MTU_MIN		68UL
#define MTU_MAX		65000UL
#define AGEING_MAX	1000000UL
#define MAX_FDB_MAX	16777216UL
#define SUN_PATH_MAX	107 /* sizeof(sockaddr_un.sun_path) less the NUL */
#define IPV6_MIN_MTU	1280

#define DEFAULT_MAX_MOVES  5
#define DEFAULT_FLOOD_RATE 1000
#define MAX_MOVES_MAX	   1000000UL
#define FLOOD_RATE_MAX	   10000000UL
#define USER_MAX	   32 /* useradd's limit on a name */

#define DEFAULT_ETCD_PREFIX  "/coreos.com/network"
#define DEFAULT_SUBNET_FILE  "/run/flannel/subnet.env"
#define DEFAULT_STATE_DIR    "/var/lib/vxtap"
#define DEFAULT_RENEW_MARGIN 60
#define RENEW_MARGIN_MAX     1439 /* flannel's leases last 24 hours */
#define URL_MAX		     256

/* Longest value quoted in an error before it is cut with "...". */
#define QUOTE_MAX 60

enum opt_id {
	OPT_DEV,
	OPT_VNI,
	OPT_PORT,
	OPT_LOCAL,
	OPT_PEER,
	OPT_ADDR,
	OPT_MAC,
	OPT_MTU,
	OPT_FDB,
	OPT_NEIGH,
	OPT_AGEING,
	OPT_NO_LEARNING,
	OPT_MAX_FDB,
	OPT_MAX_FDB_PER_PEER,
	OPT_MAX_MOVES,
	OPT_FLOOD_RATE,
	OPT_USER,
	OPT_CONTROL,
	OPT_KEY_FILE,
	OPT_GENKEY,
	OPT_PUBKEY,
	OPT_PSK_FILE,
	OPT_PEERS_FILE,
	OPT_NO_OFFLOAD,
	OPT_BUSY_POLL,
	OPT_SPIN_US,
	OPT_ETCD_ENDPOINTS,
	OPT_ETCD_PREFIX,
	OPT_ETCD_CAFILE,
	OPT_ETCD_CERTFILE,
	OPT_ETCD_KEYFILE,
	OPT_SUBNET_FILE,
	OPT_RENEW_MARGIN,
	OPT_STATE_DIR,
	OPT_METRICS,
	OPT_VERBOSE,
	OPT_HELP,
	OPT_VERSION,
};

struct opt {
	const char *name; /* with the leading "--": errors name the option this way */
	char short_name;  /* 0 = none */
	bool has_arg;
	enum opt_id id;
};

/* clang-format off */
static const struct opt opts[] = {
	{"--dev",         'd', true,  OPT_DEV},
	{"--vni",         0,   true,  OPT_VNI},
	{"--port",        0,   true,  OPT_PORT},
	{"--local",       0,   true,  OPT_LOCAL},
	{"--peer",        0,   true,  OPT_PEER},
	{"--addr",        0,   true,  OPT_ADDR},
	{"--mac",         0,   true,  OPT_MAC},
	{"--mtu",         0,   true,  OPT_MTU},
	{"--fdb",         0,   true,  OPT_FDB},
	{"--neigh",       0,   true,  OPT_NEIGH},
	{"--ageing",      0,   true,  OPT_AGEING},
	{"--no-learning", 0,   false, OPT_NO_LEARNING},
	{"--max-fdb",     0,   true,  OPT_MAX_FDB},
	{"--max-fdb-per-peer", 0, true, OPT_MAX_FDB_PER_PEER},
	{"--max-moves",   0,   true,  OPT_MAX_MOVES},
	{"--flood-rate",  0,   true,  OPT_FLOOD_RATE},
	{"--user",        0,   true,  OPT_USER},
	{"--control",     0,   true,  OPT_CONTROL},
	{"--key-file",    0,   true,  OPT_KEY_FILE},
	{"--genkey",      0,   false, OPT_GENKEY},
	{"--pubkey",      0,   false, OPT_PUBKEY},
	{"--psk-file",    0,   true,  OPT_PSK_FILE},
	{"--peers-file",  0,   true,  OPT_PEERS_FILE},
	{"--no-offload",  0,   false, OPT_NO_OFFLOAD},
	{"--busy-poll",   0,   false, OPT_BUSY_POLL},
	{"--spin-us",     0,   true,  OPT_SPIN_US},
	{"--etcd-endpoints", 0, true, OPT_ETCD_ENDPOINTS},
	{"--etcd-prefix", 0,   true,  OPT_ETCD_PREFIX},
	{"--etcd-cafile", 0,   true,  OPT_ETCD_CAFILE},
	{"--etcd-certfile", 0, true,  OPT_ETCD_CERTFILE},
	{"--etcd-keyfile", 0,  true,  OPT_ETCD_KEYFILE},
	{"--subnet-file", 0,   true,  OPT_SUBNET_FILE},
	{"--subnet-lease-renew-margin", 0, true, OPT_RENEW_MARGIN},
	{"--state-dir",   0,   true,  OPT_STATE_DIR},
	{"--metrics",     0,   true,  OPT_METRICS},
	{"--verbose",     'v', false, OPT_VERBOSE},
	{"--help",        'h', false, OPT_HELP},
	{"--version",     'V', false, OPT_VERSION},
};
/* clang-format on */

/* Where a list entry came from in argv, so checks that can only run once
 * every option is known (family, --local, --port) still quote the user's text. */
struct src {
	const char *s;
	size_t len;
};

struct parse {
	struct conf *c;
	char *err;
	bool have_local;
	bool have_per_peer;   /* --max-fdb-per-peer given */
	struct src *peer_src; /* parallel to c->peers */
	struct src *fdb_src;  /* parallel to c->fdb */
};

/* Copy s[0..len) into out as it may be shown in one error line: quotes,
 * backslashes and control bytes escaped, long values cut. */
static const char *quote(const char *s, size_t len, char out[static QUOTE_MAX * 4 + 4])
{
	size_t o = 0;
	size_t n = len > QUOTE_MAX ? QUOTE_MAX : len;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\') {
			out[o++] = '\\';
			out[o++] = (char)ch;
		} else if (ch < 0x20 || ch == 0x7f) {
			o += (size_t)snprintf(out + o, 5, "\\x%02x", ch);
		} else {
			out[o++] = (char)ch;
		}
	}
	if (n < len) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

_Static_assert(CONF_QUOTELEN == QUOTE_MAX * 4 + 4, "conf_quote's buffer");

const char *conf_quote(const char *s, size_t len, char out[static CONF_QUOTELEN])
{
	return quote(s, len, out);
}

/* "OPT: "VALUE" WHAT", the one shape of every CONF_ERROR message. */
static enum conf_status bad_len(struct parse *p, const char *opt, const char *v, size_t len,
				const char *what)
{
	char q[QUOTE_MAX * 4 + 4];

	snprintf(p->err, CONF_ERRLEN, "%s: \"%s\" %s", opt, quote(v, len, q), what);
	return CONF_ERROR;
}

static enum conf_status bad(struct parse *p, const char *opt, const char *v, const char *what)
{
	return bad_len(p, opt, v, strlen(v), what);
}

__attribute__((format(printf, 2, 3))) static enum conf_status usage(struct parse *p,
								    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err, CONF_ERRLEN, fmt, ap);
	va_end(ap);
	return CONF_USAGE;
}

/* Decimal only: no sign, no space, no base prefix, nothing after the digits. */
static enum conf_status parse_num(struct parse *p, const char *opt, const char *s, unsigned long lo,
				  unsigned long hi, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (s[0] < '0' || s[0] > '9')
		return bad(p, opt, s, "is not a number");
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end != '\0')
		return bad(p, opt, s, "is not a number");
	if (errno == ERANGE || v < lo || v > hi) {
		char what[64];
		snprintf(what, sizeof(what), "is out of range (%lu-%lu)", lo, hi);
		return bad(p, opt, s, what);
	}
	*out = v;
	return CONF_RUN;
}

/* Copy s[0..len) into buf as a C string; false if it does not fit (such a
 * value is malformed for every caller). */
static bool take(const char *s, size_t len, char *buf, size_t size)
{
	if (len >= size)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return true;
}

/* An address a packet can be sent to or from: not 0.0.0.0/::, not
 * multicast, not the IPv4 limited broadcast. */
static bool ip_is_unicast(const struct ipaddr *a)
{
	static const uint8_t bcast[4] = {255, 255, 255, 255};

	if (ipaddr_is_unspecified(a))
		return false;
	if (a->family == AF_INET)
		return (a->a[0] & 0xf0) != 0xe0 && memcmp(a->a, bcast, 4) != 0;
	return a->a[0] != 0xff;
}

bool conf_ip_unicast(const struct ipaddr *a)
{
	return ip_is_unicast(a);
}

static const char *family_name(const struct ipaddr *a)
{
	return a->family == AF_INET ? "IPv4" : "IPv6";
}

/* What keeps a unicast address off the underlay, or NULL: an IPv6
 * link-local one needs an interface the socket is not given, and the
 * IPv6 socket is IPv6-only, so IPv4-mapped addresses reach nothing. */
static const char *underlay_unfit(const struct ipaddr *a)
{
	static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};

	if (a->family != AF_INET6)
		return NULL;
	if (a->a[0] == 0xfe && (a->a[1] & 0xc0) == 0x80)
		return "is a link-local address (give a global or unique-local one)";
	if (memcmp(a->a, mapped, sizeof(mapped)) == 0)
		return "is an IPv4-mapped address (give it as IPv4)";
	return NULL;
}

const char *conf_underlay_unfit(const struct ipaddr *a)
{
	return underlay_unfit(a);
}

/* Room for one more element after n of them; NULL (old intact) on failure. */
static void *grow(void *old, size_t n, size_t size)
{
	if (n + 1 > SIZE_MAX / size)
		return NULL;
	return realloc(old, (n + 1) * size);
}

static enum conf_status nomem(struct parse *p)
{
	snprintf(p->err, CONF_ERRLEN, "out of memory");
	return CONF_ERROR;
}

static enum conf_status set_dev(struct parse *p, const char *v)
{
	size_t len = strlen(v);

	/* The kernel's dev_valid_name() rules. */
	if (len >= CONF_IFNAMSIZ) {
		char what[48];
		snprintf(what, sizeof(what), "is longer than %d bytes", CONF_IFNAMSIZ - 1);
		return bad(p, "--dev", v, what);
	}
	if (len == 0 || strcmp(v, ".") == 0 || strcmp(v, "..") == 0)
		return bad(p, "--dev", v, "is not a valid interface name");
	for (size_t i = 0; i < len; i++) {
		char ch = v[i];
		if (ch == '/' || ch == ':' || ch == ' ' || (ch >= '\t' && ch <= '\r'))
			return bad(p, "--dev", v, "is not a valid interface name");
	}
	/* The kernel would pick a number for "tap%d"; vxtap must know the name. */
	if (strchr(v, '%') != NULL)
		return bad(p, "--dev", v, "has a '%': give the device's own name");
	memcpy(p->c->dev, v, len + 1);
	return CONF_RUN;
}

static enum conf_status set_local(struct parse *p, const char *v)
{
	struct ipaddr ip;

	if (!ipaddr_parse(v, &ip))
		return bad(p, "--local", v, "is not an IP address");
	if (!ip_is_unicast(&ip))
		return bad(p, "--local", v, "is not a unicast address");
	if (underlay_unfit(&ip) != NULL)
		return bad(p, "--local", v, underlay_unfit(&ip));
	p->c->local = ip;
	p->have_local = true;
	return CONF_RUN;
}

/* One ADDR[:PORT] out of a --peer list; the port stays 0 until --port is known. */
/* Keep a warning for the caller; the first CONF_WARN_MAX only. */
__attribute__((format(printf, 2, 3))) static void warn(struct parse *p, const char *fmt, ...)
{
	va_list ap;

	if (p->c->nwarnings == CONF_WARN_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(p->c->warnings[p->c->nwarnings++], CONF_ERRLEN, fmt, ap);
	va_end(ap);
}

static void warn_port_ambiguous(struct parse *p, const char *opt, const char *v)
{
	char q[QUOTE_MAX * 4 + 4];
	size_t split;

	if (endpoint_port_ambiguous(v, &split))
		warn(p, "%s: \"%s\" is read as one IPv6 address; if %s is a port, write [%.*s]:%s",
		     opt, quote(v, strlen(v), q), v + split + 1, (int)split, v, v + split + 1);
}

/* One ADDR[:PORT][=PUBKEY] out of a --peer list (split at the first '=';
 * base64 has no comma); the port stays 0 until --port is known. */
static enum conf_status add_peer(struct parse *p, const char *tok, size_t len)
{
	struct conf *c = p->c;
	char buf[ADDR_STRLEN + 8];
	const char *eq = memchr(tok, '=', len);
	size_t alen = eq != NULL ? (size_t)(eq - tok) : len;
	struct conf_peer_key key = {.set = eq != NULL}, *nk;
	struct endpoint ep, *np;
	struct src *ns;

	if (!take(tok, alen, buf, sizeof(buf)) || !endpoint_parse(buf, 0, &ep))
		return bad_len(p, "--peer", tok, len, "is not ADDR[:PORT][=PUBKEY]");
	if (key.set && !keytext_parse(eq + 1, len - alen - 1, key.pub))
		return bad_len(p, "--peer", tok, len,
			       "has a public key that is not 32 bytes of base64");
	warn_port_ambiguous(p, "--peer", buf);
	if (!ip_is_unicast(&ep.ip))
		return bad_len(p, "--peer", tok, len, "is not a unicast address");
	if (underlay_unfit(&ep.ip) != NULL)
		return bad_len(p, "--peer", tok, len, underlay_unfit(&ep.ip));
	for (size_t i = 0; i < c->npeers; i++) {
		if (ipaddr_equal(&c->peers[i].ip, &ep.ip))
			return bad_len(p, "--peer", tok, len, "is listed twice");
	}
	np = grow(c->peers, c->npeers, sizeof(*np));
	if (np == NULL)
		return nomem(p);
	c->peers = np;
	nk = grow(c->peer_keys, c->npeers, sizeof(*nk));
	if (nk == NULL)
		return nomem(p);
	c->peer_keys = nk;
	ns = grow(p->peer_src, c->npeers, sizeof(*ns));
	if (ns == NULL)
		return nomem(p);
	p->peer_src = ns;
	c->peers[c->npeers] = ep;
	c->peer_keys[c->npeers] = key;
	p->peer_src[c->npeers] = (struct src){tok, len};
	c->npeers++;
	return CONF_RUN;
}

static enum conf_status add_peers(struct parse *p, const char *v)
{
	const char *tok = v;

	for (;;) {
		const char *comma = strchr(tok, ',');
		size_t len = comma ? (size_t)(comma - tok) : strlen(tok);
		enum conf_status st;

		if (len == 0) {
			if (comma == NULL && tok == v)
				return bad(p, "--peer", v, "is not ADDR[:PORT][=PUBKEY]");
			return bad(p, "--peer", v, "has an empty list element");
		}
		st = add_peer(p, tok, len);
		if (st != CONF_RUN)
			return st;
		if (comma == NULL)
			return CONF_RUN;
		tok = comma + 1;
	}
}

static enum conf_status add_addr(struct parse *p, const char *v)
{
	struct conf *c = p->c;
	struct conf_addr e, *na;

	if (!prefix_parse(v, &e.ip, &e.plen))
		return bad(p, "--addr", v, "is not ADDR/LEN");
	if (!ip_is_unicast(&e.ip))
		return bad(p, "--addr", v, "is not a unicast address");
	for (size_t i = 0; i < c->naddrs; i++) {
		if (ipaddr_equal(&c->addrs[i].ip, &e.ip))
			return bad(p, "--addr", v, "repeats an earlier address");
	}
	na = grow(c->addrs, c->naddrs, sizeof(*na));
	if (na == NULL)
		return nomem(p);
	c->addrs = na;
	c->addrs[c->naddrs++] = e;
	return CONF_RUN;
}

static enum conf_status set_mac(struct parse *p, const char *v)
{
	struct mac m;

	if (!mac_parse(v, &m))
		return bad(p, "--mac", v, "is not a MAC address");
	if (mac_is_multicast(&m))
		return bad(p, "--mac", v, "is a multicast address");
	if (mac_is_zero(&m))
		return bad(p, "--mac", v, "is the all-zero address");
	p->c->have_mac = true;
	p->c->mac = m;
	return CONF_RUN;
}

static enum conf_status add_fdb(struct parse *p, const char *v)
{
	struct conf *c = p->c;
	const char *eq = strchr(v, '=');
	char buf[MAC_STRLEN + 1];
	struct conf_fdb e, *nf;
	struct src *ns;

	if (eq == NULL || !take(v, (size_t)(eq - v), buf, sizeof(buf)) || !mac_parse(buf, &e.mac) ||
	    !endpoint_parse(eq + 1, 0, &e.dst))
		return bad(p, "--fdb", v, "is not MAC=ADDR");
	/* Multicast MACs are allowed, as in the kernel's FDB. */
	if (mac_is_zero(&e.mac))
		return bad(p, "--fdb", v, "has the all-zero MAC");
	if (!ip_is_unicast(&e.dst.ip))
		return bad(p, "--fdb", v, "has an address that is not unicast");
	if (underlay_unfit(&e.dst.ip) != NULL)
		return bad(p, "--fdb", v, "has a link-local or IPv4-mapped address");
	warn_port_ambiguous(p, "--fdb", eq + 1);
	for (size_t i = 0; i < c->nfdb; i++) {
		if (mac_equal(&c->fdb[i].mac, &e.mac))
			return bad(p, "--fdb", v, "repeats an earlier MAC");
	}
	nf = grow(c->fdb, c->nfdb, sizeof(*nf));
	if (nf == NULL)
		return nomem(p);
	c->fdb = nf;
	ns = grow(p->fdb_src, c->nfdb, sizeof(*ns));
	if (ns == NULL)
		return nomem(p);
	p->fdb_src = ns;
	c->fdb[c->nfdb] = e;
	p->fdb_src[c->nfdb] = (struct src){v, strlen(v)};
	c->nfdb++;
	return CONF_RUN;
}

static enum conf_status add_neigh(struct parse *p, const char *v)
{
	struct conf *c = p->c;
	const char *eq = strchr(v, '=');
	char buf[ADDR_STRLEN];
	struct conf_neigh e, *nn;

	/* IPv4 entries answer ARP, IPv6 ones neighbour solicitations. */
	if (eq == NULL || !take(v, (size_t)(eq - v), buf, sizeof(buf)) ||
	    !ipaddr_parse(buf, &e.ip) || !mac_parse(eq + 1, &e.mac))
		return bad(p, "--neigh", v, "is not IP=MAC");
	if (!ip_is_unicast(&e.ip))
		return bad(p, "--neigh", v, "has an IP that is not unicast");
	if (mac_is_multicast(&e.mac))
		return bad(p, "--neigh", v, "has a multicast MAC");
	if (mac_is_zero(&e.mac))
		return bad(p, "--neigh", v, "has the all-zero MAC");
	for (size_t i = 0; i < c->nneigh; i++) {
		if (ipaddr_equal(&c->neigh[i].ip, &e.ip))
			return bad(p, "--neigh", v, "repeats an earlier IP");
	}
	nn = grow(c->neigh, c->nneigh, sizeof(*nn));
	if (nn == NULL)
		return nomem(p);
	c->neigh = nn;
	c->neigh[c->nneigh++] = e;
	return CONF_RUN;
}

/* A user name as useradd takes it: letters, digits, '.', '_', '-' (not
 * first) and a final '$'; whether it exists is for the daemon to find. */
static enum conf_status set_user(struct parse *p, const char *v)
{
	size_t len = strlen(v);

	if (len == 0 || len > USER_MAX || v[0] == '-')
		return bad(p, "--user", v, "is not a user name");
	for (size_t i = 0; i < len; i++) {
		char ch = v[i];
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			  (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-' ||
			  (ch == '$' && i == len - 1);

		if (!ok)
			return bad(p, "--user", v, "is not a user name");
	}
	free(p->c->user);
	p->c->user = strdup(v);
	return p->c->user == NULL ? nomem(p) : CONF_RUN;
}

/* ADDR:PORT or [ADDR]:PORT to listen on: a unicast or wildcard address,
 * and a port, which has no default. */
static enum conf_status set_metrics(struct parse *p, const char *v)
{
	struct endpoint ep;

	if (!endpoint_parse(v, 0, &ep))
		return bad(p, "--metrics", v, "is not ADDR:PORT");
	if (ep.port == 0)
		return bad(p, "--metrics", v,
			   "has no port (give ADDR:PORT, or [ADDR]:PORT for IPv6)");
	if (!ipaddr_is_unspecified(&ep.ip) && !ip_is_unicast(&ep.ip))
		return bad(p, "--metrics", v, "is not a unicast or wildcard address");
	p->c->metrics = ep;
	p->c->have_metrics = true;
	return CONF_RUN;
}

/* A path the daemon opens later: only what can be told before then. */
/* One etcd URL: http:// or https://, a host (an IPv6 one in brackets) and
 * an optional port, nothing after but one '/'. Kept without that slash. */
static enum conf_status add_endpoint(struct parse *p, const char *v, const char *tok, size_t len)
{
	struct conf *c = p->c;
	size_t scheme = strncmp(tok, "http://", 7) == 0	   ? 7
			: strncmp(tok, "https://", 8) == 0 ? 8
							   : 0;
	size_t end = len, h;
	char **ne, *copy;

	if (scheme == 0)
		return bad_len(p, "--etcd-endpoints", tok, len,
			       "is not an http:// or https:// URL");
	if (end > scheme && tok[end - 1] == '/')
		end--;
	h = scheme;
	if (h < end && tok[h] == '[') {
		while (h < end && tok[h] != ']')
			h++;
		if (h == end)
			return bad_len(p, "--etcd-endpoints", tok, len, "has an unclosed '['");
		h++;
	} else {
		while (h < end && tok[h] != ':' && tok[h] != '/')
			h++;
	}
	if (h == scheme || (tok[scheme] == '[' && h == scheme + 2))
		return bad_len(p, "--etcd-endpoints", tok, len, "has no host");
	if (h < end && tok[h] == ':') {
		unsigned long port = 0;
		size_t d = h + 1;

		for (; d < end && tok[d] >= '0' && tok[d] <= '9' && port <= UINT16_MAX; d++)
			port = port * 10 + (unsigned long)(tok[d] - '0');
		if (d == h + 1 || d != end || port == 0 || port > UINT16_MAX)
			return bad_len(p, "--etcd-endpoints", tok, len, "has a bad port");
		h = d;
	}
	if (h != end)
		return bad_len(p, "--etcd-endpoints", tok, len,
			       "has a path; give only scheme://HOST[:PORT]");
	if (end > URL_MAX)
		return bad_len(p, "--etcd-endpoints", tok, len, "is too long");
	if (c->netcd == CONF_ETCD_MAX)
		return bad(p, "--etcd-endpoints", v, "lists more than 16 endpoints");
	for (size_t i = 0; i < c->netcd; i++)
		if (strlen(c->etcd_endpoints[i]) == end &&
		    memcmp(c->etcd_endpoints[i], tok, end) == 0)
			return bad_len(p, "--etcd-endpoints", tok, len,
				       "repeats an earlier endpoint");
	ne = grow(c->etcd_endpoints, c->netcd, sizeof(*ne));
	if (ne == NULL)
		return nomem(p);
	c->etcd_endpoints = ne;
	copy = strndup(tok, end);
	if (copy == NULL)
		return nomem(p);
	c->etcd_endpoints[c->netcd++] = copy;
	return CONF_RUN;
}

static enum conf_status add_endpoints(struct parse *p, const char *v)
{
	const char *tok = v;

	for (;;) {
		const char *comma = strchr(tok, ',');
		size_t len = comma ? (size_t)(comma - tok) : strlen(tok);
		enum conf_status st;

		if (len == 0)
			return bad(p, "--etcd-endpoints", v, "has an empty list element");
		st = add_endpoint(p, v, tok, len);
		if (st != CONF_RUN)
			return st;
		if (comma == NULL)
			return CONF_RUN;
		tok = comma + 1;
	}
}

/* A key prefix: absolute, no trailing slash (flannel adds "/config" and
 * "/subnets/"), printable, no spaces. */
static enum conf_status set_prefix(struct parse *p, const char *v)
{
	size_t n = strlen(v);

	if (v[0] != '/' || n < 2)
		return bad(p, "--etcd-prefix", v,
			   "is not an absolute key prefix such as /coreos.com/network");
	if (v[n - 1] == '/')
		return bad(p, "--etcd-prefix", v, "ends with '/'");
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] <= 0x20 || v[i] == 0x7f)
			return bad(p, "--etcd-prefix", v, "has a space or a control byte");
	if (n > 1024)
		return bad(p, "--etcd-prefix", v, "is longer than 1024 bytes");
	free(p->c->etcd_prefix);
	p->c->etcd_prefix = strdup(v);
	return p->c->etcd_prefix == NULL ? nomem(p) : CONF_RUN;
}

static enum conf_status set_path(struct parse *p, const char *opt, const char *v, size_t max,
				 char **out)
{
	char what[48];

	if (v[0] == '\0')
		return bad(p, opt, v, "is not a path");
	if (strlen(v) > max) {
		snprintf(what, sizeof(what), "is longer than %zu bytes", max);
		return bad(p, opt, v, what);
	}
	free(*out);
	*out = strdup(v);
	return *out == NULL ? nomem(p) : CONF_RUN;
}

static enum conf_status apply(struct parse *p, const struct opt *o, const char *v)
{
	struct conf *c = p->c;
	unsigned long n;
	enum conf_status st;

	switch (o->id) {
	case OPT_DEV:
		return set_dev(p, v);
	case OPT_VNI:
		st = parse_num(p, o->name, v, 0, VNI_MAX, &n);
		if (st == CONF_RUN) {
			c->vni = (uint32_t)n;
			c->have_vni = true;
		}
		return st;
	case OPT_PORT:
		st = parse_num(p, o->name, v, 1, UINT16_MAX, &n);
		if (st == CONF_RUN) {
			c->port = (uint16_t)n;
			c->have_port = true;
		}
		return st;
	case OPT_LOCAL:
		return set_local(p, v);
	case OPT_PEER:
		return add_peers(p, v);
	case OPT_ADDR:
		return add_addr(p, v);
	case OPT_MAC:
		return set_mac(p, v);
	case OPT_MTU:
		st = parse_num(p, o->name, v, MTU_MIN, MTU_MAX, &n);
		if (st == CONF_RUN)
			c->mtu = (uint32_t)n;
		return st;
	case OPT_FDB:
		return add_fdb(p, v);
	case OPT_NEIGH:
		return add_neigh(p, v);
	case OPT_AGEING:
		st = parse_num(p, o->name, v, 0, AGEING_MAX, &n);
		if (st == CONF_RUN)
			c->ageing = (uint32_t)n;
		return st;
	case OPT_NO_LEARNING:
		c->learning = false;
		return CONF_RUN;
	case OPT_NO_OFFLOAD:
		c->offload = false;
		return CONF_RUN;
	case OPT_BUSY_POLL:
		c->busy_poll = true;
		return CONF_RUN;
	case OPT_SPIN_US:
		st = parse_num(p, o->name, v, 0, SPIN_MAX_US, &n);
		if (st == CONF_RUN)
			c->spin_us = (uint32_t)n;
		return st;
	case OPT_MAX_FDB:
		st = parse_num(p, o->name, v, 0, MAX_FDB_MAX, &n);
		if (st == CONF_RUN)
			c->max_fdb = (uint32_t)n;
		return st;
	case OPT_MAX_FDB_PER_PEER:
		st = parse_num(p, o->name, v, 0, MAX_FDB_MAX, &n);
		if (st == CONF_RUN) {
			c->max_fdb_per_peer = (uint32_t)n;
			p->have_per_peer = true;
		}
		return st;
	case OPT_MAX_MOVES:
		st = parse_num(p, o->name, v, 0, MAX_MOVES_MAX, &n);
		if (st == CONF_RUN)
			c->max_moves = (uint32_t)n;
		return st;
	case OPT_FLOOD_RATE:
		st = parse_num(p, o->name, v, 0, FLOOD_RATE_MAX, &n);
		if (st == CONF_RUN)
			c->flood_rate = (uint32_t)n;
		return st;
	case OPT_USER:
		return set_user(p, v);
	case OPT_CONTROL:
		if (strcmp(v, "none") == 0) {
			free(c->control);
			c->control = NULL;
			c->no_control = true;
			return CONF_RUN;
		}
		c->no_control = false;
		return set_path(p, o->name, v, SUN_PATH_MAX, &c->control);
	case OPT_PEERS_FILE:
		return set_path(p, o->name, v, 4095, &c->peers_file);
	case OPT_KEY_FILE:
		return set_path(p, o->name, v, 4095, &c->key_file);
	case OPT_METRICS:
		return set_metrics(p, v);
	case OPT_GENKEY:
		return CONF_GENKEY;
	case OPT_PUBKEY:
		return CONF_PUBKEY;
	case OPT_PSK_FILE:
		return set_path(p, o->name, v, 4095, &c->psk_file);
	case OPT_ETCD_ENDPOINTS:
		return add_endpoints(p, v);
	case OPT_ETCD_PREFIX:
		return set_prefix(p, v);
	case OPT_ETCD_CAFILE:
		return set_path(p, o->name, v, 4095, &c->etcd_cafile);
	case OPT_ETCD_CERTFILE:
		return set_path(p, o->name, v, 4095, &c->etcd_certfile);
	case OPT_ETCD_KEYFILE:
		return set_path(p, o->name, v, 4095, &c->etcd_keyfile);
	case OPT_SUBNET_FILE:
		return set_path(p, o->name, v, 4095, &c->subnet_file);
	case OPT_RENEW_MARGIN:
		st = parse_num(p, o->name, v, 1, RENEW_MARGIN_MAX, &n);
		if (st == CONF_RUN)
			c->subnet_renew_margin = (uint32_t)n;
		return st;
	case OPT_STATE_DIR:
		return set_path(p, o->name, v, 4000, &c->state_dir);
	case OPT_VERBOSE:
		if (c->verbose < 100)
			c->verbose++;
		return CONF_RUN;
	case OPT_HELP:
		return CONF_HELP;
	case OPT_VERSION:
		return CONF_VERSION;
	}
	return CONF_RUN;
}

static const struct opt *find_long(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		if (strlen(opts[i].name) == len && memcmp(opts[i].name, name, len) == 0)
			return &opts[i];
	}
	return NULL;
}

static const struct opt *find_short(char ch)
{
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		if (opts[i].short_name != 0 && opts[i].short_name == ch)
			return &opts[i];
	}
	return NULL;
}

/* "--name", "--name=value" or "--name value"; *i moves past a taken value. */
static enum conf_status parse_long(struct parse *p, int argc, char *const argv[], int *i)
{
	const char *a = argv[*i];
	const char *eq = strchr(a, '=');
	size_t len = eq ? (size_t)(eq - a) : strlen(a);
	const struct opt *o = find_long(a, len);
	char q[QUOTE_MAX * 4 + 4];

	if (o == NULL)
		return usage(p, "unrecognized option '%s'", quote(a, len, q));
	if (!o->has_arg) {
		if (eq != NULL)
			return usage(p, "option '%s' doesn't allow an argument", o->name);
		return apply(p, o, NULL);
	}
	if (eq != NULL)
		return apply(p, o, eq + 1);
	if (*i + 1 >= argc)
		return usage(p, "option '%s' requires an argument", o->name);
	return apply(p, o, argv[++*i]);
}

/* "-v", "-vv", "-d NAME", "-dNAME". */
static enum conf_status parse_short(struct parse *p, int argc, char *const argv[], int *i)
{
	const char *a = argv[*i];

	for (size_t j = 1; a[j] != '\0'; j++) {
		const struct opt *o = find_short(a[j]);
		char q[QUOTE_MAX * 4 + 4];
		enum conf_status st;

		if (o == NULL)
			return usage(p, "invalid option '-%s'", quote(a + j, 1, q));
		if (o->has_arg) {
			if (a[j + 1] != '\0')
				return apply(p, o, a + j + 1);
			if (*i + 1 >= argc)
				return usage(p, "option '%s' requires an argument", o->name);
			return apply(p, o, argv[++*i]);
		}
		st = apply(p, o, NULL);
		if (st != CONF_RUN)
			return st;
	}
	return CONF_RUN;
}

/* Checks that need every option: the peers and FDB entries against --local,
 * and ports left open until --port was known. */
static enum conf_status finish(struct parse *p)
{
	struct conf *c = p->c;
	char what[64];

	if (!p->have_local)
		return usage(p, "missing --local");
	/* A quarter: one peer spraying source MACs leaves the other three
	 * quarters to the rest. */
	if (!p->have_per_peer)
		c->max_fdb_per_peer = (uint32_t)(((uint64_t)c->max_fdb + 3) / 4);
	if (c->npeers == 0 && c->peers_file == NULL && c->netcd == 0)
		return usage(
			p, "no peers: give at least one --peer, --peers-file or --etcd-endpoints");
	if ((c->etcd_certfile == NULL) != (c->etcd_keyfile == NULL))
		return usage(p, "--etcd-certfile and --etcd-keyfile go together");
	if (c->psk_file != NULL && c->key_file == NULL)
		return usage(p, "--psk-file needs --key-file");
	if (c->netcd == 0 && (c->etcd_cafile != NULL || c->etcd_certfile != NULL))
		return usage(p, "--etcd-cafile and --etcd-certfile need --etcd-endpoints");
	for (size_t i = 0; i < c->npeers; i++) {
		struct endpoint *ep = &c->peers[i];
		const struct src *s = &p->peer_src[i];

		if (ep->ip.family != c->local.family) {
			snprintf(what, sizeof(what), "is %s but --local is %s",
				 family_name(&ep->ip), family_name(&c->local));
			return bad_len(p, "--peer", s->s, s->len, what);
		}
		if (ipaddr_equal(&ep->ip, &c->local))
			return bad_len(p, "--peer", s->s, s->len, "is the --local address");
		if (ep->port == 0)
			ep->port = c->port;
		/* Secure mode talks to no peer it cannot authenticate; a key
		 * without it would suggest a protection that is not there. */
		if (c->key_file != NULL && !c->peer_keys[i].set)
			return bad_len(p, "--peer", s->s, s->len,
				       "has no public key (secure mode: ADDR[:PORT]=PUBKEY)");
		if (c->key_file == NULL && c->peer_keys[i].set)
			return bad_len(p, "--peer", s->s, s->len,
				       "has a public key, but there is no --key-file");
	}
	for (size_t i = 0; i < c->nfdb; i++) {
		struct endpoint *ep = &c->fdb[i].dst;
		const struct src *s = &p->fdb_src[i];

		if (ep->ip.family != c->local.family) {
			snprintf(what, sizeof(what), "has an %s address but --local is %s",
				 family_name(&ep->ip), family_name(&c->local));
			return bad_len(p, "--fdb", s->s, s->len, what);
		}
		if (ipaddr_equal(&ep->ip, &c->local))
			return bad_len(p, "--fdb", s->s, s->len, "points at the --local address");
		if (ep->port == 0)
			ep->port = c->port;
	}
	/* The kernel turns IPv6 off on a device below the IPv6 minimum MTU. */
	for (size_t i = 0; c->mtu != 0 && c->mtu < IPV6_MIN_MTU && i < c->naddrs; i++) {
		if (c->addrs[i].ip.family == AF_INET6) {
			char mtu[16];

			snprintf(mtu, sizeof(mtu), "%u", c->mtu);
			return bad(p, "--mtu", mtu, "is below 1280, which an IPv6 --addr needs");
		}
	}
	return CONF_RUN;
}

static enum conf_status parse_args(struct parse *p, int argc, char *const argv[])
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		char q[QUOTE_MAX * 4 + 4];
		enum conf_status st;

		if (strcmp(a, "--") == 0) {
			if (i + 1 < argc)
				return usage(p, "unexpected argument '%s'",
					     quote(argv[i + 1], strlen(argv[i + 1]), q));
			break;
		}
		if (a[0] == '-' && a[1] == '-')
			st = parse_long(p, argc, argv, &i);
		else if (a[0] == '-' && a[1] != '\0')
			st = parse_short(p, argc, argv, &i);
		else
			return usage(p, "unexpected argument '%s'", quote(a, strlen(a), q));
		if (st != CONF_RUN)
			return st;
	}
	return finish(p);
}

enum conf_status conf_parse(struct conf *c, int argc, char *const argv[],
			    char err[static CONF_ERRLEN])
{
	struct parse p = {.c = c, .err = err};
	enum conf_status st;

	memset(c, 0, sizeof(*c));
	memcpy(c->dev, DEFAULT_DEV, sizeof(DEFAULT_DEV));
	c->vni = DEFAULT_VNI;
	c->port = DEFAULT_PORT;
	c->ageing = DEFAULT_AGEING;
	c->learning = true;
	c->offload = true;
	c->max_fdb = DEFAULT_MAX_FDB;
	c->max_moves = DEFAULT_MAX_MOVES;
	c->flood_rate = DEFAULT_FLOOD_RATE;
	c->spin_us = SPIN_DEFAULT_US;
	c->subnet_renew_margin = DEFAULT_RENEW_MARGIN;
	err[0] = '\0';

	st = parse_args(&p, argc, argv);
	if (st == CONF_RUN && c->etcd_prefix == NULL &&
	    (c->etcd_prefix = strdup(DEFAULT_ETCD_PREFIX)) == NULL)
		st = nomem(&p);
	if (st == CONF_RUN && c->subnet_file == NULL &&
	    (c->subnet_file = strdup(DEFAULT_SUBNET_FILE)) == NULL)
		st = nomem(&p);
	if (st == CONF_RUN && c->state_dir == NULL &&
	    (c->state_dir = strdup(DEFAULT_STATE_DIR)) == NULL)
		st = nomem(&p);
	free(p.peer_src);
	free(p.fdb_src);
	return st;
}

void conf_free(struct conf *c)
{
	for (size_t i = 0; i < c->netcd; i++)
		free(c->etcd_endpoints[i]);
	free(c->etcd_endpoints);
	c->etcd_endpoints = NULL;
	c->netcd = 0;
	free(c->etcd_prefix);
	free(c->etcd_cafile);
	free(c->etcd_certfile);
	free(c->etcd_keyfile);
	free(c->subnet_file);
	free(c->state_dir);
	c->etcd_prefix = c->etcd_cafile = c->etcd_certfile = c->etcd_keyfile = NULL;
	c->subnet_file = c->state_dir = NULL;
	free(c->peers);
	free(c->fdb);
	free(c->neigh);
	free(c->addrs);
	c->addrs = NULL;
	c->naddrs = 0;
	free(c->control);
	free(c->peers_file);
	free(c->key_file);
	free(c->psk_file);
	c->key_file = c->psk_file = NULL;
	free(c->peer_keys);
	c->peer_keys = NULL;
	free(c->user);
	c->control = NULL;
	c->peers_file = NULL;
	c->user = NULL;
	c->peers = NULL;
	c->fdb = NULL;
	c->neigh = NULL;
	c->npeers = 0;
	c->nfdb = 0;
	c->nneigh = 0;
}

/* Descriptors held for the whole run, counted from what start-up opens. */
#define FDS_STDIO   3 /* stdin, stdout, stderr */
#define FDS_DEVICES 2 /* the UDP socket and the TAP */
#define FDS_LOOP    3 /* epoll, the signal eventfd, and a pipe where libev has no eventfd */
#define FDS_CONTROL 1 /* the listening control socket */
#define FDS_METRICS 3 /* libmicrohttpd's listening socket, its epoll and its wake-up fd */
#define FDS_ETCD    4 /* rtnetlink, curl's multi wake-up pair, one watch stream */
#define FDS_ETCD_EP 2 /* per endpoint: a request connection and a DNS pair */

unsigned int conf_fds_needed(const struct conf *c)
{
	unsigned int n = FDS_STDIO + FDS_DEVICES + FDS_LOOP + CONF_FDS_SPARE;

	if (!c->no_control)
		n += FDS_CONTROL;
	if (c->have_metrics)
		n += FDS_METRICS;
	if (c->netcd > 0)
		n += FDS_ETCD + FDS_ETCD_EP * (unsigned int)c->netcd;
	return n;
}

enum conf_fds conf_fds_check(uint64_t soft, uint64_t hard, unsigned int need, uint64_t *raise_to,
			     char err[static CONF_ERRLEN])
{
	err[0] = '\0';
	if (soft >= need)
		return CONF_FDS_OK;
	if (hard >= need) {
		*raise_to = need;
		return CONF_FDS_RAISE;
	}
	if (soft == hard)
		snprintf(
			err, CONF_ERRLEN,
			"too few file descriptors: vxtap needs %u with these options and the limit "
			"(ulimit -n) is %llu; raise it (ulimit -n, or LimitNOFILE= in a unit)",
			need, (unsigned long long)hard);
	else
		snprintf(
			err, CONF_ERRLEN,
			"too few file descriptors: vxtap needs %u with these options and the limit "
			"(ulimit -n) is %llu, at most %llu (ulimit -Hn); raise it (ulimit -n, or "
			"LimitNOFILE= in a unit)",
			need, (unsigned long long)soft, (unsigned long long)hard);
	return CONF_FDS_SHORT;
}
