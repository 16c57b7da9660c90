/* crypto: the opt-in secure mode: a key per node, Noise IKpsk2 handshakes, DoS cookies,
 * sessions, the replay window, sealing and opening datagrams. */
#ifndef VXTAP_CRYPTO_H
#define VXTAP_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "keytext.h"

/*
 * Protocol (wire version 2). Each node has an X25519 key pair; each peer is
 * listed by its underlay address together with its public key. An optional
 * 32-byte cluster secret (the PSK) goes into every handshake (all zero when
 * there is none).
 *
 * Handshake: Noise_IKpsk2_25519_ChaChaPoly_BLAKE2b (noise.h), as WireGuard
 * uses Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s:
 *     <- s
 *     ...
 *     -> e, es, s, ss      (init; payload: TAI64N timestamp, flags)
 *     <- e, ee, se, psk    (response; payload: flags)
 * prologue = "vxtap secure mode, wire version 2". Split gives the session
 * keys: the first seals initiator to responder, the second the other way.
 *
 * Framing. Byte 0 is the message type: 0xA1 init, 0xA2 response, 0xA3
 * cookie reply, 0xA4 data. Its 0x08 bit, the VXLAN I flag, is clear and its
 * reserved bits are not, so the Linux vxlan driver (and vxtap without a key)
 * drops these datagrams. Byte 1 is the wire version, 2; bytes 2-3 are zero.
 * A datagram with the 0x08 bit set is plain VXLAN and is dropped while
 * secure mode is on. vxtap's own integers (indices, data counters) are
 * big-endian; the nonces inside Noise are little-endian, as Noise says.
 *
 *   init, 149 bytes
 *     0  0xA1 2 0 0
 *     4  sender index (4)
 *     8  ephemeral public key (32)
 *    40  encrypted static public key (32 + 16)
 *    88  encrypted payload: TAI64N timestamp (12) | flags (1) (+ 16)
 *   117  mac1 (16)
 *   133  mac2 (16)
 *   response, 93 bytes
 *     0  0xA2 2 0 0
 *     4  sender index (4)
 *     8  receiver index (4): the init's sender index
 *    12  ephemeral public key (32)
 *    44  encrypted payload: flags (1) (+ 16)
 *    61  mac1 (16)
 *    77  mac2 (16): zero
 *   cookie reply, 64 bytes
 *     0  0xA3 2 0 0
 *     4  receiver index (4): the init's sender index
 *     8  nonce (24)
 *    32  encrypted cookie (16 + 16)
 *   data, 16-byte header + ciphertext + 16-byte tag: 32 bytes of overhead
 *     0  0xA4 2 0 0
 *     4  receiver index (4): the index the receiving side chose
 *     8  counter (8)
 *    16  ciphertext | tag
 *
 * Indices are random, nonzero, and unique among the sender's live sessions
 * and handshakes. Flags bit 0: the sender has AES-256-GCM in hardware;
 * other bits are zero (a handshake with another bit set is refused). Data
 * is sealed with AES-256-GCM when both handshake messages had bit 0 set,
 * ChaCha20-Poly1305-IETF otherwise, under the Split key, with nonce = 4
 * zero bytes | counter (big-endian), additional data = the 16 header bytes;
 * the plaintext is the VXLAN header and the inner frame. An empty plaintext
 * is a keepalive.
 *
 * MACs. HASH32(x) below is BLAKE2b with a 32-byte output (not Noise's HASH);
 * MAC(k, x) is BLAKE2b with a 16-byte output keyed with k.
 *   mac1 = MAC(HASH32("vxtap mac1 v2" | receiver's static public key),
 *              message bytes before mac1)
 *   mac2 = MAC(cookie, message bytes before mac2), or 16 zero bytes
 *   cookie = MAC(R, family (1) | address (16) | port (2, big-endian)) of the
 *            init's source, R being a responder secret renewed every
 *            cookie_secret_ms (randomness injected)
 *   cookie reply: XChaCha20-Poly1305 of the cookie, key =
 *            HASH32("vxtap cookie v2" | responder's static public key),
 *            additional data = the mac1 of the init; the nonce is 16 bytes
 *            drawn when the context starts and a 64-bit counter, so that
 *            none repeats under that key, restarts included.
 * A responder checks an init's source address (it must be a listed peer's)
 * and mac1 before any Diffie-Hellman: only a sender that knows the
 * responder's public key gets that far, and an init made for another node
 * fails there. Responses carry a zero mac2: a response must name the random
 * index of an init in flight before anything else is done with it.
 *
 * Load. Inits that pass mac1 take a token from a bucket of hs_rate a second
 * (hs_burst deep). When it is empty the responder is under load, and stays
 * so for a second after the bucket was last found empty: then an init
 * without a valid mac2 gets a cookie reply (no Diffie-Hellman, no state),
 * and an init with a valid mac2 is answered if its peer's own bucket
 * (hs_peer_rate, hs_peer_burst) allows. The initiator keeps the cookie for
 * cookie_valid_ms and sends the init again, with mac2, as soon as the retry
 * rule below allows. Without load, mac2 is not looked at: it is a DoS hint,
 * not part of the handshake's authentication.
 *
 * Identity. The decrypted static key of an init must be the one listed for
 * the address it came from: a key listed for another address (wrong_key) or
 * not listed at all (unknown_key) gets nothing through. Data is opened only
 * from the address of the session's peer (wrong_addr otherwise: peers are
 * listed by address, so nothing roams).
 *
 * Timestamps. The greatest timestamp accepted is kept per initiator static
 * key (not per address); an init must carry a greater one (stale). The
 * initiator sends its wall clock, forced to increase within one process.
 * Against an init dated far ahead (by a clock error or by someone holding
 * the key), which would shut that key out until the responder restarted: an
 * init dated more than max_future_ms (5 minutes, as Kerberos' clock skew)
 * ahead of the responder's wall clock is refused (future), and the stored
 * maximum goes when no listed peer has that key any more (the key changed
 * or the peer was removed). Clocks of the nodes must therefore agree within
 * max_future_ms.
 *
 * Sessions. Per peer: current (sealed with), previous (still opened, for
 * datagrams in flight), the init in flight (its ephemeral private key and
 * chaining state in locked memory), and the responder's session awaiting
 * confirmation. The initiator seals with a session once the response
 * verifies, and confirms it at once with a keepalive. The responder seals
 * with it only once a datagram from the initiator has opened under it, so a
 * replayed or forged init cannot displace a working session. The initiator
 * asks for a new handshake after rekey_after_ms or rekey_after_msgs sent;
 * the responder after rekey_after_ms plus half the gap to reject_after_ms,
 * so that both ends seldom start at once. No session seals or opens after
 * reject_after_ms or at counters from reject_after_msgs on; crypto_tick
 * zeroes its keys then (sooner than WireGuard's 3 x reject-after).
 *
 * Retries. At most one init per init_min_ms per peer. An init with no
 * response is sent again after rekey_timeout_ms (crypto_tick reports it);
 * one answered by a cookie, after init_min_ms; attempts stop after
 * rekey_attempt_ms, until traffic asks again. No retry timer has jitter: the
 * caller's clock is the only input. An init is not started while a response
 * of ours is younger than rekey_timeout_ms and unconfirmed (the initiator is
 * one round trip from confirming it). A data datagram under a session this
 * node does not have, while it has no session to seal with for that peer,
 * asks for a handshake (the node restarted or lost the session).
 *
 * Keys. crypto_set_key moves to a new private key: inits in flight are
 * dropped and every session is marked for rekeying (new handshakes at once,
 * old sessions still carry data until the new ones are up or they expire).
 * crypto_peer_set with another public key for a peer drops that peer's
 * sessions and handshakes at once (they were authenticated by the old key).
 *
 * Memory. Secrets (the private key, PSK, cookie secret, per-peer
 * static-static DH results, handshake states, cookies, session keys) live
 * in a few sodium_malloc'd slabs that grow by chunks (256 slots, then
 * doubling up to 8192; 64 chunks, about 490,000 slots): the number of
 * memory mappings grows with the logarithm of the number of sessions, not
 * with it. The memory is locked as far as RLIMIT_MEMLOCK allows (beyond
 * it, libsodium leaves it unlocked; it is never in a core dump). A session
 * slot is 1088 bytes, a peer's 208. Slots are zeroed when freed. Ephemeral
 * private keys are zeroed as soon as they are used.
 */

