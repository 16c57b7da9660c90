/* fuzz_tap: the TAP path, frame -> forwarding decision, ARP/ND proxy, ICMP.
 * Input: byte 0 steps the clock; the rest is the frame read from the TAP. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[VXLAN_HLEN + 65536];
	static uint64_t now = 1;
	uint8_t *frame = buf + VXLAN_HLEN;
	struct dp *dp = fuzz_setup();
	struct dp_action act;

	if (size < 1 || size - 1 > sizeof(buf) - VXLAN_HLEN)
		return 0;
	now += data[0];
	memcpy(frame, data + 1, size - 1);
	dp_from_tap(dp, frame, size - 1, now, &act);
	fuzz_check_action(&act, buf, VXLAN_HLEN + size - 1);
	/* Every NA the ND proxy builds is one it would accept itself. */
	if (act.verdict == DP_REPLY_TAP && act.len == ND_NA_FRAME_LEN &&
	    eth_type(act.data) == ETHTYPE_IPV6 && act.data[ETH_HDR_LEN + IP6_HLEN] == ND_TYPE_NA) {
		struct nd_msg m;

		if (nd_parse(act.data, act.len, &m) != ND_OK)
			__builtin_trap();
	}
	if ((act.verdict == DP_UNICAST || act.verdict == DP_FLOOD) &&
	    (act.data != buf || act.len != size - 1 + VXLAN_HLEN || (buf[0] & 0x08) == 0))
		__builtin_trap();
	return 0;
}
