#!/usr/bin/env bash
# Secure mode against keys that are not the ones listed, and bad input from
# a listed peer's address:
#   1. node 3's key is not the one nodes 1 and 2 list for it: no ping
#      crosses between node 3 and either of them, no session is made with
#      it, nodes 1 and 2 count its inits as drop_crypto_unknown_key (and
#      node 3 theirs as drop_crypto_bad_mac1: they were made for the listed
#      key); nodes 1 and 2 talk on;
#   2. node 3 holds node 2's private key, a key node 1 lists -- for node 2's
#      address: from node 3's address it gets nothing through, node 1
#      counts drop_crypto_wrong_key, and the 1-2 session stays up;
#   3. real sealed datagrams from node 1 to node 2 are captured and sent
#      again from node 1's address with one byte flipped: ciphertext, tag
#      and counter flips count as drop_crypto_bad_tag, a receiver index flip
#      as unknown_session, a wrong version or nonzero byte 2-3 or an unknown
#      type as malformed, a set I flag (0x08) as plain -- each by exactly
#      the number sent; nothing reaches node 2's TAP, and its rx counters
#      of node 1 (rx_packets in "peer show") do not move;
#   4. plain VXLAN datagrams from node 1's address count as drop_crypto_plain
#      and are not delivered either; the tunnel still works afterwards.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=test/netns/lib_ctl.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_ctl.sh"
# shellcheck source=test/netns/lib_secure.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_secure.sh"
require_root
require_vxtap

make_topology 3
for i in 1 2 3; do
	no_ipv6 "n$i" # nothing but what the test sends crosses the tunnel
done
keys_new 3
key_new "$VXT_TMP/stranger.key"

# shut_out NODE: node 3 reaches neither 1 nor 2, and neither reaches it; the
# node's TAP got nothing from node 3.
shut_out() {
	local i
	for i in 1 2; do
		ping_none n3 "10.244.0.$i" 3 || fail "n3 -> 10.244.0.$i: a ping was answered ($1)"
		ping_none "n$i" 10.244.0.3 2 || fail "n$i -> 10.244.0.3: a ping was answered ($1)"
	done
}

# --- 1. a key that is not listed ------------------------------------------------
info "== n3's key is not the one n1 and n2 list for it"
cp "$VXT_TMP/stranger.pub" "$VXT_TMP/n3.listed"
for i in 1 2; do
	secure_args "$i" 2
	start_vxtap "n$i" "${VXT_ARGS[@]}" --peer "192.168.56.43=$(cat "$VXT_TMP/n3.listed")"
done
start_secure 3 3
shut_out "a key that is not listed"
# Up to 12 s: an init that went out before the other side was reachable is
# sent again 5 s later.
for i in 1 2; do
	wait_counter "n$i" drop_crypto_unknown_key 1 120 || fail "n$i did not count n3's inits as drop_crypto_unknown_key"
	st=$(peer_state "n$i" 192.168.56.43)
	[[ $st != up ]] || fail "n$i has a session with n3"
	info "  n$i: $(crypto_counters "n$i")"
done
wait_counter n3 drop_crypto_bad_mac1 1 120 || fail "n3 did not count inits made for another key as drop_crypto_bad_mac1"
info "  n3: $(crypto_counters n3)"
t=$(counter n3 tap_tx_packets)
((t == 0)) || fail "n3 wrote $t frames to its TAP without a session"
ping_ok n1 10.244.0.2 3 >/dev/null || fail "n1 -> 10.244.0.2 fails beside the shut-out node 3"
stop_vxtap n3 || fail "vxtap on n3 did not exit 0"

# --- 2. a listed key from another address ------------------------------------------
info "== n3 holds n2's private key, at its own address"
cat "$VXT_TMP/n2.key" >"$VXT_TMP/n3.key"
mark n1 drop_crypto_wrong_key crypto_sessions
start_vxtap n3 --dev "$VXT_DEV" --local 192.168.56.43 --addr 10.244.0.3/16 --mac "$(node_mac 3)" \
	--key-file "$VXT_TMP/n3.key" --peer "192.168.56.41=$(pub 1)" --control "$(sock n3)"
ping_none n3 10.244.0.1 3 || fail "n3 with n2's key -> 10.244.0.1: a ping was answered"
wait_counter n1 drop_crypto_wrong_key $((${VXT_MARK[n1:drop_crypto_wrong_key]} + 1)) ||
	fail "n1 did not count n2's key from n3's address as drop_crypto_wrong_key"
