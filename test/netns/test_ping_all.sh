#!/usr/bin/env bash
# The seed's three nodes with only --peer lists: every node pings every other
# over flannel.1 (six directed pings), nothing configured by hand.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
require_vxtap

make_topology 3
for i in 1 2 3; do
	seed_args "$i" 3
	start_vxtap "n$i" "${VXT_ARGS[@]}"
done

for i in 1 2 3; do
	for j in 1 2 3; do
		((i == j)) && continue
		ping_warm "n$i" "10.244.0.$j" || fail "n$i -> 10.244.0.$j: no reply to 10 warm-up pings"
		info "n$i -> 10.244.0.$j"
		ping_ok "n$i" "10.244.0.$j" 3 || fail "n$i -> 10.244.0.$j: not every ping of 3 answered"
	done
done

# The traffic really went through vxtap: each node sent and received VXLAN.
for i in 1 2 3; do
	c=$(counters "n$i" udp_tx_packets udp_rx_packets tap_rx_packets tap_tx_packets)
	info "n$i: $(echo "$c" | tr '\n' ' ')"
	while IFS='=' read -r k v; do
		((v >= 12)) || fail "n$i: counter $k is $v, expected at least 12 after the pings"
	done <<<"$c"
done
stop_all_vxtap
info "ok"
