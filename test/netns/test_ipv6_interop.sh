#!/usr/bin/env bash
# Over the IPv6 underlay, node 1 is a kernel vxlan device set up as flannel
# does for IPv6 (local6: `ip link add flannel.1 type vxlan id 1 dstport 8472
# local fd00:56::41 dev eth1` and a flood entry per peer); nodes 2 and 3 run
# vxtap with only --peer lists. Every pair pings in both overlay families, and
# TCP from the kernel node to a vxtap node arrives intact.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
require_vxtap

make_topology6 3
# Kernel node (ethtool -K eth1 tx off inside: see kernel_vxlan in lib.sh).
kernel_vxlan6 1 "$VXT_VNI" "$VXT_PORT"
kernel_flood6 1 2
kernel_flood6 1 3
for i in 2 3; do
	seed_args6 "$i" 3
	start_vxtap "n$i" "${VXT_ARGS[@]}"
done
info "n1 (kernel): $(ip -n "$(ns n1)" -d -o link show "$VXT_DEV" | grep -oE 'vxlan id [0-9]+ .*dstport [0-9]+')"
bridge -n "$(ns n1)" fdb show dev "$VXT_DEV" | sed 's/^/  n1 fdb: /'
for i in 1 2 3; do
	wait_dad "n$i"
done

rx0=$(counter n2 udp_rx_packets)
ping_pairs_dual 3
rx1=$(counter n2 udp_rx_packets)
((rx1 - rx0 >= 24)) || fail "n2 received only $((rx1 - rx0)) datagrams for 24+ pings through it: did they go through vxtap?"

# The kernel's datagrams (checksummed UDP over IPv6, from hashed source ports)
# are all accepted, and vxtap learned the kernel node on its IPv6 address.
tcp_copy n1 n2 10.244.0.2 5001 4 60
d=$(counters n2 drop_unknown_peer drop_vxlan_reserved drop_bad_vni drop_bad_nd drop_oversize)
info "n2 $(tr '\n' ' ' <<<"$d")"
while IFS='=' read -r k v; do
	((v == 0)) || fail "n2 $k is $v: the kernel's datagrams should all be accepted"
done <<<"$d"
grep -Eq "^vxtap: fdb $(node_mac 1) dst fd00:56::41 port 8472 learned" <<<"$(dump n2)" ||
	fail "n2 did not learn the kernel node's MAC $(node_mac 1) behind [fd00:56::41]:8472"
k=$(nsx n1 cat /sys/class/net/"$VXT_DEV"/statistics/rx_packets)
((k >= 24)) || fail "n1's kernel $VXT_DEV received only $k packets"
stop_all_vxtap
info "ok"
