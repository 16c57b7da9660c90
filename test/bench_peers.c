/* bench_peers: many secure-mode peers from one process, each with its own key and IPv6
 * address, for scripts/bench's scale figures against a real vxtap. Not a test. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <sodium.h>

#include "crypto.h"

/*
 * bench_peers peers N PREFIX
 *     Print N peers-file lines, "PREFIX1:I key PUBKEY" for I = 1..N (hex):
 *     what the daemon lists.
 * bench_peers run N PREFIX DAEMON_ADDR DAEMON_PUBKEY [FLOOD]
 *     From a socket bound to [::]:8472 (the N addresses must be local),
 *     every peer starts a handshake with the daemon at once and answers
 *     what comes back (responses with a keepalive, cookie replies with an
 *     init carrying mac2) until all N have a session, or 60 s. Prints
 *     "established N of N in S s". With FLOOD, then sends FLOOD inits with
 *     a valid mac1 and garbage after it from the N addresses in turn, as
 *     fast as the socket takes them (after a second's pause), and prints
 *     "flood M in S s".
 * Peer I's private key is BLAKE2b("vxtap bench_peers", I): both commands
 * agree on it without files.
 */

#define PORT	 8472
#define MAX_PEER 65535
#define MAC1_AT	 117

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

static void rnd(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	randombytes_buf(buf, len);
}

static void peer_priv(unsigned i, uint8_t priv[32])
{
	static const char key[] = "vxtap bench_peers";
	uint8_t msg[4] = {(uint8_t)i, (uint8_t)(i >> 8), (uint8_t)(i >> 16), (uint8_t)(i >> 24)};

	crypto_generichash(priv, 32, msg, sizeof(msg), (const uint8_t *)key, sizeof(key) - 1);
}

static void peer_addr(const char *prefix, unsigned i, struct in6_addr *a)
{
	char text[128];

	snprintf(text, sizeof(text), "%s1:%x", prefix, i);
	if (inet_pton(AF_INET6, text, a) != 1) {
		fprintf(stderr, "bench_peers: %s is not an IPv6 address\n", text);
		exit(2);
	}
}

static int cmd_peers(unsigned n, const char *prefix)
{
	uint8_t priv[32], pub[32];
	char text[KEYTEXT_LEN];

	for (unsigned i = 1; i <= n; i++) {
		peer_priv(i, priv);
		crypto_public_key(priv, pub);
		keytext_format(pub, text);
		printf("%s1:%x key %s\n", prefix, i, text);
	}
	return 0;
}

struct bench {
	int fd;
	unsigned n;
	struct crypto **c;
	struct in6_addr *addr;
	struct endpoint daemon;
	struct sockaddr_in6 daemon_sa;
	uint8_t pub[32]; /* the daemon's */
	bool *up;
	unsigned nup;
};

/* Send len bytes to the daemon from peer i's address. */
static void send_from(struct bench *b, unsigned i, const uint8_t *buf, size_t len)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} cm;
	struct iovec iov = {(void *)(uintptr_t)buf, len};
	struct msghdr h = {.msg_name = &b->daemon_sa,
			   .msg_namelen = sizeof(b->daemon_sa),
			   .msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = cm.buf,
			   .msg_controllen = sizeof(cm.buf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&h);
	struct in6_pktinfo pi = {.ipi6_addr = b->addr[i]};

	c->cmsg_level = IPPROTO_IPV6;
	c->cmsg_type = IPV6_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	while (sendmsg(b->fd, &h, 0) < 0) {
		if (errno != EAGAIN && errno != ENOBUFS && errno != EINTR) {
			perror("bench_peers: sendmsg");
			exit(1);
		}
		struct pollfd p = {b->fd, POLLOUT, 0};
		poll(&p, 1, 10);
	}
}

static void send_init(struct bench *b, unsigned i)
{
	uint8_t buf[CRYPTO_HS_MAX];
	size_t len = crypto_handshake_init(b->c[i], &b->daemon.ip, buf, mono_ms(), wall_ns());

	if (len != 0)
		send_from(b, i, buf, len);
}

