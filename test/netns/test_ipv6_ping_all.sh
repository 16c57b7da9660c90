#!/usr/bin/env bash
# Three vxtap nodes on an IPv6-only underlay (fd00:56::41-43) carrying an IPv4
# and an IPv6 overlay on one device, with only --peer lists: every node pings
# every other in both families (twelve directed pings), neighbour discovery
# crossing the tunnel and teaching each vxtap the others' IPv6 addresses.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
require_vxtap

make_topology6 3
for i in 1 2 3; do
	seed_args6 "$i" 3
	start_vxtap "n$i" "${VXT_ARGS[@]}"
done
for i in 1 2 3; do
	mtu=$(link_mtu "n$i" "$VXT_DEV")
	((mtu == 1430)) || fail "n$i: $VXT_DEV has MTU $mtu, expected 1430 (1500 less 70 over IPv6)"
	wait_dad "n$i"
done
grep -q ' local fd00:56::41 ' "$VXT_TMP/n1.log" || fail "n1's ready line does not show local fd00:56::41"

ping_pairs_dual 3

for i in 1 2 3; do
	d=$(dump "n$i")
	for j in 1 2 3; do
		((i == j)) && continue
		# The peers are IPv6 endpoints, and the ND snooping learned the
		# others' overlay IPv6 addresses from their NS and NA.
		grep -Eq "^vxtap: peer \[fd00:56::4$j\]:8472 rx [1-9]" <<<"$d" ||
			fail "n$i's dump lacks peer [fd00:56::4$j]:8472 with traffic received"
		grep -Eq "^vxtap: neigh fd00:244::$j lladdr ([0-9a-f]{2}:){5}[0-9a-f]{2} learned" <<<"$d" ||
			fail "n$i did not learn fd00:244::$j from neighbour discovery"
	done
	c=$(counters "n$i" udp_tx_packets udp_rx_packets tap_rx_packets tap_tx_packets drop_bad_nd)
	info "n$i: $(echo "$c" | tr '\n' ' ')"
	while IFS='=' read -r k v; do
		case $k in
		drop_bad_nd) ((v == 0)) || fail "n$i: $v neighbour discovery messages dropped as malformed" ;;
		*) ((v >= 24)) || fail "n$i: counter $k is $v, expected at least 24 after the pings" ;;
		esac
	done <<<"$c"
done
stop_all_vxtap
info "ok"
