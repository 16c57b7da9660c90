/* counters: every counter vxtap exports, in one table, rendered as text, JSON, Prometheus and
 * the SIGUSR1 dump. */
#ifndef VXTAP_COUNTERS_H
#define VXTAP_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "ctlproto.h"
#include "dp.h"
#include "flnet.h"

/*
 * The table is made from the modules' own lists (DP_COUNTERS,
 * DP_DROP_REASONS, CRYPTO_COUNTERS, CRYPTO_DROP_REASONS, PEER_COUNTERS,
 * FLNET_COUNTERS, FLANNEL_BAD_REASONS, FLSET_OWN_REASONS and the table sizes
 * below): adding a counter is one line in its module's list,
 * and every output has it. A counter's group decides its names:
 *
 *   group    text/dump name     JSON               Prometheus
 *   totals   KEY                totals.KEY         vxtap_KEY_total
 *   drops    drop_KEY           drops.KEY          vxtap_drops_total{reason="KEY"}
 *   crypto   crypto_KEY         crypto.KEY         vxtap_crypto_KEY_total
 *   tables   KEY                tables.KEY         vxtap_KEY (a gauge)
 *   etcd     etcd_KEY           etcd.KEY           vxtap_etcd_KEY_total
 *   skipped  etcd_skipped_KEY   etcd.skipped_KEY   vxtap_etcd_skipped_total{reason="KEY"}
 *
 * Secure-mode drop reasons are drops with keys "crypto_REASON"; they and the
 * crypto group are shown only in secure mode. "drops" is the sum of every
 * drop reason shown. The etcd groups (the control plane's counters, and the
 * flannel records it skipped, by reason) are shown only with
 * --etcd-endpoints.
 */
enum counter_group {
	COUNTER_TOTALS,
	COUNTER_DROPS,
	COUNTER_CRYPTO,
	COUNTER_TABLES,
	COUNTER_ETCD,
	COUNTER_SKIPPED,
};

struct counter_def {
	enum counter_group group;
	const char *key;
	const char *help; /* lower case, no final stop: used as is everywhere */
	bool secure;	  /* only in secure mode */
	size_t off;	  /* a uint64_t at this offset in struct counters_snap */
	bool etcd;	  /* only with the etcd control plane */
	bool hidden;	  /* a placeholder of its module's list (a "none" reason) */
};

/* Table sizes, as gauges. X(name, description). */
#define COUNTERS_TABLES(X)                                  \
	X(peers, "peers in the flood list")                 \
	X(fdb_static_entries, "static FDB entries")         \
	X(fdb_learned_entries, "learned FDB entries")       \
	X(neigh_static_entries, "static neighbour entries") \
	X(neigh_learned_entries, "learned neighbour entries")

#define COUNTERS_TABLE_FIELD(name, desc) uint64_t name;
struct counters_tables {
	COUNTERS_TABLES(COUNTERS_TABLE_FIELD)
};
#undef COUNTERS_TABLE_FIELD

/* What the kernel dropped at vxtap's door, read from the TAP and the socket
 * when asked (each kept by the kernel in 32 bits). X(name, description). */
#define COUNTERS_KERNEL_DROPS(X)                                                               \
	X(tap_queue, "frames the TAP's queue dropped before vxtap read them (its tx_dropped)") \
	X(socket_rcvbuf, "datagrams the UDP socket dropped: buffer full, or a bad checksum")

/* The loop's polling windows after traffic (--spin-us). X(name, description). */
#define COUNTERS_LOOP(X)                                                            \
	X(poll_windows, "polling windows opened after traffic instead of sleeping") \
	X(poll_caught, "traffic that came inside a polling window, with no wake-up")

#define COUNTERS_U64_FIELD(name, desc) uint64_t name;
struct counters_kernel {
	COUNTERS_KERNEL_DROPS(COUNTERS_U64_FIELD)
};
struct counters_loop {
	COUNTERS_LOOP(COUNTERS_U64_FIELD)
};
#undef COUNTERS_U64_FIELD

/* Everything counted, at one moment. */
struct counters_snap {
	struct dp_stats dp;
	struct counters_kernel kernel; /* filled by the shell */
	struct counters_loop loop;     /* filled by the shell */
	struct crypto_stats crypto;
	struct counters_tables tables;
	struct flnet_stats etcd;
	bool secure;
	bool etcd_on;
};

/* The table: *n entries. */
const struct counter_def *counters_table(size_t *n);

/* Fill s from dp (counters and table sizes); the crypto and etcd parts and
 * their flags are left zero for the caller. */
void counters_snap_dp(struct counters_snap *s, const struct dp *dp);

/* The value of def in s. */
uint64_t counters_value(const struct counters_snap *s, const struct counter_def *def);

/* Sum of every drop reason shown for s. */
uint64_t counters_drops_total(const struct counters_snap *s);

/* The text/dump name of def ("drop_bad_vni") into buf. */
const char *counters_name(const struct counter_def *def, char *buf, size_t len);

/* The counters and then the peers (sorted by address) as the control
 * socket's stats answer: fmt text, JSON or Prometheus (with dev as a label
 * on every sample). */
void counters_render(const struct counters_snap *s, const struct peer *const *peers, size_t np,
		     const char *dev, enum ctlproto_fmt fmt, uint64_t now,
		     struct ctlproto_buf *out);

/* One line per counter, "NAME VALUE", for the SIGUSR1 dump. */
void counters_lines(const struct counters_snap *s, void (*line)(const char *text, void *arg),
		    void *arg);

/* One peer as "peer show" prints it: text ("ADDR[:PORT] [key PUBKEY] rx
 * ... last_rx ...[ state ...]\n", after prefix) or a JSON object. sec: what
 * secure mode knows of the peer (its session), or NULL. */
void counters_peer_text(struct ctlproto_buf *out, const char *prefix, const struct peer *p,
			const struct crypto_peer_info *sec, uint64_t now);
void counters_peer_json(struct ctlproto_buf *out, const struct peer *p,
			const struct crypto_peer_info *sec, uint64_t now);

#endif
