/* check_noise: the Noise layer against published test vectors, and its failure paths. */
#include <check.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "noise.h"

#include "check_run.h"

#define MSG_MAX 256

/*
 * Test vectors from cacophony (haskell-cryptography/cacophony,
 * vectors/cacophony.txt, commit 8ee9d41e34a1a596cfa3ab12aa4069ff87dc1247):
 * the entries "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2b" and
 * "Noise_IK_25519_ChaChaPoly_BLAKE2b". Messages 0 and 1 are the handshake;
 * 2-5 are transport messages, alternately initiator to responder (first
 * split cipher) and back (second), each cipher's nonce counting from 0.
 */
struct vector {
	const char *name;
	bool psk2;
	const char *prologue, *psk;
	const char *init_static, *init_ephemeral, *resp_static, *resp_ephemeral, *resp_pub;
	const char *handshake_hash;
	const char *payload[6], *ct[6];
};

/* Both vectors start from the same keys, prologue and payloads. */
#define V_PROLOGUE	 "4a6f686e2047616c74"
#define V_INIT_STATIC	 "e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1"
#define V_INIT_EPHEMERAL "893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a"
#define V_RESP_STATIC	 "4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893"
#define V_RESP_EPHEMERAL "bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b"
#define V_RESP_PUB	 "31e0303fd6418d2f8c0e78b91f22e8caed0fbe48656dcf4767e4834f701b8f62"
#define V_INPUTS                                                                                  \
	.prologue = V_PROLOGUE, .init_static = V_INIT_STATIC, .init_ephemeral = V_INIT_EPHEMERAL, \
	.resp_static = V_RESP_STATIC, .resp_ephemeral = V_RESP_EPHEMERAL, .resp_pub = V_RESP_PUB
#define V_PAYLOADS                                                            \
	"4c756477696720766f6e204d69736573", "4d757272617920526f746862617264", \
		"462e20412e20486179656b", "4361726c204d656e676572",           \
		"4a65616e2d426170746973746520536179", "457567656e2042f6686d20766f6e2042617765726b"

static const struct vector vectors[] = {
	{
		.name = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2b",
		.psk2 = true,
		V_INPUTS,
		.handshake_hash =
			"ed837c9084f2f0333a7ec60b9bcacd9921394858de8ced118b5966d1147ba390"
			"084dab42326c565a309c29317a6079be30aa1d790d25a517b43287426cb1d36a",
		.psk = "54686973206973206d7920417573747269616e20706572737065637469766521",
		.payload = {V_PAYLOADS},
		.ct =
			{
				"ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c7944"
				"b6fe0240b839afac809de1630eaf99d8f9b941394f0512c0554633bbb021d151"
				"76135c0a20e7fdb9a9ed066f22f054b47625b1d5061cb27d6a17f053273db7c2"
				"5216a5addc506ee321bc0618feb5849d",
				"95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f144808843"
				"8f627e69fc120006f746b9d420bf4056cf8481ab32d9e904ffaeeaa56a5290",
				"07fc0034398a5f1010322be193d62f94bebf2948a20b3e15d681fe",
				"2ea5400f5b8a16971c8b67bde75aeb7987d454b1c0beeb2566932d",
				"96eef918ef51639fc0e156da1823c4f71b33fac5af983f5da9384f7da20d86ed"
				"91",
				"f02766a56496e1fbf32e05274baebf6d693c8f3e4c6e0dc7ebdc5ac170f15dae"
				"433b92f469",
			},
	},
	{
		.name = "Noise_IK_25519_ChaChaPoly_BLAKE2b",
		.psk2 = false,
		V_INPUTS,
		.handshake_hash =
			"1c8fa891cb414fedba6daa7c6f4ae0a6d98e5f9768cc9cecd27e805614943ee9"
			"c8a1b27fbfb76dc197255c8aa69f6b4285c423840b8bedf45e652ca64f797d81",
		.psk = "",
		.payload = {V_PAYLOADS},
		.ct =
			{
				"ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c7944"
				"ba83a447b38c83e327ad936929812f624884847b7831e95e197b2f797088efdd"
				"2f88f1db7e1fb0e99c64419097af91cee64e470f4b6fcd9298ce0b56fe20f86e"
				"13bf70439c538e3602a7127af71a29cc",
				"95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f144808843"
				"9f069b267a06b3de3ecb1043bcb098e9af91d9c64748d998c7b47890871571",
				"cd54383060e7a28434cca27fb1cc524cfbabeb18181589df219d07",
				"a856d3bf0246bfc476c655009cd1ed677b8dcc5b349ae8ef2a05f2",
				"49063084b2c51f098337cb8a13739ac848f907e67cfb2cc8a8b60586467aa02f"
				"c7",
				"8b9709d23b47e4639df7678d7a21741eba4ef1e9c60383001c7435549c20f9d5"
				"6f30e935d3",
			},
	},
};

