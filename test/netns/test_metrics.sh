#!/usr/bin/env bash
# --metrics: the HTTP endpoint starts only once flannel.1 is up (before that
# the port refuses connections; no /healthz answer ever comes without the
# TAP); GET /metrics is a valid Prometheus exposition (promtool) with the
# same series as "vxtapctl stats --prometheus"; /healthz is 200 "ok", or 503
# with the reason while flannel.1 is down; other paths 404, other methods
# 405. Clients that stall or flood garbage (from n2) are cut off, and a ping
# at 20/s between n1 and n2 loses nothing meanwhile, while scrapes from n1
# itself still succeed.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=test/netns/lib_ctl.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_ctl.sh"
require_root
require_vxtap
require_vxtapctl
command -v curl >/dev/null || fail "curl is missing: run scripts/deps"
command -v promtool >/dev/null || fail "promtool is missing (package prometheus): run scripts/deps"

PORT=9472
URL=http://127.0.0.1:$PORT
make_topology 2

# http NODE METHOD PATH: "CODE BODY" (CODE 000 when nothing answers).
http() {
	local out
	out=$(nsx "$1" curl -s -m 5 -X "$2" -o "$VXT_TMP/body" -w '%{http_code}' "$URL$3" 2>/dev/null) || true
	printf '%s %s\n' "${out:-000}" "$({ tr '\n' ' ' <"$VXT_TMP/body"; } 2>/dev/null || true)"
	rm -f "$VXT_TMP/body"
}

# Before vxtap: nothing listens.
r=$(http n1 GET /healthz)
[[ $r == 000* ]] || fail "before vxtap, /healthz answered: $r"

# While vxtap starts, poll /healthz; every answer must find flannel.1 there.
seed_args 1 2
log=$VXT_TMP/n1.log
ip netns exec "$(ns n1)" "$VXTAP" "${VXT_ARGS[@]}" --mac "$(node_mac 1)" --control "$(sock n1)" \
	--metrics "0.0.0.0:$PORT" >"$log" 2>&1 </dev/null &
VXT_VXPID[n1]=$!
track "${VXT_VXPID[n1]}"
refused=0 answered=0
for ((i = 0; i < 400 && answered == 0; i++)); do
	code=$(nsx n1 curl -s -m 2 -o /dev/null -w '%{http_code}' "$URL/healthz" 2>/dev/null) || true
	case ${code:-000} in
	000) refused=$((refused + 1)) ;;
	200)
		ip -n "$(ns n1)" link show "$VXT_DEV" >/dev/null 2>&1 || fail "/healthz said 200 before flannel.1 existed"
		answered=1
		;;
	*) fail "/healthz answered $code during start-up" ;;
	esac
	alive "${VXT_VXPID[n1]}" || fail "vxtap on n1 died: $(cat "$log")"
done
((answered)) || fail "/healthz never answered: $(cat "$log")"
info "start-up: $refused refused connection(s), then 200 with flannel.1 up"
wait_for 100 0.05 grep -q '^vxtap: ready' "$log" || fail "vxtap on n1 not ready"
grep -q "metrics on http://0.0.0.0:$PORT/metrics" "$log" || fail "no 'metrics on' line: $(cat "$log")"
start_node 2 2
ping_warm n1 10.244.0.2 || fail "n1 -> 10.244.0.2: no reply to warm-up pings"

# /metrics: promtool accepts it, and it holds the control socket's series.
nsx n1 curl -s -m 5 -D "$VXT_TMP/headers" -o "$VXT_TMP/metrics" "$URL/metrics" || fail "GET /metrics failed"
grep -qi '^content-type: text/plain; version=0.0.4' "$VXT_TMP/headers" ||
	fail "/metrics Content-Type: $(grep -i content-type "$VXT_TMP/headers")"
promtool check metrics <"$VXT_TMP/metrics" >"$VXT_TMP/promtool.out" 2>&1 ||
	fail "promtool check metrics: $(cat "$VXT_TMP/promtool.out")"
info "promtool check metrics: ok ($(grep -c '^vxtap_' "$VXT_TMP/metrics") samples)"
ctl_ok n1 stats --prometheus >"$VXT_TMP/ctl.prom"
series() { grep -v '^#' "$1" | sed -E 's/[[:space:]][^[:space:]]+$//' | sort; }
diff <(series "$VXT_TMP/metrics") <(series "$VXT_TMP/ctl.prom") >"$VXT_TMP/series.diff" ||
	fail "/metrics and vxtapctl stats --prometheus differ in series: $(head -n 5 "$VXT_TMP/series.diff")"
