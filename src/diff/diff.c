/*
 * sosr-diff - merge-join two sorted canonical streams into findings.
 *
 * The shape is join(1)'s: each side is read one group of equal keys at a
 * time, so memory holds only the current group of each side (capped by
 * --max-group) whatever the size of the inventories.  comm(1)'s
 * --check-order is always on: a key smaller than the one before is an
 * error naming file:line and both keys.
 *
 * Speed comes from the layout of canonical records (canon.h): keys are
 * compared as bytes, then the compared spans as bytes; only a pair whose
 * spans differ, and every record copied into the output, is parsed with
 * json-c (which also validates it).  Records that match byte for byte are
 * only framed, never parsed.
 *
 * Output: findings in key order (within a key, in the order of enum finding_type),
 * then the summary record as the last line (docs/FORMATS.md section 3).
 */
#include "buf.h"
#include "canon.h"
#include "cli.h"
#include "config.h"
#include "err.h"
#include "exitcodes.h"
#include "finding.h"
#include "jsonw.h"
#include "ndjson.h"
#include "output.h"
#include "timeutil.h"

#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>

#define DIFF_MAX_LINE (1u << 20)     /* a canonical record is small */
#define DEFAULT_MAX_GROUP 10000
#define GROUP_MAX_BYTES (256u << 20) /* cap on one group's bytes */
#define MAX_COMPARE 16

static const char usage_text[] =
"usage: sosr-diff [OPTIONS] SOFTLAYER SOS\n"
"\n"
"Compare two canonical streams sorted by key (sosr-normalize output; '-' is\n"
"standard input, for one of them) and write the discrepancy records of\n"
"docs/FORMATS.md section 3, then a summary record as the last line.\n"
"\n"
"Options:\n"
"  --config FILE          the job's configuration: its \"diff\" section (grace,\n"
"                         compare); flags win over it\n"
"  --compare KIND:F1,F2   fields compared for KIND (device or vlan), from its\n"
"                         compared span; repeatable, one per kind\n"
"                         (default device:private_ip,public_ip,datacenter\n"
"                         and vlan:datacenter,space)\n"
"  --grace DURATION       a SoftLayer device younger than this and not in SOS\n"
"                         is pending, not missing (default 48h)\n"
"  --now TIME             the current time, RFC 3339 (default: the clock);\n"
"                         for reproducible runs\n"
"  --max-group N          most records with one key on one side, 1..1000000\n"
"                         (default 10000)\n"
"  -h, --help             show this help and exit\n"
"  -V, --version          show the version and exit\n"
"\n"
"Exit status:\n"
"  0   no findings (pending and excluded records are not findings)\n"
"  1   findings\n"
"  2   usage error\n"
"  7   invalid input: malformed or unsorted stream, wrong source, group cap\n"
"  9   cannot read an input or write the output\n"
"  10  out of memory or internal error\n";

/* One record of a group: its bytes live in the group's buffer. */
struct gline {
	size_t off, len;
	unsigned long lineno;
	struct canon_frame f;   /* re-pointed after the buffer moves */
};

struct side {
	const char *label;          /* "softlayer" or "sos" */
	struct ndjson_reader r;
	struct buf gbuf, hbuf;      /* the group, and the held first line of the next */
	struct gline *g;            /* group lines */
	size_t n, alloc;
	struct gline held;
	int has_held, eof;
	unsigned long count[KIND_N];
};

static struct {
	const char *compare[KIND_N][MAX_COMPARE];
	int ncompare[KIND_N];
	double grace;
	int64_t now;
	size_t max_group;
	unsigned long count[FT_N];
	unsigned long matched[KIND_N];
} D;

static void out(const void *p, size_t n)
{
	out_write(stdout, p, n, "standard output");
}

static void outs(const char *s)
{
	out(s, strlen(s));
}

static struct buf scratch = BUF_INIT(DIFF_MAX_LINE);

