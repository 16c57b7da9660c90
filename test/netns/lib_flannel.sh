# shellcheck shell=bash
# vxtap nodes that join a flannel network through etcd, and "pods" behind
# them, for the test_etcd_* tests. Source after lib.sh, lib_ctl.sh and
# lib_etcd.sh.
#
# Node I is nI (192.168.56.4I) with flannel.1, its state under
# $VXT_TMP/state-nI, its subnet file $VXT_TMP/nI.env and its control socket
# $VXT_TMP/nI.sock. Pod I is the namespace pI behind node I: a veth with the
# subnet's .2, default route through the node's .1.

FL_PREFIX=/coreos.com/network

# fl_config MEMBER JSON: write flannel's network config.
fl_config() { ectl "$1" put "$FL_PREFIX/config" "$2" >/dev/null || fail "cannot write the flannel config"; }

# start_flnode I MEMBER [ARGS...]: vxtap on node I joined through MEMBER, with
# only --local and --etcd-endpoints (plus where its files go).
start_flnode() {
	local i=$1 m=$2
	shift 2
	start_vxtap "n$i" --dev "$VXT_DEV" --local "192.168.56.4$i" --etcd-endpoints "$(etcd_url "$m")" \
		--state-dir "$VXT_TMP/state-n$i" --subnet-file "$VXT_TMP/n$i.env" \
		--control "$(sock "n$i")" "$@"
}

# node_subnet I: the subnet node I leased ("10.244.3.0/24"), from its subnet file.
node_subnet() {
	local s
	s=$(sed -n 's/^FLANNEL_SUBNET=//p' "$VXT_TMP/n$1.env")
	[[ -n $s ]] || fail "node $1 wrote no FLANNEL_SUBNET"
	# FLANNEL_SUBNET is the first host: 10.244.3.1/24 -> 10.244.3.0/24
	printf '%s.0/%s\n' "${s%.*}" "${s#*/}"
}

# subnet_host SUBNET N: address N of a /24 ("10.244.3.0/24" 2 -> 10.244.3.2).
subnet_host() { local b=${1%/*}; printf '%s.%s\n' "${b%.*}" "$2"; }

# add_pod I: pod I behind node I, as the flannel CNI plugin's bridge would
# give it: the node holds .1 of its subnet, the pod .2, routed through it.
add_pod() {
	local i=$1 sn gw ip
	sn=$(node_subnet "$i")
	gw=$(subnet_host "$sn" 1)
	ip=$(subnet_host "$sn" 2)
	add_ns "p$i"
	ip -n "$(ns "n$i")" link add "pod$i" type veth peer name eth0 netns "$(ns "p$i")"
	ip -n "$(ns "n$i")" addr add "$gw/24" dev "pod$i"
	ip -n "$(ns "n$i")" link set "pod$i" up
	nsx "n$i" sysctl -q -w net.ipv4.ip_forward=1
	ip -n "$(ns "p$i")" link set lo up
	ip -n "$(ns "p$i")" addr add "$ip/24" dev eth0
	ip -n "$(ns "p$i")" link set eth0 up
	ip -n "$(ns "p$i")" route add default via "$gw"
}

# pod_ip I: pod I's address.
pod_ip() { subnet_host "$(node_subnet "$1")" 2; }

# programmed NODE SUBNET: the node has the route for SUBNET through
# flannel.1 (vxtap adds it last, after the peer, FDB and neighbour entries).
programmed() {
	ip -n "$(ns "$1")" route show "$2" | grep -q "via .* dev $VXT_DEV .*onlink"
}

# unprogrammed NODE SUBNET: no route for SUBNET on the node.
unprogrammed() { [[ -z $(ip -n "$(ns "$1")" route show "$2") ]]; }
