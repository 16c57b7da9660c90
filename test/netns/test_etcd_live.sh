#!/usr/bin/env bash
# Nodes come, go and restart while traffic flows, with nobody touching the
# others:
#   - join: while pod 1 pings pod 2 at 20 a second, node 4 joins; the ping
#     loses nothing, nodes 1-3 program node 4 (the time from its lease to the
#     last of them is measured from the logs), and no PID changes;
#   - leave: node 4 stops and its lease stays (as flanneld's does): nothing
#     changes; deleting the lease removes node 4's peer, FDB entry, neighbour
#     and route on every node;
#   - restart: vxtap restarted on node 2 comes back with the same subnet and
#     VTEP MAC, and no other node changes anything.
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

COUNT=200 # 10 s at 20 a second
make_topology 4
add_etcd_node e1 192.168.56.11
start_etcd e1
fl_config e1 "$FL_CFG"
for i in 1 2 3; do
	start_flnode "$i" e1
	add_pod "$i"
done
declare -A pid
for i in 1 2 3; do
	pid[$i]=$(vxpid "n$i")
done
ping_warm p1 "$(pod_ip 2)" || fail "pod 1 -> pod 2: no reply"

info "== join"
ping_bg p1 "$(pod_ip 2)" "$COUNT" "$VXT_TMP/ping12.txt"
ping12=$VXT_PING_PID
ping_wait_replies "$VXT_TMP/ping12.txt" 20
start_flnode 4 e1
add_pod 4
sn4=$(node_subnet 4)
for i in 1 2 3; do
	wait_for 100 0.05 programmed "n$i" "$sn4" || fail "n$i did not program node 4 ($sn4)"
done
t0=$(log_ms n4 "etcd: holding subnet $sn4")
worst=0
for i in 1 2 3; do
	t=$(log_ms "n$i" "etcd: 3 nodes programmed")
	((t - t0 > worst)) && worst=$((t - t0))
	info "  n$i programmed node 4 $((t - t0)) ms after its lease"
done
info "join: the last of nodes 1-3 programmed node 4 $worst ms after its lease was written"
for i in 1 2 3; do
	ping_ok "p4" "$(pod_ip "$i")" 3 >/dev/null || fail "pod 4 -> pod $i: not every ping answered"
done
ping_finish "$ping12" "$VXT_TMP/ping12.txt" "$COUNT"
for i in 1 2 3; do
	same_daemon "n$i" "${pid[$i]}"
done

info "== leave"
mac4=$(tap_mac n4)
stop_vxtap n4 || fail "vxtap on n4 did not exit 0"
[[ -n $(ectl e1 get "$FL_PREFIX/subnets/${sn4%/*}-24" --print-value-only) ]] ||
	fail "node 4's lease went with its vxtap"
for i in 1 2 3; do
	programmed "n$i" "$sn4" || fail "n$i dropped node 4 although its lease stays"
done
ectl e1 del "$FL_PREFIX/subnets/${sn4%/*}-24" >/dev/null
for i in 1 2 3; do
	wait_for 100 0.05 unprogrammed "n$i" "$sn4" || fail "n$i kept node 4's route after its lease went"
	lacks_peer "n$i" 192.168.56.44 || fail "n$i kept node 4 as a peer"
	ctl_ok "n$i" fdb show | grep -q "^$mac4 " && fail "n$i kept node 4's FDB entry"
	ctl_ok "n$i" neigh show | grep -q "^${sn4%/*} " && fail "n$i kept node 4's neighbour entry"
	info "  n$i: node 4's peer, FDB entry, neighbour and route are gone"
done

info "== restart"
sn2=$(node_subnet 2)
mac2=$(tap_mac n2)
events1=$(stat_json n1 "d['etcd']['events']")
lines1=$(grep -c 'nodes programmed' "$VXT_TMP/n1.log")
stop_vxtap n2 || fail "vxtap on n2 did not exit 0"
start_flnode 2 e1
[[ $(node_subnet 2) == "$sn2" ]] || fail "n2 came back with $(node_subnet 2), not $sn2"
[[ $(tap_mac n2) == "$mac2" ]] || fail "n2 came back with MAC $(tap_mac n2), not $mac2"
ip -n "$(ns n2)" link set "pod2" up 2>/dev/null || true
ping_warm p1 "$(pod_ip 2)" || fail "pod 1 -> pod 2 after n2's restart: no reply"
[[ $(stat_json n1 "d['etcd']['events']") == "$events1" ]] ||
	fail "n1 saw etcd events for n2's restart"
[[ $(grep -c 'nodes programmed' "$VXT_TMP/n1.log") == "$lines1" ]] ||
	fail "n1 reprogrammed its tables for n2's restart"
info "restart: n2 kept $sn2 and $mac2; n1 saw no event"
stop_all_vxtap
info "ok"
