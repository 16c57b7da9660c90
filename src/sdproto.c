/* sdproto: sd_notify messages and the $NOTIFY_SOCKET address, as plain data. */
#include "sdproto.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

int sdproto_addr(const char *env, struct sockaddr_un *sa, size_t *len)
{
	size_t n;

	if (env == NULL || (env[0] != '/' && env[0] != '@'))
		return -EINVAL;
	n = strlen(env);
	if (n < 2 && env[0] == '@')
		return -EINVAL;
	/* A path needs its NUL inside sun_path; an abstract name does not. */
	if (n > sizeof(sa->sun_path) - (env[0] == '/' ? 1 : 0))
		return -ENAMETOOLONG;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, env, n);
	if (env[0] == '@') {
		sa->sun_path[0] = '\0';
		*len = offsetof(struct sockaddr_un, sun_path) + n;
	} else {
		*len = offsetof(struct sockaddr_un, sun_path) + n + 1;
	}
	return 0;
}

/* Append s to out[*o..size), control bytes replaced, cut at the end. */
static void put_clean(char *out, size_t size, size_t *o, const char *s)
{
	for (; *s != '\0' && *o + 1 < size; s++) {
		unsigned char ch = (unsigned char)*s;

		out[(*o)++] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
	}
	out[*o] = '\0';
}

size_t sdproto_status_text(const struct sdproto_status *st, char out[static SDPROTO_STATUS_MAX])
{
	int k = snprintf(out, SDPROTO_STATUS_MAX, "%zu peer%s%s", st->peers,
			 st->peers == 1 ? "" : "s", st->secure ? "; secure" : "");
	size_t o = (size_t)k;

	if (st->lease != NULL) {
		put_clean(out, SDPROTO_STATUS_MAX, &o, "; lease ");
		put_clean(out, SDPROTO_STATUS_MAX, &o, st->lease);
	}
	return o;
}

size_t sdproto_msg(enum sdproto_event ev, const struct sdproto_status *st, uint64_t mono_usec,
		   char out[static SDPROTO_MSG_MAX])
{
	char text[SDPROTO_STATUS_MAX];
	int k = 0;

	switch (ev) {
	case SDPROTO_READY:
		sdproto_status_text(st, text);
		k = snprintf(out, SDPROTO_MSG_MAX, "READY=1\nSTATUS=%s", text);
		break;
	case SDPROTO_STATUS:
		sdproto_status_text(st, text);
		k = snprintf(out, SDPROTO_MSG_MAX, "STATUS=%s", text);
		break;
	case SDPROTO_RELOADING:
		/* MONOTONIC_USEC lets the manager tell this reload from an
		 * older one (required by Type=notify-reload). */
		k = snprintf(out, SDPROTO_MSG_MAX,
			     "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading",
			     (unsigned long long)mono_usec);
		break;
	case SDPROTO_STOPPING:
		k = snprintf(out, SDPROTO_MSG_MAX, "STOPPING=1\nSTATUS=stopping");
		break;
	}
	return k < 0 ? 0 : (size_t)k;
}
