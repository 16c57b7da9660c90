/* check_dp: the forwarding decision on in-memory frames, with an injected clock. */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "csum.h"
#include "dp.h"
#include "storm.h"

#include "check_fixture.h"
#include "check_run.h"

#define AGEING_MS 300000u
#define HEAD	  64

static const struct mac own = {{0x02, 0, 0, 0, 0, 0x01}};
static const struct mac mac_a = {{0x0a, 0, 0, 0, 0, 0x0a}};
static const struct mac mac_b = {{0x0a, 0, 0, 0, 0, 0x0b}};
static const struct mac bcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

static struct dp dp;
static struct endpoint peer2, peer3, stranger;
static uint8_t buf[HEAD + 2048];
static uint8_t *const frame = buf + HEAD;

static void ep_set(struct endpoint *ep, const char *ip, uint16_t port)
{
	memset(ep, 0, sizeof(*ep));
	ep->ip.family = AF_INET;
	ck_assert_int_eq(inet_pton(AF_INET, ip, ep->ip.a), 1);
	ep->port = port;
}

static void setup(void)
{
	fixture_dp(&dp, 16, AGEING_MS, (struct dp_limits){0});
	dp.cfg.mac = own;
	ep_set(&peer2, "192.168.56.42", 8472);
	ep_set(&peer3, "192.168.56.43", 8472);
	ep_set(&stranger, "192.168.56.99", 8472);
	ck_assert_int_eq(peers_add(dp.peers, &peer2, NULL), 0);
	ck_assert_int_eq(peers_add(dp.peers, &peer3, NULL), 0);
	memset(buf, 0xee, sizeof(buf));
}

static void teardown(void)
{
	dp_fini(&dp); /* the storm limiters a test made too */
}

/* An Ethernet frame of len bytes (len >= 14) at out. */
static void eth_frame(uint8_t *out, const struct mac *dst, const struct mac *src, uint16_t type,
		      size_t len)
{
	memset(out, 0x5a, len);
	memcpy(out, dst->b, 6);
	memcpy(out + 6, src->b, 6);
	out[12] = (uint8_t)(type >> 8);
	out[13] = (uint8_t)type;
}

/* An ARP frame (42 bytes) from sha/spa asking for tpa (op 1) or answering (op 2). */
static void arp_frame(uint8_t *out, uint16_t op, const struct mac *sha, const char *spa,
		      const char *tpa)
{
	static const uint8_t hdr[8] = {0, 1, 8, 0, 6, 4, 0, 0};

	eth_frame(out, &bcast, sha, ETHTYPE_ARP, ARP_FRAME_LEN);
	memcpy(out + 14, hdr, 8);
	out[21] = (uint8_t)op;
	memcpy(out + 22, sha->b, 6);
	ck_assert_int_eq(inet_pton(AF_INET, spa, out + 28), 1);
	memset(out + 32, 0, 6);
	ck_assert_int_eq(inet_pton(AF_INET, tpa, out + 38), 1);
}

/* A VXLAN datagram for vni carrying the frame at inner (flen bytes). */
static size_t vxlan_dgram(uint8_t *out, uint32_t vni, const uint8_t *inner, size_t flen)
{
	vxlan_encode(out, vni);
	memcpy(out + VXLAN_HLEN, inner, flen);
	return VXLAN_HLEN + flen;
}

/* An NS (type 135) or NA (136) frame with a correct checksum; lla_type 0
 * leaves the link-layer address option out. Returns its length. */
static size_t nd_frame(uint8_t *out, uint8_t type, const struct mac *dst, const struct mac *src,
		       const char *ip_src, const char *ip_dst, const char *target, uint8_t flags,
		       uint8_t lla_type, const struct mac *lla)
{
	uint8_t *ip = out + ETH_HDR_LEN, *icmp = ip + IP6_HLEN;
	size_t plen = ND_MSG_LEN + (lla_type ? ND_OPT_LLA_LEN : 0);

	eth_frame(out, dst, src, ETHTYPE_IPV6, ETH_HDR_LEN + IP6_HLEN + plen);
	memset(ip, 0, IP6_HLEN + plen);
	ip[0] = 0x60;
	put_be16(ip + 4, (uint16_t)plen);
	ip[6] = IP6_NH_ICMPV6;
	ip[7] = ND_HOPLIMIT;
	ck_assert_int_eq(inet_pton(AF_INET6, ip_src, ip + 8), 1);
	ck_assert_int_eq(inet_pton(AF_INET6, ip_dst, ip + 24), 1);
	icmp[0] = type;
	icmp[4] = flags;
	ck_assert_int_eq(inet_pton(AF_INET6, target, icmp + 8), 1);
	if (lla_type) {
		icmp[24] = lla_type;
		icmp[25] = 1;
		memcpy(icmp + 26, lla->b, MAC_LEN);
	}
	put_be16(icmp + 2,
		 csum_fold(csum_add(csum_ip6_pseudo(ip + 8, ip + 24, (uint32_t)plen, IP6_NH_ICMPV6),
				    icmp, plen)));
	return ETH_HDR_LEN + IP6_HLEN + plen;
}

static struct ipaddr ip6(const char *s)
{
	struct ipaddr a;

	memset(&a, 0, sizeof(a));
	a.family = AF_INET6;
	ck_assert_int_eq(inet_pton(AF_INET6, s, a.a), 1);
	return a;
}

static const struct mac ns_group = {{0x33, 0x33, 0xff, 0, 0, 0x02}};

/* --- TAP side ----------------------------------------------------------- */

START_TEST(tap_runt_and_oversize)
{
	struct dp_action act;

	dp_from_tap(&dp, frame, 13, 0, &act);
	ck_assert_int_eq(act.verdict, DP_DROP);
	ck_assert_int_eq(act.drop, DROP_RUNT);
	eth_frame(frame, &bcast, &own, ETHTYPE_IPV4, 1450 + 18 + 1);
	dp_from_tap(&dp, frame, 1450 + 18 + 1, 0, &act);
	ck_assert_int_eq(act.drop, DROP_OVERSIZE);
	/* the largest legal frame (with a VLAN tag) passes */
	dp_from_tap(&dp, frame, 1450 + 18, 0, &act);
	ck_assert_int_eq(act.verdict, DP_FLOOD);
	ck_assert_uint_eq(dp.st.drops[DROP_RUNT], 1);
	ck_assert_uint_eq(dp.st.drops[DROP_OVERSIZE], 1);
	ck_assert_uint_eq(dp.st.tap_rx_packets, 3);
}
END_TEST

START_TEST(tap_broadcast_floods_with_header)
{
	static const uint8_t want_hdr[8] = {0x08, 0, 0, 0, 0x12, 0x34, 0x56, 0};
	struct dp_action act;

	dp.cfg.vni = 0x123456;
	eth_frame(frame, &bcast, &own, ETHTYPE_IPV4, 60);
	dp_from_tap(&dp, frame, 60, 0, &act);
	ck_assert_int_eq(act.verdict, DP_FLOOD);
	ck_assert_ptr_eq(act.data, frame - VXLAN_HLEN);
	ck_assert_uint_eq(act.len, 68);
	ck_assert_mem_eq(act.data, want_hdr, 8);
	ck_assert_mem_eq(act.data + 8, bcast.b, 6);
	ck_assert_uint_eq(dp.st.floods, 1);
}
END_TEST

START_TEST(tap_unknown_unicast_floods)
{
	struct dp_action act;

	eth_frame(frame, &mac_a, &own, ETHTYPE_IPV4, 60);
	dp_from_tap(&dp, frame, 60, 0, &act);
	ck_assert_int_eq(act.verdict, DP_FLOOD);
}
END_TEST

