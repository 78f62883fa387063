/*
 * fuzz-track - libFuzzer harness for sosr-track: a findings stream and a
 * ledger through the real program.
 *
 * The input is the discrepancy stream, a NUL byte, the previous ledger (no
 * NUL: no ledger).  Both are written to memfds and sosr-track's main
 * (renamed away; track.c and ledger.c are compiled into the harness so
 * that its state, all in struct track_state T, can be reset) runs on them
 * with a fixed --now, an SLA, a short retention and a fixed exceptions
 * file (an exact key, a glob, an expired and a future one), its standard
 * output in a third memfd and its new ledger in a directory of /dev/shm
 * (fsync there costs nothing).  Bad input ends in sosr_die(); fuzz-guard.h
 * turns that exit into a return, and the status must be 7 (invalid input)
 * or 11 (the drop guard): anything else (10: "this is a bug") aborts.
 *
 * When the run returns (status 0 or 1):
 *   - every output line is a strict JSON object, the last the summary with
 *     its "track" member; the new ledger exists, its first line the header,
 *     and no NEW.tmp is left;
 *   - a second run on the same inputs gives the same bytes, on standard
 *     output and in the ledger (byte stability);
 *   - the ledger it wrote is accepted by the next run: the same stream a
 *     day later, with that ledger, must run through too.
 */
// fuzz-sources: -Dmain=sosr_track_main -Dexit=fuzz_exit -Dfopen=fuzz_fopen src/track/ledger.c
#include "fuzz-guard.h"
#include "fuzz-memfd.h"
#include "../src/track/track.c"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fd_in, fd_led, fd_out, fd_ex;
static FILE *devnull;   /* stdout between runs */
static char path_in[40], path_led[40], path_ex[40];
static char dir[64], path_lout[96], path_ltmp[100], path_prev[96];
static int status;

static const char exceptions_json[] =
	"{\"format\":1,\"exceptions\":["
	"{\"id\":\"EX-1\",\"type\":\"missing_in_sos\",\"key\":\"device/web*\",\"reason\":\"r\","
	"\"ticket\":\"T1\",\"approved_by\":\"a\",\"approved_on\":\"2026-11-01\",\"expires\":\"2027-01-31\"},"
	"{\"id\":\"EX-2\",\"type\":\"mismatch\",\"key\":\"device/db02.alc.example.com\",\"reason\":\"r\","
	"\"ticket\":\"T2\",\"approved_by\":\"a\",\"approved_on\":\"2026-11-01\",\"expires\":\"2026-12-05\"},"
	"{\"id\":\"EX-3\",\"type\":\"duplicate\",\"key\":\"*\",\"reason\":\"r\","
	"\"ticket\":\"T3\",\"approved_by\":\"a\",\"approved_on\":\"2026-10-01\",\"expires\":\"2026-11-26\"},"
	"{\"id\":\"EX-4\",\"type\":\"unidentified\",\"key\":\"unidentified/*/7*\",\"reason\":\"r\","
	"\"ticket\":\"T4\",\"approved_by\":\"a\",\"approved_on\":\"2026-12-01\",\"expires\":\"2027-01-01\"}]}";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_guard_init();
	fd_in = fuzz_memfd("in", path_in, sizeof path_in);
	fd_led = fuzz_memfd("ledger", path_led, sizeof path_led);
	fd_ex = fuzz_memfd("exceptions", path_ex, sizeof path_ex);
	fd_out = fuzz_memfd("out", NULL, 0);
	fuzz_put(fd_ex, exceptions_json, sizeof exceptions_json - 1);
	snprintf(dir, sizeof dir, "/dev/shm/fuzz-track.XXXXXX");
	if (!mkdtemp(dir)) {
		snprintf(dir, sizeof dir, "/tmp/fuzz-track.XXXXXX");
		if (!mkdtemp(dir))
			abort();
	}
	snprintf(path_lout, sizeof path_lout, "%s/ledger.ndjson", dir);
	snprintf(path_ltmp, sizeof path_ltmp, "%s.tmp", path_lout);
	snprintf(path_prev, sizeof path_prev, "%s/prev.ndjson", dir);
	devnull = stdout = fopen("/dev/null", "w");
	if (!devnull)
		abort();
	return 0;
}

/* sosr-track's standard output: the output memfd, emptied; no ledger left
 * from a run before.  Outside the guarded call (main closes stdout when it
 * returns; after a die the harness does). */
static void open_out(void)
{
	fuzz_stdout_to(fd_out);
	unlink(path_lout);
	unlink(path_ltmp);
}

/* One run of sosr-track from a clean state. */
static void run(const char *ledger, const char *now)
{
	memset(&T, 0, sizeof T);
	optind = 0;
	char *argv[20];
	int argc = 0;
	argv[argc++] = "sosr-track";
	argv[argc++] = "--now";
	argv[argc++] = (char *)now;
	argv[argc++] = "--sla-days";
	argv[argc++] = "1";
	argv[argc++] = "--keep-days";
	argv[argc++] = "3";
	argv[argc++] = "--exceptions";
	argv[argc++] = path_ex;
	if (ledger) {
		argv[argc++] = "--ledger";
		argv[argc++] = (char *)ledger;
	}
	argv[argc++] = "--ledger-out";
	argv[argc++] = path_lout;
	argv[argc++] = path_in;
	argv[argc] = NULL;
	status = sosr_track_main(argc, argv);
	stdout = devnull;       /* main closed its stdout */
}

