/* check_crypto: three in-memory nodes with their own keys handshaking, sealing and opening,
 * with injected clocks and randomness. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "noise.h"
#include "vxlan.h"

#include "check_run.h"

#define PT_LEN 60
#define DG_MAX (256 + CRYPTO_OVERHEAD + CRYPTO_HS_MAX)
#define WALL0  UINT64_C(1700000000000000000) /* ns */
#define MIN_NS (UINT64_C(60) * 1000000000)

/* The format as crypto.h documents it, written out again here. */
#define PROLOGUE     "vxtap secure mode, wire version 2"
#define LABEL_MAC1   "vxtap mac1 v2"
#define LABEL_COOKIE "vxtap cookie v2"
#define INIT_MAC1    117
#define INIT_MAC2    133
#define RESP_MAC1    61
#define RESP_MAC2    77

/* A deterministic stream per node: ChaCha20 keyed by seed and the call number. */
struct rng {
	uint8_t seed[randombytes_SEEDBYTES];
	uint64_t n;
};

static void det_random(void *ctx, void *buf, size_t len)
{
	struct rng *r = ctx;
	uint8_t s[randombytes_SEEDBYTES];

	memcpy(s, r->seed, sizeof(s));
	memcpy(s, &r->n, sizeof(r->n));
	r->n++;
	randombytes_buf_deterministic(buf, len, s);
}

struct node {
	struct crypto *c;
	struct endpoint ep; /* its address as the others see it */
	uint8_t priv[CRYPTO_KEY_LEN], pub[CRYPTO_KEY_LEN];
	struct rng rng;
	bool aes;
};

struct dg {
	uint8_t b[DG_MAX];
	size_t len;
};

static struct node A, B, C;
static struct node *const nodes[] = {&A, &B, &C};
static uint64_t now; /* ms */
static uint8_t next_seed = 1;
static const uint8_t *g_psk;

/* What the last deliver() or seal_pt() produced. */
static struct dg g_reply, g_plain, g_init;
static bool g_want;
static enum crypto_drop g_why;
static struct ipaddr g_peer;

static uint64_t wall_ns(void)
{
	return WALL0 + now * 1000000u;
}

static bool aes_ok(void)
{
	return crypto_aead_aes256gcm_is_available() != 0;
}

static void set_ep(struct endpoint *ep, const char *s, uint16_t port)
{
	memset(ep, 0, sizeof(*ep));
	ep->port = port;
	if (strchr(s, ':')) {
		ep->ip.family = AF_INET6;
		ck_assert_int_eq(inet_pton(AF_INET6, s, ep->ip.a), 1);
	} else {
		ep->ip.family = AF_INET;
		ck_assert_int_eq(inet_pton(AF_INET, s, ep->ip.a), 1);
	}
}

static void set_key(struct node *n, uint8_t seed)
{
	memset(n->priv, seed, sizeof(n->priv));
	crypto_public_key(n->priv, n->pub);
}

/* (Re)start n: a restart, with fresh randomness; it lists the other nodes. */
static void node_start(struct node *n, const struct crypto_limits *l)
{
	crypto_free(n->c);
	memset(&n->rng, 0, sizeof(n->rng));
	n->rng.seed[31] = next_seed++;
	n->c = crypto_new(n->priv, g_psk, n->aes, l, det_random, &n->rng);
	ck_assert_ptr_nonnull(n->c);
	for (size_t i = 0; i < 3; i++)
		if (nodes[i] != n)
			ck_assert_int_eq(crypto_peer_set(n->c, &nodes[i]->ep.ip, nodes[i]->pub), 0);
}

static void nodes_start(const struct crypto_limits *l, bool aes_a, bool aes_b)
{
	A.aes = aes_a;
	B.aes = aes_b;
	C.aes = true;
	node_start(&A, l);
	node_start(&B, l);
	node_start(&C, l);
}

static void setup(void)
{
	memset(&A, 0, sizeof(A));
	memset(&B, 0, sizeof(B));
	memset(&C, 0, sizeof(C));
	set_ep(&A.ep, "192.168.56.41", 8472);
	set_ep(&B.ep, "fd00::42", 8472);
	set_ep(&C.ep, "192.168.56.43", 8472);
	set_key(&A, 0x11);
	set_key(&B, 0x22);
	set_key(&C, 0x33);
	g_psk = NULL;
	now = 1000;
	nodes_start(NULL, true, true);
}

static void teardown(void)
{
	for (size_t i = 0; i < 3; i++) {
		crypto_free(nodes[i]->c);
		nodes[i]->c = NULL;
	}
}

/* A VXLAN datagram (header + inner bytes) numbered seq. */
static void make_pt(uint8_t *pt, size_t len, uint32_t seq)
{
	vxlan_encode(pt, 1);
	for (size_t i = VXLAN_HLEN; i < len; i++)
		pt[i] = (uint8_t)(i * 7 + seq);
	memcpy(pt + VXLAN_HLEN, &seq, sizeof(seq));
}

static size_t seal_seq(struct node *from, const struct node *to, uint32_t seq, struct dg *out)
{
	uint8_t pt[PT_LEN];

	make_pt(pt, sizeof(pt), seq);
	out->len = crypto_seal(from->c, &to->ep.ip, pt, sizeof(pt), out->b, now, &g_want, &g_why);
	if (out->len == 0)
		ck_assert_int_eq(g_why, CRYPTO_DROP_NO_SESSION);
	else
		ck_assert_int_eq(g_why, CRYPTO_DROP_NONE);
	return out->len;
}

/* Hand d to node to as if from src; d itself is not changed. */
static enum crypto_in deliver_from(struct node *to, const struct endpoint *src, const struct dg *d)
{
	uint8_t buf[DG_MAX];
	const uint8_t *pt = NULL;
	size_t ptlen = 0, len = d->len; /* d may be g_reply */
	enum crypto_in r;

	memcpy(buf, d->b, len);
	g_reply.len = g_plain.len = 0;
	r = crypto_open(to->c, src, buf, len, now, wall_ns(), g_reply.b, &g_reply.len, &pt, &ptlen,
			&g_peer, &g_want, &g_why);
	if (r == CRYPTO_IN_DROP) {
		ck_assert_int_ne(g_why, CRYPTO_DROP_NONE);
		ck_assert_int_eq(g_peer.family, 0);
	} else {
		ck_assert_int_eq(g_why, CRYPTO_DROP_NONE);
	}
	if (r == CRYPTO_IN_REPLY)
		ck_assert_uint_gt(g_reply.len, 0);
	else
		ck_assert_uint_eq(g_reply.len, 0);
	if (r == CRYPTO_IN_DATA) {
		ck_assert(pt >= buf && pt + ptlen <= buf + len);
		memcpy(g_plain.b, pt, ptlen);
		g_plain.len = ptlen;
	}
	if (g_peer.family != 0) {
		struct ipaddr want;

		ipaddr_canon(&want, &src->ip);
		ck_assert(memcmp(&g_peer, &want, sizeof(g_peer)) == 0);
	}
	return r;
}

static enum crypto_in deliver(struct node *to, const struct node *from, const struct dg *d)
{
	return deliver_from(to, &from->ep, d);
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
	ck_assert_int_ne(g_peer.family, 0);
	make_pt(pt, sizeof(pt), seq);
	ck_assert_uint_eq(g_plain.len, sizeof(pt));
	ck_assert_mem_eq(g_plain.b, pt, sizeof(pt));
}

/* i's init to r, also kept in g_init. */
static void make_init(struct node *i, const struct node *r, struct dg *init)
{
	init->len = crypto_handshake_init(i->c, &r->ep.ip, init->b, now, wall_ns());
	ck_assert_uint_eq(init->len, CRYPTO_INIT_LEN);
	g_init = *init;
}

