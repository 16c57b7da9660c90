#!/usr/bin/env bash
# A corrupting underlay, in plain and in secure mode: 20 MiB over TCP from
# node 1 to node 2 arrive intact (sha256), and the corrupted datagrams are
# caught where they should be.
#
# How the fault is made: in each node's namespace an iptables rule queues
# the VXLAN datagrams the node receives on eth1 (NFQUEUE), and nfq_fault.py
# flips one bit at a random place in 1 % of them before they go on.
#
# Plain mode: the bit is flipped after the sender's UDP checksum was made,
# as on a bad link; the receiving kernel drops each such datagram
# (/proc/net/snmp Udp InCsumErrors in the receiver's namespace grows by the
# number corrupted) and vxtap never sees one. The kernel also counts each in
# the socket's own drop count (sk_drops, which SO_MEMINFO gives vxtap), so
# drop_socket_rcvbuf grows by the same number; no other drop counter moves.
#
# Secure mode: the handler flips a bit of the sealed part of data messages
# (past the 16-byte header) and makes the UDP checksum valid again, as
# corruption before the checksum was computed would be (a middlebox, memory):
# the kernel passes them, vxtap counts each as drop_crypto_bad_tag, and
# nothing else.
set -euo pipefail
# shellcheck source=test/netns/lib_fault.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_fault.sh"
fault_require

make_topology 2
keys_new 2
declare -A csum0
for mode in plain secure; do
	fault_pair "$mode"
	if [[ $VXT_MODE == secure ]]; then
		how=(--corrupt 1 --fix-csum --only-type a4 --corrupt-from 16)
		allowed=drop_crypto_bad_tag
	else
		how=(--corrupt 1)
		allowed=drop_socket_rcvbuf
	fi
	for n in n1 n2; do
		# shellcheck disable=SC2046 # one name a word
		mark "$n" $(vxt_all_drops)
		csum0[$n]=$(udp_snmp "$n" InCsumErrors)
	done
	fault_start n1 "${how[@]}" --seed 21
	fault_start n2 "${how[@]}" --seed 22
	tcp_copy n1 n2 10.244.0.2 5001 20 120
	fault_stop n1
	fault_stop n2
	for n in n1 n2; do
		bad=$(fault_stat "$n" corrupted)
		csum=$(($(udp_snmp "$n" InCsumErrors) - ${csum0[$n]}))
		drops_other "$n" $allowed
		tag=${VXT_GREW[drop_crypto_bad_tag]:-0}
		info "  $n: $bad datagrams corrupted; Udp InCsumErrors +$csum; drop_crypto_bad_tag +$tag"
		((bad > 0)) || fail "$n: the handler corrupted nothing: no fault was made"
		[[ -z $VXT_OTHER ]] || fail "$n: unexpected drops in $VXT_MODE mode: $VXT_OTHER"
		if [[ $VXT_MODE == secure ]]; then
			((tag == bad)) || fail "$n: drop_crypto_bad_tag grew by $tag for $bad corrupted data messages"
			((csum == 0)) || fail "$n: Udp InCsumErrors grew by $csum though every checksum was made valid"
		else
			((csum == bad)) || fail "$n: Udp InCsumErrors grew by $csum for $bad corrupted datagrams"
			sk=${VXT_GREW[drop_socket_rcvbuf]}
			((sk == bad)) || fail "$n: drop_socket_rcvbuf grew by $sk for $bad datagrams with a bad checksum"
			info "  $n: drop_socket_rcvbuf +$sk (the socket's sk_drops counts them too)"
		fi
	done
	stop_all_vxtap
done
info "PASS: corruption caught by the UDP checksum (plain) and by the AEAD tag (secure); transfers intact"
