#!/usr/bin/env bash
# A newcomer's usual start-up mistakes, each answered by one clear line:
#   - --dev tap%d: refused at parse time (exit 2), not after the TAP fails;
#   - --local not on this host: "not an address in this network namespace";
#   - a control socket where none can be made: the error names --control none,
#     and --control none runs without one;
#   - a bad peers file is refused before any socket is bound: with a control
#     path that cannot be made as well, the peers file is what is reported;
#   - a failure after the control socket was made does not print the socket as
#     progress first;
#   - an unbracketed IPv6 peer ending in a port-like group is warned about.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=test/netns/lib_ctl.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_ctl.sh"
require_root
require_vxtap
require_vxtapctl

make_topology 2

# run_fail NODE WANT_STATUS OUTFILE ARGS...: vxtap in NODE must exit WANT_STATUS
# within 10 s, printing exactly one line.
run_fail() {
	local n=$1 want=$2 out=$3 rc=0
	shift 3
	timeout 10 ip netns exec "$(ns "$n")" "$VXTAP" "$@" >"$out" 2>&1 </dev/null || rc=$?
	((rc == want)) || fail "vxtap $* exited $rc, expected $want: $(cat "$out")"
	(($(wc -l <"$out") == 1)) || fail "vxtap $* printed more than one line: $(cat "$out")"
	info "  exit $rc: $(cat "$out")"
}

info "--dev with a %"
run_fail n1 2 "$VXT_TMP/pct.out" --dev 'tap%d' --local 192.168.56.41 --peer 192.168.56.42
grep -qx 'vxtap: --dev: "tap%d" has a '"'"'%'"'"': give the device'"'"'s own name' "$VXT_TMP/pct.out" ||
	fail "unexpected message for --dev tap%d"

info "--local not on this host"
run_fail n1 1 "$VXT_TMP/local.out" --dev "$VXT_DEV" --local 192.168.56.99 --peer 192.168.56.42 \
	--control "$VXT_TMP/local.sock"
grep -qx 'vxtap: --local 192.168.56.99 is not an address in this network namespace' \
	"$VXT_TMP/local.out" || fail "unexpected message for a foreign --local"
[[ ! -e $VXT_TMP/local.sock ]] || fail "a control socket was made for a vxtap that could not start"

info "a control socket that cannot be made"
run_fail n1 1 "$VXT_TMP/ctl.out" --dev "$VXT_DEV" --local 192.168.56.41 --peer 192.168.56.42 \
	--control /proc/vxtap-test/x.sock
grep -q 'cannot create /proc/vxtap-test for the control socket: .*; give --control PATH elsewhere, or --control none$' \
	"$VXT_TMP/ctl.out" || fail "the control-socket error does not name --control none"

info "--control none"
start_vxtap n1 --dev "$VXT_DEV" --local 192.168.56.41 --peer 192.168.56.42 --addr 10.244.0.1/16 \
	--control none
grep -q '^vxtap: ready .* control none ' "$VXT_TMP/n1.log" || fail "the ready line does not say control none"
seed_args 2 2
start_vxtap n2 "${VXT_ARGS[@]}"
ping_warm n1 10.244.0.2 || fail "n1 -> 10.244.0.2 with --control none: no reply"

info "a bad peers file is reported before any socket is made"
printf '192.168.56.42\nbogus line here\n' >"$VXT_TMP/bad.peers"
run_fail n1 1 "$VXT_TMP/pf.out" --dev vx9 --local 192.168.56.41 --peers-file "$VXT_TMP/bad.peers" \
	--control /proc/vxtap-test/x.sock
grep -q "^vxtap: $VXT_TMP/bad.peers:2: expected " "$VXT_TMP/pf.out" ||
	fail "the peers file was not what was reported: $(cat "$VXT_TMP/pf.out")"

info "no progress line for a socket before a later failure"
# n2 holds UDP 192.168.56.42:8472, so a second vxtap there fails to bind.
run_fail n2 1 "$VXT_TMP/bind.out" --dev vx9 --local 192.168.56.42 --peer 192.168.56.41 \
	--control "$VXT_TMP/bind.sock"
grep -q '^vxtap: cannot bind UDP 192.168.56.42 port 8472: Address already in use$' "$VXT_TMP/bind.out" ||
	fail "unexpected bind failure message"
[[ ! -e $VXT_TMP/bind.sock ]] || fail "the control socket was left behind"

stop_all_vxtap

info "an unbracketed IPv6 peer that ends like a port"
add_ns v6
ip -n "$(ns v6)" link set lo up
ip -n "$(ns v6)" link add d0 type veth peer name d1
ip -n "$(ns v6)" link set d1 up
ip -n "$(ns v6)" link set d0 up
ip -n "$(ns v6)" -6 addr add fd00:56::41/64 dev d0 nodad
start_vxtap v6 --dev "$VXT_DEV" --local fd00:56::41 --peer fd00:56::42:8472
grep -qx 'vxtap: --peer: "fd00:56::42:8472" is read as one IPv6 address; if 8472 is a port, write \[fd00:56::42\]:8472' \
	"$VXT_TMP/v6.log" || fail "no warning for an unbracketed IPv6 peer ending in :8472"
grep -q ' peers 1 ' "$VXT_TMP/v6.log" || fail "the peer was not taken as written"
stop_all_vxtap
info "ok"
