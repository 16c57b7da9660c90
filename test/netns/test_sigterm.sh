#!/usr/bin/env bash
# SIGTERM and SIGINT end vxtap with status 0 and remove flannel.1; bad command
# lines exit 2 with one line naming the option and quoting the value.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
require_vxtap

make_topology 2
seed_args 1 2
good=("${VXT_ARGS[@]}")

for sig in TERM INT; do
	start_vxtap n1 "${good[@]}"
	ip -n "$(ns n1)" link show "$VXT_DEV" >/dev/null 2>&1 || fail "flannel.1 missing in n1 while vxtap runs"
	[[ $(ip -n "$(ns n1)" -br addr show "$VXT_DEV") == *10.244.0.1/16* ]] ||
		fail "flannel.1 in n1 lacks 10.244.0.1/16: $(ip -n "$(ns n1)" -br addr show "$VXT_DEV")"
	rc=0
	stop_vxtap n1 "$sig" || rc=$?
	((rc == 0)) || fail "SIG$sig: vxtap exited with status $rc, expected 0"
	if ip -n "$(ns n1)" link show "$VXT_DEV" >/dev/null 2>&1; then
		fail "SIG$sig: flannel.1 still exists in n1 after vxtap exited"
	fi
	if nsx n1 ss -Hlun 'sport = :8472' | grep -q .; then
		fail "SIG$sig: UDP port 8472 still bound in n1: $(nsx n1 ss -Hlun 'sport = :8472')"
	fi
	info "SIG$sig: exit 0, flannel.1 removed, port released"
done

# run_bad EXPECT_RC ARGS...: run vxtap (bounded) in n1; sets OUT (stdout),
# ERR (stderr), RC.
run_bad() {
	local o=$VXT_TMP/bad.out e=$VXT_TMP/bad.err
	RC=0
	nsx n1 timeout 5 "$VXTAP" "$@" >"$o" 2>"$e" </dev/null || RC=$?
	OUT=$(cat "$o")
	ERR=$(cat "$e")
	if ip -n "$(ns n1)" link show "$VXT_DEV" >/dev/null 2>&1; then
		fail "flannel.1 exists in n1 after a rejected command line: $*"
	fi
}

# bad OPT VALUE [EXACT]: the good command line plus "OPT VALUE" must exit 2
# with exactly one stderr line 'vxtap: OPT: "VALUE" ...' (or EXACT).
bad() {
	local opt=$1 val=$2 exact=${3:-} lines
	run_bad "${good[@]}" "$opt" "$val"
	((RC == 2)) || fail "$opt $val: exit status $RC, expected 2 (stderr: $ERR)"
	lines=$(printf '%s\n' "$ERR" | grep -c . || true)
	((lines == 1)) || fail "$opt $val: $lines lines on stderr, expected 1: $ERR"
	[[ $ERR == "vxtap: $opt: \"$val\""* ]] || fail "$opt $val: stderr does not start with 'vxtap: $opt: \"$val\"': $ERR"
	if [[ -n $exact && $ERR != "$exact" ]]; then
		fail "$opt $val: stderr is '$ERR', expected '$exact'"
	fi
	info "$opt $val -> 2: $ERR"
}

bad --vni 16777216 'vxtap: --vni: "16777216" is out of range (0-16777215)'
bad --vni -1
bad --vni 1x
bad --port 65536
bad --port http
bad --local 192.168.56.300
bad --peer 192.168.56.4x
bad --peer 192.168.56.42:65536
bad --addr 10.244.0.1/33
bad --addr 10.244.0.1
bad --mac 0a:00:00:00:00
bad --mac 0a:00:00:00:00:zz
bad --mtu lots
bad --fdb 0a:00:00:00:00:02
bad --fdb 0a:00:00:00:00:02=192.168.56
bad --neigh 10.244.0.2
bad --neigh 10.244.0.2=0a:00:00:00:00
bad --ageing soon
bad --max-fdb many
bad --dev a-name-far-too-long-for-ifnamsiz

# Missing --local: exit 2, and the message says what is missing.
run_bad --dev "$VXT_DEV" --peer 192.168.56.42 --addr 10.244.0.1/16
((RC == 2)) || fail "no --local: exit status $RC, expected 2 (stderr: $ERR)"
[[ $ERR == *--local* ]] || fail "no --local: stderr does not mention --local: $ERR"
info "no --local -> 2: $(head -n 1 <<<"$ERR")"

run_bad "${good[@]}" --no-such-option
((RC == 2)) || fail "--no-such-option: exit status $RC, expected 2 (stderr: $ERR)"
[[ $ERR == *--no-such-option* ]] || fail "--no-such-option: stderr does not name it: $ERR"
info "--no-such-option -> 2: $(head -n 1 <<<"$ERR")"

run_bad --help
((RC == 0)) || fail "--help: exit status $RC, expected 0"
[[ $OUT == *--peer* && $OUT == *--local* ]] || fail "--help does not describe --peer and --local: $OUT"
run_bad --version
((RC == 0)) || fail "--version: exit status $RC, expected 0"
[[ $OUT =~ [0-9]+\.[0-9]+\.[0-9]+ ]] || fail "--version prints no version number: $OUT"
info "--help, --version -> 0"
info "ok"
