#!/usr/bin/env bash
# 20 MiB of random data from node 1 to node 2 over TCP through the tunnel,
# byte for byte.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
require_vxtap

make_topology 3
for i in 1 2 3; do
	seed_args "$i" 3
	start_vxtap "n$i" "${VXT_ARGS[@]}"
done
ping_warm n1 10.244.0.2 || fail "n1 -> 10.244.0.2: no reply to 10 warm-up pings"

in=$VXT_TMP/in.bin
out=$VXT_TMP/out.bin
head -c 20M /dev/urandom >"$in"

listening() {
	nsx n2 ss -Hltn 'sport = :5001' | grep -q '10\.244\.0\.2:5001'
}

nsx n2 timeout 120 nc -l 10.244.0.2 5001 >"$out" </dev/null &
lpid=$!
track "$lpid"
wait_for 100 0.05 listening || fail "nc on n2 is not listening on 10.244.0.2:5001"

start=$(date +%s.%N)
rc=0
nsx n1 timeout 120 nc -N 10.244.0.2 5001 <"$in" || rc=$?
((rc == 0)) || fail "sender nc exited with status $rc"
rc=0
reap "$lpid" 200 || rc=$?
((rc == 0)) || fail "listener nc exited with status $rc"
end=$(date +%s.%N)

a=$(sha256sum <"$in" | cut -d' ' -f1)
b=$(sha256sum <"$out" | cut -d' ' -f1)
size=$(stat -c %s "$out")
info "sent 20971520 bytes, received $size bytes in $(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", e - s }') s"
[[ $size == 20971520 ]] || fail "received $size bytes, sent 20971520"
[[ $a == "$b" ]] || fail "sha256 differs: sent $a, received $b"
d=$(counters n1 udp_tx_bytes)
info "n1 $d"
((${d#*=} > 20971520)) || fail "n1 sent only ${d#*=} VXLAN bytes for a 20 MiB transfer: did it go through vxtap?"
stop_all_vxtap
info "ok"