struct retry_arg {
	struct bench *b;
	unsigned i;
};

static void on_retry(void *arg, const struct ipaddr *ip)
{
	struct retry_arg *r = arg;

	(void)ip;
	send_init(r->b, r->i);
}

/* Which peer a datagram was sent to: its destination address. */
static long peer_of(const struct bench *b, struct msghdr *h)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c != NULL; c = CMSG_NXTHDR(h, c)) {
		struct in6_pktinfo pi;

		if (c->cmsg_level != IPPROTO_IPV6 || c->cmsg_type != IPV6_PKTINFO)
			continue;
		memcpy(&pi, CMSG_DATA(c), sizeof(pi));
		unsigned i = (unsigned)pi.ipi6_addr.s6_addr[14] << 8 | pi.ipi6_addr.s6_addr[15];
		if (i >= 1 && i <= b->n && memcmp(&b->addr[i], &pi.ipi6_addr, 16) == 0)
			return (long)i;
	}
	return -1;
}

static void receive(struct bench *b)
{
	for (;;) {
		uint8_t buf[2048], reply[CRYPTO_HS_MAX];
		union {
			char buf[256];
			struct cmsghdr align;
		} cm;
		struct sockaddr_in6 from;
		struct iovec iov = {buf, sizeof(buf)};
		struct msghdr h = {.msg_name = &from,
				   .msg_namelen = sizeof(from),
				   .msg_iov = &iov,
				   .msg_iovlen = 1,
				   .msg_control = cm.buf,
				   .msg_controllen = sizeof(cm.buf)};
		ssize_t r = recvmsg(b->fd, &h, MSG_DONTWAIT);
		size_t rlen, ptlen;
		const uint8_t *pt;
		struct ipaddr who;
		bool want;
		enum crypto_drop why;
		long i;

		if (r < 0)
			return;
		i = peer_of(b, &h);
		if (i < 0)
			continue;
		switch (crypto_open(b->c[i], &b->daemon, buf, (size_t)r, mono_ms(), wall_ns(),
				    reply, &rlen, &pt, &ptlen, &who, &want, &why)) {
		case CRYPTO_IN_REPLY:
			send_from(b, (unsigned)i, reply, rlen);
			break;
		default:
			break;
		}
		if (want)
			send_init(b, (unsigned)i);
		if (!b->up[i]) {
			struct crypto_peer_info info;

			if (crypto_peer_info(b->c[i], &b->daemon.ip, mono_ms(), &info) == 0 &&
			    info.state == CRYPTO_PEER_UP) {
				b->up[i] = true;
				b->nup++;
			}
		}
	}
}

/* Inits with a valid mac1 and random bytes after the header: each costs
 * the daemon a Diffie-Hellman unless it is under load. mac1 as crypto.h
 * says: BLAKE2b-128 keyed with BLAKE2b-256("vxtap mac1 v2" | its public key). */
static void flood(struct bench *b, unsigned long count)
{
	static const char label[] = "vxtap mac1 v2";
	uint8_t k[32], m[CRYPTO_INIT_LEN], in[sizeof(label) - 1 + 32];
	uint64_t t0 = mono_ms();

	memcpy(in, label, sizeof(label) - 1);
	memcpy(in + sizeof(label) - 1, b->pub, 32);
	crypto_generichash(k, sizeof(k), in, sizeof(in), NULL, 0);
	for (unsigned long j = 0; j < count; j++) {
		m[0] = 0xA1;
		m[1] = CRYPTO_WIRE_VERSION;
		m[2] = m[3] = 0;
		randombytes_buf(m + 4, MAC1_AT - 4);
		crypto_generichash(m + MAC1_AT, 16, m, MAC1_AT, k, sizeof(k));
		memset(m + MAC1_AT + 16, 0, 16);
		send_from(b, (unsigned)(j % b->n) + 1, m, sizeof(m));
	}
	printf("flood %lu in %.2f s\n", count, (double)(mono_ms() - t0) / 1000.0);
}

