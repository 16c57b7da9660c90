/* check_ctlproto: request parsing (ctlproto), execution through the change API (ctlexec,
 * change), and the text, JSON and Prometheus replies (counters). */
#include <check.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "change.h"
#include "counters.h"
#include "crypto.h"
#include "ctlexec.h"
#include "ctlproto.h"
#include "dp.h"

#include "check_fixture.h"
#include "check_run.h"

/* A daemon's tables in memory: local 192.168.56.41, port 8472, small caps. */
static struct dp dp;
static struct ctlexec_env env;
static struct ctlproto_buf out;
static const struct peer *gone[8];
static size_t ngone, nchanged;

static void on_gone(const struct peer *p, void *arg)
{
	ck_assert_ptr_eq(arg, &dp);
	ck_assert_uint_lt(ngone, 8);
	gone[ngone++] = p;
}

static void on_changed(const struct ctlproto_req *req, void *arg)
{
	(void)req;
	ck_assert_ptr_eq(arg, &dp);
	nchanged++;
}

static void setup(void)
{
	fixture_dp(&dp, 16, 300000,
		   (struct dp_limits){.peers = 3, .fdb_static = 3, .neigh_static = 2});
	dp.hooks = (struct dp_hooks){.peer_gone = on_gone, .arg = &dp};
	memset(&env, 0, sizeof(env));
	env.dp = &dp;
	env.dev = "flannel.1";
	ck_assert(ipaddr_parse("192.168.56.41", &env.net.local));
	env.net.port = 8472;
	env.changed = on_changed;
	env.arg = &dp;
	memset(&out, 0, sizeof(out));
	ngone = nchanged = 0;
}

static void teardown(void)
{
	dp_fini(&dp);
	ctlproto_buf_free(&out);
}

/* The reply to one line at now, as a string owned by out. */
static const char *req(const char *line, uint64_t now)
{
	out.len = 0;
	if (out.data != NULL)
		out.data[0] = '\0';
	ctlexec_handle(&env, line, strlen(line), now, &out);
	ck_assert(!out.failed);
	return out.len ? out.data : "";
}

static void req_ok(const char *line)
{
	const char *r = req(line, 0);

	ck_assert_msg(strcmp(r, "ok\n") == 0, "\"%s\" answered \"%s\"", line, r);
}

static struct ipaddr ip(const char *s)
{
	struct ipaddr a;

	ck_assert(ipaddr_parse(s, &a));
	return a;
}

static struct endpoint ep(const char *s)
{
	struct endpoint e;

	ck_assert(endpoint_parse(s, 8472, &e));
	return e;
}

static struct mac mac(const char *s)
{
	struct mac m;

	ck_assert(mac_parse(s, &m));
	return m;
}

/* --- parsing ------------------------------------------------------------------ */

/* A request as "cmd fmt fields", to compare against a vector. */
static void describe(const struct ctlproto_req *r, char *buf, size_t size)
{
	static const char *const names[] = {
		[CTLPROTO_HELP] = "help",
		[CTLPROTO_PEER_ADD] = "peer_add",
		[CTLPROTO_PEER_DEL] = "peer_del",
		[CTLPROTO_PEER_SHOW] = "peer_show",
		[CTLPROTO_FDB_ADD] = "fdb_add",
		[CTLPROTO_FDB_DEL] = "fdb_del",
		[CTLPROTO_FDB_SHOW] = "fdb_show",
		[CTLPROTO_FDB_FLUSH] = "fdb_flush",
		[CTLPROTO_NEIGH_ADD] = "neigh_add",
		[CTLPROTO_NEIGH_DEL] = "neigh_del",
		[CTLPROTO_NEIGH_SHOW] = "neigh_show",
		[CTLPROTO_NEIGH_FLUSH] = "neigh_flush",
		[CTLPROTO_STATS] = "stats",
		[CTLPROTO_KEY_LOAD] = "key_load",
	};
	static const char *const fmts[] = {"text", "json", "prometheus"};
	char a[ADDR_STRLEN], b[ADDR_STRLEN], m[MAC_STRLEN];

	snprintf(buf, size, "%s %s ep=%s mac=%s ip=%s%s", names[r->cmd], fmts[r->fmt],
		 r->ep.ip.family ? endpoint_fmt(&r->ep, a) : "-",
		 mac_is_zero(&r->mac) ? "-" : mac_fmt(&r->mac, m),
		 r->ip.family ? ipaddr_fmt(&r->ip, b) : "-", r->noflood ? " noflood" : "");
}

struct parse_vec {
	const char *line;
	enum ctlproto_parse_result res;
	const char *want; /* describe() on OK, the message otherwise */
};

#define OKV(l, w)                 \
	{                         \
		l, CTLPROTO_OK, w \
	}
#define USE(l, w)                     \
	{                             \
		l, CTLPROTO_EUSAGE, w \
	}
#define VAL(l, w)                     \
	{                             \
		l, CTLPROTO_EVALUE, w \
	}
#define NONE(l)                       \
	{                             \
		l, CTLPROTO_EMPTY, "" \
	}

#define K1 "YtWsQf8PSQymCv74rbHOT2uIbdmP7ee8hliF7Rlpz2U="
#define K2 "webGOa0Lm3i4e+zhIRDhVMzhfFBrgUYJYfb+KCfVEHE="

