/* addr: parsing, comparing and printing underlay endpoints and IP addresses. */
#include "addr.h"

#include <netinet/in.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Longest address text we hand to inet_pton, with room to spare. */
#define ADDR_TEXT_MAX 64

/* Parse an unsigned decimal of at most max, digits only: strtoul alone would
 * also take leading blanks, a sign and "0x". */
static bool addr_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return false;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v > max)
		return false;
	*out = v;
	return true;
}

/* Explicit ports must be 1-65535: port 0 on the command line is a mistake. */
static bool addr_parse_port(const char *s, uint16_t *out)
{
	unsigned long v;

	if (!addr_parse_uint(s, 65535, &v) || v == 0)
		return false;
	*out = (uint16_t)v;
	return true;
}

/* Copy n bytes of s into a NUL-terminated buffer so inet_pton sees only them. */
static bool addr_copy(char buf[static ADDR_TEXT_MAX], const char *s, size_t n)
{
	if (n == 0 || n >= ADDR_TEXT_MAX)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return true;
}

static bool addr_parse_family(const char *s, int family, struct ipaddr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(family, s, out->a) != 1) {
		memset(out, 0, sizeof(*out));
		return false;
	}
	out->family = (uint8_t)family;
	return true;
}

bool ipaddr_parse(const char *s, struct ipaddr *out)
{
	return addr_parse_family(s, strchr(s, ':') ? AF_INET6 : AF_INET, out);
}

bool endpoint_parse(const char *s, uint16_t default_port, struct endpoint *out)
{
	char buf[ADDR_TEXT_MAX];
	const char *colon, *rest;
	uint16_t port = default_port;

	memset(out, 0, sizeof(*out));
	if (s[0] == '[') {
		/* Brackets only make sense around IPv6, where ':' is ambiguous. */
		rest = strchr(s, ']');
		if (!rest || !addr_copy(buf, s + 1, (size_t)(rest - s - 1)))
			return false;
		if (!addr_parse_family(buf, AF_INET6, &out->ip))
			return false;
		rest++;
		if (*rest == ':') {
			if (!addr_parse_port(rest + 1, &port))
				goto fail;
		} else if (*rest != '\0') {
			goto fail;
		}
	} else {
		colon = strchr(s, ':');
		if (colon && strchr(colon + 1, ':')) {
			/* Two or more colons: a bare IPv6 address, which cannot carry a port. */
			if (!ipaddr_parse(s, &out->ip) || out->ip.family != AF_INET6)
				goto fail;
		} else {
			size_t n = colon ? (size_t)(colon - s) : strlen(s);

			if (!addr_copy(buf, s, n) || !addr_parse_family(buf, AF_INET, &out->ip))
				goto fail;
			if (colon && !addr_parse_port(colon + 1, &port))
				goto fail;
		}
	}
	out->port = port;
	return true;
fail:
	memset(out, 0, sizeof(*out));
	return false;
}

bool prefix_parse(const char *s, struct ipaddr *out, uint8_t *plen)
{
	char buf[ADDR_TEXT_MAX];
	const char *slash = strchr(s, '/');
	unsigned long len;

	memset(out, 0, sizeof(*out));
	if (!slash || !addr_copy(buf, s, (size_t)(slash - s)) || !ipaddr_parse(buf, out))
		goto fail;
	if (!addr_parse_uint(slash + 1, out->family == AF_INET ? 32 : 128, &len))
		goto fail;
	*plen = (uint8_t)len;
	return true;
fail:
	memset(out, 0, sizeof(*out));
	return false;
}

void ipaddr_from_v4(struct ipaddr *out, const uint8_t v4[static 4])
{
	memset(out, 0, sizeof(*out));
	out->family = AF_INET;
	memcpy(out->a, v4, 4);
}

void ipaddr_canon(struct ipaddr *out, const struct ipaddr *in)
{
	struct ipaddr c;

	memset(&c, 0, sizeof(c));
	c.family = in->family;
	if (in->family == AF_INET)
		memcpy(c.a, in->a, 4);
	else if (in->family == AF_INET6)
		memcpy(c.a, in->a, sizeof(c.a));
	*out = c;
}

