/* check_crypto: two in-memory nodes handshaking, sealing and opening, with injected clock and
 * randomness. */
#include <arpa/inet.h>
#include <check.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "vxlan.h"

#include "check_run.h"

#define PT_LEN	 60
#define DG_MAX	 (256 + CRYPTO_OVERHEAD + CRYPTO_HS_MAX)
#define INIT_LEN 84
#define RESP_LEN 80
#define WALL0	 UINT64_C(1700000000000000000) /* ns */

/* A deterministic stream per node: ChaCha20 keyed by seed and the call
 * number. From call fork_at on (when nonzero) the stream changes, so that
 * two nodes can share a prefix of their randomness. */
struct rng {
	uint8_t seed[randombytes_SEEDBYTES];
	uint64_t n, fork_at;
};

static void det_random(void *ctx, void *buf, size_t len)
{
	struct rng *r = ctx;
	uint8_t s[randombytes_SEEDBYTES];

	memcpy(s, r->seed, sizeof(s));
	memcpy(s, &r->n, sizeof(r->n));
	if (r->fork_at && r->n >= r->fork_at)
		s[30] ^= 1;
	r->n++;
	randombytes_buf_deterministic(buf, len, s);
}

struct node {
	struct crypto *c;
	struct ipaddr ip; /* as the other node sees it */
	struct rng rng;
};

struct dg {
	uint8_t b[DG_MAX];
	size_t len;
};

static struct node A, B;
static uint64_t now; /* ms */
static uint8_t K1[CRYPTO_KEY_LEN], K2[CRYPTO_KEY_LEN];
static uint8_t next_seed = 1;

/* What the last deliver() or seal_pt() produced. */
static struct dg g_reply, g_plain, g_init;
static bool g_want;
static enum crypto_drop g_why;

static uint64_t wall_ns(void)
{
	return WALL0 + now * 1000000u;
}

static bool aes_ok(void)
{
	return crypto_aead_aes256gcm_is_available() != 0;
}

static void set_ip(struct ipaddr *ip, const char *s)
{
	memset(ip, 0, sizeof(*ip));
	if (strchr(s, ':')) {
		ip->family = AF_INET6;
		ck_assert_int_eq(inet_pton(AF_INET6, s, ip->a), 1);
	} else {
		ip->family = AF_INET;
		ck_assert_int_eq(inet_pton(AF_INET, s, ip->a), 1);
	}
}

/* (Re)create n's context: a restart, with fresh randomness. */
static void node_start(struct node *n, const uint8_t *key, bool aes, const struct crypto_limits *l)
{
	crypto_free(n->c);
	memset(&n->rng, 0, sizeof(n->rng));
	n->rng.seed[31] = next_seed++;
	n->c = crypto_new(key, aes, l, det_random, &n->rng);
	ck_assert_ptr_nonnull(n->c);
}

static void nodes_start(const struct crypto_limits *l, bool aes_a, bool aes_b)
{
	node_start(&A, K1, aes_a, l);
	node_start(&B, K1, aes_b, l);
}

static void setup(void)
{
	memset(&A, 0, sizeof(A));
	memset(&B, 0, sizeof(B));
	memset(K1, 0x11, sizeof(K1));
	memset(K2, 0x22, sizeof(K2));
	set_ip(&A.ip, "192.168.56.41");
	set_ip(&B.ip, "fd00::42");
	now = 1000;
	nodes_start(NULL, true, true);
}

static void teardown(void)
{
	crypto_free(A.c);
	crypto_free(B.c);
	A.c = B.c = NULL;
}

/* A VXLAN datagram (header + inner bytes) numbered seq. */
static void make_pt(uint8_t *pt, size_t len, uint32_t seq)
{
	vxlan_encode(pt, 1);
	for (size_t i = VXLAN_HLEN; i < len; i++)
		pt[i] = (uint8_t)(i * 7 + seq);
	memcpy(pt + VXLAN_HLEN, &seq, sizeof(seq));
}

static size_t seal_pt(struct node *from, const struct node *to, const uint8_t *pt, size_t len,
		      struct dg *out)
{
	out->len = crypto_seal(from->c, &to->ip, pt, len, out->b, now, &g_want, &g_why);
	if (out->len == 0)
		ck_assert_int_eq(g_why, CRYPTO_DROP_NO_SESSION);
	else
		ck_assert_int_eq(g_why, CRYPTO_DROP_NONE);
	return out->len;
}

static size_t seal_seq(struct node *from, const struct node *to, uint32_t seq, struct dg *out)
{
	uint8_t pt[PT_LEN];

	make_pt(pt, sizeof(pt), seq);
	return seal_pt(from, to, pt, sizeof(pt), out);
}

/* Hand d to node to as if from node from; d itself is not changed. */
static enum crypto_in deliver(struct node *to, const struct node *from, const struct dg *d)
{
	uint8_t buf[DG_MAX];
	const uint8_t *pt = NULL;
	size_t ptlen = 0, len = d->len; /* d may be g_reply */
	enum crypto_in r;

	memcpy(buf, d->b, len);
	g_reply.len = g_plain.len = 0;
	r = crypto_open(to->c, &from->ip, buf, len, now, g_reply.b, &g_reply.len, &pt, &ptlen,
			&g_want, &g_why);
	if (r == CRYPTO_IN_DROP)
		ck_assert_int_ne(g_why, CRYPTO_DROP_NONE);
	else
		ck_assert_int_eq(g_why, CRYPTO_DROP_NONE);
	if (r == CRYPTO_IN_REPLY)
		ck_assert_uint_gt(g_reply.len, 0);
	else
		ck_assert_uint_eq(g_reply.len, 0);
	if (r == CRYPTO_IN_DATA) {
		ck_assert(pt >= buf && pt + ptlen <= buf + len);
		memcpy(g_plain.b, pt, ptlen);
		g_plain.len = ptlen;
	}
	return r;
}

static void expect_drop(struct node *to, const struct node *from, const struct dg *d,
			enum crypto_drop why)
{
	ck_assert_int_eq(deliver(to, from, d), CRYPTO_IN_DROP);
	ck_assert_str_eq(crypto_drop_name(g_why), crypto_drop_name(why));
}

static void expect_data(struct node *to, const struct node *from, const struct dg *d, uint32_t seq)
{
	uint8_t pt[PT_LEN];

	ck_assert_int_eq(deliver(to, from, d), CRYPTO_IN_DATA);
	make_pt(pt, sizeof(pt), seq);
	ck_assert_uint_eq(g_plain.len, sizeof(pt));
	ck_assert_mem_eq(g_plain.b, pt, sizeof(pt));
}

/* i's init; the init is kept in g_init. */
static void make_init(struct node *i, const struct node *r, struct dg *init)
{
	init->len = crypto_handshake_init(i->c, &r->ip, init->b, now, wall_ns());
	ck_assert_uint_eq(init->len, INIT_LEN);
	g_init = *init;
}

/* A complete handshake i -> r, every message delivered at once. */
static void handshake(struct node *i, struct node *r)
{
	struct dg init, resp, ka;

	make_init(i, r, &init);
	ck_assert_int_eq(deliver(r, i, &init), CRYPTO_IN_REPLY);
	resp = g_reply;
	ck_assert_uint_eq(resp.len, RESP_LEN);
	ck_assert_int_eq(deliver(i, r, &resp), CRYPTO_IN_REPLY);
	ka = g_reply;
	ck_assert_uint_eq(ka.len, CRYPTO_OVERHEAD);
	ck_assert_int_eq(deliver(r, i, &ka), CRYPTO_IN_CONSUMED);
}

