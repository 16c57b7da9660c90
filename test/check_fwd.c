/* check_fwd: the forwarding engine driven through fake devices: batching, back-pressure, the
 * send queue, GRO and super-packets, flood replication, and what it reports. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "change.h"
#include "counters.h"
#include "crypto.h"
#include "fwd.h"
#include "method.h"
#include "method_sealed.h"
#include "txq.h"

#include "check_fixture.h"
#include "check_frames.h"
#include "check_run.h"

#define NFRAMES 400
#define NSENT	1024
#define FRAMEB	2048
#define SENTB	8192 /* bytes kept of each message sent (a longer one fails the test) */

/* The fake devices: frames waiting to be read from the TAP, datagrams waiting
 * on the socket, and everything written or sent, as the kernel would see it. */
struct fake {
	/* TAP in */
	uint8_t in[NFRAMES][FRAMEB];
	size_t in_len[NFRAMES];
	size_t nin, next_in;
	int read_err; /* returned once the frames are read: -EAGAIN normally */
	/* TAP out: each write, its bytes (the first FRAMEB) and length */
	uint8_t out[NFRAMES][FRAMEB];
	size_t out_len[NFRAMES];
	size_t nout;
	int write_err; /* 0, or what every write returns */
	/* socket in: datagrams and their sources */
	uint8_t *dg[NFRAMES];
	size_t dg_len[NFRAMES];
	struct endpoint dg_src[NFRAMES];
	size_t ndg, next_dg;
	int recv_err;
	/* socket out */
	uint8_t sent[NSENT][SENTB];
	size_t sent_len[NSENT];
	struct endpoint sent_to[NSENT];
	uint16_t sent_gso[NSENT];
	size_t nsent;
	long room; /* messages the socket still takes; < 0: unlimited */
	unsigned send_calls, recv_calls, reads;
};

static struct fake *fk;

static size_t gather(uint8_t *dst, size_t cap, const struct iovec *iov, size_t n)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		size_t take = iov[i].iov_len;

		if (len < cap)
			memcpy(dst + len, iov[i].iov_base, take < cap - len ? take : cap - len);
		len += take;
	}
	return len;
}

static ssize_t fake_tap_read(void *ctx, void *buf, size_t len)
{
	struct fake *f = ctx;

	f->reads++;
	if (f->next_in == f->nin)
		return f->read_err;
	ck_assert_uint_le(f->in_len[f->next_in], len);
	memcpy(buf, f->in[f->next_in], f->in_len[f->next_in]);
	return (ssize_t)f->in_len[f->next_in++];
}

static ssize_t fake_tap_write(void *ctx, const struct iovec *iov, int n)
{
	struct fake *f = ctx;
	size_t len;

	if (f->write_err != 0)
		return f->write_err;
	ck_assert_uint_lt(f->nout, NFRAMES);
	len = gather(f->out[f->nout], FRAMEB, iov, (size_t)n);
	f->out_len[f->nout++] = len;
	return (ssize_t)len;
}

static int fake_udp_recv(void *ctx, struct mmsghdr *msgs, unsigned int n)
{
	struct fake *f = ctx;
	unsigned int k = 0;

	f->recv_calls++;
	if (f->next_dg == f->ndg)
		return f->recv_err;
	for (; k < n && f->next_dg < f->ndg; k++, f->next_dg++) {
		struct msghdr *h = &msgs[k].msg_hdr;
		size_t len = f->dg_len[f->next_dg];

		ck_assert_uint_le(len, h->msg_iov[0].iov_len);
		memcpy(h->msg_iov[0].iov_base, f->dg[f->next_dg], len);
		h->msg_namelen = endpoint_to_sockaddr(&f->dg_src[f->next_dg], h->msg_name);
		h->msg_controllen = 0;
		msgs[k].msg_len = (unsigned int)len;
	}
	return (int)k;
}

static int fake_udp_send(void *ctx, struct mmsghdr *msgs, unsigned int n)
{
	struct fake *f = ctx;
	unsigned int k;

	f->send_calls++;
	for (k = 0; k < n && f->room != 0; k++) {
		const struct msghdr *h = &msgs[k].msg_hdr;
		struct endpoint ep;
		struct sockaddr_storage ss;

		ck_assert_uint_lt(f->nsent, NSENT);
		f->sent_len[f->nsent] = gather(f->sent[f->nsent], SENTB, h->msg_iov, h->msg_iovlen);
		ck_assert_uint_le(f->sent_len[f->nsent], SENTB);
		memset(&ss, 0, sizeof(ss));
		memcpy(&ss, h->msg_name, h->msg_namelen);
		ck_assert(endpoint_from_sockaddr(&ss, &ep));
		f->sent_to[f->nsent] = ep;
		f->sent_gso[f->nsent] = 0;
		if (h->msg_controllen != 0)
			memcpy(&f->sent_gso[f->nsent], CMSG_DATA(CMSG_FIRSTHDR(h)), 2);
		f->nsent++;
		if (f->room > 0)
			f->room--;
	}
	return k == 0 ? -EAGAIN : (int)k;
}

static struct io_ops fake_io = {fake_tap_read, fake_tap_write, fake_udp_recv, fake_udp_send, NULL};

/* Datagram k of all that was sent, a UDP_SEGMENT message counting as the
 * datagrams the kernel cuts it into; NULL past the end. */
static const uint8_t *dgram_at(size_t k, size_t *len)
{
	for (size_t i = 0; i < fk->nsent; i++) {
		size_t g = fk->sent_gso[i] != 0 ? fk->sent_gso[i] : fk->sent_len[i];
		size_t n = (fk->sent_len[i] + g - 1) / g;

		if (k < n) {
			*len = k + 1 < n ? g : fk->sent_len[i] - k * g;
			return fk->sent[i] + k * g;
		}
		k -= n;
	}
	return NULL;
}

static size_t ndgrams(void)
{
	size_t n = 0, len;

	while (dgram_at(n, &len) != NULL)
		n++;
	return n;
}

/* --- the fixture: a node with peers .42 and .43 ----------------------------------- */

static const struct mac own = {{0x02, 0, 0, 0, 0, 0x01}};
static const struct mac mac_a = {{0x0a, 0, 0, 0, 0, 0x01}}; /* behind the TAP */
static const struct mac mac_b = {{0x0a, 0, 0, 0, 0, 0x02}}; /* behind peer .42 */
static const struct mac bcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

