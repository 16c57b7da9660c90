/* check_peersfile: peers-file vectors, good and bad with their line, and reloads applied to a dp.
 */
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "ctlexec.h"
#include "dp.h"
#include "peersfile.h"

#include "check_fixture.h"
#include "check_run.h"

#define DUMPLEN 2048

static struct ctlproto_net net(void)
{
	struct ctlproto_net n = {.port = 8472};

	ck_assert(ipaddr_parse("192.168.56.41", &n.local));
	return n;
}

__attribute__((format(printf, 2, 3))) static void put(char *out, const char *fmt, ...)
{
	size_t len = strlen(out);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out + len, DUMPLEN - len, fmt, ap);
	va_end(ap);
}

/* The parsed lists, in their (sorted) order, with lines. */
static void dump_file(const struct peersfile *pf, char out[static DUMPLEN])
{
	char a[ADDR_STRLEN], m[MAC_STRLEN];

	out[0] = '\0';
	put(out, "peers=");
	for (size_t i = 0; i < pf->npeers; i++)
		put(out, "%s%s@%zu%s", i ? "," : "", endpoint_fmt(&pf->peers[i].ep, a),
		    pf->peers[i].line, pf->peers[i].noflood ? "(noflood)" : "");
	put(out, " fdb=");
	for (size_t i = 0; i < pf->nfdb; i++)
		put(out, "%s%s=%s@%zu", i ? "," : "", mac_fmt(&pf->fdb[i].mac, m),
		    endpoint_fmt(&pf->fdb[i].dst, a), pf->fdb[i].line);
	put(out, " neigh=");
	for (size_t i = 0; i < pf->nneigh; i++)
		put(out, "%s%s=%s@%zu", i ? "," : "", ipaddr_fmt(&pf->neigh[i].ip, a),
		    mac_fmt(&pf->neigh[i].mac, m), pf->neigh[i].line);
}

struct ok_vec {
	const char *text;
	const char *want;
};

static const struct ok_vec ok_vecs[] = {
	{"", "peers= fdb= neigh="},
	{"\n\n# nothing here\n   \t\n", "peers= fdb= neigh="},
	{"192.168.56.42", "peers=192.168.56.42:8472@1 fdb= neigh="},
	{"192.168.56.43\n192.168.56.42:4789\n",
	 "peers=192.168.56.42:4789@2,192.168.56.43:8472@1 fdb= neigh="},
	{"# peers of node 1\r\n192.168.56.42   # node 2\r\n  peer 192.168.56.43\t\r\n",
	 "peers=192.168.56.42:8472@2,192.168.56.43:8472@3 fdb= neigh="},
	{"192.168.56.42\nfdb 0A:00:00:00:00:02 dst 192.168.56.42\nneigh 10.244.0.2 lladdr "
	 "0a:00:00:00:00:02\n",
	 "peers=192.168.56.42:8472@1 fdb=0a:00:00:00:00:02=192.168.56.42:8472@2 "
	 "neigh=10.244.0.2=0a:00:00:00:00:02@3"},
	{"fdb 0a:00:00:00:00:03 dst 192.168.56.43:9\nfdb 0a:00:00:00:00:02 dst 192.168.56.99\n",
	 "peers= fdb=0a:00:00:00:00:02=192.168.56.99:8472@2,0a:00:00:00:00:03=192.168.56.43:9@1 "
	 "neigh="},
	/* Lines as vxtapctl's peer show, fdb show and neigh show print them. */
	{"192.168.56.42:8472 rx 5 pkts 700 bytes tx 2 pkts 192 bytes last_rx 1.2s ago\n"
	 "192.168.56.43:4789 noflood rx 0 pkts 0 bytes tx 0 pkts 0 bytes last_rx never\n"
	 "fdb 0a:00:00:00:00:02 dst 192.168.56.42 port 8472 static\n"
	 "fdb 0a:00:00:00:00:03 dst 192.168.56.43 port 4789 learned age 12s\n"
	 "neigh 10.244.0.2 lladdr 0a:00:00:00:00:02 learned age 3s\n",
	 "peers=192.168.56.42:8472@1,192.168.56.43:4789@2(noflood) "
	 "fdb=0a:00:00:00:00:02=192.168.56.42:8472@3,0a:00:00:00:00:03=192.168.56.43:4789@4 "
	 "neigh=10.244.0.2=0a:00:00:00:00:02@5"},
	{"peers none\nfdb 0a:00:00:00:00:02 dst 192.168.56.42\n",
	 "peers= fdb=0a:00:00:00:00:02=192.168.56.42:8472@2 neigh="},
	/* No newline at the end; a '#' right after the value. */
	{"192.168.56.42#node 2", "peers=192.168.56.42:8472@1 fdb= neigh="},
};

