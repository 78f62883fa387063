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
 *
 * Memory.  The chunks, the arenas and the record indexes are held within
 * the budget (--memory, normalize.memory; layout_init divides it): a
 * worker whose arena and index reach its share sorts them and spills them
 * as a run to its temporary file (sort.c), empties its arena and goes on.
 * At the end main merges the workers' records with the runs (merge_out).
 * The output is the same bytes for any budget.  A spill file that cannot
 * be written is exit 9, but only once the input has been converted: a bad
 * line, if there is one, is still the error reported, whatever the budget.
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

#define QUEUE_SLOTS 4              /* chunks of lines waiting for a worker */
#define DEFAULT_MEMORY (256LL << 20)
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
"                         (default domains, device key, mapping, memory);\n"
"                         flags win\n"
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
"  --memory SIZE          memory for the records and their sort (default\n"
"                         256M; a size like 64M or 1G, 1M..1T): past it,\n"
"                         sorted runs are spilled to unlinked temporary\n"
"                         files in TMPDIR (else /tmp) and merged at the end\n"
"  --name NAME            the input's name in messages (FILE:LINE), for a\n"
"                         stream read from a pipe (the driver: raw/sos.ndjson)\n"
"  -h, --help             show this help and exit\n"
"  -V, --version          show the version and exit\n"
"\n"
"Exit status:\n"
"  0   success\n"
"  2   usage or mapping file error\n"
"  7   invalid input data (the message names file:line)\n"
"  9   cannot read the input, write the output, or use TMPDIR for the sort\n"
"  10  out of memory or internal error\n";

/* A chunk: lines back to back, each as its length (a uint32_t, unaligned)
 * then its bytes and a NUL. */
struct chunk {
	char *data;
	size_t len, cap;
	unsigned long first_line;
};

/* An arena block. */
struct block {
	char *p;
	size_t size;
};

struct worker {
	pthread_t tid;
	struct conv conv;
	/* the arena: standard blocks, reused after a spill (cur is the one
	 * being filled, used its bytes taken), and blocks of one long line */
	struct block *blocks, *big;
	size_t nblocks, ablocks, cur, used, nbig, abig;
	struct rec *recs;
	size_t nrecs, arecs;
	size_t held;            /* bytes of blocks and index, against L.share */
	struct spill spill;     /* the runs this worker wrote */
	/* the first failure of this worker: the lowest line number */
	unsigned long err_line;
	int err_code;
	char err[640];
};

/* How the memory budget is divided (layout_init). */
static struct {
	size_t chunk;           /* a chunk of input lines */
	size_t block;           /* an arena block */
	size_t share;           /* arena and index bytes a worker holds before it spills */
	size_t first_recs;      /* the index's first size, in records */
	size_t wbuf;            /* a spill file's write buffer */
	size_t rbuf;            /* a run's read buffer in the merge */
	size_t fan_in;          /* runs merged at once */
} L;

static struct {
	const struct nopts *o;
	pthread_mutex_t mu;
	pthread_cond_t not_empty, not_full;
	struct chunk *q[QUEUE_SLOTS];
	size_t head, count;
	int done;
	/* lowest line number that failed in any worker, to skip later chunks */
	unsigned long fail_line;
	/* a spill file could not be written: the workers keep converting (a
	 * bad line is still the error reported) but hold nothing */
	int spill_failed;
	/* processed chunks, kept for reuse: fresh 4 MiB buffers would each be
	 * mapped and page-faulted anew */
	struct chunk *spare[QUEUE_SLOTS + MAX_THREADS + 1];
	size_t nspare;
} Q = { .mu = PTHREAD_MUTEX_INITIALIZER, .not_empty = PTHREAD_COND_INITIALIZER,
	.not_full = PTHREAD_COND_INITIALIZER };

