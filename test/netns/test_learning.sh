#!/usr/bin/env bash
# Node 2 learns node 1's MAC (FDB) and IP (neighbour table) from the tunnel,
# with no --fdb or --neigh given.
set -euo pipefail
# shellcheck source=test/netns/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
require_vxtap

make_topology 3
for i in 1 2 3; do
	seed_args "$i" 3
	start_vxtap "n$i" "${VXT_ARGS[@]}" --mac "$(node_mac "$i")"
done
m1=$(node_mac 1)
[[ $(tap_mac n1) == "$m1" ]] || fail "n1's flannel.1 has MAC $(tap_mac n1), --mac said $m1"

d=$(dump n2)
if grep -q "fdb $m1 " <<<"$d"; then
	info "note: n2 already knew $m1 before the ping (learned from n1's start-up traffic)"
fi

ping_warm n1 10.244.0.2 || fail "n1 -> 10.244.0.2: no reply to 10 warm-up pings"
ping_ok n1 10.244.0.2 3 || fail "n1 -> 10.244.0.2: not every ping of 3 answered"

d=$(dump n2)
info "n2's dump:"
# shellcheck disable=SC2001
sed 's/^/  /' <<<"$d"
grep -Eq "^vxtap: fdb $m1 dst 192\.168\.56\.41 port 8472 learned( |$)" <<<"$d" ||
	fail "n2 did not learn 'fdb $m1 dst 192.168.56.41:8472 learned'"
grep -Eq "^vxtap: neigh 10\.244\.0\.1 lladdr $m1 learned( |$)" <<<"$d" ||
	fail "n2 did not learn 'neigh 10.244.0.1 lladdr $m1 learned'"
# n1's MAC points at n1 and nowhere else.
n=$(grep -c "^vxtap: fdb $m1 " <<<"$d" || true)
((n == 1)) || fail "n2 has $n fdb entries for $m1, expected 1"
c=$(counter n2 fdb_learned)
((c >= 1)) || fail "n2 counter fdb_learned is $c after learning $m1"
c=$(counter n2 neigh_learned)
((c >= 1)) || fail "n2 counter neigh_learned is $c after learning 10.244.0.1"

# Learning works the other way too: n1 learned n2 from the replies.
m2=$(node_mac 2)
d=$(dump n1)
grep -Eq "^vxtap: fdb $m2 dst 192\.168\.56\.42 port 8472 learned( |$)" <<<"$d" ||
	fail "n1 did not learn 'fdb $m2 dst 192.168.56.42:8472 learned' from the replies"
stop_all_vxtap
info "ok"