START_TEST(test_parse_ok)
{
	const struct ok_vec *v = &ok_vecs[_i];
	struct ctlproto_net n = net();
	struct peersfile pf;
	struct peersfile_error err;
	char got[DUMPLEN];

	ck_assert_msg(peersfile_parse(&n, v->text, strlen(v->text), &pf, &err),
		      "vector %d: line %zu: %s", _i, err.line, err.msg);
	dump_file(&pf, got);
	ck_assert_str_eq(got, v->want);
	peersfile_free(&pf);
}
END_TEST

struct bad_vec {
	const char *text;
	size_t line;
	const char *msg;
};

#define GRAMMAR                                                                               \
	"expected ADDR[:PORT] [key PUBKEY], fdb MAC dst ADDR[:PORT], neigh IP lladdr MAC or " \
	"peers none"

static const struct bad_vec bad_vecs[] = {
	{"192.168.56.42\n1.2.3\n", 2, "\"1.2.3\" is not ADDR[:PORT]"},
	{"\n\n\n192.168.56.41\n", 4, "\"192.168.56.41\" is the local address"},
	{"fd00::2\n", 1, "\"fd00::2\" is IPv6 but the local address is IPv4"},
	{"224.0.0.1\n", 1, "\"224.0.0.1\" is not a unicast address"},
	{"192.168.56.42 192.168.56.43\n", 1, GRAMMAR},
	{"peer\n", 1, GRAMMAR},
	{"peer 192.168.56.42 extra\n", 1, GRAMMAR},
	{"--json\n", 1, GRAMMAR},
	{"fdb 0a:00:00:00:00:02 192.168.56.42\n", 1, GRAMMAR},
	{"fdb 0a:00:00:00:00:02 to 192.168.56.42\n", 1, GRAMMAR},
	{"fdb zz:00:00:00:00:02 dst 192.168.56.42\n", 1,
	 "\"zz:00:00:00:00:02\" is not a MAC address"},
	{"fdb 0a:00:00:00:00:02 dst 192.168.56.42:0\n", 1,
	 "\"192.168.56.42:0\" is not ADDR[:PORT]"},
	{"neigh 10.244.0.2 0a:00:00:00:00:02\n", 1, GRAMMAR},
	{"neigh 10.244.0.2 lladdr 01:00:00:00:00:02\n", 1,
	 "\"01:00:00:00:00:02\" is a multicast MAC"},
	{"neigh 10.244.0.2/32 lladdr 0a:00:00:00:00:02\n", 1,
	 "\"10.244.0.2/32\" is not an IP address"},
	{"stats\n", 1, "\"stats\" is not ADDR[:PORT]"},
	{"a b c d e f g h i\n", 1, GRAMMAR},
	{"192.168.56.42\n192.168.56.42:4789\n", 2, "peer listed again (first on line 1)"},
	{"fdb 0a:00:00:00:00:02 dst 192.168.56.42\n192.168.56.44\n"
	 "fdb 0A-00-00-00-00-02 dst 192.168.56.43\n",
	 3, "fdb MAC listed again (first on line 1)"},
	{"neigh 10.244.0.2 lladdr 0a:00:00:00:00:02\nneigh 10.244.0.2 lladdr 0a:00:00:00:00:03\n",
	 2, "neigh IP listed again (first on line 1)"},
	/* The earliest repeat is reported, whatever its kind. */
	{"192.168.56.42\nfdb 0a:00:00:00:00:02 dst 192.168.56.42\n"
	 "fdb 0a:00:00:00:00:02 dst 192.168.56.42\n192.168.56.42\n",
	 3, "fdb MAC listed again (first on line 2)"},
	{"192.168.56.42\n192.168.56.43\x01\n", 2, "control byte 0x01"},
	{"192.168.56.42\n\x7f\n", 2, "control byte 0x7f"},
	/* "peers none" means none: a peer beside it is a contradiction. */
	{"fdb 0a:00:00:00:00:02 dst 192.168.56.42\npeers none\n192.168.56.43\n", 2,
	 "\"peers none\" but line 3 lists a peer"},
	{"peers some\n", 1, GRAMMAR},
	/* A bad line after good ones: the whole file is refused. */
	{"192.168.56.42\n192.168.56.43\n192.168.56.44\nbogus line here\n", 4, GRAMMAR},
};

