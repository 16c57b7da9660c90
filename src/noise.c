/* noise: Noise revision 34 IK and IKpsk2 over 25519, ChaChaPoly and BLAKE2b, on libsodium. */
#include "noise.h"

#include <string.h>

#include <sodium.h>

_Static_assert(crypto_scalarmult_BYTES == NOISE_DHLEN &&
		       crypto_scalarmult_SCALARBYTES == NOISE_DHLEN,
	       "X25519 sizes");
_Static_assert(crypto_aead_chacha20poly1305_ietf_KEYBYTES == NOISE_KEYLEN &&
		       crypto_aead_chacha20poly1305_ietf_ABYTES == NOISE_TAGLEN &&
		       crypto_aead_chacha20poly1305_ietf_NPUBBYTES == 12,
	       "ChaChaPoly sizes");
_Static_assert(crypto_generichash_BYTES_MAX == NOISE_HASHLEN, "BLAKE2b-512");

#define NONCE_LEN 12

void noise_hash(uint8_t out[static NOISE_HASHLEN], const uint8_t *a, size_t alen, const uint8_t *b,
		size_t blen)
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, NOISE_HASHLEN);
	crypto_generichash_update(&st, a, alen);
	if (blen)
		crypto_generichash_update(&st, b, blen);
	crypto_generichash_final(&st, out, NOISE_HASHLEN);
}

void noise_hmac(uint8_t out[static NOISE_HASHLEN], const uint8_t *key, size_t klen,
		const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	uint8_t pad[NOISE_BLOCKLEN], inner[NOISE_HASHLEN];
	crypto_generichash_state st;

	/* Every key here is a chaining key or an HKDF output: never longer
	 * than a block, so RFC 2104's hashing of long keys never applies. */
	memset(pad, 0, sizeof(pad));
	memcpy(pad, key, klen < sizeof(pad) ? klen : sizeof(pad));
	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] ^= 0x36;
	crypto_generichash_init(&st, NULL, 0, NOISE_HASHLEN);
	crypto_generichash_update(&st, pad, sizeof(pad));
	if (alen)
		crypto_generichash_update(&st, a, alen);
	if (blen)
		crypto_generichash_update(&st, b, blen);
	crypto_generichash_final(&st, inner, sizeof(inner));
	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] ^= 0x36 ^ 0x5c;
	crypto_generichash_init(&st, NULL, 0, NOISE_HASHLEN);
	crypto_generichash_update(&st, pad, sizeof(pad));
	crypto_generichash_update(&st, inner, sizeof(inner));
	crypto_generichash_final(&st, out, NOISE_HASHLEN);
	sodium_memzero(pad, sizeof(pad));
	sodium_memzero(inner, sizeof(inner));
	sodium_memzero(&st, sizeof(st));
}

void noise_hkdf(const uint8_t ck[static NOISE_HASHLEN], const uint8_t *ikm, size_t ikm_len,
		uint8_t o1[static NOISE_HASHLEN], uint8_t o2[static NOISE_HASHLEN], uint8_t *o3)
{
	static const uint8_t one = 1, two = 2, three = 3;
	uint8_t temp[NOISE_HASHLEN];

	noise_hmac(temp, ck, NOISE_HASHLEN, ikm, ikm_len, NULL, 0);
	noise_hmac(o1, temp, sizeof(temp), &one, 1, NULL, 0);
	noise_hmac(o2, temp, sizeof(temp), o1, NOISE_HASHLEN, &two, 1);
	if (o3)
		noise_hmac(o3, temp, sizeof(temp), o2, NOISE_HASHLEN, &three, 1);
	sodium_memzero(temp, sizeof(temp));
}

bool noise_dh(uint8_t out[static NOISE_DHLEN], const uint8_t priv[static NOISE_DHLEN],
	      const uint8_t pub[static NOISE_DHLEN])
{
	/* libsodium refuses an all-zero result itself; the check below keeps
	 * the rule visible and independent of the library's version. */
	if (crypto_scalarmult(out, priv, pub) != 0 || sodium_is_zero(out, NOISE_DHLEN)) {
		sodium_memzero(out, NOISE_DHLEN);
		return false;
	}
	return true;
}

void noise_pubkey(uint8_t pub[static NOISE_DHLEN], const uint8_t priv[static NOISE_DHLEN])
{
	crypto_scalarmult_base(pub, priv);
}

