/* pager.c - see pager.h */
#include "pager.h"
#include "buf.h"
#include "err.h"
#include "exitcodes.h"
#include "jsondoc.h"
#include "ndjson.h"
#include "output.h"
#include "text.h"
#include "timeutil.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#define PAGER_MAX_TOTAL 100000000LL     /* records of one collection */
#define PAGER_MAX_PAGES 5000000L        /* pages of one collection */

enum jstate { J_FIRST, J_PAGING, J_VERIFIED, J_EMITTED };

struct page {
	off_t off;
	size_t len;
	long long count;
};

struct job_state {
	enum jstate state;
	int gen, rereads;
	long long total, kept, got;
	long npages, next_submit, pages_done;
	struct page *pages;
	FILE *spool;
	unsigned long retries;
	double t_start;
};

struct pager {
	struct http_engine *e;  /* the fetcher's */
	struct pager_options o;
	const struct pager_ops *ops;
	void *user;
	struct pager_job **jobs;
	size_t n_jobs, emit_next, done_jobs;
	size_t rr;              /* the job whose turn it is to send a page */
	int outstanding, window;
	int exit_code;
	int tty;
	double last_progress;
	double last_line;       /* off a terminal: the last progress line */
	unsigned long last_requests;
	unsigned long pages_total;
	unsigned long long records_total;
	struct buf line;        /* a record being written to the spool */
	struct buf last;        /* the last id kept, while printing */
	char *rd;               /* a spool line being read (getline's) */
	size_t rd_alloc;
};

/* What a request is, for the callback. */
struct ref {
	size_t job;
	int gen;
	long page;
};

/* ---- progress ---- */

static void clear_live(struct pager *p)
{
	if (p->tty)
		fputs("\r\033[K", stderr);
}

/* Off a terminal (Jenkins' console, run.log), where a live line cannot
 * stay, one line every o.progress seconds while pages come: a long fetch
 * shows it moves, not only when a collection is done. */
static void progress_line(struct pager *p)
{
	double t = tu_monotonic();
	if (p->o.quiet || p->o.progress <= 0 || t - p->last_line < p->o.progress)
		return;
	unsigned long req = http_requests(p->e);
	sosr_info("progress: %llu records, %lu pages, %.1f requests a second, %lu retries, %zu of %zu "
		  "collections done, %.0fs", p->records_total, p->pages_total,
		  (double)(req - p->last_requests) / (t - p->last_line), http_retries(p->e), p->done_jobs,
		  p->n_jobs, http_elapsed(p->e));
	p->last_line = t;
	p->last_requests = req;
}

static void live(struct pager *p, int force)
{
	if (!p->tty) {
		progress_line(p);
		return;
	}
	double t = tu_monotonic();
	if (!force && t - p->last_progress < 0.2)
		return;
	p->last_progress = t;
	fprintf(stderr, "\r%s: %lu pages, %llu records, %zu of %zu collections done, %lu retries\033[K",
		err_progname(), p->pages_total, p->records_total, p->done_jobs, p->n_jobs,
		http_retries(p->e));
	fflush(stderr);
}

static void job_line(struct pager *p, struct pager_job *j)
{
	if (p->o.quiet)
		return;
	struct job_state *s = j->st;
	clear_live(p);
	sosr_info("%s: %lld records in %ld pages, %lu retries%s, %.1fs", j->label, s->kept, s->npages,
		  s->retries, s->rereads ? " (read again)" : "", tu_monotonic() - s->t_start);
}

/* ---- failure ---- */

static void pager_fail(struct pager *p, int code)
{
	if (!p->exit_code)
		p->exit_code = code;
	http_abort(p->e);
}

/* ---- spool ---- */

static FILE *spool_open(struct pager *p)
{
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	struct buf b = BUF_INIT(0);
	buf_printf(&b, "%s/sosr-spool-XXXXXX", dir);
	int fd = mkstemp(b.data);
	if (fd < 0) {
		sosr_error_errno("cannot create a spool file in '%s'; check TMPDIR and free space", dir);
		buf_free(&b);
		pager_fail(p, SOSR_EXIT_IO);
		return NULL;
	}
	unlink(b.data);         /* gone when closed, whatever happens */
	buf_free(&b);
	FILE *fp = fdopen(fd, "w+");
	if (!fp) {
		close(fd);
		sosr_oom();
	}
	return fp;
}

