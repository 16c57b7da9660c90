#!/usr/bin/env bash
# A peers file emptied by accident (a tool truncates it before writing) must
# not isolate the node: the SIGHUP that reads it is refused, logged with the
# reason, and traffic goes on. A file that says "peers none" empties the flood
# list on purpose.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=test/netns/lib_ctl.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_ctl.sh"
require_root
require_vxtap
require_vxtapctl

f1=$VXT_TMP/peers1
make_topology 2
printf '192.168.56.42\n' >"$f1"
start_node 1 0 --peers-file "$f1"
start_node 2 2
pid1=$(vxpid n1)
ping_warm n1 10.244.0.2 || fail "n1 -> 10.244.0.2: no reply to 10 warm-up pings"

: >"$f1"
kill -HUP "$pid1"
log_wait n1 "^vxtap: SIGHUP: $f1 lists no peers; keeping the 1 it listed \(a file meant to have none says \"peers none\""
has_peer n1 192.168.56.42 || fail "n1 dropped its peer for an empty file"
ctl_ok n1 fdb flush >/dev/null
ping_ok n1 10.244.0.2 3 || fail "n1 -> 10.244.0.2 after the refused reload: not every ping answered"

printf '# no peers, on purpose\npeers none\n' >"$f1.new"
mv "$f1.new" "$f1"
kill -HUP "$pid1"
log_wait n1 "^vxtap: SIGHUP: reloaded $f1: peers \+0 -1 .* now 0 peers"
lacks_peer n1 192.168.56.42 || fail "n1 kept its peer although the file says peers none"
same_daemon n1 "$pid1"
stop_all_vxtap
info "ok"