static void out_jstr(const char *s, size_t n)
{
	buf_reset(&scratch);
	if (jsonw_str(&scratch, s, n) < 0)
		sosr_die(SOSR_EXIT_INTERNAL, "value longer than %u bytes", DIFF_MAX_LINE);
	out(scratch.data, scratch.len);
}

static const char *gdata(const struct side *s, const struct gline *l)
{
	return s->gbuf.data + l->off;
}

static void frame_or_die(struct side *s, const char *line, size_t len, unsigned long lineno,
			 struct canon_frame *f)
{
	const char *why;
	if (canon_frame(line, len, f, &why) < 0)
		sosr_die(SOSR_EXIT_DATA, "%s:%lu: %s; check that the input is sosr-normalize output",
			 s->r.name, lineno, why);
	if (f->source_len != strlen(s->label) || memcmp(f->source, s->label, f->source_len) != 0)
		sosr_die(SOSR_EXIT_DATA, "%s:%lu: a record of source '%.*s' in the %s input; "
			 "check the order of the operands (SOFTLAYER first, then SOS)",
			 s->r.name, lineno, (int)(f->source_len > 40 ? 40 : f->source_len), f->source,
			 s->label);
}

static int key_cmp(const struct canon_frame *a, const struct canon_frame *b)
{
	size_t n = a->key_len < b->key_len ? a->key_len : b->key_len;
	int c = memcmp(a->key, b->key, n);
	if (c)
		return c;
	return a->key_len < b->key_len ? -1 : a->key_len > b->key_len;
}

/* Read the next line into the held slot.  0 at end of stream. */
static int read_held(struct side *s)
{
	char *line;
	size_t len;
	int r = ndjson_next(&s->r, &line, &len);
	if (r < 0)
		ndjson_die(&s->r);
	if (r == 0) {
		s->eof = 1;
		s->has_held = 0;
		return 0;
	}
	buf_reset(&s->hbuf);
	if (buf_add(&s->hbuf, line, len) < 0)
		sosr_die(SOSR_EXIT_DATA, "%s:%lu: line longer than %u bytes", s->r.name,
			 s->r.lineno, DIFF_MAX_LINE);
	s->held.off = 0;
	s->held.len = len;
	s->held.lineno = s->r.lineno;
	frame_or_die(s, s->hbuf.data, len, s->r.lineno, &s->held.f);
	s->count[s->held.f.kind]++;
	s->has_held = 1;
	return 1;
}

static void reframe(struct gline *l, const char *base)
{
	/* the frame's pointers follow the bytes when the buffer moves */
	const char *why;
	canon_frame(base + l->off, l->len, &l->f, &why);
}

/* Make the next group of S current: the held line and every following line
 * with the same key.  0 when the side is exhausted. */
static int next_group(struct side *s)
{
	s->n = 0;
	if (!s->has_held)
		return 0;
	/* the held line becomes the group's first: swap the buffers */
	struct buf t = s->gbuf;
	s->gbuf = s->hbuf;
	s->hbuf = t;
	s->g[0] = s->held;
	s->n = 1;
	for (;;) {
		if (!read_held(s))
			return 1;
		const struct canon_frame *first = &s->g[0].f;
		int c = key_cmp(&s->held.f, first);
		if (c > 0)
			return 1;
		if (c < 0)
			sosr_die(SOSR_EXIT_DATA, "%s:%lu: input is not sorted by key: '%.*s' comes after '%.*s'; "
				 "check that it is sosr-normalize output",
				 s->r.name, s->held.lineno,
				 (int)(s->held.f.key_len > 200 ? 200 : s->held.f.key_len), s->held.f.key,
				 (int)(first->key_len > 200 ? 200 : first->key_len), first->key);
		if (s->n == D.max_group)
			sosr_die(SOSR_EXIT_DATA, "%s:%lu: more than %zu records with the key '%.*s'; "
				 "check the input, or raise --max-group", s->r.name, s->held.lineno,
				 D.max_group, (int)(first->key_len > 200 ? 200 : first->key_len), first->key);
		if (s->n == s->alloc) {
			s->alloc *= 2;
			s->g = xrealloc(s->g, s->alloc * sizeof *s->g);
		}
		char *old = s->gbuf.data;
		size_t off = s->gbuf.len;
		if (buf_add(&s->gbuf, s->hbuf.data, s->held.len) < 0)
			sosr_die(SOSR_EXIT_DATA, "%s:%lu: the records with the key '%.*s' exceed %u bytes; "
				 "check the input", s->r.name, s->held.lineno,
				 (int)(first->key_len > 200 ? 200 : first->key_len), first->key, GROUP_MAX_BYTES);
		struct gline *l = &s->g[s->n++];
		*l = s->held;
		l->off = off;
		if (s->gbuf.data != old)
			for (size_t i = 0; i < s->n; i++)
				reframe(&s->g[i], s->gbuf.data);
		else
			reframe(l, s->gbuf.data);
	}
}

