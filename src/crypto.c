/* crypto: per-node keys, Noise IKpsk2 handshakes, cookies, sessions, the replay window, sealing
 * and opening datagrams. */
#include "crypto.h"

#include "bytes.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "noise.h"
#include "table.h"

#define TYPE_INIT   0xA1
#define TYPE_RESP   0xA2
#define TYPE_COOKIE 0xA3
#define TYPE_DATA   0xA4
#define TYPE_I	    0x08 /* the VXLAN I flag: plain VXLAN */

#define HDR_LEN	   4
#define IDX_LEN	   4
#define TAG_LEN	   16
#define MAC_LEN	   16
#define TAI64N_LEN 12
#define FLAG_AES   0x01

/* Init: header, sender index, ephemeral, static, payload, mac1, mac2. */
#define INIT_SIDX    4
#define INIT_EPH     8
#define INIT_PAYLOAD 88
#define INIT_PT_LEN  (TAI64N_LEN + 1)
#define INIT_MAC1    117
#define INIT_MAC2    133
/* Response: header, sender index, receiver index, ephemeral, payload, mac1, mac2. */
#define RESP_SIDX 4
#define RESP_RIDX 8
#define RESP_EPH  12
#define RESP_MAC1 61
#define RESP_MAC2 77
/* Cookie reply: header, receiver index, nonce, sealed cookie. */
#define COOKIE_RIDX	    4
#define COOKIE_NONCE	    8
#define COOKIE_BOX	    32
#define COOKIE_NONCE_RANDOM 16 /* then 8 bytes of counter */
/* Data: header, receiver index, counter. */
#define DATA_RIDX 4
#define DATA_CTR  8
#define DATA_HLEN CRYPTO_HEADROOM

#define TAI64_BASE    (UINT64_C(1) << 62)
#define NS_PER_S      UINT64_C(1000000000)
#define UNDER_LOAD_MS 1000 /* how long load lasts after the bucket was found empty */

/* Slabs of secret slots: 256 slots, then doubling up to 8192 a chunk. */
#define SLAB_FIRST	256
#define SLAB_MAX_SHIFT	5
#define SLAB_MAX_CHUNKS 64

_Static_assert(INIT_PAYLOAD == INIT_EPH + NOISE_DHLEN + NOISE_DHLEN + TAG_LEN, "init layout");
_Static_assert(INIT_MAC1 == INIT_PAYLOAD + INIT_PT_LEN + TAG_LEN, "init layout");
_Static_assert(INIT_MAC2 + MAC_LEN == CRYPTO_INIT_LEN, "init length");
_Static_assert(RESP_MAC1 == RESP_EPH + NOISE_DHLEN + 1 + TAG_LEN, "response layout");
_Static_assert(RESP_MAC2 + MAC_LEN == CRYPTO_RESP_LEN, "response length");
_Static_assert(COOKIE_BOX == COOKIE_NONCE + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
	       "cookie layout");
_Static_assert(COOKIE_BOX + MAC_LEN + TAG_LEN == CRYPTO_COOKIE_LEN, "cookie length");
_Static_assert(CRYPTO_INIT_LEN <= CRYPTO_HS_MAX && CRYPTO_RESP_LEN <= CRYPTO_HS_MAX &&
		       CRYPTO_COOKIE_LEN <= CRYPTO_HS_MAX && CRYPTO_OVERHEAD <= CRYPTO_HS_MAX,
	       "handshake size");
_Static_assert(DATA_HLEN + TAG_LEN == CRYPTO_OVERHEAD, "data overhead");
_Static_assert(crypto_aead_aes256gcm_ABYTES == TAG_LEN &&
		       crypto_aead_chacha20poly1305_ietf_ABYTES == TAG_LEN &&
		       crypto_aead_xchacha20poly1305_ietf_ABYTES == TAG_LEN,
	       "tag length");
_Static_assert(crypto_aead_aes256gcm_NPUBBYTES == 12 &&
		       crypto_aead_chacha20poly1305_ietf_NPUBBYTES == 12,
	       "nonce length");
_Static_assert(CRYPTO_KEY_LEN == NOISE_DHLEN && CRYPTO_KEY_LEN == NOISE_KEYLEN, "key length");

static const char prologue[] = "vxtap secure mode, wire version 2";
static const char label_mac1[] = "vxtap mac1 v2";
static const char label_cookie[] = "vxtap cookie v2";

/* --- secrets, in locked memory -------------------------------------------- */

/* This node's: one allocation. */
struct node_secret {
	uint8_t priv[CRYPTO_KEY_LEN], psk[CRYPTO_KEY_LEN], cookie_secret[CRYPTO_KEY_LEN];
};

/* One per peer, in a slab. */
struct peer_secret {
	uint8_t ss[NOISE_DHLEN];			   /* DH(our static, its static) */
	uint8_t cookie[MAC_LEN];			   /* its cookie, for our inits' mac2 */
	uint8_t hs_ck[NOISE_HASHLEN], hs_h[NOISE_HASHLEN]; /* our init in flight */
	uint8_t hs_e[NOISE_DHLEN];
};

/* One per session, in a slab. The AES states hold the expanded keys so that
 * sealing does not expand them per datagram. */
struct session_keys {
	crypto_aead_aes256gcm_state send_st, recv_st;
	uint8_t send[CRYPTO_KEY_LEN], recv[CRYPTO_KEY_LEN];
};

/* A slab's chunks end on a page (sodium_malloc), so slots whose size is a
 * multiple of 16 keep the AES states aligned. */
_Static_assert(sizeof(struct session_keys) % 16 == 0, "session_keys alignment");
_Static_assert(sizeof(struct peer_secret) % 16 == 0, "peer_secret alignment");

struct slab {
	size_t size; /* of a slot */
	size_t nchunks;
	void *chunk[SLAB_MAX_CHUNKS];
	void *free; /* free slots, linked through their first bytes */
};

/* --- plain state --------------------------------------------------------- */

/* A listed public key and the greatest init timestamp accepted from it. */
struct keyrec {
	uint8_t pub[CRYPTO_KEY_LEN];
	uint8_t ts[TAI64N_LEN];
	bool has_ts;
	unsigned refs; /* peers listing it */
};

/* Token bucket in thousandths of a token. */
struct bucket {
	uint64_t milli, at;
};

enum role { ROLE_INIT_PENDING, ROLE_INITIATOR, ROLE_RESPONDER };

struct cpeer;

struct session {
	struct cpeer *peer;
	uint32_t local_idx, remote_idx;
	uint64_t created; /* ms */
	uint64_t send_ctr;
	enum role role;
	bool aes;
	bool stale;		   /* from before a key change: rekey */
	struct session_keys *keys; /* NULL while ROLE_INIT_PENDING */
	struct crypto_replay rp;
};

struct cpeer {
	struct ipaddr ip; /* canonical */
	struct keyrec *key;
	uint8_t mac1_key[CRYPTO_KEY_LEN];   /* for messages to it */
	uint8_t cookie_key[CRYPTO_KEY_LEN]; /* opens its cookie replies */
	struct peer_secret *sec;
	struct session *cur, *prev, *pend_resp, *pend_init;
	uint64_t init_at;    /* ms, our last init */
	uint64_t attempt_at; /* ms, the first init of the attempt in flight */
	uint64_t cookie_at;  /* ms, its cookie received */
	uint64_t last_hs;    /* ms, a session came up */
	uint8_t last_mac1[MAC_LEN];
	bool usable;	   /* ss is valid */
	bool inited;	   /* init_at is meaningful */
	bool has_cookie;   /* sec->cookie is meaningful */
	bool mac1_live;	   /* a cookie reply may answer last_mac1 */
	bool cookie_retry; /* the init in flight was answered by a cookie */
	struct bucket bucket;
	struct cpeer *next, *back;
};