static size_t clamp(size_t v, size_t lo, size_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* Divide BUDGET among NTHREADS workers.  What is held at once: the chunks
 * (at most QUEUE_SLOTS queued, one per worker, one being filled), a write
 * buffer per worker, and each worker's arena and index up to its share;
 * at the end the chunks and write buffers are gone, and the merge's read
 * buffers take their place beside the records still in memory.  The
 * reader's block, the output buffer and json-c's scratch are not counted:
 * a few MiB whatever the budget.  A budget past the input's needs gives
 * what the program did before it had one: 4 MiB chunks, 16 MiB blocks,
 * no spill. */
static void layout_init(unsigned long long budget, int nthreads)
{
	size_t b = budget > SIZE_MAX / 2 ? SIZE_MAX / 2 : (size_t)budget;
	size_t slots = QUEUE_SLOTS + (size_t)nthreads + 1;
	L.chunk = clamp(b / 4 / slots, 16u << 10, 4u << 20);
	L.wbuf = clamp(b / 64, 16u << 10, 256u << 10);
	size_t fixed = slots * L.chunk + (size_t)nthreads * L.wbuf;
	size_t rest = b > fixed ? b - fixed : 0;
	L.share = rest / (size_t)nthreads;
	L.block = clamp(L.share / 8, 16u << 10, 16u << 20);
	L.first_recs = clamp(L.share / 16 / sizeof(struct rec), 256, 65536);
	/* the merge: what the chunks and the workers' write buffers held,
	 * less the write buffer of its own first passes */
	L.rbuf = clamp(fixed / 32, 16u << 10, 256u << 10);
	L.fan_in = clamp((fixed - L.wbuf) / L.rbuf, 2, 1024);
}

/* Room for N bytes in W's arena; NULL when it would take W past its
 * share, unless FORCE (the caller spills first, then forces). */
static char *arena_alloc(struct worker *w, size_t n, int force)
{
	if (n > L.block) {
		/* a line longer than a block: its own, freed after a spill */
		if (!force && w->held + n > L.share)
			return NULL;
		if (w->nbig == w->abig) {
			w->abig = w->abig ? 2 * w->abig : 4;
			w->big = xrealloc(w->big, w->abig * sizeof *w->big);
		}
		struct block *bl = &w->big[w->nbig++];
		bl->p = xmalloc(n);
		bl->size = n;
		w->held += n;
		return bl->p;
	}
	if (w->cur < w->nblocks && w->used + n <= L.block) {
		char *p = w->blocks[w->cur].p + w->used;
		w->used += n;
		return p;
	}
	if (w->cur + 1 < w->nblocks) {
		w->cur++;
		w->used = n;
		return w->blocks[w->cur].p;
	}
	if (!force && w->held + L.block > L.share)
		return NULL;
	if (w->nblocks == w->ablocks) {
		w->ablocks = w->ablocks ? 2 * w->ablocks : 16;
		w->blocks = xrealloc(w->blocks, w->ablocks * sizeof *w->blocks);
	}
	w->cur = w->nblocks++;
	w->blocks[w->cur].p = xmalloc(L.block);
	w->blocks[w->cur].size = L.block;
	w->held += L.block;
	w->used = n;
	return w->blocks[w->cur].p;
}

/* Make room in W's index for one more record; -1 when that would take W
 * past its share, unless FORCE. */
static int grow_index(struct worker *w, int force)
{
	size_t add = w->arecs ? w->arecs : L.first_recs;
	if (!force && w->held + add * sizeof *w->recs > L.share) {
		/* grow by what is left, if that is worth a reallocation */
		size_t room = L.share > w->held ? (L.share - w->held) / sizeof *w->recs : 0;
		if (room < w->arecs / 8 + 1)
			return -1;
		add = room;
	}
	w->recs = xrealloc(w->recs, (w->arecs + add) * sizeof *w->recs);
	w->arecs += add;
	w->held += add * sizeof *w->recs;
	return 0;
}

/* W's records reach its share: sort them and write them as a run, then
 * empty the arena (its blocks and index are kept for the next run).  After
 * a bad line or a failed spill nothing will be printed: the records are
 * dropped, unwritten. */
static void spill(struct worker *w)
{
	pthread_mutex_lock(&Q.mu);
	int drop = Q.fail_line != 0 || Q.spill_failed;
	pthread_mutex_unlock(&Q.mu);
	if (!drop) {
		sort_recs(w->recs, w->nrecs);
		if (spill_run(&w->spill, w->recs, w->nrecs) < 0) {
			pthread_mutex_lock(&Q.mu);
			Q.spill_failed = 1;
			pthread_mutex_unlock(&Q.mu);
		}
	}
	w->nrecs = 0;
	w->cur = w->used = 0;
	for (size_t i = 0; i < w->nbig; i++) {
		w->held -= w->big[i].size;
		free(w->big[i].p);
	}
	w->nbig = 0;
}

static void add_rec(struct worker *w, const struct buf *out, size_t key_len)
{
	if (w->nrecs == w->arecs && grow_index(w, w->nrecs == 0) < 0)
		spill(w);
	char *p = arena_alloc(w, out->len + 1, w->nrecs == 0);
	if (!p) {
		spill(w);
		p = arena_alloc(w, out->len + 1, 1);
	}
	memcpy(p, out->data, out->len);
	p[out->len] = '\n';
	rec_set(&w->recs[w->nrecs++], p, (uint32_t)(out->len + 1), (uint32_t)key_len);
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

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	for (;;) {
		pthread_mutex_lock(&Q.mu);
		while (Q.count == 0 && !Q.done)
			pthread_cond_wait(&Q.not_empty, &Q.mu);
		if (Q.count == 0) {
			int failed = Q.fail_line != 0 || Q.spill_failed;
			pthread_mutex_unlock(&Q.mu);
			/* each worker sorts its own records; main merges them
			 * with the runs */
			if (!failed)
				sort_recs(w->recs, w->nrecs);
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
		if (ch->cap == L.chunk && Q.nspare < sizeof Q.spare / sizeof Q.spare[0]) {
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

/* Write the sorted output: the records the workers hold and their runs,
 * merged.  Runs beyond the fan-in are first merged, oldest first, into
 * longer runs in a spill file of main's own, as few at a time as bring
 * the count down to the fan-in, so that each byte is rewritten as seldom
 * as it can be. */
static void merge_out(struct worker *workers, int nthreads)
{
	struct run *runs = NULL;
	size_t nruns = 0, aruns = 0, lo = 0;
	for (int i = 0; i < nthreads; i++) {
		const struct spill *sp = &workers[i].spill;
		if (sp->nruns == 0)
			continue;
		if (nruns + sp->nruns > aruns) {
			aruns = 2 * (nruns + sp->nruns);
			runs = xrealloc(runs, aruns * sizeof *runs);
		}
		memcpy(runs + nruns, sp->runs, sp->nruns * sizeof *runs);
		nruns += sp->nruns;
	}
	struct spill ms;
	spill_init(&ms, L.wbuf);
	while (nruns - lo > L.fan_in) {
		size_t k = nruns - lo - L.fan_in + 1;
		if (k > L.fan_in)
			k = L.fan_in;
		/* its read buffers: the chunks' and write buffers' memory */
		struct merger *m = merger_new(L.rbuf);
		for (size_t i = 0; i < k; i++)
			merger_add_run(m, &runs[lo + i]);
		lo += k;
		spill_begin(&ms);
		const struct rec *r;
		while ((r = merger_next(m)) && spill_add(&ms, r) == 0)
			;
		if (spill_end(&ms) < 0)
			spill_die(&ms);
		merger_free(m);
		if (nruns == aruns) {
			aruns *= 2;
			runs = xrealloc(runs, aruns * sizeof *runs);
		}
		runs[nruns++] = ms.runs[ms.nruns - 1];
	}
	struct merger *m = merger_new(L.rbuf);
	for (int i = 0; i < nthreads; i++)
		merger_add_mem(m, workers[i].recs, workers[i].nrecs);
	for (size_t i = lo; i < nruns; i++)
		merger_add_run(m, &runs[i]);
	const struct rec *r;
	while ((r = merger_next(m)))
		out_write(stdout, r->line, r->len, "standard output");
	merger_free(m);
	spill_free(&ms);
	free(runs);
}

int main(int argc, char **argv)
{
	enum { O_SOURCE = 256, O_MAP, O_PRINT_MAP, O_DOMAIN, O_DEVKEY, O_THREADS, O_CONFIG, O_NAME,
	       O_MEMORY };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, O_CONFIG },
		{ "name", required_argument, NULL, O_NAME },
		{ "source", required_argument, NULL, O_SOURCE },
		{ "map", required_argument, NULL, O_MAP },
		{ "print-map", no_argument, NULL, O_PRINT_MAP },
		{ "default-domain", required_argument, NULL, O_DOMAIN },
		{ "device-key", required_argument, NULL, O_DEVKEY },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "memory", required_argument, NULL, O_MEMORY },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static struct nopts o;
	const char *map_path = NULL, *config_path = NULL, *name = NULL;
	char *domains[CONFIG_MAX_DOMAINS];
	int nthreads = 2, print_map = 0, ch;
	long long memory = -1;

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
		case O_MEMORY:
			memory = (long long)cli_size(optarg, (unsigned long long)CONFIG_MIN_MEMORY,
						     (unsigned long long)CONFIG_MAX_MEMORY, "--memory");
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
	if (memory < 0)
		memory = cfg.norm.memory >= 0 ? cfg.norm.memory : DEFAULT_MEMORY;
	layout_init((unsigned long long)memory, nthreads);
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
		spill_init(&workers[i].spill, L.wbuf);
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
		if (!cur && need <= L.chunk) {
			pthread_mutex_lock(&Q.mu);
			if (Q.nspare)
				cur = Q.spare[--Q.nspare];
			pthread_mutex_unlock(&Q.mu);
			if (cur)
				cur->len = 0;
		}
		if (!cur) {
			cur = xcalloc(1, sizeof *cur);
			cur->cap = L.chunk > need ? L.chunk : need;
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

	for (int i = 0; i < nthreads; i++) {
		if (workers[i].spill.err)
			spill_die(&workers[i].spill);
		spill_close_writing(&workers[i].spill);
	}
	/* The chunks and write buffers are done with: their memory is the
	 * merge's. */
	for (size_t i = 0; i < Q.nspare; i++) {
		free(Q.spare[i]->data);
		free(Q.spare[i]);
	}
	Q.nspare = 0;
	merge_out(workers, nthreads);

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

	for (int i = 0; i < nthreads; i++) {
		struct worker *w = &workers[i];
		free(w->recs);
		conv_free(&w->conv);
		spill_free(&w->spill);
		for (size_t b = 0; b < w->nblocks; b++)
			free(w->blocks[b].p);
		for (size_t b = 0; b < w->nbig; b++)
			free(w->big[b].p);
		free(w->blocks);
		free(w->big);
	}
	free(workers);
	ndjson_close(&r);
	map_free(&o.map);
	config_free(&cfg);
	for (size_t i = 0; i < o.ndomains; i++)
		free(domains[i]);
	return 0;
}
