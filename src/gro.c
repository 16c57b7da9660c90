/* gro: merge consecutive segments of one TCP or UDP flow into a GSO super-frame. */
#include "gro.h"

#include <string.h>

#include "csum.h"

#define TCP_FLAGS_OK 0x18 /* ACK | PSH: anything else goes alone */
#define TCP_ACK	     0x10
#define TCP_PSH	     0x08
#define IP_DF	     0x40 /* in the high byte of the fragment field */

void gro_init(struct gro *g, bool udp)
{
	memset(g, 0, sizeof(*g));
	g->udp = udp;
}

bool gro_l4_csum_ok(const uint8_t *f, const struct pkt_layout *lo)
{
	size_t l4_len = lo->end - lo->l4;
	uint32_t sum = pkt_pseudo_sum(f, lo, l4_len);

	return csum_fold(csum_add(sum, f + lo->l4, l4_len)) == 0;
}

/* A segment that may be merged at all: TCP with payload and plain flags, or
 * (when the TAP takes UDP super-frames) UDP with payload and a checksum;
 * IPv4 without options, and for TCP with DF. */
static bool candidate(const struct gro *g, const uint8_t *f, size_t len, struct pkt_layout *lo)
{
	if (!pkt_layout(f, len, lo) || lo->end == lo->hlen || lo->hlen > GRO_HDR_MAX)
		return false;
	if (!lo->v6 && lo->l4 - lo->l3 != 20)
		return false;
	if (lo->proto == 17)
		/* A zero checksum (IPv4: none) cannot be kept through a merge. */
		return g->udp && get_be16(f + lo->l4 + 6) != 0;
	if ((f[lo->l4 + 13] & ~TCP_FLAGS_OK) != 0 || !(f[lo->l4 + 13] & TCP_ACK))
		return false;
	return lo->v6 || (f[lo->l3 + 6] & IP_DF);
}

/* Same flow and the same everything that must not change within a batch. */
static bool same_flow(const uint8_t *a, const uint8_t *b, const struct pkt_layout *la,
		      const struct pkt_layout *lb)
{
	const uint8_t *ia = a + la->l3, *ib = b + lb->l3;
	const uint8_t *ta = a + la->l4, *tb = b + lb->l4;

	if (la->l3 != lb->l3 || la->l4 != lb->l4 || la->hlen != lb->hlen || la->v6 != lb->v6 ||
	    la->proto != lb->proto)
		return false;
	if (memcmp(a, b, la->l3) != 0) /* Ethernet header and VLAN tag */
		return false;
	if (la->v6) {
		/* version/class/flow label, next header, hop limit, addresses */
		if (memcmp(ia, ib, 4) != 0 || memcmp(ia + 6, ib + 6, 34) != 0)
			return false;
	} else {
		/* TOS, DF, TTL, protocol, addresses */
		if (ia[1] != ib[1] || (ia[6] & IP_DF) != (ib[6] & IP_DF) || ia[8] != ib[8] ||
		    ia[9] != ib[9] || memcmp(ia + 12, ib + 12, 8) != 0)
			return false;
	}
	if (memcmp(ta, tb, 4) != 0) /* ports */
		return false;
	if (la->proto == 17)
		return true;
	/* ack; window; options */
	return memcmp(ta + 8, tb + 8, 4) == 0 && memcmp(ta + 14, tb + 14, 2) == 0 &&
	       memcmp(ta + 20, tb + 20, la->hlen - la->l4 - 20) == 0;
}

/* Where the next segment must start: a TCP sequence number, or for IPv4 UDP
 * without DF the next IP id (the kernel numbers the datagrams it cuts from
 * a super-frame consecutively); 0 otherwise. */
static uint32_t next_mark(const uint8_t *f, const struct pkt_layout *lo, size_t plen)
{
	if (lo->proto == 6)
		return get_be32(f + lo->l4 + 4) + (uint32_t)plen;
	if (!lo->v6 && !(f[lo->l3 + 6] & IP_DF))
		return (uint16_t)(get_be16(f + lo->l3 + 4) + 1);
	return 0;
}

static uint32_t mark_of(const uint8_t *f, const struct pkt_layout *lo)
{
	if (lo->proto == 6)
		return get_be32(f + lo->l4 + 4);
	if (!lo->v6 && !(f[lo->l3 + 6] & IP_DF))
		return get_be16(f + lo->l3 + 4);
	return 0;
}

