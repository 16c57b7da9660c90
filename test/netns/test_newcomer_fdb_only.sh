#!/usr/bin/env bash
# What the FDB names may send to us, as with the kernel's FDB: node 1 lists
# only node 2 as a peer and reaches node 3 through a static FDB entry and
# neighbour entry. Node 3's replies are accepted (nothing is counted as
# drop_unknown_peer), node 1 shows node 3 as an FDB-only VTEP, floods go to
# node 2 alone, "fdb add" to an address that is no peer says so, and the
# FDB-only VTEP goes with the last entry naming it.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=test/netns/lib_ctl.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_ctl.sh"
require_root
require_vxtap
require_vxtapctl

make_topology 3
m3=$(node_mac 3)
start_vxtap n1 --dev "$VXT_DEV" --local 192.168.56.41 --addr 10.244.0.1/16 --peer 192.168.56.42 \
	--mac "$(node_mac 1)" --fdb "$m3=192.168.56.43" --neigh "10.244.0.3=$m3" --control "$(sock n1)"
start_node 2 3
start_node 3 3

info "== node 3 through node 1's FDB alone"
ping_ok n1 10.244.0.3 5 >/dev/null || fail "n1 -> 10.244.0.3: not every ping answered"
[[ $(counter n1 drop_unknown_peer) == 0 ]] || fail "n1 dropped node 3's replies as unknown_peer"
line=$(ctl_ok n1 peer show | grep '^192\.168\.56\.43:8472 ') || fail "n1 does not show node 3"
[[ $line == *" noflood rx "* && $line == *" fdb-only" ]] || fail "n1 shows node 3 as '$line'"
info "  n1: $line"

info "== floods go to listed peers only"
tx() { peer_stat n1 "$1" tx_packets; }
tx2=$(tx 192.168.56.42)
tx3=$(tx 192.168.56.43)
# A broadcast frame written to flannel.1: n1 floods it.
nsx n1 "$VXT_PY" -c '
import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("'"$VXT_DEV"'", 0))
s.send(b"\xff" * 6 + bytes.fromhex("'"$(node_mac 1 | tr -d :)"'") + b"\x88\xb5" + bytes(46))'

flooded() { (($(tx 192.168.56.42) > tx2)); }
wait_for 40 0.05 flooded || fail "n1 did not flood the ARP request to node 2"
[[ $(tx 192.168.56.43) == "$tx3" ]] || fail "n1 flooded to node 3, an FDB-only VTEP"
info "  the broadcast went to node 2 ($tx2 -> $(tx 192.168.56.42)), not node 3 ($tx3)"

info "== fdb add to an address that is no peer says so"
out=$(ctl_ok n1 fdb add 0a:00:00:00:00:09 dst 192.168.56.49)
[[ $out == "192.168.56.49 is not a peer: datagrams from it are accepted, but it gets no flooded frames (peer add 192.168.56.49 makes it one)" ]] ||
	fail "fdb add to a non-peer answered '$out'"
[[ -z $(ctl_ok n1 fdb add 0a:00:00:00:00:0a dst 192.168.56.42) ]] || fail "fdb add to a peer said something"

info "== the last entry naming it takes the FDB-only VTEP with it"
ctl_ok n1 fdb del "$m3" >/dev/null
lacks_peer n1 192.168.56.43 || fail "n1 kept node 3 after its FDB entry went"
before=$(counter n1 drop_unknown_peer)
nsx n3 ping -n -q -c 2 -W 1 10.244.0.1 >/dev/null 2>&1 || true
grew_unknown() { (($(counter n1 drop_unknown_peer) > before)); }
wait_for 40 0.05 grew_unknown || fail "n1 still takes datagrams from node 3"
info "  n1 drops node 3's datagrams again (drop_unknown_peer $before -> $(counter n1 drop_unknown_peer))"
stop_all_vxtap
info "ok"
