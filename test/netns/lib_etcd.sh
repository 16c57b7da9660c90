# shellcheck shell=bash
# etcd members for vxtap's namespace tests, each in a namespace of its own on
# the test's underlay switch. Source after lib.sh (which cleans up: every
# member's PID is tracked, its data lives under $VXT_TMP).

VXT_ETCD=${VXT_ETCD:-/usr/bin/etcd}
VXT_ETCDCTL=${VXT_ETCDCTL:-/usr/bin/etcdctl}
declare -A VXT_ETCDPID  # member -> PID
declare -A VXT_ETCDADDR # member -> underlay address
declare -A VXT_ETCDTLS  # member -> directory of its certificates (https members)

# The network config the tests write. Nodes lease at random from 10.244.1.0
# to 10.244.199.0; the records a test writes by hand (fake_lease, etcdctl)
# use 10.244.200.0 and up, so a node never leases the subnet of a record a
# test writes after it joined.
FL_CFG='{"Network":"10.244.0.0/16","SubnetMax":"10.244.199.0","Backend":{"Type":"vxlan"}}'

require_etcd() {
	[[ -x $VXT_ETCD && -x $VXT_ETCDCTL ]] ||
		fail "etcd not found at $VXT_ETCD / $VXT_ETCDCTL: run scripts/deps (etcd-server, etcd-client)"
	command -v curl >/dev/null || fail "curl is missing: run scripts/deps"
}

# add_etcd_node NAME ADDR: namespace NAME on the switch "sw", underlay ADDR/24.
add_etcd_node() {
	local name=$1 addr=$2 port="pe${1}"
	add_ns "$name"
	ip -n "$(ns "$name")" link add eth1 type veth peer name "$port" netns "$(ns sw)"
	ip -n "$(ns sw)" link set "$port" master br0 up
	ip -n "$(ns "$name")" link set lo up
	ip -n "$(ns "$name")" link set eth1 up
	ip -n "$(ns "$name")" addr add "$addr/24" dev eth1
	VXT_ETCDADDR[$name]=$addr
}

etcd_url() {
	local scheme=http
	[[ -n ${VXT_ETCDTLS[$1]:-} ]] && scheme=https
	printf '%s://%s:2379\n' "$scheme" "${VXT_ETCDADDR[$1]}"
}

# make_certs DIR IP: a CA, a server certificate for IP and a client
# certificate under DIR (ca.crt, server.{crt,key}, client.{crt,key}), valid
# one day. The server's is good for client authentication too: with
# --client-cert-auth, etcd 3.4's JSON gateway dials the member's own gRPC
# port with the server certificate, and answers 503 "connection closed"
# to every request when that certificate is refused.
make_certs() {
	local d=$1 ip=$2 who
	mkdir -p "$d"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
		-subj /CN=vxtap-test-ca -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null ||
		fail "openssl: CA"
	for who in server client; do
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-subj "/CN=vxtap-$who" -keyout "$d/$who.key" -out "$d/$who.csr" 2>/dev/null ||
			fail "openssl: $who request"
		printf 'subjectAltName=IP:%s\nextendedKeyUsage=%s\n' "$ip" \
			"$([[ $who == server ]] && echo serverAuth,clientAuth || echo clientAuth)" >"$d/$who.ext"
		openssl x509 -req -in "$d/$who.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" \
			-CAcreateserial -days 1 -extfile "$d/$who.ext" -out "$d/$who.crt" 2>/dev/null ||
			fail "openssl: $who certificate"
	done
}

# use_tls NAME DIR: member NAME serves clients over https with DIR's
# certificates (make_certs) and requires client certificates.
use_tls() { VXT_ETCDTLS[$1]=$2; }

# curl_args NAME: what curl needs to reach the member.
curl_args() {
	local d=${VXT_ETCDTLS[$1]:-}
	[[ -n $d ]] && printf '%s\n' --cacert "$d/ca.crt" --cert "$d/client.crt" --key "$d/client.key"
	return 0
}

