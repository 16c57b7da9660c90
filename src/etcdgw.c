/* etcdgw: building etcd v3 JSON-gateway requests, parsing its answers and watch lines. */
#include "etcdgw.h"

#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonrd.h"

/* --- building --------------------------------------------------------- */

/* A growing string; any failed append makes the whole result NULL. */
struct sb {
	char *p;
	size_t len, cap;
	bool oom;
};

static bool sb_room(struct sb *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->oom)
		return false;
	if (b->len + n + 1 <= b->cap)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + n + 1) {
		if (cap > SIZE_MAX / 2) {
			b->oom = true;
			return false;
		}
		cap *= 2;
	}
	p = realloc(b->p, cap);
	if (p == NULL) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

static void sb_str(struct sb *b, const char *s)
{
	size_t n = strlen(s);

	if (!sb_room(b, n))
		return;
	memcpy(b->p + b->len, s, n + 1);
	b->len += n;
}

__attribute__((format(printf, 2, 3))) static void sb_fmt(struct sb *b, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	sb_str(b, tmp);
}

/* "NAME":"BASE64" */
static void sb_b64(struct sb *b, const char *name, const void *data, size_t n)
{
	size_t enc;

	if (n > (SIZE_MAX - 16) / 4 * 3 - 3) {
		b->oom = true;
		return;
	}
	enc = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	sb_fmt(b, "\"%s\":\"", name);
	if (!sb_room(b, enc))
		return;
	sodium_bin2base64(b->p + b->len, enc, data, n, sodium_base64_VARIANT_ORIGINAL);
	b->len += enc - 1;
	sb_str(b, "\"");
}

static char *sb_done(struct sb *b)
{
	if (b->oom) {
		free(b->p);
		return NULL;
	}
	return b->p;
}

/* "key":"..." and, for a prefix, "range_end":"..." */
static void sb_range(struct sb *b, const void *key, size_t keylen, bool prefix)
{
	unsigned char *end;
	size_t n = keylen;

	sb_b64(b, "key", key, keylen);
	if (!prefix)
		return;
	end = malloc(keylen ? keylen : 1);
	if (end == NULL) {
		b->oom = true;
		return;
	}
	memcpy(end, key, keylen);
	/* Drop trailing 0xff bytes, then increment the last; nothing left: all keys ("\0"). */
	while (n > 0 && end[n - 1] == 0xff)
		n--;
	if (n == 0) {
		end[0] = 0;
		n = 1;
	} else {
		end[n - 1]++;
	}
	sb_str(b, ",");
	sb_b64(b, "range_end", end, n);
	free(end);
}

char *etcdgw_range(const void *key, size_t keylen, bool prefix)
{
	struct sb b = {0};

	sb_str(&b, "{");
	sb_range(&b, key, keylen, prefix);
	sb_str(&b, "}");
	return sb_done(&b);
}

char *etcdgw_grant(int64_t ttl)
{
	struct sb b = {0};

	sb_fmt(&b, "{\"TTL\":\"%" PRId64 "\"}", ttl);
	return sb_done(&b);
}

char *etcdgw_keepalive(int64_t id)
{
	struct sb b = {0};

	sb_fmt(&b, "{\"ID\":\"%" PRId64 "\"}", id);
	return sb_done(&b);
}

char *etcdgw_revoke(int64_t id)
{
	return etcdgw_keepalive(id);
}

/* {"compare":[{"key":K,"target":T,"result":"EQUAL",FIELD:"REV"}],"success":[... */
static void sb_compare(struct sb *b, const void *key, size_t keylen, const char *target,
		       const char *field, int64_t rev)
{
	sb_str(b, "{\"compare\":[{");
	sb_b64(b, "key", key, keylen);
	sb_fmt(b, ",\"target\":\"%s\",\"result\":\"EQUAL\",", target);
	sb_fmt(b, "\"%s\":\"%" PRId64 "\"}],\"success\":[", field, rev);
}

