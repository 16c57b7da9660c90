/* storm: per-source-MAC token buckets over a table with LRU eviction. */
#include "storm.h"

#include <stdlib.h>
#include <string.h>

/* Tokens are kept in thousandths, so that refilling rate_pps a second adds
 * exactly rate_pps thousandths each millisecond. */
#define MILLI 1000u

struct storm {
	struct table *t;
	uint64_t rate; /* thousandths of a token per ms = tokens per second */
	uint64_t cap;  /* burst, in thousandths */
};

/* A bucket, stored as the table entry's value. */
struct bucket {
	uint64_t last;	/* ms of the last refill */
	uint64_t milli; /* tokens, in thousandths */
};

_Static_assert(sizeof(struct bucket) <= TABLE_VAL_MAX, "a bucket fits a table value");

struct storm *storm_new(uint32_t rate_pps, uint32_t burst, size_t max_macs,
			const uint8_t seed[static TABLE_SEED_LEN])
{
	struct storm *s;

	if (rate_pps == 0 || burst == 0 || max_macs == 0)
		return NULL;
	if (!(s = malloc(sizeof(*s))))
		return NULL;
	/* No ageing: an idle bucket refills to full, the same as no bucket. */
	s->t = table_new(sizeof(struct mac), sizeof(struct bucket), max_macs, 0, seed);
	if (!s->t) {
		free(s);
		return NULL;
	}
	s->rate = rate_pps;
	s->cap = (uint64_t)burst * MILLI;
	return s;
}

void storm_free(struct storm *s)
{
	if (!s)
		return;
	table_free(s->t);
	free(s);
}

bool storm_allow(struct storm *s, const struct mac *src, uint32_t cost, uint64_t now)
{
	struct table_entry *e;
	struct bucket b;
	uint64_t want = (uint64_t)cost * MILLI;
	bool created, allowed;

	e = table_touch(s->t, src, now, &created);
	if (!e)
		return true; /* out of memory: the limiter must not become an outage */
	if (created) {
		b.last = now;
		b.milli = s->cap;
	} else {
		memcpy(&b, e->val, sizeof(b));
		if (now > b.last) {
			uint64_t dt = now - b.last;

			/* dt * rate cannot overflow once dt is below the time to fill. */
			if (dt >= s->cap / s->rate + 1)
				b.milli = s->cap;
			else if ((b.milli += dt * s->rate) > s->cap)
				b.milli = s->cap;
			b.last = now;
		}
	}
	if (want > s->cap)
		want = s->cap;
	allowed = b.milli >= want;
	if (allowed)
		b.milli -= want;
	memcpy(e->val, &b, sizeof(b));
	return allowed;
}

size_t storm_count(const struct storm *s)
{
	return table_count(s->t, TABLE_LEARNED);
}
