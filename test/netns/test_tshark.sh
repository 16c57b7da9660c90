#!/usr/bin/env bash
# vxtap's underlay bytes, judged by an independent decoder: tshark reads a
# capture of vxtap <-> vxtap traffic (inner ARP, ICMP and TCP, both
# directions) and must find RFC 7348 VXLAN (flags 0x0800: only I set, the
# configured VNI, reserved bits zero), a valid outer UDP checksum, well-formed
# inner Ethernet, ARP and IPv4 with good checksums, and no malformed packet or
# expert warning anywhere. Once on 8472/VNI 1, once on 4789/VNI 16777215.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
require_vxtap
command -v tshark >/dev/null || fail "tshark is missing: run scripts/deps"

make_topology 3
for i in 1 2 3; do
	no_ipv6 "n$i" # the overlay carries only what the test sends
	# vxtap sends through an ordinary UDP socket: the kernel fills in the
	# outer UDP checksum. On a veth it leaves it to "hardware" (checksum
	# offload) and a capture sees the unfinished value; a real NIC would
	# finish it. With the offload off the kernel finishes it in software, so
	# the capture shows what a real wire carries.
	nsx "n$i" ethtool -K eth1 tx off >/dev/null || fail "n$i: ethtool -K eth1 tx off failed"
done

# keep FILE: copy a capture out of $VXT_TMP (removed on exit) for a post-mortem.
keep() {
	local f
	f=$(mktemp --suffix=.pcap "${TMPDIR:-/tmp}/vxtap-tshark-fail.XXXXXX") && cp "$1" "$f" && printf '%s\n' "$f"
}