START_TEST(tap_known_unicast_goes_to_owner)
{
	struct dp_action act;

	ck_assert_int_eq(fdb_add_static(dp.fdb, &mac_a, &peer3), 0);
	ck_assert_int_eq(fdb_add_static(dp.fdb, &mac_b, &stranger), 0);
	eth_frame(frame, &mac_a, &own, ETHTYPE_IPV4, 100);
	dp_from_tap(&dp, frame, 100, 0, &act);
	ck_assert_int_eq(act.verdict, DP_UNICAST);
	ck_assert(endpoint_equal(&act.dst, &peer3));
	ck_assert_ptr_nonnull(act.peer);
	ck_assert(endpoint_equal(&act.peer->ep, &peer3));
	ck_assert_uint_eq(act.len, 108);
	/* an FDB destination that is not a listed peer is still used */
	eth_frame(frame, &mac_b, &own, ETHTYPE_IPV4, 100);
	dp_from_tap(&dp, frame, 100, 0, &act);
	ck_assert_int_eq(act.verdict, DP_UNICAST);
	ck_assert(endpoint_equal(&act.dst, &stranger));
	ck_assert_ptr_null(act.peer);
	ck_assert_uint_eq(dp.st.floods, 0);
}
END_TEST

START_TEST(tap_owner_cache_follows_changes)
{
	struct dp_action act;

	ck_assert_int_eq(fdb_add_static(dp.fdb, &mac_a, &peer2), 0);
	eth_frame(frame, &mac_a, &own, ETHTYPE_IPV4, 60);
	dp_from_tap(&dp, frame, 60, 0, &act);
	ck_assert(endpoint_equal(&act.dst, &peer2));
	/* the entry is changed: the next frame follows */
	ck_assert_int_eq(fdb_add_static(dp.fdb, &mac_a, &peer3), 0);
	eth_frame(frame, &mac_a, &own, ETHTYPE_IPV4, 60);
	dp_from_tap(&dp, frame, 60, 0, &act);
	ck_assert_int_eq(act.verdict, DP_UNICAST);
	ck_assert(endpoint_equal(&act.dst, &peer3));
	ck_assert_ptr_nonnull(act.peer);
	/* the peer goes: still sent to the FDB's address, but not counted on it */
	ck_assert_int_eq(peers_del(dp.peers, &peer3.ip), 0);
	eth_frame(frame, &mac_a, &own, ETHTYPE_IPV4, 60);
	dp_from_tap(&dp, frame, 60, 0, &act);
	ck_assert_int_eq(act.verdict, DP_UNICAST);
	ck_assert_ptr_null(act.peer);
	/* and it comes back: counted again */
	ck_assert_int_eq(peers_add(dp.peers, &peer3, NULL), 0);
	eth_frame(frame, &mac_a, &own, ETHTYPE_IPV4, 60);
	dp_from_tap(&dp, frame, 60, 0, &act);
	ck_assert_ptr_nonnull(act.peer);
	/* the entry is deleted: flooded */
	ck_assert_int_eq(fdb_del(dp.fdb, &mac_a), 0);
	eth_frame(frame, &mac_a, &own, ETHTYPE_IPV4, 60);
	dp_from_tap(&dp, frame, 60, 0, &act);
	ck_assert_int_eq(act.verdict, DP_FLOOD);
}
END_TEST

START_TEST(tap_multicast_floods_even_with_entry)
{
	static const struct mac mc = {{0x01, 0x00, 0x5e, 0, 0, 1}};
	struct dp_action act;

	ck_assert_int_eq(fdb_add_static(dp.fdb, &mc, &peer3), 0);
	eth_frame(frame, &mc, &own, ETHTYPE_IPV4, 60);
	dp_from_tap(&dp, frame, 60, 0, &act);
	ck_assert_int_eq(act.verdict, DP_FLOOD);
}
END_TEST

START_TEST(tap_no_peers)
{
	struct dp_action act;

	ck_assert_int_eq(peers_del(dp.peers, &peer2.ip), 0);
	ck_assert_int_eq(peers_del(dp.peers, &peer3.ip), 0);
	eth_frame(frame, &bcast, &own, ETHTYPE_IPV4, 60);
	dp_from_tap(&dp, frame, 60, 0, &act);
	ck_assert_int_eq(act.verdict, DP_DROP);
	ck_assert_int_eq(act.drop, DROP_NO_PEERS);
}
END_TEST

START_TEST(tap_arp_proxy_answers_known_ip)
{
	/* who-has 10.244.0.2 tell 10.244.0.1, answered with mac_b's reply */
	static const uint8_t want[ARP_FRAME_LEN] = {
		0x02, 0, 0, 0, 0, 0x01, 0x0a, 0,   0, 0, 0, 0x0b, 0x08, 0x06, /* eth */
		0,    1, 8, 0, 6, 4,	0,    2,			      /* reply */
		0x0a, 0, 0, 0, 0, 0x0b, 10,   244, 0, 2,		      /* sha spa */
		0x02, 0, 0, 0, 0, 0x01, 10,   244, 0, 1};		      /* tha tpa */
	struct ipaddr ip;
	struct dp_action act;

	memset(&ip, 0, sizeof(ip));
	ip.family = AF_INET;
	inet_pton(AF_INET, "10.244.0.2", ip.a);
	ck_assert_int_eq(neigh_add_static(dp.neigh, &ip, &mac_b), 0);
	arp_frame(frame, ARP_OP_REQUEST, &own, "10.244.0.1", "10.244.0.2");
	dp_from_tap(&dp, frame, ARP_FRAME_LEN, 0, &act);
	ck_assert_int_eq(act.verdict, DP_REPLY_TAP);
	ck_assert_uint_eq(act.len, ARP_FRAME_LEN);
	ck_assert_mem_eq(act.data, want, ARP_FRAME_LEN);
	ck_assert_uint_eq(dp.st.arp_replies, 1);
	ck_assert_uint_eq(dp.st.floods, 0);
}
END_TEST

START_TEST(tap_arp_unknown_ip_floods)
{
	struct dp_action act;

	arp_frame(frame, ARP_OP_REQUEST, &own, "10.244.0.1", "10.244.0.3");
	dp_from_tap(&dp, frame, ARP_FRAME_LEN, 0, &act);
	ck_assert_int_eq(act.verdict, DP_FLOOD);
	ck_assert_uint_eq(dp.st.arp_replies, 0);
}
END_TEST

START_TEST(tap_arp_reply_is_forwarded)
{
	struct dp_action act;

	ck_assert_int_eq(fdb_add_static(dp.fdb, &mac_a, &peer2), 0);
	arp_frame(frame, ARP_OP_REPLY, &own, "10.244.0.1", "10.244.0.2");
	memcpy(frame, mac_a.b, 6);
	dp_from_tap(&dp, frame, ARP_FRAME_LEN, 0, &act);
	ck_assert_int_eq(act.verdict, DP_UNICAST);
	ck_assert(endpoint_equal(&act.dst, &peer2));
}
END_TEST

START_TEST(tap_bad_arp_dropped)
{
	struct dp_action act;

	arp_frame(frame, ARP_OP_REQUEST, &own, "10.244.0.1", "10.244.0.2");
	frame[14 + 5] = 16; /* plen */
	dp_from_tap(&dp, frame, ARP_FRAME_LEN, 0, &act);
	ck_assert_int_eq(act.verdict, DP_DROP);
	ck_assert_int_eq(act.drop, DROP_BAD_ARP);
}
END_TEST

