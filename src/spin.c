/* spin: the polling window after traffic, and its counts. */
#include "spin.h"

#include <string.h>

void spin_init(struct spin *s, uint32_t win_us)
{
	memset(s, 0, sizeof(*s));
	s->win_us = win_us > SPIN_MAX_US ? SPIN_MAX_US : win_us;
}

uint64_t spin_traffic(struct spin *s, uint64_t now)
{
	if (s->win_us == 0)
		return 0;
	if (s->until != 0 && now <= s->until)
		s->caught++;
	else
		s->windows++; /* a caught one extends the window it came in */
	s->until = now + s->win_us;
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
