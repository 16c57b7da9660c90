# shellcheck shell=bash
# The soak: three vxtap nodes under mixed load for a while, and what that
# did to them. Sources lib_fault.sh (and with it lib.sh, lib_ctl.sh and
# lib_secure.sh); used by scripts/soak (10 minutes) and test_soak_plain.sh
# and test_soak_secure.sh (60 seconds, with the bounds asserted).
#
# Load, for SOAK_SECONDS (default 60):
#   - a TCP stream n1 -> n2 (iperf3, SOAK_TCP_RATE, default 200M);
#   - 64-byte UDP n2 -> n1 at SOAK_UDP_PPS (default 20000) datagrams a second
#     (iperf3 -u -l 64);
#   - pings at 20 a second n1 -> n2 and n1 -> n3;
#   - a learning storm from n2's TAP: SOAK_STORM_MACS (3000) source MACs,
#     cycling, SOAK_STORM_PPS (2000) frames a second, flooded to n1 and n3
#     (each learns them up to its caps and evicts the least recently used);
#   - vxtapctl every second on each node (stats --json, fdb show, peer show
#     in turn);
#   - every SOAK_RELOAD (30) s each node's peers file rewritten (a static FDB
#     line added or removed) and SIGHUP;
#   - in secure mode every SOAK_ROTATE (120) s one node (in turn) moves to a
#     new private key: its key file rewritten in place, the others' peers
#     files given its new public key, SIGHUP everywhere.
# The nodes' own MACs and addresses are static entries (--peers-file), as
# flannel programs them, so the storm churns learned entries only.
# SOAK_VALGRIND=nI runs that node's vxtap under valgrind (an ASan build runs
# as it is).

# shellcheck source=test/netns/lib_fault.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_fault.sh"

SOAK_SECONDS=${SOAK_SECONDS:-60}
SOAK_TCP_RATE=${SOAK_TCP_RATE:-200M}
SOAK_UDP_PPS=${SOAK_UDP_PPS:-20000}
SOAK_STORM_MACS=${SOAK_STORM_MACS:-3000}
SOAK_STORM_PPS=${SOAK_STORM_PPS:-2000}
SOAK_RELOAD=${SOAK_RELOAD:-30}
SOAK_ROTATE=${SOAK_ROTATE:-120}
SOAK_VALGRIND=${SOAK_VALGRIND:-}
VXT_STORM_PY=$VXT_NETNS_DIR/mac_storm.py

# soak_peers I GEN: node I's peers file for generation GEN: the other two
# nodes (with their public keys in secure mode) and their static FDB and
# neighbour entries; odd generations add one more static FDB line.
soak_peers() {
	local i=$1 gen=$2 j f=$VXT_TMP/n$1.peers
	for j in 1 2 3; do
		((j == i)) && continue
		if [[ $VXT_MODE == secure ]]; then
			printf '192.168.56.4%s key %s\n' "$j" "$(pub "$j")"
		else
			printf '192.168.56.4%s\n' "$j"
		fi
		printf 'fdb %s dst 192.168.56.4%s\n' "$(node_mac "$j")" "$j"
		printf 'neigh 10.244.0.%s lladdr %s\n' "$j" "$(node_mac "$j")"
	done >"$f.new"
	((gen % 2 == 0)) || printf 'fdb 02:5a:ee:00:00:0%s dst 192.168.56.4%s\n' "$i" $((i % 3 + 1)) >>"$f.new"
	mv "$f.new" "$f"
}

# soak_start I: start node I with its peers file (under valgrind when
# SOAK_VALGRIND names it).
soak_start() {
	local i=$1
	soak_peers "$i" 0
	if [[ $VXT_MODE == secure ]]; then
		secure_args "$i" 0
	else
		seed_args "$i" 0
		VXT_ARGS+=(--mac "$(node_mac "$i")" --control "$(sock "n$i")")
	fi
	VXT_ARGS+=(--peers-file "$VXT_TMP/n$i.peers")
	if [[ $SOAK_VALGRIND == "n$i" ]]; then
		start_vxtap_valgrind "n$i" "${VXT_ARGS[@]}"
	else
		start_vxtap "n$i" "${VXT_ARGS[@]}"
	fi
}