START_TEST(tap_too_big_for_underlay_gets_icmp)
{
	struct dp_action act;
	uint8_t *ip = frame + ETH_HDR_LEN;

	dp.cfg.path_mtu = 1400;
	eth_frame(frame, &mac_a, &own, ETHTYPE_IPV4, ETH_HDR_LEN + 1450);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[2] = 1450 >> 8;
	ip[3] = 1450 & 0xff;
	ip[6] = 0x40; /* DF */
	ip[9] = 6;
	dp_from_tap(&dp, frame, ETH_HDR_LEN + 1450, 0, &act);
	ck_assert_int_eq(act.verdict, DP_REPLY_TAP);
	ck_assert_ptr_eq(act.data, act.reply);
	ck_assert_mem_eq(act.data, own.b, 6);
	ck_assert_uint_eq(act.data[ETH_HDR_LEN + 20], 3);
	ck_assert_uint_eq(act.data[ETH_HDR_LEN + 21], 4);
	ck_assert_uint_eq(dp.st.icmp_frag_needed, 1);
	ck_assert_uint_eq(dp.st.floods, 0);
	/* the same packet without DF is sent on (the underlay fragments it) */
	ip[6] = 0;
	dp_from_tap(&dp, frame, ETH_HDR_LEN + 1450, 0, &act);
	ck_assert_int_eq(act.verdict, DP_FLOOD);
	/* and with no path MTU known nothing is checked */
	ip[6] = 0x40;
	dp.cfg.path_mtu = 0;
	dp_from_tap(&dp, frame, ETH_HDR_LEN + 1450, 0, &act);
	ck_assert_int_eq(act.verdict, DP_FLOOD);
}
END_TEST

START_TEST(tap_ns_for_known_target_answered)
{
	struct ipaddr tgt = ip6("fd00:244::2"), src = ip6("fd00:244::1");
	struct nd_msg na;
	struct dp_action act;
	size_t len;

	ck_assert_int_eq(neigh_add_static(dp.neigh, &tgt, &mac_b), 0);
	len = nd_frame(frame, ND_TYPE_NS, &ns_group, &own, "fd00:244::1", "ff02::1:ff00:2",
		       "fd00:244::2", 0, ND_OPT_SLLA, &own);
	dp_from_tap(&dp, frame, len, 0, &act);
	ck_assert_int_eq(act.verdict, DP_REPLY_TAP);
	ck_assert_ptr_eq(act.data, act.reply);
	ck_assert_uint_eq(act.len, ND_NA_FRAME_LEN);
	ck_assert_mem_eq(act.data, own.b, 6);
	ck_assert_int_eq(nd_parse(act.data, act.len, &na), ND_OK);
	ck_assert_uint_eq(na.type, ND_TYPE_NA);
	ck_assert_uint_eq(na.na_flags, ND_NA_FLAG_SOLIC | ND_NA_FLAG_OVERR);
	ck_assert(ipaddr_equal(&na.target, &tgt));
	ck_assert(ipaddr_equal(&na.src, &tgt));
	ck_assert(ipaddr_equal(&na.dst, &src));
	ck_assert(mac_equal(&na.eth_src, &mac_b));
	ck_assert(na.has_lla);
	ck_assert(mac_equal(&na.lla, &mac_b));
	ck_assert_uint_eq(dp.st.nd_replies, 1);
	ck_assert_uint_eq(dp.st.floods, 0);

	/* a unicast reachability probe is answered too: nothing crosses */
	len = nd_frame(frame, ND_TYPE_NS, &mac_b, &own, "fe80::1", "fd00:244::2", "fd00:244::2", 0,
		       0, NULL);
	dp_from_tap(&dp, frame, len, 0, &act);
	ck_assert_int_eq(act.verdict, DP_REPLY_TAP);
	ck_assert_mem_eq(act.data, own.b, 6);
	ck_assert_uint_eq(dp.st.nd_replies, 2);
}
END_TEST

START_TEST(tap_ns_unknown_target_floods)
{
	struct dp_action act;
	size_t len;

	len = nd_frame(frame, ND_TYPE_NS, &ns_group, &own, "fd00:244::1", "ff02::1:ff00:2",
		       "fd00:244::2", 0, ND_OPT_SLLA, &own);
	dp_from_tap(&dp, frame, len, 0, &act);
	ck_assert_int_eq(act.verdict, DP_FLOOD);
	ck_assert_uint_eq(dp.st.nd_replies, 0);
}
END_TEST

START_TEST(tap_dad_floods_even_when_known)
{
	static const struct mac group1 = {{0x33, 0x33, 0xff, 0, 0, 0x01}};
	struct ipaddr tgt = ip6("fd00:244::1");
	struct dp_action act;
	size_t len;

	ck_assert_int_eq(neigh_add_static(dp.neigh, &tgt, &mac_b), 0);
	len = nd_frame(frame, ND_TYPE_NS, &group1, &own, "::", "ff02::1:ff00:1", "fd00:244::1", 0,
		       0, NULL);
	dp_from_tap(&dp, frame, len, 0, &act);
	ck_assert_int_eq(act.verdict, DP_FLOOD);
	ck_assert_uint_eq(dp.st.nd_replies, 0);
}
END_TEST

START_TEST(tap_na_and_bad_ns)
{
	struct ipaddr tgt = ip6("fd00:244::2");
	struct dp_action act;
	size_t len;

	/* an NA from the host goes where its MAC says */
	ck_assert_int_eq(fdb_add_static(dp.fdb, &mac_a, &peer3), 0);
	len = nd_frame(frame, ND_TYPE_NA, &mac_a, &own, "fd00:244::1", "fd00:244::2", "fd00:244::1",
		       ND_NA_FLAG_SOLIC, ND_OPT_TLLA, &own);
	dp_from_tap(&dp, frame, len, 0, &act);
	ck_assert_int_eq(act.verdict, DP_UNICAST);
	ck_assert(endpoint_equal(&act.dst, &peer3));

	/* an NS that crossed a router is dropped, known target or not */
	ck_assert_int_eq(neigh_add_static(dp.neigh, &tgt, &mac_b), 0);
	len = nd_frame(frame, ND_TYPE_NS, &ns_group, &own, "fd00:244::1", "ff02::1:ff00:2",
		       "fd00:244::2", 0, ND_OPT_SLLA, &own);
	frame[ETH_HDR_LEN + 7] = 254;
	dp_from_tap(&dp, frame, len, 0, &act);
	ck_assert_int_eq(act.verdict, DP_DROP);
	ck_assert_int_eq(act.drop, DROP_BAD_ND);
	ck_assert_uint_eq(dp.st.drops[DROP_BAD_ND], 1);
	ck_assert_uint_eq(dp.st.nd_replies, 0);
}
END_TEST

START_TEST(tap_ipv6_too_big_gets_ptb)
{
	struct dp_action act;
	uint8_t *ip = frame + ETH_HDR_LEN;

	dp.cfg.path_mtu = 1380;
	eth_frame(frame, &mac_a, &own, ETHTYPE_IPV6, ETH_HDR_LEN + 1450);
	memset(ip, 0, 40);
	ip[0] = 0x60;
	put_be16(ip + 4, 1450 - 40);
	ip[6] = 6; /* TCP */
	ip[7] = 64;
	ck_assert_int_eq(inet_pton(AF_INET6, "fd00:244::1", ip + 8), 1);
	ck_assert_int_eq(inet_pton(AF_INET6, "fd00:244::2", ip + 24), 1);
	dp_from_tap(&dp, frame, ETH_HDR_LEN + 1450, 0, &act);
	ck_assert_int_eq(act.verdict, DP_REPLY_TAP);
	ck_assert_ptr_eq(act.data, act.reply);
	ck_assert_uint_eq(act.len, ICMP6_REPLY_MAX);
	ck_assert_mem_eq(act.data, own.b, 6);
	ck_assert_uint_eq(get_be16(act.data + 12), ETHTYPE_IPV6);
	ck_assert_uint_eq(act.data[ETH_HDR_LEN + 40], 2);
	ck_assert_uint_eq(get_be16(act.data + ETH_HDR_LEN + 46), 1380);
	ck_assert_uint_eq(dp.st.icmp6_too_big, 1);
	ck_assert_uint_eq(dp.st.icmp_frag_needed, 0);
	ck_assert_uint_eq(dp.st.floods, 0);
	/* one that fits goes on */
	put_be16(ip + 4, 1380 - 40);
	dp_from_tap(&dp, frame, ETH_HDR_LEN + 1380, 0, &act);
	ck_assert_int_eq(act.verdict, DP_FLOOD);
	/* and with no path MTU known nothing is checked */
	put_be16(ip + 4, 1450 - 40);
	dp.cfg.path_mtu = 0;
	dp_from_tap(&dp, frame, ETH_HDR_LEN + 1450, 0, &act);
	ck_assert_int_eq(act.verdict, DP_FLOOD);
	ck_assert_uint_eq(dp.st.icmp6_too_big, 1);
}
END_TEST