#define NVEC (sizeof(vectors) / sizeof(vectors[0]))

struct bytes {
	uint8_t b[MSG_MAX];
	size_t len;
};

static struct bytes hex(const char *s)
{
	struct bytes r;

	ck_assert_int_eq(sodium_hex2bin(r.b, sizeof(r.b), s, strlen(s), NULL, &r.len, NULL), 0);
	return r;
}

static void key_of(uint8_t k[NOISE_DHLEN], const char *s)
{
	struct bytes r = hex(s);

	ck_assert_uint_eq(r.len, NOISE_DHLEN);
	memcpy(k, r.b, NOISE_DHLEN);
}

/* Both sides of vector v after the handshake, the messages checked on the way. */
struct pair {
	struct noise_hs i, r;
};

static void start(const struct vector *v, struct pair *p)
{
	struct bytes pro = hex(v->prologue), psk = hex(v->psk);
	uint8_t is[NOISE_DHLEN], rs[NOISE_DHLEN], rpub[NOISE_DHLEN];

	key_of(is, v->init_static);
	key_of(rs, v->resp_static);
	key_of(rpub, v->resp_pub);
	noise_hs_init(&p->i, true, v->psk2, pro.b, pro.len, is, NULL, rpub, psk.b);
	noise_hs_init(&p->r, false, v->psk2, pro.b, pro.len, rs, NULL, NULL, psk.b);
	key_of(is, v->init_ephemeral);
	noise_hs_set_ephemeral(&p->i, is);
	key_of(rs, v->resp_ephemeral);
	noise_hs_set_ephemeral(&p->r, rs);
}

/* writer produces message m of v; reader gets its payload back. */
static void exchange(const struct vector *v, unsigned m, struct noise_hs *writer,
		     struct noise_hs *reader)
{
	struct bytes pl = hex(v->payload[m]), ct = hex(v->ct[m]);
	uint8_t out[MSG_MAX], back[MSG_MAX];
	size_t len, plen = 0;

	len = noise_write_message(writer, m, pl.b, pl.len, out);
	ck_assert_uint_eq(len, ct.len);
	ck_assert_mem_eq(out, ct.b, ct.len);
	ck_assert(noise_read_message(reader, m, out, len, back, &plen));
	ck_assert_uint_eq(plen, pl.len);
	ck_assert_mem_eq(back, pl.b, pl.len);
}

START_TEST(vector_handshake_and_transport)
{
	const struct vector *v = &vectors[_i];
	struct noise_cipher ic[2], rc[2];
	uint8_t ipub[NOISE_DHLEN], isec[NOISE_DHLEN], out[MSG_MAX], back[MSG_MAX];
	struct bytes hh = hex(v->handshake_hash);
	struct pair p;

	ck_assert_str_eq(noise_ik_name(v->psk2), v->name);
	start(v, &p);
	exchange(v, 0, &p.i, &p.r);
	/* the responder learned the initiator's static key */
	key_of(isec, v->init_static);
	noise_pubkey(ipub, isec);
	ck_assert_mem_eq(p.r.rs, ipub, NOISE_DHLEN);
	exchange(v, 1, &p.r, &p.i);
	ck_assert_uint_eq(hh.len, NOISE_HASHLEN);
	ck_assert_mem_eq(p.i.sym.h, hh.b, NOISE_HASHLEN);
	ck_assert_mem_eq(p.r.sym.h, hh.b, NOISE_HASHLEN);

	noise_split(&p.i.sym, &ic[0], &ic[1]);
	noise_split(&p.r.sym, &rc[0], &rc[1]);
	for (unsigned m = 2; m < 6; m++) {
		struct bytes pl = hex(v->payload[m]), ct = hex(v->ct[m]);
		struct noise_cipher *enc = m % 2 == 0 ? &ic[0] : &rc[1];
		struct noise_cipher *dec = m % 2 == 0 ? &rc[0] : &ic[1];

		ck_assert(noise_cipher_encrypt(enc, NULL, 0, pl.b, pl.len, out));
		ck_assert_uint_eq(pl.len + NOISE_TAGLEN, ct.len);
		ck_assert_mem_eq(out, ct.b, ct.len);
		ck_assert(noise_cipher_decrypt(dec, NULL, 0, out, ct.len, back));
		ck_assert_mem_eq(back, pl.b, pl.len);
	}
	ck_assert_uint_eq(ic[0].n, 2);
	ck_assert_uint_eq(rc[1].n, 2);
	noise_hs_wipe(&p.i);
	noise_hs_wipe(&p.r);
}
END_TEST

