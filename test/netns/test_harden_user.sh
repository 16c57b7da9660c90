#!/usr/bin/env bash
# --user nobody: once set up, vxtap runs as nobody (every uid and gid in
# /proc/PID/status, no supplementary group of root's, no capability), still
# forwards, answers vxtapctl, re-reads its peers file on SIGHUP, and exits 0
# on SIGTERM with its TAP gone. In secure mode it reloads a key file that
# belongs to nobody, and warns at start-up about one it cannot read. A malformed name is refused with status 2 at option
# parsing; a user that does not exist fails start-up with status 1, leaving no
# TAP behind.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=test/netns/lib_ctl.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_ctl.sh"
# shellcheck source=test/netns/lib_secure.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_secure.sh"
require_root
require_vxtap
require_vxtapctl

uid=$(id -u nobody) || fail "this machine has no user nobody"
gid=$(id -g nobody)
((uid != 0 && gid != 0)) || fail "nobody is uid $uid gid $gid here"

# The peers file must be readable by nobody; $VXT_TMP is mktemp's 0700.
chmod 0711 "$VXT_TMP"
pf=$VXT_TMP/peers1
printf '# node 1 peers\n192.168.56.42\n' >"$pf"
chmod 0644 "$pf"

make_topology 3

rc=0
nsx n1 "$VXTAP" --local 192.168.56.41 --peer 192.168.56.42 --user 'no body' \
	>/dev/null 2>"$VXT_TMP/bad.err" </dev/null || rc=$?
((rc == 2)) || fail "--user 'no body' exited $rc, want 2: $(cat "$VXT_TMP/bad.err")"
grep -qF 'vxtap: --user: "no body" is not a user name' "$VXT_TMP/bad.err" ||
	fail "--user 'no body': unexpected message: $(cat "$VXT_TMP/bad.err")"

rc=0
nsx n1 timeout 20 "$VXTAP" --dev vxbad0 --local 192.168.56.41 --peer 192.168.56.42 \
	--control "$VXT_TMP/bad.sock" --user vxtap-no-such-user \
	>/dev/null 2>"$VXT_TMP/unknown.err" </dev/null || rc=$?
((rc == 1)) || fail "--user vxtap-no-such-user exited $rc, want 1: $(cat "$VXT_TMP/unknown.err")"
grep -q 'vxtap-no-such-user: no such user' "$VXT_TMP/unknown.err" ||
	fail "unknown user: unexpected message: $(cat "$VXT_TMP/unknown.err")"
if ip -n "$(ns n1)" link show vxbad0 >/dev/null 2>&1; then
	fail "vxbad0 is still there after the failed start"
fi

start_node 1 0 --peers-file "$pf" --user nobody
start_node 2 2
pid=$(vxpid n1)

status=/proc/$pid/status
read -r _ r e s f < <(grep '^Uid:' "$status")
[[ "$r $e $s $f" == "$uid $uid $uid $uid" ]] || fail "n1's vxtap has Uid: $r $e $s $f, want $uid (nobody)"
read -r _ r e s f < <(grep '^Gid:' "$status")
[[ "$r $e $s $f" == "$gid $gid $gid $gid" ]] || fail "n1's vxtap has Gid: $r $e $s $f, want $gid"
groups=$(sed -n 's/^Groups:[[:space:]]*//p' "$status")
for g in $groups; do
	[[ $g != 0 ]] || fail "n1's vxtap kept group 0 (Groups: $groups)"
done
grep -q '^CapEff:[[:space:]]*0*$' "$status" || fail "n1's vxtap kept capabilities: $(grep '^Cap' "$status" | tr '\n' ' ')"
log_wait n1 "^vxtap: running as user nobody \(uid $uid gid $gid\)"
log_wait n1 "^vxtap: user nobody cannot write $VXT_TMP: the control socket will stay after exit"
info "n1's vxtap (PID $pid) runs as nobody: $(grep -E '^(Uid|Gid|Groups):' "$status" | tr '\t\n' '  ')"

ping_warm n1 10.244.0.2 || fail "n1 -> 10.244.0.2: no reply to 10 warm-up pings"
ping_ok n1 10.244.0.2 3 || fail "n1 -> 10.244.0.2: not every ping of 3 answered"
ping_ok n2 10.244.0.1 3 || fail "n2 -> 10.244.0.1: not every ping of 3 answered"

out=$(ctl_ok n1 stats)
grep -Eq '^tap_rx_packets +[1-9][0-9]* ' <<<"$out" || fail "vxtapctl stats on n1: no tap_rx_packets: $out"
has_peer n1 192.168.56.42 || fail "n1 did not take 192.168.56.42 from its peers file"

# SIGHUP: the file, re-read as nobody, brings node 3 in.
start_node 3 3
echo '192.168.56.43   # node 3' >>"$pf"
kill -HUP "$pid"
log_wait n1 "^vxtap: SIGHUP: reloaded $pf: peers \+1 -0 "
has_peer n1 192.168.56.43 || fail "n1 did not add 192.168.56.43 on SIGHUP"
ping_warm n1 10.244.0.3 || fail "n1 -> 10.244.0.3: no reply to 10 warm-up pings after the reload"
ping_ok n1 10.244.0.3 3 || fail "n1 -> 10.244.0.3: not every ping of 3 answered"
same_daemon n1 "$pid"

rc=0
stop_vxtap n1 || rc=$?
((rc == 0)) || fail "vxtap (as nobody) exited $rc on SIGTERM"
if ip -n "$(ns n1)" link show "$VXT_DEV" >/dev/null 2>&1; then
	fail "n1's $VXT_DEV is still there after vxtap exited"
fi
stop_all_vxtap

# Secure mode: a key file of nobody's (0600) is re-read on SIGHUP as nobody.
keys_new 2
chown nobody "$VXT_TMP/n1.key"
start_secure 1 2 --user nobody
start_secure 2 2
pid=$(vxpid n1)
ping_warm n1 10.244.0.2 || fail "secure n1 -> 10.244.0.2: no reply to 10 warm-up pings"
ping_ok n1 10.244.0.2 3 || fail "secure n1 -> 10.244.0.2: not every ping of 3 answered"
kill -HUP "$pid"
log_wait n1 "^vxtap: private key from $VXT_TMP/n1.key loaded"
ping_ok n1 10.244.0.2 3 || fail "secure n1 -> 10.244.0.2: not every ping of 3 answered after the reload"
stop_vxtap n1 || fail "secure vxtap (as nobody) did not exit 0 on SIGTERM"
# One root keeps to itself: start-up says that reloads will fail.
chown root "$VXT_TMP/n1.key"
start_secure 1 2 --user nobody
log_wait n1 "^vxtap: --user nobody cannot read --key-file $VXT_TMP/n1.key: key reloads"
stop_all_vxtap
info "ok"
