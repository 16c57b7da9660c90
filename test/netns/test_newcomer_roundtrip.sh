#!/usr/bin/env bash
# Output that fits together: what "vxtapctl fdb show", "neigh show" and
# "peer show" print is read back by "vxtapctl --batch" (after "fdb add ",
# "neigh add ", "peer add ") and by a peers file, and the SIGUSR1 dump logs
# the very same lines, sorted.
#   - node 1's tables (peers, one of them noflood, static and learned FDB
#     entries, static and learned neighbours) are shown, emptied, and
#     restored from what was shown: the same again, learned entries static;
#   - node 3 starts with a peers file made of node 1's output and ends with
#     the same tables;
#   - node 1's dump lists the same lines vxtapctl prints.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=test/netns/lib_ctl.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_ctl.sh"
require_root
require_vxtap
require_vxtapctl

make_topology 3
start_node 1 2 --fdb 0a:00:00:00:00:22=192.168.56.42:4789 --neigh 10.244.0.22=0a:00:00:00:00:22
start_node 2 2
ping_ok n1 10.244.0.2 3 >/dev/null || fail "n1 -> n2: not every ping answered"
ctl_ok n1 peer add 192.168.56.43 noflood >/dev/null
learned() { ctl_ok n1 fdb show | grep -q ' learned age '; }
wait_for 40 0.05 learned || fail "n1 learned no FDB entry"

# shown NODE: the three tables as vxtapctl prints them, peers without the
# counters (the words from "rx" on only show).
shown() {
	ctl_ok "$1" peer show | sed 's/ rx .*//' | sed 's/^/peer /'
	ctl_ok "$1" fdb show | sed 's/ \(static\|learned\).*//' | sed 's/^/fdb /'
	ctl_ok "$1" neigh show | sed 's/ \(static\|learned\).*//' | sed 's/^/neigh /'
}
before=$(shown n1)
info "n1's tables:"
sed 's/^/  /' <<<"$before"
grep -q '^peer 192\.168\.56\.43:8472 noflood$' <<<"$before" || fail "n1 does not show .43 as noflood"

info "== vxtapctl --batch reads back what it printed"
ctl_ok n1 peer show >"$VXT_TMP/peers.txt"
ctl_ok n1 fdb show >"$VXT_TMP/fdb.txt"
ctl_ok n1 neigh show >"$VXT_TMP/neigh.txt"
for m in $(awk '{ print $1 }' "$VXT_TMP/fdb.txt"); do
	ctl_ok n1 fdb del "$m" >/dev/null
done
for ip in $(awk '{ print $1 }' "$VXT_TMP/neigh.txt"); do
	ctl_ok n1 neigh del "$ip" >/dev/null
done
ctl_ok n1 peer flush >/dev/null
[[ -z $(ctl_ok n1 peer show)$(ctl_ok n1 fdb show)$(ctl_ok n1 neigh show) ]] || fail "n1's tables are not empty"
{
	sed 's/^/peer add /' "$VXT_TMP/peers.txt"
	sed 's/^/fdb add /' "$VXT_TMP/fdb.txt"
	sed 's/^/neigh add /' "$VXT_TMP/neigh.txt"
} | ctl n1 --batch - >/dev/null || fail "vxtapctl --batch refused the shown lines"
after=$(shown n1)
[[ $after == "$before" ]] || {
	diff <(echo "$before") <(echo "$after") | sed 's/^/  /' >&2
	fail "n1's tables differ after the restore"
}
ctl_ok n1 fdb show | grep -q ' learned ' && fail "a learned entry came back learned"
info "restored: the same tables, learned entries now static"

info "== a peers file takes the same lines"
{
	grep -v '^192\.168\.56\.43:' "$VXT_TMP/peers.txt" | sed 's/^192\.168\.56\.42:/192.168.56.41:/'
	sed 's/^/fdb /' "$VXT_TMP/fdb.txt"
	sed 's/^/neigh /' "$VXT_TMP/neigh.txt"
} >"$VXT_TMP/n3.peers"
start_vxtap n3 --dev "$VXT_DEV" --local 192.168.56.43 --addr 10.244.0.3/16 --mac "$(node_mac 3)" \
	--peers-file "$VXT_TMP/n3.peers" --control "$(sock n3)"
[[ $(ctl_ok n3 fdb show | sed 's/ \(static\|learned\).*//') == $(sed 's/ \(static\|learned\).*//' "$VXT_TMP/fdb.txt") ]] ||
	fail "n3's FDB from the peers file differs from n1's output"
[[ $(ctl_ok n3 neigh show | sed 's/ \(static\|learned\).*//') == $(sed 's/ \(static\|learned\).*//' "$VXT_TMP/neigh.txt") ]] ||
	fail "n3's neighbours from the peers file differ from n1's output"
has_peer n3 192.168.56.41 || fail "n3 did not take the peer line"
info "n3 started from a peers file of n1's output with the same FDB and neighbours"

info "== the dump logs the same lines, sorted"
d=$(dump n1)
for t in fdb neigh; do
	a=$(sed -n "s/^vxtap: $t //p" <<<"$d" | sed 's/ age [0-9]*s$//')
	b=$(ctl_ok n1 "$t" show | sed 's/ age [0-9]*s$//')
	[[ $a == "$b" ]] || fail "the dump's $t lines differ from vxtapctl's: $(diff <(echo "$a") <(echo "$b") | tr '\n' ' ')"
	[[ $a == "$(sort <<<"$a")" ]] || fail "the dump's $t lines are not sorted"
done
a=$(sed -n 's/^vxtap: peer //p' <<<"$d" | sed 's/ rx .*//')
b=$(ctl_ok n1 peer show | sed 's/ rx .*//')
[[ $a == "$b" ]] || fail "the dump's peer lines differ from vxtapctl's"
info "the dump and vxtapctl print the same fdb, neigh and peer lines"
stop_all_vxtap
info "ok"
