#!/usr/bin/env bash
# The TAP device deleted under a running vxtap, in plain and in secure mode.
#
# How the fault is made: `ip link del flannel.1` in node 2's namespace while
# node 1 pings node 2 20 times a second (so frames are being written to that
# TAP as well as read from it).
#
# vxtap on node 2 exits within 2 s with status 1, logs exactly one line
# saying why (and no read or write error), and removes its control socket.
# For contrast, `ip link set flannel.1 down` and `up` on node 1 (down is not
# gone) while node 2 pings node 1 leave vxtap running: the frames it cannot
# write meanwhile are counted as drop_tap_down, not logged as write errors,
# and pings pass again after `up`.
set -euo pipefail
# shellcheck source=test/netns/lib_fault.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_fault.sh"
fault_require

# tap_down_counted: n1 has counted a frame as drop_tap_down since mark.
tap_down_counted() {
	grew n1 drop_tap_down
	((VXT_GREW[drop_tap_down] > 0))
}

make_topology 2
keys_new 2
for mode in plain secure; do
	fault_pair "$mode"
	p1=$(vxpid n1)

	ping_bg n2 10.244.0.1 200 "$VXT_TMP/down-$VXT_MODE.txt"
	ping_wait_replies "$VXT_TMP/down-$VXT_MODE.txt" 5
	mark n1 drop_tap_down drop_tap_write
	ip -n "$(ns n1)" link set "$VXT_DEV" down || fail "n1: cannot set $VXT_DEV down"
	wait_for 60 0.05 tap_down_counted || fail "n1: no frame counted as drop_tap_down in 3 s while $VXT_DEV was down"
	ip -n "$(ns n1)" link set "$VXT_DEV" up || fail "n1: cannot set $VXT_DEV up"
	wait_for 40 0.05 ping_ok n1 10.244.0.2 1 >/dev/null || fail "n1 -> 10.244.0.2 fails after $VXT_DEV down and up"
	kill "$VXT_PING_PID" 2>/dev/null || true
	reap "$VXT_PING_PID" 100 || true
	same_daemon n1 "$p1"
	grew n1 drop_tap_down drop_tap_write
	((VXT_GREW[drop_tap_write] == 0)) || fail "n1 counted ${VXT_GREW[drop_tap_write]} failed TAP writes while $VXT_DEV was down"
	if vxlog n1 | grep -Eq 'read from|write to'; then
		fail "vxtap on n1 logged I/O errors while $VXT_DEV was down: $(vxlog n1 | grep -E 'read from|write to' | head -n 3)"
	fi
	info "  $VXT_DEV down and up on n1: vxtap stays, pings pass; ${VXT_GREW[drop_tap_down]} frames from n2 counted as drop_tap_down, none logged"

	pid=$(vxpid n2)
	ping_bg n1 10.244.0.2 200 "$VXT_TMP/ping-$VXT_MODE.txt"
	ping_wait_replies "$VXT_TMP/ping-$VXT_MODE.txt" 10
	t0=$(date +%s%N)
	ip -n "$(ns n2)" link del "$VXT_DEV" || fail "n2: ip link del $VXT_DEV failed"
	wait_for 40 0.05 eval '! alive '"$pid" || fail "vxtap on n2 still runs 2 s after its TAP was deleted"
	ms=$((($(date +%s%N) - t0) / 1000000))
	rc=0
	wait "$pid" || rc=$?
	unset "VXT_VXPID[n2]"
	info "  $VXT_DEV deleted on n2: vxtap exited with status $rc within ${ms} ms"
	((rc == 1)) || fail "vxtap on n2 exited with status $rc after its TAP was deleted, not 1"
	gone=$(vxlog n2 | grep -c 'the TAP device is gone' || true)
	((gone == 1)) || fail "vxtap on n2 logged $gone lines about the TAP going, not 1"
	vxlog n2 | grep 'the TAP device is gone' | indent
	if vxlog n2 | grep -Eq 'read from|write to'; then
		fail "vxtap on n2 logged I/O errors: $(vxlog n2 | grep -E 'read from|write to' | head -n 3)"
	fi
	[[ $(vxlog n2 | tail -n 1) == *'the TAP device is gone'* ]] || fail "vxtap on n2 logged after saying it exits: $(vxlog n2 | tail -n 1)"
	[[ ! -e $(sock n2) ]] || fail "vxtap on n2 left its control socket $(sock n2)"
	info "  one line logged; control socket removed"
	kill "$VXT_PING_PID" 2>/dev/null || true
	reap "$VXT_PING_PID" 100 || true
	same_daemon n1 "$p1"
	stop_all_vxtap
done
info "PASS: a deleted TAP ends vxtap with status 1 and one line in both modes"
