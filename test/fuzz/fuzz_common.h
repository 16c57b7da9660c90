/* fuzz_common: one forwarding context shared by the libFuzzer harnesses. */
#ifndef VXTAP_FUZZ_COMMON_H
#define VXTAP_FUZZ_COMMON_H

#include <string.h>
#include <sys/socket.h>

#include "change.h"
#include "dp.h"

/* Small tables, so that the caps and eviction paths are reached quickly. */
#define FUZZ_MAX_LEARNED 64
#define FUZZ_AGEING_MS	 5000

static struct dp fuzz_dp;
static struct endpoint fuzz_peers[3];

static inline void fuzz_ep(struct endpoint *ep, uint8_t last)
{
	memset(ep, 0, sizeof(*ep));
	ep->ip.family = AF_INET;
	ep->ip.a[0] = 192;
	ep->ip.a[1] = 168;
	ep->ip.a[2] = 56;
	ep->ip.a[3] = last;
	ep->port = 8472;
}

static inline void fuzz_seed(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	memset(buf, 7, len);
}

static inline struct dp *fuzz_setup(void)
{
	static const struct mac known = {{0x0a, 0, 0, 0, 0, 0x02}};
	/* The hardening paths too: small caps, damping and storm buckets. */
	static const struct dp_params params = {
		.cfg = {.vni = 1,
			.mac = {{0x02, 0, 0, 0, 0, 0x01}},
			.mtu = 1450,
			.path_mtu = 1400,
			.learning = true},
		.max_learned = FUZZ_MAX_LEARNED,
		.max_per_peer = FUZZ_MAX_LEARNED / 4,
		.ageing_ms = FUZZ_AGEING_MS,
		.max_moves = 2,
		.flood_rate = 50,
		.flood_macs = 16,
	};
	struct ipaddr ip;

	if (fuzz_dp.fdb != NULL)
		return &fuzz_dp;
	if (dp_init(&fuzz_dp, &params, fuzz_seed, NULL) != 0)
		__builtin_trap();
	fuzz_ep(&fuzz_peers[0], 42);
	fuzz_ep(&fuzz_peers[1], 43);
	fuzz_ep(&fuzz_peers[2], 99); /* never added: a stranger */
	change_peer_add(&fuzz_dp, &fuzz_peers[0]);
	change_peer_add(&fuzz_dp, &fuzz_peers[1]);
	change_fdb_add(&fuzz_dp, &known, &fuzz_peers[1]);
	memset(&ip, 0, sizeof(ip));
	ip.family = AF_INET;
	ip.a[0] = 10;
	ip.a[1] = 244;
	ip.a[3] = 2;
	change_neigh_add(&fuzz_dp, &ip, &known);
	/* fd00:244::2 too, so that the ND proxy answers */
	memset(&ip, 0, sizeof(ip));
	ip.family = AF_INET6;
	ip.a[0] = 0xfd;
	ip.a[2] = 0x02;
	ip.a[3] = 0x44;
	ip.a[15] = 2;
	change_neigh_add(&fuzz_dp, &ip, &known);
	return &fuzz_dp;
}

/* Every verdict must point inside the buffers the core was given. */
static inline void fuzz_check_action(const struct dp_action *act, const uint8_t *lo, size_t span)
{
	const uint8_t *d = act->data;

	switch (act->verdict) {
	case DP_DROP:
		if (act->drop == DROP_NONE || act->drop >= DROP__COUNT)
			__builtin_trap();
		break;
	case DP_REPLY_TAP:
		if (d != act->reply || act->len == 0 || act->len > sizeof(act->reply))
			__builtin_trap();
		break;
	default:
		if (d < lo || act->len > span || d + act->len > lo + span)
			__builtin_trap();
		break;
	}
}

#endif
