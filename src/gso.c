/* gso: virtio-net header codec, checksum completion and segmentation. */
#include "gso.h"

#include <string.h>

#include "csum.h"
#include "eth.h"

#define VXLAN_HDR_BYTES 8 /* as VXLAN_HLEN; gso does not decode VXLAN itself */

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void vnet_hdr_decode(const uint8_t p[static VNET_HDR_LEN], struct vnet_hdr *h)
{
	h->flags = p[0];
	h->gso_type = p[1];
	h->hdr_len = le16(p + 2);
	h->gso_size = le16(p + 4);
	h->csum_start = le16(p + 6);
	h->csum_offset = le16(p + 8);
}

void vnet_hdr_encode(uint8_t p[static VNET_HDR_LEN], const struct vnet_hdr *h)
{
	p[0] = h->flags;
	p[1] = h->gso_type;
	put_le16(p + 2, h->hdr_len);
	put_le16(p + 4, h->gso_size);
	put_le16(p + 6, h->csum_start);
	put_le16(p + 8, h->csum_offset);
}

/* With super set, the IP length fields are ignored and the packet runs to
 * the end of the frame: a super-frame's own lengths may be the total, or 0
 * past 64 KiB. */
static bool layout(const uint8_t *f, size_t len, struct pkt_layout *lo, bool super)
{
	uint16_t type;
	size_t l3 = ETH_HDR_LEN, l4, end;
	uint8_t proto;

	if (len < ETH_HDR_LEN)
		return false;
	type = eth_type(f);
	if (type == ETHTYPE_VLAN) {
		if (len < ETH_HDR_LEN + ETH_VLAN_LEN)
			return false;
		type = get_be16(f + 16);
		l3 += ETH_VLAN_LEN;
	}
	if (type == ETHTYPE_IPV4) {
		const uint8_t *ip = f + l3;
		size_t ihl;

		if (len < l3 + 20 || (ip[0] >> 4) != 4)
			return false;
		ihl = (size_t)(ip[0] & 0x0f) * 4;
		end = super ? len : l3 + get_be16(ip + 2);
		if (ihl < 20 || end < l3 + ihl || end > len)
			return false;
		if (get_be16(ip + 6) & 0x3fff) /* MF or an offset: a fragment */
			return false;
		proto = ip[9];
		l4 = l3 + ihl;
		lo->v6 = false;
	} else if (type == ETHTYPE_IPV6) {
		const uint8_t *ip = f + l3;

		if (len < l3 + 40 || (ip[0] >> 4) != 6)
			return false;
		end = super ? len : l3 + 40 + get_be16(ip + 4);
		if (end > len)
			return false;
		proto = ip[6];
		l4 = l3 + 40;
		lo->v6 = true;
	} else {
		return false;
	}
	if (proto == 6) {
		size_t doff;

		if (end < l4 + 20)
			return false;
		doff = (size_t)(f[l4 + 12] >> 4) * 4;
		if (doff < 20 || l4 + doff > end)
			return false;
		lo->hlen = l4 + doff;
	} else if (proto == 17) {
		if (end < l4 + 8)
			return false;
		lo->hlen = l4 + 8;
	} else {
		return false;
	}
	lo->l3 = l3;
	lo->l4 = l4;
	lo->end = end;
	lo->proto = proto;
	return true;
}

bool pkt_layout(const uint8_t *f, size_t len, struct pkt_layout *lo)
{
	return layout(f, len, lo, false);
}

uint32_t pkt_pseudo_sum(const uint8_t *f, const struct pkt_layout *lo, size_t l4_len)
{
	uint8_t tail[8];
	uint32_t sum;

	if (lo->v6)
		return csum_ip6_pseudo(f + lo->l3 + 8, f + lo->l3 + 24, (uint32_t)l4_len,
				       lo->proto);
	sum = csum_add(0, f + lo->l3 + 12, 8);
	tail[0] = 0;
	tail[1] = lo->proto;
	put_be16(tail + 2, (uint16_t)l4_len);
	return csum_add(sum, tail, 4);
}

