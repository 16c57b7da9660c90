/* check_fldiff: the operations between two node lists, their order, and a simulated table walk. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fldiff.h"

#include "check_run.h"

#define NVEC(v) ((int)(sizeof(v) / sizeof((v)[0])))

/* "10.244.2.0/24 192.168.56.42 0a:58:0a:f4:02:00 REV [KEYBYTE]" per node, ';'-separated. */
static void nodes_of(const char *spec, struct flset_nodes *out)
{
	char buf[1024], *save = NULL;

	out->v = calloc(32, sizeof(*out->v));
	out->n = 0;
	ck_assert_ptr_nonnull(out->v);
	snprintf(buf, sizeof(buf), "%s", spec);
	for (char *t = strtok_r(buf, ";", &save); t != NULL; t = strtok_r(NULL, ";", &save)) {
		struct flset_node *n = &out->v[out->n++];
		char cidr[32], ip[32], mac[32];
		long long rev;
		int key = -1;
		struct flannel_subnet sn;
		char *slash;

		ck_assert_int_ge(sscanf(t, "%31s %31s %31s %lld %d", cidr, ip, mac, &rev, &key), 4);
		slash = strchr(cidr, '/');
		*slash = '-';
		ck_assert(flannel_key_parse(cidr, strlen(cidr), &sn));
		n->subnet = sn;
		ck_assert(ipaddr_parse(ip, &n->public_ip));
		ck_assert(mac_parse(mac, &n->vtep_mac));
		n->mod_revision = rev;
		n->vni = 1;
		if (key >= 0) {
			n->has_pubkey = true;
			memset(n->pubkey, key, sizeof(n->pubkey));
		}
	}
}

static const char *ops_text(const struct fldiff_ops *ops)
{
	static char out[4096];
	char a[ADDR_STRLEN], m[MAC_STRLEN], c[FLANNEL_CIDRLEN];

	out[0] = '\0';
	for (size_t i = 0; i < ops->n; i++) {
		const struct fldiff_op *op = &ops->v[i];
		size_t len = strlen(out);
		char *p = out + len;
		size_t room = sizeof(out) - len;

		switch (op->kind) {
		case FLDIFF_PEER_ADD:
		case FLDIFF_PEER_DEL:
			snprintf(p, room, "%s%s %s", len ? "; " : "", fldiff_name(op->kind),
				 ipaddr_fmt(&op->ip, a));
			if (op->has_pubkey) {
				len = strlen(out);
				snprintf(out + len, sizeof(out) - len, " key=%02x", op->pubkey[0]);
			}
			break;
		case FLDIFF_FDB_ADD:
			snprintf(p, room, "%s%s %s dst %s", len ? "; " : "", fldiff_name(op->kind),
				 mac_fmt(&op->mac, m), ipaddr_fmt(&op->ip, a));
			break;
		case FLDIFF_FDB_DEL:
			snprintf(p, room, "%s%s %s", len ? "; " : "", fldiff_name(op->kind),
				 mac_fmt(&op->mac, m));
			break;
		case FLDIFF_NEIGH_ADD:
			snprintf(p, room, "%s%s %s lladdr %s", len ? "; " : "",
				 fldiff_name(op->kind), ipaddr_fmt(&op->ip, a),
				 mac_fmt(&op->mac, m));
			break;
		case FLDIFF_NEIGH_DEL:
			snprintf(p, room, "%s%s %s", len ? "; " : "", fldiff_name(op->kind),
				 ipaddr_fmt(&op->ip, a));
			break;
		case FLDIFF_ROUTE_ADD:
		case FLDIFF_ROUTE_DEL:
			snprintf(p, room, "%s%s %s via %s", len ? "; " : "", fldiff_name(op->kind),
				 flannel_cidr_format(&op->subnet, c), ipaddr_fmt(&op->ip, a));
			break;
		}
		if (op->replace) {
			len = strlen(out);
			snprintf(out + len, sizeof(out) - len, " (replace)");
		}
	}
	return out;
}

struct diff_vec {
	const char *applied, *desired, *want;
	size_t conflicts;
};

#define N2 "10.244.2.0/24 192.168.56.42 0a:58:0a:f4:02:00 5"
#define N3 "10.244.3.0/24 192.168.56.43 0a:58:0a:f4:03:00 6"

