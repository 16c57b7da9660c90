#!/usr/bin/env bash
# Storm control, --flood-rate 100 (bursts of 100), both ways.
# From the TAP: n1's own stack broadcasts UDP out of flannel.1 at about
# 2000 frames a second for 3 s; n1 floods about 100 + 100 x 3 of them to its
# peer (its floods counter, and n2's udp_rx_packets), and drop_flood_rate
# holds the rest. From a peer: a sender bound to n2's underlay address sends
# VXLAN broadcasts from one source MAC at the same rate; n1 writes about
# 100 + 100 x 3 of them to its TAP and drop_peer_flood_rate holds the rest.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
require_vxtap

SEND=$VXT_ROOT/test/netns/vxlan_send.py
RATE=100
PPS=2000
SECS=3

make_topology 2
for i in 1 2; do
	no_ipv6 "n$i" # nothing but the test's frames crosses the tunnel
	seed_args "$i" 2
	start_vxtap "n$i" "${VXT_ARGS[@]}" --mac "$(node_mac "$i")" --flood-rate "$RATE"
done

# within_rate NAME GOT SECS: GOT is what a bucket of RATE a second, bursts of
# RATE, lets through in SECS seconds of a continuous storm (half a second of
# slack each way for the start-up of the sender and the read of the counters).
within_rate() {
	local name=$1 got=$2 secs=$3 lo hi
	lo=$(awk -v r="$RATE" -v s="$secs" 'BEGIN { printf "%d", r + r * (s - 0.5) }')
	hi=$(awk -v r="$RATE" -v s="$secs" 'BEGIN { printf "%d", r + r * (s + 0.5) }')
	info "$name: $got let through in $secs s (want $lo to $hi)"
	((got >= lo && got <= hi)) || fail "$name: $got let through in $secs s at --flood-rate $RATE, want $lo to $hi"
}

# secs_of OUTPUT: the seconds in the sender's "sent N in S s".
secs_of() { sed -nE 's/^sent [0-9]+ in ([0-9.]+) s$/\1/p' <<<"$1"; }

# settle NODE: wait (bounded, 10 s) until the node's counters of what it
# reads stop growing: the storm has been taken in.
settle() {
	local last=-1 cur i
	for ((i = 0; i < 100; i++)); do
		grew "$1" tap_rx_packets udp_rx_packets
		cur=$((VXT_GREW[tap_rx_packets] + VXT_GREW[udp_rx_packets]))
		((cur == last)) && return 0
		last=$cur
		sleep 0.1
	done
	fail "$1 was still reading after 10 s"
}

# storm_held NODE IN PASSED HELD OUT: once the node has taken a storm in
# (the sender said OUT), counter IN grew by at least half of what was sent,
# PASSED by what the rate allows, and HELD by the rest.
storm_held() {
	local n=$1 in=$2 passed=$3 held=$4 out=$5
	settle "$n"
	grew "$n" "$in" "$passed" "$held"
	info "$n: $in +${VXT_GREW[$in]}, $passed +${VXT_GREW[$passed]}, $held +${VXT_GREW[$held]}"
	((VXT_GREW[$in] >= PPS * SECS / 2)) || fail "$n: $in grew only by ${VXT_GREW[$in]} in the storm"
	within_rate "$n $passed" "${VXT_GREW[$passed]}" "$(secs_of "$out")"
	((VXT_GREW[$passed] + VXT_GREW[$held] == VXT_GREW[$in])) ||
		fail "$n: $passed +${VXT_GREW[$passed]} and $held +${VXT_GREW[$held]} do not add up to $in +${VXT_GREW[$in]}"
}

# --- a storm from the TAP ------------------------------------------------
mark n1 tap_rx_packets udp_rx_packets floods drop_flood_rate
mark n2 udp_rx_packets
out=$(nsx n1 "$VXT_PY" - "$VXT_DEV" "$PPS" "$SECS" <<'PY'
import socket, sys, time
dev, pps, secs = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, dev.encode())
start = time.monotonic()
n = 0
while time.monotonic() - start < secs:
    try:
        s.sendto(b"storm", ("255.255.255.255", 9))
        n += 1
    except OSError:
        pass
    ahead = n / pps - (time.monotonic() - start)
    if ahead > 0:
        time.sleep(ahead)
print(f"sent {n} in {time.monotonic() - start:.3f} s")
PY
) || fail "the broadcast sender in n1 failed: $out"
info "n1 stack -> flannel.1: $out"
storm_held n1 tap_rx_packets floods drop_flood_rate "$out"
flooded=${VXT_GREW[floods]}
# What n1 flooded is what n2 received (a veth does not lose 100 a second).
settle n2
grew n2 udp_rx_packets
got=${VXT_GREW[udp_rx_packets]}
((got == flooded)) || fail "n2 received $got datagrams, n1 flooded $flooded"

# --- a storm from a peer -------------------------------------------------
mark n1 tap_rx_packets udp_rx_packets tap_tx_packets drop_peer_flood_rate
out=$(nsx n2 "$VXT_PY" "$SEND" 192.168.56.42 192.168.56.41 --smac 0a:00:00:00:00:99 \
	--pps "$PPS" --seconds "$SECS") || fail "the VXLAN sender in n2 failed: $out"
info "n2 (underlay) -> n1: $out"
storm_held n1 udp_rx_packets tap_tx_packets drop_peer_flood_rate "$out"

# Unicast is not limited: the tunnel still carries pings at once.
ping_warm n1 10.244.0.2 || fail "n1 -> 10.244.0.2: no reply after the storms"
ping_ok n1 10.244.0.2 3 || fail "n1 -> 10.244.0.2: not every ping of 3 answered"
stop_all_vxtap
info "ok"