soak_rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# soak_rss_other PID: the RSS (KiB) apart from the forwarding engine's batch
# buffers: two arrays of FWD_BATCH (64) slots of 64 KiB + 64 bytes, 8200 KiB
# in all, allocated at start and touched page by page as bursts get deeper
# and frames bigger, so that they grow RSS under new load without a leak.
# They lie in anonymous mappings of at least that size; at most 8200 KiB of
# those mappings is left out.
SOAK_SLOTS_KIB=8200
soak_rss_other() {
	awk -v slots="$SOAK_SLOTS_KIB" '
		/^[0-9a-f]+-[0-9a-f]+ / { anon = (NF == 5) }
		/^Size:/ { size = $2 }
		/^Rss:/ { if (anon && size >= slots) big += $2; else other += $2 }
		END { print other + (big > slots ? big - slots : 0) }' "/proc/$1/smaps"
}
soak_fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l; }

# soak_sample TAG: every node's RSS (KiB), open descriptors and RSS apart
# from the batch buffers (KiB), as lines "TAG nI rss fds other" in
# $VXT_TMP/samples.
soak_sample() {
	local i pid
	for i in 1 2 3; do
		pid=$(vxpid "n$i")
		printf '%s n%s %s %s %s\n' "$1" "$i" "$(soak_rss "$pid")" "$(soak_fds "$pid")" "$(soak_rss_other "$pid")"
	done >>"$VXT_TMP/samples"
}

# soak_reload GEN: every node's peers file to generation GEN, SIGHUP, and
# wait (bounded) for each to log the reload.
soak_reload() {
	local gen=$1 i before
	for i in 1 2 3; do
		soak_peers "$i" "$gen"
		before=$(peers_reloads "n$i")
		kill -HUP "$(vxpid "n$i")"
		wait_for 200 0.05 peers_reloaded "n$i" "$before" || fail "n$i did not reload its peers file (generation $gen)"
	done
	SOAK_RELOADS=$((SOAK_RELOADS + 1))
}

# soak_rotate K GEN: node K moves to a new private key (written in place),
# the others' peers files get its new public key; SIGHUP to the others, then
# to K. GEN is the peers files' generation.
soak_rotate() {
	local k=$1 gen=$2 i before
	key_new "$VXT_TMP/n${k}new.key"
	cat "$VXT_TMP/n${k}new.key" >"$VXT_TMP/n$k.key"
	cp "$VXT_TMP/n${k}new.pub" "$VXT_TMP/n$k.pub"
	for i in 1 2 3; do
		((i == k)) && continue
		soak_peers "$i" "$gen"
		before=$(peers_reloads "n$i")
		kill -HUP "$(vxpid "n$i")"
		wait_for 200 0.05 peers_reloaded "n$i" "$before" || fail "n$i did not reload its peers file (rotation of n$k)"
	done
	before=$(key_loads "n$k")
	kill -HUP "$(vxpid "n$k")"
	wait_for 200 0.05 key_loaded "n$k" "$before" || fail "n$k did not load its new key"
	[[ $(own_pub "n$k") == "$(pub "$k")" ]] || fail "n$k does not use its new key after SIGHUP"
	SOAK_ROTATIONS=$((SOAK_ROTATIONS + 1))
}

# soak_ctl T: second T's control queries: one per node, in turn stats
# --json, fdb show, peer show; a failure is counted, not fatal.
soak_ctl() {
	local t=$1 i req
	case $((t % 3)) in
	0) req=(stats --json) ;;
	1) req=(fdb show) ;;
	2) req=(peer show) ;;
	esac
	for i in 1 2 3; do
		if timeout 10 "$VXTAPCTL" --socket "$(sock "n$i")" "${req[@]}" >/dev/null 2>>"$VXT_TMP/ctl.err"; then
			SOAK_CTL_OK=$((SOAK_CTL_OK + 1))
		else
			SOAK_CTL_FAIL=$((SOAK_CTL_FAIL + 1))
		fi
	done
}

# soak_bg NAME NODE CMD...: CMD in NODE's namespace in the background, its
# output to $VXT_TMP/NAME.out; the PID in SOAK_PID[NAME].
declare -A SOAK_PID
soak_bg() {
	local name=$1 n=$2
	shift 2
	ip netns exec "$(ns "$n")" "$@" >"$VXT_TMP/$name.out" 2>&1 </dev/null &
	SOAK_PID[$name]=$!
	track "${SOAK_PID[$name]}"
}

