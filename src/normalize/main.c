/*
 * sosr-normalize - raw inventory records to canonical records, sorted.
 *
 * The reading thread (main) cuts the input into chunks of whole lines; two
 * worker threads (--threads) convert the chunks into canonical lines kept in
 * per-worker arenas; when the input ends, the lines of all workers are
 * sorted by key (then by the whole line, so that the output is the same
 * bytes whatever the thread schedule) and written.  Nothing reaches stdout
 * before the whole input has been read and converted: a bad line anywhere
 * makes the program exit with no output, never with part of an inventory.
 * When several lines are bad, the one reported is the first in the input.
 */
#include "normalize.h"
#include "cli.h"
#include "config.h"
#include "err.h"
#include "exitcodes.h"
#include "output.h"

#include <getopt.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_BYTES (4u << 20)     /* lines handed to a worker at once */
#define QUEUE_SLOTS 4
#define ARENA_BLOCK (16u << 20)
#define MAX_THREADS 16
#define MAX_RECORDS 100000000UL    /* cap on lines in one input */

static const char usage_text[] =
"usage: sosr-normalize [OPTIONS] [FILE]\n"
"\n"
"Read raw inventory records (NDJSON, docs/FORMATS.md section 1) from FILE\n"
"or standard input (FILE absent or '-'), write canonical records (section 2)\n"
"sorted by key on standard output.  Records that cannot be keyed become\n"
"'unidentified' records, with the reason; nothing is dropped.  Only input\n"
"that is not NDJSON is an error.\n"
"\n"
"Options:\n"
"  --config FILE          the job's configuration: its \"normalize\" section\n"
"                         (default domains, device key, mapping); flags win\n"
"  --source NAME          softlayer or sos, for records without a \"source\";\n"
"                         records whose source differs are an error\n"
"  --map FILE             JSON mapping of raw fields to canonical fields,\n"
"                         overlaid on the compiled-in defaults\n"
"  --print-map            print the compiled-in mapping and exit\n"
"  --default-domain D     domain for a short hostname without a domain\n"
"                         (repeatable; the first one is used)\n"
"  --device-key KEY       fqdn (default) or id: key devices by FQDN or by the\n"
"                         SoftLayer id (SOS softlayer_id)\n"
"  --threads N            conversion threads, 1..16 (default 2)\n"
"  --name NAME            the input's name in messages (FILE:LINE), for a\n"
"                         stream read from a pipe (the driver: raw/sos.ndjson)\n"
"  -h, --help             show this help and exit\n"
"  -V, --version          show the version and exit\n"
"\n"
"Exit status:\n"
"  0   success\n"
"  2   usage or mapping file error\n"
"  7   invalid input data (the message names file:line)\n"
"  9   cannot read the input or write the output\n"
"  10  out of memory or internal error\n";

/* A chunk: lines back to back, each as its length (a uint32_t, unaligned)
 * then its bytes and a NUL. */
struct chunk {
	char *data;
	size_t len, cap;
	unsigned long first_line;
};

/* A canonical line in a worker's arena; p0/p1 cache the key's first bytes
 * so that most comparisons of the sort never touch the line itself. */
struct rec {
	uint64_t p0, p1;
	const char *line;      /* "...}\n" */
	uint32_t len;          /* with the '\n' */
	uint32_t key_len;      /* escaped key, at line + 8 */
};

struct worker {
	pthread_t tid;
	struct conv conv;
	char **blocks;
	size_t nblocks, ablocks, used; /* used: bytes of the last block */
	struct rec *recs;
	size_t nrecs, arecs;
	/* the first failure of this worker: the lowest line number */
	unsigned long err_line;
	int err_code;
	char err[640];
};

static struct {
	const struct nopts *o;
	pthread_mutex_t mu;
	pthread_cond_t not_empty, not_full;
	struct chunk *q[QUEUE_SLOTS];
	size_t head, count;
	int done;
	/* lowest line number that failed in any worker, to skip later chunks */
	unsigned long fail_line;
	/* processed chunks, kept for reuse: fresh 4 MiB buffers would each be
	 * mapped and page-faulted anew */
	struct chunk *spare[QUEUE_SLOTS + MAX_THREADS + 1];
	size_t nspare;
} Q = { .mu = PTHREAD_MUTEX_INITIALIZER, .not_empty = PTHREAD_COND_INITIALIZER,
	.not_full = PTHREAD_COND_INITIALIZER };