static void nonce_le(uint8_t nonce[NONCE_LEN], uint64_t n)
{
	memset(nonce, 0, 4);
	for (int i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(n >> (8 * i));
}

bool noise_cipher_encrypt(struct noise_cipher *cs, const uint8_t *ad, size_t adlen,
			  const uint8_t *pt, size_t len, uint8_t *out)
{
	uint8_t nonce[NONCE_LEN];

	if (!cs->has_key || cs->n == UINT64_MAX)
		return false;
	nonce_le(nonce, cs->n);
	crypto_aead_chacha20poly1305_ietf_encrypt(out, NULL, pt, len, ad, adlen, NULL, nonce,
						  cs->k);
	cs->n++;
	return true;
}

bool noise_cipher_decrypt(struct noise_cipher *cs, const uint8_t *ad, size_t adlen,
			  const uint8_t *ct, size_t len, uint8_t *out)
{
	uint8_t nonce[NONCE_LEN];

	if (!cs->has_key || cs->n == UINT64_MAX || len < NOISE_TAGLEN)
		return false;
	nonce_le(nonce, cs->n);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(out, NULL, NULL, ct, len, ad, adlen, nonce,
						      cs->k) != 0)
		return false;
	cs->n++;
	return true;
}

static void cipher_init(struct noise_cipher *cs, const uint8_t k[static NOISE_KEYLEN])
{
	/* HASHLEN is 64: temp_k is truncated to its first 32 bytes. */
	memcpy(cs->k, k, NOISE_KEYLEN);
	cs->n = 0;
	cs->has_key = true;
}

void noise_sym_init(struct noise_symmetric *sym, const char *name)
{
	size_t len = strlen(name);

	memset(sym, 0, sizeof(*sym));
	if (len <= NOISE_HASHLEN)
		memcpy(sym->h, name, len);
	else
		noise_hash(sym->h, (const uint8_t *)name, len, NULL, 0);
	memcpy(sym->ck, sym->h, NOISE_HASHLEN);
}

void noise_mix_hash(struct noise_symmetric *sym, const uint8_t *data, size_t len)
{
	noise_hash(sym->h, sym->h, NOISE_HASHLEN, data, len);
}

void noise_mix_key(struct noise_symmetric *sym, const uint8_t *ikm, size_t len)
{
	uint8_t ck[NOISE_HASHLEN], k[NOISE_HASHLEN];

	noise_hkdf(sym->ck, ikm, len, ck, k, NULL);
	memcpy(sym->ck, ck, sizeof(ck));
	cipher_init(&sym->cs, k);
	sodium_memzero(ck, sizeof(ck));
	sodium_memzero(k, sizeof(k));
}

void noise_mix_key_and_hash(struct noise_symmetric *sym, const uint8_t *ikm, size_t len)
{
	uint8_t ck[NOISE_HASHLEN], th[NOISE_HASHLEN], k[NOISE_HASHLEN];

	noise_hkdf(sym->ck, ikm, len, ck, th, k);
	memcpy(sym->ck, ck, sizeof(ck));
	noise_mix_hash(sym, th, sizeof(th));
	cipher_init(&sym->cs, k);
	sodium_memzero(ck, sizeof(ck));
	sodium_memzero(th, sizeof(th));
	sodium_memzero(k, sizeof(k));
}

bool noise_encrypt_and_hash(struct noise_symmetric *sym, const uint8_t *pt, size_t len,
			    uint8_t *out)
{
	if (!sym->cs.has_key) {
		memmove(out, pt, len);
		noise_mix_hash(sym, out, len);
		return true;
	}
	if (!noise_cipher_encrypt(&sym->cs, sym->h, NOISE_HASHLEN, pt, len, out))
		return false;
	noise_mix_hash(sym, out, len + NOISE_TAGLEN);
	return true;
}

bool noise_decrypt_and_hash(struct noise_symmetric *sym, const uint8_t *ct, size_t len,
			    uint8_t *out)
{
	uint8_t h[NOISE_HASHLEN];

	/* The next h covers the ciphertext, which an in-place decryption
	 * overwrites: compute it first, keep it only if the tag verifies. */
	noise_hash(h, sym->h, NOISE_HASHLEN, ct, len);
	if (!sym->cs.has_key)
		memmove(out, ct, len);
	else if (!noise_cipher_decrypt(&sym->cs, sym->h, NOISE_HASHLEN, ct, len, out))
		return false;
	memcpy(sym->h, h, sizeof(h));
	return true;
}