bool gso_finish_csum(uint8_t *f, size_t len, uint16_t csum_start, uint16_t csum_offset)
{
	size_t at = (size_t)csum_start + csum_offset;
	uint16_t c;

	if (csum_start >= len || at + 2 > len || (csum_offset & 1))
		return false;
	c = csum_fold(csum_add(0, f + csum_start, len - csum_start));
	/* 0 means "no checksum" to UDP; 0xffff is the same sum (as the kernel). */
	put_be16(f + at, c == 0 ? 0xffff : c);
	return true;
}

bool pkt_finish_partial(uint8_t *f, const struct pkt_layout *lo)
{
	size_t off = lo->l4 + (lo->proto == 6 ? 16 : 6);
	uint16_t field = get_be16(f + off);
	uint16_t pseudo = (uint16_t)~csum_fold(pkt_pseudo_sum(f, lo, lo->end - lo->l4));

	if (lo->proto == 17 && field == 0 && !lo->v6)
		return false; /* IPv4 UDP without a checksum: nothing to finish */
	if (field != pseudo)
		return false;
	return gso_finish_csum(f, lo->end, (uint16_t)lo->l4, (uint16_t)(off - lo->l4));
}

bool pkt_fix_partial(uint8_t *f, size_t len)
{
	struct pkt_layout lo;
	uint16_t pseudo;
	size_t off;

	if (!pkt_layout(f, len, &lo))
		return false;
	/* Only a field holding the pseudo-header sum can be a partial checksum:
	 * that costs a few words to rule out, where verifying costs the packet. */
	off = lo.l4 + (lo.proto == 6 ? 16 : 6);
	pseudo = (uint16_t)~csum_fold(pkt_pseudo_sum(f, &lo, lo.end - lo.l4));
	if (get_be16(f + off) != pseudo)
		return false;
	if (csum_fold(csum_add(pkt_pseudo_sum(f, &lo, lo.end - lo.l4), f + lo.l4,
			       lo.end - lo.l4)) == 0)
		return false; /* it verifies as it is: never touched */
	return pkt_finish_partial(f, &lo);
}

static bool type_matches(const struct vnet_hdr *h, const struct pkt_layout *lo)
{
	switch (h->gso_type & ~VNET_GSO_ECN) {
	case VNET_GSO_TCPV4:
		return lo->proto == 6 && !lo->v6;
	case VNET_GSO_TCPV6:
		return lo->proto == 6 && lo->v6;
	case VNET_GSO_UDP_L4:
		return lo->proto == 17;
	default:
		return false;
	}
}

/* Rewrite the copied headers at h for a segment carrying plen bytes. */
static void fix_segment(uint8_t *h, const struct pkt_layout *lo, const uint8_t *payload,
			size_t plen, size_t i, size_t n, uint32_t seq_step)
{
	uint8_t *ip = h + lo->l3, *l4 = h + lo->l4;
	size_t l4_len = lo->hlen - lo->l4 + plen;
	uint32_t sum;

	if (lo->v6) {
		put_be16(ip + 4, (uint16_t)(lo->hlen - lo->l3 - 40 + plen));
	} else {
		put_be16(ip + 2, (uint16_t)(lo->hlen - lo->l3 + plen));
		put_be16(ip + 4, (uint16_t)(get_be16(ip + 4) + i));
		put_be16(ip + 10, 0);
		put_be16(ip + 10, csum_fold(csum_add(0, ip, lo->l4 - lo->l3)));
	}
	if (lo->proto == 6) {
		put_be32(l4 + 4, get_be32(l4 + 4) + seq_step);
		if (i + 1 < n)
			l4[13] &= (uint8_t) ~(TCP_FIN | TCP_PSH);
		if (i > 0)
			l4[13] &= (uint8_t)~TCP_CWR;
		put_be16(l4 + 16, 0);
	} else {
		put_be16(l4 + 4, (uint16_t)l4_len);
		put_be16(l4 + 6, 0);
	}
	sum = pkt_pseudo_sum(h, lo, l4_len);
	sum = csum_add(sum, l4, lo->hlen - lo->l4);
	sum = csum_add(sum, payload, plen);
	uint16_t c = csum_fold(sum);
	if (lo->proto == 17 && c == 0)
		c = 0xffff; /* zero means "no checksum" for UDP */
	put_be16(l4 + (lo->proto == 6 ? 16 : 6), c);
}

