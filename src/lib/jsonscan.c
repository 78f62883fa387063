/* jsonscan.c - see jsonscan.h */
#include "jsonscan.h"
#include "buf.h"
#include "text.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int is_hex(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* ---- validation ---- */

struct scan {
	const unsigned char *s;
	size_t len;
	int max_depth;
	int open;               /* containers open around the current value */
	struct jscan_result *res;
};

static int fail(struct scan *sc, enum jscan_error e, size_t at, const char *what)
{
	sc->res->error = e;
	sc->res->at = at;
	sc->res->what = what;
	return -1;
}

static size_t skip_blanks(const struct scan *sc, size_t i)
{
	while (i < sc->len && is_ws(sc->s[i]))
		i++;
	return i;
}

/* The UTF-8 character at S[I] (a byte >= 0x80), RFC 3629 table 4: its
 * length, or 0 with *BAD the offset that breaks it (LEN: cut short). */
static int utf8_char(const unsigned char *s, size_t len, size_t i, size_t *bad)
{
	unsigned c = s[i], lo = 0x80, hi = 0xBF;
	int n;
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		if (c == 0xE0)
			lo = 0xA0;      /* no overlong forms */
		else if (c == 0xED)
			hi = 0x9F;      /* no UTF-16 surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;      /* nothing above U+10FFFF */
	} else {
		*bad = i;
		return 0;
	}
	for (int k = 1; k < n; k++) {
		if (i + (size_t)k >= len) {
			*bad = len;
			return 0;
		}
		unsigned d = s[i + (size_t)k];
		if (d < (k == 1 ? lo : 0x80) || d > (k == 1 ? hi : 0xBF)) {
			*bad = i + (size_t)k;
			return 0;
		}
	}
	return n;
}

/* The string at *I (its opening quote); *I after its closing quote. */
static int scan_string(struct scan *sc, size_t *ip)
{
	const unsigned char *s = sc->s;
	size_t len = sc->len, i = *ip + 1;
	for (;;) {
		while (i < len && s[i] >= 0x20 && s[i] < 0x80 && s[i] != '"' && s[i] != '\\')
			i++;
		if (i >= len)
			return fail(sc, JE_TRUNCATED, len, "");
		unsigned c = s[i];
		if (c == '"') {
			*ip = i + 1;
			return 0;
		}
		if (c == '\\') {
			if (i + 1 >= len)
				return fail(sc, JE_TRUNCATED, len, "");
			unsigned e = s[i + 1];
			if (e == 'u') {
				for (size_t k = 2; k < 6; k++) {
					if (i + k >= len)
						return fail(sc, JE_TRUNCATED, len, "");
					if (!is_hex(s[i + k]))
						return fail(sc, JE_ESCAPE, i + k, "invalid string sequence");
				}
				i += 6;
			} else if (e && strchr("\"\\/bfnrt", (int)e)) {
				i += 2;
			} else {
				return fail(sc, JE_ESCAPE, i + 1, "invalid string sequence");
			}
			continue;
		}
		if (c < 0x20)
			return fail(sc, JE_CONTROL, i, "unescaped control character in a string");
		size_t bad;
		int n = utf8_char(s, len, i, &bad);
		if (!n)
			return bad >= len ? fail(sc, JE_TRUNCATED, len, "")
					  : fail(sc, JE_UTF8, bad, "invalid utf-8 string");
		i += (size_t)n;
	}
}

/* A number that cannot go on at I: cut short inside a container (the
 * document is cut), malformed at the top level. */
static int bad_number(struct scan *sc, size_t i, const char *what)
{
	if (i >= sc->len && sc->open)
		return fail(sc, JE_TRUNCATED, sc->len, "");
	return fail(sc, JE_NUMBER, i, what);
}

