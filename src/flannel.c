/* flannel: parsing and formatting flannel's config, lease values, subnet keys and subnet file. */
#include "flannel.h"

#include <arpa/inet.h>
#include <json-c/json.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "conf.h"
#include "jsonrd.h"

#define FLANNEL_BAD_NAME(e, name, text) name,
#define FLANNEL_BAD_TEXT(e, name, text) text,
static const char *const bad_names[] = {FLANNEL_BAD_REASONS(FLANNEL_BAD_NAME)};
static const char *const bad_texts[] = {FLANNEL_BAD_REASONS(FLANNEL_BAD_TEXT)};

const char *flannel_bad_name(enum flannel_bad r)
{
	return (unsigned)r < FLANNEL_BAD__COUNT ? bad_names[r] : "unknown";
}

const char *flannel_bad_text(enum flannel_bad r)
{
	return (unsigned)r < FLANNEL_BAD__COUNT ? bad_texts[r] : "unknown problem";
}

static uint32_t mask_of(uint8_t len)
{
	return len == 0 ? 0 : UINT32_MAX << (32 - len);
}

/* --- addresses --------------------------------------------------------- */

/* A dotted quad as Go's net.ParseIP takes it: 1-3 digits without leading zeros. */
static bool parse_quad(const char *s, size_t len, uint32_t *out)
{
	uint32_t ip = 0;
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		unsigned v = 0;
		size_t start = i;

		if (part > 0) {
			if (i >= len || s[i] != '.')
				return false;
			start = ++i;
		}
		while (i < len && s[i] >= '0' && s[i] <= '9' && i - start < 3)
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == start || v > 255 || (s[start] == '0' && i - start > 1))
			return false;
		ip = ip << 8 | v;
	}
	if (i != len)
		return false;
	*out = ip;
	return true;
}

/* A decimal 0..max without sign or leading zeros. */
static bool parse_small(const char *s, size_t len, unsigned max, unsigned *out)
{
	unsigned v = 0;

	if (len == 0 || len > 3 || (s[0] == '0' && len > 1))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

/* "A.B.C.D/LEN" with sep '/' or '-'; host bits kept. */
static bool parse_prefix(const char *s, size_t len, char sep, struct flannel_subnet *out)
{
	const char *d = memchr(s, sep, len);
	unsigned plen;

	if (d == NULL || !parse_quad(s, (size_t)(d - s), &out->ip))
		return false;
	if (!parse_small(d + 1, len - (size_t)(d + 1 - s), 32, &plen))
		return false;
	out->len = (uint8_t)plen;
	return true;
}

static const char *quad_format(uint32_t ip, char buf[static FLANNEL_CIDRLEN])
{
	snprintf(buf, FLANNEL_CIDRLEN, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255,
		 ip & 255);
	return buf;
}

static const char *prefix_format(const struct flannel_subnet *sn, char sep,
				 char buf[static FLANNEL_CIDRLEN])
{
	snprintf(buf, FLANNEL_CIDRLEN, "%u.%u.%u.%u%c%u", sn->ip >> 24, (sn->ip >> 16) & 255,
		 (sn->ip >> 8) & 255, sn->ip & 255, sep, sn->len & 63U);
	return buf;
}

const char *flannel_key_format(const struct flannel_subnet *sn, char buf[static FLANNEL_KEYLEN])
{
	return prefix_format(sn, '-', buf);
}

const char *flannel_cidr_format(const struct flannel_subnet *sn, char buf[static FLANNEL_CIDRLEN])
{
	return prefix_format(sn, '/', buf);
}

bool flannel_key_parse(const char *s, size_t len, struct flannel_subnet *sn)
{
	struct flannel_subnet t;

	if (!parse_prefix(s, len, '-', &t) || (t.ip & ~mask_of(t.len)) != 0)
		return false;
	*sn = t;
	return true;
}

bool flannel_subnet_overlaps(const struct flannel_subnet *a, const struct flannel_subnet *b)
{
	uint32_t m = mask_of(a->len < b->len ? a->len : b->len);

	return (a->ip & m) == (b->ip & m);
}

enum flannel_bad flannel_subnet_check(const struct flannel_config *cfg,
				      const struct flannel_subnet *sn)
{
	if (sn->len < cfg->network.len || (sn->ip & mask_of(cfg->network.len)) != cfg->network.ip)
		return FLANNEL_BAD_OUTSIDE;
	if (sn->len != cfg->subnet_len)
		return FLANNEL_BAD_LENGTH;
	return FLANNEL_BAD_NONE;
}

bool flannel_subnet_compat(const struct flannel_config *cfg, const struct flannel_subnet *sn)
{
	return sn->ip >= cfg->subnet_min && sn->ip <= cfg->subnet_max && sn->len == cfg->subnet_len;
}

void flannel_subnet_addr(const struct flannel_subnet *sn, uint32_t host, struct ipaddr *out)
{
	uint32_t a = sn->ip + host;

	memset(out, 0, sizeof(*out));
	out->family = AF_INET;
	out->a[0] = (uint8_t)(a >> 24);
	out->a[1] = (uint8_t)(a >> 16);
	out->a[2] = (uint8_t)(a >> 8);
	out->a[3] = (uint8_t)a;
}

/* --- the network config ------------------------------------------------ */

__attribute__((format(printf, 2, 3))) static bool fail(char *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, FLANNEL_ERRLEN, fmt, ap);
	va_end(ap);
	return false;
}

