#!/usr/bin/env bash
# A kernel vxlan node left as it comes, on a veth underlay: its small packets
# carry only the pseudo-header sum in the inner checksum field (the offload a
# real NIC would finish), and its TCP bursts reach vxtap's socket as
# unsegmented tunnel super-packets. vxtap finishes exactly those checksums
# (never one that verifies) and passes the super-packets to the TAP whole (or
# cuts them itself with --no-offload), so TCP from the kernel node works
# without `ethtool -K eth1 tx off`. csum_finished and the super-packet count
# (more TAP frames than datagrams) show both happened.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
require_vxtap

make_topology 2
kernel_vxlan 1 "$VXT_VNI" "$VXT_PORT"
kernel_flood 1 2
# Undo kernel_vxlan's workaround: this test is about the real default.
nsx n1 ethtool -K eth1 tx on >/dev/null || fail "n1: ethtool -K eth1 tx on failed"

round() {
	local extra=("$@") before after rx0 rx1 tx0 tx1
	seed_args 2 2
	start_vxtap n2 "${VXT_ARGS[@]}" --mac "$(node_mac 2)" "${extra[@]}"
	ping_warm n1 10.244.0.2 || fail "n1 -> 10.244.0.2: no reply (${extra[*]:-offload})"
	before=$(counter n2 csum_finished)
	rx0=$(counter n2 udp_rx_packets)
	tx0=$(counter n2 tap_tx_packets)
	tcp_copy n1 n2 10.244.0.2 5101 20 60
	after=$(counter n2 csum_finished)
	rx1=$(counter n2 udp_rx_packets)
	tx1=$(counter n2 tap_tx_packets)
	((after > before)) ||
		fail "csum_finished did not rise (${extra[*]:-offload}): $before -> $after"
	(((tx1 - tx0) > 2 * (rx1 - rx0))) ||
		fail "no super-packets seen (${extra[*]:-offload}): $((rx1 - rx0)) datagrams, $((tx1 - tx0)) frames"
	info "${extra[*]:-offload}: 20 MiB kernel -> vxtap intact; $((rx1 - rx0)) datagrams gave $((tx1 - tx0)) frames; $((after - before)) checksums finished"
	tcp_copy n2 n1 10.244.0.1 5102 20 60
	stop_all_vxtap
}

round
round --no-offload
