#!/usr/bin/env bash
# The Debian package, end to end: "make deb" from a copy of the tree (or the
# .deb in $VXT_DEB), lintian without errors, dpkg -i, the files in place,
# "vxtap --version" matching the package, the unit checked by systemd-analyze
# (verify; security exposure at most 2.0). Then what notes/running-as-a-
# service.md tells an operator, as systemd would do it (PID 1 here is not
# systemd): /etc/vxtap/flannel.1.conf written, the installed unit's ExecStart
# run for instance flannel.1 with its EnvironmentFile, as an unprivileged
# user holding only CAP_NET_ADMIN (ambient, bounding set), no_new_privs, the
# unit's system-call and address-family filter, /run/vxtap as its runtime
# directory and a NOTIFY_SOCKET; it forwards to a second node, answers
# vxtapctl --dev flannel.1 and a /metrics scrape, reloads on ExecReload and
# stops on SIGTERM. Last, dpkg --purge, and the package database and the
# files are as they were. Refuses to run if vxtap is installed already.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
require_vxtap
for tool in dpkg-buildpackage dh lintian systemd-analyze setpriv curl promtool; do
	command -v "$tool" >/dev/null || fail "$tool is missing: run scripts/deps"
done

UNIT=/lib/systemd/system/vxtap@.service
CONF=/etc/vxtap/flannel.1.conf
OWNED=(/usr/sbin/vxtap /usr/sbin/vxtapctl /usr/share/man/man8/vxtap.8.gz
	/usr/share/man/man8/vxtapctl.8.gz "$UNIT" /usr/share/bash-completion/completions/vxtap
	/usr/share/bash-completion/completions/vxtapctl /etc/vxtap/vxtap0.conf)
DYN_UID=61999 # in systemd's DynamicUser range; must be unused

# The machine as found: no vxtap package (not even its conffiles), none of
# its files, and the list of packages to compare with at the end.
status=$(dpkg-query -W -f='${db:Status-Status}' vxtap 2>/dev/null || true)
[[ -z $status || $status == not-installed ]] ||
	fail "the vxtap package is on this machine already (status $status): this test installs and purges it, so it will not run here"
for f in "${OWNED[@]}" /etc/vxtap; do
	[[ ! -e $f && ! -L $f ]] || fail "$f exists already: this test installs and removes it, so it will not run here"
done
! getent passwd "$DYN_UID" >/dev/null || fail "uid $DYN_UID is taken on this machine"
dpkg-query -W -f='${binary:Package} ${Version} ${db:Status-Abbrev}\n' | sort >"$VXT_TMP/dpkg.before"

INSTALLED=
deb_cleanup() {
	if [[ -n $INSTALLED ]]; then
		rm -f "$CONF"
		dpkg --purge vxtap >/dev/null 2>&1 || echo "test_deb: dpkg --purge vxtap failed" >&2
		INSTALLED=
	fi
}
trap 'deb_cleanup; vxt_cleanup' EXIT
trap 'deb_cleanup; vxt_cleanup; exit 130' INT
trap 'deb_cleanup; vxt_cleanup; exit 143' TERM

# --- build and lint ---------------------------------------------------------
if [[ -n ${VXT_DEB:-} ]]; then
	deb=$VXT_DEB
	[[ -f $deb ]] || fail "VXT_DEB=$deb: no such file"
else
	start=$SECONDS
	# The unit suites run in "make unit" already: not again inside the build.
	deb=$(DEB_BUILD_OPTIONS=nocheck make -s -C "$VXT_ROOT" deb BUILD="$VXT_TMP/out" \
		DEB_WORK="$VXT_TMP/debwork" | tail -n 1) ||
		fail "make deb failed: $deb"
	info "make deb: $deb in $((SECONDS - start)) s"
