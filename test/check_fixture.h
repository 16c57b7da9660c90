/* check_fixture: a forwarding context for the suites: dp_init with seeds that repeat. */
#ifndef VXTAP_CHECK_FIXTURE_H
#define VXTAP_CHECK_FIXTURE_H

#include <check.h>
#include <stdint.h>
#include <string.h>

#include "dp.h"

/* dp_random_fn that fills with one byte value (ctx: a uint8_t, or NULL for 7):
 * hash seeds the same on every run. */
static inline void fixture_seed(void *ctx, void *buf, size_t len)
{
	memset(buf, ctx != NULL ? *(const uint8_t *)ctx : 7, len);
}

/* dp_init with the common parameters: VNI 1, MTU 1450, learning on, no
 * per-peer cap, the given learned cap, ageing and static limits. */
static inline void fixture_dp(struct dp *dp, size_t max_learned, uint64_t ageing_ms,
			      struct dp_limits lim)
{
	struct dp_params p = {
		.cfg = {.vni = 1, .mtu = 1450, .learning = true},
		.max_learned = max_learned,
		.max_per_peer = SIZE_MAX,
		.ageing_ms = ageing_ms,
		.lim = lim,
	};

	ck_assert_int_eq(dp_init(dp, &p, fixture_seed, NULL), 0);
}

#endif