static const struct parse_vec parse_vecs[] = {
	/* The fixture is a plain-mode daemon: a key would protect nothing. */
	VAL("peer add 192.168.56.42 key " K1,
	    "\"" K1 "\" is a key, but secure mode is off (no --key-file)"),
	USE("peer add 192.168.56.42 key", "usage: peer add ADDR[:PORT] [key PUBKEY] [noflood]"),
	USE("peer add 192.168.56.42 kee " K1, "usage: peer add ADDR[:PORT] [key PUBKEY] [noflood]"),
	USE("peer add 192.168.56.42 key " K1 " x",
	    "usage: peer add ADDR[:PORT] [key PUBKEY] [noflood]"),
	VAL("peer add 192.168.56.42 key abc", "\"abc\" is not a public key (32 bytes of base64)"),
	VAL("peer add 192.168.56 key " K1, "\"192.168.56\" is not ADDR[:PORT]"),
	OKV("peer add 192.168.56.42", "peer_add text ep=192.168.56.42:8472 mac=- ip=-"),
	OKV("peer add 192.168.56.42:4789", "peer_add text ep=192.168.56.42:4789 mac=- ip=-"),
	OKV("  peer\tadd   192.168.56.43  \r", "peer_add text ep=192.168.56.43:8472 mac=- ip=-"),
	OKV("peer del 192.168.56.42", "peer_del text ep=192.168.56.42:8472 mac=- ip=-"),
	OKV("peer show", "peer_show text ep=- mac=- ip=-"),
	OKV("peer show --json", "peer_show json ep=- mac=- ip=-"),
	OKV("fdb add 0A:00:00:00:00:02 dst 192.168.56.42",
	    "fdb_add text ep=192.168.56.42:8472 mac=0a:00:00:00:00:02 ip=-"),
	OKV("fdb add 01:00:5e:00:00:01 dst 192.168.56.42:9",
	    "fdb_add text ep=192.168.56.42:9 mac=01:00:5e:00:00:01 ip=-"),
	OKV("fdb del 0a-00-00-00-00-02", "fdb_del text ep=- mac=0a:00:00:00:00:02 ip=-"),
	OKV("fdb show --json", "fdb_show json ep=- mac=- ip=-"),
	OKV("fdb flush", "fdb_flush text ep=- mac=- ip=-"),
	OKV("neigh add 10.244.0.2 lladdr 0a:00:00:00:00:02",
	    "neigh_add text ep=- mac=0a:00:00:00:00:02 ip=10.244.0.2"),
	OKV("neigh del 10.244.0.2", "neigh_del text ep=- mac=- ip=10.244.0.2"),
	OKV("neigh show", "neigh_show text ep=- mac=- ip=-"),
	OKV("neigh flush", "neigh_flush text ep=- mac=- ip=-"),
	OKV("stats", "stats text ep=- mac=- ip=-"),
	OKV("stats --json", "stats json ep=- mac=- ip=-"),
	OKV("stats --prometheus", "stats prometheus ep=- mac=- ip=-"),
	OKV("help", "help text ep=- mac=- ip=-"),
	OKV("key load /etc/vxtap/k", "key_load text ep=- mac=- ip=-"),
	USE("key load", "usage: key load FILE"),
	USE("key load a b", "usage: key load FILE"),
	USE("key show", "unknown command \"key show\""),
	NONE(""),
	NONE("   \t "),
	NONE("# a comment"),
	NONE("\r"),
	USE("bogus", "unknown command \"bogus\""),
	USE("peer", "usage: peer add|del|show|flush ..."),
	USE("fdb", "usage: fdb add|del|show|flush ..."),
	USE("lease", "usage: lease show ..."),
	USE("peer frob", "unknown command \"peer frob\""),
	USE("peer add", "usage: peer add ADDR[:PORT] [key PUBKEY] [noflood]"),
	USE("peer add 1.2.3.4 5.6.7.8", "usage: peer add ADDR[:PORT] [key PUBKEY] [noflood]"),
	USE("peer show extra", "usage: peer show [--json]"),
	USE("peer show --xml", "unknown option \"--xml\"; usage: peer show [--json]"),
	USE("peer show --json --json", "usage: peer show [--json]"),
	USE("fdb show --prometheus", "usage: fdb show [--json]"),
	USE("fdb flush --json", "usage: fdb flush"),
	USE("stats --json --prometheus", "usage: stats [--json | --prometheus]"),
	USE("fdb add 0a:00:00:00:00:02 to 192.168.56.42",
	    "usage: fdb add MAC dst ADDR[:PORT] [port PORT]"),
	USE("fdb add 0a:00:00:00:00:02 dst", "usage: fdb add MAC dst ADDR[:PORT] [port PORT]"),
	USE("neigh add 10.244.0.2 mac 0a:00:00:00:00:02", "usage: neigh add IP lladdr MAC"),
	USE("a b c d e f g h i j k l m n o p q r s t u v w x y z 1 2 3 4 5 6 7", "too many words"),
	/* What "peer show", "fdb show" and "neigh show" print is read back as the
	 * add that restores it: from the first word only shown, the rest is
	 * not read. */
	OKV("peer add 192.168.56.42:8472 rx 0 pkts 0 bytes tx 2 pkts 192 bytes last_rx never",
	    "peer_add text ep=192.168.56.42:8472 mac=- ip=-"),
	OKV("peer add 192.168.56.42 noflood",
	    "peer_add text ep=192.168.56.42:8472 mac=- ip=- noflood"),
	OKV("peer add 192.168.56.42:4789 noflood rx 1 pkts 2 bytes tx 0 pkts 0 bytes last_rx never "
	    "fdb-only",
	    "peer_add text ep=192.168.56.42:4789 mac=- ip=- noflood"),
	USE("peer add 192.168.56.42 noflod", "usage: peer add ADDR[:PORT] [key PUBKEY] [noflood]"),
	USE("peer add 192.168.56.42 noflood noflood",
	    "usage: peer add ADDR[:PORT] [key PUBKEY] [noflood]"),
	OKV("fdb add 0a:00:00:00:00:02 dst 192.168.56.42 port 4789 static",
	    "fdb_add text ep=192.168.56.42:4789 mac=0a:00:00:00:00:02 ip=-"),
	OKV("fdb add 0a:00:00:00:00:02 dst 192.168.56.42 port 8472 learned age 12s",
	    "fdb_add text ep=192.168.56.42:8472 mac=0a:00:00:00:00:02 ip=-"),
	OKV("fdb add 0a:00:00:00:00:02 dst 192.168.56.42:9 port 9",
	    "fdb_add text ep=192.168.56.42:9 mac=0a:00:00:00:00:02 ip=-"),
	VAL("fdb add 0a:00:00:00:00:02 dst 192.168.56.42:9 port 4789",
	    "\"4789\" is not the port the address gives"),
	VAL("fdb add 0a:00:00:00:00:02 dst 192.168.56.42 port 0", "\"0\" is not a port (1-65535)"),
	VAL("fdb add 0a:00:00:00:00:02 dst 192.168.56.42 port 9x",
	    "\"9x\" is not a port (1-65535)"),
	USE("fdb add 0a:00:00:00:00:02 dst 192.168.56.42 port",
	    "usage: fdb add MAC dst ADDR[:PORT] [port PORT]"),
	USE("fdb add 0a:00:00:00:00:02 dst 192.168.56.42 stale",
	    "usage: fdb add MAC dst ADDR[:PORT] [port PORT]"),
	OKV("neigh add 10.244.0.2 lladdr 0a:00:00:00:00:02 static",
	    "neigh_add text ep=- mac=0a:00:00:00:00:02 ip=10.244.0.2"),
	OKV("neigh add 10.244.0.2 lladdr 0a:00:00:00:00:02 learned age 12s",
	    "neigh_add text ep=- mac=0a:00:00:00:00:02 ip=10.244.0.2"),
	USE("neigh add 10.244.0.2 lladdr 0a:00:00:00:00:02 stale",
	    "usage: neigh add IP lladdr MAC"),
	USE("stats\x01", "control byte 0x01 in the request"),
	USE("peer show\x7f", "control byte 0x7f in the request"),
	USE("\xff\xfe", "unknown command \"\xff\xfe\""),
	USE("STATS", "unknown command \"STATS\""),
	VAL("peer add 1.2.3", "\"1.2.3\" is not ADDR[:PORT]"),
	VAL("peer add 192.168.56.42:0", "\"192.168.56.42:0\" is not ADDR[:PORT]"),
	VAL("peer add 192.168.56.41", "\"192.168.56.41\" is the local address"),
	VAL("peer add fd00::2", "\"fd00::2\" is IPv6 but the local address is IPv4"),
	VAL("peer add 239.1.1.1", "\"239.1.1.1\" is not a unicast address"),
	VAL("peer add 255.255.255.255", "\"255.255.255.255\" is not a unicast address"),
	VAL("peer del \"x\\", "\"\\\"x\\\\\" is not ADDR[:PORT]"),
	VAL("fdb add zz:00:00:00:00:02 dst 192.168.56.42",
	    "\"zz:00:00:00:00:02\" is not a MAC address"),
	VAL("fdb add 00:00:00:00:00:00 dst 192.168.56.42",
	    "\"00:00:00:00:00:00\" is the all-zero MAC"),
	VAL("fdb add 0a:00:00:00:00:02 dst 0.0.0.0", "\"0.0.0.0\" is not a unicast address"),
	VAL("fdb del 0a:00:00:00:00", "\"0a:00:00:00:00\" is not a MAC address"),
	VAL("neigh add 10.244.0.2.1 lladdr 0a:00:00:00:00:02",
	    "\"10.244.0.2.1\" is not an IP address"),
	OKV("neigh add fd00:244::2 lladdr 0a:00:00:00:00:02",
	    "neigh_add text ep=- mac=0a:00:00:00:00:02 ip=fd00:244::2"),
	VAL("peer add fe80::2",
	    "\"fe80::2\" is a link-local address (give a global or unique-local one)"),
	VAL("neigh add 10.244.0.2 lladdr ff:ff:ff:ff:ff:ff",
	    "\"ff:ff:ff:ff:ff:ff\" is a multicast MAC"),
	VAL("neigh add 224.0.0.1 lladdr 0a:00:00:00:00:02",
	    "\"224.0.0.1\" is not a unicast address"),
	VAL("neigh del 10.244.0", "\"10.244.0\" is not an IP address"),
};

START_TEST(test_parse)
{
	const struct parse_vec *v = &parse_vecs[_i];
	struct ctlproto_req r;
	char err[CTLPROTO_ERRLEN], got[256];
	enum ctlproto_parse_result res;

	memset(err, 'x', sizeof(err));
	res = ctlproto_parse(&env.net, v->line, strlen(v->line), &r, err);
	if (res == CTLPROTO_OK)
		describe(&r, got, sizeof(got));
	else if (res == CTLPROTO_EMPTY)
		got[0] = '\0';
	else
		snprintf(got, sizeof(got), "%s", err);
	ck_assert_msg(res == v->res, "\"%s\": result %d, want %d (%s)", v->line, res, v->res, got);
	ck_assert_str_eq(got, v->want);
}
END_TEST

/* The client side has no local address and no port: the checks against them
 * are skipped and ports stay 0 for the daemon to fill. */
