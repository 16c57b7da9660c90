#!/usr/bin/env bash
# Bad records and bad endpoints, each with a clear result:
#   - no config yet: vxtap waits for it, saying so, and joins once it is there;
#   - a config that is not JSON, has wrong types, lacks Network, names
#     another backend, or disagrees with --vni: exit 1 with a line that says
#     what is wrong and where;
#   - lease values that are not JSON, have wrong types, a bad MAC, a public IP
#     of the other family, 1 MB; keys that are not subnets; subnets outside
#     Network; a lease claiming this node's subnet: skipped, counted by reason,
#     logged once, and the daemon goes on (a good node written after them is
#     programmed);
#   - endpoints that are not etcd (one answers garbage, one accepts and never
#     answers): when the real member goes, a clear line per failure, retries,
#     and a pod ping at 20 a second loses nothing.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=test/netns/lib_ctl.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_ctl.sh"
# shellcheck source=test/netns/lib_etcd.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_etcd.sh"
# shellcheck source=test/netns/lib_flannel.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_flannel.sh"
require_root
require_vxtap
require_vxtapctl
require_etcd

make_topology 3
add_etcd_node e1 192.168.56.11
start_etcd e1
URL=$(etcd_url e1)

info "== no config yet: wait for it"
: >"$VXT_TMP/n1.log"
ip netns exec "$(ns n1)" "$VXTAP" --dev "$VXT_DEV" --local 192.168.56.41 --etcd-endpoints "$URL" \
	--state-dir "$VXT_TMP/state-n1" --subnet-file "$VXT_TMP/n1.env" --control "$(sock n1)" \
	>>"$VXT_TMP/n1.log" 2>&1 </dev/null &
VXT_VXPID[n1]=$!
track "${VXT_VXPID[n1]}"
wait_for 100 0.05 log_has n1 '^vxtap: etcd: waiting for the network config at /coreos.com/network/config$' ||
	fail "no line saying vxtap waits for the config"
fl_config e1 "$FL_CFG"
wait_for 100 0.05 log_has n1 '^vxtap: ready ' || fail "vxtap did not join once the config came"
info "  waited, then joined: $(node_subnet 1)"
stop_vxtap n1 || fail "vxtap on n1 did not exit 0"

info "== bad configs: exit 1, one line saying what and where"
# bad_config JSON WANT [ARGS...]: with JSON as the config, vxtap on n2 exits 1
# and its last line starts "vxtap: /coreos.com/network/config: WANT".
bad_config() {
	local json=$1 want=$2 rc=0 last
	shift 2
	ectl e1 put "$FL_PREFIX/config" "$json" >/dev/null
	nsx n2 timeout 20 "$VXTAP" --dev "$VXT_DEV" --local 192.168.56.42 --etcd-endpoints "$URL" \
		--state-dir "$VXT_TMP/state-n2" --subnet-file "$VXT_TMP/n2.env" --control none "$@" \
		2>&1 </dev/null | unstamp >"$VXT_TMP/bad.out" || rc=${PIPESTATUS[0]}
	((rc == 1)) || fail "config $json: exit $rc, want 1: $(cat "$VXT_TMP/bad.out")"
	last=$(tail -n 1 "$VXT_TMP/bad.out")
	[[ $last == "vxtap: $FL_PREFIX/config: $want"* ]] || fail "config $json: last line '$last', want '$want'"
	(($(grep -c "$FL_PREFIX/config: " "$VXT_TMP/bad.out") == 1)) || fail "config $json: more than one error line"
	info "  $last"
}
bad_config 'not json' "config: not JSON"
bad_config '{"Network":5,"Backend":{"Type":"vxlan"}}' 'config: Network is 5, not a CIDR string'
bad_config '{"Backend":{"Type":"vxlan"}}' 'config: Network is missing'
bad_config '{"Network":"10.244.0.0/16","Backend":{"Type":"udp"}}' 'config: Backend.Type is "udp"; vxtap speaks only vxlan'
bad_config "$FL_CFG" 'config: Backend.VNI is 1 but --vni is 2' --vni 2
fl_config e1 "$FL_CFG"

