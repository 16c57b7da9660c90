#!/usr/bin/env bash
# A lossy, duplicating, reordering underlay, in plain and in secure mode:
# 50 MiB over TCP from node 1 to node 2 arrive intact (sha256).
#
# How the fault is made: in each node's namespace an iptables rule queues
# the VXLAN datagrams the node receives on eth1 (NFQUEUE), and nfq_fault.py
# gives each one a fate: 2 % dropped, 1 % duplicated (the copy is sent again
# 0.5 ms later from a raw socket in that namespace), 3 % held back 1-4 ms
# while the rest pass (reordered); the others pass at once. Both directions
# (data and acknowledgements) suffer it.
#
# Plain mode: no drop counter of vxtap moves (duplicates are delivered, as
# the kernel driver would; TCP discards them). Secure mode: each duplicate
# is dropped as a replay (drop_crypto_replay grows by the number the handler
# made, at most by that plus the ones it delayed), and nothing else is
# counted as dropped or malformed.
set -euo pipefail
# shellcheck source=test/netns/lib_fault.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_fault.sh"
fault_require

MIB=${VXT_LOSSY_MIB:-50}
# shellcheck disable=SC2054 # 1,4 is one argument: a range
FAULTS=(--drop 2 --dup 1 --delay 3 --delay-ms 1,4)

make_topology 2
keys_new 2
for mode in plain secure; do
	fault_pair "$mode"
	# shellcheck disable=SC2046 # one name a word
	mark n1 $(vxt_all_drops)
	# shellcheck disable=SC2046
	mark n2 $(vxt_all_drops)
	fault_start n1 "${FAULTS[@]}" --seed 11
	fault_start n2 "${FAULTS[@]}" --seed 12
	tcp_copy n1 n2 10.244.0.2 5001 "$MIB" 150
	fault_stop n1
	fault_stop n2
	for n in n1 n2; do
		info "  $n's underlay: $(tr '\n' ' ' <"$VXT_TMP/$n.nfq")"
		if [[ $VXT_MODE == secure ]]; then
			drops_other "$n" drop_crypto_replay
			replay=${VXT_GREW[drop_crypto_replay]}
			dup=$(fault_stat "$n" duplicated)
			late=$(fault_stat "$n" delayed)
			info "  $n: drop_crypto_replay +$replay for $dup duplicates ($late delayed)"
			((dup > 0)) || fail "$n: the handler duplicated nothing: no fault was made"
			((replay >= dup && replay <= dup + late)) ||
				fail "$n: drop_crypto_replay grew by $replay for $dup duplicates and $late delayed datagrams"
		else
			drops_other "$n"
		fi
		[[ -z $VXT_OTHER ]] || fail "$n: unexpected drops in $VXT_MODE mode: $VXT_OTHER"
		(($(fault_stat "$n" dropped) > 0)) || fail "$n: the handler dropped nothing: no fault was made"
	done
	info "  no other drop counter moved on either node"
	stop_all_vxtap
done
info "PASS: $MIB MiB intact over a lossy, duplicating, reordering underlay in both modes"
