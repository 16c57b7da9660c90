/* fuzz_crypto: secure-mode opening, handshake and data, at a responder with listed peers and
 * a live session.
 * Input: byte 0 picks the sender (listed peer, another listed address, a stranger) and a
 * clock step; byte 1 picks what the rest becomes:
 *   0 the datagram as it is;
 *   1 the datagram with its mac1 made valid (an init or response gets into Noise);
 *   2 a plaintext the peer seals under the live session (the data path that opens);
 *   3 timestamp (12) | flags (1) | sender index (4) of an init that the peer really makes;
 *   4 a response or cookie reply to an init the responder sent, its index and mac1 fixed;
 *   5 a datagram the peer seals, then changed at one byte or replayed (the opening checks);
 *   6 a change the shell can make: peers forgotten and listed again, a peer's key changed, the
 *     responder's own key rotated, a tick that retries, its peer's state read. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <sodium.h>

#include "crypto.h"
#include "noise.h"

#define WALL0 UINT64_C(1700000000000000000)
#define MAXDG 2048

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reproducible randomness: a counter through ChaCha20. */
static void det_random(void *ctx, void *buf, size_t len)
{
	uint64_t *n = ctx;
	uint8_t seed[randombytes_SEEDBYTES] = {0x5e};

	memcpy(seed + 1, n, sizeof(*n));
	(*n)++;
	randombytes_buf_deterministic(buf, len, seed);
}

struct side {
	struct crypto *c;
	uint8_t priv[CRYPTO_KEY_LEN], pub[CRYPTO_KEY_LEN];
	struct endpoint ep;
	uint64_t rng;
};

static struct side resp, peer; /* the responder under test, and its peer */
static struct endpoint other, stranger;
static uint8_t third_pub[CRYPTO_KEY_LEN], keys[2][CRYPTO_KEY_LEN];
static uint8_t last[MAXDG + CRYPTO_OVERHEAD]; /* the last datagram the peer sealed */
static size_t last_len;
static unsigned key_at; /* which of keys[] the responder has */
static uint64_t now = 1000;
static bool ready;

static void ep_v4(struct endpoint *ep, uint8_t host)
{
	const uint8_t a[4] = {192, 168, 56, host};

	memset(ep, 0, sizeof(*ep));
	ipaddr_from_v4(&ep->ip, a);
	ep->port = 8472;
}

static uint64_t wall(void)
{
	return WALL0 + now * 1000000;
}

static void setup(void)
{
	static const uint8_t psk[CRYPTO_KEY_LEN] = {9, 9, 9};
	struct crypto_limits l;
	uint8_t third[CRYPTO_KEY_LEN];

	if (ready)
		return;
	if (sodium_init() < 0)
		__builtin_trap();
	crypto_default_limits(&l);
	/* short lives and small budgets, so that expiry and load are reached */
	l.rekey_after_ms = 20000;
	l.reject_after_ms = 30000;
	l.hs_rate = 4;
	l.hs_burst = 3;
	l.hs_peer_rate = 2;
	l.hs_peer_burst = 2;
	memset(keys[0], 0x21, sizeof(keys[0]));
	memset(keys[1], 0x24, sizeof(keys[1]));
	memcpy(resp.priv, keys[0], sizeof(resp.priv));
	memset(peer.priv, 0x42, sizeof(peer.priv));
	memset(third, 0x63, sizeof(third));
	crypto_public_key(resp.priv, resp.pub);
	crypto_public_key(peer.priv, peer.pub);
	crypto_public_key(third, third_pub);
	ep_v4(&resp.ep, 41);
	ep_v4(&peer.ep, 42);
	ep_v4(&other, 43);
	ep_v4(&stranger, 99);
	resp.c = crypto_new(resp.priv, psk, true, &l, det_random, &resp.rng);
	peer.c = crypto_new(peer.priv, psk, true, NULL, det_random, &peer.rng);
	if (!resp.c || !peer.c || crypto_peer_set(resp.c, &peer.ep.ip, peer.pub) != 0 ||
	    crypto_peer_set(resp.c, &other.ip, third_pub) != 0 ||
	    crypto_peer_set(peer.c, &resp.ep.ip, resp.pub) != 0)
		__builtin_trap();
	ready = true;
}

