/* check_metricsproto: routes, status codes and /healthz bodies of the HTTP endpoint. */
#include <check.h>
#include <string.h>

#include "metricsproto.h"

#include "check_run.h"

struct route_vec {
	const char *method, *path;
	enum metricsproto_route want;
	unsigned int status; /* healthy */
};

static const struct route_vec route_vecs[] = {
	{"GET", "/metrics", METRICSPROTO_METRICS, 200},
	{"HEAD", "/metrics", METRICSPROTO_METRICS, 200},
	{"GET", "/healthz", METRICSPROTO_HEALTH, 200},
	{"HEAD", "/healthz", METRICSPROTO_HEALTH, 200},
	{"GET", "/", METRICSPROTO_NOT_FOUND, 404},
	{"GET", "", METRICSPROTO_NOT_FOUND, 404},
	{"GET", "/metrics/", METRICSPROTO_NOT_FOUND, 404},
	{"GET", "/metricsx", METRICSPROTO_NOT_FOUND, 404},
	{"GET", "/Metrics", METRICSPROTO_NOT_FOUND, 404},
	{"GET", "//metrics", METRICSPROTO_NOT_FOUND, 404},
	{"GET", "/healthz/../metrics", METRICSPROTO_NOT_FOUND, 404},
	{"POST", "/metrics", METRICSPROTO_BAD_METHOD, 405},
	{"PUT", "/healthz", METRICSPROTO_BAD_METHOD, 405},
	{"DELETE", "/nothing", METRICSPROTO_BAD_METHOD, 405},
	{"get", "/metrics", METRICSPROTO_BAD_METHOD, 405},
	{"OPTIONS", "*", METRICSPROTO_BAD_METHOD, 405},
};

START_TEST(test_route)
{
	const struct route_vec *v = &route_vecs[_i];
	enum metricsproto_route r = metricsproto_route(v->method, v->path);

	ck_assert_int_eq(r, v->want);
	ck_assert_uint_eq(metricsproto_status(r, true), v->status);
}
END_TEST

START_TEST(test_health_status)
{
	ck_assert_uint_eq(metricsproto_status(METRICSPROTO_HEALTH, false), 503);
	ck_assert_uint_eq(metricsproto_status(METRICSPROTO_METRICS, false), 200);
}
END_TEST

struct body_vec {
	bool healthy;
	const char *reason;
	const char *want;
};

static const struct body_vec body_vecs[] = {
	{true, NULL, "ok\n"},
	{true, "ignored", "ok\n"},
	{false, "flannel.1 is down", "flannel.1 is down\n"},
	{false, "", "unhealthy\n"},
	{false, NULL, "unhealthy\n"},
	{false, "two\nlines\r", "two?lines?\n"},
};

START_TEST(test_body)
{
	const struct body_vec *v = &body_vecs[_i];
	char out[METRICSPROTO_REASON_MAX + 2];
	size_t n = metricsproto_health_body(v->healthy, v->reason, out);

	ck_assert_str_eq(out, v->want);
	ck_assert_uint_eq(n, strlen(v->want));
}
END_TEST

START_TEST(test_body_long)
{
	char reason[400], out[METRICSPROTO_REASON_MAX + 2];
	size_t n;

	memset(reason, 'r', sizeof(reason) - 1);
	reason[sizeof(reason) - 1] = '\0';
	n = metricsproto_health_body(false, reason, out);
	ck_assert_uint_eq(n, METRICSPROTO_REASON_MAX + 1);
	ck_assert_int_eq(out[n - 1], '\n');
	ck_assert_int_eq(out[n], '\0');
	ck_assert_ptr_eq(strchr(out, '\n'), out + n - 1);
}
END_TEST

static Suite *metricsproto_suite(void)
{
	Suite *s = suite_create("metricsproto");
	TCase *tc;

	tc = tcase_create("route");
	tcase_add_loop_test(tc, test_route, 0, (int)(sizeof(route_vecs) / sizeof(route_vecs[0])));
	tcase_add_test(tc, test_health_status);
	suite_add_tcase(s, tc);

	tc = tcase_create("health");
	tcase_add_loop_test(tc, test_body, 0, (int)(sizeof(body_vecs) / sizeof(body_vecs[0])));
	tcase_add_test(tc, test_body_long);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(metricsproto_suite());
}
