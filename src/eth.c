/* eth: MAC address text forms, and random local MACs. */
#include "eth.h"

#include <stdio.h>
#include <string.h>

/* Hand-rolled rather than isxdigit(): the locale must not change what parses. */
static int eth_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool mac_parse(const char *s, struct mac *out)
{
	struct mac m;
	char sep = s[0] != '\0' && s[1] != '\0' ? s[2] : '\0';

	if (sep != ':' && sep != '-')
		return false;
	for (int i = 0; i < MAC_LEN; i++) {
		const char *g = s + 3 * i;
		int hi = eth_hexval(g[0]);
		int lo = hi < 0 ? -1 : eth_hexval(g[1]);

		if (lo < 0)
			return false;
		/* One separator throughout, and nothing after the last group. */
		if (g[2] != (i == MAC_LEN - 1 ? '\0' : sep))
			return false;
		m.b[i] = (uint8_t)(hi << 4 | lo);
	}
	*out = m;
	return true;
}

const char *mac_fmt(const struct mac *m, char buf[static MAC_STRLEN])
{
	snprintf(buf, MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", m->b[0], m->b[1], m->b[2],
		 m->b[3], m->b[4], m->b[5]);
	return buf;
}

void mac_from_random(struct mac *m, const uint8_t rnd[static MAC_LEN])
{
	memcpy(m->b, rnd, MAC_LEN);
	m->b[0] = (uint8_t)((m->b[0] & ~1u) | 2u); /* unicast, locally administered */
}