static void sb_put(struct sb *b, const void *key, size_t keylen, const void *value, size_t valuelen,
		   int64_t lease)
{
	sb_str(b, "{\"request_put\":{");
	sb_b64(b, "key", key, keylen);
	sb_str(b, ",");
	sb_b64(b, "value", value, valuelen);
	if (lease != 0)
		sb_fmt(b, ",\"lease\":\"%" PRId64 "\"", lease);
	sb_str(b, "}}");
}

/* ],"failure":[read key back]} */
static void sb_failure_range(struct sb *b, const void *key, size_t keylen)
{
	sb_str(b, "],\"failure\":[{\"request_range\":{");
	sb_b64(b, "key", key, keylen);
	sb_str(b, "}}]}");
}

char *etcdgw_txn_create(const void *key, size_t keylen, const void *value, size_t valuelen,
			int64_t lease)
{
	struct sb b = {0};

	sb_compare(&b, key, keylen, "CREATE", "create_revision", 0);
	sb_put(&b, key, keylen, value, valuelen, lease);
	sb_failure_range(&b, key, keylen);
	return sb_done(&b);
}

char *etcdgw_txn_update(const void *key, size_t keylen, const void *value, size_t valuelen,
			int64_t lease, int64_t mod_revision)
{
	struct sb b = {0};

	sb_compare(&b, key, keylen, "MOD", "mod_revision", mod_revision);
	sb_put(&b, key, keylen, value, valuelen, lease);
	sb_failure_range(&b, key, keylen);
	return sb_done(&b);
}

char *etcdgw_txn_delete(const void *key, size_t keylen, int64_t mod_revision)
{
	struct sb b = {0};

	sb_compare(&b, key, keylen, "MOD", "mod_revision", mod_revision);
	sb_str(&b, "{\"request_delete_range\":{");
	sb_b64(&b, "key", key, keylen);
	sb_str(&b, "}}");
	sb_failure_range(&b, key, keylen);
	return sb_done(&b);
}

char *etcdgw_watch(const void *key, size_t keylen, bool prefix, int64_t start_revision,
		   bool prev_kv, bool progress_notify)
{
	struct sb b = {0};

	sb_str(&b, "{\"create_request\":{");
	sb_range(&b, key, keylen, prefix);
	if (start_revision > 0)
		sb_fmt(&b, ",\"start_revision\":\"%" PRId64 "\"", start_revision);
	if (prev_kv)
		sb_str(&b, ",\"prev_kv\":true");
	if (progress_notify)
		sb_str(&b, ",\"progress_notify\":true");
	sb_str(&b, "}}");
	return sb_done(&b);
}

/* --- parsing ---------------------------------------------------------- */

struct pctx {
	char *err;
	bool nomem;
};

__attribute__((format(printf, 2, 3))) static bool bad(struct pctx *p, const char *fmt, ...)
{
	va_list ap;

	if (p->err[0] != '\0')
		return false; /* keep the first, innermost reason */
	va_start(ap, fmt);
	vsnprintf(p->err, ETCDGW_ERRLEN, fmt, ap);
	va_end(ap);
	return false;
}

static struct json_object *member(struct json_object *obj, const char *name)
{
	struct json_object *v = NULL;

	return json_object_object_get_ex(obj, name, &v) ? v : NULL;
}

/* An optional int64 member (absent or null: 0). */
static bool opt_int64(struct pctx *p, struct json_object *obj, const char *where, const char *name,
		      int64_t *out)
{
	struct json_object *v = member(obj, name);

	*out = 0;
	if (v == NULL)
		return true;
	if (!jsonrd_int64(v, out))
		return bad(p, "%s%s%s is not an int64", where, *where ? "." : "", name);
	return true;
}

