#!/usr/bin/env bash
# The tables through vxtapctl: show lists what the traffic taught (text and
# JSON), stats --json parses and moves with the traffic, static entries added
# at run time steer the very next frame, and the exit codes.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=test/netns/lib_ctl.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_ctl.sh"
require_root
require_vxtap
require_vxtapctl

make_topology 3
for i in 1 2 3; do
	start_node "$i" 3
done
m1=$(node_mac 1)

# What the traffic taught, in the text formats.
ping_warm n1 10.244.0.2 || fail "n1 -> 10.244.0.2: no reply to 10 warm-up pings"
fdb=$(ctl_ok n2 fdb show)
neigh=$(ctl_ok n2 neigh show)
info "n2's fdb show:"
indent <<<"$fdb"
info "n2's neigh show:"
indent <<<"$neigh"
grep -Eq "^$m1 dst 192\.168\.56\.41 port 8472 learned age [0-9]+s$" <<<"$fdb" ||
	fail "n2's fdb show lacks '$m1 dst 192.168.56.41 port 8472 learned age Ns'"
grep -Eq "^10\.244\.0\.1 lladdr $m1 learned age [0-9]+s$" <<<"$neigh" ||
	fail "n2's neigh show lacks '10.244.0.1 lladdr $m1 learned age Ns'"
grep -Eq '^192\.168\.56\.41:8472 rx [1-9][0-9]* pkts [0-9]+ bytes tx [0-9]+ pkts [0-9]+ bytes last_rx [0-9]+\.[0-9]s ago$' \
	<<<"$(ctl_ok n2 peer show)" || fail "n2's peer show has no traffic from 192.168.56.41"

# And in JSON.
[[ $(ctl_py n2 "[e['state'] for e in d if e['mac'] == '$m1' and e['dst'] == '192.168.56.41']" fdb show --json) == "['learned']" ]] ||
	fail "n2's fdb show --json lacks the learned entry for $m1"
[[ $(ctl_py n2 "[e['lladdr'] for e in d if e['ip'] == '10.244.0.1' and e['state'] == 'learned']" neigh show --json) == "['$m1']" ]] ||
	fail "n2's neigh show --json lacks the learned entry for 10.244.0.1"
for cmd in "peer show --json" "fdb show --json" "neigh show --json" "stats --json"; do
	# shellcheck disable=SC2086
	ctl_ok n2 $cmd | "$VXT_PY" -m json.tool >/dev/null || fail "n2's '$cmd' is not JSON"
done

# stats --json moves with the traffic.
snap() {
	stat_json n1 "' '.join(str(x) for x in (d['totals']['tap_rx_packets'], d['totals']['udp_tx_packets'], d['totals']['udp_rx_packets'], [p['tx_packets'] for p in d['peers'] if p['addr'] == '192.168.56.42'][0], d['tables']['fdb_learned_entries'], d['drops']['total']))"
}
read -r tap0 utx0 urx0 ptx0 _ _ <<<"$(snap)"
ping_ok n1 10.244.0.2 5 >/dev/null || fail "n1 -> 10.244.0.2: not every ping of 5 answered"
read -r tap1 utx1 urx1 ptx1 learned drops <<<"$(snap)"
info "n1 over 5 pings: tap_rx +$((tap1 - tap0)) udp_tx +$((utx1 - utx0)) udp_rx +$((urx1 - urx0)) peer .42 tx +$((ptx1 - ptx0)); fdb learned $learned, drops $drops"
((tap1 - tap0 >= 5 && utx1 - utx0 >= 5 && urx1 - urx0 >= 5 && ptx1 - ptx0 >= 5)) ||
	fail "n1's stats --json did not move with 5 pings"
((learned >= 1)) || fail "n1's stats --json says no learned fdb entry"
prom=$(ctl_ok n1 stats --prometheus)
grep -Eq "^vxtap_udp_tx_packets_total\\{dev=\"$VXT_DEV\"\\} [0-9]+\$" <<<"$prom" ||
	fail "stats --prometheus lacks vxtap_udp_tx_packets_total"
grep -q '^# TYPE vxtap_drops_total counter$' <<<"$prom" || fail "stats --prometheus lacks the drops family"
grep -Eq "^vxtap_peer_tx_packets_total\\{dev=\"$VXT_DEV\",peer=\"192\\.168\\.56\\.42:8472\"\\} [1-9][0-9]*\$" <<<"$prom" ||
	fail "stats --prometheus lacks node 2's tx counter"
ctl_ok n1 stats | grep -Eq '^udp_tx_packets +[0-9]+  datagrams sent$' || fail "stats lacks udp_tx_packets"

# Static entries added now steer the next frame: the ARP proxy answers for
# 10.244.0.99 at once, and every frame to its MAC goes to node 3 alone.
ctl_ok n1 neigh add 10.244.0.99 lladdr 0a:00:00:00:00:99
ctl_ok n1 fdb add 0a:00:00:00:00:99 dst 192.168.56.43
ctl_ok n1 fdb show | grep -qx '0a:00:00:00:00:99 dst 192.168.56.43 port 8472 static' ||
	fail "n1's fdb show lacks the entry just added"