# soak_ping_stats FILE: "sent received p50 p99 max" of a ping -D output.
soak_ping_stats() {
	local tx rx
	tx=$(sed -nE 's/^([0-9]+) packets transmitted.*/\1/p' "$1")
	rx=$(sed -nE 's/.* ([0-9]+) received.*/\1/p' "$1")
	sed -nE 's/.*time=([0-9.]+) ms.*/\1/p' "$1" | sort -n | awk -v tx="${tx:-0}" -v rx="${rx:-0}" '
		{ v[NR] = $1 }
		END {
			if (NR == 0) { print tx, rx, "-", "-", "-"; exit }
			p50 = v[int((NR - 1) * 0.50) + 1]; p99 = v[int((NR - 1) * 0.99) + 1]
			print tx, rx, p50, p99, v[NR]
		}'
}

# soak_iperf FILE EXPR: a Python expression over iperf3's JSON (bound to d).
soak_iperf() {
	"$VXT_PY" -c 'import json, sys
try:
    d = json.load(open(sys.argv[1]))
    print(eval(sys.argv[2]))
except Exception as e:
    print("?")' "$1" "$2"
}

# soak_sock_drops NODE: drops on the node's VXLAN socket (ss skmem d), and
# the TAP's kernel counters "tx_dropped rx_dropped" (frames the kernel could
# not queue for vxtap, frames vxtap wrote that were dropped).
soak_sock_drops() {
	nsx "$1" ss -Huanm "sport = :$VXT_PORT" | sed -nE 's/.*skmem:\(.*,d([0-9]+)\).*/\1/p' | head -n 1
}
# soak_qdisc_drops NODE: packets the qdisc of the node's TAP dropped.
soak_qdisc_drops() {
	tc -n "$(ns "$1")" -s qdisc show dev "$VXT_DEV" | sed -nE 's/.*\(dropped ([0-9]+),.*/\1/p' | awk '{ s += $1 } END { print s + 0 }'
}
soak_tap_drops() {
	local j
	j=$(ip -n "$(ns "$1")" -s -j link show "$VXT_DEV")
	"$VXT_PY" -c 'import json, sys
s = json.loads(sys.argv[1])[0]["stats64"]
print(s["tx"]["dropped"], s["rx"]["dropped"])' "$j"
}

# soak_run MODE: the soak in MODE (plain or secure) on a fresh three-node
# topology; the figures go to stdout and, as "key value" lines, to
# $VXT_TMP/soak-MODE.report (SOAK_REPORT).
soak_run() {
	local i t t0 warm sample_every=10 gen=0 rot=0 tcp_port=5201 udp_port=5202 udp_bps
	VXT_MODE=$1
	SOAK_REPORT=$VXT_TMP/soak-$VXT_MODE.report
	SOAK_RELOADS=0 SOAK_ROTATIONS=0 SOAK_CTL_OK=0 SOAK_CTL_FAIL=0
	: >"$VXT_TMP/samples"
	: >"$SOAK_REPORT"
	warm=$((SOAK_SECONDS / 6))
	((warm >= 10)) || warm=10
	((warm <= 60)) || warm=60

	make_topology 3
	[[ $VXT_MODE == secure ]] && keys_new 3
	for i in 1 2 3; do
		soak_start "$i"
	done
	pings_all 3
	info "== soak, $VXT_MODE mode, ${SOAK_SECONDS} s: TCP $SOAK_TCP_RATE n1->n2, UDP 64 B ${SOAK_UDP_PPS}/s n2->n1, pings 20/s, storm ${SOAK_STORM_MACS} MACs ${SOAK_STORM_PPS}/s, ctl 1/s, reload ${SOAK_RELOAD} s$([[ $VXT_MODE == secure ]] && echo ", rotation ${SOAK_ROTATE} s")${SOAK_VALGRIND:+, $SOAK_VALGRIND under valgrind}"

	udp_bps=$((SOAK_UDP_PPS * 64 * 8))
	soak_bg tcp_srv n2 iperf3 -s -1 -B 10.244.0.2 -p "$tcp_port" --json
	soak_bg udp_srv n1 iperf3 -s -1 -B 10.244.0.1 -p "$udp_port" --json
	wait_for 100 0.05 eval "nsx n2 ss -Hltn 'sport = :$tcp_port' | grep -q ." || fail "iperf3 server in n2 not listening"
	wait_for 100 0.05 eval "nsx n1 ss -Hltn 'sport = :$udp_port' | grep -q ." || fail "iperf3 server in n1 not listening"
	soak_bg tcp n1 iperf3 -c 10.244.0.2 -p "$tcp_port" -t "$SOAK_SECONDS" -b "$SOAK_TCP_RATE" --json
	soak_bg udp n2 iperf3 -c 10.244.0.1 -p "$udp_port" -u -l 64 -b "$udp_bps" -t "$SOAK_SECONDS" --json
	# -i is the pause between pings, so a long run falls behind 20 a second:
	# -w ends it with the load (and with its summary) whatever the count.
	soak_bg ping12 n1 ping -D -n -i 0.05 -W 1 -c $((SOAK_SECONDS * 20)) -w $((SOAK_SECONDS + 1)) 10.244.0.2
	soak_bg ping13 n1 ping -D -n -i 0.05 -W 1 -c $((SOAK_SECONDS * 20)) -w $((SOAK_SECONDS + 1)) 10.244.0.3
	soak_bg storm n2 "$VXT_PY" "$VXT_STORM_PY" --dev "$VXT_DEV" --macs "$SOAK_STORM_MACS" \
		--pps "$SOAK_STORM_PPS" --seconds "$SOAK_SECONDS"

	t0=$(date +%s.%N)
	for ((t = 1; t <= SOAK_SECONDS; t++)); do
		soak_ctl "$t"
		if ((t == warm)); then
			soak_sample start
		elif ((t == SOAK_SECONDS / 2)); then
			soak_sample mid
		elif ((t % sample_every == 0)); then
			soak_sample "t$t"
		fi
		if ((t % SOAK_RELOAD == 0)); then
			gen=$((gen + 1))
			soak_reload "$gen"
		fi
		if [[ $VXT_MODE == secure ]] && ((t % SOAK_ROTATE == 0)); then
			soak_rotate $((rot % 3 + 1)) "$gen"
			rot=$((rot + 1))
		fi
		# Second t ends at t0 + t: sleep what is left of it.
		sleep "$(awk -v t0="$t0" -v t="$t" -v now="$(date +%s.%N)" 'BEGIN { d = t0 + t - now; printf "%.3f", (d > 0 ? d : 0) }')"
	done
	for i in tcp udp ping12 ping13 storm tcp_srv udp_srv; do
		reap "${SOAK_PID[$i]}" 600 || true
	done
	# Control clients of the last second are gone once the counts settle.
	wait_for 40 0.05 true
	soak_sample end
	soak_report
}

