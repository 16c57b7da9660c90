#!/usr/bin/env bash
# With --neigh entries for the other nodes, vxtap answers the kernel's ARP
# requests itself: no ARP frame crosses the underlay, IPv4 frames do.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
require_vxtap

make_topology 3
for i in 1 2 3; do
	seed_args "$i" 3
	args=("${VXT_ARGS[@]}" --mac "$(node_mac "$i")")
	for j in 1 2 3; do
		((i == j)) && continue
		args+=(--neigh "10.244.0.$j=$(node_mac "$j")" --fdb "$(node_mac "$j")=192.168.56.4$j")
	done
	start_vxtap "n$i" "${args[@]}"
done

d=$(dump n1)
for j in 2 3; do
	grep -Eq "^vxtap: neigh 10\.244\.0\.$j lladdr $(node_mac "$j") static" <<<"$d" ||
		fail "n1's dump lacks 'neigh 10.244.0.$j lladdr $(node_mac "$j") static'"
	grep -Eq "^vxtap: fdb $(node_mac "$j") dst 192\.168\.56\.4$j port 8472 static" <<<"$d" ||
		fail "n1's dump lacks 'fdb $(node_mac "$j") dst 192.168.56.4$j:8472 static'"
done

replies0=$(counter n1 arp_replies)
for i in 1 2 3; do
	ip -n "$(ns "n$i")" neigh flush dev "$VXT_DEV"
done

cap=$VXT_TMP/n1-eth1.pcap
capture_start n1 "$cap"
for j in 2 3; do
	info "n1 -> 10.244.0.$j"
	ping_ok n1 "10.244.0.$j" 3 || fail "n1 -> 10.244.0.$j: not every ping of 3 answered"
done
capture_stop "$VXT_CAP_PID" "$cap"
replies1=$(counter n1 arp_replies)

arp=$(capture_count "$cap" 'udp port 8472 and udp[28:2] = 0x0806')
ipv4=$(capture_count "$cap" 'udp port 8472 and udp[28:2] = 0x0800')
all=$(capture_count "$cap" 'udp port 8472')
info "on n1's eth1: $all VXLAN datagrams, $ipv4 with inner IPv4, $arp with inner ARP"
info "n1 arp_replies: $replies0 -> $replies1"
[[ $(ip -n "$(ns n1)" neigh show 10.244.0.2 dev "$VXT_DEV") == *"$(node_mac 2)"* ]] ||
	fail "n1's kernel neighbour for 10.244.0.2 is not $(node_mac 2): $(ip -n "$(ns n1)" neigh show dev "$VXT_DEV")"
((ipv4 >= 12)) || fail "only $ipv4 inner IPv4 frames on the underlay, expected at least 12 (6 requests, 6 replies)"
((arp == 0)) || fail "$arp ARP frames crossed the underlay; the proxy should have answered them"
((replies1 >= replies0 + 2)) || fail "n1 arp_replies went from $replies0 to $replies1, expected +2 or more"
stop_all_vxtap
info "ok"