static bool opt_bool(struct pctx *p, struct json_object *obj, const char *where, const char *name,
		     bool *out)
{
	struct json_object *v = member(obj, name);

	*out = false;
	if (v == NULL)
		return true;
	if (!json_object_is_type(v, json_type_boolean))
		return bad(p, "%s%s%s is not a boolean", where, *where ? "." : "", name);
	*out = json_object_get_boolean(v);
	return true;
}

/* A base64 member into a malloc'd NUL-terminated buffer; absent: "". */
static bool opt_bytes(struct pctx *p, struct json_object *obj, const char *where, const char *name,
		      bool required, char **out, size_t *outlen)
{
	struct json_object *v = member(obj, name);
	const char *s;
	size_t n, got;
	const char *end;

	*out = NULL;
	*outlen = 0;
	if (v == NULL && required)
		return bad(p, "%s.%s is missing", where, name);
	if (v != NULL && !json_object_is_type(v, json_type_string))
		return bad(p, "%s.%s is not a base64 string", where, name);
	s = v ? json_object_get_string(v) : "";
	n = v ? (size_t)json_object_get_string_len(v) : 0;
	*out = malloc(n / 4 * 3 + 3);
	if (*out == NULL) {
		p->nomem = true;
		return false;
	}
	if (n > 0 && (sodium_base642bin((unsigned char *)*out, n / 4 * 3 + 2, s, n, NULL, &got,
					&end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
		      end != s + n))
		return bad(p, "%s.%s is not base64", where, name);
	if (n == 0)
		got = 0;
	(*out)[got] = '\0';
	*outlen = got;
	return true;
}

static void kv_free(struct etcdgw_kv *kv)
{
	free(kv->key);
	free(kv->value);
	memset(kv, 0, sizeof(*kv));
}

static bool parse_kv(struct pctx *p, struct json_object *o, const char *where, struct etcdgw_kv *kv)
{
	memset(kv, 0, sizeof(*kv));
	if (!json_object_is_type(o, json_type_object))
		return bad(p, "%s is not an object", where);
	return opt_bytes(p, o, where, "key", true, &kv->key, &kv->keylen) &&
	       opt_bytes(p, o, where, "value", false, &kv->value, &kv->valuelen) &&
	       opt_int64(p, o, where, "create_revision", &kv->create_revision) &&
	       opt_int64(p, o, where, "mod_revision", &kv->mod_revision) &&
	       opt_int64(p, o, where, "version", &kv->version) &&
	       opt_int64(p, o, where, "lease", &kv->lease);
}

/* "kvs":[...] of obj into out (appending). */
static bool parse_kvs(struct pctx *p, struct json_object *obj, struct etcdgw_resp *out)
{
	struct json_object *a = member(obj, "kvs");
	size_t n;

	if (a == NULL)
		return true;
	if (!json_object_is_type(a, json_type_array))
		return bad(p, "kvs is not an array");
	n = json_object_array_length(a);
	if (n == 0)
		return true;
	out->kvs = calloc(n, sizeof(*out->kvs));
	if (out->kvs == NULL) {
		p->nomem = true;
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		char where[32];

		snprintf(where, sizeof(where), "kvs[%zu]", i);
		if (!parse_kv(p, json_object_array_get_idx(a, i), where, &out->kvs[i])) {
			kv_free(&out->kvs[i]);
			return false;
		}
		out->nkvs++;
	}
	return true;
}

/* header.revision, required for every unary answer and taken when present. */
static bool parse_header(struct pctx *p, struct json_object *obj, bool required, int64_t *rev)
{
	struct json_object *h = member(obj, "header");

	*rev = 0;
	if (h == NULL)
		return required ? bad(p, "no header") : true;
	if (!json_object_is_type(h, json_type_object))
		return bad(p, "header is not an object");
	if (member(h, "revision") == NULL && required)
		return bad(p, "no header.revision");
	return opt_int64(p, h, "header", "revision", rev);
}

/*
 * etcd's error answer: {"error":"TEXT","message":"TEXT","code":N}; in a
 * stream {"error":{"grpc_code":N,"message":"TEXT",...}}. True (with the
 * status set) when obj is one.
 */
static bool parse_error(struct pctx *p, struct json_object *obj, int *code, enum etcdgw_status *st)
{
	struct json_object *e = member(obj, "error"), *src = obj, *m, *c;
	int64_t n = 0;

	if (e == NULL)
		return false;
	if (json_object_is_type(e, json_type_object))
		src = e;
	m = member(src, "message");
	if (m == NULL && json_object_is_type(e, json_type_string))
		m = e;
	c = member(src, src == e ? "grpc_code" : "code");
	if (c == NULL)
		c = member(src, "code");
	if (c != NULL && (!jsonrd_int64(c, &n) || n < 0 || n > 1000))
		n = -1;
	*code = (int)n;
	snprintf(p->err, ETCDGW_ERRLEN, "%.200s (code %d)",
		 json_object_is_type(m, json_type_string) ? json_object_get_string(m)
							  : "error without a message",
		 *code);
	*st = ETCDGW_ERROR;
	return true;
}

/* The failure (or success) branch's range in a txn answer. */
static bool parse_txn(struct pctx *p, struct json_object *root, struct etcdgw_resp *out)
{
	struct json_object *a = member(root, "responses");

	if (!opt_bool(p, root, "", "succeeded", &out->succeeded))
		return false;
	if (a == NULL)
		return true;
	if (!json_object_is_type(a, json_type_array))
		return bad(p, "responses is not an array");
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *r = json_object_array_get_idx(a, i);
		struct json_object *rr = member(r, "response_range");

		if (!json_object_is_type(r, json_type_object))
			return bad(p, "responses[%zu] is not an object", i);
		if (rr != NULL && out->kvs == NULL && !parse_kvs(p, rr, out))
			return false;
	}
	return true;
}

