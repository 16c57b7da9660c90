#!/usr/bin/env bash
# Secure mode's key files and keys of peers. vxtap --genkey prints 44 base64
# characters that decode to 32 bytes, a different key each call; vxtap
# --pubkey prints the public key of the private key on its standard input
# (the one the daemon logs), and refuses anything else. A key file that
# group or others may access (0644, 0640, 0604), or owned by another user
# than root or the --user account, makes vxtap exit 1 with one line naming
# the file; so does a file holding 31 or 33 bytes of base64, or text that is
# not base64, or nothing, each line naming the file; --psk-file is checked
# the same way. The same key in a 0600 (or 0400) file starts a node whose
# ready line ends with " secure", also when owned by the --user account.
# In secure mode a peer without a public key is refused: on the command
# line (exit 2, one line naming --peer and the value), in the peers file
# (FILE:LINE), and by the control socket (an error reply); so is a key
# without --key-file, and this node's own public key for a peer. Two nodes
# with different --psk-file secrets get nothing through; with the same one
# they talk. Run inside a node's namespace (a started vxtap would make its
# TAP there, not in the root namespace).
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=test/netns/lib_ctl.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_ctl.sh"
# shellcheck source=test/netns/lib_secure.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_secure.sh"
require_root
require_vxtap

# --- --genkey ------------------------------------------------------------------
k1=$("$VXTAP" --genkey) || fail "vxtap --genkey exited $?"
k2=$("$VXTAP" --genkey) || fail "vxtap --genkey exited $?"
for k in "$k1" "$k2"; do
	[[ $k =~ ^[A-Za-z0-9+/]{43}=$ ]] || fail "vxtap --genkey printed '$k', not 44 characters of padded base64"
	n=$(printf '%s' "$k" | base64 -d | wc -c) || fail "'$k' does not decode as base64"
	((n == 32)) || fail "vxtap --genkey's '$k' decodes to $n bytes, not 32"
done
[[ $k1 != "$k2" ]] || fail "two calls of vxtap --genkey printed the same key: $k1"
lines=$("$VXTAP" --genkey | wc -l)
((lines == 1)) || fail "vxtap --genkey printed $lines lines"
info "--genkey: $k1 and $k2 (44 characters, 32 bytes each, different)"

# --- --pubkey ------------------------------------------------------------------
kf=$VXT_TMP/k1.key
(umask 077 && printf '%s\n' "$k1" >"$kf")
p1=$("$VXTAP" --pubkey <"$kf") || fail "vxtap --pubkey exited $?"
[[ $p1 =~ ^[A-Za-z0-9+/]{43}=$ && $p1 != "$k1" ]] || fail "vxtap --pubkey printed '$p1'"
p1b=$(printf '%s' "$k1" | "$VXTAP" --pubkey) || fail "vxtap --pubkey without a newline exited $?"
[[ $p1 == "$p1b" ]] || fail "vxtap --pubkey gave $p1 and $p1b for the same key"
for bad in "" "${k1:0:40}" "$k1$k1" "not a key"; do
	rc=0
	out=$(printf '%s\n' "$bad" | "$VXTAP" --pubkey 2>&1) || rc=$?
	((rc == 1)) || fail "vxtap --pubkey with '$bad' on stdin exited $rc, want 1: $out"
done
info "--pubkey: $p1 (refuses an empty, short, long or non-base64 input)"

make_topology 2
key_new "$VXT_TMP/peer.key"
peerpub=$(cat "$VXT_TMP/peer.pub")
args=(--dev "$VXT_DEV" --local 192.168.56.41 --peer "192.168.56.42=$peerpub" --addr 10.244.0.1/16
	--control "$VXT_TMP/n1.sock")

