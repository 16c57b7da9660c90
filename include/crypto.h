/* crypto: the opt-in secure mode: handshake, session keys, sealing and opening datagrams. */
#ifndef VXTAP_CRYPTO_H
#define VXTAP_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/*
 * Protocol (version 1). Every node holds the same 32-byte cluster key K.
 *
 * Keys. hs_key = BLAKE2b-256 keyed with K over "vxtap-hs-v1"; it authenticates
 * handshake messages. Session keys come from K and both sides' fresh randoms
 * (below), so no two sessions share a key and every session counts its
 * nonces from zero.
 *
 * Framing. Byte 0 is the message type: 0xA1 init, 0xA2 response, 0xA4 data.
 * Its 0x08 bit, the VXLAN I flag, is clear and its reserved bits are not, so
 * the Linux vxlan driver (and vxtap without a key) drops these datagrams
 * instead of delivering them. Bytes 1-3 are zero. A datagram with the 0x08 bit
 * set is plain VXLAN and is dropped while a key is set. Integers are big-endian.
 *
 * Init, initiator I to responder R, 84 bytes:
 *   0xA1 | 0 0 0 | sender index I (4) | timestamp (8) | random I (32) |
 *   flags (1) | 0 0 0 | MAC (32)
 * The index is random, nonzero and unique among I's live sessions. The
 * timestamp is I's wall clock in ns, forced to increase within one process;
 * R accepts an init from an address only if its timestamp is greater than the
 * last one it accepted from there. Flags bit 0: AES-256-GCM is available at
 * the sender; the other bits are zero. MAC = BLAKE2b-256 keyed with hs_key
 * over all bytes before it.
 *
 * Response, R to I, 80 bytes:
 *   0xA2 | 0 0 0 | sender index R (4) | receiver index = sender index I (4) |
 *   random R (32) | flags (1) | 0 0 0 | MAC (32)
 * MAC = BLAKE2b-256 keyed with hs_key over random I followed by all bytes
 * before it, which binds the response to one init.
 *
 * Session keys: 64 bytes = BLAKE2b-512 keyed with K over
 *   "vxtap-session-v1" | random I | random R | index I | index R;
 * bytes 0-31 seal I to R, bytes 32-63 seal R to I. The cipher is AES-256-GCM
 * when both flags have bit 0 set, ChaCha20-Poly1305-IETF otherwise.
 *
 * Data, 32 bytes of overhead:
 *   0xA4 | 0 0 0 | receiver index (4) | counter (8) | ciphertext | tag (16)
 * The receiver index is the one the receiving side chose. Nonce = 4 zero
 * bytes | counter; additional data = the 16 header bytes; the plaintext is
 * the VXLAN header and the inner frame. An empty plaintext is a keepalive.
 *
 * Receiving. A sliding window (RFC 6479) of CRYPTO_REPLAY_WINDOW counters per
 * session accepts each counter once, updated only after the tag verifies.
 *
 * Sessions. Per peer: current (sealed with), previous (still opened until it
 * expires), one init in flight, one response awaiting confirmation. The
 * initiator seals with a session as soon as the response verifies, and
 * answers the response with a keepalive in the new session. The responder
 * seals with it only once a datagram from the initiator has opened under it,
 * so an init replayed after a restart cannot displace a working session. A
 * session's initiator asks for a new handshake after rekey_after_ms or
 * rekey_after_msgs sent; its responder after rekey_after_ms plus half the
 * gap to reject_after_ms. No session seals or opens after reject_after_ms or
 * past reject_after_msgs. Inits go out at most once per rekey_timeout_ms per
 * peer. A data datagram for a session this node does not have, while it has
 * no session with that peer, asks for a handshake (the peer restarted or
 * lost us). Both sides may initiate at once: each seals with its newest
 * confirmed session and opens both.
 *
 * Key rotation (crypto_set_key). New handshakes are made under the new key;
 * for grace_ms, handshakes that fail under it are tried, and answered, under
 * the old one, and sessions derived from the old key keep working while every
 * peer is rekeyed under the new key. Then the old key and its sessions go.
 */

#define CRYPTO_KEY_LEN	     32
#define CRYPTO_OVERHEAD	     32	 /* data header + tag */
#define CRYPTO_HEADROOM	     16	 /* data header in front of the plaintext */
#define CRYPTO_HS_MAX	     128 /* largest handshake message (and keepalive) */
#define CRYPTO_REPLAY_WINDOW 2048
#define CRYPTO_KEY_TEXT_LEN  64 /* crypto_key_format output buffer */

struct crypto;

/* Times in ms, counts in datagrams sealed with one session. */
struct crypto_limits {
	uint64_t rekey_after_ms, reject_after_ms, rekey_timeout_ms;
	uint64_t rekey_after_msgs, reject_after_msgs;
};

/* 120 s, 180 s, 1 s, 2^40, 2^60. */
void crypto_default_limits(struct crypto_limits *l);

/* Fill buf with len unpredictable bytes (the shell: randombytes_buf). */
typedef void crypto_random_fn(void *ctx, void *buf, size_t len);

/* Why a datagram was not sealed or opened. X(ENUM, name, description). */
#define CRYPTO_DROP_REASONS(X)                                                        \
	X(BAD_TAG, bad_tag, "sealed datagram whose tag does not verify")              \
	X(REPLAY, replay, "sealed datagram with a counter seen before or too old")    \
	X(UNKNOWN_SESSION, unknown_session, "sealed datagram for a session not held") \
	X(PLAIN, plain, "plain VXLAN datagram while secure mode is on")               \
	X(HANDSHAKE, handshake, "handshake message refused")                          \
	X(MALFORMED, malformed, "secure-mode datagram that does not parse")           \
	X(NO_SESSION, no_session, "frame not sent: no session with the peer yet")

