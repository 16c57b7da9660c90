/* fdb: the forwarding database, inner MAC -> remote VTEP endpoint. */
#ifndef VXTAP_FDB_H
#define VXTAP_FDB_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "eth.h"
#include "table.h"

/* A thin typed face over struct table: keys are struct mac, values struct
 * endpoint. Like the kernel's vxlan FDB, static entries ("bridge fdb append
 * ... permanent") never move or age; learned ones move when the MAC shows up
 * behind another VTEP and age out after the ageing time. Learned entries
 * are capped in total and per peer (address, any port); at a cap the least
 * recently used learned entry (of that peer, or of all) makes room. */
struct fdb;

struct fdb_view {
	struct mac mac;
	struct endpoint dst;
	bool is_static;
	uint64_t updated;
};

struct fdb *fdb_new(size_t max_learned, uint64_t ageing_ms,
		    const uint8_t seed[static TABLE_SEED_LEN]);
void fdb_free(struct fdb *f);

/* The endpoint that owns mac, or NULL. Valid until the next change. */
const struct endpoint *fdb_lookup(const struct fdb *f, const struct mac *mac);
/* Whether mac has a static entry. */
bool fdb_is_static(const struct fdb *f, const struct mac *mac);

/* As table_learn; old receives the previous endpoint on TABLE_LEARN_MOVED
 * and the one the MAC is frozen on for TABLE_LEARN_FROZE and _FROZEN. */
enum table_learn fdb_learn(struct fdb *f, const struct mac *mac, const struct endpoint *dst,
			   uint64_t now, struct endpoint *old);

int fdb_add_static(struct fdb *f, const struct mac *mac, const struct endpoint *dst);
int fdb_del(struct fdb *f, const struct mac *mac);
size_t fdb_flush_learned(struct fdb *f);

/* Remove the entries that point at ip (any port): learned ones only unless
 * include_static. Returns how many. */
size_t fdb_del_dst(struct fdb *f, const struct ipaddr *ip, bool include_static);

size_t fdb_age(struct fdb *f, uint64_t now, uint64_t *next);
void fdb_foreach(const struct fdb *f, void (*fn)(const struct fdb_view *v, void *arg), void *arg);
size_t fdb_count(const struct fdb *f, bool is_static);
/* As table_generation(). */
uint64_t fdb_generation(const struct fdb *f);
void fdb_set_limits(struct fdb *f, size_t max_learned, uint64_t ageing_ms);

/* Cap the learned entries pointing at any one peer address (SIZE_MAX, the
 * default: only the total cap). */
void fdb_set_peer_limit(struct fdb *f, size_t max_per_peer);
/* Learned entries pointing at ip (any port). */
size_t fdb_count_dst(const struct fdb *f, const struct ipaddr *ip);
/* MAC-move damping, as table_set_damping (max_moves 0: off, the default). */
void fdb_set_damping(struct fdb *f, uint32_t max_moves, uint64_t window_ms);
/* Learned entries evicted so far to make room under a cap. */
uint64_t fdb_evicted(const struct fdb *f);

#endif