START_TEST(test_parse_client)
{
	static const struct ctlproto_net none;
	struct ctlproto_req r;
	char err[CTLPROTO_ERRLEN];

	ck_assert_int_eq(ctlproto_parse(&none, "peer add 192.168.56.41", 22, &r, err), CTLPROTO_OK);
	ck_assert_uint_eq(r.ep.port, 0);
	ck_assert_int_eq(ctlproto_parse(&none, "peer add fd00::1", 16, &r, err), CTLPROTO_OK);
	/* The client does not know the mode: a key is taken, and checked. */
	ck_assert_int_eq(ctlproto_parse(&none, "peer add 192.168.56.42 key " K1,
					strlen("peer add 192.168.56.42 key " K1), &r, err),
			 CTLPROTO_OK);
	ck_assert(r.has_key);
	ck_assert_int_eq(ctlproto_parse(&none, "peer add 192.168.56.42", 22, &r, err), CTLPROTO_OK);
	ck_assert(!r.has_key);
	ck_assert_int_eq(ctlproto_parse(&none, "peer add 192.168.56.42 key abc", 30, &r, err),
			 CTLPROTO_EVALUE);
}
END_TEST

/* --- secure mode: keys of peers ------------------------------------------------- */

static uint8_t key_seen_pub[32];
static int key_calls;

/* The method's side: K2 is "this node's own key". */
static int fake_peer_key(const struct ipaddr *ip, const uint8_t key[static 32], void *arg)
{
	uint8_t own[32];

	(void)ip;
	ck_assert_ptr_eq(arg, &dp);
	key_calls++;
	ck_assert(keytext_parse(K2, strlen(K2), own));
	if (memcmp(key, own, 32) == 0)
		return -EINVAL;
	memcpy(key_seen_pub, key, 32);
	return 0;
}

static bool fake_peer_secure(const struct ipaddr *ip, uint64_t now, struct crypto_peer_info *info,
			     void *arg)
{
	(void)ip;
	(void)arg;
	memset(info, 0, sizeof(*info));
	info->state = CRYPTO_PEER_UP;
	info->cipher = "aes-256-gcm";
	info->last_handshake = now - 1500;
	info->session_age_ms = 1500;
	return true;
}

static void secure_mode(void)
{
	dp.hooks.peer_key = fake_peer_key;
	env.net.secure = true;
	env.peer_secure = fake_peer_secure;
	key_calls = 0;
}

/* Secure mode: a peer needs a key; the method may refuse one (nothing
 * changes); a listed peer given a key gets it; show prints it and the session. */
START_TEST(test_peer_keys)
{
	uint8_t k1[32];
	struct endpoint ep;

	secure_mode();
	ck_assert(keytext_parse(K1, strlen(K1), k1));
	ck_assert_str_eq(req("peer add 192.168.56.42", 0),
			 "error: \"192.168.56.42\" has no key: secure mode needs "
			 "\"ADDR[:PORT] key PUBKEY\"\n");
	ck_assert_str_eq(req("peer add 192.168.56.42 key " K2, 0),
			 "error: peer 192.168.56.42: the key is this node's own public key or "
			 "has no shared secret\n");
	ck_assert_uint_eq(peers_count(dp.peers), 0);
	ck_assert_str_eq(req("peer add 192.168.56.42 key " K1, 0), "ok\n");
	ck_assert_int_eq(memcmp(key_seen_pub, k1, 32), 0);
	ck_assert_str_eq(req("peer show", 10000),
			 "192.168.56.42:8472 key " K1 " rx 0 pkts 0 bytes tx 0 pkts 0 bytes "
			 "last_rx never state up cipher aes-256-gcm handshake 1.5s ago\nok\n");
	ck_assert_str_eq(req("peer show --json", 10000),
			 "[{\"addr\":\"192.168.56.42\",\"port\":8472,\"key\":\"" K1 "\","
			 "\"flood\":true,\"listed\":true,\"rx_packets\":0,\"rx_bytes\":0,"
			 "\"tx_packets\":0,\"tx_bytes\":0,"
			 "\"last_rx_age_ms\":null,\"state\":\"up\",\"rekeying\":false,"
			 "\"cipher\":\"aes-256-gcm\",\"session_age_ms\":1500,"
			 "\"last_handshake_age_ms\":1500}]\nok\n");
	/* No FDB-only VTEPs in secure mode: the FDB names only peers. */
	ck_assert_str_eq(req("fdb add 0a:00:00:00:00:05 dst 192.168.56.45", 0),
			 "error: 192.168.56.45 is not a peer; secure mode takes datagrams only "
			 "from peers with keys: peer add 192.168.56.45 key PUBKEY first\n");
	ck_assert_str_eq(req("fdb add 0a:00:00:00:00:05 dst 192.168.56.42", 0), "ok\n");
	/* The same key again: nothing to tell the method. */
	key_calls = 0;
	ck_assert_str_eq(req("peer add 192.168.56.42 key " K1, 0), "ok\n");
	ck_assert_int_eq(key_calls, 0);
	/* Its own key for a listed peer: refused, the old key kept. */
	ck_assert_str_eq(req("peer add 192.168.56.42:4789 key " K2, 0),
			 "error: peer 192.168.56.42: the key is this node's own public key or "
			 "has no shared secret\n");
	ck_assert_int_eq(memcmp(peers_at(dp.peers, 0)->key, k1, 32), 0);
	ck_assert_uint_eq(peers_at(dp.peers, 0)->ep.port, 8472);
	/* The change API refuses a keyless peer in secure mode. */
	ep = peers_at(dp.peers, 0)->ep;
	ep.ip.a[3] = 99;
	ck_assert_int_eq(change_peer_add(&dp, &ep), -ENOKEY);
	ck_assert_int_eq(change_peer_set_key(&dp, &ep.ip, k1), -ENOENT);
	ck_assert_uint_eq(peers_count(dp.peers), 1);
}
END_TEST

/* A new key (and port) for a listed peer replaces the old: "peer add" is
 * how a rotated key reaches the other nodes. */
START_TEST(test_peer_key_replaced)
{
	uint8_t k[32];

	secure_mode();
	ck_assert_str_eq(req("peer add 192.168.56.42 key " K1, 0), "ok\n");
	dp.hooks.peer_key = NULL; /* K2 is not "own" here */
	ck_assert_str_eq(req("peer add 192.168.56.42:4789 key " K2, 0), "ok\n");
	ck_assert(keytext_parse(K2, strlen(K2), k));
	ck_assert_int_eq(memcmp(peers_at(dp.peers, 0)->key, k, 32), 0);
	ck_assert_uint_eq(peers_at(dp.peers, 0)->ep.port, 4789);
	ck_assert_uint_eq(peers_count(dp.peers), 1);
	env.peer_secure = NULL;
	ck_assert_str_eq(req("peer show", 0),
			 "192.168.56.42:4789 key " K2 " rx 0 pkts 0 bytes tx 0 pkts 0 bytes "
			 "last_rx never\nok\n");
}
END_TEST

/* A line is bounded; a NUL inside it is a control byte, not an end. */
START_TEST(test_parse_limits)
{
	char line[CTLPROTO_LINE_MAX + 8], err[CTLPROTO_ERRLEN];
	struct ctlproto_req r;

	memset(line, ' ', sizeof(line));
	memcpy(line, "stats", 5);
	ck_assert_int_eq(ctlproto_parse(&env.net, line, CTLPROTO_LINE_MAX - 1, &r, err),
			 CTLPROTO_OK);
	ck_assert_int_eq(ctlproto_parse(&env.net, line, CTLPROTO_LINE_MAX, &r, err),
			 CTLPROTO_EUSAGE);
	ck_assert_str_eq(err, "line too long");
	ck_assert_int_eq(ctlproto_parse(&env.net, "stats\0--json", 12, &r, err), CTLPROTO_EUSAGE);
	ck_assert_str_eq(err, "control byte 0x00 in the request");
}
END_TEST

/* --- execution ------------------------------------------------------------------ */

struct exec_vec {
	const char *before[6]; /* each must end its answer with "ok" */
	const char *line;
	const char *want; /* the whole reply */
};

