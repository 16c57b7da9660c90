#!/usr/bin/env bash
# On the IPv6 underlay, a vxtap TAP whose MTU (--mtu 1500) exceeds what the
# underlay carries (1430 inside 70 bytes of outer headers): an oversize inner
# IPv6 packet is answered with ICMPv6 "packet too big" (MTU 1430) from the
# destination, the sender's kernel caches the path MTU and fragments to it;
# the IPv4 overlay gets "fragmentation needed" the same way.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
require_vxtap

make_topology6 2
seed_args6 1 2
start_vxtap n1 "${VXT_ARGS[@]}" --mtu 1500
seed_args6 2 2
start_vxtap n2 "${VXT_ARGS[@]}"
grep -q ' mtu 1500 path_mtu 1430 ' "$VXT_TMP/n1.log" || fail "n1's ready line does not say mtu 1500 path_mtu 1430"
wait_dad n1
wait_dad n2
ping_warm n1 fd00:244::2 || fail "n1 -> fd00:244::2: no reply to 10 warm-up pings"
ping_warm n1 10.244.0.2 || fail "n1 -> 10.244.0.2: no reply to 10 warm-up pings"

# 1452 bytes of data + 8 (ICMPv6) + 40 (IPv6) = 1500: too big for the tunnel.
out=$(nsx n1 ping -n -c 1 -W 2 -M "do" -s 1452 fd00:244::2 2>&1) || true
info "$out"
grep -q 'mtu=1430' <<<"$out" || fail "n1's ping of 1500 bytes did not get 'packet too big' with mtu 1430"
route=$(ip -n "$(ns n1)" -6 route get fd00:244::2)
info "n1: $route"
[[ $route == *" mtu 1430 "* ]] || fail "n1's kernel did not cache the path MTU 1430 for fd00:244::2: $route"
(($(counter n1 icmp6_too_big) >= 1)) || fail "n1's icmp6_too_big counter did not rise"
# Now the kernel fragments to the path MTU and the same size gets through.
ping_ok n1 fd00:244::2 3 || fail "n1 -> fd00:244::2: small pings fail after the path MTU was learned"
out=$(nsx n1 ping -n -q -c 3 -i 0.2 -W 2 -M want -s 1452 fd00:244::2 2>&1) || true
grep -q ' 3 received' <<<"$out" || fail "n1 -> fd00:244::2: 1500-byte pings fragmented to the path MTU did not all get through: $out"

# The IPv4 overlay over the same IPv6 underlay: DF set, 1500 bytes.
out=$(nsx n1 ping -n -c 1 -W 2 -M "do" -s 1472 10.244.0.2 2>&1) || true
info "$out"
grep -qE 'mtu ?= ?1430' <<<"$out" || fail "n1's IPv4 ping of 1500 bytes with DF did not get 'fragmentation needed' with mtu 1430"
(($(counter n1 icmp_frag_needed) >= 1)) || fail "n1's icmp_frag_needed counter did not rise"
stop_all_vxtap
info "ok"
