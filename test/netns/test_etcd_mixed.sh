#!/usr/bin/env bash
# A mixed flannel network: three vxtap nodes that joined through etcd, and a
# fourth node where the kernel's vxlan driver runs, set up as flanneld's vxlan
# backend would (its lease in flannel's format; neighbour, FDB and onlink
# route from the other leases). vxtap programs the kernel node from its lease
# like any other; pods ping both ways between it and every vxtap node.
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

make_topology 4
add_etcd_node e1 192.168.56.11
start_etcd e1
fl_config e1 "$FL_CFG"
kernel_flannel 4 e1 10.244.200.0/24
for i in 1 2 3; do
	start_flnode "$i" e1
done
kernel_flannel_sync 4 e1
for i in 1 2 3 4; do
	add_pod "$i"
done
for i in 1 2 3; do
	wait_for 100 0.05 programmed "n$i" 10.244.200.0/24 || fail "n$i did not program the kernel node"
	ctl_ok "n$i" fdb show | grep -q "^$(node_mac 4) dst 192.168.56.44 port 8472 static" ||
		fail "n$i's FDB lacks the kernel node's VtepMAC"
done
for i in 1 2 3; do
	for pair in "4 $i" "$i 4"; do
		read -r a b <<<"$pair"
		ping_warm "p$a" "$(pod_ip "$b")" || fail "pod $a -> pod $b ($(pod_ip "$b")): no reply"
		ping_ok "p$a" "$(pod_ip "$b")" 3 >/dev/null || fail "pod $a -> pod $b: not every ping of 3 answered"
	done
	info "pods 4 <-> $i (kernel <-> vxtap)"
done
stop_all_vxtap
info "ok"