struct crypto {
	struct crypto_limits lim;
	bool aes_here;
	crypto_random_fn *rnd;
	void *rctx;
	struct node_secret *sec;
	uint8_t pub[CRYPTO_KEY_LEN];
	uint8_t mac1_key[CRYPTO_KEY_LEN];   /* checks mac1 of what is sent to us */
	uint8_t cookie_key[CRYPTO_KEY_LEN]; /* seals our cookie replies */
	uint64_t cookie_secret_at;
	bool cookie_secret_set;
	/* Cookie reply nonces: random per context, then a counter, so that
	 * none repeats under the cookie key (which outlives restarts) and
	 * none costs a call for randomness. */
	uint8_t cookie_nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
	struct slab peer_slab, key_slab;
	struct table *peers; /* struct ipaddr -> struct cpeer * */
	struct table *index; /* local index (big-endian) -> struct session * */
	struct table *keys;  /* first 20 bytes of a public key -> struct keyrec * */
	struct cpeer *plist;
	struct bucket load;
	uint64_t under_until; /* ms: under load before this */
	uint64_t last_ts_sent;
	struct crypto_stats st;
};

#define KEYREC_KEY_LEN TABLE_KEY_MAX
_Static_assert(KEYREC_KEY_LEN <= CRYPTO_KEY_LEN, "keyrec key");

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t age(uint64_t now, uint64_t then)
{
	return now > then ? now - then : 0;
}

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

void crypto_default_limits(struct crypto_limits *l)
{
	memset(l, 0, sizeof(*l));
	l->rekey_after_ms = 120000;
	l->reject_after_ms = 180000;
	l->rekey_timeout_ms = 5000;
	l->init_min_ms = 1000;
	l->rekey_attempt_ms = 90000;
	l->rekey_after_msgs = (uint64_t)1 << 60;
	l->reject_after_msgs = UINT64_MAX - ((uint64_t)1 << 13);
	l->hs_rate = 200;
	l->hs_burst = 200;
	l->hs_peer_rate = 20;
	l->hs_peer_burst = 5;
	l->cookie_secret_ms = 120000;
	l->cookie_valid_ms = 115000;
	l->max_future_ms = 300000;
}

#define CRYPTO_DROP_NAME(e, name, desc) [CRYPTO_DROP_##e] = #name,
static const char *const drop_names[CRYPTO_DROP__COUNT] = {[CRYPTO_DROP_NONE] = "none",
							   CRYPTO_DROP_REASONS(CRYPTO_DROP_NAME)};
#undef CRYPTO_DROP_NAME

const char *crypto_drop_name(enum crypto_drop d)
{
	if ((unsigned)d >= CRYPTO_DROP__COUNT)
		return "unknown";
	return drop_names[d];
}

#define CRYPTO_DROP_DESC(e, name, desc) [CRYPTO_DROP_##e] = desc,
static const char *const drop_descs[CRYPTO_DROP__COUNT] = {[CRYPTO_DROP_NONE] = "no drop",
							   CRYPTO_DROP_REASONS(CRYPTO_DROP_DESC)};
#undef CRYPTO_DROP_DESC

const char *crypto_drop_desc(enum crypto_drop d)
{
	if ((unsigned)d >= CRYPTO_DROP__COUNT)
		return "unknown reason";
	return drop_descs[d];
}

/* --- slabs ---------------------------------------------------------------- */

static void slab_init(struct slab *s, size_t size)
{
	memset(s, 0, sizeof(*s));
	s->size = size;
}

static bool slab_grow(struct slab *s)
{
	size_t shift = s->nchunks < SLAB_MAX_SHIFT ? s->nchunks : SLAB_MAX_SHIFT;
	size_t n = (size_t)SLAB_FIRST << shift;
	uint8_t *m;

	if (s->nchunks == SLAB_MAX_CHUNKS)
		return false;
	m = sodium_allocarray(n, s->size);
	if (!m)
		return false;
	for (size_t i = n; i-- > 0;) {
		memcpy(m + i * s->size, &s->free, sizeof(s->free));
		s->free = m + i * s->size;
	}
	s->chunk[s->nchunks++] = m;
	return true;
}

/* A zeroed slot, or NULL. */
static void *slab_alloc(struct slab *s)
{
	void *p;

	if (!s->free && !slab_grow(s))
		return NULL;
	p = s->free;
	memcpy(&s->free, p, sizeof(s->free));
	sodium_memzero(p, s->size);
	return p;
}

/* Zero the slot and give it back. p may be NULL. */
static void slab_free(struct slab *s, void *p)
{
	if (!p)
		return;
	sodium_memzero(p, s->size);
	memcpy(p, &s->free, sizeof(s->free));
	s->free = p;
}

static void slab_destroy(struct slab *s)
{
	for (size_t i = 0; i < s->nchunks; i++)
		sodium_free(s->chunk[i]); /* zeroes it */
	s->nchunks = 0;
	s->free = NULL;
}

/* --- small helpers --------------------------------------------------------- */

/* HASH32(label | pub): the keys of mac1 and of cookie replies. */
static void label_key(uint8_t out[CRYPTO_KEY_LEN], const char *label,
		      const uint8_t pub[CRYPTO_KEY_LEN])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, CRYPTO_KEY_LEN);
	crypto_generichash_update(&st, (const uint8_t *)label, strlen(label));
	crypto_generichash_update(&st, pub, CRYPTO_KEY_LEN);
	crypto_generichash_final(&st, out, CRYPTO_KEY_LEN);
}

static void mac16(uint8_t out[MAC_LEN], const uint8_t *key, size_t klen, const uint8_t *msg,
		  size_t len)
{
	crypto_generichash(out, MAC_LEN, msg, len, key, klen);
}

static bool mac_ok(const uint8_t *key, size_t klen, const uint8_t *msg, size_t len,
		   const uint8_t want[MAC_LEN])
{
	uint8_t m[MAC_LEN];

	mac16(m, key, klen, msg, len);
	return crypto_verify_16(m, want) == 0;
}

static void put_header(uint8_t *out, uint8_t type)
{
	out[0] = type;
	out[1] = CRYPTO_WIRE_VERSION;
	out[2] = out[3] = 0;
}

/* A handshake message of len bytes: zeroed, header, our index at 4. */
static void start_message(uint8_t *out, size_t len, uint8_t type, uint32_t idx)
{
	memset(out, 0, len);
	put_header(out, type);
	put_be32(out + 4, idx);
}

/* A new ephemeral key for hs; the only other copy is wiped here. */
static void fresh_ephemeral(struct crypto *c, struct noise_hs *hs)
{
	uint8_t e[NOISE_DHLEN];

	c->rnd(c->rctx, e, sizeof(e));
	noise_hs_set_ephemeral(hs, e);
	sodium_memzero(e, sizeof(e));
}

static void bucket_refill(struct bucket *b, uint64_t now, uint32_t rate, uint32_t burst)
{
	uint64_t cap = (uint64_t)burst * 1000, dt = age(now, b->at);

	if (rate && dt >= cap / rate + 1)
		b->milli = cap;
	else
		b->milli = min64(cap, b->milli + dt * rate);
	if (now > b->at)
		b->at = now;
}

