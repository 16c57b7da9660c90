/* crypto: handshakes, per-peer sessions, the replay window, sealing and opening datagrams. */
#include "crypto.h"

#include "bytes.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "table.h"

#define TYPE_INIT 0xA1
#define TYPE_RESP 0xA2
#define TYPE_DATA 0xA4
#define TYPE_I	  0x08 /* the VXLAN I flag: plain VXLAN */

#define RAND_LEN 32
#define HMAC_LEN 32
#define IDX_LEN	 4
#define TAG_LEN	 16
#define FLAG_AES 0x01

/* Init: type, 3 zero, sender index, timestamp, random, flags, 3 zero, MAC. */
#define INIT_SIDX  4
#define INIT_TS	   8
#define INIT_RAND  16
#define INIT_FLAGS 48
#define INIT_MAC   52
#define INIT_LEN   84
/* Response: type, 3 zero, sender index, receiver index, random, flags, 3 zero, MAC. */
#define RESP_SIDX  4
#define RESP_RIDX  8
#define RESP_RAND  12
#define RESP_FLAGS 44
#define RESP_MAC   48
#define RESP_LEN   80
/* Data: type, 3 zero, receiver index, counter. */
#define DATA_RIDX 4
#define DATA_CTR  8
#define DATA_HLEN CRYPTO_HEADROOM

/* Blocks of 64 counters: one more than the window needs, so that the block
 * being filled never shares a word with the oldest counters still accepted. */
#define REPLAY_WORDS (CRYPTO_REPLAY_WINDOW / 64 + 1)

_Static_assert(INIT_MAC + HMAC_LEN == INIT_LEN, "init layout");
_Static_assert(RESP_MAC + HMAC_LEN == RESP_LEN, "response layout");
_Static_assert(INIT_LEN <= CRYPTO_HS_MAX && RESP_LEN <= CRYPTO_HS_MAX, "handshake size");
_Static_assert(DATA_HLEN + TAG_LEN == CRYPTO_OVERHEAD, "data overhead");
_Static_assert(crypto_aead_aes256gcm_ABYTES == TAG_LEN &&
		       crypto_aead_chacha20poly1305_ietf_ABYTES == TAG_LEN,
	       "tag length");
_Static_assert(crypto_aead_aes256gcm_NPUBBYTES == 12 &&
		       crypto_aead_chacha20poly1305_ietf_NPUBBYTES == 12,
	       "nonce length");

static const char hs_label[] = "vxtap-hs-v1";
static const char session_label[] = "vxtap-session-v1";

/* A cluster key and its handshake key, in guarded memory. */
struct keyset {
	uint8_t k[CRYPTO_KEY_LEN];
	uint8_t hs[HMAC_LEN];
};

/* One session's keys, in guarded memory. The AES states hold the expanded
 * keys so that sealing does not expand them per datagram. */
struct session_keys {
	crypto_aead_aes256gcm_state send_st, recv_st;
	uint8_t send[CRYPTO_KEY_LEN], recv[CRYPTO_KEY_LEN];
};

/* sodium_malloc puts an allocation at the end of a page: a size that is a
 * multiple of 16 keeps the AES states aligned. */
_Static_assert(sizeof(struct session_keys) % 16 == 0, "session_keys alignment");

struct replay {
	uint64_t top; /* highest counter accepted + 1; 0 = none yet */
	uint64_t bits[REPLAY_WORDS];
};

struct cpeer;

struct session {
	struct cpeer *peer;
	uint32_t local_idx, remote_idx;
	uint64_t created; /* ms */
	uint64_t gen;	  /* of the cluster key it came from */
	uint64_t send_ctr;
	bool initiator, aes;
	uint8_t rand_i[RAND_LEN];  /* our random, while our init is in flight */
	struct session_keys *keys; /* NULL until derived */
	struct replay rp;
};

struct cpeer {
	struct ipaddr ip; /* canonical */
	struct session *cur, *prev, *pend_init, *pend_resp;
	uint64_t last_ts;      /* the last init timestamp accepted from this peer */
	uint64_t last_init_at; /* ms, when init_sent */
	bool init_sent;
	struct cpeer *next, *back;
};