/* A complete handshake i -> r, every message delivered at once. */
static void handshake(struct node *i, struct node *r)
{
	struct dg init, resp, ka;

	make_init(i, r, &init);
	ck_assert_int_eq(deliver(r, i, &init), CRYPTO_IN_REPLY);
	ck_assert_int_ne(g_peer.family, 0);
	resp = g_reply;
	ck_assert_uint_eq(resp.len, CRYPTO_RESP_LEN);
	ck_assert_int_eq(deliver(i, r, &resp), CRYPTO_IN_REPLY);
	ck_assert_int_ne(g_peer.family, 0);
	ka = g_reply;
	ck_assert_uint_eq(ka.len, CRYPTO_OVERHEAD);
	ck_assert_int_eq(deliver(r, i, &ka), CRYPTO_IN_CONSUMED);
	ck_assert_int_ne(g_peer.family, 0);
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

static struct crypto_stats stats(const struct node *n)
{
	struct crypto_stats st;

	crypto_get_stats(n->c, &st);
	return st;
}

static uint64_t drops(const struct node *n, enum crypto_drop why)
{
	return stats(n).drops[why];
}

static uint32_t ridx(const struct dg *d)
{
	return (uint32_t)d->b[4] << 24 | (uint32_t)d->b[5] << 16 | (uint32_t)d->b[6] << 8 | d->b[7];
}

/* HASH32(label | pub) */
static void label_key(uint8_t out[32], const char *label, const uint8_t pub[32])
{
	uint8_t in[64];
	size_t n = strlen(label);

	memcpy(in, label, n);
	memcpy(in + n, pub, 32);
	crypto_generichash(out, 32, in, n + 32, NULL, 0);
}

static void tai64n(uint8_t out[12], uint64_t unix_ns)
{
	uint64_t secs = (UINT64_C(1) << 62) + unix_ns / 1000000000;
	uint32_t ns = (uint32_t)(unix_ns % 1000000000);

	for (int i = 0; i < 8; i++)
		out[i] = (uint8_t)(secs >> (56 - 8 * i));
	for (int i = 0; i < 4; i++)
		out[8 + i] = (uint8_t)(ns >> (24 - 8 * i));
}

/* An init built here from the documented format: from_priv's init to
 * responder `to`, with timestamp ts, flags, sender index, and a mac2 from
 * cookie (NULL: zero). */
static void craft_init(struct dg *out, const uint8_t *from_priv, const struct node *to,
		       const uint8_t ts[12], uint8_t flags, uint32_t sidx, const uint8_t *cookie)
{
	uint8_t e[32], pl[13], k[32], zero[32] = {0};
	struct noise_hs hs;

	noise_hs_init(&hs, true, true, (const uint8_t *)PROLOGUE, strlen(PROLOGUE), from_priv, NULL,
		      to->pub, g_psk ? g_psk : zero);
	randombytes_buf(e, sizeof(e));
	noise_hs_set_ephemeral(&hs, e);
	memcpy(pl, ts, 12);
	pl[12] = flags;
	memset(out->b, 0, CRYPTO_INIT_LEN);
	out->b[0] = 0xA1;
	out->b[1] = 2;
	out->b[4] = (uint8_t)(sidx >> 24);
	out->b[5] = (uint8_t)(sidx >> 16);
	out->b[6] = (uint8_t)(sidx >> 8);
	out->b[7] = (uint8_t)sidx;
	ck_assert_uint_eq(noise_write_message(&hs, 0, pl, sizeof(pl), out->b + 8), 109);
	label_key(k, LABEL_MAC1, to->pub);
	crypto_generichash(out->b + INIT_MAC1, 16, out->b, INIT_MAC1, k, sizeof(k));
	if (cookie)
		crypto_generichash(out->b + INIT_MAC2, 16, out->b, INIT_MAC2, cookie, 16);
	out->len = CRYPTO_INIT_LEN;
	noise_hs_wipe(&hs);
}

/* Responder resp's answer to init (from `to`), built here from the
 * documented format, with the given flags and sender index. */
static void craft_response(struct dg *out, const struct dg *init, const struct node *resp,
			   const struct node *to, uint8_t flags, uint32_t sidx)
{
	uint8_t e[32], pl[16], k[32], zero[32] = {0};
	struct noise_hs hs;
	size_t plen;

	noise_hs_init(&hs, false, true, (const uint8_t *)PROLOGUE, strlen(PROLOGUE), resp->priv,
		      NULL, NULL, g_psk ? g_psk : zero);
	ck_assert(noise_read_message(&hs, 0, init->b + 8, INIT_MAC1 - 8, pl, &plen));
	ck_assert_mem_eq(hs.rs, to->pub, 32);
	randombytes_buf(e, sizeof(e));
	noise_hs_set_ephemeral(&hs, e);
	memset(out->b, 0, CRYPTO_RESP_LEN);
	out->b[0] = 0xA2;
	out->b[1] = 2;
	out->b[4] = (uint8_t)(sidx >> 24);
	out->b[5] = (uint8_t)(sidx >> 16);
	out->b[6] = (uint8_t)(sidx >> 8);
	out->b[7] = (uint8_t)sidx;
	memcpy(out->b + 8, init->b + 4, 4);
	ck_assert_uint_eq(noise_write_message(&hs, 1, &flags, 1, out->b + 12), 49);
	label_key(k, LABEL_MAC1, to->pub);
	crypto_generichash(out->b + RESP_MAC1, 16, out->b, RESP_MAC1, k, sizeof(k));
	out->len = CRYPTO_RESP_LEN;
	noise_hs_wipe(&hs);
}

/* Recompute the mac1 of a message to `to` at offset at, as anyone can. */
static void remac1(struct dg *d, const struct node *to, size_t at)
{
	uint8_t k[32];

	label_key(k, LABEL_MAC1, to->pub);
	crypto_generichash(d->b + at, 16, d->b, at, k, sizeof(k));
}

/* --- handshake and data ------------------------------------------------- */

START_TEST(handshake_then_data_both_ways)
{
	struct crypto_stats sa, sb;
	struct dg d;

	ck_assert_str_eq(crypto_cipher_name(A.c, &B.ep.ip), "none");
	ck_assert_uint_eq(seal_seq(&A, &B, 0, &d), 0);
	ck_assert(g_want);
	handshake(&A, &B);
	for (uint32_t i = 0; i < 50; i++) {
		send_ok(&A, &B, i);
		ck_assert(!g_want);
		send_ok(&B, &A, 1000 + i);
		ck_assert(!g_want);
	}
	ck_assert_str_eq(crypto_cipher_name(A.c, &B.ep.ip), crypto_cipher_name(B.c, &A.ep.ip));
	sa = stats(&A);
	sb = stats(&B);
	ck_assert_uint_eq(sa.inits_sent, 1);
	ck_assert_uint_eq(sb.responses_sent, 1);
	ck_assert_uint_eq(sa.handshakes_completed, 1);
	ck_assert_uint_eq(sb.handshakes_completed, 1);
	ck_assert_uint_eq(sa.sessions, 1);
	ck_assert_uint_eq(sb.sessions, 1);
	ck_assert_uint_eq(sa.drops[CRYPTO_DROP_NO_SESSION], 1);
	ck_assert_uint_eq(sb.drops[CRYPTO_DROP_NO_SESSION], 0);
	ck_assert_uint_eq(sb.cookies_sent + sa.cookie_replies_received + sb.under_load, 0);
}
END_TEST

/* The bytes on the wire, checked against the format crypto.h documents. */
START_TEST(wire_format_as_documented)
{
	struct dg init, resp, d;
	uint8_t k[32], mac[16], pl[16], zero[32] = {0}, ts[12];
	struct noise_hs hs;
	uint32_t vni;
	size_t plen;

	make_init(&A, &B, &init);
	ck_assert_uint_eq(init.len, 149);
	ck_assert_mem_eq(init.b, "\xA1\x02\x00\x00", 4);
	ck_assert_uint_ne(ridx(&init), 0);
	label_key(k, LABEL_MAC1, B.pub);
	crypto_generichash(mac, 16, init.b, INIT_MAC1, k, sizeof(k));
	ck_assert_mem_eq(init.b + INIT_MAC1, mac, 16);
	ck_assert_mem_eq(init.b + INIT_MAC2, zero, 16);
	/* B's side of Noise, done here: the static key and the payload */
	noise_hs_init(&hs, false, true, (const uint8_t *)PROLOGUE, strlen(PROLOGUE), B.priv, NULL,
		      NULL, zero);
	ck_assert(noise_read_message(&hs, 0, init.b + 8, INIT_MAC1 - 8, pl, &plen));
	ck_assert_mem_eq(hs.rs, A.pub, 32);
	ck_assert_uint_eq(plen, 13);
	tai64n(ts, wall_ns());
	ck_assert_mem_eq(pl, ts, 12);
	ck_assert_uint_eq(pl[12], aes_ok() ? 1 : 0);
	noise_hs_wipe(&hs);

	ck_assert_int_eq(deliver(&B, &A, &init), CRYPTO_IN_REPLY);
	resp = g_reply;
	ck_assert_uint_eq(resp.len, 93);
	ck_assert_mem_eq(resp.b, "\xA2\x02\x00\x00", 4);
	ck_assert_mem_eq(resp.b + 8, init.b + 4, 4);
	label_key(k, LABEL_MAC1, A.pub);
	crypto_generichash(mac, 16, resp.b, RESP_MAC1, k, sizeof(k));
	ck_assert_mem_eq(resp.b + RESP_MAC1, mac, 16);
	ck_assert_mem_eq(resp.b + RESP_MAC2, zero, 16);

	ck_assert_int_eq(deliver(&A, &B, &resp), CRYPTO_IN_REPLY);
	ck_assert_uint_eq(g_reply.len, 32); /* the confirming keepalive */
	ck_assert_mem_eq(g_reply.b, "\xA4\x02\x00\x00", 4);
	ck_assert_mem_eq(g_reply.b + 4, resp.b + 4, 4);
	ck_assert_mem_eq(g_reply.b + 8, zero, 8); /* counter 0 */
	ck_assert_uint_gt(seal_seq(&A, &B, 1, &d), 0);
	ck_assert_mem_eq(d.b + 8, "\x00\x00\x00\x00\x00\x00\x00\x01", 8);
	/* none of them is VXLAN to a kernel vxlan device */
	ck_assert_int_ne(vxlan_decode(init.b, init.len, &vni), VXLAN_OK);
	ck_assert_int_ne(vxlan_decode(resp.b, resp.len, &vni), VXLAN_OK);
	ck_assert_int_ne(vxlan_decode(d.b, d.len, &vni), VXLAN_OK);
	ck_assert_int_ne(vxlan_decode(g_reply.b, g_reply.len, &vni), VXLAN_OK);
	/* and each is recognised as secure mode's, plain VXLAN and another
	 * version not */
	ck_assert(crypto_wire_looks_sealed(init.b, init.len));
	ck_assert(crypto_wire_looks_sealed(resp.b, resp.len));
	ck_assert(crypto_wire_looks_sealed(d.b, d.len));
	ck_assert(!crypto_wire_looks_sealed(init.b, 3));
	ck_assert(!crypto_wire_looks_sealed((const uint8_t *)"\x08\x00\x00\x00", 4));
	ck_assert(!crypto_wire_looks_sealed((const uint8_t *)"\xA4\x01\x00\x00", 4));
	ck_assert(!crypto_wire_looks_sealed((const uint8_t *)"\xA5\x02\x00\x00", 4));
}
END_TEST

/* Every handshake message carries a fresh ephemeral key and index. */
START_TEST(ephemerals_fresh)
{
	struct dg i1, i2, r1, r2;

	make_init(&A, &B, &i1);
	ck_assert_int_eq(deliver(&B, &A, &i1), CRYPTO_IN_REPLY);
	r1 = g_reply;
	now += 5000;
	make_init(&A, &B, &i2);
	ck_assert_int_eq(deliver(&B, &A, &i2), CRYPTO_IN_REPLY);
	r2 = g_reply;
	ck_assert(memcmp(i1.b + 8, i2.b + 8, 32) != 0);
	ck_assert(memcmp(r1.b + 12, r2.b + 12, 32) != 0);
	ck_assert(memcmp(i1.b + 4, i2.b + 4, 4) != 0);
	ck_assert(memcmp(r1.b + 4, r2.b + 4, 4) != 0);
}
END_TEST

/* An init built from the documentation alone is accepted. */
START_TEST(crafted_init_accepted)
{
	struct dg init;
	uint8_t ts[12];

	tai64n(ts, wall_ns());
	craft_init(&init, A.priv, &B, ts, 0, 0x01020304, NULL);
	ck_assert_int_eq(deliver(&B, &A, &init), CRYPTO_IN_REPLY);
	ck_assert_uint_eq(g_reply.len, CRYPTO_RESP_LEN);
	ck_assert_mem_eq(g_reply.b + 8, "\x01\x02\x03\x04", 4);
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
	ck_assert_str_eq(crypto_cipher_name(A.c, &B.ep.ip), want);
	ck_assert_str_eq(crypto_cipher_name(B.c, &A.ep.ip), want);
	send_ok(&A, &B, 1);
	send_ok(&B, &A, 2);
	now += 1000;
	handshake(&B, &A);
	ck_assert_str_eq(crypto_cipher_name(A.c, &B.ep.ip), want);
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
		n = crypto_seal(A.c, &B.ep.ip, buf + CRYPTO_HEADROOM, sizeof(pt), buf, now, &want,
				&why);
		ck_assert_uint_eq(n, sizeof(pt) + CRYPTO_OVERHEAD);
		ck_assert(memcmp(buf + CRYPTO_HEADROOM, pt, sizeof(pt)) != 0);
		memcpy(d.b, buf, n);
		d.len = n;
		expect_data(&B, &A, &d, seq);
	}
}
END_TEST

