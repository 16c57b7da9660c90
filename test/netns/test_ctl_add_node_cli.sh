#!/usr/bin/env bash
# The seed's "add node 3", live, with vxtapctl: nodes 1 and 2 ping each other
# at 20 per second while node 3 starts and joins through "peer add"; no ping
# is lost, every pair pings, both daemons keep their PIDs. Then "peer del"
# on node 1 stops its floods to node 3.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=test/netns/lib_ctl.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_ctl.sh"
require_root
require_vxtap
require_vxtapctl

COUNT=300 # 15 s at 20 per second

make_topology 3
start_node 1 2
start_node 2 2
pid1=$(vxpid n1)
pid2=$(vxpid n2)
ping_warm n1 10.244.0.2 || fail "n1 -> 10.244.0.2: no reply to 10 warm-up pings"

ping_bg n1 10.244.0.2 "$COUNT" "$VXT_TMP/ping12.txt"
ping12=$VXT_PING_PID
ping_wait_replies "$VXT_TMP/ping12.txt" 20

start_node 3 3
ctl_ok n1 peer add 192.168.56.43
ctl_ok n2 peer add 192.168.56.43
has_peer n1 192.168.56.43 || fail "n1's peer show lacks 192.168.56.43 after peer add"
has_peer n2 192.168.56.43 || fail "n2's peer show lacks 192.168.56.43 after peer add"
info "n1's peers after the change:"
ctl_ok n1 peer show | indent

pings_all 3
alive "$ping12" || fail "the 1-2 ping ended before node 3 was in: it did not run through the change"
ping_finish "$ping12" "$VXT_TMP/ping12.txt" "$COUNT"
same_daemon n1 "$pid1"
same_daemon n2 "$pid2"

# Node 1 drops node 3: its learned entries go, and floods stop reaching it.
m3=$(node_mac 3)
ctl_ok n1 fdb show | grep -q "^$m3 dst 192.168.56.43 " || fail "n1 had not learned $m3 from node 3"
ctl_ok n1 peer del 192.168.56.43
lacks_peer n1 192.168.56.43 || fail "n1 still lists 192.168.56.43 after peer del"
if ctl_ok n1 fdb show | grep -q "^$m3 "; then
	fail "n1 kept an fdb entry for $m3 after node 3 was deleted"
fi
rc=0
ctl n1 peer del 192.168.56.43 2>"$VXT_TMP/del.err" || rc=$?
((rc == 1)) || fail "deleting 192.168.56.43 twice exited $rc, want 1"
grep -qx 'vxtapctl: no peer 192.168.56.43' "$VXT_TMP/del.err" || fail "second peer del said: $(cat "$VXT_TMP/del.err")"

at3=$(peer_stat n3 192.168.56.41 rx_packets)
at2=$(peer_stat n2 192.168.56.41 rx_packets)
floods=$(stat_json n1 "d['totals']['floods']")
for ((round = 0; round < 10; round++)); do
	broadcasts n1 5
	now2=$(peer_stat n2 192.168.56.41 rx_packets)
	((now2 >= at2 + 5)) && break
done
now3=$(peer_stat n3 192.168.56.41 rx_packets)
nowf=$(stat_json n1 "d['totals']['floods']")
info "after peer del: n1 flooded $((nowf - floods)) frames; n2 got $((now2 - at2)) datagrams from n1, n3 got $((now3 - at3))"
((nowf >= floods + 5)) || fail "n1 flooded only $((nowf - floods)) frames for 5+ broadcasts"
((now2 >= at2 + 5)) || fail "n2 received only $((now2 - at2)) datagrams from n1 during the broadcasts"
((now3 == at3)) || fail "n3 still received $((now3 - at3)) datagrams from n1 after peer del"
same_daemon n1 "$pid1"
stop_all_vxtap
info "ok"