START_TEST(tap_ipv6_super_frame_checked_by_segment)
{
	static uint8_t big[HEAD + 4096];
	uint8_t *f = big + HEAD, *ip = f + ETH_HDR_LEN;
	struct dp_action act;

	dp.cfg.path_mtu = 1380;
	eth_frame(f, &mac_a, &own, ETHTYPE_IPV6, ETH_HDR_LEN + 4000);
	memset(ip, 0, 40);
	ip[0] = 0x60;
	put_be16(ip + 4, 4000 - 40);
	ip[6] = 6;
	ip[7] = 64;
	ck_assert_int_eq(inet_pton(AF_INET6, "fd00:244::1", ip + 8), 1);
	ck_assert_int_eq(inet_pton(AF_INET6, "fd00:244::2", ip + 24), 1);
	/* segments that fit: sent on, whatever the super-frame's length */
	dp_from_tap_gso(&dp, f, ETH_HDR_LEN + 4000, ETH_HDR_LEN + 1380, 0, &act);
	ck_assert_int_eq(act.verdict, DP_FLOOD);
	/* segments that do not: packet too big */
	dp_from_tap_gso(&dp, f, ETH_HDR_LEN + 4000, ETH_HDR_LEN + 1400, 0, &act);
	ck_assert_int_eq(act.verdict, DP_REPLY_TAP);
	ck_assert_uint_eq(act.data[ETH_HDR_LEN + 40], 2);
	ck_assert_uint_eq(dp.st.icmp6_too_big, 1);
}
END_TEST

/* --- UDP side ----------------------------------------------------------- */

enum mangle {
	M_NONE,
	M_SHORT,
	M_NO_I,
	M_RSV_FLAGS,
	M_RSV_LAST,
	M_VNI,
	M_RUNT,
	M_HUGE,
	M_SRC_ZERO,
	M_SRC_MCAST,
	M_SRC_BCAST,
	M_SRC_OWN,
	M_BAD_ARP,
	M_BAD_ND,
	M_STRANGER
};

static const struct {
	enum mangle m;
	enum dp_drop want;
} udp_vectors[] = {
	{M_SHORT, DROP_VXLAN_SHORT},
	{M_NO_I, DROP_VXLAN_NO_I},
	{M_RSV_FLAGS, DROP_VXLAN_RESERVED},
	{M_RSV_LAST, DROP_VXLAN_RESERVED},
	{M_VNI, DROP_BAD_VNI},
	{M_RUNT, DROP_RUNT},
	{M_HUGE, DROP_OVERSIZE},
	{M_SRC_ZERO, DROP_SRC_ZERO},
	{M_SRC_MCAST, DROP_SRC_MULTICAST},
	{M_SRC_BCAST, DROP_SRC_MULTICAST},
	{M_SRC_OWN, DROP_SRC_OWN},
	{M_BAD_ARP, DROP_BAD_ARP},
	{M_BAD_ND, DROP_BAD_ND},
	{M_STRANGER, DROP_UNKNOWN_PEER},
};

START_TEST(udp_drop_vectors)
{
	static uint8_t dg[4096];
	static const struct mac mc = {{0x33, 0x33, 0, 0, 0, 1}};
	uint8_t inner[2000];
	size_t len, flen = 60;
	const struct ipaddr *src = &peer2.ip;
	struct dp_action act;

	eth_frame(inner, &own, &mac_a, ETHTYPE_IPV4, sizeof(inner));
	switch (udp_vectors[_i].m) {
	case M_HUGE:
		flen = 1450 + 18 + 1;
		break;
	case M_RUNT:
		flen = 13;
		break;
	case M_SRC_ZERO:
		memset(inner + 6, 0, 6);
		break;
	case M_SRC_MCAST:
		memcpy(inner + 6, mc.b, 6);
		break;
	case M_SRC_BCAST:
		memcpy(inner + 6, bcast.b, 6);
		break;
	case M_SRC_OWN:
		memcpy(inner + 6, own.b, 6);
		break;
	case M_BAD_ARP:
		arp_frame(inner, ARP_OP_REQUEST, &mac_a, "10.244.0.2", "10.244.0.1");
		inner[14 + 1] = 7; /* htype */
		flen = ARP_FRAME_LEN;
		break;
	case M_BAD_ND:
		flen = nd_frame(inner, ND_TYPE_NA, &own, &mac_a, "fd00:244::2", "fd00:244::1",
				"fd00:244::2", ND_NA_FLAG_SOLIC, ND_OPT_TLLA, &mac_a);
		inner[ETH_HDR_LEN + IP6_HLEN + 2] ^= 1; /* checksum */
		break;
	case M_STRANGER:
		src = &stranger.ip;
		break;
	default:
		break;
	}
	len = vxlan_dgram(dg, udp_vectors[_i].m == M_VNI ? 2 : 1, inner, flen);
	if (udp_vectors[_i].m == M_SHORT)
		len = 7;
	if (udp_vectors[_i].m == M_NO_I)
		dg[0] = 0;
	if (udp_vectors[_i].m == M_RSV_FLAGS)
		dg[0] |= 0x80;
	if (udp_vectors[_i].m == M_RSV_LAST)
		dg[7] = 1;

	dp_from_udp(&dp, src, dg, len, 1000, &act);
	ck_assert_int_eq(act.verdict, DP_DROP);
	ck_assert_int_eq(act.drop, udp_vectors[_i].want);
	ck_assert_uint_eq(dp.st.drops[udp_vectors[_i].want], 1);
	ck_assert_uint_eq(dp_drops_total(&dp.st), 1);
	/* nothing learned from a dropped datagram */
	ck_assert_uint_eq(fdb_count(dp.fdb, false), 0);
	ck_assert_uint_eq(neigh_count(dp.neigh, false), 0);
}
END_TEST

START_TEST(udp_valid_is_delivered_and_learned)
{
	uint8_t dg[256], inner[100];
	struct dp_action act;
	const struct endpoint *ep;
	size_t len;

	eth_frame(inner, &own, &mac_a, ETHTYPE_IPV4, sizeof(inner));
	len = vxlan_dgram(dg, 1, inner, sizeof(inner));
	dp_from_udp(&dp, &peer2.ip, dg, len, 1000, &act);
	ck_assert_int_eq(act.verdict, DP_TO_TAP);
	ck_assert_ptr_eq(act.data, dg + VXLAN_HLEN);
	ck_assert_uint_eq(act.len, sizeof(inner));
	ep = fdb_lookup(dp.fdb, &mac_a);
	ck_assert_ptr_nonnull(ep);
	/* learned against the peer's listed port, whatever the source port */
	ck_assert(endpoint_equal(ep, &peer2));
	ck_assert_uint_eq(dp.st.fdb_learned, 1);
	ck_assert_uint_eq(peers_find(dp.peers, &peer2.ip)->st.rx_packets, 1);
	ck_assert_uint_eq(peers_find(dp.peers, &peer2.ip)->st.last_rx, 1000);
	/* and the reply direction now goes unicast */
	eth_frame(frame, &mac_a, &own, ETHTYPE_IPV4, 60);
	dp_from_tap(&dp, frame, 60, 1001, &act);
	ck_assert_int_eq(act.verdict, DP_UNICAST);
	ck_assert(endpoint_equal(&act.dst, &peer2));
}
END_TEST