/* The same PSK on both sides works; different ones never make a session. */
START_TEST(psk)
{
	static const uint8_t psk1[32] = {1, 2, 3}, psk2[32] = {1, 2, 4};
	struct dg init;

	g_psk = psk1;
	nodes_start(NULL, true, true);
	handshake(&A, &B);
	send_ok(&A, &B, 1);
	send_ok(&B, &A, 2);
	g_psk = psk2;
	node_start(&B, NULL);
	now += 1000;
	make_init(&A, &B, &init);
	/* psk2 comes into the second message: B cannot tell, A can */
	ck_assert_int_eq(deliver(&B, &A, &init), CRYPTO_IN_REPLY);
	expect_drop(&A, &B, &g_reply, CRYPTO_DROP_HANDSHAKE);
	ck_assert_str_eq(crypto_cipher_name(B.c, &A.ep.ip), "none");
	/* and none against a node without one */
	g_psk = NULL;
	node_start(&B, NULL);
	now += 5000;
	make_init(&A, &B, &init);
	ck_assert_int_eq(deliver(&B, &A, &init), CRYPTO_IN_REPLY);
	expect_drop(&A, &B, &g_reply, CRYPTO_DROP_HANDSHAKE);
}
END_TEST

START_TEST(public_keys)
{
	uint8_t pub[32], low[32] = {1};

	crypto_own_public_key(A.c, pub);
	ck_assert_mem_eq(pub, A.pub, 32);
	ck_assert(!sodium_is_zero(pub, 32));
	ck_assert_int_eq(crypto_peer_set(A.c, &C.ep.ip, A.pub), -EINVAL); /* its own */
	ck_assert_int_eq(crypto_peer_set(A.c, &C.ep.ip, low), -EINVAL);	  /* low order */
	/* nothing changed: A and C still get along */
	handshake(&A, &C);
	send_ok(&C, &A, 1);
}
END_TEST

/* --- identity ------------------------------------------------------------- */

/* A node whose key is not listed, from a listed node's address: nothing. */
START_TEST(unlisted_key_refused)
{
	struct node X = A;
	struct dg init, d;

	X.c = NULL;
	set_key(&X, 0x77);
	X.rng.seed[31] = 99;
	X.c = crypto_new(X.priv, NULL, true, NULL, det_random, &X.rng);
	ck_assert_int_eq(crypto_peer_set(X.c, &B.ep.ip, B.pub), 0);
	make_init(&X, &B, &init);
	expect_drop(&B, &X, &init, CRYPTO_DROP_UNKNOWN_KEY);
	ck_assert_uint_eq(drops(&B, CRYPTO_DROP_UNKNOWN_KEY), 1);
	ck_assert_uint_eq(stats(&B).responses_sent, 0);
	/* the real A is not hurt */
	handshake(&A, &B);
	send_ok(&A, &B, 1);
	ck_assert_uint_eq(seal_seq(&X, &B, 2, &d), 0);
	crypto_free(X.c);
}
END_TEST

/* A listed key from another listed node's address: nothing. */
START_TEST(listed_key_from_other_address)
{
	struct dg init;

	make_init(&A, &B, &init);
	ck_assert_int_eq(deliver_from(&B, &C.ep, &init), CRYPTO_IN_DROP);
	ck_assert_int_eq(g_why, CRYPTO_DROP_WRONG_KEY);
	ck_assert_uint_eq(stats(&B).responses_sent, 0);
	ck_assert_str_eq(crypto_cipher_name(B.c, &C.ep.ip), "none");
	/* the timestamp was not taken: the same init from A still works */
	ck_assert_int_eq(deliver(&B, &A, &init), CRYPTO_IN_REPLY);
}
END_TEST

/* An address that is not listed: refused before mac1 and before any DH. */
START_TEST(unknown_peer_refused)
{
	struct endpoint stranger;
	struct dg init, d;

	set_ep(&stranger, "192.168.56.99", 8472);
	make_init(&A, &B, &init);
	ck_assert_int_eq(deliver_from(&B, &stranger, &init), CRYPTO_IN_DROP);
	ck_assert_int_eq(g_why, CRYPTO_DROP_UNKNOWN_PEER);
	ck_assert(!g_want);
	now += 5000;
	handshake(&A, &B);
	ck_assert_uint_gt(seal_seq(&A, &B, 1, &d), 0);
	ck_assert_int_eq(deliver_from(&B, &stranger, &d), CRYPTO_IN_DROP);
	ck_assert_int_eq(g_why, CRYPTO_DROP_WRONG_ADDR);
	ck_assert(!g_want);
	expect_data(&B, &A, &d, 1);
}
END_TEST

/* Node 1's init to node 2, replayed to node 3 from node 1's address, fails
 * at mac1 and leaves 1 <-> 3 as it was (issue 13). */
START_TEST(init_bound_to_responder)
{
	struct dg init_ab;
	uint64_t responses;

	handshake(&A, &C);
	send_ok(&A, &C, 1);
	responses = stats(&C).responses_sent;
	make_init(&A, &B, &init_ab);
	ck_assert_int_eq(deliver(&B, &A, &init_ab), CRYPTO_IN_REPLY);
	for (int i = 0; i < 3; i++) {
		expect_drop(&C, &A, &init_ab, CRYPTO_DROP_BAD_MAC1);
		ck_assert(!g_want);
	}
	ck_assert_uint_eq(stats(&C).responses_sent, responses);
	for (uint32_t i = 2; i < 20; i++) {
		send_ok(&A, &C, i);
		send_ok(&C, &A, 100 + i);
	}
	ck_assert_uint_eq(stats(&C).sessions, 1);
}
END_TEST

/* Data of A's session arriving from C's address does not open, and does
 * not burn its counter. */
START_TEST(data_bound_to_address)
{
	struct dg d;

	handshake(&A, &B);
	ck_assert_uint_gt(seal_seq(&A, &B, 1, &d), 0);
	ck_assert_int_eq(deliver(&B, &C, &d), CRYPTO_IN_DROP);
	ck_assert_int_eq(g_why, CRYPTO_DROP_WRONG_ADDR);
	expect_data(&B, &A, &d, 1);
	/* a response or a cookie reply from the wrong address is refused too */
	now += 5000;
	make_init(&A, &B, &d);
	ck_assert_int_eq(deliver(&B, &A, &d), CRYPTO_IN_REPLY);
	d = g_reply;
	ck_assert_int_eq(deliver(&A, &C, &d), CRYPTO_IN_DROP);
	ck_assert_int_eq(g_why, CRYPTO_DROP_WRONG_ADDR);
	ck_assert_int_eq(deliver(&A, &B, &d), CRYPTO_IN_REPLY);
}
END_TEST

/* --- timestamps ------------------------------------------------------------ */

START_TEST(replayed_init_is_stale)
{
	struct dg init;

	make_init(&A, &B, &init);
	ck_assert_int_eq(deliver(&B, &A, &init), CRYPTO_IN_REPLY);
	expect_drop(&B, &A, &init, CRYPTO_DROP_STALE);
	now += 5000; /* A's init went unanswered: it may send another */
	handshake(&A, &B);
	expect_drop(&B, &A, &init, CRYPTO_DROP_STALE);
	now += 60000;
	expect_drop(&B, &A, &g_init, CRYPTO_DROP_STALE);
	ck_assert_uint_eq(drops(&B, CRYPTO_DROP_STALE), 3);
}
END_TEST

/* The greatest timestamp is kept per key: the same key listed at two
 * addresses cannot have one init accepted twice. */
START_TEST(timestamp_per_key)
{
	struct dg init;

	ck_assert_int_eq(crypto_peer_set(B.c, &C.ep.ip, A.pub), 0); /* A's key at C's address */
	make_init(&A, &B, &init);
	ck_assert_int_eq(deliver(&B, &A, &init), CRYPTO_IN_REPLY);
	ck_assert_int_eq(deliver_from(&B, &C.ep, &init), CRYPTO_IN_DROP);
	ck_assert_int_eq(g_why, CRYPTO_DROP_STALE);
	/* forgetting one address keeps the record: the other still lists it */
	crypto_forget_peer(B.c, &C.ep.ip);
	expect_drop(&B, &A, &init, CRYPTO_DROP_STALE);
}
END_TEST

/* An init dated far ahead cannot shut the key out: refused beyond 5
 * minutes; within them it is taken, and a key change clears it. */
START_TEST(future_timestamp)
{
	uint8_t ts[12], max[12];
	struct dg init;

	memset(max, 0xff, sizeof(max));
	max[8] = 0x3b; /* nanoseconds below 10^9: a well-formed 2^64 - 1 seconds */
	max[9] = 0x9a;
	max[10] = 0xc9;
	max[11] = 0xff;
	craft_init(&init, A.priv, &B, max, 0, 7, NULL);
	expect_drop(&B, &A, &init, CRYPTO_DROP_FUTURE);
	tai64n(ts, wall_ns() + 5 * MIN_NS + 1000000);
	craft_init(&init, A.priv, &B, ts, 0, 7, NULL);
	expect_drop(&B, &A, &init, CRYPTO_DROP_FUTURE);
	ck_assert_uint_eq(drops(&B, CRYPTO_DROP_FUTURE), 2);
	handshake(&A, &B); /* none of that was kept */

	/* 4 minutes ahead is accepted, and A's own inits are stale after it */
	tai64n(ts, wall_ns() + 4 * MIN_NS);
	craft_init(&init, A.priv, &B, ts, 0, 7, NULL);
	ck_assert_int_eq(deliver(&B, &A, &init), CRYPTO_IN_REPLY);
	now += 5000;
	make_init(&A, &B, &init);
	expect_drop(&B, &A, &init, CRYPTO_DROP_STALE);
	/* A moves to a new key, B lists it: the stored maximum went with the old key */
	set_key(&A, 0x44);
	ck_assert_int_eq(crypto_set_key(A.c, A.priv, now), 0);
	ck_assert_int_eq(crypto_peer_set(B.c, &A.ep.ip, A.pub), 0);
	handshake(&A, &B);
	send_ok(&A, &B, 1);
	send_ok(&B, &A, 2);
}
END_TEST

/* Well-formed and authenticated, but with reserved bits or bad nanoseconds. */
START_TEST(init_payload_checked)
{
	uint8_t ts[12];
	struct dg init;

	tai64n(ts, wall_ns());
	craft_init(&init, A.priv, &B, ts, 0x02, 7, NULL);
	expect_drop(&B, &A, &init, CRYPTO_DROP_MALFORMED);
	craft_init(&init, A.priv, &B, ts, 0x80, 7, NULL);
	expect_drop(&B, &A, &init, CRYPTO_DROP_MALFORMED);
	ts[8] = 0x3b;
	ts[9] = 0x9a;
	ts[10] = 0xca;
	ts[11] = 0x00; /* 10^9 ns */
	craft_init(&init, A.priv, &B, ts, 0, 7, NULL);
	expect_drop(&B, &A, &init, CRYPTO_DROP_MALFORMED);
	craft_init(&init, A.priv, &B, ts, 0, 0, NULL); /* sender index 0 */
	expect_drop(&B, &A, &init, CRYPTO_DROP_MALFORMED);
	handshake(&A, &B);
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
			/* a changed counter may be one seen already: checked first */
			if (pos >= 16)
				ck_assert_int_eq(g_why, CRYPTO_DROP_BAD_TAG);
			else if (pos >= 8)
				ck_assert(g_why == CRYPTO_DROP_BAD_TAG ||
					  g_why == CRYPTO_DROP_REPLAY);
		}
	}
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

