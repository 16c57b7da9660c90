#!/usr/bin/env bash
# Rotation of node 2's private key with vxtapctl under a 20-per-second ping
# (rotation_test ctl in lib_secure.sh): "key load NEWFILE" on node 2, "peer
# add 192.168.56.42 key NEWPUB" on nodes 1 and 3; pings resume (losses
# printed), node 2 reaches both under its new key, and SIGHUP on node 2
# re-reads NEWFILE, not the revoked key. Then bad loads are refused (a
# missing file, a file readable by others, the key of a listed peer) and
# change nothing.
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
for f in "$VXT_TMP/missing.key" "$VXT_TMP/c.key" "$VXT_TMP/n1.key"; do
	rc=0
	out=$(ctl n2 key load "$f" 2>&1) || rc=$?
	info "  key load $f: exit $rc: $out"
	((rc == 1)) || fail "key load of a bad file ($f) exited $rc, want 1"
	[[ $out == *"$f"* ]] || fail "key load of a bad file does not name it: $out"
done
[[ $(own_pub n2) == "$(cat "$VXT_TMP/n2new.pub")" ]] || fail "a refused key load changed n2's key"
ping_ok n1 10.244.0.2 3 >/dev/null || fail "n1 -> 10.244.0.2 fails after refused key loads"
ping_ok n3 10.244.0.2 3 >/dev/null || fail "n3 -> 10.244.0.2 fails after refused key loads"
stop_all_vxtap
info "ok"