/* Open dgram at s from src and check what comes back. */
static enum crypto_in open_checked(struct side *s, const struct endpoint *src, uint8_t *dgram,
				   size_t len, uint8_t reply[CRYPTO_HS_MAX], size_t *rlen)
{
	struct crypto_stats before, after;
	const uint8_t *pt;
	size_t ptlen;
	struct ipaddr who;
	enum crypto_drop why;
	enum crypto_in r;
	uint64_t sum_b = 0, sum_a = 0;
	bool want;

	crypto_get_stats(s->c, &before);
	r = crypto_open(s->c, src, dgram, len, now, wall(), reply, rlen, &pt, &ptlen, &who, &want,
			&why);
	crypto_get_stats(s->c, &after);
	for (int d = 0; d < CRYPTO_DROP__COUNT; d++) {
		sum_b += before.drops[d];
		sum_a += after.drops[d];
	}
	switch (r) {
	case CRYPTO_IN_DROP:
		if (why == CRYPTO_DROP_NONE || why >= CRYPTO_DROP__COUNT || who.family != 0 ||
		    *rlen != 0 || after.drops[why] != before.drops[why] + 1 || sum_a != sum_b + 1)
			__builtin_trap();
		break;
	case CRYPTO_IN_DATA:
		if (pt < dgram || ptlen == 0 || pt + ptlen > dgram + len || who.family == 0)
			__builtin_trap();
		/* fall through */
	case CRYPTO_IN_CONSUMED:
	case CRYPTO_IN_REPLY:
		if (why != CRYPTO_DROP_NONE || sum_a != sum_b)
			__builtin_trap();
		if (r == CRYPTO_IN_REPLY && *rlen != CRYPTO_OVERHEAD &&
		    *rlen != CRYPTO_COOKIE_LEN && *rlen != CRYPTO_RESP_LEN)
			__builtin_trap();
		if (r != CRYPTO_IN_REPLY && *rlen != 0)
			__builtin_trap();
		/* only a cookie reply, sent or received, names nobody */
		if (who.family == 0 && *rlen != CRYPTO_COOKIE_LEN &&
		    after.cookie_replies_received == before.cookie_replies_received)
			__builtin_trap();
		break;
	default:
		__builtin_trap();
	}
	return r;
}

/* from (at from_ep) sends an init to to, and the messages go back and
 * forth until nothing more answers: a response, a cookie reply (then the
 * next init carries mac2), the confirming keepalive. */
static void handshake(struct side *from, struct side *to)
{
	uint8_t a[CRYPTO_HS_MAX], b[CRYPTO_HS_MAX];
	struct side *at = to, *back = from;
	size_t n, rlen;

	n = crypto_handshake_init(from->c, &to->ep.ip, a, now, wall());
	for (int hop = 0; n && hop < 3; hop++) {
		if (open_checked(at, &back->ep, a, n, b, &rlen) != CRYPTO_IN_REPLY)
			return;
		memcpy(a, b, rlen);
		n = rlen;
		at = at == to ? from : to;
		back = back == to ? from : to;
	}
}

/* Keep a session between peer and resp, as a live network would. */
static void keep_session(void)
{
	struct crypto_peer_info info;

	if (crypto_peer_info(resp.c, &peer.ep.ip, now, &info) != 0)
		__builtin_trap();
	if (info.state != CRYPTO_PEER_UP)
		handshake(&peer, &resp);
}

static void retry(void *arg, const struct ipaddr *ip)
{
	(void)arg;
	if (ip->family != AF_INET || ip->a[3] != 42)
		return; /* the other listed address has nobody behind it */
	handshake(&resp, &peer);
}

/* Mode 6. */
static void change(uint8_t op)
{
	struct crypto_peer_info info;

	switch (op % 5) {
	case 0:
		crypto_forget_peer(resp.c, &peer.ep.ip);
		if (crypto_peer_info(resp.c, &peer.ep.ip, now, &info) != -ENOENT ||
		    crypto_peer_set(resp.c, &peer.ep.ip, peer.pub) != 0)
			__builtin_trap();
		break;
	case 1:
		if (crypto_peer_set(resp.c, &peer.ep.ip, third_pub) != 0 ||
		    crypto_peer_info(resp.c, &peer.ep.ip, now, &info) != 0 ||
		    info.state == CRYPTO_PEER_UP ||
		    crypto_peer_set(resp.c, &peer.ep.ip, peer.pub) != 0)
			__builtin_trap();
		break;
	case 2:
		key_at ^= 1;
		memcpy(resp.priv, keys[key_at], sizeof(resp.priv));
		crypto_public_key(resp.priv, resp.pub);
		if (crypto_set_key(resp.c, resp.priv, now) != 0 ||
		    crypto_peer_set(peer.c, &resp.ep.ip, resp.pub) != 0)
			__builtin_trap();
		break;
	case 3:
		crypto_tick(resp.c, now, retry, NULL);
		crypto_tick(peer.c, now, NULL, NULL);
		break;
	default:
		if (crypto_set_key(resp.c, resp.priv, now) != 0 ||
		    crypto_peer_info(resp.c, &peer.ep.ip, now, &info) != 0 ||
		    (info.state == CRYPTO_PEER_UP) == (strcmp(info.cipher, "none") == 0))
			__builtin_trap();
		break;
	}
}

