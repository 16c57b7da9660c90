#!/usr/bin/env bash
# Type=notify as systemd sees it, from a notify socket the test makes: READY=1
# (with a STATUS line) comes first, and only once flannel.1 exists; a peer
# added through vxtapctl gives a new STATUS line; SIGHUP gives RELOADING=1
# (with MONOTONIC_USEC) and then READY=1; SIGTERM gives STOPPING=1, and vxtap
# exits 0. An abstract socket name (@...) works too, and a NOTIFY_SOCKET that
# is not a path is warned about and ignored.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=test/netns/lib_ctl.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_ctl.sh"
require_root
require_vxtap
require_vxtapctl

make_topology 2
nlog=$VXT_TMP/notify.lines
sockp=$VXT_TMP/notify.sock

# start_receiver: the notify socket, listening before vxtap starts.
start_receiver() {
	: >"$nlog"
	"$VXT_PY" "$(dirname "${BASH_SOURCE[0]}")/notify_recv.py" "$sockp" "$nlog" "$(ns n1)" "$VXT_DEV" \
		</dev/null 2>"$VXT_TMP/recv.err" &
	RECV_PID=$!
	track "$RECV_PID"
	wait_for 100 0.05 grep -q '^listening$' "$nlog" || fail "notify receiver not listening: $(cat "$VXT_TMP/recv.err")"
}

# lines_with PATTERN: how many received messages match.
lines_with() { grep -c -- "$1" "$nlog" || true; }

# wait_lines PATTERN N: until N received messages match (bounded, 5 s).
wait_lines() {
	local pat=$1 want=$2
	vxt_enough() { (($(lines_with "$pat") >= want)); }
	wait_for 100 0.05 vxt_enough || fail "waited for $want message(s) matching '$pat'; got: $(tr '\n' ' ' <"$nlog")"
}

start_receiver
seed_args 1 2

# A start-up that fails at the TAP (a veth holds the name) or after it (the
# --metrics port is taken) must send nothing at all: READY=1 never comes
# before the whole set-up is done.
ip -n "$(ns n1)" link add "$VXT_DEV" type veth peer name vxtblock
ip netns exec "$(ns n1)" "$VXT_PY" -c 'import socket, time; s = socket.socket(); s.bind(("127.0.0.1", 9472)); s.listen(); time.sleep(60)' &
holder=$!
track "$holder"
vxt_port_held() { nsx n1 ss -Hltn 'sport = :9472' | grep -q .; }
wait_for 100 0.05 vxt_port_held || fail "could not hold port 9472 in n1"
for why in tap metrics; do
	rc=0
	NOTIFY_SOCKET=$sockp nsx n1 timeout 20 "$VXTAP" "${VXT_ARGS[@]}" --control "$(sock n1)" \
		--metrics 127.0.0.1:9472 >"$VXT_TMP/fail-$why.err" 2>&1 </dev/null || rc=$?
	((rc == 1)) || fail "start-up failing at the $why exited $rc, want 1: $(cat "$VXT_TMP/fail-$why.err")"
	# A datagram of the test's own, sent now, is queued behind anything
	# vxtap sent: once it is in, so is all of that.
	"$VXT_PY" -c 'import socket, sys; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(sys.argv[2].encode(), sys.argv[1])' \
		"$sockp" "MARK=$why"
	wait_for 100 0.05 grep -q "^MARK=$why\$" "$nlog" || fail "the receiver did not get the test's own datagram"
	[[ $(grep -Evc '^(listening|MARK=.*)$' "$nlog") == 0 ]] ||
		fail "a start-up that failed at the $why sent: $(grep -Ev '^(listening|MARK=.*)$' "$nlog")"
	info "start-up failing at the $why: exit 1, nothing sent ($(tail -n 1 "$VXT_TMP/fail-$why.err"))"
	ip -n "$(ns n1)" link del "$VXT_DEV" 2>/dev/null || true
done
kill "$holder"
reap "$holder" 100 || true

