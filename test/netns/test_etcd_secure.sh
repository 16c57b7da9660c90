#!/usr/bin/env bash
# Secure mode over etcd: a node with --key-file publishes its public key in
# its lease (BackendData.VxtapPublicKey) and takes its peers' keys from
# theirs:
#   - nodes 1 and 2 (secure) join; each lease carries the node's key; pod 1
#     reaches pod 2 and every datagram between them is sealed (no data
#     datagram of the plain kind is counted, a session is up);
#   - node 3 joins without a key: nodes 1 and 2 skip its lease (counted as
#     etcd_skipped_no_pubkey, no route, no peer);
#   - node 2's key is rotated (new key file, SIGHUP): its lease is written
#     again with the new key, node 1 switches node 2's peer to it, and pods
#     reach each other again;
#   - nodes from etcd are no flood targets (as flanneld's kernel device): a
#     broadcast on node 1's flannel.1 goes to nobody.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=test/netns/lib_ctl.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_ctl.sh"
# shellcheck source=test/netns/lib_secure.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_secure.sh"
# shellcheck source=test/netns/lib_etcd.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_etcd.sh"
# shellcheck source=test/netns/lib_flannel.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_flannel.sh"
require_root
require_vxtap
require_vxtapctl
require_etcd

make_topology 3
add_etcd_node e1 192.168.56.11
start_etcd e1
fl_config e1 "$FL_CFG"
keys_new 2
for i in 1 2; do
	start_flnode "$i" e1 --key-file "$VXT_TMP/n$i.key"
	add_pod "$i"
done

# lease_key I: the VxtapPublicKey of node I's lease in etcd ("" if none).
lease_key() {
	local sn
	sn=$(node_subnet "$1")
	ectl e1 get --print-value-only "$FL_PREFIX/subnets/${sn%/*}-${sn#*/}" |
		"$VXT_PY" -c 'import json, sys; print(json.load(sys.stdin)["BackendData"].get("VxtapPublicKey") or "")'
}
# peer_key NODE ADDR: the key NODE holds for peer ADDR.
peer_key() { peer_stat "$1" "$2" key; }

info "== keys in the leases"
for i in 1 2; do
	[[ $(lease_key "$i") == "$(pub "$i")" ]] ||
		fail "node $i's lease holds key '$(lease_key "$i")', not its public key $(pub "$i")"
done
wait_for 100 0.05 programmed n1 "$(node_subnet 2)" || fail "n1 did not program node 2"
[[ $(peer_key n1 192.168.56.42) == "$(pub 2)" ]] || fail "n1 holds key '$(peer_key n1 192.168.56.42)' for node 2"
[[ $(peer_key n2 192.168.56.41) == "$(pub 1)" ]] || fail "n2 holds key '$(peer_key n2 192.168.56.41)' for node 1"
ping_warm p1 "$(pod_ip 2)" || fail "pod 1 -> pod 2: no reply in secure mode"
ping_ok p1 "$(pod_ip 2)" 10 >/dev/null || fail "pod 1 -> pod 2: not every ping answered"
[[ $(peer_state n1 192.168.56.42) == up ]] || fail "n1's session with node 2 is '$(peer_state n1 192.168.56.42)'"
[[ $(counter n1 drop_crypto_plain) == 0 ]] || fail "n1 counted $(counter n1 drop_crypto_plain) plain datagrams"
info "nodes 1 and 2 publish their keys, hold each other's, and pods talk over a session"

info "== a node without a key"
start_flnode 3 e1
sn3=$(node_subnet 3)
skipped() { (($(stat_json "$1" "d['etcd_skipped']['no_pubkey']") >= 1)); }
for n in n1 n2; do
	wait_for 100 0.05 skipped "$n" || fail "$n did not skip node 3's keyless lease"
	unprogrammed "$n" "$sn3" || fail "$n programmed node 3 although its lease has no key"
	lacks_peer "$n" 192.168.56.43 || fail "$n made node 3 a peer although its lease has no key"
done
log_has n1 "skipping .*${sn3%/*}-24.*no VxtapPublicKey" || fail "n1 did not log why it skipped node 3"
info "nodes 1 and 2 skip node 3 (no key): no peer, no route, etcd_skipped_no_pubkey counted"

info "== node 2's key rotated"
old=$(pub 2)
loads=$(key_loads n2)
# A ping at 20 a second across the rotation: how many are lost is reported.
ping_bg p1 "$(pod_ip 2)" 200 "$VXT_TMP/rot.txt"
rotping=$VXT_PING_PID
ping_wait_replies "$VXT_TMP/rot.txt" 20
key_new "$VXT_TMP/n2.key"
kill -HUP "$(vxpid n2)"
wait_for 100 0.05 key_loaded n2 "$loads" || fail "n2 did not load its new key"
[[ $(pub 2) != "$old" ]] || fail "the new key is the old one"
new_lease_key() { [[ $(lease_key 2) == "$(pub 2)" ]]; }
wait_for 100 0.05 new_lease_key || fail "node 2's lease still holds '$(lease_key 2)' after the rotation"
new_peer_key() { [[ $(peer_key n1 192.168.56.42) == "$(pub 2)" ]]; }
wait_for 100 0.05 new_peer_key || fail "n1 still holds '$(peer_key n1 192.168.56.42)' for node 2"
log_has n2 "lease .* now publishes the new public key" || fail "n2 did not log the rewrite of its lease"
wait "$rotping" || true
lost=$(ping_loss "$VXT_TMP/rot.txt")
sent=$(ping_sent "$VXT_TMP/rot.txt")
info "  a ping at 20/s across the rotation lost $lost of $sent"
ping_warm p1 "$(pod_ip 2)" || fail "pod 1 -> pod 2: no reply after node 2's key rotation"
ping_ok p2 "$(pod_ip 1)" 10 >/dev/null || fail "pod 2 -> pod 1: not every ping answered after the rotation"
info "node 2's new key reached etcd and node 1; pods talk again"

info "== no flooding to nodes from etcd"
floods0=$(counter n1 floods)
tx0=$(counter n1 udp_tx_packets)
drops0=$(counter n1 drop_no_peers)
nsx n1 "$VXT_PY" -c '
import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("'"$VXT_DEV"'", 0))
s.send(b"\xff" * 6 + b"\x0a\x00\x00\x00\x00\x09" + b"\x88\xb5" + bytes(46))'
grew_no_peers() { (($(counter n1 drop_no_peers) > drops0)); }
wait_for 100 0.05 grew_no_peers || fail "n1's broadcast was not dropped as no_peers"
[[ $(counter n1 floods) == "$floods0" ]] || fail "n1 flooded a broadcast to nodes from etcd"
info "a broadcast on n1 went to no node (no_peers $drops0 -> $(counter n1 drop_no_peers), udp_tx_packets $tx0 -> $(counter n1 udp_tx_packets))"
stop_all_vxtap
info "ok"
