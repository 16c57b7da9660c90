/* peersfile: the --peers-file text parsed whole, and its changes applied to the running tables. */
#ifndef VXTAP_PEERSFILE_H
#define VXTAP_PEERSFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "ctlproto.h"
#include "eth.h"

struct dp;

/*
 * One entry a line; '#' starts a comment; blank lines are ignored:
 *
 *     ADDR[:PORT] [key PUBKEY] [noflood]
 *                                   a peer (also written "peer ADDR[:PORT] ...");
 *                                   secure mode needs its public key
 *     fdb MAC dst ADDR[:PORT] [port PORT]
 *                                   a static FDB entry
 *     neigh IP lladdr MAC           a static neighbour entry
 *     peers none                    no peers, on purpose (see peersfile_empties)
 *
 * As "peer add", "fdb add" and "neigh add" read them, so the lines "vxtapctl
 * peer show", "fdb show" and "neigh show" print are entries too.
 *
 * A port left out is the daemon's --port. Each peer address, FDB MAC and
 * neighbour IP may appear once. Entries keep the line they came from, for
 * messages. After a successful parse each array is sorted by its key.
 */
struct peersfile_peer {
	struct endpoint ep;
	size_t line;
	bool has_key;
	uint8_t key[32];
	bool noflood; /* not a flood target */
};

struct peersfile_fdb {
	struct mac mac;
	struct endpoint dst;
	size_t line;
};

struct peersfile_neigh {
	struct ipaddr ip;
	struct mac mac;
	size_t line;
};

struct peersfile {
	struct peersfile_peer *peers;
	size_t npeers;
	struct peersfile_fdb *fdb;
	size_t nfdb;
	struct peersfile_neigh *neigh;
	size_t nneigh;
	size_t none_line; /* the "peers none" line; 0: none */
};

struct peersfile_error {
	size_t line; /* 1-based; 0 when the problem is not on one line */
	char msg[CTLPROTO_ERRLEN];
};

/* Parse len bytes of text, addresses checked against net. Returns false with
 * err filled (and pf empty) when any line is wrong: nothing of a bad file is
 * used. pf must be released with peersfile_free() either way. */
bool peersfile_parse(const struct ctlproto_net *net, const char *text, size_t len,
		     struct peersfile *pf, struct peersfile_error *err);
void peersfile_free(struct peersfile *pf);

/* True when going from old to new would remove every peer old listed
 * without new saying "peers none": a file emptied by accident (truncated
 * before being written) must not isolate the node. */
bool peersfile_empties(const struct peersfile *old, const struct peersfile *new);

/* What peersfile_apply changed. */
struct peersfile_diff {
	size_t peers_added, peers_removed, peers_changed; /* changed: a new port or key */
	size_t fdb_added, fdb_removed;			  /* added: new or new dst */
	size_t neigh_added, neigh_removed;		  /* added: new or new MAC */
	size_t failed; /* additions refused by a limit or for memory */
};

/*
 * Make the tables follow the file going from old (NULL: nothing, at start-up)
 * to new. Entries whose line went away are removed -- a peer with the FDB
 * entries it taught, an FDB or neighbour entry only while it still holds the
 * file's value -- whatever else added them. Entries on new lines are added,
 * and entries of every line are set again if they were changed or deleted
 * since. Peers that stay keep their counters and learned entries; one whose
 * port changed gets the new port and forgets what it taught; one whose key
 * changed gets the new key (its sessions end). Entries the file never named
 * are left alone.
 */
void peersfile_apply(struct dp *dp, const struct peersfile *old, const struct peersfile *new,
		     struct peersfile_diff *diff);

#endif
