/* route: rtnetlink route requests built into buffers and acknowledgements read (libmnl's message
 * helpers; no socket here). */
#include "route.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

size_t route_build(void *buf, const struct route *r, bool add, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;
	size_t alen = r->dst.family == AF_INET6 ? 16 : 4;

	nlh->nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	nlh->nlmsg_seq = seq;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)r->dst.family;
	rtm->rtm_dst_len = r->plen;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = ROUTE_PROTO;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	/* The gateway is the subnet's .0 on the TAP: "onlink" tells the kernel
	 * it is reachable there although no address of the TAP covers it. */
	rtm->rtm_flags = RTNH_F_ONLINK;
	mnl_attr_put(nlh, RTA_DST, alen, r->dst.a);
	mnl_attr_put(nlh, RTA_GATEWAY, alen, r->gw.a);
	mnl_attr_put_u32(nlh, RTA_OIF, r->ifindex);
	return nlh->nlmsg_len;
}

int route_parse_ack(const void *buf, size_t len, uint32_t seq)
{
	const struct nlmsghdr *nlh = buf;
	int left = (int)len;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		const struct nlmsgerr *e;

		if (nlh->nlmsg_seq != seq || nlh->nlmsg_type != NLMSG_ERROR)
			continue;
		if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
			return -EBADMSG;
		e = mnl_nlmsg_get_payload(nlh);
		return e->error > 0 ? -EBADMSG : e->error;
	}
	return -EAGAIN;
}

const char *route_fmt(const struct route *r, char out[static ROUTE_STRLEN])
{
	char d[ADDR_STRLEN], g[ADDR_STRLEN];

	snprintf(out, ROUTE_STRLEN, "%s/%u via %s onlink", ipaddr_fmt(&r->dst, d), r->plen,
		 ipaddr_fmt(&r->gw, g));
	return out;
}
