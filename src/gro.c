/* gro: merge consecutive segments of one TCP flow into a GSO super-frame. */
#include "gro.h"

#include <string.h>

#include "csum.h"

#define TCP_FLAGS_OK 0x18 /* ACK | PSH: anything else goes alone */
#define TCP_ACK	     0x10
#define TCP_PSH	     0x08

void gro_init(struct gro *g)
{
	memset(g, 0, sizeof(*g));
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

bool gro_tcp_csum_ok(const uint8_t *f, const struct pkt_layout *lo)
{
	size_t l4_len = lo->end - lo->l4;
	uint32_t sum = pkt_pseudo_sum(f, lo, l4_len);

	return csum_fold(csum_add(sum, f + lo->l4, l4_len)) == 0;
}

/* A segment that may be merged at all: TCP with payload, plain flags, IPv4
 * without options and with DF. */
static bool candidate(const uint8_t *f, size_t len, struct pkt_layout *lo)
{
	uint8_t flags;

	if (!pkt_layout(f, len, lo) || lo->proto != 6 || lo->end == lo->hlen)
		return false;
	if (lo->hlen > GRO_HDR_MAX)
		return false;
	flags = f[lo->l4 + 13];
	if ((flags & ~TCP_FLAGS_OK) != 0 || !(flags & TCP_ACK))
		return false;
	if (!lo->v6 && (lo->l4 - lo->l3 != 20 || !(f[lo->l3 + 6] & 0x40)))
		return false;
	return true;
}

/* Same flow and the same everything that must not change within a batch. */
static bool same_flow(const uint8_t *a, const uint8_t *b, const struct pkt_layout *la,
		      const struct pkt_layout *lb)
{
	const uint8_t *ia = a + la->l3, *ib = b + lb->l3;
	const uint8_t *ta = a + la->l4, *tb = b + lb->l4;

	if (la->l3 != lb->l3 || la->l4 != lb->l4 || la->hlen != lb->hlen || la->v6 != lb->v6)
		return false;
	if (memcmp(a, b, la->l3) != 0) /* Ethernet header and VLAN tag */
		return false;
	if (la->v6) {
		/* version/class/flow label, next header, hop limit, addresses */
		if (memcmp(ia, ib, 4) != 0 || memcmp(ia + 6, ib + 6, 34) != 0)
			return false;
	} else {
		if (ia[1] != ib[1] || ia[8] != ib[8] || ia[9] != ib[9] ||
		    memcmp(ia + 12, ib + 12, 8) != 0)
			return false;
	}
	/* ports; ack; window; options */
	return memcmp(ta, tb, 4) == 0 && memcmp(ta + 8, tb + 8, 4) == 0 &&
	       memcmp(ta + 14, tb + 14, 2) == 0 &&
	       memcmp(ta + 20, tb + 20, la->hlen - la->l4 - 20) == 0;
}

static void start(struct gro *g, const uint8_t *f, const struct pkt_layout *lo)
{
	size_t plen = lo->end - lo->hlen;

	g->n = 1;
	g->first = f;
	g->lo = *lo;
	g->mss = plen;
	g->next_seq = be32(f + lo->l4 + 4) + (uint32_t)plen;
	g->total = plen;
	g->psh = (f[lo->l4 + 13] & TCP_PSH) != 0;
	g->closed = g->psh;
	g->pay[0] = f + lo->hlen;
	g->pay_len[0] = plen;
}

enum gro_result gro_add(struct gro *g, const uint8_t *frame, size_t len)
{
	struct pkt_layout lo;
	size_t plen;

	if (!candidate(frame, len, &lo))
		return GRO_PASS;
	if (!gro_tcp_csum_ok(frame, &lo)) {
		g->bad_csum++;
		return GRO_PASS; /* never merged; the stack will judge it alone */
	}
	if (g->n == 0) {
		start(g, frame, &lo);
		return GRO_HELD;
	}
	plen = lo.end - lo.hlen;
	if (g->closed || g->n == GRO_MAX_SEGS || plen > g->mss ||
	    be32(frame + lo.l4 + 4) != g->next_seq || g->total + plen > 65535 - (lo.hlen - lo.l3) ||
	    !same_flow(g->first, frame, &g->lo, &lo))
		return GRO_FLUSH_FIRST;
	g->pay[g->n] = frame + lo.hlen;
	g->pay_len[g->n] = plen;
	g->n++;
	g->total += plen;
	g->next_seq += (uint32_t)plen;
	if (frame[lo.l4 + 13] & TCP_PSH)
		g->psh = true;
	if (plen < g->mss || g->psh)
		g->closed = true;
	return GRO_HELD;
}

size_t gro_flush(struct gro *g, struct iovec *iov, size_t *segs)
{
	const struct pkt_layout *lo = &g->lo;
	struct vnet_hdr vh;
	uint8_t *h = g->hdr + VNET_HDR_LEN;
	size_t n = g->n;

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
		put_be16(h + lo->l3 + 4, (uint16_t)(lo->hlen - lo->l4 + g->total));
	} else {
		put_be16(h + lo->l3 + 2, (uint16_t)(lo->hlen - lo->l3 + g->total));
		put_be16(h + lo->l3 + 10, 0);
		put_be16(h + lo->l3 + 10, csum_fold(csum_add(0, h + lo->l3, lo->l4 - lo->l3)));
	}
	if (g->psh)
		h[lo->l4 + 13] |= TCP_PSH;
	/* CHECKSUM_PARTIAL: the field holds the pseudo-header sum, uncomplemented. */
	put_be16(h + lo->l4 + 16,
		 (uint16_t)~csum_fold(pkt_pseudo_sum(h, lo, lo->hlen - lo->l4 + g->total)));
	vh.flags = VNET_F_NEEDS_CSUM;
	vh.gso_type = lo->v6 ? VNET_GSO_TCPV6 : VNET_GSO_TCPV4;
	vh.hdr_len = (uint16_t)lo->hlen;
	vh.gso_size = (uint16_t)g->mss;
	vh.csum_start = (uint16_t)lo->l4;
	vh.csum_offset = 16;
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
