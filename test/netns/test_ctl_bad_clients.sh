#!/usr/bin/env bash
# Nothing a client sends stalls or crashes the daemon: unknown commands,
# malformed and over-long lines, binary garbage, clients that leave mid-line,
# 100 clients at once, one that never reads its replies, idle ones. Node 1
# runs under valgrind (memcheck errors and definite leaks fail the test);
# afterwards it still answers and still forwards.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=test/netns/lib_ctl.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_ctl.sh"
require_root
require_vxtap
require_vxtapctl

make_topology 2
seed_args 1 2
start_vxtap_valgrind n1 "${VXT_ARGS[@]}" --mac "$(node_mac 1)" --control "$(sock n1)"
pid1=$(vxpid n1)
start_node 2 2
ping_warm n1 10.244.0.2 || fail "n1 -> 10.244.0.2: no reply to 10 warm-up pings"

clients=$(dirname "${BASH_SOURCE[0]}")/ctl_clients.py
for c in unknown long_line garbage mid_line many pipeline no_reader idle; do
	info "== $c"
	out=$(timeout 60 "$VXT_PY" "$clients" "$(sock n1)" "$c" 2>&1) || fail "client case $c: $(tail -n 3 <<<"$out" | tr '\n' ' ')"
	indent <<<"$out"
	alive "$pid1" || fail "vxtap on n1 died during client case $c"
done

same_daemon n1 "$pid1"
answers_stats() { ctl_ok n1 stats 2>/dev/null | grep -q '^udp_rx_packets '; }
# The last case's clients may still be closing: poll, bounded.
wait_for 100 0.05 answers_stats || fail "n1 does not answer stats after the bad clients"
ping_ok n1 10.244.0.2 3 || fail "n1 -> 10.244.0.2: no longer forwards after the bad clients"
rc=0
stop_vxtap_slow n1 || rc=$?
((rc == 0)) || fail "vxtap on n1 exited $rc (99: valgrind found errors): $(head -c 3000 "$VXT_TMP/n1.valgrind.log" 2>/dev/null)"
[[ ! -e $(sock n1) ]] || fail "n1's socket is still there after it exited"
info "ok"