START_TEST(udp_learned_mac_moves_static_does_not)
{
	uint8_t dg[256], inner[100];
	struct dp_action act;
	size_t len;

	eth_frame(inner, &own, &mac_a, ETHTYPE_IPV4, sizeof(inner));
	len = vxlan_dgram(dg, 1, inner, sizeof(inner));
	dp_from_udp(&dp, &peer2.ip, dg, len, 1000, &act);
	ck_assert_int_eq(act.event, DP_EV_NONE);
	dp_from_udp(&dp, &peer3.ip, dg, len, 2000, &act);
	ck_assert_int_eq(act.verdict, DP_TO_TAP);
	ck_assert_int_eq(act.event, DP_EV_MOVED);
	ck_assert(mac_equal(&act.ev_mac, &mac_a));
	ck_assert(endpoint_equal(&act.ev_old, &peer2));
	ck_assert(endpoint_equal(fdb_lookup(dp.fdb, &mac_a), &peer3));
	ck_assert_uint_eq(dp.st.fdb_moved, 1);

	ck_assert_int_eq(fdb_add_static(dp.fdb, &mac_a, &peer2), 0);
	dp_from_udp(&dp, &peer3.ip, dg, len, 3000, &act);
	ck_assert_int_eq(act.verdict, DP_TO_TAP);
	ck_assert_int_eq(act.event, DP_EV_NONE);
	ck_assert(endpoint_equal(fdb_lookup(dp.fdb, &mac_a), &peer2));
	ck_assert_uint_eq(dp.st.fdb_moved, 1);
}
END_TEST

START_TEST(udp_caches_follow_table_changes)
{
	uint8_t dg[256], inner[100];
	struct dp_action act;
	size_t len;

	eth_frame(inner, &own, &mac_a, ETHTYPE_IPV4, sizeof(inner));
	len = vxlan_dgram(dg, 1, inner, sizeof(inner));
	dp_from_udp(&dp, &peer2.ip, dg, len, 1000, &act);
	ck_assert_ptr_nonnull(fdb_lookup(dp.fdb, &mac_a));
	/* deleted behind the data path's back: the next datagram learns again */
	ck_assert_int_eq(fdb_del(dp.fdb, &mac_a), 0);
	dp_from_udp(&dp, &peer2.ip, dg, len, 1001, &act);
	ck_assert_ptr_nonnull(fdb_lookup(dp.fdb, &mac_a));
	ck_assert_uint_eq(dp.st.fdb_learned, 2);
	/* a move within the cache window is still seen */
	dp_from_udp(&dp, &peer3.ip, dg, len, 1002, &act);
	ck_assert_int_eq(act.event, DP_EV_MOVED);
	ck_assert(endpoint_equal(fdb_lookup(dp.fdb, &mac_a), &peer3));
	/* a removed peer is no longer accepted, however recently it was seen */
	ck_assert_int_eq(peers_del(dp.peers, &peer3.ip), 0);
	dp_from_udp(&dp, &peer3.ip, dg, len, 1003, &act);
	ck_assert_int_eq(act.verdict, DP_DROP);
	ck_assert_int_eq(act.drop, DROP_UNKNOWN_PEER);
	/* and a refresh after the window renews the entry's age */
	dp_from_udp(&dp, &peer2.ip, dg, len, 1004, &act);
	dp_from_udp(&dp, &peer2.ip, dg, len, 250000, &act);
	dp_age(&dp, 1004 + AGEING_MS, NULL);
	ck_assert_ptr_nonnull(fdb_lookup(dp.fdb, &mac_a));
}
END_TEST

START_TEST(udp_no_learning)
{
	uint8_t dg[256], inner[ARP_FRAME_LEN];
	struct dp_action act;
	size_t len;

	dp.cfg.learning = false;
	arp_frame(inner, ARP_OP_REQUEST, &mac_a, "10.244.0.2", "10.244.0.1");
	len = vxlan_dgram(dg, 1, inner, sizeof(inner));
	dp_from_udp(&dp, &peer2.ip, dg, len, 1000, &act);
	ck_assert_int_eq(act.verdict, DP_TO_TAP);
	ck_assert_uint_eq(fdb_count(dp.fdb, false), 0);
	ck_assert_uint_eq(neigh_count(dp.neigh, false), 0);
}
END_TEST

START_TEST(udp_arp_snooped_into_neigh)
{
	uint8_t dg[256], inner[ARP_FRAME_LEN];
	struct dp_action act;
	struct ipaddr ip;
	const struct mac *m;
	size_t len;

	arp_frame(inner, ARP_OP_REQUEST, &mac_a, "10.244.0.2", "10.244.0.1");
	len = vxlan_dgram(dg, 1, inner, sizeof(inner));
	dp_from_udp(&dp, &peer2.ip, dg, len, 1000, &act);
	ck_assert_int_eq(act.verdict, DP_TO_TAP);
	memset(&ip, 0, sizeof(ip));
	ip.family = AF_INET;
	inet_pton(AF_INET, "10.244.0.2", ip.a);
	m = neigh_lookup(dp.neigh, &ip);
	ck_assert_ptr_nonnull(m);
	ck_assert(mac_equal(m, &mac_a));
	ck_assert_uint_eq(dp.st.neigh_learned, 1);

	/* an RFC 5227 probe (sender 0.0.0.0) is delivered but teaches nothing */
	arp_frame(inner, ARP_OP_REQUEST, &mac_b, "0.0.0.0", "10.244.0.9");
	len = vxlan_dgram(dg, 1, inner, sizeof(inner));
	dp_from_udp(&dp, &peer3.ip, dg, len, 1000, &act);
	ck_assert_int_eq(act.verdict, DP_TO_TAP);
	ck_assert_uint_eq(neigh_count(dp.neigh, false), 1);
}
END_TEST

START_TEST(udp_nd_snooped_into_neigh)
{
	uint8_t dg[256], inner[128];
	struct dp_action act;
	struct ipaddr ip;
	size_t len, flen;
	const struct mac *m;

	/* an NA teaches its target and TLLA */
	flen = nd_frame(inner, ND_TYPE_NA, &own, &mac_a, "fd00:244::2", "fd00:244::1",
			"fd00:244::2", ND_NA_FLAG_SOLIC | ND_NA_FLAG_OVERR, ND_OPT_TLLA, &mac_a);
	len = vxlan_dgram(dg, 1, inner, flen);
	dp_from_udp(&dp, &peer2.ip, dg, len, 1000, &act);
	ck_assert_int_eq(act.verdict, DP_TO_TAP);
	ck_assert_uint_eq(act.len, flen);
	ip = ip6("fd00:244::2");
	m = neigh_lookup(dp.neigh, &ip);
	ck_assert_ptr_nonnull(m);
	ck_assert(mac_equal(m, &mac_a));

	/* an NS teaches its source and SLLA */
	flen = nd_frame(inner, ND_TYPE_NS, &ns_group, &mac_b, "fd00:244::3", "ff02::1:ff00:1",
			"fd00:244::1", 0, ND_OPT_SLLA, &mac_b);
	len = vxlan_dgram(dg, 1, inner, flen);
	dp_from_udp(&dp, &peer3.ip, dg, len, 1000, &act);
	ck_assert_int_eq(act.verdict, DP_TO_TAP);
	ip = ip6("fd00:244::3");
	m = neigh_lookup(dp.neigh, &ip);
	ck_assert_ptr_nonnull(m);
	ck_assert(mac_equal(m, &mac_b));
	ck_assert_uint_eq(dp.st.neigh_learned, 2);

	/* DAD and an NA without TLLA are delivered but teach nothing */
	flen = nd_frame(inner, ND_TYPE_NS, &ns_group, &mac_b, "::", "ff02::1:ff00:9", "fd00:244::9",
			0, 0, NULL);
	len = vxlan_dgram(dg, 1, inner, flen);
	dp_from_udp(&dp, &peer3.ip, dg, len, 1000, &act);
	ck_assert_int_eq(act.verdict, DP_TO_TAP);
	flen = nd_frame(inner, ND_TYPE_NA, &own, &mac_a, "fd00:244::8", "fd00:244::1",
			"fd00:244::8", ND_NA_FLAG_SOLIC, 0, NULL);
	len = vxlan_dgram(dg, 1, inner, flen);
	dp_from_udp(&dp, &peer2.ip, dg, len, 1000, &act);
	ck_assert_int_eq(act.verdict, DP_TO_TAP);
	ck_assert_uint_eq(neigh_count(dp.neigh, false), 2);

	/* and what was learned answers the TAP's next question */
	len = nd_frame(frame, ND_TYPE_NS, &ns_group, &own, "fd00:244::1", "ff02::1:ff00:2",
		       "fd00:244::2", 0, ND_OPT_SLLA, &own);
	dp_from_tap(&dp, frame, len, 1001, &act);
	ck_assert_int_eq(act.verdict, DP_REPLY_TAP);
	ck_assert_uint_eq(dp.st.nd_replies, 1);
}
END_TEST

