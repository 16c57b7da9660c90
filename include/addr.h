/* addr: underlay endpoints and overlay IP addresses as plain values. */
#ifndef VXTAP_ADDR_H
#define VXTAP_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Long enough for "[ffff:...:ffff]:65535" plus NUL. */
#define ADDR_STRLEN 56

/* An IPv4 or IPv6 address. IPv4 lives in a[0..3]; the rest of a[] is zero
 * so that whole-struct comparison and hashing work. */
struct ipaddr {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t a[16];
};

/* A remote VTEP as the wire sees it: address and UDP port. */
struct endpoint {
	struct ipaddr ip;
	uint16_t port; /* host order */
};

/* Parse a bare IPv4 or IPv6 address. Returns false on any other text. */
bool ipaddr_parse(const char *s, struct ipaddr *out);

/* Parse "A.B.C.D", "A.B.C.D:PORT", "V6" or "[V6]:PORT". A missing port becomes
 * default_port (0 is allowed and means "decide later"). Port 0 written out
 * explicitly is rejected. */
bool endpoint_parse(const char *s, uint16_t default_port, struct endpoint *out);

/* Parse "ADDR/LEN" (LEN 0-32 for IPv4, 0-128 for IPv6). */
bool prefix_parse(const char *s, struct ipaddr *out, uint8_t *plen);

/* Build from a 4-byte network-order IPv4 address. */
void ipaddr_from_v4(struct ipaddr *out, const uint8_t v4[static 4]);

/* Copy in to out with every byte the family does not use zeroed, so that
 * addresses used as hash keys or compared with memcmp agree with
 * ipaddr_equal. out may be in. */
void ipaddr_canon(struct ipaddr *out, const struct ipaddr *in);

bool ipaddr_equal(const struct ipaddr *a, const struct ipaddr *b);
bool endpoint_equal(const struct endpoint *a, const struct endpoint *b);
bool ipaddr_is_unspecified(const struct ipaddr *a);

/* Format into buf (ADDR_STRLEN bytes); returns buf. Endpoints print as
 * "A.B.C.D:PORT" or "[V6]:PORT". */
const char *ipaddr_fmt(const struct ipaddr *a, char buf[static ADDR_STRLEN]);
const char *endpoint_fmt(const struct endpoint *e, char buf[static ADDR_STRLEN]);

/* True when s, read as an unbracketed IPv6 address, ends in a group that
 * looks like a port (two to five decimal digits, 1-65535), as
 * "fd00:56::41:8472" does: the writer may have meant [fd00:56::41]:8472.
 * Only when what comes before that group is an IPv6 address by itself
 * ("fd00:56::42" is not ambiguous: "fd00:56:" is no address). *split gets the length of what comes
 * before that group's colon. */
bool endpoint_port_ambiguous(const char *s, size_t *split);

/* ep as a socket address; returns its length. */
socklen_t endpoint_to_sockaddr(const struct endpoint *ep, struct sockaddr_storage *ss);
/* The address and port of ss; false (ep zeroed) when ss is neither AF_INET
 * nor AF_INET6. */
bool endpoint_from_sockaddr(const struct sockaddr_storage *ss, struct endpoint *ep);

#endif