static void expect_init_drop(const struct dg *t)
{
	ck_assert_int_eq(deliver(&B, &A, t), CRYPTO_IN_DROP);
	ck_assert(!g_want);
}

/* Every byte of an init that anything checks, flipped: refused, no state
 * changed (the original is still accepted afterwards, and A still waits). */
START_TEST(tampered_init_refused)
{
	struct crypto_limits l;
	struct crypto_stats st;
	struct dg init, t;

	crypto_default_limits(&l);
	l.hs_burst = 1000000; /* hundreds of inits pass mac1 here: no load */
	node_start(&B, &l);
	make_init(&A, &B, &init);
	for (size_t pos = 0; pos < INIT_MAC2; pos++) {
		for (size_t f = 0; f < sizeof(flips); f++) {
			t = init;
			t.b[pos] ^= flips[f];
			expect_init_drop(&t);
			if (pos >= 8)
				ck_assert_int_eq(g_why, CRYPTO_DROP_BAD_MAC1);
			/* with mac1 made again, as anyone can: Noise refuses it */
			if (pos < 8 || pos >= INIT_MAC1)
				continue;
			remac1(&t, &B, INIT_MAC1);
			expect_init_drop(&t);
			ck_assert_int_eq(g_why, CRYPTO_DROP_HANDSHAKE);
		}
	}
	for (size_t len = 0; len < init.len + 2; len++) {
		if (len == init.len)
			continue;
		t = init;
		t.len = len;
		expect_init_drop(&t);
	}
	st = stats(&B);
	ck_assert_uint_eq(st.responses_sent, 0);
	ck_assert_uint_gt(st.drops[CRYPTO_DROP_HANDSHAKE], 0);
	ck_assert_int_eq(deliver(&B, &A, &init), CRYPTO_IN_REPLY);
	ck_assert_int_eq(deliver(&A, &B, &g_reply), CRYPTO_IN_REPLY);
	ck_assert_int_eq(deliver(&B, &A, &g_reply), CRYPTO_IN_CONSUMED);
	send_ok(&A, &B, 1);
	send_ok(&B, &A, 2);
}
END_TEST

/* mac2 is a DoS hint, not authentication: without load it is not looked
 * at; under load a wrong one gets a cookie reply, not a response. */
START_TEST(init_mac2_only_under_load)
{
	struct crypto_limits l;
	struct dg init, t;

	make_init(&A, &B, &init);
	t = init;
	t.b[INIT_MAC2 + 3] ^= 0x10;
	ck_assert_int_eq(deliver(&B, &A, &t), CRYPTO_IN_REPLY);
	ck_assert_uint_eq(g_reply.len, CRYPTO_RESP_LEN);

	crypto_default_limits(&l);
	l.hs_rate = 0;
	l.hs_burst = 0;
	node_start(&B, &l);
	ck_assert_int_eq(deliver(&B, &A, &t), CRYPTO_IN_REPLY);
	ck_assert_uint_eq(g_reply.len, CRYPTO_COOKIE_LEN);
	ck_assert_int_eq(g_peer.family, 0);
}
END_TEST

START_TEST(tampered_response_refused)
{
	struct dg init, resp, t;

	make_init(&A, &B, &init);
	ck_assert_int_eq(deliver(&B, &A, &init), CRYPTO_IN_REPLY);
	resp = g_reply;
	for (size_t pos = 0; pos < resp.len; pos++) {
		for (size_t f = 0; f < sizeof(flips); f++) {
			t = resp;
			t.b[pos] ^= flips[f];
			ck_assert_int_eq(deliver(&A, &B, &t), CRYPTO_IN_DROP);
			if (pos < 12 || pos >= RESP_MAC1)
				continue;
			remac1(&t, &A, RESP_MAC1);
			ck_assert_int_eq(deliver(&A, &B, &t), CRYPTO_IN_DROP);
			ck_assert_int_eq(g_why, CRYPTO_DROP_HANDSHAKE);
		}
	}
	for (size_t len = 0; len < resp.len + 2; len++) {
		if (len == resp.len)
			continue;
		t = resp;
		t.len = len;
		ck_assert_int_eq(deliver(&A, &B, &t), CRYPTO_IN_DROP);
	}
	ck_assert_str_eq(crypto_cipher_name(A.c, &B.ep.ip), "none");
	ck_assert_int_eq(deliver(&A, &B, &resp), CRYPTO_IN_REPLY);
	ck_assert_int_eq(deliver(&B, &A, &g_reply), CRYPTO_IN_CONSUMED);
	send_ok(&A, &B, 1);
	send_ok(&B, &A, 2);
	expect_drop(&A, &B, &resp, CRYPTO_DROP_UNKNOWN_SESSION); /* used up */
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
	{"short", {0xA4, 2, 0}, 3, CRYPTO_DROP_MALFORMED},
	{"version 0", {0xA4, 0, 0, 0, 0, 0, 0, 0}, 8, CRYPTO_DROP_MALFORMED},
	{"version 1", {0xA1, 1, 0, 0, 0, 0, 0, 0}, 8, CRYPTO_DROP_MALFORMED},
	{"version 3", {0xA2, 3, 0, 0, 0, 0, 0, 0}, 8, CRYPTO_DROP_MALFORMED},
	{"reserved byte 2", {0xA4, 2, 1, 0, 0, 0, 0, 0}, 8, CRYPTO_DROP_MALFORMED},
	{"reserved byte 3", {0xA1, 2, 0, 1, 0, 0, 0, 0}, 8, CRYPTO_DROP_MALFORMED},
	{"unknown type", {0xA5, 2, 0, 0, 0, 0, 0, 0}, 8, CRYPTO_DROP_MALFORMED},
	{"zero type", {0, 2, 0, 0, 0, 0, 0, 0}, 8, CRYPTO_DROP_MALFORMED},
	{"data too short", {0xA4, 2, 0, 0, 0, 0, 0, 1}, 8, CRYPTO_DROP_MALFORMED},
	{"init too short", {0xA1, 2, 0, 0, 0, 0, 0, 1}, 8, CRYPTO_DROP_MALFORMED},
	{"response too short", {0xA2, 2, 0, 0, 0, 0, 0, 1}, 8, CRYPTO_DROP_MALFORMED},
	{"cookie too short", {0xA3, 2, 0, 0, 0, 0, 0, 1}, 8, CRYPTO_DROP_MALFORMED},
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

/* Reserved bits in a response's payload, or a nonzero mac2: refused. A
 * response built from the documentation is accepted. */
START_TEST(response_reserved_fields)
{
	struct dg init, resp, t;

	make_init(&A, &B, &init);
	craft_response(&t, &init, &B, &A, 0x02, 77);
	expect_drop(&A, &B, &t, CRYPTO_DROP_MALFORMED);
	craft_response(&t, &init, &B, &A, 0x81, 77);
	expect_drop(&A, &B, &t, CRYPTO_DROP_MALFORMED);
	craft_response(&t, &init, &B, &A, 0x00, 77);
	ck_assert_int_eq(deliver(&A, &B, &t), CRYPTO_IN_REPLY);
	ck_assert_mem_eq(g_reply.b + 4, "\x00\x00\x00\x4d", 4); /* to index 77 */
	ck_assert_str_eq(crypto_cipher_name(A.c, &B.ep.ip), "chacha20-poly1305-ietf");
	now += 5000;

	make_init(&A, &B, &init);
	ck_assert_int_eq(deliver(&B, &A, &init), CRYPTO_IN_REPLY);
	resp = g_reply;
	t = resp;
	t.b[RESP_MAC2] = 1;
	expect_drop(&A, &B, &t, CRYPTO_DROP_MALFORMED);
	t = resp;
	memset(t.b + 4, 0, 4); /* sender index 0 */
	expect_drop(&A, &B, &t, CRYPTO_DROP_MALFORMED);
	ck_assert_int_eq(deliver(&A, &B, &resp), CRYPTO_IN_REPLY);
}
END_TEST

/* --- load and cookies ------------------------------------------------------ */

/* B with no handshake budget left: under load from the first init on. */
static void overload_b(uint32_t peer_burst)
{
	struct crypto_limits l;

	crypto_default_limits(&l);
	l.hs_rate = 0;
	l.hs_burst = 0;
	l.hs_peer_rate = 0;
	l.hs_peer_burst = peer_burst;
	node_start(&B, &l);
}

/* A's init gets a cookie reply; A opens it and returns g_reply's cookie reply. */
static struct dg get_cookie(void)
{
	struct dg init, cr;

	make_init(&A, &B, &init);
	ck_assert_int_eq(deliver(&B, &A, &init), CRYPTO_IN_REPLY);
	ck_assert_uint_eq(g_reply.len, CRYPTO_COOKIE_LEN);
	ck_assert_int_eq(g_peer.family, 0); /* nothing authenticated */
	ck_assert_mem_eq(g_reply.b, "\xA3\x02\x00\x00", 4);
	ck_assert_mem_eq(g_reply.b + 4, init.b + 4, 4);
	cr = g_reply;
	ck_assert_int_eq(deliver(&A, &B, &cr), CRYPTO_IN_CONSUMED);
	ck_assert_int_eq(g_peer.family, 0);
	return cr;
}

START_TEST(cookie_under_load)
{
	struct crypto_stats sa, sb;
	struct dg init, cr;
	uint8_t k[32], cookie[16], ts[12];
	struct endpoint other_port;

	overload_b(2);
	cr = get_cookie();
	ck_assert(!g_want); /* not before init_min_ms */
	sb = stats(&B);
	ck_assert_uint_eq(sb.cookies_sent, 1);
	ck_assert_uint_eq(sb.under_load, 1);
	ck_assert_uint_eq(sb.responses_sent, 0);
	ck_assert_uint_eq(stats(&A).cookie_replies_received, 1);
	/* the cookie reply is as documented */
	label_key(k, LABEL_COOKIE, B.pub);
	ck_assert_int_eq(crypto_aead_xchacha20poly1305_ietf_decrypt(cookie, NULL, NULL, cr.b + 32,
								    32, g_init.b + INIT_MAC1, 16,
								    cr.b + 8, k),
			 0);
	/* a second copy of the cookie reply is refused */
	expect_drop(&A, &B, &cr, CRYPTO_DROP_COOKIE);

	now += 999;
	ck_assert_uint_eq(crypto_handshake_init(A.c, &B.ep.ip, init.b, now, wall_ns()), 0);
	now += 1;
	make_init(&A, &B, &init);
	ck_assert(!sodium_is_zero(init.b + INIT_MAC2, 16));
	/* the same init from another port: the cookie is bound to address and port */
	other_port = A.ep;
	other_port.port = 9999;
	ck_assert_int_eq(deliver_from(&B, &other_port, &init), CRYPTO_IN_REPLY);
	ck_assert_uint_eq(g_reply.len, CRYPTO_COOKIE_LEN);
	/* from A's endpoint, with mac2: answered */
	ck_assert_int_eq(deliver(&B, &A, &init), CRYPTO_IN_REPLY);
	ck_assert_uint_eq(g_reply.len, CRYPTO_RESP_LEN);
	ck_assert_int_eq(deliver(&A, &B, &g_reply), CRYPTO_IN_REPLY);
	ck_assert_int_eq(deliver(&B, &A, &g_reply), CRYPTO_IN_CONSUMED);
	send_ok(&A, &B, 1);
	send_ok(&B, &A, 2);
	/* a crafted init with a mac2 from the documented rule is answered too,
	 * until the peer's bucket (2) is used up */
	tai64n(ts, wall_ns() + 1000000);
	craft_init(&init, A.priv, &B, ts, 0, 9, cookie);
	ck_assert_int_eq(deliver(&B, &A, &init), CRYPTO_IN_REPLY);
	ck_assert_uint_eq(g_reply.len, CRYPTO_RESP_LEN);
	tai64n(ts, wall_ns() + 2000000);
	craft_init(&init, A.priv, &B, ts, 0, 9, cookie);
	expect_drop(&B, &A, &init, CRYPTO_DROP_RATE_LIMITED);
	sa = stats(&A);
	sb = stats(&B);
	ck_assert_uint_eq(sb.cookies_sent, 2);
	ck_assert_uint_eq(sb.responses_sent, 2);
	ck_assert_uint_eq(sa.handshakes_completed, 1);
}
END_TEST

/* The cookie path does no Diffie-Hellman: a stranger's key is not even read. */
START_TEST(cookie_before_identity)
{
	struct node X = A;
	struct dg init;

	overload_b(5);
	X.c = NULL;
	set_key(&X, 0x77);
	X.c = crypto_new(X.priv, NULL, true, NULL, det_random, &X.rng);
	ck_assert_int_eq(crypto_peer_set(X.c, &B.ep.ip, B.pub), 0);
	make_init(&X, &B, &init);
	ck_assert_int_eq(deliver(&B, &X, &init), CRYPTO_IN_REPLY);
	ck_assert_uint_eq(g_reply.len, CRYPTO_COOKIE_LEN);
	ck_assert_uint_eq(drops(&B, CRYPTO_DROP_UNKNOWN_KEY), 0);
	crypto_free(X.c);
}
END_TEST

/* Load ends a second after the bucket was last found empty. */
START_TEST(load_comes_and_goes)
{
	static const struct {
		uint64_t at; /* ms after the start */
		bool cookie;
		uint64_t under_load;
	} steps[] = {
		{0, false, 0},	  {0, false, 0},    {0, true, 1},    {500, true, 1},
		{1400, true, 1},  {2500, false, 1}, {2501, true, 2}, {2502, true, 2},
		{6000, false, 2}, {6001, false, 2},
	};
	struct crypto_limits l;
	uint64_t t0 = now;
	uint8_t ts[12];
	struct dg init;

	crypto_default_limits(&l);
	l.hs_rate = 1;
	l.hs_burst = 2;
	node_start(&B, &l);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		now = t0 + steps[i].at;
		tai64n(ts, wall_ns() + i);
		craft_init(&init, A.priv, &B, ts, 0, 9, NULL);
		ck_assert_int_eq(deliver(&B, &A, &init), CRYPTO_IN_REPLY);
		ck_assert_msg(g_reply.len ==
				      (steps[i].cookie ? CRYPTO_COOKIE_LEN : CRYPTO_RESP_LEN),
			      "step %zu", i);
		ck_assert_uint_eq(stats(&B).under_load, steps[i].under_load);
	}
}
END_TEST