static bool bucket_take(struct bucket *b)
{
	if (b->milli < 1000)
		return false;
	b->milli -= 1000;
	return true;
}

static void tai64n_put(uint8_t out[TAI64N_LEN], uint64_t unix_ns)
{
	put_be64(out, TAI64_BASE + unix_ns / NS_PER_S);
	put_be32(out + 8, (uint32_t)(unix_ns % NS_PER_S));
}

/* Whether ts is more than max_future_ms after wall_ns. */
static bool tai64n_future(const uint8_t ts[TAI64N_LEN], uint64_t wall_ns, uint64_t max_future_ms)
{
	uint64_t secs = get_be64(ts), nanos = get_be32(ts + 8);
	uint64_t limit =
		sat_add(wall_ns, max_future_ms > UINT64_MAX / 1000000 ? UINT64_MAX
								      : max_future_ms * 1000000);

	if (secs < TAI64_BASE)
		return false; /* before 1970 */
	secs -= TAI64_BASE;
	if (secs >= UINT64_MAX / NS_PER_S)
		return limit != UINT64_MAX;
	return secs * NS_PER_S + nanos > limit;
}

/* --- sessions and peers -------------------------------------------------- */

static struct session *index_find(const struct crypto *c, uint32_t idx)
{
	uint8_t key[IDX_LEN];
	const struct table_entry *e;
	struct session *s;

	put_be32(key, idx);
	e = table_lookup(c->index, key);
	if (!e)
		return NULL;
	memcpy(&s, e->val, sizeof(s));
	return s;
}

static void session_free(struct crypto *c, struct session *s)
{
	uint8_t key[IDX_LEN];

	if (!s)
		return;
	put_be32(key, s->local_idx);
	table_del(c->index, key);
	slab_free(&c->key_slab, s->keys);
	free(s);
}

/* A session with a fresh local index, registered in the index table. With
 * keys, its key slot too. NULL when out of memory. */
static struct session *session_new(struct crypto *c, struct cpeer *p, enum role role, uint64_t now)
{
	struct session *s = calloc(1, sizeof(*s));
	uint8_t key[IDX_LEN];

	if (!s)
		return NULL;
	if (role != ROLE_INIT_PENDING && !(s->keys = slab_alloc(&c->key_slab))) {
		free(s);
		return NULL;
	}
	do {
		c->rnd(c->rctx, key, sizeof(key));
		s->local_idx = get_be32(key);
	} while (s->local_idx == 0 || table_lookup(c->index, key));
	if (table_set_static(c->index, key, &s) < 0) {
		slab_free(&c->key_slab, s->keys);
		free(s);
		return NULL;
	}
	s->peer = p;
	s->role = role;
	s->created = now;
	return s;
}

/* Install the Split keys: send/recv as this side uses them. */
static void session_keys_set(struct session *s, bool aes, const struct noise_cipher *send,
			     const struct noise_cipher *recv)
{
	memcpy(s->keys->send, send->k, CRYPTO_KEY_LEN);
	memcpy(s->keys->recv, recv->k, CRYPTO_KEY_LEN);
	s->aes = aes;
	if (aes) {
		crypto_aead_aes256gcm_beforenm(&s->keys->send_st, s->keys->send);
		crypto_aead_aes256gcm_beforenm(&s->keys->recv_st, s->keys->recv);
	}
}

static bool session_alive(const struct crypto *c, const struct session *s, uint64_t now)
{
	return age(now, s->created) < c->lim.reject_after_ms;
}

static bool session_can_seal(const struct crypto *c, const struct session *s, uint64_t now)
{
	return s->keys && session_alive(c, s, now) && s->send_ctr < c->lim.reject_after_msgs;
}

/* The initiator of a session rekeys first, so that the two ends do not both
 * start handshakes at the same moment; the responder follows if it has not. */
static bool rekey_due(const struct crypto *c, const struct session *s, uint64_t now)
{
	uint64_t after = c->lim.rekey_after_ms;

	if (s->role == ROLE_RESPONDER && c->lim.reject_after_ms > after)
		after += (c->lim.reject_after_ms - after) / 2;
	return s->stale || s->send_ctr >= c->lim.rekey_after_msgs || age(now, s->created) >= after;
}

static struct cpeer *peer_find(const struct crypto *c, const struct ipaddr *ip)
{
	const struct table_entry *e = table_lookup(c->peers, ip);
	struct cpeer *p;

	if (!e)
		return NULL;
	memcpy(&p, e->val, sizeof(p));
	return p;
}

static struct keyrec *keyrec_find(const struct crypto *c, const uint8_t pub[CRYPTO_KEY_LEN])
{
	const struct table_entry *e = table_lookup(c->keys, pub);
	struct keyrec *k;

	if (!e)
		return NULL;
	memcpy(&k, e->val, sizeof(k));
	return sodium_memcmp(k->pub, pub, CRYPTO_KEY_LEN) == 0 ? k : NULL;
}

/* The record of pub, made if new (refs 0). -EEXIST: another key with the
 * same first bytes is listed; -ENOMEM. */
static int keyrec_get(struct crypto *c, const uint8_t pub[CRYPTO_KEY_LEN], struct keyrec **out)
{
	const struct table_entry *e = table_lookup(c->keys, pub);
	struct keyrec *k;

	if (e) {
		memcpy(&k, e->val, sizeof(k));
		if (sodium_memcmp(k->pub, pub, CRYPTO_KEY_LEN) != 0)
			return -EEXIST;
		*out = k;
		return 0;
	}
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	memcpy(k->pub, pub, CRYPTO_KEY_LEN);
	if (table_set_static(c->keys, pub, &k) < 0) {
		free(k);
		return -ENOMEM;
	}
	*out = k;
	return 0;
}

/* Drop a reference; the record (and its timestamp) goes with the last. */
static void keyrec_put(struct crypto *c, struct keyrec *k)
{
	if (!k || --k->refs > 0)
		return;
	table_del(c->keys, k->pub);
	free(k);
}

/* Forget our init in flight: its ephemeral key and chaining state too. */
static void drop_pending_init(struct crypto *c, struct cpeer *p)
{
	if (p->pend_init) {
		session_free(c, p->pend_init);
		p->pend_init = NULL;
	}
	sodium_memzero(p->sec->hs_ck, sizeof(p->sec->hs_ck));
	sodium_memzero(p->sec->hs_h, sizeof(p->sec->hs_h));
	sodium_memzero(p->sec->hs_e, sizeof(p->sec->hs_e));
	p->mac1_live = false;
	p->cookie_retry = false;
}

static void drop_cookie(struct cpeer *p)
{
	sodium_memzero(p->sec->cookie, sizeof(p->sec->cookie));
	p->has_cookie = false;
}

static void peer_drop_sessions(struct crypto *c, struct cpeer *p)
{
	session_free(c, p->cur);
	session_free(c, p->prev);
	session_free(c, p->pend_resp);
	p->cur = p->prev = p->pend_resp = NULL;
	drop_pending_init(c, p);
}

static void peer_free(struct crypto *c, struct cpeer *p)
{
	peer_drop_sessions(c, p);
	slab_free(&c->peer_slab, p->sec);
	keyrec_put(c, p->key);
	table_del(c->peers, &p->ip);
	if (p->back)
		p->back->next = p->next;
	else
		c->plist = p->next;
	if (p->next)
		p->next->back = p->back;
	free(p);
}

