#!/usr/bin/env bash
# Secure mode against replays from a listed peer's address. Sealed datagrams
# from node 1 to node 2 are captured on node 2's eth1 and sent again later
# from node 1's address (from its namespace, port 0):
#   1. at once: every data copy counts as drop_crypto_replay, none is
#      delivered;
#   2. after node 1 (the sender) restarted: its data from before the restart
#      is dropped at node 2 (replay, or unknown_session once the old session
#      is gone), none delivered; the init it sent at the restart, replayed,
#      counts as drop_crypto_stale (its timestamp is not newer) and is not
#      answered;
#   3. after node 2 (the receiver) restarted: the old data opens under no
#      session there (drop_crypto_unknown_session), none is delivered; node
#      1's old init, which a fresh node 2 cannot tell from a new one, is
#      answered once (to the replayer's address and port: node 1 never sees
#      the answer) but displaces nothing: both directions keep working;
#      replayed again it is refused by its timestamp (drop_crypto_stale);
# and node 1 and node 2 ping each other in both directions after every step.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=test/netns/lib_ctl.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_ctl.sh"
# shellcheck source=test/netns/lib_secure.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_secure.sh"
require_root
require_vxtap

quiet_pair_setup

# both_ways: n1 and n2 ping each other (warm-up, then 3 that must pass).
both_ways() {
	ping_warm n1 10.244.0.2 || fail "n1 -> 10.244.0.2: no reply to 10 warm-up pings ($1)"
	ping_ok n1 10.244.0.2 3 >/dev/null || fail "n1 -> 10.244.0.2: not every ping of 3 answered ($1)"
	ping_ok n2 10.244.0.1 3 >/dev/null || fail "n2 -> 10.244.0.1: not every ping of 3 answered ($1)"
}

# grab FILE: capture on n2's eth1 while n1 pings n2 5 times.
grab() {
	capture_start n2 "$1"
	ping_ok n1 10.244.0.2 5 >/dev/null || fail "n1 -> 10.244.0.2: not every ping of 5 answered"
	capture_stop "$VXT_CAP_PID" "$1"
}