struct crypto {
	struct crypto_limits lim;
	bool aes_here;
	crypto_random_fn *rnd;
	void *rctx;
	struct keyset *key, *old; /* old: the previous key during its grace period */
	uint64_t gen;		  /* key's generation; old's is gen - 1 */
	uint64_t old_until;
	struct table *peers; /* struct ipaddr -> struct cpeer * */
	struct table *index; /* local index (big-endian) -> struct session * */
	struct cpeer *plist;
	uint64_t last_ts_sent;
	struct crypto_stats st;
};

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t age(uint64_t now, uint64_t then)
{
	return now > then ? now - then : 0;
}

void crypto_default_limits(struct crypto_limits *l)
{
	l->rekey_after_ms = 120000;
	l->reject_after_ms = 180000;
	l->rekey_timeout_ms = 1000;
	l->rekey_after_msgs = (uint64_t)1 << 40;
	l->reject_after_msgs = (uint64_t)1 << 60;
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

/* --- keys ---------------------------------------------------------------- */

static struct keyset *keyset_new(const uint8_t key[static CRYPTO_KEY_LEN])
{
	struct keyset *ks = sodium_malloc(sizeof(*ks));

	if (!ks)
		return NULL;
	memcpy(ks->k, key, CRYPTO_KEY_LEN);
	crypto_generichash(ks->hs, sizeof(ks->hs), (const uint8_t *)hs_label, strlen(hs_label),
			   ks->k, sizeof(ks->k));
	return ks;
}

/* The key a session or handshake of generation gen uses, or NULL once gone. */
static const struct keyset *key_for_gen(const struct crypto *c, uint64_t gen, uint64_t now)
{
	if (gen == c->gen)
		return c->key;
	if (c->old && gen + 1 == c->gen && now < c->old_until)
		return c->old;
	return NULL;
}

static uint64_t gen_of(const struct crypto *c, const struct keyset *ks)
{
	return ks == c->key ? c->gen : c->gen - 1;
}

/* Fill s->keys from both randoms and indices; false on allocation failure. */
static bool derive(const struct keyset *ks, struct session *s, const uint8_t rand_i[RAND_LEN],
		   const uint8_t rand_r[RAND_LEN], uint32_t idx_i, uint32_t idx_r)
{
	crypto_generichash_state st;
	uint8_t okm[2 * CRYPTO_KEY_LEN], idx[2 * IDX_LEN];
	struct session_keys *k = sodium_malloc(sizeof(*k));

	if (!k)
		return false;
	put_be32(idx, idx_i);
	put_be32(idx + IDX_LEN, idx_r);
	crypto_generichash_init(&st, ks->k, sizeof(ks->k), sizeof(okm));
	crypto_generichash_update(&st, (const uint8_t *)session_label, strlen(session_label));
	crypto_generichash_update(&st, rand_i, RAND_LEN);
	crypto_generichash_update(&st, rand_r, RAND_LEN);
	crypto_generichash_update(&st, idx, sizeof(idx));
	crypto_generichash_final(&st, okm, sizeof(okm));
	memcpy(k->send, okm + (s->initiator ? 0 : CRYPTO_KEY_LEN), CRYPTO_KEY_LEN);
	memcpy(k->recv, okm + (s->initiator ? CRYPTO_KEY_LEN : 0), CRYPTO_KEY_LEN);
	if (s->aes) {
		crypto_aead_aes256gcm_beforenm(&k->send_st, k->send);
		crypto_aead_aes256gcm_beforenm(&k->recv_st, k->recv);
	}
	sodium_memzero(okm, sizeof(okm));
	sodium_memzero(&st, sizeof(st));
	if (s->keys)
		sodium_free(s->keys);
	s->keys = k;
	return true;
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
	if (s->keys)
		sodium_free(s->keys);
	free(s);
}

/* A session with a fresh local index, registered in the index table. */
static struct session *session_new(struct crypto *c, struct cpeer *p, bool initiator, uint64_t gen,
				   uint64_t now)
{
	struct session *s = calloc(1, sizeof(*s));
	uint8_t key[IDX_LEN];

	if (!s)
		return NULL;
	do {
		c->rnd(c->rctx, key, sizeof(key));
		s->local_idx = get_be32(key);
	} while (s->local_idx == 0 || table_lookup(c->index, key));
	if (table_set_static(c->index, key, &s) < 0) {
		free(s);
		return NULL;
	}
	s->peer = p;
	s->initiator = initiator;
	s->gen = gen;
	s->created = now;
	return s;
}

static bool session_alive(const struct crypto *c, const struct session *s, uint64_t now)
{
	return age(now, s->created) < c->lim.reject_after_ms && key_for_gen(c, s->gen, now);
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

	if (!s->initiator && c->lim.reject_after_ms > after)
		after += (c->lim.reject_after_ms - after) / 2;
	return s->gen != c->gen || s->send_ctr >= c->lim.rekey_after_msgs ||
	       age(now, s->created) >= after;
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

static struct cpeer *peer_get(struct crypto *c, const struct ipaddr *ip)
{
	struct cpeer *p = peer_find(c, ip);

	if (p)
		return p;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->ip = *ip;
	if (table_set_static(c->peers, ip, &p) < 0) {
		free(p);
		return NULL;
	}
	p->next = c->plist;
	if (c->plist)
		c->plist->back = p;
	c->plist = p;
	return p;
}

static void peer_free_sessions(struct crypto *c, struct cpeer *p)
{
	session_free(c, p->cur);
	session_free(c, p->prev);
	session_free(c, p->pend_init);
	session_free(c, p->pend_resp);
	p->cur = p->prev = p->pend_init = p->pend_resp = NULL;
}

static void peer_free(struct crypto *c, struct cpeer *p)
{
	peer_free_sessions(c, p);
	table_del(c->peers, &p->ip);
	if (p->back)
		p->back->next = p->next;
	else
		c->plist = p->next;
	if (p->next)
		p->next->back = p->back;
	free(p);
}

/* Make *slot the current session; the current one becomes previous. */
static void promote(struct crypto *c, struct cpeer *p, struct session **slot)
{
	session_free(c, p->prev);
	p->prev = p->cur;
	p->cur = *slot;
	*slot = NULL;
	c->st.sessions++;
}

/* Should a handshake with p (NULL: none known) start now? Not while an init
 * is younger than the rate limit, nor while a response of ours under the
 * current key waits for its confirmation, which is one round trip away. */
static bool want_handshake(const struct crypto *c, const struct cpeer *p, uint64_t now)
{
	if (!p)
		return true;
	if (p->init_sent && age(now, p->last_init_at) < c->lim.rekey_timeout_ms)
		return false;
	if (p->pend_resp && p->pend_resp->gen == c->gen &&
	    age(now, p->pend_resp->created) < c->lim.rekey_timeout_ms)
		return false;
	return true;
}

/* --- replay window (RFC 6479) -------------------------------------------- */

static bool replay_check(const struct replay *r, uint64_t ctr)
{
	if (ctr >= r->top)
		return true;
	if (r->top - ctr > CRYPTO_REPLAY_WINDOW)
		return false;
	return !((r->bits[(ctr / 64) % REPLAY_WORDS] >> (ctr % 64)) & 1);
}

/* Record ctr, which replay_check accepted. Advancing clears the blocks
 * passed over, which held counters now below the window. */
static void replay_accept(struct replay *r, uint64_t ctr)
{
	if (ctr >= r->top) {
		uint64_t from = r->top ? (r->top - 1) / 64 + 1 : 0, to = ctr / 64;

		if (to >= from) {
			if (to - from >= REPLAY_WORDS)
				memset(r->bits, 0, sizeof(r->bits));
			else
				for (uint64_t b = from; b <= to; b++)
					r->bits[b % REPLAY_WORDS] = 0;
		}
		r->top = ctr + 1;
	}
	r->bits[(ctr / 64) % REPLAY_WORDS] |= (uint64_t)1 << (ctr % 64);
}

/* --- life cycle ---------------------------------------------------------- */

struct crypto *crypto_new(const uint8_t key[static CRYPTO_KEY_LEN], bool aes_here,
			  const struct crypto_limits *l, crypto_random_fn *rnd, void *rctx)
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
	c->gen = 1;
	rnd(rctx, seed, sizeof(seed));
	c->peers = table_new(sizeof(struct ipaddr), sizeof(struct cpeer *), 0, 0, seed);
	rnd(rctx, seed, sizeof(seed));
	c->index = table_new(IDX_LEN, sizeof(struct session *), 0, 0, seed);
	sodium_memzero(seed, sizeof(seed));
	c->key = keyset_new(key);
	if (!c->peers || !c->index || !c->key) {
		crypto_free(c);
		return NULL;
	}
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
	if (c->key)
		sodium_free(c->key);
	if (c->old)
		sodium_free(c->old);
	free(c);
}

/* End the grace period: wipe the old key, drop what came from it. */
static void drop_old_key(struct crypto *c)
{
	for (struct cpeer *p = c->plist; p; p = p->next) {
		struct session **slots[] = {&p->cur, &p->prev, &p->pend_init, &p->pend_resp};

		for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
			if (*slots[i] && (*slots[i])->gen != c->gen) {
				session_free(c, *slots[i]);
				*slots[i] = NULL;
			}
		}
	}
	if (c->old)
		sodium_free(c->old);
	c->old = NULL;
}