/* Parse record L of S (validating it as JSON); the caller puts it. */
static struct json_object *parse(struct side *s, const struct gline *l)
{
	struct json_object *o = ndjson_parse(&s->r, gdata(s, l), l->len);
	if (!o)
		sosr_die(s->r.err_code ? s->r.err_code : SOSR_EXIT_DATA, "%s:%lu: %s",
			 s->r.name, l->lineno, s->r.err);
	return o;
}

static void validate(struct side *s, const struct gline *l)
{
	json_object_put(parse(s, l));
}

/* {"type":"T","kind":"K","key":"KEY" */
static void head(enum finding_type t, const struct gline *l, const char *side)
{
	outs("{\"type\":\"");
	outs(finding_type_names[t]);
	if (side) {
		outs("\",\"side\":\"");
		outs(side);
	}
	outs("\",\"kind\":\"");
	outs(kind_names[l->f.kind]);
	outs("\",\"key\":\"");
	out(l->f.key, l->f.key_len);
	outs("\"");
	D.count[t]++;
}

static void member_record(const char *name, const struct side *s, const struct gline *l)
{
	outs(",\"");
	outs(name);
	outs("\":");
	out(gdata(s, l), l->len);
}

static const char *member_str(struct json_object *o, const char *name, size_t *len)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	*len = (size_t)json_object_get_string_len(v);
	return json_object_get_string(v);
}

static void unidentified(struct side *s, const struct gline *l)
{
	struct json_object *o = parse(s, l);
	size_t rl = 0;
	const char *reason = member_str(o, "reason", &rl);
	head(FT_UNIDENTIFIED, l, s->label);
	outs(",\"reason\":");
	if (reason)
		out_jstr(reason, rl);
	else
		outs("null");
	member_record("record", s, l);
	outs("}\n");
	json_object_put(o);
}

static void only_softlayer(struct side *s, const struct gline *l)
{
	struct json_object *o = parse(s, l);
	size_t cl;
	const char *created = l->f.kind == KIND_DEVICE ? member_str(o, "created", &cl) : NULL;
	int64_t t;
	if (created && tu_parse_rfc3339(created, cl, &t) == 0 && (double)(D.now - t) < D.grace) {
		int64_t age = D.now - t;
		int64_t hours = age >= 0 ? age / 3600 : -((-age + 3599) / 3600);
		char num[32];
		head(FT_PENDING, l, NULL);
		snprintf(num, sizeof num, ",\"age_hours\":%" PRId64, hours);
		outs(num);
	} else {
		head(FT_MISSING_IN_SOS, l, NULL);
	}
	member_record("softlayer", s, l);
	outs("}\n");
	json_object_put(o);
}

static void only_sos(struct side *s, const struct gline *l)
{
	struct json_object *o = parse(s, l);
	size_t sl;
	const char *st = member_str(o, "status", &sl);
	if (st && ((sl == 5 && memcmp(st, "build", 5) == 0) || (sl == 9 && memcmp(st, "available", 9) == 0))) {
		head(FT_EXCLUDED, l, NULL);
		outs(",\"status\":");
		out_jstr(st, sl);
	} else {
		head(FT_MISSING_IN_SOFTLAYER, l, NULL);
	}
	member_record("sos", s, l);
	outs("}\n");
	json_object_put(o);
}