bool ipaddr_equal(const struct ipaddr *a, const struct ipaddr *b)
{
	if (a->family != b->family)
		return false;
	/* Only the bytes the family uses: stray bytes past an IPv4 address must
	 * not make two equal addresses differ. */
	return memcmp(a->a, b->a, a->family == AF_INET ? 4 : sizeof(a->a)) == 0;
}

bool endpoint_equal(const struct endpoint *a, const struct endpoint *b)
{
	return a->port == b->port && ipaddr_equal(&a->ip, &b->ip);
}

/* A zeroed struct (no family) counts as unspecified too: it is "not set". */
bool ipaddr_is_unspecified(const struct ipaddr *a)
{
	static const uint8_t zero[16];

	switch (a->family) {
	case AF_INET:
		return memcmp(a->a, zero, 4) == 0;
	case AF_INET6:
		return memcmp(a->a, zero, 16) == 0;
	default:
		return true;
	}
}

/* An address of no known family prints as "-", as in a table column. */
static const char *addr_ntop(const struct ipaddr *a, char *buf, size_t len)
{
	if ((a->family != AF_INET && a->family != AF_INET6) ||
	    !inet_ntop(a->family, a->a, buf, (socklen_t)len))
		snprintf(buf, len, "-");
	return buf;
}

const char *ipaddr_fmt(const struct ipaddr *a, char buf[static ADDR_STRLEN])
{
	return addr_ntop(a, buf, ADDR_STRLEN);
}

const char *endpoint_fmt(const struct endpoint *e, char buf[static ADDR_STRLEN])
{
	char ip[INET6_ADDRSTRLEN];

	addr_ntop(&e->ip, ip, sizeof(ip));
	if (e->ip.family == AF_INET6)
		snprintf(buf, ADDR_STRLEN, "[%s]:%u", ip, (unsigned)e->port);
	else
		snprintf(buf, ADDR_STRLEN, "%s:%u", ip, (unsigned)e->port);
	return buf;
}

socklen_t endpoint_to_sockaddr(const struct endpoint *ep, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (ep->ip.family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(ep->port);
		memcpy(&s6->sin6_addr, ep->ip.a, 16);
		return sizeof(*s6);
	}
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	sin->sin_family = AF_INET;
	sin->sin_port = htons(ep->port);
	memcpy(&sin->sin_addr, ep->ip.a, 4);
	return sizeof(*sin);
}

bool endpoint_from_sockaddr(const struct sockaddr_storage *ss, struct endpoint *ep)
{
	memset(ep, 0, sizeof(*ep));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		ep->ip.family = AF_INET;
		memcpy(ep->ip.a, &sin->sin_addr, 4);
		ep->port = ntohs(sin->sin_port);
		return true;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		ep->ip.family = AF_INET6;
		memcpy(ep->ip.a, &s6->sin6_addr, 16);
		ep->port = ntohs(s6->sin6_port);
		return true;
	}
	return false;
}

bool endpoint_port_ambiguous(const char *s, size_t *split)
{
	const char *last = strrchr(s, ':');
	struct ipaddr ip;
	char head[ADDR_STRLEN];
	size_t digits, n;
	unsigned long v;

	if (s[0] == '[' || last == NULL || !ipaddr_parse(s, &ip) || ip.family != AF_INET6)
		return false;
	digits = strlen(last + 1);
	if (digits < 2 || digits > 5 || strspn(last + 1, "0123456789") != digits)
		return false;
	v = strtoul(last + 1, NULL, 10);
	if (v == 0 || v > 65535)
		return false;
	/* Only when what comes before is an address of its own: "fd00::42" is
	 * not "fd00:" and a port. */
	n = (size_t)(last - s);
	if (n == 0 || n >= sizeof(head) || s[n - 1] == ':')
		return false;
	memcpy(head, s, n);
	head[n] = '\0';
	if (!ipaddr_parse(head, &ip) || ip.family != AF_INET6)
		return false;
	*split = n;
	return true;
}