/* Seal at from, open at to. g_want is what crypto_seal said. */
static void send_ok(struct node *from, struct node *to, uint32_t seq)
{
	struct dg d;
	bool want;

	ck_assert_uint_eq(seal_seq(from, to, seq, &d), PT_LEN + CRYPTO_OVERHEAD);
	want = g_want;
	expect_data(to, from, &d, seq);
	ck_assert(!g_want);
	g_want = want;
}

static uint64_t drops(const struct node *n, enum crypto_drop why)
{
	struct crypto_stats st;

	crypto_get_stats(n->c, &st);
	return st.drops[why];
}

static uint32_t ridx(const struct dg *d)
{
	return (uint32_t)d->b[4] << 24 | (uint32_t)d->b[5] << 16 | (uint32_t)d->b[6] << 8 | d->b[7];
}

/* --- handshake and data ------------------------------------------------- */

START_TEST(handshake_then_data_both_ways)
{
	struct crypto_stats sa, sb;
	struct dg d;

	ck_assert_str_eq(crypto_cipher_name(A.c, &B.ip), "none");
	ck_assert_uint_eq(seal_seq(&A, &B, 0, &d), 0);
	ck_assert(g_want);
	handshake(&A, &B);
	for (uint32_t i = 0; i < 50; i++) {
		send_ok(&A, &B, i);
		ck_assert(!g_want);
		send_ok(&B, &A, 1000 + i);
		ck_assert(!g_want);
	}
	ck_assert_str_eq(crypto_cipher_name(A.c, &B.ip), crypto_cipher_name(B.c, &A.ip));
	crypto_get_stats(A.c, &sa);
	crypto_get_stats(B.c, &sb);
	ck_assert_uint_eq(sa.inits_sent, 1);
	ck_assert_uint_eq(sb.responses_sent, 1);
	ck_assert_uint_eq(sa.sessions, 1);
	ck_assert_uint_eq(sb.sessions, 1);
	ck_assert_uint_eq(sa.drops[CRYPTO_DROP_NO_SESSION], 1);
	ck_assert_uint_eq(sb.drops[CRYPTO_DROP_NO_SESSION], 0);
}
END_TEST

/* Framing a kernel vxlan device, or vxtap without a key, refuses. */
START_TEST(messages_are_not_vxlan)
{
	struct dg init, resp, d;
	uint32_t vni;

	make_init(&A, &B, &init);
	ck_assert_int_eq(deliver(&B, &A, &init), CRYPTO_IN_REPLY);
	resp = g_reply;
	ck_assert_int_eq(deliver(&A, &B, &resp), CRYPTO_IN_REPLY);
	ck_assert_uint_gt(seal_seq(&A, &B, 1, &d), 0);
	ck_assert_int_eq(init.b[0], 0xA1);
	ck_assert_int_eq(resp.b[0], 0xA2);
	ck_assert_int_eq(d.b[0], 0xA4);
	ck_assert_int_ne(vxlan_decode(init.b, init.len, &vni), VXLAN_OK);
	ck_assert_int_ne(vxlan_decode(resp.b, resp.len, &vni), VXLAN_OK);
	ck_assert_int_ne(vxlan_decode(d.b, d.len, &vni), VXLAN_OK);
	ck_assert_int_ne(vxlan_decode(g_reply.b, g_reply.len, &vni), VXLAN_OK);
}
END_TEST

static const struct {
	bool aes_a, aes_b, want_aes;
} cipher_vec[] = {
	{true, true, true},
	{true, false, false},
	{false, true, false},
	{false, false, false},
};

START_TEST(cipher_selection)
{
	const char *want;

	nodes_start(NULL, cipher_vec[_i].aes_a, cipher_vec[_i].aes_b);
	want = cipher_vec[_i].want_aes && aes_ok() ? "aes-256-gcm" : "chacha20-poly1305-ietf";
	handshake(&A, &B);
	ck_assert_str_eq(crypto_cipher_name(A.c, &B.ip), want);
	ck_assert_str_eq(crypto_cipher_name(B.c, &A.ip), want);
	send_ok(&A, &B, 1);
	send_ok(&B, &A, 2);
	/* and the other way round */
	now += 1000;
	handshake(&B, &A);
	ck_assert_str_eq(crypto_cipher_name(A.c, &B.ip), want);
	send_ok(&A, &B, 3);
	send_ok(&B, &A, 4);
}
END_TEST

/* Sealing into the 16 bytes in front of the plaintext, both ciphers. */
START_TEST(in_place_with_headroom)
{
	uint8_t buf[CRYPTO_HEADROOM + PT_LEN + 16], pt[PT_LEN];
	struct dg d;
	bool want;
	enum crypto_drop why;
	size_t n;

	nodes_start(NULL, _i, _i);
	handshake(&A, &B);
	for (uint32_t seq = 0; seq < 4; seq++) {
		make_pt(pt, sizeof(pt), seq);
		memcpy(buf + CRYPTO_HEADROOM, pt, sizeof(pt));
		n = crypto_seal(A.c, &B.ip, buf + CRYPTO_HEADROOM, sizeof(pt), buf, now, &want,
				&why);
		ck_assert_uint_eq(n, sizeof(pt) + CRYPTO_OVERHEAD);
		ck_assert(memcmp(buf + CRYPTO_HEADROOM, pt, sizeof(pt)) != 0);
		memcpy(d.b, buf, n);
		d.len = n;
		expect_data(&B, &A, &d, seq);
	}
}
END_TEST

/* --- tampering ----------------------------------------------------------- */

static const uint8_t flips[] = {0x01, 0x80, 0xff};

START_TEST(tampered_data_never_opens)
{
	struct dg d, t;

	nodes_start(NULL, _i, _i);
	handshake(&A, &B);
	ck_assert_uint_gt(seal_seq(&A, &B, 7, &d), 0);
	for (size_t pos = 0; pos < d.len; pos++) {
		for (size_t f = 0; f < sizeof(flips); f++) {
			t = d;
			t.b[pos] ^= flips[f];
			ck_assert_int_eq(deliver(&B, &A, &t), CRYPTO_IN_DROP);
			ck_assert(g_why == CRYPTO_DROP_BAD_TAG || g_why == CRYPTO_DROP_MALFORMED ||
				  g_why == CRYPTO_DROP_UNKNOWN_SESSION ||
				  g_why == CRYPTO_DROP_PLAIN || g_why == CRYPTO_DROP_REPLAY);
			if (pos >= 16)
				ck_assert_int_eq(g_why, CRYPTO_DROP_BAD_TAG);
		}
	}
	/* truncated or extended */
	for (size_t len = 0; len < d.len + 2; len++) {
		if (len == d.len)
			continue;
		t = d;
		t.len = len;
		ck_assert_int_eq(deliver(&B, &A, &t), CRYPTO_IN_DROP);
	}
	/* failures did not move the replay window */
	expect_data(&B, &A, &d, 7);
	expect_drop(&B, &A, &d, CRYPTO_DROP_REPLAY);
	ck_assert_uint_ge(drops(&B, CRYPTO_DROP_BAD_TAG), 3 * (d.len - 16));
}
END_TEST

