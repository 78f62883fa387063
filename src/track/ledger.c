/*
 * ledger.c - the ledger of sosr-track (docs/FORMATS.md section 3b): the
 * previous one read an entry at a time, every entry checked and its order
 * too; the new one written line by line into PATH.tmp, which becomes PATH
 * only when the whole run went through.
 */
#include "track.h"

#include "config.h"
#include "err.h"
#include "exitcodes.h"
#include "jsondoc.h"
#include "jsonw.h"
#include "timeutil.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#define HINT "check the history directory (the ledger.ndjson of the last complete run)"
#define MAX_RUNS 1000000000LL

const char *const side_names[SIDE_N] = { "", "softlayer", "sos" };

/* ---- small writers shared by the stage ---- */

void badd(struct buf *b, const void *p, size_t n)
{
	if (buf_add(b, p, n) < 0)
		sosr_die(SOSR_EXIT_INTERNAL, "a line longer than %zu bytes; this is a bug or a "
			 "runaway input", b->cap);
}

void badds(struct buf *b, const char *s)
{
	badd(b, s, strlen(s));
}

void bjstr(struct buf *b, const char *s, size_t len)
{
	if (jsonw_str(b, s, len) < 0)
		sosr_die(SOSR_EXIT_INTERNAL, "a line longer than %zu bytes; this is a bug or a "
			 "runaway input", b->cap);
}

void value_text(struct buf *b, struct json_object *v)
{
	if (!v || json_object_is_type(v, json_type_null)) {
		badds(b, "null");
	} else if (json_object_is_type(v, json_type_string)) {
		bjstr(b, json_object_get_string(v), (size_t)json_object_get_string_len(v));
	} else if (json_object_is_type(v, json_type_int)) {
		char num[32];
		snprintf(num, sizeof num, "%" PRId64, json_object_get_int64(v));
		badds(b, num);
	} else {
		badds(b, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE));
	}
}

void time_text(struct buf *b, int64_t t)
{
	char s[TU_UTC_LEN + 1];
	tu_format_utc(t, s);
	badds(b, "\"");
	badds(b, s);
	badds(b, "\"");
}

/* ---- identities ---- */

int ident_cmp(const struct ident *a, const struct ident *b)
{
	size_t n = a->key.len < b->key.len ? a->key.len : b->key.len;
	int c = n ? memcmp(a->key.data, b->key.data, n) : 0;
	if (c)
		return c;
	if (a->key.len != b->key.len)
		return a->key.len < b->key.len ? -1 : 1;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	return a->side < b->side ? -1 : a->side > b->side;
}

void ident_set_key(struct ident *id, const char *key, size_t len)
{
	buf_reset(&id->key);
	if (jsonw_str(&id->key, key, len) < 0)
		sosr_die(SOSR_EXIT_DATA, "a key longer than %zu bytes; check the input", id->key.cap);
	/* drop the quotes: "ab" must sort before "ab!", as the bare keys do */
	memmove(id->key.data, id->key.data + 1, id->key.len - 2);
	id->key.len -= 2;
	id->key.data[id->key.len] = '\0';
}

int side_from_name(const char *s)
{
	if (!s)
		return SIDE_NONE;
	for (int i = SIDE_SOFTLAYER; i < SIDE_N; i++)
		if (strcmp(s, side_names[i]) == 0)
			return i;
	return -1;
}

/* ---- reading ---- */

static void ldie(const struct ledger_in *L, const char *fmt, ...) SOSR_PRINTF(2, 3) SOSR_NORETURN;

static void ldie(const struct ledger_in *L, const char *fmt, ...)
{
	char msg[700];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	sosr_die(SOSR_EXIT_DATA, "%s:%lu: %s; " HINT, L->path, L->r.lineno, msg);
}

static int64_t need_time(const struct ledger_in *L, struct json_object *o, const char *name)
{
	const char *s = jget_str(o, name);
	int64_t t;
	if (!s || tu_parse_rfc3339(s, strlen(s), &t) < 0)
		ldie(L, "\"%s\" is not an RFC 3339 time", name);
	return t;
}