static const struct diff_vec diff_vecs[] = {
	{"", "", "", 0},
	{N2 ";" N3, N2 ";" N3, "", 0},
	/* A node joins: peer, FDB, neighbour, and the route last. */
	{"", N2,
	 "peer add 192.168.56.42; fdb add 0a:58:0a:f4:02:00 dst 192.168.56.42; neigh add "
	 "10.244.2.0 lladdr 0a:58:0a:f4:02:00; route add 10.244.2.0/24 via 10.244.2.0",
	 0},
	/* A node leaves: the route first. */
	{N2 ";" N3, N3,
	 "route del 10.244.2.0/24 via 10.244.2.0; neigh del 10.244.2.0; fdb del 0a:58:0a:f4:02:00; "
	 "peer del 192.168.56.42",
	 0},
	/* A new public IP: the new peer, the FDB entry moved, the old peer gone. */
	{N2, "10.244.2.0/24 192.168.56.52 0a:58:0a:f4:02:00 9",
	 "peer add 192.168.56.52; fdb add 0a:58:0a:f4:02:00 dst 192.168.56.52 (replace); peer del "
	 "192.168.56.42",
	 0},
	/* A new VtepMAC: its FDB entry, the neighbour moved, the old entry gone. */
	{N2, "10.244.2.0/24 192.168.56.42 0a:58:0a:f4:22:00 9",
	 "fdb add 0a:58:0a:f4:22:00 dst 192.168.56.42; neigh add 10.244.2.0 lladdr "
	 "0a:58:0a:f4:22:00 "
	 "(replace); fdb del 0a:58:0a:f4:02:00",
	 0},
	{N2, "10.244.2.0/24 192.168.56.52 0a:58:0a:f4:22:00 9",
	 "peer add 192.168.56.52; fdb add 0a:58:0a:f4:22:00 dst 192.168.56.52; neigh add "
	 "10.244.2.0 "
	 "lladdr 0a:58:0a:f4:22:00 (replace); fdb del 0a:58:0a:f4:02:00; peer del 192.168.56.42",
	 0},
	/* A public key appears, then changes. */
	{N2, N2 " 7", "peer add 192.168.56.42 key=07 (replace)", 0},
	{N2 " 7", N2 " 8", "peer add 192.168.56.42 key=08 (replace)", 0},
	{N2 " 7", N2, "peer add 192.168.56.42 (replace)", 0},
	/* A node's old lease with the same public IP: one peer, kept while either lives. */
	{N2 ";10.244.9.0/24 192.168.56.42 0a:58:0a:f4:09:00 2", N2,
	 "route del 10.244.9.0/24 via 10.244.9.0; neigh del 10.244.9.0; fdb del 0a:58:0a:f4:09:00",
	 0},
	/* Two nodes claim one VtepMAC: the newest wins the FDB entry. */
	{"", N2 ";10.244.9.0/24 192.168.56.49 0a:58:0a:f4:02:00 8",
	 "peer add 192.168.56.42; peer add 192.168.56.49; fdb add 0a:58:0a:f4:02:00 dst "
	 "192.168.56.49; neigh add 10.244.2.0 lladdr 0a:58:0a:f4:02:00; neigh add 10.244.9.0 "
	 "lladdr "
	 "0a:58:0a:f4:02:00; route add 10.244.2.0/24 via 10.244.2.0; route add 10.244.9.0/24 via "
	 "10.244.9.0",
	 1},
	/* Both move at once: 2 leaves, 3 changes IP, 4 joins. */
	{N2 ";" N3,
	 "10.244.3.0/24 192.168.56.53 0a:58:0a:f4:03:00 9;10.244.4.0/24 192.168.56.44 "
	 "0a:58:0a:f4:04:00 10",
	 "route del 10.244.2.0/24 via 10.244.2.0; peer add 192.168.56.44; peer add 192.168.56.53; "
	 "fdb "
	 "add 0a:58:0a:f4:03:00 dst 192.168.56.53 (replace); fdb add 0a:58:0a:f4:04:00 dst "
	 "192.168.56.44; neigh add 10.244.4.0 lladdr 0a:58:0a:f4:04:00; route add 10.244.4.0/24 "
	 "via "
	 "10.244.4.0; neigh del 10.244.2.0; fdb del 0a:58:0a:f4:02:00; peer del 192.168.56.42; "
	 "peer "
	 "del 192.168.56.43",
	 0},
};

START_TEST(test_diff)
{
	const struct diff_vec *v = &diff_vecs[_i];
	struct flset_nodes a, d;
	struct fldiff_ops ops = {0};

	nodes_of(v->applied, &a);
	nodes_of(v->desired, &d);
	ck_assert_int_eq(fldiff(&a, &d, &ops), 0);
	ck_assert_str_eq(ops_text(&ops), v->want);
	ck_assert_uint_eq(ops.conflicts, v->conflicts);
	fldiff_free(&ops);
	flset_nodes_free(&a);
	flset_nodes_free(&d);
}
END_TEST

/* --- a simulated data plane --------------------------------------------- */

#define SIMMAX 64

