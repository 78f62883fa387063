/*
 * fuzz-config - libFuzzer harness for the configuration loaders (config.h):
 * the JSON configuration of a C_Code job and slcli's ~/.softlayer INI file.
 *
 * Both loaders take a path, so the input is written to a memfd and read
 * back through /proc/self/fd/N: the real slurp, size cap and parse.  Every
 * input goes to both loaders (a JSON file is a useless but harmless INI
 * file, and the other way round).  A loader refuses bad input with
 * sosr_die(); fuzz-guard.h turns that exit into a return.  Properties: no
 * crash, no sanitizer report, no leak on a path that returns, and a loaded
 * configuration is consistent (account count and array agree; every
 * account has an id).
 */
// fuzz-sources: -Dexit=fuzz_exit -Dfopen=fuzz_fopen
#include "config.h"
#include "fuzz-guard.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_guard_init();
	int fd = memfd_create("fuzz-config", 0);
	if (fd < 0) {
		perror("memfd_create");
		abort();
	}
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	return 0;
}

static int fd_of_path(void)
{
	return atoi(path + strlen("/proc/self/fd/"));
}

static struct config cfg;
static struct slcli_file sf;

static void check_config(const struct config *c)
{
	if (c->sl.n_accounts && !c->sl.accounts)
		abort();
	for (size_t k = 0; k < c->sl.n_accounts; k++)
		if (!c->sl.accounts[k].id)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = fd_of_path();
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();

	/* After a die the structs are dropped, not freed: what they held was
	 * reclaimed with everything else the call allocated. */
	if (FUZZ_GUARDED(config_free(&cfg), config_load(path, &cfg))) {
		config_init(&cfg);
	} else {
		check_config(&cfg);
		config_free(&cfg);
	}
	if (FUZZ_GUARDED(slcli_free(&sf), slcli_load(path, &sf)))
		memset(&sf, 0, sizeof sf);
	else
		slcli_free(&sf);
	return 0;
}
