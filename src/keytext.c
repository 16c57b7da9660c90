/* keytext: keys as base64 text, parsed and printed. It links no cipher, so
 * vxtapctl can read a key on its command line. */
#include "keytext.h"

#include <sodium.h>

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f';
}

bool keytext_parse(const char *text, size_t len, uint8_t key[static KEYTEXT_KEY_LEN])
{
	size_t bin_len = 0;
	const char *end = NULL;

	while (len > 0 && is_space(text[0])) {
		text++;
		len--;
	}
	while (len > 0 && is_space(text[len - 1]))
		len--;
	if (len == 0 ||
	    sodium_base642bin(key, KEYTEXT_KEY_LEN, text, len, NULL, &bin_len, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != text + len || bin_len != KEYTEXT_KEY_LEN) {
		sodium_memzero(key, KEYTEXT_KEY_LEN);
		return false;
	}
	return true;
}

void keytext_format(const uint8_t key[static KEYTEXT_KEY_LEN], char out[static KEYTEXT_LEN])
{
	sodium_bin2base64(out, KEYTEXT_LEN, key, KEYTEXT_KEY_LEN, sodium_base64_VARIANT_ORIGINAL);
}