NOTIFY_SOCKET=$sockp start_vxtap n1 "${VXT_ARGS[@]}" --control "$(sock n1)"
wait_lines '^READY=1' 1
first=$(grep -Ev '^(listening|MARK=.*)$' "$nlog" | head -n 1)
info "first message: $first"
[[ $first == "READY=1|STATUS=1 peer tap=yes" ]] ||
	fail "first message is '$first', want 'READY=1|STATUS=1 peer tap=yes' (READY=1 first, with flannel.1 already there)"
grep -q '^vxtap: ready' "$VXT_TMP/n1.log" || fail "vxtap logged no ready line"

ctl_ok n1 peer add 192.168.56.43 >/dev/null
wait_lines '^STATUS=2 peers$' 1
info "after peer add: $(tail -n 1 "$nlog")"

kill -HUP "$(vxpid n1)"
wait_lines '^READY=1' 2
grep -v '^listening$' "$nlog" | tail -n 2 >"$VXT_TMP/hup"
mapfile -t hup <"$VXT_TMP/hup"
info "SIGHUP: ${hup[*]}"
[[ ${hup[0]} =~ ^RELOADING=1\|MONOTONIC_USEC=[0-9]+\|STATUS=reloading$ ]] ||
	fail "the message before the second READY=1 is '${hup[0]}', want RELOADING=1 with MONOTONIC_USEC"
[[ ${hup[1]} == "READY=1|STATUS=2 peers tap=yes" ]] || fail "after RELOADING=1: '${hup[1]}', want READY=1 with 2 peers"

rc=0
stop_vxtap n1 TERM || rc=$?
((rc == 0)) || fail "vxtap exited $rc on SIGTERM"
wait_lines '^STOPPING=1' 1
last=$(tail -n 1 "$nlog")
[[ $last == "STOPPING=1|STATUS=stopping" ]] || fail "last message is '$last', want STOPPING=1"
(($(lines_with '^READY=1') == 2)) || fail "READY=1 sent $(lines_with '^READY=1') times, want 2"
info "SIGTERM: $last"
kill -TERM "$RECV_PID"
reap "$RECV_PID" 100 || true

# An abstract name ('@' for the leading NUL byte). Abstract names belong to
# a network namespace, so the receiver runs in n1 with vxtap.
abs=@vxtap-test-$VXT_PFX
nsx n1 "$VXT_PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + sys.argv[1][1:])
s.settimeout(20)
print("bound", flush=True)
print(s.recv(4096).decode().replace("\n", "|"), flush=True)
' "$abs" >"$VXT_TMP/abstract.out" 2>&1 </dev/null &
apid=$!
track "$apid"
wait_for 100 0.05 grep -q '^bound$' "$VXT_TMP/abstract.out" || fail "abstract receiver did not bind: $(cat "$VXT_TMP/abstract.out")"
NOTIFY_SOCKET=$abs start_vxtap n1 "${VXT_ARGS[@]}" --control "$(sock n1)"
wait_for 100 0.05 grep -q '^READY=1' "$VXT_TMP/abstract.out" ||
	fail "nothing on the abstract socket $abs: $(cat "$VXT_TMP/abstract.out")"
info "abstract $abs: $(tail -n 1 "$VXT_TMP/abstract.out")"
reap "$apid" 100 || true
stop_vxtap n1 TERM || fail "vxtap (abstract NOTIFY_SOCKET) did not exit 0"

# A value that is neither a path nor an abstract name: one warning, and vxtap runs.
NOTIFY_SOCKET=relative/path start_vxtap n1 "${VXT_ARGS[@]}" --control "$(sock n1)"
grep -q 'NOTIFY_SOCKET "relative/path": not a path or @name' "$VXT_TMP/n1.log" ||
	fail "no warning for NOTIFY_SOCKET=relative/path: $(cat "$VXT_TMP/n1.log")"
stop_vxtap n1 TERM || fail "vxtap with a bad NOTIFY_SOCKET did not exit 0"
info "ok"
