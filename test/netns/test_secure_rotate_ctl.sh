#!/usr/bin/env bash
# Key rotation with "vxtapctl key load FILE" under a 20-per-second ping
# (rotation_test in lib_secure.sh): n1 then n2 move from key A to key B a
# few seconds apart, within the 60 s grace; at most one ping is lost, both
# make new sessions, a node with key B only reaches both. Then bad loads are
# refused (a missing file, a file readable by others) and change nothing.
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

rotation_test ctl

info "== bad loads"
key_new "$VXT_TMP/c.key"
chmod 644 "$VXT_TMP/c.key"
for f in "$VXT_TMP/missing.key" "$VXT_TMP/c.key"; do
	rc=0
	out=$("$VXTAPCTL" --socket "$VXT_TMP/n1.sock" key load "$f" 2>&1) || rc=$?
	info "  key load $f: exit $rc: $out"
	((rc == 1)) || fail "key load of a bad file ($f) exited $rc, want 1"
	[[ $out == *"$f"* ]] || fail "key load of a bad file does not name it: $out"
done
[[ $out == *"group or others"* ]] || fail "key load of a mode 0644 file does not say 'group or others': $out"
ping_ok n1 10.244.0.2 3 >/dev/null || fail "n1 -> 10.244.0.2 fails after refused key loads"
ping_ok n3 10.244.0.1 3 >/dev/null || fail "n3 (key B) -> 10.244.0.1 fails after refused key loads"
stop_all_vxtap
info "ok"
