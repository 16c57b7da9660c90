# bash completion for vxtap and vxtapctl. Installed as
# completions/vxtap, with completions/vxtapctl a link to it.

# Control sockets live in ${VXTAP_RUNDIR:-/run/vxtap}/DEV.sock, or in a
# subdirectory named after the network namespace (see vxtap(8)).
_vxtap_rundir() { printf '%s\n' "${VXTAP_RUNDIR:-/run/vxtap}"; }

# The devices with a control socket, as vxtapctl --dev takes them.
_vxtap_sockets() {
	local dir f ns
	dir=$(_vxtap_rundir)
	ns=$(ip netns identify 2>/dev/null)
	[[ -n $ns ]] && dir=$dir/$ns
	for f in "$dir"/*.sock; do
		[[ -S $f ]] || continue
		f=${f##*/}
		printf '%s\n' "${f%.sock}"
	done
}

# Local unicast addresses, for --local and --metrics.
_vxtap_addrs() {
	ip -o addr show scope global 2>/dev/null | awk '{ sub("/.*", "", $4); print $4 }'
}

# COMPREPLY from the words in $1 (none holds a space) that start with $2.
_vxtap_words() {
	local IFS=$' \t\n'
	COMPREPLY=($(compgen -W "$1" -- "$2"))
}

_vxtap_files() {
	local IFS=$'\n'
	COMPREPLY=($(compgen -f -- "$1"))
}

_vxtap() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local opts="--dev --vni --port --local --peer --addr --mac --mtu --fdb --neigh
		--ageing --no-learning --max-fdb --max-fdb-per-peer --max-moves --flood-rate
		--user --control --peers-file --key-file --psk-file --genkey --pubkey
		--no-offload --busy-poll --spin-us
		--etcd-endpoints --etcd-prefix --etcd-cafile --etcd-certfile --etcd-keyfile
		--subnet-file --subnet-lease-renew-margin --state-dir
		--metrics --verbose --help --version"

	COMPREPLY=()
	case $prev in
	-d | --dev)
		_vxtap_words "flannel.1 vxtap0 $(ls /sys/class/net 2>/dev/null)" "$cur"
		return
		;;
	--local)
		_vxtap_words "$(_vxtap_addrs)" "$cur"
		return
		;;
	--metrics)
		_vxtap_words "127.0.0.1:9472 [::1]:9472 0.0.0.0:9472 [::]:9472" "$cur"
		return
		;;
	--control | --peers-file | --key-file | --psk-file | --etcd-cafile | --etcd-certfile | \
		--etcd-keyfile | --subnet-file)
		_vxtap_files "$cur"
		return
		;;
	--state-dir)
		local IFS=$'\n'
		COMPREPLY=($(compgen -d -- "$cur"))
		return
		;;
	--etcd-endpoints)
		_vxtap_words "http://127.0.0.1:2379 https://127.0.0.1:2379" "$cur"
		return
		;;
	--user)
		local IFS=$'\n'
		COMPREPLY=($(compgen -u -- "$cur"))
		return
		;;
	--vni | --port | --peer | --addr | --mac | --mtu | --fdb | --neigh | --ageing | \
		--max-fdb | --max-fdb-per-peer | --max-moves | --flood-rate | --spin-us | \
		--etcd-prefix | --subnet-lease-renew-margin)
		return # a value only the user knows
		;;
	esac
	[[ $cur == -* || -z $cur ]] && _vxtap_words "$opts" "$cur"
}

_vxtapctl() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local i w words=()

	COMPREPLY=()
	case $prev in
	-d | --dev)
		_vxtap_words "$(_vxtap_sockets)" "$cur"
		return
		;;
	-s | --socket)
		_vxtap_files "$cur"
		return
		;;
	-b | --batch)
		_vxtap_files "$cur"
		[[ - == "$cur"* ]] && COMPREPLY+=(-)
		return
		;;
	esac
	# The command words so far, options and their values left out.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		-d | --dev | -s | --socket | -b | --batch) i=$((i + 1)) ;;
		-*) ;;
		*) words+=("$w") ;;
		esac
	done
	case "${words[*]}" in
	"")
		if [[ $cur == -* ]]; then
			_vxtap_words "--dev --socket --batch --json --help --version" "$cur"
		else
			_vxtap_words "peer fdb neigh stats key lease etcd route help" "$cur"
		fi
		;;
	peer) _vxtap_words "add del show flush" "$cur" ;;
	fdb) _vxtap_words "add del show flush" "$cur" ;;
	neigh) _vxtap_words "add del show flush" "$cur" ;;
	key) _vxtap_words "load" "$cur" ;;
	lease | etcd | route) _vxtap_words "show" "$cur" ;;
	stats) _vxtap_words "--json --prometheus" "$cur" ;;
	"peer show" | "fdb show" | "neigh show" | "lease show" | "etcd show" | "route show")
		_vxtap_words "--json" "$cur"
		;;
	"fdb add "?*)
		case ${#words[@]} in
		3) _vxtap_words "dst" "$cur" ;;
		5) _vxtap_words "port" "$cur" ;;
		esac
		;;
	"neigh add "?*) ((${#words[@]} == 3)) && _vxtap_words "lladdr" "$cur" ;;
	"peer add "?*)
		case ${#words[@]} in
		3) _vxtap_words "key noflood" "$cur" ;;
		5) _vxtap_words "noflood" "$cur" ;;
		esac
		;;
	"key load") _vxtap_files "$cur" ;;
	esac
}

complete -F _vxtap vxtap
complete -F _vxtapctl vxtapctl