static int scan_number(struct scan *sc, size_t *ip)
{
	const unsigned char *s = sc->s;
	size_t len = sc->len, i = *ip;
	if (s[i] == '-') {
		i++;
		if (i + 8 <= len && memcmp(s + i, "Infinity", 8) == 0)
			return fail(sc, JE_NONFINITE, *ip, "NaN or Infinity");
	}
	if (i < len && s[i] == '0') {
		i++;
		if (i < len && is_digit(s[i]))
			return fail(sc, JE_NUMBER, i, "a number with a leading zero");
	} else if (i < len && s[i] >= '1' && s[i] <= '9') {
		while (i < len && is_digit(s[i]))
			i++;
	} else {
		return bad_number(sc, i, "number expected");
	}
	if (i < len && s[i] == '.') {
		i++;
		if (i >= len || !is_digit(s[i]))
			return bad_number(sc, i, "a digit expected after the decimal point");
		while (i < len && is_digit(s[i]))
			i++;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= len || !is_digit(s[i]))
			return bad_number(sc, i, "a digit expected in the exponent");
		while (i < len && is_digit(s[i]))
			i++;
	}
	*ip = i;
	return 0;
}

static int scan_word(struct scan *sc, size_t *ip, const char *w)
{
	size_t i = *ip;
	for (; *w; w++, i++) {
		if (i >= sc->len)
			return fail(sc, JE_TRUNCATED, sc->len, "");
		if (sc->s[i] != (unsigned char)*w)
			return fail(sc, JE_SYNTAX, i, "unexpected character");
	}
	*ip = i;
	return 0;
}

static int starts(const struct scan *sc, size_t i, const char *w)
{
	size_t n = strlen(w);
	return i + n <= sc->len && memcmp(sc->s + i, w, n) == 0;
}

/* One value from I, without recursion: a stack of the containers open
 * (1: object, 0: array).  *END after it. */
static int scan(struct scan *sc, size_t i, size_t *end)
{
	unsigned char stack[JSCAN_MAX_DEPTH];
	const unsigned char *s = sc->s;
	size_t len = sc->len;
	struct jscan_result *res = sc->res;
	sc->open = 0;
value:
	if (i >= len)
		return fail(sc, JE_TRUNCATED, len, "");
	if (sc->open + 1 > sc->max_depth) {
		res->max_depth = sc->max_depth;
		return fail(sc, JE_DEPTH, i, "nesting too deep");
	}
	if (sc->open + 1 > res->depth)
		res->depth = sc->open + 1;
	res->values++;
	switch (s[i]) {
	case '{':
	case '[': {
		int obj = s[i] == '{';
		stack[sc->open++] = (unsigned char)obj;
		i = skip_blanks(sc, i + 1);
		if (i < len && s[i] == (obj ? '}' : ']')) {
			sc->open--;
			i++;
			goto after;
		}
		if (obj)
			goto key;
		goto value;
	}
	case '"':
		if (scan_string(sc, &i) < 0)
			return -1;
		goto after;
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		if (scan_number(sc, &i) < 0)
			return -1;
		goto after;
	case 't':
	case 'f':
	case 'n':
		if (scan_word(sc, &i, s[i] == 't' ? "true" : s[i] == 'f' ? "false" : "null") < 0)
			return -1;
		goto after;
	case 'N':
	case 'I':
		if (starts(sc, i, "NaN") || starts(sc, i, "Infinity"))
			return fail(sc, JE_NONFINITE, i, "NaN or Infinity");
		return fail(sc, JE_SYNTAX, i, "unexpected character");
	case '\'':
		return fail(sc, JE_QUOTE, i, "single-quoted string");
	case 0xEF:
		if (text_bom_len((const char *)s + i, len - i))
			return fail(sc, JE_BOM, i, TEXT_BOM_PHRASE ", which only the start of a text may have");
		return fail(sc, JE_SYNTAX, i, "unexpected character");
	default:
		return fail(sc, JE_SYNTAX, i, "unexpected character");
	}
key:
	if (i >= len)
		return fail(sc, JE_TRUNCATED, len, "");
	if (s[i] == '\'')
		return fail(sc, JE_QUOTE, i, "single-quoted string");
	if (s[i] != '"')
		return fail(sc, JE_SYNTAX, i, "quoted object property name expected");
	if (scan_string(sc, &i) < 0)
		return -1;
	i = skip_blanks(sc, i);
	if (i >= len)
		return fail(sc, JE_TRUNCATED, len, "");
	if (s[i] != ':')
		return fail(sc, JE_SYNTAX, i, "object property name separator ':' expected");
	i = skip_blanks(sc, i + 1);
	goto value;
after:
	if (sc->open == 0) {
		*end = i;
		return 0;
	}
	i = skip_blanks(sc, i);
	if (i >= len)
		return fail(sc, JE_TRUNCATED, len, "");
	int obj = stack[sc->open - 1];
	if (s[i] == ',') {
		i = skip_blanks(sc, i + 1);
		if (obj)
			goto key;
		goto value;
	}
	if (s[i] == (obj ? '}' : ']')) {
		sc->open--;
		i++;
		goto after;
	}
	return fail(sc, JE_SYNTAX, i, obj ? "object value separator ',' expected"
				     : "array value separator ',' expected");
}