int crypto_set_key(struct crypto *c, const uint8_t key[static CRYPTO_KEY_LEN], uint64_t now,
		   uint64_t grace_ms)
{
	struct keyset *ks;

	/* A reload of an unchanged key file must not rekey every peer. */
	if (sodium_memcmp(key, c->key->k, CRYPTO_KEY_LEN) == 0)
		return 0;
	ks = keyset_new(key);
	if (!ks)
		return -ENOMEM;
	if (c->old)
		drop_old_key(c);
	c->old = c->key;
	c->key = ks;
	c->gen++;
	c->old_until = sat_add(now, grace_ms);
	if (grace_ms == 0)
		drop_old_key(c);
	return 0;
}

void crypto_forget_peer(struct crypto *c, const struct ipaddr *peer)
{
	struct ipaddr ip;
	struct cpeer *p;

	ipaddr_canon(&ip, peer);
	p = peer_find(c, &ip);
	if (p)
		peer_free(c, p);
}

uint64_t crypto_tick(struct crypto *c, uint64_t now)
{
	uint64_t next = UINT64_MAX;

	if (c->old && now >= c->old_until)
		drop_old_key(c);
	if (c->old)
		next = c->old_until;
	for (struct cpeer *p = c->plist; p; p = p->next) {
		struct session **slots[] = {&p->cur, &p->prev, &p->pend_init, &p->pend_resp};

		for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
			struct session *s = *slots[i];
			uint64_t end;

			if (!s)
				continue;
			if (!session_alive(c, s, now)) {
				session_free(c, s);
				*slots[i] = NULL;
				continue;
			}
			end = sat_add(s->created, c->lim.reject_after_ms);
			if (end < next)
				next = end;
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

	out[0] = TYPE_DATA;
	out[1] = out[2] = out[3] = 0;
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

static size_t seal_drop(struct crypto *c, enum crypto_drop *why, enum crypto_drop reason)
{
	*why = reason;
	c->st.drops[reason]++;
	return 0;
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
		*want = want_handshake(c, p, now);
		return seal_drop(c, why, CRYPTO_DROP_NO_SESSION);
	}
	if (rekey_due(c, s, now))
		*want = want_handshake(c, p, now);
	return seal_with(s, pt, ptlen, out);
}

static enum crypto_in in_drop(struct crypto *c, enum crypto_drop *why, enum crypto_drop reason)
{
	*why = reason;
	c->st.drops[reason]++;
	return CRYPTO_IN_DROP;
}

static enum crypto_in open_data(struct crypto *c, const struct ipaddr *ip, uint8_t *dgram,
				size_t len, uint64_t now, const uint8_t **pt, size_t *ptlen,
				bool *want, enum crypto_drop *why)
{
	uint64_t ctr = get_be64(dgram + DATA_CTR);
	struct session *s = index_find(c, get_be32(dgram + DATA_RIDX));
	size_t clen = len - CRYPTO_OVERHEAD;
	uint8_t nonce[12], *ct = dgram + DATA_HLEN;
	struct cpeer *p;
	int rc;

	if (!s || !s->keys || !ipaddr_equal(&s->peer->ip, ip) || !session_alive(c, s, now) ||
	    ctr >= c->lim.reject_after_msgs) {
		/* Sealed under a session we do not have while we have none that
		 * works: we restarted or lost it, and only a handshake helps. */
		p = peer_find(c, ip);
		if (!p || !p->cur || !session_can_seal(c, p->cur, now))
			*want = want_handshake(c, p, now);
		return in_drop(c, why, CRYPTO_DROP_UNKNOWN_SESSION);
	}
	if (!replay_check(&s->rp, ctr))
		return in_drop(c, why, CRYPTO_DROP_REPLAY);
	nonce_of(nonce, ctr);
	if (s->aes)
		rc = crypto_aead_aes256gcm_decrypt_detached_afternm(
			ct, NULL, ct, clen, ct + clen, dgram, DATA_HLEN, nonce, &s->keys->recv_st);
	else
		rc = crypto_aead_chacha20poly1305_ietf_decrypt_detached(
			ct, NULL, ct, clen, ct + clen, dgram, DATA_HLEN, nonce, s->keys->recv);
	if (rc != 0)
		return in_drop(c, why, CRYPTO_DROP_BAD_TAG);
	replay_accept(&s->rp, ctr);
	p = s->peer;
	/* The initiator holds the keys: our response is confirmed. */
	if (s == p->pend_resp)
		promote(c, p, &p->pend_resp);
	if (clen == 0)
		return CRYPTO_IN_CONSUMED;
	*pt = ct;
	*ptlen = clen;
	return CRYPTO_IN_DATA;
}

/* --- handshake ----------------------------------------------------------- */

static void init_mac(const struct keyset *ks, const uint8_t *msg, uint8_t mac[HMAC_LEN])
{
	crypto_generichash(mac, HMAC_LEN, msg, INIT_MAC, ks->hs, sizeof(ks->hs));
}

static void resp_mac(const struct keyset *ks, const uint8_t rand_i[RAND_LEN], const uint8_t *msg,
		     uint8_t mac[HMAC_LEN])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, ks->hs, sizeof(ks->hs), HMAC_LEN);
	crypto_generichash_update(&st, rand_i, RAND_LEN);
	crypto_generichash_update(&st, msg, RESP_MAC);
	crypto_generichash_final(&st, mac, HMAC_LEN);
	sodium_memzero(&st, sizeof(st));
}

