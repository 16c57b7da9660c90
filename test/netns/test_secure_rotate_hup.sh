#!/usr/bin/env bash
# Key rotation by rewriting --key-file and sending SIGHUP, under a
# 20-per-second ping (rotation_test in lib_secure.sh): n1 then n2 move from
# key A to key B a few seconds apart, within the 60 s grace; at most one
# ping is lost, both make new sessions, a node with key B only reaches both.
# Then a SIGHUP with the key file made readable by others is refused and
# changes nothing.
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
ping_ok n3 10.244.0.1 3 >/dev/null || fail "n3 (key B) -> 10.244.0.1 fails after a refused SIGHUP key reload"
stop_all_vxtap
info "ok"
