/* fuzz_common: one forwarding context shared by the libFuzzer harnesses. */
#ifndef VXTAP_FUZZ_COMMON_H
#define VXTAP_FUZZ_COMMON_H

#include <string.h>
#include <sys/socket.h>

#include "dp.h"
#include "storm.h"

/* Small tables, so that the caps and eviction paths are reached quickly. */
#define FUZZ_MAX_LEARNED 64
#define FUZZ_AGEING_MS	 5000

static struct dp fuzz_dp;
static struct endpoint fuzz_peers[3];

static void fuzz_ep(struct endpoint *ep, uint8_t last)
{
	memset(ep, 0, sizeof(*ep));
	ep->ip.family = AF_INET;
	ep->ip.a[0] = 192;
	ep->ip.a[1] = 168;
	ep->ip.a[2] = 56;
	ep->ip.a[3] = last;
	ep->port = 8472;
}

static struct dp *fuzz_setup(void)
{
	static const uint8_t seed[TABLE_SEED_LEN] = {7};
	static const struct mac own = {{0x02, 0, 0, 0, 0, 0x01}};
	static const struct mac known = {{0x0a, 0, 0, 0, 0, 0x02}};
	struct ipaddr ip;

	if (fuzz_dp.fdb != NULL)
		return &fuzz_dp;
	fuzz_dp.cfg.vni = 1;
	fuzz_dp.cfg.mac = own;
	fuzz_dp.cfg.mtu = 1450;
	fuzz_dp.cfg.path_mtu = 1400;
	fuzz_dp.cfg.learning = true;
	fuzz_dp.fdb = fdb_new(FUZZ_MAX_LEARNED, FUZZ_AGEING_MS, seed);
	fuzz_dp.neigh = neigh_new(FUZZ_MAX_LEARNED, FUZZ_AGEING_MS, seed);
	fuzz_dp.peers = peers_new(seed);
	/* The hardening paths too: small caps, damping and storm buckets. */
	fdb_set_peer_limit(fuzz_dp.fdb, FUZZ_MAX_LEARNED / 4);
	fdb_set_damping(fuzz_dp.fdb, 2, DP_MOVE_WINDOW_MS);
	fuzz_dp.storm_tap = storm_new(50, 10, 16, seed);
	fuzz_dp.storm_peer = storm_new(50, 10, 16, seed);
	fuzz_ep(&fuzz_peers[0], 42);
	fuzz_ep(&fuzz_peers[1], 43);
	fuzz_ep(&fuzz_peers[2], 99); /* never added: a stranger */
	peers_add(fuzz_dp.peers, &fuzz_peers[0], NULL);
	peers_add(fuzz_dp.peers, &fuzz_peers[1], NULL);
	fdb_add_static(fuzz_dp.fdb, &known, &fuzz_peers[1]);
	memset(&ip, 0, sizeof(ip));
	ip.family = AF_INET;
	ip.a[0] = 10;
	ip.a[1] = 244;
	ip.a[3] = 2;
	neigh_add_static(fuzz_dp.neigh, &ip, &known);
	/* fd00:244::2 too, so that the ND proxy answers */
	memset(&ip, 0, sizeof(ip));
	ip.family = AF_INET6;
	ip.a[0] = 0xfd;
	ip.a[2] = 0x02;
	ip.a[3] = 0x44;
	ip.a[15] = 2;
	neigh_add_static(fuzz_dp.neigh, &ip, &known);
	return &fuzz_dp;
}

/* Every verdict must point inside the buffers the core was given. */
static void fuzz_check_action(const struct dp_action *act, const uint8_t *lo, size_t span)
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
