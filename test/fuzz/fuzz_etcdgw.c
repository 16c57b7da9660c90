/* fuzz_etcdgw: etcd answers, watch lines, the line splitter, and watch events into a node set.
 * Input: byte 0 picks what is fed (mod 8); byte 1 a chunk size for the splitter. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "etcdgw.h"
#include "flset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_kv(const struct etcdgw_kv *kv)
{
	if (kv->key == NULL || kv->key[kv->keylen] != '\0' || kv->value == NULL ||
	    kv->value[kv->valuelen] != '\0')
		__builtin_trap();
}

static void answer(enum etcdgw_kind kind, const char *text, size_t len)
{
	struct etcdgw_resp r;
	char err[ETCDGW_ERRLEN];
	enum etcdgw_status st = etcdgw_parse(kind, text, len, &r, err);

	if (st != ETCDGW_OK && (err[0] == '\0' || r.nkvs != 0))
		__builtin_trap();
	for (size_t i = 0; i < r.nkvs; i++)
		check_kv(&r.kvs[i]);
	etcdgw_resp_free(&r);
}

static struct flset *set_for_fuzz(void)
{
	static struct flset *s;
	static const char cfg_text[] =
		"{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}";
	struct flannel_config cfg;
	struct flset_self self = {0};
	char err[FLANNEL_ERRLEN];
	struct flannel_subnet own = {0x0af40100, 24};

	if (s != NULL)
		return s;
	if (!flannel_config_parse(cfg_text, sizeof(cfg_text) - 1, &cfg, err))
		__builtin_trap();
	ipaddr_parse("192.168.56.41", &self.public_ip);
	mac_parse("0a:58:0a:f4:01:00", &self.vtep_mac);
	s = flset_new(&cfg, "/coreos.com/network", &self);
	flset_own(s, &own);
	return s;
}

/* Events of a watch line into a long-lived set: the node list stays sorted,
 * unique, and free of this node. */
static void events(const char *text, size_t len)
{
	struct flset *s = set_for_fuzz();
	struct flset_nodes l = {0};
	struct etcdgw_watch w;
	char err[ETCDGW_ERRLEN];

	if (etcdgw_parse_watch(text, len, &w, err) != ETCDGW_OK)
		return;
	if (w.compact_revision > 0) {
		flset_list_begin(s);
		flset_list_end(s, w.compact_revision);
	}
	for (size_t i = 0; i < w.nevents; i++) {
		const struct etcdgw_kv *kv = &w.events[i].kv;

		check_kv(kv);
		if (w.events[i].is_delete)
			flset_del(s, kv->key, kv->keylen, kv->mod_revision);
		else
			flset_put(s, kv->key, kv->keylen, kv->value, kv->valuelen, kv->mod_revision,
				  kv->lease);
	}
	etcdgw_watch_free(&w);
	if (flset_nodes(s, &l) != 0)
		return;
	for (size_t i = 0; i < l.n; i++) {
		if (l.v[i].subnet.ip == 0x0af40100 && l.v[i].subnet.len == 24)
			__builtin_trap();
		if (i > 0 && (l.v[i - 1].subnet.ip > l.v[i].subnet.ip ||
			      (l.v[i - 1].subnet.ip == l.v[i].subnet.ip &&
			       l.v[i - 1].subnet.len >= l.v[i].subnet.len)))
			__builtin_trap();
	}
	flset_nodes_free(&l);
}

struct count {
	size_t bytes, lines;
	size_t max;
};

static void line_fn(void *arg, const char *line, size_t len)
{
	struct count *c = arg;

	if (len == 0 || len > c->max || memchr(line, '\n', len) != NULL)
		__builtin_trap();
	c->bytes += len;
	c->lines++;
}

/* Any chunking gives the same lines as one piece. */
static void split(const char *text, size_t len, size_t chunk)
{
	struct etcdgw_lines a, b;
	struct count ca = {0, 0, 64}, cb = {0, 0, 64};

	etcdgw_lines_init(&a, 64);
	etcdgw_lines_init(&b, 64);
	etcdgw_lines_feed(&a, text, len, line_fn, &ca);
	for (size_t off = 0; off < len; off += chunk)
		etcdgw_lines_feed(&b, text + off, len - off < chunk ? len - off : chunk, line_fn,
				  &cb);
	if (ca.bytes != cb.bytes || ca.lines != cb.lines || a.toolong != b.toolong ||
	    etcdgw_lines_pending(&a) != etcdgw_lines_pending(&b))
		__builtin_trap();
	etcdgw_lines_free(&a);
	etcdgw_lines_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data + 2;
	struct etcdgw_watch w;
	char err[ETCDGW_ERRLEN];
	size_t len;

	if (size < 2)
		return 0;
	len = size - 2;
	switch (data[0] % 8) {
	case 0:
		if (etcdgw_parse_watch(text, len, &w, err) == ETCDGW_OK)
			for (size_t i = 0; i < w.nevents; i++)
				check_kv(&w.events[i].kv);
		etcdgw_watch_free(&w);
		break;
	case 1:
		answer(ETCDGW_RANGE, text, len);
		break;
	case 2:
		answer(ETCDGW_TXN, text, len);
		break;
	case 3:
		answer(ETCDGW_GRANT, text, len);
		break;
	case 4:
		answer(ETCDGW_KEEPALIVE, text, len);
		break;
	case 5:
		answer(ETCDGW_REVOKE, text, len);
		break;
	case 6:
		split(text, len, (size_t)data[1] % 32 + 1);
		break;
	default:
		events(text, len);
		break;
	}
	return 0;
}