static char *arena_alloc(struct worker *w, size_t n)
{
	if (w->nblocks == 0 || w->used + n > ARENA_BLOCK) {
		if (w->nblocks == w->ablocks) {
			w->ablocks = w->ablocks ? 2 * w->ablocks : 16;
			w->blocks = xrealloc(w->blocks, w->ablocks * sizeof *w->blocks);
		}
		w->blocks[w->nblocks++] = xmalloc(n > ARENA_BLOCK ? n : ARENA_BLOCK);
		w->used = 0;
	}
	char *p = w->blocks[w->nblocks - 1] + w->used;
	w->used += n;
	return p;
}

/* Load up to 8 bytes of S (length N) big-endian, zero-padded: comparing the
 * results as integers compares the bytes (keys never contain NUL). */
static uint64_t load8(const char *s, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < 8; i++)
		v = v << 8 | (i < n ? (unsigned char)s[i] : 0);
	return v;
}

static void add_rec(struct worker *w, const struct buf *out, size_t key_len)
{
	if (w->nrecs == w->arecs) {
		w->arecs = w->arecs ? 2 * w->arecs : 65536;
		w->recs = xrealloc(w->recs, w->arecs * sizeof *w->recs);
	}
	char *p = arena_alloc(w, out->len + 1);
	memcpy(p, out->data, out->len);
	p[out->len] = '\n';
	struct rec *r = &w->recs[w->nrecs++];
	const char *k = p + 8;
	r->p0 = load8(k, key_len);
	r->p1 = key_len > 8 ? load8(k + 8, key_len - 8) : 0;
	r->line = p;
	r->len = (uint32_t)(out->len + 1);
	r->key_len = (uint32_t)key_len;
}

static void note_failure(struct worker *w, unsigned long line)
{
	if (w->err_line == 0 || line < w->err_line) {
		w->err_line = line;
		w->err_code = w->conv.err_code ? w->conv.err_code : SOSR_EXIT_DATA;
		snprintf(w->err, sizeof w->err, "%s", w->conv.err);
	}
	pthread_mutex_lock(&Q.mu);
	if (Q.fail_line == 0 || line < Q.fail_line)
		Q.fail_line = line;
	pthread_mutex_unlock(&Q.mu);
}

static void run_chunk(struct worker *w, struct chunk *ch)
{
	const struct nopts *o = Q.o;
	char *p = ch->data, *end = ch->data + ch->len;
	unsigned long line = ch->first_line;
	for (; p < end; line++) {
		uint32_t n;
		memcpy(&n, p, sizeof n);
		p += sizeof n;
		if (convert(o, &w->conv, p, n, line) < 0) {
			note_failure(w, line);
			return;
		}
		add_rec(w, &w->conv.out, w->conv.key_len);
		p += n + 1;
	}
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

/* The full order: key bytes, then the whole line. */
static int cmp_rec(const struct rec *x, const struct rec *y)
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
static void sort_recs(struct rec *r, size_t n, size_t depth)
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
				sort_recs(r + i, j - i, depth + 16);
			else
				qsort(r + i, j - i, sizeof *r, cmp_line);
		}
		i = j;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	for (;;) {
		pthread_mutex_lock(&Q.mu);
		while (Q.count == 0 && !Q.done)
			pthread_cond_wait(&Q.not_empty, &Q.mu);
		if (Q.count == 0) {
			int failed = Q.fail_line != 0;
			pthread_mutex_unlock(&Q.mu);
			/* each worker sorts its own records; main merges the runs */
			if (!failed)
				sort_recs(w->recs, w->nrecs, 0);
			return NULL;
		}
		struct chunk *ch = Q.q[Q.head];
		Q.head = (Q.head + 1) % QUEUE_SLOTS;
		Q.count--;
		/* a chunk wholly after a known failure cannot hold the first one */
		int skip = Q.fail_line != 0 && ch->first_line > Q.fail_line;
		pthread_cond_signal(&Q.not_full);
		pthread_mutex_unlock(&Q.mu);
		if (!skip)
			run_chunk(w, ch);
		pthread_mutex_lock(&Q.mu);
		if (ch->cap == CHUNK_BYTES && Q.nspare < sizeof Q.spare / sizeof Q.spare[0]) {
			Q.spare[Q.nspare++] = ch;
			ch = NULL;
		}
		pthread_mutex_unlock(&Q.mu);
		if (ch) {
			free(ch->data);
			free(ch);
		}
	}
}