struct sim {
	struct {
		struct ipaddr ip;
		bool has_key;
		uint8_t key;
	} peer[SIMMAX];
	size_t npeer;
	struct {
		struct mac mac;
		struct ipaddr ip;
	} fdb[SIMMAX];
	size_t nfdb;
	struct {
		struct ipaddr ip;
		struct mac mac;
	} neigh[SIMMAX];
	size_t nneigh;
	struct {
		struct flannel_subnet sn;
		struct ipaddr gw;
	} route[SIMMAX];
	size_t nroute;
};

static int peer_at(const struct sim *s, const struct ipaddr *ip)
{
	for (size_t i = 0; i < s->npeer; i++)
		if (ipaddr_equal(&s->peer[i].ip, ip))
			return (int)i;
	return -1;
}

static int fdb_at(const struct sim *s, const struct mac *m)
{
	for (size_t i = 0; i < s->nfdb; i++)
		if (mac_equal(&s->fdb[i].mac, m))
			return (int)i;
	return -1;
}

static int neigh_at(const struct sim *s, const struct ipaddr *ip)
{
	for (size_t i = 0; i < s->nneigh; i++)
		if (ipaddr_equal(&s->neigh[i].ip, ip))
			return (int)i;
	return -1;
}

static int route_at(const struct sim *s, const struct flannel_subnet *sn)
{
	for (size_t i = 0; i < s->nroute; i++)
		if (s->route[i].sn.ip == sn->ip && s->route[i].sn.len == sn->len)
			return (int)i;
	return -1;
}

#define REMOVE(arr, n, at)                    \
	do {                                  \
		if ((at) >= 0)                \
			arr[at] = arr[--(n)]; \
	} while (0)

/* Carry out one operation: additions set, deletions remove if present. */
static void sim_apply(struct sim *s, const struct fldiff_op *op)
{
	int at;

	switch (op->kind) {
	case FLDIFF_PEER_ADD:
		at = peer_at(s, &op->ip);
		if (at < 0)
			at = (int)s->npeer++;
		s->peer[at].ip = op->ip;
		s->peer[at].has_key = op->has_pubkey;
		s->peer[at].key = op->pubkey[0];
		break;
	case FLDIFF_PEER_DEL:
		at = peer_at(s, &op->ip);
		REMOVE(s->peer, s->npeer, at);
		break;
	case FLDIFF_FDB_ADD:
		at = fdb_at(s, &op->mac);
		if (at < 0)
			at = (int)s->nfdb++;
		s->fdb[at].mac = op->mac;
		s->fdb[at].ip = op->ip;
		break;
	case FLDIFF_FDB_DEL:
		at = fdb_at(s, &op->mac);
		REMOVE(s->fdb, s->nfdb, at);
		break;
	case FLDIFF_NEIGH_ADD:
		at = neigh_at(s, &op->ip);
		if (at < 0)
			at = (int)s->nneigh++;
		s->neigh[at].ip = op->ip;
		s->neigh[at].mac = op->mac;
		break;
	case FLDIFF_NEIGH_DEL:
		at = neigh_at(s, &op->ip);
		REMOVE(s->neigh, s->nneigh, at);
		break;
	case FLDIFF_ROUTE_ADD:
		at = route_at(s, &op->subnet);
		if (at < 0)
			at = (int)s->nroute++;
		s->route[at].sn = op->subnet;
		s->route[at].gw = op->ip;
		break;
	case FLDIFF_ROUTE_DEL:
		at = route_at(s, &op->subnet);
		REMOVE(s->route, s->nroute, at);
		break;
	}
}

/* Nothing is ever sent without what it needs: a route's gateway has a
 * neighbour, a neighbour's MAC an FDB entry, an FDB entry's IP a peer. */
static bool sim_safe(const struct sim *s)
{
	for (size_t i = 0; i < s->nroute; i++)
		if (neigh_at(s, &s->route[i].gw) < 0)
			return false;
	for (size_t i = 0; i < s->nneigh; i++)
		if (fdb_at(s, &s->neigh[i].mac) < 0)
			return false;
	for (size_t i = 0; i < s->nfdb; i++)
		if (peer_at(s, &s->fdb[i].ip) < 0)
			return false;
	return true;
}

/* Tables from scratch for a node list: the diff from nothing. */
static void sim_of(const struct flset_nodes *l, struct sim *s)
{
	struct flset_nodes none = {0};
	struct fldiff_ops ops = {0};

	memset(s, 0, sizeof(*s));
	ck_assert_int_eq(fldiff(&none, l, &ops), 0);
	for (size_t i = 0; i < ops.n; i++) {
		sim_apply(s, &ops.v[i]);
		if (!sim_safe(s))
			ck_abort_msg("unsafe after %s", fldiff_name(ops.v[i].kind));
	}
	fldiff_free(&ops);
}

static int cmp_bytes(const void *a, const void *b, size_t n)
{
	return memcmp(a, b, n);
}

