/* flnet: the flannel control plane's machine -- config, own lease, list and watch, with injected
 * time. */
#ifndef VXTAP_FLNET_H
#define VXTAP_FLNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "eth.h"
#include "flannel.h"
#include "flset.h"

/*
 * The machine reads the config, acquires this node's lease as flanneld's
 * LocalManager does (local_manager.go tryAcquireLease: keep the lease with
 * this PublicIP; else the subnet-file's subnet when free; else one at random
 * among the first 100 free; created by a transaction that puts only if the key
 * is absent, on a 24-hour etcd lease; up to 10 tries on conflicts), keeps it,
 * lists and watches PREFIX/subnets/ into an flset, and reconnects with backoff
 * (100 ms doubling to 5 s) over the endpoints. It does no I/O: inputs are
 * finished requests, watch lines and the clock (ms, monotonic); outputs are
 * actions (requests to send, logs, "lease held", "nodes changed", fatal) and
 * the next deadline.
 *
 * Differences from flanneld, on purpose:
 * - Renewal keeps the same etcd lease alive (lease/keepalive at expiry minus
 *   --subnet-lease-renew-margin) instead of granting a new lease and putting
 *   the value again (local_manager.go RenewLease): the key stays alive with
 *   the same value, and no node sees an event every 23 hours.
 * - The watch resumes after the last revision it actually received events for
 *   (or a progress notification), not header.revision + 1 of a response, which
 *   a catching-up watch may set past events not yet sent.
 * - A lease that disappears while running is re-created on the same subnet
 *   when free (flanneld exits), else the machine stops with a fatal action.
 */

#define FLNET_TIMEOUT_MS     5000    /* a unary request; the watch until "created" */
#define FLNET_CONFIG_POLL_MS 1000    /* config absent: read again (flanneld: 1 s) */
#define FLNET_BACKOFF_MIN_MS 100     /* after a failure, doubling ... */
#define FLNET_BACKOFF_MAX_MS 5000    /* ... up to this */
#define FLNET_GRANT_REUSE_MS 3600000 /* an unattached granted lease is reused this long */
#define FLNET_TEXTLEN	     320

struct flnet_cfg {
	const char *prefix;		   /* NULL: FLANNEL_PREFIX_DEFAULT */
	size_t nendpoints;		   /* >= 1: requests name an endpoint by index */
	const char *const *endpoint_names; /* for the log (the URLs); NULL: by number */
	struct ipaddr public_ip;	   /* --local, IPv4 */
	struct mac vtep_mac;		   /* the TAP's MAC (stored across restarts) */
	bool has_pubkey; /* secure mode: write VxtapPublicKey, need it of others */
	uint8_t pubkey[FLANNEL_PUBKEY_LEN];
	bool has_prev; /* FLANNEL_SUBNET of the old subnet file */
	struct flannel_subnet prev;
	struct flannel_cli cli;	       /* --vni/--port/--mtu as given, checked against the config */
	uint32_t renew_margin_min;     /* 1-1439; 0: 60 */
	uint32_t (*random)(void *arg); /* e.g. randombytes_random */
	void *random_arg;
};

enum flnet_act_kind {
	FLNET_ACT_REQUEST, /* POST body to endpoint's URL + path; report with flnet_on_done */
	FLNET_ACT_WATCH,   /* the same, streaming: each line to flnet_on_line, the end to
			      flnet_on_done */
	FLNET_ACT_CANCEL,  /* abort request id; do not report it */
	FLNET_ACT_LEASE,   /* this node holds its lease: address the TAP, write the subnet file
			      (flnet_lease, flnet_config) */
	FLNET_ACT_NODES,   /* the node list changed: flnet_nodes, fldiff, carry out */
	FLNET_ACT_LOG,	   /* level and text */
	FLNET_ACT_FATAL,   /* text: exit 1 */
};

enum flnet_level { FLNET_INFO, FLNET_WARN };

struct flnet_act {
	enum flnet_act_kind kind;
	uint64_t id;	     /* REQUEST, WATCH, CANCEL */
	size_t endpoint;     /* REQUEST, WATCH */
	const char *path;    /* REQUEST, WATCH: e.g. ETCDGW_PATH_RANGE */
	const char *body;    /* REQUEST, WATCH: valid until the next flnet call */
	uint64_t timeout_ms; /* REQUEST: the whole request; WATCH: 0 (connect only) */
	enum flnet_level level;
	char text[FLNET_TEXTLEN]; /* LOG, FATAL */
};

