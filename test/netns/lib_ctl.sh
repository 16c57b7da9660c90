# shellcheck shell=bash
# Helpers for the control-socket tests (test_ctl_*). Source after lib.sh.
#
# Every node's control socket is $VXT_TMP/NODE.sock: VXT_TMP is made by
# mktemp for this run, so parallel runs never share a socket.

VXTAPCTL=${VXTAPCTL:-$(dirname "$VXTAP")/vxtapctl}

require_vxtapctl() {
	[[ -x $VXTAPCTL ]] || fail "vxtapctl not found at $VXTAPCTL (run 'make' first, or set VXTAPCTL)"
}

# indent: standard input, each line indented for the test's output.
indent() { sed 's/^/  /'; }

# sock NODE: the node's control socket.
sock() { printf '%s/%s.sock\n' "$VXT_TMP" "$1"; }

# start_node I N [ARGS...]: the seed's node I of N (peers: the other nodes up
# to N; none when N is 0) with MAC node_mac I and its own control socket.
start_node() {
	local i=$1 nn=$2
	shift 2
	seed_args "$i" "$nn"
	start_vxtap "n$i" "${VXT_ARGS[@]}" --mac "$(node_mac "$i")" --control "$(sock "n$i")" "$@"
}

# ctl NODE ARGS...: vxtapctl against the node's socket; its status is returned.
ctl() {
	local n=$1
	shift
	"$VXTAPCTL" --socket "$(sock "$n")" "$@"
}

# ctl_ok NODE ARGS...: ctl, and fail the test unless it exits 0. Prints stdout.
ctl_ok() {
	local out rc=0 err=$VXT_TMP/ctl.err
	out=$(ctl "$@" 2>"$err") || rc=$?
	((rc == 0)) || fail "vxtapctl on $1: '${*:2}' exited $rc: $(cat "$err")"
	# A reader such as "grep -q" may stop early: that is not a failure of
	# the request, so a closed pipe must not fail the pipeline.
	[[ -z $out ]] || (
		trap '' PIPE
		printf '%s\n' "$out" 2>/dev/null
	) || true
}

# ctl_py NODE EXPR ARGS...: run the request ARGS (a JSON one) and print the
# Python expression EXPR evaluated on the parsed reply, bound to d.
ctl_py() {
	local n=$1 expr=$2 json
	shift 2
	json=$(ctl_ok "$n" "$@")
	"$VXT_PY" -c 'import json, sys
d = json.loads(sys.argv[1])
print(eval(sys.argv[2]))' "$json" "$expr" || fail "vxtapctl on $n: '$*' is not the JSON expected: $json"
}

# peer_stat NODE ADDR FIELD: FIELD of peer ADDR in the node's "peer show
# --json", or "none" when the node has no such peer.
peer_stat() {
	ctl_py "$1" "next((p['$3'] for p in d if p['addr'] == '$2'), 'none')" peer show --json
}

has_peer() { [[ $(peer_stat "$1" "$2" port) != none ]]; }
lacks_peer() { [[ $(peer_stat "$1" "$2" port) == none ]]; }

# stat_json NODE PYEXPR: EXPR on the node's "stats --json" (d).
stat_json() { ctl_py "$1" "$2" stats --json; }

# ping_bg NODE DST COUNT FILE: COUNT pings at 20 per second in the background,
# ping's output to FILE. Sets VXT_PING_PID.
ping_bg() {
	local n=$1 dst=$2 c=$3 file=$4
	: >"$file"
	ip netns exec "$(ns "$n")" ping -n -i 0.05 -c "$c" -W 2 "$dst" >"$file" 2>&1 </dev/null &
	VXT_PING_PID=$!
	track "$VXT_PING_PID"
}

# ping_replies FILE: how many replies the ping writing FILE has had so far.
ping_replies() { grep -c 'bytes from' "$1" || true; }

# ping_wait_replies FILE N: wait (bounded, 10 s) for N replies.
ping_wait_replies() {
	local f=$1 want=$2 i
	for ((i = 0; i < 200; i++)); do
		(($(ping_replies "$f") >= want)) && return 0
		sleep 0.05
	done
	fail "ping in $f: fewer than $want replies after 10 s: $(tail -n 3 "$f" | tr '\n' ' ')"
}

# ping_finish PID FILE COUNT: wait for the background ping and fail unless
# its summary says COUNT sent and COUNT received.
ping_finish() {
	local pid=$1 f=$2 c=$3 rc=0 tx rx
	reap "$pid" 600 || rc=$?
	tx=$(sed -nE 's/^([0-9]+) packets transmitted.*/\1/p' "$f")
	rx=$(sed -nE 's/.* ([0-9]+) received.*/\1/p' "$f")
	info "background ping: $(grep 'packets transmitted' "$f" || echo 'no summary')"
	[[ $tx == "$c" ]] || fail "background ping sent ${tx:-?} of $c (status $rc)"
	[[ $rx == "$c" ]] || fail "background ping lost packets: $tx sent, ${rx:-?} received"
}

# pings_all N: every ordered pair of nodes 1..N pings the other's overlay address.
pings_all() {
	local a b
	for ((a = 1; a <= $1; a++)); do
		for ((b = 1; b <= $1; b++)); do
			((a == b)) && continue
			ping_warm "n$a" "10.244.0.$b" || fail "n$a -> 10.244.0.$b: no reply to 10 warm-up pings"
			ping_ok "n$a" "10.244.0.$b" 3 >/dev/null || fail "n$a -> 10.244.0.$b: not every ping of 3 answered"
		done
	done
}

VXT_BCAST_NEXT=200

# broadcasts NODE [N]: make the node's kernel broadcast ARP requests for N (5)
# overlay addresses nobody has, one ping each, all at once. Each address is
# used once per run: a failed neighbour entry would not ask again.
broadcasts() {
	local n=$1 k=${2:-5} i pids=()
	for ((i = 0; i < k; i++)); do
		nsx "$n" ping -n -q -c 1 -W 1 "10.244.1.$VXT_BCAST_NEXT" >/dev/null 2>&1 &
		pids+=("$!")
		track "$!"
		VXT_BCAST_NEXT=$((VXT_BCAST_NEXT + 1))
	done
	for i in "${pids[@]}"; do
		reap "$i" 100 || true
	done
}

# log_wait NODE REGEX: wait (bounded, 5 s) for a line matching REGEX in the node's log.
log_wait() {
	local i
	for ((i = 0; i < 100; i++)); do
		grep -Eq "$2" "$VXT_TMP/$1.log" && return 0
		sleep 0.05
	done
	fail "no line matching '$2' in the log of $1"
}

# same_daemon NODE PID: the node's vxtap is still PID and running.
same_daemon() {
	[[ $(vxpid "$1") == "$2" ]] || fail "vxtap on $1 changed PID: $2 -> $(vxpid "$1")"
	alive "$2" || fail "vxtap on $1 (PID $2) is not running"
}