#define CRYPTO_KEY_LEN	     KEYTEXT_KEY_LEN
#define CRYPTO_OVERHEAD	     32	 /* data header + tag */
#define CRYPTO_HEADROOM	     16	 /* data header in front of the plaintext */
#define CRYPTO_HS_MAX	     160 /* largest handshake message (and keepalive) */
#define CRYPTO_INIT_LEN	     149
#define CRYPTO_RESP_LEN	     93
#define CRYPTO_COOKIE_LEN    64
#define CRYPTO_WIRE_VERSION  2
#define CRYPTO_REPLAY_WINDOW 2048

struct crypto;

/* Times in ms; counts in datagrams sealed with one session; rates per second. */
struct crypto_limits {
	uint64_t rekey_after_ms, reject_after_ms;
	uint64_t rekey_timeout_ms, init_min_ms, rekey_attempt_ms;
	uint64_t rekey_after_msgs, reject_after_msgs;
	uint32_t hs_rate, hs_burst;	      /* inits answered, all peers */
	uint32_t hs_peer_rate, hs_peer_burst; /* under load, per peer, with mac2 */
	uint64_t cookie_secret_ms, cookie_valid_ms;
	uint64_t max_future_ms;
};

/* 120 s, 180 s; 5 s, 1 s, 90 s; 2^60, 2^64 - 2^13 - 1; 200/s + 200,
 * 20/s + 5; 120 s, 115 s; 300 s. */
