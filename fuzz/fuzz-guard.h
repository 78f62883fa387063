/*
 * fuzz-guard.h - run code that may end the process, inside a libFuzzer
 * harness.
 *
 * The stages report bad input with sosr_die(), which prints the error and
 * calls exit(): right for a filter, fatal for an in-process fuzzer.  A
 * harness that reaches such code is built with "-Dexit=fuzz_exit" on its
 * "// fuzz-sources:" line, so that every exit() of the sources compiled
 * into it (the library, the stage) lands here and jumps back to the
 * harness: the input was refused, which is a fine outcome.
 *
 * Leaks.  A die path leaves allocations behind (the process would have
 * ended): LeakSanitizer would report them, and over millions of inputs
 * they would exhaust memory.  So while a guarded call runs, every heap
 * block it allocates is tracked (the sanitizer allocator's hooks), and
 * every stream it opens (the harness is built with "-Dfopen=fuzz_fopen");
 * after a die, the streams are closed and the blocks still live are freed:
 * the process is as it was, as if the stage had ended.  The harness resets
 * any static state of the code under test that pointed into those blocks,
 * and makes sure nothing long-lived is first allocated inside a guarded
 * call (stderr is unbuffered, the time zone loaded before).
 * FUZZ_GUARDED also runs the call once with leak checking off; only when
 * it returns normally is it run again with leak checking on, so leaks on
 * every path that does not die are still found.  The code under test must
 * be deterministic for this (it is: no clock, no randomness).
 *
 * stderr.  The error messages of refused inputs are sent to /dev/null
 * (the FILE, not the descriptor: sanitizer reports write to fd 2 and stay
 * visible); set FUZZ_VERBOSE=1 to see them when reproducing one input.
 */
#ifndef SOSR_FUZZ_GUARD_H
#define SOSR_FUZZ_GUARD_H

#include <sanitizer/allocator_interface.h>
#include <sanitizer/lsan_interface.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static jmp_buf fuzz_jmp;
static int fuzz_armed, fuzz_status;

/* ---- the blocks and streams of the guarded call ---- */

#define FUZZ_SLOTS (1u << 15)           /* open addressing, power of two */
static const void *fuzz_slot[FUZZ_SLOTS];
static uint32_t fuzz_used[FUZZ_SLOTS];  /* slots written, to clear them */
static size_t fuzz_live, fuzz_nused;
static int fuzz_tracking, fuzz_overflow;
#define FUZZ_GONE ((const void *)1)     /* a freed slot (tombstone) */

static size_t fuzz_hash(const void *p)
{
	return (size_t)(((uintptr_t)p >> 4) * 0x9E3779B97F4A7C15ull) & (FUZZ_SLOTS - 1);
}

static void fuzz_malloc_hook(const volatile void *p, size_t n)
{
	if (!fuzz_tracking || !p)
		return;
	if (fuzz_live >= FUZZ_SLOTS / 2) {
		fuzz_overflow = 1;
		return;
	}
	size_t h = fuzz_hash((const void *)p);
	while (fuzz_slot[h] && fuzz_slot[h] != FUZZ_GONE)
		h = (h + 1) & (FUZZ_SLOTS - 1);
	if (!fuzz_slot[h])
		fuzz_used[fuzz_nused++] = (uint32_t)h;
	fuzz_slot[h] = (const void *)p;
	fuzz_live++;
}

static void fuzz_free_hook(const volatile void *p)
{
	if (!fuzz_tracking || !p)
		return;
	for (size_t h = fuzz_hash((const void *)p); fuzz_slot[h]; h = (h + 1) & (FUZZ_SLOTS - 1))
		if (fuzz_slot[h] == p) {
			fuzz_slot[h] = FUZZ_GONE;
			fuzz_live--;
			return;
		}
}

#define FUZZ_MAX_FILES 64
static FILE *fuzz_files[FUZZ_MAX_FILES];

#undef fopen
extern FILE *fopen(const char *restrict path, const char *restrict mode);
FILE *fuzz_fopen(const char *path, const char *mode);
FILE *fuzz_fopen(const char *path, const char *mode)
{
	FILE *fp = fopen(path, mode);
	if (fp && fuzz_tracking)
		for (int k = 0; k < FUZZ_MAX_FILES; k++)
			if (!fuzz_files[k]) {
				fuzz_files[k] = fp;
				break;
			}
	return fp;
}