size_t gso_tunnel_super(const uint8_t *d, size_t len, size_t frame_max, struct vnet_hdr *h)
{
	struct pkt_layout lo;
	size_t seg;

	if (len < VXLAN_HDR_BYTES + ETH_HDR_LEN || d[0] != 0x08)
		return 0;
	if (!layout(d + VXLAN_HDR_BYTES, len - VXLAN_HDR_BYTES, &lo, false) ||
	    lo.end != len - VXLAN_HDR_BYTES || frame_max <= lo.hlen || lo.end <= frame_max)
		return 0;
	seg = frame_max - lo.hlen;
	h->flags = VNET_F_NEEDS_CSUM;
	h->gso_type = lo.proto == 17 ? VNET_GSO_UDP_L4 : lo.v6 ? VNET_GSO_TCPV6 : VNET_GSO_TCPV4;
	h->hdr_len = (uint16_t)lo.hlen;
	h->gso_size = (uint16_t)seg;
	h->csum_start = (uint16_t)lo.l4;
	h->csum_offset = lo.proto == 6 ? 16 : 6;
	return lo.hlen + seg;
}

size_t gso_first_len(const uint8_t *f, size_t len, const struct vnet_hdr *h)
{
	struct pkt_layout lo;

	if (!layout(f, len, &lo, true) || !type_matches(h, &lo) || h->gso_size == 0)
		return 0;
	return len - lo.hlen < h->gso_size ? len : lo.hlen + h->gso_size;
}

size_t gso_segment(const uint8_t *f, size_t len, const struct vnet_hdr *h, uint8_t *arena,
		   size_t stride, size_t pre, struct gso_seg *segs, size_t max)
{
	struct pkt_layout lo;
	size_t payload, n, mss = h->gso_size;

	/* Recompute the layout instead of trusting hdr_len; the IP length of a
	 * super-frame may be the whole length or 0 (>64K), so patch a copy. */
	if (!layout(f, len, &lo, true) || !type_matches(h, &lo) || mss == 0)
		return 0;
	if (stride < pre + lo.hlen)
		return 0;
	payload = len - lo.hlen;
	n = payload == 0 ? 1 : (payload + mss - 1) / mss;
	if (n > max)
		return 0;
	for (size_t i = 0; i < n; i++) {
		size_t off = i * mss;
		size_t plen = payload - off < mss ? payload - off : mss;
		uint8_t *hd = arena + i * stride + pre;

		memcpy(hd, f, lo.hlen);
		segs[i].hdr = hd;
		segs[i].hdr_len = lo.hlen;
		segs[i].payload = f + lo.hlen + off;
		segs[i].payload_len = plen;
		fix_segment(hd, &lo, segs[i].payload, plen, i, n, (uint32_t)off);
	}
	return n;
}

size_t gso_run_len(const struct gso_seg *segs, size_t i, size_t n, size_t per_dgram,
		   size_t max_segs, size_t max_payload)
{
	size_t first = per_dgram + segs[i].hdr_len + segs[i].payload_len, bytes = first, k = 1;

	while (i + k < n && k < max_segs) {
		size_t prev = per_dgram + segs[i + k - 1].hdr_len + segs[i + k - 1].payload_len;
		size_t d = per_dgram + segs[i + k].hdr_len + segs[i + k].payload_len;

		if (prev < first || d > first || bytes + d > max_payload)
			break;
		bytes += d;
		k++;
	}
	return k;
}
