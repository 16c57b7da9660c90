#!/usr/bin/env bash
# The control socket's life: created 0600 in a directory made 0755; a
# second vxtap on the same device and socket refused with a clear message
# while the first carries on; a socket left by a killed daemon replaced;
# removed on exit. Without --control, the socket is per network namespace
# and vxtapctl --dev finds it.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=test/netns/lib_ctl.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_ctl.sh"
require_root
require_vxtap
require_vxtapctl

make_topology 2
dir=$VXT_TMP/run/vxtap
s1=$dir/flannel.1.sock
seed_args 1 2
args1=("${VXT_ARGS[@]}" --mac "$(node_mac 1)" --control "$s1")
start_vxtap n1 "${args1[@]}"
pid1=$(vxpid n1)
[[ -S $s1 ]] || fail "no socket at $s1"
[[ $(stat -c %a "$s1") == 600 ]] || fail "$s1 has mode $(stat -c %a "$s1"), want 600"
[[ $(stat -c %a "$dir") == 755 ]] || fail "$dir has mode $(stat -c %a "$dir"), want 755"
"$VXTAPCTL" --socket "$s1" peer show | grep -q '^192\.168\.56\.42:8472 ' || fail "n1 does not answer on $s1"

# A second vxtap for the same device: refused, the first untouched.
rc=0
timeout 10 ip netns exec "$(ns n1)" "$VXTAP" "${args1[@]}" >"$VXT_TMP/second.out" 2>&1 || rc=$?
((rc == 1)) || fail "a second vxtap on $s1 exited $rc, want 1: $(cat "$VXT_TMP/second.out")"
grep -qx "vxtap: control socket $s1 is in use by a running vxtap" "$VXT_TMP/second.out" ||
	fail "the second vxtap said: $(cat "$VXT_TMP/second.out")"
same_daemon n1 "$pid1"
[[ -S $s1 ]] || fail "the second vxtap removed the first one's socket"
"$VXTAPCTL" --socket "$s1" stats >/dev/null || fail "n1 stopped answering after the second vxtap"
ip -n "$(ns n1)" link show "$VXT_DEV" >/dev/null || fail "n1's $VXT_DEV went away with the second vxtap"

# Killed hard, it leaves the socket behind; the next start replaces it.
stop_vxtap n1 KILL || true
[[ -S $s1 ]] || fail "the killed vxtap left no socket (the stale case is not tested)"
start_vxtap n1 "${args1[@]}"
grep -q "^vxtap: removing stale control socket $s1\$" "$VXT_TMP/n1.log" || fail "no stale-socket line in the log"
"$VXTAPCTL" --socket "$s1" stats >/dev/null || fail "n1 does not answer after replacing the stale socket"

# A clean exit removes it.
stop_vxtap n1 || fail "vxtap on n1 did not exit 0 on SIGTERM"
[[ ! -e $s1 ]] || fail "$s1 is still there after vxtap exited"

# Something else at the path is not taken for a stale socket.
: >"$s1"
rc=0
timeout 10 ip netns exec "$(ns n1)" "$VXTAP" "${args1[@]}" >"$VXT_TMP/file.out" 2>&1 || rc=$?
((rc == 1)) || fail "vxtap over a regular file exited $rc, want 1"
grep -qx "vxtap: control socket $s1 exists and is not a socket" "$VXT_TMP/file.out" ||
	fail "over a regular file vxtap said: $(cat "$VXT_TMP/file.out")"
[[ -f $s1 ]] || fail "vxtap removed a regular file at $s1"

# The default: one directory per named network namespace. (start_vxtap
# always gives a --control, so this one is started by hand.)
seed_args 2 2
def=/run/vxtap/$(ns n2)/$VXT_DEV.sock
[[ ! -e $def ]] || fail "$def exists before the test started its vxtap"
: >"$VXT_TMP/n2.log"
ip netns exec "$(ns n2)" "$VXTAP" "${VXT_ARGS[@]}" >>"$VXT_TMP/n2.log" 2>&1 </dev/null &
pid2=$!
track "$pid2"
wait_for 200 0.05 grep -q '^vxtap: ready' "$VXT_TMP/n2.log" || fail "vxtap on n2 (default socket) not ready"
grep -q "^vxtap: ready .* control $def " "$VXT_TMP/n2.log" || fail "n2's vxtap did not use $def"
[[ -S $def ]] || fail "no default socket at $def"
nsx n2 "$VXTAPCTL" --dev "$VXT_DEV" peer show | grep -q '^192\.168\.56\.41:8472 ' ||
	fail "vxtapctl --dev $VXT_DEV in n2 did not reach n2's vxtap"
kill -TERM "$pid2"
rc=0
reap "$pid2" 100 || rc=$?
((rc == 0)) || fail "vxtap on n2 exited $rc on SIGTERM"
[[ ! -e $def ]] || fail "$def is still there after vxtap exited"
[[ ! -e ${def%/*} ]] || fail "${def%/*} is still there after vxtap exited"
info "ok"