static void start(struct scan *sc, const char *text, size_t len, int max_depth,
		  struct jscan_result *res)
{
	memset(res, 0, sizeof *res);
	res->what = "";
	res->max_depth = max_depth;
	sc->s = (const unsigned char *)text;
	sc->len = len;
	sc->max_depth = max_depth < 1 ? 1 : max_depth > JSCAN_MAX_DEPTH ? JSCAN_MAX_DEPTH : max_depth;
	sc->open = 0;
	sc->res = res;
}

int jscan_value(const char *text, size_t len, int max_depth, size_t *end, struct jscan_result *res)
{
	struct scan sc;
	start(&sc, text, len, max_depth, res);
	return scan(&sc, 0, end);
}

int jscan_document(const char *text, size_t len, int max_depth, struct jspan *root,
		   struct jscan_result *res)
{
	struct scan sc;
	start(&sc, text, len, max_depth, res);
	size_t i = skip_blanks(&sc, 0), end;
	if (i >= len)
		return fail(&sc, JE_EMPTY, len, "");
	if (scan(&sc, i, &end) < 0)
		return -1;
	size_t j = skip_blanks(&sc, end);
	if (j < len)
		return fail(&sc, JE_AFTER, j, "data after the value");
	root->p = text + i;
	root->len = end - i;
	return 0;
}

void jscan_describe(const struct jscan_result *res, size_t base, char *why, size_t whylen)
{
	switch (res->error) {
	case JE_OK:
		snprintf(why, whylen, "it is valid JSON");
		break;
	case JE_EMPTY:
		snprintf(why, whylen, "it is empty");
		break;
	case JE_TRUNCATED:
		snprintf(why, whylen, "it ends in the middle of the JSON value");
		break;
	case JE_AFTER:
		snprintf(why, whylen, "there is data after the JSON value, at byte %zu", res->at + 1 + base);
		break;
	case JE_NONFINITE:
		snprintf(why, whylen, "a number is NaN or Infinity");
		break;
	case JE_DEPTH:
		snprintf(why, whylen, "invalid JSON at byte %zu: nested deeper than %d levels",
			 res->at + 1 + base, res->max_depth);
		break;
	default:
		snprintf(why, whylen, "invalid JSON at byte %zu: %s", res->at + 1 + base, res->what);
		break;
	}
}

/* ---- walking valid text ---- */

enum jtype jscan_type(struct jspan v)
{
	if (!v.len)
		return JT_NONE;
	switch (v.p[0]) {
	case '{': return JT_OBJECT;
	case '[': return JT_ARRAY;
	case '"': return JT_STRING;
	case 't': return JT_TRUE;
	case 'f': return JT_FALSE;
	case 'n': return JT_NULL;
	default: return v.p[0] == '-' || is_digit((unsigned char)v.p[0]) ? JT_NUMBER : JT_NONE;
	}
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && is_ws((unsigned char)*p))
		p++;
	return p;
}

/* After the string whose opening quote is at P: the first quote not
 * escaped, that is, after an even run of backslashes. */
static const char *skip_string(const char *p, const char *end)
{
	const char *q = p + 1;
	while (q < end) {
		const char *e = memchr(q, '"', (size_t)(end - q));
		if (!e)
			return end;
		const char *b = e;
		while (b > q && b[-1] == '\\')
			b--;
		if (((e - b) & 1) == 0)
			return e + 1;
		q = e + 1;
	}
	return end;
}

