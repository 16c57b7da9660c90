# shellcheck shell=bash
# Helpers for the secure-mode tests (test_secure_*). Source after lib.sh and
# lib_ctl.sh. Key files live in $VXT_TMP (removed on exit), mode 0600.

VXT_SECURE_PY=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/secure_pkts.py

# The crypto drop reasons of the SIGUSR1 dump (include/crypto.h).
VXT_CRYPTO_DROPS=(bad_tag replay unknown_session plain handshake malformed no_session)

# key_new FILE: a fresh key from vxtap --genkey in FILE, mode 0600 (written
# in place, so a running vxtap's --key-file keeps its path).
key_new() {
	local f=$1 k
	k=$("$VXTAP" --genkey) || fail "vxtap --genkey failed"
	(umask 077 && printf '%s\n' "$k" >"$f") || fail "cannot write key file $f"
	chmod 600 "$f"
}

# ready_line NODE: the node's last "vxtap: ready" line.
ready_line() { vxlog "$1" | grep '^vxtap: ready' | tail -n 1; }

# start_secure I N KEYFILE [ARGS...]: the seed's node I of N (start_node) in
# secure mode; fails unless its ready line ends with " secure".
start_secure() {
	local i=$1 nn=$2 key=$3 line
	shift 3
	start_node "$i" "$nn" --key-file "$key" "$@"
	line=$(ready_line "n$i")
	[[ $line == *" secure" ]] || fail "n$i: ready line does not end with ' secure': $line"
}

# crypto_counters NODE: every crypto counter of one dump, "name=value" on one line.
crypto_counters() {
	local names=(crypto_sessions crypto_inits_sent crypto_responses_sent) r
	for r in "${VXT_CRYPTO_DROPS[@]}"; do
		names+=("drop_crypto_$r")
	done
	counters "$1" "${names[@]}" | tr '\n' ' '
}

# counter_ge NODE NAME MIN: the counter is at least MIN (one dump).
counter_ge() { (($(counter "$1" "$2") >= $3)); }

# wait_counter NODE NAME MIN [TRIES]: poll (TRIES x 0.1 s, default 50) until
# the counter reaches MIN; false if it never does.
wait_counter() {
	wait_for "${4:-50}" 0.1 counter_ge "$1" "$2" "$3"
}

# crypto_drop_total NODE: the sum of the drop_crypto_* counters (one dump).
crypto_drop_total() {
	local r names=()
	for r in "${VXT_CRYPTO_DROPS[@]}"; do
		names+=("drop_crypto_$r")
	done
	counters "$1" "${names[@]}" | awk -F= '{ s += $2 } END { print s + 0 }'
}

# drops_reach NODE MIN: crypto_drop_total is at least MIN.
drops_reach() { (($(crypto_drop_total "$1") >= $2)); }

# spkt ARGS...: the sealed-datagram tool (secure_pkts.py) in the root
# namespace (reading captures only).
spkt() { "$VXT_PY" "$VXT_SECURE_PY" "$@"; }

# spkt_in NODE ARGS...: the tool inside the node's namespace (to send from
# the node's underlay address). Prints its "sent N" line.
spkt_in() {
	local n=$1
	shift
	nsx "$n" "$VXT_PY" "$VXT_SECURE_PY" "$@" || fail "secure_pkts.py $* in $n failed"
}

# ping_loss FILE: packets lost according to the summary of the ping that wrote FILE.
ping_loss() {
	local tx rx
	tx=$(sed -nE 's/^([0-9]+) packets transmitted.*/\1/p' "$1")
	rx=$(sed -nE 's/.* ([0-9]+) received.*/\1/p' "$1")
	[[ -n $tx && -n $rx ]] || fail "no ping summary in $1: $(tail -n 3 "$1" | tr '\n' ' ')"
	printf '%s\n' "$((tx - rx))"
}

# ping_none NODE DST [COUNT]: COUNT (3) pings, 1 s timeout each: true if none is answered.
ping_none() {
	local out
	out=$(nsx "$1" ping -n -q -c "${3:-3}" -i 0.2 -W 1 "$2" 2>&1) || true
	grep -q ' 0 received' <<<"$out"
}

# key_loads NODE: how many "key from FILE loaded" lines the node has logged.
key_loads() { vxlog "$1" | grep -c '^vxtap: key from .* loaded' || true; }

# key_loaded NODE BEFORE: the node has logged more key loads than BEFORE.
key_loaded() { (($(key_loads "$1") > $2)); }