grew n1 drop_crypto_wrong_key crypto_sessions
info "  n1: drop_crypto_wrong_key +${VXT_GREW[drop_crypto_wrong_key]}, sessions +${VXT_GREW[crypto_sessions]}"
((VXT_GREW[crypto_sessions] == 0)) || fail "n1 made a session with n2's key at n3's address"
[[ $(peer_state n1 192.168.56.42) == up ]] || fail "n1's session with n2 went down"
ping_ok n1 10.244.0.2 3 >/dev/null || fail "n1 -> 10.244.0.2 fails beside n3 holding n2's key"
ping_ok n2 10.244.0.1 3 >/dev/null || fail "n2 -> 10.244.0.1 fails beside n3 holding n2's key"
stop_all_vxtap

# --- 3. flipped bytes -------------------------------------------------------------
info "== n1 and n2: real datagrams, one byte flipped"
start_secure 1 2
start_secure 2 2
ping_warm n1 10.244.0.2 || fail "n1 -> 10.244.0.2: no reply to 10 warm-up pings"
ping_ok n2 10.244.0.1 3 >/dev/null || fail "n2 -> 10.244.0.1: not every ping of 3 answered"
# The overlay must be quiet while the copies arrive: the kernels'
# neighbour entries would otherwise be probed now and then (n2's vxtap
# answers such a probe on its TAP from its ARP proxy).
ip -n "$(ns n1)" neigh replace 10.244.0.2 lladdr "$(node_mac 2)" dev "$VXT_DEV" nud permanent
ip -n "$(ns n2)" neigh replace 10.244.0.1 lladdr "$(node_mac 1)" dev "$VXT_DEV" nud permanent
ip -n "$(ns n1)" neigh replace 192.168.56.42 lladdr "$(ip -n "$(ns n2)" -br link show eth1 | awk '{print $3}')" \
	dev eth1 nud permanent
# Datagrams node 2 never received, so that their counters are fresh there
# and only the tag can catch a flipped byte: n1 pings while node 2's switch
# port is down, and the capture is taken on n1's eth1.
ip -n "$(ns sw)" link set p2 down
port_down() { ip -n "$(ns n2)" -br link show eth1 | grep -q 'NO-CARRIER\|LOWERLAYERDOWN\| DOWN '; }
wait_for 100 0.05 port_down || fail "n2's eth1 still has a carrier with its switch port down"
cap=$VXT_TMP/n1.pcap
capture_start n1 "$cap"
ping_none n1 10.244.0.2 3 || fail "n1 -> 10.244.0.2 answered with node 2's switch port down"
capture_stop "$VXT_CAP_PID" "$cap"
ip -n "$(ns sw)" link set p2 up
wait_for 100 0.05 nsx n1 ping -n -q -c 1 -W 1 192.168.56.42 >/dev/null || fail "underlay: n1 cannot reach n2 after its port came back"
n=$(spkt scan "$cap" | awk '$1 == "type" && $2 == "a4" { print $3 }')
info "  captured on n1, never received by n2: ${n:-0} data datagrams"
((${n:-0} >= 3)) || fail "only ${n:-0} sealed echo requests captured on n1"