/* v as it may appear in an error line: a string quoted, anything else as JSON. */
static const char *show(struct json_object *v, char out[static CONF_QUOTELEN])
{
	char q[CONF_QUOTELEN];
	const char *s;

	if (json_object_is_type(v, json_type_string)) {
		conf_quote(json_object_get_string(v), (size_t)json_object_get_string_len(v), q);
		snprintf(out, CONF_QUOTELEN, "\"%.*s\"", CONF_QUOTELEN - 3, q);
		return out;
	}
	s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
	return conf_quote(s, strlen(s), out);
}

/* A boolean member: absent or null keeps *out. */
static bool get_bool(struct json_object *obj, const char *name, const char *where, bool *out,
		     char *err)
{
	char q[CONF_QUOTELEN];
	bool present;
	struct json_object *v = jsonrd_member(obj, name, &present);

	if (!present || v == NULL)
		return true;
	if (!json_object_is_type(v, json_type_boolean))
		return fail(err, "config: %s is %s, not true or false", where, show(v, q));
	*out = json_object_get_boolean(v);
	return true;
}

/* An integer member in [min, max]: absent or null keeps *out. */
static bool get_int(struct json_object *obj, const char *name, const char *where, int64_t min,
		    int64_t max, int64_t *out, char *err)
{
	char q[CONF_QUOTELEN];
	bool present;
	struct json_object *v = jsonrd_member(obj, name, &present);

	if (!present || v == NULL)
		return true;
	if (!json_object_is_type(v, json_type_int))
		return fail(err, "config: %s is %s, not an integer", where, show(v, q));
	if (!jsonrd_integer(v, min, max, out))
		return fail(err, "config: %s %s is out of range (%lld-%lld)", where, show(v, q),
			    (long long)min, (long long)max);
	return true;
}

/* SubnetMin/SubnetMax: absent keeps 0 ("use the default"); null or a
 * non-address fails as ip.IP4's UnmarshalJSON does. */
static bool get_quad(struct json_object *obj, const char *name, uint32_t *out, char *err)
{
	char q[CONF_QUOTELEN];
	bool present;
	struct json_object *v = jsonrd_member(obj, name, &present);

	if (!present)
		return true;
	if (!json_object_is_type(v, json_type_string))
		return fail(err, "config: %s is %s, not an IPv4 address string", name, show(v, q));
	if (!parse_quad(json_object_get_string(v), (size_t)json_object_get_string_len(v), out))
		return fail(err, "config: %s %s is not an IPv4 address", name, show(v, q));
	return true;
}

