/* sort.c - sorting canonical lines within a memory budget; see normalize.h */
#include "normalize.h"
#include "buf.h"
#include "err.h"
#include "exitcodes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RUN_HEADER 8 /* uint32 len, uint32 key_len */

/* ---- order ---- */

/* Load up to 8 bytes of S (length N) big-endian, zero-padded: comparing the
 * results as integers compares the bytes (keys never contain NUL). */
static uint64_t load8(const char *s, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < 8; i++)
		v = v << 8 | (i < n ? (unsigned char)s[i] : 0);
	return v;
}

void rec_set(struct rec *r, const char *line, uint32_t len, uint32_t key_len)
{
	const char *k = line + 8;
	r->p0 = load8(k, key_len);
	r->p1 = key_len > 8 ? load8(k + 8, key_len - 8) : 0;
	r->line = line;
	r->len = len;
	r->key_len = key_len;
}

/* Order of records with equal cached prefixes (p0, p1). */
static int cmp_prefix(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	if (x->p0 != y->p0)
		return x->p0 < y->p0 ? -1 : 1;
	if (x->p1 != y->p1)
		return x->p1 < y->p1 ? -1 : 1;
	return 0;
}

/* Order of records with equal keys: the whole line, for determinism. */
static int cmp_line(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->line, y->line, n);
	if (c)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

int rec_cmp(const struct rec *x, const struct rec *y)
{
	size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
	int c = memcmp(x->line + 8, y->line + 8, n);
	if (c)
		return c;
	if (x->key_len != y->key_len)
		return x->key_len < y->key_len ? -1 : 1;
	return cmp_line(x, y);
}

/* Sort R by key, multikey style: the records cache 16 key bytes from
 * DEPTH (p0, p1); sort by them, then sort each run of equal prefixes by
 * the next 16 bytes, until the keys end (equal keys: by the whole line).
 * Most comparisons are then two integer compares that touch no line. */
static void sort_depth(struct rec *r, size_t n, size_t depth)
{
	/* nothing to sort, and qsort must not be given a NULL base (UBSan) */
	if (n < 2)
		return;
	if (depth > 0)
		for (size_t i = 0; i < n; i++) {
			const char *k = r[i].line + 8 + depth;
			size_t left = r[i].key_len > depth ? r[i].key_len - depth : 0;
			r[i].p0 = load8(k, left);
			r[i].p1 = left > 8 ? load8(k + 8, left - 8) : 0;
		}
	qsort(r, n, sizeof *r, cmp_prefix);
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && r[j].p0 == r[i].p0 && r[j].p1 == r[i].p1)
			j++;
		if (j - i > 1) {
			int longer = 0;
			for (size_t t = i; t < j; t++)
				if (r[t].key_len > depth + 16)
					longer = 1;
			if (longer)
				sort_depth(r + i, j - i, depth + 16);
			else
				qsort(r + i, j - i, sizeof *r, cmp_line);
		}
		i = j;
	}
}

void sort_recs(struct rec *r, size_t n)
{
	sort_depth(r, n, 0);
}

/* ---- spill files ---- */

const char *spill_dir(void)
{
	const char *dir = getenv("TMPDIR");
	return dir && *dir ? dir : "/tmp";
}

void spill_init(struct spill *s, size_t wcap)
{
	memset(s, 0, sizeof *s);
	s->fd = -1;
	s->wcap = wcap;
}

void spill_free(struct spill *s)
{
	if (s->fd >= 0)
		close(s->fd);
	free(s->wbuf);
	free(s->runs);
	memset(s, 0, sizeof *s);
	s->fd = -1;
}

void spill_close_writing(struct spill *s)
{
	free(s->wbuf);
	s->wbuf = NULL;
	s->wcap = 0;
}

static int spill_fail(struct spill *s, int e, int create)
{
	if (!s->err) {
		s->err = e ? e : EIO;
		s->err_create = create;
	}
	return -1;
}

/* Make the file: mkstemp, then unlink at once, so that it is gone when
 * the process ends, however it ends (as the fetchers' spool). */
