#!/usr/bin/env bash
# A mixed cluster: node 1 is the seed's kernel set-up (flannel.1 of type vxlan,
# its address, static `arp -s` and `bridge fdb append` entries for the other
# two nodes, no flood entries, exactly as the seed writes them); nodes 2 and 3
# run vxtap with the matching static entries. Every pair pings, and 20 MiB of
# TCP each way between the kernel node and a vxtap node arrives intact.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
require_vxtap

make_topology 3
# Kernel node (ethtool -K eth1 tx off inside: see kernel_vxlan in lib.sh).
kernel_vxlan 1 "$VXT_VNI" "$VXT_PORT"
kernel_static 1 2
kernel_static 1 3
for i in 2 3; do
	seed_args "$i" 3
	args=("${VXT_ARGS[@]}" --mac "$(node_mac "$i")")
	for j in 1 2 3; do
		((i == j)) && continue
		args+=(--neigh "10.244.0.$j=$(node_mac "$j")" --fdb "$(node_mac "$j")=192.168.56.4$j")
	done
	start_vxtap "n$i" "${args[@]}"
done
info "n1 (kernel): $(ip -n "$(ns n1)" -d -o link show "$VXT_DEV" | grep -oE 'vxlan id [0-9]+ .*dstport [0-9]+')"
bridge -n "$(ns n1)" fdb show dev "$VXT_DEV" | sed 's/^/  n1 fdb: /'

rx0=$(counter n2 udp_rx_packets)
for i in 1 2 3; do
	for j in 1 2 3; do
		((i == j)) && continue
		info "n$i -> 10.244.0.$j"
		ping_warm "n$i" "10.244.0.$j" || fail "n$i -> 10.244.0.$j: no reply to 10 warm-up pings"
		ping_ok "n$i" "10.244.0.$j" 3 || fail "n$i -> 10.244.0.$j: not every ping of 3 answered"
	done
done
rx1=$(counter n2 udp_rx_packets)
((rx1 - rx0 >= 12)) || fail "n2 received only $((rx1 - rx0)) datagrams for 12+ pings through it: did they go through vxtap?"

# The kernel node's datagrams reach vxtap; vxtap's reach the kernel node.
k0=$(nsx n1 cat /sys/class/net/"$VXT_DEV"/statistics/rx_packets)
tcp_copy n1 n2 10.244.0.2 5001 20 60
tcp_copy n2 n1 10.244.0.1 5002 20 60
k1=$(nsx n1 cat /sys/class/net/"$VXT_DEV"/statistics/rx_packets)
info "n1 flannel.1 rx_packets: $k0 -> $k1"
((k1 - k0 > 14000)) || fail "n1's kernel flannel.1 received only $((k1 - k0)) packets during 40 MiB of TCP"

d=$(counters n2 udp_rx_bytes udp_tx_bytes drop_vxlan_reserved drop_bad_vni drop_unknown_peer drop_oversize drop_tap_write drop_udp_send)
info "n2 $(tr '\n' ' ' <<<"$d")"
while IFS='=' read -r k v; do
	case $k in
	udp_rx_bytes | udp_tx_bytes) ((v > 20971520)) || fail "n2 $k is only $v after 20 MiB each way" ;;
	*) ((v == 0)) || fail "n2 $k is $v: the kernel's datagrams should all be accepted" ;;
	esac
done <<<"$d"
# vxtap learned nothing it should not: node 1's MAC stays where the static
# entry put it.
grep -Eq "^vxtap: fdb $(node_mac 1) dst 192\.168\.56\.41 port 8472 static" <<<"$(dump n2)" ||
	fail "n2's fdb entry for $(node_mac 1) is not 'dst 192.168.56.41:8472 static'"
stop_all_vxtap
info "ok"