void noise_split(const struct noise_symmetric *sym, struct noise_cipher *c1,
		 struct noise_cipher *c2)
{
	uint8_t k1[NOISE_HASHLEN], k2[NOISE_HASHLEN];

	noise_hkdf(sym->ck, NULL, 0, k1, k2, NULL);
	cipher_init(c1, k1);
	cipher_init(c2, k2);
	sodium_memzero(k1, sizeof(k1));
	sodium_memzero(k2, sizeof(k2));
}

const char *noise_ik_name(bool psk2)
{
	return psk2 ? "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2b" : "Noise_IK_25519_ChaChaPoly_BLAKE2b";
}

void noise_hs_init(struct noise_hs *hs, bool initiator, bool psk2, const uint8_t *prologue,
		   size_t plen, const uint8_t s[static NOISE_DHLEN], const uint8_t *s_pub,
		   const uint8_t *rs, const uint8_t *psk)
{
	memset(hs, 0, sizeof(*hs));
	hs->initiator = initiator;
	hs->psk2 = psk2;
	memcpy(hs->s, s, NOISE_DHLEN);
	if (s_pub)
		memcpy(hs->s_pub, s_pub, NOISE_DHLEN);
	else
		noise_pubkey(hs->s_pub, s);
	if (rs)
		memcpy(hs->rs, rs, NOISE_DHLEN);
	if (psk2 && psk)
		memcpy(hs->psk, psk, NOISE_KEYLEN);
	noise_sym_init(&hs->sym, noise_ik_name(psk2));
	noise_mix_hash(&hs->sym, prologue, plen);
	/* the pre-message "<- s": the responder's static key */
	noise_mix_hash(&hs->sym, initiator ? hs->rs : hs->s_pub, NOISE_DHLEN);
}

void noise_hs_set_ephemeral(struct noise_hs *hs, const uint8_t e[static NOISE_DHLEN])
{
	memcpy(hs->e, e, NOISE_DHLEN);
	noise_pubkey(hs->e_pub, e);
	hs->has_e = true;
}

static const enum noise_token ik_msg1[] = {NOISE_TOK_E, NOISE_TOK_ES, NOISE_TOK_S, NOISE_TOK_SS};
static const enum noise_token ik_msg2[] = {NOISE_TOK_E, NOISE_TOK_EE, NOISE_TOK_SE, NOISE_TOK_PSK};

const enum noise_token *noise_ik_tokens(const struct noise_hs *hs, unsigned msg, size_t *n)
{
	if (msg == 0) {
		*n = sizeof(ik_msg1) / sizeof(ik_msg1[0]);
		return ik_msg1;
	}
	*n = sizeof(ik_msg2) / sizeof(ik_msg2[0]) - (hs->psk2 ? 0 : 1);
	return ik_msg2;
}

size_t noise_tokens_len(const struct noise_hs *hs, const enum noise_token *t, size_t n)
{
	bool key = hs->sym.cs.has_key;
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		switch (t[i]) {
		case NOISE_TOK_E:
			len += NOISE_DHLEN;
			key = key || hs->psk2;
			break;
		case NOISE_TOK_S:
			len += NOISE_DHLEN + (key ? NOISE_TAGLEN : 0);
			break;
		default:
			key = true;
			break;
		}
	}
	return len;
}

/* MixKey(DH(priv, pub)) for the DH tokens; ss may come precomputed. */
static bool mix_dh(struct noise_hs *hs, enum noise_token t)
{
	const uint8_t *priv, *pub;
	uint8_t dh[NOISE_DHLEN];
	bool ok = true;

	switch (t) {
	case NOISE_TOK_EE:
		priv = hs->e, pub = hs->re;
		break;
	case NOISE_TOK_ES:
		priv = hs->initiator ? hs->e : hs->s, pub = hs->initiator ? hs->rs : hs->re;
		break;
	case NOISE_TOK_SE:
		priv = hs->initiator ? hs->s : hs->e, pub = hs->initiator ? hs->re : hs->rs;
		break;
	default: /* NOISE_TOK_SS */
		priv = hs->s, pub = hs->rs;
		break;
	}
	if (priv == hs->e && !hs->has_e)
		return false;
	if (t == NOISE_TOK_SS && hs->has_ss_pre)
		memcpy(dh, hs->ss_pre, sizeof(dh));
	else
		ok = noise_dh(dh, priv, pub);
	if (ok)
		noise_mix_key(&hs->sym, dh, sizeof(dh));
	sodium_memzero(dh, sizeof(dh));
	return ok;
}