static const struct exec_vec exec_vecs[] = {
	{{NULL}, "peer show", "ok\n"},
	{{NULL}, "peer show --json", "[]\nok\n"},
	{{NULL}, "fdb show --json", "[]\nok\n"},
	{{NULL}, "neigh show", "ok\n"},
	{{"peer add 192.168.56.43:4789", "peer add 192.168.56.42"},
	 "peer show",
	 "192.168.56.42:8472 rx 0 pkts 0 bytes tx 0 pkts 0 bytes last_rx never\n"
	 "192.168.56.43:4789 rx 0 pkts 0 bytes tx 0 pkts 0 bytes last_rx never\n"
	 "ok\n"},
	{{"peer add 192.168.56.42"},
	 "peer show --json",
	 "[{\"addr\":\"192.168.56.42\",\"port\":8472,\"key\":null,\"flood\":true,\"listed\":true,"
	 "\"rx_packets\":0,\"rx_bytes\":0,"
	 "\"tx_packets\":0,\"tx_bytes\":0,\"last_rx_age_ms\":null}]\nok\n"},
	{{"peer add 192.168.56.42"},
	 "peer add 192.168.56.42:9",
	 "error: peer 192.168.56.42 already exists\n"},
	{{"peer add 192.168.56.42", "peer add 192.168.56.43", "peer add 192.168.56.44"},
	 "peer add 192.168.56.45",
	 "error: peer table full (3 entries)\n"},
	{{"peer add 192.168.56.42", "peer del 192.168.56.42"}, "peer show", "ok\n"},
	{{NULL}, "peer del 192.168.56.42", "error: no peer 192.168.56.42\n"},
	{{"fdb add 0a:00:00:00:00:03 dst 192.168.56.43",
	  "fdb add 0a:00:00:00:00:02 dst 192.168.56.42:4789"},
	 "fdb show",
	 "0a:00:00:00:00:02 dst 192.168.56.42 port 4789 static\n"
	 "0a:00:00:00:00:03 dst 192.168.56.43 port 8472 static\n"
	 "ok\n"},
	{{"fdb add 0a:00:00:00:00:02 dst 192.168.56.42"},
	 "fdb show --json",
	 "[{\"mac\":\"0a:00:00:00:00:02\",\"dst\":\"192.168.56.42\",\"port\":8472,"
	 "\"state\":\"static\",\"age_ms\":null}]\nok\n"},
	/* Adding over an entry replaces it, and needs no room. */
	{{"fdb add 0a:00:00:00:00:01 dst 192.168.56.42",
	  "fdb add 0a:00:00:00:00:02 dst 192.168.56.42",
	  "fdb add 0a:00:00:00:00:03 dst 192.168.56.42",
	  "fdb add 0a:00:00:00:00:03 dst 192.168.56.44"},
	 "fdb add 0a:00:00:00:00:04 dst 192.168.56.42",
	 "error: static fdb table full (3 entries)\n"},
	{{"fdb add 0a:00:00:00:00:02 dst 192.168.56.42",
	  "fdb add 0a:00:00:00:00:02 dst 192.168.56.44"},
	 "fdb show",
	 "0a:00:00:00:00:02 dst 192.168.56.44 port 8472 static\nok\n"},
	{{NULL}, "fdb del 0a:00:00:00:00:03", "error: no fdb entry for 0a:00:00:00:00:03\n"},
	/* An address that is no peer: taken as an FDB-only VTEP, and said so;
	 * a peer's is not remarked on. */
	{{NULL},
	 "fdb add 0a:00:00:00:00:02 dst 192.168.56.99",
	 "192.168.56.99 is not a peer: datagrams from it are accepted, but it gets no flooded "
	 "frames (peer add 192.168.56.99 makes it one)\nok\n"},
	{{"peer add 192.168.56.42"}, "fdb add 0a:00:00:00:00:02 dst 192.168.56.42", "ok\n"},
	/* noflood: listed, but no flood target; an FDB-only VTEP listed so. */
	{{"peer add 192.168.56.42 noflood"},
	 "peer show",
	 "192.168.56.42:8472 noflood rx 0 pkts 0 bytes tx 0 pkts 0 bytes last_rx never\nok\n"},
	{{"fdb add 0a:00:00:00:00:02 dst 192.168.56.42"},
	 "peer show",
	 "192.168.56.42:8472 noflood rx 0 pkts 0 bytes tx 0 pkts 0 bytes last_rx never "
	 "fdb-only\nok\n"},
	{{"fdb add 0a:00:00:00:00:02 dst 192.168.56.42", "peer add 192.168.56.42"},
	 "peer show",
	 "192.168.56.42:8472 rx 0 pkts 0 bytes tx 0 pkts 0 bytes last_rx never\nok\n"},
	/* The peer cap holds FDB-only VTEPs too. */
	{{"peer add 192.168.56.42", "peer add 192.168.56.43", "peer add 192.168.56.44"},
	 "fdb add 0a:00:00:00:00:02 dst 192.168.56.99",
	 "error: peer table full (3 entries)\n"},
	{{"fdb add 0a:00:00:00:00:02 dst 192.168.56.99"},
	 "peer show --json",
	 "[{\"addr\":\"192.168.56.99\",\"port\":8472,\"key\":null,\"flood\":false,"
	 "\"listed\":false,\"rx_packets\":0,\"rx_bytes\":0,\"tx_packets\":0,\"tx_bytes\":0,"
	 "\"last_rx_age_ms\":null}]\nok\n"},
	{{"fdb add 0a:00:00:00:00:02 dst 192.168.56.42", "fdb del 0a:00:00:00:00:02"},
	 "fdb show",
	 "ok\n"},
	{{"neigh add 10.244.0.3 lladdr 0a:00:00:00:00:03",
	  "neigh add 10.244.0.2 lladdr 0a:00:00:00:00:02"},
	 "neigh show",
	 "10.244.0.2 lladdr 0a:00:00:00:00:02 static\n"
	 "10.244.0.3 lladdr 0a:00:00:00:00:03 static\n"
	 "ok\n"},
	{{"neigh add 10.244.0.2 lladdr 0a:00:00:00:00:02"},
	 "neigh show --json",
	 "[{\"ip\":\"10.244.0.2\",\"lladdr\":\"0a:00:00:00:00:02\",\"state\":\"static\","
	 "\"age_ms\":null}]\nok\n"},
	{{"neigh add 10.244.0.2 lladdr 0a:00:00:00:00:02",
	  "neigh add 10.244.0.3 lladdr 0a:00:00:00:00:03"},
	 "neigh add 10.244.0.4 lladdr 0a:00:00:00:00:04",
	 "error: static neigh table full (2 entries)\n"},
	{{"neigh add 10.244.0.2 lladdr 0a:00:00:00:00:02", "neigh del 10.244.0.2"},
	 "neigh show",
	 "ok\n"},
	{{NULL}, "neigh del 10.244.0.2", "error: no neigh entry for 10.244.0.2\n"},
	{{NULL}, "frobnicate", "error: unknown command \"frobnicate\"\n"},
	{{NULL}, "fdb add x dst y", "error: \"x\" is not a MAC address\n"},
	{{NULL}, "# nothing", ""},
	{{NULL}, "", ""},
	{{NULL},
	 "help",
	 "peer add ADDR[:PORT] [key PUBKEY] [noflood]\npeer del ADDR[:PORT]\npeer show "
	 "[--json]\npeer flush\n"
	 "fdb add MAC dst ADDR[:PORT] [port PORT]\nfdb del MAC\nfdb show [--json]\nfdb flush\n"
	 "neigh add IP lladdr MAC\nneigh del IP\nneigh show [--json]\nneigh flush\n"
	 "stats [--json | --prometheus]\nkey load FILE\nlease show [--json]\n"
	 "etcd show [--json]\nroute show [--json]\nhelp\nok\n"},
	{{NULL}, "key load /etc/k", "error: secure mode is off (no --key-file)\n"},
};

START_TEST(test_exec)
{
	const struct exec_vec *v = &exec_vecs[_i];

	for (size_t i = 0; i < 6 && v->before[i] != NULL; i++) {
		const char *r = req(v->before[i], 0);
		size_t n = strlen(r);

		ck_assert_msg(n >= 3 && strcmp(r + n - 3, "ok\n") == 0, "\"%s\" answered \"%s\"",
			      v->before[i], r);
	}
	ck_assert_str_eq(req(v->line, 0), v->want);
}
END_TEST

static char key_seen[CTLPROTO_PATH_MAX];

/* Stands in for the shell: accepts one path, refuses the rest. */
static int fake_key_load(const char *path, char *err, size_t errlen, void *arg)
{
	(void)arg;
	snprintf(key_seen, sizeof(key_seen), "%s", path);
	if (strcmp(path, "/good.key") == 0)
		return 0;
	snprintf(err, errlen, "key file %s is accessible by group or others", path);
	return -1;
}

START_TEST(test_key_load)
{
	env.key_load = fake_key_load;
	ck_assert_str_eq(req("key load /good.key", 0), "ok\n");
	ck_assert_str_eq(key_seen, "/good.key");
	ck_assert_str_eq(req("key load /bad.key", 0),
			 "error: key file /bad.key is accessible by group or others\n");
	ck_assert_str_eq(key_seen, "/bad.key");
	env.key_load = NULL;
}
END_TEST