size_t crypto_handshake_init(struct crypto *c, const struct ipaddr *peer, uint8_t *out,
			     uint64_t now, uint64_t wall_ns)
{
	struct ipaddr ip;
	struct cpeer *p;
	struct session *s;
	uint64_t ts;

	ipaddr_canon(&ip, peer);
	p = peer_get(c, &ip);
	if (!p || (p->init_sent && age(now, p->last_init_at) < c->lim.rekey_timeout_ms))
		return 0;
	s = session_new(c, p, true, c->gen, now);
	if (!s)
		return 0;
	c->rnd(c->rctx, s->rand_i, RAND_LEN);
	session_free(c, p->pend_init);
	p->pend_init = s;
	p->init_sent = true;
	p->last_init_at = now;
	/* Strictly increasing here even if the wall clock steps back. */
	ts = wall_ns > c->last_ts_sent ? wall_ns : c->last_ts_sent + 1;
	c->last_ts_sent = ts;

	memset(out, 0, INIT_LEN);
	out[0] = TYPE_INIT;
	put_be32(out + INIT_SIDX, s->local_idx);
	put_be64(out + INIT_TS, ts);
	memcpy(out + INIT_RAND, s->rand_i, RAND_LEN);
	out[INIT_FLAGS] = c->aes_here ? FLAG_AES : 0;
	init_mac(c->key, out, out + INIT_MAC);
	c->st.inits_sent++;
	return INIT_LEN;
}