/* Cookie replies that do not belong: refused, no state changed. */
START_TEST(cookie_reply_checks)
{
	struct dg cr, t, init;

	overload_b(5);
	make_init(&A, &B, &init);
	ck_assert_int_eq(deliver(&B, &A, &init), CRYPTO_IN_REPLY);
	cr = g_reply;
	for (size_t pos = 0; pos < cr.len; pos++) {
		for (size_t f = 0; f < sizeof(flips); f++) {
			t = cr;
			t.b[pos] ^= flips[f];
			ck_assert_int_eq(deliver(&A, &B, &t), CRYPTO_IN_DROP);
			ck_assert(!g_want);
			if (pos >= 8)
				ck_assert_int_eq(g_why, CRYPTO_DROP_COOKIE);
		}
	}
	for (size_t len = 0; len < cr.len + 2; len++) {
		if (len == cr.len)
			continue;
		t = cr;
		t.len = len;
		ck_assert_int_eq(deliver(&A, &B, &t), CRYPTO_IN_DROP);
	}
	expect_drop(&A, &C, &cr, CRYPTO_DROP_WRONG_ADDR);
	ck_assert_uint_eq(stats(&A).cookie_replies_received, 0);
	/* it answers the init's mac1: not the next init's */
	now += 5000;
	ck_assert_uint_eq(crypto_handshake_init(A.c, &B.ep.ip, init.b, now, wall_ns()),
			  CRYPTO_INIT_LEN);
	expect_drop(&A, &B, &cr, CRYPTO_DROP_UNKNOWN_SESSION);
	memcpy(cr.b + 4, init.b + 4, 4);
	expect_drop(&A, &B, &cr, CRYPTO_DROP_COOKIE);
}
END_TEST

/* A held cookie expires; a renewed cookie secret makes old cookies fail. */
START_TEST(cookie_lifetimes)
{
	struct crypto_peer_info info;
	struct dg init;
	uint64_t next;

	overload_b(100);
	get_cookie();
	ck_assert_int_eq(crypto_peer_info(A.c, &B.ep.ip, now, &info), 0);
	ck_assert(info.has_cookie);
	/* valid for 115 s: A's tick says when */
	next = crypto_tick(A.c, now, NULL, NULL);
	ck_assert_uint_le(next, now + 115000);
	now += 115000;
	crypto_tick(A.c, now, NULL, NULL);
	ck_assert_int_eq(crypto_peer_info(A.c, &B.ep.ip, now, &info), 0);
	ck_assert(!info.has_cookie);
	make_init(&A, &B, &init);
	ck_assert(sodium_is_zero(init.b + INIT_MAC2, 16));

	/* a fresh cookie, then B renews its secret (120 s): the cookie fails */
	ck_assert_int_eq(deliver(&B, &A, &init), CRYPTO_IN_REPLY);
	ck_assert_int_eq(deliver(&A, &B, &g_reply), CRYPTO_IN_CONSUMED);
	now += 1000;
	make_init(&A, &B, &init);
	ck_assert(!sodium_is_zero(init.b + INIT_MAC2, 16));
	now += 120000 - 1000;
	ck_assert_int_eq(deliver(&B, &A, &init), CRYPTO_IN_REPLY);
	ck_assert_uint_eq(g_reply.len, CRYPTO_COOKIE_LEN);
}
END_TEST

/* --- replay ---------------------------------------------------------------- */

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

#define W CRYPTO_REPLAY_WINDOW

/* Steps of a replay scenario: accept (check then record) or expect a refusal. */
struct rstep {
	uint64_t ctr;
	bool ok;
};

static const struct {
	const char *name;
	struct rstep s[12];
	size_t n;
} replay_vec[] = {
	{"counter 0 first, then again", {{0, true}, {0, false}, {1, true}, {0, false}}, 4},
	{"0 arrives late", {{5, true}, {0, true}, {0, false}, {4, true}}, 4},
	{"window bottom",
	 {{W + 100, true}, {100, false}, {101, true}, {101, false}, {W + 99, true}},
	 5},
	{"exactly W behind", {{W, true}, {0, false}, {1, true}}, 3},
	{"ring wrap: words reused",
	 {{63, true},
	  {64 * CRYPTO_REPLAY_WORDS + 63, true},
	  {63, false},
	  {64 * CRYPTO_REPLAY_WORDS, true},
	  {64 * CRYPTO_REPLAY_WORDS + 63, false},
	  {64 * (CRYPTO_REPLAY_WORDS - 1) + 5, true},
	  {64 * (CRYPTO_REPLAY_WORDS - 1) + 5, false}},
	 7},
	{"ring wrap one counter at a time",
	 {{0, true},
	  {64, true},
	  {64 * CRYPTO_REPLAY_WORDS - 1, true},
	  {64 * CRYPTO_REPLAY_WORDS, true},
	  {64 * CRYPTO_REPLAY_WORDS + 1, true},
	  {64, false},
	  {65, false},
	  {66, true},
	  {66, false}},
	 9},
	{"jump far ahead clears everything",
	 {{1, true}, {2, true}, {10 * W, true}, {10 * W - W + 1, true}, {2, false}},
	 5},
	{"jump of exactly the ring",
	 {{7, true}, {7 + 64 * CRYPTO_REPLAY_WORDS, true}, {7, false}},
	 3},
	{"top of the counter space",
	 {{UINT64_MAX - 3, true},
	  {UINT64_MAX - 1, true},
	  {UINT64_MAX - 1, false},
	  {UINT64_MAX - 2, true},
	  {UINT64_MAX, false},
	  {UINT64_MAX - 3, false}},
	 6},
};

START_TEST(replay_window_table)
{
	struct crypto_replay r;

	memset(&r, 0, sizeof(r));
	for (size_t i = 0; i < replay_vec[_i].n; i++) {
		const struct rstep *st = &replay_vec[_i].s[i];

		ck_assert_msg(crypto_replay_check(&r, st->ctr) == st->ok, "%s: step %zu (%llu)",
			      replay_vec[_i].name, i, (unsigned long long)st->ctr);
		if (st->ok)
			crypto_replay_accept(&r, st->ctr);
	}
}
END_TEST

/* Every counter of a long random walk checked against a model. */
START_TEST(replay_window_model)
{
	static uint8_t seen[8 * W];
	struct crypto_replay r;
	uint64_t top = 0, ctr;
	uint32_t x = 12345;

	memset(&r, 0, sizeof(r));
	memset(seen, 0, sizeof(seen));
	for (int i = 0; i < 200000; i++) {
		bool model;

		x = x * 1103515245u + 12345u;
		ctr = (x >> 8) % (top + 70 < sizeof(seen) ? top + 70 : sizeof(seen));
		model = !seen[ctr] && (ctr >= top || top - ctr <= W);
		ck_assert_msg(crypto_replay_check(&r, ctr) == model, "step %d ctr %llu top %llu", i,
			      (unsigned long long)ctr, (unsigned long long)top);
		if (model) {
			crypto_replay_accept(&r, ctr);
			seen[ctr] = 1;
			if (ctr >= top)
				top = ctr + 1;
		}
	}
}
END_TEST

