#!/usr/bin/env bash
# The control socket on an IPv6 underlay: vxtapctl adds a third node's IPv6
# peer, static FDB entry and IPv6 neighbour entry at run time, and shows
# IPv6 peers, FDB destinations and neighbour entries (text and JSON); the new
# node is then reached in both families with no NS crossing to it.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=test/netns/lib_ctl.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_ctl.sh"
require_root
require_vxtap
require_vxtapctl

make_topology6 3
# Nodes 1 and 2 know only each other; node 3 knows both.
for i in 1 2; do
	seed_args6 "$i" 2
	start_vxtap "n$i" "${VXT_ARGS[@]}" --mac "$(node_mac "$i")" --control "$(sock "n$i")"
done
seed_args6 3 3
start_vxtap n3 "${VXT_ARGS[@]}" --mac "$(node_mac 3)" --control "$(sock n3)" \
	--neigh "fd00:244::1=$(node_mac 1)" --fdb "$(node_mac 1)=fd00:56::41"
for i in 1 2 3; do
	wait_dad "n$i"
done
m2=$(node_mac 2)
m3=$(node_mac 3)

# What the traffic taught, shown with IPv6 addresses.
ping_warm n1 fd00:244::2 || fail "n1 -> fd00:244::2: no reply to 10 warm-up pings"
fdb=$(ctl_ok n1 fdb show)
neigh=$(ctl_ok n1 neigh show)
peers=$(ctl_ok n1 peer show)
info "n1's fdb show, neigh show, peer show:"
printf '%s\n' "$fdb" "$neigh" "$peers" | sed 's/^/  /'
grep -Eq "^$m2 dst fd00:56::42 port 8472 learned age [0-9]+s$" <<<"$fdb" ||
	fail "n1's fdb show lacks '$m2 dst fd00:56::42 port 8472 learned age Ns'"
grep -Eq "^fd00:244::2 lladdr $m2 learned age [0-9]+s$" <<<"$neigh" ||
	fail "n1's neigh show lacks 'fd00:244::2 lladdr $m2 learned age Ns'"
grep -Eq '^\[fd00:56::42\]:8472 rx [1-9][0-9]* pkts ' <<<"$peers" ||
	fail "n1's peer show has no traffic from [fd00:56::42]:8472"
[[ $(ctl_py n1 "[e['lladdr'] for e in d if e['ip'] == 'fd00:244::2']" neigh show --json) == "['$m2']" ]] ||
	fail "n1's neigh show --json lacks fd00:244::2"
[[ $(peer_stat n1 fd00:56::42 port) == 8472 ]] || fail "n1's peer show --json lacks fd00:56::42"

# The wrong family is refused with the reason.
out=$(ctl n1 peer add 192.168.56.43 2>&1) && fail "n1 accepted an IPv4 peer on an IPv6 underlay"
grep -q 'is IPv4 but the local address is IPv6' <<<"$out" || fail "n1's refusal of an IPv4 peer says: $out"

# Node 3 joins at run time, statically, as flanneld would program it.
ctl_ok n1 peer add fd00:56::43
ctl_ok n1 fdb add "$m3" dst "[fd00:56::43]:8472"
ctl_ok n1 neigh add fd00:244::3 lladdr "$m3"
ctl_ok n1 neigh add 10.244.0.3 lladdr "$m3"
has_peer n1 fd00:56::43 || fail "n1's peer show lacks fd00:56::43 after peer add"
grep -Eq "^$m3 dst fd00:56::43 port 8472 static$" <<<"$(ctl_ok n1 fdb show)" ||
	fail "n1's fdb show lacks '$m3 dst fd00:56::43 port 8472 static'"
grep -Eq "^fd00:244::3 lladdr $m3 static$" <<<"$(ctl_ok n1 neigh show)" ||
	fail "n1's neigh show lacks 'fd00:244::3 lladdr $m3 static'"

replies0=$(stat_json n1 "d['totals']['nd_replies']")
ip -n "$(ns n1)" neigh flush dev "$VXT_DEV"
cap=$VXT_TMP/n1-eth1.pcap
capture_start n1 "$cap"
for dst in fd00:244::3 10.244.0.3; do
	ping_warm n1 "$dst" || fail "n1 -> $dst: no reply to 10 warm-up pings after the control-socket adds"
	ping_ok n1 "$dst" 3 || fail "n1 -> $dst: not every ping of 3 answered"
done
capture_stop "$VXT_CAP_PID" "$cap"
replies1=$(stat_json n1 "d['totals']['nd_replies']")
ns=$(capture_packets "$cap" "$VXT_F6_ICMP6 and ip6[110] = 135 and ip6 src fd00:56::41")
info "n1 nd_replies $replies0 -> $replies1; NS sent by n1 over the underlay: $ns"
((replies1 > replies0)) || fail "n1's nd_replies did not rise: the solicitation for fd00:244::3 was not answered"
((ns == 0)) || fail "n1 sent $ns neighbour solicitations over the underlay"

ctl_ok n1 neigh del fd00:244::3
grep -q 'fd00:244::3' <<<"$(ctl_ok n1 neigh show)" && fail "n1 still shows fd00:244::3 after neigh del"
ctl_ok n1 peer del fd00:56::43
# The static FDB entry still names it: an FDB-only VTEP, until that goes too.
[[ $(peer_stat n1 fd00:56::43 listed) == False ]] || fail "n1 still lists fd00:56::43 after peer del"
ctl_ok n1 fdb del "$m3"
lacks_peer n1 fd00:56::43 || fail "n1 kept fd00:56::43 after its FDB entry went"
stop_all_vxtap
info "ok"