static void duplicate(struct side *s, size_t other_count)
{
	for (size_t i = 0; i < s->n; i++)
		validate(s, &s->g[i]);
	char num[64];
	head(FT_DUPLICATE, &s->g[0], s->label);
	snprintf(num, sizeof num, ",\"count\":%zu,\"other_count\":%zu,\"records\":[", s->n, other_count);
	outs(num);
	for (size_t i = 0; i < s->n; i++) {
		if (i)
			outs(",");
		out(gdata(s, &s->g[i]), s->g[i].len);
	}
	outs("]}\n");
}

static int same_value(struct json_object *a, struct json_object *b)
{
	if (!a || !b)
		return a == b;
	if (json_object_get_type(a) != json_object_get_type(b))
		return 0;
	if (json_object_is_type(a, json_type_string))
		return json_object_get_string_len(a) == json_object_get_string_len(b) &&
		       memcmp(json_object_get_string(a), json_object_get_string(b),
			      (size_t)json_object_get_string_len(a)) == 0;
	if (json_object_is_type(a, json_type_int))
		return json_object_get_int64(a) == json_object_get_int64(b);
	return json_object_equal(a, b);
}

static void out_value(struct json_object *v)
{
	if (!v) {
		outs("null");
	} else if (json_object_is_type(v, json_type_string)) {
		out_jstr(json_object_get_string(v), (size_t)json_object_get_string_len(v));
	} else if (json_object_is_type(v, json_type_int)) {
		char num[32];
		snprintf(num, sizeof num, "%" PRId64, json_object_get_int64(v));
		outs(num);
	} else {
		outs(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	}
}

/* One record on each side with the same key. */
static void pair(struct side *a, const struct gline *la, struct side *b, const struct gline *lb)
{
	enum item_kind k = la->f.kind;
	D.matched[k]++;
	if (la->f.span_len == lb->f.span_len && memcmp(la->f.span, lb->f.span, la->f.span_len) == 0)
		return; /* the fast path: no compared field can differ */
	struct json_object *oa = parse(a, la), *ob = parse(b, lb);
	int ndiff = 0;
	for (int i = 0; i < D.ncompare[k]; i++) {
		struct json_object *va = NULL, *vb = NULL;
		json_object_object_get_ex(oa, D.compare[k][i], &va);
		json_object_object_get_ex(ob, D.compare[k][i], &vb);
		if (json_object_is_type(va, json_type_null))
			va = NULL;
		if (json_object_is_type(vb, json_type_null))
			vb = NULL;
		if (same_value(va, vb))
			continue;
		if (ndiff++ == 0) {
			head(FT_MISMATCH, la, NULL);
			outs(",\"fields\":[");
		} else {
			outs(",");
		}
		outs("{\"field\":\"");
		outs(D.compare[k][i]);
		outs("\",\"softlayer\":");
		out_value(va);
		outs(",\"sos\":");
		out_value(vb);
		outs("}");
	}
	if (ndiff) {
		outs("]");
		member_record("softlayer", a, la);
		member_record("sos", b, lb);
		outs("}\n");
	}
	json_object_put(oa);
	json_object_put(ob);
}

/* All the findings of one key: SL has sl->n records, SOS has so->n. */
static void key_group(struct side *sl, struct side *so)
{
	const struct gline *first = sl->n ? &sl->g[0] : &so->g[0];
	if (first->f.kind == KIND_UNIDENTIFIED) {
		for (size_t i = 0; i < sl->n; i++)
			unidentified(sl, &sl->g[i]);
		for (size_t i = 0; i < so->n; i++)
			unidentified(so, &so->g[i]);
		return;
	}
	if (sl->n && so->n && sl->g[0].f.kind != so->g[0].f.kind)
		sosr_die(SOSR_EXIT_INTERNAL, "%s:%lu: the key is of kind %s here and %s in %s; "
			 "this is a bug", sl->r.name, sl->g[0].lineno, kind_names[sl->g[0].f.kind],
			 kind_names[so->g[0].f.kind], so->r.name);
	if (sl->n > 1 || so->n > 1) {
		if (sl->n > 1)
			duplicate(sl, so->n);
		if (so->n > 1)
			duplicate(so, sl->n);
	} else if (sl->n && so->n) {
		pair(sl, &sl->g[0], so, &so->g[0]);
	} else if (sl->n) {
		only_softlayer(sl, &sl->g[0]);
	} else {
		only_sos(so, &so->g[0]);
	}
}

/* --compare KIND:F1,F2 (or the config's list for KIND). */
static void set_compare_list(int k, const char *list, const char *what)
{
	char why[200];
	int n = canon_compare_parse((enum item_kind)k, list, D.compare[k], MAX_COMPARE, why, sizeof why);
	if (n < 0)
		sosr_usage_error("%s: %s", what, why);
	D.ncompare[k] = n;
}

static void set_compare(const char *spec)
{
	const char *colon = strchr(spec, ':');
	int k = colon ? kind_from_name(spec, (size_t)(colon - spec)) : -1;
	if (k < 0 || k == KIND_UNIDENTIFIED)
		sosr_usage_error("--compare: '%s' is not KIND:FIELD,... with KIND device or vlan", spec);
	set_compare_list(k, colon + 1, "--compare");
}

static void summary(const struct side *sl, const struct side *so)
{
	char t[TU_UTC_LEN + 1], num[64];
	tu_format_utc(D.now, t);
	outs("{\"type\":\"summary\",\"format\":1,\"now\":\"");
	outs(t);
	snprintf(num, sizeof num, "\",\"grace_hours\":%.10g", D.grace / 3600);
	outs(num);
	outs(",\"compare\":{");
	for (int k = 0; k < KIND_UNIDENTIFIED; k++) {
		outs(k ? ",\"" : "\"");
		outs(kind_names[k]);
		outs("\":[");
		for (int i = 0; i < D.ncompare[k]; i++) {
			outs(i ? ",\"" : "\"");
			outs(D.compare[k][i]);
			outs("\"");
		}
		outs("]");
	}
	outs("},\"records\":{");
	const struct side *sides[2] = { sl, so };
	for (int s = 0; s < 2; s++) {
		outs(s ? ",\"" : "\"");
		outs(sides[s]->label);
		outs("\":{");
		for (int k = 0; k < KIND_N; k++) {
			snprintf(num, sizeof num, "%s\"%s\":%lu", k ? "," : "", kind_names[k],
				 sides[s]->count[k]);
			outs(num);
		}
		outs("}");
	}
	snprintf(num, sizeof num, "},\"matched\":{\"device\":%lu,\"vlan\":%lu},\"findings\":{",
		 D.matched[KIND_DEVICE], D.matched[KIND_VLAN]);
	outs(num);
	for (int f = 0; f < FT_NFINDINGS; f++) {
		snprintf(num, sizeof num, "%s\"%s\":%lu", f ? "," : "", finding_type_names[f], D.count[f]);
		outs(num);
	}
	snprintf(num, sizeof num, "},\"excluded\":%lu,\"pending\":%lu}\n", D.count[FT_EXCLUDED],
		 D.count[FT_PENDING]);
	outs(num);
}

static void side_open(struct side *s, const char *label, const char *path)
{
	memset(s, 0, sizeof *s);
	s->label = label;
	buf_init(&s->gbuf, GROUP_MAX_BYTES);
	buf_init(&s->hbuf, DIFF_MAX_LINE);
	s->alloc = 16;
	s->g = xmalloc(s->alloc * sizeof *s->g);
	if (ndjson_open(&s->r, path, DIFF_MAX_LINE) < 0)
		sosr_die(s->r.err_code, "cannot read the %s input '%s': %s; check the path",
			 label, path, s->r.err);
	read_held(s);
}

static void side_close(struct side *s)
{
	ndjson_close(&s->r);
	buf_free(&s->gbuf);
	buf_free(&s->hbuf);
	free(s->g);
}

int main(int argc, char **argv)
{
	enum { O_COMPARE = 256, O_GRACE, O_NOW, O_MAX_GROUP, O_CONFIG };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, O_CONFIG },
		{ "compare", required_argument, NULL, O_COMPARE },
		{ "grace", required_argument, NULL, O_GRACE },
		{ "now", required_argument, NULL, O_NOW },
		{ "max-group", required_argument, NULL, O_MAX_GROUP },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int ch, have_now = 0, have_grace = 0;
	int have_compare[KIND_N] = { 0 };
	const char *config_path = NULL;

	err_init(argv[0]);
	out_init();
	D.grace = 48 * 3600;
	D.max_group = DEFAULT_MAX_GROUP;
	for (int k = 0; k < KIND_UNIDENTIFIED; k++)
		set_compare_list(k, canon_default_compare((enum item_kind)k), "--compare");
	while ((ch = cli_getopt(argc, argv, "hV", longopts)) != -1) {
		switch (ch) {
		case O_CONFIG:
			config_path = optarg;
			break;
		case O_COMPARE:
			set_compare(optarg);
			have_compare[kind_from_name(optarg, strcspn(optarg, ":"))] = 1;
			break;
		case O_GRACE:
			D.grace = cli_duration(optarg, CONFIG_MAX_GRACE, "--grace");
			have_grace = 1;
			break;
		case O_NOW:
			D.now = (int64_t)cli_time(optarg, "--now");
			have_now = 1;
			break;
		case O_MAX_GROUP:
			D.max_group = (size_t)cli_number(optarg, 1, 1000000, "--max-group");
			break;
		case 'h':
			cli_help(usage_text);
		case 'V':
			cli_version();
		}
	}
	argc -= optind;
	argv += optind;
	if (config_path) {
		/* the file fills what the flags left unset */
		struct config cfg;
		config_load(config_path, &cfg);
		if (!have_grace && cfg.diff.grace >= 0)
			D.grace = cfg.diff.grace;
		for (int k = 0; k < KIND_UNIDENTIFIED; k++)
			if (!have_compare[k] && cfg.diff.compare[k])
				set_compare_list(k, cfg.diff.compare[k], "diff.compare");
		config_free(&cfg);
	}
	if (argc != 2)
		sosr_usage_error("expected two operands, SOFTLAYER and SOS; got %d", argc);
	if (strcmp(argv[0], "-") == 0 && strcmp(argv[1], "-") == 0)
		sosr_usage_error("only one of SOFTLAYER and SOS can be '-' (standard input)");
	if (!have_now)
		D.now = (int64_t)time(NULL);

	static struct side sl, so;
	side_open(&sl, "softlayer", argv[0]);
	side_open(&so, "sos", argv[1]);
	int more_sl = next_group(&sl), more_so = next_group(&so);
	while (more_sl || more_so) {
		int c = !more_sl ? 1 : !more_so ? -1 : key_cmp(&sl.g[0].f, &so.g[0].f);
		size_t nsl = sl.n, nso = so.n;
		if (c > 0)
			sl.n = 0;
		if (c < 0)
			so.n = 0;
		key_group(&sl, &so);
		sl.n = nsl;
		so.n = nso;
		if (c <= 0)
			more_sl = next_group(&sl);
		if (c >= 0)
			more_so = next_group(&so);
	}
	summary(&sl, &so);
	out_close_stdout();
	side_close(&sl);
	side_close(&so);
	buf_free(&scratch);

	unsigned long findings = 0;
	for (int f = 0; f < FT_NFINDINGS; f++)
		findings += D.count[f];
	return findings ? SOSR_EXIT_FINDINGS : SOSR_EXIT_OK;
}