/* An ephemeral public key written or read: hashed in, and with psk2 mixed
 * into the key as well (the spec's rule for PSK handshakes). */
static void mix_ephemeral(struct noise_hs *hs, const uint8_t pub[static NOISE_DHLEN])
{
	noise_mix_hash(&hs->sym, pub, NOISE_DHLEN);
	if (hs->psk2)
		noise_mix_key(&hs->sym, pub, NOISE_DHLEN);
}

/* The tokens that are neither "e" nor "s" are the same for both sides. */
static bool mix_token(struct noise_hs *hs, enum noise_token t)
{
	if (t == NOISE_TOK_PSK) {
		noise_mix_key_and_hash(&hs->sym, hs->psk, sizeof(hs->psk));
		return true;
	}
	return mix_dh(hs, t);
}

bool noise_write_tokens(struct noise_hs *hs, const enum noise_token *t, size_t n, uint8_t *out,
			size_t *len)
{
	size_t at = 0;

	for (size_t i = 0; i < n; i++) {
		switch (t[i]) {
		case NOISE_TOK_E:
			if (!hs->has_e)
				return false;
			memcpy(out + at, hs->e_pub, NOISE_DHLEN);
			mix_ephemeral(hs, hs->e_pub);
			at += NOISE_DHLEN;
			break;
		case NOISE_TOK_S:
			if (!noise_encrypt_and_hash(&hs->sym, hs->s_pub, NOISE_DHLEN, out + at))
				return false;
			at += NOISE_DHLEN + (hs->sym.cs.has_key ? NOISE_TAGLEN : 0);
			break;
		default:
			if (!mix_token(hs, t[i]))
				return false;
			break;
		}
	}
	*len = at;
	return true;
}

bool noise_read_tokens(struct noise_hs *hs, const enum noise_token *t, size_t n, const uint8_t *in,
		       size_t avail, size_t *used)
{
	size_t at = 0, need;

	for (size_t i = 0; i < n; i++) {
		switch (t[i]) {
		case NOISE_TOK_E:
			if (avail - at < NOISE_DHLEN)
				return false;
			memcpy(hs->re, in + at, NOISE_DHLEN);
			mix_ephemeral(hs, hs->re);
			at += NOISE_DHLEN;
			break;
		case NOISE_TOK_S:
			need = NOISE_DHLEN + (hs->sym.cs.has_key ? NOISE_TAGLEN : 0);
			if (avail - at < need ||
			    !noise_decrypt_and_hash(&hs->sym, in + at, need, hs->rs))
				return false;
			at += need;
			break;
		default:
			if (!mix_token(hs, t[i]))
				return false;
			break;
		}
	}
	*used = at;
	return true;
}

size_t noise_write_message(struct noise_hs *hs, unsigned msg, const uint8_t *payload, size_t plen,
			   uint8_t *out)
{
	size_t n, len;
	const enum noise_token *t = noise_ik_tokens(hs, msg, &n);

	if (!noise_write_tokens(hs, t, n, out, &len) ||
	    !noise_encrypt_and_hash(&hs->sym, payload, plen, out + len))
		return 0;
	return len + plen + (hs->sym.cs.has_key ? NOISE_TAGLEN : 0);
}

bool noise_read_message(struct noise_hs *hs, unsigned msg, const uint8_t *in, size_t len,
			uint8_t *payload, size_t *plen)
{
	size_t n, used, tag;
	const enum noise_token *t = noise_ik_tokens(hs, msg, &n);

	if (!noise_read_tokens(hs, t, n, in, len, &used))
		return false;
	tag = hs->sym.cs.has_key ? NOISE_TAGLEN : 0;
	if (len - used < tag || !noise_decrypt_and_hash(&hs->sym, in + used, len - used, payload))
		return false;
	*plen = len - used - tag;
	return true;
}

void noise_hs_wipe(struct noise_hs *hs)
{
	sodium_memzero(hs, sizeof(*hs));
}