# phase PORT VNI: run the three nodes on PORT/VNI, capture on n1 while ARP,
# ping and TCP go both ways between n1 and n2, and judge the capture.
phase() {
	local port=$1 vni=$2 i cap rows bad
	info "== port $port, VNI $vni"
	for i in 1 2 3; do
		seed_args "$i" 3
		start_vxtap "n$i" "${VXT_ARGS[@]}" --port "$port" --vni "$vni" --mac "$(node_mac "$i")"
		ip -n "$(ns "n$i")" neigh flush dev "$VXT_DEV"
	done
	cap=$VXT_TMP/n1-$port.pcap
	capture_start_big n1 "$cap"
	ping_warm n1 10.244.0.2 || fail "n1 -> 10.244.0.2: no reply to 10 warm-up pings"
	ping_ok n1 10.244.0.2 3 || fail "n1 -> 10.244.0.2: not every ping of 3 answered"
	ping_ok n2 10.244.0.1 3 || fail "n2 -> 10.244.0.1: not every ping of 3 answered"
	tcp_copy n1 n2 10.244.0.2 5001 1 30
	tcp_copy n2 n1 10.244.0.1 5002 1 30
	capture_stop "$VXT_CAP_PID" "$cap"
	stop_all_vxtap
	local lost
	lost=$(capture_dropped "$cap")
	((lost == 0)) || fail "tcpdump lost $lost frames: the capture is incomplete"

	# TCP sequence analysis is off: it judges the flow (window full,
	# retransmissions after a scheduling delay), not the bytes. The payload
	# is random, so it is decoded as data: heuristic dissectors (Thrift...)
	# would otherwise now and then claim it and call it malformed.
	tsh=(tshark -n -r "$cap" -d "udp.port==$port,vxlan" -d tcp.port==5001,data -d tcp.port==5002,data
		-o udp.check_checksum:TRUE -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE
		-o tcp.analyze_sequence_numbers:FALSE)
	# In every frame: a malformed packet, or any expert info of warning level
	# or above (bad checksums are errors, truncation and bad fields warnings)
	# except the TCP "Sequence" group (D-SACK and the like: the flow again).
	bad=$("${tsh[@]}" -Y '_ws.malformed || _ws.expert.severity >= 0x00600000' -T fields \
		-E separator=';' -E aggregator='|' -e frame.number -e frame.protocols \
		-e _ws.expert.group -e _ws.expert.severity -e _ws.expert.message -e _ws.malformed 2>/dev/null |
		awk -F';' '{
			ng = split($3, g, "|"); split($4, sv, "|"); split($5, m, "|"); out = ""
			for (i = 1; i <= ng; i++)
				if (sv[i] + 0 >= 6291456 && g[i] + 0 != 33554432) out = out " [" m[i] "]"
			if ($6 != "") out = out " [malformed]"
			if (out != "") print $1 " " $2 ":" out
		}')
	[[ -z $bad ]] || fail "tshark reports malformed packets or warnings (frame protocols: messages; capture kept as $(keep "$cap")): $(head -n 5 <<<"$bad")"
	local nudp nvx
	nudp=$("${tsh[@]}" -Y udp 2>/dev/null | wc -l)
	nvx=$("${tsh[@]}" -Y vxlan 2>/dev/null | wc -l)
	info "UDP datagrams in the capture: $nudp, decoded as VXLAN: $nvx"
	((nudp == nvx && nvx > 0)) || fail "$nudp UDP datagrams but $nvx decoded as VXLAN"

	# One line per VXLAN datagram; fields that occur twice (outer and inner
	# Ethernet and IPv4) are comma-separated.
	rows=$("${tsh[@]}" -Y vxlan -T fields -E separator=';' -E occurrence=a \
		-e frame.number -e ip.src -e ip.dst -e udp.srcport -e udp.dstport -e udp.checksum.status \
		-e vxlan.flags -e vxlan.vni -e eth.src -e eth.dst -e eth.type \
		-e arp.hw.type -e arp.proto.type -e arp.hw.size -e arp.proto.size -e arp.opcode \
		-e ip.version -e ip.hdr_len -e ip.checksum.status -e tcp.checksum.status -e icmp.checksum.status \
		-e udp.length -e frame.len 2>/dev/null)
	local summary
	summary=$(awk -F';' -v port="$port" -v vni="$vni" '
	function bad(msg) { err = err "; " msg }
	{
		err = ""
		split($2, src, ","); split($3, dst, ","); split($9, esrc, ","); split($10, edst, ",")
		split($11, etype, ",")
		if ($4 != port || $5 != port) bad("UDP ports " $4 " -> " $5 ", expected " port)
		if ($6 != 1) bad("outer UDP checksum status " $6 " (1 = good)")
		if ($7 != "0x0800") bad("VXLAN flags " $7 ", expected 0x0800")
		if ($8 != vni) bad("VNI " $8 ", expected " vni)
		if (esrc[2] !~ /^0a:00:00:00:00:0[123]$/) bad("inner source MAC " esrc[2])
		if (edst[2] !~ /^0a:00:00:00:00:0[123]$/ && edst[2] != "ff:ff:ff:ff:ff:ff") bad("inner destination MAC " edst[2])
		dir = src[1] "->" dst[1]
		if (etype[2] == "0x0806") {
			if ($12 != 1 || $13 != "0x0800" || $14 != 6 || $15 != 4) bad("ARP htype/ptype/hlen/plen " $12 "/" $13 "/" $14 "/" $15)
			if ($16 != 1 && $16 != 2) bad("ARP opcode " $16)
			n["arp " dir]++
		} else if (etype[2] == "0x0800") {
			split($17, ver, ","); split($18, hl, ","); split($19, ck, ",")
			if (ver[2] != 4 || hl[2] != 20) bad("inner IPv4 version/header length " ver[2] "/" hl[2])
			if (ck[1] != 1 || ck[2] != 1) bad("IPv4 header checksum status outer/inner " $19)
			if ($20 != "" && $20 != 1) bad("inner TCP checksum status " $20)
			if ($21 != "" && $21 != 1) bad("inner ICMP checksum status " $21)
			if ($20 != "") n["tcp " dir]++
			else if ($21 != "") n["icmp " dir]++
			else bad("inner IPv4 neither TCP nor ICMP")
		} else bad("inner ethertype " etype[2])
		if ($22 + 34 != $23) bad("UDP length " $22 " does not fill the frame of " $23)
		if (err != "") { printf "frame %s%s\n", $1, err; nbad++ }
	}
	END {
		for (k in n) printf "count %s %d\n", k, n[k]
		if (nbad) exit 1
	}' <<<"$rows") || fail "tshark decodes badly on port $port (capture kept as $(keep "$cap")): $(grep -v '^count' <<<"$summary" | head -n 5)"
	# shellcheck disable=SC2001
	sed 's/^/  /' <<<"$summary"
	local k want
	# n1's ARP request flooded to n2 and n3, n2's reply; 6+ pings each way;
	# 1 MiB each way is 750 segments of 1398 bytes plus ACKs.
	for k in "arp 192.168.56.41->192.168.56.42 1" "arp 192.168.56.41->192.168.56.43 1" \
		"arp 192.168.56.42->192.168.56.41 1" \
		"icmp 192.168.56.41->192.168.56.42 6" "icmp 192.168.56.42->192.168.56.41 6" \
		"tcp 192.168.56.41->192.168.56.42 750" "tcp 192.168.56.42->192.168.56.41 750"; do
		want=${k##* }
		k=${k% *}
		c=$(awk -v k="count $k" 'index($0, k " ") == 1 { print $NF }' <<<"$summary")
		((${c:-0} >= want)) || fail "port $port: ${c:-0} '$k' VXLAN datagrams in the capture, expected at least $want"
	done
}

phase 8472 1
phase 4789 16777215
info "ok"
