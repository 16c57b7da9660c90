/* fuzz_flannel: flannel's records -- lease values, the network config, subnet keys, subnet.env.
 * Input: byte 0 picks the parser (mod 4), the rest is the text. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "flannel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A good lease formats to text that parses back to the same lease. */
static void lease(const char *text, size_t len)
{
	struct flannel_lease l, back;
	char buf[FLANNEL_LEASE_MAX];
	size_t n;
	enum flannel_bad r = flannel_lease_parse(text, len, &l);

	if ((unsigned)r >= FLANNEL_BAD__COUNT)
		__builtin_trap();
	if (r != FLANNEL_BAD_NONE)
		return;
	n = flannel_lease_format(&l, buf);
	if (n == 0 || n >= sizeof(buf) || flannel_lease_parse(buf, n, &back) != FLANNEL_BAD_NONE)
		__builtin_trap();
	if (!ipaddr_equal(&l.public_ip, &back.public_ip) ||
	    !mac_equal(&l.vtep_mac, &back.vtep_mac) || l.vni != back.vni ||
	    l.has_pubkey != back.has_pubkey || memcmp(l.pubkey, back.pubkey, sizeof(l.pubkey)) != 0)
		__builtin_trap();
}

/* A good config is coherent, and allocation over it terminates in range. */
static void config(const char *text, size_t len)
{
	struct flannel_config c;
	struct flannel_subnet taken[2], out[8], pick;
	char err[FLANNEL_ERRLEN];
	uint32_t size;
	size_t n;

	if (!flannel_config_parse(text, len, &c, err)) {
		if (err[0] == '\0' || memchr(err, '\n', strlen(err)) != NULL)
			__builtin_trap();
		return;
	}
	size = UINT32_C(1) << (32 - c.subnet_len);
	if (c.subnet_len > 30 || c.subnet_len < c.network.len + 2 || c.subnet_min > c.subnet_max ||
	    c.subnet_min % size != 0 || c.subnet_max % size != 0)
		__builtin_trap();
	taken[0] = (struct flannel_subnet){c.subnet_min, c.subnet_len};
	taken[1] = (struct flannel_subnet){c.network.ip, (uint8_t)(c.network.len + 1)};
	n = flannel_free_subnets(&c, taken, 2, out, 8);
	for (size_t i = 0; i < n; i++)
		if (out[i].ip < c.subnet_min || out[i].ip > c.subnet_max ||
		    flannel_subnet_overlaps(&out[i], &taken[0]) ||
		    flannel_subnet_overlaps(&out[i], &taken[1]) ||
		    !flannel_subnet_compat(&c, &out[i]))
			__builtin_trap();
	if (flannel_pick_subnet(&c, taken, 1, (uint32_t)len * 2654435761u, &pick) &&
	    !flannel_subnet_compat(&c, &pick))
		__builtin_trap();
}

static void key(const char *text, size_t len)
{
	struct flannel_subnet sn;
	char buf[FLANNEL_KEYLEN];

	if (!flannel_key_parse(text, len, &sn))
		return;
	flannel_key_format(&sn, buf);
	if (strlen(buf) != len || memcmp(buf, text, len) != 0)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data + 1;
	struct flannel_subnet sn;

	if (size < 1)
		return 0;
	switch (data[0] % 4) {
	case 0:
		lease(text, size - 1);
		break;
	case 1:
		config(text, size - 1);
		break;
	case 2:
		key(text, size - 1);
		break;
	default:
		if (flannel_env_subnet(text, size - 1, &sn) && sn.len > 32)
			__builtin_trap();
		break;
	}
	return 0;
}
