#!/usr/bin/env bash
# Secure mode, the seed topology, each node with its own key pair (vxtap
# --genkey, --pubkey) and its peers listed with their public keys: all three
# come up "secure" with the TAP MTU 32 bytes below the plain default (1418
# on a 1500-byte underlay), ping in all six directions, and carry 20 MiB
# intact from node 1 to node 2 (and 5 MiB from 3 to 1). "peer show" lists
# each peer's key and a session that is up; every node made sessions and
# dropped nothing for a crypto reason.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=test/netns/lib_ctl.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_ctl.sh"
# shellcheck source=test/netns/lib_secure.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_secure.sh"
require_root
require_vxtap

make_topology 3
keys_new 3
for i in 1 2 3; do
	start_secure "$i" 3
	mtu=$(link_mtu "n$i" "$VXT_DEV")
	((mtu == 1418)) || fail "n$i: TAP MTU $mtu in secure mode, expected 1418 (1500 - 50 - 32)"
done
info "ready: $(ready_line n1)"

for a in 1 2 3; do
	for b in 1 2 3; do
		((a == b)) && continue
		ping_warm "n$a" "10.244.0.$b" || fail "n$a -> 10.244.0.$b: no reply to 10 warm-up pings"
		info "n$a -> 10.244.0.$b"
		ping_ok "n$a" "10.244.0.$b" 3 || fail "n$a -> 10.244.0.$b: not every ping of 3 answered"
	done
done

tcp_copy n1 n2 10.244.0.2 5001 20 60
tcp_copy n3 n1 10.244.0.1 5002 5 60

for i in 1 2 3; do
	for j in 1 2 3; do
		((i == j)) && continue
		k=$(peer_stat "n$i" "192.168.56.4$j" key)
		[[ $k == "$(pub "$j")" ]] || fail "n$i: peer show gives 192.168.56.4$j the key $k, not $(pub "$j")"
		st=$(peer_state "n$i" "192.168.56.4$j")
		[[ $st == up ]] || fail "n$i: the session with 192.168.56.4$j is '$st', not up"
	done
	ctl_ok "n$i" peer show | indent
	c=$(crypto_counters "n$i")
	info "n$i: $c"
	s=$(counter "n$i" crypto_sessions)
	((s >= 2)) || fail "n$i: crypto_sessions $s, expected one per peer at least"
	for r in "${VXT_CRYPTO_DROPS[@]}"; do
		[[ $r == no_session ]] && continue # frames before the first handshake
		v=$(counter "n$i" "drop_crypto_$r")
		((v == 0)) || fail "n$i: drop_crypto_$r is $v with every key listed and no attacker"
	done
done
stop_all_vxtap
info "ok"