int pops_parse(struct json_object *records, struct pops *p)
{
	static const char *const src[2] = { "softlayer", "sos" };
	for (int s = 0; s < 2; s++) {
		struct json_object *o = jget_obj(records, src[s]);
		for (int k = 0; k < KIND_N; k++)
			if ((p->n[s][k] = o ? jget_count(o, kind_names[k]) : -1) < 0)
				return -1;
	}
	return 0;
}

void ledger_open(struct ledger_in *L, const char *path)
{
	L->path = path;
	L->opened = 1;
	buf_init(&L->cur.id.key, LEDGER_MAX_LINE);
	buf_init(&L->prev.id.key, LEDGER_MAX_LINE);
	if (ndjson_open(&L->r, path, LEDGER_MAX_LINE) < 0)
		sosr_die(L->r.err_code, "ledger '%s': %s; " HINT, path, L->r.err);
	char *line;
	size_t len;
	int rc = ndjson_next(&L->r, &line, &len);
	if (rc < 0)
		ldie(L, "%s", L->r.err);
	if (rc == 0)
		sosr_die(SOSR_EXIT_DATA, "ledger '%s' is empty: it has no header line; " HINT, path);
	struct json_object *o = ndjson_parse(&L->r, line, len);
	if (!o)
		ldie(L, "%s", L->r.err);
	const char *type = jget_str(o, "type");
	if (!type || strcmp(type, "ledger") != 0) {
		json_object_put(o);
		ldie(L, "no ledger header: the first line of a ledger is {\"type\":\"ledger\",...}; "
		     "this is not a ledger written by sosr-track");
	}
	long long format = jget_count(o, "format");
	if (format != 1) {
		json_object_put(o);
		ldie(L, "a ledger of format %lld, this sosr-track reads format 1", format);
	}
	L->run = need_time(L, o, "run");
	struct json_object *cc = jget(o, "c_code");
	if (cc && json_object_is_type(cc, json_type_string) &&
	    config_valid_c_code(json_object_get_string(cc)))
		snprintf(L->c_code, sizeof L->c_code, "%s", json_object_get_string(cc));
	else if (cc && !json_object_is_type(cc, json_type_null)) {
		json_object_put(o);
		ldie(L, "the header's \"c_code\" is not a C_Code nor null");
	}
	L->keep_days = jget_count(o, "keep_days");
	struct json_object *rec = jget_obj(o, "records");
	if (L->keep_days < 1 || !rec || pops_parse(rec, &L->pop) < 0) {
		json_object_put(o);
		ldie(L, "the header lacks \"keep_days\" or the \"records\" counts "
		     "(records.softlayer.device, ...)");
	}
	json_object_put(o);
	ledger_next(L);
}

