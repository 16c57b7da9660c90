#!/usr/bin/env bash
# The underlay device and address going away under a running vxtap, in
# plain and in secure mode, while node 1 pings node 2 20 times a second.
#
# How the fault is made: `ip link set eth1 down` in node 1's namespace for
# 5 s, then up (link flap); then `ip addr del` of the underlay address for
# 2 s, then `ip addr add` again, in node 1 (the sending side: sends fail) and
# in node 2 (the receiving side: its socket is bound to that address).
#
# vxtap must neither exit nor log per packet: the refused sends are counted
# (drop_udp_send) and logged at most 5 lines in 10 s; pings are answered
# again within 1 s of the link coming up, and within 1 s of the address
# coming back, without anything done to vxtap (the times are printed).
set -euo pipefail
# shellcheck source=test/netns/lib_fault.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_fault.sh"
fault_require

# ping_ts_start FILE COUNT: n1 pings 10.244.0.2 COUNT times at 20 a second,
# each reply stamped with the wall clock (ping -D). Sets VXT_PING_PID.
ping_ts_start() {
	: >"$1"
	ip netns exec "$(ns n1)" ping -D -n -i 0.05 -c "$2" -W 1 10.244.0.2 >"$1" 2>&1 </dev/null &
	VXT_PING_PID=$!
	track "$VXT_PING_PID"
	ping_wait_replies "$1" 10
}

# recovery FILE T: seconds from wall-clock time T to the first reply after
# it in the ping output FILE (fails when there is none).
recovery() {
	local r
	r=$(awk -v t="$2" '/bytes from/ { s = substr($1, 2, length($1) - 2) + 0; if (s >= t) { printf "%.3f\n", s - t; exit } }' "$1")
	[[ -n $r ]] || fail "no ping reply after the fault ended: $(tail -n 3 "$1" | tr '\n' ' ')"
	printf '%s\n' "$r"
}

# own_lines NODE: NODE's log without the dumps the test asked for (SIGUSR1).
own_lines() {
	vxlog "$1" | awk '/^vxtap: dump begin/ { d = 1 } !d { print } /^vxtap: dump end/ { d = 0 }'
}

# send_logs NODE: how many "send on the UDP socket failed" lines NODE logged.
send_logs() { vxlog "$1" | grep -c 'send on the UDP socket failed' || true; }

# outage WHAT NODE SECS DOWN-CMD UP-CMD: DOWN-CMD in NODE, SECS seconds,
# UP-CMD; pings (n1 -> n2) must resume within 1 s of UP-CMD and vxtap on
# both nodes stay up, logging no more than 5 lines meanwhile. Prints the
# time to the first reply.
outage() {
	local what=$1 n=$2 secs=$3 down=$4 up=$5 pf=$VXT_TMP/ping-$VXT_MODE-$1.txt t lines rec
	local p1 p2 l1 l2
	p1=$(vxpid n1)
	p2=$(vxpid n2)
	mark n1 drop_udp_send
	l1=$(own_lines n1 | wc -l)
	l2=$(own_lines n2 | wc -l)
	ping_ts_start "$pf" $(((secs + 4) * 20))
	# shellcheck disable=SC2086 # the commands are word lists
	ip -n "$(ns "$n")" $down || fail "$n: ip $down failed"
	sleep "$secs" # the length of the fault, not a readiness wait
	t=$(date +%s.%N)
	# shellcheck disable=SC2086
	ip -n "$(ns "$n")" $up || fail "$n: ip $up failed"
	reap "$VXT_PING_PID" 400 || true
	same_daemon n1 "$p1"
	same_daemon n2 "$p2"
	rec=$(recovery "$pf" "$t")
	grew n1 drop_udp_send
	lines=$(($(own_lines n1 | wc -l) - l1 + $(own_lines n2 | wc -l) - l2))
	info "  $what ($n, ${secs} s): first reply ${rec} s after '$up'; drop_udp_send +${VXT_GREW[drop_udp_send]} on n1; $lines log lines: $(grep 'packets transmitted' "$pf")"
	{ own_lines n1 | tail -n +$((l1 + 1)) && own_lines n2 | tail -n +$((l2 + 1)); } | sed 's/^/    /' | head -n 5 || true
	awk -v r="$rec" 'BEGIN { exit !(r < 1.0) }' || fail "$what: pings answered only $rec s after '$up' (more than 1 s)"
	((lines <= 5)) || fail "$what: $lines log lines during the outage (rate limit: 5 in 10 s)"
	echo "$VXT_MODE $what $rec" >>"${VXT_FAULT_REPORT:-/dev/null}"
}

make_topology 2
keys_new 2
for mode in plain secure; do
	fault_pair "$mode"
	s0=$(send_logs n1)
	outage "link flap" n1 5 "link set eth1 down" "link set eth1 up"
	((VXT_GREW[drop_udp_send] > 0)) || fail "link flap: no refused send was counted (drop_udp_send)"
	(($(send_logs n1) > s0)) || fail "link flap: n1 logged no send failure"
	outage "address removed" n1 2 "addr del 192.168.56.41/24 dev eth1" "addr add 192.168.56.41/24 dev eth1"
	outage "address removed" n2 2 "addr del 192.168.56.42/24 dev eth1" "addr add 192.168.56.42/24 dev eth1"
	pings_all 2
	stop_all_vxtap
done
info "PASS: link flap and address removal recovered by themselves in both modes"