static bool parse_kind(struct pctx *p, enum etcdgw_kind kind, struct json_object *root,
		       struct etcdgw_resp *out)
{
	switch (kind) {
	case ETCDGW_RANGE:
		return parse_header(p, root, true, &out->revision) && parse_kvs(p, root, out) &&
		       opt_bool(p, root, "", "more", &out->more) &&
		       opt_int64(p, root, "", "count", &out->count);
	case ETCDGW_TXN:
		return parse_header(p, root, true, &out->revision) && parse_txn(p, root, out);
	case ETCDGW_GRANT:
		if (member(root, "ID") == NULL)
			return bad(p, "no ID");
		return parse_header(p, root, true, &out->revision) &&
		       opt_int64(p, root, "", "ID", &out->id) &&
		       opt_int64(p, root, "", "TTL", &out->ttl);
	case ETCDGW_KEEPALIVE:
		if (member(root, "ID") == NULL)
			return bad(p, "no result.ID");
		return parse_header(p, root, false, &out->revision) &&
		       opt_int64(p, root, "result", "ID", &out->id) &&
		       opt_int64(p, root, "result", "TTL", &out->ttl);
	case ETCDGW_REVOKE:
		return parse_header(p, root, true, &out->revision);
	}
	return bad(p, "unknown answer kind");
}

/* A stream's one-line answer ends with '\n'; keep only that first line. */
static size_t first_line(const char *body, size_t len)
{
	const char *nl = memchr(body, '\n', len);

	return nl ? (size_t)(nl - body) : len;
}

/* Reads the answer's object (already known to be one) into out. */
typedef bool read_fn(struct pctx *p, struct json_object *obj, enum etcdgw_kind kind, void *out);

/* One answer: etcd's error object, or the object read() understands (wrapped:
 * the "result" inside it, as streams send). *code gets the error's code. */
