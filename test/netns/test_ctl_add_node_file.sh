#!/usr/bin/env bash
# The seed's "add node 3", live, with the peers file: nodes 1 and 2 read
# each other from --peers-file and ping at 20 per second; node 3 starts; a
# line for it is added to both files and SIGHUP applies it. No ping lost,
# every pair pings, PIDs kept, unchanged peers keep their counters. A file
# with a bad line is refused whole; fdb/neigh lines become static entries;
# removing node 3's line stops floods to it.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=test/netns/lib_ctl.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_ctl.sh"
require_root
require_vxtap
require_vxtapctl

COUNT=300 # 15 s at 20 per second
f1=$VXT_TMP/peers1
f2=$VXT_TMP/peers2

make_topology 3
printf '# node 1 peers\n192.168.56.42   # node 2\n' >"$f1"
printf '# node 2 peers\n192.168.56.41:8472\n' >"$f2"
start_node 1 0 --peers-file "$f1"
start_node 2 0 --peers-file "$f2"
pid1=$(vxpid n1)
pid2=$(vxpid n2)
has_peer n1 192.168.56.42 || fail "n1 did not take 192.168.56.42 from its peers file"
ping_warm n1 10.244.0.2 || fail "n1 -> 10.244.0.2: no reply to 10 warm-up pings"

ping_bg n1 10.244.0.2 "$COUNT" "$VXT_TMP/ping12.txt"
ping12=$VXT_PING_PID
ping_wait_replies "$VXT_TMP/ping12.txt" 20
rx_before=$(peer_stat n1 192.168.56.42 rx_packets)

start_node 3 3
echo '192.168.56.43   # node 3' >>"$f1"
echo 'peer 192.168.56.43' >>"$f2"
kill -HUP "$pid1" "$pid2"
wait_for 100 0.05 has_peer n1 192.168.56.43 || fail "n1 did not add 192.168.56.43 on SIGHUP"
wait_for 100 0.05 has_peer n2 192.168.56.43 || fail "n2 did not add 192.168.56.43 on SIGHUP"
log_wait n1 "^vxtap: SIGHUP: reloaded $f1: peers \+1 -0 "
rx_after=$(peer_stat n1 192.168.56.42 rx_packets)
((rx_after >= rx_before)) || fail "n1's counters for 192.168.56.42 went back from $rx_before to $rx_after on reload"

pings_all 3
alive "$ping12" || fail "the 1-2 ping ended before node 3 was in: it did not run through the change"
ping_finish "$ping12" "$VXT_TMP/ping12.txt" "$COUNT"
same_daemon n1 "$pid1"
same_daemon n2 "$pid2"

# A bad line anywhere: the whole file is refused, with file, line and problem.
cp "$f1" "$f1.good"
printf '192.168.56.44\nfdb 0a:00:00:00:00:zz dst 192.168.56.42\n' >>"$f1"
kill -HUP "$pid1"
log_wait n1 "^vxtap: $f1:5: \"0a:00:00:00:00:zz\" is not a MAC address; file rejected"
lacks_peer n1 192.168.56.44 || fail "n1 took 192.168.56.44 from a file it rejected"
has_peer n1 192.168.56.43 || fail "n1 lost 192.168.56.43 over a rejected file"

# Static entries from the file, taking effect and going with their lines.
cp "$f1.good" "$f1"
printf 'fdb 0a:00:00:00:00:99 dst 192.168.56.42\nneigh 10.244.0.99 lladdr 0a:00:00:00:00:99\n' >>"$f1"
kill -HUP "$pid1"
want='0a:00:00:00:00:99 dst 192.168.56.42 port 8472 static'
wait_for 100 0.05 grep -qx "$want" <(ctl_ok n1 fdb show) || fail "n1's fdb show lacks '$want' after reload"
ctl_ok n1 neigh show | grep -qx '10.244.0.99 lladdr 0a:00:00:00:00:99 static' ||
	fail "n1's neigh show lacks the file's static entry"

# Node 3's line goes: node 1 stops flooding to it; the static lines go too.
cp "$f1.good" "$f1"
sed -i '/192.168.56.43/d' "$f1"
kill -HUP "$pid1"
wait_for 100 0.05 lacks_peer n1 192.168.56.43 || fail "n1 kept 192.168.56.43 after its line went"
if ctl_ok n1 fdb show | grep -q '^0a:00:00:00:00:99 '; then
	fail "n1 kept the fdb entry whose line went"
fi
if ctl_ok n1 neigh show | grep -q '^10.244.0.99 '; then
	fail "n1 kept the neigh entry whose line went"
fi
has_peer n1 192.168.56.42 || fail "n1 lost 192.168.56.42, whose line stayed"
at3=$(peer_stat n3 192.168.56.41 rx_packets)
at2=$(peer_stat n2 192.168.56.41 rx_packets)
for ((round = 0; round < 10; round++)); do
	broadcasts n1 5
	now2=$(peer_stat n2 192.168.56.41 rx_packets)
	((now2 >= at2 + 5)) && break
done
now3=$(peer_stat n3 192.168.56.41 rx_packets)
info "after the reload: n2 got $((now2 - at2)) datagrams from n1, n3 got $((now3 - at3))"
((now2 >= at2 + 5)) || fail "n2 received only $((now2 - at2)) datagrams from n1 during the broadcasts"
((now3 == at3)) || fail "n3 still received $((now3 - at3)) datagrams from n1 after its line went"
same_daemon n1 "$pid1"
stop_all_vxtap
info "ok"