# soak_report: print the figures of the soak just run and write them to
# SOAK_REPORT.
soak_report() {
	local i n r0 r1 f0 f1 st p d name v drops
	{
		echo "mode $VXT_MODE"
		echo "seconds $SOAK_SECONDS"
		echo "ctl_ok $SOAK_CTL_OK"
		echo "ctl_fail $SOAK_CTL_FAIL"
		echo "reloads $SOAK_RELOADS"
		echo "rotations $SOAK_ROTATIONS"
		for i in 1 2 3; do
			read -r _ _ r0 f0 < <(grep "^start n$i " "$VXT_TMP/samples")
			read -r _ _ r1 f1 < <(grep "^end n$i " "$VXT_TMP/samples")
			echo "n$i.rss_start_kib $r0"
			echo "n$i.rss_mid_kib $(awk -v n="n$i" '$1 == "mid" && $2 == n { print $3 }' "$VXT_TMP/samples")"
			echo "n$i.rss_end_kib $r1"
			echo "n$i.rss_max_kib $(awk -v n="n$i" '$2 == n && $3 > m { m = $3 } END { print m }' "$VXT_TMP/samples")"
			for t in start mid end; do
				echo "n$i.other_${t}_kib $(awk -v n="n$i" -v t="$t" '$1 == t && $2 == n { print $5 }' "$VXT_TMP/samples")"
			done
			echo "n$i.fds_start $f0"
			echo "n$i.fds_end $f1"
			echo "n$i.valgrind $([[ $SOAK_VALGRIND == "n$i" ]] && ! vxtap_is_asan && echo 1 || echo 0)"
			# shellcheck disable=SC2046 # one name a word
			counters "n$i" $(vxt_all_drops) fdb_learned fdb_evicted udp_rx_packets udp_tx_packets \
				tap_rx_packets tap_tx_packets | sed "s/^/n$i./; s/=/ /"
			echo "n$i.sock_drops $(soak_sock_drops "n$i")"
			read -r d v < <(soak_tap_drops "n$i")
			echo "n$i.tap_tx_dropped $d"
			echo "n$i.tap_rx_dropped $v"
			echo "n$i.qdisc_dropped $(soak_qdisc_drops "n$i")"
		done
		for p in ping12 ping13; do
			read -r n st r0 r1 v < <(soak_ping_stats "$VXT_TMP/$p.out")
			echo "$p.sent $n"
			echo "$p.received $st"
			echo "$p.p50_ms $r0"
			echo "$p.p99_ms $r1"
			echo "$p.max_ms $v"
		done
		echo "tcp.mbps $(soak_iperf "$VXT_TMP/tcp.out" 'round(d["end"]["sum_received"]["bits_per_second"] / 1e6, 1)')"
		echo "tcp.retransmits $(soak_iperf "$VXT_TMP/tcp.out" 'd["end"]["sum_sent"]["retransmits"]')"
		echo "udp.sent $(soak_iperf "$VXT_TMP/udp.out" 'd["end"]["sum"]["packets"]')"
		echo "udp.lost $(soak_iperf "$VXT_TMP/udp.out" 'd["end"]["sum"]["lost_packets"]')"
		echo "udp.sink_drops $(nsx n1 cat /proc/net/snmp | awk '$1 == "Udp:" && !h { for (i = 2; i <= NF; i++) k[i] = $i; h = 1; next } $1 == "Udp:" { for (i = 2; i <= NF; i++) if (k[i] == "RcvbufErrors") print $i }')"
		echo "storm.sent $(sed -n 's/^sent //p' "$VXT_TMP/storm.out")"
	} >"$SOAK_REPORT"

	info "  RSS KiB (at ${warm:-?} s -> half-way -> end, max) and open descriptors:"
	for i in 1 2 3; do
		info "    n$i: $(soak_get "n$i.rss_start_kib") -> $(soak_get "n$i.rss_mid_kib") -> $(soak_get "n$i.rss_end_kib") (max $(soak_get "n$i.rss_max_kib")), apart from the batch buffers $(soak_get "n$i.other_start_kib") -> $(soak_get "n$i.other_mid_kib") -> $(soak_get "n$i.other_end_kib"); fds $(soak_get "n$i.fds_start") -> $(soak_get "n$i.fds_end")$( (($(soak_get "n$i.valgrind") == 1)) && echo "  (under valgrind: its RSS)")"
	done
	for i in 1 2 3; do
		drops=()
		for name in $(vxt_all_drops); do
			v=$(soak_get "n$i.$name")
			((v == 0)) || drops+=("${name#drop_}=$v")
		done
		info "    n$i drops inside vxtap: ${drops[*]:-none}; its socket dropped $(soak_get "n$i.sock_drops"), its TAP's queue $(soak_get "n$i.tap_tx_dropped") and qdisc $(soak_get "n$i.qdisc_dropped") (TAP rx_dropped $(soak_get "n$i.tap_rx_dropped"): frames for other hosts); fdb learned $(soak_get "n$i.fdb_learned") evicted $(soak_get "n$i.fdb_evicted")"
	done
	for p in ping12 ping13; do
		info "  $p: $(soak_get "$p.received")/$(soak_get "$p.sent") answered, p50 $(soak_get "$p.p50_ms") ms, p99 $(soak_get "$p.p99_ms") ms, max $(soak_get "$p.max_ms") ms"
	done
	info "  TCP $(soak_get tcp.mbps) Mbit/s ($(soak_get tcp.retransmits) retransmits); UDP 64 B: $(soak_get udp.lost) of $(soak_get udp.sent) lost (n1 Udp RcvbufErrors $(soak_get udp.sink_drops)); storm frames $(soak_get storm.sent)"
	info "  vxtapctl: $(soak_get ctl_ok) ok, $(soak_get ctl_fail) failed; peers-file reloads $(soak_get reloads); key rotations $(soak_get rotations)"
}

