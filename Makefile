# sos-reconcile - one Makefile, knobs instead of copies.
#
#   make                      build every program into bin/
#   make test                 run the bats suite with bin/ first on PATH,
#                             TEST_JOBS test files at a time (default 4)
#   make DEVELOPER=1          warnings are errors
#   make SANITIZE=address,undefined
#   make install PREFIX=/usr/local DESTDIR=...
#   make demo | bench | fuzz | memcheck | clean
#   make soak                 the scale soak (minutes, GBs; not in test nor CI)
#   make V=1                  show the commands
#
# Every program is built from the .c files of src/<stage>/ and links the
# shared library build/libsosr.a (src/lib/); the linker takes only the
# modules a program uses.  Changing a knob (CFLAGS, SANITIZE, DEVELOPER)
# rebuilds everything: the flags are recorded in build/.flags.

VERSION   := $(shell cat VERSION)
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
MANDIR    ?= $(PREFIX)/share/man
CC        ?= cc
PKG_CONFIG ?= pkg-config

CFLAGS    ?= -O2 -g
ifeq ($(V),1)
Q :=
quiet = @true
else
Q := @
quiet = @printf '  %-6s %s\n'
endif
WARNINGS  := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
             -Wformat=2 -Wno-unused-parameter -Wvla
ifeq ($(DEVELOPER),1)
WARNINGS  += -Werror
endif
ifneq ($(SANITIZE),)
CFLAGS    += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS   += -fsanitize=$(SANITIZE)
endif

DEP_CFLAGS := $(shell $(PKG_CONFIG) --cflags libcurl json-c 2>/dev/null)
DEP_LIBS   := $(shell $(PKG_CONFIG) --libs libcurl json-c 2>/dev/null) -lz
MHD_CFLAGS := $(shell $(PKG_CONFIG) --cflags libmicrohttpd 2>/dev/null)
MHD_LIBS   := $(shell $(PKG_CONFIG) --libs libmicrohttpd 2>/dev/null)

ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -DSOSR_VERSION='"$(VERSION)"' -Isrc/lib \
             $(WARNINGS) $(DEP_CFLAGS) $(MHD_CFLAGS) $(CFLAGS) -MMD -MP

