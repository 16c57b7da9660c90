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

# start_flnode I MEMBER [ARGS...]: vxtap on node I joined through MEMBER (or
# the endpoints in FL_ENDPOINTS when set), with only --local and
# --etcd-endpoints (plus where its files go).
start_flnode() {
	local i=$1 m=$2
	shift 2
	start_vxtap "n$i" --dev "$VXT_DEV" --local "192.168.56.4$i" \
		--etcd-endpoints "${FL_ENDPOINTS:-$(etcd_url "$m")}" \
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

# kernel_flannel I MEMBER SUBNET: node I as flanneld's vxlan backend makes it,
# with the kernel driver: flannel.1 (VNI 1, port 8472, nolearning, MAC
# node_mac I, MTU 1450) holding SUBNET.0/32, and its lease written in
# flannel's format on a 24-hour etcd lease. kernel_flannel_sync programs the
# others.
kernel_flannel() {
	local i=$1 m=$2 sn=$3 n="n$1" id key val
	ip -n "$(ns "$n")" link add "$VXT_DEV" type vxlan id 1 dstport 8472 dev eth1 \
		local "192.168.56.4$i" nolearning || fail "$n: cannot make a kernel $VXT_DEV"
	ip -n "$(ns "$n")" link set "$VXT_DEV" address "$(node_mac "$i")" mtu 1450 up
	ip -n "$(ns "$n")" addr add "${sn%/*}/32" dev "$VXT_DEV"
	# veth would leave inner checksums to a NIC that is not there (lib.sh
	# kernel_vxlan says more).
	nsx "$n" ethtool -K eth1 tx off >/dev/null || fail "$n: ethtool -K eth1 tx off failed"
	id=$(ectl "$m" lease grant 86400 | awk '/granted/ {print $2}')
	[[ -n $id ]] || fail "cannot grant an etcd lease for node $i"
	key="$FL_PREFIX/subnets/${sn%/*}-${sn#*/}"
	val=$(printf '{"PublicIP":"192.168.56.4%s","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"%s"}}' \
		"$i" "$(node_mac "$i")")
	ectl "$m" put --lease="$id" "$key" "$val" >/dev/null || fail "cannot write node $i's lease"
	printf '%s\n' "$sn" >"$VXT_TMP/n$i.kernel"
	printf 'FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=%s.1/%s\n' "${sn%.*}" "${sn#*/}" >"$VXT_TMP/n$i.env"
}

# kernel_flannel_sync I MEMBER: on kernel node I, what flanneld's
# handleSubnetEvents programs for every other lease: the neighbour SUBNET.0
# -> VtepMAC, the FDB entry VtepMAC -> PublicIP, the route SUBNET via
# SUBNET.0 onlink.
kernel_flannel_sync() {
	local i=$1 m=$2 n="n$1" sn ip mac
	while read -r sn ip mac; do
		[[ $ip == "192.168.56.4$i" ]] && continue
		ip -n "$(ns "$n")" neigh replace "${sn%/*}" lladdr "$mac" dev "$VXT_DEV" nud permanent
		bridge -n "$(ns "$n")" fdb replace "$mac" dev "$VXT_DEV" dst "$ip" self permanent
		ip -n "$(ns "$n")" route replace "$sn" via "${sn%/*}" dev "$VXT_DEV" onlink
	done < <(fl_leases "$m")
}

# fl_leases MEMBER: every lease etcd holds, "SUBNET PUBLICIP VTEPMAC" a line.
fl_leases() {
	ectl "$1" get --prefix "$FL_PREFIX/subnets/" | "$VXT_PY" -c '
import json, sys
lines = sys.stdin.read().splitlines()
for k, v in zip(lines[0::2], lines[1::2]):
    sn = k.rsplit("/", 1)[1].replace("-", "/")
    d = json.loads(v)
    print(sn, d["PublicIP"], d["BackendData"]["VtepMAC"])'
}

# log_ms NODE ERE: the time stamp (ms since the epoch) of the first line of the
# node's log matching ERE (after the stamp), or fail.
log_ms() {
	local line
	line=$(grep -E "^[^ ]+ vxtap: $2" "$VXT_TMP/$1.log" | head -n 1)
	[[ -n $line ]] || fail "no line matching '$2' in the log of $1"
	"$VXT_PY" -c 'import sys, datetime
t = datetime.datetime.strptime(sys.argv[1], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
print(int(t.timestamp() * 1000))' "${line%% *}"
}

# fake_lease MEMBER SUBNET PUBLICIP MAC: a lease as a flannel node would write
# it, with no node behind it (for changes the test makes in etcd).
fake_lease() {
	local v
	v=$(printf '{"PublicIP":"%s","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"%s"}}' "$3" "$4")
	ectl "$1" put "$FL_PREFIX/subnets/${2%/*}-${2#*/}" "$v" >/dev/null || fail "cannot write the lease of $2"
}

# fake_del MEMBER SUBNET: delete the lease of SUBNET.
fake_del() { ectl "$1" del "$FL_PREFIX/subnets/${2%/*}-${2#*/}" >/dev/null || fail "cannot delete the lease of $2"; }

# tables_match NODE MEMBER: the node's peers, static FDB entries, static
# neighbours and routes are exactly what etcd's leases (but its own) say.
tables_match() {
	local n=$1 own want got
	own=$(node_subnet "${n#n}")
	want=$(fl_leases "$2" | awk -v own="$own" '$1 != own {
		split($1, a, "/"); print "peer " $2; print "fdb " $3 " " $2; print "neigh " a[1] " " $3
		print "route " $1 " " a[1] }' | sort)
	got=$({
		ctl_ok "$n" peer show | awk '{ split($1, a, ":"); print "peer " a[1] }'
		ctl_ok "$n" fdb show | awk '/ static$/ { print "fdb " $1 " " $3 }'
		ctl_ok "$n" neigh show | awk '/ static$/ { print "neigh " $1 " " $3 }'
		ip -n "$(ns "$n")" route show dev "$VXT_DEV" | awk '/ via / { print "route " $1 " " $3 }'
	} | sort)
	if [[ $want != "$got" ]]; then
		diff <(echo "$want") <(echo "$got") | sed 's/^/    /' >&2 || true
		return 1
	fi
}
