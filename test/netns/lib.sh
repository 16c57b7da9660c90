# shellcheck shell=bash
# Helpers for vxtap's network-namespace tests. Source it; do not run it.
#
# Topology (testing-notes.md): a namespace "sw" with bridge br0, nodes n1..nN,
# each with eth1 (a veth whose peer pN sits in sw, enslaved to br0), lo up and
# underlay address 192.168.56.4X/24. Nothing is configured in the root namespace.
#
# Every namespace name carries a prefix unique to this run ($VXT_PFX), every
# process a test starts is recorded by PID, and a trap on EXIT INT TERM kills
# exactly those PIDs and deletes exactly those namespaces.

if [[ -n ${VXT_LIB_LOADED:-} ]]; then
	return 0
fi
VXT_LIB_LOADED=1

VXT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VXTAP=${VXTAP:-$VXT_ROOT/build/vxtap}
# The run prefix: test/netns/run exports VXT_RUN so it can look for leftovers.
VXT_RUN=${VXT_RUN:-vxt$$}
export VXT_RUN
VXT_PFX=${VXT_RUN}_$$
export VXT_PY=/usr/bin/python3

# The seed's numbers.
VXT_PORT=8472
VXT_VNI=1
VXT_DEV=flannel.1

VXT_PIDS=()           # every background process this run started
VXT_NS=()             # every namespace this run created (full names)
declare -A VXT_VXPID  # node -> PID of its vxtap
VXT_TMP=
VXT_CLEANED=

# --- output -------------------------------------------------------------

info() { printf '%s\n' "$*"; }

# fail MESSAGE: print the reason (the line test/netns/run reports), the tail of
# every vxtap log, and exit 1 (the EXIT trap cleans up).
fail() {
	local f
	printf 'FAIL: %s\n' "$*" >&2
	if [[ -n $VXT_TMP && -d $VXT_TMP ]]; then
		for f in "$VXT_TMP"/*.log; do
			[[ -e $f ]] || continue
			printf -- '--- last lines of %s\n' "${f##*/}" >&2
			tail -n 25 "$f" | sed 's/^/    /' >&2
		done
	fi
	# Repeat the reason last so it is the final FAIL line whatever came above.
	printf 'FAIL: %s\n' "$*" >&2
	exit 1
}

require_root() {
	if ((EUID != 0)); then
		echo "the network-namespace tests need root; run 'make unit' for the unprivileged unit suites" >&2
		exit 1
	fi
}

require_vxtap() {
	[[ -x $VXTAP ]] || fail "vxtap binary not found at $VXTAP (run 'make' first, or set VXTAP)"
}

# --- cleanup ------------------------------------------------------------

# alive PID: the process exists and is not a zombie.
alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[[ ${stat%% *} != Z ]]
}

# reap PID [TRIES]: wait (bounded) for PID to exit, SIGKILL it if it does not,
# then collect its status. Prints nothing; returns the exit status.
reap() {
	local pid=$1 tries=${2:-60} i rc=0
	for ((i = 0; i < tries; i++)); do
		alive "$pid" || break
		sleep 0.05
	done
	if alive "$pid"; then
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || rc=$?
	return "$rc"
}

vxt_cleanup() {
	local pid ns
	[[ -n $VXT_CLEANED ]] && return 0
	VXT_CLEANED=1
	for pid in "${VXT_PIDS[@]}"; do
		alive "$pid" && kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${VXT_PIDS[@]}"; do
		reap "$pid" 60 || true
	done
	for ns in "${VXT_NS[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	if [[ -n $VXT_TMP && -d $VXT_TMP ]]; then
		if [[ -n ${VXT_KEEP:-} ]]; then
			echo "logs kept in $VXT_TMP" >&2
		else
			rm -rf "$VXT_TMP"
		fi
	fi
	return 0
}

trap 'vxt_cleanup' EXIT
trap 'vxt_cleanup; exit 130' INT
trap 'vxt_cleanup; exit 143' TERM

VXT_TMP=$(mktemp -d "${TMPDIR:-/tmp}/vxtap-netns.XXXXXX")

# unstamp: standard input without the RFC 3339 time stamp vxtap puts in front
# of each log line (it leaves them to journald when that reads its stderr).
unstamp() { sed -E 's/^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z //'; }

# vxlog NODE: the node's vxtap log, without time stamps.
vxlog() { unstamp <"$VXT_TMP/$1.log"; }

