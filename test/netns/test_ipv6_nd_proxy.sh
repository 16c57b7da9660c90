#!/usr/bin/env bash
# On the IPv6 underlay, with --neigh entries for the other nodes' IPv6 (and
# IPv4) overlay addresses, vxtap answers the kernel's neighbour solicitations
# itself: no inner NS (ICMPv6 type 135) and no ARP crosses the underlay, the
# echo requests and replies do, and nd_replies rises.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
require_vxtap

make_topology6 3
for i in 1 2 3; do
	seed_args6 "$i" 3
	args=("${VXT_ARGS[@]}" --mac "$(node_mac "$i")")
	for j in 1 2 3; do
		((i == j)) && continue
		args+=(--neigh "fd00:244::$j=$(node_mac "$j")" --neigh "10.244.0.$j=$(node_mac "$j")"
			--fdb "$(node_mac "$j")=fd00:56::4$j")
	done
	start_vxtap "n$i" "${args[@]}"
done
for i in 1 2 3; do
	wait_dad "n$i"
done

d=$(dump n1)
for j in 2 3; do
	grep -Eq "^vxtap: neigh fd00:244::$j lladdr $(node_mac "$j") static" <<<"$d" ||
		fail "n1's dump lacks 'neigh fd00:244::$j lladdr $(node_mac "$j") static'"
	grep -Eq "^vxtap: fdb $(node_mac "$j") dst fd00:56::4$j port 8472 static" <<<"$d" ||
		fail "n1's dump lacks 'fdb $(node_mac "$j") dst [fd00:56::4$j]:8472 static'"
done

replies0=$(counter n1 nd_replies)
for i in 1 2 3; do
	ip -n "$(ns "n$i")" neigh flush dev "$VXT_DEV"
done

cap=$VXT_TMP/n1-eth1.pcap
capture_start n1 "$cap"
for j in 2 3; do
	for dst in "fd00:244::$j" "10.244.0.$j"; do
		info "n1 -> $dst"
		ping_ok n1 "$dst" 3 || fail "n1 -> $dst: not every ping of 3 answered"
	done
done
capture_stop "$VXT_CAP_PID" "$cap"
replies1=$(counter n1 nd_replies)

all=$(capture_packets "$cap" "$VXT_F6_VXLAN")
ns=$(capture_packets "$cap" "$VXT_F6_ICMP6 and ip6[110] = 135")
na=$(capture_packets "$cap" "$VXT_F6_ICMP6 and ip6[110] = 136")
echo6=$(capture_packets "$cap" "$VXT_F6_ICMP6 and (ip6[110] = 128 or ip6[110] = 129)")
arp=$(capture_packets "$cap" "$VXT_F6_VXLAN and ip6[68:2] = 0x0806")
ipv4=$(capture_packets "$cap" "$VXT_F6_VXLAN and ip6[68:2] = 0x0800")
info "on n1's eth1: $all VXLAN datagrams over IPv6: $echo6 inner ICMPv6 echo, $ns NS, $na NA, $ipv4 inner IPv4, $arp ARP"
info "n1 nd_replies: $replies0 -> $replies1"
[[ $(ip -n "$(ns n1)" -6 neigh show fd00:244::2 dev "$VXT_DEV") == *"$(node_mac 2)"* ]] ||
	fail "n1's kernel neighbour for fd00:244::2 is not $(node_mac 2): $(ip -n "$(ns n1)" -6 neigh show dev "$VXT_DEV")"
((echo6 >= 12)) || fail "only $echo6 inner ICMPv6 echo frames on the underlay, expected at least 12 (6 requests, 6 replies)"
((ipv4 >= 12)) || fail "only $ipv4 inner IPv4 frames on the underlay, expected at least 12"
((ns == 0)) || fail "$ns neighbour solicitations crossed the underlay; the proxy should have answered them"
((na == 0)) || fail "$na neighbour advertisements crossed the underlay; nobody should have had to answer"
((arp == 0)) || fail "$arp ARP frames crossed the underlay; the proxy should have answered them"
((replies1 >= replies0 + 2)) || fail "n1 nd_replies went from $replies0 to $replies1, expected +2 or more"
stop_all_vxtap
info "ok"