START_TEST(test_parse_bad)
{
	const struct bad_vec *v = &bad_vecs[_i];
	struct ctlproto_net n = net();
	struct peersfile pf;
	struct peersfile_error err;

	ck_assert_msg(!peersfile_parse(&n, v->text, strlen(v->text), &pf, &err), "vector %d passed",
		      _i);
	ck_assert_str_eq(err.msg, v->msg);
	ck_assert_uint_eq(err.line, v->line);
	ck_assert_ptr_null(pf.peers);
	ck_assert_uint_eq(pf.npeers + pf.nfdb + pf.nneigh, 0);
	peersfile_free(&pf);
}
END_TEST

START_TEST(test_parse_special)
{
	struct ctlproto_net n = net();
	struct peersfile pf;
	struct peersfile_error err;
	static char text[3 * CTLPROTO_LINE_MAX];

	/* A NUL inside the text is a control byte, not its end. */
	ck_assert(!peersfile_parse(&n, "192.168.56.42\n\0\n", 16, &pf, &err));
	ck_assert_uint_eq(err.line, 2);
	ck_assert_str_eq(err.msg, "control byte 0x00");

	/* A long comment is fine; a long entry is not. */
	memset(text, ' ', sizeof(text));
	text[0] = '#';
	memcpy(text + 2 * CTLPROTO_LINE_MAX, "\n192.168.56.42", 14);
	ck_assert(peersfile_parse(&n, text, 2 * CTLPROTO_LINE_MAX + 14, &pf, &err));
	ck_assert_uint_eq(pf.npeers, 1);
	ck_assert_uint_eq(pf.peers[0].line, 2);
	peersfile_free(&pf);
	text[0] = ' ';
	ck_assert(!peersfile_parse(&n, text, 2 * CTLPROTO_LINE_MAX + 14, &pf, &err));
	ck_assert_uint_eq(err.line, 1);
	ck_assert_str_eq(err.msg, "line longer than 4095 bytes");
}
END_TEST

/* --- applying -------------------------------------------------------------- */

static struct dp dp;
static struct ctlexec_env env; /* steps that change the tables by hand */
static size_t ngone;

static void on_gone(const struct peer *p, void *arg)
{
	(void)arg;
	ck_assert_ptr_nonnull(p);
	ngone++;
}

static void setup(void)
{
	fixture_dp(&dp, 16, 300000, (struct dp_limits){4, 4, 4});
	dp.hooks.peer_gone = on_gone;
	env = (struct ctlexec_env){.dp = &dp, .net = net()};
	ngone = 0;
}