# rotate_key MODE NODE NEWKEY: rotate the node to the key in NEWKEY, by
# "vxtapctl key load NEWKEY" (MODE ctl) or by rewriting the node's
# --key-file ($VXT_TMP/NODE.key) in place and sending SIGHUP (MODE hup).
# Returns once the node has logged the load.
rotate_key() {
	local mode=$1 n=$2 new=$3 before out rc=0
	before=$(key_loads "$n")
	case $mode in
	ctl)
		out=$("$VXTAPCTL" --socket "$VXT_TMP/$n.sock" key load "$new" 2>&1) || rc=$?
		((rc == 0)) || fail "$n: 'vxtapctl --socket $VXT_TMP/$n.sock key load $new' exited $rc: $out"
		;;
	hup)
		cat "$new" >"$VXT_TMP/$n.key" || fail "cannot rewrite $VXT_TMP/$n.key"
		kill -HUP "$(vxpid "$n")"
		;;
	*) fail "rotate_key: no mode $mode" ;;
	esac
	wait_for 100 0.05 key_loaded "$n" "$before" ||
		fail "$n: no 'key from ... loaded' line after the rotation by $mode: $(tail -n 3 "$VXT_TMP/$n.log" | tr '\n' ' ')"
}

# rotation_test MODE: nodes 1 and 2 (of the seed's 3) start with key A, each
# from its own --key-file; n1 pings n2 20 times a second throughout; n1 is
# rotated to key B, then, three seconds of pings later, n2 (rotate_key
# MODE). Both must make new sessions (now under B), a node 3 started with
# key B alone must reach both, and the ping must lose at most one packet.
rotation_test() {
	local mode=$1 count=300 ping=$VXT_TMP/ping12.txt pid r0 s1 s2 lost i
	make_topology 3
	key_new "$VXT_TMP/a.key"
	key_new "$VXT_TMP/b.key"
	for i in 1 2; do
		cp "$VXT_TMP/a.key" "$VXT_TMP/n$i.key"
		chmod 600 "$VXT_TMP/n$i.key"
		start_secure "$i" 3 "$VXT_TMP/n$i.key"
	done
	ping_warm n1 10.244.0.2 || fail "n1 -> 10.244.0.2: no reply to 10 warm-up pings"
	ping_ok n2 10.244.0.1 3 >/dev/null || fail "n2 -> 10.244.0.1: not every ping of 3 answered"
	mark n1 crypto_sessions drop_crypto_handshake
	mark n2 crypto_sessions drop_crypto_handshake
	ping_bg n1 10.244.0.2 "$count" "$ping"
	pid=$VXT_PING_PID
	ping_wait_replies "$ping" 20

	info "== rotating n1 to key B ($mode)"
	rotate_key "$mode" n1 "$VXT_TMP/b.key"
	vxlog n1 | grep '^vxtap: key from' | tail -n 1 | sed 's/^/  /'
	r0=$(ping_replies "$ping")
	ping_wait_replies "$ping" $((r0 + 60))
	info "== rotating n2 to key B ($mode), $(($(ping_replies "$ping") - r0)) replies later"
	rotate_key "$mode" n2 "$VXT_TMP/b.key"

	# New sessions under key B on both nodes.
	s1=${VXT_MARK[n1:crypto_sessions]}
	s2=${VXT_MARK[n2:crypto_sessions]}
	wait_counter n1 crypto_sessions $((s1 + 1)) || fail "n1 made no new session after both rotations"
	wait_counter n2 crypto_sessions $((s2 + 1)) || fail "n2 made no new session after both rotations"
	grew n1 crypto_sessions drop_crypto_handshake
	info "  n1: sessions +${VXT_GREW[crypto_sessions]}, drop_crypto_handshake +${VXT_GREW[drop_crypto_handshake]}"
	grew n2 crypto_sessions drop_crypto_handshake
	info "  n2: sessions +${VXT_GREW[crypto_sessions]}, drop_crypto_handshake +${VXT_GREW[drop_crypto_handshake]} (n1's inits under B before n2 had it)"
	alive "$pid" || fail "the 1-2 ping ended before both rotations were done: it did not run through them"

	# Key B is the live key on both: a node that has only B reaches them.
	key_new "$VXT_TMP/n3.key"
	cat "$VXT_TMP/b.key" >"$VXT_TMP/n3.key"
	start_secure 3 3 "$VXT_TMP/n3.key"
	for i in 1 2; do
		ping_warm n3 "10.244.0.$i" || fail "n3 (key B only) -> 10.244.0.$i: no reply to 10 warm-up pings"
		ping_ok n3 "10.244.0.$i" 3 >/dev/null || fail "n3 (key B only) -> 10.244.0.$i: not every ping of 3 answered"
	done
	info "  n3, with key B only, reaches n1 and n2"
	alive "$pid" || fail "the 1-2 ping ended before node 3 was checked"

	reap "$pid" 600 || true
	info "  background ping: $(grep 'packets transmitted' "$ping" || echo 'no summary')"
	lost=$(ping_loss "$ping")
	(($(sed -nE 's/^([0-9]+) packets transmitted.*/\1/p' "$ping") == count)) || fail "the background ping did not send all $count"
	((lost <= 1)) || fail "the background ping lost $lost packets across the rotations (at most 1 allowed)"
	ping_ok n1 10.244.0.2 3 >/dev/null || fail "n1 -> 10.244.0.2 fails after the rotations"
	ping_ok n2 10.244.0.1 3 >/dev/null || fail "n2 -> 10.244.0.1 fails after the rotations"
	for i in 1 2 3; do
		info "  n$i: $(crypto_counters "n$i")"
	done
}
