#!/usr/bin/env bash
# Bad datagrams thrown at node 2 are dropped and counted by reason, exactly;
# datagrams from a non-peer (n4) are dropped before their header is looked at;
# the tunnel keeps working and nothing is learned from the garbage.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
require_vxtap

make_topology 4 # n4 (192.168.56.44) is in nobody's peer list
for i in 1 2 3; do
	seed_args "$i" 3
	start_vxtap "n$i" "${VXT_ARGS[@]}" --mac "$(node_mac "$i")"
done

names=(drop_vxlan_short drop_vxlan_no_i drop_vxlan_reserved drop_bad_vni drop_runt
	drop_src_multicast drop_src_zero drop_src_own drop_unknown_peer)
declare -A want=(
	[drop_vxlan_short]=4    # 0, 1, 4 and 7 bytes
	[drop_vxlan_no_i]=3     # flags 0x00 with a valid VNI and inner frame
	[drop_vxlan_reserved]=5 # flags 0x0c, 0x88, 0x09; byte 7 != 0; byte 1 != 0
	[drop_bad_vni]=3        # VNI 2, 0 and 16777215
	[drop_runt]=3           # inner frames of 0, 1 and 13 bytes
	[drop_src_multicast]=3  # inner source broadcast, 01:00:5e:..., 33:33:...
	[drop_src_zero]=2       # inner source 00:00:00:00:00:00
	[drop_src_own]=2        # inner source = n2's own MAC
	[drop_unknown_peer]=7   # from 192.168.56.44: 5 valid, 2 short
)

# All start at zero.
before=$(counters n2 "${names[@]}")
while IFS='=' read -r k v; do
	((v == 0)) || fail "n2 counter $k is $v before any garbage was sent"
done <<<"$before"

gen=$VXT_TMP/garbage.py
cat >"$gen" <<'PY'
import socket, struct, sys

src, kind = sys.argv[1], sys.argv[2]
dst = ("192.168.56.42", 8472)
n2 = bytes.fromhex("0a0000000002")
peer_mac = bytes.fromhex("0a00000000" + "%02x" % int(src.rsplit(".", 1)[1]))

def hdr(flags=0x08, vni=1, b1=0, b2=0, b3=0, b7=0):
    return bytes([flags, b1, b2, b3]) + struct.pack("!I", vni << 8)[:3] + bytes([b7])

def frame(srcmac=peer_mac, dstmac=n2):
    # a local-experimental ethertype and a 46-byte payload
    return dstmac + srcmac + b"\x88\xb5" + b"vxtap-garbage".ljust(46, b".")

kinds = {
    "short": [b"", b"\x08", b"\x08\x00\x00\x00", b"\x08\x00\x00\x00\x00\x00\x01"],
    "no_i": [hdr(flags=0x00) + frame()] * 3,
    "reserved": [hdr(flags=0x0c) + frame(), hdr(flags=0x88) + frame(),
                 hdr(flags=0x09) + frame(), hdr(b7=0x01) + frame(),
                 hdr(b1=0x80) + frame()],
    "bad_vni": [hdr(vni=2) + frame(), hdr(vni=0) + frame(),
                hdr(vni=0xffffff) + frame()],
    "runt": [hdr(), hdr() + n2[:1], hdr() + (n2 + peer_mac + b"\x08")],
    "src_multicast": [hdr() + frame(srcmac=bytes.fromhex(m)) for m in
                      ("ffffffffffff", "01005e000001", "333300000001")],
    "src_zero": [hdr() + frame(srcmac=bytes(6))] * 2,
    "src_own": [hdr() + frame(srcmac=n2)] * 2,
    "unknown_valid": [hdr() + frame()] * 5,
    "unknown_short": [b"\x08\x00", b"\x08\x00\x00\x00\x00\x00"],
}
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((src, 0))
for d in kinds[kind]:
    s.sendto(d, dst)
print(len(kinds[kind]))
PY

send() { # send NODE KIND: prints how many datagrams went
	nsx "$1" "$VXT_PY" "$gen" "192.168.56.4${1#n}" "$2"
}

total=0
for k in short no_i reserved bad_vni runt src_multicast src_zero src_own; do
	c=$(send n3 "$k") || fail "sending $k datagrams from n3 failed"
	info "n3 sent $c $k datagrams"
	total=$((total + c))
done
for k in unknown_valid unknown_short; do
	c=$(send n4 "$k") || fail "sending $k datagrams from n4 failed"
	info "n4 sent $c $k datagrams"
	total=$((total + c))
done

drops_sum() {
	local s=0 k v
	while IFS='=' read -r k v; do
		s=$((s + v))
	done < <(counters n2 "${names[@]}")
	((s >= total))
}
wait_for 100 0.05 drops_sum || true

after=$(counters n2 "${names[@]}")
bad=()
while IFS='=' read -r k v; do
	info "n2 $k = $v (sent ${want[$k]})"
	((v == want[$k])) || bad+=("$k=$v (expected ${want[$k]})")
done <<<"$after"
((${#bad[@]} == 0)) || fail "n2 drop counters wrong: ${bad[*]}"

# The tunnel still works from both peers.
for i in 1 3; do
	ping_warm "n$i" 10.244.0.2 || fail "n$i -> 10.244.0.2: no reply to 10 warm-up pings after the garbage"
	ping_ok "n$i" 10.244.0.2 3 || fail "n$i -> 10.244.0.2: not every ping of 3 answered after the garbage"
done

d=$(dump n2)
if grep -q 'dst 192\.168\.56\.44' <<<"$d"; then
	fail "n2 learned from the non-peer: $(grep 'dst 192\.168\.56\.44' <<<"$d")"
fi
for m in ff:ff:ff:ff:ff:ff 01:00:5e:00:00:01 33:33:00:00:00:01 00:00:00:00:00:00 0a:00:00:00:00:02; do
	if grep -q "^vxtap: fdb $m " <<<"$d"; then
		fail "n2 learned a bad source MAC: $(grep "^vxtap: fdb $m " <<<"$d")"
	fi
done
if grep -q '^vxtap: peer 192\.168\.56\.44' <<<"$d"; then
	fail "n2 lists the non-peer: $(grep '^vxtap: peer 192\.168\.56\.44' <<<"$d")"
fi
stop_all_vxtap
info "ok"