enum flnet_phase {
	FLNET_CONFIG,  /* reading PREFIX/config (waiting while it is absent) */
	FLNET_ACQUIRE, /* list, grant, transaction until this node holds a subnet */
	FLNET_HELD,    /* holding the lease: renewing, watching, resyncing */
	FLNET_FATAL,   /* stopped: a FATAL action was queued */
};

/* The machine's counters. X(name, description). */
#define FLNET_COUNTERS(X)                                                                 \
	X(events, "watch events applied")                                                 \
	X(stale, "duplicate or out-of-order watch events ignored")                        \
	X(reconnects, "watch streams opened again after a break")                         \
	X(resyncs, "full lists after the watch fell behind a compaction")                 \
	X(failures, "etcd requests that failed: transport, HTTP, etcd error, bad answer") \
	X(bad_lines, "watch lines that were not etcd's")                                  \
	X(renewals, "keepalives that extended this node's lease")                         \
	X(lease_losses, "times this node's lease was found gone")

#define FLNET_COUNTER_FIELD(name, desc) uint64_t name;
struct flnet_stats {
	FLNET_COUNTERS(FLNET_COUNTER_FIELD)
	uint64_t skipped[FLSET_SKIP__COUNT]; /* records skipped, by reason */
	int64_t revision;		     /* the etcd revision the node set is at */
	uint64_t last_event_ms;		     /* now of the last event applied; 0: none */
	bool connected;			     /* the watch is created and open */
	size_t endpoint;		     /* the endpoint in use */
};
#undef FLNET_COUNTER_FIELD

struct flnet_lease {
	bool held;
	struct flannel_subnet subnet;
	int64_t lease_id; /* 0: a reservation (no etcd lease), or not held */
	uint64_t expiry_ms;
	int64_t mod_revision;
	bool contested; /* another value was written on this node's key */
};

struct flnet;

/* A machine for cfg (copied; prefix copied). NULL without memory or when
 * cfg is unusable (no endpoints, no random, public_ip not IPv4). */
struct flnet *flnet_new(const struct flnet_cfg *cfg);
void flnet_free(struct flnet *fl);

/* Begin: the first request is queued. */
void flnet_start(struct flnet *fl, uint64_t now);

/* Request id finished: status is the HTTP status and body[0..len) what came
 * back, or error is the transport's reason (status, body ignored). For a
 * watch, this is the end of the stream. Unknown or canceled ids are ignored. */
void flnet_on_done(struct flnet *fl, uint64_t id, long status, const char *body, size_t len,
		   const char *error, uint64_t now);
/* One line of watch id (without its newline). */
void flnet_on_line(struct flnet *fl, uint64_t id, const char *line, size_t len, uint64_t now);
/* Call when now reaches flnet_deadline(). */
void flnet_tick(struct flnet *fl, uint64_t now);

/* The next action, or false when none is queued. Drain after every call. */
bool flnet_next(struct flnet *fl, struct flnet_act *act);
/* When flnet_tick is next due (UINT64_MAX: nothing timed). */
uint64_t flnet_deadline(const struct flnet *fl);

enum flnet_phase flnet_phase(const struct flnet *fl);
/* The checked config, NULL until read. */
const struct flannel_config *flnet_config(const struct flnet *fl);
void flnet_lease(const struct flnet *fl, struct flnet_lease *out);
void flnet_stats(const struct flnet *fl, struct flnet_stats *out);
/* Secure mode moved to a new key: leases written from now on publish it,
 * and a held one is written again with it (on its etcd lease, if nobody
 * changed it meanwhile). Nothing when the key is the same or the node
 * publishes none. Call flnet_tick (or drain) after. */
void flnet_set_pubkey(struct flnet *fl, const uint8_t key[static FLANNEL_PUBKEY_LEN]);
/* The nodes the tables should hold now (out replaced): 0 or -ENOMEM. */
int flnet_nodes(const struct flnet *fl, struct flset_nodes *out);

#endif