fi
version=$(dpkg-deb -f "$deb" Version)
[[ ${deb##*/} == "vxtap_${version}_$(dpkg --print-architecture).deb" ]] || fail "unexpected package file name ${deb##*/}"

rc=0
lintian --fail-on error "$deb" >"$VXT_TMP/lintian.out" 2>&1 || rc=$?
grep -v 'running with root privileges' "$VXT_TMP/lintian.out" | sed 's/^/lintian: /' || true
((rc == 0)) || fail "lintian reports errors: $(grep '^E:' "$VXT_TMP/lintian.out" | head -n 5)"
info "lintian: $(grep -c '^E:' "$VXT_TMP/lintian.out" || true) errors, $(grep -c '^W:' "$VXT_TMP/lintian.out" || true) warnings"

# --- install ----------------------------------------------------------------
INSTALLED=1
dpkg -i "$deb" >"$VXT_TMP/dpkg-i.out" 2>&1 || fail "dpkg -i failed: $(tail -n 5 "$VXT_TMP/dpkg-i.out")"
for f in "${OWNED[@]}"; do
	[[ -e $f ]] || fail "$f missing after dpkg -i"
done
dpkg-query -W -f='${Conffiles}\n' vxtap | grep -q '^ /etc/vxtap/vxtap0.conf ' ||
	fail "/etc/vxtap/vxtap0.conf is not a conffile: $(dpkg-query -W -f='${Conffiles}' vxtap)"
[[ $(/usr/sbin/vxtap --version) == "vxtap $version" ]] || fail "vxtap --version says '$(/usr/sbin/vxtap --version)', package $version"
[[ $(/usr/sbin/vxtapctl --version) == *"$version"* ]] || fail "vxtapctl --version says '$(/usr/sbin/vxtapctl --version)'"
bash -c 'source /usr/share/bash-completion/completions/vxtapctl && complete -p vxtap vxtapctl' >/dev/null ||
	fail "the installed completion does not define completions for vxtap and vxtapctl"
info "installed $version: binaries, man pages, unit, completion, conffile /etc/vxtap/vxtap0.conf"

# --- the unit ---------------------------------------------------------------
systemd-analyze verify --man=no "$UNIT" >"$VXT_TMP/verify.out" 2>&1 ||
	fail "systemd-analyze verify $UNIT: $(cat "$VXT_TMP/verify.out")"
cp "$UNIT" "$VXT_TMP/vxtap@flannel.1.service"
rc=0
systemd-analyze security --offline=true --threshold=20 "$VXT_TMP/vxtap@flannel.1.service" \
	>"$VXT_TMP/security.out" 2>&1 || rc=$?
exposure=$(sed -nE 's/.*Overall exposure level for [^:]*: ([0-9.]+ [A-Z]+).*/\1/p' "$VXT_TMP/security.out")
((rc == 0)) || fail "systemd-analyze security: exposure ${exposure:-?} is above 2.0: $(grep '✗' "$VXT_TMP/security.out")"
info "systemd-analyze verify: clean; security --offline=true: exposure $exposure"

# --- run it as systemd would --------------------------------------------------
make_topology 2
printf '%s\n' '# vxtap@flannel.1' \
	'VXTAP_OPTS="--local 192.168.56.41 --peer 192.168.56.42 --addr 10.244.0.1/16 --metrics 127.0.0.1:9472"' >"$CONF"

# ExecStart with %i and $VXTAP_OPTS from the EnvironmentFile substituted.
exec_line=$(sed -n 's/^ExecStart=//p' "$UNIT")
envfile=$(sed -n 's/^EnvironmentFile=//p' "$UNIT")
[[ $envfile == "/etc/vxtap/%i.conf" ]] || fail "EnvironmentFile is $envfile"
opts=$(bash -c 'set -a; . "$1"; printf "%s" "$VXTAP_OPTS"' _ "$CONF")
read -ra words <<<"${exec_line//%i/flannel.1}"
cmd=()
for w in "${words[@]}"; do
	if [[ $w == '$VXTAP_OPTS' ]]; then
		read -ra o <<<"$opts"
		cmd+=("${o[@]}")
	else
		cmd+=("$w")
	fi
done
info "ExecStart: ${cmd[*]}"
[[ ${cmd[0]} == /usr/sbin/vxtap ]] || fail "ExecStart runs ${cmd[0]}"

# RuntimeDirectory=vxtap: a /run/vxtap of the service user's, seen only by
# the service (a mount namespace of its own) and by vxtapctl run the same way.
# In the same namespace /dev/net/tun is made mode 0666, as udev makes it on
# a Debian host (here, with no udev, it is 0600 root).
rundir=$VXT_TMP/run
mkdir -p "$rundir"
chown "$DYN_UID:$DYN_UID" "$rundir"
chmod 0755 "$rundir" "$VXT_TMP"
created_run=
if [[ ! -d /run/vxtap ]]; then
	mkdir -p /run/vxtap
	created_run=1
fi
# in_unit_mounts NODE CMD...: CMD in that mount namespace, in the node's
# network namespace; a simple command, so that $! of "... &" is CMD's PID.
unit_mounts_script='mount --bind "$0" /run/vxtap &&
	mount -t tmpfs -o mode=0755,size=64k tmpfs /dev/net && mknod -m 0666 /dev/net/tun c 10 200 &&
	exec "$@"'
in_unit_mounts() {
	local n=$1
	shift
	ip netns exec "$(ns "$n")" unshare -m --propagation private sh -c "$unit_mounts_script" "$rundir" "$@"
}

nlog=$VXT_TMP/notify.lines
: >"$nlog"
"$VXT_PY" "$(dirname "${BASH_SOURCE[0]}")/notify_recv.py" "$VXT_TMP/notify.sock" "$nlog" "$(ns n1)" flannel.1 \
	</dev/null 2>"$VXT_TMP/recv.err" &
track $!
wait_for 100 0.05 grep -q '^listening$' "$nlog" || fail "notify receiver not listening"
chmod 0666 "$VXT_TMP/notify.sock"

log=$VXT_TMP/n1.log
NOTIFY_SOCKET=$VXT_TMP/notify.sock ip netns exec "$(ns n1)" \
	unshare -m --propagation private sh -c "$unit_mounts_script" "$rundir" \
	setpriv --reuid="$DYN_UID" --regid="$DYN_UID" --clear-groups \
	--inh-caps=-all,+net_admin --ambient-caps=-all,+net_admin --bounding-set=-all,+net_admin \
	--no-new-privs "$VXT_PY" "$(dirname "${BASH_SOURCE[0]}")/unit_exec.py" "${cmd[@]}" \
	>"$log" 2>&1 </dev/null &
mainpid=$!
track "$mainpid"
VXT_VXPID[n1]=$mainpid
wait_for 200 0.05 grep -q '^READY=1' "$nlog" || fail "no READY=1 from the unit's vxtap: $(cat "$log")"
info "notify: $(grep '^READY=1' "$nlog")"
grep -q '^READY=1|STATUS=1 peer tap=yes$' "$nlog" || fail "READY=1 came without flannel.1: $(cat "$nlog")"
read -r _ r e s _ < <(grep '^Uid:' "/proc/$mainpid/status")
[[ "$r $e $s" == "$DYN_UID $DYN_UID $DYN_UID" ]] || fail "the unit's vxtap runs as uid $r $e $s"
capeff=$(sed -n 's/^CapEff:[[:space:]]*//p' "/proc/$mainpid/status")
[[ $capeff == 0000000000001000 ]] || fail "the unit's vxtap has capabilities $capeff, want CAP_NET_ADMIN only (1000)"
[[ $(sed -n 's/^Seccomp:[[:space:]]*//p' "/proc/$mainpid/status") == 2 ]] || fail "the unit's vxtap has no seccomp filter"

seed_args 2 2
start_vxtap n2 "${VXT_ARGS[@]}"
ping_warm n1 10.244.0.2 || fail "n1 (unit) -> 10.244.0.2: no reply"
ping_ok n1 10.244.0.2 3 || fail "n1 (unit) -> 10.244.0.2: pings lost"
in_unit_mounts n1 /usr/sbin/vxtapctl --dev flannel.1 peer show >"$VXT_TMP/peers" 2>&1 ||
	fail "vxtapctl --dev flannel.1 peer show: $(cat "$VXT_TMP/peers")"
grep -q '192.168.56.42' "$VXT_TMP/peers" || fail "vxtapctl peer show: $(cat "$VXT_TMP/peers")"
ls "$rundir/$(ns n1)/flannel.1.sock" >/dev/null || fail "no socket at /run/vxtap/$(ns n1)/flannel.1.sock"
nsx n1 curl -s -m 5 http://127.0.0.1:9472/metrics >"$VXT_TMP/metrics" || fail "scrape failed"
promtool check metrics <"$VXT_TMP/metrics" >"$VXT_TMP/promtool.out" 2>&1 || fail "promtool: $(cat "$VXT_TMP/promtool.out")"
info "forwarding, vxtapctl --dev flannel.1, /metrics ($(grep -c '^vxtap_' "$VXT_TMP/metrics") samples, promtool ok)"

# ExecReload, then stop.
reload=$(sed -n 's/^ExecReload=//p' "$UNIT")
reload=${reload//\$MAINPID/$mainpid}
read -ra rw <<<"$reload"
"${rw[@]}" || fail "ExecReload ($reload) failed"
reload_seen() { grep -A1 '^RELOADING=1' "$nlog" | grep -q '^READY=1'; }
wait_for 100 0.05 reload_seen || fail "no RELOADING=1 then READY=1: $(cat "$nlog")"
rc=0
stop_vxtap n1 TERM || rc=$?
((rc == 0)) || fail "the unit's vxtap exited $rc on SIGTERM: $(cat "$log")"
wait_for 100 0.05 grep -q '^STOPPING=1' "$nlog" || fail "no STOPPING=1"
info "ExecReload: RELOADING=1, READY=1; SIGTERM: STOPPING=1, exit 0"
! grep -q 'Bad system call\|SIGSYS' "$log" || fail "a system call outside the filter: $(cat "$log")"
stop_all_vxtap
[[ -z $created_run ]] || rmdir /run/vxtap 2>/dev/null || true

# --- remove -----------------------------------------------------------------
rm -f "$CONF"
dpkg -r vxtap >"$VXT_TMP/dpkg-r.out" 2>&1 || fail "dpkg -r failed: $(cat "$VXT_TMP/dpkg-r.out")"
[[ -e /etc/vxtap/vxtap0.conf ]] || fail "dpkg -r removed the conffile (only purge should)"
[[ ! -e /usr/sbin/vxtap ]] || fail "/usr/sbin/vxtap still there after dpkg -r"
dpkg --purge vxtap >"$VXT_TMP/dpkg-p.out" 2>&1 || fail "dpkg --purge failed: $(cat "$VXT_TMP/dpkg-p.out")"
INSTALLED=
for f in "${OWNED[@]}" /etc/vxtap; do
	[[ ! -e $f && ! -L $f ]] || fail "$f still there after dpkg --purge"
done
dpkg-query -W -f='${binary:Package} ${Version} ${db:Status-Abbrev}\n' | sort >"$VXT_TMP/dpkg.after"
diff "$VXT_TMP/dpkg.before" "$VXT_TMP/dpkg.after" >"$VXT_TMP/dpkg.diff" ||
	fail "the package list changed: $(cat "$VXT_TMP/dpkg.diff")"
info "dpkg -r, dpkg --purge: files gone, package list as before"
info "ok"
