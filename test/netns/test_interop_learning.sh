#!/usr/bin/env bash
# A mixed cluster that learns: node 1 is a kernel vxlan device with learning
# on, an all-zeros FDB flood entry per peer and no static entries; nodes 2 and
# 3 run vxtap with nothing but their peer lists. ARP resolves both ways
# through flooding (the kernel's flood entries, vxtap's head-end replication)
# and each side learns the other's MAC from the traffic.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
require_vxtap

make_topology 3
# No IPv6 on the overlay: its multicast would teach both sides the MACs
# before ARP does, and this test is about ARP.
for i in 1 2 3; do
	no_ipv6 "n$i"
done
kernel_vxlan 1 "$VXT_VNI" "$VXT_PORT" # learning is the kernel's default
kernel_flood 1 2
kernel_flood 1 3
for i in 2 3; do
	seed_args "$i" 3
	start_vxtap "n$i" "${VXT_ARGS[@]}" --mac "$(node_mac "$i")"
done
m1=$(node_mac 1) m2=$(node_mac 2) m3=$(node_mac 3)

kfdb() { bridge -n "$(ns n1)" fdb show dev "$VXT_DEV"; }
kneigh() { ip -n "$(ns n1)" neigh show "$1" dev "$VXT_DEV"; }
info "n1 fdb before:"
kfdb | sed 's/^/  /'
kfdb | grep -q "^$m2 " && fail "n1's kernel FDB knows $m2 before any traffic: $(kfdb | grep "^$m2 ")"

cap=$VXT_TMP/n1-eth1.pcap
capture_start n1 "$cap"
# 1. vxtap to kernel: n2's ARP request is flooded by vxtap to n1 and n3; the
#    kernel node answers, learning n2's MAC from the request.
info "n2 -> 10.244.0.1"
ping_warm n2 10.244.0.1 || fail "n2 -> 10.244.0.1: no reply to 10 warm-up pings"
ping_ok n2 10.244.0.1 3 || fail "n2 -> 10.244.0.1: not every ping of 3 answered"
# 2. Kernel to vxtap: forget the neighbour n1 made from that request, so n1
#    asks; the kernel floods its request through the all-zeros entries.
ip -n "$(ns n1)" neigh flush dev "$VXT_DEV"
info "n1 -> 10.244.0.3, then 10.244.0.2"
for j in 3 2; do
	ping_warm n1 "10.244.0.$j" || fail "n1 -> 10.244.0.$j: no reply to 10 warm-up pings"
	ping_ok n1 "10.244.0.$j" 3 || fail "n1 -> 10.244.0.$j: not every ping of 3 answered"
done
info "n3 -> 10.244.0.2"
ping_ok n3 10.244.0.2 3 || fail "n3 -> 10.244.0.2: not every ping of 3 answered"
capture_stop "$VXT_CAP_PID" "$cap"

# ARP crossed the wire in both directions, flooded by both kinds of node.
arpf() { # arpf SRC DST OPCODE: inner ARP frames between these underlay hosts
	capture_packets "$cap" "src host 192.168.56.4$1 and dst host 192.168.56.4$2 and udp dst port $VXT_PORT and udp[28:2] = 0x0806 and udp[36:2] = $3"
}
req12=$(arpf 1 2 1) req13=$(arpf 1 3 1) rep21=$(arpf 2 1 2)
req21=$(arpf 2 1 1) rep12=$(arpf 1 2 2)
info "ARP on n1's eth1: requests n1->n2 $req12, n1->n3 $req13, n2->n1 $req21; replies n2->n1 $rep21, n1->n2 $rep12"
((req12 >= 1 && req13 >= 1)) || fail "the kernel node did not flood its ARP request to both peers (to n2: $req12, to n3: $req13)"
((req21 >= 1)) || fail "n2's ARP request for 10.244.0.1 did not reach the kernel node"
((rep12 >= 1)) || fail "the kernel node sent no ARP reply to n2"
((rep21 >= 1)) || fail "n2 sent no ARP reply to the kernel node"
fl=$(counter n2 floods)
((fl >= 1)) || fail "n2 counter floods is $fl: its ARP request should have been replicated"

# The kernel learned vxtap's MACs (not permanent: learned) and resolved them.
info "n1 fdb after:"
kfdb | sed 's/^/  /'
for j in 2 3; do
	m=$(node_mac "$j")
	line=$(kfdb | grep "^$m dst 192\.168\.56\.4$j " || true)
	[[ -n $line ]] || fail "n1's kernel FDB did not learn $m dst 192.168.56.4$j"
	[[ $line != *permanent* ]] || fail "n1's kernel FDB entry for $m is permanent, expected learned: $line"
	[[ $(kneigh "10.244.0.$j") == *"lladdr $m"* ]] ||
		fail "n1's neighbour for 10.244.0.$j is '$(kneigh "10.244.0.$j")', expected lladdr $m"
done
# vxtap learned the kernel node's MAC and IP.
for n in n2 n3; do
	d=$(dump "$n")
	grep -Eq "^vxtap: fdb $m1 dst 192\.168\.56\.41 port $VXT_PORT learned( |$)" <<<"$d" ||
		fail "$n did not learn 'fdb $m1 dst 192.168.56.41:$VXT_PORT learned'"
	[[ $(ip -n "$(ns "$n")" neigh show 10.244.0.1 dev "$VXT_DEV") == *"lladdr $m1"* ]] ||
		fail "$n's kernel neighbour for 10.244.0.1 is not $m1"
done
grep -Eq "^vxtap: neigh 10\.244\.0\.1 lladdr $m1 learned( |$)" <<<"$(dump n2)" ||
	fail "n2 did not learn 'neigh 10.244.0.1 lladdr $m1 learned' from the kernel's ARP"
grep -Eq "^vxtap: fdb $m3 dst 192\.168\.56\.43 port $VXT_PORT learned( |$)" <<<"$(dump n2)" ||
	fail "n2 did not learn 'fdb $m3 dst 192.168.56.43:$VXT_PORT learned'"
stop_all_vxtap
info "ok"