static enum etcdgw_status answer(const char *text, size_t len, bool wrapped, read_fn *read,
				 enum etcdgw_kind kind, void *out, int *code, char *err)
{
	struct pctx p = {err, false};
	char jerr[JSONRD_ERRLEN];
	enum etcdgw_status st = ETCDGW_BAD;
	struct json_object *root, *obj;
	bool ok;

	err[0] = '\0';
	*code = 0;
	root = jsonrd_parse(text, len, &ok, jerr);
	if (!ok) {
		snprintf(err, ETCDGW_ERRLEN, "not JSON (%s)", jerr);
		return ETCDGW_BAD;
	}
	if (!json_object_is_type(root, json_type_object)) {
		bad(&p, "not a JSON object");
	} else if (!parse_error(&p, root, code, &st)) {
		obj = wrapped ? member(root, "result") : root;
		if (!json_object_is_type(obj, json_type_object)) {
			bad(&p, "no result object");
		} else if (read(&p, obj, kind, out)) {
			st = ETCDGW_OK;
			err[0] = '\0';
		} else {
			st = p.nomem ? ETCDGW_NOMEM : ETCDGW_BAD;
		}
	}
	json_object_put(root);
	return st;
}

static bool read_resp(struct pctx *p, struct json_object *obj, enum etcdgw_kind kind, void *out)
{
	return parse_kind(p, kind, obj, out);
}

enum etcdgw_status etcdgw_parse(enum etcdgw_kind kind, const char *body, size_t len,
				struct etcdgw_resp *out, char err[static ETCDGW_ERRLEN])
{
	enum etcdgw_status st;
	int code;

	memset(out, 0, sizeof(*out));
	if (kind == ETCDGW_KEEPALIVE)
		len = first_line(body, len);
	st = answer(body, len, kind == ETCDGW_KEEPALIVE, read_resp, kind, out, &code, err);
	if (st != ETCDGW_OK)
		etcdgw_resp_free(out);
	out->code = code;
	return st;
}

void etcdgw_resp_free(struct etcdgw_resp *r)
{
	for (size_t i = 0; i < r->nkvs; i++)
		kv_free(&r->kvs[i]);
	free(r->kvs);
	memset(r, 0, sizeof(*r));
}

static void event_free(struct etcdgw_event *e)
{
	kv_free(&e->kv);
	kv_free(&e->prev);
}

static bool parse_event(struct pctx *p, struct json_object *o, size_t i, struct etcdgw_event *e)
{
	struct json_object *t = member(o, "type"), *prev = member(o, "prev_kv");
	char where[40];

	if (!json_object_is_type(o, json_type_object))
		return bad(p, "events[%zu] is not an object", i);
	if (t != NULL) {
		if (!json_object_is_type(t, json_type_string))
			return bad(p, "events[%zu].type is not a string", i);
		if (strcmp(json_object_get_string(t), "DELETE") == 0)
			e->is_delete = true;
		else if (strcmp(json_object_get_string(t), "PUT") != 0)
			return bad(p, "events[%zu].type is neither PUT nor DELETE", i);
	}
	snprintf(where, sizeof(where), "events[%zu].kv", i);
	if (!parse_kv(p, member(o, "kv"), where, &e->kv))
		return false;
	if (prev != NULL) {
		snprintf(where, sizeof(where), "events[%zu].prev_kv", i);
		if (!parse_kv(p, prev, where, &e->prev))
			return false;
		e->has_prev = true;
	}
	return true;
}

static bool parse_watch_result(struct pctx *p, struct json_object *r, struct etcdgw_watch *out)
{
	struct json_object *a;
	size_t n;

	if (!parse_header(p, r, false, &out->revision) ||
	    !opt_int64(p, r, "", "watch_id", &out->watch_id) ||
	    !opt_bool(p, r, "", "created", &out->created) ||
	    !opt_bool(p, r, "", "canceled", &out->canceled) ||
	    !opt_int64(p, r, "", "compact_revision", &out->compact_revision))
		return false;
	a = member(r, "events");
	if (a == NULL)
		return true;
	if (!json_object_is_type(a, json_type_array))
		return bad(p, "events is not an array");
	n = json_object_array_length(a);
	if (n == 0)
		return true;
	out->events = calloc(n, sizeof(*out->events));
	if (out->events == NULL) {
		p->nomem = true;
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (!parse_event(p, json_object_array_get_idx(a, i), i, &out->events[i])) {
			event_free(&out->events[i]);
			return false;
		}
		out->nevents++;
	}
	return true;
}

