/* flshow: lease, etcd and route answers for vxtapctl, from the control plane's state. */
#include "flshow.h"

#include <inttypes.h>
#include <stdio.h>

#define ULL(x) ((unsigned long long)(x))

const char *flshow_phase_name(enum flnet_phase p)
{
	switch (p) {
	case FLNET_CONFIG:
		return "config";
	case FLNET_ACQUIRE:
		return "acquire";
	case FLNET_HELD:
		return "held";
	case FLNET_FATAL:
		return "stopped";
	}
	return "unknown";
}

static uint64_t left_s(uint64_t expiry, uint64_t now)
{
	return expiry > now ? (expiry - now) / 1000u : 0;
}

void flshow_lease(const struct flshow *s, enum ctlproto_fmt fmt, uint64_t now,
		  struct ctlproto_buf *out)
{
	char c[FLANNEL_CIDRLEN] = "none", a[ADDR_STRLEN], m[MAC_STRLEN];
	const struct flnet_lease *l = &s->lease;

	if (l->held)
		flannel_cidr_format(&l->subnet, c);
	ipaddr_fmt(&s->public_ip, a);
	mac_fmt(&s->vtep_mac, m);
	if (fmt == CTLPROTO_JSON) {
		ctlproto_buf_printf(out,
				    "{\"held\":%s,\"subnet\":%s%s%s,\"lease_id\":\"%" PRId64
				    "\",\"expires_in_s\":%llu,\"public_ip\":\"%s\","
				    "\"vtep_mac\":\"%s\",\"contested\":%s,\"phase\":\"%s\"}\n",
				    l->held ? "true" : "false", l->held ? "\"" : "",
				    l->held ? c : "null", l->held ? "\"" : "", l->lease_id,
				    ULL(left_s(l->expiry_ms, now)), a, m,
				    l->contested ? "true" : "false", flshow_phase_name(s->phase));
		return;
	}
	ctlproto_buf_printf(out,
			    "subnet %s lease %" PRId64
			    " expires_in %llus public_ip %s vtep_mac %s%s "
			    "phase %s\n",
			    c, l->lease_id, ULL(left_s(l->expiry_ms, now)), a, m,
			    l->contested ? " contested" : "", flshow_phase_name(s->phase));
}

void flshow_etcd(const struct flshow *s, enum ctlproto_fmt fmt, uint64_t now,
		 struct ctlproto_buf *out)
{
	const struct flnet_stats *st = &s->stats;
	uint64_t age =
		st->last_event_ms != 0 && now > st->last_event_ms ? now - st->last_event_ms : 0;

	if (fmt == CTLPROTO_JSON) {
		ctlproto_buf_printf(out,
				    "{\"endpoint\":\"%s\",\"connected\":%s,\"revision\":%" PRId64
				    ",\"last_event_age_ms\":",
				    s->endpoint, st->connected ? "true" : "false", st->revision);
		if (st->last_event_ms == 0)
			ctlproto_buf_printf(out, "null");
		else
			ctlproto_buf_printf(out, "%llu", ULL(age));
#define JSON_FIELD(name, desc) ctlproto_buf_printf(out, ",\"" #name "\":%llu", ULL(st->name));
		FLNET_COUNTERS(JSON_FIELD)
#undef JSON_FIELD
		ctlproto_buf_printf(out, ",\"phase\":\"%s\"}\n", flshow_phase_name(s->phase));
		return;
	}
	ctlproto_buf_printf(out, "endpoint %s %s revision %" PRId64 " last_event ", s->endpoint,
			    st->connected ? "connected" : "disconnected", st->revision);
	if (st->last_event_ms == 0)
		ctlproto_buf_printf(out, "never");
	else
		ctlproto_buf_printf(out, "%llu.%llus ago", ULL(age / 1000u),
				    ULL(age % 1000u / 100u));
#define TEXT_FIELD(name, desc) ctlproto_buf_printf(out, " " #name " %llu", ULL(st->name));
	FLNET_COUNTERS(TEXT_FIELD)
#undef TEXT_FIELD
	ctlproto_buf_printf(out, " phase %s\n", flshow_phase_name(s->phase));
}

void flshow_routes(const struct flshow *s, enum ctlproto_fmt fmt, struct ctlproto_buf *out)
{
	const struct flset_nodes *r = s->routes;

	if (fmt == CTLPROTO_JSON)
		ctlproto_buf_put(out, "[", 1);
	for (size_t i = 0; r != NULL && i < r->n; i++) {
		const struct flset_node *n = &r->v[i];
		char c[FLANNEL_CIDRLEN], gw[ADDR_STRLEN], a[ADDR_STRLEN], m[MAC_STRLEN];
		struct ipaddr g;

		flannel_cidr_format(&n->subnet, c);
		flannel_subnet_addr(&n->subnet, 0, &g);
		ipaddr_fmt(&g, gw);
		ipaddr_fmt(&n->public_ip, a);
		mac_fmt(&n->vtep_mac, m);
		if (fmt == CTLPROTO_JSON)
			ctlproto_buf_printf(out,
					    "%s{\"dst\":\"%s\",\"gateway\":\"%s\",\"dev\":\"%s\","
					    "\"public_ip\":\"%s\",\"vtep_mac\":\"%s\"}",
					    i ? "," : "", c, gw, s->dev, a, m);
		else
			ctlproto_buf_printf(out,
					    "%s via %s dev %s onlink public_ip %s vtep_mac %s\n", c,
					    gw, s->dev, a, m);
	}
	if (fmt == CTLPROTO_JSON)
		ctlproto_buf_put(out, "]\n", 2);
}