static void fuzz_track_start(void)
{
	static int installed;
	if (!installed) {
		__sanitizer_install_malloc_and_free_hooks(fuzz_malloc_hook, fuzz_free_hook);
		installed = 1;
	}
	for (size_t k = 0; k < fuzz_nused; k++)
		fuzz_slot[fuzz_used[k]] = NULL;
	memset(fuzz_files, 0, sizeof fuzz_files);
	fuzz_live = fuzz_nused = 0;
	fuzz_overflow = 0;
	fuzz_tracking = 1;
}

/* After a die: close the call's streams (a stream it closed itself may be
 * listed: fileno tells, and a reused FILE is the same live stream), then
 * free its live blocks. */
static void fuzz_track_reclaim(void)
{
	for (int k = 0; k < FUZZ_MAX_FILES; k++)
		if (fuzz_files[k]) {
			int still_open = 0;
			for (size_t h = fuzz_hash(fuzz_files[k]); fuzz_slot[h]; h = (h + 1) & (FUZZ_SLOTS - 1))
				if (fuzz_slot[h] == fuzz_files[k])
					still_open = 1;
			if (still_open)
				fclose(fuzz_files[k]);
			fuzz_files[k] = NULL;
		}
	fuzz_tracking = 0;
	if (fuzz_overflow)
		return;         /* leave them: better a leak than a wrong free */
	for (size_t k = 0; k < fuzz_nused; k++) {
		const void *b = fuzz_slot[fuzz_used[k]];
		if (b && b != FUZZ_GONE)
			free((void *)b);
	}
}

static void fuzz_track_stop(void)
{
	fuzz_tracking = 0;
}

void fuzz_exit(int status) __attribute__((noreturn));
void fuzz_exit(int status)
{
	if (!fuzz_armed) {
		fflush(NULL);
		_Exit(status);
	}
	fuzz_status = status;
	longjmp(fuzz_jmp, 1);
}

/* Call first, from LLVMFuzzerInitialize. */
static void fuzz_guard_init(void)
{
	/* glibc's time zone state is allocated once, on first use */
	time_t zero = 0;
	struct tm tm;
	tzset();
	gmtime_r(&zero, &tm);
	localtime_r(&zero, &tm);

	const char *v = getenv("FUZZ_VERBOSE");
	if (v && *v == '1')
		return;
	FILE *null = fopen("/dev/null", "w");
	if (!null)
		return;
	/* unbuffered: a buffer allocated lazily inside a guarded call would
	 * be reclaimed under the stream's feet */
	setvbuf(null, NULL, _IONBF, 0);
	stderr = null;
}

/* Run STMT; the expression is 0 when it returned, else 1 (it called
 * exit(), status in fuzz_status; what it allocated and opened is
 * reclaimed).  A macro because setjmp must be called in the frame that
 * stays live. */
#define FUZZ_TRY(stmt) __extension__({                          \
	int fuzz_died_ = 0;                                         \
	fuzz_track_start();                                         \
	fuzz_armed = 1;                                             \
	if (setjmp(fuzz_jmp) == 0) {                                \
		stmt;                                               \
		fuzz_track_stop();                                  \
	} else {                                                    \
		fuzz_died_ = 1;                                     \
		fuzz_track_reclaim();                               \
	}                                                           \
	fuzz_armed = 0;                                             \
	fuzz_died_;                                                 \
})

/* Run STMT with leak checking off; when it did not die, RESET (release
 * what it returned) then run it again with leak checking on.  The
 * expression is whether it died. */
#define FUZZ_GUARDED(reset, stmt) __extension__({               \
	__lsan_disable();                                           \
	int fuzz_d_ = FUZZ_TRY(stmt);                               \
	__lsan_enable();                                            \
	if (!fuzz_d_) {                                             \
		reset;                                              \
		fuzz_d_ = FUZZ_TRY(stmt);                           \
	}                                                           \
	fuzz_d_;                                                    \
})

#endif