static struct dp dp;
static struct fwd fw;
static struct method plain = {.ops = &method_plain_ops};
static struct endpoint peer2, peer3;
static unsigned nerrors, nevents;
static enum fwd_error last_error;
static int last_err;
static const struct peer *gone;
static unsigned ndrops;
static const char *last_hint;

static void on_error(void *arg, enum fwd_error what, int err, uint64_t now)
{
	(void)arg;
	(void)now;
	nerrors++;
	last_error = what;
	last_err = err;
}

static void on_event(void *arg, const struct dp_action *act, uint64_t now)
{
	(void)arg;
	(void)now;
	(void)act;
	nevents++;
}

static void on_drop(void *arg, const struct ipaddr *src, const struct dp_action *act, uint64_t now)
{
	(void)arg;
	(void)src;
	(void)now;
	ndrops++;
	last_hint = act->drop_hint;
}

static void on_peer_gone(const struct peer *p, void *arg)
{
	gone = p;
	fwd_peer_gone(arg, p);
}

static void ep_set(struct endpoint *ep, const char *ip)
{
	memset(ep, 0, sizeof(*ep));
	ep->ip.family = AF_INET;
	ck_assert_int_eq(inet_pton(AF_INET, ip, ep->ip.a), 1);
	ep->port = 8472;
}

static void start(bool vnet)
{
	struct fwd_caps caps = {.vnet = vnet, .tap_uso = false, .udp_gso = true, .udp_gro = false};
	struct fwd_hooks hooks = {
		.event = on_event, .drop = on_drop, .error = on_error, .arg = NULL};

	ndrops = 0;
	last_hint = NULL;
	ck_assert_int_eq(fwd_init(&fw, &dp, &caps, &fake_io, &plain, &hooks), 0);
	dp.hooks = (struct dp_hooks){.peer_gone = on_peer_gone, .arg = &fw};
}

static void setup(void)
{
	fk = calloc(1, sizeof(*fk));
	ck_assert_ptr_nonnull(fk);
	fk->read_err = -EAGAIN;
	fk->recv_err = -EAGAIN;
	fk->room = -1;
	fake_io.ctx = fk;
	fixture_dp(&dp, 64, 300000, (struct dp_limits){0});
	dp.cfg.mac = own;
	ep_set(&peer2, "192.168.56.42");
	ep_set(&peer3, "192.168.56.43");
	ck_assert_int_eq(change_peer_add(&dp, &peer2), 0);
	ck_assert_int_eq(change_peer_add(&dp, &peer3), 0);
	ck_assert_int_eq(change_fdb_add(&dp, &mac_b, &peer2), 0);
	nerrors = nevents = 0;
	gone = NULL;
	start(false);
}

static void teardown(void)
{
	fwd_free(&fw);
	dp_fini(&dp);
	for (size_t i = 0; i < fk->ndg; i++)
		free(fk->dg[i]);
	free(fk);
}

/* Queue a frame of len bytes to dst for the TAP to hand over; byte 14 on
 * carries seq so frames can be told apart. With vnet, a header that says
 * nothing comes first. */
static void tap_frame(const struct mac *dst, size_t len, uint8_t seq, bool vnet)
{
	size_t pre = vnet ? VNET_HDR_LEN : 0;
	uint8_t *f = fk->in[fk->nin] + pre;

	ck_assert_uint_lt(fk->nin, NFRAMES);
	memset(fk->in[fk->nin], 0, pre);
	memset(f, seq, len);
	memcpy(f, dst->b, MAC_LEN);
	memcpy(f + MAC_LEN, mac_a.b, MAC_LEN);
	f[12] = 0x88; /* a local experimental type: no proxy, no ICMP */
	f[13] = 0xb5;
	fk->in_len[fk->nin++] = len + pre;
}

/* Queue a VXLAN datagram (VNI 1) carrying frame from src. */
static void udp_dgram(const struct endpoint *src, const uint8_t *frame, size_t len)
{
	uint8_t *d = malloc(len + VXLAN_HLEN);

	ck_assert_ptr_nonnull(d);
	vxlan_encode(d, 1);
	memcpy(d + VXLAN_HLEN, frame, len);
	fk->dg[fk->ndg] = d;
	fk->dg_len[fk->ndg] = len + VXLAN_HLEN;
	fk->dg_src[fk->ndg++] = *src;
}

/* --- TAP to socket ------------------------------------------------------------- */

/* Ten frames for one peer: one read each, one sendmmsg for the burst, each
 * message the VXLAN header and the frame, to the FDB's owner. */
START_TEST(unicast_batch)
{
	for (uint8_t i = 0; i < 10; i++)
		tap_frame(&mac_b, 100, i, false);
	ck_assert_int_eq(fwd_tap(&fw, 1), FWD_DRAINED);
	ck_assert_uint_eq(fk->reads, 11);
	ck_assert_uint_eq(fk->send_calls, 1);
	/* ten datagrams of one size for one peer: one UDP_SEGMENT message */
	ck_assert_uint_eq(fk->nsent, 1);
	ck_assert_uint_eq(fk->sent_gso[0], VXLAN_HLEN + 100);
	ck_assert(endpoint_equal(&fk->sent_to[0], &peer2));
	ck_assert_uint_eq(ndgrams(), 10);
	for (size_t i = 0; i < 10; i++) {
		uint32_t vni;
		size_t len;
		const uint8_t *d = dgram_at(i, &len);

		ck_assert_uint_eq(len, VXLAN_HLEN + 100);
		ck_assert_int_eq(vxlan_decode(d, len, &vni), VXLAN_OK);
		ck_assert_uint_eq(vni, 1);
		ck_assert_mem_eq(d + VXLAN_HLEN, fk->in[i], 100);
	}
	ck_assert_uint_eq(dp.st.udp_tx_packets, 10);
	ck_assert_uint_eq(dp.st.udp_tx_bytes, 10 * (VXLAN_HLEN + 100));
	ck_assert_uint_eq(peers_find(dp.peers, &peer2.ip)->st.tx_packets, 10);
	ck_assert_uint_eq(peers_find(dp.peers, &peer3.ip)->st.tx_packets, 0);
}
END_TEST

/* A peer that is not a flood target gets no copy; with none left, the
 * frame is dropped as no_peers. Unicast to it still goes. */