/* The responder's first message read in two steps, the ss DH supplied
 * precomputed (how vxtap reads an init), reaches the same state. */
START_TEST(vector_split_read_with_precomputed_ss)
{
	const struct vector *v = &vectors[_i];
	struct bytes ct = hex(v->ct[0]), pl = hex(v->payload[0]);
	uint8_t rsec[NOISE_DHLEN], back[MSG_MAX];
	const enum noise_token *t;
	struct pair p, q;
	size_t n, used, more;

	start(v, &p);
	q = p;
	t = noise_ik_tokens(&q.r, 0, &n);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(t[3], NOISE_TOK_SS);
	ck_assert_uint_eq(noise_tokens_len(&q.r, t, 3), 32 + 48);
	ck_assert(noise_read_tokens(&q.r, t, 3, ct.b, ct.len, &used));
	ck_assert_uint_eq(used, 80);
	key_of(rsec, v->resp_static);
	ck_assert(noise_dh(q.r.ss_pre, rsec, q.r.rs));
	q.r.has_ss_pre = true;
	ck_assert(noise_read_tokens(&q.r, t + 3, 1, ct.b + used, ct.len - used, &more));
	ck_assert_uint_eq(more, 0);
	ck_assert(noise_decrypt_and_hash(&q.r.sym, ct.b + used, ct.len - used, back));
	ck_assert_mem_eq(back, pl.b, pl.len);
	exchange(v, 0, &p.i, &p.r);
	ck_assert_mem_eq(q.r.sym.h, p.r.sym.h, NOISE_HASHLEN);
	ck_assert_mem_eq(q.r.sym.ck, p.r.sym.ck, NOISE_HASHLEN);

	/* a wrong precomputed ss makes the payload fail */
	q = p;
	start(v, &q);
	ck_assert(noise_read_tokens(&q.r, t, 3, ct.b, ct.len, &used));
	memset(q.r.ss_pre, 0x42, NOISE_DHLEN);
	q.r.has_ss_pre = true;
	ck_assert(noise_read_tokens(&q.r, t + 3, 1, ct.b + used, ct.len - used, &more));
	ck_assert(!noise_decrypt_and_hash(&q.r.sym, ct.b + used, ct.len - used, back));
}
END_TEST