/* Make the session in *slot current; the current one becomes previous. */
static void promote(struct crypto *c, struct cpeer *p, struct session **slot, uint64_t now)
{
	struct session *s = *slot;

	*slot = NULL;
	session_free(c, p->prev);
	p->prev = p->cur;
	p->cur = s;
	p->last_hs = now;
	c->st.sessions++;
}

/* The retry rule: may an init to p go out now? */
static bool init_allowed(const struct crypto *c, const struct cpeer *p, uint64_t now)
{
	if (!p->usable)
		return false;
	if (p->pend_init)
		return age(now, p->init_at) >=
		       (p->cookie_retry ? c->lim.init_min_ms : c->lim.rekey_timeout_ms);
	if (p->pend_resp && !p->pend_resp->stale &&
	    age(now, p->pend_resp->created) < c->lim.rekey_timeout_ms)
		return false;
	return !p->inited || age(now, p->init_at) >= c->lim.init_min_ms;
}

/* --- replay window (RFC 6479) -------------------------------------------- */

bool crypto_replay_check(const struct crypto_replay *r, uint64_t ctr)
{
	if (ctr == UINT64_MAX)
		return false;
	if (ctr >= r->top)
		return true;
	if (r->top - ctr > CRYPTO_REPLAY_WINDOW)
		return false;
	return !((r->bits[(ctr / 64) % CRYPTO_REPLAY_WORDS] >> (ctr % 64)) & 1);
}

/* Advancing clears the blocks passed over, which held counters now below
 * the window; the spare word keeps the block being filled apart from the
 * oldest counters still accepted. */
void crypto_replay_accept(struct crypto_replay *r, uint64_t ctr)
{
	if (ctr >= r->top) {
		uint64_t from = r->top ? (r->top - 1) / 64 + 1 : 0, to = ctr / 64;

		if (to >= from) {
			if (to - from >= CRYPTO_REPLAY_WORDS)
				memset(r->bits, 0, sizeof(r->bits));
			else
				for (uint64_t b = from; b <= to; b++)
					r->bits[b % CRYPTO_REPLAY_WORDS] = 0;
		}
		r->top = ctr + 1;
	}
	r->bits[(ctr / 64) % CRYPTO_REPLAY_WORDS] |= (uint64_t)1 << (ctr % 64);
}

/* --- life cycle ---------------------------------------------------------- */

/* pub, mac1 and cookie keys from the private key in c->sec. */
static void own_keys(struct crypto *c)
{
	noise_pubkey(c->pub, c->sec->priv);
	label_key(c->mac1_key, label_mac1, c->pub);
	label_key(c->cookie_key, label_cookie, c->pub);
}

struct crypto *crypto_new(const uint8_t priv[static CRYPTO_KEY_LEN], const uint8_t *psk,
			  bool aes_here, const struct crypto_limits *l, crypto_random_fn *rnd,
			  void *rctx)
{
	struct crypto *c = calloc(1, sizeof(*c));
	uint8_t seed[TABLE_SEED_LEN];

	if (!c)
		return NULL;
	if (l)
		c->lim = *l;
	else
		crypto_default_limits(&c->lim);
	/* Claimed AES without the CPU support would fail every seal. */
	c->aes_here = aes_here && crypto_aead_aes256gcm_is_available();
	c->rnd = rnd;
	c->rctx = rctx;
	slab_init(&c->peer_slab, sizeof(struct peer_secret));
	slab_init(&c->key_slab, sizeof(struct session_keys));
	c->load.milli = (uint64_t)c->lim.hs_burst * 1000;
	rnd(rctx, seed, sizeof(seed));
	c->peers = table_new(sizeof(struct ipaddr), sizeof(struct cpeer *), 0, 0, seed);
	rnd(rctx, seed, sizeof(seed));
	c->index = table_new(IDX_LEN, sizeof(struct session *), 0, 0, seed);
	rnd(rctx, seed, sizeof(seed));
	c->keys = table_new(KEYREC_KEY_LEN, sizeof(struct keyrec *), 0, 0, seed);
	rnd(rctx, c->cookie_nonce, COOKIE_NONCE_RANDOM);
	sodium_memzero(seed, sizeof(seed));
	c->sec = sodium_malloc(sizeof(*c->sec));
	if (!c->peers || !c->index || !c->keys || !c->sec) {
		crypto_free(c);
		return NULL;
	}
	sodium_memzero(c->sec, sizeof(*c->sec));
	memcpy(c->sec->priv, priv, CRYPTO_KEY_LEN);
	if (psk)
		memcpy(c->sec->psk, psk, CRYPTO_KEY_LEN);
	own_keys(c);
	return c;
}

void crypto_free(struct crypto *c)
{
	if (!c)
		return;
	while (c->plist)
		peer_free(c, c->plist);
	table_free(c->peers);
	table_free(c->index);
	table_free(c->keys);
	slab_destroy(&c->peer_slab);
	slab_destroy(&c->key_slab);
	if (c->sec)
		sodium_free(c->sec);
	free(c);
}

void crypto_public_key(const uint8_t priv[static CRYPTO_KEY_LEN],
		       uint8_t pub[static CRYPTO_KEY_LEN])
{
	noise_pubkey(pub, priv);
}

void crypto_own_public_key(const struct crypto *c, uint8_t pub[static CRYPTO_KEY_LEN])
{
	memcpy(pub, c->pub, CRYPTO_KEY_LEN);
}

/* A new peer entry for ip, without a key yet, with its secret slot; NULL on ENOMEM. */
static struct cpeer *peer_new(struct crypto *c, const struct ipaddr *ip)
{
	struct cpeer *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->ip = *ip;
	p->sec = slab_alloc(&c->peer_slab);
	if (!p->sec || table_set_static(c->peers, ip, &p) < 0) {
		slab_free(&c->peer_slab, p->sec);
		free(p);
		return NULL;
	}
	p->next = c->plist;
	if (c->plist)
		c->plist->back = p;
	c->plist = p;
	return p;
}

int crypto_peer_set(struct crypto *c, const struct ipaddr *ip,
		    const uint8_t pub[static CRYPTO_KEY_LEN])
{
	uint8_t ss[NOISE_DHLEN];
	struct ipaddr cip;
	struct keyrec *k;
	struct cpeer *p;
	int rc;

	ipaddr_canon(&cip, ip);
	p = peer_find(c, &cip);
	if (p && sodium_memcmp(p->key->pub, pub, CRYPTO_KEY_LEN) == 0)
		return 0;
	if (sodium_memcmp(pub, c->pub, CRYPTO_KEY_LEN) == 0 || !noise_dh(ss, c->sec->priv, pub))
		return -EINVAL;
	rc = keyrec_get(c, pub, &k);
	if (rc < 0)
		goto out;
	k->refs++;
	if (!p && !(p = peer_new(c, &cip))) {
		keyrec_put(c, k);
		rc = -ENOMEM;
		goto out;
	}
	if (p->key) {
		/* Sessions and handshakes were authenticated by the old key. */
		peer_drop_sessions(c, p);
		drop_cookie(p);
		keyrec_put(c, p->key);
		p->inited = false;
	}
	p->key = k;
	memcpy(p->sec->ss, ss, sizeof(ss));
	p->usable = true;
	label_key(p->mac1_key, label_mac1, pub);
	label_key(p->cookie_key, label_cookie, pub);
	p->bucket.milli = (uint64_t)c->lim.hs_peer_burst * 1000;
	p->bucket.at = 0;
out:
	sodium_memzero(ss, sizeof(ss));
	return rc;
}