/* Mode 5: the last sealed datagram again, or a new one changed at one byte. */
static void mutate(const uint8_t *in, size_t n, const struct endpoint *src)
{
	uint8_t dg[MAXDG + CRYPTO_OVERHEAD], reply[CRYPTO_HS_MAX];
	size_t len, rlen;
	enum crypto_drop why;
	bool want;

	if (n >= 3 && in[0] & 1) {
		len = crypto_seal(peer.c, &resp.ep.ip, in + 3, n - 3, dg, now, &want, &why);
		if (len == 0)
			return;
		memcpy(last, dg, len);
		last_len = len;
		dg[in[1] % len] ^= in[2] ? in[2] : 1;
		if (open_checked(&resp, src, dg, len, reply, &rlen) == CRYPTO_IN_DATA)
			__builtin_trap(); /* a changed datagram never opens */
		return;
	}
	if (last_len) {
		memcpy(dg, last, last_len);
		open_checked(&resp, src, dg, last_len, reply, &rlen);
	}
}

static void fix_mac1(uint8_t *d, size_t len, const uint8_t to_pub[CRYPTO_KEY_LEN])
{
	static const char label[] = "vxtap mac1 v2";
	uint8_t k[32], in[sizeof(label) - 1 + CRYPTO_KEY_LEN];
	size_t at = len == CRYPTO_INIT_LEN ? 117 : len == CRYPTO_RESP_LEN ? 61 : 0;

	if (at == 0)
		return;
	memcpy(in, label, sizeof(label) - 1);
	memcpy(in + sizeof(label) - 1, to_pub, CRYPTO_KEY_LEN);
	crypto_generichash(k, sizeof(k), in, sizeof(in), NULL, 0);
	crypto_generichash(d + at, 16, d, at, k, sizeof(k));
}

/* Mode 3: an init from the peer's key with fuzzed timestamp, flags and index. */
static size_t peer_init(const uint8_t *in, size_t n, uint8_t *out)
{
	static const char prologue[] = "vxtap secure mode, wire version 2";
	static const uint8_t psk[CRYPTO_KEY_LEN] = {9, 9, 9};
	uint8_t pl[13] = {0}, e[32];
	struct noise_hs hs;

	memcpy(pl, in, n < sizeof(pl) ? n : sizeof(pl));
	memset(out, 0, CRYPTO_INIT_LEN);
	out[0] = 0xA1;
	out[1] = 2;
	if (n > 13)
		memcpy(out + 4, in + 13, n - 13 < 4 ? n - 13 : 4);
	noise_hs_init(&hs, true, true, (const uint8_t *)prologue, sizeof(prologue) - 1, peer.priv,
		      peer.pub, resp.pub, psk);
	det_random(&peer.rng, e, sizeof(e));
	noise_hs_set_ephemeral(&hs, e);
	if (noise_write_message(&hs, 0, pl, sizeof(pl), out + 8) != 109)
		__builtin_trap();
	noise_hs_wipe(&hs);
	fix_mac1(out, CRYPTO_INIT_LEN, resp.pub);
	return CRYPTO_INIT_LEN;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct endpoint *const senders[] = {&peer.ep, &peer.ep, &other, &stranger};
	uint8_t dg[MAXDG + CRYPTO_OVERHEAD], reply[CRYPTO_HS_MAX], init[CRYPTO_HS_MAX];
	const struct endpoint *src;
	size_t len, rlen, n;
	enum crypto_drop why;
	bool want;

	if (size < 2 || size - 2 > MAXDG - 3)
		return 0;
	setup();
	now += (uint64_t)(data[0] >> 2) * 250;
	src = senders[data[0] & 3];
	if (data[0] >> 2 == 63)
		crypto_tick(resp.c, now, NULL, NULL);
	keep_session();
	data += 2, size -= 2;
	switch (data[-1] % 7) {
	case 0:
	case 1:
		memcpy(dg, data, size);
		if (data[-1] % 7 == 1)
			fix_mac1(dg, size, resp.pub);
		open_checked(&resp, src, dg, size, reply, &rlen);
		break;
	case 2:
		len = crypto_seal(peer.c, &resp.ep.ip, data, size, dg, now, &want, &why);
		if (len == 0)
			break;
		if (len != size + CRYPTO_OVERHEAD)
			__builtin_trap();
		memcpy(last, dg, len);
		last_len = len;
		if (open_checked(&resp, src, dg, len, reply, &rlen) == CRYPTO_IN_DATA &&
		    memcmp(dg + CRYPTO_HEADROOM, data, size) != 0)
			__builtin_trap();
		break;
	case 3:
		len = peer_init(data, size, dg);
		if (open_checked(&resp, src, dg, len, reply, &rlen) == CRYPTO_IN_REPLY &&
		    rlen == CRYPTO_RESP_LEN)
			open_checked(&peer, &resp.ep, reply, rlen, init, &n);
		break;
	case 5:
		mutate(data, size, src);
		break;
	case 6:
		change(size ? data[0] : 0);
		break;
	default:
		n = crypto_handshake_init(resp.c, &peer.ep.ip, init, now, wall());
		memcpy(dg, data, size);
		/* a response names the init at 8, a cookie reply at 4 */
		if (n && size >= 12)
			memcpy(dg + (dg[0] == 0xA2 ? 8 : 4), init + 4, 4);
		fix_mac1(dg, size, resp.pub);
		open_checked(&resp, src, dg, size, reply, &rlen);
		break;
	}
	return 0;
}
