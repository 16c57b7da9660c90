#!/usr/bin/env bash
# Hostile input: test/netns/hostile.py throws 110,000 datagrams at vxtap on n2 (run
# under valgrind), from a listed peer's address (n3, whose vxtap is not
# running) and from six addresses that are not peers: truncated VXLAN
# headers, I flag clear, reserved bits, wrong VNIs, inner frames of 0-13
# bytes and oversize ones, source MACs broadcast/multicast/zero/n2's own, ARP
# with a wrong hardware or protocol type, lengths or opcode, ARP for 0.0.0.0,
# 255.255.255.255, multicast and loopback addresses, random bytes; then
# malformed ARP written into n2's TAP. Afterwards vxtap is alive, every
# datagram is accounted for by exactly the drop reason it was built for,
# nothing was learned from any of it, forwarding still works, and vxtap exits
# 0 under valgrind (no memory error, no definite leak).
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
require_vxtap

gen=$VXT_ROOT/test/netns/hostile.py
[[ -f $gen ]] || fail "generator missing: $gen"
seed=${VXT_HOSTILE_SEED:-$((RANDOM * 32768 + RANDOM))}
info "seed $seed (VXT_HOSTILE_SEED=$seed repeats this run)"

make_topology 3
nonpeers=192.168.56.51,192.168.56.52,192.168.56.53,192.168.56.54,192.168.56.55,192.168.56.56
for a in ${nonpeers//,/ }; do
	ip -n "$(ns n3)" addr add "$a/24" dev eth1
done
for i in 1 2 3; do
	no_ipv6 "n$i" # the tunnel stays silent, so every datagram n2 reads is ours
done
m1=$(node_mac 1) m2=$(node_mac 2)
seed_args 1 3
start_vxtap n1 "${VXT_ARGS[@]}" --mac "$m1"
seed_args 2 3
start_vxtap_valgrind n2 "${VXT_ARGS[@]}" --mac "$m2"
pid2=$(vxpid n2)
ping_warm n1 10.244.0.2 || fail "n1 -> 10.244.0.2: no reply to 10 warm-up pings"
# Pin what the kernels learned, so neither sends ARP probes while the test
# counts every frame in and out of n2.
ip -n "$(ns n1)" neigh replace 10.244.0.2 lladdr "$m2" dev "$VXT_DEV" nud permanent
ip -n "$(ns n2)" neigh replace 10.244.0.1 lladdr "$m1" dev "$VXT_DEV" nud permanent
# n3 resolves n2 on the underlay first: datagrams queued behind an
# unresolved neighbour could be dropped before they leave n3.
nsx n3 ping -n -q -c 1 -W 2 192.168.56.42 >/dev/null || fail "underlay: n3 cannot reach 192.168.56.42"

rb=$(nsx n2 ss -Huamn 'sport = :8472' | sed -nE 's/.*skmem:\(r[0-9]+,rb([0-9]+),.*/\1/p' | head -n 1)
[[ $rb =~ ^[0-9]+$ ]] || fail "cannot read the receive buffer of n2's socket: $(nsx n2 ss -Huamn 'sport = :8472')"
mtu2=$(link_mtu n2 "$VXT_DEV")
info "n2: vxtap PID $pid2, TAP MTU $mtu2, socket receive buffer $rb bytes"

# peerrx NODE ADDR: the per-peer rx_packets vxtap counts for ADDR.
peerrx() {
	dump "$1" | awk -v p="$2:" '$2 == "peer" && index($3, p) == 1 { print $5; exit }'
}
reasons=(vxlan_short vxlan_no_i vxlan_reserved bad_vni unknown_peer runt oversize src_own
	src_multicast src_zero bad_arp no_peers tap_write udp_send)
# snap: every counter the test looks at, as NAME=VALUE lines.
snap() {
	counters n2 udp_rx_packets tap_rx_packets tap_tx_packets udp_tx_packets floods \
		fdb_learned neigh_learned "${reasons[@]/#/drop_}"
	printf 'peer41=%s\npeer43=%s\n' "$(peerrx n2 192.168.56.41)" "$(peerrx n2 192.168.56.43)"
}
declare -A b a
while IFS='=' read -r k v; do b[$k]=$v; done < <(snap)

# --- 110,000 datagrams ---------------------------------------------------------
out=$VXT_TMP/hostile-udp.json
start=$SECONDS
nsx n3 timeout 150 "$VXT_PY" "$gen" udp --victim-ip 192.168.56.42 --victim-mac "$m2" \
	--port "$VXT_PORT" --vni "$VXT_VNI" --mtu "$mtu2" --peer 192.168.56.43 --nonpeer "$nonpeers" \
	--pid "$pid2" --rcvbuf "$rb" --seed "$seed" --timeout 60 >"$out" ||
	fail "test/netns/hostile.py udp failed (status $?)"
alive "$pid2" || fail "vxtap on n2 died under the hostile datagrams"
info "generator: $(cat "$out")"
json() { "$VXT_PY" -c 'import json, sys; d = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): d = d[k]
print(d)' "$1" "$2"; }
sent=$(json "$out" sent)
((sent >= 100000)) || fail "only $sent hostile datagrams sent, expected at least 100000"
info "sent $sent datagrams in $((SECONDS - start)) s"

while IFS='=' read -r k v; do a[$k]=$v; done < <(snap)
d() { echo $((a[$1] - b[$1])); }
# The kernel lost none before vxtap read them.
for k in RcvbufErrors InErrors; do
	x=$(json "$out" "udp_before.$k") y=$(json "$out" "udp_after.$k")
	((x == y)) || fail "n2's kernel counted $((y - x)) UDP $k during the run: datagrams were lost before vxtap read them"
done
info "n2: udp_rx_packets +$(d udp_rx_packets), from n1 +$(d peer41), from n3 +$(d peer43)"
# Every datagram read is one of ours (n1 is the only other sender, counted
# by its own peer counter, and it is silent).
(($(d udp_rx_packets) - $(d peer41) == sent)) ||
	fail "n2 received $(($(d udp_rx_packets) - $(d peer41))) datagrams from other than n1, $sent were sent"
unknown=$(json "$out" expect.unknown_peer)
(($(d peer43) == sent - unknown)) ||
	fail "n2 counted $(d peer43) datagrams from the peer n3, $((sent - unknown)) were sent from its address"
sum=0 bad=()
for r in "${reasons[@]}"; do
	want=$("$VXT_PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["expect"].get(sys.argv[2], 0))' "$out" "$r")
	got=$(d "drop_$r")
	sum=$((sum + got))
	info "  drop_$r +$got (expected $want)"
	((got == want)) || bad+=("drop_$r +$got, expected $want")
done
((${#bad[@]} == 0)) || fail "n2's drop counters disagree with what was sent: ${bad[*]}"
((sum == sent)) || fail "n2's drop counters add up to $sum, $sent datagrams were sent"
# Nothing got through to the TAP, nothing was learned, nothing was flooded.
for k in tap_tx_packets fdb_learned neigh_learned udp_tx_packets floods; do
	(($(d "$k") == 0)) || fail "n2 $k rose by $(d "$k") during the hostile datagrams, expected 0"
done

# --- malformed ARP from the TAP side ---------------------------------------------
while IFS='=' read -r k v; do b[$k]=$v; done < <(snap)
out=$VXT_TMP/hostile-tap.json
nsx n2 timeout 60 "$VXT_PY" "$gen" tap --victim-ip 192.168.56.42 --victim-mac "$m2" --dev "$VXT_DEV" \
	--count 2000 --seed "$seed" --timeout 30 >"$out" || fail "test/netns/hostile.py tap failed (status $?)"
info "generator: $(cat "$out")"
alive "$pid2" || fail "vxtap on n2 died under malformed ARP from its TAP"
while IFS='=' read -r k v; do a[$k]=$v; done < <(snap)
tdrop=$(json "$out" tap_dropped)
((tdrop == 0)) || fail "the TAP dropped $tdrop frames before vxtap read them"
info "n2 from its TAP: tap_rx_packets +$(d tap_rx_packets), drop_bad_arp +$(d drop_bad_arp), udp_tx_packets +$(d udp_tx_packets)"
(($(d tap_rx_packets) == 2000)) || fail "n2 read $(d tap_rx_packets) frames from its TAP, 2000 were written"
(($(d drop_bad_arp) == 2000)) || fail "n2 drop_bad_arp rose by $(d drop_bad_arp) for 2000 malformed ARP frames from the TAP"
(($(d udp_tx_packets) == 0)) || fail "n2 sent $(d udp_tx_packets) datagrams: malformed ARP from the TAP was forwarded"

# --- nothing learned, forwarding intact ---------------------------------------
ping_ok n1 10.244.0.2 3 || fail "n1 -> 10.244.0.2: not every ping of 3 answered after the hostile input"
ping_ok n2 10.244.0.1 3 || fail "n2 -> 10.244.0.1: not every ping of 3 answered after the hostile input"
tcp_copy n1 n2 10.244.0.2 5001 2 60
tcp_copy n2 n1 10.244.0.1 5002 2 60
dd=$(dump n2)
info "n2's tables:"
grep -E '^vxtap: (fdb|neigh|peer) ' <<<"$dd" | sed 's/^/  /'
fdb=$(grep '^vxtap: fdb ' <<<"$dd" || true)
[[ $fdb =~ ^"vxtap: fdb $m1 dst 192.168.56.41 port $VXT_PORT learned" && $(wc -l <<<"$fdb") -eq 1 ]] ||
	fail "n2's FDB should hold only n1's MAC, learned: $fdb"
neigh=$(grep '^vxtap: neigh ' <<<"$dd" || true)
if grep -v "^vxtap: neigh 10\.244\.0\.1 lladdr $m1 " <<<"$neigh" | grep -q .; then
	fail "n2's neighbour table holds more than n1: $neigh"
fi
peers=$(grep -c '^vxtap: peer ' <<<"$dd" || true)
((peers == 2)) || fail "n2 lists $peers peers, expected 2: $(grep '^vxtap: peer ' <<<"$dd")"
kn=$(ip -n "$(ns n2)" neigh show dev "$VXT_DEV")
if grep -Eq '^10\.244\.20[01]\.' <<<"$kn"; then
	fail "hostile ARP reached n2's kernel: $kn"
fi

rc=0
stop_vxtap_slow n2 || rc=$?
if [[ -s $VXT_TMP/n2.valgrind.log ]]; then
	sed 's/^/  valgrind: /' "$VXT_TMP/n2.valgrind.log" | head -n 60
fi
((rc == 0)) || fail "vxtap on n2 exited with status $rc on SIGTERM (99: valgrind found errors)"
stop_all_vxtap
info "ok"