# inject EXPECT NAME FLIP...: send one copy per flip spec from n1's address
# and require drop_crypto_EXPECT on n2 to grow by as many, the other crypto
# drops not at all, and n2's TAP to get nothing.
inject() {
	local want=$1 name=$2 out sent r other prx
	shift 2
	local specs=()
	for f in "$@"; do specs+=("--flip=$f"); done
	mark n2 tap_tx_packets udp_rx_packets "${VXT_CRYPTO_DROPS[@]/#/drop_crypto_}"
	local base
	base=$(crypto_drop_total n2)
	prx=$(peer_stat n2 192.168.56.41 rx_packets)
	out=$(spkt_in n1 resend "$cap" --src 192.168.56.41 --dst 192.168.56.42 --type a4 --min-len 33 "${specs[@]}")
	sent=${out#sent }
	(($# == sent)) || fail "$name: sent $sent copies, meant $#"
	wait_for 50 0.1 drops_reach n2 $((base + sent)) || true
	grew n2 tap_tx_packets udp_rx_packets "${VXT_CRYPTO_DROPS[@]/#/drop_crypto_}"
	info "  $name: sent $sent; n2: drop_crypto_$want +${VXT_GREW[drop_crypto_$want]}, udp_rx +${VXT_GREW[udp_rx_packets]}, tap_tx +${VXT_GREW[tap_tx_packets]}"
	((${VXT_GREW[drop_crypto_$want]} == sent)) ||
		fail "$name: drop_crypto_$want on n2 grew by ${VXT_GREW[drop_crypto_$want]}, $sent sent"
	for r in "${VXT_CRYPTO_DROPS[@]}"; do
		[[ $r == "$want" ]] && continue
		other=${VXT_GREW[drop_crypto_$r]}
		((other == 0)) || fail "$name: drop_crypto_$r on n2 grew by $other as well"
	done
	((VXT_GREW[udp_rx_packets] >= sent)) || fail "$name: n2 received only ${VXT_GREW[udp_rx_packets]} datagrams of $sent"
	((VXT_GREW[tap_tx_packets] == 0)) || fail "$name: n2 wrote ${VXT_GREW[tap_tx_packets]} frames to its TAP"
	# Counted against the peer only once authenticated.
	(($(peer_stat n2 192.168.56.41 rx_packets) == prx)) ||
		fail "$name: n2 counted forged datagrams in peer 192.168.56.41's rx_packets"
}

# Offsets in the data framing: 0 type, 1-3 zero, 4-7 receiver index, 8-15
# counter, 16.. ciphertext, last 16 the tag. Counter byte 8 (the top one)
# ^0x01 makes it 2^56 ahead: fresh for the replay window, below the reject
# limit, so only the tag can catch it.
inject bad_tag "ciphertext flips" 16 17 20 30 40 50 60 -17
inject bad_tag "tag flips" -16 -10 -1 -1:0x80
inject bad_tag "counter flips" 8 9:0x02
inject unknown_session "receiver index flips" 4 5 6 7:0x80
inject malformed "wrong version, nonzero bytes 2-3" 1 2 3:0xff
inject malformed "unknown type" 0:0x01 0:0x06
inject plain "I flag set in the type" 0:0x08

# The same datagram unchanged: delivered once (so the flips above, and
# nothing else, made the copies fail), then a replay.
inject_plain() {
	local want=$1 name=$2 out
	mark n2 tap_tx_packets "${VXT_CRYPTO_DROPS[@]/#/drop_crypto_}"
	out=$(spkt_in n1 resend "$cap" --src 192.168.56.41 --dst 192.168.56.42 --type a4 --min-len 33 --max 1)
	[[ $out == "sent 1" ]] || fail "$name: $out"
	if [[ $want == delivered ]]; then
		wait_counter n2 tap_tx_packets $((${VXT_MARK[n2:tap_tx_packets]} + 1)) || true
	else
		wait_counter n2 "drop_crypto_$want" $((${VXT_MARK[n2:drop_crypto_$want]} + 1)) || true
	fi
	grew n2 tap_tx_packets "${VXT_CRYPTO_DROPS[@]/#/drop_crypto_}"
	info "  $name: n2: tap_tx +${VXT_GREW[tap_tx_packets]}, drop_crypto_replay +${VXT_GREW[drop_crypto_replay]}"
}
inject_plain delivered "the first datagram unchanged"
((VXT_GREW[tap_tx_packets] == 1)) || fail "the unchanged datagram was not delivered (tap_tx +${VXT_GREW[tap_tx_packets]}): the flips prove nothing"
for r in "${VXT_CRYPTO_DROPS[@]}"; do
	((${VXT_GREW[drop_crypto_$r]} == 0)) || fail "the unchanged datagram also counted drop_crypto_$r"
done
inject_plain replay "the same again"
((VXT_GREW[drop_crypto_replay] == 1 && VXT_GREW[tap_tx_packets] == 0)) ||
	fail "the unchanged datagram sent twice: tap_tx +${VXT_GREW[tap_tx_packets]}, drop_crypto_replay +${VXT_GREW[drop_crypto_replay]}"

# --- 4. plain VXLAN from a listed peer ---------------------------------------------
info "== plain VXLAN from n1's address"
mark n2 tap_tx_packets drop_crypto_plain
base=$(counter n2 drop_crypto_plain)
out=$(nsx n1 "$VXT_PY" "$(dirname "${BASH_SOURCE[0]}")/vxlan_send.py" 192.168.56.41 192.168.56.42 \
	--count 20 --dmac "$(node_mac 2)" --smac "$(node_mac 1)" --pps 200) || fail "vxlan_send.py failed"
info "  $out"
wait_counter n2 drop_crypto_plain $((base + 20)) || true
grew n2 tap_tx_packets drop_crypto_plain
info "  n2: drop_crypto_plain +${VXT_GREW[drop_crypto_plain]}, tap_tx +${VXT_GREW[tap_tx_packets]}"
((VXT_GREW[drop_crypto_plain] == 20)) || fail "20 plain VXLAN datagrams, drop_crypto_plain grew by ${VXT_GREW[drop_crypto_plain]}"
((VXT_GREW[tap_tx_packets] == 0)) || fail "n2 delivered ${VXT_GREW[tap_tx_packets]} frames from plain VXLAN"

# The tunnel is unharmed.
ping_ok n1 10.244.0.2 3 >/dev/null || fail "n1 -> 10.244.0.2 fails after the bad datagrams"
ping_ok n2 10.244.0.1 3 >/dev/null || fail "n2 -> 10.244.0.1 fails after the bad datagrams"
info "  n2: $(crypto_counters n2)"
stop_all_vxtap
info "ok"
