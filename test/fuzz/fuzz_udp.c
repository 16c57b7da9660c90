/* fuzz_udp: the receive path, datagram -> VXLAN decap -> forwarding decision.
 * Input: byte 0 picks the sender (listed peer or stranger) and a clock step;
 * the rest is the UDP payload. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint64_t now = 1;
	struct dp *dp = fuzz_setup();
	struct dp_action act;
	uint64_t before;

	if (size < 1)
		return 0;
	now += (uint64_t)(data[0] >> 2) * 100;
	before = dp->st.udp_rx_packets;
	dp_from_udp(dp, &fuzz_peers[data[0] % 3].ip, data + 1, size - 1, now, &act);
	if (dp->st.udp_rx_packets != before + 1)
		__builtin_trap();
	fuzz_check_action(&act, data + 1, size - 1);
	if (act.verdict != DP_TO_TAP && act.verdict != DP_DROP)
		__builtin_trap();
	if ((data[0] & 3) == 3)
		dp_age(dp, now, NULL);
	return 0;
}
