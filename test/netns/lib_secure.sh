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
ready_line() { grep '^vxtap: ready' "$VXT_TMP/$1.log" | tail -n 1; }

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
