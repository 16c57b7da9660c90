#!/usr/bin/env bash
# kill -9 and restart, in plain and in secure mode.
#
# How the fault is made: SIGKILL to vxtap (no clean-up runs: the control
# socket stays behind as a file nobody listens on), then the same command
# line started again. Node 1 takes its peer and static entries from the
# command line (--peer, --fdb, --neigh), node 2 from a peers file (peer,
# fdb and neigh lines). While each restarts, the other node pings it 20
# times a second.
#
# The restarted vxtap replaces the stale control socket (and says so), holds
# the peer and the static FDB and neighbour entries again, and pings are
# answered within 1 s of the moment it was started (the time is printed:
# start-up, the TAP and its addresses, and in secure mode the handshake).
set -euo pipefail
# shellcheck source=test/netns/lib_fault.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_fault.sh"
fault_require

# args I: VXT_ARGS for node I in VXT_MODE: node 1 lists node 2 and its
# static entries on the command line; node 2 reads them from its peers file.
args() {
	local i=$1 o=$((3 - $1)) key=()
	if [[ $VXT_MODE == secure ]]; then
		secure_args "$i" 0
		key=(key "$(pub "$o")")
	else
		seed_args "$i" 0
		VXT_ARGS+=(--mac "$(node_mac "$i")" --control "$(sock "n$i")")
	fi
	if ((i == 1)); then
		if [[ $VXT_MODE == secure ]]; then
			VXT_ARGS+=(--peer "192.168.56.42=$(pub 2)")
		else
			VXT_ARGS+=(--peer 192.168.56.42)
		fi
		VXT_ARGS+=(--fdb "$(node_mac 2)=192.168.56.42" --neigh "10.244.0.2=$(node_mac 2)")
	else
		printf '%s\n' "192.168.56.41 ${key[*]}" "fdb $(node_mac 1) dst 192.168.56.41" \
			"neigh 10.244.0.1 lladdr $(node_mac 1)" >"$VXT_TMP/n2.peers"
		VXT_ARGS+=(--peers-file "$VXT_TMP/n2.peers")
	fi
}

# tables_ok I: node I holds its peer and both static entries.
tables_ok() {
	local i=$1 o=$((3 - $1))
	has_peer "n$i" "192.168.56.4$o" || fail "n$i: peer 192.168.56.4$o missing after the restart"
	ctl_ok "n$i" fdb show | grep -q "^$(node_mac "$o") dst 192.168.56.4$o port 8472 static" ||
		fail "n$i: static FDB entry for $(node_mac "$o") missing: $(ctl_ok "n$i" fdb show | tr '\n' ' ')"
	ctl_ok "n$i" neigh show | grep -q "^10.244.0.$o lladdr $(node_mac "$o") static" ||
		fail "n$i: static neighbour 10.244.0.$o missing: $(ctl_ok "n$i" neigh show | tr '\n' ' ')"
}

# kill9 I: SIGKILL node I's vxtap while the other node pings it; restart it
# and time the first reply from the moment it was started.
kill9() {
	local i=$1 o=$((3 - $1)) pf=$VXT_TMP/ping-$VXT_MODE-$1.txt pid rc t r ready
	pid=$(vxpid "n$i")
	: >"$pf"
	ip netns exec "$(ns "n$o")" ping -D -n -i 0.05 -c 400 -W 1 "10.244.0.$i" >"$pf" 2>&1 </dev/null &
	VXT_PING_PID=$!
	track "$VXT_PING_PID"
	ping_wait_replies "$pf" 10
	kill -KILL "$pid"
	rc=0
	reap "$pid" 100 || rc=$?
	unset "VXT_VXPID[n$i]"
	((rc == 137)) || fail "n$i: vxtap exited with status $rc on SIGKILL"
	[[ -S $(sock "n$i") ]] || fail "n$i: no stale control socket left by SIGKILL (test assumption)"
	args "$i"
	t=$(date +%s.%N)
	start_vxtap "n$i" "${VXT_ARGS[@]}"
	ready=$(date -d "$(grep -m1 ' vxtap: ready' "$VXT_TMP/n$i.log" | cut -d' ' -f1)" +%s.%N)
	ready=$(awk -v t="$t" -v r="$ready" 'BEGIN { printf "%.3f", r - t }')
	log_has "n$i" "^vxtap: removing stale control socket $(sock "n$i")\$" ||
		fail "n$i: the restarted vxtap did not say it replaced the stale control socket"
	tables_ok "$i"
	wait_for 60 0.05 eval "awk -v t=$t '/bytes from/ && substr(\$1, 2, length(\$1) - 2) + 0 >= t { f = 1 } END { exit !f }' '$pf'" ||
		fail "n$o -> 10.244.0.$i: no reply within 3 s of the restart"
	r=$(awk -v t="$t" '/bytes from/ { s = substr($1, 2, length($1) - 2) + 0; if (s >= t) { printf "%.3f\n", s - t; exit } }' "$pf")
	kill "$VXT_PING_PID" 2>/dev/null || true
	reap "$VXT_PING_PID" 100 || true
	info "  n$i (SIGKILL, restarted): ready ${ready} s and first reply to n$o ${r} s after the start; stale socket replaced; peer, FDB and neighbour entries back"
	echo "$VXT_MODE kill9_n$i $r" >>"${VXT_FAULT_REPORT:-/dev/null}"
	awk -v r="$r" 'BEGIN { exit !(r < 1.0) }' || fail "n$i: first reply $r s after the restart (more than 1 s)"
}

make_topology 2
keys_new 2
for VXT_MODE in plain secure; do
	info "== $VXT_MODE mode"
	for i in 1 2; do
		args "$i"
		start_vxtap "n$i" "${VXT_ARGS[@]}"
	done
	pings_all 2
	kill9 1
	kill9 2
	pings_all 2
	stop_all_vxtap
done
info "PASS: kill -9 and restart: stale socket replaced, tables back, traffic within 1 s, both modes"