START_TEST(udp_nd_no_learning)
{
	uint8_t dg[256], inner[128];
	struct dp_action act;
	size_t len, flen;

	dp.cfg.learning = false;
	flen = nd_frame(inner, ND_TYPE_NA, &own, &mac_a, "fd00:244::2", "fd00:244::1",
			"fd00:244::2", ND_NA_FLAG_SOLIC, ND_OPT_TLLA, &mac_a);
	len = vxlan_dgram(dg, 1, inner, flen);
	dp_from_udp(&dp, &peer2.ip, dg, len, 1000, &act);
	ck_assert_int_eq(act.verdict, DP_TO_TAP);
	ck_assert_uint_eq(neigh_count(dp.neigh, false), 0);
	/* still validated: a malformed one is dropped */
	inner[ETH_HDR_LEN + 7] = 1; /* hop limit */
	len = vxlan_dgram(dg, 1, inner, flen);
	dp_from_udp(&dp, &peer2.ip, dg, len, 1000, &act);
	ck_assert_int_eq(act.verdict, DP_DROP);
	ck_assert_int_eq(act.drop, DROP_BAD_ND);
}
END_TEST

START_TEST(udp_entries_age_out)
{
	uint8_t dg[256], inner[ARP_FRAME_LEN];
	struct dp_action act;
	uint64_t next = 0;
	size_t len;

	arp_frame(inner, ARP_OP_REQUEST, &mac_a, "10.244.0.2", "10.244.0.1");
	len = vxlan_dgram(dg, 1, inner, sizeof(inner));
	dp_from_udp(&dp, &peer2.ip, dg, len, 1000, &act);
	dp_age(&dp, 1000 + AGEING_MS - 1, &next);
	ck_assert_uint_eq(next, 1000 + AGEING_MS);
	ck_assert_uint_eq(fdb_count(dp.fdb, false), 1);
	dp_age(&dp, 1000 + AGEING_MS, &next);
	ck_assert_uint_eq(fdb_count(dp.fdb, false), 0);
	ck_assert_uint_eq(neigh_count(dp.neigh, false), 0);
	ck_assert_uint_eq(dp.st.fdb_aged, 1);
	ck_assert_uint_eq(dp.st.neigh_aged, 1);
	ck_assert_uint_eq(next, UINT64_MAX);
}
END_TEST

START_TEST(udp_every_datagram_accounted)
{
	/* Feed a pseudo-random mix; every datagram is either delivered or
	 * counted under exactly one drop reason. */
	uint8_t dg[1600];
	uint32_t x = 12345;
	uint64_t delivered = 0;
	struct dp_action act;

	for (int i = 0; i < 20000; i++) {
		size_t len;

		x = x * 1103515245u + 12345u;
		len = (x >> 8) % sizeof(dg);
		for (size_t k = 0; k < len; k++) {
			x = x * 1103515245u + 12345u;
			dg[k] = (uint8_t)(x >> 16);
		}
		if (len >= 8 && (i & 1)) {
			vxlan_encode(dg, 1); /* half of them get a valid header */
			if (len >= 20 && (i & 2))
				dg[14] &= 0xfe; /* and a unicast source MAC */
		}
		dp_from_udp(&dp, (i % 7) ? &peer2.ip : &stranger.ip, dg, len, (uint64_t)i, &act);
		if (act.verdict == DP_TO_TAP)
			delivered++;
		else
			ck_assert_int_eq(act.verdict, DP_DROP);
	}
	ck_assert_uint_eq(dp.st.udp_rx_packets, 20000);
	ck_assert_uint_eq(delivered + dp_drops_total(&dp.st), 20000);
	ck_assert_uint_gt(delivered, 0);
	ck_assert_uint_gt(dp.st.drops[DROP_UNKNOWN_PEER], 0);
}
END_TEST

/* --- hardening: storm control, caps, move damping ---------------------- */

static uint8_t harden_seed[TABLE_SEED_LEN] = {9};

/* Floods from the TAP are held to the rate per source MAC; unicast to a
 * known owner and the ARP proxy's answers are not floods and not limited. */
START_TEST(tap_flood_rate)
{
	struct dp_action act;
	struct ipaddr ip;

	dp.storm_tap = storm_new(10, 3, 16, harden_seed);
	ck_assert_ptr_nonnull(dp.storm_tap);
	for (int i = 0; i < 3; i++) {
		eth_frame(frame, &bcast, &own, ETHTYPE_IPV4, 60);
		dp_from_tap(&dp, frame, 60, 1000, &act);
		ck_assert_int_eq(act.verdict, DP_FLOOD);
	}
	eth_frame(frame, &mac_b, &own, ETHTYPE_IPV4, 60); /* unknown unicast */
	dp_from_tap(&dp, frame, 60, 1000, &act);
	ck_assert_int_eq(act.verdict, DP_DROP);
	ck_assert_int_eq(act.drop, DROP_FLOOD_RATE);
	ck_assert_int_eq(fdb_add_static(dp.fdb, &mac_a, &peer2), 0);
	for (int i = 0; i < 10; i++) {
		eth_frame(frame, &mac_a, &own, ETHTYPE_IPV4, 60);
		dp_from_tap(&dp, frame, 60, 1000, &act);
		ck_assert_int_eq(act.verdict, DP_UNICAST);
	}
	ipaddr_from_v4(&ip, (const uint8_t[4]){10, 244, 0, 2});
	ck_assert_int_eq(neigh_add_static(dp.neigh, &ip, &mac_a), 0);
	arp_frame(frame, ARP_OP_REQUEST, &own, "10.244.0.1", "10.244.0.2");
	dp_from_tap(&dp, frame, ARP_FRAME_LEN, 1000, &act);
	ck_assert_int_eq(act.verdict, DP_REPLY_TAP);
	/* Another source MAC has a bucket of its own. */
	eth_frame(frame, &bcast, &mac_b, ETHTYPE_IPV4, 60);
	dp_from_tap(&dp, frame, 60, 1000, &act);
	ck_assert_int_eq(act.verdict, DP_FLOOD);
	/* 100 ms at 10 a second: one more. */
	eth_frame(frame, &bcast, &own, ETHTYPE_IPV4, 60);
	dp_from_tap(&dp, frame, 60, 1100, &act);
	ck_assert_int_eq(act.verdict, DP_FLOOD);
	eth_frame(frame, &bcast, &own, ETHTYPE_IPV4, 60);
	dp_from_tap(&dp, frame, 60, 1100, &act);
	ck_assert_int_eq(act.drop, DROP_FLOOD_RATE);
	ck_assert_uint_eq(dp.st.floods, 5);
	ck_assert_uint_eq(dp.st.drops[DROP_FLOOD_RATE], 2);
	ck_assert_uint_eq(dp_drops_total(&dp.st), 2);
	/* A super-frame costs its segments: 3 take mac_b's whole (refilled)
	 * bucket; 100 ms later 2 do not fit, 1 does. */
	eth_frame(frame, &bcast, &mac_b, ETHTYPE_IPV4, 1500);
	dp_from_tap_gso(&dp, frame, 1500, 500, 1100, &act);
	ck_assert_int_eq(act.verdict, DP_FLOOD);
	dp_from_tap_gso(&dp, frame, 60, 60, 1100, &act);
	ck_assert_int_eq(act.drop, DROP_FLOOD_RATE);
	dp_from_tap_gso(&dp, frame, 1000, 500, 1200, &act);
	ck_assert_int_eq(act.drop, DROP_FLOOD_RATE);
	dp_from_tap_gso(&dp, frame, 500, 500, 1200, &act);
	ck_assert_int_eq(act.verdict, DP_FLOOD);
	/* With no peers nothing is flooded, and no token is spent. */
	ck_assert_int_eq(peers_del(dp.peers, &peer2.ip), 0);
	ck_assert_int_eq(peers_del(dp.peers, &peer3.ip), 0);
	eth_frame(frame, &bcast, &own, ETHTYPE_IPV4, 60);
	dp_from_tap(&dp, frame, 60, 100000, &act);
	ck_assert_int_eq(act.drop, DROP_NO_PEERS);
	ck_assert_int_eq(peers_add(dp.peers, &peer2, NULL), 0);
	for (int i = 0; i < 3; i++) {
		dp_from_tap(&dp, frame, 60, 100000, &act);
		ck_assert_int_eq(act.verdict, DP_FLOOD);
	}
}
END_TEST

