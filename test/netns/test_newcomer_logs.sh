#!/usr/bin/env bash
# Logs that explain: every line carries an RFC 3339 time stamp unless standard
# error is journald's stream (JOURNAL_STREAM names it); -v says why datagrams
# from an address are dropped, one line per address and reason per 10 s, and
# -vv says it for every one. In secure mode -v also says why the crypto
# dropped a datagram (here: an init made for another key, bad_mac1) and when
# a handshake completed. A MAC that moves between VTEPs is logged without -v,
# a cap reached at -v, and a plain node that receives secure-mode datagrams
# says at -v that the sender has a key and it has none.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=test/netns/lib_ctl.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_ctl.sh"
# shellcheck source=test/netns/lib_secure.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_secure.sh"
require_root
require_vxtap
require_vxtapctl

make_topology 3
start_node 1 2 -v
start_node 2 2 -vv
# Node 3 sends to nodes 1 and 2, which do not list it.
start_node 3 3

grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z vxtap: ready ' "$VXT_TMP/n1.log" ||
	fail "n1's ready line has no RFC 3339 time stamp: $(grep 'vxtap: ready' "$VXT_TMP/n1.log")"

# No ARP reply comes back, so each ping is an ARP request flooded again.
nsx n3 ping -n -q -c 4 -i 0.5 -W 1 10.244.0.1 >/dev/null 2>&1 || true
dropped=$(counter n1 drop_unknown_peer)
((dropped >= 3)) || fail "n1 dropped only $dropped datagrams from the stranger"
lines1=$(vxlog n1 | grep -c '^vxtap: dropped a datagram from 192\.168\.56\.43: unknown_peer (datagram from an address not in the peer list)' || true)
((lines1 == 1)) || fail "-v logged $lines1 lines for $dropped drops from one address, expected 1"
dropped2=$(counter n2 drop_unknown_peer)
lines2=$(vxlog n2 | grep -c '^vxtap: dropped a datagram from 192\.168\.56\.43: unknown_peer' || true)
((dropped2 >= 3 && lines2 == dropped2)) || fail "-vv logged $lines2 lines for $dropped2 drops"
info "n1 (-v): $dropped drops, $lines1 line; n2 (-vv): $dropped2 drops, $lines2 lines"

# Under journald: standard error is the stream JOURNAL_STREAM names, so no stamps.
stop_vxtap n1
log=$VXT_TMP/journal.log
: >"$log"
js=$(stat -c '%d:%i' "$log")
JOURNAL_STREAM=$js ip netns exec "$(ns n1)" "$VXTAP" --dev "$VXT_DEV" --local 192.168.56.41 \
	--peer 192.168.56.42 --control "$VXT_TMP/j.sock" >>"$log" 2>&1 </dev/null &
pid=$!
track "$pid"
wait_for 200 0.05 grep -q 'vxtap: ready' "$log" || fail "vxtap under JOURNAL_STREAM not ready"
grep -q '^vxtap: ready ' "$log" || fail "lines are stamped although journald stamps them: $(head -n 1 "$log")"
kill -TERM "$pid"
reap "$pid" 100 || fail "vxtap under JOURNAL_STREAM did not exit 0"
stop_all_vxtap

info "== FDB moves (logged without -v) and caps (-v)"
start_node 1 3
start_node 2 3
start_node 3 3
ping_warm n2 10.244.0.1 || fail "n2 -> n1: no reply"
# n3's TAP takes n2's MAC: n1 sees that MAC arrive from n3's address.
ip -n "$(ns n3)" link set "$VXT_DEV" address "$(node_mac 2)"
ping_warm n3 10.244.0.1 || fail "n3 -> n1: no reply"
moved() { log_has n1 "^vxtap: fdb $(node_mac 2) moved from 192\.168\.56\.42(:8472)? to 192\.168\.56\.43(:8472)? "; }
wait_for 100 0.05 moved || fail "n1 (no -v) did not log the move: $(vxlog n1 | grep fdb || true)"
vxlog n1 | grep ' moved from ' | sed 's/^/  /'
stop_all_vxtap
start_node 1 3 -v --max-fdb 1
start_node 2 3
start_node 3 3
ping_warm n2 10.244.0.1 || fail "n2 -> n1 (cap 1): no reply"
ping_warm n3 10.244.0.1 || fail "n3 -> n1 (cap 1): no reply"
capped() { log_has n1 '^vxtap: fdb 0a:00:00:00:00:0[23] from 192\.168\.56\.4[23](:8472)?: (learned; the least recently used entry made room|not learned: a cap is reached)'; }
wait_for 100 0.05 capped || fail "n1 (-v, --max-fdb 1) did not log the cap: $(vxlog n1 | grep fdb || true)"
vxlog n1 | grep -E 'made room|cap is reached' | head -n 2 | sed 's/^/  /'
stop_all_vxtap

info "== secure mode at -v"
keys_new 2
key_new "$VXT_TMP/wrong.key"
start_secure 1 2 -v
# Node 2 believes node 1 has another key: its inits fail node 1's mac1.
start_vxtap n2 --dev "$VXT_DEV" --local 192.168.56.42 --addr 10.244.0.2/16 \
	--key-file "$VXT_TMP/n2.key" --peer "192.168.56.41=$(cat "$VXT_TMP/wrong.pub")" \
	--mac "$(node_mac 2)" --control "$(sock n2)"
nsx n2 ping -n -q -c 2 -i 0.5 -W 1 10.244.0.1 >/dev/null 2>&1 || true
bad_logged() { log_has n1 '^vxtap: dropped a datagram from 192\.168\.56\.42: bad_mac1 \('; }
wait_for 100 0.05 bad_logged || fail "n1 (-v) did not log the init it could not take"
stop_vxtap n2 || true
start_secure 2 2
ping_warm n2 10.244.0.1 || fail "n2 -> n1: no reply in secure mode"
done_logged() { log_has n1 '^vxtap: 192\.168\.56\.42: handshake completed'; }
wait_for 100 0.05 done_logged || fail "n1 (-v) did not log the handshake"
vxlog n1 | grep -E 'bad_mac1|handshake completed' | sed 's/^/  /'
stop_all_vxtap

info "== a plain node at -v receives secure-mode datagrams"
start_node 1 2 -v
start_secure 2 2
nsx n2 ping -n -q -c 2 -i 0.5 -W 1 10.244.0.1 >/dev/null 2>&1 || true
hinted() { log_has n1 '^vxtap: dropped a datagram from 192\.168\.56\.42: vxlan_no_i \(a secure-mode datagram: the sender has a --key-file, this node none\)'; }
wait_for 100 0.05 hinted || fail "n1 (plain, -v) did not say the datagrams are secure mode's: $(vxlog n1 | grep dropped || true)"
vxlog n1 | grep 'secure-mode datagram' | sed 's/^/  /'
stop_all_vxtap
info "ok"