/* Check the entry just parsed into L->cur (its obj set). */
static void check_entry(struct ledger_in *L)
{
	struct lentry *e = &L->cur;
	struct json_object *o = e->obj;
	const char *type = jget_str(o, "type"), *key = jget_str(o, "key");
	const char *kind = jget_str(o, "kind"), *state = jget_str(o, "state");
	struct json_object *side = jget(o, "side");
	if (type && strcmp(type, "ledger") == 0)
		ldie(L, "a second ledger header");
	if (!type || !key || !kind || !state)
		ldie(L, "an entry without \"key\", \"type\", \"kind\" or \"state\"");
	e->id.type = finding_type_from_name(type, strlen(type));
	if (e->id.type < 0 || e->id.type >= FT_NFINDINGS)
		ldie(L, "'%.64s' is not a finding type", type);
	if (side && !json_object_is_type(side, json_type_string))
		ldie(L, "\"side\" is not a string");
	e->id.side = side_from_name(side ? json_object_get_string(side) : NULL);
	int sided = e->id.type == FT_DUPLICATE || e->id.type == FT_UNIDENTIFIED;
	if (e->id.side < 0 || (sided && e->id.side == SIDE_NONE) || (!sided && e->id.side != SIDE_NONE))
		ldie(L, "a %s entry %s", type, sided ? "needs \"side\": \"softlayer\" or \"sos\""
						     : "has no \"side\"");
	e->kind = kind_from_name(kind, strlen(kind));
	if (e->kind < 0)
		ldie(L, "'%.64s' is not a kind", kind);
	ident_set_key(&e->id, key, (size_t)json_object_get_string_len(jget(o, "key")));
	if (strcmp(state, "open") == 0)
		e->state = L_OPEN;
	else if (strcmp(state, "resolved") == 0)
		e->state = L_RESOLVED;
	else
		ldie(L, "\"state\" '%.32s' is not open or resolved", state);
	e->first_seen = need_time(L, o, "first_seen");
	e->last_seen = need_time(L, o, "last_seen");
	if (e->first_seen > e->last_seen || e->last_seen > L->run)
		ldie(L, "first_seen, last_seen and the header's run are not in order");
	e->resolved = 0;
	if (e->state == L_RESOLVED) {
		e->resolved = need_time(L, o, "resolved");
		if (e->resolved < e->last_seen || e->resolved > L->run)
			ldie(L, "\"resolved\" is not between last_seen and the header's run");
	}
	e->runs = jget_count(o, "runs");
	if (e->runs < 1 || e->runs > MAX_RUNS)
		ldie(L, "\"runs\" is not a whole number in 1..%lld", MAX_RUNS);
	e->values = jget(o, "values");
	if (e->values) {
		if (!json_object_is_type(e->values, json_type_object) ||
		    json_object_object_length(e->values) > LEDGER_MAX_FIELDS)
			ldie(L, "\"values\" is not an object of at most %d fields", LEDGER_MAX_FIELDS);
		json_object_object_foreach(e->values, f, v) {
			if (!json_object_is_type(v, json_type_object) ||
			    !json_object_object_get_ex(v, "softlayer", NULL) ||
			    !json_object_object_get_ex(v, "sos", NULL))
				ldie(L, "values.%.64s is not {\"softlayer\":...,\"sos\":...}", f);
		}
	}
	if (L->have_prev && ident_cmp(&L->prev.id, &e->id) >= 0)
		ldie(L, "the ledger is not in finding order: '%.200s' (%s) %s '%.200s' (%s)",
		     e->id.key.data, type,
		     ident_cmp(&L->prev.id, &e->id) ? "comes after" : "is listed twice, after",
		     L->prev.id.key.data, finding_type_names[L->prev.id.type]);
}

int ledger_next(struct ledger_in *L)
{
	if (L->have_cur) {
		/* the current entry becomes the previous one: its identity only */
		struct ident t = L->prev.id;
		L->prev.id = L->cur.id;
		L->cur.id = t;
		L->have_prev = 1;
		json_object_put(L->cur.obj);
		L->cur.obj = NULL;
		L->have_cur = 0;
	}
	char *line;
	size_t len;
	int rc = ndjson_next(&L->r, &line, &len);
	if (rc < 0)
		ldie(L, "%s", L->r.err);
	if (rc == 0)
		return 0;
	L->cur.obj = ndjson_parse(&L->r, line, len);
	if (!L->cur.obj)
		ldie(L, "%s", L->r.err);
	check_entry(L);
	L->have_cur = 1;
	return 1;
}

void ledger_close(struct ledger_in *L)
{
	if (!L->opened)
		return;
	json_object_put(L->cur.obj);
	L->cur.obj = NULL;
	ndjson_close(&L->r);
	buf_free(&L->cur.id.key);
	buf_free(&L->prev.id.key);
	L->opened = 0;
}

/* ---- writing ---- */

static void wdie(struct ledger_out *W, const char *what) SOSR_NORETURN;

static void wdie(struct ledger_out *W, const char *what)
{
	int e = errno ? errno : EIO;
	ledger_out_abort(W);
	sosr_die(SOSR_EXIT_IO, "cannot %s the new ledger '%s': %s; check the history directory "
		 "and its free space", what, W->tmp, strerror(e));
}