grep -q "^vxtap_peer_rx_packets_total{dev=\"$VXT_DEV\",peer=\"192.168.56.42:8472\"} [1-9]" "$VXT_TMP/metrics" ||
	fail "/metrics lacks per-peer rx packets from 192.168.56.42: $(grep peer_rx "$VXT_TMP/metrics")"
info "/metrics: same series as vxtapctl stats --prometheus, per-peer counters counting"

# Routes.
r=$(http n1 GET /healthz)
[[ $r == "200 ok " ]] || fail "/healthz: '$r', want '200 ok'"
r=$(http n1 GET /)
[[ $r == 404* ]] || fail "GET /: '$r', want 404"
r=$(http n1 GET /metrics/x)
[[ $r == 404* ]] || fail "GET /metrics/x: '$r', want 404"
r=$(http n1 POST /metrics)
[[ $r == 405* ]] || fail "POST /metrics: '$r', want 405"
info "routes: /healthz 200 ok, / 404, /metrics/x 404, POST 405"

# 503 while the TAP is down, 200 again once it is up.
ip -n "$(ns n1)" link set "$VXT_DEV" down
r=$(http n1 GET /healthz)
[[ $r == "503 $VXT_DEV is down " ]] || fail "/healthz with $VXT_DEV down: '$r', want '503 $VXT_DEV is down'"
ip -n "$(ns n1)" link set "$VXT_DEV" up
r=$(http n1 GET /healthz)
[[ $r == "200 ok " ]] || fail "/healthz after link up: '$r'"
ping_warm n1 10.244.0.2 || fail "n1 -> 10.244.0.2 after link up: no reply"
info "/healthz: 503 '$VXT_DEV is down' while down, 200 again once up"

# Abuse from n2 (its own address, so n1's own scrapes are not under its
# per-address cap) while n1 pings n2 at 20/s.
nsx n1 ping -n -q -i 0.05 -c 160 -W 1 10.244.0.2 >"$VXT_TMP/ping.out" 2>&1 &
ppid=$!
track "$ppid"
nsx n2 "$VXT_PY" "$(dirname "${BASH_SOURCE[0]}")/http_abuse.py" stall 192.168.56.41 "$PORT" 8 7.5 \
	>"$VXT_TMP/stall.out" 2>&1 </dev/null &
spid=$!
track "$spid"
nsx n2 "$VXT_PY" "$(dirname "${BASH_SOURCE[0]}")/http_abuse.py" flood 192.168.56.41 "$PORT" 4 \
	>"$VXT_TMP/flood.out" 2>&1 </dev/null &
fpid=$!
track "$fpid"
scrapes=0
for ((i = 0; i < 10; i++)); do
	r=$(http n1 GET /healthz)
	[[ $r == "200 ok " ]] && scrapes=$((scrapes + 1))
	sleep 0.3
done
rc=0
reap "$fpid" 200 || rc=$?
((rc == 0)) || fail "flood client exited $rc: $(cat "$VXT_TMP/flood.out")"
rc=0
reap "$spid" 300 || rc=$?
((rc == 0)) || fail "stall client exited $rc: $(cat "$VXT_TMP/stall.out")"
rc=0
reap "$ppid" 300 || rc=$?
info "$(cat "$VXT_TMP/flood.out"); $(cat "$VXT_TMP/stall.out"); $scrapes/10 scrapes from n1 answered 200"
grep -E 'packets transmitted' "$VXT_TMP/ping.out" | sed 's/^/ping: /'
grep -q '^160 packets transmitted, 160 received' "$VXT_TMP/ping.out" ||
	fail "ping at 20/s lost packets during the abuse: $(grep transmitted "$VXT_TMP/ping.out")"
grep -q '^stall opened 8 closed 8 ' "$VXT_TMP/stall.out" ||
	fail "stalled connections were not all cut off: $(cat "$VXT_TMP/stall.out")"
((scrapes == 10)) || fail "only $scrapes of 10 scrapes from n1 answered 200 during the abuse"
r=$(http n1 GET /healthz)
[[ $r == "200 ok " ]] || fail "/healthz after the abuse: '$r'"

# Two vxtaps cannot share the port; the second says which option failed.
rc=0
nsx n1 timeout 20 "$VXTAP" --dev vxm1 --local 192.168.56.41 --port 8473 --peer 192.168.56.42 \
	--control "$VXT_TMP/second.sock" --metrics "0.0.0.0:$PORT" >"$VXT_TMP/second.err" 2>&1 </dev/null || rc=$?
((rc == 1)) || fail "a second vxtap on the same metrics port exited $rc, want 1"
grep -q -- "--metrics 0.0.0.0:$PORT: cannot serve HTTP there" "$VXT_TMP/second.err" ||
	fail "second vxtap: unexpected message: $(cat "$VXT_TMP/second.err")"
stop_all_vxtap
info "ok"