/* A peer's broadcasts reach the TAP at the rate per inner source MAC, and
 * the refused ones teach nothing; its unicast is not limited. */
START_TEST(udp_peer_flood_rate)
{
	uint8_t dg[256], inner[100];
	struct dp_action act;
	struct ipaddr ip;
	size_t len;

	dp.storm_peer = storm_new(1, 2, 16, harden_seed);
	ck_assert_ptr_nonnull(dp.storm_peer);
	for (int i = 0; i < 2; i++) {
		eth_frame(inner, &bcast, &mac_a, ETHTYPE_IPV4, 60);
		len = vxlan_dgram(dg, 1, inner, 60);
		dp_from_udp(&dp, &peer2.ip, dg, len, 1000, &act);
		ck_assert_int_eq(act.verdict, DP_TO_TAP);
	}
	arp_frame(inner, ARP_OP_REQUEST, &mac_a, "10.244.0.9", "10.244.0.1");
	len = vxlan_dgram(dg, 1, inner, sizeof(inner));
	dp_from_udp(&dp, &peer3.ip, dg, len, 1000, &act);
	ck_assert_int_eq(act.verdict, DP_DROP);
	ck_assert_int_eq(act.drop, DROP_PEER_FLOOD_RATE);
	ipaddr_from_v4(&ip, (const uint8_t[4]){10, 244, 0, 9});
	ck_assert_ptr_null(neigh_lookup(dp.neigh, &ip));
	ck_assert(endpoint_equal(fdb_lookup(dp.fdb, &mac_a), &peer2));
	eth_frame(inner, &own, &mac_a, ETHTYPE_IPV4, 60);
	len = vxlan_dgram(dg, 1, inner, 60);
	for (int i = 0; i < 10; i++) {
		dp_from_udp(&dp, &peer2.ip, dg, len, 1000, &act);
		ck_assert_int_eq(act.verdict, DP_TO_TAP);
	}
	/* Multicast counts as broadcast; a second later one more passes. */
	eth_frame(inner, &ns_group, &mac_a, ETHTYPE_IPV4, 60);
	len = vxlan_dgram(dg, 1, inner, 60);
	dp_from_udp(&dp, &peer2.ip, dg, len, 1999, &act);
	ck_assert_int_eq(act.drop, DROP_PEER_FLOOD_RATE);
	dp_from_udp(&dp, &peer2.ip, dg, len, 2000, &act);
	ck_assert_int_eq(act.verdict, DP_TO_TAP);
	ck_assert_uint_eq(dp.st.drops[DROP_PEER_FLOOD_RATE], 2);
	ck_assert_uint_eq(dp_drops_total(&dp.st), 2);
}
END_TEST

/* One peer's spray of source MACs evicts its own entries, counted, and
 * leaves the other peer's alone. */
START_TEST(udp_peer_cap_evicts_own)
{
	uint8_t dg[256], inner[100];
	struct dp_action act;
	size_t len;

	fdb_set_peer_limit(dp.fdb, 4);
	eth_frame(inner, &own, &mac_b, ETHTYPE_IPV4, sizeof(inner));
	len = vxlan_dgram(dg, 1, inner, sizeof(inner));
	dp_from_udp(&dp, &peer3.ip, dg, len, 1000, &act);
	for (uint8_t i = 0; i < 30; i++) {
		struct mac m = {{0x02, 0x99, 0, 0, 0, i}};

		eth_frame(inner, &own, &m, ETHTYPE_IPV4, sizeof(inner));
		len = vxlan_dgram(dg, 1, inner, sizeof(inner));
		dp_from_udp(&dp, &peer2.ip, dg, len, 1001 + i, &act);
		ck_assert_int_eq(act.verdict, DP_TO_TAP);
	}
	ck_assert(endpoint_equal(fdb_lookup(dp.fdb, &mac_b), &peer3));
	ck_assert_uint_eq(fdb_count_dst(dp.fdb, &peer2.ip), 4);
	ck_assert_uint_eq(dp.st.fdb_learned, 31);
	ck_assert_uint_eq(dp.st.fdb_evicted, 26);
	ck_assert_uint_eq(dp.st.fdb_full, 0);
}
END_TEST

/* A MAC flapping between peers is frozen on the peer it had when the
 * window began, logged once (the event), counted; its frames from the
 * other peer are still delivered. */
START_TEST(udp_mac_flap_frozen)
{
	uint8_t dg[256], inner[100];
	struct dp_action act;
	size_t len;
	const struct endpoint *from[] = {&peer2, &peer3, &peer2, &peer3};
	const enum dp_event ev[] = {DP_EV_NONE, DP_EV_MOVED, DP_EV_MOVED, DP_EV_FROZEN};

	fdb_set_damping(dp.fdb, 2, DP_MOVE_WINDOW_MS);
	eth_frame(inner, &own, &mac_a, ETHTYPE_IPV4, sizeof(inner));
	len = vxlan_dgram(dg, 1, inner, sizeof(inner));
	for (int i = 0; i < 4; i++) {
		dp_from_udp(&dp, &from[i]->ip, dg, len, 1000 + (uint64_t)i * 1000, &act);
		ck_assert_int_eq(act.verdict, DP_TO_TAP);
		ck_assert_int_eq(act.event, ev[i]);
	}
	ck_assert(mac_equal(&act.ev_mac, &mac_a));
	ck_assert(endpoint_equal(&act.ev_old, &peer2));
	ck_assert(endpoint_equal(&act.peer->ep, &peer3));
	ck_assert(endpoint_equal(fdb_lookup(dp.fdb, &mac_a), &peer2));
	ck_assert_uint_eq(dp.st.fdb_moved, 2);
	ck_assert_uint_eq(dp.st.fdb_frozen, 1);
	/* Frozen: delivered, not moved, not logged again. */
	dp_from_udp(&dp, &peer3.ip, dg, len, 5000, &act);
	ck_assert_int_eq(act.verdict, DP_TO_TAP);
	ck_assert_int_eq(act.event, DP_EV_NONE);
	dp_from_udp(&dp, &peer3.ip, dg, len, 5001, &act);
	ck_assert_uint_eq(dp.st.fdb_move_refused, 2);
	ck_assert(endpoint_equal(fdb_lookup(dp.fdb, &mac_a), &peer2));
	/* The home peer still refreshes it. */
	dp_from_udp(&dp, &peer2.ip, dg, len, 6000, &act);
	ck_assert_int_eq(act.event, DP_EV_NONE);
	ck_assert_uint_eq(dp.st.fdb_move_refused, 2);
	/* A window after the freeze, it moves again. */
	dp_from_udp(&dp, &peer3.ip, dg, len, 4000 + DP_MOVE_WINDOW_MS - 1, &act);
	ck_assert(endpoint_equal(fdb_lookup(dp.fdb, &mac_a), &peer2));
	dp_from_udp(&dp, &peer3.ip, dg, len, 4000 + DP_MOVE_WINDOW_MS, &act);
	ck_assert_int_eq(act.event, DP_EV_MOVED);
	ck_assert(endpoint_equal(fdb_lookup(dp.fdb, &mac_a), &peer3));
	ck_assert_uint_eq(dp.st.fdb_frozen, 1);
}
END_TEST