/* Any changed byte of either handshake message is refused; so is a wrong psk or prologue. */
START_TEST(vector_tampering_refused)
{
	const struct vector *v = &vectors[_i];
	struct bytes m0 = hex(v->ct[0]), m1 = hex(v->ct[1]);
	uint8_t buf[MSG_MAX], back[MSG_MAX];
	struct pair p, q;
	size_t plen;

	for (unsigned m = 0; m < 2; m++) {
		const struct bytes *msg = m == 0 ? &m0 : &m1;

		for (size_t pos = 0; pos < msg->len; pos++) {
			start(v, &p);
			if (m == 1)
				exchange(v, 0, &p.i, &p.r);
			memcpy(buf, msg->b, msg->len);
			buf[pos] ^= 0x20;
			ck_assert(!noise_read_message(m == 0 ? &p.r : &p.i, m, buf, msg->len, back,
						      &plen));
		}
		/* and every truncation */
		for (size_t len = 0; len < msg->len; len++) {
			start(v, &p);
			if (m == 1)
				exchange(v, 0, &p.i, &p.r);
			ck_assert(!noise_read_message(m == 0 ? &p.r : &p.i, m, msg->b, len, back,
						      &plen));
		}
	}
	/* another prologue */
	start(v, &p);
	q = p;
	noise_mix_hash(&q.r.sym, (const uint8_t *)"x", 1);
	ck_assert(!noise_read_message(&q.r, 0, m0.b, m0.len, back, &plen));
	/* another psk: message 0 still reads (psk2 comes later), message 1 does not */
	if (v->psk2) {
		start(v, &p);
		p.i.psk[0] ^= 1;
		ck_assert(noise_read_message(&p.r, 0, m0.b, m0.len, back, &plen));
		ck_assert(!noise_read_message(&p.i, 1, m1.b, m1.len, back, &plen));
	}
}
END_TEST

/* Low-order points give an all-zero DH, which is refused. */
START_TEST(low_order_points_refused)
{
	static const char *const points[] = {
		"0000000000000000000000000000000000000000000000000000000000000000",
		"0100000000000000000000000000000000000000000000000000000000000000",
		"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
		"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	};
	uint8_t priv[NOISE_DHLEN], pub[NOISE_DHLEN], out[NOISE_DHLEN];

	randombytes_buf(priv, sizeof(priv));
	for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
		key_of(pub, points[i]);
		memset(out, 0x55, sizeof(out));
		ck_assert_msg(!noise_dh(out, priv, pub), "point %zu accepted", i);
		ck_assert(sodium_is_zero(out, sizeof(out)));
	}
	noise_pubkey(pub, priv);
	ck_assert(noise_dh(out, priv, pub));
}
END_TEST

/* HMAC-BLAKE2b against Python's hmac and hashlib (an independent implementation). */
START_TEST(hmac_known_answers)
{
	static const char *const want[] = {
		"5167ed316aa2ef02e37eca45fec219dcac2a89846d883276f840e299b3806f0ce201c9ccb42259e7"
		"ded3265eb5bda88c0c43e993fa3288468615d4335906c7ee",
		"1946eada75baf91211d29fddc60f4d1114824763b4dd0be397b379b17136839d11948cc1f5603b91"
		"457899d411287443d95410385c027e04c3c42478c4e2eec7",
		"019fe04bf010b8d72772e6b46897ecf74b4878c394ff2c4d5cfa0b7cc9bbefcb28c36de23cef0308"
		"9db9c3d900468c89804f135e9fdef7ec9b3c7abe50ed33d3",
	};
	uint8_t key[64], msg[200], out[NOISE_HASHLEN];
	struct bytes w;

	memset(key, 0x0b, sizeof(key));
	noise_hmac(out, key, 64, (const uint8_t *)"Hi ", 3, (const uint8_t *)"There", 5);
	w = hex(want[0]);
	ck_assert_mem_eq(out, w.b, NOISE_HASHLEN);
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	noise_hmac(out, msg, 64, msg, 100, msg + 100, 100);
	w = hex(want[1]);
	ck_assert_mem_eq(out, w.b, NOISE_HASHLEN);
	noise_hmac(out, (const uint8_t *)"key", 3, NULL, 0, NULL, 0);
	w = hex(want[2]);
	ck_assert_mem_eq(out, w.b, NOISE_HASHLEN);
}
END_TEST

