/* noise: the Noise Protocol Framework (revision 34) for the IK pattern, with or without the psk2
 * modifier, over 25519, ChaChaPoly and BLAKE2b: cipher, symmetric and handshake states. */
#ifndef VXTAP_NOISE_H
#define VXTAP_NOISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * What the spec names, and how it is done here with libsodium:
 *   DH      X25519 (crypto_scalarmult); an all-zero result is an error.
 *   ENCRYPT ChaCha20-Poly1305-IETF; nonce = 32 zero bits || n, 64 bits,
 *           little-endian; 16-byte tag after the ciphertext.
 *   HASH    BLAKE2b, 64-byte output (HASHLEN 64, BLOCKLEN 128).
 *   HMAC    RFC 2104 over HASH; HKDF as section 4.3 of the spec defines it.
 * A protocol name of at most HASHLEN bytes is the initial h, zero-padded.
 *
 * IK:     <- s
 *         ...
 *         -> e, es, s, ss
 *         <- e, ee, se
 * IKpsk2 adds "psk" at the end of the second message; with a psk modifier,
 * every "e" token also calls MixKey(e.public_key).
 *
 * Everything here is a pure function of its inputs: ephemeral keys are
 * injected, nothing is allocated, and secrets live where the caller put the
 * structs (the caller wipes them with noise_hs_wipe / sodium_memzero).
 */

#define NOISE_DHLEN    32
#define NOISE_KEYLEN   32
#define NOISE_HASHLEN  64
#define NOISE_BLOCKLEN 128
#define NOISE_TAGLEN   16

/* A CipherState: k, n, and whether k has been set. */
struct noise_cipher {
	uint8_t k[NOISE_KEYLEN];
	uint64_t n;
	bool has_key;
};

/* A SymmetricState. */
struct noise_symmetric {
	struct noise_cipher cs;
	uint8_t ck[NOISE_HASHLEN];
	uint8_t h[NOISE_HASHLEN];
};

enum noise_token {
	NOISE_TOK_E,
	NOISE_TOK_S,
	NOISE_TOK_EE,
	NOISE_TOK_ES,
	NOISE_TOK_SE,
	NOISE_TOK_SS,
	NOISE_TOK_PSK,
};

/* A HandshakeState for IK or IKpsk2. ss_pre, when has_ss_pre, is used for
 * the "ss" token instead of computing DH(s, rs): a caller that keeps the
 * static-static result per peer saves one DH per handshake. */
struct noise_hs {
	struct noise_symmetric sym;
	uint8_t s[NOISE_DHLEN], s_pub[NOISE_DHLEN];
	uint8_t e[NOISE_DHLEN], e_pub[NOISE_DHLEN];
	uint8_t rs[NOISE_DHLEN], re[NOISE_DHLEN];
	uint8_t psk[NOISE_KEYLEN];
	uint8_t ss_pre[NOISE_DHLEN];
	bool initiator, psk2, has_e, has_ss_pre;
};

/* HASH(a || b) into out (64 bytes). */
void noise_hash(uint8_t out[static NOISE_HASHLEN], const uint8_t *a, size_t alen, const uint8_t *b,
		size_t blen);