# refused FILE WHAT...: vxtap with --key-file FILE exits 1, printing exactly
# one line that names FILE and contains every WHAT.
refused() {
	local f=$1 out rc=0 w
	shift
	out=$(nsx n1 timeout 10 "$VXTAP" "${args[@]}" --key-file "$f" 2>&1 </dev/null) || rc=$?
	info "  $(stat -c '%a' "$f" 2>/dev/null || echo none) ${f##*/}: exit $rc: $out"
	((rc == 1)) || fail "vxtap with key file $f exited $rc, want 1: $out"
	(($(wc -l <<<"$out") == 1)) || fail "vxtap with key file $f printed more than one line: $out"
	[[ $out == *"$f"* ]] || fail "vxtap's error for key file $f does not name it: $out"
	for w in "$@"; do
		[[ $out == *"$w"* ]] || fail "vxtap's error for key file $f does not say '$w': $out"
	done
	ip -n "$(ns n1)" link show "$VXT_DEV" >/dev/null 2>&1 && fail "a refused key file left $VXT_DEV behind"
	return 0
}

info "== modes"
for mode in 644 640 604 660 606; do
	f=$VXT_TMP/mode$mode.key
	printf '%s\n' "$k1" >"$f"
	chmod "$mode" "$f"
	refused "$f" "group or others"
done

info "== owners"
for owner in 12345 nobody; do
	f=$VXT_TMP/owner-$owner.key
	printf '%s\n' "$k1" >"$f"
	chmod 600 "$f"
	chown "$owner" "$f"
	refused "$f" "owned by uid $(id -u "$owner" 2>/dev/null || echo "$owner"), not root"
done

info "== contents"
f31=$VXT_TMP/b31.key
head -c 31 /dev/urandom | base64 >"$f31"
f33=$VXT_TMP/b33.key
head -c 33 /dev/urandom | base64 >"$f33"
fbad=$VXT_TMP/notb64.key
printf '%s\n' "${k1:0:20}!!${k1:22}" >"$fbad"
fempty=$VXT_TMP/empty.key
: >"$fempty"
chmod 600 "$f31" "$f33" "$fbad" "$fempty"
info "  31 bytes in base64: $(cat "$f31") ($(wc -c <"$f31") characters with the newline)"
for f in "$f31" "$f33" "$fbad" "$fempty"; do
	refused "$f"
done
refused "$VXT_TMP/missing.key"

info "== --psk-file"
for mode in 644 600; do
	f=$VXT_TMP/psk$mode.key
	printf '%s\n' "$("$VXTAP" --genkey)" >"$f"
	chmod "$mode" "$f"
done
printf '%s\n' "$k1" >"$VXT_TMP/good.key"
chmod 600 "$VXT_TMP/good.key"
rc=0
out=$(nsx n1 timeout 10 "$VXTAP" "${args[@]}" --key-file "$VXT_TMP/good.key" \
	--psk-file "$VXT_TMP/psk644.key" 2>&1 </dev/null) || rc=$?
info "  644 psk644.key: exit $rc: $out"
if ((rc != 1)) || ! [[ $out == *"$VXT_TMP/psk644.key"*"group or others"* ]]; then
	fail "a --psk-file readable by others was not refused as a key file is: $out"
fi

info "== accepted"
for mode in 600 400; do
	f=$VXT_TMP/good$mode.key
	printf '%s\n' "$k1" >"$f"
	chmod "$mode" "$f"
	start_vxtap n1 "${args[@]}" --key-file "$f"
	line=$(ready_line n1)
	info "  $mode: $line"
	[[ $line == *" secure" ]] || fail "a mode $mode key file: the ready line does not end with ' secure': $line"
	stop_all_vxtap
done
f=$VXT_TMP/user.key
printf '%s\n' "$k1" >"$f"
chmod 600 "$f"
chown nobody "$f"
start_vxtap n1 "${args[@]}" --key-file "$f" --user nobody
line=$(ready_line n1)
info "  owned by nobody, --user nobody: $line"
[[ $line == *" secure" ]] || fail "a key file owned by the --user account was not taken: $line"
vxlog n1 | grep -qF "secure mode: public key $p1" || fail "the daemon did not log the public key vxtap --pubkey printed ($p1)"
stop_all_vxtap

info "== peers without keys, keys without secure mode"
# usage_refused WHAT ARGS...: exit 2, one line, naming --peer and WHAT.
usage_refused() {
	local what=$1 out rc=0
	shift
	out=$(nsx n1 timeout 10 "$VXTAP" "$@" 2>&1 </dev/null) || rc=$?
	info "  exit $rc: $out"
	((rc == 2)) || fail "vxtap $* exited $rc, want 2: $out"
	(($(wc -l <<<"$out") == 1)) || fail "more than one line: $out"
	[[ $out == *"--peer"*"$what"* ]] || fail "the error does not name --peer and '$what': $out"
}
base=(--dev "$VXT_DEV" --local 192.168.56.41 --addr 10.244.0.1/16 --control "$VXT_TMP/n1.sock")
usage_refused '"192.168.56.42" has no public key' "${base[@]}" --key-file "$VXT_TMP/good.key" \
	--peer 192.168.56.42