static bool get_network(struct json_object *root, struct flannel_config *cfg, char *err)
{
	char q[CONF_QUOTELEN];
	bool present;
	struct json_object *v = jsonrd_member(root, "Network", &present);
	struct flannel_subnet n;

	if (!present)
		return fail(err, "config: Network is missing");
	if (!json_object_is_type(v, json_type_string))
		return fail(err,
			    "config: Network is %s, not a CIDR string such as \"10.244.0.0/16\"",
			    show(v, q));
	if (!parse_prefix(json_object_get_string(v), (size_t)json_object_get_string_len(v), '/',
			  &n))
		return fail(err, "config: Network %s is not an IPv4 CIDR such as \"10.244.0.0/16\"",
			    show(v, q));
	/* Go's net.ParseCIDR hands back the network, host bits cleared. */
	n.ip &= mask_of(n.len);
	if (n.ip == 0 && n.len == 0)
		return fail(err, "config: Network %s is empty", show(v, q));
	cfg->network = n;
	return true;
}

/* SubnetLen and its default, as CheckNetworkConfig. */
static bool check_subnet_len(int64_t given, struct flannel_config *cfg, char *err)
{
	char c[FLANNEL_CIDRLEN];
	uint8_t nlen = cfg->network.len;

	flannel_cidr_format(&cfg->network, c);
	if (given > 0) {
		if (given > 30)
			return fail(err, "config: SubnetLen %lld is too long (at most 30)",
				    (long long)given);
		if (given < nlen + 2)
			return fail(
				err,
				"config: SubnetLen %lld leaves Network %s fewer than four subnets "
				"(it must be at least %u)",
				(long long)given, c, nlen + 2U);
		cfg->subnet_len = (uint8_t)given;
	} else if (nlen > 28) {
		return fail(err, "config: Network %s is too small (flannel needs /28 or larger)",
			    c);
	} else {
		cfg->subnet_len = nlen <= 22 ? 24 : (uint8_t)(nlen + 2);
	}
	return true;
}

/* SubnetMin and SubnetMax: defaults, range and alignment. */
static bool check_bounds(struct flannel_config *cfg, char *err)
{
	char c[FLANNEL_CIDRLEN], a[FLANNEL_CIDRLEN], b[FLANNEL_CIDRLEN];
	uint32_t size = UINT32_C(1) << (32 - cfg->subnet_len);
	uint32_t nmask = mask_of(cfg->network.len);
	uint32_t last = cfg->network.ip | ~nmask; /* broadcast of Network */
	uint32_t smask = mask_of(cfg->subnet_len);
	const char *names[2] = {"SubnetMin", "SubnetMax"};
	uint32_t *vals[2] = {&cfg->subnet_min, &cfg->subnet_max};

	flannel_cidr_format(&cfg->network, c);
	if (cfg->subnet_min == 0)
		cfg->subnet_min = cfg->network.ip + size;
	if (cfg->subnet_max == 0)
		cfg->subnet_max = last + 1 - size;
	for (int i = 0; i < 2; i++) {
		if ((*vals[i] & nmask) != cfg->network.ip)
			return fail(err, "config: %s %s is outside Network %s", names[i],
				    quad_format(*vals[i], a), c);
		if ((*vals[i] & smask) != *vals[i])
			return fail(err, "config: %s %s is not on a /%u boundary", names[i],
				    quad_format(*vals[i], a), cfg->subnet_len);
	}
	if (cfg->subnet_min > cfg->subnet_max)
		return fail(err, "config: SubnetMin %s is after SubnetMax %s",
			    quad_format(cfg->subnet_min, a), quad_format(cfg->subnet_max, b));
	return true;
}