/* Same tables, whatever the order of entries. */
static void sim_assert_equal(const struct sim *x, const struct sim *y)
{
	ck_assert_uint_eq(x->npeer, y->npeer);
	ck_assert_uint_eq(x->nfdb, y->nfdb);
	ck_assert_uint_eq(x->nneigh, y->nneigh);
	ck_assert_uint_eq(x->nroute, y->nroute);
	for (size_t i = 0; i < x->npeer; i++) {
		int at = peer_at(y, &x->peer[i].ip);

		ck_assert_int_ge(at, 0);
		ck_assert_int_eq(x->peer[i].has_key, y->peer[at].has_key);
		if (x->peer[i].has_key)
			ck_assert_uint_eq(x->peer[i].key, y->peer[at].key);
	}
	for (size_t i = 0; i < x->nfdb; i++) {
		int at = fdb_at(y, &x->fdb[i].mac);

		ck_assert_int_ge(at, 0);
		ck_assert(ipaddr_equal(&x->fdb[i].ip, &y->fdb[at].ip));
	}
	for (size_t i = 0; i < x->nneigh; i++) {
		int at = neigh_at(y, &x->neigh[i].ip);

		ck_assert_int_ge(at, 0);
		ck_assert_int_eq(cmp_bytes(&x->neigh[i].mac, &y->neigh[at].mac, MAC_LEN), 0);
	}
	for (size_t i = 0; i < x->nroute; i++)
		ck_assert_int_ge(route_at(y, &x->route[i].sn), 0);
}

static void random_nodes(uint32_t *seed, struct flset_nodes *l)
{
	size_t n = 0;

	l->v = calloc(12, sizeof(*l->v));
	ck_assert_ptr_nonnull(l->v);
	for (int k = 0; k < 12; k++) {
		struct flset_node *nd;

		*seed = *seed * 1103515245u + 12345u;
		if ((*seed >> 16) % 3 == 0)
			continue;
		nd = &l->v[n++];
		nd->subnet = (struct flannel_subnet){0x0af40000u | (uint32_t)(k + 1) << 8, 24};
		ipaddr_from_v4(&nd->public_ip,
			       (const uint8_t[]){192, 168, 56, (uint8_t)(40 + (*seed >> 8) % 5)});
		memcpy(nd->vtep_mac.b, "\x0a\x58\x0a\xf4\x00\x00", MAC_LEN);
		nd->vtep_mac.b[4] = (uint8_t)((*seed >> 12) % 7);
		nd->mod_revision = (int64_t)((*seed >> 4) % 50);
		nd->has_pubkey = (*seed >> 20) % 2;
		memset(nd->pubkey, (int)((*seed >> 22) % 3), sizeof(nd->pubkey));
	}
	l->n = n;
}

/* Random pairs of lists (shared IPs and MACs included): carrying out the
 * diff step by step is always safe and ends at the tables of the target. */
START_TEST(test_diff_simulated)
{
	uint32_t seed = 2024;

	for (int round = 0; round < 500; round++) {
		struct flset_nodes a, d;
		struct fldiff_ops ops = {0}, again = {0};
		struct sim s, want;

		random_nodes(&seed, &a);
		random_nodes(&seed, &d);
		sim_of(&a, &s);
		ck_assert_int_eq(fldiff(&a, &d, &ops), 0);
		for (size_t i = 0; i < ops.n; i++) {
			sim_apply(&s, &ops.v[i]);
			if (!sim_safe(&s))
				ck_abort_msg("round %d: unsafe after op %zu (%s)", round, i,
					     fldiff_name(ops.v[i].kind));
			/* The order of kinds never goes back. */
			if (i > 0 && ops.v[i - 1].kind > ops.v[i].kind)
				ck_abort_msg("round %d: %s after %s", round,
					     fldiff_name(ops.v[i].kind),
					     fldiff_name(ops.v[i - 1].kind));
		}
		sim_of(&d, &want);
		sim_assert_equal(&s, &want);
		ck_assert_int_eq(fldiff(&d, &d, &again), 0);
		ck_assert_uint_eq(again.n, 0);
		fldiff_free(&again);
		fldiff_free(&ops);
		flset_nodes_free(&a);
		flset_nodes_free(&d);
	}
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(fldiff_name(FLDIFF_ROUTE_ADD), "route add");
	ck_assert_str_eq(fldiff_name((enum fldiff_kind)99), "unknown");
}
END_TEST

static Suite *fldiff_suite(void)
{
	Suite *s = suite_create("fldiff");
	TCase *tc = tcase_create("diff");

	tcase_add_loop_test(tc, test_diff, 0, NVEC(diff_vecs));
	tcase_add_test(tc, test_diff_simulated);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(fldiff_suite());
}
