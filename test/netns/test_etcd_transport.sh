#!/usr/bin/env bash
# The etcd transport (libcurl multi on libev) and the flannel machine against a
# real etcd member in a namespace: range, txn, lease and a watch through a put
# burst; an endpoint that refuses and one that never answers give clean errors
# without stalling the loop; two machines on two nodes see each other's leases
# and follow joins and leaves, rotating past a dead endpoint.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=test/netns/lib_etcd.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_etcd.sh"
require_root
require_etcd

SMOKE=${VXTAP_ETCD_SMOKE:-$VXT_ROOT/build/test/etcd_smoke}
[[ -x $SMOKE ]] || fail "etcd_smoke not found at $SMOKE (make build/test/etcd_smoke, or set VXTAP_ETCD_SMOKE)"

make_topology 2
add_etcd_node e1 192.168.56.11
start_etcd e1
URL=$(etcd_url e1)
DEAD=http://192.168.56.11:2999
HANG=http://192.168.56.11:2998

# smoke NODE LOG ARGS...: run etcd_smoke (bounded) in a node; fail with its output.
smoke() {
	local n=$1 log=$VXT_TMP/$2 mode=$3
	shift 2
	nsx "$n" timeout 120 "$SMOKE" "$@" >"$log" 2>&1 || {
		sed 's/^/    /' "$log" >&2
		fail "etcd_smoke $mode on $n failed"
	}
	grep -v '^libcurl' "$log" | sed 's/^/  /'
}

info "basic: range, txn, lease, watch through a burst of 500 puts"
smoke n1 basic.log basic "$URL"
grep -q '^watch: 500 puts seen' "$VXT_TMP/basic.log" || fail "the watch missed puts"

info "an endpoint that refuses"
smoke n1 dead.log dead "$DEAD"
grep -q "Couldn't connect to server" "$VXT_TMP/dead.log" || fail "no connection error"

info "an endpoint that accepts and never answers"
ip netns exec "$(ns e1)" "$VXT_PY" -c '
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.168.56.11", 2998))
s.listen(16)
held = []
while True:
    held.append(s.accept()[0])
' >/dev/null 2>&1 </dev/null &
track $!
wait_for 50 0.1 bash -c "ip netns exec $(ns e1) ss -Hltn 'sport = :2998' | grep -q ." ||
	fail "the silent listener did not start"
smoke n1 hang.log hang "$HANG"
grep -Eq 'Operation timed out after 2[0-9]{3} milliseconds' "$VXT_TMP/hang.log" || fail "no timeout"

info "two machines: leases, each other's table operations, a join and a leave"
ectl e1 put /coreos.com/network/config "$FL_CFG" >/dev/null
for i in 1 2; do
	ip netns exec "$(ns "n$i")" "$SMOKE" flnet --local "192.168.56.4$i" --mac "0a:58:0a:f4:0$i:00" \
		--seconds 100 "$DEAD" "$URL" >"$VXT_TMP/flnet$i.log" 2>&1 </dev/null &
	pid[i]=$!
	track "${pid[i]}"
done
for i in 1 2; do
	wait_for 100 0.1 grep -q '^NODES 1$' "$VXT_TMP/flnet$i.log" ||
		fail "node $i did not see the other's lease: $(cat "$VXT_TMP/flnet$i.log")"
done
lease1=$(sed -n 's/^LEASE //p' "$VXT_TMP/flnet1.log")
lease2=$(sed -n 's/^LEASE //p' "$VXT_TMP/flnet2.log")
[[ -n $lease1 && -n $lease2 && $lease1 != "$lease2" ]] || fail "leases: '$lease1' and '$lease2'"
grep -q "^OP route add $lease2 via ${lease2%/*}" "$VXT_TMP/flnet1.log" || fail "node 1 has no route to $lease2"
grep -q "^OP route add $lease1 via ${lease1%/*}" "$VXT_TMP/flnet2.log" || fail "node 2 has no route to $lease1"
ectl e1 get --prefix /coreos.com/network/subnets/ | grep -q '"PublicIP":"192.168.56.41","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"0a:58:0a:f4:01:00"}' ||
	fail "node 1's lease value is not flannel's"

t0=$(date +%s%N)
ectl e1 put /coreos.com/network/subnets/10.244.250.0-24 \
	'{"PublicIP":"192.168.56.99","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"0a:58:0a:f4:fa:00"}}' >/dev/null
for i in 1 2; do
	wait_for 100 0.05 grep -q '^NODES 2$' "$VXT_TMP/flnet$i.log" || fail "node $i missed the join"
done
info "  a join reached both machines within $((($(date +%s%N) - t0) / 1000000)) ms (etcdctl included)"
ectl e1 put /coreos.com/network/subnets/junk 'not json' >/dev/null
ectl e1 del /coreos.com/network/subnets/10.244.250.0-24 >/dev/null
for i in 1 2; do
	wait_for 100 0.05 grep -q '^OP route del 10.244.250.0/24' "$VXT_TMP/flnet$i.log" ||
		fail "node $i missed the leave"
	grep -q 'skipping "/coreos.com/network/subnets/junk": key is not a subnet' "$VXT_TMP/flnet$i.log" ||
		fail "node $i did not log the bad key"