# The stages; a stage whose folder has no source yet is skipped.
STAGES   := config fetch-softlayer fetch-sos normalize diff track render csv alert manifest publish verify locker fake-api
BUILT    := $(foreach s,$(STAGES),$(if $(wildcard src/$(s)/*.c),$(s)))
PROGRAMS := $(addprefix bin/sosr-,$(BUILT))
SCRIPTS  := bin/sos-reconcile bin/sos-reconcile-demo bin/sos-reconcile-replay

LIB_SRC  := $(wildcard src/lib/*.c)
LIB_OBJ  := $(LIB_SRC:src/%.c=build/%.o)
LIB      := build/libsosr.a

# bench helpers and test drivers (not installed)
BENCH_PROGS := build/bench/json-parse-only
TEST_PROGS  := build/test/lib-test build/test/enospc-shim.so build/test/kill-shim.so \
               build/test/envdump-shim.so

all: $(PROGRAMS) $(SCRIPTS)

build/.flags: FORCE
	@mkdir -p build
	@echo '$(CC) $(ALL_CFLAGS) $(LDFLAGS)' | cmp -s - $@ || echo '$(CC) $(ALL_CFLAGS) $(LDFLAGS)' > $@

build/%.o: src/%.c build/.flags
	@mkdir -p $(@D)
	$(quiet) CC $@
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

build/test/%.o: test/unit/%.c build/.flags
	@mkdir -p $(@D)
	$(quiet) CC $@
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

build/test/%: build/test/%.o $(LIB)
	$(quiet) LINK $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(DEP_LIBS) -lm

# LD_PRELOAD libraries for test/write-failures.bats, test/publish.bats and
# test/http.bats:
# built without the sanitizers, because they are loaded into programs that
# have none (bash, jq, rm).
build/test/%-shim.so: test/unit/%-shim.c
	@mkdir -p $(@D)
	$(quiet) CC $@
	$(Q)$(CC) -std=c11 -O2 -g $(WARNINGS) -shared -fPIC -o $@ $< -ldl

build/bench/%.o: bench/%.c build/.flags
	@mkdir -p $(@D)
	$(quiet) CC $@
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(quiet) AR $@
	$(Q)$(AR) rcs $@ $^

# The objects of a stage; a function, because a literal % in the
# prerequisites of a pattern rule would be replaced by the stem.
stage_objs = $(patsubst src/%.c,build/%.o,$(wildcard src/$(1)/*.c))

.SECONDEXPANSION:
# Keep the objects: make would delete them as intermediates of the chain.
.SECONDARY:
bin/sosr-%: $$(call stage_objs,$$*) $(LIB)
	@mkdir -p bin
	$(quiet) LINK $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(if $(filter fake-api,$*),$(MHD_LIBS)) $(DEP_LIBS) -lm -lpthread

# The scripts get the version and the exit codes of src/lib/exitcodes.h, the
# one place they are defined (@EX_USAGE@ becomes 2, ...).
EXIT_SED := $(shell sed -n 's/^[[:space:]]*SOSR_EXIT_\([A-Z_]*\)[[:space:]]*=[[:space:]]*\([0-9]*\),.*/-e s\/@EX_\1@\/\2\/g/p' src/lib/exitcodes.h)

$(SCRIPTS): bin/%: scripts/% VERSION src/lib/exitcodes.h
	@mkdir -p bin
	$(quiet) GEN $@
	$(Q)sed -e 's/@VERSION@/$(VERSION)/' $(EXIT_SED) $< > $@.tmp && \
		! grep -n '@EX_[A-Z_]*@' $@.tmp && chmod 755 $@.tmp && mv $@.tmp $@

build/bench/%: build/bench/%.o $(LIB)
	$(quiet) LINK $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(DEP_LIBS) -lm

# Fuzzing (libFuzzer, clang): every fuzz/fuzz-NAME.c is one target, linked
# with the library sources and, when it names them in a "// fuzz-sources:"
# line, a stage's sources (main renamed away).  `make fuzz FUZZ_TIME=600`.
FUZZ_CC     ?= clang
FUZZ_TIME   ?= 30
FUZZ_FLAGS  := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_TARGETS := $(patsubst fuzz/%.c,build/fuzz/%,$(wildcard fuzz/fuzz-*.c))

build/fuzz/%: fuzz/%.c $(LIB_SRC) $(wildcard src/lib/*.h fuzz/*.h src/*/*.[ch])
	@mkdir -p $(@D)
	$(quiet) FUZZCC $@
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -std=c11 -D_GNU_SOURCE -DSOSR_VERSION='"$(VERSION)"' -Isrc/lib \
		$(DEP_CFLAGS) -o $@ $< $(LIB_SRC) \
		$$(sed -n 's|^// fuzz-sources: *||p' $<) $(DEP_LIBS) -lm

memcheck: deps
	@$(MAKE) --no-print-directory all $(TEST_PROGS)
	@scripts/memcheck $(BATS_FLAGS)

fuzz: $(FUZZ_TARGETS)
	@fuzz/run $(FUZZ_TIME) $(FUZZ_TARGETS)

# The targets a fresh machine starts with (test, demo, bench, memcheck)
# install what is missing first, then build in a sub-make, which asks
# pkg-config anew: this make read its answers before the packages existed.
deps:
	@scripts/install-deps --quiet

# A plain build on a machine without the libraries says what to do.
NEED_DEPS_CHECK := $(if $(filter-out deps test demo bench memcheck clean install-deps,$(or $(MAKECMDGOALS),all)),yes)
ifeq ($(NEED_DEPS_CHECK),yes)
ifneq ($(shell $(PKG_CONFIG) --exists libcurl json-c libmicrohttpd 2>/dev/null && echo ok),ok)
$(error libcurl, json-c or libmicrohttpd not found by pkg-config; run scripts/install-deps (make test and make demo run it themselves))
endif
endif

# The test files run in parallel, TEST_JOBS at a time (bats --jobs, which
# needs GNU parallel), the tests of a file one after another; a file that
# times requests on the wire runs alone (run_alone, test/test_helper.bash).
# The longest files start first, so that none is left running alone at the
# end; the others follow in name order.  TEST_JOBS=1 runs them one by one.
TEST_JOBS  ?= 4
TEST_FIRST := test/rate-limit.bats test/faults.bats test/fake-api.bats test/driver.bats \
              test/fetch-softlayer.bats
TEST_FILES  = $(filter $(wildcard test/*.bats),$(TEST_FIRST)) \
              $(filter-out $(TEST_FIRST),$(sort $(wildcard test/*.bats)))
test: deps
	@$(MAKE) --no-print-directory all $(TEST_PROGS)
	@PATH="$(CURDIR)/bin:$$PATH" bats $(if $(filter-out 0 1,$(TEST_JOBS)),--jobs $(TEST_JOBS) --no-parallelize-within-files) \
		$(BATS_FLAGS) $(TEST_FILES)

# The demo's estate has planted findings: sos-reconcile exits 1
# (significant), which is the expected outcome, not a failure of make.
# With Chromium, a picture of the demo's report.html beside _output/ (not
# in it: every file of a run is in its manifest).
demo: deps
	@$(MAKE) --no-print-directory all
	@PATH="$(CURDIR)/bin:$$PATH" sos-reconcile --demo; rc=$$?; \
	echo "sos-reconcile --demo exited with status $$rc$$([ $$rc -eq 1 ] && echo ' (significant findings: the planted ones, as expected)')"; \
	scripts/screenshot _output/report.html _output.report.png; \
	[ $$rc -eq 1 ]

bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_PROGS)
	@PATH="$(CURDIR)/bin:$$PATH" bench/run $(BENCH_ARGS)

# 1,000,000 devices through the whole driver with transient faults
# (scripts/soak; docs/PERFORMANCE.md, "Scale soak").
soak: deps
	@$(MAKE) --no-print-directory all
	@scripts/soak

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(PROGRAMS) $(SCRIPTS) $(DESTDIR)$(BINDIR)/
	for m in docs/man/*.1; do [ -f "$$m" ] && install -m 644 "$$m" $(DESTDIR)$(MANDIR)/man1/ || true; done

clean:
	rm -rf bin build

.PHONY: all deps test demo bench soak fuzz memcheck install clean FORCE
-include $(shell find build -name '*.d' 2>/dev/null)