START_TEST(tampered_handshake_never_accepted)
{
	struct dg init, resp, t;

	make_init(&A, &B, &init);
	for (size_t pos = 0; pos < init.len; pos++) {
		for (size_t f = 0; f < sizeof(flips); f++) {
			t = init;
			t.b[pos] ^= flips[f];
			ck_assert_int_eq(deliver(&B, &A, &t), CRYPTO_IN_DROP);
			ck_assert(g_why == CRYPTO_DROP_HANDSHAKE ||
				  g_why == CRYPTO_DROP_MALFORMED || g_why == CRYPTO_DROP_PLAIN);
		}
	}
	ck_assert_int_eq(deliver(&B, &A, &init), CRYPTO_IN_REPLY);
	resp = g_reply;
	for (size_t pos = 0; pos < resp.len; pos++) {
		for (size_t f = 0; f < sizeof(flips); f++) {
			t = resp;
			t.b[pos] ^= flips[f];
			ck_assert_int_eq(deliver(&A, &B, &t), CRYPTO_IN_DROP);
			ck_assert(g_why == CRYPTO_DROP_HANDSHAKE ||
				  g_why == CRYPTO_DROP_MALFORMED || g_why == CRYPTO_DROP_PLAIN);
		}
	}
	ck_assert_str_eq(crypto_cipher_name(A.c, &B.ip), "none");
	ck_assert_int_eq(deliver(&A, &B, &resp), CRYPTO_IN_REPLY);
	ck_assert_int_eq(deliver(&B, &A, &g_reply), CRYPTO_IN_CONSUMED);
	send_ok(&A, &B, 1);
	send_ok(&B, &A, 2);
	ck_assert_uint_gt(drops(&B, CRYPTO_DROP_HANDSHAKE), 0);
}
END_TEST

/* Our own init sent back to us as if from the peer. */
START_TEST(reflected_init_refused)
{
	struct dg init;

	make_init(&A, &B, &init);
	expect_drop(&A, &B, &init, CRYPTO_DROP_HANDSHAKE);
	ck_assert_int_eq(deliver(&B, &A, &init), CRYPTO_IN_REPLY);
	ck_assert_int_eq(deliver(&A, &B, &g_reply), CRYPTO_IN_REPLY);
	/* also once the init has become A's session */
	expect_drop(&A, &B, &init, CRYPTO_DROP_HANDSHAKE);
}
END_TEST

static const struct {
	const char *name;
	uint8_t b[8];
	size_t len;
	enum crypto_drop why;
} bad_vec[] = {
	{"empty", {0}, 0, CRYPTO_DROP_MALFORMED},
	{"plain vxlan", {0x08, 0, 0, 0, 0, 0, 1, 0}, 8, CRYPTO_DROP_PLAIN},
	{"plain, reserved bits", {0x0c, 0, 0, 0, 0, 0, 1, 0}, 8, CRYPTO_DROP_PLAIN},
	{"plain, one byte", {0x08}, 1, CRYPTO_DROP_PLAIN},
	{"short", {0xA4, 0, 0}, 3, CRYPTO_DROP_MALFORMED},
	{"reserved byte 1", {0xA4, 1, 0, 0, 0, 0, 0, 0}, 8, CRYPTO_DROP_MALFORMED},
	{"reserved byte 3", {0xA1, 0, 0, 1, 0, 0, 0, 0}, 8, CRYPTO_DROP_MALFORMED},
	{"unknown type", {0xA3, 0, 0, 0, 0, 0, 0, 0}, 8, CRYPTO_DROP_MALFORMED},
	{"zero type", {0, 0, 0, 0, 0, 0, 0, 0}, 8, CRYPTO_DROP_MALFORMED},
	{"data too short", {0xA4, 0, 0, 0, 0, 0, 0, 1}, 8, CRYPTO_DROP_MALFORMED},
	{"init too short", {0xA1, 0, 0, 0, 0, 0, 0, 1}, 8, CRYPTO_DROP_MALFORMED},
	{"response too short", {0xA2, 0, 0, 0, 0, 0, 0, 1}, 8, CRYPTO_DROP_MALFORMED},
};

START_TEST(bad_datagrams)
{
	struct dg d;

	memset(&d, 0, sizeof(d));
	memcpy(d.b, bad_vec[_i].b, sizeof(bad_vec[_i].b));
	d.len = bad_vec[_i].len;
	handshake(&A, &B);
	expect_drop(&B, &A, &d, bad_vec[_i].why);
	ck_assert_uint_eq(drops(&B, bad_vec[_i].why), 1);
	send_ok(&A, &B, 1);
}
END_TEST

/* A well-formed init with nonzero flag or padding bits is refused before its MAC. */
START_TEST(handshake_reserved_bits)
{
	struct dg init, t;

	make_init(&A, &B, &init);
	for (size_t pos = 48; pos < 52; pos++) {
		t = init;
		t.b[pos] ^= pos == 48 ? 0x02 : 0x01;
		expect_drop(&B, &A, &t, CRYPTO_DROP_MALFORMED);
	}
	t = init;
	memset(t.b + 4, 0, 4); /* sender index 0 */
	expect_drop(&B, &A, &t, CRYPTO_DROP_MALFORMED);
}
END_TEST

/* --- replay -------------------------------------------------------------- */

START_TEST(replay_and_reordering)
{
	struct dg d[10];

	handshake(&A, &B);
	for (uint32_t i = 0; i < 10; i++)
		ck_assert_uint_gt(seal_seq(&A, &B, i, &d[i]), 0);
	expect_data(&B, &A, &d[5], 5);
	expect_drop(&B, &A, &d[5], CRYPTO_DROP_REPLAY);
	expect_data(&B, &A, &d[3], 3);
	expect_data(&B, &A, &d[9], 9);
	expect_data(&B, &A, &d[0], 0);
	for (uint32_t i = 0; i < 10; i++) {
		if (i == 0 || i == 3 || i == 5 || i == 9)
			continue;
		expect_data(&B, &A, &d[i], i);
	}
	for (uint32_t i = 0; i < 10; i++)
		expect_drop(&B, &A, &d[i], CRYPTO_DROP_REPLAY);
	ck_assert_uint_eq(drops(&B, CRYPTO_DROP_REPLAY), 11);
}
END_TEST