static const char *skip_value(const char *p, const char *end)
{
	if (p >= end)
		return end;
	if (*p == '"')
		return skip_string(p, end);
	if (*p == '{' || *p == '[') {
		size_t depth = 0;
		while (p < end) {
			char c = *p;
			if (c == '"') {
				p = skip_string(p, end);
				continue;
			}
			if (c == '{' || c == '[')
				depth++;
			else if ((c == '}' || c == ']') && --depth == 0)
				return p + 1;
			p++;
		}
		return end;
	}
	while (p < end && !is_ws((unsigned char)*p) && *p != ',' && *p != ']' && *p != '}' && *p != ':')
		p++;
	return p;
}

void jscan_iter(struct jiter *it, struct jspan c)
{
	it->started = 0;
	if (c.len < 2) {
		it->p = it->end = c.p;
		return;
	}
	it->p = c.p + 1;
	it->end = c.p + c.len - 1;
}

/* The next element's start, past the comma after the previous one; NULL
 * at the end, the walk then standing at the closing bracket (or at the
 * span's end). */
static const char *next_start(struct jiter *it)
{
	const char *p = skip_ws(it->p, it->end);
	if (it->started) {
		if (p >= it->end || *p != ',') {
			it->p = p;
			return NULL;
		}
		p = skip_ws(p + 1, it->end);
	} else if (p < it->end && (*p == '}' || *p == ']')) {
		it->p = p;      /* empty, in a span that runs on */
		return NULL;
	}
	if (p >= it->end) {
		it->p = it->end;
		return NULL;
	}
	it->started = 1;
	return p;
}

int jscan_next_item(struct jiter *it, struct jspan *item)
{
	const char *p = next_start(it);
	if (!p)
		return 0;
	const char *q = skip_value(p, it->end);
	item->p = p;
	item->len = (size_t)(q - p);
	it->p = q;
	return q > p;
}

int jscan_next_name(struct jiter *it, struct jspan *name)
{
	const char *p = next_start(it);
	if (!p || *p != '"') {
		it->p = it->end;
		return 0;
	}
	const char *q = skip_string(p, it->end);
	name->p = p;
	name->len = (size_t)(q - p);
	q = skip_ws(q, it->end);
	if (q >= it->end || *q != ':') {
		it->p = it->end;
		return 0;
	}
	it->p = skip_ws(q + 1, it->end);
	return 1;
}

void jscan_skip_value(struct jiter *it, struct jspan *value)
{
	const char *r = skip_value(it->p, it->end);
	value->p = it->p;
	value->len = (size_t)(r - it->p);
	it->p = r;
}

int jscan_next_member(struct jiter *it, struct jspan *name, struct jspan *value)
{
	if (!jscan_next_name(it, name))
		return 0;
	jscan_skip_value(it, value);
	return value->len > 0;
}

const char *jscan_iter_stop(const struct jiter *it)
{
	return it->p;
}

