/* ratelimit: windows of log lines, per kind and per address and reason. */
#include "ratelimit.h"

#include <string.h>

bool ratelimit_ok(struct ratelimit *rl, uint64_t now, uint32_t *suppressed_out)
{
	if (now - rl->window_start >= rl->interval_ms || rl->window_start == 0) {
		rl->window_start = now;
		rl->in_window = 0;
	}
	if (rl->in_window >= rl->burst) {
		rl->suppressed++;
		return false;
	}
	rl->in_window++;
	*suppressed_out = rl->suppressed;
	rl->suppressed = 0;
	return true;
}

void notes_init(struct notes *ns, uint64_t interval_ms)
{
	memset(ns, 0, sizeof(*ns));
	ns->interval_ms = interval_ms;
}

bool notes_ok(struct notes *ns, const struct ipaddr *src, const char *what, uint64_t now,
	      bool every, uint32_t *held)
{
	uint32_t h = (uint32_t)(uintptr_t)what * 2654435761u;
	struct note_slot *n;
	bool same;

	for (size_t i = 0; i < sizeof(src->a); i++)
		h = (h ^ src->a[i]) * 16777619u;
	n = &ns->slot[h % NOTES_SLOTS];
	same = n->last != 0 && n->what == what && ipaddr_equal(&n->src, src);
	if (same && !every && now - n->last < ns->interval_ms) {
		n->held++;
		return false;
	}
	*held = same ? n->held : 0;
	*n = (struct note_slot){.src = *src, .what = what, .last = now == 0 ? 1 : now};
	return true;
}