static bool read_watch(struct pctx *p, struct json_object *obj, enum etcdgw_kind kind, void *out)
{
	(void)kind;
	return parse_watch_result(p, obj, out);
}

enum etcdgw_status etcdgw_parse_watch(const char *line, size_t len, struct etcdgw_watch *out,
				      char err[static ETCDGW_ERRLEN])
{
	enum etcdgw_status st;
	int code;

	memset(out, 0, sizeof(*out));
	st = answer(line, len, true, read_watch, ETCDGW_RANGE, out, &code, err);
	if (st != ETCDGW_OK)
		etcdgw_watch_free(out);
	out->code = code;
	return st;
}

void etcdgw_watch_free(struct etcdgw_watch *w)
{
	for (size_t i = 0; i < w->nevents; i++)
		event_free(&w->events[i]);
	free(w->events);
	memset(w, 0, sizeof(*w));
}

/* --- lines ------------------------------------------------------------ */

void etcdgw_lines_init(struct etcdgw_lines *l, size_t max)
{
	memset(l, 0, sizeof(*l));
	l->max = max;
}

static void emit(struct etcdgw_lines *l, const char *s, size_t n, etcdgw_line_fn *fn, void *arg)
{
	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (n == 0)
		return;
	l->lines++;
	fn(arg, s, n);
}

/* Keep n more bytes of an unfinished line. */
static int hold(struct etcdgw_lines *l, const char *data, size_t n)
{
	size_t cap;
	char *p;

	if (l->len + n > l->max) {
		l->skipping = true;
		l->len = 0;
		return 0;
	}
	if (l->len + n > l->cap) {
		cap = l->cap ? l->cap : 4096;
		while (cap < l->len + n)
			cap *= 2;
		p = realloc(l->buf, cap);
		if (p == NULL) {
			l->skipping = true;
			l->len = 0;
			return -ENOMEM;
		}
		l->buf = p;
		l->cap = cap;
	}
	memcpy(l->buf + l->len, data, n);
	l->len += n;
	return 0;
}

int etcdgw_lines_feed(struct etcdgw_lines *l, const char *data, size_t n, etcdgw_line_fn *fn,
		      void *arg)
{
	int rc = 0;

	while (n > 0) {
		const char *nl = memchr(data, '\n', n);
		size_t part = nl ? (size_t)(nl - data) : n;

		if (nl == NULL) {
			if (!l->skipping)
				rc = hold(l, data, part);
			break;
		}
		if (l->skipping) {
			/* The end of a line that was too long: drop it, count it once. */
			l->skipping = false;
			l->toolong++;
		} else if (l->len == 0) {
			if (part <= l->max)
				emit(l, data, part, fn, arg);
			else
				l->toolong++;
		} else if (l->len + part <= l->max) {
			rc = hold(l, data, part);
			if (rc == 0 && !l->skipping)
				emit(l, l->buf, l->len, fn, arg);
			if (l->skipping) {
				l->skipping = false;
				l->toolong++;
			}
		} else {
			l->toolong++;
		}
		l->len = 0;
		data += part + 1;
		n -= part + 1;
	}
	return rc;
}

size_t etcdgw_lines_pending(const struct etcdgw_lines *l)
{
	return l->len;
}

void etcdgw_lines_free(struct etcdgw_lines *l)
{
	free(l->buf);
	memset(l, 0, sizeof(*l));
}