/* Frozen on a home that has left the peer list: the MAC is forgotten. */
START_TEST(udp_mac_frozen_home_gone)
{
	uint8_t dg[256], inner[100];
	struct dp_action act;
	struct endpoint peer4;
	size_t len;

	ep_set(&peer4, "192.168.56.44", 8472);
	ck_assert_int_eq(peers_add(dp.peers, &peer4, NULL), 0);
	fdb_set_damping(dp.fdb, 1, DP_MOVE_WINDOW_MS);
	eth_frame(inner, &own, &mac_a, ETHTYPE_IPV4, sizeof(inner));
	len = vxlan_dgram(dg, 1, inner, sizeof(inner));
	dp_from_udp(&dp, &peer2.ip, dg, len, 1000, &act);
	dp_from_udp(&dp, &peer3.ip, dg, len, 2000, &act);
	ck_assert_int_eq(peers_del(dp.peers, &peer2.ip), 0);
	dp_from_udp(&dp, &peer4.ip, dg, len, 3000, &act);
	ck_assert_int_eq(act.event, DP_EV_FROZEN);
	ck_assert_int_eq(act.verdict, DP_TO_TAP);
	ck_assert_ptr_null(fdb_lookup(dp.fdb, &mac_a));
	dp_from_udp(&dp, &peer4.ip, dg, len, 3001, &act);
	ck_assert(endpoint_equal(fdb_lookup(dp.fdb, &mac_a), &peer4));
}
END_TEST

START_TEST(drop_names_are_lower_case)
{
	ck_assert_str_eq(dp_drop_name(DROP_BAD_VNI), "bad_vni");
	ck_assert_str_eq(dp_drop_name(DROP_VXLAN_SHORT), "vxlan_short");
	ck_assert_str_eq(dp_drop_name(DROP_UDP_SEND), "udp_send");
	ck_assert_str_eq(dp_drop_name(DROP_BAD_ND), "bad_nd");
	ck_assert_str_eq(dp_drop_name(DROP_FLOOD_RATE), "flood_rate");
	ck_assert_str_eq(dp_drop_name(DROP_PEER_FLOOD_RATE), "peer_flood_rate");
	ck_assert_str_eq(dp_drop_name((enum dp_drop)DROP__COUNT), "unknown");
}
END_TEST

/* The MTU rules: underlay minus 50 over IPv4, minus 70 over IPv6, minus the
 * method's overhead; --mtu wins for the TAP; unknown underlay: the default. */
static const struct {
	int under, family;
	size_t overhead;
	uint32_t want, mtu, path_mtu;
	bool known;
} mtu_vecs[] = {
	{1500, AF_INET, 0, 0, 1450, 1450, true},    {1500, AF_INET6, 0, 0, 1430, 1430, true},
	{1500, AF_INET, 32, 0, 1418, 1418, true},   {1500, AF_INET6, 32, 0, 1398, 1398, true},
	{9000, AF_INET, 0, 1500, 1500, 8950, true}, {1400, AF_INET, 0, 0, 1350, 1350, true},
	{100, AF_INET, 0, 0, 68, 0, true},    /* too small to carry anything: the floor */
	{-19, AF_INET, 0, 0, 1450, 0, false}, /* unknown: the default, no path check */
	{-19, AF_INET, 0, 1400, 1400, 0, true},
};

START_TEST(pick_mtu_rules)
{
	struct dp_config cfg;
	bool known;

	memset(&cfg, 0, sizeof(cfg));
	known = dp_pick_mtu(&cfg, mtu_vecs[_i].under, mtu_vecs[_i].family, mtu_vecs[_i].overhead,
			    mtu_vecs[_i].want);
	ck_assert_int_eq(known, mtu_vecs[_i].known);
	ck_assert_uint_eq(cfg.mtu, mtu_vecs[_i].mtu);
	ck_assert_uint_eq(cfg.path_mtu, mtu_vecs[_i].path_mtu);
}
END_TEST

static Suite *dp_suite(void)
{
	Suite *s = suite_create("dp");
	TCase *tap = tcase_create("from_tap");
	TCase *udp = tcase_create("from_udp");
	TCase *misc = tcase_create("names");
	TCase *harden = tcase_create("harden");

	tcase_add_checked_fixture(tap, setup, teardown);
	tcase_add_test(tap, tap_runt_and_oversize);
	tcase_add_test(tap, tap_broadcast_floods_with_header);
	tcase_add_test(tap, tap_unknown_unicast_floods);
	tcase_add_test(tap, tap_known_unicast_goes_to_owner);
	tcase_add_test(tap, tap_multicast_floods_even_with_entry);
	tcase_add_test(tap, tap_owner_cache_follows_changes);
	tcase_add_test(tap, tap_no_peers);
	tcase_add_test(tap, tap_arp_proxy_answers_known_ip);
	tcase_add_test(tap, tap_arp_unknown_ip_floods);
	tcase_add_test(tap, tap_arp_reply_is_forwarded);
	tcase_add_test(tap, tap_bad_arp_dropped);
	tcase_add_test(tap, tap_too_big_for_underlay_gets_icmp);
	tcase_add_test(tap, tap_ns_for_known_target_answered);
	tcase_add_test(tap, tap_ns_unknown_target_floods);
	tcase_add_test(tap, tap_dad_floods_even_when_known);
	tcase_add_test(tap, tap_na_and_bad_ns);
	tcase_add_test(tap, tap_ipv6_too_big_gets_ptb);
	tcase_add_test(tap, tap_ipv6_super_frame_checked_by_segment);
	suite_add_tcase(s, tap);

	tcase_add_checked_fixture(udp, setup, teardown);
	tcase_add_loop_test(udp, udp_drop_vectors, 0,
			    (int)(sizeof(udp_vectors) / sizeof(udp_vectors[0])));
	tcase_add_test(udp, udp_valid_is_delivered_and_learned);
	tcase_add_test(udp, udp_learned_mac_moves_static_does_not);
	tcase_add_test(udp, udp_no_learning);
	tcase_add_test(udp, udp_caches_follow_table_changes);
	tcase_add_test(udp, udp_arp_snooped_into_neigh);
	tcase_add_test(udp, udp_nd_snooped_into_neigh);
	tcase_add_test(udp, udp_nd_no_learning);
	tcase_add_test(udp, udp_entries_age_out);
	tcase_add_test(udp, udp_every_datagram_accounted);
	suite_add_tcase(s, udp);

	tcase_add_checked_fixture(harden, setup, teardown);
	tcase_add_test(harden, tap_flood_rate);
	tcase_add_test(harden, udp_peer_flood_rate);
	tcase_add_test(harden, udp_peer_cap_evicts_own);
	tcase_add_test(harden, udp_mac_flap_frozen);
	tcase_add_test(harden, udp_mac_frozen_home_gone);
	suite_add_tcase(s, harden);

	tcase_add_test(misc, drop_names_are_lower_case);
	tcase_add_loop_test(misc, pick_mtu_rules, 0, (int)(sizeof(mtu_vecs) / sizeof(mtu_vecs[0])));
	suite_add_tcase(s, misc);
	return s;
}

int main(void)
{
	return check_run(dp_suite());
}
