#!/usr/bin/env bash
# Three vxtap nodes join a flannel network with only --local and
# --etcd-endpoints: each leases its own /24 of 10.244.0.0/16, writes the subnet
# file flannel's CNI plugin reads, and programs the others (peer, FDB,
# neighbour, onlink route); a pod behind each node pings the pods behind the
# others.
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

make_topology 3
add_etcd_node e1 192.168.56.11
start_etcd e1
fl_config e1 "$FL_CFG"
for i in 1 2 3; do
	start_flnode "$i" e1
done
declare -A seen
for i in 1 2 3; do
	sn=$(node_subnet "$i")
	info "n$i: $sn; $(grep -c . "$VXT_TMP/n$i.env") lines in its subnet file"
	[[ -z ${seen[$sn]:-} ]] || fail "n$i leased $sn, as n${seen[$sn]} did"
	seen[$sn]=$i
	o=${sn#10.244.}
	o=${o%%.*}
	((o >= 1 && o <= 199)) || fail "n$i leased $sn, outside SubnetMin 10.244.1.0 to SubnetMax 10.244.199.0"
	grep -qx 'FLANNEL_NETWORK=10.244.0.0/16' "$VXT_TMP/n$i.env" || fail "n$i's subnet file lacks FLANNEL_NETWORK"
	grep -qx 'FLANNEL_MTU=1450' "$VXT_TMP/n$i.env" || fail "n$i's subnet file lacks FLANNEL_MTU=1450"
	grep -qx 'FLANNEL_IPMASQ=false' "$VXT_TMP/n$i.env" || fail "n$i's subnet file lacks FLANNEL_IPMASQ=false"
	ip -n "$(ns "n$i")" -4 addr show dev "$VXT_DEV" | grep -q "inet ${sn%/*}/32 " ||
		fail "n$i's $VXT_DEV lacks ${sn%/*}/32"
	ctl_ok "n$i" lease show | grep -q "^subnet $sn lease [1-9][0-9]* expires_in [0-9]*s public_ip 192.168.56.4$i " ||
		fail "n$i's lease show: $(ctl_ok "n$i" lease show)"
done
for i in 1 2 3; do
	add_pod "$i"
	for j in 1 2 3; do
		((i == j)) && continue
		wait_for 100 0.05 programmed "n$i" "$(node_subnet "$j")" ||
			fail "n$i did not program n$j's subnet $(node_subnet "$j")"
	done
	ctl_ok "n$i" route show | sed 's/^/  /'
done
for i in 1 2 3; do
	for j in 1 2 3; do
		((i == j)) && continue
		ping_warm "p$i" "$(pod_ip "$j")" || fail "pod $i -> pod $j ($(pod_ip "$j")): no reply"
		ping_ok "p$i" "$(pod_ip "$j")" 3 >/dev/null || fail "pod $i -> pod $j: not every ping of 3 answered"
	done
	info "pod $i pings pods 1-3"
done
ectl e1 get --prefix "$FL_PREFIX/subnets/" | sed -n '2~2p' | sed 's/^/  lease /'
ctl_ok n1 etcd show | sed 's/^/  n1: /'
stop_all_vxtap
info "ok"