START_TEST(cipher_state_edges)
{
	struct noise_cipher cs, none;
	uint8_t pt[8] = {1, 2, 3}, ct[8 + NOISE_TAGLEN], back[8];

	memset(&none, 0, sizeof(none));
	ck_assert(!noise_cipher_encrypt(&none, NULL, 0, pt, sizeof(pt), ct));
	memset(&cs, 0, sizeof(cs));
	memset(cs.k, 7, sizeof(cs.k));
	cs.has_key = true;
	cs.n = UINT64_MAX - 1;
	ck_assert(noise_cipher_encrypt(&cs, NULL, 0, pt, sizeof(pt), ct));
	ck_assert_uint_eq(cs.n, UINT64_MAX);
	ck_assert(!noise_cipher_encrypt(&cs, NULL, 0, pt, sizeof(pt), ct));
	cs.n = UINT64_MAX - 1;
	ck_assert(!noise_cipher_decrypt(&cs, NULL, 0, ct, NOISE_TAGLEN - 1, back));
	ct[3] ^= 1;
	ck_assert(!noise_cipher_decrypt(&cs, NULL, 0, ct, sizeof(ct), back));
	ck_assert_uint_eq(cs.n, UINT64_MAX - 1); /* a failure does not move n */
	ct[3] ^= 1;
	ck_assert(noise_cipher_decrypt(&cs, NULL, 0, ct, sizeof(ct), back));
	ck_assert_mem_eq(back, pt, sizeof(pt));
	ck_assert(!noise_cipher_decrypt(&cs, NULL, 0, ct, sizeof(ct), back));
}
END_TEST

/* A failed DecryptAndHash leaves h, ck, k and n as they were; in place works. */
START_TEST(decrypt_and_hash_atomic)
{
	struct noise_symmetric a, b, saved;
	uint8_t good[40], buf[40], pt[24];

	noise_sym_init(&a, noise_ik_name(true));
	noise_mix_key(&a, (const uint8_t *)"ikm", 3);
	b = a;
	memset(pt, 9, sizeof(pt));
	ck_assert(noise_encrypt_and_hash(&a, pt, sizeof(pt), good));
	memcpy(buf, good, sizeof(buf));
	buf[5] ^= 1;
	saved = b;
	ck_assert(!noise_decrypt_and_hash(&b, buf, sizeof(buf), buf));
	ck_assert_mem_eq(&saved, &b, sizeof(b));
	/* (libsodium zeroes the output of a failed decryption: here, the input) */
	memcpy(buf, good, sizeof(buf));
	ck_assert(noise_decrypt_and_hash(&b, buf, sizeof(buf), buf));
	ck_assert_mem_eq(buf, pt, sizeof(pt));
	ck_assert_mem_eq(a.h, b.h, NOISE_HASHLEN);
	ck_assert_uint_eq(b.cs.n, 1);
}
END_TEST

/* A name longer than HASHLEN is hashed, a shorter one padded. */
START_TEST(protocol_name_rule)
{
	static const char long_name[] =
		"Noise_IKpsk2_25519_ChaChaPoly_BLAKE2b_with_a_name_longer_than_64b";
	struct noise_symmetric s;
	uint8_t h[NOISE_HASHLEN];

	noise_sym_init(&s, "Noise_IK_25519_ChaChaPoly_BLAKE2b");
	ck_assert_mem_eq(s.h, "Noise_IK_25519_ChaChaPoly_BLAKE2b", 33);
	ck_assert(sodium_is_zero(s.h + 33, NOISE_HASHLEN - 33));
	ck_assert_mem_eq(s.ck, s.h, NOISE_HASHLEN);
	ck_assert(!s.cs.has_key);
	ck_assert_uint_gt(strlen(long_name), NOISE_HASHLEN);
	noise_sym_init(&s, long_name);
	crypto_generichash(h, sizeof(h), (const uint8_t *)long_name, strlen(long_name), NULL, 0);
	ck_assert_mem_eq(s.h, h, NOISE_HASHLEN);
}
END_TEST

static Suite *noise_suite(void)
{
	Suite *s = suite_create("noise");
	TCase *vec = tcase_create("vectors"), *prim = tcase_create("primitives");

	tcase_add_loop_test(vec, vector_handshake_and_transport, 0, NVEC);
	tcase_add_loop_test(vec, vector_split_read_with_precomputed_ss, 0, NVEC);
	tcase_add_loop_test(vec, vector_tampering_refused, 0, NVEC);
	suite_add_tcase(s, vec);
	tcase_add_test(prim, low_order_points_refused);
	tcase_add_test(prim, hmac_known_answers);
	tcase_add_test(prim, cipher_state_edges);
	tcase_add_test(prim, decrypt_and_hash_atomic);
	tcase_add_test(prim, protocol_name_rule);
	suite_add_tcase(s, prim);
	return s;
}

int main(void)
{
	if (sodium_init() < 0)
		return EXIT_FAILURE;
	return check_run(noise_suite());
}