/* Counters exactly at and just below the bottom of the window. */
START_TEST(replay_window_edge)
{
	const size_t n = CRYPTO_REPLAY_WINDOW + 200;
	struct dg *d = calloc(n, sizeof(*d));
	size_t top;

	ck_assert_ptr_nonnull(d);
	handshake(&A, &B);
	/* A's keepalive used counter 0: datagram i has counter i + 1 */
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_gt(seal_seq(&A, &B, (uint32_t)i, &d[i]), 0);
	top = n - 1;
	expect_data(&B, &A, &d[top], (uint32_t)top);
	/* accepted: top - window + 1 .. top - 1 (counters top+1-W+1 ..) */
	expect_drop(&B, &A, &d[top - CRYPTO_REPLAY_WINDOW], CRYPTO_DROP_REPLAY);
	expect_data(&B, &A, &d[top - CRYPTO_REPLAY_WINDOW + 1],
		    (uint32_t)(top - CRYPTO_REPLAY_WINDOW + 1));
	expect_drop(&B, &A, &d[0], CRYPTO_DROP_REPLAY);
	for (size_t i = top - CRYPTO_REPLAY_WINDOW + 2; i < top; i += 37)
		expect_data(&B, &A, &d[i], (uint32_t)i);
	/* a jump far ahead clears the whole bitmap but not the new top */
	for (size_t i = 0; i < 3 * CRYPTO_REPLAY_WINDOW; i++)
		ck_assert_uint_gt(seal_seq(&A, &B, 1, &d[0]), 0);
	expect_data(&B, &A, &d[0], 1);
	expect_drop(&B, &A, &d[0], CRYPTO_DROP_REPLAY);
	expect_drop(&B, &A, &d[top - 1], CRYPTO_DROP_REPLAY);
	free(d);
}
END_TEST

/* --- restarts ------------------------------------------------------------ */

START_TEST(receiver_restart)
{
	struct dg d1, d2, old_init, stray;

	handshake(&A, &B);
	old_init = g_init;
	ck_assert_uint_gt(seal_seq(&A, &B, 1, &d1), 0);
	expect_data(&B, &A, &d1, 1);

	node_start(&B, K1, true, NULL); /* B restarts */
	ck_assert_uint_gt(seal_seq(&A, &B, 2, &d2), 0);
	expect_drop(&B, &A, &d2, CRYPTO_DROP_UNKNOWN_SESSION);
	ck_assert(g_want); /* B knows it lost A */
	expect_drop(&B, &A, &d1, CRYPTO_DROP_UNKNOWN_SESSION);

	/* a captured init replayed to the new B: answered, never confirmed */
	ck_assert_int_eq(deliver(&B, &A, &old_init), CRYPTO_IN_REPLY);
	stray = g_reply;
	expect_drop(&A, &B, &stray, CRYPTO_DROP_HANDSHAKE);
	ck_assert_str_eq(crypto_cipher_name(B.c, &A.ip), "none");
	ck_assert_uint_eq(seal_seq(&B, &A, 3, &d2), 0);
	ck_assert(!g_want); /* its own response is one round trip from confirmation */
	expect_drop(&B, &A, &old_init, CRYPTO_DROP_HANDSHAKE);

	now += 1000;
	handshake(&A, &B);
	send_ok(&A, &B, 4);
	send_ok(&B, &A, 5);
	expect_drop(&B, &A, &d1, CRYPTO_DROP_UNKNOWN_SESSION);
	expect_drop(&B, &A, &old_init, CRYPTO_DROP_HANDSHAKE);
	expect_drop(&A, &B, &stray, CRYPTO_DROP_HANDSHAKE);
}
END_TEST

/* The restarted side starts the handshake itself when it sees traffic it cannot open. */
START_TEST(receiver_restart_heals_from_traffic)
{
	struct dg d, init;

	handshake(&A, &B);
	node_start(&B, K1, true, NULL);
	now += 5;
	ck_assert_uint_gt(seal_seq(&A, &B, 1, &d), 0);
	expect_drop(&B, &A, &d, CRYPTO_DROP_UNKNOWN_SESSION);
	ck_assert(g_want);
	make_init(&B, &A, &init);
	/* a second unknown datagram within the rate limit asks for nothing */
	expect_drop(&B, &A, &d, CRYPTO_DROP_UNKNOWN_SESSION);
	ck_assert(!g_want);
	ck_assert_int_eq(deliver(&A, &B, &init), CRYPTO_IN_REPLY);
	ck_assert_int_eq(deliver(&B, &A, &g_reply), CRYPTO_IN_REPLY);
	ck_assert_int_eq(deliver(&A, &B, &g_reply), CRYPTO_IN_CONSUMED);
	ck_assert_uint_eq(crypto_handshake_init(B.c, &A.ip, init.b, now, wall_ns()), 0);
	send_ok(&A, &B, 2);
	send_ok(&B, &A, 3);
}
END_TEST

START_TEST(sender_restart)
{
	struct dg d1, unsent, old_init, d2;
	uint64_t sessions_b;
	struct crypto_stats st;

	handshake(&A, &B);
	old_init = g_init;
	ck_assert_uint_gt(seal_seq(&A, &B, 1, &d1), 0);
	expect_data(&B, &A, &d1, 1);
	ck_assert_uint_gt(seal_seq(&A, &B, 2, &unsent), 0);

	node_start(&A, K1, true, NULL); /* A restarts */
	now += 10;
	ck_assert_uint_gt(seal_seq(&B, &A, 3, &d2), 0);
	expect_drop(&A, &B, &d2, CRYPTO_DROP_UNKNOWN_SESSION);
	ck_assert(g_want);
	expect_drop(&B, &A, &old_init, CRYPTO_DROP_HANDSHAKE);
	handshake(&A, &B);
	crypto_get_stats(B.c, &st);
	sessions_b = st.sessions;
	ck_assert_uint_eq(sessions_b, 2);

	send_ok(&A, &B, 4);
	send_ok(&B, &A, 5);
	/* the new session starts its counters again, under a new key and index */
	ck_assert_uint_gt(seal_seq(&A, &B, 6, &d2), 0);
	ck_assert_uint_ne(ridx(&d2), ridx(&d1));
	expect_data(&B, &A, &d2, 6);
	/* what the old A sent: delivered once at most */
	expect_drop(&B, &A, &d1, CRYPTO_DROP_REPLAY);
	expect_data(&B, &A, &unsent, 2);
	expect_drop(&B, &A, &unsent, CRYPTO_DROP_REPLAY);
}
END_TEST

/* --- keys ---------------------------------------------------------------- */

START_TEST(wrong_key)
{
	struct dg init, d;

	node_start(&B, K2, true, NULL);
	make_init(&A, &B, &init);
	expect_drop(&B, &A, &init, CRYPTO_DROP_HANDSHAKE);
	make_init(&B, &A, &init);
	expect_drop(&A, &B, &init, CRYPTO_DROP_HANDSHAKE);
	ck_assert_uint_eq(drops(&A, CRYPTO_DROP_HANDSHAKE), 1);
	ck_assert_uint_eq(drops(&B, CRYPTO_DROP_HANDSHAKE), 1);
	ck_assert_uint_eq(seal_seq(&A, &B, 1, &d), 0);
	ck_assert_uint_eq(seal_seq(&B, &A, 1, &d), 0);
	ck_assert_str_eq(crypto_cipher_name(A.c, &B.ip), "none");
}
END_TEST