txs() { stat_json n1 "' '.join(str(p['tx_packets']) for p in sorted(d['peers'], key=lambda p: p['addr'])) + ' ' + str(d['totals']['arp_replies'])"; }
read -r t2a t3a arpa <<<"$(txs)"
nsx n1 ping -n -q -c 5 -i 0.2 -W 1 10.244.0.99 >/dev/null 2>&1 || true
read -r t2b t3b arpb <<<"$(txs)"
info "5 pings to 10.244.0.99: arp_replies +$((arpb - arpa)), to node 2 +$((t2b - t2a)), to node 3 +$((t3b - t3a))"
((arpb > arpa)) || fail "n1's ARP proxy did not answer for 10.244.0.99"
ip -n "$(ns n1)" neigh show 10.244.0.99 | grep -q 'lladdr 0a:00:00:00:00:99' ||
	fail "n1's kernel did not learn 10.244.0.99 from the proxy: $(ip -n "$(ns n1)" neigh show 10.244.0.99)"
(((t3b - t3a) - (t2b - t2a) >= 5)) || fail "not all 5 frames for 0a:00:00:00:00:99 went to node 3 alone"

# Deleted, the MAC is unknown again: its frames flood.
ctl_ok n1 fdb del 0a:00:00:00:00:99
f0=$(stat_json n1 "d['totals']['floods']")
nsx n1 ping -n -q -c 3 -i 0.2 -W 1 10.244.0.99 >/dev/null 2>&1 || true
f1=$(stat_json n1 "d['totals']['floods']")
((f1 - f0 >= 3)) || fail "after fdb del, 3 frames for 0a:00:00:00:00:99 flooded only $((f1 - f0)) times"
ctl_ok n1 neigh del 10.244.0.99
if ctl_ok n1 neigh show | grep -q '^10\.244\.0\.99 '; then
	fail "neigh del left 10.244.0.99"
fi

# flush takes the learned entries only; what is learned after is fresh.
ctl_ok n2 fdb add 0a:00:00:00:00:77 dst 192.168.56.43
ctl_ok n2 fdb flush
ctl_ok n2 neigh flush
[[ $(ctl_py n2 "len([e for e in d if e['state'] == 'learned' and e['age_ms'] > 1000])" fdb show --json) == 0 ]] ||
	fail "n2 kept old learned fdb entries after fdb flush"
[[ $(ctl_py n2 "len([e for e in d if e['state'] == 'learned' and e['age_ms'] > 1000])" neigh show --json) == 0 ]] ||
	fail "n2 kept old learned neigh entries after neigh flush"
ctl_ok n2 fdb show | grep -qx '0a:00:00:00:00:77 dst 192.168.56.43 port 8472 static' ||
	fail "fdb flush removed a static entry"

# Exit codes: 0 done, 1 refused with vxtap's message, 2 usage.
expect_rc() {
	local want=$1 rc=0
	shift
	ctl n1 "$@" >"$VXT_TMP/rc.out" 2>"$VXT_TMP/rc.err" || rc=$?
	((rc == want)) || fail "vxtapctl $* exited $rc, want $want: $(cat "$VXT_TMP/rc.err")"
}
expect_rc 2 frobnicate
grep -q '^usage: vxtapctl' "$VXT_TMP/rc.err" || fail "a usage error printed no usage line"
expect_rc 2 peer add
expect_rc 2 fdb add 0a:00:00:00:00:01 192.168.56.42
expect_rc 2 stats --xml
expect_rc 1 peer del 192.168.56.99
grep -qx 'vxtapctl: no peer 192.168.56.99' "$VXT_TMP/rc.err" || fail "unknown peer: $(cat "$VXT_TMP/rc.err")"
expect_rc 1 fdb add 0a:00:00:00:00:zz dst 192.168.56.42
grep -qx 'vxtapctl: "0a:00:00:00:00:zz" is not a MAC address' "$VXT_TMP/rc.err" || fail "bad MAC: $(cat "$VXT_TMP/rc.err")"
expect_rc 1 peer add 192.168.56.41
expect_rc 0 peer show
rc=0
"$VXTAPCTL" --socket "$VXT_TMP/nobody.sock" stats 2>"$VXT_TMP/rc.err" || rc=$?
((rc == 1)) || fail "vxtapctl with no daemon exited $rc, want 1"
grep -q "cannot connect to $VXT_TMP/nobody.sock" "$VXT_TMP/rc.err" || fail "no-daemon message: $(cat "$VXT_TMP/rc.err")"

# --batch: many requests on one connection, errors with their line.
printf 'neigh add 10.244.0.50 lladdr 0a:00:00:00:00:50\n# comment\n\nneigh add 10.244.0.51 lladdr zz\nneigh show\n' >"$VXT_TMP/batch"
rc=0
out=$("$VXTAPCTL" --socket "$(sock n1)" --batch "$VXT_TMP/batch" 2>"$VXT_TMP/rc.err") || rc=$?
((rc == 1)) || fail "--batch with a bad line exited $rc, want 1"
grep -qx 'vxtapctl: line 4: "zz" is a multicast MAC\|vxtapctl: line 4: "zz" is not a MAC address' "$VXT_TMP/rc.err" ||
	fail "--batch error: $(cat "$VXT_TMP/rc.err")"
grep -qx '10.244.0.50 lladdr 0a:00:00:00:00:50 static' <<<"$out" || fail "--batch output lacks the entry it added"
stop_all_vxtap
info "ok"