/* Through the API: counter 0 (the keepalive) and the wrap of the ring. */
START_TEST(replay_window_through_sessions)
{
	const size_t n = W + 200;
	struct dg *d = calloc(n, sizeof(*d)), ka, init;
	size_t top;

	ck_assert_ptr_nonnull(d);
	make_init(&A, &B, &init);
	ck_assert_int_eq(deliver(&B, &A, &init), CRYPTO_IN_REPLY);
	ck_assert_int_eq(deliver(&A, &B, &g_reply), CRYPTO_IN_REPLY);
	ka = g_reply; /* counter 0 */
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_gt(seal_seq(&A, &B, (uint32_t)i, &d[i]), 0);
	/* datagram i has counter i + 1 */
	top = n - 1;
	expect_data(&B, &A, &d[top], (uint32_t)top);
	expect_drop(&B, &A, &ka, CRYPTO_DROP_REPLAY); /* counter 0 is below the window now */
	expect_drop(&B, &A, &d[top - W], CRYPTO_DROP_REPLAY);
	expect_data(&B, &A, &d[top - W + 1], (uint32_t)(top - W + 1));
	for (size_t i = top - W + 2; i < top; i += 37)
		expect_data(&B, &A, &d[i], (uint32_t)i);
	free(d);
}
END_TEST

/* The counter limit, with a small limit: limit - 1 opens, limit does not. */
START_TEST(counter_limit)
{
	struct crypto_limits l;
	struct dg d;

	crypto_default_limits(&l);
	l.rekey_after_msgs = 5;
	l.reject_after_msgs = 10;
	nodes_start(&l, true, true);
	handshake(&A, &B);
	now += 1000; /* past the retry rule's second */
	for (uint32_t i = 1; i < 10; i++) {
		send_ok(&A, &B, i);
		ck_assert(g_want == (i == 5)); /* once: then an init is in flight */
		if (g_want)
			ck_assert_uint_eq(
				crypto_handshake_init(A.c, &B.ep.ip, g_init.b, now, wall_ns()),
				CRYPTO_INIT_LEN);
	}
	ck_assert_uint_eq(seal_seq(&A, &B, 10, &d), 0);
	/* a receiver refuses counters from its own limit on, tag or not */
	node_start(&A, NULL);
	node_start(&B, &l);
	handshake(&A, &B);
	for (uint32_t i = 1; i < 10; i++)
		send_ok(&A, &B, i);
	ck_assert_uint_gt(seal_seq(&A, &B, 10, &d), 0);
	expect_drop(&B, &A, &d, CRYPTO_DROP_UNKNOWN_SESSION);
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

	node_start(&B, NULL); /* B restarts */
	ck_assert_uint_gt(seal_seq(&A, &B, 2, &d2), 0);
	expect_drop(&B, &A, &d2, CRYPTO_DROP_UNKNOWN_SESSION);
	ck_assert(g_want); /* B knows it lost A */
	expect_drop(&B, &A, &d1, CRYPTO_DROP_UNKNOWN_SESSION);

	/* a captured init replayed to the new B: answered, never confirmed */
	ck_assert_int_eq(deliver(&B, &A, &old_init), CRYPTO_IN_REPLY);
	stray = g_reply;
	expect_drop(&A, &B, &stray, CRYPTO_DROP_UNKNOWN_SESSION);
	/* a handshake completed at B, but no session: nobody confirmed it */
	ck_assert_uint_eq(stats(&B).handshakes_completed, 1);
	ck_assert_uint_eq(stats(&B).sessions, 0);
	ck_assert_str_eq(crypto_cipher_name(B.c, &A.ep.ip), "none");
	ck_assert_uint_eq(seal_seq(&B, &A, 3, &d2), 0);
	ck_assert(!g_want); /* its own response is one round trip from confirmation */
	expect_drop(&B, &A, &old_init, CRYPTO_DROP_STALE);

	now += 1000;
	handshake(&A, &B);
	send_ok(&A, &B, 4);
	send_ok(&B, &A, 5);
	expect_drop(&B, &A, &d1, CRYPTO_DROP_UNKNOWN_SESSION);
	expect_drop(&B, &A, &old_init, CRYPTO_DROP_STALE);
	expect_drop(&A, &B, &stray, CRYPTO_DROP_UNKNOWN_SESSION);
}
END_TEST

/* The restarted side starts the handshake itself when it sees traffic it cannot open. */
START_TEST(receiver_restart_heals_from_traffic)
{
	struct dg d, init;

	handshake(&A, &B);
	node_start(&B, NULL);
	now += 5;
	ck_assert_uint_gt(seal_seq(&A, &B, 1, &d), 0);
	expect_drop(&B, &A, &d, CRYPTO_DROP_UNKNOWN_SESSION);
	ck_assert(g_want);
	make_init(&B, &A, &init);
	/* a second unknown datagram within the retry rule asks for nothing */
	expect_drop(&B, &A, &d, CRYPTO_DROP_UNKNOWN_SESSION);
	ck_assert(!g_want);
	ck_assert_int_eq(deliver(&A, &B, &init), CRYPTO_IN_REPLY);
	ck_assert_int_eq(deliver(&B, &A, &g_reply), CRYPTO_IN_REPLY);
	ck_assert_int_eq(deliver(&A, &B, &g_reply), CRYPTO_IN_CONSUMED);
	ck_assert_uint_eq(crypto_handshake_init(B.c, &A.ep.ip, init.b, now, wall_ns()), 0);
	send_ok(&A, &B, 2);
	send_ok(&B, &A, 3);
}
END_TEST