info "== bad leases: skipped, counted, logged once"
start_flnode 1 e1
sn1=$(node_subnet 1)
S=$FL_PREFIX/subnets
good() { printf '{"PublicIP":"%s","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"%s"}}' "$1" "$2"; }
big=$("$VXT_PY" -c 'print("{\"PublicIP\":\"192.168.56.50\",\"X\":\"" + "a" * (1 << 20) + "\"}")')
declare -A bad=(
	[not_json]="$S/10.244.201.0-24|not json"
	[bad_backend_data]="$S/10.244.202.0-24|{\"PublicIP\":\"192.168.56.51\",\"BackendType\":\"vxlan\",\"BackendData\":5}"
	[bad_mac]="$S/10.244.203.0-24|$(good 192.168.56.52 01:00:5e:00:00:01)"
	[other_family]="$S/10.244.204.0-24|$(good fd00:56::53 0a:58:0a:f4:cc:04)"
	[too_large]="$S/10.244.205.0-24|$big"
	[bad_key]="$S/not-a-subnet|$(good 192.168.56.54 0a:58:0a:f4:cc:06)"
	[outside_network]="$S/10.245.1.0-24|$(good 192.168.56.55 0a:58:0a:f4:cc:07)"
	[own_subnet]="$S/${sn1%/*}-24|$(good 192.168.56.56 0a:58:0a:f4:cc:08)"
)
for reason in "${!bad[@]}"; do
	kv=${bad[$reason]}
	# The value from standard input: 1 MB does not fit an argument.
	printf '%s' "${kv#*|}" >"$VXT_TMP/value"
	for round in 1 2; do
		ectl e1 put "${kv%%|*}" <"$VXT_TMP/value" >/dev/null || fail "cannot write the $reason record"
	done
done
# A good node written after them: once it is programmed, every bad record
# before it has been seen.
ectl e1 put "$S/10.244.210.0-24" "$(good 192.168.56.43 0a:58:0a:f4:d2:00)" >/dev/null
wait_for 100 0.05 programmed n1 10.244.210.0/24 || fail "the good node after the bad records was not programmed"
for reason in "${!bad[@]}"; do
	v=$(stat_json n1 "d['etcd_skipped']['$reason']")
	((v == 2)) || fail "etcd_skipped $reason is $v after two bad records, want 2"
	info "  $reason: skipped 2, counted 2"
done
for reason in "${!bad[@]}"; do
	key=${bad[$reason]%%|*}
	# The whole quoted key: a bare subnet text would also match the example
	# the not-a-subnet line gives ("such as 10.244.1.0-24").
	lines=$(vxlog n1 | grep -F "skipping \"$key\"" || true)
	n=$(grep -c . <<<"$lines" || true)
	((n >= 1)) || fail "the $reason record ($key) was not logged"
	((n == 1)) || fail "the $reason record ($key) was logged $n times, want once: $lines"
done
alive "$(vxpid n1)" || fail "vxtap on n1 died of bad records"
for reason in "${!bad[@]}"; do
	ectl e1 del "${bad[$reason]%%|*}" >/dev/null
done
ectl e1 del "$S/10.244.210.0-24" >/dev/null
stop_vxtap n1 || fail "vxtap on n1 did not exit 0"

info "== endpoints that are not etcd"
ip netns exec "$(ns e1)" "$VXT_PY" "$VXT_ROOT/test/netns/fake_endpoints.py" 192.168.56.11 2997 2998 \
	>/dev/null 2>&1 </dev/null &
track $!
wait_for 50 0.1 bash -c "ip netns exec $(ns e1) ss -Hltn 'sport = :2998' | grep -q ." ||
	fail "the fake endpoints did not start"
FL_ENDPOINTS="$URL,http://192.168.56.11:2997,http://192.168.56.11:2998"
for i in 1 2; do
	start_flnode "$i" e1
	add_pod "$i"
done
ping_warm p1 "$(pod_ip 2)" || fail "pod 1 -> pod 2: no reply"
ping_bg p1 "$(pod_ip 2)" 300 "$VXT_TMP/ping.txt"
pingpid=$VXT_PING_PID
ping_wait_replies "$VXT_TMP/ping.txt" 20
stop_etcd e1
wait_for 300 0.05 log_has n1 '^vxtap: etcd: http://192\.168\.56\.11:2997: watch: not a watch answer: not JSON' ||
	fail "no line about the garbage endpoint"
wait_for 300 0.05 log_has n1 '^vxtap: etcd: http://192\.168\.56\.11:2998: watch: no answer within 5000 ms' ||
	fail "no line about the silent endpoint"
vxlog n1 | grep -E '^vxtap: etcd: .*(2997|2998)' | head -n 4 | sed 's/^/  /'
ping_finish "$pingpid" "$VXT_TMP/ping.txt" 300
for i in 1 2; do
	alive "$(vxpid "n$i")" || fail "vxtap on n$i died without etcd"
	programmed "n$i" "$(node_subnet $((3 - i)))" || fail "n$i dropped its peer's route without etcd"
done
stop_all_vxtap
info "ok"