static void spool_io_error(struct pager *p, struct pager_job *j)
{
	sosr_error_errno("cannot use the spool file of %s; check free space in TMPDIR (or /tmp)",
			 j->label);
	pager_fail(p, SOSR_EXIT_IO);
}

/* ---- jobs ---- */

static enum http_verdict on_done(struct http_engine *e, struct http_request *req,
				 struct http_response *resp, void *user);

static void submit_page(struct pager *p, size_t ji, long k)
{
	struct pager_job *j = p->jobs[ji];
	long long off = (long long)k * p->o.page_size;
	struct http_request *r = p->ops->request(j, off, p->o.page_size, p->user);
	struct ref *rf = xmalloc(sizeof *rf);
	rf->job = ji;
	rf->gen = j->st->gen;
	rf->page = k;
	http_request_set_user(r, rf, free);
	http_request_set_done(r, on_done, p);
	p->outstanding++;
	http_submit(p->e, r);
}

static void job_restart(struct pager *p, size_t ji)
{
	struct job_state *s = p->jobs[ji]->st;
	s->gen++;
	s->state = J_FIRST;
	free(s->pages);
	s->pages = NULL;
	s->npages = s->next_submit = s->pages_done = 0;
	s->total = s->kept = s->got = 0;
	if (s->spool) {
		if (ftruncate(fileno(s->spool), 0) != 0 || fseeko(s->spool, 0, SEEK_SET) != 0) {
			spool_io_error(p, p->jobs[ji]);
			return;
		}
	}
	submit_page(p, ji, 0);
}

/* Verification failed with REASON: read the job again, or give up. */
static void job_reread(struct pager *p, size_t ji, const char *reason)
{
	struct pager_job *j = p->jobs[ji];
	struct job_state *s = j->st;
	if (s->rereads >= p->o.max_rereads) {
		clear_live(p);
		sosr_error("incomplete read of %s: %s (read %d times); a rerun is the first remedy, "
			   "and if it persists the API is changing or paging inconsistently: check with its owners",
			   j->label, reason, s->rereads + 1);
		pager_fail(p, SOSR_EXIT_INCOMPLETE);
		return;
	}
	s->rereads++;
	if (!p->o.quiet) {
		clear_live(p);
		sosr_warn("%s: %s; reading it again", j->label, reason);
	}
	job_restart(p, ji);
}

/* Bytes of N records of the spool: one fwrite each, so that the checks
 * stay in one place. */
static int spool_put(struct pager *p, struct pager_job *j, const char *data, size_t n)
{
	if (fwrite(data, 1, n, j->st->spool) != n) {
		spool_io_error(p, j);
		return -1;
	}
	return 0;
}

/* Write the N records of ITEMS (page K, asked for by REQ) to the spool;
 * 0, or -1 when the job was restarted or the run failed. */