START_TEST(flood_skips_fdb_only_peer)
{
	struct endpoint none;

	ck_assert_int_eq(change_peer_flood(&dp, &peer2.ip, false), 0);
	tap_frame(&bcast, 60, 1, false);
	ck_assert_int_eq(fwd_tap(&fw, 1), FWD_DRAINED);
	ck_assert_uint_eq(fk->nsent, 1);
	ck_assert(endpoint_equal(&fk->sent_to[0], &peer3));
	ck_assert_int_eq(change_peer_flood(&dp, &peer3.ip, false), 0);
	tap_frame(&bcast, 60, 2, false);
	ck_assert_int_eq(fwd_tap(&fw, 1), FWD_DRAINED);
	ck_assert_uint_eq(fk->nsent, 1);
	ck_assert_uint_eq(dp.st.drops[DROP_NO_PEERS], 1);
	tap_frame(&mac_b, 60, 3, false);
	ck_assert_int_eq(fwd_tap(&fw, 1), FWD_DRAINED);
	ck_assert_uint_eq(fk->nsent, 2);
	ck_assert(endpoint_equal(&fk->sent_to[1], &peer2));
	ep_set(&none, "192.168.56.44");
	ck_assert_int_eq(change_peer_flood(&dp, &none.ip, true), -ENOENT);
}
END_TEST

/* A broadcast goes to every peer, the same bytes each time. */
START_TEST(flood_replicates)
{
	tap_frame(&bcast, 60, 1, false);
	ck_assert_int_eq(fwd_tap(&fw, 1), FWD_DRAINED);
	ck_assert_uint_eq(fk->nsent, 2);
	ck_assert_uint_eq(fk->sent_len[0], fk->sent_len[1]);
	ck_assert_mem_eq(fk->sent[0], fk->sent[1], fk->sent_len[0]);
	ck_assert(!endpoint_equal(&fk->sent_to[0], &fk->sent_to[1]));
	ck_assert_uint_eq(dp.st.floods, 1);
	ck_assert_uint_eq(dp.st.udp_tx_packets, 2);
}
END_TEST

/* One call reads at most FWD_BURSTS bursts of FWD_BATCH, flushing each burst
 * before its slots are reused, and says there may be more. */
START_TEST(burst_budget)
{
	for (size_t i = 0; i < 300; i++)
		tap_frame(&mac_b, 80, (uint8_t)i, false);
	ck_assert_int_eq(fwd_tap(&fw, 1), FWD_MORE);
	ck_assert_uint_eq(fk->next_in, FWD_BATCH * FWD_BURSTS);
	ck_assert_uint_eq(fk->send_calls, FWD_BURSTS);
	ck_assert_uint_eq(ndgrams(), FWD_BATCH * FWD_BURSTS);
	/* each datagram still holds its own frame: no slot was overwritten
	 * before its burst went out */
	for (size_t i = 0; i < FWD_BATCH * FWD_BURSTS; i++) {
		size_t len;

		ck_assert_uint_eq(dgram_at(i, &len)[VXLAN_HLEN + 20], (uint8_t)i);
	}
	ck_assert_int_eq(fwd_tap(&fw, 2), FWD_DRAINED);
	ck_assert_uint_eq(ndgrams(), 300);
}
END_TEST

/* A full socket: the engine stops reading, keeps what it queued, drops
 * nothing, and sends it in order once there is room. */
START_TEST(backpressure_keeps_order)
{
	/* sizes grow, so each datagram is a message of its own */
	for (uint8_t i = 0; i < 10; i++)
		tap_frame(&mac_b, 100 + i, i, false);
	fk->room = 3;
	ck_assert_int_eq(fwd_tap(&fw, 1), FWD_BLOCKED);
	ck_assert_uint_eq(fk->nsent, 3);
	ck_assert_int_eq(fwd_flush(&fw), FWD_BLOCKED); /* still no room */
	fk->room = -1;
	ck_assert_int_eq(fwd_flush(&fw), FWD_DRAINED);
	ck_assert_uint_eq(fk->nsent, 10);
	for (size_t i = 0; i < 10; i++)
		ck_assert_uint_eq(fk->sent[i][VXLAN_HLEN + 20], i);
	ck_assert_uint_eq(dp.st.udp_tx_packets, 10);
	ck_assert_uint_eq(dp.st.drops[DROP_UDP_SEND], 0);
}
END_TEST

/* A message the kernel refuses (no route) is dropped and counted, the rest
 * go on. */
static bool refused; /* refuse_first has refused its message */

static int refuse_first(void *ctx, struct mmsghdr *msgs, unsigned int n)
{
	if (!refused) {
		refused = true;
		return -ENETUNREACH;
	}
	return fake_udp_send(ctx, msgs, n);
}

START_TEST(refused_message_dropped)
{
	struct io_ops io = fake_io;

	fwd_free(&fw);
	io.udp_send = refuse_first;
	refused = false;
	ck_assert_int_eq(fwd_init(&fw, &dp, &(struct fwd_caps){0}, &io, &plain, NULL), 0);
	for (uint8_t i = 0; i < 4; i++)
		tap_frame(&mac_b, 100 + i, i, false); /* a message each */
	ck_assert_int_eq(fwd_tap(&fw, 1), FWD_DRAINED);
	ck_assert_uint_eq(fk->nsent, 3);
	ck_assert_uint_eq(fk->sent[0][VXLAN_HLEN + 20], 1);
	ck_assert_uint_eq(dp.st.drops[DROP_UDP_SEND], 1);
	ck_assert_uint_eq(dp.st.udp_tx_packets, 3);
}
END_TEST

/* A peer removed while datagrams for it wait: they still go out, but no
 * longer count into the freed peer (ASan would see it). */
START_TEST(peer_gone_while_queued)
{
	for (uint8_t i = 0; i < 5; i++)
		tap_frame(&mac_b, 100 + i, i, false); /* a message each */
	fk->room = 0;
	ck_assert_int_eq(fwd_tap(&fw, 1), FWD_BLOCKED);
	/* The static entry naming it first, or it stays as an FDB-only VTEP. */
	ck_assert_int_eq(change_fdb_del(&dp, &mac_b), 0);
	ck_assert_int_eq(change_peer_del(&dp, &peer2.ip), 0);
	ck_assert_ptr_nonnull(gone);
	fk->room = -1;
	ck_assert_int_eq(fwd_flush(&fw), FWD_DRAINED);
	ck_assert_uint_eq(fk->nsent, 5);
	ck_assert_uint_eq(dp.st.udp_tx_packets, 5);
}
END_TEST

/* txq on its own: full of messages and the socket full too, a message is
 * refused and counted as its datagrams. */
