/* check_route: rtnetlink route requests as the kernel reads them, and its answers. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include "route.h"

#include "check_run.h"

static struct route r4(void)
{
	struct route r;

	memset(&r, 0, sizeof(r));
	ck_assert(ipaddr_parse("10.244.1.0", &r.dst));
	ck_assert(ipaddr_parse("10.244.1.0", &r.gw));
	r.plen = 24;
	r.ifindex = 7;
	return r;
}

struct attrs {
	const struct nlattr *tb[RTA_MAX + 1];
};

static int attr_cb(const struct nlattr *a, void *data)
{
	struct attrs *at = data;
	int type = mnl_attr_get_type(a);

	if (type <= RTA_MAX)
		at->tb[type] = a;
	return MNL_CB_OK;
}

START_TEST(test_build)
{
	char buf[ROUTE_MSG_MAX];
	struct route r = _i ? r4() : r4();
	struct attrs at;
	const struct nlmsghdr *nlh;
	const struct rtmsg *rtm;
	bool add = _i == 0;
	size_t len = route_build(buf, &r, add, 42);

	memset(&at, 0, sizeof(at));
	nlh = (const struct nlmsghdr *)buf;
	ck_assert_uint_eq(len, nlh->nlmsg_len);
	ck_assert_uint_le(len, ROUTE_MSG_MAX);
	ck_assert_uint_eq(nlh->nlmsg_type, add ? RTM_NEWROUTE : RTM_DELROUTE);
	ck_assert_uint_eq(nlh->nlmsg_seq, 42);
	ck_assert(nlh->nlmsg_flags & NLM_F_ACK);
	ck_assert_uint_eq(!!(nlh->nlmsg_flags & NLM_F_CREATE), add);
	rtm = mnl_nlmsg_get_payload(nlh);
	ck_assert_uint_eq(rtm->rtm_family, AF_INET);
	ck_assert_uint_eq(rtm->rtm_dst_len, 24);
	ck_assert_uint_eq(rtm->rtm_table, RT_TABLE_MAIN);
	ck_assert_uint_eq(rtm->rtm_protocol, ROUTE_PROTO);
	ck_assert(rtm->rtm_flags & RTNH_F_ONLINK);
	ck_assert_int_eq(mnl_attr_parse(nlh, sizeof(*rtm), attr_cb, &at), MNL_CB_OK);
	ck_assert_ptr_nonnull(at.tb[RTA_DST]);
	ck_assert_ptr_nonnull(at.tb[RTA_GATEWAY]);
	ck_assert_ptr_nonnull(at.tb[RTA_OIF]);
	ck_assert_mem_eq(mnl_attr_get_payload(at.tb[RTA_DST]), r.dst.a, 4);
	ck_assert_mem_eq(mnl_attr_get_payload(at.tb[RTA_GATEWAY]), r.gw.a, 4);
	ck_assert_uint_eq(mnl_attr_get_u32(at.tb[RTA_OIF]), 7);
}
END_TEST

/* An answer as the kernel sends it: NLMSG_ERROR with error 0 (ack) or -errno. */
static size_t answer(char *buf, uint32_t seq, int error)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlmsgerr *e;

	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = seq;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = error;
	return nlh->nlmsg_len;
}

START_TEST(test_acks)
{
	char buf[512];
	size_t n;

	n = answer(buf, 5, 0);
	ck_assert_int_eq(route_parse_ack(buf, n, 5), 0);
	ck_assert_int_eq(route_parse_ack(buf, n, 6), -EAGAIN); /* another request's */
	n = answer(buf, 5, -EEXIST);
	ck_assert_int_eq(route_parse_ack(buf, n, 5), -EEXIST);
	n = answer(buf, 5, 3); /* a positive error is no answer the kernel gives */
	ck_assert_int_eq(route_parse_ack(buf, n, 5), -EBADMSG);
	/* two answers in one read: the one for seq counts */
	n = answer(buf, 4, -ENOENT);
	n += answer(buf + n, 5, 0);
	ck_assert_int_eq(route_parse_ack(buf, n, 5), 0);
	/* truncated */
	ck_assert_int_eq(route_parse_ack(buf, 10, 4), -EAGAIN);
}
END_TEST

START_TEST(test_fmt)
{
	char out[ROUTE_STRLEN];
	struct route r = r4();

	ck_assert_str_eq(route_fmt(&r, out), "10.244.1.0/24 via 10.244.1.0 onlink");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("route");
	TCase *tc = tcase_create("messages");

	tcase_add_loop_test(tc, test_build, 0, 2);
	tcase_add_test(tc, test_acks);
	tcase_add_test(tc, test_fmt);
	suite_add_tcase(s, tc);
	return check_run(s);
}