void ledger_out_open(struct ledger_out *W, const char *path)
{
	W->path = xstrdup(path);
	W->tmp = xmalloc(strlen(path) + 5);
	strcpy(W->tmp, path);
	strcat(W->tmp, ".tmp");
	buf_init(&W->line, TRACK_MAX_OUT);
	errno = 0;
	W->fp = fopen(W->tmp, "w");
	if (!W->fp)
		wdie(W, "create");
}

static void wline(struct ledger_out *W)
{
	badd(&W->line, "\n", 1);
	if (fwrite(W->line.data, 1, W->line.len, W->fp) != W->line.len)
		wdie(W, "write");
	buf_reset(&W->line);
}

void ledger_out_header(struct ledger_out *W, const char *c_code, int64_t run, long keep_days,
		       const struct pops *p)
{
	struct buf *b = &W->line;
	char num[64];
	badds(b, "{\"type\":\"ledger\",\"format\":1,\"c_code\":");
	if (c_code) {
		bjstr(b, c_code, strlen(c_code));
	} else {
		badds(b, "null");
	}
	badds(b, ",\"run\":");
	time_text(b, run);
	snprintf(num, sizeof num, ",\"keep_days\":%ld,\"records\":{", keep_days);
	badds(b, num);
	for (int s = 0; s < 2; s++) {
		badds(b, s ? ",\"sos\":{" : "\"softlayer\":{");
		for (int k = 0; k < KIND_N; k++) {
			snprintf(num, sizeof num, "%s\"%s\":%lld", k ? "," : "", kind_names[k], p->n[s][k]);
			badds(b, num);
		}
		badds(b, "}");
	}
	badds(b, "}}");
	wline(W);
}

void ledger_out_write(struct ledger_out *W, const struct lrec *e)
{
	struct buf *b = &W->line;
	char num[48];
	badds(b, "{\"key\":\"");
	badd(b, e->id->key.data, e->id->key.len);
	badds(b, "\",\"type\":\"");
	badds(b, finding_type_names[e->id->type]);
	if (e->id->side) {
		badds(b, "\",\"side\":\"");
		badds(b, side_names[e->id->side]);
	}
	badds(b, "\",\"kind\":\"");
	badds(b, kind_names[e->kind]);
	badds(b, e->state == L_OPEN ? "\",\"state\":\"open\",\"first_seen\":"
				    : "\",\"state\":\"resolved\",\"first_seen\":");
	time_text(b, e->first_seen);
	badds(b, ",\"last_seen\":");
	time_text(b, e->last_seen);
	snprintf(num, sizeof num, ",\"runs\":%lld", e->runs);
	badds(b, num);
	if (e->state == L_RESOLVED) {
		badds(b, ",\"resolved\":");
		time_text(b, e->resolved);
	} else if (e->values) {
		badds(b, ",\"values\":");
		badd(b, e->values, e->values_len);
	}
	badds(b, "}");
	wline(W);
}

void ledger_out_finish(struct ledger_out *W)
{
	errno = 0;
	if (fflush(W->fp) != 0 || ferror(W->fp))
		wdie(W, "write");
	if (fsync(fileno(W->fp)) < 0)
		wdie(W, "flush to disk");
	FILE *fp = W->fp;
	W->fp = NULL;
	if (fclose(fp) != 0)
		wdie(W, "write");
}

void ledger_out_commit(struct ledger_out *W)
{
	if (rename(W->tmp, W->path) < 0)
		wdie(W, "rename into place");
	W->committed = 1;
	/* the rename itself must reach the disk: fsync the directory */
	char *dir = xstrdup(W->path), *slash = strrchr(dir, '/');
	if (slash)
		slash[slash == dir] = '\0';     /* "/ledger" -> "/" */
	int fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);      /* best effort: some file systems refuse it */
		close(fd);
	}
	free(dir);
}

void ledger_out_abort(struct ledger_out *W)
{
	if (W->fp) {
		fclose(W->fp);
		W->fp = NULL;
	}
	if (W->tmp && !W->committed)
		unlink(W->tmp);
}

void ledger_out_free(struct ledger_out *W)
{
	ledger_out_abort(W);
	free(W->path);
	free(W->tmp);
	buf_free(&W->line);
	memset(W, 0, sizeof *W);
}