/* A rotates first; old sessions carry data until B rotates too. */
START_TEST(rotation_with_grace)
{
	struct dg init, old_unsent, d;
	uint32_t old_idx;

	handshake(&A, &B);
	send_ok(&A, &B, 1);
	ck_assert_uint_gt(seal_seq(&A, &B, 2, &old_unsent), 0);
	old_idx = ridx(&old_unsent);

	now += 1000;
	ck_assert_int_eq(crypto_set_key(A.c, K2, now, 10000), 0);
	ck_assert_uint_gt(seal_seq(&A, &B, 3, &d), 0);
	ck_assert(g_want); /* rekey under the new key */
	expect_data(&B, &A, &d, 3);
	make_init(&A, &B, &init);
	expect_drop(&B, &A, &init, CRYPTO_DROP_HANDSHAKE);
	send_ok(&A, &B, 4);
	send_ok(&B, &A, 5);
	ck_assert_uint_eq(crypto_handshake_init(A.c, &B.ip, init.b, now, wall_ns()), 0);

	now += 1000;
	ck_assert_int_eq(crypto_set_key(B.c, K2, now, 10000), 0);
	ck_assert_uint_gt(seal_seq(&B, &A, 6, &d), 0);
	ck_assert(g_want);
	expect_data(&A, &B, &d, 6);
	handshake(&A, &B);
	ck_assert_uint_gt(seal_seq(&A, &B, 7, &d), 0);
	ck_assert(!g_want);
	ck_assert_uint_ne(ridx(&d), old_idx);
	expect_data(&B, &A, &d, 7);
	send_ok(&B, &A, 8);

	/* in flight from before the new handshake: still opens during the grace */
	expect_data(&B, &A, &old_unsent, 2);

	/* after both grace periods the old key's sessions are gone */
	now += 10000;
	crypto_tick(A.c, now);
	crypto_tick(B.c, now);
	send_ok(&A, &B, 9);
	send_ok(&B, &A, 10);
	ck_assert_uint_gt(seal_seq(&A, &B, 11, &d), 0);
	memcpy(d.b + 4, old_unsent.b + 4, 4);
	expect_drop(&B, &A, &d, CRYPTO_DROP_UNKNOWN_SESSION);
	/* and a K1 init is refused */
	node_start(&A, K1, true, NULL);
	make_init(&A, &B, &init);
	expect_drop(&B, &A, &init, CRYPTO_DROP_HANDSHAKE);
}
END_TEST

/* A rotated, B not: B's init under the old key is answered under the old
 * key; that session lasts until A's grace period ends. */
START_TEST(rotation_old_key_answered)
{
	struct dg d, init;

	ck_assert_int_eq(crypto_set_key(A.c, K2, now, 5000), 0);
	handshake(&B, &A);
	send_ok(&A, &B, 1);
	ck_assert(g_want); /* A wants a session under K2 */
	send_ok(&B, &A, 2);
	ck_assert(!g_want);

	now += 4999;
	send_ok(&A, &B, 3);
	now += 1;
	ck_assert_uint_eq(seal_seq(&A, &B, 4, &d), 0); /* without any tick */
	ck_assert_uint_gt(seal_seq(&B, &A, 5, &d), 0);
	expect_drop(&A, &B, &d, CRYPTO_DROP_UNKNOWN_SESSION);
	crypto_tick(A.c, now);
	ck_assert_str_eq(crypto_cipher_name(A.c, &B.ip), "none");
	make_init(&B, &A, &init);
	expect_drop(&A, &B, &init, CRYPTO_DROP_HANDSHAKE);
}
END_TEST

/* Setting the current key again changes nothing; grace 0 drops at once. */
START_TEST(rotation_same_key_and_no_grace)
{
	struct dg d;

	handshake(&A, &B);
	now += 1000;
	ck_assert_int_eq(crypto_set_key(A.c, K1, now, 1000), 0);
	ck_assert_uint_gt(seal_seq(&A, &B, 1, &d), 0);
	ck_assert(!g_want);
	expect_data(&B, &A, &d, 1);
	ck_assert_int_eq(crypto_set_key(A.c, K2, now, 0), 0);
	ck_assert_uint_eq(seal_seq(&A, &B, 2, &d), 0);
	ck_assert_str_eq(crypto_cipher_name(A.c, &B.ip), "none");
	ck_assert_int_eq(crypto_set_key(B.c, K2, now, 0), 0);
	now += 1000;
	handshake(&A, &B);
	send_ok(&A, &B, 3);
	send_ok(&B, &A, 4);
}
END_TEST

/* Two rotations in a row: the first grace period ends at the second. */
START_TEST(rotation_twice)
{
	uint8_t K3[CRYPTO_KEY_LEN];
	struct dg d;

	memset(K3, 0x33, sizeof(K3));
	handshake(&A, &B);
	ck_assert_int_eq(crypto_set_key(A.c, K2, now, 10000), 0);
	send_ok(&A, &B, 1);
	ck_assert_int_eq(crypto_set_key(A.c, K3, now, 10000), 0);
	ck_assert_uint_eq(seal_seq(&A, &B, 2, &d), 0);
	ck_assert_uint_gt(seal_seq(&B, &A, 3, &d), 0);
	expect_drop(&A, &B, &d, CRYPTO_DROP_UNKNOWN_SESSION);
}
END_TEST

