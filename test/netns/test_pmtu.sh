#!/usr/bin/env bash
# MTU. Without --mtu the TAP gets the underlay device's MTU minus 50 (1500 ->
# 1450, 1400 -> 1350). With --mtu 1500 on a 1500-byte underlay, an inner IPv4
# packet with DF set that would not fit once encapsulated is answered with an
# ICMP "fragmentation needed", next-hop MTU 1450, written back into the TAP:
# ping -M 'do' sees it, and 20 MiB of TCP (from two senders) finds the path MTU and
# arrives intact instead of stalling. Nothing is fragmented on the underlay.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
require_vxtap

make_topology 3
for i in 1 2 3; do
	no_ipv6 "n$i"
done

# --- the default: underlay MTU - 50 -------------------------------------------
ip -n "$(ns n3)" link set eth1 mtu 1400
ip -n "$(ns sw)" link set p3 mtu 1400
for i in 1 2 3; do
	seed_args "$i" 3
	start_vxtap "n$i" "${VXT_ARGS[@]}" --mac "$(node_mac "$i")"
done
for want in "n1 1450" "n2 1450" "n3 1350"; do
	n=${want% *} m=${want#* }
	got=$(link_mtu "$n" "$VXT_DEV")
	info "$n: eth1 mtu $(link_mtu "$n" eth1), $VXT_DEV mtu $got"
	((got == m)) || fail "$n's $VXT_DEV has MTU $got with no --mtu, expected $m (eth1 MTU $(link_mtu "$n" eth1) - 50)"
done
# The largest packet n3 may send, 1350 bytes, crosses; one more byte does not
# leave n3's stack.
ping_warm n3 10.244.0.1 || fail "n3 -> 10.244.0.1: no reply to 10 warm-up pings"
out=$(nsx n3 ping -n -c 2 -i 0.2 -W 2 -M 'do' -s 1322 10.244.0.1 2>&1 || true)
grep -q '2 received' <<<"$out" || fail "n3 -> 10.244.0.1: 1350-byte DF pings through a 1350 TAP were not answered: $out"
out=$(nsx n3 ping -n -c 1 -W 1 -M 'do' -s 1323 10.244.0.1 2>&1 || true)
grep -q 'mtu=1350' <<<"$out" || fail "n3: a 1351-byte DF ping should fail locally with mtu=1350: $out"
stop_all_vxtap
ip -n "$(ns n3)" link set eth1 mtu 1500
ip -n "$(ns sw)" link set p3 mtu 1500

# --- --mtu 1500 on a 1500-byte underlay: path-MTU discovery --------------------
for i in 1 2 3; do
	seed_args "$i" 3
	start_vxtap "n$i" "${VXT_ARGS[@]}" --mac "$(node_mac "$i")" --mtu 1500
	got=$(link_mtu "n$i" "$VXT_DEV")
	((got == 1500)) || fail "n$i's $VXT_DEV has MTU $got with --mtu 1500"
done
# snmp NODE PROTO FIELD: a counter from the node's /proc/net/snmp.
snmp() {
	# shellcheck disable=SC2016
	nsx "$1" awk -v p="$2:" -v f="$3" '$1 == p && !h { for (i = 2; i <= NF; i++) c[$i] = i; h = 1; next }
		$1 == p { print $c[f] }' /proc/net/snmp
}
frag0=$(($(snmp n1 Ip FragCreates) + $(snmp n1 Ip FragFails)))
ping_warm n1 10.244.0.3 || fail "n1 -> 10.244.0.3: no reply to 10 warm-up pings"
ping_warm n1 10.244.0.2 || fail "n1 -> 10.244.0.2: no reply to 10 warm-up pings"
ping_warm n2 10.244.0.3 || fail "n2 -> 10.244.0.3: no reply to 10 warm-up pings"

# A 1500-byte DF ping: vxtap answers for the path, with next-hop MTU 1450.
c0=$(counter n1 icmp_frag_needed)
out=$(nsx n1 ping -n -c 1 -W 2 -M 'do' -s 1472 10.244.0.3 2>&1 || true)
info "n1: ping -M 'do' -s 1472 10.244.0.3: $(grep -iE 'frag|too long' <<<"$out" | head -n 1)"
grep -Eq '^From 10\.244\.0\.3 .*Frag needed and DF set \(mtu = 1450\)' <<<"$out" ||
	fail "n1 -> 10.244.0.3, 1500 bytes with DF: no 'From 10.244.0.3 ... Frag needed and DF set (mtu = 1450)': $out"
c1=$(counter n1 icmp_frag_needed)
((c1 == c0 + 1)) || fail "n1 icmp_frag_needed went from $c0 to $c1 for one oversize DF ping, expected +1"
# The kernel keeps the path MTU: the next one fails locally, and 1450 fits.
out=$(nsx n1 ping -n -c 1 -W 2 -M 'do' -s 1472 10.244.0.3 2>&1 || true)
grep -q 'message too long, mtu=1450' <<<"$out" || fail "n1's second 1500-byte DF ping: no 'message too long, mtu=1450': $out"
out=$(nsx n1 ping -n -c 2 -i 0.2 -W 2 -M 'do' -s 1422 10.244.0.3 2>&1 || true)
grep -q '2 received' <<<"$out" || fail "n1 -> 10.244.0.3: 1450-byte DF pings were not answered: $out"

# TCP from two senders: MSS 1460 from the 1500-byte TAPs, the first full
# segments bounce, the sender learns 1450 and carries on. (Pairs that have
# not met: a receiver that already knows the path MTU advertises a smaller
# MSS, and the sender would never try 1500.)
for dir in "n1 n2 10.244.0.2 5001" "n2 n3 10.244.0.3 5002"; do
	read -r from to ip port <<<"$dir"
	f0=$(counter "$from" icmp_frag_needed)
	tcp_copy "$from" "$to" "$ip" "$port" 20 60
	f1=$(counter "$from" icmp_frag_needed)
	info "$from icmp_frag_needed: $f0 -> $f1"
	((f1 > f0)) || fail "$from icmp_frag_needed did not rise ($f0 -> $f1) while TCP found the path MTU"
	r=$(ip -n "$(ns "$from")" route get "$ip")
	grep -q 'mtu 1450' <<<"$r" || fail "$from has no path MTU 1450 cached for $ip: $r"
done
frag1=$(($(snmp n1 Ip FragCreates) + $(snmp n1 Ip FragFails)))
((frag1 == frag0)) || fail "n1's stack fragmented $((frag1 - frag0)) packets on the underlay; nothing should need it"
d=$(counters n1 drop_oversize drop_udp_send)
[[ $d == $'drop_oversize=0\ndrop_udp_send=0' ]] || fail "n1 dropped frames: $(tr '\n' ' ' <<<"$d")"
stop_all_vxtap
info "ok"