done
info "node 1 cut off from etcd while the network changes and etcd compacts"
lease() { # lease N IP MAC: a flannel lease for 10.244.N.0/24, written by etcdctl
	ectl e1 put "/coreos.com/network/subnets/10.244.$1.0-24" \
		"{\"PublicIP\":\"$2\",\"PublicIPv6\":null,\"BackendType\":\"vxlan\",\"BackendData\":{\"VNI\":1,\"VtepMAC\":\"$3\"}}" >/dev/null
}
lease 251 192.168.56.51 0a:58:0a:f4:fb:00
lease 252 192.168.56.52 0a:58:0a:f4:fc:00
wait_for 100 0.05 grep -q '^NODES 3$' "$VXT_TMP/flnet1.log" || fail "node 1 missed the set-up leases"
nsx n1 nft -f - <<'NFT' || fail "nft rule for the outage"
table inet vxt_outage {
	chain out {
		type filter hook output priority 0;
		ip daddr 192.168.56.11 tcp dport 2379 drop
	}
}
NFT
nsx n1 ss -K dst 192.168.56.11 dport = :2379 >/dev/null 2>&1 || true
wait_for 600 0.05 grep -q 'watch: .*watching again' "$VXT_TMP/flnet1.log" ||
	fail "node 1 did not notice the cut"
ectl e1 del /coreos.com/network/subnets/10.244.251.0-24 >/dev/null
lease 252 192.168.56.62 0a:58:0a:f4:fc:62
lease 253 192.168.56.53 0a:58:0a:f4:fd:00
rev=$(ectl e1 get / -w json | sed 's/.*"revision":\([0-9]*\).*/\1/')
ectl e1 compact "$rev" >/dev/null
nsx n1 nft delete table inet vxt_outage
wait_for 200 0.05 grep -q 'watch fell behind etcd.s compaction' "$VXT_TMP/flnet1.log" ||
	fail "node 1 did not list again after the compaction: $(tail -5 "$VXT_TMP/flnet1.log")"
wait_for 100 0.05 grep -q '^OP route add 10.244.253.0/24' "$VXT_TMP/flnet1.log" ||
	fail "node 1 missed the join during the outage"
grep -q '^OP route del 10.244.251.0/24' "$VXT_TMP/flnet1.log" || fail "node 1 missed the leave"
grep -q '^OP fdb add 0a:58:0a:f4:fc:62 192.168.56.62' "$VXT_TMP/flnet1.log" ||
	fail "node 1 missed the changed lease"
grep -q '^OP neigh add 10.244.252.0 lladdr 0a:58:0a:f4:fc:62 (replace)' "$VXT_TMP/flnet1.log" ||
	fail "node 1 did not move 10.244.252.0 to the new VtepMAC"
info "  after the outage node 1 listed again and applied the leave, the change and the join"

info "TLS with client certificates; a wrong CA and a missing key file fail cleanly"
add_etcd_node e2 192.168.56.12
make_certs "$VXT_TMP/pki" 192.168.56.12
use_tls e2 "$VXT_TMP/pki"
start_etcd e2
make_certs "$VXT_TMP/other" 192.168.56.12
pki=$VXT_TMP/pki
SMOKE_CAFILE=$pki/ca.crt SMOKE_CERTFILE=$pki/client.crt SMOKE_KEYFILE=$pki/client.key \
	smoke n1 tls.log basic "$(etcd_url e2)"
SMOKE_CAFILE=$VXT_TMP/other/ca.crt SMOKE_CERTFILE=$pki/client.crt SMOKE_KEYFILE=$pki/client.key \
	smoke n1 tls-ca.log dead "$(etcd_url e2)"
grep -Eq 'certificate|SSL' "$VXT_TMP/tls-ca.log" || fail "a wrong CA gave no certificate error"
rc=0
SMOKE_CAFILE=$pki/ca.crt SMOKE_CERTFILE=$pki/client.crt SMOKE_KEYFILE=$pki/missing.key \
	nsx n1 "$SMOKE" basic "$(etcd_url e2)" >"$VXT_TMP/tls-key.log" 2>&1 || rc=$?
if ((rc != 1)) || ! grep -q "^FAIL: etcd key file \"$pki/missing.key\": No such file or directory" \
	"$VXT_TMP/tls-key.log"; then
	fail "a missing key file: status $rc, $(cat "$VXT_TMP/tls-key.log")"
fi
info "  a missing key file is refused at start: $(sed -n "s/^FAIL: //p" "$VXT_TMP/tls-key.log")"

for i in 1 2; do
	kill -TERM "${pid[i]}"
	reap "${pid[i]}" 100 || fail "node $i's machine exited with an error: $(tail -3 "$VXT_TMP/flnet$i.log")"
	grep '^STATS\|^max loop gap' "$VXT_TMP/flnet$i.log" | sed "s/^/  node $i: /"
done
grep -q 'config read failed: Failed to connect' "$VXT_TMP/flnet1.log" || fail "the dead endpoint was not tried first"
info "PASS"