static void teardown(void)
{
	dp_fini(&dp);
}

static void dump_fdb(const struct fdb_view *v, void *arg)
{
	char a[ADDR_STRLEN], m[MAC_STRLEN];

	put(arg, "%s=%s%s ", mac_fmt(&v->mac, m), endpoint_fmt(&v->dst, a),
	    v->is_static ? "" : "(l)");
}

static void dump_neigh(const struct neigh_view *v, void *arg)
{
	char a[ADDR_STRLEN], m[MAC_STRLEN];

	put(arg, "%s=%s%s ", ipaddr_fmt(&v->ip, a), mac_fmt(&v->mac, m), v->is_static ? "" : "(l)");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort the space-separated words of s in place, so table order does not matter. */
static void sort_words(char *s)
{
	char *w[64], copy[DUMPLEN], *save;
	size_t n = 0;

	snprintf(copy, sizeof(copy), "%s", s);
	for (char *t = strtok_r(copy, " ", &save); t != NULL; t = strtok_r(NULL, " ", &save))
		w[n++] = t;
	qsort(w, n, sizeof(w[0]), cmp_str);
	s[0] = '\0';
	for (size_t i = 0; i < n; i++)
		put(s, "%s%s", i ? " " : "", w[i]);
}

/* The tables: peers with rx counters, FDB and neighbours ("(l)" = learned). */
static void dump_dp(char out[static DUMPLEN])
{
	char part[DUMPLEN], a[ADDR_STRLEN];

	part[0] = '\0';
	for (size_t i = 0; i < peers_count(dp.peers); i++) {
		const struct peer *p = peers_at(dp.peers, i);

		/* "(f)": an FDB-only VTEP, there for the static entries naming
		 * it; "(n)": a listed peer that is no flood target. */
		put(part, "%s/%llu%s ", endpoint_fmt(&p->ep, a),
		    (unsigned long long)p->st.rx_packets,
		    !p->listed	? "(f)"
		    : !p->flood ? "(n)"
				: "");
	}
	sort_words(part);
	out[0] = '\0';
	put(out, "peers=%s", part);
	part[0] = '\0';
	fdb_foreach(dp.fdb, dump_fdb, part);
	sort_words(part);
	put(out, " fdb=%s", part);
	part[0] = '\0';
	neigh_foreach(dp.neigh, dump_neigh, part);
	sort_words(part);
	put(out, " neigh=%s", part);
}

/* Steps between two loads: control requests, and "learn MAC ADDR" or
 * "rx ADDR N" to stand in for traffic. */
static void step(const char *s)
{
	char w1[32], w2[64], w3[64];
	struct ctlproto_buf out = {0};

	if (sscanf(s, "learn %31s %63s", w1, w2) == 2) {
		struct mac m;
		struct endpoint e;

		ck_assert(mac_parse(w1, &m) && endpoint_parse(w2, 8472, &e));
		ck_assert_int_eq(fdb_learn(dp.fdb, &m, &e, 1, NULL), TABLE_LEARN_NEW);
	} else if (sscanf(s, "rx %63s %63s", w2, w3) == 2) {
		struct ipaddr ip;
		struct peer *p;

		ck_assert(ipaddr_parse(w2, &ip));
		p = peers_find(dp.peers, &ip);
		ck_assert_ptr_nonnull(p);
		p->st.rx_packets = strtoull(w3, NULL, 10);
	} else {
		ck_assert_msg(ctlexec_handle(&env, s, strlen(s), 0, &out), "step \"%s\": %s", s,
			      out.data);
	}
	ctlproto_buf_free(&out);
}

struct apply_vec {
	const char *old; /* NULL: start-up */
	const char *steps[6];
	const char *new;
	const char *diff;
	const char *tables;
	size_t gone;
};

#define F_42_43 "192.168.56.42\n192.168.56.43\n"

static const struct apply_vec apply_vecs[] = {
	/* Start-up adds everything. */
	{NULL,
	 {NULL},
	 F_42_43
	 "fdb 0a:00:00:00:00:02 dst 192.168.56.42\nneigh 10.244.0.2 lladdr 0a:00:00:00:00:02\n",
	 "peers +2 -0 ~0 fdb +1 -0 neigh +1 -0 failed 0",
	 "peers=192.168.56.42:8472/0 192.168.56.43:8472/0 fdb=0a:00:00:00:00:02=192.168.56.42:8472 "
	 "neigh=10.244.0.2=0a:00:00:00:00:02",
	 0},
	/* A peer the command line gave already is kept, with the file's port. */
	{NULL,
	 {"peer add 192.168.56.42:4789"},
	 F_42_43,
	 "peers +1 -0 ~1 fdb +0 -0 neigh +0 -0 failed 0",
	 "peers=192.168.56.42:8472/0 192.168.56.43:8472/0 fdb= neigh=",
	 0},
	/* Node 4 joins: 42 and 43 keep counters and what they taught. */
	{F_42_43,
	 {"learn 0a:00:00:00:00:02 192.168.56.42", "learn 0a:00:00:00:00:03 192.168.56.43",
	  "rx 192.168.56.42 5", "rx 192.168.56.43 6"},
	 F_42_43 "192.168.56.44\n",
	 "peers +1 -0 ~0 fdb +0 -0 neigh +0 -0 failed 0",
	 "peers=192.168.56.42:8472/5 192.168.56.43:8472/6 192.168.56.44:8472/0 "
	 "fdb=0a:00:00:00:00:02=192.168.56.42:8472(l) 0a:00:00:00:00:03=192.168.56.43:8472(l) "
	 "neigh=",
	 0},
	/* Node 3 leaves: its learned entries go, a static one pointing at it
	 * stays, and keeps it as an FDB-only VTEP (no flood target). */
	{F_42_43,
	 {"learn 0a:00:00:00:00:02 192.168.56.42", "learn 0a:00:00:00:00:03 192.168.56.43",
	  "fdb add 0a:00:00:00:00:33 dst 192.168.56.43", "rx 192.168.56.42 5"},
	 "192.168.56.42\n",
	 "peers +0 -1 ~0 fdb +0 -0 neigh +0 -0 failed 0",
	 "peers=192.168.56.42:8472/5 192.168.56.43:8472/0(f) "
	 "fdb=0a:00:00:00:00:02=192.168.56.42:8472(l) 0a:00:00:00:00:33=192.168.56.43:8472 neigh=",
	 0},
	/* noflood set and cleared by the file; a line for an FDB-only VTEP
	 * lists it. */
	{F_42_43,
	 {NULL},
	 "192.168.56.42 noflood\n192.168.56.43\n",
	 "peers +0 -0 ~1 fdb +0 -0 neigh +0 -0 failed 0",
	 "peers=192.168.56.42:8472/0(n) 192.168.56.43:8472/0 fdb= neigh=",
	 0},
	{"192.168.56.42 noflood\n",
	 {NULL},
	 "192.168.56.42\n",
	 "peers +0 -0 ~1 fdb +0 -0 neigh +0 -0 failed 0",
	 "peers=192.168.56.42:8472/0 fdb= neigh=",
	 0},
	{"fdb 0a:00:00:00:00:02 dst 192.168.56.42\n",
	 {NULL},
	 "fdb 0a:00:00:00:00:02 dst 192.168.56.42\n192.168.56.42 noflood\n",
	 "peers +1 -0 ~0 fdb +0 -0 neigh +0 -0 failed 0",
	 "peers=192.168.56.42:8472/0(n) fdb=0a:00:00:00:00:02=192.168.56.42:8472 neigh=",
	 0},
	/* A new port: counters stay, what it taught under the old port goes. */
	{F_42_43,
	 {"learn 0a:00:00:00:00:02 192.168.56.42", "rx 192.168.56.42 5"},
	 "192.168.56.42:4789\n192.168.56.43\n",
	 "peers +0 -0 ~1 fdb +0 -0 neigh +0 -0 failed 0",
	 "peers=192.168.56.42:4789/5 192.168.56.43:8472/0 fdb= neigh=",
	 0},
	/* Peers the file never named are not its business. */
	{F_42_43,
	 {"peer add 192.168.56.45"},
	 "192.168.56.42\n",
	 "peers +0 -1 ~0 fdb +0 -0 neigh +0 -0 failed 0",
	 "peers=192.168.56.42:8472/0 192.168.56.45:8472/0 fdb= neigh=",
	 1},
	/* A line removed removes its peer whoever added it too; one deleted by
	 * hand since comes back while its line is there. */
	{F_42_43,
	 {"peer del 192.168.56.43"},
	 F_42_43,
	 "peers +1 -0 ~0 fdb +0 -0 neigh +0 -0 failed 0",
	 "peers=192.168.56.42:8472/0 192.168.56.43:8472/0 fdb= neigh=",
	 0},
	/* Static entries: changed, removed, re-set and added. */
	{"fdb 0a:00:00:00:00:02 dst 192.168.56.42\nfdb 0a:00:00:00:00:03 dst 192.168.56.43\n"
	 "fdb 0a:00:00:00:00:04 dst 192.168.56.44\nneigh 10.244.0.2 lladdr 0a:00:00:00:00:02\n"
	 "neigh 10.244.0.3 lladdr 0a:00:00:00:00:03\n",
	 {"fdb del 0a:00:00:00:00:04", "neigh add 10.244.0.3 lladdr 0a:00:00:00:00:33"},
	 "fdb 0a:00:00:00:00:02 dst 192.168.56.43\nfdb 0a:00:00:00:00:04 dst 192.168.56.44\n"
	 "fdb 0a:00:00:00:00:05 dst 192.168.56.45\n",
	 /* 03 removed; 10.244.0.2 removed; 10.244.0.3 was changed by hand, so kept. */
	 "peers +0 -0 ~0 fdb +3 -1 neigh +0 -1 failed 0",
	 "peers=192.168.56.43:8472/0(f) 192.168.56.44:8472/0(f) 192.168.56.45:8472/0(f) "
	 "fdb=0a:00:00:00:00:02=192.168.56.43:8472 0a:00:00:00:00:04=192.168.56.44:8472 "
	 "0a:00:00:00:00:05=192.168.56.45:8472 neigh=10.244.0.3=0a:00:00:00:00:33",
	 /* FDB-only VTEPs no entry names any more: .42, and .43 between its
	  * entry's removal and 02's move to it. */
	 2},
	/* A learned entry named by the file becomes static; no change counted. */
	{"",
	 {"learn 0a:00:00:00:00:02 192.168.56.42"},
	 "fdb 0a:00:00:00:00:02 dst 192.168.56.42\n",
	 "peers +0 -0 ~0 fdb +0 -0 neigh +0 -0 failed 0",
	 "peers=192.168.56.42:8472/0(f) fdb=0a:00:00:00:00:02=192.168.56.42:8472 neigh=",
	 0},
	/* Limits: 4 peers at most; removals make room first. */
	{"192.168.56.42\n192.168.56.43\n192.168.56.44\n192.168.56.45\n",
	 {NULL},
	 "192.168.56.46\n192.168.56.47\n192.168.56.48\n192.168.56.49\n192.168.56.50\n",
	 "peers +4 -4 ~0 fdb +0 -0 neigh +0 -0 failed 1",
	 "peers=192.168.56.46:8472/0 192.168.56.47:8472/0 192.168.56.48:8472/0 "
	 "192.168.56.49:8472/0 fdb= neigh=",
	 4},
	/* The same file again changes nothing. */
	{F_42_43 "fdb 0a:00:00:00:00:02 dst 192.168.56.42\n",
	 {"rx 192.168.56.43 9"},
	 F_42_43 "fdb 0a:00:00:00:00:02 dst 192.168.56.42\n",
	 "peers +0 -0 ~0 fdb +0 -0 neigh +0 -0 failed 0",
	 "peers=192.168.56.42:8472/0 192.168.56.43:8472/9 fdb=0a:00:00:00:00:02=192.168.56.42:8472 "
	 "neigh=",
	 0},
};

static void load(const char *text, struct peersfile *pf)
{
	struct peersfile_error err;

	ck_assert_msg(peersfile_parse(&env.net, text, strlen(text), pf, &err), "line %zu: %s",
		      err.line, err.msg);
}

START_TEST(test_apply)
{
	const struct apply_vec *v = &apply_vecs[_i];
	struct peersfile old, new;
	struct peersfile_diff d;
	char got[DUMPLEN], want[DUMPLEN];

	memset(&old, 0, sizeof(old));
	if (v->old != NULL) {
		load(v->old, &old);
		peersfile_apply(&dp, NULL, &old, &d);
		ck_assert_uint_eq(d.failed, 0);
	}
	for (size_t i = 0; i < 6 && v->steps[i] != NULL; i++)
		step(v->steps[i]);
	ngone = 0;
	load(v->new, &new);
	peersfile_apply(&dp, v->old != NULL ? &old : NULL, &new, &d);
	snprintf(got, sizeof(got), "peers +%zu -%zu ~%zu fdb +%zu -%zu neigh +%zu -%zu failed %zu",
		 d.peers_added, d.peers_removed, d.peers_changed, d.fdb_added, d.fdb_removed,
		 d.neigh_added, d.neigh_removed, d.failed);
	ck_assert_str_eq(got, v->diff);
	dump_dp(got);
	snprintf(want, sizeof(want), "%s", v->tables);
	ck_assert_str_eq(got, want);
	ck_assert_uint_eq(ngone, v->gone);
	peersfile_free(&old);
	peersfile_free(&new);
}
END_TEST

#define K1 "YtWsQf8PSQymCv74rbHOT2uIbdmP7ee8hliF7Rlpz2U="
#define K2 "webGOa0Lm3i4e+zhIRDhVMzhfFBrgUYJYfb+KCfVEHE="
#define K3 "QnkO+SKUHCob4SO4nQfJzu/M3dxyRlxI1ma9w3y8xk8="

static int nkeys;

/* The method: K3 is "this node's own key". */
static int on_key(const struct ipaddr *ip, const uint8_t key[static 32], void *arg)
{
	uint8_t own[32];

	(void)ip;
	(void)arg;
	nkeys++;
	ck_assert(keytext_parse(K3, strlen(K3), own));
	return memcmp(key, own, 32) == 0 ? -EINVAL : 0;
}

static bool has_key(const char *addr, const char *text)
{
	struct ipaddr ip;
	uint8_t k[32];
	const struct peer *p;

	ck_assert(ipaddr_parse(addr, &ip));
	ck_assert(keytext_parse(text, strlen(text), k));
	p = peers_find(dp.peers, &ip);
	return p != NULL && p->has_key && memcmp(p->key, k, 32) == 0;
}

/* Secure mode: "ADDR key PUBKEY" and "peer ADDR key PUBKEY"; a line
 * without a key, or a key in plain mode, names its line; a changed key is
 * a changed peer, and one the method refuses is counted as failed, with the
 * old key kept. */
START_TEST(test_keys)
{
	static const char two[] = "192.168.56.42 key " K1 "\npeer 192.168.56.43:4789 key " K2 "\n";
	static const char keyless[] = "192.168.56.42 key " K1 "\n192.168.56.43\n";
	struct peersfile old, new;
	struct peersfile_error err;
	struct peersfile_diff d;

	dp.hooks.peer_key = on_key;
	env.net.secure = true;
	ck_assert(!peersfile_parse(&env.net, keyless, strlen(keyless), &old, &err));
	ck_assert_uint_eq(err.line, 2);
	ck_assert_str_eq(
		err.msg,
		"\"192.168.56.43\" has no key: secure mode needs \"ADDR[:PORT] key PUBKEY\"");
	ck_assert(!peersfile_parse(&env.net, "192.168.56.42 key\n", 18, &old, &err));
	ck_assert_uint_eq(err.line, 1);
	load(two, &old);
	ck_assert_uint_eq(old.npeers, 2);
	ck_assert(old.peers[0].has_key && old.peers[1].has_key);
	peersfile_apply(&dp, NULL, &old, &d);
	ck_assert_uint_eq(d.peers_added, 2);
	ck_assert_int_eq(nkeys, 2);
	ck_assert(has_key("192.168.56.42", K1) && has_key("192.168.56.43", K2));

	/* 42 gets K2 (a new key), 43 K3 (refused: the old key stays). */
	load("192.168.56.42 key " K2 "\npeer 192.168.56.43:4789 key " K3 "\n", &new);
	peersfile_apply(&dp, &old, &new, &d);
	ck_assert_uint_eq(d.peers_changed, 1);
	ck_assert_uint_eq(d.failed, 1);
	ck_assert(has_key("192.168.56.42", K2) && has_key("192.168.56.43", K2));
	peersfile_free(&old);
	peersfile_free(&new);

	env.net.secure = false;
	ck_assert(!peersfile_parse(&env.net, two, strlen(two), &old, &err));
	ck_assert_uint_eq(err.line, 1);
	ck_assert_str_eq(err.msg, "\"" K1 "\" is a key, but secure mode is off (no --key-file)");
}
END_TEST

/* A reload that would remove every peer is refused unless the file says
 * "peers none"; files that never had peers, and start-up, are not held to it. */
START_TEST(test_empties)
{
	struct ctlproto_net n = net();
	struct peersfile two, empty, none, fdb_only;
	struct peersfile_error err;
	const char *t2 = "192.168.56.42\n192.168.56.43\n",
		   *tf = "fdb 0a:00:00:00:00:02 dst 192.168.56.42\n";

	ck_assert(peersfile_parse(&n, t2, strlen(t2), &two, &err));
	ck_assert(peersfile_parse(&n, "", 0, &empty, &err));
	ck_assert(peersfile_parse(&n, "peers none\n", 11, &none, &err));
	ck_assert(peersfile_parse(&n, tf, strlen(tf), &fdb_only, &err));
	ck_assert(peersfile_empties(&two, &empty));
	ck_assert(peersfile_empties(&two, &fdb_only));
	ck_assert(!peersfile_empties(&two, &none));
	ck_assert(!peersfile_empties(&two, &two));
	ck_assert(!peersfile_empties(NULL, &empty));
	ck_assert(!peersfile_empties(&empty, &empty));
	ck_assert(!peersfile_empties(&none, &empty));
	peersfile_free(&two);
	peersfile_free(&empty);
	peersfile_free(&none);
	peersfile_free(&fdb_only);
}
END_TEST

static Suite *peersfile_suite(void)
{
	Suite *s = suite_create("peersfile");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_loop_test(tc, test_parse_ok, 0, (int)(sizeof(ok_vecs) / sizeof(ok_vecs[0])));
	tcase_add_loop_test(tc, test_parse_bad, 0, (int)(sizeof(bad_vecs) / sizeof(bad_vecs[0])));
	tcase_add_test(tc, test_empties);
	tcase_add_test(tc, test_parse_special);
	suite_add_tcase(s, tc);

	tc = tcase_create("apply");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_apply, 0, (int)(sizeof(apply_vecs) / sizeof(apply_vecs[0])));
	tcase_add_test(tc, test_keys);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(peersfile_suite());
}