/* Variants of a good key text that must all be refused. */
static void bad_key_texts(const char *good, char out[][CRYPTO_KEY_TEXT_LEN + 8], size_t *n)
{
	uint8_t raw[CRYPTO_KEY_LEN + 3];
	size_t len = strlen(good);

	*n = 0;
	strcpy(out[(*n)++], "");
	strcpy(out[(*n)++], " \t\n");
	memset(raw, 0xa5, sizeof(raw));
	sodium_bin2base64(out[(*n)++], CRYPTO_KEY_TEXT_LEN, raw, CRYPTO_KEY_LEN - 1,
			  sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(out[(*n)++], CRYPTO_KEY_TEXT_LEN, raw, CRYPTO_KEY_LEN + 1,
			  sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(out[(*n)++], CRYPTO_KEY_TEXT_LEN, raw, CRYPTO_KEY_LEN + 3,
			  sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(out[(*n)++], CRYPTO_KEY_TEXT_LEN, raw, CRYPTO_KEY_LEN,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	memcpy(out[*n], good, len - 1); /* padding missing */
	out[(*n)++][len - 1] = '\0';
	strcpy(out[*n], good); /* URL-safe character */
	out[(*n)++][3] = '-';
	snprintf(out[(*n)++], CRYPTO_KEY_TEXT_LEN + 8, "%.20s %s", good, good + 20);
	snprintf(out[(*n)++], CRYPTO_KEY_TEXT_LEN + 8, "%sx", good);
	snprintf(out[(*n)++], CRYPTO_KEY_TEXT_LEN + 8, "%s\n=", good);
	snprintf(out[(*n)++], CRYPTO_KEY_TEXT_LEN + 8, "%sAAAA", good);
}

START_TEST(key_text)
{
	uint8_t key[CRYPTO_KEY_LEN], back[CRYPTO_KEY_LEN], zero[CRYPTO_KEY_LEN] = {0};
	char text[CRYPTO_KEY_TEXT_LEN], padded[CRYPTO_KEY_TEXT_LEN + 8];
	char bad[16][CRYPTO_KEY_TEXT_LEN + 8];
	size_t nbad;

	for (int i = 0; i < 64; i++) {
		randombytes_buf(key, sizeof(key));
		crypto_key_format(key, text);
		ck_assert_uint_eq(strlen(text), 44);
		ck_assert(crypto_key_parse(text, strlen(text), back));
		ck_assert_mem_eq(key, back, sizeof(key));
		snprintf(padded, sizeof(padded), " \t%s\r\n", text);
		ck_assert(crypto_key_parse(padded, strlen(padded), back));
		ck_assert_mem_eq(key, back, sizeof(key));
		bad_key_texts(text, bad, &nbad);
		for (size_t j = 0; j < nbad; j++) {
			memset(back, 0x5a, sizeof(back));
			ck_assert_msg(!crypto_key_parse(bad[j], strlen(bad[j]), back),
				      "accepted \"%s\"", bad[j]);
			ck_assert_mem_eq(back, zero, sizeof(zero));
		}
	}
	crypto_key_format(zero, text);
	ck_assert_str_eq(text, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
	/* the length given, not the NUL, ends the text */
	ck_assert(!crypto_key_parse(text, strlen(text) - 1, back));
	ck_assert(crypto_key_parse("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=junk", 44, back));
}
END_TEST

/* --- session life -------------------------------------------------------- */

/* Datagrams cross the wire one step late, so some sealed under the old
 * session arrive after the switch; every one must open. Returns how many
 * sessions A -> B used. */
static size_t pump(uint64_t steps, uint64_t step_ms)
{
	struct dg qa, qb, d;
	uint32_t seq_a = 0, seq_b = 100000000, last_idx = 0;
	size_t sessions = 0;
	bool have_a = false, have_b = false;

	for (uint64_t t = 0; t < steps; t++) {
		now += step_ms;
		ck_assert_uint_gt(seal_seq(&A, &B, seq_a, &d), 0);
		if (g_want)
			handshake(&A, &B);
		if (have_a)
			expect_data(&B, &A, &qa, seq_a - 1);
		if (ridx(&d) != last_idx) {
			sessions++;
			last_idx = ridx(&d);
		}
		qa = d;
		have_a = true;
		seq_a++;

		ck_assert_uint_gt(seal_seq(&B, &A, seq_b, &d), 0);
		if (g_want)
			handshake(&B, &A);
		if (have_b)
			expect_data(&A, &B, &qb, seq_b - 1);
		qb = d;
		have_b = true;
		seq_b++;
		crypto_tick(A.c, now);
		crypto_tick(B.c, now);
	}
	return sessions;
}

START_TEST(rekey_after_time)
{
	struct crypto_limits l;

	crypto_default_limits(&l);
	l.rekey_after_ms = 1000;
	l.reject_after_ms = 3000;
	l.rekey_timeout_ms = 100;
	nodes_start(&l, true, true);
	handshake(&A, &B);
	ck_assert_uint_ge(pump(3000, 7), 20);
	ck_assert_uint_eq(drops(&A, CRYPTO_DROP_NO_SESSION) + drops(&B, CRYPTO_DROP_NO_SESSION), 0);
}
END_TEST

START_TEST(rekey_after_messages)
{
	struct crypto_limits l;

	crypto_default_limits(&l);
	l.rekey_after_msgs = 100;
	l.reject_after_msgs = 110;
	l.rekey_timeout_ms = 10;
	nodes_start(&l, false, false);
	handshake(&A, &B);
	ck_assert_uint_ge(pump(3000, 1), 29);
	ck_assert_uint_eq(drops(&A, CRYPTO_DROP_NO_SESSION) + drops(&B, CRYPTO_DROP_NO_SESSION), 0);
}
END_TEST

/* The responder rekeys too, later than the initiator, when only it sends. */
START_TEST(responder_rekeys_later)
{
	struct crypto_limits l;
	struct dg d;

	crypto_default_limits(&l);
	l.rekey_after_ms = 1000;
	l.reject_after_ms = 3000;
	nodes_start(&l, true, true);
	handshake(&A, &B);
	now += 1000;
	ck_assert_uint_gt(seal_seq(&A, &B, 1, &d), 0);
	ck_assert(g_want);
	ck_assert_uint_gt(seal_seq(&B, &A, 1, &d), 0);
	ck_assert(!g_want);
	now += 1000;
	ck_assert_uint_gt(seal_seq(&B, &A, 2, &d), 0);
	ck_assert(g_want);
	handshake(&B, &A);
	send_ok(&B, &A, 3);
	send_ok(&A, &B, 4);
}
END_TEST

START_TEST(reject_after_time)
{
	struct crypto_limits l;
	struct dg d;

	crypto_default_limits(&l);
	l.rekey_after_ms = 1000;
	l.reject_after_ms = 3000;
	nodes_start(&l, true, true);
	handshake(&A, &B);
	ck_assert_uint_eq(crypto_tick(A.c, now), now + 3000);
	now += 2999;
	ck_assert_uint_gt(seal_seq(&A, &B, 1, &d), 0);
	ck_assert(g_want);
	now += 1;
	expect_drop(&B, &A, &d, CRYPTO_DROP_UNKNOWN_SESSION);
	ck_assert_uint_eq(seal_seq(&A, &B, 2, &d), 0);
	ck_assert_uint_eq(seal_seq(&B, &A, 2, &d), 0);
	ck_assert_uint_eq(crypto_tick(A.c, now), UINT64_MAX);
	ck_assert_str_eq(crypto_cipher_name(A.c, &B.ip), "none");
	handshake(&A, &B);
	send_ok(&A, &B, 3);
}
END_TEST

START_TEST(reject_after_messages)
{
	struct crypto_limits l;
	struct dg d;

	crypto_default_limits(&l);
	l.rekey_after_msgs = 5;
	l.reject_after_msgs = 10;
	nodes_start(&l, true, true);
	handshake(&A, &B);
	now += 1000; /* past the handshake rate limit */
	/* the keepalive was counter 0 */
	for (uint32_t i = 1; i < 10; i++) {
		send_ok(&A, &B, i);
		ck_assert(g_want == (i >= 5));
	}
	ck_assert_uint_eq(seal_seq(&A, &B, 10, &d), 0);
	ck_assert(g_want);
	for (uint32_t i = 0; i < 10; i++)
		send_ok(&B, &A, i);
	ck_assert_uint_eq(seal_seq(&B, &A, 10, &d), 0);

	/* a receiver refuses counters past its own limit, tag or not */
	node_start(&A, K1, true, NULL);
	node_start(&B, K1, true, &l);
	handshake(&A, &B);
	for (uint32_t i = 1; i < 10; i++)
		send_ok(&A, &B, i);
	ck_assert_uint_gt(seal_seq(&A, &B, 10, &d), 0);
	expect_drop(&B, &A, &d, CRYPTO_DROP_UNKNOWN_SESSION);
}
END_TEST

START_TEST(handshake_rate_limit)
{
	struct dg init, init2, resp1, resp2, d;

	ck_assert_uint_eq(seal_seq(&A, &B, 1, &d), 0);
	ck_assert(g_want);
	make_init(&A, &B, &init);
	ck_assert_uint_eq(seal_seq(&A, &B, 1, &d), 0);
	ck_assert(!g_want);
	now += 999;
	ck_assert_uint_eq(crypto_handshake_init(A.c, &B.ip, init.b, now, wall_ns()), 0);
	ck_assert_uint_eq(seal_seq(&A, &B, 1, &d), 0);
	ck_assert(!g_want);
	now += 1;
	ck_assert_uint_eq(seal_seq(&A, &B, 1, &d), 0);
	ck_assert(g_want);
	init2 = init;
	make_init(&A, &B, &init2);
	/* only the newest init in flight counts */
	ck_assert_int_eq(deliver(&B, &A, &init), CRYPTO_IN_REPLY);
	resp1 = g_reply;
	ck_assert_int_eq(deliver(&B, &A, &init2), CRYPTO_IN_REPLY);
	resp2 = g_reply;
	expect_drop(&A, &B, &resp1, CRYPTO_DROP_HANDSHAKE);
	ck_assert_int_eq(deliver(&A, &B, &resp2), CRYPTO_IN_REPLY);
	ck_assert_int_eq(deliver(&B, &A, &g_reply), CRYPTO_IN_CONSUMED);
	send_ok(&A, &B, 2);
	send_ok(&B, &A, 3);
}
END_TEST

/* A response to an init that has been replaced is refused. */
START_TEST(stale_response_refused)
{
	struct dg init1, resp1;

	make_init(&A, &B, &init1);
	ck_assert_int_eq(deliver(&B, &A, &init1), CRYPTO_IN_REPLY);
	resp1 = g_reply;
	now += 1000;
	handshake(&A, &B);
	expect_drop(&A, &B, &resp1, CRYPTO_DROP_HANDSHAKE);
	send_ok(&A, &B, 1);
	send_ok(&B, &A, 2);
}
END_TEST

/* A restarted A whose randomness repeats its index (but not its random)
 * gets no use of a response captured for the old A's init. */
START_TEST(response_bound_to_init)
{
	struct dg init1, resp1, init2, d;
	struct rng saved = A.rng;

	make_init(&A, &B, &init1);
	ck_assert_int_eq(deliver(&B, &A, &init1), CRYPTO_IN_REPLY);
	resp1 = g_reply;

	crypto_free(A.c);
	A.rng = saved;
	A.rng.n = 0;
	A.rng.fork_at = 3; /* two table seeds, then the index: same; the random differs */
	A.c = crypto_new(K1, true, NULL, det_random, &A.rng);
	ck_assert_ptr_nonnull(A.c);
	now += 10;
	make_init(&A, &B, &init2);
	ck_assert_mem_eq(init2.b + 4, init1.b + 4, 4);
	ck_assert(memcmp(init2.b + 16, init1.b + 16, 32) != 0);
	expect_drop(&A, &B, &resp1, CRYPTO_DROP_HANDSHAKE);
	ck_assert_int_eq(deliver(&B, &A, &init2), CRYPTO_IN_REPLY);
	ck_assert_int_eq(deliver(&A, &B, &g_reply), CRYPTO_IN_REPLY);
	ck_assert_int_eq(deliver(&B, &A, &g_reply), CRYPTO_IN_CONSUMED);
	send_ok(&A, &B, 1);
	ck_assert_uint_gt(seal_seq(&B, &A, 2, &d), 0);
	expect_data(&A, &B, &d, 2);
}
END_TEST

/* --- concurrency of handshakes ------------------------------------------- */

START_TEST(simultaneous_initiation)
{
	struct dg ia, ib, rb, ra, ka, kb;

	make_init(&A, &B, &ia);
	make_init(&B, &A, &ib);
	switch (_i) {
	case 0: /* crossed completely */
	case 2: /* ... and both keepalives lost */
		ck_assert_int_eq(deliver(&B, &A, &ia), CRYPTO_IN_REPLY);
		rb = g_reply;
		ck_assert_int_eq(deliver(&A, &B, &ib), CRYPTO_IN_REPLY);
		ra = g_reply;
		ck_assert_int_eq(deliver(&A, &B, &rb), CRYPTO_IN_REPLY);
		ka = g_reply;
		ck_assert_int_eq(deliver(&B, &A, &ra), CRYPTO_IN_REPLY);
		kb = g_reply;
		if (_i == 0) {
			ck_assert_int_eq(deliver(&B, &A, &ka), CRYPTO_IN_CONSUMED);
			ck_assert_int_eq(deliver(&A, &B, &kb), CRYPTO_IN_CONSUMED);
		}
		break;
	case 1: /* A's handshake completes before B's init arrives */
		ck_assert_int_eq(deliver(&B, &A, &ia), CRYPTO_IN_REPLY);
		rb = g_reply;
		ck_assert_int_eq(deliver(&A, &B, &rb), CRYPTO_IN_REPLY);
		ka = g_reply;
		ck_assert_int_eq(deliver(&B, &A, &ka), CRYPTO_IN_CONSUMED);
		ck_assert_int_eq(deliver(&A, &B, &ib), CRYPTO_IN_REPLY);
		ra = g_reply;
		ck_assert_int_eq(deliver(&B, &A, &ra), CRYPTO_IN_REPLY);
		kb = g_reply;
		ck_assert_int_eq(deliver(&A, &B, &kb), CRYPTO_IN_CONSUMED);
		break;
	}
	for (uint32_t i = 0; i < 20; i++) {
		send_ok(&A, &B, i);
		ck_assert(!g_want);
		send_ok(&B, &A, i);
		ck_assert(!g_want);
	}
	now += 500;
	for (uint32_t i = 0; i < 5; i++) {
		send_ok(&B, &A, i);
		send_ok(&A, &B, i);
	}
}
END_TEST

/* B answers an init but keeps sealing with the session that works until
 * the initiator proves it holds the new keys. */
START_TEST(responder_waits_for_confirmation)
{
	struct dg init, resp, d;
	uint32_t idx;

	handshake(&A, &B);
	ck_assert_uint_gt(seal_seq(&B, &A, 1, &d), 0);
	idx = ridx(&d);
	expect_data(&A, &B, &d, 1);

	now += 1000;
	make_init(&A, &B, &init);
	ck_assert_int_eq(deliver(&B, &A, &init), CRYPTO_IN_REPLY);
	resp = g_reply; /* lost */
	ck_assert_uint_gt(seal_seq(&B, &A, 2, &d), 0);
	ck_assert_uint_eq(ridx(&d), idx);
	expect_data(&A, &B, &d, 2);
	send_ok(&A, &B, 3); /* A still on the old session: no confirmation */
	ck_assert_uint_gt(seal_seq(&B, &A, 4, &d), 0);
	ck_assert_uint_eq(ridx(&d), idx);
	expect_data(&A, &B, &d, 4);

	/* the response arrives late after all: A's keepalive confirms */
	ck_assert_int_eq(deliver(&A, &B, &resp), CRYPTO_IN_REPLY);
	ck_assert_int_eq(deliver(&B, &A, &g_reply), CRYPTO_IN_CONSUMED);
	ck_assert_uint_gt(seal_seq(&B, &A, 5, &d), 0);
	ck_assert_uint_ne(ridx(&d), idx);
	expect_data(&A, &B, &d, 5);
}
END_TEST

/* Data (not only the keepalive) confirms a response. */
START_TEST(data_confirms_response)
{
	struct dg init, d;
	uint32_t idx;

	handshake(&A, &B);
	ck_assert_uint_gt(seal_seq(&B, &A, 1, &d), 0);
	idx = ridx(&d);
	now += 1000;
	make_init(&A, &B, &init);
	ck_assert_int_eq(deliver(&B, &A, &init), CRYPTO_IN_REPLY);
	ck_assert_int_eq(deliver(&A, &B, &g_reply), CRYPTO_IN_REPLY); /* keepalive lost */
	send_ok(&A, &B, 2);
	ck_assert_uint_gt(seal_seq(&B, &A, 3, &d), 0);
	ck_assert_uint_ne(ridx(&d), idx);
	expect_data(&A, &B, &d, 3);
}
END_TEST

START_TEST(forget_peer)
{
	struct dg d;

	handshake(&A, &B);
	crypto_forget_peer(A.c, &B.ip);
	ck_assert_uint_eq(crypto_tick(A.c, now), UINT64_MAX);
	ck_assert_str_eq(crypto_cipher_name(A.c, &B.ip), "none");
	ck_assert_uint_eq(seal_seq(&A, &B, 1, &d), 0);
	ck_assert(g_want); /* no rate limit left over either */
	ck_assert_uint_gt(seal_seq(&B, &A, 2, &d), 0);
	expect_drop(&A, &B, &d, CRYPTO_DROP_UNKNOWN_SESSION);
	ck_assert(g_want);
	crypto_forget_peer(A.c, &B.ip); /* twice is harmless */
	handshake(&A, &B);
	send_ok(&A, &B, 3);
	send_ok(&B, &A, 4);
}
END_TEST

/* Addresses with junk in the bytes their family does not use are one peer. */
START_TEST(noncanonical_addresses)
{
	struct node a2 = A;
	struct dg d;

	memset(a2.ip.a + 4, 0xee, sizeof(a2.ip.a) - 4);
	handshake(&a2, &B);
	send_ok(&A, &B, 1);
	ck_assert_uint_gt(seal_seq(&B, &a2, 2, &d), 0);
	expect_data(&A, &B, &d, 2);
	ck_assert_str_ne(crypto_cipher_name(B.c, &a2.ip), "none");
}
END_TEST

/* A session belongs to one peer address. */
START_TEST(session_bound_to_address)
{
	struct node c = A;
	struct dg d;

	set_ip(&c.ip, "192.168.56.43");
	handshake(&A, &B);
	ck_assert_uint_gt(seal_seq(&A, &B, 1, &d), 0);
	expect_drop(&B, &c, &d, CRYPTO_DROP_UNKNOWN_SESSION);
	expect_data(&B, &A, &d, 1);
}
END_TEST

START_TEST(tick_expires_and_schedules)
{
	struct crypto_limits l;

	crypto_default_limits(&l);
	l.rekey_after_ms = 1000;
	l.reject_after_ms = 3000;
	nodes_start(&l, true, true);
	ck_assert_uint_eq(crypto_tick(A.c, now), UINT64_MAX);
	handshake(&A, &B);
	ck_assert_uint_eq(crypto_tick(B.c, now), now + 3000);
	ck_assert_int_eq(crypto_set_key(B.c, K2, now, 500), 0);
	ck_assert_uint_eq(crypto_tick(B.c, now), now + 500);
	ck_assert_uint_eq(crypto_tick(B.c, now + 500), UINT64_MAX);
	ck_assert_str_eq(crypto_cipher_name(B.c, &A.ip), "none");
}
END_TEST

START_TEST(drop_names)
{
	for (int d = 0; d < CRYPTO_DROP__COUNT; d++) {
		const char *n = crypto_drop_name((enum crypto_drop)d);

		ck_assert_str_ne(n, "unknown");
		for (const char *p = n; *p; p++)
			ck_assert(*p == '_' || (*p >= 'a' && *p <= 'z'));
		for (int e = 0; e < d; e++)
			ck_assert_str_ne(n, crypto_drop_name((enum crypto_drop)e));
	}
	ck_assert_str_eq(crypto_drop_name(CRYPTO_DROP__COUNT), "unknown");
	ck_assert_str_eq(crypto_drop_name(CRYPTO_DROP_BAD_TAG), "bad_tag");
}
END_TEST

static Suite *crypto_suite(void)
{
	Suite *s = suite_create("crypto");
	TCase *hs = tcase_create("handshake");
	TCase *tamper = tcase_create("tamper");
	TCase *replay = tcase_create("replay");
	TCase *restart = tcase_create("restart");
	TCase *keys = tcase_create("keys");
	TCase *life = tcase_create("life");
	TCase *peers = tcase_create("peers");

	tcase_add_checked_fixture(hs, setup, teardown);
	tcase_add_test(hs, handshake_then_data_both_ways);
	tcase_add_test(hs, messages_are_not_vxlan);
	tcase_add_loop_test(hs, cipher_selection, 0, sizeof(cipher_vec) / sizeof(cipher_vec[0]));
	tcase_add_loop_test(hs, in_place_with_headroom, 0, 2);
	tcase_add_test(hs, handshake_rate_limit);
	tcase_add_test(hs, stale_response_refused);
	tcase_add_test(hs, response_bound_to_init);
	tcase_add_loop_test(hs, simultaneous_initiation, 0, 3);
	tcase_add_test(hs, responder_waits_for_confirmation);
	tcase_add_test(hs, data_confirms_response);
	suite_add_tcase(s, hs);

	tcase_add_checked_fixture(tamper, setup, teardown);
	tcase_add_loop_test(tamper, tampered_data_never_opens, 0, 2);
	tcase_add_test(tamper, tampered_handshake_never_accepted);
	tcase_add_test(tamper, reflected_init_refused);
	tcase_add_loop_test(tamper, bad_datagrams, 0, sizeof(bad_vec) / sizeof(bad_vec[0]));
	tcase_add_test(tamper, handshake_reserved_bits);
	suite_add_tcase(s, tamper);

	tcase_add_checked_fixture(replay, setup, teardown);
	tcase_add_test(replay, replay_and_reordering);
	tcase_add_test(replay, replay_window_edge);
	suite_add_tcase(s, replay);

	tcase_add_checked_fixture(restart, setup, teardown);
	tcase_add_test(restart, receiver_restart);
	tcase_add_test(restart, receiver_restart_heals_from_traffic);
	tcase_add_test(restart, sender_restart);
	suite_add_tcase(s, restart);

	tcase_add_checked_fixture(keys, setup, teardown);
	tcase_add_test(keys, wrong_key);
	tcase_add_test(keys, rotation_with_grace);
	tcase_add_test(keys, rotation_old_key_answered);
	tcase_add_test(keys, rotation_same_key_and_no_grace);
	tcase_add_test(keys, rotation_twice);
	tcase_add_test(keys, key_text);
	suite_add_tcase(s, keys);

	tcase_add_checked_fixture(life, setup, teardown);
	tcase_set_timeout(life, 30);
	tcase_add_test(life, rekey_after_time);
	tcase_add_test(life, rekey_after_messages);
	tcase_add_test(life, responder_rekeys_later);
	tcase_add_test(life, reject_after_time);
	tcase_add_test(life, reject_after_messages);
	tcase_add_test(life, tick_expires_and_schedules);
	suite_add_tcase(s, life);

	tcase_add_checked_fixture(peers, setup, teardown);
	tcase_add_test(peers, forget_peer);
	tcase_add_test(peers, noncanonical_addresses);
	tcase_add_test(peers, session_bound_to_address);
	tcase_add_test(peers, drop_names);
	suite_add_tcase(s, peers);
	return s;
}

int main(void)
{
	if (sodium_init() < 0)
		return EXIT_FAILURE;
	return check_run(crypto_suite());
}