# log_has NODE ERE: the node's log has a line matching ERE (time stamps aside).
log_has() { vxlog "$1" | grep -Eq "$2"; }

# track PID: record a background process so cleanup ends it.
track() { VXT_PIDS+=("$1"); }

# --- topology -------------------------------------------------------------

# ns NODE: the full namespace name of a node ("n1", "sw").
ns() { printf '%s\n' "${VXT_PFX}_$1"; }

# nsx NODE CMD...: run CMD inside the node's namespace.
nsx() {
	local n=$1
	shift
	ip netns exec "$(ns "$n")" "$@"
}

add_ns() {
	local full
	full=$(ns "$1")
	VXT_NS+=("$full")
	ip netns add "$full" || fail "ip netns add $full failed"
}

# make_switch: the namespace "sw" with bridge br0.
make_switch() {
	add_ns sw
	ip -n "$(ns sw)" link set lo up
	ip -n "$(ns sw)" link add br0 type bridge
	ip -n "$(ns sw)" link set br0 up
}

# add_node I: node nI on the switch, underlay 192.168.56.4I/24.
add_node() {
	local i=$1 n="n$1"
	add_ns "$n"
	ip -n "$(ns "$n")" link add eth1 type veth peer name "p$i" netns "$(ns sw)"
	ip -n "$(ns sw)" link set "p$i" master br0 up
	ip -n "$(ns "$n")" link set lo up
	ip -n "$(ns "$n")" link set eth1 up
	ip -n "$(ns "$n")" addr add "192.168.56.4$i/24" dev eth1
}

# make_topology N: switch plus nodes n1..nN.
make_topology() {
	local i
	make_switch
	for ((i = 1; i <= $1; i++)); do
		add_node "$i"
	done
	# The underlay must work before anything runs over it.
	for ((i = 2; i <= $1; i++)); do
		wait_for 40 0.05 nsx n1 ping -n -q -c 1 -W 1 "192.168.56.4$i" >/dev/null ||
			fail "underlay: n1 cannot reach 192.168.56.4$i"
	done
}

# seed_args I N: set VXT_ARGS to the seed's command line for node I of N
# (only peer lists, no tables).
seed_args() {
	local i=$1 nn=$2 j
	VXT_ARGS=(--dev "$VXT_DEV" --vni "$VXT_VNI" --port "$VXT_PORT"
		--local "192.168.56.4$i" --addr "10.244.0.$i/16")
	for ((j = 1; j <= nn; j++)); do
		((j == i)) || VXT_ARGS+=(--peer "192.168.56.4$j")
	done
}

# node_mac I: the MAC the tests give node I with --mac.
node_mac() { printf '0a:00:00:00:00:%02x\n' "$1"; }

# tap_mac NODE: the MAC of the node's flannel.1 as the kernel sees it.
tap_mac() {
	ip -n "$(ns "$1")" -br link show "$VXT_DEV" | awk '{print $3}'
}

# --- polling --------------------------------------------------------------

# wait_for TRIES DELAY CMD...: run CMD until it succeeds, at most TRIES times
# DELAY seconds apart.
wait_for() {
	local tries=$1 delay=$2 i
	shift 2
	for ((i = 0; i < tries; i++)); do
		"$@" && return 0
		sleep "$delay"
	done
	return 1
}

# --- vxtap ------------------------------------------------------------------

VXT_READY_TRIES=${VXT_READY_TRIES:-200} # x 0.05 s

# start_vxtap NODE ARGS...: run vxtap in the node's namespace, log to
# $VXT_TMP/NODE.log, and wait until it logs "vxtap: ready".
start_vxtap() {
	local n=$1 log pid i
	shift
	log=$VXT_TMP/$n.log
	: >"$log"
	# Namespaces share the file system: give each node its own control
	# socket unless the test chose one.
	case " $* " in
	*" --control "* | *" --control="*) ;;
	*) set -- "$@" --control "$VXT_TMP/$n.sock" ;;
	esac
	ip netns exec "$(ns "$n")" "$VXTAP" "$@" >>"$log" 2>&1 </dev/null &
	pid=$!
	track "$pid"
	VXT_VXPID[$n]=$pid
	for ((i = 0; i < VXT_READY_TRIES; i++)); do
		if unstamp <"$log" | grep -q '^vxtap: ready'; then
			return 0
		fi
		if ! alive "$pid"; then
			local rc=0
			wait "$pid" || rc=$?
			fail "vxtap on $n exited with status $rc before it was ready (args: $*)"
		fi
		sleep 0.05
	done
	fail "vxtap on $n not ready after $VXT_READY_TRIES polls (args: $*)"
}