static void enqueue(struct chunk *ch)
{
	pthread_mutex_lock(&Q.mu);
	while (Q.count == QUEUE_SLOTS)
		pthread_cond_wait(&Q.not_full, &Q.mu);
	Q.q[(Q.head + Q.count) % QUEUE_SLOTS] = ch;
	Q.count++;
	pthread_cond_signal(&Q.not_empty);
	pthread_mutex_unlock(&Q.mu);
}

int main(int argc, char **argv)
{
	enum { O_SOURCE = 256, O_MAP, O_PRINT_MAP, O_DOMAIN, O_DEVKEY, O_THREADS, O_CONFIG, O_NAME };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, O_CONFIG },
		{ "name", required_argument, NULL, O_NAME },
		{ "source", required_argument, NULL, O_SOURCE },
		{ "map", required_argument, NULL, O_MAP },
		{ "print-map", no_argument, NULL, O_PRINT_MAP },
		{ "default-domain", required_argument, NULL, O_DOMAIN },
		{ "device-key", required_argument, NULL, O_DEVKEY },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static struct nopts o;
	const char *map_path = NULL, *config_path = NULL, *name = NULL;
	char *domains[CONFIG_MAX_DOMAINS];
	int nthreads = 2, print_map = 0, ch;

	err_init(argv[0]);
	out_init();
	o.source = -1;
	o.key_by_id = -1;
	while ((ch = cli_getopt(argc, argv, "hV", longopts)) != -1) {
		switch (ch) {
		case O_CONFIG:
			config_path = optarg;
			break;
		case O_NAME:
			name = optarg;
			break;
		case O_SOURCE:
			if (strcmp(optarg, "softlayer") == 0)
				o.source = SRC_SOFTLAYER;
			else if (strcmp(optarg, "sos") == 0)
				o.source = SRC_SOS;
			else
				sosr_usage_error("--source: '%s' is not softlayer or sos", optarg);
			break;
		case O_MAP:
			map_path = optarg;
			break;
		case O_PRINT_MAP:
			print_map = 1;
			break;
		case O_DOMAIN: {
			if (o.ndomains == CONFIG_MAX_DOMAINS)
				sosr_usage_error("--default-domain: more than %d domains", CONFIG_MAX_DOMAINS);
			char *d = xstrdup(optarg);
			domains[o.ndomains++] = d;
			if (config_domain(d) < 0)
				sosr_usage_error("--default-domain: '%s' is not a domain name", optarg);
			break;
		}
		case O_DEVKEY:
			if (strcmp(optarg, "fqdn") == 0)
				o.key_by_id = 0;
			else if (strcmp(optarg, "id") == 0)
				o.key_by_id = 1;
			else
				sosr_usage_error("--device-key: '%s' is not fqdn or id", optarg);
			break;
		case O_THREADS:
			nthreads = (int)cli_number(optarg, 1, MAX_THREADS, "--threads");
			break;
		case 'h':
			cli_help(usage_text);
		case 'V':
			cli_version();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		sosr_usage_error("too many operands: give one FILE, or none to read standard input");
	if (print_map) {
		fputs(map_default_json, stdout);
		out_close_stdout();
		return 0;
	}
	/* the file fills what the flags left unset */
	struct config cfg;
	config_init(&cfg);
	if (config_path)
		config_load(config_path, &cfg);
	if (o.ndomains == 0)
		for (size_t i = 0; i < cfg.norm.n_default_domains; i++)
			domains[o.ndomains++] = xstrdup(cfg.norm.default_domains[i]);
	o.domains = (const char **)domains;
	if (o.key_by_id < 0)
		o.key_by_id = cfg.norm.key_by_id > 0;
	if (!map_path)
		map_path = cfg.norm.map;
	map_load(&o.map, map_path);
	o.input_name = argc == 1 && strcmp(argv[0], "-") != 0 ? argv[0] : "(stdin)";

	struct ndjson_reader r;
	if (ndjson_open(&r, argc == 1 ? argv[0] : "-", 0) < 0)
		sosr_die(r.err_code, "cannot read '%s': %s; check the path", argv[0], r.err);
	if (name)
		r.name = o.input_name = name;

	Q.o = &o;
	struct worker *workers = xcalloc((size_t)nthreads, sizeof *workers);
	for (int i = 0; i < nthreads; i++) {
		conv_init(&workers[i].conv);
		if (pthread_create(&workers[i].tid, NULL, worker_main, &workers[i]) != 0)
			sosr_die(SOSR_EXIT_INTERNAL, "cannot start a conversion thread; try --threads 1");
	}

	/* Read: cut whole lines into chunks. */
	struct chunk *cur = NULL;
	char *line;
	size_t len;
	int got;
	unsigned long read_fail = 0;
	while ((got = ndjson_next(&r, &line, &len)) == 1) {
		if (r.lineno > MAX_RECORDS) {
			snprintf(r.err, sizeof r.err, "more than %lu lines", MAX_RECORDS);
			r.err_code = SOSR_EXIT_DATA;
			got = -1;
			break;
		}
		size_t need = sizeof(uint32_t) + len + 1;
		if (cur && cur->len + need > cur->cap) {
			enqueue(cur);
			cur = NULL;
		}
		if (!cur && need <= CHUNK_BYTES) {
			pthread_mutex_lock(&Q.mu);
			if (Q.nspare)
				cur = Q.spare[--Q.nspare];
			pthread_mutex_unlock(&Q.mu);
			if (cur)
				cur->len = 0;
		}
		if (!cur) {
			cur = xcalloc(1, sizeof *cur);
			cur->cap = CHUNK_BYTES > need ? CHUNK_BYTES : need;
			cur->data = xmalloc(cur->cap);
		}
		if (cur->len == 0)
			cur->first_line = r.lineno;
		uint32_t n32 = (uint32_t)len; /* len <= the reader's cap, 16 MiB */
		memcpy(cur->data + cur->len, &n32, sizeof n32);
		memcpy(cur->data + cur->len + sizeof n32, line, len + 1);
		cur->len += need;
		pthread_mutex_lock(&Q.mu);
		int stop = Q.fail_line != 0;
		pthread_mutex_unlock(&Q.mu);
		if (stop)
			break;
	}
	if (got < 0)
		read_fail = r.lineno;
	if (cur)
		enqueue(cur);
	pthread_mutex_lock(&Q.mu);
	Q.done = 1;
	pthread_cond_broadcast(&Q.not_empty);
	pthread_mutex_unlock(&Q.mu);
	for (int i = 0; i < nthreads; i++)
		pthread_join(workers[i].tid, NULL);

	/* The first failure in input order wins. */
	struct worker *first = NULL;
	for (int i = 0; i < nthreads; i++)
		if (workers[i].err_line && (!first || workers[i].err_line < first->err_line))
			first = &workers[i];
	if (first && (!read_fail || first->err_line < read_fail))
		sosr_die(first->err_code, "%s:%lu: %s", r.name, first->err_line, first->err);
	if (read_fail)
		ndjson_die(&r);

	/* Merge the workers' sorted runs. */
	size_t pos[MAX_THREADS] = { 0 };
	for (;;) {
		int best = -1;
		for (int i = 0; i < nthreads; i++)
			if (pos[i] < workers[i].nrecs &&
			    (best < 0 || cmp_rec(&workers[i].recs[pos[i]], &workers[best].recs[pos[best]]) < 0))
				best = i;
		if (best < 0)
			break;
		const struct rec *rr = &workers[best].recs[pos[best]++];
		out_write(stdout, rr->line, rr->len, "standard output");
	}

	unsigned long bad_times = 0, bad_time_line = 0;
	for (int i = 0; i < nthreads; i++) {
		struct conv *c = &workers[i].conv;
		bad_times += c->bad_time_count;
		if (c->bad_time_count && (!bad_time_line || c->bad_time_line < bad_time_line))
			bad_time_line = c->bad_time_line;
	}
	if (bad_times)
		sosr_warn("%s:%lu: %lu timestamp(s) in no known date format were omitted; "
			  "check the created/updated fields of the mapping", r.name, bad_time_line,
			  bad_times);
	out_close_stdout();

	for (size_t i = 0; i < Q.nspare; i++) {
		free(Q.spare[i]->data);
		free(Q.spare[i]);
	}
	for (int i = 0; i < nthreads; i++) {
		free(workers[i].recs);
		conv_free(&workers[i].conv);
		for (size_t b = 0; b < workers[i].nblocks; b++)
			free(workers[i].blocks[b]);
		free(workers[i].blocks);
	}
	free(workers);
	ndjson_close(&r);
	map_free(&o.map);
	config_free(&cfg);
	for (size_t i = 0; i < o.ndomains; i++)
		free(domains[i]);
	return 0;
}
