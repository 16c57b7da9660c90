#!/usr/bin/env bash
# Secure mode on the wire: nothing of the overlay is readable on the
# underlay. Two phases on the seed topology, each with the same traffic (ARP,
# pings carrying the pattern deadbeefcafef00d0123456789abcdef, and a TCP
# transfer of a known text) captured on node 1's eth1:
#   1. without a key (the positive control): tshark with
#      -d udp.port==8472,vxlan decodes ARP, ICMP and inner IPv4 inside VXLAN,
#      and the pattern and inner header bytes are found in the capture;
#   2. each node with its own key: the same searches find nothing in the
#      capture file or
#      any UDP payload; tshark forced to decode port 8472 as VXLAN finds no
#      VXLAN header with the I flag, no inner IPv4 header with a good
#      checksum and no IPv4 ARP in any datagram (it does show a vxlan.vni
#      and random inner layers for every one: decode-as does not check the
#      flags); plain tshark sees every datagram as opaque data; and every UDP
#      payload starts with 0xa1 (init, 149 bytes), 0xa2 (response, 93),
#      0xa3 (cookie reply, 64) or 0xa4 (data, 32 bytes or more), then the
#      wire version 2 and 0 0.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=test/netns/lib_ctl.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_ctl.sh"
# shellcheck source=test/netns/lib_secure.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_secure.sh"
require_root
require_vxtap
command -v tshark >/dev/null || fail "tshark is missing: run scripts/deps"

PING_PAT=deadbeefcafef00d0123456789abcdef
TEXT="VXTAP-SECRET-PATTERN-0123456789-the-quick-brown-fox"
TEXT_HEX=$(printf '%s' "VXTAP-SECRET-PATTERN" | od -An -tx1 | tr -d ' \n')
# Inner bytes no ciphertext would show: the overlay IPv4 source and
# destination pair, the inner Ethernet destination and source MACs, the ARP
# header with its opcode (request, reply) and sender MAC, the VXLAN header.
PATTERNS=(
	"--pattern" "ping=$PING_PAT"
	"--pattern" "text=$TEXT_HEX"
	"--pattern" "ip12=0af400010af40002" "--pattern" "ip21=0af400020af40001"
	"--pattern" "eth12=0a00000000020a0000000001" "--pattern" "eth21=0a00000000010a0000000002"
	"--pattern" "arpreq=00010800060400010a0000000001" "--pattern" "arprep=00010800060400020a0000000002"
	"--pattern" "vxlan=0800000000000100"
)

make_topology 3
for i in 1 2 3; do
	no_ipv6 "n$i" # the overlay carries only what the test sends
	# Finished outer UDP checksums on the wire, as a real NIC would put them
	# (see test_tshark.sh).
	nsx "n$i" ethtool -K eth1 tx off >/dev/null || fail "n$i: ethtool -K eth1 tx off failed"
done
# The underlay neighbours resolved before any capture, so that it holds no
# underlay ARP between the nodes.
for i in 2 3; do
	nsx n$i ping -n -q -c 1 -W 1 192.168.56.41 >/dev/null || fail "underlay: n$i cannot reach n1"
done
nsx n2 ping -n -q -c 1 -W 1 192.168.56.43 >/dev/null || fail "underlay: n2 cannot reach n3"

text=$VXT_TMP/text.in
for ((k = 0; k < 20000; k++)); do printf '%s %05d\n' "$TEXT" "$k"; done >"$text"

# listening NODE IP PORT: a TCP listener on IP:PORT in the node.
listening() { nsx "$1" ss -Hltn "sport = :$3" | grep -q "$2:$3"; }