START_TEST(sender_restart)
{
	struct dg d1, unsent, old_init, d2;

	handshake(&A, &B);
	old_init = g_init;
	ck_assert_uint_gt(seal_seq(&A, &B, 1, &d1), 0);
	expect_data(&B, &A, &d1, 1);
	ck_assert_uint_gt(seal_seq(&A, &B, 2, &unsent), 0);

	node_start(&A, NULL); /* A restarts */
	now += 10;
	ck_assert_uint_gt(seal_seq(&B, &A, 3, &d2), 0);
	expect_drop(&A, &B, &d2, CRYPTO_DROP_UNKNOWN_SESSION);
	ck_assert(g_want);
	expect_drop(&B, &A, &old_init, CRYPTO_DROP_STALE);
	handshake(&A, &B);
	ck_assert_uint_eq(stats(&B).sessions, 2);

	send_ok(&A, &B, 4);
	send_ok(&B, &A, 5);
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

/* B moves to a new key; A learns it; how many datagrams are lost. */
START_TEST(key_rotation)
{
	struct dg d, init;
	uint32_t lost = 0, seq = 0;

	handshake(&A, &B);
	send_ok(&A, &B, seq++);
	now += 1000;
	set_key(&B, 0x55);
	ck_assert_int_eq(crypto_set_key(B.c, B.priv, now), 0);
	/* B's old session still carries data both ways, and B wants a new one */
	ck_assert_uint_gt(seal_seq(&B, &A, seq, &d), 0);
	ck_assert(g_want);
	expect_data(&A, &B, &d, seq++);
	send_ok(&A, &B, seq++);
	/* B's init under the new key: A does not list it yet */
	make_init(&B, &A, &init);
	expect_drop(&A, &B, &init, CRYPTO_DROP_UNKNOWN_KEY);
	/* A lists the new key: its sessions with B go at once */
	ck_assert_int_eq(crypto_peer_set(A.c, &B.ep.ip, B.pub), 0);
	for (int step = 0; step < 3; step++) {
		ck_assert_uint_gt(seal_seq(&B, &A, seq, &d), 0);
		if (deliver(&A, &B, &d) != CRYPTO_IN_DATA)
			lost++;
		if (g_want)
			handshake(&A, &B);
		seq++;
		if (seal_seq(&A, &B, seq, &d) == 0) {
			lost++;
			if (g_want)
				handshake(&A, &B);
		} else {
			expect_data(&B, &A, &d, seq);
		}
		seq++;
	}
	ck_assert_uint_le(lost, 2);
	send_ok(&A, &B, seq++);
	send_ok(&B, &A, seq++);
	ck_assert_str_ne(crypto_cipher_name(A.c, &B.ep.ip), "none");
	/* the old key no longer gets an init through */
	now += 5000;
	set_key(&B, 0x22);
	node_start(&B, NULL);
	make_init(&B, &A, &init);
	expect_drop(&A, &B, &init, CRYPTO_DROP_UNKNOWN_KEY);
}
END_TEST

START_TEST(set_key_edges)
{
	struct dg d;

	handshake(&A, &B);
	now += 1000;
	ck_assert_int_eq(crypto_set_key(A.c, A.priv, now), 0); /* the same: nothing */
	ck_assert_uint_gt(seal_seq(&A, &B, 1, &d), 0);
	ck_assert(!g_want);
	ck_assert_int_eq(crypto_set_key(A.c, C.priv, now), -EINVAL); /* a listed peer's */
	ck_assert_uint_gt(seal_seq(&A, &B, 2, &d), 0);
	ck_assert(!g_want);
	expect_data(&B, &A, &d, 2);
}
END_TEST

/* A peer's new key drops its sessions; the same key again changes nothing. */
START_TEST(peer_key_change)
{
	struct crypto_peer_info info;
	struct dg d;

	handshake(&A, &B);
	ck_assert_int_eq(crypto_peer_set(B.c, &A.ep.ip, A.pub), 0);
	send_ok(&A, &B, 1);
	ck_assert_int_eq(crypto_peer_set(B.c, &A.ep.ip, C.pub), 0);
	ck_assert_int_eq(crypto_peer_info(B.c, &A.ep.ip, now, &info), 0);
	ck_assert_mem_eq(info.pub, C.pub, 32);
	ck_assert_int_eq(info.state, CRYPTO_PEER_IDLE);
	ck_assert_uint_gt(seal_seq(&A, &B, 2, &d), 0);
	expect_drop(&B, &A, &d, CRYPTO_DROP_UNKNOWN_SESSION);
	ck_assert_uint_eq(seal_seq(&B, &A, 3, &d), 0);
	ck_assert(g_want);
}
END_TEST

START_TEST(forget_peer)
{
	struct crypto_peer_info info;
	struct dg d, init;

	handshake(&A, &B);
	ck_assert_uint_gt(seal_seq(&A, &B, 1, &d), 0);
	crypto_forget_peer(B.c, &A.ep.ip);
	ck_assert_int_eq(crypto_peer_info(B.c, &A.ep.ip, now, &info), -ENOENT);
	expect_drop(&B, &A, &d, CRYPTO_DROP_UNKNOWN_SESSION);
	ck_assert(!g_want);
	now += 5000;
	make_init(&A, &B, &init);
	expect_drop(&B, &A, &init, CRYPTO_DROP_UNKNOWN_PEER);
	ck_assert_uint_eq(crypto_handshake_init(B.c, &A.ep.ip, init.b, now, wall_ns()), 0);
	ck_assert_uint_eq(seal_seq(&B, &A, 1, &d), 0);
	ck_assert(!g_want);
	crypto_forget_peer(B.c, &A.ep.ip); /* twice: nothing */
	ck_assert_int_eq(crypto_peer_set(B.c, &A.ep.ip, A.pub), 0);
	now += 5000;
	handshake(&A, &B);
	send_ok(&B, &A, 2);
}
END_TEST

/* Variants of a good key text that must all be refused. */
static void bad_key_texts(const char *good, char out[][KEYTEXT_LEN + 8], size_t *n)
{
	uint8_t raw[CRYPTO_KEY_LEN + 3];
	size_t len = strlen(good);

	*n = 0;
	strcpy(out[(*n)++], "");
	strcpy(out[(*n)++], " \t\n");
	memset(raw, 0xa5, sizeof(raw));
	sodium_bin2base64(out[(*n)++], KEYTEXT_LEN, raw, CRYPTO_KEY_LEN - 1,
			  sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(out[(*n)++], KEYTEXT_LEN, raw, CRYPTO_KEY_LEN + 1,
			  sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(out[(*n)++], KEYTEXT_LEN, raw, CRYPTO_KEY_LEN + 3,
			  sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(out[(*n)++], KEYTEXT_LEN, raw, CRYPTO_KEY_LEN,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	memcpy(out[*n], good, len - 1); /* padding missing */
	out[(*n)++][len - 1] = '\0';
	strcpy(out[*n], good); /* URL-safe character */
	out[(*n)++][3] = '-';
	snprintf(out[(*n)++], KEYTEXT_LEN + 8, "%.20s %s", good, good + 20);
	snprintf(out[(*n)++], KEYTEXT_LEN + 8, "%sx", good);
	snprintf(out[(*n)++], KEYTEXT_LEN + 8, "%s\n=", good);
	snprintf(out[(*n)++], KEYTEXT_LEN + 8, "%sAAAA", good);
}

START_TEST(key_text)
{
	uint8_t key[CRYPTO_KEY_LEN], back[CRYPTO_KEY_LEN], zero[CRYPTO_KEY_LEN] = {0};
	char text[KEYTEXT_LEN], padded[KEYTEXT_LEN + 8];
	char bad[16][KEYTEXT_LEN + 8];
	size_t nbad;

	for (int i = 0; i < 64; i++) {
		randombytes_buf(key, sizeof(key));
		keytext_format(key, text);
		ck_assert_uint_eq(strlen(text), 44);
		ck_assert(keytext_parse(text, strlen(text), back));
		ck_assert_mem_eq(key, back, sizeof(key));
		snprintf(padded, sizeof(padded), " \t%s\r\n", text);
		ck_assert(keytext_parse(padded, strlen(padded), back));
		ck_assert_mem_eq(key, back, sizeof(key));
		bad_key_texts(text, bad, &nbad);
		for (size_t j = 0; j < nbad; j++) {
			memset(back, 0x5a, sizeof(back));
			ck_assert_msg(!keytext_parse(bad[j], strlen(bad[j]), back),
				      "accepted \"%s\"", bad[j]);
			ck_assert_mem_eq(back, zero, sizeof(zero));
		}
	}
	keytext_format(zero, text);
	ck_assert_str_eq(text, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
	ck_assert(!keytext_parse(text, strlen(text) - 1, back));
	ck_assert(keytext_parse("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=junk", 44, back));
	/* `vxtap --pubkey` of a known key: RFC 7748 section 6.1, Alice */
	ck_assert(keytext_parse("dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=", 44, key));
	crypto_public_key(key, back);
	keytext_format(back, text);
	ck_assert_str_eq(text, "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=");
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
		crypto_tick(A.c, now, NULL, NULL);
		crypto_tick(B.c, now, NULL, NULL);
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
	l.init_min_ms = 50;
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
	l.init_min_ms = 1;
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
	struct crypto_peer_info info;
	struct dg d;

	crypto_default_limits(&l);
	l.rekey_after_ms = 1000;
	l.reject_after_ms = 3000;
	nodes_start(&l, true, true);
	handshake(&A, &B);
	ck_assert_uint_eq(crypto_tick(A.c, now, NULL, NULL), now + 3000);
	now += 2999;
	ck_assert_uint_gt(seal_seq(&A, &B, 1, &d), 0);
	ck_assert(g_want);
	now += 1;
	expect_drop(&B, &A, &d, CRYPTO_DROP_UNKNOWN_SESSION);
	ck_assert_uint_eq(seal_seq(&A, &B, 2, &d), 0);
	ck_assert_uint_eq(seal_seq(&B, &A, 2, &d), 0);
	ck_assert_uint_eq(crypto_tick(A.c, now, NULL, NULL), UINT64_MAX);
	ck_assert_str_eq(crypto_cipher_name(A.c, &B.ep.ip), "none");
	ck_assert_int_eq(crypto_peer_info(A.c, &B.ep.ip, now, &info), 0);
	ck_assert_int_eq(info.state, CRYPTO_PEER_IDLE);
	handshake(&A, &B);
	send_ok(&A, &B, 3);
}
END_TEST

struct retries {
	struct node *from;
	const struct node *to;
	int calls;
	bool send;
};

static void on_retry(void *arg, const struct ipaddr *peer)
{
	struct retries *r = arg;
	uint8_t buf[CRYPTO_HS_MAX];

	ck_assert(memcmp(peer, &r->to->ep.ip, sizeof(*peer)) == 0);
	r->calls++;
	if (r->send)
		ck_assert_uint_eq(crypto_handshake_init(r->from->c, peer, buf, now, wall_ns()),
				  CRYPTO_INIT_LEN);
}

/* An init with no answer: sent again every 5 s from crypto_tick, given up after 90 s. */
START_TEST(retry_rule)
{
	struct retries r = {&A, &B, 0, true};
	struct crypto_peer_info info;
	uint64_t start = now, next;
	struct dg d, init;

	ck_assert_uint_eq(seal_seq(&A, &B, 1, &d), 0);
	ck_assert(g_want);
	make_init(&A, &B, &init);
	ck_assert_int_eq(crypto_peer_info(A.c, &B.ep.ip, now, &info), 0);
	ck_assert_int_eq(info.state, CRYPTO_PEER_HANDSHAKING);
	now += 4999;
	ck_assert_uint_eq(seal_seq(&A, &B, 1, &d), 0);
	ck_assert(!g_want);
	ck_assert_uint_eq(crypto_handshake_init(A.c, &B.ep.ip, init.b, now, wall_ns()), 0);
	ck_assert_uint_eq(crypto_tick(A.c, now, on_retry, &r), start + 5000);
	ck_assert_int_eq(r.calls, 0);
	while (now < start + 200000) {
		next = crypto_tick(A.c, now, on_retry, &r);
		if (next == UINT64_MAX)
			break;
		ck_assert_uint_gt(next, now);
		now = next;
	}
	/* 5 s, 10 s, ... 85 s: 17 retries, then the attempt is dropped at 90 s */
	ck_assert_int_eq(r.calls, 17);
	ck_assert_uint_eq(now, start + 90000);
	ck_assert_uint_eq(stats(&A).inits_sent, 18);
	ck_assert_int_eq(crypto_peer_info(A.c, &B.ep.ip, now, &info), 0);
	ck_assert_int_eq(info.state, CRYPTO_PEER_IDLE);
	/* traffic starts a new attempt at once */
	ck_assert_uint_eq(seal_seq(&A, &B, 1, &d), 0);
	ck_assert(g_want);
	handshake(&A, &B);
	ck_assert_int_eq(crypto_peer_info(A.c, &B.ep.ip, now, &info), 0);
	ck_assert_int_eq(info.state, CRYPTO_PEER_UP);
	ck_assert_uint_eq(info.last_handshake, now);
}
END_TEST

/* An init lost while the peer's own handshake brought a session up (both
 * started at once, one init lost): not sent again, and dropped at its
 * retry time. */
START_TEST(crossed_init_not_retried)
{
	struct retries r = {&A, &B, 0, true};
	struct crypto_peer_info info;
	struct dg lost;

	make_init(&A, &B, &lost);
	now += 10;
	handshake(&B, &A);
	ck_assert_int_eq(crypto_peer_info(A.c, &B.ep.ip, now, &info), 0);
	ck_assert_int_eq(info.state, CRYPTO_PEER_UP);
	ck_assert(info.rekeying);
	now += 5000;
	crypto_tick(A.c, now, on_retry, &r);
	ck_assert_int_eq(r.calls, 0);
	ck_assert_int_eq(crypto_peer_info(A.c, &B.ep.ip, now, &info), 0);
	ck_assert(!info.rekeying);
	ck_assert_uint_eq(stats(&A).inits_sent, 1);
	send_ok(&A, &B, 1);
	send_ok(&B, &A, 2);
}
END_TEST

/* After a cookie, the retry comes after init_min_ms (1 s), from tick too. */
START_TEST(retry_after_cookie)
{
	struct retries r = {&A, &B, 0, false};
	uint64_t t0;

	overload_b(5);
	get_cookie();
	t0 = now;
	ck_assert_uint_eq(crypto_tick(A.c, now, on_retry, &r), t0 + 1000);
	now = t0 + 1000;
	crypto_tick(A.c, now, on_retry, &r);
	ck_assert_int_eq(r.calls, 1);
	/* the shell did not send: tick looks again a second later */
	ck_assert_uint_eq(crypto_tick(A.c, now, NULL, NULL), now + 1000);
}
END_TEST

/* Our response waits for confirmation; meanwhile no init of our own. */
START_TEST(responder_waits_for_confirmation)
{
	struct dg init, resp, d;

	make_init(&A, &B, &init);
	ck_assert_int_eq(deliver(&B, &A, &init), CRYPTO_IN_REPLY);
	resp = g_reply;
	ck_assert_uint_eq(seal_seq(&B, &A, 1, &d), 0);
	ck_assert(!g_want);
	now += 4999;
	ck_assert_uint_eq(seal_seq(&B, &A, 1, &d), 0);
	ck_assert(!g_want);
	now += 1;
	ck_assert_uint_eq(seal_seq(&B, &A, 1, &d), 0);
	ck_assert(g_want);
	ck_assert_int_eq(deliver(&A, &B, &resp), CRYPTO_IN_REPLY);
	ck_assert_int_eq(deliver(&B, &A, &g_reply), CRYPTO_IN_CONSUMED);
	send_ok(&B, &A, 2);
}
END_TEST

/* The confirming keepalive lost: the first data confirms. */
START_TEST(data_confirms_response)
{
	struct dg init, d;

	make_init(&A, &B, &init);
	ck_assert_int_eq(deliver(&B, &A, &init), CRYPTO_IN_REPLY);
	ck_assert_int_eq(deliver(&A, &B, &g_reply), CRYPTO_IN_REPLY);
	ck_assert_str_eq(crypto_cipher_name(B.c, &A.ep.ip), "none");
	ck_assert_uint_gt(seal_seq(&A, &B, 1, &d), 0);
	expect_data(&B, &A, &d, 1);
	send_ok(&B, &A, 2);
}
END_TEST

/* Both start at once: both end up with working sessions. */
START_TEST(simultaneous_initiation)
{
	struct dg ia, ib, ra, rb, ka, kb;

	make_init(&A, &B, &ia);
	make_init(&B, &A, &ib);
	ck_assert_int_eq(deliver(&B, &A, &ia), CRYPTO_IN_REPLY);
	rb = g_reply;
	ck_assert_int_eq(deliver(&A, &B, &ib), CRYPTO_IN_REPLY);
	ra = g_reply;
	if (_i == 0) {
		ck_assert_int_eq(deliver(&A, &B, &rb), CRYPTO_IN_REPLY);
		ka = g_reply;
		ck_assert_int_eq(deliver(&B, &A, &ra), CRYPTO_IN_REPLY);
		kb = g_reply;
	} else {
		ck_assert_int_eq(deliver(&B, &A, &ra), CRYPTO_IN_REPLY);
		kb = g_reply;
		ck_assert_int_eq(deliver(&A, &B, &rb), CRYPTO_IN_REPLY);
		ka = g_reply;
	}
	if (_i != 2) {
		ck_assert_int_eq(deliver(&B, &A, &ka), CRYPTO_IN_CONSUMED);
		ck_assert_int_eq(deliver(&A, &B, &kb), CRYPTO_IN_CONSUMED);
	}
	for (uint32_t i = 0; i < 5; i++) {
		send_ok(&A, &B, i);
		send_ok(&B, &A, 100 + i);
	}
}
END_TEST

/* A response to an init that has been replaced is refused. */
START_TEST(stale_response_refused)
{
	struct dg i1, i2, r1;

	make_init(&A, &B, &i1);
	ck_assert_int_eq(deliver(&B, &A, &i1), CRYPTO_IN_REPLY);
	r1 = g_reply;
	now += 5000;
	make_init(&A, &B, &i2);
	expect_drop(&A, &B, &r1, CRYPTO_DROP_UNKNOWN_SESSION);
	ck_assert_int_eq(deliver(&B, &A, &i2), CRYPTO_IN_REPLY);
	ck_assert_int_eq(deliver(&A, &B, &g_reply), CRYPTO_IN_REPLY);
}
END_TEST

/* A response made for another init (its receiver index rewritten) does not verify. */
START_TEST(response_bound_to_init)
{
	struct dg ia, ic, rc;

	make_init(&A, &B, &ia);
	make_init(&A, &C, &ic);
	ck_assert_int_eq(deliver(&C, &A, &ic), CRYPTO_IN_REPLY);
	rc = g_reply;
	memcpy(rc.b + 8, ia.b + 4, 4);
	remac1(&rc, &A, RESP_MAC1);
	expect_drop(&A, &B, &rc, CRYPTO_DROP_HANDSHAKE);
	ck_assert_int_eq(deliver(&B, &A, &ia), CRYPTO_IN_REPLY);
	ck_assert_int_eq(deliver(&A, &B, &g_reply), CRYPTO_IN_REPLY);
}
END_TEST

START_TEST(noncanonical_addresses)
{
	struct endpoint odd = A.ep;
	struct dg d;

	odd.ip.a[10] = 0xee; /* bytes IPv4 does not use */
	handshake(&A, &B);
	ck_assert_uint_gt(seal_seq(&A, &B, 1, &d), 0);
	ck_assert_int_eq(deliver_from(&B, &odd, &d), CRYPTO_IN_DATA);
	ck_assert_int_eq(g_peer.a[10], 0); /* canonical */
}
END_TEST

START_TEST(drop_names)
{
	ck_assert_str_eq(crypto_drop_name(CRYPTO_DROP_NONE), "none");
	ck_assert_str_eq(crypto_drop_name(CRYPTO_DROP_BAD_TAG), "bad_tag");
	ck_assert_str_eq(crypto_drop_name(CRYPTO_DROP_BAD_MAC1), "bad_mac1");
	ck_assert_str_eq(crypto_drop_name(CRYPTO_DROP_COOKIE), "cookie");
	ck_assert_str_eq(crypto_drop_name(CRYPTO_DROP__COUNT), "unknown");
	for (int d = 1; d < CRYPTO_DROP__COUNT; d++) {
		ck_assert_str_ne(crypto_drop_name((enum crypto_drop)d), "unknown");
		for (int e = 1; e < d; e++)
			ck_assert_str_ne(crypto_drop_name((enum crypto_drop)d),
					 crypto_drop_name((enum crypto_drop)e));
	}
}
END_TEST

/* --- memory ---------------------------------------------------------------- */

static size_t count_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	size_t n = 0;
	int ch;

	ck_assert_ptr_nonnull(f);
	while ((ch = fgetc(f)) != EOF)
		n += ch == '\n';
	fclose(f);
	return n;
}

/* 1,000 peers with a live session each at one node: its memory mappings
 * do not grow with them (no guarded allocation per peer or session). One
 * initiator plays every peer in turn, moving to each peer's key. */
START_TEST(thousand_peers_few_mappings)
{
	const size_t npeers = 1000;
	struct crypto_limits l;
	struct node I = A;
	size_t before = 0, after;
	struct crypto_stats st;

	crypto_default_limits(&l);
	l.hs_burst = 1000000;
	node_start(&B, &l);
	I.c = NULL;
	for (size_t i = 0; i < npeers; i++) {
		uint8_t ip4[4] = {10, 1, (uint8_t)(i >> 8), (uint8_t)i};

		memset(&I.ep.ip, 0, sizeof(I.ep.ip));
		ipaddr_from_v4(&I.ep.ip, ip4);
		memset(I.priv, 0, sizeof(I.priv));
		memcpy(I.priv, &i, sizeof(i));
		I.priv[31] = 0x5a;
		crypto_public_key(I.priv, I.pub);
		if (!I.c) {
			I.c = crypto_new(I.priv, NULL, true, &l, det_random, &I.rng);
			ck_assert_int_eq(crypto_peer_set(I.c, &B.ep.ip, B.pub), 0);
		} else {
			ck_assert_int_eq(crypto_set_key(I.c, I.priv, now), 0);
		}
		ck_assert_int_eq(crypto_peer_set(B.c, &I.ep.ip, I.pub), 0);
		handshake(&I, &B);
		now += 1;
		if (i == 0)
			before = count_maps();
	}
	after = count_maps();
	st = stats(&B);
	ck_assert_uint_eq(st.sessions, npeers);
	fprintf(stderr, "check_crypto: %zu peers with a session: %zu memory mappings, %zu at one\n",
		npeers, after, before);
	ck_assert_uint_le(after, before + 32);
	crypto_free(I.c);
}
END_TEST

static Suite *crypto_suite(void)
{
	Suite *s = suite_create("crypto");
	TCase *hs = tcase_create("handshake"), *id = tcase_create("identity"),
	      *ts = tcase_create("timestamps"), *tamper = tcase_create("tampering"),
	      *load = tcase_create("load"), *replay = tcase_create("replay"),
	      *restart = tcase_create("restart"), *keys = tcase_create("keys"),
	      *life = tcase_create("life"), *mem = tcase_create("memory");
	TCase *all[] = {hs, id, ts, tamper, load, replay, restart, keys, life, mem};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		tcase_add_checked_fixture(all[i], setup, teardown);
	tcase_add_test(hs, handshake_then_data_both_ways);
	tcase_add_test(hs, wire_format_as_documented);
	tcase_add_test(hs, crafted_init_accepted);
	tcase_add_test(hs, ephemerals_fresh);
	tcase_add_loop_test(hs, cipher_selection, 0, sizeof(cipher_vec) / sizeof(cipher_vec[0]));
	tcase_add_loop_test(hs, in_place_with_headroom, 0, 2);
	tcase_add_test(hs, psk);
	tcase_add_test(hs, public_keys);
	tcase_add_loop_test(hs, simultaneous_initiation, 0, 3);
	tcase_add_test(hs, responder_waits_for_confirmation);
	tcase_add_test(hs, data_confirms_response);
	tcase_add_test(hs, stale_response_refused);
	tcase_add_test(hs, response_bound_to_init);

	tcase_add_test(id, unlisted_key_refused);
	tcase_add_test(id, listed_key_from_other_address);
	tcase_add_test(id, unknown_peer_refused);
	tcase_add_test(id, init_bound_to_responder);
	tcase_add_test(id, data_bound_to_address);
	tcase_add_test(id, noncanonical_addresses);

	tcase_add_test(ts, replayed_init_is_stale);
	tcase_add_test(ts, timestamp_per_key);
	tcase_add_test(ts, future_timestamp);
	tcase_add_test(ts, init_payload_checked);

	tcase_add_loop_test(tamper, tampered_data_never_opens, 0, 2);
	tcase_add_test(tamper, tampered_init_refused);
	tcase_add_test(tamper, init_mac2_only_under_load);
	tcase_add_test(tamper, tampered_response_refused);
	tcase_add_loop_test(tamper, bad_datagrams, 0, sizeof(bad_vec) / sizeof(bad_vec[0]));
	tcase_add_test(tamper, response_reserved_fields);

	tcase_add_test(load, cookie_under_load);
	tcase_add_test(load, cookie_before_identity);
	tcase_add_test(load, load_comes_and_goes);
	tcase_add_test(load, cookie_reply_checks);
	tcase_add_test(load, cookie_lifetimes);
	tcase_add_test(load, retry_after_cookie);

	tcase_add_test(replay, replay_and_reordering);
	tcase_add_loop_test(replay, replay_window_table, 0,
			    sizeof(replay_vec) / sizeof(replay_vec[0]));
	tcase_add_test(replay, replay_window_model);
	tcase_add_test(replay, replay_window_through_sessions);
	tcase_add_test(replay, counter_limit);

	tcase_add_test(restart, receiver_restart);
	tcase_add_test(restart, receiver_restart_heals_from_traffic);
	tcase_add_test(restart, sender_restart);

	tcase_add_test(keys, key_rotation);
	tcase_add_test(keys, set_key_edges);
	tcase_add_test(keys, peer_key_change);
	tcase_add_test(keys, forget_peer);
	tcase_add_test(keys, key_text);
	tcase_add_test(keys, drop_names);

	tcase_add_test(life, rekey_after_time);
	tcase_add_test(life, rekey_after_messages);
	tcase_add_test(life, responder_rekeys_later);
	tcase_add_test(life, reject_after_time);
	tcase_add_test(life, retry_rule);
	tcase_add_test(life, crossed_init_not_retried);

	tcase_set_timeout(mem, 60);
	tcase_add_test(mem, thousand_peers_few_mappings);
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		suite_add_tcase(s, all[i]);
	return s;
}

int main(void)
{
	if (sodium_init() < 0)
		return EXIT_FAILURE;
	return check_run(crypto_suite());
}
