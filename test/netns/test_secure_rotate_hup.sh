#!/usr/bin/env bash
# Rotation of node 2's private key by files and SIGHUP under a
# 20-per-second ping (rotation_test hup in lib_secure.sh): node 2's
# --key-file rewritten in place, nodes 1 and 3's --peers-file rewritten with
# node 2's new public key ("ADDR key PUBKEY" lines), each node sent SIGHUP;
# pings resume (losses printed) and node 2 reaches both under its new key.
# Then a SIGHUP with a key file readable by others is refused and changes
# nothing.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=test/netns/lib_ctl.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_ctl.sh"
# shellcheck source=test/netns/lib_secure.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_secure.sh"
require_root
require_vxtap

rotation_test hup

info "== SIGHUP with a key file readable by others"
pid=$(vxpid n1)
before=$(key_loads n1)
key_new "$VXT_TMP/c.key"
cat "$VXT_TMP/c.key" >"$VXT_TMP/n1.key"
chmod 644 "$VXT_TMP/n1.key"
kill -HUP "$pid"
log_wait n1 "$VXT_TMP/n1.key.*group or others"
grep "$VXT_TMP/n1.key.*group or others" "$VXT_TMP/n1.log" | tail -n 1 | sed 's/^/  /'
(($(key_loads n1) == before)) || fail "n1 loaded a key file readable by others on SIGHUP"
alive "$pid" || fail "vxtap on n1 exited on a SIGHUP with a bad key file"
ping_ok n1 10.244.0.2 3 >/dev/null || fail "n1 -> 10.244.0.2 fails after a refused SIGHUP key reload"
ping_ok n3 10.244.0.1 3 >/dev/null || fail "n3 -> 10.244.0.1 fails after a refused SIGHUP key reload"
stop_all_vxtap
info "ok"