void crypto_default_limits(struct crypto_limits *l);

/* Fill buf with len unpredictable bytes (the shell: randombytes_buf). */
typedef void crypto_random_fn(void *ctx, void *buf, size_t len);

/* Why a datagram was not sealed or opened. X(ENUM, name, description). */
#define CRYPTO_DROP_REASONS(X)                                                              \
	X(BAD_TAG, bad_tag, "sealed datagram whose tag does not verify")                    \
	X(REPLAY, replay, "sealed datagram with a counter seen before or too old")          \
	X(UNKNOWN_SESSION, unknown_session, "datagram for a session or handshake not held") \
	X(PLAIN, plain, "plain VXLAN datagram while secure mode is on")                     \
	X(HANDSHAKE, handshake, "handshake message that does not decrypt")                  \
	X(MALFORMED, malformed, "secure-mode datagram that does not parse")                 \
	X(NO_SESSION, no_session, "frame not sent: no session with the peer yet")           \
	X(UNKNOWN_PEER, unknown_peer, "init from an address that is not a peer")            \
	X(BAD_MAC1, bad_mac1, "handshake message not made for this node's key")             \
	X(UNKNOWN_KEY, unknown_key, "init from a static key that is not listed")            \
	X(WRONG_KEY, wrong_key, "init from a listed key, but from another peer's address")  \
	X(STALE, stale, "init whose timestamp is not newer: a replay")                      \
	X(FUTURE, future, "init dated too far ahead of this node's clock")                  \
	X(RATE_LIMITED, rate_limited, "init over its peer's limit while under load")        \
	X(WRONG_ADDR, wrong_addr, "datagram from another address than its session's peer")  \
	X(COOKIE, cookie, "cookie reply that does not open or answers no init")

#define CRYPTO_DROP_ENUM(e, name, desc) CRYPTO_DROP_##e,
enum crypto_drop { CRYPTO_DROP_NONE = 0, CRYPTO_DROP_REASONS(CRYPTO_DROP_ENUM) CRYPTO_DROP__COUNT };
#undef CRYPTO_DROP_ENUM

/* Everything else counted. X(name, description). */
#define CRYPTO_COUNTERS(X)                                                         \
	X(sessions, "secure sessions established, either role")                    \
	X(handshakes_completed, "handshakes completed: response verified or sent") \
	X(inits_sent, "handshake inits sent")                                      \
	X(responses_sent, "handshake responses sent")                              \
	X(cookies_sent, "cookie replies sent under load")                          \
	X(cookie_replies_received, "cookie replies received that opened")          \
	X(under_load, "times the handshake rate was exceeded")

#define CRYPTO_COUNTER_FIELD(name, desc) uint64_t name;
struct crypto_stats {
	uint64_t drops[CRYPTO_DROP__COUNT];
	CRYPTO_COUNTERS(CRYPTO_COUNTER_FIELD)
};
#undef CRYPTO_COUNTER_FIELD

