# shellcheck shell=bash
# Helpers for the fault tests (test_fault_*): sources lib.sh, lib_ctl.sh and
# lib_secure.sh, so that a test sources this file alone.
#
# Faults are made in the nodes' own namespaces (this kernel has no netem):
# an iptables rule sends the VXLAN datagrams a node receives on eth1 to a
# netfilter queue, and nfq_fault.py, running in that namespace, drops,
# duplicates, delays or corrupts them (its header says how).

VXT_NETNS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=test/netns/lib.sh
. "$VXT_NETNS_DIR/lib.sh"
# shellcheck source=test/netns/lib_ctl.sh
. "$VXT_NETNS_DIR/lib_ctl.sh"
# shellcheck source=test/netns/lib_secure.sh
. "$VXT_NETNS_DIR/lib_secure.sh"

VXT_NFQ_PY=$VXT_NETNS_DIR/nfq_fault.py

# fault_require: root, vxtap and vxtapctl (each test's first step).
fault_require() {
	require_root
	require_vxtap
	require_vxtapctl
}

declare -A VXT_NFQ_PID

# start_mode MODE I N [ARGS...]: node I of N in MODE (plain: the seed's
# command line with MAC and control socket; secure: start_secure, whose keys
# keys_new made).
start_mode() {
	local mode=$1
	shift
	if [[ $mode == secure ]]; then
		start_secure "$@"
	else
		start_node "$@"
	fi
}

# fault_pair MODE: nodes 1 and 2 of 2 started in MODE (VXT_MODE), pinging
# each other.
fault_pair() {
	VXT_MODE=$1
	info "== $VXT_MODE mode"
	start_mode "$VXT_MODE" 1 2
	start_mode "$VXT_MODE" 2 2
	pings_all 2
}

# fault_start NODE ARGS...: queue what NODE receives on eth1 for port 8472
# and start nfq_fault.py with ARGS in NODE (stats in $VXT_TMP/NODE.nfq).
fault_start() {
	local n=$1 ready=$VXT_TMP/$1.nfq.ready i
	shift
	rm -f "$ready" "$VXT_TMP/$n.nfq"
	nsx "$n" iptables -w -A INPUT -i eth1 -p udp --dport "$VXT_PORT" -j NFQUEUE --queue-num 0 ||
		fail "$n: cannot add the NFQUEUE rule (is iptables installed? run scripts/deps)"
	ip netns exec "$(ns "$n")" "$VXT_PY" "$VXT_NFQ_PY" --stats "$VXT_TMP/$n.nfq" --ready "$ready" \
		"$@" >"$VXT_TMP/$n.nfq.out" 2>&1 </dev/null &
	VXT_NFQ_PID[$n]=$!
	track "${VXT_NFQ_PID[$n]}"
	for ((i = 0; i < 100; i++)); do
		[[ -e $ready ]] && return 0
		alive "${VXT_NFQ_PID[$n]}" || fail "nfq_fault.py in $n died: $(cat "$VXT_TMP/$n.nfq.out")"
		sleep 0.05
	done
	fail "nfq_fault.py in $n not bound to its queue after 5 s"
}

# fault_stop NODE: remove NODE's queue rule, stop its handler (which then
# writes its stats) and wait for it.
fault_stop() {
	local n=$1 pid=${VXT_NFQ_PID[$1]} rc=0
	nsx "$n" iptables -w -D INPUT -i eth1 -p udp --dport "$VXT_PORT" -j NFQUEUE --queue-num 0 ||
		fail "$n: cannot remove the NFQUEUE rule"
	kill -TERM "$pid" 2>/dev/null || true
	reap "$pid" 100 || rc=$?
	((rc == 0)) || fail "nfq_fault.py in $n exited with status $rc: $(cat "$VXT_TMP/$n.nfq.out")"
	[[ -s $VXT_TMP/$n.nfq ]] || fail "nfq_fault.py in $n wrote no stats"
}

# fault_stat NODE NAME: what NODE's handler did (queued, dropped, duplicated,
# delayed, corrupted).
fault_stat() { awk -v k="$2" '$1 == k { print $2 }' "$VXT_TMP/$1.nfq"; }

# udp_snmp NODE FIELD: the Udp FIELD (InCsumErrors, InErrors, RcvbufErrors,
# InDatagrams ...) of /proc/net/snmp in NODE's namespace.
udp_snmp() {
	# shellcheck disable=SC2016 # awk's own variables
	nsx "$1" awk -v f="$2" '$1 == "Udp:" && !h { for (i = 2; i <= NF; i++) k[i] = $i; h = 1; next }
		$1 == "Udp:" { for (i = 2; i <= NF; i++) if (k[i] == f) print $i }' /proc/net/snmp
}

# vxt_all_drops: every drop counter of the dump: the core's, the kernel's at
# vxtap's door (tap_queue, socket_rcvbuf), and secure
# mode's when VXT_MODE is secure.
vxt_all_drops() {
	local r
	for r in vxlan_short vxlan_no_i vxlan_reserved bad_vni unknown_peer runt oversize src_own \
		src_multicast src_zero bad_arp bad_nd no_peers flood_rate peer_flood_rate tap_down tap_write \
		udp_send bad_offload tap_queue socket_rcvbuf; do
		printf 'drop_%s\n' "$r"
	done
	[[ ${VXT_MODE:-plain} == secure ]] || return 0
	for r in "${VXT_CRYPTO_DROPS[@]}"; do
		printf 'drop_crypto_%s\n' "$r"
	done
}

# drops_other NODE ALLOWED...: set VXT_GREW (grew) for every drop counter
# since mark (mark NODE $(vxt_all_drops)), and VXT_OTHER to those that grew
# and are not in ALLOWED, as "name=+N" words ("" when none did).
drops_other() {
	local n=$1 name out=()
	shift
	# shellcheck disable=SC2046 # one name a word
	grew "$n" $(vxt_all_drops)
	for name in $(vxt_all_drops); do
		[[ " $* " == *" $name "* ]] && continue
		((${VXT_GREW[$name]:-0} == 0)) || out+=("$name=+${VXT_GREW[$name]}")
	done
	# shellcheck disable=SC2034 # for the tests to read
	VXT_OTHER=${out[*]}
}