/* HMAC-HASH with key (at most NOISE_BLOCKLEN bytes) over a || b. */
void noise_hmac(uint8_t out[static NOISE_HASHLEN], const uint8_t *key, size_t klen,
		const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/* HKDF(ck, ikm, 2 or 3): o1 and o2 always, o3 when not NULL (64 bytes each). */
void noise_hkdf(const uint8_t ck[static NOISE_HASHLEN], const uint8_t *ikm, size_t ikm_len,
		uint8_t o1[static NOISE_HASHLEN], uint8_t o2[static NOISE_HASHLEN], uint8_t *o3);

/* DH(priv, pub) into out; false (out zeroed) when the result is all zero,
 * which a low-order public key gives. */
bool noise_dh(uint8_t out[static NOISE_DHLEN], const uint8_t priv[static NOISE_DHLEN],
	      const uint8_t pub[static NOISE_DHLEN]);

/* The public key of priv. */
void noise_pubkey(uint8_t pub[static NOISE_DHLEN], const uint8_t priv[static NOISE_DHLEN]);

/* ENCRYPT(k, n, ad, pt) into out (len + 16 bytes; out may be pt), then
 * n++. False, nothing written, when n is 2^64 - 1 (reserved) or no key. */
bool noise_cipher_encrypt(struct noise_cipher *cs, const uint8_t *ad, size_t adlen,
			  const uint8_t *pt, size_t len, uint8_t *out);

/* DECRYPT of len (>= 16) bytes at ct into out (len - 16; may be ct); n++
 * only when the tag verifies. False on a bad tag, a short input, no key, or
 * n = 2^64 - 1. */
bool noise_cipher_decrypt(struct noise_cipher *cs, const uint8_t *ad, size_t adlen,
			  const uint8_t *ct, size_t len, uint8_t *out);

/* InitializeSymmetric(name): h from the name, ck = h, no key. */
void noise_sym_init(struct noise_symmetric *sym, const char *name);
void noise_mix_hash(struct noise_symmetric *sym, const uint8_t *data, size_t len);
void noise_mix_key(struct noise_symmetric *sym, const uint8_t *ikm, size_t len);
void noise_mix_key_and_hash(struct noise_symmetric *sym, const uint8_t *ikm, size_t len);

/* EncryptAndHash: len + 16 bytes (len without a key) into out (may be pt). */
bool noise_encrypt_and_hash(struct noise_symmetric *sym, const uint8_t *pt, size_t len,
			    uint8_t *out);

/* DecryptAndHash of len bytes (with a key: len - 16 out, may be ct). On
 * failure the state is unchanged. */
bool noise_decrypt_and_hash(struct noise_symmetric *sym, const uint8_t *ct, size_t len,
			    uint8_t *out);

/* Split: c1 seals initiator to responder, c2 the other way; n = 0. */
void noise_split(const struct noise_symmetric *sym, struct noise_cipher *c1,
		 struct noise_cipher *c2);

/* "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2b" or "Noise_IK_25519_ChaChaPoly_BLAKE2b". */
const char *noise_ik_name(bool psk2);

/* Initialize(IK or IKpsk2): s is this side's static private key and s_pub
 * its public key (NULL: derived here, one scalar multiplication), rs the
 * responder's public key (the initiator's pre-message; NULL for the
 * responder), psk used only with psk2. */
void noise_hs_init(struct noise_hs *hs, bool initiator, bool psk2, const uint8_t *prologue,
		   size_t plen, const uint8_t s[static NOISE_DHLEN], const uint8_t *s_pub,
		   const uint8_t *rs, const uint8_t *psk);

/* Set the ephemeral private key the next "e" token writes (injected, so
 * that tests can reproduce published vectors). */
void noise_hs_set_ephemeral(struct noise_hs *hs, const uint8_t e[static NOISE_DHLEN]);

/* The tokens of message msg (0 or 1) of hs's pattern; *n gets their number. */
const enum noise_token *noise_ik_tokens(const struct noise_hs *hs, unsigned msg, size_t *n);

/* The bytes the tokens t[0..n) put on the wire (32 per "e", 32 or 48 per "s"). */
size_t noise_tokens_len(const struct noise_hs *hs, const enum noise_token *t, size_t n);

/* Write the tokens t[0..n) at out; *len gets the bytes written. False when a
 * DH gives zero or a key is missing (hs is then unusable). */
bool noise_write_tokens(struct noise_hs *hs, const enum noise_token *t, size_t n, uint8_t *out,
			size_t *len);

/* Read the tokens t[0..n) from in (avail bytes); *used gets the bytes read.
 * False on a short input, a zero DH or a failed decryption (hs is then
 * unusable: callers work on a copy they can throw away). */
bool noise_read_tokens(struct noise_hs *hs, const enum noise_token *t, size_t n, const uint8_t *in,
		       size_t avail, size_t *used);

/* WriteMessage / ReadMessage of message msg (0 or 1): tokens then payload.
 * Write returns the length, 0 on failure; read gives the payload (at most
 * len bytes) and its length in *plen. */
size_t noise_write_message(struct noise_hs *hs, unsigned msg, const uint8_t *payload, size_t plen,
			   uint8_t *out);
bool noise_read_message(struct noise_hs *hs, unsigned msg, const uint8_t *in, size_t len,
			uint8_t *payload, size_t *plen);

/* Zero every secret in hs. */
void noise_hs_wipe(struct noise_hs *hs);

#endif