static int write_page(struct pager *p, size_t ji, long k, struct http_request *req, struct jspan items,
		      size_t n)
{
	struct pager_job *j = p->jobs[ji];
	struct job_state *s = j->st;
	int is_array = jscan_type(items) == JT_ARRAY;
	struct jiter it;
	if (is_array)
		jscan_iter(&it, items);
	if (!s->spool && !(s->spool = spool_open(p)))
		return -1;
	if (fseeko(s->spool, 0, SEEK_END) != 0) {
		spool_io_error(p, j);
		return -1;
	}
	struct page *pg = &s->pages[k];
	pg->off = ftello(s->spool);
	pg->count = 0;
	long long off = (long long)k * p->o.page_size;
	struct jspan last = { NULL, 0 };
	for (size_t i = 0; i < n; i++) {
		struct jspan item = items, id;
		if (is_array && !jscan_next_item(&it, &item))
			break;  /* cannot happen: the items were counted */
		char why[300];
		if (pager_record(&p->line, j->prefix, item, j->dedupe_id ? &id : NULL, why, sizeof why) < 0) {
			char *url = http_url_for_message(http_request_url(req));
			clear_live(p);
			sosr_error("bad record in %s, page at offset %lld on %s, item %zu: %s; check the endpoint%s",
				   j->label, off, url, i, why,
				   j->dedupe_id ? " and the object mask" : " and the items field");
			free(url);
			pager_fail(p, SOSR_EXIT_API);
			return -1;
		}
		if (j->dedupe_id) {
			if (i > 0 && jscan_cmp_digits(id.p, id.len, last.p, last.len) < 0) {
				char reason[200];
				snprintf(reason, sizeof reason,
					 "the page at offset %lld is not sorted by id (%.*s%s after %.*s%s)", off,
					 (int)(id.len > 40 ? 40 : id.len), id.p, id.len > 40 ? "..." : "",
					 (int)(last.len > 40 ? 40 : last.len), last.p, last.len > 40 ? "..." : "");
				job_reread(p, ji, reason);
				return -1;
			}
			last = id;
			if (spool_put(p, j, id.p, id.len) < 0 || spool_put(p, j, "\t", 1) < 0)
				return -1;
		}
		if (buf_addch(&p->line, '\n') < 0)
			sosr_oom();     /* the cap leaves room for it */
		if (spool_put(p, j, p->line.data, p->line.len) < 0)
			return -1;
		pg->count++;
	}
	if (fflush(s->spool) != 0) {
		spool_io_error(p, j);
		return -1;
	}
	pg->len = (size_t)(ftello(s->spool) - pg->off);
	s->got += pg->count;
	p->records_total += (unsigned long long)pg->count;
	p->pages_total++;
	return 0;
}

/* Walk the spool of J in page order: count (and, when OUT, print) the
 * records kept after dedupe.  A line at a time: memory is one record,
 * whatever the page.  -1 on an I/O error (reported). */
static int walk(struct pager *p, struct pager_job *j, long long *kept, int out)
{
	struct job_state *s = j->st;
	long long n = 0;
	int have_last = 0;
	for (long k = 0; k < s->npages; k++) {
		struct page *pg = &s->pages[k];
		if (pg->len == 0)
			continue;
		if (fseeko(s->spool, pg->off, SEEK_SET) != 0) {
			spool_io_error(p, j);
			return -1;
		}
		size_t left = pg->len;
		while (left) {
			errno = 0;
			ssize_t got = getline(&p->rd, &p->rd_alloc, s->spool);
			if (got <= 0 || (size_t)got > left || p->rd[got - 1] != '\n') {
				if (!errno)
					errno = EIO;    /* the spool is not what we wrote */
				spool_io_error(p, j);
				return -1;
			}
			left -= (size_t)got;
			char *rec = p->rd;
			if (j->dedupe_id) {
				char *tab = memchr(p->rd, '\t', (size_t)got);
				size_t idlen = tab ? (size_t)(tab - p->rd) : 0;
				rec = tab ? tab + 1 : p->rd;
				if (have_last && jscan_cmp_digits(p->rd, idlen, p->last.data, p->last.len) <= 0)
					continue;
				buf_reset(&p->last);
				if (buf_add(&p->last, p->rd, idlen) < 0)
					sosr_oom();
				have_last = 1;
			}
			n++;
			if (out)
				out_write(stdout, rec, (size_t)(p->rd + got - rec), "standard output");
		}
	}
	*kept = n;
	return 0;
}

static int group_empty(struct pager *p, size_t ji, struct buf *labels)
{
	int g = p->jobs[ji]->group;
	long long sum = 0;
	for (size_t i = 0; i < p->n_jobs; i++)
		if (p->jobs[i]->group == g) {
			if (i > ji)
				return 0;       /* not the last of its group yet */
			sum += p->jobs[i]->st->total;
			if (labels->len)
				buf_addstr(labels, " and ");
			buf_addstr(labels, p->jobs[i]->label);
		}
	return sum == 0;
}

