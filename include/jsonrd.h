/* jsonrd: reading JSON text with json-c the way the control plane needs it (strict, whole input).
 */
#ifndef VXTAP_JSONRD_H
#define VXTAP_JSONRD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;

#define JSONRD_ERRLEN	 128
#define JSONRD_MAX_DEPTH 32

/* Parse text[0..len) as exactly one JSON value (white space around it allowed,
 * nothing else), in json-c's strict mode. Returns the value (release it with
 * json_object_put) and sets *ok; on bad text *ok is false, err says why and
 * NULL is returned. A literal null is a valid document: NULL with *ok true. */
struct json_object *jsonrd_parse(const char *text, size_t len, bool *ok,
				 char err[static JSONRD_ERRLEN]);

/* The member called name of obj (an object), looked up as Go's encoding/json
 * does: the exact spelling first, then ignoring ASCII case. *present says
 * whether the member exists at all (its value may be JSON null: NULL). */
struct json_object *jsonrd_member(struct json_object *obj, const char *name, bool *present);

/* An int64 written either as a JSON integer or, as proto3 JSON writes int64
 * fields, as a string of decimal digits with an optional '-'. */
bool jsonrd_int64(struct json_object *v, int64_t *out);

/* A JSON integer literal (no fraction, no exponent) within [min, max], as Go
 * reads a number into an int or uint field. */
bool jsonrd_integer(struct json_object *v, int64_t min, int64_t max, int64_t *out);

/* A short description of v's JSON type for messages: "a string", "null", ... */
const char *jsonrd_type(struct json_object *v);

#endif