static enum crypto_in open_init(struct crypto *c, const struct ipaddr *ip, const uint8_t *msg,
				size_t len, uint64_t now, uint8_t *reply, size_t *reply_len,
				enum crypto_drop *why)
{
	const struct keyset *ks = NULL, *cand[] = {c->key, key_for_gen(c, c->gen - 1, now)};
	uint8_t mac[HMAC_LEN], rand_r[RAND_LEN];
	uint32_t sidx;
	uint64_t ts;
	struct session *s;
	struct cpeer *p;

	if (len != INIT_LEN || (msg[INIT_FLAGS] & ~FLAG_AES) || msg[INIT_FLAGS + 1] ||
	    msg[INIT_FLAGS + 2] || msg[INIT_FLAGS + 3] || get_be32(msg + INIT_SIDX) == 0)
		return in_drop(c, why, CRYPTO_DROP_MALFORMED);
	for (size_t i = 0; i < 2 && !ks; i++) {
		if (!cand[i])
			continue;
		init_mac(cand[i], msg, mac);
		if (crypto_verify_32(mac, msg + INIT_MAC) == 0)
			ks = cand[i];
	}
	if (!ks)
		return in_drop(c, why, CRYPTO_DROP_HANDSHAKE);
	sidx = get_be32(msg + INIT_SIDX);
	ts = get_be64(msg + INIT_TS);
	/* Our own init sent back to us (its index is one of ours). */
	s = index_find(c, sidx);
	if (s && s->initiator)
		return in_drop(c, why, CRYPTO_DROP_HANDSHAKE);
	p = peer_get(c, ip);
	if (!p || ts <= p->last_ts)
		return in_drop(c, why, CRYPTO_DROP_HANDSHAKE);
	s = session_new(c, p, false, gen_of(c, ks), now);
	if (!s)
		return in_drop(c, why, CRYPTO_DROP_HANDSHAKE);
	s->remote_idx = sidx;
	s->aes = c->aes_here && (msg[INIT_FLAGS] & FLAG_AES);
	c->rnd(c->rctx, rand_r, RAND_LEN);
	if (!derive(ks, s, msg + INIT_RAND, rand_r, sidx, s->local_idx)) {
		session_free(c, s);
		return in_drop(c, why, CRYPTO_DROP_HANDSHAKE);
	}
	p->last_ts = ts;
	session_free(c, p->pend_resp);
	p->pend_resp = s;