static void emit_ready(struct pager *p)
{
	while (!p->exit_code && p->emit_next < p->n_jobs &&
	       p->jobs[p->emit_next]->st->state == J_VERIFIED) {
		size_t ji = p->emit_next;
		struct pager_job *j = p->jobs[ji];
		if (!p->o.allow_empty) {
			struct buf labels = BUF_INIT(0);
			if (group_empty(p, ji, &labels)) {
				clear_live(p);
				sosr_error("no records for %s: the API says there are none; %s, "
					   "or pass --allow-empty if that is expected",
					   labels.data, p->o.empty_hint ? p->o.empty_hint
									: "check the credentials and the endpoint");
				buf_free(&labels);
				pager_fail(p, SOSR_EXIT_INCOMPLETE);
				return;
			}
			buf_free(&labels);
		}
		long long kept;
		if (walk(p, j, &kept, 1) < 0)
			return;
		out_check(stdout, "standard output");
		fclose(j->st->spool);
		j->st->spool = NULL;
		j->st->state = J_EMITTED;
		p->emit_next++;
	}
}

static void job_finalize(struct pager *p, size_t ji)
{
	struct pager_job *j = p->jobs[ji];
	struct job_state *s = j->st;
	long long kept = 0;
	if (j->dedupe_id) {
		if (walk(p, j, &kept, 0) < 0)
			return;
	} else {
		kept = s->got;
	}
	if (kept != s->total) {
		char reason[256];
		snprintf(reason, sizeof reason, "expected %lld records (%s), got %lld%s", s->total,
			 p->o.total_name ? p->o.total_name : "the total", kept,
			 kept != s->got ? " after removing duplicates" : "");
		job_reread(p, ji, reason);
		return;
	}
	s->kept = kept;
	s->state = J_VERIFIED;
	p->done_jobs++;
	job_line(p, j);
	emit_ready(p);
}

/* Keep up to `window` requests queued or in flight, one page per job in
 * turn, the turn kept across calls: a job whose credential is at its rate
 * limit must not hold every slot while other accounts' requests could go. */
static void feed(struct pager *p)
{
	size_t idle = 0;        /* jobs visited in a row with nothing to send */
	while (p->outstanding < p->window && !p->exit_code && idle < p->n_jobs) {
		size_t ji = p->rr++ % p->n_jobs;
		struct job_state *s = p->jobs[ji]->st;
		if (s->state == J_PAGING && s->next_submit < s->npages) {
			submit_page(p, ji, s->next_submit++);
			idle = 0;
		} else {
			idle++;
		}
	}
}

