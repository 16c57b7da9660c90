#!/usr/bin/env bash
# etcd with client-certificate authentication (a CA, server and client
# certificates made here with openssl):
#   - vxtap with --etcd-cafile/--etcd-certfile/--etcd-keyfile joins;
#   - a wrong CA, an expired client certificate or a missing key file at
#     start: exit 1, the last line saying why;
#   - at run time (the member comes back with a certificate of another CA):
#     logged, retried, the data plane unaffected (a pod ping at 20 a second
#     loses nothing), and joined again once the member has its own back.
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

make_topology 2
add_etcd_node e1 192.168.56.11
P=$VXT_TMP/pki
O=$VXT_TMP/other
make_certs "$P" 192.168.56.11
make_certs "$O" 192.168.56.11
make_expired_client "$P"
use_tls e1 "$P"
start_etcd e1
fl_config e1 "$FL_CFG"
URL=$(etcd_url e1)

info "== refused at start: exit 1, one line saying why"
# refused WANT ARGS...: vxtap on n2 with ARGS exits 1; its last line matches WANT.
refused() {
	local want=$1 rc=0 last
	shift
	nsx n2 timeout 20 "$VXTAP" --dev "$VXT_DEV" --local 192.168.56.42 --etcd-endpoints "$URL" \
		--state-dir "$VXT_TMP/state-x" --subnet-file "$VXT_TMP/x.env" --control none "$@" \
		2>&1 </dev/null | unstamp >"$VXT_TMP/refused.out" || rc=${PIPESTATUS[0]}
	((rc == 1)) || fail "exit $rc, want 1: $(cat "$VXT_TMP/refused.out")"
	last=$(tail -n 1 "$VXT_TMP/refused.out")
	[[ $last =~ $want ]] || fail "last line '$last' does not match '$want'"
	info "  $last"
}
refused "^vxtap: $URL: TLS: .*(certificate|verify)" \
	--etcd-cafile "$O/ca.crt" --etcd-certfile "$P/client.crt" --etcd-keyfile "$P/client.key"
refused "^vxtap: $URL: TLS: .*(certificate|alert|expired)" \
	--etcd-cafile "$P/ca.crt" --etcd-certfile "$P/expired.crt" --etcd-keyfile "$P/expired.key"
refused "^vxtap: .*$VXT_TMP/missing.key" \
	--etcd-cafile "$P/ca.crt" --etcd-certfile "$P/client.crt" --etcd-keyfile "$VXT_TMP/missing.key"

info "== joined with the right certificates"
for i in 1 2; do
	start_flnode "$i" e1 --etcd-cafile "$P/ca.crt" --etcd-certfile "$P/client.crt" --etcd-keyfile "$P/client.key"
	add_pod "$i"
done
wait_for 100 0.05 programmed n1 "$(node_subnet 2)" || fail "n1 did not program n2 over TLS"
ping_warm p1 "$(pod_ip 2)" || fail "pod 1 -> pod 2: no reply"

info "== the member comes back with another CA's certificate"
COUNT=400
ping_bg p1 "$(pod_ip 2)" "$COUNT" "$VXT_TMP/ping.txt"
pingpid=$VXT_PING_PID
ping_wait_replies "$VXT_TMP/ping.txt" 20
stop_etcd e1
use_tls e1 "$O"
start_etcd e1
wait_for 300 0.05 log_has n1 "^vxtap: etcd: $URL: watch: TLS: " || fail "n1 logged no TLS failure"
vxlog n1 | grep "TLS: " | head -n 2 | sed 's/^/  /'
alive "$(vxpid n1)" || fail "vxtap on n1 exited over a TLS failure at run time"
stop_etcd e1
use_tls e1 "$P"
start_etcd e1
connected() { [[ $(ctl_py n1 "d['connected']" etcd show --json) == True ]]; }
wait_for 300 0.05 connected || fail "n1 did not connect again once the member had its certificate back"
ping_finish "$pingpid" "$VXT_TMP/ping.txt" "$COUNT"
stop_all_vxtap
info "ok"