	memset(reply, 0, RESP_LEN);
	reply[0] = TYPE_RESP;
	put_be32(reply + RESP_SIDX, s->local_idx);
	put_be32(reply + RESP_RIDX, sidx);
	memcpy(reply + RESP_RAND, rand_r, RAND_LEN);
	reply[RESP_FLAGS] = c->aes_here ? FLAG_AES : 0;
	resp_mac(ks, msg + INIT_RAND, reply, reply + RESP_MAC);
	*reply_len = RESP_LEN;
	c->st.responses_sent++;
	return CRYPTO_IN_REPLY;
}

static enum crypto_in open_resp(struct crypto *c, const struct ipaddr *ip, const uint8_t *msg,
				size_t len, uint64_t now, uint8_t *reply, size_t *reply_len,
				enum crypto_drop *why)
{
	uint8_t mac[HMAC_LEN];
	const struct keyset *ks;
	struct session *s;
	struct cpeer *p;

	if (len != RESP_LEN || (msg[RESP_FLAGS] & ~FLAG_AES) || msg[RESP_FLAGS + 1] ||
	    msg[RESP_FLAGS + 2] || msg[RESP_FLAGS + 3] || get_be32(msg + RESP_SIDX) == 0)
		return in_drop(c, why, CRYPTO_DROP_MALFORMED);
	s = index_find(c, get_be32(msg + RESP_RIDX));
	if (!s || !ipaddr_equal(&s->peer->ip, ip) || s != s->peer->pend_init ||
	    !session_alive(c, s, now))
		return in_drop(c, why, CRYPTO_DROP_HANDSHAKE);
	ks = key_for_gen(c, s->gen, now);
	resp_mac(ks, s->rand_i, msg, mac);
	if (crypto_verify_32(mac, msg + RESP_MAC) != 0)
		return in_drop(c, why, CRYPTO_DROP_HANDSHAKE);
	s->remote_idx = get_be32(msg + RESP_SIDX);
	s->aes = c->aes_here && (msg[RESP_FLAGS] & FLAG_AES);
	if (!derive(ks, s, s->rand_i, msg + RESP_RAND, s->local_idx, s->remote_idx))
		return in_drop(c, why, CRYPTO_DROP_HANDSHAKE);
	sodium_memzero(s->rand_i, RAND_LEN);
	p = s->peer;
	promote(c, p, &p->pend_init);
	/* Confirm the session to the responder now rather than with whatever
	 * data we send next, which may be a while. */
	*reply_len = seal_with(s, reply + DATA_HLEN, 0, reply);
	return CRYPTO_IN_REPLY;
}