START_TEST(txq_full_counts_drop)
{
	struct txq q;
	struct dp_stats st;
	uint8_t b[8] = {0};
	struct iovec iov = {b, sizeof(b)};

	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(txq_init(&q, 2, 8, &fake_io, &st, false), 0);
	fk->room = 0;
	ck_assert(txq_queue(&q, &iov, 1, 0, 1, &peer2, NULL));
	ck_assert(txq_queue(&q, &iov, 1, 0, 1, &peer3, NULL));
	ck_assert(!txq_queue(&q, &iov, 1, 1000, 5, &peer3, NULL));
	ck_assert_uint_eq(st.drops[DROP_UDP_SEND], 5);
	fk->room = -1;
	ck_assert_int_eq(txq_flush(&q), 0);
	ck_assert_uint_eq(st.udp_tx_packets, 2);
	ck_assert(txq_empty(&q));
	txq_free(&q);
}
END_TEST

/* A socket that takes everything and keeps nothing. */
static int count_send(void *ctx, struct mmsghdr *msgs, unsigned int n)
{
	(void)ctx;
	(void)msgs;
	return (int)n;
}

static struct io_ops count_io = {fake_tap_read, fake_tap_write, fake_udp_recv, count_send, NULL};

/* Lone datagrams join the last queued message while they go to the same
 * address and peer with the same size: a shorter one ends the run, a longer
 * one, another address or peer, a full run, or a socket without UDP_SEGMENT
 * starts a message of its own. What went out is counted per datagram. */
START_TEST(txq_joins_lone_datagrams)
{
	static uint8_t b[1400];
	struct txq q;
	struct dp_stats st;
	struct peer *p2 = peers_find(dp.peers, &peer2.ip);
	struct iovec big = {b, 1400}, mid = {b, 100}, small = {b, 60};

	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(txq_init(&q, 32, 256, &fake_io, &st, true), 0);
	ck_assert(txq_queue(&q, &mid, 1, 0, 1, &peer2, p2));
	ck_assert(txq_queue(&q, &mid, 1, 0, 1, &peer2, p2));
	ck_assert(txq_queue(&q, &mid, 1, 0, 1, &peer2, p2));
	ck_assert_uint_eq(q.n, 1);
	ck_assert(txq_queue(&q, &small, 1, 0, 1, &peer2, p2)); /* joins, ends the run */
	ck_assert(txq_queue(&q, &small, 1, 0, 1, &peer2, p2));
	ck_assert_uint_eq(q.n, 2);
	ck_assert(txq_queue(&q, &mid, 1, 0, 1, &peer2, p2));   /* longer */
	ck_assert(txq_queue(&q, &mid, 1, 0, 1, &peer3, NULL)); /* elsewhere */
	ck_assert(txq_queue(&q, &mid, 1, 0, 1, &peer3, p2));   /* another peer */
	ck_assert_uint_eq(q.n, 5);
	ck_assert_int_eq(txq_flush(&q), 0);
	ck_assert_uint_eq(fk->nsent, 5);
	ck_assert_uint_eq(fk->sent_gso[0], 100);
	ck_assert_uint_eq(fk->sent_len[0], 3 * 100 + 60);
	ck_assert_uint_eq(fk->sent_gso[1], 0);
	ck_assert_uint_eq(fk->sent_len[1], 60);
	ck_assert_uint_eq(st.udp_tx_packets, 8);
	ck_assert_uint_eq(st.udp_tx_bytes, 6 * 100 + 2 * 60);
	ck_assert_uint_eq(p2->st.tx_packets, 7);
	/* runs stop at UDP_GSO_MAX_SEGS datagrams and at the largest payload */
	for (size_t i = 0; i < UDP_GSO_MAX_SEGS + 1; i++)
		ck_assert(txq_queue(&q, &small, 1, 0, 1, &peer2, p2));
	ck_assert_uint_eq(q.n, 2);
	ck_assert_uint_eq(q.segs[0], UDP_GSO_MAX_SEGS);
	for (size_t i = 0; i < 47; i++)
		ck_assert(txq_queue(&q, &big, 1, 0, 1, &peer3, NULL));
	ck_assert_uint_eq(q.n, 4);
	ck_assert_uint_eq(q.segs[2], UDP_MAX_PAYLOAD / 1400);
	q.io = &count_io; /* too long for the fake to keep */
	ck_assert_int_eq(txq_flush(&q), 0);
	ck_assert_uint_eq(st.udp_tx_packets, 8 + UDP_GSO_MAX_SEGS + 1 + 47);
	q.io = &fake_io;
	/* without UDP_SEGMENT every datagram is a message */
	q.gso = false;
	ck_assert(txq_queue(&q, &mid, 1, 0, 1, &peer2, p2));
	ck_assert(txq_queue(&q, &mid, 1, 0, 1, &peer2, p2));
	ck_assert_uint_eq(q.n, 2);
	ck_assert_int_eq(txq_flush(&q), 0);
	txq_free(&q);
}
END_TEST

/* A TSO super-frame from a vnet TAP leaves as UDP_SEGMENT runs of
 * equal-sized datagrams, each with its own VXLAN header and headers. */
START_TEST(tso_super_frame_segmented)
{
	uint8_t *f = fk->in[0] + VNET_HDR_LEN;
	struct vnet_hdr vh = {.gso_type = VNET_GSO_TCPV4, .gso_size = 1000};
	size_t len = frames_build(f, TCP4, 3500, 0x10), total = 0;

	fwd_free(&fw);
	start(true);
	memcpy(f, mac_b.b, MAC_LEN); /* to peer .42 */
	vnet_hdr_encode(fk->in[0], &vh);
	fk->in_len[0] = VNET_HDR_LEN + len;
	fk->nin = 1;
	ck_assert_int_eq(fwd_tap(&fw, 1), FWD_DRAINED);
	/* three full segments and the short last one: one message the kernel
	 * cuts at the first segment's size */
	ck_assert_uint_eq(fk->nsent, 1);
	ck_assert_uint_eq(fk->sent_gso[0], VXLAN_HLEN + 54 + 1000);
	for (size_t i = 0; i < fk->nsent; i++)
		total += fk->sent_len[i];
	ck_assert_uint_eq(total, 4 * (VXLAN_HLEN + 54) + 3500);
	/* each datagram starts with the VXLAN header, then its own headers */
	for (size_t k = 0; k < 4; k++) {
		uint32_t vni;

		ck_assert_int_eq(vxlan_decode(fk->sent[0] + k * 1062, 1062, &vni), VXLAN_OK);
		ck_assert_mem_eq(fk->sent[0] + k * 1062 + VXLAN_HLEN, mac_b.b, MAC_LEN);
	}
	ck_assert_uint_eq(dp.st.udp_tx_packets, 4);
}
END_TEST

