#!/usr/bin/env bash
# A three-member etcd cluster, every vxtap node given all three endpoints.
# The member node 1 watches through is killed: node 1 moves to another
# member (the time it takes is measured and printed), a pod ping at 20 a
# second between nodes 1 and 2 loses nothing, and node 3, which joins after
# the member died, is programmed on nodes 1 and 2.
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

COUNT=300 # 15 s at 20 a second
make_topology 3
cluster=""
for m in 1 2 3; do
	add_etcd_node "e$m" "192.168.56.1$m"
	cluster+="${cluster:+,}e$m=http://192.168.56.1$m:2380"
done
for m in 1 2 3; do
	start_etcd "e$m" "$cluster"
done
for m in 1 2 3; do
	wait_etcd "e$m"
done
fl_config e1 "$FL_CFG"
FL_ENDPOINTS="$(etcd_url e1),$(etcd_url e2),$(etcd_url e3)"
for i in 1 2; do
	start_flnode "$i" e1
	add_pod "$i"
done
wait_for 100 0.05 programmed n1 "$(node_subnet 2)" || fail "n1 did not program n2"
ping_warm p1 "$(pod_ip 2)" || fail "pod 1 -> pod 2: no reply"

# The member node 1 watches through, from "etcd show".
url=$(ctl_py n1 "d['endpoint']" etcd show --json)
[[ $url =~ ^http://192\.168\.56\.1([123]):2379$ ]] || fail "n1 watches through '$url'"
dead=e${BASH_REMATCH[1]}
alive_m=e1
[[ $dead == e1 ]] && alive_m=e2
info "n1 watches through $url ($dead)"

ping_bg p1 "$(pod_ip 2)" "$COUNT" "$VXT_TMP/ping12.txt"
pingpid=$VXT_PING_PID
ping_wait_replies "$VXT_TMP/ping12.txt" 20
t0=$(date +%s%3N)
stop_etcd "$dead" KILL
moved() {
	local j
	j=$(ctl_ok n1 etcd show --json)
	"$VXT_PY" -c 'import json, sys
d = json.loads(sys.argv[1])
sys.exit(0 if d["connected"] and d["endpoint"] != sys.argv[2] else 1)' "$j" "$url"
}
wait_for 600 0.05 moved || fail "n1 did not move to another member within 30 s"
t1=$(date +%s%3N)
info "member loss: n1 watches through $(ctl_py n1 "d['endpoint']" etcd show --json) $((t1 - t0)) ms after $dead was killed"

start_flnode 3 "$alive_m"
for i in 1 2; do
	wait_for 100 0.05 programmed "n$i" "$(node_subnet 3)" || fail "n$i did not program node 3, which joined after $dead died"
done
add_pod 3
for i in 1 2; do
	ping_ok p3 "$(pod_ip "$i")" 3 >/dev/null || fail "pod 3 -> pod $i: not every ping answered"
done
ping_finish "$pingpid" "$VXT_TMP/ping12.txt" "$COUNT"
stop_all_vxtap
info "ok"