vxpid() {
	[[ -n ${VXT_VXPID[$1]:-} ]] || fail "no vxtap started on $1"
	printf '%s\n' "${VXT_VXPID[$1]}"
}

# stop_vxtap NODE [SIGNAL]: send SIGTERM (or SIGNAL), wait (bounded) and
# return vxtap's exit status.
stop_vxtap() {
	local n=$1 sig=${2:-TERM} pid rc=0
	pid=$(vxpid "$n")
	kill -s "$sig" "$pid" 2>/dev/null || true
	reap "$pid" 100 || rc=$?
	unset "VXT_VXPID[$n]"
	return "$rc"
}

# stop_all_vxtap: SIGTERM every running vxtap; fail unless each exits 0 (a
# crash, or a sanitizer report at exit, shows up here).
stop_all_vxtap() {
	local n rc
	for n in "${!VXT_VXPID[@]}"; do
		rc=0
		stop_vxtap "$n" || rc=$?
		((rc == 0)) || fail "vxtap on $n exited with status $rc on SIGTERM"
	done
}

# dump NODE: SIGUSR1 the node's vxtap, wait for a new "vxtap: dump end" line,
# and print the lines of that dump (between the last begin and end).
dump() {
	local n=$1 pid log before i now
	pid=$(vxpid "$n")
	log=$VXT_TMP/$n.log
	before=$(unstamp <"$log" | grep -c '^vxtap: dump end' || true)
	alive "$pid" || fail "vxtap on $n is not running (dump)"
	kill -USR1 "$pid"
	for ((i = 0; i < 100; i++)); do
		now=$(unstamp <"$log" | grep -c '^vxtap: dump end' || true)
		((now > before)) && break
		sleep 0.05
	done
	((now > before)) || fail "vxtap on $n did not complete a dump after SIGUSR1"
	unstamp <"$log" | awk '
		/^vxtap: dump begin/ { buf = ""; on = 1; next }
		/^vxtap: dump end/   { last = buf; on = 0; next }
		on && /^vxtap: /     { buf = buf $0 "\n" }
		END                  { printf "%s", last }
	'
}

# counter NODE NAME: the value of counter NAME from a fresh dump.
counter() {
	local v
	v=$(dump "$1" | awk -v name="$2" '$2 == "counter" && $3 == name { print $4; exit }')
	[[ $v =~ ^[0-9]+$ ]] || fail "counter $2 missing from the dump of $1"
	printf '%s\n' "$v"
}

# counters NODE NAME...: "NAME=VALUE" per name from one dump.
counters() {
	local n=$1 d name v
	shift
	d=$(dump "$n")
	for name in "$@"; do
		v=$(awk -v name="$name" '$2 == "counter" && $3 == name { print $4; exit }' <<<"$d")
		[[ $v =~ ^[0-9]+$ ]] || fail "counter $name missing from the dump of $n"
		printf '%s=%s\n' "$name" "$v"
	done
}

declare -A VXT_MARK VXT_GREW