static bool get_backend(struct json_object *root, struct flannel_config *cfg, char *err)
{
	char q[CONF_QUOTELEN];
	bool present, gbp = false, learning = false;
	struct json_object *be = jsonrd_member(root, "Backend", &present), *t;
	int64_t vni = FLANNEL_VNI_DEFAULT, port = 0, mtu = 0;

	if (!present)
		return fail(err, "config: Backend is missing (flannel then uses \"udp\"); vxtap "
				 "speaks only vxlan");
	if (be == NULL)
		return fail(err, "config: Backend is null; vxtap speaks only vxlan");
	if (!json_object_is_type(be, json_type_object))
		return fail(err, "config: Backend is %s, not an object", show(be, q));
	t = jsonrd_member(be, "Type", &present);
	if (!present || t == NULL)
		return fail(err, "config: Backend.Type is missing; vxtap speaks only vxlan");
	if (!json_object_is_type(t, json_type_string))
		return fail(err, "config: Backend.Type is %s, not a string", show(t, q));
	/* The backend manager lower-cases the type before looking it up. */
	if (strcasecmp(json_object_get_string(t), "vxlan") != 0 ||
	    json_object_get_string_len(t) != 5)
		return fail(err, "config: Backend.Type is %s; vxtap speaks only vxlan", show(t, q));
	if (!get_int(be, "VNI", "Backend.VNI", 0, FLANNEL_VNI_MAX, &vni, err) ||
	    !get_int(be, "Port", "Backend.Port", 0, 65535, &port, err) ||
	    !get_int(be, "MTU", "Backend.MTU", 0, 65535, &mtu, err) ||
	    !get_bool(be, "GBP", "Backend.GBP", &gbp, err) ||
	    !get_bool(be, "Learning", "Backend.Learning", &learning, err) ||
	    !get_bool(be, "DirectRouting", "Backend.DirectRouting", &cfg->direct_routing, err))
		return false;
	if (mtu != 0 && mtu < FLANNEL_MTU_MIN)
		return fail(err, "config: Backend.MTU %lld is too small (at least %d, or 0)",
			    (long long)mtu, FLANNEL_MTU_MIN);
	if (gbp)
		return fail(err, "config: Backend.GBP is true; vxtap does not speak VXLAN-GBP");
	cfg->vni = (uint32_t)vni;
	cfg->port = port == 0 ? FLANNEL_PORT_DEFAULT : (uint16_t)port;
	cfg->mtu = (uint32_t)mtu;
	return true;
}

static bool config_fields(struct json_object *root, struct flannel_config *cfg, char *err)
{
	char q[CONF_QUOTELEN];
	bool v4 = true, v6 = false, nft = false;
	int64_t slen = 0;

	if (!json_object_is_type(root, json_type_object))
		return fail(err, "config: the value is %s, not a JSON object", show(root, q));
	if (!get_bool(root, "EnableIPv4", "EnableIPv4", &v4, err) ||
	    !get_bool(root, "EnableIPv6", "EnableIPv6", &v6, err) ||
	    !get_bool(root, "EnableNFTables", "EnableNFTables", &nft, err))
		return false;
	if (v6)
		return fail(err, "config: EnableIPv6 is true; vxtap does not support dual stack "
				 "(IPv4 networks only)");
	if (!v4)
		return fail(err, "config: EnableIPv4 is false; vxtap needs an IPv4 Network");
	if (!get_network(root, cfg, err) ||
	    !get_int(root, "SubnetLen", "SubnetLen", 0, INT64_MAX, &slen, err) ||
	    !check_subnet_len(slen, cfg, err) ||
	    !get_quad(root, "SubnetMin", &cfg->subnet_min, err) ||
	    !get_quad(root, "SubnetMax", &cfg->subnet_max, err) || !check_bounds(cfg, err))
		return false;
	return get_backend(root, cfg, err);
}

bool flannel_config_parse(const char *text, size_t len, struct flannel_config *cfg,
			  char err[static FLANNEL_ERRLEN])
{
	char jerr[JSONRD_ERRLEN];
	struct json_object *root;
	bool ok;

	memset(cfg, 0, sizeof(*cfg));
	err[0] = '\0';
	root = jsonrd_parse(text, len, &ok, jerr);
	if (!ok)
		return fail(err, "config: not JSON (%s)", jerr);
	ok = config_fields(root, cfg, err);
	json_object_put(root);
	if (!ok)
		memset(cfg, 0, sizeof(*cfg));
	return ok;
}