/* Learned entries and traffic show with their ages; flush takes only them. */
START_TEST(test_learned_and_ages)
{
	struct mac m2 = mac("0a:00:00:00:00:02"), m9 = mac("0a:00:00:00:00:09");
	struct endpoint e2 = ep("192.168.56.42");
	struct ipaddr i2 = ip("10.244.0.2");
	struct peer *p;

	req_ok("peer add 192.168.56.42");
	req_ok("fdb add 0a:00:00:00:00:09 dst 192.168.56.42");
	req_ok("neigh add 10.244.0.9 lladdr 0a:00:00:00:00:09");
	ck_assert_int_eq(fdb_learn(dp.fdb, &m2, &e2, 1000, NULL), TABLE_LEARN_NEW);
	ck_assert_int_eq(neigh_learn(dp.neigh, &i2, &m2, 2000), TABLE_LEARN_NEW);
	p = peers_find(dp.peers, &e2.ip);
	p->st = (struct peer_stats){.rx_packets = 12,
				    .rx_bytes = 1400,
				    .tx_packets = 10,
				    .tx_bytes = 1200,
				    .last_rx = 13750};

	ck_assert_str_eq(req("fdb show", 13999),
			 "0a:00:00:00:00:02 dst 192.168.56.42 port 8472 learned age 12s\n"
			 "0a:00:00:00:00:09 dst 192.168.56.42 port 8472 static\nok\n");
	ck_assert_str_eq(req("fdb show --json", 13999),
			 "[{\"mac\":\"0a:00:00:00:00:02\",\"dst\":\"192.168.56.42\",\"port\":8472,"
			 "\"state\":\"learned\",\"age_ms\":12999},"
			 "{\"mac\":\"0a:00:00:00:00:09\",\"dst\":\"192.168.56.42\",\"port\":8472,"
			 "\"state\":\"static\",\"age_ms\":null}]\nok\n");
	ck_assert_str_eq(req("neigh show", 14000),
			 "10.244.0.2 lladdr 0a:00:00:00:00:02 learned age 12s\n"
			 "10.244.0.9 lladdr 0a:00:00:00:00:09 static\nok\n");
	ck_assert_str_eq(req("neigh show --json", 14000),
			 "[{\"ip\":\"10.244.0.2\",\"lladdr\":\"0a:00:00:00:00:02\","
			 "\"state\":\"learned\",\"age_ms\":12000},"
			 "{\"ip\":\"10.244.0.9\",\"lladdr\":\"0a:00:00:00:00:09\","
			 "\"state\":\"static\",\"age_ms\":null}]\nok\n");
	ck_assert_str_eq(req("peer show", 14250),
			 "192.168.56.42:8472 rx 12 pkts 1400 bytes tx 10 pkts 1200 bytes "
			 "last_rx 0.5s ago\nok\n");
	ck_assert_str_eq(req("peer show --json", 14250),
			 "[{\"addr\":\"192.168.56.42\",\"port\":8472,\"key\":null,\"flood\":true,"
			 "\"listed\":true,\"rx_packets\":12,"
			 "\"rx_bytes\":1400,\"tx_packets\":10,\"tx_bytes\":1200,"
			 "\"last_rx_age_ms\":500}]\nok\n");

	req_ok("fdb flush");
	req_ok("neigh flush");
	ck_assert_ptr_null(fdb_lookup(dp.fdb, &m2));
	ck_assert_ptr_nonnull(fdb_lookup(dp.fdb, &m9));
	ck_assert_ptr_null(neigh_lookup(dp.neigh, &i2));
	ck_assert_uint_eq(neigh_count(dp.neigh, true), 1);
}
END_TEST

/* A peer that goes takes what it taught, not what was set; a static entry
 * still naming it keeps it as an FDB-only VTEP (no flood target) until that
 * entry goes too; the shell hears of it before the memory goes. Peers that
 * stay keep their counters. */
START_TEST(test_peer_del_drops_learned)
{
	struct endpoint e2 = ep("192.168.56.42"), e3 = ep("192.168.56.43");
	struct mac m1 = mac("0a:00:00:00:00:01"), m2 = mac("0a:00:00:00:00:02"),
		   m3 = mac("0a:00:00:00:00:03");
	struct peer *p2, *p3;

	req_ok("peer add 192.168.56.42");
	req_ok("peer add 192.168.56.43");
	p2 = peers_find(dp.peers, &e2.ip);
	p3 = peers_find(dp.peers, &e3.ip);
	p3->st.rx_packets = 7;
	ck_assert_int_eq(fdb_learn(dp.fdb, &m1, &e2, 1, NULL), TABLE_LEARN_NEW);
	ck_assert_int_eq(fdb_learn(dp.fdb, &m3, &e3, 1, NULL), TABLE_LEARN_NEW);
	req_ok("fdb add 0a:00:00:00:00:02 dst 192.168.56.42");
	nchanged = 0;

	req_ok("peer del 192.168.56.42");
	ck_assert_uint_eq(ngone, 0);
	ck_assert_ptr_eq(peers_find(dp.peers, &e2.ip), p2);
	ck_assert(!p2->listed && !p2->flood);
	ck_assert_uint_eq(peers_flood_count(dp.peers), 1);
	ck_assert_ptr_null(fdb_lookup(dp.fdb, &m1));
	ck_assert_ptr_nonnull(fdb_lookup(dp.fdb, &m2));
	ck_assert_ptr_nonnull(fdb_lookup(dp.fdb, &m3));
	ck_assert_ptr_nonnull(strstr(req("peer del 192.168.56.42", 0), "no peer 192.168.56.42"));
	req_ok("fdb del 0a:00:00:00:00:02");
	ck_assert_uint_eq(ngone, 1);
	ck_assert_ptr_eq(gone[0], p2);
	ck_assert_ptr_null(fdb_lookup(dp.fdb, &m2));
	ck_assert_ptr_eq(peers_find(dp.peers, &e3.ip), p3);
	ck_assert_uint_eq(p3->st.rx_packets, 7);
	ck_assert_uint_eq(peers_count(dp.peers), 1);

	/* The next frame for the removed peer's learned MAC floods, to the
	 * remaining peer only. */
	{
		uint8_t buf[64 + VXLAN_HLEN];
		uint8_t *frame = buf + VXLAN_HLEN;
		struct dp_action act;

		memset(buf, 0, sizeof(buf));
		memcpy(frame, m1.b, MAC_LEN);
		memcpy(frame + MAC_LEN, "\x0a\x00\x00\x00\x00\x07", MAC_LEN);
		frame[12] = 0x08;
		dp_from_tap(&dp, frame, 60, 5, &act);
		ck_assert_int_eq(act.verdict, DP_FLOOD);
	}
}
END_TEST

/* Every line of "CMD show" after "CMD add " is the add that restores it. */
static void restore(const char *cmd, const char *shown)
{
	char line[512];
	const char *p = shown, *nl;

	while ((nl = strchr(p, '\n')) != NULL && strncmp(p, "ok\n", 3) != 0) {
		snprintf(line, sizeof(line), "%s add %.*s", cmd, (int)(nl - p), p);
		ck_assert_ptr_nonnull(strstr(req(line, 0), "ok\n"));
		p = nl + 1;
	}
}

/* Tables shown, emptied, and restored from what was shown: the same again
 * (learned entries come back static). */
START_TEST(test_round_trip)
{
	char peers[1024], fdb[1024], neigh[1024];
	struct endpoint e2 = ep("192.168.56.42:4789");
	struct mac m7 = mac("0a:00:00:00:00:07");

	req_ok("peer add 192.168.56.42:4789");
	req_ok("peer add 192.168.56.43 noflood");
	req_ok("fdb add 0a:00:00:00:00:02 dst 192.168.56.42:4789");
	req_ok("fdb add 0a:00:00:00:00:03 dst 192.168.56.43");
	ck_assert_int_eq(fdb_learn(dp.fdb, &m7, &e2, 1, NULL), TABLE_LEARN_NEW);
	req_ok("neigh add 10.244.0.2 lladdr 0a:00:00:00:00:02");
	snprintf(peers, sizeof(peers), "%s", req("peer show", 10));
	snprintf(fdb, sizeof(fdb), "%s", req("fdb show", 10));
	snprintf(neigh, sizeof(neigh), "%s", req("neigh show", 10));
	ck_assert_ptr_nonnull(strstr(fdb, " learned age "));

	req_ok("fdb del 0a:00:00:00:00:02");
	req_ok("fdb del 0a:00:00:00:00:03");
	req_ok("fdb flush");
	req_ok("neigh del 10.244.0.2");
	req_ok("peer flush");
	ck_assert_str_eq(req("peer show", 10), "ok\n");

	restore("peer", peers);
	restore("fdb", fdb);
	restore("neigh", neigh);
	ck_assert_str_eq(req("peer show", 10), peers);
	ck_assert_str_eq(req("neigh show", 10), neigh);
	/* The learned entry is back as a static one. */
	ck_assert_str_eq(req("fdb show", 10),
			 "0a:00:00:00:00:02 dst 192.168.56.42 port 4789 static\n"
			 "0a:00:00:00:00:03 dst 192.168.56.43 port 8472 static\n"
			 "0a:00:00:00:00:07 dst 192.168.56.42 port 4789 static\nok\n");
}
END_TEST