/* A new context for private key priv and psk (NULL: none, all zero), both
 * copied into locked memory. aes_here: the caller found
 * crypto_aead_aes256gcm_is_available() (sodium_init() must have run). l
 * NULL means the defaults. rnd is called for indices, ephemeral keys,
 * nonces, the cookie secret and the hash seeds. NULL on allocation failure. */
struct crypto *crypto_new(const uint8_t priv[static CRYPTO_KEY_LEN], const uint8_t *psk,
			  bool aes_here, const struct crypto_limits *l, crypto_random_fn *rnd,
			  void *rctx);

/* Wipe every secret and free everything. c may be NULL. */
void crypto_free(struct crypto *c);

/* The public key of priv (`vxtap --pubkey`). */
void crypto_public_key(const uint8_t priv[static CRYPTO_KEY_LEN],
		       uint8_t pub[static CRYPTO_KEY_LEN]);

/* This node's public key. */
void crypto_own_public_key(const struct crypto *c, uint8_t pub[static CRYPTO_KEY_LEN]);

/* List peer ip with public key pub, or change its key (which drops its
 * sessions and handshakes at once). The same key again changes nothing.
 * 0; -EINVAL when pub is this node's own key or a low-order point (no
 * shared secret); -EEXIST in the (2^-160) case of another listed key with
 * the same first 20 bytes; -ENOMEM. Nothing changes on an error. */
int crypto_peer_set(struct crypto *c, const struct ipaddr *ip,
		    const uint8_t pub[static CRYPTO_KEY_LEN]);

/* Forget a peer: its key, sessions, handshakes, cookie; its key's last
 * timestamp too unless another listed peer has the same key. */
void crypto_forget_peer(struct crypto *c, const struct ipaddr *ip);

/* Move to private key priv at now: see "Keys" above. The current key again
 * changes nothing. 0, or -EINVAL (nothing changed) when a listed peer has
 * the new public key. */
int crypto_set_key(struct crypto *c, const uint8_t priv[static CRYPTO_KEY_LEN], uint64_t now);

/* Seal pt (ptlen bytes) for peer into out, which holds ptlen +
 * CRYPTO_OVERHEAD bytes and either does not overlap pt or is exactly
 * pt - CRYPTO_HEADROOM (in place). Returns the sealed length, or 0 with *why
 * = CRYPTO_DROP_NO_SESSION. *want_handshake is set when a handshake should
 * start now (no session, rekey due; the retry rule permitting): the caller
 * then sends crypto_handshake_init's message. */
size_t crypto_seal(struct crypto *c, const struct ipaddr *peer, const uint8_t *pt, size_t ptlen,
		   uint8_t *out, uint64_t now, bool *want_handshake, enum crypto_drop *why);

/* Build an init for listed peer into out (CRYPTO_HS_MAX bytes) unless the
 * retry rule forbids one now. wall_ns: the caller's wall clock (UNIX time in
 * ns), the timestamp. Returns its length, or 0 (not now, peer not listed,
 * out of memory). */
size_t crypto_handshake_init(struct crypto *c, const struct ipaddr *peer, uint8_t *out,
			     uint64_t now, uint64_t wall_ns);

enum crypto_in {
	CRYPTO_IN_DATA,	    /* plaintext at *pt, *ptlen bytes */
	CRYPTO_IN_REPLY,    /* send *reply_len bytes of reply back to src */
	CRYPTO_IN_CONSUMED, /* a handshake message or keepalive accepted */
	CRYPTO_IN_DROP,	    /* *why says why */
};

/* A datagram of len bytes from src. Data opens in place: *pt points into
 * dgram. reply holds CRYPTO_HS_MAX bytes and is sent back to src on REPLY:
 * a response (to an init), a keepalive (to a response) or a cookie reply
 * (to an init under load). *peer_out is the peer the datagram authenticated
 * as; its family is 0 when nothing was authenticated (every drop, a cookie
 * reply sent, a cookie reply received): count a datagram against a peer
 * only when it is not. *want_handshake: send crypto_handshake_init to
 * src->ip now (the peer has a session this node lost, or a cookie came and
 * the retry rule allows the init again at once; otherwise crypto_tick
 * reports the retry). On a drop, dgram may have been overwritten; nothing
 * else changed but counters, the load buckets and the cookie secret's
 * renewal. now: monotonic ms; wall_ns: UNIX time in ns (the timestamp
 * bound). */
