/* fuzz_ctl: what a local client reaches: request lines parsed and carried out on a forwarding
 * context, every answer well formed. Input: lines of requests; byte 0 steps the clock, and
 * its low bit puts the daemon in secure mode (keys of peers needed, some refused). */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ctlexec.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An answer is body lines, then exactly one status line at the end. */
static void check_answer(const struct ctlproto_buf *out, size_t mark)
{
	const char *s, *end, *last;

	if (out->len == mark)
		return;
	s = out->data + mark;
	end = out->data + out->len;
	last = s;
	if (end[-1] != '\n')
		__builtin_trap();
	for (const char *p = s; p < end; p = (const char *)memchr(p, '\n', (size_t)(end - p)) + 1)
		last = p;
	if (strncmp(last, "ok\n", 3) != 0 && strncmp(last, "error: ", 7) != 0)
		__builtin_trap();
}

/* Secure mode's method: a key starting with a zero byte plays this node's own. */
static int fuzz_peer_key(const struct ipaddr *ip, const uint8_t key[static 32], void *arg)
{
	(void)ip;
	(void)arg;
	return key[0] == 0 ? -EINVAL : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint64_t now = 1;
	struct dp *dp = fuzz_setup();
	struct ctlexec_env env = {.dp = dp, .dev = "fuzz0"};
	struct ctlproto_buf out = {0};
	size_t off = 1;

	if (size < 1)
		return 0;
	now += data[0];
	env.net.local = fuzz_peers[2].ip; /* the stranger's address plays the local one */
	env.net.local.a[3] = 41;
	env.net.port = 8472;
	env.net.secure = (data[0] & 1) != 0;
	dp->hooks.peer_key = env.net.secure ? fuzz_peer_key : NULL;
	while (off < size) {
		const uint8_t *nl = memchr(data + off, '\n', size - off);
		size_t len = nl != NULL ? (size_t)(nl - (data + off)) : size - off;
		size_t mark = out.len;

		if (len >= CTLPROTO_LINE_MAX)
			len = CTLPROTO_LINE_MAX - 1;
		ctlexec_handle(&env, (const char *)data + off, len, now, &out);
		if (!out.failed)
			check_answer(&out, mark);
		out.len = 0;
		off += len + 1;
	}
	ctlproto_buf_free(&out);
	return 0;
}