static unsigned hex4(const char *p)
{
	unsigned v = 0;
	for (int k = 0; k < 4; k++) {
		unsigned char c = (unsigned char)p[k];
		v = v * 16 + (is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	return v;
}

static int put_utf8(unsigned cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* The next character of a string's contents at *PP (before END) into OUT,
 * decoded as json-c decodes it (a lone surrogate is U+FFFD); its bytes. */
static int next_char(const char **pp, const char *end, char out[4])
{
	const char *p = *pp;
	unsigned char c = (unsigned char)*p;
	if (c != '\\' || p + 1 >= end) {
		int n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
		if (p + n > end)
			n = (int)(end - p);
		memcpy(out, p, (size_t)n);
		*pp = p + n;
		return n;
	}
	char e = p[1];
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *f = e == 'u' ? NULL : strchr(from, e);
	if (f && e) {
		out[0] = to[f - from];
		*pp = p + 2;
		return 1;
	}
	if (e != 'u' || p + 6 > end) {
		out[0] = e;
		*pp = p + 2;
		return 1;
	}
	unsigned cp = hex4(p + 2);
	p += 6;
	/* json-c (0.15 to 0.17 at least) tests for a surrogate by the low 16
	 * bits only, also after it has joined a pair: a code point such as
	 * U+1D91E (bits D91E) is taken for a high surrogate and joined with
	 * a following \uDC00-\uDFFF, or becomes U+FFFD, as a lone surrogate
	 * does.  The fetchers read what sosr-normalize (json-c) reads. */
	while ((cp & 0xFC00) == 0xD800) {
		unsigned lo;
		if (p + 6 > end || p[0] != '\\' || p[1] != 'u' || ((lo = hex4(p + 2)) & 0xFC00) != 0xDC00) {
			cp = 0xFFFD;
			break;
		}
		cp = 0x10000 + ((cp & 0x3FF) << 10) + (lo & 0x3FF);
		p += 6;
	}
	if ((cp & 0xFC00) == 0xDC00)
		cp = 0xFFFD;
	*pp = p;
	return put_utf8(cp, out);
}

int jscan_name_is(struct jspan name, const char *key, size_t keylen)
{
	if (name.len < 2)
		return 0;
	const char *p = name.p + 1, *end = name.p + name.len - 1;
	if (!memchr(p, '\\', (size_t)(end - p)))
		return (size_t)(end - p) == keylen && memcmp(p, key, keylen) == 0;
	size_t k = 0;
	char ch[4];
	while (p < end) {
		int n = next_char(&p, end, ch);
		if (k + (size_t)n > keylen || memcmp(key + k, ch, (size_t)n) != 0)
			return 0;
		k += (size_t)n;
	}
	return k == keylen;
}

int jscan_member(struct jspan obj, const char *key, struct jspan *value)
{
	struct jiter it;
	struct jspan n, v;
	int count = 0;
	value->p = NULL;
	value->len = 0;
	jscan_iter(&it, obj);
	while (jscan_next_member(&it, &n, &v))
		if (jscan_name_is(n, key, strlen(key)) && count++ == 0)
			*value = v;
	return count;
}

size_t jscan_count_items(struct jspan arr, size_t stop)
{
	struct jiter it;
	struct jspan v;
	size_t n = 0;
	jscan_iter(&it, arr);
	while (n < stop && jscan_next_item(&it, &v))
		n++;
	return n;
}

int jscan_string(struct jspan str, struct buf *out, size_t max)
{
	if (str.len < 2)
		return 0;
	const char *p = str.p + 1, *end = str.p + str.len - 1;
	char ch[4];
	while (p < end && out->len < max) {
		int n = next_char(&p, end, ch);
		if (buf_add(out, ch, (size_t)n) < 0)
			return -1;
	}
	return 0;
}

size_t jscan_text(struct jspan str, char *out, size_t outsize)
{
	if (!outsize)
		return 0;
	/* what the service sent, made visible (text.h): enough of it for
	 * OUTSIZE bytes of the escaped text, which is never shorter */
	struct buf raw = BUF_INIT(0);
	jscan_string(str, &raw, outsize);
	text_visible_into(out, outsize, raw.data ? raw.data : "", raw.len, outsize - 1);
	buf_free(&raw);
	return strlen(out);
}

int jscan_compact(struct jspan v, struct buf *b)
{
	const char *p = v.p, *end = v.p + v.len, *run = p;
	while (p < end) {
		char c = *p;
		if (c == '"') {
			p = skip_string(p, end);
		} else if (is_ws((unsigned char)c)) {
			if (p > run && buf_add(b, run, (size_t)(p - run)) < 0)
				return -1;
			while (p < end && is_ws((unsigned char)*p))
				p++;
			run = p;
		} else {
			p++;
		}
	}
	if (p > run && buf_add(b, run, (size_t)(p - run)) < 0)
		return -1;
	return 0;
}

int jscan_is_digits(struct jspan v)
{
	if (!v.len)
		return 0;
	for (size_t i = 0; i < v.len; i++)
		if (!is_digit((unsigned char)v.p[i]))
			return 0;
	return 1;
}

int jscan_cmp_digits(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return memcmp(a, b, alen);
}
