#!/usr/bin/env bash
# 200 MiB over TCP, byte for byte, in both directions, vxtap to vxtap and
# vxtap to a kernel vxlan node: once with the fast path (TAP offloads, UDP
# GSO/GRO) and once with --no-offload. The ready line must say which path
# is in use, so a silent fallback to the slow path fails the test.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
require_vxtap

make_topology 3
kernel_vxlan 3 "$VXT_VNI" "$VXT_PORT"
kernel_flood 3 1
kernel_flood 3 2

run_round() {
	local mode=$1 extra=() i port=$2
	[[ $mode == off ]] && extra=(--no-offload)
	for i in 1 2; do
		seed_args "$i" 3
		start_vxtap "n$i" "${VXT_ARGS[@]}" "${extra[@]}"
	done
	if [[ $mode == on ]]; then
		grep -q 'offload tap,udp-gso,udp-gro' "$VXT_TMP/n1.log" ||
			fail "offloads not in use: $(vxlog n1 | grep '^vxtap: ready')"
	else
		grep -q 'offload none' "$VXT_TMP/n1.log" ||
			fail "--no-offload not honoured: $(vxlog n1 | grep '^vxtap: ready')"
	fi
	ping_warm n1 10.244.0.2 || fail "n1 -> 10.244.0.2 ($mode): no reply"
	ping_warm n1 10.244.0.3 || fail "n1 -> 10.244.0.3 ($mode): no reply"
	ping_warm n2 10.244.0.3 || fail "n2 -> 10.244.0.3 ($mode): no reply"
	info "offload $mode:"
	tcp_copy n1 n2 10.244.0.2 $((port + 1)) 200 90
	tcp_copy n2 n1 10.244.0.1 $((port + 2)) 200 90
	tcp_copy n1 n3 10.244.0.3 $((port + 3)) 200 90
	tcp_copy n3 n2 10.244.0.2 $((port + 4)) 200 90
	local drops
	drops=$(counter n1 drop_udp_send)
	((drops == 0)) || fail "offload $mode: n1 dropped $drops datagrams on send"
	drops=$(counter n2 drop_bad_offload)
	((drops == 0)) || fail "offload $mode: n2 found $drops malformed super-frames"
	stop_all_vxtap
}

run_round on 6000
run_round off 6100
info "200 MiB each way intact with and without offloads, vxtap and kernel peers"