# traffic: ARP (neighbours flushed), 5 pattern pings each way, the text
# (1 MiB) from n1 to n2 and back.
traffic() {
	local port=$1 out
	ip -n "$(ns n1)" neigh flush dev "$VXT_DEV"
	ip -n "$(ns n2)" neigh flush dev "$VXT_DEV"
	ping_warm n1 10.244.0.2 || fail "n1 -> 10.244.0.2: no reply to 10 warm-up pings"
	for dir in "n1 10.244.0.2" "n2 10.244.0.1"; do
		read -r -a dir_args <<<"$dir"
		set -- "${dir_args[@]}"
		out=$(nsx "$1" ping -n -q -c 5 -i 0.05 -W 2 -s 200 -p "$PING_PAT" "$2" 2>&1) || true
		grep -q '5 received' <<<"$out" || fail "$1 -> $2: pattern pings not all answered: $out"
	done
	for dir in "n1 n2 10.244.0.2" "n2 n1 10.244.0.1"; do
		read -r -a dir_args <<<"$dir"
		set -- "${dir_args[@]}"
		out=$VXT_TMP/text.$1.out
		ip netns exec "$(ns "$2")" timeout 30 nc -l "$3" "$port" >"$out" </dev/null &
		local lpid=$!
		track "$lpid"
		wait_for 100 0.05 listening "$2" "$3" "$port" || fail "nc on $2 is not listening on $3:$port"
		nsx "$1" timeout 30 nc -N "$3" "$port" <"$text" || fail "$1 -> $3:$port: nc failed"
		reap "$lpid" 200 || fail "$2: listener nc failed"
		cmp -s "$text" "$out" || fail "$1 -> $3:$port: the text arrived damaged ($(stat -c %s "$out") bytes)"
		port=$((port + 1))
	done
}