# etcd_healthy NAME: the member answers /health with "true".
etcd_healthy() {
	local args
	mapfile -t args < <(curl_args "$1")
	nsx "$1" curl -fsS --max-time 1 "${args[@]}" "$(etcd_url "$1")/health" 2>/dev/null |
		grep -q '"health":"true"'
}

# start_etcd NAME [CLUSTER]: run member NAME (made by add_etcd_node) with
# clients on ADDR:2379 and peers on ADDR:2380; CLUSTER is --initial-cluster
# (default: this member alone). With one member, waits until it is healthy.
start_etcd() {
	local name=$1 addr=${VXT_ETCDADDR[$1]} cluster=${2:-} pid log url tls=()
	local d=${VXT_ETCDTLS[$1]:-}
	[[ -n $cluster ]] || cluster="$name=http://$addr:2380"
	[[ -n $d ]] && tls=(--cert-file "$d/server.crt" --key-file "$d/server.key"
		--client-cert-auth --trusted-ca-file "$d/ca.crt")
	url=$(etcd_url "$name")
	log=$VXT_TMP/etcd-$name.log
	ip netns exec "$(ns "$name")" "$VXT_ETCD" --name "$name" \
		--data-dir "$VXT_TMP/etcd-$name.data" \
		--listen-client-urls "$url" --advertise-client-urls "$url" "${tls[@]}" \
		--listen-peer-urls "http://$addr:2380" --initial-advertise-peer-urls "http://$addr:2380" \
		--initial-cluster "$cluster" --initial-cluster-state new \
		--initial-cluster-token "$VXT_PFX" \
		--heartbeat-interval 50 --election-timeout 500 \
		--logger zap --log-level warn >"$log" 2>&1 </dev/null &
	pid=$!
	track "$pid"
	VXT_ETCDPID[$name]=$pid
	if [[ $cluster != *,* ]]; then
		wait_etcd "$name"
	fi
}

# wait_etcd NAME: bounded wait until the member is healthy (or died).
wait_etcd() {
	local i
	for ((i = 0; i < 100; i++)); do
		etcd_healthy "$1" && return 0
		alive "${VXT_ETCDPID[$1]}" || fail "etcd $1 exited before it was healthy"
		sleep 0.1
	done
	fail "etcd $1 not healthy after 10 s"
}

# stop_etcd NAME [SIGNAL]: stop the member by PID (bounded).
stop_etcd() {
	local pid=${VXT_ETCDPID[$1]}
	kill -s "${2:-TERM}" "$pid" 2>/dev/null || true
	reap "$pid" 100 || true
}

# ectl NAME ARGS...: etcdctl (API v3) against member NAME, from its namespace.
ectl() {
	local name=$1 d=${VXT_ETCDTLS[$1]:-} tls=()
	shift
	[[ -n $d ]] && tls=(--cacert "$d/ca.crt" --cert "$d/client.crt" --key "$d/client.key")
	ETCDCTL_API=3 nsx "$name" "$VXT_ETCDCTL" --endpoints "$(etcd_url "$name")" \
		--command-timeout 5s "${tls[@]}" "$@"
}

# make_expired_client DIR: DIR/expired.{crt,key}, a client certificate signed
# by DIR's CA (make_certs) that expired in 2020.
make_expired_client() {
	local d=$1
	mkdir -p "$d/ca.db"
	: >"$d/ca.db/index.txt"
	printf '1000\n' >"$d/ca.db/serial"
	cat >"$d/ca.cnf" <<CNF
[ ca ]
default_ca = test
[ test ]
database = $d/ca.db/index.txt
serial = $d/ca.db/serial
new_certs_dir = $d/ca.db
default_md = sha256
policy = any
x509_extensions = ext
[ any ]
commonName = supplied
[ ext ]
extendedKeyUsage = clientAuth
CNF
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=vxtap-expired \
		-keyout "$d/expired.key" -out "$d/expired.csr" 2>/dev/null || fail "openssl: expired request"
	openssl ca -batch -config "$d/ca.cnf" -cert "$d/ca.crt" -keyfile "$d/ca.key" -notext \
		-startdate 20200101000000Z -enddate 20200102000000Z -in "$d/expired.csr" \
		-out "$d/expired.crt" 2>/dev/null || fail "openssl: expired certificate"
}