/* peer flush: every peer goes, each with what it taught, the shell told of each. */
START_TEST(test_peer_flush)
{
	struct endpoint e2 = ep("192.168.56.42");
	struct mac m1 = mac("0a:00:00:00:00:01");

	req_ok("peer add 192.168.56.42");
	req_ok("peer add 192.168.56.43");
	req_ok("peer add 192.168.56.44");
	req_ok("fdb add 0a:00:00:00:00:02 dst 192.168.56.42");
	ck_assert_int_eq(fdb_learn(dp.fdb, &m1, &e2, 1, NULL), TABLE_LEARN_NEW);
	req_ok("peer flush");
	/* .42 stays as the static entry's FDB-only VTEP. */
	ck_assert_uint_eq(peers_count(dp.peers), 1);
	ck_assert(!peers_find(dp.peers, &e2.ip)->listed);
	ck_assert_uint_eq(ngone, 2);
	ck_assert_uint_eq(fdb_count(dp.fdb, false), 0);
	ck_assert_uint_eq(fdb_count(dp.fdb, true), 1);
	req_ok("peer flush"); /* nothing left: still ok */
}
END_TEST

/* The control plane's answers come from its hook; without one, one line says why. */
static void plane_show(enum ctlproto_cmd cmd, enum ctlproto_fmt fmt, uint64_t now,
		       struct ctlproto_buf *o, void *arg)
{
	(void)arg;
	ctlproto_buf_printf(o, "plane %d %d %llu\n", (int)cmd, (int)fmt, (unsigned long long)now);
}

START_TEST(test_plane_show)
{
	char want[64];

	ck_assert_str_eq(req("lease show", 0),
			 "error: no etcd control plane (vxtap runs without --etcd-endpoints)\n");
	env.plane_show = plane_show;
	snprintf(want, sizeof(want), "plane %d %d 7\nok\n", CTLPROTO_ROUTE_SHOW, CTLPROTO_JSON);
	ck_assert_str_eq(req("route show --json", 7), want);
	snprintf(want, sizeof(want), "plane %d %d 7\nok\n", CTLPROTO_ETCD_SHOW, CTLPROTO_TEXT);
	ck_assert_str_eq(req("etcd show", 7), want);
	nchanged = 0;
	req("lease show", 7);
	ck_assert_uint_eq(nchanged, 0);
	env.plane_show = NULL;
}
END_TEST

/* Only changes are reported; shows, stats and errors are not. */
START_TEST(test_changed_hook)
{
	req_ok("peer add 192.168.56.42");
	req("peer show", 0);
	req("stats --json", 0);
	req("fdb show", 0);
	req("neigh show", 0);
	req("help", 0);
	req("peer add 192.168.56.42", 0);
	req("fdb del 0a:00:00:00:00:01", 0);
	ck_assert_uint_eq(nchanged, 1);
	req_ok("fdb flush");
	ck_assert_uint_eq(nchanged, 2);
}
END_TEST

/* --- stats ------------------------------------------------------------------ */

/* A small JSON checker: true when s[*i..] starts with one JSON value. */
static bool json_value(const char *s, size_t *i, int depth);

static void json_ws(const char *s, size_t *i)
{
	while (s[*i] == ' ' || s[*i] == '\t' || s[*i] == '\n' || s[*i] == '\r')
		(*i)++;
}

static bool json_string(const char *s, size_t *i)
{
	if (s[*i] != '"')
		return false;
	for ((*i)++; s[*i] != '"'; (*i)++) {
		if ((unsigned char)s[*i] < 0x20)
			return false;
		if (s[*i] == '\\') {
			(*i)++;
			if (strchr("\"\\/bfnrtu", s[*i]) == NULL || s[*i] == '\0')
				return false;
		}
	}
	(*i)++;
	return true;
}

static bool json_list(const char *s, size_t *i, int depth, char close, bool keyed)
{
	(*i)++;
	json_ws(s, i);
	if (s[*i] == close) {
		(*i)++;
		return true;
	}
	for (;;) {
		json_ws(s, i);
		if (keyed) {
			if (!json_string(s, i))
				return false;
			json_ws(s, i);
			if (s[(*i)++] != ':')
				return false;
		}
		if (!json_value(s, i, depth + 1))
			return false;
		json_ws(s, i);
		if (s[*i] == close) {
			(*i)++;
			return true;
		}
		if (s[(*i)++] != ',')
			return false;
	}
}

static bool json_value(const char *s, size_t *i, int depth)
{
	json_ws(s, i);
	if (depth > 32)
		return false;
	switch (s[*i]) {
	case '{':
		return json_list(s, i, depth, '}', true);
	case '[':
		return json_list(s, i, depth, ']', false);
	case '"':
		return json_string(s, i);
	case 'n':
		*i += 4;
		return strncmp(s + *i - 4, "null", 4) == 0;
	case 't':
		*i += 4;
		return strncmp(s + *i - 4, "true", 4) == 0;
	case 'f':
		*i += 5;
		return strncmp(s + *i - 5, "false", 5) == 0;
	default:
		if (s[*i] != '-' && (s[*i] < '0' || s[*i] > '9'))
			return false;
		(*i)++;
		while ((s[*i] >= '0' && s[*i] <= '9') || strchr(".eE+-", s[*i]) != NULL)
			(*i)++;
		return true;
	}
}

/* The body of a reply (everything before the "ok" line), as one JSON value. */
static bool is_json_reply(const char *r)
{
	size_t i = 0, len = strlen(r);

	if (len < 4 || strcmp(r + len - 3, "ok\n") != 0)
		return false;
	if (!json_value(r, &i, 0))
		return false;
	json_ws(r, &i);
	return i == len - 3;
}

START_TEST(test_json_checker)
{
	/* The checker itself must be able to say no. */
	ck_assert(is_json_reply("{\"a\":[1,2,{\"b\":null}]}\nok\n"));
	ck_assert(!is_json_reply("{\"a\":[1,2,}\nok\n"));
	ck_assert(!is_json_reply("{\"a\" 1}\nok\n"));
	ck_assert(!is_json_reply("[1]\n[2]\nok\n"));
	ck_assert(!is_json_reply("[1]\n"));
}
END_TEST

static void traffic(void)
{
	struct ipaddr i2 = ip("192.168.56.42");
	struct peer *p;

	req_ok("peer add 192.168.56.43");
	req_ok("peer add 192.168.56.42");
	p = peers_find(dp.peers, &i2);
	ck_assert_ptr_nonnull(p);
	p->st.rx_packets = 3;
	p->st.last_rx = 100;
	dp.st.tap_rx_packets = 5;
	dp.st.udp_tx_bytes = 123456789012ull;
	dp.st.drops[DROP_BAD_VNI] = 2;
	dp.st.drops[DROP_RUNT] = 1;
	req_ok("fdb add 0a:00:00:00:00:02 dst 192.168.56.42");
}

