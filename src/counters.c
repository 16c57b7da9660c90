/* counters: the one counter table and its renderings (text, JSON, Prometheus, dump lines). */
#include "counters.h"

#include <stdio.h>
#include <string.h>

#define ULL(x) ((unsigned long long)(x))

#define SNAP_OFF(field) offsetof(struct counters_snap, field)

#define DEF(grp, k, h, off_, ...) \
	{.group = (grp), .key = (k), .help = (h), .off = (off_), __VA_ARGS__},
#define DEF_TOTAL(name, desc)	DEF(COUNTER_TOTALS, #name, desc, SNAP_OFF(dp.name))
#define DEF_DROP(e, name, desc) DEF(COUNTER_DROPS, #name, desc, SNAP_OFF(dp.drops[DROP_##e]))
#define DEF_CDROP(e, name, desc)                                                           \
	DEF(COUNTER_DROPS, "crypto_" #name, desc, SNAP_OFF(crypto.drops[CRYPTO_DROP_##e]), \
	    .secure = true)
#define DEF_CRYPTO(name, desc) \
	DEF(COUNTER_CRYPTO, #name, desc, SNAP_OFF(crypto.name), .secure = true)
#define DEF_KDROP(name, desc) DEF(COUNTER_DROPS, #name, desc, SNAP_OFF(kernel.name))
#define DEF_LOOP(name, desc)  DEF(COUNTER_TOTALS, #name, desc, SNAP_OFF(loop.name))
#define DEF_TABLE(name, desc) DEF(COUNTER_TABLES, #name, desc, SNAP_OFF(tables.name))
#define DEF_ETCD(name, desc)  DEF(COUNTER_ETCD, #name, desc, SNAP_OFF(etcd.name), .etcd = true)
#define DEF_BAD(e, name, text)                                       \
	DEF(COUNTER_SKIPPED, name, "flannel records skipped: " text, \
	    SNAP_OFF(etcd.skipped[FLANNEL_BAD_##e]), .etcd = true,   \
	    .hidden = FLANNEL_BAD_##e == FLANNEL_BAD_NONE)
#define DEF_OWN(e, name, text)                                       \
	DEF(COUNTER_SKIPPED, name, "flannel records skipped: " text, \
	    SNAP_OFF(etcd.skipped[FLSET_SKIP_##e]), .etcd = true)

static const struct counter_def table[] = {
	DP_COUNTERS(DEF_TOTAL) COUNTERS_LOOP(DEF_LOOP) DP_DROP_REASONS(DEF_DROP)
		COUNTERS_KERNEL_DROPS(DEF_KDROP) CRYPTO_DROP_REASONS(DEF_CDROP)
			CRYPTO_COUNTERS(DEF_CRYPTO) COUNTERS_TABLES(DEF_TABLE)
				FLNET_COUNTERS(DEF_ETCD) FLANNEL_BAD_REASONS(DEF_BAD)
					FLSET_OWN_REASONS(DEF_OWN)};

/* Per group: the text name's prefix, the JSON object, and for the labelled
 * ones the Prometheus family (one sample per key, reason="KEY"). */
static const struct {
	const char *prefix, *json, *family, *family_help;
} groups[] = {
	[COUNTER_TOTALS] = {"", "totals", NULL, NULL},
	[COUNTER_DROPS] = {"drop_", "drops", "drops_total",
			   "frames and datagrams dropped, by reason"},
	[COUNTER_CRYPTO] = {"crypto_", "crypto", NULL, NULL},
	[COUNTER_TABLES] = {"", "tables", NULL, NULL},
	[COUNTER_ETCD] = {"etcd_", "etcd", NULL, NULL},
	[COUNTER_SKIPPED] = {"etcd_skipped_", "etcd_skipped", "etcd_skipped_total",
			     "flannel records skipped, by reason"},
};

#define NDEFS (sizeof(table) / sizeof(table[0]))

/* Per-peer counters, for Prometheus. */
#define DEF_PEER(name, desc) {#name, desc, offsetof(struct peer_stats, name)},
static const struct {
	const char *key, *help;
	size_t off;
} peer_table[] = {PEER_COUNTERS(DEF_PEER)};

const struct counter_def *counters_table(size_t *n)
{
	*n = NDEFS;
	return table;
}

void counters_snap_dp(struct counters_snap *s, const struct dp *dp)
{
	memset(s, 0, sizeof(*s));
	s->dp = dp->st;
	s->tables.peers = peers_count(dp->peers);
	s->tables.fdb_static_entries = fdb_count(dp->fdb, true);
	s->tables.fdb_learned_entries = fdb_count(dp->fdb, false);
	s->tables.neigh_static_entries = neigh_count(dp->neigh, true);
	s->tables.neigh_learned_entries = neigh_count(dp->neigh, false);
}

uint64_t counters_value(const struct counters_snap *s, const struct counter_def *def)
{
	uint64_t v;

	memcpy(&v, (const char *)s + def->off, sizeof(v));
	return v;
}

static bool shown(const struct counters_snap *s, const struct counter_def *def)
{
	return !def->hidden && (s->secure || !def->secure) && (s->etcd_on || !def->etcd);
}

uint64_t counters_drops_total(const struct counters_snap *s)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < NDEFS; i++)
		if (table[i].group == COUNTER_DROPS && shown(s, &table[i]))
			sum += counters_value(s, &table[i]);
	return sum;
}

const char *counters_name(const struct counter_def *def, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", groups[def->group].prefix, def->key);
	return buf;
}

/* --- peers ------------------------------------------------------------------- */

static const char *const state_names[] = {
	[CRYPTO_PEER_IDLE] = "idle",
	[CRYPTO_PEER_HANDSHAKING] = "handshaking",
	[CRYPTO_PEER_UP] = "up",
};

/* " WORD X.Ys ago", or " WORD never" when at is 0. */
static void put_ago(struct ctlproto_buf *out, const char *word, uint64_t at, uint64_t now)
{
	uint64_t ago = now > at ? now - at : 0;

	if (at == 0)
		ctlproto_buf_printf(out, " %s never", word);
	else
		ctlproto_buf_printf(out, " %s %llu.%llus ago", word, ULL(ago / 1000u),
				    ULL(ago % 1000u / 100u));
}

/* "null", or the age in ms of what happened at at (0: never). */
static void put_json_ago(struct ctlproto_buf *out, const char *key, uint64_t at, uint64_t now)
{
	if (at == 0)
		ctlproto_buf_printf(out, ",\"%s\":null", key);
	else
		ctlproto_buf_printf(out, ",\"%s\":%llu", key, ULL(now > at ? now - at : 0));
}

/* The endpoint, the key and "noflood" come first, as "peer add" takes them;
 * from "rx" on, what only shows (an FDB-only VTEP ends with "fdb-only"). */
void counters_peer_text(struct ctlproto_buf *out, const char *prefix, const struct peer *p,
			const struct crypto_peer_info *sec, uint64_t now)
{
	char a[ADDR_STRLEN], k[KEYTEXT_LEN];
	const struct peer_stats *s = &p->st;

	ctlproto_buf_printf(out, "%s%s", prefix, endpoint_fmt(&p->ep, a));
	if (p->has_key) {
		keytext_format(p->key, k);
		ctlproto_buf_printf(out, " key %s", k);
	}
	if (!p->flood)
		ctlproto_buf_put(out, " noflood", 8);
	ctlproto_buf_printf(out, " rx %llu pkts %llu bytes tx %llu pkts %llu bytes",
			    ULL(s->rx_packets), ULL(s->rx_bytes), ULL(s->tx_packets),
			    ULL(s->tx_bytes));
	put_ago(out, "last_rx", s->last_rx, now);
	if (sec != NULL) {
		ctlproto_buf_printf(out, " state %s%s cipher %s", state_names[sec->state],
				    sec->rekeying ? ",rekeying" : "", sec->cipher);
		put_ago(out, "handshake", sec->last_handshake, now);
	}
	if (!p->listed)
		ctlproto_buf_put(out, " fdb-only", 9);
	ctlproto_buf_put(out, "\n", 1);
}

void counters_peer_json(struct ctlproto_buf *out, const struct peer *p,
			const struct crypto_peer_info *sec, uint64_t now)
{
	char a[ADDR_STRLEN], k[KEYTEXT_LEN];
	const struct peer_stats *s = &p->st;

	ctlproto_buf_printf(out, "{\"addr\":\"%s\",\"port\":%u,", ipaddr_fmt(&p->ep.ip, a),
			    p->ep.port);
	if (p->has_key) {
		keytext_format(p->key, k);
		ctlproto_buf_printf(out, "\"key\":\"%s\",", k);
	} else {
		ctlproto_buf_printf(out, "\"key\":null,");
	}
	ctlproto_buf_printf(out, "\"flood\":%s,\"listed\":%s,", p->flood ? "true" : "false",
			    p->listed ? "true" : "false");
	ctlproto_buf_printf(out,
			    "\"rx_packets\":%llu,\"rx_bytes\":%llu,\"tx_packets\":%llu,"
			    "\"tx_bytes\":%llu",
			    ULL(s->rx_packets), ULL(s->rx_bytes), ULL(s->tx_packets),
			    ULL(s->tx_bytes));
	put_json_ago(out, "last_rx_age_ms", s->last_rx, now);
	if (sec != NULL) {
		ctlproto_buf_printf(out,
				    ",\"state\":\"%s\",\"rekeying\":%s,\"cipher\":\"%s\","
				    "\"session_age_ms\":%llu",
				    state_names[sec->state], sec->rekeying ? "true" : "false",
				    sec->cipher, ULL(sec->session_age_ms));
		put_json_ago(out, "last_handshake_age_ms", sec->last_handshake, now);
	}
	ctlproto_buf_put(out, "}", 1);
}

/* --- text and JSON -------------------------------------------------------------- */

static void render_text(const struct counters_snap *s, const struct peer *const *peers, size_t np,
			uint64_t now, struct ctlproto_buf *out)
{
	char name[64];
	bool total_done = false;

	for (size_t i = 0; i < NDEFS; i++) {
		const struct counter_def *d = &table[i];

		if (!shown(s, d))
			continue;
		if (d->group == COUNTER_DROPS && !total_done) {
			ctlproto_buf_printf(out, "%-22s %14llu  %s\n", "drops",
					    ULL(counters_drops_total(s)), "dropped, every reason");
			total_done = true;
		}
		ctlproto_buf_printf(out, "%-22s %14llu  %s\n", counters_name(d, name, sizeof(name)),
				    ULL(counters_value(s, d)), d->help);
	}
	for (size_t i = 0; i < np; i++)
		counters_peer_text(out, "peer ", peers[i], NULL, now);
}

static void render_json(const struct counters_snap *s, const struct peer *const *peers, size_t np,
			uint64_t now, struct ctlproto_buf *out)
{
	int open = -1;
	const char *sep = "";

	ctlproto_buf_put(out, "{", 1);
	for (size_t i = 0; i < NDEFS; i++) {
		const struct counter_def *d = &table[i];

		if (!shown(s, d))
			continue;
		if ((int)d->group != open) {
			ctlproto_buf_printf(out, "%s\"%s\":{", open < 0 ? "" : "},",
					    groups[d->group].json);
			open = (int)d->group;
			sep = "";
			if (d->group == COUNTER_DROPS) {
				ctlproto_buf_printf(out, "\"total\":%llu",
						    ULL(counters_drops_total(s)));
				sep = ",";
			}
		}
		ctlproto_buf_printf(out, "%s\"%s\":%llu", sep, d->key, ULL(counters_value(s, d)));
		sep = ",";
	}
	ctlproto_buf_printf(out, "%s\"peers\":[", open < 0 ? "" : "},");
	for (size_t i = 0; i < np; i++) {
		ctlproto_buf_printf(out, "%s", i ? "," : "");
		counters_peer_json(out, peers[i], NULL, now);
	}
	ctlproto_buf_printf(out, "]}\n");
}

/* --- Prometheus ------------------------------------------------------------------ */

/* A label value, escaped as the exposition format says. */
static const char *label_escape(const char *v, char *buf, size_t len)
{
	size_t o = 0;

	for (; *v != '\0' && o + 3 < len; v++) {
		if (*v == '\\' || *v == '"' || *v == '\n') {
			buf[o++] = '\\';
			buf[o++] = *v == '\n' ? 'n' : *v;
		} else {
			buf[o++] = *v;
		}
	}
	buf[o] = '\0';
	return buf;
}

static void prom_head(struct ctlproto_buf *out, const char *name, const char *type,
		      const char *help)
{
	ctlproto_buf_printf(out, "# HELP vxtap_%s %s\n# TYPE vxtap_%s %s\n", name, help, name,
			    type);
}

static void render_prometheus(const struct counters_snap *s, const struct peer *const *peers,
			      size_t np, const char *dev, uint64_t now, struct ctlproto_buf *out)
{
	char d[64], fam[96], a[ADDR_STRLEN];
	int headed = -1; /* the labelled group whose family head is out */

	label_escape(dev, d, sizeof(d));
	for (size_t i = 0; i < NDEFS; i++) {
		const struct counter_def *c = &table[i];
		unsigned long long v = ULL(counters_value(s, c));
		const char *family = groups[c->group].family;

		if (!shown(s, c))
			continue;
		if (family != NULL) {
			if (headed != (int)c->group)
				prom_head(out, family, "counter", groups[c->group].family_help);
			headed = (int)c->group;
			ctlproto_buf_printf(out, "vxtap_%s{dev=\"%s\",reason=\"%s\"} %llu\n",
					    family, d, c->key, v);
			continue;
		}
		snprintf(fam, sizeof(fam), "%s%s%s", groups[c->group].prefix, c->key,
			 c->group == COUNTER_TABLES ? "" : "_total");
		prom_head(out, fam, c->group == COUNTER_TABLES ? "gauge" : "counter", c->help);
		ctlproto_buf_printf(out, "vxtap_%s{dev=\"%s\"} %llu\n", fam, d, v);
	}
	for (size_t f = 0; f < sizeof(peer_table) / sizeof(peer_table[0]); f++) {
		snprintf(fam, sizeof(fam), "peer_%s_total", peer_table[f].key);
		prom_head(out, fam, "counter", peer_table[f].help);
		for (size_t i = 0; i < np; i++) {
			uint64_t v;

			memcpy(&v, (const char *)&peers[i]->st + peer_table[f].off, sizeof(v));
			ctlproto_buf_printf(out, "vxtap_%s{dev=\"%s\",peer=\"%s\"} %llu\n", fam, d,
					    endpoint_fmt(&peers[i]->ep, a), ULL(v));
		}
	}
	prom_head(out, "peer_last_rx_age_seconds", "gauge",
		  "seconds since the last datagram from the peer (absent: never)");
	for (size_t i = 0; i < np; i++) {
		uint64_t last = peers[i]->st.last_rx;

		if (last != 0)
			ctlproto_buf_printf(
				out,
				"vxtap_peer_last_rx_age_seconds{dev=\"%s\",peer=\"%s\"} %.3f\n", d,
				endpoint_fmt(&peers[i]->ep, a),
				(double)(now > last ? now - last : 0) / 1000.0);
	}
}

void counters_render(const struct counters_snap *s, const struct peer *const *peers, size_t np,
		     const char *dev, enum ctlproto_fmt fmt, uint64_t now, struct ctlproto_buf *out)
{
	switch (fmt) {
	case CTLPROTO_TEXT:
		render_text(s, peers, np, now, out);
		break;
	case CTLPROTO_JSON:
		render_json(s, peers, np, now, out);
		break;
	case CTLPROTO_PROMETHEUS:
		render_prometheus(s, peers, np, dev, now, out);
		break;
	}
}

void counters_lines(const struct counters_snap *s, void (*line)(const char *text, void *arg),
		    void *arg)
{
	char name[64], text[128];
	bool total_done = false;

	for (size_t i = 0; i < NDEFS; i++) {
		if (!shown(s, &table[i]))
			continue;
		if (table[i].group == COUNTER_DROPS && !total_done) {
			snprintf(text, sizeof(text), "drops %llu", ULL(counters_drops_total(s)));
			line(text, arg);
			total_done = true;
		}
		snprintf(text, sizeof(text), "%s %llu",
			 counters_name(&table[i], name, sizeof(name)),
			 ULL(counters_value(s, &table[i])));
		line(text, arg);
	}
}