void crypto_forget_peer(struct crypto *c, const struct ipaddr *ip)
{
	struct ipaddr cip;
	struct cpeer *p;

	ipaddr_canon(&cip, ip);
	p = peer_find(c, &cip);
	if (p)
		peer_free(c, p);
}

int crypto_set_key(struct crypto *c, const uint8_t priv[static CRYPTO_KEY_LEN], uint64_t now)
{
	uint8_t pub[CRYPTO_KEY_LEN];

	(void)now; /* nothing here waits: the sessions' own clocks go on */
	/* A reload of an unchanged key file must not rekey every peer. */
	if (sodium_memcmp(priv, c->sec->priv, CRYPTO_KEY_LEN) == 0)
		return 0;
	noise_pubkey(pub, priv);
	for (struct cpeer *p = c->plist; p; p = p->next)
		if (sodium_memcmp(p->key->pub, pub, CRYPTO_KEY_LEN) == 0)
			return -EINVAL;
	memcpy(c->sec->priv, priv, CRYPTO_KEY_LEN);
	own_keys(c);
	for (struct cpeer *p = c->plist; p; p = p->next) {
		struct session *s[] = {p->cur, p->prev, p->pend_resp};

		p->usable = noise_dh(p->sec->ss, c->sec->priv, p->key->pub);
		drop_pending_init(c, p);
		p->inited = false;
		for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
			if (s[i])
				s[i]->stale = true;
	}
	return 0;
}

/* Free the session in *slot once past reject_after_ms (zeroing its keys);
 * otherwise bring *next down to that time. */
static void expire(struct crypto *c, struct session **slot, uint64_t now, uint64_t *next)
{
	struct session *s = *slot;

	if (!s)
		return;
	if (!session_alive(c, s, now)) {
		session_free(c, s);
		*slot = NULL;
		return;
	}
	*next = min64(*next, sat_add(s->created, c->lim.reject_after_ms));
}

static uint64_t retry_due(const struct crypto *c, const struct cpeer *p)
{
	return sat_add(p->init_at, p->cookie_retry ? c->lim.init_min_ms : c->lim.rekey_timeout_ms);
}

uint64_t crypto_tick(struct crypto *c, uint64_t now, crypto_retry_fn *retry, void *arg)
{
	uint64_t next = UINT64_MAX;

	for (struct cpeer *p = c->plist; p; p = p->next) {
		expire(c, &p->cur, now, &next);
		expire(c, &p->prev, now, &next);
		expire(c, &p->pend_resp, now, &next);
		if (p->pend_init && age(now, p->attempt_at) >= c->lim.rekey_attempt_ms)
			drop_pending_init(c, p);
		/* A session that came up after our init went out (the peer's
		 * handshake, answered by us) makes it needless: no retry. */
		if (p->pend_init && now >= retry_due(c, p) && p->cur &&
		    p->cur->created >= p->init_at && session_can_seal(c, p->cur, now))
			drop_pending_init(c, p);
		if (p->pend_init && now >= retry_due(c, p) && retry)
			retry(arg, &p->ip);
		if (p->pend_init) {
			uint64_t due = retry_due(c, p);

			/* not sent after all: look again a little later */
			if (due <= now)
				due = sat_add(now, c->lim.init_min_ms);
			next = min64(next, due);
			next = min64(next, sat_add(p->attempt_at, c->lim.rekey_attempt_ms));
		}
		if (p->has_cookie) {
			uint64_t end = sat_add(p->cookie_at, c->lim.cookie_valid_ms);

			if (now >= end)
				drop_cookie(p);
			else
				next = min64(next, end);
		}
	}
	return next;
}

/* --- data ---------------------------------------------------------------- */

static void nonce_of(uint8_t nonce[12], uint64_t ctr)
{
	memset(nonce, 0, 4);
	put_be64(nonce + 4, ctr);
}

/* Seal with s, which session_can_seal accepted. out: see crypto_seal. */
static size_t seal_with(struct session *s, const uint8_t *pt, size_t ptlen, uint8_t *out)
{
	uint8_t nonce[12];
	uint8_t *ct = out + DATA_HLEN;

	put_header(out, TYPE_DATA);
	put_be32(out + DATA_RIDX, s->remote_idx);
	put_be64(out + DATA_CTR, s->send_ctr);
	nonce_of(nonce, s->send_ctr);
	s->send_ctr++;
	if (s->aes)
		crypto_aead_aes256gcm_encrypt_detached_afternm(ct, ct + ptlen, NULL, pt, ptlen, out,
							       DATA_HLEN, NULL, nonce,
							       &s->keys->send_st);
	else
		crypto_aead_chacha20poly1305_ietf_encrypt_detached(ct, ct + ptlen, NULL, pt, ptlen,
								   out, DATA_HLEN, NULL, nonce,
								   s->keys->send);
	return ptlen + CRYPTO_OVERHEAD;
}

size_t crypto_seal(struct crypto *c, const struct ipaddr *peer, const uint8_t *pt, size_t ptlen,
		   uint8_t *out, uint64_t now, bool *want, enum crypto_drop *why)
{
	struct ipaddr ip;
	struct cpeer *p;
	struct session *s;

	ipaddr_canon(&ip, peer);
	p = peer_find(c, &ip);
	s = p ? p->cur : NULL;
	*why = CRYPTO_DROP_NONE;
	*want = false;
	if (!s || !session_can_seal(c, s, now)) {
		*want = p && init_allowed(c, p, now);
		*why = CRYPTO_DROP_NO_SESSION;
		c->st.drops[CRYPTO_DROP_NO_SESSION]++;
		return 0;
	}
	if (rekey_due(c, s, now))
		*want = init_allowed(c, p, now);
	return seal_with(s, pt, ptlen, out);
}

/* What crypto_open hands back, gathered so the helpers stay short. */
struct in_ctx {
	const struct endpoint *src; /* canonical */
	uint64_t now, wall_ns;
	uint8_t *reply;
	size_t *reply_len;
	struct ipaddr *peer_out;
	bool *want;
	enum crypto_drop *why;
};

static enum crypto_in in_drop(struct crypto *c, const struct in_ctx *x, enum crypto_drop reason)
{
	*x->why = reason;
	c->st.drops[reason]++;
	return CRYPTO_IN_DROP;
}