static int spill_open(struct spill *s)
{
	struct buf b = BUF_INIT(0);
	buf_printf(&b, "%s/sosr-sort-XXXXXX", spill_dir());
	int fd = mkstemp(b.data);
	int e = errno;
	if (fd >= 0)
		unlink(b.data);
	buf_free(&b);
	if (fd < 0)
		return spill_fail(s, e, 1);
	s->fd = fd;
	s->wbuf = xmalloc(s->wcap);
	return 0;
}

static int write_all(struct spill *s, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(s->fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return spill_fail(s, w < 0 ? errno : ENOSPC, 0);
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int spill_flush(struct spill *s)
{
	if (s->wlen && write_all(s, s->wbuf, s->wlen) < 0)
		return -1;
	s->wlen = 0;
	return 0;
}

void spill_begin(struct spill *s)
{
	if (s->err)
		return;
	if (s->fd < 0 && spill_open(s) < 0)
		return;
	if (s->nruns == s->aruns) {
		s->aruns = s->aruns ? 2 * s->aruns : 16;
		s->runs = xrealloc(s->runs, s->aruns * sizeof *s->runs);
	}
	s->runs[s->nruns].fd = s->fd;
	s->runs[s->nruns].off = s->end;
}

int spill_add(struct spill *s, const struct rec *r)
{
	if (s->err)
		return -1;
	size_t need = RUN_HEADER + r->len;
	if (s->wlen + need > s->wcap && spill_flush(s) < 0)
		return -1;
	uint32_t h[2] = { r->len, r->key_len };
	if (need > s->wcap) {
		/* a line longer than the buffer: the header, then the line */
		memcpy(s->wbuf, h, sizeof h);
		s->wlen = sizeof h;
		if (spill_flush(s) < 0 || write_all(s, r->line, r->len) < 0)
			return -1;
	} else {
		memcpy(s->wbuf + s->wlen, h, sizeof h);
		memcpy(s->wbuf + s->wlen + sizeof h, r->line, r->len);
		s->wlen += need;
	}
	s->end += (off_t)need;
	return 0;
}

int spill_end(struct spill *s)
{
	if (s->err || spill_flush(s) < 0)
		return -1;
	struct run *run = &s->runs[s->nruns++];
	run->len = s->end - run->off;
	return 0;
}

int spill_run(struct spill *s, const struct rec *r, size_t n)
{
	spill_begin(s);
	for (size_t i = 0; i < n; i++)
		if (spill_add(s, &r[i]) < 0)
			return -1;
	return spill_end(s);
}

void spill_die(const struct spill *s)
{
	errno = s->err;
	if (s->err_create)
		sosr_die_errno(SOSR_EXIT_IO, "cannot create a temporary file in '%s' to sort within "
			       "--memory; check TMPDIR (or /tmp) and free space there", spill_dir());
	sosr_die_errno(SOSR_EXIT_IO, "cannot write a temporary file in '%s' to sort within --memory; "
		       "check free space in TMPDIR (or /tmp), or raise --memory", spill_dir());
}

/* ---- merge ---- */

struct msrc {
	struct rec cur;                 /* the source's next record */
	const struct rec *mem;          /* in memory: mem[pos..n) */
	size_t n, pos;
	int fd;                         /* a run: file bytes [next, end) not yet read */
	off_t next, end;
	char *buf;                      /* buffered bytes: buf[start .. start + len) */
	size_t cap, start, len;
};

struct merger {
	size_t rbuf;
	struct msrc *src;
	size_t nsrc, asrc;
	size_t *heap;                   /* sources with a record, a min-heap on cur */
	size_t nheap;
	int started;
};

static void read_die(int e)
{
	errno = e;
	sosr_die_errno(SOSR_EXIT_IO, "cannot read back a temporary file in '%s' (the sort's); "
		       "check the disk of TMPDIR (or /tmp)", spill_dir());
}

struct merger *merger_new(size_t rbuf)
{
	struct merger *m = xcalloc(1, sizeof *m);
	m->rbuf = rbuf;
	return m;
}

static struct msrc *new_src(struct merger *m)
{
	if (m->nsrc == m->asrc) {
		m->asrc = m->asrc ? 2 * m->asrc : 8;
		m->src = xrealloc(m->src, m->asrc * sizeof *m->src);
	}
	struct msrc *s = &m->src[m->nsrc++];
	memset(s, 0, sizeof *s);
	s->fd = -1;
	return s;
}

void merger_add_mem(struct merger *m, const struct rec *r, size_t n)
{
	struct msrc *s = new_src(m);
	s->mem = r;
	s->n = n;
}

void merger_add_run(struct merger *m, const struct run *run)
{
	struct msrc *s = new_src(m);
	s->fd = run->fd;
	s->next = run->off;
	s->end = run->off + run->len;
}

/* Have at least NEED bytes of S buffered; dies when the run cannot be read
 * or is shorter than it should be. */
static void fill(struct merger *m, struct msrc *s, size_t need)
{
	if (s->start)
		memmove(s->buf, s->buf + s->start, s->len);
	s->start = 0;
	if (s->cap < need || !s->buf) {
		s->cap = need > m->rbuf ? need : m->rbuf;
		s->buf = xrealloc(s->buf, s->cap);
	}
	while (s->len < need) {
		size_t want = s->cap - s->len;
		if ((off_t)want > s->end - s->next)
			want = (size_t)(s->end - s->next);
		if (want == 0)
			read_die(EIO);
		ssize_t n = pread(s->fd, s->buf + s->len, want, s->next);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			read_die(n < 0 ? errno : EIO);
		s->len += (size_t)n;
		s->next += n;
	}
}

/* Move S to its next record: 1, or 0 when it has no more. */
static int advance(struct merger *m, struct msrc *s)
{
	if (s->fd < 0) {
		if (s->pos == s->n)
			return 0;
		s->cur = s->mem[s->pos++];
		return 1;
	}
	if (s->len == 0 && s->next == s->end) {
		/* done: give the buffer back at once */
		free(s->buf);
		s->buf = NULL;
		s->cap = 0;
		return 0;
	}
	if (s->len < RUN_HEADER)
		fill(m, s, RUN_HEADER);
	uint32_t h[2];
	memcpy(h, s->buf + s->start, sizeof h);
	if (h[0] < 10 || h[0] > CANON_MAX_LINE + 1 || h[1] > h[0])
		read_die(EIO);  /* not what was written */
	size_t need = RUN_HEADER + h[0];
	if (s->len < need)
		fill(m, s, need);
	s->cur.line = s->buf + s->start + RUN_HEADER;
	s->cur.len = h[0];
	s->cur.key_len = h[1];
	s->start += need;
	s->len -= need;
	return 1;
}

static int less(const struct merger *m, size_t a, size_t b)
{
	return rec_cmp(&m->src[m->heap[a]].cur, &m->src[m->heap[b]].cur) < 0;
}

static void sift_down(struct merger *m, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, min = i;
		if (l < m->nheap && less(m, l, min))
			min = l;
		if (r < m->nheap && less(m, r, min))
			min = r;
		if (min == i)
			return;
		size_t t = m->heap[i];
		m->heap[i] = m->heap[min];
		m->heap[min] = t;
		i = min;
	}
}

const struct rec *merger_next(struct merger *m)
{
	if (!m->started) {
		m->started = 1;
		m->heap = xcalloc(m->nsrc ? m->nsrc : 1, sizeof *m->heap);
		for (size_t i = 0; i < m->nsrc; i++)
			if (advance(m, &m->src[i]))
				m->heap[m->nheap++] = i;
		for (size_t i = m->nheap / 2; i-- > 0;)
			sift_down(m, i);
	} else if (m->nheap) {
		if (!advance(m, &m->src[m->heap[0]]))
			m->heap[0] = m->heap[--m->nheap];
		sift_down(m, 0);
	}
	return m->nheap ? &m->src[m->heap[0]].cur : NULL;
}

void merger_free(struct merger *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nsrc; i++)
		free(m->src[i].buf);
	free(m->src);
	free(m->heap);
	free(m);
}
