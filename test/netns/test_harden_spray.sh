#!/usr/bin/env bash
# A listed peer spraying random source MACs cannot push another peer's
# learned entries out of the FDB. n1 (vxtap, --max-fdb 200, 50 per peer)
# learns n2's MAC from a ping; then a sender bound to n3's underlay address
# (a listed peer of n1's, running no vxtap) sends thousands of valid VXLAN
# datagrams from random unicast MACs. After it: n3 holds 50 entries, n2's
# learned entry is still there, pings to n2 work, and fdb_evicted rose. The
# same spray with the per-peer cap raised to the total evicts n2's entry:
# the check can fail.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
require_vxtap

SEND=$VXT_ROOT/test/netns/vxlan_send.py
SPRAY=3000
m1=$(node_mac 1)
m2=$(node_mac 2)

make_topology 3
for i in 1 2 3; do
	no_ipv6 "n$i" # a quiet tunnel: n2's entry is refreshed only by what the test sends
done

# settle NODE: wait (bounded, 10 s) until the node's udp_rx_packets stops growing.
settle() {
	local last=-1 i
	for ((i = 0; i < 100; i++)); do
		grew "$1" udp_rx_packets
		((VXT_GREW[udp_rx_packets] == last)) && return 0
		last=${VXT_GREW[udp_rx_packets]}
		sleep 0.1
	done
	fail "$1 was still receiving after 10 s"
}

# learned_at NODE IP: how many learned FDB entries of the node point at IP.
learned_at() {
	dump "$1" | grep -Ec "^vxtap: fdb [0-9a-f:]+ dst ${2//./\\.} port $VXT_PORT learned( |$)" || true
}

# spray SEED: SPRAY datagrams from random MACs, from 192.168.56.43 to n1.
spray() {
	local out
	out=$(nsx n3 "$VXT_PY" "$SEND" 192.168.56.43 192.168.56.41 --dmac "$m1" --count "$SPRAY" \
		--seed "$1") || fail "the sender in n3 failed: $out"
	info "n3 -> n1: $out"
	settle n1
}

# start_n1 PER_PEER: n1 with peers n2 and n3, caps 200 in total and PER_PEER each.
start_n1() {
	seed_args 1 3
	start_vxtap n1 "${VXT_ARGS[@]}" --mac "$m1" --max-fdb 200 --max-fdb-per-peer "$1"
	ping_warm n1 10.244.0.2 || fail "n1 -> 10.244.0.2: no reply to 10 warm-up pings"
	dump n1 | grep -Eq "^vxtap: fdb $m2 dst 192\.168\.56\.42 port $VXT_PORT learned( |$)" ||
		fail "n1 did not learn n2's MAC $m2 from the ping"
}

seed_args 2 2
start_vxtap n2 "${VXT_ARGS[@]}" --mac "$m2"
start_n1 50

mark n1 udp_rx_packets fdb_evicted fdb_learned
spray 1
grew n1 udp_rx_packets fdb_evicted fdb_learned
rx=${VXT_GREW[udp_rx_packets]}
evicted=${VXT_GREW[fdb_evicted]}
learned=${VXT_GREW[fdb_learned]}
info "n1 received $rx datagrams, learned $learned MACs and evicted $evicted entries"
((rx >= SPRAY / 2)) || fail "n1 received only $rx of the $SPRAY sprayed datagrams"
((learned >= rx - 10)) || fail "n1 learned $learned MACs from $rx datagrams"
((evicted == learned - 50)) || fail "n1 evicted $evicted entries, want $learned - 50"
n3=$(learned_at n1 192.168.56.43)
((n3 == 50)) || fail "n1 has $n3 learned entries behind 192.168.56.43, want its cap of 50"
d=$(dump n1)
grep -Eq "^vxtap: fdb $m2 dst 192\.168\.56\.42 port $VXT_PORT learned( |$)" <<<"$d" ||
	fail "n2's MAC $m2 was pushed out of n1's FDB by n3's spray"
ping_ok n1 10.244.0.2 3 || fail "n1 -> 10.244.0.2: not every ping of 3 answered after the spray"
ping_ok n2 10.244.0.1 3 || fail "n2 -> 10.244.0.1: not every ping of 3 answered after the spray"

# The control: with one peer allowed the whole FDB, the same spray evicts n2.
stop_vxtap n1 || fail "vxtap on n1 did not exit 0"
start_n1 200
spray 2
if dump n1 | grep -q "^vxtap: fdb $m2 "; then
	fail "without a per-peer cap, n2's MAC survived the spray: the check above proves nothing"
fi
info "control: with --max-fdb-per-peer 200, n2's entry was evicted as expected"
stop_all_vxtap
info "ok"