# mark NODE NAME...: remember the node's counters NAME... (one dump) for grew.
mark() {
	local n=$1 kv out
	shift
	out=$(counters "$n" "$@") || exit 1
	while IFS= read -r kv; do
		VXT_MARK[$n:${kv%%=*}]=${kv#*=}
	done <<<"$out"
}

# grew NODE NAME...: set VXT_GREW[NAME] to how much each counter grew since
# mark (one dump, so that the numbers add up with each other).
grew() {
	local n=$1 kv out
	shift
	out=$(counters "$n" "$@") || exit 1
	while IFS= read -r kv; do
		# shellcheck disable=SC2034 # for the tests to read
		VXT_GREW[${kv%%=*}]=$((${kv#*=} - ${VXT_MARK[$n:${kv%%=*}]:-0}))
	done <<<"$out"
}

# --- ping -------------------------------------------------------------------

# ping_warm NODE DST: up to 10 single pings (1 s timeout each) until one is
# answered, so the first ARP round trip does not count against a test.
ping_warm() {
	wait_for 10 0.1 nsx "$1" ping -n -q -c 1 -W 1 "$2" >/dev/null
}

# ping_ok NODE DST [COUNT]: COUNT (3) pings 0.2 s apart, 2 s timeout each; true
# only if every one was answered. Prints ping's summary lines.
ping_ok() {
	local n=$1 dst=$2 c=${3:-3} out tx rx
	out=$(nsx "$n" ping -n -q -c "$c" -i 0.2 -W 2 "$dst" 2>&1) || true
	grep -E 'packets transmitted|rtt|error|unreachable' <<<"$out" || true
	tx=$(sed -nE 's/^([0-9]+) packets transmitted.*/\1/p' <<<"$out")
	rx=$(sed -nE 's/.* ([0-9]+) (packets )?received.*/\1/p' <<<"$out")
	[[ $tx == "$c" && $rx == "$c" ]]
}

# --- capture ----------------------------------------------------------------

# capture_start NODE FILE [TCPDUMP-OPTION...]: tcpdump on the node's eth1
# into FILE; returns once tcpdump says it is listening. Sets VXT_CAP_PID.
capture_start() {
	local n=$1 file=$2 err=$2.err i
	shift 2
	: >"$err"
	ip netns exec "$(ns "$n")" tcpdump -i eth1 -n "$@" -U --immediate-mode -Z root -w "$file" \
		2>"$err" </dev/null &
	VXT_CAP_PID=$!
	track "$VXT_CAP_PID"
	for ((i = 0; i < 100; i++)); do
		grep -q 'listening on' "$err" && return 0
		alive "$VXT_CAP_PID" || fail "tcpdump on $n died: $(cat "$err")"
		sleep 0.05
	done
	fail "tcpdump on $n not listening after 5 s: $(cat "$err")"
}

# capture_stop PID FILE: once FILE has stopped growing (polled, bounded), stop
# the capture and wait for tcpdump to exit.
capture_stop() {
	local pid=$1 file=$2 i last=-1 size same=0
	for ((i = 0; i < 60 && same < 4; i++)); do
		size=$(stat -c %s "$file" 2>/dev/null || echo 0)
		if ((size == last)); then
			same=$((same + 1))
		else
			same=0
			last=$size
		fi
		sleep 0.05
	done
	kill -INT "$pid" 2>/dev/null || true
	reap "$pid" 100 || true
}

# capture_count FILE FILTER: how many packets in FILE match FILTER.
capture_count() {
	tcpdump -nn -r "$1" "$2" 2>/dev/null | wc -l
}

# --- kernel vxlan nodes, MTU, valgrind (interop, tshark, pmtu, hostile tests) ----

# no_ipv6 NODE: devices created from now on in the node get no IPv6, so the
# kernel sends no router solicitations, MLD reports or DAD probes into them
# (tests that count every datagram need a quiet tunnel).
no_ipv6() {
	nsx "$1" sysctl -q -w net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.all.disable_ipv6=1 ||
		fail "cannot disable IPv6 in $1"
}

# kernel_vxlan I VNI PORT [OPTION...]: the seed's kernel set-up on node I:
# flannel.1 of type vxlan (id VNI, dstport PORT, dev eth1, local 192.168.56.4I,
# plus OPTIONs such as nolearning or proxy), MAC node_mac I, MTU 1450, up,
# address 10.244.0.I/16.
kernel_vxlan() {
	local i=$1 vni=$2 port=$3 n="n$1"
	shift 3
	ip -n "$(ns "$n")" link add "$VXT_DEV" type vxlan id "$vni" dstport "$port" dev eth1 \
		local "192.168.56.4$i" "$@" || fail "$n: ip link add $VXT_DEV type vxlan id $vni dstport $port $* failed"
	ip -n "$(ns "$n")" link set "$VXT_DEV" address "$(node_mac "$i")" mtu 1450 up
	ip -n "$(ns "$n")" addr add "10.244.0.$i/16" dev "$VXT_DEV"
	# A kernel vxlan device on a veth underlay leaves inner TCP/UDP checksums
	# unfinished (veth passes the offload along; a real NIC would finish
	# them). vxtap does not repair checksums (README, Troubleshooting), so the
	# kernel node is made to put finished packets on the wire, as real
	# hardware does.
	nsx "$n" ethtool -K eth1 tx off >/dev/null || fail "$n: ethtool -K eth1 tx off failed"
}

# kernel_static I J: on kernel node I, the seed's static entries for node J:
# `arp -s 10.244.0.J MAC` (as ip neigh ... nud permanent) and
# `bridge fdb append MAC dev flannel.1 dst 192.168.56.4J`, MAC = node_mac J.
kernel_static() {
	local i=$1 j=$2
	ip -n "$(ns "n$i")" neigh add "10.244.0.$j" lladdr "$(node_mac "$j")" dev "$VXT_DEV" nud permanent ||
		fail "n$i: ip neigh add 10.244.0.$j failed"
	bridge -n "$(ns "n$i")" fdb append "$(node_mac "$j")" dev "$VXT_DEV" dst "192.168.56.4$j" ||
		fail "n$i: bridge fdb append $(node_mac "$j") dst 192.168.56.4$j failed"
}

# kernel_flood I J: on kernel node I, the all-zeros flood entry for node J.
kernel_flood() {
	bridge -n "$(ns "n$1")" fdb append 00:00:00:00:00:00 dev "$VXT_DEV" dst "192.168.56.4$2" ||
		fail "n$1: bridge fdb append 00:00:00:00:00:00 dst 192.168.56.4$2 failed"
}

# link_mtu NODE DEV: the device's MTU.
link_mtu() {
	ip -n "$(ns "$1")" -o link show "$2" | sed -nE 's/.* mtu ([0-9]+) .*/\1/p'
}

# tcp_copy FROM TO DSTIP PORT MIB [TIMEOUT]: MIB MiB of random data from node
# FROM to nc listening on DSTIP:PORT in node TO; fails unless every byte
# arrives intact within TIMEOUT (60) seconds. Prints size and time.
tcp_copy() {
	local from=$1 to=$2 ip=$3 port=$4 mib=$5 tmo=${6:-60} in out lpid rc start end a b size
	in=$VXT_TMP/tcp-$from-$to-$port.in
	out=$VXT_TMP/tcp-$from-$to-$port.out
	head -c "${mib}M" /dev/urandom >"$in"
	nsx "$to" timeout "$tmo" nc -l "$ip" "$port" >"$out" </dev/null &
	lpid=$!
	track "$lpid"
	vxt_listening() { nsx "$to" ss -Hltn "sport = :$port" | grep -q "$ip:$port"; }
	wait_for 100 0.05 vxt_listening || fail "nc on $to is not listening on $ip:$port"
	start=$(date +%s.%N)
	rc=0
	nsx "$from" timeout "$tmo" nc -N "$ip" "$port" <"$in" || rc=$?
	((rc == 0)) || fail "$from -> $ip:$port: sender nc exited with status $rc (124: timed out after ${tmo}s)"
	rc=0
	reap "$lpid" 200 || rc=$?
	((rc == 0)) || fail "$from -> $ip:$port: listener nc exited with status $rc"
	end=$(date +%s.%N)
	a=$(sha256sum <"$in" | cut -d' ' -f1)
	b=$(sha256sum <"$out" | cut -d' ' -f1)
	size=$(stat -c %s "$out")
	info "$from -> $to ($ip:$port): sent $((mib * 1048576)) bytes, received $size in $(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", e - s }') s"
	((size == mib * 1048576)) || fail "$from -> $ip:$port: received $size bytes, sent $((mib * 1048576))"
	[[ $a == "$b" ]] || fail "$from -> $ip:$port: sha256 differs: sent $a, received $b"
	rm -f "$in" "$out"
}

# vxtap_is_asan: $VXTAP is a sanitizer build (make asan), which valgrind
# cannot run.
vxtap_is_asan() { grep -q __asan_init "$VXTAP"; }

VXT_VG_READY_TRIES=${VXT_VG_READY_TRIES:-1200} # x 0.05 s: valgrind starts slowly

# start_vxtap_valgrind NODE ARGS...: like start_vxtap, but under valgrind's
# memcheck (any error, or a definite leak at exit, makes the exit status 99;
# its report goes to $VXT_TMP/NODE.valgrind.log). With an ASan build of
# $VXTAP, the plain start_vxtap is used: ASan does the checking.
start_vxtap_valgrind() {
	local n=$1 log vlog pid i
	shift
	if vxtap_is_asan; then
		start_vxtap "$n" "$@"
		return
	fi
	command -v valgrind >/dev/null || fail "valgrind is missing: run scripts/deps"
	log=$VXT_TMP/$n.log
	vlog=$VXT_TMP/$n.valgrind.log
	: >"$log"
	case " $* " in
	*" --control "* | *" --control="*) ;;
	*) set -- "$@" --control "$VXT_TMP/$n.sock" ;;
	esac
	ip netns exec "$(ns "$n")" valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite --log-file="$vlog" "$VXTAP" "$@" >>"$log" 2>&1 </dev/null &
	pid=$!
	track "$pid"
	VXT_VXPID[$n]=$pid
	for ((i = 0; i < VXT_VG_READY_TRIES; i++)); do
		unstamp <"$log" | grep -q '^vxtap: ready' && return 0
		if ! alive "$pid"; then
			local rc=0
			wait "$pid" || rc=$?
			fail "vxtap (valgrind) on $n exited with status $rc before it was ready (args: $*)"
		fi
		sleep 0.05
	done
	fail "vxtap (valgrind) on $n not ready after $VXT_VG_READY_TRIES polls (args: $*)"
}

# stop_vxtap_slow NODE [TRIES]: like stop_vxtap (SIGTERM, return the exit
# status) but waits up to TRIES (600) x 0.05 s, for a vxtap under valgrind.
stop_vxtap_slow() {
	local n=$1 tries=${2:-600} pid rc=0
	pid=$(vxpid "$n")
	kill -TERM "$pid" 2>/dev/null || true
	reap "$pid" "$tries" || rc=$?
	unset "VXT_VXPID[$n]"
	return "$rc"
}

# capture_packets FILE FILTER: how many packets in FILE match FILTER. (Unlike
# capture_count, which counts output lines, one per packet only where tcpdump
# prints one: it prints two for VXLAN, the outer and the inner frame.)
capture_packets() {
	tcpdump -nn -tt -r "$1" "$2" 2>/dev/null | grep -c '^[0-9][0-9]*\.[0-9]' || true
}

# capture_start_big NODE FILE: capture_start with a 64 MiB kernel buffer, for
# captures of bulk transfers that must not lose frames. Sets VXT_CAP_PID.
capture_start_big() {
	capture_start "$1" "$2" -B 65536
}

# capture_dropped FILE: after capture_stop, the frames tcpdump says the kernel
# dropped (0 when it says nothing).
capture_dropped() {
	local d
	d=$(sed -nE 's/^([0-9]+) packets dropped by kernel.*/\1/p' "$1.err" | tail -n 1)
	printf '%s\n' "${d:-0}"
}

# --- IPv6 underlay (test_ipv6_*) --------------------------------------------
#
# The same switch and nodes on an IPv6-only underlay: node I's eth1 holds
# fd00:56::4I/64 and no IPv4 address. The overlay carries both families:
# 10.244.0.I/16 and fd00:244::I/64.

# add_node6 I: node nI on the switch, underlay fd00:56::4I/64 only. nodad
# makes the address usable at once (no duplicate-address detection to wait
# for on the underlay).
add_node6() {
	local i=$1 n="n$1"
	add_ns "$n"
	ip -n "$(ns "$n")" link add eth1 type veth peer name "p$i" netns "$(ns sw)"
	ip -n "$(ns sw)" link set "p$i" master br0 up
	ip -n "$(ns "$n")" link set lo up
	ip -n "$(ns "$n")" link set eth1 up
	ip -n "$(ns "$n")" -6 addr add "fd00:56::4$i/64" dev eth1 nodad ||
		fail "$n: cannot add fd00:56::4$i/64 to eth1"
}

# make_topology6 N: switch plus nodes n1..nN on the IPv6-only underlay.
make_topology6() {
	local i
	make_switch
	# No MLD querier runs on this segment: flood multicast (neighbour
	# solicitations) rather than trust snooped group membership.
	ip -n "$(ns sw)" link set br0 type bridge mcast_snooping 0
	for ((i = 1; i <= $1; i++)); do
		add_node6 "$i"
	done
	for ((i = 2; i <= $1; i++)); do
		wait_for 40 0.05 nsx n1 ping -6 -n -q -c 1 -W 1 "fd00:56::4$i" >/dev/null ||
			fail "underlay: n1 cannot reach fd00:56::4$i"
	done
}

# seed_args6 I N: set VXT_ARGS to node I's command line on the IPv6 underlay
# (of N nodes): peers fd00:56::4J, overlay 10.244.0.I/16 and fd00:244::I/64.
seed_args6() {
	local i=$1 nn=$2 j
	VXT_ARGS=(--dev "$VXT_DEV" --vni "$VXT_VNI" --port "$VXT_PORT" --local "fd00:56::4$i"
		--addr "10.244.0.$i/16" --addr "fd00:244::$i/64")
	for ((j = 1; j <= nn; j++)); do
		((j == i)) || VXT_ARGS+=(--peer "fd00:56::4$j")
	done
}

# ping_pairs_dual N: every node of n1..nN pings every other in the IPv4
# overlay, then in the IPv6 one (warm-up pings, then 3 that must all pass).
ping_pairs_dual() {
	local nn=$1 i j dst
	for dst in 10.244.0. fd00:244::; do
		for ((i = 1; i <= nn; i++)); do
			for ((j = 1; j <= nn; j++)); do
				((i == j)) && continue
				ping_warm "n$i" "$dst$j" || fail "n$i -> $dst$j: no reply to 10 warm-up pings"
				info "n$i -> $dst$j"
				ping_ok "n$i" "$dst$j" 3 || fail "n$i -> $dst$j: not every ping of 3 answered"
			done
		done
	done
}

# wait_dad NODE [DEV]: wait (bounded, 10 s) until DEV (flannel.1) has its
# overlay IPv6 address and none of its IPv6 addresses is still tentative
# (duplicate-address detection takes about a second).
wait_dad() {
	local n=$1 dev=${2:-$VXT_DEV} i all tent
	for ((i = 0; i < 200; i++)); do
		all=$(ip -n "$(ns "$n")" -6 addr show dev "$dev" 2>&1) || fail "$n: ip -6 addr show dev $dev: $all"
		tent=$(ip -n "$(ns "$n")" -6 addr show dev "$dev" tentative)
		[[ -z $tent && $all == *"inet6 fd00:244::"* ]] && return 0
		sleep 0.05
	done
	fail "$n: IPv6 addresses on $dev not ready after 10 s: $(tr '\n' ' ' <<<"$all")"
}

# kernel_vxlan6 I VNI PORT [OPTION...]: a kernel node on the IPv6 underlay,
# flannel's IPv6 set-up (local6): flannel.1 of type vxlan with local
# fd00:56::4I, MAC node_mac I, MTU 1430 (1500 less the 70 bytes of outer
# IPv6), up, addresses 10.244.0.I/16 and fd00:244::I/64; eth1 transmit
# offload off (see kernel_vxlan).
kernel_vxlan6() {
	local i=$1 vni=$2 port=$3 n="n$1"
	shift 3
	ip -n "$(ns "$n")" link add "$VXT_DEV" type vxlan id "$vni" dstport "$port" \
		local "fd00:56::4$i" dev eth1 "$@" ||
		fail "$n: ip link add $VXT_DEV type vxlan id $vni dstport $port local fd00:56::4$i $* failed"
	ip -n "$(ns "$n")" link set "$VXT_DEV" address "$(node_mac "$i")" mtu 1430 up
	ip -n "$(ns "$n")" addr add "10.244.0.$i/16" dev "$VXT_DEV"
	ip -n "$(ns "$n")" -6 addr add "fd00:244::$i/64" dev "$VXT_DEV"
	nsx "$n" ethtool -K eth1 tx off >/dev/null || fail "$n: ethtool -K eth1 tx off failed"
}

# kernel_flood6 I J: on kernel node I, the all-zeros flood entry for node J
# over the IPv6 underlay.
kernel_flood6() {
	bridge -n "$(ns "n$1")" fdb append 00:00:00:00:00:00 dev "$VXT_DEV" dst "fd00:56::4$2" ||
		fail "n$1: bridge fdb append 00:00:00:00:00:00 dst fd00:56::4$2 failed"
}

# Filters for VXLAN over the IPv6 underlay (no outer extension headers):
# outer IPv6 40 bytes, UDP 8, VXLAN 8, then the inner Ethernet header (type
# at ip6[68:2]), an inner IPv6 header from ip6[70] (next header at ip6[76])
# and its ICMPv6 type at ip6[110].
# shellcheck disable=SC2034 # used by the tests that source this file
VXT_F6_VXLAN="ip6 and udp port $VXT_PORT"
# shellcheck disable=SC2034
VXT_F6_ICMP6="$VXT_F6_VXLAN and ip6[68:2] = 0x86dd and ip6[76] = 58"