static enum http_verdict on_done(struct http_engine *e, struct http_request *req,
				 struct http_response *resp, void *user)
{
	struct pager *p = user;
	struct ref *rf = http_request_user(req);
	struct pager_job *j = p->jobs[rf->job];
	struct job_state *s = j->st;
	long long off = (long long)rf->page * p->o.page_size;
	if (p->exit_code)
		return HTTP_ACCEPT;
	if (rf->gen != s->gen) {
		/* A page of a read that was abandoned: ignore it. */
		p->outstanding--;
		feed(p);
		return HTTP_ACCEPT;
	}
	if (resp->result != HTTP_OK) {
		p->outstanding--;
		s->retries += (unsigned long)(resp->attempts - 1);
		clear_live(p);
		pager_fail(p, p->ops->fail(j, off, req, resp, p->user));
		return HTTP_ACCEPT;
	}
	long long total = -1;
	struct jspan items = { NULL, 0 };
	char msg[400] = "";
	if (p->ops->parse(j, req, resp, &total, &items, msg, sizeof msg, p->user) < 0) {
		snprintf(resp->detail, sizeof resp->detail, "%s", msg);
		return HTTP_RETRY;
	}
	p->outstanding--;
	s->retries += (unsigned long)(resp->attempts - 1);
	/* More records than asked for: a page that does not honour its own
	 * paging, never spooled (the JSON amplification of a page of
	 * millions of "{}" stops here). */
	size_t n = jscan_type(items) == JT_ARRAY ? jscan_count_items(items, (size_t)p->o.page_size + 1) : 1;
	if (n > (size_t)p->o.page_size) {
		char *url = http_url_for_message(http_request_url(req));
		clear_live(p);
		sosr_error("the page of %s at offset %lld on %s has more than %ld records, the page size "
			   "asked for (%zu bytes); the API does not honour its paging: check the endpoint "
			   "and its paging parameters", j->label, off, url, p->o.page_size, resp->body.len);
		free(url);
		pager_fail(p, SOSR_EXIT_API);
		return HTTP_ACCEPT;
	}
	if (rf->page == 0 && (total > PAGER_MAX_TOTAL ||
			      total / p->o.page_size >= PAGER_MAX_PAGES)) {
		/* An absurd total would size the page index absurdly. */
		char why[200];
		snprintf(why, sizeof why, "%s says %lld records, more than this tool reads (%lld in at most %ld pages); "
			 "check the endpoint, or use a larger --page-size", p->o.total_name ? p->o.total_name : "the total",
			 total, (long long)PAGER_MAX_TOTAL, (long)PAGER_MAX_PAGES);
		clear_live(p);
		sosr_error("%s: %s", j->label, why);
		pager_fail(p, SOSR_EXIT_API);
		return HTTP_ACCEPT;
	}
	if (rf->page == 0) {
		/* The page at floor(total / size) * size is the last one: it
		 * holds total mod size records, none when the total is a
		 * whole number of pages (so that a total one short shows). */
		s->total = total;
		s->npages = (long)(total / p->o.page_size) + 1;
		s->pages = xcalloc((size_t)s->npages, sizeof *s->pages);
		s->next_submit = 1;
		s->state = J_PAGING;
	} else if (total != s->total) {
		char reason[200];
		snprintf(reason, sizeof reason,
			 "the total changed from %lld to %lld between the first page and the page at offset %lld",
			 s->total, total, off);
		job_reread(p, rf->job, reason);
		feed(p);
		return HTTP_ACCEPT;
	}
	if (rf->page < s->npages - 1 && n < (size_t)p->o.page_size) {
		/* A short page before the last: the API ran out of records
		 * before the total it states.  Said at once, not after paging
		 * on through empty pages until the time budget ends; read
		 * again like any contradiction (a one-page glitch heals), so a
		 * lying total fails as incomplete after a few pages. */
		char reason[400];
		snprintf(reason, sizeof reason, "the page at offset %lld has %zu records, fewer than the "
			 "page size (%ld), before the total %lld was reached; the API's total (%s) does not "
			 "match its pages, or the API serves fewer records a page than asked (then use a "
			 "smaller --page-size)", off, n, p->o.page_size, s->total,
			 p->o.total_name ? p->o.total_name : "the total");
		job_reread(p, rf->job, reason);
		feed(p);
		return HTTP_ACCEPT;
	}
	int rc = write_page(p, rf->job, rf->page, req, items, n);
	if (rc == 0 && ++s->pages_done == s->npages)
		job_finalize(p, rf->job);
	feed(p);
	live(p, 0);
	(void)e;
	return HTTP_ACCEPT;
}

int pager_parse_body(const struct http_response *resp, struct jspan *root, char *msg, size_t msglen)
{
	const char *text = resp->body.data ? resp->body.data : "";
	size_t bom = text_bom_len(text, resp->body.len);
	if (resp->body.len == bom) {
		snprintf(msg, msglen, "HTTP %ld with an empty body", resp->status);
		return -1;
	}
	struct jscan_result res;
	char why[200];
	if (jscan_document(text + bom, resp->body.len - bom, JSONDOC_MAX_DEPTH, root, &res) < 0) {
		jscan_describe(&res, bom, why, sizeof why);
	} else if (jscan_type(*root) != JT_ARRAY && jscan_type(*root) != JT_OBJECT) {
		snprintf(why, sizeof why, "it is not a JSON array or object");
	} else {
		return 0;
	}
	snprintf(msg, msglen, "HTTP %ld with a body that is not a whole JSON document (%zu bytes: %s)",
		 resp->status, resp->body.len, why);
	return -1;
}

