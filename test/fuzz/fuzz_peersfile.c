/* fuzz_peersfile: a peers file of any bytes parsed, and when it parses, applied over the last
 * one that did: the parser never reads past the text, the tables keep their caps. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "peersfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct peersfile applied;
	static bool have;
	struct dp *dp = fuzz_setup();
	struct ctlproto_net net = {.port = 8472};
	struct peersfile pf;
	struct peersfile_error err;
	struct peersfile_diff d;
	char *text = malloc(size + 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	net.local = fuzz_peers[2].ip;
	net.local.a[3] = 41;
	if (peersfile_parse(&net, text, size, &pf, &err)) {
		peersfile_apply(dp, have ? &applied : NULL, &pf, &d);
		peersfile_free(&applied);
		applied = pf;
		have = true;
		if (peers_count(dp->peers) > dp->lim.peers)
			__builtin_trap();
	} else {
		if (err.msg[0] == '\0' || memchr(err.msg, '\n', sizeof(err.msg)) != NULL)
			__builtin_trap();
		peersfile_free(&pf);
	}
	free(text);
	return 0;
}
