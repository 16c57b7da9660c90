#!/usr/bin/env bash
# Too few file descriptors, or no memory lock, in plain and in secure mode:
# a clear line at start, never a crash.
#
# How the fault is made: vxtap is started under `prlimit --nofile=N:N`
# (what `ulimit -n N` does to a shell's children) and, for the memory lock,
# under `prlimit --memlock=65536:65536` and `setpriv --bounding-set
# -ipc_lock` (root with CAP_IPC_LOCK may lock past the limit).
#
# - Below the number of descriptors it needs (its message says how many),
#   vxtap exits with status 1 after exactly one line that names the limit
#   and how to raise it; never a signal, never a half-done set-up.
# - At exactly that number it runs; 40 idle control clients then use up
#   every spare descriptor: it keeps forwarding and answering later clients
#   once those go (accept pauses and resumes; at most 5 lines logged).
# - A soft limit below the need under a hard limit above it is raised.
# - Secure mode with 64 KiB of lockable memory starts with one warning that
#   keys may be swapped; plain mode (no keys) says nothing of it.
set -euo pipefail
# shellcheck source=test/netns/lib_fault.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_fault.sh"
fault_require

# mode_args I: VXT_ARGS for node I of 2 in VXT_MODE.
mode_args() {
	if [[ $VXT_MODE == secure ]]; then
		secure_args "$1" 2
	else
		seed_args "$1" 2
		VXT_ARGS+=(--mac "$(node_mac "$1")" --control "$(sock "n$1")")
	fi
}

# refused N: vxtap under nofile N:N must exit 1 with one line; prints the
# number of descriptors the line says it needs.
refused() {
	local out rc=0 need
	mode_args 1
	out=$(nsx n1 prlimit --nofile="$1:$1" "$VXTAP" "${VXT_ARGS[@]}" 2>&1 </dev/null) || rc=$?
	out=$(unstamp <<<"$out")
	((rc == 1)) || fail "nofile $1: vxtap exited with status $rc, not 1: $out"
	(($(wc -l <<<"$out") == 1)) || fail "nofile $1: more than one line: $out"
	need=$(sed -nE 's/^vxtap: too few file descriptors: vxtap needs ([0-9]+) with these options .*LimitNOFILE=.*/\1/p' <<<"$out")
	[[ -n $need ]] || fail "nofile $1: not the expected line: $out"
	info "  nofile $1: exit 1: $out" >&2
	printf '%s\n' "$need"
}

# idle_clients N SECS: N control connections to node 1's socket, held for
# SECS seconds (or until killed), in the background. Sets VXT_IDLE_PID.
idle_clients() {
	"$VXT_PY" -c 'import socket, sys, time
s = []
for _ in range(int(sys.argv[2])):
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(sys.argv[1])
    s.append(c)
print("held", len(s), flush=True)
time.sleep(float(sys.argv[3]))' "$(sock n1)" "$1" "$2" >"$VXT_TMP/idle.out" 2>&1 &
	VXT_IDLE_PID=$!
	track "$VXT_IDLE_PID"
	wait_for 100 0.05 grep -qs '^held' "$VXT_TMP/idle.out" || fail "idle control clients did not connect: $(cat "$VXT_TMP/idle.out")"
}

# Descriptors inherited from whatever started the test (flock(1) passes its
# lock file on) would count against vxtap's limit, as a service manager's
# would not: close them (not 255, bash's own, which closes on exec).
for f in "/proc/$$/fd"/*; do
	f=${f##*/}
	if ((f > 2 && f != 255)); then
		eval "exec $f>&-" 2>/dev/null || true
	fi
done

make_topology 2
keys_new 2
for VXT_MODE in plain secure; do
	info "== $VXT_MODE mode"
	need=$(refused 8)
	for n in 5 16 $((need - 1)); do
		[[ $(refused "$n") == "$need" ]] || fail "nofile $n: a different need than $need"
	done

	# Exactly enough: runs; idle clients take every spare descriptor.
	mode_args 2
	start_vxtap n2 "${VXT_ARGS[@]}"
	mode_args 1
	# start_vxtap runs "$VXTAP" ARGS: here prlimit, which runs vxtap.
	# shellcheck disable=SC2097,SC2098 # the real vxtap is prlimit's argument
	VXTAP=$(command -v prlimit) start_vxtap n1 --nofile="$need:$need" "$VXTAP" "${VXT_ARGS[@]}"
	pid=$(vxpid n1)
	grep -Eq "^Max open files +$need +$need " "/proc/$pid/limits" || fail "n1 does not run with nofile $need: $(grep 'open files' "/proc/$pid/limits")"
	pings_all 2
	idle_clients 40 30
	ping_ok n1 10.244.0.2 5 >/dev/null || fail "n1 -> 10.244.0.2 fails while its descriptors are used up"
	rc=0
	timeout 2 "$VXTAPCTL" --socket "$(sock n1)" stats >/dev/null 2>&1 || rc=$?
	info "  nofile $need: runs; with 40 idle control clients forwarding goes on; another client gets status $rc"
	kill "$VXT_IDLE_PID" 2>/dev/null || true
	reap "$VXT_IDLE_PID" 100 || true
	wait_for 40 0.05 ctl n1 stats >/dev/null 2>&1 || fail "n1 answers no control client after the idle ones left"
	same_daemon n1 "$pid"
	accepts=$(vxlog n1 | grep -c 'control: accept' || true)
	info "  after they left: answers again; $accepts 'control: accept' lines logged"
	((accepts <= 5)) || fail "n1 logged $accepts accept failures (rate limit: 5 in 10 s)"
	stop_all_vxtap

	# A soft limit below the need is raised when the hard one allows.
	mode_args 1
	# shellcheck disable=SC2097,SC2098 # as above
	VXTAP=$(command -v prlimit) start_vxtap n1 --nofile="8:4096" "$VXTAP" "${VXT_ARGS[@]}"
	grep -Eq "^Max open files +$need +4096 " "/proc/$(vxpid n1)/limits" ||
		fail "soft limit 8 was not raised to $need: $(grep 'open files' "/proc/$(vxpid n1)/limits")"
	info "  nofile 8 (hard 4096): soft limit raised to $need, runs"
	stop_all_vxtap

	# Little lockable memory and no CAP_IPC_LOCK.
	mode_args 1
	# shellcheck disable=SC2097,SC2098 # as above: setpriv runs prlimit, which runs vxtap
	VXTAP=$(command -v setpriv) start_vxtap n1 --bounding-set=-ipc_lock \
		prlimit --memlock=65536:65536 "$VXTAP" "${VXT_ARGS[@]}"
	warn=$(vxlog n1 | grep -c 'cannot lock .* of memory' || true)
	if [[ $VXT_MODE == secure ]] && vxtap_is_asan; then
		# ASan's mlock interceptor does nothing and reports success, so
		# the probe cannot fail in a sanitizer build (make asan).
		info "  memlock 64 KiB: warning not checked: $VXTAP is a sanitizer build, whose mlock always succeeds"
	elif [[ $VXT_MODE == secure ]]; then
		((warn == 1)) || fail "secure mode with 64 KiB lockable: $warn memory-lock warnings, not 1"
		vxlog n1 | grep 'cannot lock' | indent
	else
		((warn == 0)) || fail "plain mode warned about locking memory it does not need"
		info "  memlock 64 KiB: plain mode starts without a word about it"
	fi
	stop_all_vxtap
done
info "PASS: descriptor and memory-lock limits: one clear line, never a crash, in both modes"
