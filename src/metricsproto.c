/* metricsproto: routing and bodies of the /metrics and /healthz endpoint, without sockets. */
#include "metricsproto.h"

#include <string.h>

enum metricsproto_route metricsproto_route(const char *method, const char *path)
{
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return METRICSPROTO_BAD_METHOD;
	if (strcmp(path, "/metrics") == 0)
		return METRICSPROTO_METRICS;
	if (strcmp(path, "/healthz") == 0)
		return METRICSPROTO_HEALTH;
	return METRICSPROTO_NOT_FOUND;
}

unsigned int metricsproto_status(enum metricsproto_route r, bool healthy)
{
	switch (r) {
	case METRICSPROTO_METRICS:
		return 200;
	case METRICSPROTO_HEALTH:
		return healthy ? 200 : 503;
	case METRICSPROTO_NOT_FOUND:
		return 404;
	case METRICSPROTO_BAD_METHOD:
		return 405;
	}
	return 500;
}

size_t metricsproto_health_body(bool healthy, const char *reason,
				char out[static METRICSPROTO_REASON_MAX + 2])
{
	size_t o = 0;

	if (healthy || reason == NULL || reason[0] == '\0') {
		const char *s = healthy ? "ok\n" : "unhealthy\n";

		memcpy(out, s, strlen(s) + 1);
		return strlen(s);
	}
	for (; reason[o] != '\0' && o < METRICSPROTO_REASON_MAX; o++) {
		unsigned char ch = (unsigned char)reason[o];

		out[o] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
	}
	out[o++] = '\n';
	out[o] = '\0';
	return o;
}