/* --- socket to TAP ------------------------------------------------------------- */

/* Datagrams from a peer reach the TAP; from a stranger they are dropped. */
START_TEST(udp_to_tap)
{
	struct endpoint stranger;
	uint8_t frame[60];

	ep_set(&stranger, "192.168.56.99");
	memset(frame, 0x11, sizeof(frame));
	memcpy(frame, own.b, MAC_LEN);
	memcpy(frame + MAC_LEN, mac_b.b, MAC_LEN);
	udp_dgram(&peer2, frame, sizeof(frame));
	udp_dgram(&stranger, frame, sizeof(frame));
	udp_dgram(&peer3, frame, sizeof(frame)); /* mac_b moves: an event */
	ck_assert_int_eq(fwd_udp(&fw, 5), FWD_DRAINED);
	ck_assert_uint_eq(fk->nout, 2);
	ck_assert_uint_eq(fk->out_len[0], sizeof(frame));
	ck_assert_mem_eq(fk->out[0], frame, sizeof(frame));
	ck_assert_uint_eq(dp.st.drops[DROP_UNKNOWN_PEER], 1);
	ck_assert_uint_eq(dp.st.tap_tx_packets, 2);
	ck_assert_uint_eq(nevents, 0); /* mac_b is static: it never moves */
}
END_TEST

/* An address a static FDB entry names is an FDB-only VTEP: datagrams from it
 * reach the TAP, floods skip it, and it goes with the last entry naming it
 * (then it is a stranger again). */
START_TEST(fdb_only_vtep)
{
	static const struct mac mac_d = {{0x0a, 0, 0, 0, 0, 0x04}};
	struct endpoint vtep;
	uint8_t frame[60];

	ep_set(&vtep, "192.168.56.44");
	ck_assert_int_eq(change_fdb_add(&dp, &mac_d, &vtep), 0);
	ck_assert_ptr_nonnull(peers_find(dp.peers, &vtep.ip));
	ck_assert_uint_eq(peers_flood_count(dp.peers), 2);
	memset(frame, 0x11, sizeof(frame));
	memcpy(frame, own.b, MAC_LEN);
	memcpy(frame + MAC_LEN, mac_d.b, MAC_LEN);
	udp_dgram(&vtep, frame, sizeof(frame));
	ck_assert_int_eq(fwd_udp(&fw, 5), FWD_DRAINED);
	ck_assert_uint_eq(fk->nout, 1);
	ck_assert_uint_eq(dp.st.drops[DROP_UNKNOWN_PEER], 0);
	tap_frame(&bcast, 60, 1, false);
	ck_assert_int_eq(fwd_tap(&fw, 6), FWD_DRAINED);
	ck_assert_uint_eq(fk->nsent, 2);
	for (size_t i = 0; i < fk->nsent; i++)
		ck_assert(!endpoint_equal(&fk->sent_to[i], &vtep));
	tap_frame(&mac_d, 60, 2, false);
	ck_assert_int_eq(fwd_tap(&fw, 7), FWD_DRAINED);
	ck_assert_uint_eq(fk->nsent, 3);
	ck_assert(endpoint_equal(&fk->sent_to[2], &vtep));
	ck_assert_int_eq(change_fdb_del(&dp, &mac_d), 0);
	ck_assert_ptr_null(peers_find(dp.peers, &vtep.ip));
	udp_dgram(&vtep, frame, sizeof(frame));
	ck_assert_int_eq(fwd_udp(&fw, 8), FWD_DRAINED);
	ck_assert_uint_eq(fk->nout, 1);
	ck_assert_uint_eq(dp.st.drops[DROP_UNKNOWN_PEER], 1);
}
END_TEST

/* Segments of one TCP flow coalesce into one TAP write: a virtio-net GSO
 * header, then the merged frame. */
START_TEST(gro_one_write)
{
	static uint8_t super[8192], arena[64 * 256];
	struct gso_seg segs[8];
	struct vnet_hdr vh = {.gso_type = VNET_GSO_TCPV4, .gso_size = 1000}, got;
	size_t len = frames_build(super, TCP4, 4000, 0x10), n;

	fwd_free(&fw);
	start(true);
	n = gso_segment(super, len, &vh, arena, 256, 0, segs, 8);
	ck_assert_uint_eq(n, 4);
	for (size_t i = 0; i < n; i++) {
		uint8_t fr[2048];

		memcpy(fr, segs[i].hdr, segs[i].hdr_len);
		memcpy(fr + segs[i].hdr_len, segs[i].payload, segs[i].payload_len);
		udp_dgram(&peer2, fr, segs[i].hdr_len + segs[i].payload_len);
	}
	ck_assert_int_eq(fwd_udp(&fw, 5), FWD_DRAINED);
	ck_assert_uint_eq(fk->nout, 1);
	vnet_hdr_decode(fk->out[0], &got);
	ck_assert_uint_eq(got.gso_type, VNET_GSO_TCPV4);
	ck_assert_uint_eq(got.gso_size, 1000);
	ck_assert_uint_eq(fk->out_len[0], VNET_HDR_LEN + 54 + 4000);
	ck_assert_uint_eq(dp.st.tap_tx_packets, 4);
}
END_TEST

/* A kernel peer's unsegmented tunnel super-packet goes to a vnet TAP whole,
 * and is cut into frames for a plain TAP. */
START_TEST(kernel_super_packet)
{
	static uint8_t super[70000];
	size_t len = frames_build(super, TCP4, 20000, 0x10);
	struct vnet_hdr got;
	bool vnet = _i == 1;

	if (vnet) {
		fwd_free(&fw);
		start(true);
	}
	memcpy(super, own.b, MAC_LEN);
	memcpy(super + MAC_LEN, mac_b.b, MAC_LEN);
	udp_dgram(&peer2, super, len);
	ck_assert_int_eq(fwd_udp(&fw, 5), FWD_DRAINED);
	ck_assert_uint_eq(dp.st.tap_tx_packets, (20000 + 1410 - 1) / 1410);
	if (vnet) {
		ck_assert_uint_eq(fk->nout, 1);
		vnet_hdr_decode(fk->out[0], &got);
		ck_assert_uint_eq(got.gso_type, VNET_GSO_TCPV4);
		ck_assert_uint_eq(fk->out_len[0], VNET_HDR_LEN + len);
	} else {
		ck_assert_uint_eq(fk->nout, (20000 + 1410 - 1) / 1410);
		ck_assert_uint_eq(fk->out_len[0], 1464);
	}
}
END_TEST