static void start(struct gro *g, const uint8_t *f, const struct pkt_layout *lo)
{
	size_t plen = lo->end - lo->hlen;

	g->n = 1;
	g->first = f;
	g->lo = *lo;
	g->mss = plen;
	g->next = next_mark(f, lo, plen);
	g->total = plen;
	g->psh = lo->proto == 6 && (f[lo->l4 + 13] & TCP_PSH) != 0;
	g->closed = g->psh;
	g->pay[0] = f + lo->hlen;
	g->pay_len[0] = plen;
}

enum gro_result gro_add(struct gro *g, uint8_t *frame, size_t len)
{
	struct pkt_layout lo;
	size_t plen;

	if (!candidate(g, frame, len, &lo))
		return GRO_PASS;
	if (!gro_l4_csum_ok(frame, &lo)) {
		if (!pkt_finish_partial(frame, &lo)) {
			g->bad_csum++;
			return GRO_PASS; /* never merged; the stack will judge it alone */
		}
		g->finished++;
	}
	if (g->n == 0) {
		start(g, frame, &lo);
		return GRO_HELD;
	}
	plen = lo.end - lo.hlen;
	if (g->closed || g->n == GRO_MAX_SEGS || plen > g->mss || mark_of(frame, &lo) != g->next ||
	    g->total + plen > 65535 - (lo.hlen - lo.l3) || !same_flow(g->first, frame, &g->lo, &lo))
		return GRO_FLUSH_FIRST;
	g->pay[g->n] = frame + lo.hlen;
	g->pay_len[g->n] = plen;
	g->n++;
	g->total += plen;
	g->next = next_mark(frame, &lo, plen);
	if (lo.proto == 6 && (frame[lo.l4 + 13] & TCP_PSH))
		g->psh = true;
	if (plen < g->mss || g->psh)
		g->closed = true;
	return GRO_HELD;
}

size_t gro_flush(struct gro *g, struct iovec *iov, size_t *segs)
{
	const struct pkt_layout *lo = &g->lo;
	size_t n = g->n, l4_len = lo->hlen - lo->l4 + g->total;
	uint8_t *h = g->hdr + VNET_HDR_LEN;
	bool tcp = lo->proto == 6;
	struct vnet_hdr vh;

	*segs = n;
	if (n == 0)
		return 0;
	memset(&vh, 0, sizeof(vh));
	if (n == 1) {
		/* Alone: the frame as it came, checksum already verified. */
		vh.flags = VNET_F_DATA_VALID;
		vnet_hdr_encode(g->hdr, &vh);
		iov[0].iov_base = g->hdr;
		iov[0].iov_len = VNET_HDR_LEN;
		iov[1].iov_base = (void *)(uintptr_t)g->first;
		iov[1].iov_len = lo->end;
		g->n = 0;
		return 2;
	}
	memcpy(h, g->first, lo->hlen);
	if (lo->v6) {
		put_be16(h + lo->l3 + 4, (uint16_t)l4_len);
	} else {
		put_be16(h + lo->l3 + 2, (uint16_t)(lo->l4 - lo->l3 + l4_len));
		put_be16(h + lo->l3 + 10, 0);
		put_be16(h + lo->l3 + 10, csum_fold(csum_add(0, h + lo->l3, lo->l4 - lo->l3)));
	}
	if (tcp && g->psh)
		h[lo->l4 + 13] |= TCP_PSH;
	if (!tcp)
		put_be16(h + lo->l4 + 4, (uint16_t)l4_len);
	/* CHECKSUM_PARTIAL: the field holds the pseudo-header sum, uncomplemented. */
	put_be16(h + lo->l4 + (tcp ? 16 : 6), (uint16_t)~csum_fold(pkt_pseudo_sum(h, lo, l4_len)));
	vh.flags = VNET_F_NEEDS_CSUM;
	vh.gso_type = !tcp ? VNET_GSO_UDP_L4 : lo->v6 ? VNET_GSO_TCPV6 : VNET_GSO_TCPV4;
	vh.hdr_len = (uint16_t)lo->hlen;
	vh.gso_size = (uint16_t)g->mss;
	vh.csum_start = (uint16_t)lo->l4;
	vh.csum_offset = tcp ? 16 : 6;
	vnet_hdr_encode(g->hdr, &vh);
	iov[0].iov_base = g->hdr;
	iov[0].iov_len = VNET_HDR_LEN + lo->hlen;
	for (size_t i = 0; i < n; i++) {
		iov[i + 1].iov_base = (void *)(uintptr_t)g->pay[i];
		iov[i + 1].iov_len = g->pay_len[i];
	}
	g->n = 0;
	return n + 1;
}
