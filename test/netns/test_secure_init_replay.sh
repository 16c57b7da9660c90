#!/usr/bin/env bash
# Secure mode: an init is bound to its responder. Node 1's init to node 2,
# captured when node 1 started, is sent to node 3 from node 1's address
# (ten copies, 0.1 s apart) while node 1 pings node 3 20 times a second:
# node 3 refuses every copy before any Diffie-Hellman (drop_crypto_bad_mac1:
# the init's mac1 is keyed with node 2's public key), answers none, its
# session with node 1 stays the one in use, and the ping loses nothing.
# The same copies sent to node 2, for which they were made, are refused as
# replays (drop_crypto_stale).
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
keys_new 3
start_secure 2 3
start_secure 3 3
# Node 1's inits at its start, on its own eth1.
cap=$VXT_TMP/n1-start.pcap
capture_start n1 "$cap"
start_secure 1 3
pings_all 3
capture_stop "$VXT_CAP_PID" "$cap"
spkt scan "$cap" >"$VXT_TMP/scan.out"
info "  captured at n1's start: $(awk '$1 == "type" { printf "%s %s  ", $2, $3 }' "$VXT_TMP/scan.out")"

ping=$VXT_TMP/ping13.txt
count=200
mark n3 drop_crypto_bad_mac1 crypto_responses_sent crypto_sessions crypto_cookies_sent
ping_bg n1 10.244.0.3 "$count" "$ping"
pid=$VXT_PING_PID
ping_wait_replies "$ping" 40
out=$(spkt_in n1 resend "$cap" --src 192.168.56.41 --dst 192.168.56.42 --to 192.168.56.43 \
	--type a1 --max 1 --gap 0)
[[ $out == "sent 1" ]] || fail "replaying n1's init to n2 at n3: $out"
for ((k = 1; k < 10; k++)); do
	spkt_in n1 resend "$cap" --src 192.168.56.41 --dst 192.168.56.42 --to 192.168.56.43 \
		--type a1 --max 1 --gap 0 >/dev/null
	sleep 0.1
done
wait_counter n3 drop_crypto_bad_mac1 $((${VXT_MARK[n3:drop_crypto_bad_mac1]} + 10)) ||
	fail "n3 did not refuse n1's init to n2 ten times as drop_crypto_bad_mac1"
ping_finish "$pid" "$ping" "$count"
grew n3 drop_crypto_bad_mac1 crypto_responses_sent crypto_sessions crypto_cookies_sent
info "  n3: drop_crypto_bad_mac1 +${VXT_GREW[drop_crypto_bad_mac1]}, responses +${VXT_GREW[crypto_responses_sent]}, sessions +${VXT_GREW[crypto_sessions]}"
((VXT_GREW[crypto_responses_sent] == 0 && VXT_GREW[crypto_sessions] == 0 && VXT_GREW[crypto_cookies_sent] == 0)) ||
	fail "n3 answered an init made for n2"
[[ $(peer_state n3 192.168.56.41) == up ]] || fail "n3's session with n1 is not up after the replays"

# Sent to node 2, the responder it was made for: a replay.
mark n2 drop_crypto_stale crypto_responses_sent
out=$(spkt_in n1 resend "$cap" --src 192.168.56.41 --dst 192.168.56.42 --type a1 --max 1)
[[ $out == "sent 1" ]] || fail "replaying n1's init at n2: $out"
wait_counter n2 drop_crypto_stale $((${VXT_MARK[n2:drop_crypto_stale]} + 1)) ||
	fail "n2 did not refuse n1's old init as drop_crypto_stale"
grew n2 drop_crypto_stale crypto_responses_sent
((VXT_GREW[crypto_responses_sent] == 0)) || fail "n2 answered n1's old init"
info "  n2: drop_crypto_stale +${VXT_GREW[drop_crypto_stale]}, no answer"
pings_all 3
stop_all_vxtap
info "ok"
