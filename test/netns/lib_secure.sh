# shellcheck shell=bash
# Helpers for the secure-mode tests (test_secure_*). Source after lib.sh and
# lib_ctl.sh. Every node has its own key pair: node I's private key in
# $VXT_TMP/nI.key (mode 0600), its public key in $VXT_TMP/nI.pub.

VXT_SECURE_PY=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/secure_pkts.py

# The crypto drop reasons of the SIGUSR1 dump (CRYPTO_DROP_REASONS in include/crypto.h).
VXT_CRYPTO_DROPS=(bad_tag replay unknown_session plain handshake malformed no_session
	unknown_peer bad_mac1 unknown_key wrong_key stale future rate_limited wrong_addr cookie)

# key_new FILE: a fresh private key from vxtap --genkey in FILE, mode 0600
# (written in place, so a running vxtap's --key-file keeps its path), and
# its public key (vxtap --pubkey) in FILE with .key replaced by .pub.
key_new() {
	local f=$1 k
	k=$("$VXTAP" --genkey) || fail "vxtap --genkey failed"
	(umask 077 && printf '%s\n' "$k" >"$f") || fail "cannot write key file $f"
	chmod 600 "$f"
	"$VXTAP" --pubkey <"$f" >"${f%.key}.pub" || fail "vxtap --pubkey < $f failed"
}

# keys_new N: a key pair for each of nodes 1..N.
keys_new() {
	local i
	for ((i = 1; i <= $1; i++)); do
		key_new "$VXT_TMP/n$i.key"
	done
}

# pub I: node I's public key.
pub() { cat "$VXT_TMP/n$1.pub"; }

# ready_line NODE: the node's last "vxtap: ready" line.
ready_line() { vxlog "$1" | grep '^vxtap: ready' | tail -n 1; }

# secure_args I N: VXT_ARGS for node I of N in secure mode: the seed's
# command line with each peer's public key (--peer ADDR=PUBKEY), node I's
# key file, MAC and control socket.
secure_args() {
	local i=$1 nn=$2 j
	VXT_ARGS=(--dev "$VXT_DEV" --vni "$VXT_VNI" --port "$VXT_PORT"
		--local "192.168.56.4$i" --addr "10.244.0.$i/16" --key-file "$VXT_TMP/n$i.key"
		--mac "$(node_mac "$i")" --control "$(sock "n$i")")
	for ((j = 1; j <= nn; j++)); do
		((j == i)) || VXT_ARGS+=(--peer "192.168.56.4$j=$(pub "$j")")
	done
}

# start_secure I N [ARGS...]: node I of N in secure mode (secure_args);
# fails unless its ready line ends with " secure".
start_secure() {
	local i=$1 nn=$2 line
	shift 2
	secure_args "$i" "$nn"
	start_vxtap "n$i" "${VXT_ARGS[@]}" "$@"
	line=$(ready_line "n$i")
	[[ $line == *" secure" ]] || fail "n$i: ready line does not end with ' secure': $line"
}

# crypto_counters NODE: the crypto counters of one dump that are not zero,
# "name=value" on one line.
crypto_counters() {
	local names=(crypto_sessions crypto_handshakes_completed crypto_inits_sent
		crypto_responses_sent crypto_cookies_sent crypto_cookie_replies_received
		crypto_under_load) r
	for r in "${VXT_CRYPTO_DROPS[@]}"; do
		names+=("drop_crypto_$r")
	done
	counters "$1" "${names[@]}" | grep -v '=0$' | tr '\n' ' '
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

# ping_sent FILE: packets sent according to the summary of the ping that wrote FILE.
ping_sent() { sed -nE 's/^([0-9]+) packets transmitted.*/\1/p' "$1"; }

# ping_none NODE DST [COUNT]: COUNT (3) pings, 1 s timeout each: true if none is answered.
ping_none() {
	local out
	out=$(nsx "$1" ping -n -q -c "${3:-3}" -i 0.2 -W 1 "$2" 2>&1) || true
	grep -q ' 0 received' <<<"$out"
}

# key_loads NODE: how many "private key from FILE loaded" lines the node has logged.
key_loads() { vxlog "$1" | grep -c '^vxtap: private key from .* loaded' || true; }

# key_loaded NODE BEFORE: the node has logged more key loads than BEFORE.
key_loaded() { (($(key_loads "$1") > $2)); }

# own_pub NODE: the public key the node said it has last (at start or a key load).
own_pub() {
	vxlog "$1" | sed -nE 's/^vxtap: (secure mode: public key|private key from .* loaded \(public key) ([A-Za-z0-9+\/]{43}=).*/\2/p' | tail -n 1
}

# peer_state NODE ADDR: the session state "peer show --json" gives for ADDR.
peer_state() { peer_stat "$1" "$2" state; }

# cpu_ticks PID: user + system clock ticks the process has used.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