/* --- failures are counted and reported --------------------------------------------- */

/* A write the TAP refuses is counted by why: EIO is tun's answer while the
 * device is down (drop_tap_down), anything else a failed write. Both are
 * reported to the shell, which logs only the second. */
static const struct {
	int err;
	enum dp_drop drop;
} write_vecs[] = {
	{EIO, DROP_TAP_DOWN},
	{EINVAL, DROP_TAP_WRITE},
	{ENOBUFS, DROP_TAP_WRITE},
	{EFAULT, DROP_TAP_WRITE},
};

START_TEST(tap_write_failure)
{
	uint8_t frame[60];
	enum dp_drop other = write_vecs[_i].drop == DROP_TAP_DOWN ? DROP_TAP_WRITE : DROP_TAP_DOWN;

	memset(frame, 0x22, sizeof(frame));
	memcpy(frame, own.b, MAC_LEN);
	memcpy(frame + MAC_LEN, mac_b.b, MAC_LEN);
	udp_dgram(&peer2, frame, sizeof(frame));
	fk->write_err = -write_vecs[_i].err;
	ck_assert_int_eq(fwd_udp(&fw, 5), FWD_DRAINED);
	ck_assert_uint_eq(dp.st.drops[write_vecs[_i].drop], 1);
	ck_assert_uint_eq(dp.st.drops[other], 0);
	ck_assert_uint_eq(dp.st.tap_tx_packets, 0);
	ck_assert_uint_eq(nerrors, 1);
	ck_assert_int_eq(last_error, FWD_ERR_TAP_WRITE);
	ck_assert_int_eq(last_err, write_vecs[_i].err);
	ck_assert(fwd_tap_down(last_error, last_err) == (write_vecs[_i].drop == DROP_TAP_DOWN));
	ck_assert(!fwd_tap_gone(last_error, last_err));
}
END_TEST

START_TEST(read_errors_reported)
{
	fk->read_err = -EBADFD;
	ck_assert_int_eq(fwd_tap(&fw, 1), FWD_DRAINED);
	ck_assert_uint_eq(nerrors, 1);
	ck_assert_int_eq(last_error, FWD_ERR_TAP_READ);
	fk->recv_err = -ENOBUFS;
	ck_assert_int_eq(fwd_udp(&fw, 1), FWD_DRAINED);
	ck_assert_uint_eq(nerrors, 2);
	ck_assert_int_eq(last_error, FWD_ERR_UDP_RECV);
	ck_assert_int_eq(last_err, ENOBUFS);
	/* EAGAIN is no error */
	fk->read_err = -EAGAIN;
	fk->recv_err = -EAGAIN;
	fwd_tap(&fw, 1);
	fwd_udp(&fw, 1);
	ck_assert_uint_eq(nerrors, 2);
}
END_TEST

/* A deleted TAP (detached descriptor: EBADFD) is gone for good; a TAP that
 * is down, full or interrupted, and any socket error, is not. Down is only
 * what tun says to a write while the device is down (EIO). */
static const struct {
	enum fwd_error what;
	int err;
	bool gone, down;
} rule_vecs[] = {
	{FWD_ERR_TAP_READ, EBADFD, true, false},    {FWD_ERR_TAP_WRITE, EBADFD, true, false},
	{FWD_ERR_UDP_RECV, EBADFD, false, false},   {FWD_ERR_TAP_READ, EIO, false, false},
	{FWD_ERR_TAP_WRITE, EIO, false, true},	    {FWD_ERR_UDP_RECV, EIO, false, false},
	{FWD_ERR_TAP_WRITE, ENOBUFS, false, false}, {FWD_ERR_TAP_READ, EINTR, false, false},
	{FWD_ERR_TAP_WRITE, EINVAL, false, false},  {FWD_ERR_TAP_WRITE, EMSGSIZE, false, false},
	{FWD_ERR_TAP_READ, ENETDOWN, false, false},
};

START_TEST(tap_gone_and_down_rules)
{
	ck_assert_msg(fwd_tap_gone(rule_vecs[_i].what, rule_vecs[_i].err) == rule_vecs[_i].gone,
		      "vector %d: gone", _i);
	ck_assert_msg(fwd_tap_down(rule_vecs[_i].what, rule_vecs[_i].err) == rule_vecs[_i].down,
		      "vector %d: down", _i);
}
END_TEST

/* The engine reports the error the rule is asked about: a read from a
 * deleted TAP says EBADFD, once per call, and stops the burst. */
START_TEST(tap_gone_reported)
{
	fk->read_err = -EBADFD;
	ck_assert_int_eq(fwd_tap(&fw, 1), FWD_DRAINED);
	ck_assert_uint_eq(nerrors, 1);
	ck_assert(fwd_tap_gone(last_error, last_err));
	ck_assert_uint_eq(fk->reads, 1);
}
END_TEST

static unsigned nrefused;
static int last_refused;

static void on_refused(void *arg, int err)
{
	ck_assert_ptr_eq(arg, &nrefused);
	nrefused++;
	last_refused = err;
}

/* Each message the kernel refuses is counted, then told to the refused
 * hook with its error (the shell logs it, rate-limited). */
START_TEST(send_refused_told)
{
	struct io_ops io = fake_io;

	fwd_free(&fw);
	io.udp_send = refuse_first;
	refused = false;
	ck_assert_int_eq(fwd_init(&fw, &dp, &(struct fwd_caps){0}, &io, &plain, NULL), 0);
	fw.txq.refused = on_refused;
	fw.txq.refused_arg = &nrefused;
	nrefused = 0;
	for (uint8_t i = 0; i < 3; i++)
		tap_frame(&mac_b, 100, i, false);
	ck_assert_int_eq(fwd_tap(&fw, 1), FWD_DRAINED);
	ck_assert_uint_eq(nrefused, 1);
	ck_assert_int_eq(last_refused, ENETUNREACH);
	ck_assert_uint_eq(dp.st.drops[DROP_UDP_SEND], 1);
	ck_assert_uint_eq(fk->nsent, 2);
}
END_TEST