static enum crypto_in open_data(struct crypto *c, const struct in_ctx *x, uint8_t *dgram,
				size_t len, const uint8_t **pt, size_t *ptlen)
{
	uint64_t ctr = get_be64(dgram + DATA_CTR);
	struct session *s = index_find(c, get_be32(dgram + DATA_RIDX));
	size_t clen = len - CRYPTO_OVERHEAD;
	uint8_t nonce[12], *ct = dgram + DATA_HLEN;
	struct cpeer *p;
	int rc;

	if (!s || !s->keys || !session_alive(c, s, x->now) || ctr >= c->lim.reject_after_msgs) {
		/* Sealed under a session we do not have while we have none that
		 * works: we restarted or lost it, and only a handshake helps. */
		p = peer_find(c, &x->src->ip);
		if (p && (!p->cur || !session_can_seal(c, p->cur, x->now)))
			*x->want = init_allowed(c, p, x->now);
		return in_drop(c, x, CRYPTO_DROP_UNKNOWN_SESSION);
	}
	p = s->peer;
	if (!ipaddr_equal(&p->ip, &x->src->ip))
		return in_drop(c, x, CRYPTO_DROP_WRONG_ADDR);
	if (!crypto_replay_check(&s->rp, ctr))
		return in_drop(c, x, CRYPTO_DROP_REPLAY);
	nonce_of(nonce, ctr);
	if (s->aes)
		rc = crypto_aead_aes256gcm_decrypt_detached_afternm(
			ct, NULL, ct, clen, ct + clen, dgram, DATA_HLEN, nonce, &s->keys->recv_st);
	else
		rc = crypto_aead_chacha20poly1305_ietf_decrypt_detached(
			ct, NULL, ct, clen, ct + clen, dgram, DATA_HLEN, nonce, s->keys->recv);
	if (rc != 0)
		return in_drop(c, x, CRYPTO_DROP_BAD_TAG);
	crypto_replay_accept(&s->rp, ctr);
	/* The initiator holds the keys: our response is confirmed. */
	if (s == p->pend_resp)
		promote(c, p, &p->pend_resp, x->now);
	*x->peer_out = p->ip;
	if (clen == 0)
		return CRYPTO_IN_CONSUMED;
	*pt = ct;
	*ptlen = clen;
	return CRYPTO_IN_DATA;
}

/* --- handshake ----------------------------------------------------------- */

static void cookie_secret_fresh(struct crypto *c, uint64_t now)
{
	if (c->cookie_secret_set && age(now, c->cookie_secret_at) < c->lim.cookie_secret_ms)
		return;
	c->rnd(c->rctx, c->sec->cookie_secret, sizeof(c->sec->cookie_secret));
	c->cookie_secret_at = now;
	c->cookie_secret_set = true;
}

/* The cookie of src: MAC(R, family | address | port). */
static void make_cookie(struct crypto *c, const struct endpoint *src, uint64_t now,
			uint8_t cookie[MAC_LEN])
{
	uint8_t in[1 + sizeof(src->ip.a) + 2];

	cookie_secret_fresh(c, now);
	in[0] = src->ip.family;
	memcpy(in + 1, src->ip.a, sizeof(src->ip.a));
	put_be16(in + 1 + sizeof(src->ip.a), src->port);
	mac16(cookie, c->sec->cookie_secret, sizeof(c->sec->cookie_secret), in, sizeof(in));
}

static bool mac2_ok(struct crypto *c, const struct in_ctx *x, const uint8_t *msg)
{
	uint8_t cookie[MAC_LEN];
	bool ok;

	make_cookie(c, x->src, x->now, cookie);
	ok = mac_ok(cookie, sizeof(cookie), msg, INIT_MAC2, msg + INIT_MAC2);
	sodium_memzero(cookie, sizeof(cookie));
	return ok;
}

static enum crypto_in cookie_reply(struct crypto *c, const struct in_ctx *x, const uint8_t *msg)
{
	uint8_t cookie[MAC_LEN], *r = x->reply;

	make_cookie(c, x->src, x->now, cookie);
	put_header(r, TYPE_COOKIE);
	memcpy(r + COOKIE_RIDX, msg + INIT_SIDX, IDX_LEN);
	sodium_increment(c->cookie_nonce + COOKIE_NONCE_RANDOM,
			 sizeof(c->cookie_nonce) - COOKIE_NONCE_RANDOM);
	memcpy(r + COOKIE_NONCE, c->cookie_nonce, sizeof(c->cookie_nonce));
	crypto_aead_xchacha20poly1305_ietf_encrypt(r + COOKIE_BOX, NULL, cookie, sizeof(cookie),
						   msg + INIT_MAC1, MAC_LEN, NULL, r + COOKIE_NONCE,
						   c->cookie_key);
	sodium_memzero(cookie, sizeof(cookie));
	*x->reply_len = CRYPTO_COOKIE_LEN;
	c->st.cookies_sent++;
	return CRYPTO_IN_REPLY;
}

/* The load rule (see crypto.h): true when the init may go on to the
 * handshake; otherwise *r is the answer (a cookie reply or a drop). */
static bool admit(struct crypto *c, const struct in_ctx *x, struct cpeer *p, const uint8_t *msg,
		  enum crypto_in *r)
{
	bucket_refill(&c->load, x->now, c->lim.hs_rate, c->lim.hs_burst);
	if (!bucket_take(&c->load)) {
		if (x->now >= c->under_until)
			c->st.under_load++;
		c->under_until = sat_add(x->now, UNDER_LOAD_MS);
	}
	if (x->now >= c->under_until)
		return true;
	if (!mac2_ok(c, x, msg)) {
		*r = cookie_reply(c, x, msg);
		return false;
	}
	bucket_refill(&p->bucket, x->now, c->lim.hs_peer_rate, c->lim.hs_peer_burst);
	if (!bucket_take(&p->bucket)) {
		*r = in_drop(c, x, CRYPTO_DROP_RATE_LIMITED);
		return false;
	}
	return true;
}

static bool flags_ok(uint8_t flags)
{
	return (flags & ~FLAG_AES) == 0;
}

/* Read an init's Noise part into hs (initialised as responder). Returns
 * CRYPTO_DROP_NONE with the payload in pl, or why it was refused. */
static enum crypto_drop read_init(struct crypto *c, struct cpeer *p, struct noise_hs *hs,
				  const uint8_t *msg, uint8_t pl[INIT_PT_LEN])
{
	const enum noise_token *t;
	size_t n, used, more;

	t = noise_ik_tokens(hs, 0, &n);
	/* e, es, s: then the static key is known, before the ss DH */
	if (!noise_read_tokens(hs, t, n - 1, msg + INIT_EPH, INIT_PAYLOAD - INIT_EPH, &used))
		return CRYPTO_DROP_HANDSHAKE;
	if (sodium_memcmp(hs->rs, p->key->pub, CRYPTO_KEY_LEN) != 0)
		return keyrec_find(c, hs->rs) ? CRYPTO_DROP_WRONG_KEY : CRYPTO_DROP_UNKNOWN_KEY;
	if (!p->usable)
		return CRYPTO_DROP_HANDSHAKE;
	memcpy(hs->ss_pre, p->sec->ss, NOISE_DHLEN);
	hs->has_ss_pre = true;
	if (!noise_read_tokens(hs, t + n - 1, 1, msg + INIT_PAYLOAD, 0, &more) ||
	    !noise_decrypt_and_hash(&hs->sym, msg + INIT_PAYLOAD, INIT_PT_LEN + TAG_LEN, pl))
		return CRYPTO_DROP_HANDSHAKE;
	if (!flags_ok(pl[TAI64N_LEN]) || get_be32(pl + 8) >= NS_PER_S)
		return CRYPTO_DROP_MALFORMED;
	return CRYPTO_DROP_NONE;
}