bool flannel_config_agrees(const struct flannel_config *cfg, const struct flannel_cli *cli,
			   char err[static FLANNEL_ERRLEN])
{
	err[0] = '\0';
	if (cli->has_vni && cli->vni != cfg->vni)
		return fail(err, "config: Backend.VNI is %u but --vni is %u", cfg->vni, cli->vni);
	if (cli->has_port && cli->port != cfg->port)
		return fail(err, "config: Backend.Port gives port %u but --port is %u", cfg->port,
			    cli->port);
	if (cli->has_mtu && cfg->mtu != 0 && cli->mtu != cfg->mtu)
		return fail(err, "config: Backend.MTU is %u but --mtu is %u", cfg->mtu, cli->mtu);
	return true;
}

uint32_t flannel_tap_mtu(const struct flannel_config *cfg, uint32_t underlay_mtu, uint32_t extra)
{
	uint64_t over = (uint64_t)FLANNEL_ENCAP_OVERHEAD + extra;

	if (cfg->mtu != 0)
		return cfg->mtu;
	return underlay_mtu < over + 68 ? 0 : (uint32_t)(underlay_mtu - over);
}

/* --- lease values ------------------------------------------------------ */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* net.ParseMAC's 6-byte forms: xx:xx:xx:xx:xx:xx, xx-xx-..., xxxx.xxxx.xxxx.
 * s is NUL-terminated and len long. */
