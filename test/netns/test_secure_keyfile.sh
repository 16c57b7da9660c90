#!/usr/bin/env bash
# Secure mode's key file checks. vxtap --genkey prints 44 base64 characters
# that decode to 32 bytes, a different key each call. A key file that group
# or others may access (0644, 0640, 0604) makes vxtap exit 1 with one line
# naming the file and saying "group or others"; so does a file holding 31 or
# 33 bytes of base64, or text that is not base64, or nothing, each line
# naming the file. The same key in a 0600 (or 0400) file starts a node whose
# ready line ends with " secure". Run inside a node's namespace (a started
# vxtap would make its TAP there, not in the root namespace).
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

make_topology 1
args=(--dev "$VXT_DEV" --local 192.168.56.41 --peer 192.168.56.42 --addr 10.244.0.1/16
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
info "ok"
