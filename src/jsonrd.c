/* jsonrd: strict whole-document JSON parsing and Go-style member lookup over json-c. */
#include "jsonrd.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct json_object *jsonrd_parse(const char *text, size_t len, bool *ok,
				 char err[static JSONRD_ERRLEN])
{
	struct json_tokener *tok;
	struct json_object *v = NULL;
	enum json_tokener_error e;
	size_t used;

	*ok = false;
	err[0] = '\0';
	if (len > (size_t)INT32_MAX) {
		snprintf(err, JSONRD_ERRLEN, "document too large");
		return NULL;
	}
	/* An empty document is not JSON (json-c would just wait for more). */
	for (used = 0; used < len; used++)
		if (!strchr(" \t\r\n", text[used]))
			break;
	if (used == len) {
		snprintf(err, JSONRD_ERRLEN, "empty document");
		return NULL;
	}
	tok = json_tokener_new_ex(JSONRD_MAX_DEPTH);
	if (tok == NULL) {
		snprintf(err, JSONRD_ERRLEN, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	v = json_tokener_parse_ex(tok, text, (int)len);
	e = json_tokener_get_error(tok);
	used = json_tokener_get_parse_end(tok);
	if (e == json_tokener_continue) {
		/* A bare number is only known to end at the end of the input. */
		v = json_tokener_parse_ex(tok, "", 1);
		e = json_tokener_get_error(tok);
		used = len;
	}
	if (e != json_tokener_success) {
		snprintf(err, JSONRD_ERRLEN, "%s at byte %zu", json_tokener_error_desc(e), used);
		json_object_put(v);
		v = NULL;
		goto out;
	}
	for (; used < len; used++) {
		if (!strchr(" \t\r\n", text[used])) {
			snprintf(err, JSONRD_ERRLEN, "unexpected data after the value at byte %zu",
				 used);
			json_object_put(v);
			v = NULL;
			goto out;
		}
	}
	*ok = true;
out:
	json_tokener_free(tok);
	return v;
}

struct json_object *jsonrd_member(struct json_object *obj, const char *name, bool *present)
{
	struct json_object *v = NULL;

	*present = false;
	if (!json_object_is_type(obj, json_type_object))
		return NULL;
	if (json_object_object_get_ex(obj, name, &v)) {
		*present = true;
		return v;
	}
	/* Go's decoder prefers an exact match, then takes the last of the
	 * members whose names fold to the same ASCII text. */
	json_object_object_foreach(obj, key, val)
	{
		if (strcasecmp(key, name) == 0) {
			*present = true;
			v = val;
		}
	}
	return v;
}

static bool parse_decimal(const char *s, int64_t *out)
{
	const char *d = s[0] == '-' ? s + 1 : s;
	long long v;
	char *end;

	if (*d < '0' || *d > '9')
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	*out = v;
	return true;
}

bool jsonrd_int64(struct json_object *v, int64_t *out)
{
	switch (json_object_get_type(v)) {
	case json_type_int:
		/* json-c keeps positive values past int64 as uint64. */
		if (json_object_get_uint64(v) > (uint64_t)INT64_MAX)
			return false;
		*out = json_object_get_int64(v);
		return true;
	case json_type_string:
		return parse_decimal(json_object_get_string(v), out);
	default:
		return false;
	}
}

bool jsonrd_integer(struct json_object *v, int64_t min, int64_t max, int64_t *out)
{
	int64_t n;

	if (!json_object_is_type(v, json_type_int) || !jsonrd_int64(v, &n))
		return false;
	if (n < min || n > max)
		return false;
	*out = n;
	return true;
}

const char *jsonrd_type(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "a boolean";
	case json_type_double:
		return "a number with a fraction or exponent";
	case json_type_int:
		return "a number";
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	case json_type_string:
		return "a string";
	}
	return "something else";
}