START_TEST(test_stats_json)
{
	const char *r;
	char want[128];

	traffic();
	r = req("stats --json", 1100);
	ck_assert_msg(is_json_reply(r), "not JSON: %s", r);
	ck_assert_int_eq(strncmp(r, "{\"totals\":{\"tap_rx_packets\":5,", 30), 0);
	/* Every counter and drop reason, by its X-macro name. */
#define WANT_COUNTER(name, desc)                        \
	snprintf(want, sizeof(want), "\"%s\":", #name); \
	ck_assert_msg(strstr(r, want) != NULL, "%s missing from %s", want, r);
	DP_COUNTERS(WANT_COUNTER)
#undef WANT_COUNTER
	for (int d = DROP_NONE + 1; d < DROP__COUNT; d++) {
		snprintf(want, sizeof(want), "\"%s\":", dp_drop_name((enum dp_drop)d));
		ck_assert_msg(strstr(r, want) != NULL, "%s missing", want);
	}
	ck_assert_ptr_nonnull(strstr(r, "\"udp_tx_bytes\":123456789012,"));
	ck_assert_ptr_nonnull(strstr(r, "\"drops\":{\"total\":3,"));
	ck_assert_ptr_nonnull(strstr(r, "\"bad_vni\":2"));
	ck_assert_ptr_nonnull(strstr(r, "\"tables\":{\"peers\":2,\"fdb_static_entries\":1,"
					"\"fdb_learned_entries\":0,\"neigh_static_entries\":0,"
					"\"neigh_learned_entries\":0}"));
	ck_assert_ptr_nonnull(strstr(r, "\"peers\":[{\"addr\":\"192.168.56.42\""));
	ck_assert_ptr_nonnull(strstr(r, "\"rx_packets\":3,\"rx_bytes\":0,\"tx_packets\":0,"
					"\"tx_bytes\":0,\"last_rx_age_ms\":1000}"));
	ck_assert_ptr_nonnull(strstr(r, "\"last_rx_age_ms\":null}]}"));

	/* Every show is JSON too, empty or not. */
	ck_assert(is_json_reply(req("peer show --json", 1100)));
	ck_assert(is_json_reply(req("fdb show --json", 1100)));
	ck_assert(is_json_reply(req("neigh show --json", 1100)));
}
END_TEST

/* Each sample line is NAME[{LABELS}] VALUE and follows its # TYPE line. */
START_TEST(test_stats_prometheus)
{
	const char *r;
	char want[160], family[96] = "";
	size_t samples = 0;

	traffic();
	r = req("stats --prometheus", 1100);
	for (const char *l = r; *l != '\0';) {
		const char *nl = strchr(l, '\n');
		size_t n = (size_t)(nl - l);

		ck_assert_ptr_nonnull(nl);
		if (strncmp(l, "# TYPE ", 7) == 0) {
			ck_assert_int_eq(sscanf(l + 7, "%95s", family), 1);
		} else if (strncmp(l, "# HELP ", 7) != 0 && strcmp(l, "ok\n") != 0) {
			size_t fl = strlen(family);

			ck_assert_msg(fl > 0 && strncmp(l, family, fl) == 0 &&
					      (l[fl] == ' ' || l[fl] == '{'),
				      "sample outside its family: %.*s", (int)n, l);
			ck_assert_msg(l[n - 1] >= '0' && l[n - 1] <= '9', "bad value: %.*s", (int)n,
				      l);
			samples++;
		}
		l = nl + 1;
	}
#define WANT_COUNTER(name, desc)                                                             \
	snprintf(want, sizeof(want),                                                         \
		 "# TYPE vxtap_%s_total counter\nvxtap_%s_total{dev=\"flannel.1\"} ", #name, \
		 #name);                                                                     \
	ck_assert_msg(strstr(r, want) != NULL, "%s missing", want);
	DP_COUNTERS(WANT_COUNTER)
#undef WANT_COUNTER
	for (int d = DROP_NONE + 1; d < DROP__COUNT; d++) {
		snprintf(want, sizeof(want), "vxtap_drops_total{dev=\"flannel.1\",reason=\"%s\"} ",
			 dp_drop_name((enum dp_drop)d));
		ck_assert_msg(strstr(r, want) != NULL, "%s missing", want);
	}
	ck_assert_ptr_nonnull(
		strstr(r, "vxtap_udp_tx_bytes_total{dev=\"flannel.1\"} 123456789012\n"));
	ck_assert_ptr_nonnull(
		strstr(r, "vxtap_drops_total{dev=\"flannel.1\",reason=\"bad_vni\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(r, "# TYPE vxtap_fdb_static_entries gauge\n"
					"vxtap_fdb_static_entries{dev=\"flannel.1\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(
		r,
		"vxtap_peer_rx_packets_total{dev=\"flannel.1\",peer=\"192.168.56.42:8472\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(r, "vxtap_peer_last_rx_age_seconds{dev=\"flannel.1\","
					"peer=\"192.168.56.42:8472\"} 1.000\n"));
	ck_assert_ptr_null(strstr(r, "vxtap_peer_last_rx_age_seconds{dev=\"flannel.1\","
				     "peer=\"192.168.56.43:8472\"}"));
	ck_assert_uint_gt(samples, 30);
	ck_assert_int_eq(strcmp(r + strlen(r) - 3, "ok\n"), 0);
}
END_TEST

START_TEST(test_stats_text)
{
	const char *r;
	char want[128];

	traffic();
	r = req("stats", 1100);
	ck_assert_ptr_nonnull(
		strstr(r, "tap_rx_packets                      5  frames read from the TAP\n"));
	ck_assert_ptr_nonnull(strstr(r, "\ndrops                               3  "));
	ck_assert_ptr_nonnull(
		strstr(r, "\ndrop_bad_vni                        2  VNI does not match\n"));
	ck_assert_ptr_nonnull(strstr(r, "\npeers                               2  "));
	ck_assert_ptr_nonnull(
		strstr(r, "\npeer 192.168.56.42:8472 rx 3 pkts 0 bytes tx 0 pkts 0 bytes "
			  "last_rx 1.0s ago\n"));
#define WANT_COUNTER(name, desc)                    \
	snprintf(want, sizeof(want), "%s ", #name); \
	ck_assert_msg(strstr(r, want) != NULL, "%s missing", want);
	DP_COUNTERS(WANT_COUNTER)
#undef WANT_COUNTER
	/* No body line may look like a status line. */
	for (const char *l = r; *l != '\0'; l = strchr(l, '\n') + 1)
		if (strcmp(l, "ok\n") != 0)
			ck_assert(strncmp(l, "ok", 2) != 0 && strncmp(l, "error:", 6) != 0);
}
END_TEST

/* --- the buffer ------------------------------------------------------------- */

START_TEST(test_buf)
{
	struct ctlproto_buf b = {0};
	char big[5000];

	memset(big, 'x', sizeof(big));
	ck_assert(ctlproto_buf_printf(&b, "%d-%s", 42, "a"));
	ck_assert_str_eq(b.data, "42-a");
	ck_assert(ctlproto_buf_printf(&b, "%.*s", (int)sizeof(big), big));
	ck_assert_uint_eq(b.len, 4 + sizeof(big));
	ck_assert_int_eq(b.data[b.len], '\0');
	ck_assert(ctlproto_buf_put(&b, "yz", 2));
	ctlproto_buf_consume(&b, 3);
	ck_assert_uint_eq(b.len, 1 + sizeof(big) + 2);
	ck_assert_int_eq(b.data[0], 'a');
	ck_assert_int_eq(b.data[b.len - 1], 'z');
	ctlproto_buf_consume(&b, b.len + 10);
	ck_assert_uint_eq(b.len, 0);
	ctlproto_buf_free(&b);
	ck_assert_ptr_null(b.data);
	ctlproto_buf_free(&b);
}
END_TEST

/* Replies to many requests on one connection simply follow each other. */
START_TEST(test_many_requests)
{
	char line[64];

	dp.lim.fdb_static = 100000;
	req_ok("peer add 192.168.56.42");
	out.len = 0;
	for (int i = 0; i < 20000; i++) {
		snprintf(line, sizeof(line), "fdb add 0a:00:00:%02x:%02x:%02x dst 192.168.56.42",
			 i >> 16, (i >> 8) & 0xff, i & 0xff);
		ck_assert(ctlexec_handle(&env, line, strlen(line), 0, &out));
	}
	ck_assert_uint_eq(out.len, 3 * 20000);
	ck_assert_uint_eq(fdb_count(dp.fdb, true), 20000);
	out.len = 0;
	ck_assert(ctlexec_handle(&env, "fdb show", 8, 0, &out));
	ck_assert_uint_eq(out.len,
			  20000 * strlen("0a:00:00:00:00:00 dst 192.168.56.42 port 8472 static\n") +
				  3);
}
END_TEST

/* --- framing -------------------------------------------------------------------- */

START_TEST(test_framing)
{
	static char big[CTLPROTO_LINE_MAX + 8];
	size_t len = 99;
	const char *msg = NULL;
	size_t msglen = 0;

	ck_assert_int_eq(ctlproto_next_line("stats\nfdb", 9, &len), CTLPROTO_FRAME_LINE);
	ck_assert_uint_eq(len, 5);
	ck_assert_int_eq(ctlproto_next_line("\n", 1, &len), CTLPROTO_FRAME_LINE);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(ctlproto_next_line("stat", 4, &len), CTLPROTO_FRAME_MORE);
	/* the longest line with its newline fits; one byte more does not */
	memset(big, 'a', sizeof(big));
	big[CTLPROTO_LINE_MAX - 1] = '\n';
	ck_assert_int_eq(ctlproto_next_line(big, sizeof(big), &len), CTLPROTO_FRAME_LINE);
	ck_assert_uint_eq(len, CTLPROTO_LINE_MAX - 1);
	big[CTLPROTO_LINE_MAX - 1] = 'a';
	ck_assert_int_eq(ctlproto_next_line(big, CTLPROTO_LINE_MAX - 1, &len), CTLPROTO_FRAME_MORE);
	ck_assert_int_eq(ctlproto_next_line(big, CTLPROTO_LINE_MAX, &len), CTLPROTO_FRAME_TOO_LONG);

	ck_assert(ctlproto_is_blank("", 0));
	ck_assert(ctlproto_is_blank(" \t\r", 3));
	ck_assert(ctlproto_is_blank("  # peer add", 12));
	ck_assert(!ctlproto_is_blank(" stats", 6));

	ck_assert_int_eq(ctlproto_reply_line("ok", 2, &msg, &msglen), CTLPROTO_REPLY_OK);
	ck_assert_int_eq(ctlproto_reply_line("okay", 4, &msg, &msglen), CTLPROTO_REPLY_BODY);
	ck_assert_int_eq(ctlproto_reply_line("error: no peer 1.2.3.4", 22, &msg, &msglen),
			 CTLPROTO_REPLY_ERROR);
	ck_assert_uint_eq(msglen, 15);
	ck_assert_int_eq(strncmp(msg, "no peer 1.2.3.4", msglen), 0);
	ck_assert_int_eq(ctlproto_reply_line("error:x", 7, &msg, &msglen), CTLPROTO_REPLY_ERROR);
	ck_assert_uint_eq(msglen, 1);
	ck_assert_int_eq(ctlproto_reply_line("192.168.56.42:8472 rx 0 pkts", 28, &msg, &msglen),
			 CTLPROTO_REPLY_BODY);
}
END_TEST

/* --- the counter table: every entry in every output ------------------------------- */

static bool secure_snap, etcd_snap;

static void snap_hook(struct counters_snap *sn, void *arg)
{
	(void)arg;
	counters_snap_dp(sn, &dp);
	if (secure_snap) {
		sn->secure = true;
		sn->crypto.sessions = 4;
		sn->crypto.drops[CRYPTO_DROP_BAD_TAG] = 7;
	}
	if (etcd_snap) {
		sn->etcd_on = true;
		sn->etcd.events = 12;
		sn->etcd.skipped[FLANNEL_BAD_MAC] = 2;
	}
}

static void line_hook(const char *text, void *arg)
{
	struct ctlproto_buf *b = arg;

	ctlproto_buf_printf(b, "%s\n", text);
}

/* Where each group's counters are: its JSON object, its Prometheus prefix. */
static const char *const json_obj[] = {
	[COUNTER_TOTALS] = "totals", [COUNTER_DROPS] = "drops", [COUNTER_CRYPTO] = "crypto",
	[COUNTER_TABLES] = "tables", [COUNTER_ETCD] = "etcd",	[COUNTER_SKIPPED] = "etcd_skipped",
};
static const char *const prom_prefix[] = {
	[COUNTER_TOTALS] = "",
	[COUNTER_CRYPTO] = "crypto_",
	[COUNTER_TABLES] = "",
	[COUNTER_ETCD] = "etcd_",
};

/* Whether the JSON object member obj (one level down, no nesting inside)
 * has a member key. */
static bool json_has(const char *json, const char *obj, const char *key)
{
	char o[64], k[96];
	const char *start, *end;

	snprintf(o, sizeof(o), "\"%s\":{", obj);
	snprintf(k, sizeof(k), "\"%s\":", key);
	start = strstr(json, o);
	if (start == NULL)
		return false;
	end = strchr(start + strlen(o), '}');
	start = strstr(start + strlen(o) - 1, k);
	return start != NULL && start < end;
}

START_TEST(test_counter_table_everywhere)
{
	size_t n;
	const struct counter_def *t = counters_table(&n);
	char text[65536], json[65536], prom[131072], name[64], want[192];
	struct ctlproto_buf dump = {0};
	struct counters_snap sn;

	secure_snap = (_i & 1) != 0;
	etcd_snap = (_i & 2) != 0;
	env.snapshot = snap_hook;
	traffic();
	snprintf(text, sizeof(text), "\n%s", req("stats", 1100));
	snprintf(json, sizeof(json), "%s", req("stats --json", 1100));
	snprintf(prom, sizeof(prom), "%s", req("stats --prometheus", 1100));
	snap_hook(&sn, NULL);
	ctlproto_buf_put(&dump, "\n", 1);
	counters_lines(&sn, line_hook, &dump);
	ck_assert_uint_gt(n, 40);
	for (size_t i = 0; i < n; i++) {
		bool want_it =
			(secure_snap || !t[i].secure) && (etcd_snap || !t[i].etcd) && !t[i].hidden;

		counters_name(&t[i], name, sizeof(name));
		snprintf(want, sizeof(want), "\n%s ", name);
		ck_assert_msg((strstr(text, want) != NULL) == want_it, "text: %s", name);
		snprintf(want, sizeof(want), "\n%s %llu\n", name,
			 (unsigned long long)counters_value(&sn, &t[i]));
		ck_assert_msg((strstr(dump.data, want) != NULL) == want_it, "dump: %s", name);
		ck_assert_msg(json_has(json, json_obj[t[i].group], t[i].key) == want_it,
			      "json: %s.%s", json_obj[t[i].group], t[i].key);
		if (t[i].group == COUNTER_DROPS || t[i].group == COUNTER_SKIPPED)
			snprintf(want, sizeof(want),
				 "vxtap_%s_total{dev=\"flannel.1\",reason=\"%s\"} ",
				 t[i].group == COUNTER_DROPS ? "drops" : "etcd_skipped", t[i].key);
		else
			snprintf(want, sizeof(want), "vxtap_%s%s%s{dev=\"flannel.1\"} ",
				 prom_prefix[t[i].group], t[i].key,
				 t[i].group == COUNTER_TABLES ? "" : "_total");
		ck_assert_msg((strstr(prom, want) != NULL) == want_it, "prometheus: %s", want);
		/* lower case (an acronym may lead), no final stop */
		ck_assert_msg((islower(t[i].help[0]) ||
			       (isupper(t[i].help[0]) && isupper(t[i].help[1]))) &&
				      t[i].help[strlen(t[i].help) - 1] != '.',
			      "help of %s is not in the house style: %s", name, t[i].help);
	}
	/* every reason counts towards the total, secure-mode ones too */
	snprintf(want, sizeof(want), "\ndrops %llu\n", secure_snap ? 10ull : 3ull);
	ck_assert_msg(strstr(dump.data, want) != NULL, "%s", dump.data);
	ck_assert_ptr_nonnull(
		strstr(json, secure_snap ? "\"drops\":{\"total\":10," : "\"drops\":{\"total\":3,"));
	ctlproto_buf_free(&dump);
	env.snapshot = NULL;
}
END_TEST

static Suite *ctlproto_suite(void)
{
	Suite *s = suite_create("ctlproto");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_parse, 0, (int)(sizeof(parse_vecs) / sizeof(parse_vecs[0])));
	tcase_add_test(tc, test_parse_client);
	tcase_add_test(tc, test_parse_limits);
	suite_add_tcase(s, tc);

	tc = tcase_create("exec");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_exec, 0, (int)(sizeof(exec_vecs) / sizeof(exec_vecs[0])));
	tcase_add_test(tc, test_learned_and_ages);
	tcase_add_test(tc, test_key_load);
	tcase_add_test(tc, test_peer_keys);
	tcase_add_test(tc, test_peer_key_replaced);
	tcase_add_test(tc, test_peer_del_drops_learned);
	tcase_add_test(tc, test_changed_hook);
	tcase_add_test(tc, test_peer_flush);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_plane_show);
	tcase_add_test(tc, test_many_requests);
	suite_add_tcase(s, tc);

	tc = tcase_create("stats");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_json_checker);
	tcase_add_test(tc, test_stats_json);
	tcase_add_test(tc, test_stats_prometheus);
	tcase_add_test(tc, test_stats_text);
	suite_add_tcase(s, tc);

	tcase_add_loop_test(tc, test_counter_table_everywhere, 0, 4);

	tc = tcase_create("buf");
	tcase_add_test(tc, test_buf);
	tcase_add_test(tc, test_framing);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(ctlproto_suite());
}