static int cmd_run(unsigned n, const char *prefix, const char *daddr, const char *dpub,
		   unsigned long flood_count)
{
	struct bench b = {.n = n};
	uint8_t priv[32], *pub = b.pub;
	struct sockaddr_storage ss;
	int on = 1, big = 8 << 20;
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_port = htons(PORT)};
	uint64_t t0, last_tick = 0;

	if (!keytext_parse(dpub, strlen(dpub), pub) || !endpoint_parse(daddr, PORT, &b.daemon)) {
		fprintf(stderr, "bench_peers: bad daemon address or key\n");
		return 2;
	}
	endpoint_to_sockaddr(&b.daemon, &ss);
	memcpy(&b.daemon_sa, &ss, sizeof(b.daemon_sa));
	b.c = calloc(n + 1, sizeof(*b.c));
	b.addr = calloc(n + 1, sizeof(*b.addr));
	b.up = calloc(n + 1, sizeof(*b.up));
	b.fd = socket(AF_INET6, SOCK_DGRAM, 0);
	if (b.c == NULL || b.addr == NULL || b.up == NULL || b.fd < 0 ||
	    setsockopt(b.fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on)) != 0 ||
	    bind(b.fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		perror("bench_peers: socket");
		return 1;
	}
	setsockopt(b.fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	setsockopt(b.fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
	for (unsigned i = 1; i <= n; i++) {
		peer_priv(i, priv);
		peer_addr(prefix, i, &b.addr[i]);
		b.c[i] = crypto_new(priv, NULL, crypto_aead_aes256gcm_is_available() != 0, NULL,
				    rnd, NULL);
		int rc = b.c[i] == NULL ? -ENOMEM : crypto_peer_set(b.c[i], &b.daemon.ip, pub);

		if (rc != 0) {
			fprintf(stderr, "bench_peers: peer %u: %s\n", i, strerror(-rc));
			return 1;
		}
	}
	sodium_memzero(priv, sizeof(priv));
	t0 = mono_ms();
	for (unsigned i = 1; i <= n; i++)
		send_init(&b, i);
	while (b.nup < n && mono_ms() - t0 < 60000) {
		struct pollfd p = {b.fd, POLLIN, 0};

		poll(&p, 1, 20);
		receive(&b);
		if (mono_ms() - last_tick >= 100) {
			last_tick = mono_ms();
			for (unsigned i = 1; i <= n; i++) {
				struct retry_arg r = {&b, i};

				if (!b.up[i])
					crypto_tick(b.c[i], last_tick, on_retry, &r);
			}
		}
	}
	printf("established %u of %u in %.2f s\n", b.nup, n, (double)(mono_ms() - t0) / 1000.0);
	fflush(stdout);
	if (flood_count > 0) {
		/* A second for the caller to take its figures before the flood. */
		for (uint64_t t = mono_ms(); mono_ms() - t < 1000;) {
			struct pollfd p = {b.fd, POLLIN, 0};

			poll(&p, 1, 20);
			receive(&b);
		}
		flood(&b, flood_count);
	}
	for (unsigned i = 1; i <= n; i++)
		crypto_free(b.c[i]);
	return b.nup == n ? 0 : 1;
}

int main(int argc, char **argv)
{
	unsigned long n;

	if (sodium_init() < 0)
		return 1;
	if (argc >= 4 && strcmp(argv[1], "peers") == 0 && (n = strtoul(argv[2], NULL, 10)) >= 1 &&
	    n <= MAX_PEER)
		return cmd_peers((unsigned)n, argv[3]);
	if ((argc == 6 || argc == 7) && strcmp(argv[1], "run") == 0 &&
	    (n = strtoul(argv[2], NULL, 10)) >= 1 && n <= MAX_PEER)
		return cmd_run((unsigned)n, argv[3], argv[4], argv[5],
			       argc == 7 ? strtoul(argv[6], NULL, 10) : 0);
	fprintf(stderr, "usage: bench_peers peers N PREFIX\n"
			"       bench_peers run N PREFIX DAEMON_ADDR DAEMON_PUBKEY [FLOOD]\n");
	return 2;
}
