#!/usr/bin/env bash
# Secure mode across restarts, of either side. Nodes 1 and 2 talk; then
# node 1 restarts, later node 2. After each restart the node that stayed up
# (which still holds the old session) pings the restarted one, 20 a second:
# the first reply must come within 1 s of the first frame sent (ARP
# included: the restarted TAP is new). Sealed datagrams captured before each
# restart, sent again from the sender's address afterwards, open nowhere:
# the restarted node counts them (replay or unknown_session) and writes
# nothing to its TAP.
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
start_secure 1 2
start_secure 2 2
ping_warm n1 10.244.0.2 || fail "n1 -> 10.244.0.2: no reply to 10 warm-up pings"
ping_ok n2 10.244.0.1 3 >/dev/null || fail "n2 -> 10.244.0.1: not every ping of 3 answered"

# first_reply FROM DST: ping 20 times a second (40 at most); print the
# sequence number of the first reply (1 = the first ping).
first_reply() {
	local out seq
	out=$(nsx "$1" ping -n -i 0.05 -c 40 -W 1 "$2" 2>&1) || true
	seq=$(sed -nE 's/.*icmp_seq=([0-9]+) .*/\1/p' <<<"$out" | head -n 1)
	[[ -n $seq ]] || fail "$1 -> $2: no reply in 2 s after the restart"
	printf '%s\n' "$seq"
}

# restart I OTHER: capture OTHER's sealed data to node I, restart node I,
# then time OTHER's first reply and replay the capture to node I.
restart() {
	local i=$1 o=$2 cap=$VXT_TMP/before$1.pcap seq out sent
	capture_start "n$i" "$cap"
	ping_ok "n$o" "10.244.0.$i" 5 >/dev/null || fail "n$o -> 10.244.0.$i: not every ping of 5 answered"
	capture_stop "$VXT_CAP_PID" "$cap"
	stop_vxtap "n$i" || fail "vxtap on n$i did not exit 0"
	start_secure "$i" 2
	seq=$(first_reply "n$o" "10.244.0.$i")
	info "  n$i restarted: n$o's first reply to ping $seq, $(((seq - 1) * 50)) ms after the first frame"
	((seq <= 20)) || fail "n$o -> 10.244.0.$i: the first reply came $(((seq - 1) * 50)) ms after the first frame (more than 1 s)"
	ping_ok "n$i" "10.244.0.$o" 3 >/dev/null || fail "n$i -> 10.244.0.$o: not every ping of 3 answered after the restart"
	quiet
	mark "n$i" tap_tx_packets drop_crypto_replay drop_crypto_unknown_session
	out=$(spkt_in "n$o" resend "$cap" --src "192.168.56.4$o" --dst "192.168.56.4$i" --type a4 --min-len 33)
	sent=${out#sent }
	((sent >= 5)) || fail "only $sent sealed datagrams of n$o in the capture"
	wait_for 50 0.1 drops_reach "n$i" $((${VXT_MARK[n$i:drop_crypto_replay]} + ${VXT_MARK[n$i:drop_crypto_unknown_session]} + sent)) || true
	grew "n$i" tap_tx_packets drop_crypto_replay drop_crypto_unknown_session
	info "  n$o's data from before the restart, sent again: $sent; n$i: unknown_session +${VXT_GREW[drop_crypto_unknown_session]}, replay +${VXT_GREW[drop_crypto_replay]}, tap_tx +${VXT_GREW[tap_tx_packets]}"
	((VXT_GREW[drop_crypto_unknown_session] + VXT_GREW[drop_crypto_replay] == sent)) ||
		fail "n$i did not refuse every datagram recorded before its restart"
	((VXT_GREW[tap_tx_packets] == 0)) || fail "n$i wrote ${VXT_GREW[tap_tx_packets]} frames from before its restart to its TAP"
}

info "== node 1 restarts"
restart 1 2
info "== node 2 restarts"
restart 2 1
for i in 1 2; do
	info "  n$i: $(crypto_counters "n$i")"
done
stop_all_vxtap
info "ok"
