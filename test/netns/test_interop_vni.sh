#!/usr/bin/env bash
# The IANA port 4789 and the largest VNI, 16777215, on both kinds of node: a
# kernel vxlan node (n1) and vxtap (n2) ping and carry TCP both ways, and the
# wire says VNI 16777215 (tshark). A kernel node on VNI 16777214, same port,
# flooding to both (n3), gets nothing through either way: vxtap counts its
# datagrams as drop_bad_vni, one for one, and nothing reaches its stack.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
require_vxtap

port=4789 vni=16777215 other=16777214
make_topology 3
for i in 1 2 3; do
	no_ipv6 "n$i" # only the test's traffic on the overlay
done
kernel_vxlan 1 "$vni" "$port"
kernel_flood 1 2
kernel_flood 1 3
kernel_vxlan 3 "$other" "$port"
kernel_flood 3 1
kernel_flood 3 2
start_vxtap n2 --dev "$VXT_DEV" --vni "$vni" --port "$port" --local 192.168.56.42 \
	--peer 192.168.56.41,192.168.56.43 --addr 10.244.0.2/16 --mac "$(node_mac 2)"
grep -q "vni $vni local 192.168.56.42 port $port " "$VXT_TMP/n2.log" ||
	fail "n2's ready line does not say 'vni $vni ... port $port': $(vxlog n2 | grep '^vxtap: ready')"

cap=$VXT_TMP/n2-eth1.pcap
capture_start n2 "$cap"
for pair in "n1 10.244.0.2" "n2 10.244.0.1"; do
	read -r -a pr <<<"$pair"
	set -- "${pr[@]}"
	info "$1 -> $2"
	ping_warm "$1" "$2" || fail "$1 -> $2: no reply to 10 warm-up pings"
	ping_ok "$1" "$2" 3 || fail "$1 -> $2: not every ping of 3 answered"
done
tcp_copy n1 n2 10.244.0.2 5001 2 60
tcp_copy n2 n1 10.244.0.1 5002 2 60

bad0=$(counter n2 drop_bad_vni)
k3rx0=$(nsx n3 cat /sys/class/net/"$VXT_DEV"/statistics/rx_packets)
for pair in "n3 10.244.0.2" "n3 10.244.0.1" "n2 10.244.0.3" "n1 10.244.0.3"; do
	read -r -a pr <<<"$pair"
	set -- "${pr[@]}"
	out=$(nsx "$1" ping -n -q -c 3 -i 0.2 -W 1 "$2" 2>&1 || true)
	info "$1 -> $2 (other VNI): $(grep 'packets transmitted' <<<"$out")"
	grep -q ' 0 received' <<<"$out" || fail "$1 -> $2 got replies across VNIs: $out"
done
# n3 keeps asking after ping gives up: count once its ARP attempts are over.
n3_done() { ! ip -n "$(ns n3)" neigh show dev "$VXT_DEV" | grep -q INCOMPLETE; }
wait_for 100 0.1 n3_done || fail "n3 still resolving after 10 s: $(ip -n "$(ns n3)" neigh show dev "$VXT_DEV")"
capture_stop "$VXT_CAP_PID" "$cap"
bad1=$(counter n2 drop_bad_vni)
k3rx1=$(nsx n3 cat /sys/class/net/"$VXT_DEV"/statistics/rx_packets)
from3=$(capture_packets "$cap" "src host 192.168.56.43 and dst host 192.168.56.42 and udp dst port $port")
info "n3 sent n2 $from3 datagrams; n2 drop_bad_vni $bad0 -> $bad1; n3's flannel.1 rx_packets $k3rx0 -> $k3rx1"
((from3 >= 3)) || fail "n3 sent only $from3 datagrams to n2; its ARP requests should have been flooded there"
((bad1 - bad0 == from3)) || fail "n2 drop_bad_vni rose by $((bad1 - bad0)), n3 sent it $from3 datagrams"
((k3rx1 == k3rx0)) || fail "n3's kernel vxlan device (VNI $other) received $((k3rx1 - k3rx0)) packets from VNI $vni"
grep -q '192\.168\.56\.43' <<<"$(dump n2 | grep '^vxtap: fdb ')" &&
	fail "n2 learned a MAC behind n3 (other VNI): $(dump n2 | grep '^vxtap: fdb .*192\.168\.56\.43')"
[[ $(ip -n "$(ns n2)" neigh show 10.244.0.3 dev "$VXT_DEV") != *lladdr* ]] ||
	fail "n2 resolved 10.244.0.3 across VNIs: $(ip -n "$(ns n2)" neigh show 10.244.0.3 dev "$VXT_DEV")"

# The bytes, as tshark reads them (4789 is its default VXLAN port).
tsh=$(tshark -n -r "$cap" -o udp.check_checksum:TRUE -Y "udp.port == $port" \
	-T fields -E separator=";" -E occurrence=f -e ip.src -e ip.dst -e vxlan.flags -e vxlan.vni 2>/dev/null | sort | uniq -c)
info "tshark: count src/dst/flags/vni"
# shellcheck disable=SC2001
sed 's/^/  /' <<<"$tsh"
while read -r c rest; do
	IFS=";" read -r s d f v <<<"$rest"
	[[ $f == 0x0800 || $f == 0x00000800 ]] || fail "tshark: $c datagrams $s -> $d with VXLAN flags '$f', expected 0x0800"
	case $s in
	192.168.56.43) want=$other ;;
	*) want=$vni ;;
	esac
	[[ $v == "$want" ]] || fail "tshark: $c datagrams $s -> $d with VNI '$v', expected $want"
done <<<"$tsh"
grep -q '192\.168\.56\.42;192\.168\.56\.41;' <<<"$tsh" || fail "tshark saw no VXLAN from n2 to n1"
grep -q '192\.168\.56\.41;192\.168\.56\.42;' <<<"$tsh" || fail "tshark saw no VXLAN from n1 to n2"
stop_all_vxtap
info "ok"
