#!/usr/bin/env bash
# A node down past its lease's expiry (its etcd lease revoked while it is
# down, as expiry would) comes back: it gets its subnet again when that is
# free, or a new one when another node took it meanwhile (logged), and its
# subnet file says which.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=test/netns/lib_ctl.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_ctl.sh"
# shellcheck source=test/netns/lib_etcd.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_etcd.sh"
# shellcheck source=test/netns/lib_flannel.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_flannel.sh"
require_root
require_vxtap
require_vxtapctl
require_etcd

make_topology 2
add_etcd_node e1 192.168.56.11
start_etcd e1
fl_config e1 "$FL_CFG"
start_flnode 1 e1
start_flnode 2 e1

# expire NODE: stop its vxtap and revoke its etcd lease, as expiry would.
expire() {
	local id
	id=$(ctl_py "$1" "d['lease_id']" lease show --json)
	stop_vxtap "$1" || fail "vxtap on $1 did not exit 0"
	ectl e1 lease revoke "$(printf '%x' "$id")" >/dev/null || fail "cannot revoke $1's etcd lease $id"
}

info "== its subnet is still free"
sn=$(node_subnet 1)
expire n1
[[ -z $(ectl e1 get "$FL_PREFIX/subnets/${sn%/*}-24" --print-value-only) ]] || fail "n1's key outlived its etcd lease"
start_flnode 1 e1
log_has n1 "^vxtap: etcd: previous subnet $sn is free: taking it$" || fail "n1 did not say it took its old subnet back"
[[ $(node_subnet 1) == "$sn" ]] || fail "n1 came back with $(node_subnet 1), not its old $sn"
wait_for 100 0.05 programmed n2 "$sn" || fail "n2 did not program n1 again"
info "  n1 back on $sn"

info "== another node took it meanwhile"
expire n1
fake_lease e1 "$sn" 192.168.56.70 0a:58:0a:f4:46:00
: >"$VXT_TMP/n1.log"
start_flnode 1 e1
new=$(node_subnet 1)
[[ $new != "$sn" ]] || fail "n1 took $sn although another node holds it"
log_has n1 "^vxtap: etcd: previous subnet $sn is taken$" || fail "n1 did not say its old subnet was taken"
log_has n1 "^vxtap: etcd: picked free subnet $new$" || fail "n1 did not say which subnet it took"
grep -qx "FLANNEL_SUBNET=${new%.0/*}.1/24" "$VXT_TMP/n1.env" || fail "n1's subnet file does not name $new"
wait_for 100 0.05 programmed n2 "$new" || fail "n2 did not program n1's new subnet"
info "  n1 now on $new; its subnet file says so"
stop_all_vxtap
info "ok"
