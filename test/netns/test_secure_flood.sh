#!/usr/bin/env bash
# Secure mode under a flood of handshake inits. Nodes 1 and 2 have a
# session and node 1 pings node 2 20 times a second; meanwhile 100,000
# inits are sent to node 2 as fast as two processes can, half from node 1's
# address and half from node 3's (both listed peers of node 2; node 3 runs
# no vxtap), every other one with a mac1 valid for node 2's key. The ping
# loses at most 1 %, node 2 counts the invalid half as drop_crypto_bad_mac1,
# goes under load (crypto_under_load) and answers valid ones with cookie
# replies (crypto_cookies_sent) instead of Diffie-Hellman, and the 1-2
# session stays the one in use. Node 2's CPU time during the flood is
# printed, with the rate it took inits at.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=test/netns/lib_ctl.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_ctl.sh"
# shellcheck source=test/netns/lib_secure.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_secure.sh"
require_root
require_vxtap

TOTAL=${VXT_FLOOD:-100000}
make_topology 3
keys_new 3
start_secure 1 3
start_secure 2 3
ping_warm n1 10.244.0.2 || fail "n1 -> 10.244.0.2: no reply to 10 warm-up pings"
[[ $(peer_state n2 192.168.56.41) == up ]] || fail "n2 has no session with n1 before the flood"

ping=$VXT_TMP/ping12.txt
count=400
pid2=$(vxpid n2)
names=(udp_rx_packets crypto_under_load crypto_cookies_sent crypto_responses_sent
	crypto_sessions drop_crypto_bad_mac1 drop_crypto_handshake drop_crypto_rate_limited)
mark n2 "${names[@]}"
ping_bg n1 10.244.0.2 "$count" "$ping"
pid=$VXT_PING_PID
ping_wait_replies "$ping" 40

info "== $TOTAL inits at node 2, from 192.168.56.41 and 192.168.56.43"
t0=$(date +%s.%N)
c0=$(cpu_ticks "$pid2")
nsx n1 "$VXT_PY" "$VXT_SECURE_PY" flood --src 192.168.56.41 --dst 192.168.56.42 \
	--pub "$(pub 2)" --count $((TOTAL / 2)) >"$VXT_TMP/flood1.out" &
f1=$!
track "$f1"
nsx n3 "$VXT_PY" "$VXT_SECURE_PY" flood --src 192.168.56.43 --dst 192.168.56.42 \
	--pub "$(pub 2)" --count $((TOTAL / 2)) >"$VXT_TMP/flood3.out" &
f3=$!
track "$f3"
reap "$f1" 1200 || fail "the flood from n1's address failed: $(cat "$VXT_TMP/flood1.out")"
reap "$f3" 1200 || fail "the flood from n3's address failed: $(cat "$VXT_TMP/flood3.out")"
# Let node 2 drain its socket before its CPU time is read.
drained() { (($(counter n2 udp_rx_packets) >= ${VXT_MARK[n2:udp_rx_packets]} + TOTAL * 9 / 10)); }
wait_for 100 0.1 drained || true
c1=$(cpu_ticks "$pid2")
t1=$(date +%s.%N)
info "  $(cat "$VXT_TMP/flood1.out") (from n1's address)"
info "  $(cat "$VXT_TMP/flood3.out") (from n3's address)"
grew n2 "${names[@]}"
hz=$(getconf CLK_TCK)
cpu=$(awk -v c=$((c1 - c0)) -v hz="$hz" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f s of CPU in %.2f s (%.0f %% of one core)", c / hz, b - a, 100 * c / hz / (b - a) }')
info "  n2: received +${VXT_GREW[udp_rx_packets]}; $cpu"
info "  n2: under_load +${VXT_GREW[crypto_under_load]}, cookies_sent +${VXT_GREW[crypto_cookies_sent]}, responses +${VXT_GREW[crypto_responses_sent]}, bad_mac1 +${VXT_GREW[drop_crypto_bad_mac1]}, handshake +${VXT_GREW[drop_crypto_handshake]}, rate_limited +${VXT_GREW[drop_crypto_rate_limited]}"
echo "flood_cpu $cpu" >>"${VXT_FLOOD_REPORT:-/dev/null}"

reap "$pid" 1200 || true
info "  background ping: $(grep 'packets transmitted' "$ping" || echo 'no summary')"
sent=$(ping_sent "$ping")
lost=$(ping_loss "$ping")
((sent == count)) || fail "the background ping sent $sent of $count"
((lost * 100 <= count)) || fail "the 1-2 ping lost $lost of $count during the flood (more than 1 %)"
((VXT_GREW[crypto_under_load] >= 1)) || fail "n2 never went under load"
((VXT_GREW[crypto_cookies_sent] >= 1)) || fail "n2 sent no cookie reply under load"
((VXT_GREW[drop_crypto_bad_mac1] >= TOTAL / 2 * 8 / 10)) ||
	fail "n2 counted only ${VXT_GREW[drop_crypto_bad_mac1]} of the $((TOTAL / 2)) inits with a bad mac1"
# Every Diffie-Hellman n2 did for the flood ended in a refused init.
((VXT_GREW[crypto_responses_sent] == 0)) || fail "n2 answered ${VXT_GREW[crypto_responses_sent]} forged inits"
[[ $(peer_state n2 192.168.56.41) == up ]] || fail "n2's session with n1 is not up after the flood"
ping_ok n1 10.244.0.2 3 >/dev/null || fail "n1 -> 10.244.0.2 fails after the flood"
info "  n2: $(crypto_counters n2)"
stop_all_vxtap
info "ok"