# scan_val FILE KEY...: a value from secure_pkts.py scan output ("hit ping"
# gives both counts, "type a4" the count).
scan_val() { awk -v k="$2" -v f="${3:-}" '
	$1 == "hit" && $2 == k { print (f == "file" ? $4 : $6); exit }
	$1 == "type" && $2 == k { print $3; exit }
	$1 == k { print $2; exit }' "$1"; }

# What tshark would show of an overlay inside a UDP datagram (outermost
# layers eth:ip:udp, so not the UDP headers quoted in an ICMP error): a valid
# VXLAN header (I flag set), an inner IPv4 header with a good checksum (ICMP
# or TCP inside), or an inner ARP for IPv4 over Ethernet. Forced to decode
# ciphertext as VXLAN (-d), tshark 4.0 shows a vxlan.vni and random inner
# layers for every datagram, so the test looks for what only plaintext
# would give: each of these is 2^-32 or less likely from random bytes.
OUTER_UDP='frame.protocols matches "^eth:ethertype:ip:udp:"'
INNER='vxlan.flag_i == 1 || ip.checksum.status#2 == 1 || (arp.hw.type == 1 && arp.proto.type == 0x0800 && arp.hw.size == 6)'

# tsh PCAP FILTER: tshark, decoding port 8472 as VXLAN, checking IPv4
# checksums, showing "frame protocols" of the frames matching FILTER.
tsh() {
	local out err=$VXT_TMP/tshark.err
	out=$(tshark -n -r "$1" -d udp.port==8472,vxlan -o ip.check_checksum:TRUE -Y "$2" \
		-T fields -e frame.number -e frame.protocols 2>"$err") ||
		fail "tshark -Y '$2' failed: $(grep -v '^Running as user' "$err")"
	[[ -z $out ]] || printf '%s\n' "$out"
}

# count PCAP FILTER: how many frames tsh shows.
count() {
	local out
	out=$(tsh "$@") || exit 1
	if [[ -z $out ]]; then
		echo 0
	else
		wc -l <<<"$out"
	fi
}

keep() {
	local f
	f=$(mktemp --suffix=.pcap "${TMPDIR:-/tmp}/vxtap-secure-tshark.XXXXXX") && cp "$1" "$f" && printf '%s\n' "$f"
}

# --- phase 1: no key, the positive control ----------------------------------
info "== without a key (positive control)"
for i in 1 2 3; do
	seed_args "$i" 3
	start_vxtap "n$i" "${VXT_ARGS[@]}" --mac "$(node_mac "$i")"
done
cap=$VXT_TMP/plain.pcap
capture_start_big n1 "$cap"
traffic 5001
capture_stop "$VXT_CAP_PID" "$cap"
stop_all_vxtap
spkt scan "$cap" "${PATTERNS[@]}" >"$VXT_TMP/plain.scan"
sed 's/^/  /' "$VXT_TMP/plain.scan"
nvx=$(count "$cap" "$OUTER_UDP && vxlan.flag_i == 1")
inner=$(count "$cap" "$OUTER_UDP && ($INNER)")
icmp=$(count "$cap" "$OUTER_UDP && vxlan.flag_i == 1 && icmp && icmp.type == 8 && ip.checksum.status#2 == 1")
arp=$(count "$cap" "$OUTER_UDP && vxlan.flag_i == 1 && arp")
info "  tshark -d udp.port==8472,vxlan: $nvx valid VXLAN headers, $inner datagrams with a readable inside, $icmp echo requests and $arp ARP inside"
nudp=$(scan_val "$VXT_TMP/plain.scan" udp)
((nvx == nudp && inner == nudp && icmp >= 10 && arp >= 2)) ||
	fail "positive control: tshark reads only $inner of $nudp datagrams ($icmp echo requests, $arp ARP) inside VXLAN: the checks below would prove nothing"
for k in ping text ip12 ip21 eth12 eth21 arpreq arprep vxlan; do
	f=$(scan_val "$VXT_TMP/plain.scan" "$k" file)
	((${f:-0} > 0)) ||
		fail "positive control: pattern $k not found in the plain capture: the search would prove nothing"
done

# --- phase 2: secure ----------------------------------------------------------
info "== each node with its own key"
keys_new 3
cap=$VXT_TMP/secure.pcap
capture_start_big n1 "$cap"
# Started with the capture running, so that it holds the handshakes (n1's
# inits to nodes not yet up bring ICMP port unreachable: not UDP datagrams,
# they are left out below).
for i in 1 2 3; do
	start_secure "$i" 3
done
traffic 5011
capture_stop "$VXT_CAP_PID" "$cap"
lost=$(capture_dropped "$cap")
((lost == 0)) || fail "tcpdump lost $lost frames: the capture is incomplete"
stop_all_vxtap
spkt scan "$cap" "${PATTERNS[@]}" >"$VXT_TMP/secure.scan"
sed 's/^/  /' "$VXT_TMP/secure.scan"

nudp=$(scan_val "$VXT_TMP/secure.scan" udp)
na1=$(scan_val "$VXT_TMP/secure.scan" a1)
na2=$(scan_val "$VXT_TMP/secure.scan" a2)
na4=$(scan_val "$VXT_TMP/secure.scan" a4)
((${nudp:-0} >= 100)) || fail "only ${nudp:-0} UDP datagrams captured: the traffic did not cross n1's eth1"
(($(scan_val "$VXT_TMP/secure.scan" udp_other_port) == 0)) || fail "UDP datagrams on a port other than 8472 in the capture"
(($(scan_val "$VXT_TMP/secure.scan" bad) == 0)) ||
	fail "UDP payloads that are not sealed framing (capture kept as $(keep "$cap")): $(grep '^bad' "$VXT_TMP/secure.scan")"
((${na1:-0} + ${na2:-0} + ${na4:-0} == nudp)) || fail "message types do not add up to the $nudp datagrams"
((${na1:-0} >= 1 && ${na2:-0} >= 1 && ${na4:-0} >= 100)) ||
	fail "expected inits, responses and data on n1's eth1: a1 ${na1:-0}, a2 ${na2:-0}, a4 ${na4:-0}"
for k in ping text ip12 ip21 eth12 eth21 arpreq arprep vxlan; do
	f=$(scan_val "$VXT_TMP/secure.scan" "$k" file)
	p=$(scan_val "$VXT_TMP/secure.scan" "$k" payload)
	((f == 0 && p == 0)) || fail "plaintext on the wire: pattern $k occurs $f times in the capture file, $p in UDP payloads (capture kept as $(keep "$cap"))"
done
bad=$(tsh "$cap" "$OUTER_UDP && ($INNER)")
[[ -z $bad ]] || fail "tshark -d udp.port==8472,vxlan reads inside sealed datagrams (capture kept as $(keep "$cap")): $(head -n 5 <<<"$bad" | tr '\n' ' ')"
nvx=$(count "$cap" "$OUTER_UDP && vxlan")
info "  tshark -d udp.port==8472,vxlan: $nvx of $nudp datagrams forced through the VXLAN dissector, none with the I flag, an inner IPv4 header with a good checksum, or an IPv4 ARP"
((nvx == nudp)) || fail "tshark decoded $nvx of $nudp UDP datagrams as VXLAN with -d: the check above saw too little"
# Without the decode: every UDP datagram is opaque data, none anything else
# (no heuristic dissector recognises it).
n=$(tshark -n -r "$cap" -Y 'frame.protocols == "eth:ethertype:ip:udp:data"' 2>/dev/null | wc -l)
info "  tshark (plain): $n of $nudp UDP datagrams are opaque data"
((n == nudp)) || fail "tshark (plain): only $n of $nudp UDP datagrams are plain data: $(tshark -n -r "$cap" -Y "$OUTER_UDP && !(frame.protocols == \"eth:ethertype:ip:udp:data\")" -T fields -e frame.number -e frame.protocols 2>/dev/null | head -n 3 | tr '\n' ' ')"
info "ok"
