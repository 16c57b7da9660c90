/* check_sdproto: sd_notify addresses and message texts, vector by vector. */
#include <check.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include "sdproto.h"

#include "check_run.h"

struct addr_vec {
	const char *env;
	int rc;
	const char *path; /* sun_path as given (with '@' for the abstract NUL) */
	size_t len;	  /* the length for sendto, past sun_family */
};

#define LONG100                                                                                    \
	"0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567" \
	"890123456789"

static const struct addr_vec addr_vecs[] = {
	{"/run/systemd/notify", 0, "/run/systemd/notify", 20},
	{"@/org/freedesktop/systemd1/notify/123", 0, "@/org/freedesktop/systemd1/notify/123", 37},
	{"/x", 0, "/x", 3},
	{"@x", 0, "@x", 2},
	{"", -EINVAL, NULL, 0},
	{"@", -EINVAL, NULL, 0},
	{"run/notify", -EINVAL, NULL, 0},
	{"vsock:2:1234", -EINVAL, NULL, 0},
	{NULL, -EINVAL, NULL, 0},
	/* 107 bytes of path plus its NUL fill sun_path; 108 do not. */
	{"/" LONG100 "ABCDEF", 0, "/" LONG100 "ABCDEF", 108},
	{"/" LONG100 "ABCDEFG", -ENAMETOOLONG, NULL, 0},
	/* An abstract name needs no NUL: 108 bytes fit, 109 do not. */
	{"@" LONG100 "ABCDEFG", 0, "@" LONG100 "ABCDEFG", 108},
	{"@" LONG100 "ABCDEFGH", -ENAMETOOLONG, NULL, 0},
};

START_TEST(test_addr)
{
	const struct addr_vec *v = &addr_vecs[_i];
	struct sockaddr_un sa;
	size_t len = 999;
	int rc = sdproto_addr(v->env, &sa, &len);

	ck_assert_int_eq(rc, v->rc);
	if (rc != 0) {
		ck_assert_uint_eq(len, 999);
		return;
	}
	ck_assert_int_eq(sa.sun_family, AF_UNIX);
	ck_assert_uint_eq(len - offsetof(struct sockaddr_un, sun_path), v->len);
	if (v->path[0] == '@') {
		ck_assert_int_eq(sa.sun_path[0], '\0');
		ck_assert_int_eq(memcmp(sa.sun_path + 1, v->path + 1, v->len - 1), 0);
	} else {
		ck_assert_str_eq(sa.sun_path, v->path);
	}
}
END_TEST

struct msg_vec {
	enum sdproto_event ev;
	struct sdproto_status st;
	uint64_t usec;
	const char *want;
};

static const struct msg_vec msg_vecs[] = {
	{SDPROTO_READY, {.peers = 2}, 0, "READY=1\nSTATUS=2 peers"},
	{SDPROTO_READY, {.peers = 1}, 0, "READY=1\nSTATUS=1 peer"},
	{SDPROTO_READY, {.peers = 0}, 0, "READY=1\nSTATUS=0 peers"},
	{SDPROTO_STATUS,
	 {.peers = 3, .lease = "10.244.1.0/24"},
	 0,
	 "STATUS=3 peers; lease 10.244.1.0/24"},
	{SDPROTO_STATUS,
	 {.peers = 1, .secure = true, .lease = "10.244.7.0/24"},
	 0,
	 "STATUS=1 peer; secure; lease 10.244.7.0/24"},
	/* Text from elsewhere cannot start a new assignment. */
	{SDPROTO_STATUS,
	 {.peers = 1, .lease = "10.0.0.0/8\nREADY=1\x7f"},
	 0,
	 "STATUS=1 peer; lease 10.0.0.0/8?READY=1?"},
	{SDPROTO_RELOADING,
	 {.peers = 9},
	 1234567890123ull,
	 "RELOADING=1\nMONOTONIC_USEC=1234567890123\nSTATUS=reloading"},
	{SDPROTO_STOPPING, {.peers = 9}, 5, "STOPPING=1\nSTATUS=stopping"},
};

START_TEST(test_msg)
{
	const struct msg_vec *v = &msg_vecs[_i];
	char out[SDPROTO_MSG_MAX];
	size_t n;

	memset(out, 'x', sizeof(out));
	n = sdproto_msg(v->ev, &v->st, v->usec, out);
	ck_assert_str_eq(out, v->want);
	ck_assert_uint_eq(n, strlen(v->want));
}
END_TEST

/* A lease text too long for the line is cut; the datagram still fits. */
START_TEST(test_long_lease)
{
	char lease[1000], text[SDPROTO_STATUS_MAX], out[SDPROTO_MSG_MAX];
	struct sdproto_status st = {.peers = 12, .lease = lease};
	size_t n;

	memset(lease, 'a', sizeof(lease) - 1);
	lease[sizeof(lease) - 1] = '\0';
	n = sdproto_status_text(&st, text);
	ck_assert_uint_eq(n, SDPROTO_STATUS_MAX - 1);
	ck_assert_uint_eq(strlen(text), n);
	ck_assert_int_eq(strncmp(text, "12 peers; lease aaa", 19), 0);
	n = sdproto_msg(SDPROTO_READY, &st, 0, out);
	ck_assert_uint_eq(n, strlen("READY=1\nSTATUS=") + SDPROTO_STATUS_MAX - 1);
	ck_assert_ptr_null(strchr(out + strlen("READY=1\n"), '\n'));
}
END_TEST

static Suite *sdproto_suite(void)
{
	Suite *s = suite_create("sdproto");
	TCase *tc;

	tc = tcase_create("addr");
	tcase_add_loop_test(tc, test_addr, 0, (int)(sizeof(addr_vecs) / sizeof(addr_vecs[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("msg");
	tcase_add_loop_test(tc, test_msg, 0, (int)(sizeof(msg_vecs) / sizeof(msg_vecs[0])));
	tcase_add_test(tc, test_long_lease);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(sdproto_suite());
}