enum crypto_in crypto_open(struct crypto *c, const struct ipaddr *peer, uint8_t *dgram, size_t len,
			   uint64_t now, uint8_t *reply, size_t *reply_len, const uint8_t **pt,
			   size_t *ptlen, bool *want, enum crypto_drop *why)
{
	struct ipaddr ip;

	*reply_len = 0;
	*pt = NULL;
	*ptlen = 0;
	*want = false;
	*why = CRYPTO_DROP_NONE;
	if (len >= 1 && (dgram[0] & TYPE_I))
		return in_drop(c, why, CRYPTO_DROP_PLAIN);
	if (len < 4 || dgram[1] || dgram[2] || dgram[3])
		return in_drop(c, why, CRYPTO_DROP_MALFORMED);
	ipaddr_canon(&ip, peer);
	switch (dgram[0]) {
	case TYPE_DATA:
		if (len < CRYPTO_OVERHEAD)
			return in_drop(c, why, CRYPTO_DROP_MALFORMED);
		return open_data(c, &ip, dgram, len, now, pt, ptlen, want, why);
	case TYPE_INIT:
		return open_init(c, &ip, dgram, len, now, reply, reply_len, why);
	case TYPE_RESP:
		return open_resp(c, &ip, dgram, len, now, reply, reply_len, why);
	default:
		return in_drop(c, why, CRYPTO_DROP_MALFORMED);
	}
}

/* --- queries and key text ------------------------------------------------- */

const char *crypto_cipher_name(const struct crypto *c, const struct ipaddr *peer)
{
	struct ipaddr ip;
	const struct cpeer *p;

	ipaddr_canon(&ip, peer);
	p = peer_find(c, &ip);
	if (!p || !p->cur || !p->cur->keys)
		return "none";
	return p->cur->aes ? "aes-256-gcm" : "chacha20-poly1305-ietf";
}

void crypto_get_stats(const struct crypto *c, struct crypto_stats *st)
{
	*st = c->st;
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f';
}

bool crypto_key_parse(const char *text, size_t len, uint8_t key[static CRYPTO_KEY_LEN])
{
	size_t bin_len = 0;
	const char *end = NULL;

	while (len > 0 && is_space(text[0])) {
		text++;
		len--;
	}
	while (len > 0 && is_space(text[len - 1]))
		len--;
	if (len == 0 ||
	    sodium_base642bin(key, CRYPTO_KEY_LEN, text, len, NULL, &bin_len, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != text + len || bin_len != CRYPTO_KEY_LEN) {
		sodium_memzero(key, CRYPTO_KEY_LEN);
		return false;
	}
	return true;
}

void crypto_key_format(const uint8_t key[static CRYPTO_KEY_LEN],
		       char out[static CRYPTO_KEY_TEXT_LEN])
{
	sodium_bin2base64(out, CRYPTO_KEY_TEXT_LEN, key, CRYPTO_KEY_LEN,
			  sodium_base64_VARIANT_ORIGINAL);
}
