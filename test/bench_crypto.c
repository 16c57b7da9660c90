/* bench_crypto: what a responder spends per init (answered, refused at mac1, answered with a
 * cookie under load, garbage past mac1) and per data datagram, on one core. Not a test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <sodium.h>

#include "crypto.h"

#define WALL0 UINT64_C(1700000000000000000)

static uint64_t clock_ms = 1000; /* the injected clock; wall = WALL0 + it */

static uint64_t wall(void)
{
	return WALL0 + clock_ms * 1000000;
}

static void rnd(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	randombytes_buf(buf, len);
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void ep_v4(struct endpoint *ep, uint8_t last)
{
	const uint8_t a[4] = {192, 168, 56, last};

	memset(ep, 0, sizeof(*ep));
	ipaddr_from_v4(&ep->ip, a);
	ep->port = 8472;
}

struct node {
	struct crypto *c;
	uint8_t priv[32], pub[32];
	struct endpoint ep;
};

static void node_new(struct node *n, uint8_t id, const struct crypto_limits *l)
{
	randombytes_buf(n->priv, sizeof(n->priv));
	crypto_public_key(n->priv, n->pub);
	ep_v4(&n->ep, id);
	n->c = crypto_new(n->priv, NULL, true, l, rnd, NULL);
	if (!n->c) {
		fprintf(stderr, "bench_crypto: out of memory\n");
		exit(1);
	}
}

/* n inits from i to r, each one a later handshake (its own timestamp). */
static uint8_t (*make_inits(struct node *i, const struct node *r, size_t n))[CRYPTO_HS_MAX]
{
	uint8_t(*m)[CRYPTO_HS_MAX] = calloc(n, sizeof(*m));

	for (size_t k = 0; k < n; k++, clock_ms += 5000)
		if (!m || crypto_handshake_init(i->c, &r->ep.ip, m[k], clock_ms, wall()) == 0)
			exit(1);
	return m;
}

/* Open each of the n inits at r, from src; the time per init in us. */
static double open_all(struct node *r, const struct endpoint *src, uint8_t (*m)[CRYPTO_HS_MAX],
		       size_t n, enum crypto_in want, size_t want_len)
{
	uint8_t reply[CRYPTO_HS_MAX], buf[CRYPTO_HS_MAX];
	const uint8_t *pt;
	size_t rlen, ptlen;
	struct ipaddr who;
	enum crypto_drop why;
	bool wh;
	double t0 = now_us();

	for (size_t k = 0; k < n; k++) {
		memcpy(buf, m[k], CRYPTO_INIT_LEN);
		if (crypto_open(r->c, src, buf, CRYPTO_INIT_LEN, clock_ms, wall(), reply, &rlen,
				&pt, &ptlen, &who, &wh, &why) != want ||
		    rlen != want_len) {
			fprintf(stderr, "bench_crypto: unexpected answer at %zu (%s)\n", k,
				crypto_drop_name(why));
			exit(1);
		}
	}
	return (now_us() - t0) / (double)n;
}

static double data_us(struct node *a, struct node *b, size_t len, size_t n)
{
	uint8_t *buf = malloc(len + CRYPTO_OVERHEAD), reply[CRYPTO_HS_MAX];
	const uint8_t *pt;
	size_t rlen, ptlen, sl;
	struct ipaddr who;
	enum crypto_drop why;
	bool want;
	double t0;

	if (!buf)
		exit(1);
	memset(buf, 0x5a, len + CRYPTO_OVERHEAD);
	t0 = now_us();
	for (size_t k = 0; k < n; k++) {
		sl = crypto_seal(a->c, &b->ep.ip, buf + CRYPTO_HEADROOM, len, buf, clock_ms, &want,
				 &why);
		if (sl == 0 || crypto_open(b->c, &a->ep, buf, sl, clock_ms, wall(), reply, &rlen,
					   &pt, &ptlen, &who, &want, &why) != CRYPTO_IN_DATA)
			exit(1);
	}
	free(buf);
	return (now_us() - t0) / (double)n;
}

/* One full handshake a -> b, for the data measurement. */
static void handshake(struct node *a, struct node *b)
{
	uint64_t now = clock_ms;

	uint8_t m[CRYPTO_HS_MAX], r1[CRYPTO_HS_MAX], r2[CRYPTO_HS_MAX];
	const uint8_t *pt;
	size_t n, l1, l2, ptlen;
	struct ipaddr who;
	enum crypto_drop why;
	bool want;

	n = crypto_handshake_init(a->c, &b->ep.ip, m, now, WALL0 + now * 1000000);
	if (!n ||
	    crypto_open(b->c, &a->ep, m, n, now, WALL0 + now * 1000000, r1, &l1, &pt, &ptlen, &who,
			&want, &why) != CRYPTO_IN_REPLY ||
	    crypto_open(a->c, &b->ep, r1, l1, now, WALL0 + now * 1000000, r2, &l2, &pt, &ptlen,
			&who, &want, &why) != CRYPTO_IN_REPLY ||
	    crypto_open(b->c, &a->ep, r2, l2, now, WALL0 + now * 1000000, r1, &l1, &pt, &ptlen,
			&who, &want, &why) != CRYPTO_IN_CONSUMED)
		exit(1);
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 2000;
	struct crypto_limits open, loaded;
	struct node a, b, busy;
	uint8_t(*inits)[CRYPTO_HS_MAX];
	double hs, bad_mac1, cookie, garbage, stranger;
	struct endpoint nowhere;

	if (sodium_init() < 0 || n == 0)
		return 1;
	crypto_default_limits(&open);
	open.hs_burst = UINT32_MAX; /* never under load */
	loaded = open;
	loaded.hs_rate = 0;
	loaded.hs_burst = 0; /* always under load */
	node_new(&a, 42, NULL);
	node_new(&b, 41, &open);
	node_new(&busy, 41, &loaded);
	if (crypto_peer_set(a.c, &b.ep.ip, b.pub) || crypto_peer_set(b.c, &a.ep.ip, a.pub) ||
	    crypto_peer_set(busy.c, &a.ep.ip, a.pub))
		return 1;
	/* busy has b's address but its own key: a's inits are encrypted to b */
	inits = make_inits(&a, &b, n);
	hs = open_all(&b, &a.ep, inits, n, CRYPTO_IN_REPLY, CRYPTO_RESP_LEN);
	bad_mac1 = open_all(&busy, &a.ep, inits, n, CRYPTO_IN_DROP, 0);
	ep_v4(&nowhere, 99);
	stranger = open_all(&b, &nowhere, inits, n, CRYPTO_IN_DROP, 0);
	free(inits);

	/* cookies: a's inits made for busy's key, busy always under load */
	crypto_forget_peer(a.c, &b.ep.ip);
	if (crypto_peer_set(a.c, &b.ep.ip, busy.pub))
		return 1;
	inits = make_inits(&a, &busy, n);
	cookie = open_all(&busy, &a.ep, inits, n, CRYPTO_IN_REPLY, CRYPTO_COOKIE_LEN);
	/* past mac1 without load, but not decrypting: someone who knows only b's public key */
	for (size_t k = 0; k < n; k++)
		randombytes_buf(inits[k] + 8, 109);
	crypto_free(busy.c);
	node_new(&busy, 41, &open);
	if (crypto_peer_set(busy.c, &a.ep.ip, a.pub))
		return 1;
	{
		/* mac1 over the garbage, keyed with busy's public key */
		uint8_t k1[32], in[13 + 32];

		memcpy(in, "vxtap mac1 v2", 13);
		memcpy(in + 13, busy.pub, 32);
		crypto_generichash(k1, 32, in, sizeof(in), NULL, 0);
		for (size_t k = 0; k < n; k++)
			crypto_generichash(inits[k] + 117, 16, inits[k], 117, k1, 32);
	}
	garbage = open_all(&busy, &a.ep, inits, n, CRYPTO_IN_DROP, 0);
	free(inits);

	printf("responder, per init (%zu each, one core):\n", n);
	printf("  answered (full handshake, response built)   %8.1f us  %8.0f /s\n", hs, 1e6 / hs);
	printf("  mac1 fails (made for another node)          %8.2f us  %8.0f /s\n", bad_mac1,
	       1e6 / bad_mac1);
	printf("  under load, answered with a cookie reply    %8.2f us  %8.0f /s\n", cookie,
	       1e6 / cookie);
	printf("  valid mac1, garbage after it (no load)      %8.1f us  %8.0f /s\n", garbage,
	       1e6 / garbage);
	printf("  from an address not listed                  %8.2f us  %8.0f /s\n", stranger,
	       1e6 / stranger);

	/* data: seal + open of one datagram, each cipher */
	crypto_forget_peer(a.c, &b.ep.ip);
	if (crypto_peer_set(a.c, &b.ep.ip, b.pub))
		return 1;
	clock_ms += 5000;
	handshake(&a, &b);
	printf("data, seal + open, %s:\n", crypto_cipher_name(a.c, &b.ep.ip));
	printf("  1400 bytes %6.2f us   64 bytes %6.2f us\n", data_us(&a, &b, 1400, 20000),
	       data_us(&a, &b, 64, 20000));
	crypto_free(a.c);
	crypto_free(b.c);
	crypto_free(busy.c);
	return 0;
}