# soak_get KEY: a value from SOAK_REPORT.
soak_get() { awk -v k="$1" '$1 == k { print $2; exit }' "$SOAK_REPORT"; }

# soak_check: the bounds, on the soak just run: every vxtapctl query
# answered; reloads (and rotations) all done; the RSS apart from the batch
# buffers (soak_rss_other) of each node not under valgrind or ASan grew by
# at most SOAK_RSS_KIB (2048) from the sample after warm-up to the end and
# by at most SOAK_RSS_HALF_KIB (512) over the second half (a leak at any
# steady rate shows there); open descriptors equal at start and end; no
# drop inside vxtap (the kernel's at its door included) but the expected
# ones (SOAK_EXPECTED_DROPS, per mode); pings: at most 1 % lost (plus 20 per
# key rotation), and each sent at least 75 % of 20 a second (ping -i is the
# pause between pings, so it falls some way behind).
SOAK_RSS_KIB=${SOAK_RSS_KIB:-2048}
SOAK_RSS_HALF_KIB=${SOAK_RSS_HALF_KIB:-512}
soak_check() {
	local i name v grow half lost allowed p
	(($(soak_get ctl_fail) == 0)) || fail "soak: $(soak_get ctl_fail) vxtapctl queries failed: $(head -n 3 "$VXT_TMP/ctl.err")"
	(($(soak_get reloads) == SOAK_SECONDS / SOAK_RELOAD)) || fail "soak: $(soak_get reloads) reloads"
	for i in 1 2 3; do
		(($(soak_get "n$i.fds_start") == $(soak_get "n$i.fds_end"))) ||
			fail "soak: n$i's open descriptors went from $(soak_get "n$i.fds_start") to $(soak_get "n$i.fds_end")"
		if (($(soak_get "n$i.valgrind") == 0)) && ! vxtap_is_asan; then
			grow=$(($(soak_get "n$i.other_end_kib") - $(soak_get "n$i.other_start_kib")))
			half=$(($(soak_get "n$i.other_end_kib") - $(soak_get "n$i.other_mid_kib")))
			((grow <= SOAK_RSS_KIB)) || fail "soak: n$i's RSS apart from the batch buffers grew by $grow KiB after warm-up (bound $SOAK_RSS_KIB KiB)"
			((half <= SOAK_RSS_HALF_KIB)) || fail "soak: n$i's RSS apart from the batch buffers grew by $half KiB over the second half (bound $SOAK_RSS_HALF_KIB KiB)"
		fi
		allowed=" ${SOAK_EXPECTED_DROPS[$VXT_MODE]:-} "
		for name in $(vxt_all_drops); do
			[[ $allowed == *" $name "* ]] && continue
			v=$(soak_get "n$i.$name")
			((v == 0)) || fail "soak: n$i dropped $v datagrams or frames as $name"
		done
	done
	for p in ping12 ping13; do
		(($(soak_get "$p.sent") * 4 >= SOAK_SECONDS * 20 * 3)) ||
			fail "soak: $p sent $(soak_get "$p.sent") pings in $SOAK_SECONDS s (no summary, or it fell far behind)"
		lost=$(($(soak_get "$p.sent") - $(soak_get "$p.received")))
		((lost * 100 <= $(soak_get "$p.sent") + 20 * 100 * $(soak_get rotations))) ||
			fail "soak: $p lost $lost of $(soak_get "$p.sent")"
	done
	local rss="RSS apart from the batch buffers within $SOAK_RSS_KIB KiB after warm-up and $SOAK_RSS_HALF_KIB KiB over the second half"
	vxtap_is_asan && rss="RSS not bounded (a sanitizer build)"
	[[ -n $SOAK_VALGRIND ]] && rss="$rss ($SOAK_VALGRIND under valgrind not bounded)"
	info "  bounds hold: $rss, descriptors equal, only expected drops, every query answered"
}

declare -A SOAK_EXPECTED_DROPS
# Plain mode: none. Secure mode: what a key rotation explains. A node that
# learns a peer's new public key drops its sessions with that peer at once,
# so until the new handshake completes it sends nothing to it (no_session)
# and drops what the peer still seals under the old session
# (unknown_session); its inits, made for the new key, reach the rotating
# node before that loads its new key (bad_mac1).
SOAK_EXPECTED_DROPS[plain]=""
SOAK_EXPECTED_DROPS[secure]="drop_crypto_no_session drop_crypto_unknown_session drop_crypto_bad_mac1"

# soak_test MODE: the 60-second soak of make check in MODE (test_soak_*):
# reloads every 20 s and rotations every 25 s, so that each happens within
# it; fails unless soak_check's bounds hold and every vxtap exits 0.
soak_test() {
	fault_require
	command -v iperf3 >/dev/null || fail "iperf3 is missing: run scripts/deps"
	SOAK_SECONDS=${SOAK_SECONDS_TEST:-60}
	SOAK_RELOAD=20
	SOAK_ROTATE=25
	soak_run "$1"
	soak_check
	stop_all_vxtap
	info "PASS: ${SOAK_SECONDS} s soak in $1 mode within its bounds"
}
