#!/usr/bin/env bash
# A mixed cluster the way flanneld programs it: node 1 is a kernel vxlan
# device with `nolearning proxy` and static neighbour and FDB entries pointing
# at vxtap's MACs; nodes 2 and 3 run vxtap with --neigh entries for the others
# (and learn the FDB). No ARP crosses the wire: the kernel's proxy answers
# node 1's stack, vxtap's proxy answers nodes 2 and 3. The kernel node learns
# nothing; every pair pings and TCP goes both ways.
#
# The --neigh entries are not optional here: a kernel vxlan device with proxy
# consumes every ARP frame its host sends (arp_reduce), replies included, so
# a request flooded to node 1 is never answered.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
require_vxtap

make_topology 3
for i in 1 2 3; do
	no_ipv6 "n$i" # nothing on the overlay but what the test sends
done
kernel_vxlan 1 "$VXT_VNI" "$VXT_PORT" nolearning proxy
kernel_static 1 2
kernel_static 1 3
ip -n "$(ns n1)" -d -o link show "$VXT_DEV" | grep -q 'nolearning proxy' ||
	fail "n1's flannel.1 lacks 'nolearning proxy': $(ip -n "$(ns n1)" -d -o link show "$VXT_DEV")"
for i in 2 3; do
	seed_args "$i" 3
	args=("${VXT_ARGS[@]}" --mac "$(node_mac "$i")")
	for j in 1 2 3; do
		((i == j)) || args+=(--neigh "10.244.0.$j=$(node_mac "$j")")
	done
	start_vxtap "n$i" "${args[@]}"
done
kfdb() { bridge -n "$(ns n1)" fdb show dev "$VXT_DEV"; }
fdb0=$(kfdb | sort)

cap=$VXT_TMP/n1-eth1.pcap
capture_start n1 "$cap"
for i in 1 2 3; do
	for j in 1 2 3; do
		((i == j)) && continue
		info "n$i -> 10.244.0.$j"
		ping_warm "n$i" "10.244.0.$j" || fail "n$i -> 10.244.0.$j: no reply to 10 warm-up pings"
		ping_ok "n$i" "10.244.0.$j" 3 || fail "n$i -> 10.244.0.$j: not every ping of 3 answered"
	done
done
tcp_copy n1 n2 10.244.0.2 5001 4 60
tcp_copy n3 n1 10.244.0.1 5002 4 60
capture_stop "$VXT_CAP_PID" "$cap"

arp=$(capture_packets "$cap" "udp port $VXT_PORT and udp[28:2] = 0x0806")
ipv4=$(capture_packets "$cap" "udp port $VXT_PORT and udp[28:2] = 0x0800")
info "on n1's eth1: $ipv4 VXLAN datagrams with inner IPv4, $arp with inner ARP"
((arp == 0)) || fail "$arp ARP frames crossed n1's underlay; both proxies should have answered locally"
((ipv4 >= 24)) || fail "only $ipv4 inner IPv4 frames on n1's underlay, expected at least 24 (pings alone)"
for n in n2 n3; do
	r=$(counter "$n" arp_replies)
	((r >= 1)) || fail "$n counter arp_replies is $r: its proxy should have answered for 10.244.0.1"
done

# nolearning: the kernel's FDB is exactly what was configured.
fdb1=$(kfdb | sort)
info "n1 fdb after:"
# shellcheck disable=SC2001
sed 's/^/  /' <<<"$fdb1"
[[ $fdb1 == "$fdb0" ]] || fail "n1's kernel FDB changed under nolearning: before [$fdb0] after [$fdb1]"
# vxtap learned where node 1's MAC lives.
grep -Eq "^vxtap: fdb $(node_mac 1) dst 192\.168\.56\.41 port $VXT_PORT learned( |$)" <<<"$(dump n2)" ||
	fail "n2 did not learn 'fdb $(node_mac 1) dst 192.168.56.41:$VXT_PORT learned'"
stop_all_vxtap
info "ok"