enum crypto_in crypto_open(struct crypto *c, const struct endpoint *src, uint8_t *dgram, size_t len,
			   uint64_t now, uint64_t wall_ns, uint8_t *reply, size_t *reply_len,
			   const uint8_t **pt, size_t *ptlen, struct ipaddr *peer_out,
			   bool *want_handshake, enum crypto_drop *why);

/* Called by crypto_tick for each peer whose init should be sent again now:
 * the caller sends crypto_handshake_init's message to it. It may call
 * anything but crypto_forget_peer and crypto_free. */
typedef void crypto_retry_fn(void *arg, const struct ipaddr *peer);

/* Expire sessions (zeroing their keys), cookies and abandoned handshakes;
 * call retry (when not NULL) for inits due again. Returns the next time
 * (ms) it has work, UINT64_MAX for none; call it again then, and after any
 * crypto_handshake_init (a new deadline). */
uint64_t crypto_tick(struct crypto *c, uint64_t now, crypto_retry_fn *retry, void *arg);

/* The cipher of the session sealed with for peer: "aes-256-gcm",
 * "chacha20-poly1305-ietf", or "none". */
const char *crypto_cipher_name(const struct crypto *c, const struct ipaddr *peer);

enum crypto_peer_state {
	CRYPTO_PEER_IDLE,	 /* no session, no handshake */
	CRYPTO_PEER_HANDSHAKING, /* no session to seal with; an init in flight */
	CRYPTO_PEER_UP,		 /* a session to seal with */
};

/* What `peer show` prints about a listed peer. */
struct crypto_peer_info {
	uint8_t pub[CRYPTO_KEY_LEN];
	enum crypto_peer_state state;
	const char *cipher;	 /* as crypto_cipher_name */
	uint64_t last_handshake; /* ms (the callers' now) a session last came up; 0: never */
	uint64_t session_age_ms; /* of the session sealed with; 0 without one */
	bool rekeying;		 /* an init in flight while UP */
	bool has_cookie;	 /* a cookie from it is held */
};

/* Fill info for peer ip at now. 0, or -ENOENT when it is not listed. */
int crypto_peer_info(const struct crypto *c, const struct ipaddr *ip, uint64_t now,
		     struct crypto_peer_info *info);

/* Counters since crypto_new; every drop crypto_seal and crypto_open report
 * is counted here. */
void crypto_get_stats(const struct crypto *c, struct crypto_stats *st);
/* handshakes_completed alone (cheap enough to ask around every datagram). */
uint64_t crypto_handshakes_completed(const struct crypto *c);

/* True when the len bytes at d start as a secure-mode message of this wire
 * version (one of the four types, version byte, two zero bytes): what a node
 * without a key receives from one with a key. */
bool crypto_wire_looks_sealed(const uint8_t *d, size_t len);

/* "bad_tag", ...; "none" for CRYPTO_DROP_NONE, "unknown" out of range. */
const char *crypto_drop_name(enum crypto_drop d);
/* Its description, as the counter's. */
const char *crypto_drop_desc(enum crypto_drop d);

/* The receive window of one session, RFC 6479 style: a ring of 64-bit
 * words one larger than CRYPTO_REPLAY_WINDOW needs. Exposed for its tests. */
#define CRYPTO_REPLAY_WORDS (CRYPTO_REPLAY_WINDOW / 64 + 1)
struct crypto_replay {
	uint64_t top; /* highest counter accepted + 1; 0 = none yet */
	uint64_t bits[CRYPTO_REPLAY_WORDS];
};

/* Whether ctr may be accepted: above everything seen, or within the last
 * CRYPTO_REPLAY_WINDOW counters and not seen. UINT64_MAX never is. */
bool crypto_replay_check(const struct crypto_replay *r, uint64_t ctr);

/* Record ctr, which crypto_replay_check accepted (after its tag verified). */
void crypto_replay_accept(struct crypto_replay *r, uint64_t ctr);

#endif