int pager_record(struct buf *line, const char *prefix, struct jspan item, struct jspan *id,
		 char *why, size_t whylen)
{
	buf_reset(line);
	if (jscan_type(item) != JT_OBJECT) {
		snprintf(why, whylen, "not a JSON object");
		return -1;
	}
	/* the record is one level deeper than the item */
	struct jscan_result res;
	size_t end;
	if (jscan_value(item.p, item.len, NDJSON_MAX_DEPTH - 1, &end, &res) < 0) {
		if (res.error == JE_DEPTH)
			snprintf(why, whylen, "nested deeper than %d levels, which sosr-normalize does not read "
				 "in a raw record", NDJSON_MAX_DEPTH - 1);
		else
			jscan_describe(&res, 0, why, whylen);   /* not a valid value: a bug */
		return -1;
	}
	if (res.values > PAGER_MAX_RECORD_VALUES) {
		snprintf(why, whylen, "%zu JSON values in one record, more than the %u a raw record may "
			 "hold (sosr-normalize builds each in memory)", res.values, PAGER_MAX_RECORD_VALUES);
		return -1;
	}
	if (id) {
		int count = jscan_member(item, "id", id);
		if (count == 0 || !jscan_is_digits(*id)) {
			snprintf(why, whylen, "no \"id\" that is a whole number of 0 or more");
			return -1;
		}
		if (count > 1) {
			snprintf(why, whylen, "\"id\" appears %d times", count);
			return -1;
		}
	}
	if (buf_addstr(line, prefix) < 0 || jscan_compact(item, line) < 0 || buf_addch(line, '}') < 0 ||
	    line->len > NDJSON_DEFAULT_MAX_LINE) {
		snprintf(why, whylen, "a record of more than %u bytes, longer than sosr-normalize reads in "
			 "a line", NDJSON_DEFAULT_MAX_LINE);
		return -1;
	}
	return 0;
}

struct pager *pager_new(struct http_engine *e, const struct pager_options *po,
			const struct pager_ops *ops, void *user)
{
	struct pager *p = xcalloc(1, sizeof *p);
	p->e = e;
	p->o = *po;
	if (p->o.max_rereads < 0)
		p->o.max_rereads = 0;
	p->ops = ops;
	p->user = user;
	p->window = 2 * http_engine_options(e)->concurrency;
	p->tty = !po->quiet && isatty(2);
	/* a record and its newline (pager_record) */
	buf_init(&p->line, NDJSON_DEFAULT_MAX_LINE + 1);
	buf_init(&p->last, 0);
	return p;
}

struct pager_job *pager_add_job(struct pager *p, const char *label, const char *prefix,
				int dedupe_id, int group, void *user)
{
	struct pager_job *j = xcalloc(1, sizeof *j);
	j->label = xstrdup(label);
	j->prefix = xstrdup(prefix);
	j->dedupe_id = dedupe_id;
	j->group = group;
	j->user = user;
	j->st = xcalloc(1, sizeof *j->st);
	p->jobs = xrealloc(p->jobs, (p->n_jobs + 1) * sizeof *p->jobs);
	p->jobs[p->n_jobs++] = j;
	return j;
}

int pager_run(struct pager *p)
{
	double t0 = tu_monotonic();
	p->last_line = t0;
	p->last_requests = http_requests(p->e);
	for (size_t i = 0; i < p->n_jobs; i++) {
		p->jobs[i]->st->t_start = t0;
		submit_page(p, i, 0);
	}
	int rc = http_run(p->e);
	clear_live(p);
	if (rc < 0 && !p->exit_code)
		p->exit_code = SOSR_EXIT_INTERNAL;
	if (!p->exit_code && p->emit_next != p->n_jobs) {
		sosr_error("the fetch ended with %zu of %zu collections printed; this is a bug",
			   p->emit_next, p->n_jobs);
		p->exit_code = SOSR_EXIT_INTERNAL;
	}
	if (!p->exit_code && !p->o.quiet && p->n_jobs > 1)
		sosr_info("done: %llu records in %lu pages, %lu requests, %lu retries, %.1fs",
			  p->records_total, p->pages_total, http_requests(p->e), http_retries(p->e),
			  http_elapsed(p->e));
	double floor = http_rate_floor(p->e);
	if (!p->exit_code && !p->o.quiet && floor < http_engine_options(p->e)->rate_limit)
		sosr_info("the server limited the rate: down to %.1f requests a second at the lowest; "
			  "a rate_limit at or below its limit saves the retries", floor);
	return p->exit_code;
}

void pager_free(struct pager *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_jobs; i++) {
		struct pager_job *j = p->jobs[i];
		if (j->st->spool)
			fclose(j->st->spool);
		free(j->st->pages);
		free(j->st);
		free(j->label);
		free(j->prefix);
		free(j);
	}
	free(p->jobs);
	buf_free(&p->line);
	buf_free(&p->last);
	free(p->rd);
	free(p);
}
