#!/usr/bin/env bash
# vxtapctl as iproute2 users type it: --dev=NAME and --socket=PATH, -j/--json
# before the command, "help" in --help, peer flush, and when no socket answers,
# the sockets it can see under /run/vxtap named.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=test/netns/lib_ctl.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_ctl.sh"
require_root
require_vxtap
require_vxtapctl

make_topology 3
start_node 1 3
start_node 2 3

"$VXTAPCTL" --help | grep -q '^  help ' || fail "vxtapctl --help does not list help"
"$VXTAPCTL" --help | grep -q 'peer flush' || fail "vxtapctl --help does not list peer flush"

"$VXTAPCTL" --socket="$(sock n1)" peer show | grep -q '^192\.168\.56\.42:8472 ' ||
	fail "--socket=PATH was not taken"
"$VXTAPCTL" -j --socket "$(sock n1)" peer show | "$VXT_PY" -c 'import json,sys; d=json.load(sys.stdin); assert len(d) == 2, d' ||
	fail "-j before the command did not give JSON"
"$VXTAPCTL" --json --socket "$(sock n1)" stats | "$VXT_PY" -m json.tool >/dev/null ||
	fail "--json before stats did not give JSON"

ctl_ok n1 peer flush >/dev/null
[[ -z $(ctl_ok n1 peer show) ]] || fail "peers left after peer flush"
log_wait n1 '^vxtap: control: every peer removed'

# The default socket of a device with no daemon: the error names the
# sockets that are there (n2's default one, made by a vxtap in n3).
seed_args 3 3
start_vxtap n3 "${VXT_ARGS[@]}" --control "/run/vxtap/$(ns n3)/$VXT_DEV.sock"
rc=0
nsx n1 "$VXTAPCTL" --dev=nosuch0 peer show 2>"$VXT_TMP/nosock.err" || rc=$?
((rc == 1)) || fail "vxtapctl without a daemon exited $rc, expected 1"
cat "$VXT_TMP/nosock.err" | sed 's/^/  /'
grep -q "cannot connect to .*/nosuch0.sock: No such file or directory (is vxtap running?)" "$VXT_TMP/nosock.err" ||
	fail "no connect error"
grep -qx "vxtapctl: a socket is at /run/vxtap/$(ns n3)/$VXT_DEV.sock" "$VXT_TMP/nosock.err" ||
	fail "the error does not name the socket that is there"
stop_all_vxtap
info "ok"