/* --- the batching rule ------------------------------------------------------------ */

static struct gso_seg seg_of(size_t hdr, size_t pay)
{
	return (struct gso_seg){.hdr_len = hdr, .payload_len = pay};
}

START_TEST(run_len_rule)
{
	struct gso_seg s[70];

	for (size_t i = 0; i < 70; i++)
		s[i] = seg_of(54, 1000);
	/* equal segments run up to the segment cap, or the payload limit */
	ck_assert_uint_eq(gso_run_len(s, 0, 70, 8, 64, 65507), 65507 / 1062);
	ck_assert_uint_eq(gso_run_len(s, 0, 70, 8, 64, 1000000), 64);
	ck_assert_uint_eq(gso_run_len(s, 0, 70, 8, 1, 65507), 1);
	ck_assert_uint_eq(gso_run_len(s, 69, 70, 8, 64, 65507), 1);
	/* a shorter segment ends a run (it may be its last) */
	s[3] = seg_of(54, 500);
	ck_assert_uint_eq(gso_run_len(s, 0, 70, 8, 64, 1000000), 4);
	/* a longer one never joins */
	s[3] = seg_of(54, 1200);
	ck_assert_uint_eq(gso_run_len(s, 0, 70, 8, 64, 1000000), 3);
}
END_TEST

/* --- the sealed method ------------------------------------------------------------ */

/* What the method told the log: "what" words, one after another. */
static char notes[256];

static void take_note(void *arg, const struct ipaddr *src, const char *what, const char *desc,
		      uint64_t now)
{
	(void)arg;
	(void)src;
	(void)now;
	ck_assert(desc == NULL || desc[0] != '\0');
	snprintf(notes + strlen(notes), sizeof(notes) - strlen(notes), "%s%s;", what,
		 desc != NULL ? "" : "!");
}

static void rnd(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	randombytes_buf(buf, len);
}

static uint64_t wall(void *ctx)
{
	(void)ctx;
	return UINT64_C(1700000000000000000);
}

static int sealed_key(const struct ipaddr *ip, const uint8_t key[static 32], void *arg)
{
	struct method *m = arg;

	return m->ops->peer_key(m, ip, key);
}

/* Queue len raw bytes from src on the socket. */
static void udp_raw(const struct endpoint *src, const uint8_t *b, size_t len)
{
	uint8_t *d = malloc(len);

	ck_assert_ptr_nonnull(d);
	memcpy(d, b, len);
	fk->dg[fk->ndg] = d;
	fk->dg_len[fk->ndg] = len;
	fk->dg_src[fk->ndg++] = *src;
}

/* A secure-mode datagram reaching a node without a key is dropped as
 * vxlan_no_i, and the drop says what it probably is; a plain datagram with
 * the I flag clear gets no such hint. */
START_TEST(secure_datagram_hinted)
{
	uint8_t sealed[64] = {0xa4, CRYPTO_WIRE_VERSION}, plainish[64] = {0x00, 0, 0, 0, 0, 0, 1};

	udp_raw(&peer2, sealed, sizeof(sealed));
	ck_assert_int_eq(fwd_udp(&fw, 5), FWD_DRAINED);
	ck_assert_uint_eq(dp.st.drops[DROP_VXLAN_NO_I], 1);
	ck_assert_uint_eq(ndrops, 1);
	ck_assert_ptr_nonnull(last_hint);
	ck_assert_ptr_nonnull(strstr(last_hint, "secure-mode"));
	udp_raw(&peer2, plainish, sizeof(plainish));
	ck_assert_int_eq(fwd_udp(&fw, 6), FWD_DRAINED);
	ck_assert_uint_eq(dp.st.drops[DROP_VXLAN_NO_I], 2);
	ck_assert_uint_eq(ndrops, 2);
	ck_assert_ptr_null(last_hint);
}
END_TEST

/* This node in secure mode, peer .42 a crypto context of the test's. A
 * handshake from .42's address and another port is answered to that
 * address and port; a forged datagram from .42 moves udp_rx but not the
 * peer's counters; what authenticates moves them; sealed data reaches the
 * TAP. */
