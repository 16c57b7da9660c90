/* fuzz_conf: the command line: NUL-separated words as argv; whatever they are, the parser
 * returns a status, and an error is one line. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_WORDS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char prog[] = "vxtap";
	char *copy = malloc(size + 1), *argv[MAX_WORDS + 2];
	char err[CONF_ERRLEN];
	struct conf c;
	int argc = 1;
	enum conf_status st;

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	argv[0] = prog;
	for (size_t off = 0; off <= size && argc <= MAX_WORDS; argc++) {
		argv[argc] = copy + off;
		off += strlen(copy + off) + 1;
	}
	argv[argc] = NULL;
	memset(&c, 0, sizeof(c));
	st = conf_parse(&c, argc, argv, err);
	if (st == CONF_ERROR || st == CONF_USAGE) {
		size_t n = strnlen(err, CONF_ERRLEN);

		if (n == 0 || n == CONF_ERRLEN || memchr(err, '\n', n) != NULL)
			__builtin_trap();
	}
	conf_free(&c);
	free(copy);
	return 0;
}