/* After a die: what main would have released by ending the process. */
static void after_die(void)
{
	memset(&T, 0, sizeof T);
	fclose(stdout);
	stdout = devnull;
	unlink(path_ltmp);
}

static char *read_fd(int fd, size_t *len)
{
	off_t n = lseek(fd, 0, SEEK_END);
	char *text = malloc((size_t)n + 1);
	if (!text || (n && pread(fd, text, (size_t)n, 0) != n))
		abort();
	text[n] = '\0';
	*len = (size_t)n;
	return text;
}

static char *read_path(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "fuzz-track: no ledger written at %s\n", path);
		abort();
	}
	char *text = read_fd(fd, len);
	close(fd);
	return text;
}

/* Every line of TEXT is a strict JSON object; the first line's and the
 * last line's "type" are returned (borrowed: compared, then freed). */
static void check_lines(const char *what, char *text, size_t n, const char *first_type,
			const char *last_type, const char *last_member)
{
	if (n == 0 || text[n - 1] != '\n') {
		fprintf(stderr, "fuzz-track: %s is empty or does not end in a newline\n", what);
		abort();
	}
	struct ndjson_reader r;
	FILE *fp = fmemopen(text, n, "rb");
	ndjson_open_fp(&r, fp, what, 1u << 26);
	char *line;
	size_t len;
	int last_ok = 0;
	while (ndjson_next(&r, &line, &len) > 0) {
		struct json_object *o = ndjson_parse(&r, line, len);
		if (!o) {
			fprintf(stderr, "fuzz-track: %s line %lu is not JSON: %s\n", what, r.lineno, r.err);
			abort();
		}
		const char *t = jget_str(o, "type");
		if (r.lineno == 1 && first_type && (!t || strcmp(t, first_type) != 0)) {
			fprintf(stderr, "fuzz-track: %s does not start with a %s line\n", what, first_type);
			abort();
		}
		last_ok = last_type && t && strcmp(t, last_type) == 0 &&
			  (!last_member || jget_obj(o, last_member));
		json_object_put(o);
	}
	if (r.err[0] || (last_type && !last_ok)) {
		fprintf(stderr, "fuzz-track: %s: bad last line (%s)\n", what, r.err);
		abort();
	}
	ndjson_close(&r);
	fclose(fp);
}

#define NOW1 "2026-11-27T00:00:00Z"
#define NOW2 "2026-11-28T00:00:00Z"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t cut = nul ? (size_t)(nul - data) : size;
	fuzz_put(fd_in, data, cut);
	if (nul)
		fuzz_put(fd_led, nul + 1, size - cut - 1);
	const char *ledger = nul ? path_led : NULL;

	open_out();
	if (FUZZ_GUARDED(open_out(), run(ledger, NOW1))) {
		after_die();
		if (fuzz_status != SOSR_EXIT_DATA && fuzz_status != SOSR_EXIT_SUSPECT) {
			fprintf(stderr, "fuzz-track: refused with exit %d, not 7 or 11\n", fuzz_status);
			abort();
		}
		return 0;
	}
	if (status != 0 && status != 1)
		abort();
	if (access(path_ltmp, F_OK) == 0) {
		fprintf(stderr, "fuzz-track: NEW.tmp left behind\n");
		abort();
	}
	size_t n1, l1;
	char *out1 = read_fd(fd_out, &n1), *led1 = read_path(path_lout, &l1);
	check_lines("output", out1, n1, NULL, "summary", "track");
	check_lines("ledger", led1, l1, "ledger", NULL, NULL);

	/* byte stability: the same inputs, the same bytes */
	open_out();
	if (FUZZ_TRY(run(ledger, NOW1))) {
		fprintf(stderr, "fuzz-track: the second run died (exit %d)\n", fuzz_status);
		abort();
	}
	size_t n2, l2;
	char *out2 = read_fd(fd_out, &n2), *led2 = read_path(path_lout, &l2);
	if (n1 != n2 || memcmp(out1, out2, n1) != 0 || l1 != l2 || memcmp(led1, led2, l1) != 0) {
		fprintf(stderr, "fuzz-track: two runs on the same inputs differ\n");
		abort();
	}

	/* the ledger it wrote is one it reads: the same stream a day later */
	if (rename(path_lout, path_prev) < 0)
		abort();
	open_out();
	if (FUZZ_TRY(run(path_prev, NOW2))) {
		fprintf(stderr, "fuzz-track: its own ledger was refused (exit %d)\n", fuzz_status);
		abort();
	}
	if (status != 0 && status != 1)
		abort();
	unlink(path_prev);
	unlink(path_lout);
	free(out1);
	free(out2);
	free(led1);
	free(led2);
	return 0;
}