START_TEST(sealed_counts_after_authentication)
{
	uint8_t kn[32], kp[32], pn[32], pp[32], buf[CRYPTO_HS_MAX], reply[CRYPTO_HS_MAX];
	uint8_t frame[100], sealed[CRYPTO_HEADROOM + VXLAN_HLEN + sizeof(frame) + 16];
	struct endpoint from = peer2, self;
	struct crypto *node, *remote;
	struct method *m;
	const struct peer *p2 = peers_find(dp.peers, &peer2.ip);
	const uint8_t *pt;
	size_t len, rlen, ptlen;
	struct ipaddr who;
	bool want;
	enum crypto_drop why;

	ck_assert_int_eq(sodium_init() < 0, 0);
	randombytes_buf(kn, sizeof(kn));
	randombytes_buf(kp, sizeof(kp));
	crypto_public_key(kn, pn);
	crypto_public_key(kp, pp);
	node = crypto_new(kn, NULL, false, NULL, rnd, NULL);
	remote = crypto_new(kp, NULL, false, NULL, rnd, NULL);
	ck_assert_ptr_nonnull(node);
	ck_assert_ptr_nonnull(remote);
	m = method_sealed_new(node, wall, NULL);
	ck_assert_ptr_nonnull(m);
	m->note = take_note;
	notes[0] = '\0';
	fwd_free(&fw);
	{
		struct fwd_caps caps = {.udp_gso = true};

		ck_assert_int_eq(fwd_init(&fw, &dp, &caps, &fake_io, m, NULL), 0);
	}
	dp.hooks = (struct dp_hooks){.peer_gone = on_peer_gone, .peer_key = sealed_key, .arg = m};
	ck_assert_int_eq(change_peer_set_key(&dp, &peer2.ip, pp), 0);
	ck_assert_int_eq(change_peer_set_key(&dp, &peer3.ip, pn), -EINVAL); /* its own */
	ep_set(&self, "192.168.56.41");
	ck_assert_int_eq(crypto_peer_set(remote, &self.ip, pn), 0);

	/* Forged: counted as received, not against the peer. */
	memset(buf, 0xa4, sizeof(buf));
	buf[0] = 0xA4;
	buf[1] = CRYPTO_WIRE_VERSION;
	buf[2] = buf[3] = 0;
	udp_raw(&peer2, buf, 64);
	ck_assert_int_eq(fwd_udp(&fw, 1), FWD_DRAINED);
	ck_assert_uint_eq(dp.st.udp_rx_packets, 1);
	ck_assert_uint_eq(p2->st.rx_packets, 0);
	ck_assert_uint_eq(p2->st.last_rx, 0);
	/* It names a session this node does not have: a handshake to .42. */
	ck_assert_uint_eq(fk->nsent, 1);
	ck_assert(endpoint_equal(&fk->sent_to[0], &peer2));
	ck_assert_uint_eq(fk->sent_len[0], CRYPTO_INIT_LEN);

	/* An init from another port: the response goes back there. */
	len = crypto_handshake_init(remote, &self.ip, buf, 1, wall(NULL));
	ck_assert_uint_eq(len, CRYPTO_INIT_LEN);
	from.port = 40000;
	udp_raw(&from, buf, len);
	ck_assert_int_eq(fwd_udp(&fw, 2), FWD_DRAINED);
	ck_assert_uint_eq(fk->nsent, 2);
	ck_assert(endpoint_equal(&fk->sent_to[1], &from));
	ck_assert_uint_eq(fk->sent_len[1], CRYPTO_RESP_LEN);
	/* The log heard of the forged datagram's drop and of the handshake. */
	ck_assert_str_eq(notes, "unknown_session;handshake completed!;");
	ck_assert_uint_eq(p2->st.rx_packets, 1);
	ck_assert_uint_eq(p2->st.last_rx, 2);

	/* The response opens at the remote end; its keepalive confirms. */
	ck_assert_int_eq(crypto_open(remote, &self, fk->sent[1], fk->sent_len[1], 3, wall(NULL),
				     reply, &rlen, &pt, &ptlen, &who, &want, &why),
			 CRYPTO_IN_REPLY);
	udp_raw(&peer2, reply, rlen);
	memset(frame, 7, sizeof(frame));
	memcpy(frame, own.b, MAC_LEN);
	memcpy(frame + MAC_LEN, mac_b.b, MAC_LEN);
	vxlan_encode(sealed + CRYPTO_HEADROOM, 1);
	memcpy(sealed + CRYPTO_HEADROOM + VXLAN_HLEN, frame, sizeof(frame));
	len = crypto_seal(remote, &self.ip, sealed + CRYPTO_HEADROOM, VXLAN_HLEN + sizeof(frame),
			  sealed, 4, &want, &why);
	ck_assert_uint_eq(len, VXLAN_HLEN + sizeof(frame) + CRYPTO_OVERHEAD);
	udp_raw(&peer2, sealed, len);
	ck_assert_int_eq(fwd_udp(&fw, 5), FWD_DRAINED);
	ck_assert_uint_eq(fk->nout, 1);
	ck_assert_uint_eq(fk->out_len[0], sizeof(frame));
	ck_assert_mem_eq(fk->out[0], frame, sizeof(frame));
	ck_assert_uint_eq(p2->st.rx_packets, 3);
	ck_assert_uint_eq(dp.st.udp_rx_packets, 4);
	ck_assert_uint_eq(p2->st.last_rx, 5);

	/* What the shell asks of a keyed method: its key, its counters, a
	 * peer's session, a new key (not one a peer is listed with). */
	{
		struct counters_snap snap;
		struct crypto_peer_info info;
		uint8_t pub[32], kn2[32], pn2[32];

		ck_assert(method_keyed(m));
		ck_assert(!method_keyed(&plain));
		m->ops->own_key(m, pub);
		ck_assert_mem_eq(pub, pn, 32);
		memset(&snap, 0, sizeof(snap));
		m->ops->stats(m, &snap);
		ck_assert(snap.secure);
		ck_assert_uint_eq(snap.crypto.handshakes_completed, 1);
		ck_assert_int_eq(m->ops->peer_info(m, &peer2.ip, 6, &info), 0);
		ck_assert_int_eq(m->ops->peer_info(m, &peer3.ip, 6, &info), -ENOENT);
		ck_assert_int_eq(m->ops->set_key(m, kp, 7), -EINVAL);
		randombytes_buf(kn2, sizeof(kn2));
		crypto_public_key(kn2, pn2);
		ck_assert_int_eq(m->ops->set_key(m, kn2, 7), 0);
		m->ops->own_key(m, pub);
		ck_assert_mem_eq(pub, pn2, 32);
	}

	fwd_free(&fw);
	m->ops->free(m);
	crypto_free(remote);
	start(false); /* for teardown */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fwd");
	TCase *tx = tcase_create("tap_to_udp");
	TCase *rx = tcase_create("udp_to_tap");
	TCase *err = tcase_create("failures");
	TCase *rule = tcase_create("rules");

	tcase_add_checked_fixture(tx, setup, teardown);
	tcase_add_test(tx, unicast_batch);
	tcase_add_test(tx, flood_replicates);
	tcase_add_test(tx, flood_skips_fdb_only_peer);
	tcase_add_test(tx, fdb_only_vtep);
	tcase_add_test(tx, burst_budget);
	tcase_add_test(tx, backpressure_keeps_order);
	tcase_add_test(tx, refused_message_dropped);
	tcase_add_test(tx, peer_gone_while_queued);
	tcase_add_test(tx, txq_full_counts_drop);
	tcase_add_test(tx, txq_joins_lone_datagrams);
	tcase_add_test(tx, tso_super_frame_segmented);
	suite_add_tcase(s, tx);
	tcase_add_checked_fixture(rx, setup, teardown);
	tcase_add_test(rx, udp_to_tap);
	tcase_add_test(rx, gro_one_write);
	tcase_add_loop_test(rx, kernel_super_packet, 0, 2);
	tcase_add_test(rx, sealed_counts_after_authentication);
	tcase_add_test(rx, secure_datagram_hinted);
	suite_add_tcase(s, rx);
	tcase_add_checked_fixture(err, setup, teardown);
	tcase_add_loop_test(err, tap_write_failure, 0,
			    (int)(sizeof(write_vecs) / sizeof(write_vecs[0])));
	tcase_add_test(err, read_errors_reported);
	tcase_add_loop_test(err, tap_gone_and_down_rules, 0,
			    (int)(sizeof(rule_vecs) / sizeof(rule_vecs[0])));
	tcase_add_test(err, tap_gone_reported);
	tcase_add_test(err, send_refused_told);
	suite_add_tcase(s, err);
	tcase_add_test(rule, run_len_rule);
	suite_add_tcase(s, rule);
	return check_run(s);
}
