#!/usr/bin/env bash
# etcd goes away and comes back:
#   - the whole of etcd down for 30 s: a pod ping at 20 a second loses
#     nothing, and leases changed right after etcd is back are applied on
#     every node (the time is printed);
#   - node 1 alone cut off from etcd (nftables drops its TCP to the member; its
#     UDP data path is untouched) while one node's VtepMAC and public IP
#     change, one node leaves, one joins and etcd is compacted past node 1's
#     revision: when the path is back, node 1's peers, FDB, neighbours and
#     routes equal what etcd holds (the cut is made with nftables in node 1:
#     its TCP to and from the member's client port is dropped both ways).
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=test/netns/lib_ctl.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_ctl.sh"
# shellcheck source=test/netns/lib_etcd.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_etcd.sh"
# shellcheck source=test/netns/lib_flannel.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_flannel.sh"
require_root
require_vxtap
require_vxtapctl
require_etcd

make_topology 2
add_etcd_node e1 192.168.56.11
start_etcd e1
fl_config e1 "$FL_CFG"
fake_lease e1 10.244.230.0/24 192.168.56.60 0a:58:0a:f4:e6:00 # changes address and MAC
fake_lease e1 10.244.231.0/24 192.168.56.61 0a:58:0a:f4:e7:00 # leaves
for i in 1 2; do
	start_flnode "$i" e1
	add_pod "$i"
done
for i in 1 2; do
	wait_for 100 0.05 tables_match "n$i" e1 2>/dev/null || fail "n$i's tables do not match etcd at the start"
done
ping_warm p1 "$(pod_ip 2)" || fail "pod 1 -> pod 2: no reply"

info "== etcd down for 30 s"
COUNT=800 # 40 s at 20 a second
ping_bg p1 "$(pod_ip 2)" "$COUNT" "$VXT_TMP/ping.txt"
pingpid=$VXT_PING_PID
ping_wait_replies "$VXT_TMP/ping.txt" 20
stop_etcd e1
sleep 30 # the outage itself, not a wait for readiness
start_etcd e1
t0=$(date +%s%3N)
fake_lease e1 10.244.232.0/24 192.168.56.62 0a:58:0a:f4:e8:00
for i in 1 2; do
	wait_for 400 0.05 programmed "n$i" 10.244.232.0/24 || fail "n$i did not apply a lease written after etcd came back"
done
t1=$(date +%s%3N)
info "after the outage: a new lease programmed on both nodes $((t1 - t0)) ms after it was written"
ping_finish "$pingpid" "$VXT_TMP/ping.txt" "$COUNT"
fake_del e1 10.244.232.0/24

info "== node 1 cut off from etcd while the network changes and etcd compacts"
for i in 1 2; do
	wait_for 200 0.05 tables_match "n$i" e1 2>/dev/null || fail "n$i's tables do not match etcd before the cut"
done
rev_before=$(ctl_py n1 "d['revision']" etcd show --json)
nsx n1 nft -f - <<'NFT' || fail "cannot cut n1 off from etcd"
table inet cut {
	chain out { type filter hook output priority 0; ip daddr 192.168.56.11 tcp dport 2379 drop; }
	chain in { type filter hook input priority 0; ip saddr 192.168.56.11 tcp sport 2379 drop; }
}
NFT
fake_lease e1 10.244.230.0/24 192.168.56.63 0a:58:0a:f4:e6:63 # new public IP and VtepMAC
fake_del e1 10.244.231.0/24                                   # a node leaves
fake_lease e1 10.244.233.0/24 192.168.56.64 0a:58:0a:f4:e9:00 # a node joins
rev=$(ectl e1 endpoint status --write-out=json | "$VXT_PY" -c 'import json, sys; print(json.load(sys.stdin)[0]["Status"]["header"]["revision"])')
ectl e1 compact "$rev" >/dev/null || fail "cannot compact etcd at $rev"
info "  n1 was at revision $rev_before; etcd compacted at $rev"
wait_for 200 0.05 tables_match n2 e1 2>/dev/null || fail "n2 (not cut off) did not follow the changes"
tables_match n1 e1 2>/dev/null && fail "n1 followed the changes although cut off from etcd"
ping_ok p1 "$(pod_ip 2)" 3 >/dev/null || fail "pod 1 -> pod 2 while n1 is cut off from etcd: lost pings"
sleep 30 # long enough for the watch's TCP connection to be given up
nsx n1 nft delete table inet cut
t0=$(date +%s%3N)
wait_for 400 0.05 tables_match n1 e1 || fail "n1's tables do not match etcd after the path came back"
t1=$(date +%s%3N)
info "after the cut: n1 matches etcd $((t1 - t0)) ms after its path came back (resyncs $(ctl_py n1 "d['resyncs']" etcd show --json))"
ctl_ok n1 route show | sed 's/^/  /'
stop_all_vxtap
info "ok"
