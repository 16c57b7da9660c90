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

# peers_file I N: write node I's peers file ($VXT_TMP/nI.peers): every other
# node of N with its public key ($VXT_TMP/nJ.pub).
peers_file() {
	local i=$1 nn=$2 j
	for ((j = 1; j <= nn; j++)); do
		((j == i)) || printf '192.168.56.4%s key %s\n' "$j" "$(pub "$j")"
	done >"$VXT_TMP/n$i.peers.new"
	mv "$VXT_TMP/n$i.peers.new" "$VXT_TMP/n$i.peers"
}

# peers_reloads NODE: how many peers file loads the node has logged.
peers_reloads() { vxlog "$1" | grep -c '^vxtap: SIGHUP: reloaded' || true; }
peers_reloaded() { (($(peers_reloads "$1") > $2)); }

# rotation_test MODE: the seed's three nodes, each with its own key; node 1
# pings node 2 20 times a second throughout while node 2 moves to a new
# private key and nodes 1 and 3 learn its new public key -- with MODE ctl by
# "vxtapctl key load NEWFILE" on node 2 and "vxtapctl peer add ADDR key
# NEWPUB" on the others; with MODE hup by rewriting node 2's --key-file in
# place and each node's --peers-file, then SIGHUP. Pings resume (the number
# lost is printed; at most 20, one second's worth), node 2 reaches both
# others under its new key, and in ctl mode a later SIGHUP on node 2 reads
# the file key load named (its public key stays the new one).
rotation_test() {
	local mode=$1 count=300 ping=$VXT_TMP/ping12.txt pid r0 lost i before newpub
	make_topology 3
	keys_new 3
	for i in 1 2 3; do
		if [[ $mode == hup ]]; then
			peers_file "$i" 3
			secure_args "$i" 0
			start_vxtap "n$i" "${VXT_ARGS[@]}" --peers-file "$VXT_TMP/n$i.peers"
		else
			start_secure "$i" 3
		fi
	done
	pings_all 3
	key_new "$VXT_TMP/n2new.key"
	newpub=$(cat "$VXT_TMP/n2new.pub")
	ping_bg n1 10.244.0.2 "$count" "$ping"
	pid=$VXT_PING_PID
	ping_wait_replies "$ping" 40
	r0=$(ping_replies "$ping")

	info "== node 2 moves to a new private key ($mode)"
	before=$(key_loads n2)
	if [[ $mode == ctl ]]; then
		ctl_ok n2 key load "$VXT_TMP/n2new.key" >/dev/null
	else
		cat "$VXT_TMP/n2new.key" >"$VXT_TMP/n2.key"
		kill -HUP "$(vxpid n2)"
	fi
	wait_for 100 0.05 key_loaded n2 "$before" || fail "n2 logged no key load"
	[[ $(own_pub n2) == "$newpub" ]] || fail "n2's public key is $(own_pub n2), not the new $newpub"
	vxlog n2 | grep '^vxtap: private key from' | tail -n 1 | indent
	for i in 1 3; do
		if [[ $mode == ctl ]]; then
			ctl_ok "n$i" peer add 192.168.56.42 key "$newpub" >/dev/null
		else
			cp "$VXT_TMP/n2new.pub" "$VXT_TMP/n2.pub"
			before=$(peers_reloads "n$i")
			peers_file "$i" 3
			kill -HUP "$(vxpid "n$i")"
			wait_for 100 0.05 peers_reloaded "n$i" "$before" || fail "n$i did not reload its peers file"
		fi
		[[ $(peer_stat "n$i" 192.168.56.42 key) == "$newpub" ]] || fail "n$i does not list n2's new key"
	done
	info "  n1 and n3 list n2's new key, $(($(ping_replies "$ping") - r0)) replies after the ping was checked"

	reap "$pid" 1200 || true
	info "  background ping: $(grep 'packets transmitted' "$ping" || echo 'no summary')"
	lost=$(ping_loss "$ping")
	(($(ping_sent "$ping") == count)) || fail "the background ping did not send all $count"
	info "  pings lost across the rotation: $lost"
	echo "rotation_lost_$mode $lost" >>"${VXT_ROTATE_REPORT:-/dev/null}"
	((lost <= 20)) || fail "the background ping lost $lost packets across the rotation (more than 1 s)"
	for i in 1 3; do
		ping_ok n2 "10.244.0.$i" 3 >/dev/null || fail "n2 -> 10.244.0.$i fails under its new key"
		ping_ok "n$i" 10.244.0.2 3 >/dev/null || fail "n$i -> 10.244.0.2 fails after the rotation"
	done
	if [[ $mode == ctl ]]; then
		before=$(key_loads n2)
		kill -HUP "$(vxpid n2)"
		wait_for 100 0.05 key_loaded n2 "$before" || fail "n2 did not re-read its key on SIGHUP"
		vxlog n2 | grep '^vxtap: private key from' | tail -n 1 | indent
		vxlog n2 | grep '^vxtap: private key from' | tail -n 1 | grep -q "from $VXT_TMP/n2new.key " ||
			fail "SIGHUP after key load did not re-read the file key load named"
		[[ $(own_pub n2) == "$newpub" ]] || fail "after SIGHUP n2's public key is $(own_pub n2), not $newpub: the old key came back"
		ping_ok n1 10.244.0.2 3 >/dev/null || fail "n1 -> 10.244.0.2 fails after SIGHUP on n2"
	fi
	for i in 1 2 3; do
		info "  n$i: $(crypto_counters "n$i")"
	done
}

# quiet_pair_setup: nodes 1 and 2 of the seed with a key each and no IPv6
# (nothing but what the test sends crosses the tunnel); quiet then gives
# them static neighbours both ways, so that no kernel probe crosses the
# tunnel (and reaches a TAP) while copies of old datagrams arrive.
quiet_pair_setup() {
	local i
	make_topology 2
	for i in 1 2; do
		no_ipv6 "n$i"
	done
	keys_new 2
}

quiet() {
	ip -n "$(ns n1)" neigh replace 10.244.0.2 lladdr "$(node_mac 2)" dev "$VXT_DEV" nud permanent
	ip -n "$(ns n2)" neigh replace 10.244.0.1 lladdr "$(node_mac 1)" dev "$VXT_DEV" nud permanent
}