# replay NAME CAP TYPE EXPECT...: send n1's datagrams of TYPE (a4 data with
# a payload, a1 init) from CAP again from n1's address; require the crypto
# drops on n2 to grow by exactly as many, all of the EXPECTed reasons, and
# n2's TAP to get nothing. Sets SENT.
replay() {
	local name=$1 cap=$2 type=$3 out r sum=0
	shift 3
	local min=33 base
	[[ $type == a4 ]] || min=0
	mark n2 tap_tx_packets udp_rx_packets crypto_responses_sent "${VXT_CRYPTO_DROPS[@]/#/drop_crypto_}"
	base=$(crypto_drop_total n2)
	out=$(spkt_in n1 resend "$cap" --src 192.168.56.41 --dst 192.168.56.42 --type "$type" --min-len "$min")
	SENT=${out#sent }
	wait_for 50 0.1 drops_reach n2 $((base + SENT)) || true
	grew n2 tap_tx_packets udp_rx_packets crypto_responses_sent "${VXT_CRYPTO_DROPS[@]/#/drop_crypto_}"
	local line="$name: sent $SENT; n2: udp_rx +${VXT_GREW[udp_rx_packets]}, tap_tx +${VXT_GREW[tap_tx_packets]}"
	for r in "${VXT_CRYPTO_DROPS[@]}"; do
		((${VXT_GREW[drop_crypto_$r]} == 0)) && continue
		line+=", drop_crypto_$r +${VXT_GREW[drop_crypto_$r]}"
		[[ " $* " == *" $r "* ]] || fail "$name: drop_crypto_$r on n2 grew by ${VXT_GREW[drop_crypto_$r]}, expected only $*"
		sum=$((sum + ${VXT_GREW[drop_crypto_$r]}))
	done
	info "  $line"
	((sum == SENT)) || fail "$name: $SENT replayed, n2's crypto drops ($*) grew by $sum"
	((VXT_GREW[tap_tx_packets] == 0)) || fail "$name: n2 wrote ${VXT_GREW[tap_tx_packets]} frames to its TAP"
	((VXT_GREW[crypto_responses_sent] == 0)) || fail "$name: n2 answered ${VXT_GREW[crypto_responses_sent]} replayed inits"
}

# init_count CAP: n1's inits to n2 in the capture.
init_count() {
	spkt scan "$1" >"$VXT_TMP/scan.out"
	awk '$1 == "type" && $2 == "a1" { print $3 }' "$VXT_TMP/scan.out"
}

start_secure 1 2
start_secure 2 2
both_ways "at start"
quiet

# --- 1. replayed at once ----------------------------------------------------
info "== replayed at once"
cap0=$VXT_TMP/s0.pcap
grab "$cap0"
replay "data" "$cap0" a4 replay
((SENT >= 5)) || fail "only $SENT sealed echo requests in the capture"

# --- 2. after node 1 (the sender) restarted ---------------------------------------
info "== node 1 restarted"
cap1=$VXT_TMP/s1.pcap
capture_start n2 "$cap1"
stop_vxtap n1 || fail "vxtap on n1 did not exit 0"
start_secure 1 2
both_ways "after n1 restarted"
quiet
ping_ok n1 10.244.0.2 5 >/dev/null || fail "n1 -> 10.244.0.2: not every ping of 5 answered"
capture_stop "$VXT_CAP_PID" "$cap1"
ninit=$(init_count "$cap1")
info "  n1's inits in the capture of its restart: ${ninit:-0}"
((${ninit:-0} >= 1)) || fail "no init from the restarted n1 captured on n2"
replay "data of n1 from before its restart" "$cap0" a4 replay unknown_session
replay "n1's init at its restart" "$cap1" a1 stale
both_ways "after the replays at n2"

# --- 3. after node 2 (the receiver) restarted ---------------------------------
info "== node 2 restarted"
stop_vxtap n2 || fail "vxtap on n2 did not exit 0"
start_secure 2 2
both_ways "after n2 restarted"
quiet
replay "data of the session before n2's restart" "$cap1" a4 unknown_session
replay "data of the session before both restarts" "$cap0" a4 unknown_session
# n1's init, replayed to a node that forgot its timestamp: answered, to the
# address and port it came from (the replayer's socket, not n1's vxtap),
# and nothing else changes.
mark n2 tap_tx_packets crypto_responses_sent crypto_sessions
mark n1 crypto_sessions
out=$(spkt_in n1 resend "$cap1" --src 192.168.56.41 --dst 192.168.56.42 --type a1 --max 1)
[[ $out == "sent 1" ]] || fail "replaying n1's init: $out"
wait_counter n2 crypto_responses_sent $((${VXT_MARK[n2:crypto_responses_sent]} + 1)) ||
	fail "the restarted n2 did not answer n1's old init, which it cannot tell from a new one"
grew n2 tap_tx_packets crypto_responses_sent crypto_sessions
info "  n1's old init at the restarted n2: answered ${VXT_GREW[crypto_responses_sent]} time(s), to the replayer's port"
((VXT_GREW[crypto_responses_sent] == 1)) || fail "the restarted n2 answered n1's old init ${VXT_GREW[crypto_responses_sent]} times"
((VXT_GREW[tap_tx_packets] == 0)) || fail "n2 wrote ${VXT_GREW[tap_tx_packets]} frames to its TAP on a replayed init"
grew n1 crypto_sessions
((VXT_GREW[crypto_sessions] == 0)) || fail "n1 made a session from the answer to a replayed init"
# n2 keeps sealing with its confirmed session: n2 -> n1 first.
ping_ok n2 10.244.0.1 3 >/dev/null || fail "n2 -> 10.244.0.1 fails after a replayed init reached the restarted n2"
ping_ok n1 10.244.0.2 3 >/dev/null || fail "n1 -> 10.244.0.2 fails after a replayed init reached the restarted n2"
replay "the same init again" "$cap1" a1 stale
both_ways "at the end"
for i in 1 2; do
	info "  n$i: $(crypto_counters "n$i")"
done
stop_all_vxtap
info "ok"