static bool parse_go_mac(const char *s, size_t len, struct mac *out)
{
	struct mac m;

	if (strlen(s) != len)
		return false;
	if (len == 17)
		return mac_parse(s, out);
	if (len != 14 || s[4] != '.' || s[9] != '.')
		return false;
	for (size_t j = 0, i = 0; j < MAC_LEN; j++, i += 2) {
		int hi, lo;

		if (i == 4 || i == 9)
			i++;
		hi = hexval(s[i]);
		lo = hexval(s[i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		m.b[j] = (uint8_t)(hi << 4 | lo);
	}
	*out = m;
	return true;
}

static bool is_null_or_absent(struct json_object *obj, const char *name, struct json_object **v)
{
	bool present;

	*v = jsonrd_member(obj, name, &present);
	return !present || *v == NULL;
}

static enum flannel_bad lease_backend(struct json_object *bd, struct flannel_lease *out)
{
	struct json_object *v;
	int64_t vni = 0;

	if (bd == NULL || !json_object_is_type(bd, json_type_object))
		return FLANNEL_BAD_BACKEND_DATA;
	if (!is_null_or_absent(bd, "VNI", &v) && !jsonrd_integer(v, 0, FLANNEL_VNI_MAX, &vni))
		return FLANNEL_BAD_VNI;
	out->vni = (uint32_t)vni;
	if (is_null_or_absent(bd, "VtepMAC", &v) || !json_object_is_type(v, json_type_string) ||
	    !parse_go_mac(json_object_get_string(v), (size_t)json_object_get_string_len(v),
			  &out->vtep_mac) ||
	    mac_is_zero(&out->vtep_mac) || mac_is_multicast(&out->vtep_mac))
		return FLANNEL_BAD_MAC;
	if (is_null_or_absent(bd, "VxtapPublicKey", &v))
		return FLANNEL_BAD_NONE;
	if (!json_object_is_type(v, json_type_string) ||
	    json_object_get_string_len(v) != FLANNEL_KEY_B64LEN ||
	    !keytext_parse(json_object_get_string(v), FLANNEL_KEY_B64LEN, out->pubkey))
		return FLANNEL_BAD_PUBKEY;
	out->has_pubkey = true;
	return FLANNEL_BAD_NONE;
}

static enum flannel_bad lease_fields(struct json_object *root, struct flannel_lease *out)
{
	struct json_object *v;
	const char *s;
	bool present;

	if (!json_object_is_type(root, json_type_object))
		return FLANNEL_BAD_NOT_OBJECT;
	if (is_null_or_absent(root, "PublicIP", &v) || !json_object_is_type(v, json_type_string))
		return FLANNEL_BAD_PUBLIC_IP;
	s = json_object_get_string(v);
	if (strchr(s, ':') != NULL)
		return ipaddr_parse(s, &out->public_ip) ? FLANNEL_BAD_FAMILY
							: FLANNEL_BAD_PUBLIC_IP;
	if (!ipaddr_parse(s, &out->public_ip) || !conf_ip_unicast(&out->public_ip))
		return FLANNEL_BAD_PUBLIC_IP;
	if (!is_null_or_absent(root, "PublicIPv6", &v)) {
		if (!json_object_is_type(v, json_type_string) ||
		    strchr(json_object_get_string(v), ':') == NULL ||
		    !ipaddr_parse(json_object_get_string(v), &out->public_ipv6))
			return FLANNEL_BAD_PUBLIC_IPV6;
		out->has_public_ipv6 = true;
	}
	/* A missing or null BackendType reads as "" in Go: not vxlan. */
	if (is_null_or_absent(root, "BackendType", &v))
		return FLANNEL_BAD_OTHER_TYPE;
	if (!json_object_is_type(v, json_type_string))
		return FLANNEL_BAD_BACKEND_TYPE;
	if (strcmp(json_object_get_string(v), "vxlan") != 0 || json_object_get_string_len(v) != 5)
		return FLANNEL_BAD_OTHER_TYPE;
	return lease_backend(jsonrd_member(root, "BackendData", &present), out);
}

enum flannel_bad flannel_lease_parse(const char *text, size_t len, struct flannel_lease *out)
{
	char jerr[JSONRD_ERRLEN];
	struct json_object *root;
	enum flannel_bad r;
	bool ok;

	memset(out, 0, sizeof(*out));
	if (len > FLANNEL_VALUE_MAX)
		return FLANNEL_BAD_TOO_LARGE;
	root = jsonrd_parse(text, len, &ok, jerr);
	if (!ok)
		return FLANNEL_BAD_NOT_JSON;
	r = lease_fields(root, out);
	json_object_put(root);
	if (r != FLANNEL_BAD_NONE)
		memset(out, 0, sizeof(*out));
	return r;
}

size_t flannel_lease_format(const struct flannel_lease *l, char buf[static FLANNEL_LEASE_MAX])
{
	char ip[ADDR_STRLEN], ip6[ADDR_STRLEN + 2], m[MAC_STRLEN];
	char key[KEYTEXT_LEN];
	char keyfield[sizeof(key) + 24] = "";
	int n;

	if (l->has_public_ipv6)
		snprintf(ip6, sizeof(ip6), "\"%s\"", ipaddr_fmt(&l->public_ipv6, ip));
	else
		snprintf(ip6, sizeof(ip6), "null");
	if (l->has_pubkey) {
		keytext_format(l->pubkey, key);
		snprintf(keyfield, sizeof(keyfield), ",\"VxtapPublicKey\":\"%s\"", key);
	}
	n = snprintf(buf, FLANNEL_LEASE_MAX,
		     "{\"PublicIP\":\"%s\",\"PublicIPv6\":%s,\"BackendType\":\"vxlan\","
		     "\"BackendData\":{\"VNI\":%u,\"VtepMAC\":\"%s\"%s}}",
		     ipaddr_fmt(&l->public_ip, ip), ip6, l->vni, mac_fmt(&l->vtep_mac, m),
		     keyfield);
	return n < 0 ? 0 : (size_t)n;
}

/* --- allocation -------------------------------------------------------- */

struct span {
	uint64_t first, last;
};

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

size_t flannel_free_subnets(const struct flannel_config *cfg, const struct flannel_subnet *taken,
			    size_t ntaken, struct flannel_subnet *out, size_t max)
{
	uint64_t size = UINT64_C(1) << (32 - cfg->subnet_len);
	struct span *sp = NULL;
	int64_t reach = -1; /* last address covered by a taken subnet seen so far */
	size_t n = 0, i = 0;

	if (ntaken > 0) {
		sp = calloc(ntaken, sizeof(*sp));
		if (sp == NULL)
			return 0;
		for (size_t k = 0; k < ntaken; k++) {
			uint32_t m = mask_of(taken[k].len);

			sp[k].first = taken[k].ip & m;
			sp[k].last = (uint64_t)(taken[k].ip & m) + ((uint64_t)~m & UINT32_MAX);
		}
		qsort(sp, ntaken, sizeof(*sp), cmp_span);
	}
	/* One sweep: a candidate overlaps a taken subnet iff some subnet that
	 * starts before the candidate ends reaches into it. */
	for (uint64_t c = cfg->subnet_min; c <= cfg->subnet_max && n < max;) {
		for (; i < ntaken && sp[i].first <= c + size - 1; i++)
			if ((int64_t)sp[i].last > reach)
				reach = (int64_t)sp[i].last;
		if (reach >= (int64_t)c) {
			c = ((uint64_t)reach / size + 1) * size;
			continue;
		}
		out[n].ip = (uint32_t)c;
		out[n].len = cfg->subnet_len;
		n++;
		c += size;
	}
	free(sp);
	return n;
}

bool flannel_pick_subnet(const struct flannel_config *cfg, const struct flannel_subnet *taken,
			 size_t ntaken, uint32_t random, struct flannel_subnet *out)
{
	struct flannel_subnet free_sn[FLANNEL_ALLOC_WINDOW];
	size_t n = flannel_free_subnets(cfg, taken, ntaken, free_sn, FLANNEL_ALLOC_WINDOW);

	if (n == 0)
		return false;
	*out = free_sn[((uint64_t)random * n) >> 32];
	return true;
}

/* --- the subnet file --------------------------------------------------- */

size_t flannel_env_format(const struct flannel_config *cfg, const struct flannel_subnet *sn,
			  uint32_t tap_mtu, char buf[static FLANNEL_ENV_MAX])
{
	struct flannel_subnet first = {sn->ip + 1, sn->len};
	char a[FLANNEL_CIDRLEN], b[FLANNEL_CIDRLEN];
	int n = snprintf(buf, FLANNEL_ENV_MAX,
			 "FLANNEL_NETWORK=%s\nFLANNEL_SUBNET=%s\nFLANNEL_MTU=%u\n"
			 "FLANNEL_IPMASQ=false\n",
			 flannel_cidr_format(&cfg->network, a), flannel_cidr_format(&first, b),
			 tap_mtu);

	return n < 0 ? 0 : (size_t)n;
}

static void trim(const char **s, const char **e)
{
	while (*s < *e && (**s == ' ' || **s == '\t' || **s == '\r'))
		(*s)++;
	while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r'))
		(*e)--;
}

/* The value of one KEY=VALUE line, quotes and a trailing comment removed. */
static void env_value(const char **s, const char **e)
{
	trim(s, e);
	if (*e - *s >= 2 && (**s == '"' || **s == '\'') && (*e)[-1] == **s) {
		(*s)++;
		(*e)--;
		return;
	}
	for (const char *p = *s; p < *e; p++) {
		if (*p == '#' && (p == *s || p[-1] == ' ' || p[-1] == '\t')) {
			*e = p;
			break;
		}
	}
	trim(s, e);
}

bool flannel_env_subnet(const char *text, size_t len, struct flannel_subnet *sn)
{
	const char *p = text, *end = text + len;
	struct flannel_subnet found;
	int seen = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *s = p, *eq, *k_end;

		p = nl ? nl + 1 : end;
		trim(&s, &le);
		if (le - s >= 7 && strncmp(s, "export ", 7) == 0)
			s += 7;
		eq = memchr(s, '=', (size_t)(le - s));
		if (s == le || *s == '#' || eq == NULL)
			continue;
		k_end = eq;
		trim(&s, &k_end);
		if ((size_t)(k_end - s) != strlen("FLANNEL_SUBNET") ||
		    strncmp(s, "FLANNEL_SUBNET", (size_t)(k_end - s)) != 0)
			continue;
		s = eq + 1;
		env_value(&s, &le);
		if (memchr(s, ',', (size_t)(le - s)) != NULL ||
		    !parse_prefix(s, (size_t)(le - s), '/', &found))
			return false;
		found.ip &= mask_of(found.len);
		seen++;
	}
	if (seen != 1)
		return false;
	*sn = found;
	return true;
}