static enum crypto_in open_init(struct crypto *c, const struct in_ctx *x, const uint8_t *msg,
				size_t len)
{
	uint8_t pl[INIT_PT_LEN], flags, *r = x->reply;
	struct noise_cipher c1, c2;
	enum crypto_drop why;
	struct noise_hs hs;
	struct session *s = NULL;
	enum crypto_in res;
	struct cpeer *p;

	if (len != CRYPTO_INIT_LEN || get_be32(msg + INIT_SIDX) == 0)
		return in_drop(c, x, CRYPTO_DROP_MALFORMED);
	p = peer_find(c, &x->src->ip);
	if (!p)
		return in_drop(c, x, CRYPTO_DROP_UNKNOWN_PEER);
	if (!mac_ok(c->mac1_key, sizeof(c->mac1_key), msg, INIT_MAC1, msg + INIT_MAC1))
		return in_drop(c, x, CRYPTO_DROP_BAD_MAC1);
	if (!admit(c, x, p, msg, &res))
		return res;

	noise_hs_init(&hs, false, true, (const uint8_t *)prologue, strlen(prologue), c->sec->priv,
		      c->pub, NULL, c->sec->psk);
	why = read_init(c, p, &hs, msg, pl);
	if (why == CRYPTO_DROP_NONE && tai64n_future(pl, x->wall_ns, c->lim.max_future_ms))
		why = CRYPTO_DROP_FUTURE;
	if (why == CRYPTO_DROP_NONE && p->key->has_ts && memcmp(pl, p->key->ts, TAI64N_LEN) <= 0)
		why = CRYPTO_DROP_STALE;
	if (why == CRYPTO_DROP_NONE && !(s = session_new(c, p, ROLE_RESPONDER, x->now)))
		why = CRYPTO_DROP_HANDSHAKE;
	if (why != CRYPTO_DROP_NONE)
		goto out;

	/* the response: e, ee, se, psk, payload */
	fresh_ephemeral(c, &hs);
	start_message(r, CRYPTO_RESP_LEN, TYPE_RESP, s->local_idx);
	memcpy(r + RESP_RIDX, msg + INIT_SIDX, IDX_LEN);
	flags = c->aes_here ? FLAG_AES : 0;
	if (noise_write_message(&hs, 1, &flags, 1, r + RESP_EPH) != RESP_MAC1 - RESP_EPH) {
		why = CRYPTO_DROP_HANDSHAKE; /* a low-order ephemeral from the initiator */
		goto out;
	}
	noise_split(&hs.sym, &c1, &c2);
	session_keys_set(s, c->aes_here && (pl[TAI64N_LEN] & FLAG_AES), &c2, &c1);
	sodium_memzero(&c1, sizeof(c1));
	sodium_memzero(&c2, sizeof(c2));
	s->remote_idx = get_be32(msg + INIT_SIDX);
	memcpy(p->key->ts, pl, TAI64N_LEN);
	p->key->has_ts = true;
	session_free(c, p->pend_resp);
	p->pend_resp = s;
	s = NULL;
	mac16(r + RESP_MAC1, p->mac1_key, sizeof(p->mac1_key), r, RESP_MAC1);
	*x->reply_len = CRYPTO_RESP_LEN;
	*x->peer_out = p->ip;
	c->st.responses_sent++;
	c->st.handshakes_completed++;
out:
	session_free(c, s);
	noise_hs_wipe(&hs);
	sodium_memzero(pl, sizeof(pl));
	if (why != CRYPTO_DROP_NONE) {
		*x->reply_len = 0;
		return in_drop(c, x, why);
	}
	return CRYPTO_IN_REPLY;
}

/* Our init in flight that a response or cookie reply names by its index
 * (big-endian at ridx), if it came from that init's peer; else NULL and *why. */
static struct session *init_answered(struct crypto *c, const struct in_ctx *x, const uint8_t *ridx,
				     enum crypto_drop *why)
{
	struct session *s = index_find(c, get_be32(ridx));

	if (!s || s->role != ROLE_INIT_PENDING) {
		*why = CRYPTO_DROP_UNKNOWN_SESSION;
		return NULL;
	}
	if (!ipaddr_equal(&s->peer->ip, &x->src->ip)) {
		*why = CRYPTO_DROP_WRONG_ADDR;
		return NULL;
	}
	return s;
}

static enum crypto_in open_resp(struct crypto *c, const struct in_ctx *x, const uint8_t *msg,
				size_t len)
{
	enum crypto_drop why = CRYPTO_DROP_NONE;
	struct noise_cipher c1, c2;
	struct session_keys *keys;
	struct noise_hs hs;
	struct session *s;
	struct cpeer *p;
	uint8_t pl[1];
	size_t plen = 0;

	if (len != CRYPTO_RESP_LEN || get_be32(msg + RESP_SIDX) == 0 ||
	    !sodium_is_zero(msg + RESP_MAC2, MAC_LEN))
		return in_drop(c, x, CRYPTO_DROP_MALFORMED);
	if (!(s = init_answered(c, x, msg + RESP_RIDX, &why)))
		return in_drop(c, x, why);
	p = s->peer;
	if (!mac_ok(c->mac1_key, sizeof(c->mac1_key), msg, RESP_MAC1, msg + RESP_MAC1))
		return in_drop(c, x, CRYPTO_DROP_BAD_MAC1);
	keys = slab_alloc(&c->key_slab);
	if (!keys)
		return in_drop(c, x, CRYPTO_DROP_HANDSHAKE);

	/* Resume from the state after our init, on a copy: a forged response
	 * must leave the init in flight as it was. */
	noise_hs_init(&hs, true, true, (const uint8_t *)prologue, strlen(prologue), c->sec->priv,
		      c->pub, p->key->pub, c->sec->psk);
	memcpy(hs.sym.ck, p->sec->hs_ck, NOISE_HASHLEN);
	memcpy(hs.sym.h, p->sec->hs_h, NOISE_HASHLEN);
	memcpy(hs.e, p->sec->hs_e, NOISE_DHLEN);
	hs.has_e = true;
	if (!noise_read_message(&hs, 1, msg + RESP_EPH, RESP_MAC1 - RESP_EPH, pl, &plen) ||
	    plen != 1)
		why = CRYPTO_DROP_HANDSHAKE;
	else if (!flags_ok(pl[0]))
		why = CRYPTO_DROP_MALFORMED;
	if (why != CRYPTO_DROP_NONE) {
		slab_free(&c->key_slab, keys);
		noise_hs_wipe(&hs);
		return in_drop(c, x, why);
	}
	noise_split(&hs.sym, &c1, &c2);
	noise_hs_wipe(&hs);
	s->keys = keys;
	session_keys_set(s, c->aes_here && (pl[0] & FLAG_AES), &c1, &c2);
	sodium_memzero(&c1, sizeof(c1));
	sodium_memzero(&c2, sizeof(c2));
	s->role = ROLE_INITIATOR;
	s->remote_idx = get_be32(msg + RESP_SIDX);
	s->created = x->now;
	p->pend_init = NULL;
	drop_pending_init(c, p); /* the ephemeral key: used up */
	promote(c, p, &s, x->now);
	c->st.handshakes_completed++;
	/* Confirm the session to the responder now rather than with whatever
	 * data we send next, which may be a while. */
	*x->reply_len = seal_with(p->cur, x->reply + DATA_HLEN, 0, x->reply);
	*x->peer_out = p->ip;
	return CRYPTO_IN_REPLY;
}

