/* check_fl: helpers the flannel control-plane suites share -- lease values and node lists as text.
 */
#ifndef VXTAP_CHECK_FL_H
#define VXTAP_CHECK_FL_H

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "flset.h"

/* A lease value as flanneld writes it for node ip with VtepMAC mac (VNI 1);
 * the last eight stay valid. */
static inline const char *fl_value(const char *ip, const char *mac)
{
	static char buf[8][FLANNEL_LEASE_MAX];
	static int k;
	struct flannel_lease l = {.vni = 1};

	k = (k + 1) % 8;
	ck_assert(ipaddr_parse(ip, &l.public_ip));
	ck_assert(mac_parse(mac, &l.vtep_mac));
	flannel_lease_format(&l, buf[k]);
	return buf[k];
}

/* "10.244.2.0/24=192.168.56.42,0a:58:0a:f4:02:00[@REV] ..." */
static inline const char *fl_nodes_text(const struct flset_nodes *l, bool revisions)
{
	static char out[4096];
	char c[FLANNEL_CIDRLEN], a[ADDR_STRLEN], m[MAC_STRLEN], r[32] = "";

	out[0] = '\0';
	for (size_t i = 0; i < l->n; i++) {
		size_t len = strlen(out);

		if (revisions)
			snprintf(r, sizeof(r), "@%lld", (long long)l->v[i].mod_revision);
		snprintf(out + len, sizeof(out) - len, "%s%s=%s,%s%s", i ? " " : "",
			 flannel_cidr_format(&l->v[i].subnet, c), ipaddr_fmt(&l->v[i].public_ip, a),
			 mac_fmt(&l->v[i].vtep_mac, m), r);
	}
	return out;
}

#endif
