/* spin: the polling windows after traffic, learned from how long the loop waited for more. */
#include "spin.h"

#include <string.h>

void spin_init(struct spin *s, uint32_t max_us)
{
	memset(s, 0, sizeof(*s));
	s->max_us = max_us > SPIN_MAX_US ? SPIN_MAX_US : max_us;
	/* Open to start with: a few long waits close what is not needed. */
	for (int k = 0; k < SPIN_KINDS; k++)
		s->win_us[k] = s->max_us;
}

/* The previous kind's window, given that the next traffic came wait µs
 * after it (inside the open window when caught). */
static void learn(struct spin *s, uint64_t wait, bool caught)
{
	uint32_t *w = &s->win_us[s->last];
	uint64_t want;

	if (caught)
		return;
	if (wait > (uint64_t)SPIN_LONG * s->max_us) {
		/* Nothing came for long: polling was wasted; narrow, and close
		 * when small. */
		*w /= 2;
		if (*w < SPIN_MIN_US)
			*w = 0;
		return;
	}
	if (wait > s->max_us)
		return; /* an answer slower than the widest window: no lesson */
	/* A wider window would have caught it without a wake-up. */
	want = wait + wait / 2;
	if (want < 2 * (uint64_t)*w)
		want = 2 * (uint64_t)*w;
	if (want < SPIN_MIN_US)
		want = SPIN_MIN_US;
	*w = want > s->max_us ? s->max_us : (uint32_t)want;
}

uint64_t spin_traffic(struct spin *s, enum spin_kind k, uint64_t now)
{
	bool caught = s->until != 0 && now <= s->until;

	if (s->max_us == 0)
		return 0;
	if (caught)
		s->caught++;
	if (s->last_at != 0)
		learn(s, now >= s->last_at ? now - s->last_at : 0, caught);
	s->last = k;
	s->last_at = now;
	s->until = 0;
	if (s->win_us[k] == 0)
		return 0;
	s->until = now + s->win_us[k];
	s->windows++;
	return s->until;
}

bool spin_poll(struct spin *s, uint64_t now)
{
	if (s->until == 0)
		return false;
	if (now < s->until)
		return true;
	s->until = 0;
	return false;
}