#define CRYPTO_DROP_ENUM(e, name, desc) CRYPTO_DROP_##e,
enum crypto_drop { CRYPTO_DROP_NONE = 0, CRYPTO_DROP_REASONS(CRYPTO_DROP_ENUM) CRYPTO_DROP__COUNT };
#undef CRYPTO_DROP_ENUM

/* Everything else counted. X(name, description). */
#define CRYPTO_COUNTERS(X)                                      \
	X(sessions, "secure sessions established, either role") \
	X(inits_sent, "handshake inits sent")                   \
	X(responses_sent, "handshake responses sent")

#define CRYPTO_COUNTER_FIELD(name, desc) uint64_t name;
struct crypto_stats {
	uint64_t drops[CRYPTO_DROP__COUNT];
	CRYPTO_COUNTERS(CRYPTO_COUNTER_FIELD)
};
#undef CRYPTO_COUNTER_FIELD

/* A new context for key (copied into guarded memory). aes_here: the caller
 * found crypto_aead_aes256gcm_is_available() (sodium_init() must have run).
 * l NULL means the defaults. rnd is called for indices, randoms and the hash
 * seeds. NULL on allocation failure. */
struct crypto *crypto_new(const uint8_t key[static CRYPTO_KEY_LEN], bool aes_here,
			  const struct crypto_limits *l, crypto_random_fn *rnd, void *rctx);

/* Wipe every key and free everything. c may be NULL. */
void crypto_free(struct crypto *c);

/* Rotate to key at now: see the protocol above. A key equal to the current
 * one changes nothing. A rotation during a grace period ends that grace
 * period at once. 0 or -ENOMEM (nothing changed). */
int crypto_set_key(struct crypto *c, const uint8_t key[static CRYPTO_KEY_LEN], uint64_t now,
		   uint64_t grace_ms);

/* Seal pt (ptlen bytes) for peer into out, which holds ptlen +
 * CRYPTO_OVERHEAD bytes and either does not overlap pt or is exactly
 * pt - CRYPTO_HEADROOM (in place). Returns the sealed length, or 0 with *why
 * = CRYPTO_DROP_NO_SESSION. *want_handshake is set when a handshake should
 * start now (no session, rekey due, key rotated; rate limit permitting): the
 * caller then sends crypto_handshake_init's message. */
size_t crypto_seal(struct crypto *c, const struct ipaddr *peer, const uint8_t *pt, size_t ptlen,
		   uint8_t *out, uint64_t now, bool *want_handshake, enum crypto_drop *why);

/* Build an init for peer into out (CRYPTO_HS_MAX bytes) unless one went out
 * less than rekey_timeout_ms ago. wall_ns: the caller's wall clock, the
 * timestamp. Returns its length, or 0 (rate limited, or out of memory). */
size_t crypto_handshake_init(struct crypto *c, const struct ipaddr *peer, uint8_t *out,
			     uint64_t now, uint64_t wall_ns);

enum crypto_in {
	CRYPTO_IN_DATA,	    /* plaintext at *pt, *ptlen bytes */
	CRYPTO_IN_REPLY,    /* send *reply_len bytes of reply back to the peer */
	CRYPTO_IN_CONSUMED, /* a handshake message or keepalive accepted */
	CRYPTO_IN_DROP,	    /* *why says why */
};

/* A datagram of len bytes from peer (already known to be a listed peer).
 * Data opens in place: *pt points into dgram. reply holds CRYPTO_HS_MAX
 * bytes. On a drop, dgram may have been overwritten. *want_handshake as for
 * crypto_seal: set when the datagram shows that the peer has a session this
 * node lost (it restarted). */
enum crypto_in crypto_open(struct crypto *c, const struct ipaddr *peer, uint8_t *dgram, size_t len,
			   uint64_t now, uint8_t *reply, size_t *reply_len, const uint8_t **pt,
			   size_t *ptlen, bool *want_handshake, enum crypto_drop *why);

/* Forget a removed peer: its sessions and its last init timestamp. */
void crypto_forget_peer(struct crypto *c, const struct ipaddr *peer);

/* Expire sessions, wipe the old key after its grace period. Returns the next
 * time (ms) it has work, UINT64_MAX for none. */
uint64_t crypto_tick(struct crypto *c, uint64_t now);

/* The cipher of the session sealed with for peer: "aes-256-gcm",
 * "chacha20-poly1305-ietf", or "none". */
const char *crypto_cipher_name(const struct crypto *c, const struct ipaddr *peer);

/* Counters since crypto_new; every drop crypto_seal and crypto_open report
 * is counted here. */
void crypto_get_stats(const struct crypto *c, struct crypto_stats *st);

/* "bad_tag", ...; "none" for CRYPTO_DROP_NONE, "unknown" out of range. */
const char *crypto_drop_name(enum crypto_drop d);

/* Base64 (RFC 4648, with padding) text of len bytes, surrounding whitespace
 * ignored, into key. False (key zeroed) unless it is exactly 32 bytes. */
bool crypto_key_parse(const char *text, size_t len, uint8_t key[static CRYPTO_KEY_LEN]);

/* The 44-character base64 text of key, NUL-terminated. */
void crypto_key_format(const uint8_t key[static CRYPTO_KEY_LEN],
		       char out[static CRYPTO_KEY_TEXT_LEN]);

#endif
