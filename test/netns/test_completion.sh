#!/usr/bin/env bash
# bash completion (completion/vxtap.bash): vxtap's options, --dev names and
# --local addresses (from a namespace of the test's), vxtapctl's options,
# commands and sub-commands, and --dev from the sockets of running vxtaps.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
require_vxtap

comp=$VXT_ROOT/completion/vxtap.bash
[[ -f $comp ]] || fail "no $comp"
make_topology 2

# complete NODE WORDS...: run the completion for the command line WORDS
# (the last word is the one being completed) in NODE's namespace, in a fresh
# bash; prints COMPREPLY sorted, space-separated.
complete_in() {
	local n=$1
	shift
	nsx "$n" env VXTAP_RUNDIR="${VXTAP_RUNDIR:-/run/vxtap}" bash -c '
		source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		fn=$(complete -p "$1" | sed -E "s/.*-F ([^ ]+) .*/\1/")
		"$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " " | sed "s/ $//"
	' _ "$comp" "$@"
}

# expect WANT WORDS...: the completion of WORDS is exactly WANT.
expect() {
	local want=$1 got
	shift
	got=$(complete_in n1 "$@")
	[[ $got == "$want" ]] || fail "completing '$*': got '$got', want '$want'"
	info "'$*' -> $got"
}

# has WANT WORDS...: WANT is among the completions of WORDS.
has() {
	local want=$1 got
	shift
	got=" $(complete_in n1 "$@") "
	[[ $got == *" $want "* ]] || fail "completing '$*': '$want' missing from '$got'"
	info "'$*' -> ... $want ..."
}

# Every long option that `vxtap --help` names, and no other, completes after
# "--"; the same for vxtapctl's options (its command words' --json and
# --prometheus left out).
want=$("$VXTAP" --help | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u | tr '\n' ' ' | sed 's/ $//')
expect "$want" vxtap --
want=$("${VXTAPCTL:-$(dirname "$VXTAP")/vxtapctl}" --help | grep -oE -- '--[a-z][a-z0-9-]+' |
	grep -vx -- --prometheus | sort -u | tr '\n' ' ' | sed 's/ $//')
expect "$want" vxtapctl --
expect "--max-fdb --max-fdb-per-peer --max-moves" vxtap --max
expect "--metrics" vxtap --me
has --local vxtap ""
has --metrics vxtap --dev flannel.1 -
has eth1 vxtap --dev ""
has flannel.1 vxtap -d fl
expect "192.168.56.41" vxtap --local 192.
expect "127.0.0.1:9472" vxtap --metrics 127
expect "" vxtap --vni ""

expect "fdb" vxtapctl fd
expect "etcd fdb help key lease neigh peer route stats" vxtapctl ""
expect "add del flush show" vxtapctl --dev flannel.1 peer ""
expect "flush" vxtapctl fdb fl
expect "--json --prometheus" vxtapctl stats --
expect "--json" vxtapctl neigh show ""
expect "dst" vxtapctl fdb add 0a:00:00:00:00:02 ""
expect "port" vxtapctl fdb add 0a:00:00:00:00:02 dst 192.168.56.42 ""
expect "key noflood" vxtapctl peer add 192.168.56.42 ""
expect "noflood" vxtapctl peer add 192.168.56.42 key KEY ""
expect "show" vxtapctl lease ""
expect "lladdr" vxtapctl -s /tmp/x.sock neigh add 10.244.0.2 ""
expect "load" vxtapctl key l

# --dev from the sockets: vxtaps in n1 with sockets in a directory of the
# test's, in the layout vxtap uses (RUNDIR/NS/DEV.sock inside a named
# namespace).
export VXTAP_RUNDIR=$VXT_TMP/run
mkdir -p "$VXTAP_RUNDIR/$(ns n1)"
seed_args 1 2
start_vxtap n1 "${VXT_ARGS[@]}" --control "$VXTAP_RUNDIR/$(ns n1)/flannel.1.sock"
start_vxtap n1 --dev vxtest7 --port 8473 --local 192.168.56.41 --peer 192.168.56.42 \
	--control "$VXTAP_RUNDIR/$(ns n1)/vxtest7.sock"
expect "flannel.1 vxtest7" vxtapctl --dev ""
expect "vxtest7" vxtapctl -d vx
got=$(complete_in n2 vxtapctl --dev "")
[[ -z $got ]] || fail "n2 has no vxtap, yet --dev completes to '$got'"
stop_all_vxtap
info "ok"