usage_refused '"192.168.56.43" has no public key' "${base[@]}" --key-file "$VXT_TMP/good.key" \
	--peer "192.168.56.42=$peerpub,192.168.56.43"
usage_refused "has a public key, but there is no --key-file" "${base[@]}" --peer "192.168.56.42=$peerpub"
usage_refused "not 32 bytes of base64" "${base[@]}" --key-file "$VXT_TMP/good.key" \
	--peer "192.168.56.42=${peerpub:0:40}"
rc=0
out=$(nsx n1 timeout 10 "$VXTAP" "${base[@]}" --key-file "$VXT_TMP/good.key" --peer "192.168.56.42=$p1" 2>&1 </dev/null) || rc=$?
info "  own key for a peer: exit $rc: $out"
if ((rc != 1)) || ! [[ $out == *"own public key"* ]]; then
	fail "this node's own public key for a peer was not refused: $out"
fi
(($(wc -l <<<"$out") == 1)) || fail "more than one line for a refused peer key: $out"

pf=$VXT_TMP/n1.peers
printf '192.168.56.42 key %s\n192.168.56.43\n' "$peerpub" >"$pf"
rc=0
out=$(nsx n1 timeout 10 "$VXTAP" "${base[@]}" --key-file "$VXT_TMP/good.key" --peers-file "$pf" 2>&1 </dev/null) || rc=$?
info "  peers file: exit $rc: $out"
if ((rc != 1)) || ! [[ $out == *"$pf:2: "*"has no key"* ]]; then
	fail "a peers file line without a key was not refused with FILE:LINE: $out"
fi
(($(wc -l <<<"$out") == 1)) || fail "more than one line for a refused peers file: $out"

printf '192.168.56.42 key %s\npeer 192.168.56.43 key %s\n' "$peerpub" "$peerpub" >"$pf"
start_vxtap n1 "${base[@]}" --key-file "$VXT_TMP/good.key" --peers-file "$pf"
for req in "peer add 192.168.56.44" "peer add 192.168.56.44 key ${peerpub:0:40}" "peer add 192.168.56.44 key $p1"; do
	rc=0
	# shellcheck disable=SC2086
	out=$(ctl n1 $req 2>&1) || rc=$?
	info "  $req: exit $rc: $out"
	((rc == 1)) || fail "'$req' was not refused: $out"
done
(($(ctl_py n1 'len(d)' peer show --json) == 2)) || fail "a refused peer add changed the peers"
ctl_ok n1 peer add 192.168.56.44 key "$peerpub" >/dev/null
[[ $(peer_stat n1 192.168.56.44 key) == "$peerpub" ]] || fail "peer add ... key did not list the key"
ctl_ok n1 peer show | indent
stop_all_vxtap

info "== --psk-file"
keys_new 2
cp "$VXT_TMP/psk600.key" "$VXT_TMP/psk-other.key"
printf '%s\n' "$("$VXTAP" --genkey)" >"$VXT_TMP/psk-other.key"
start_secure 1 2 --psk-file "$VXT_TMP/psk600.key"
start_secure 2 2 --psk-file "$VXT_TMP/psk-other.key"
ping_none n1 10.244.0.2 3 || fail "n1 -> 10.244.0.2 answered with different PSKs"
wait_counter n2 drop_crypto_handshake 1 || fail "n2 did not refuse an init under another PSK"
info "  different PSKs: no ping crosses; n2: $(crypto_counters n2)"
stop_vxtap n2 || fail "vxtap on n2 did not exit 0"
start_secure 2 2 --psk-file "$VXT_TMP/psk600.key"
ping_warm n1 10.244.0.2 || fail "n1 -> 10.244.0.2: no reply with the same PSK"
info "  the same PSK: n1 and n2 talk"
stop_all_vxtap
info "ok"