static enum crypto_in open_cookie(struct crypto *c, const struct in_ctx *x, const uint8_t *msg,
				  size_t len)
{
	uint8_t cookie[MAC_LEN];
	struct session *s;
	struct cpeer *p;

	enum crypto_drop why;

	if (len != CRYPTO_COOKIE_LEN)
		return in_drop(c, x, CRYPTO_DROP_MALFORMED);
	if (!(s = init_answered(c, x, msg + COOKIE_RIDX, &why)))
		return in_drop(c, x, why);
	p = s->peer;
	/* One cookie reply per init, answering that init's mac1. */
	if (!p->mac1_live ||
	    crypto_aead_xchacha20poly1305_ietf_decrypt(
		    cookie, NULL, NULL, msg + COOKIE_BOX, CRYPTO_COOKIE_LEN - COOKIE_BOX,
		    p->last_mac1, MAC_LEN, msg + COOKIE_NONCE, p->cookie_key) != 0)
		return in_drop(c, x, CRYPTO_DROP_COOKIE);
	memcpy(p->sec->cookie, cookie, MAC_LEN);
	sodium_memzero(cookie, sizeof(cookie));
	p->has_cookie = true;
	p->cookie_at = x->now;
	p->mac1_live = false;
	p->cookie_retry = true;
	c->st.cookie_replies_received++;
	*x->want = init_allowed(c, p, x->now);
	return CRYPTO_IN_CONSUMED;
}

size_t crypto_handshake_init(struct crypto *c, const struct ipaddr *peer, uint8_t *out,
			     uint64_t now, uint64_t wall_ns)
{
	uint8_t pl[INIT_PT_LEN];
	struct noise_hs hs;
	struct session *s;
	struct ipaddr ip;
	struct cpeer *p;
	uint64_t ts;
	size_t len;

	ipaddr_canon(&ip, peer);
	p = peer_find(c, &ip);
	if (!p || !init_allowed(c, p, now))
		return 0;
	s = session_new(c, p, ROLE_INIT_PENDING, now);
	if (!s)
		return 0;
	/* Strictly increasing here even if the wall clock steps back. */
	ts = wall_ns > c->last_ts_sent ? wall_ns : c->last_ts_sent + 1;
	tai64n_put(pl, ts);
	pl[TAI64N_LEN] = c->aes_here ? FLAG_AES : 0;

	noise_hs_init(&hs, true, true, (const uint8_t *)prologue, strlen(prologue), c->sec->priv,
		      c->pub, p->key->pub, c->sec->psk);
	memcpy(hs.ss_pre, p->sec->ss, NOISE_DHLEN);
	hs.has_ss_pre = true;
	fresh_ephemeral(c, &hs);
	start_message(out, CRYPTO_INIT_LEN, TYPE_INIT, s->local_idx);
	len = noise_write_message(&hs, 0, pl, sizeof(pl), out + INIT_EPH);
	if (len != INIT_MAC1 - INIT_EPH) {
		noise_hs_wipe(&hs);
		session_free(c, s);
		return 0;
	}
	if (!p->pend_init)
		p->attempt_at = now;
	drop_pending_init(c, p);
	p->pend_init = s;
	memcpy(p->sec->hs_ck, hs.sym.ck, NOISE_HASHLEN);
	memcpy(p->sec->hs_h, hs.sym.h, NOISE_HASHLEN);
	memcpy(p->sec->hs_e, hs.e, NOISE_DHLEN);
	noise_hs_wipe(&hs);

	mac16(out + INIT_MAC1, p->mac1_key, sizeof(p->mac1_key), out, INIT_MAC1);
	memcpy(p->last_mac1, out + INIT_MAC1, MAC_LEN);
	p->mac1_live = true;
	if (p->has_cookie && age(now, p->cookie_at) < c->lim.cookie_valid_ms)
		mac16(out + INIT_MAC2, p->sec->cookie, MAC_LEN, out, INIT_MAC2);
	p->init_at = now;
	p->inited = true;
	c->last_ts_sent = ts;
	c->st.inits_sent++;
	return CRYPTO_INIT_LEN;
}

enum crypto_in crypto_open(struct crypto *c, const struct endpoint *src, uint8_t *dgram, size_t len,
			   uint64_t now, uint64_t wall_ns, uint8_t *reply, size_t *reply_len,
			   const uint8_t **pt, size_t *ptlen, struct ipaddr *peer_out, bool *want,
			   enum crypto_drop *why)
{
	struct endpoint from;
	struct in_ctx x = {&from, now, wall_ns, reply, reply_len, peer_out, want, why};

	*reply_len = 0;
	*pt = NULL;
	*ptlen = 0;
	*want = false;
	*why = CRYPTO_DROP_NONE;
	memset(peer_out, 0, sizeof(*peer_out));
	if (len >= 1 && (dgram[0] & TYPE_I))
		return in_drop(c, &x, CRYPTO_DROP_PLAIN);
	if (len < HDR_LEN || dgram[1] != CRYPTO_WIRE_VERSION || dgram[2] || dgram[3])
		return in_drop(c, &x, CRYPTO_DROP_MALFORMED);
	ipaddr_canon(&from.ip, &src->ip);
	from.port = src->port;
	switch (dgram[0]) {
	case TYPE_DATA:
		if (len < CRYPTO_OVERHEAD)
			return in_drop(c, &x, CRYPTO_DROP_MALFORMED);
		return open_data(c, &x, dgram, len, pt, ptlen);
	case TYPE_INIT:
		return open_init(c, &x, dgram, len);
	case TYPE_RESP:
		return open_resp(c, &x, dgram, len);
	case TYPE_COOKIE:
		return open_cookie(c, &x, dgram, len);
	default:
		return in_drop(c, &x, CRYPTO_DROP_MALFORMED);
	}
}

/* --- queries and key text ------------------------------------------------- */

static const char *cipher_of(const struct cpeer *p)
{
	if (!p || !p->cur || !p->cur->keys)
		return "none";
	return p->cur->aes ? "aes-256-gcm" : "chacha20-poly1305-ietf";
}

const char *crypto_cipher_name(const struct crypto *c, const struct ipaddr *peer)
{
	struct ipaddr ip;

	ipaddr_canon(&ip, peer);
	return cipher_of(peer_find(c, &ip));
}

int crypto_peer_info(const struct crypto *c, const struct ipaddr *ip, uint64_t now,
		     struct crypto_peer_info *info)
{
	struct ipaddr cip;
	const struct cpeer *p;
	bool up;

	ipaddr_canon(&cip, ip);
	p = peer_find(c, &cip);
	if (!p)
		return -ENOENT;
	memset(info, 0, sizeof(*info));
	memcpy(info->pub, p->key->pub, CRYPTO_KEY_LEN);
	up = p->cur && session_can_seal(c, p->cur, now);
	info->state = up	     ? CRYPTO_PEER_UP
		      : p->pend_init ? CRYPTO_PEER_HANDSHAKING
				     : CRYPTO_PEER_IDLE;
	info->cipher = up ? cipher_of(p) : "none";
	info->last_handshake = p->last_hs;
	info->session_age_ms = up ? age(now, p->cur->created) : 0;
	info->rekeying = up && p->pend_init;
	info->has_cookie = p->has_cookie;
	return 0;
}

uint64_t crypto_handshakes_completed(const struct crypto *c)
{
	return c->st.handshakes_completed;
}

bool crypto_wire_looks_sealed(const uint8_t *d, size_t len)
{
	return len >= 4 && d[0] >= TYPE_INIT && d[0] <= TYPE_DATA && d[1] == CRYPTO_WIRE_VERSION &&
	       d[2] == 0 && d[3] == 0;
}

void crypto_get_stats(const struct crypto *c, struct crypto_stats *st)
{
	*st = c->st;
}
