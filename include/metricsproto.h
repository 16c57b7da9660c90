/* metricsproto: what the HTTP endpoint answers for a request: route, status, type, health text. */
#ifndef VXTAP_METRICSPROTO_H
#define VXTAP_METRICSPROTO_H

#include <stdbool.h>
#include <stddef.h>

/* The Prometheus text exposition format, version 0.0.4. */
#define METRICSPROTO_TYPE_PROM	"text/plain; version=0.0.4; charset=utf-8"
#define METRICSPROTO_TYPE_TEXT	"text/plain; charset=utf-8"
#define METRICSPROTO_ALLOW	"GET, HEAD"
#define METRICSPROTO_REASON_MAX 128

enum metricsproto_route {
	METRICSPROTO_METRICS,	 /* GET /metrics: 200, the exposition */
	METRICSPROTO_HEALTH,	 /* GET /healthz: 200 "ok" or 503 and why */
	METRICSPROTO_NOT_FOUND,	 /* any other path: 404 */
	METRICSPROTO_BAD_METHOD, /* a method other than GET or HEAD: 405 */
};

/* The route for method and path (the path without its query string, as the
 * HTTP library hands it over). HEAD is GET without the body. */
enum metricsproto_route metricsproto_route(const char *method, const char *path);

/* The HTTP status code of a route; for METRICSPROTO_HEALTH, of its verdict. */
unsigned int metricsproto_status(enum metricsproto_route r, bool healthy);

/* The /healthz body: "ok\n", or reason on one line (control bytes made
 * '?', cut to fit) and a newline; "unhealthy\n" for an empty reason.
 * Returns its length. */
size_t metricsproto_health_body(bool healthy, const char *reason,
				char out[static METRICSPROTO_REASON_MAX + 2]);

#endif
