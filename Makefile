# Task scheduler — build, test, run, install.
#
#   make            build ./main
#   make run        install missing packages, build, run the daemon on the example tasks
#   make test       install missing packages, build with -Werror, run every test
#   make test-browser  the dashboard's tests in a headless chromium
#   make bench      build and run the benchmarks
#   make fuzz       build the libFuzzer targets, run each FUZZ_SECONDS (60)
#   make format     apply .clang-format to every C file (make test checks it)
#   make install    PREFIX=/usr/local DESTDIR=  (binary installed as task-scheduler,
#                   with its man page and bash/zsh completions)
#   make SAN=1 ...  AddressSanitizer + UndefinedBehaviorSanitizer build

CC      ?= cc
PREFIX  ?= /usr/local
BUILD   := build
PKGS    := lua5.4 sqlite3 libcurl yaml-0.1 libuv jansson libmicrohttpd nettle libpq rdkafka

# Debian packages: what the build needs, and what the tests need on top.
DEB_BUILD := gcc make pkg-config liblua5.4-dev libsqlite3-dev libcurl4-openssl-dev \
             libyaml-dev libuv1-dev libjansson-dev libmicrohttpd-dev nettle-dev libpq-dev librdkafka-dev tzdata
DEB_TEST  := python3 python3-jsonschema sqlite3 postgresql procps util-linux luarocks binutils clang-format groff-base curl prometheus openssl
# The dashboard's browser test: Debian's chromium, driven over the DevTools
# protocol from Python with python3-websocket.
DEB_BROWSER := chromium python3-websocket

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wstrict-prototypes \
               -Icore -I. $(PKG_CFLAGS)
CFLAGS  ?= -O2 -g
CFLAGS  += $(BASE_CFLAGS)
LDLIBS  += $(PKG_LIBS) -lm
ifeq ($(WERROR),1)
CFLAGS  += -Werror
endif
ifeq ($(SAN),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

CORE_SRC    := $(wildcard core/*/*.c)
HELPER_SRC  := $(wildcard helpers/*.c)
# Compiled into the binary: the Lua runtime and the API's OpenAPI document,
# by their paths in the repository, and the dashboard's files as served.
EMBED_SRC   := $(wildcard lua/*.lua) core/api/openapi.json
DASH_SRC    := $(wildcard core/api/dashboard/*)
DASH_DIR    := $(BUILD)/dashboard
OBJ         := $(patsubst %.c,$(BUILD)/%.o,$(CORE_SRC) $(HELPER_SRC)) \
               $(BUILD)/embedded_files.o $(BUILD)/embedded_dashboard.o
UNIT_SRC    := $(wildcard tests/unit/test_*.c)
UNIT_BIN    := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
BENCH_SRC   := $(wildcard bench/bench_*.c)
BENCH_BIN   := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))

.PHONY: all run test test-browser unit bench fuzz format install uninstall clean deps test-deps fuzz-deps FORCE

all: main

main: $(BUILD)/core/main.o $(BUILD)/libcore.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libcore.a: $(OBJ)
	rm -f $@ && ar rcs $@ $^

# Rebuild everything when the flags change (plain, WERROR=1, SAN=1).
$(BUILD)/flags: FORCE
	@mkdir -p $(BUILD)
	@echo '$(CC) $(CFLAGS) $(LDFLAGS)' | cmp -s - $@ || echo '$(CC) $(CFLAGS) $(LDFLAGS)' > $@

$(BUILD)/%.o: %.c $(BUILD)/flags
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

# Files compiled in, by scripts/embed.sh: EMBED_SRC under their paths, and the
# dashboard's files as served, each with its gzip -9n copy NAME.gz.  Every
# name but index.html carries one hash of all the dashboard's files, and the
# references between them are rewritten to it, so a browser may keep them
# forever (Cache-Control: immutable) and a new build is a new name.
$(BUILD)/embedded_files.c: $(EMBED_SRC) scripts/embed.sh Makefile
	@mkdir -p $(BUILD)
	scripts/embed.sh embedded_files $(foreach f,$(EMBED_SRC),$(f)=$(f)) >$@.tmp && mv $@.tmp $@

$(BUILD)/embedded_dashboard.c: $(DASH_SRC) scripts/embed.sh Makefile
	@rm -rf $(DASH_DIR) && mkdir -p $(DASH_DIR)
	@h=$$(cat $(DASH_SRC) | sha256sum | cut -c1-12); set --; \
	 for f in $(DASH_SRC); do \
	   n=$$(basename $$f); \
	   case $$n in index.html) s=$$n ;; *) s=$${n%.*}.$$h.$${n##*.} ;; esac; \
	   sed -e "s/\([a-z_]*\)\.\(js\|css\)\([\"']\)/\1.$$h.\2\3/g" $$f >$(DASH_DIR)/$$s || exit 1; \
	   gzip -9n <$(DASH_DIR)/$$s >$(DASH_DIR)/$$s.gz || exit 1; \
	   set -- "$$@" $$s=$(DASH_DIR)/$$s $$s.gz=$(DASH_DIR)/$$s.gz; \
	 done; \
	 scripts/embed.sh embedded_dashboard "$$@" >$@.tmp && mv $@.tmp $@

$(BUILD)/embedded_%.o: $(BUILD)/embedded_%.c $(BUILD)/flags
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libcore.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(BUILD)/libcore.a $(LDLIBS)

$(BUILD)/bench/%: bench/%.c $(BUILD)/libcore.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libcore.a $(LDLIBS)

# Install what is missing, by Debian package name.
deps:
	@scripts/install_deps.sh $(DEB_BUILD)

test-deps:
	@scripts/install_deps.sh $(DEB_BUILD) $(DEB_TEST)

# The dashboard's login URL is printed once the daemon has had a second to
# make its token and listen.
run: deps
	$(MAKE) main
	@(sleep 1; ./main --root . dashboard | sed 's/^/Dashboard: /') &
	./main --root . --include-examples --verbose

# The layer check (tests/layers.py, core/README.md) reads the includes and
# the objects just built; its self-test proves it fails on each breach;
# tests/format.sh fails on a C file .clang-format would change (make format).
STATIC_TESTS := tests/layers.py tests/layers_selftest.sh tests/format.sh

test: test-deps
	$(MAKE) WERROR=1 main $(UNIT_BIN) $(FUZZ_REPLAY)
	tests/run.sh $(STATIC_TESTS) $(UNIT_BIN) $(FUZZ_REPLAY)

# The dashboard in a real headless chromium (tests/browser/).
test-browser: test-deps
	@scripts/install_deps.sh $(DEB_BROWSER)
	$(MAKE) WERROR=1 main
	TESTS_SCRIPT_DIR=tests/browser tests/run.sh

# The sources tests/format.sh checks, formatted in place.
FORMAT_SRC = $(shell find core helpers tests/unit tests/fuzz bench -name '*.[ch]')

format:
	@scripts/install_deps.sh clang-format
	clang-format --style=file -i $(FORMAT_SRC)

# bench_api is bench_api.sh's load client, not a benchmark of its own.
bench: deps
	$(MAKE) main $(BENCH_BIN)
	@for b in $(filter-out $(BUILD)/bench/bench_api,$(BENCH_BIN)); do $$b || exit 1; done
	@for s in bench/*.sh; do [ -e "$$s" ] || continue; sh "$$s" || exit 1; done

# ---- fuzzing: libFuzzer targets tests/fuzz/fuzz_NAME.c ----------------------
# The project's sources are compiled again with clang, coverage-instrumented
# and under ASan + UBSan, into build/fuzz/.  Each target runs FUZZ_SECONDS on
# a working copy of its seeds (tests/fuzz/corpus/NAME/ -> build/fuzz/corpus/
# NAME/, which keeps what it finds between runs); a crash leaves its input in
# build/fuzz/artifacts/NAME/ and makes `make fuzz` fail after every target ran.
DEB_FUZZ      := clang libclang-rt-14-dev
FUZZ_CC       := clang
FUZZ_SECONDS  ?= 60
FUZZ_OPTIONS  := -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
FUZZ_BUILD    := $(BUILD)/fuzz
FUZZ_SAN      := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
                 -fno-omit-frame-pointer
FUZZ_CFLAGS   := -O1 -g $(BASE_CFLAGS) $(FUZZ_SAN)
FUZZ_SRC      := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES    := $(patsubst tests/fuzz/fuzz_%.c,%,$(FUZZ_SRC))
FUZZ_BIN      := $(patsubst %,$(FUZZ_BUILD)/fuzz_%,$(FUZZ_NAMES))
FUZZ_REPLAY   := $(patsubst %,$(BUILD)/tests/fuzz_replay_%,$(FUZZ_NAMES))
FUZZ_OBJ      := $(patsubst %.c,$(FUZZ_BUILD)/%.o,$(CORE_SRC) $(HELPER_SRC)) \
                 $(FUZZ_BUILD)/embedded_files.o $(FUZZ_BUILD)/embedded_dashboard.o

fuzz-deps:
	@scripts/install_deps.sh $(DEB_BUILD) $(DEB_FUZZ)

fuzz: fuzz-deps
	$(MAKE) $(FUZZ_BIN)
	@failed=""; for n in $(FUZZ_NAMES); do \
	  mkdir -p $(FUZZ_BUILD)/corpus/$$n $(FUZZ_BUILD)/artifacts/$$n && \
	  cp -u tests/fuzz/corpus/$$n/* $(FUZZ_BUILD)/corpus/$$n/ && \
	  echo "fuzz_$$n: $(FUZZ_SECONDS) s" && \
	  $(FUZZ_BUILD)/fuzz_$$n $(FUZZ_OPTIONS) -max_total_time=$(FUZZ_SECONDS) \
	    -artifact_prefix=$(FUZZ_BUILD)/artifacts/$$n/ $(FUZZ_BUILD)/corpus/$$n \
	    || failed="$$failed $$n"; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: crashed:$$failed" >&2; exit 1; fi

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_BUILD)/libcore.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_BUILD)/libcore.a $(LDLIBS)

# The same targets built by $(CC) without libFuzzer: `make test` replays
# their seeds and tests/fuzz/regressions/NAME/ through them.
$(BUILD)/tests/fuzz_replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c tests/fuzz/fuzz.h $(BUILD)/libcore.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DFUZZ_NAME='"$*"' $(LDFLAGS) -o $@ tests/fuzz/replay.c $< $(BUILD)/libcore.a $(LDLIBS)

$(FUZZ_BUILD)/libcore.a: $(FUZZ_OBJ)
	rm -f $@ && ar rcs $@ $^

$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FUZZ_BUILD)/embedded_%.o: $(BUILD)/embedded_%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

install: main
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/task-scheduler
	install -m 755 main $(DESTDIR)$(PREFIX)/bin/task-scheduler
	install -m 644 README.md $(DESTDIR)$(PREFIX)/share/task-scheduler/README.md
	cp -r lua/meta $(DESTDIR)$(PREFIX)/share/task-scheduler/
	install -d $(DESTDIR)$(PREFIX)/share/task-scheduler/scripts
	install -m 755 scripts/monitor_scheduler.sh scripts/setup_cron.sh $(DESTDIR)$(PREFIX)/share/task-scheduler/scripts/
	install -m 644 scripts/task-scheduler.service $(DESTDIR)$(PREFIX)/share/task-scheduler/scripts/task-scheduler.service
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
	  $(DESTDIR)$(PREFIX)/share/zsh/site-functions
	install -m 644 docs/task-scheduler.1 $(DESTDIR)$(PREFIX)/share/man/man1/task-scheduler.1
	install -m 644 scripts/task-scheduler.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/task-scheduler
	install -m 644 scripts/_task-scheduler $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_task-scheduler

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/task-scheduler
	rm -f $(DESTDIR)$(PREFIX)/share/man/man1/task-scheduler.1 \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions/task-scheduler \
	  $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_task-scheduler
	rm -rf $(DESTDIR)$(PREFIX)/share/task-scheduler

clean:
	rm -rf $(BUILD) main tests/out

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# Fault injection (tests/faults/): kill -9, full disk, store faults, clock
# jumps, runaway tasks, task-file churn.  Needs root (tmpfs, bind mounts).
.PHONY: test-faults
test-faults: test-deps
	$(MAKE) WERROR=1 main
	TESTS_SCRIPT_DIR=tests/faults tests/run.sh

# The daemon's end-to-end tests with the daemon under valgrind's memcheck:
# any error or definite leak fails the script (tests/e2e/lib.sh).  The
# scripts whose assertions are about timing (and daemon_crash.sh, whose
# kill -9 leaves memcheck nothing to report) are left out: memcheck slows
# the daemon down tens of times.
VALGRIND_E2E := tests/e2e/daemon_cli.sh tests/e2e/daemon_catchup.sh \
                tests/e2e/daemon_overlap.sh tests/e2e/live_reload.sh tests/e2e/live_config.sh \
                tests/e2e/api_basics.sh tests/e2e/api_jobs.sh tests/e2e/api_alerts.sh \
                tests/e2e/api_follow.sh

.PHONY: test-valgrind
test-valgrind: test-deps
	@scripts/install_deps.sh valgrind
	$(MAKE) WERROR=1 main
	E2E_VALGRIND=1 TESTS_SCRIPT_DIR= tests/run.sh $(VALGRIND_E2E)

# make bench-compare: the same workloads against this scheduler and the peers a
# user would choose instead (bench/README.md).  A peer whose package cannot be
# installed is reported as such in the table; python3 and util-linux (unshare)
# are required.
BENCH_PEER_DEBS := python3-schedule python3-apscheduler python3-sqlalchemy cron

.PHONY: bench-compare
bench-compare: deps
	@scripts/install_deps.sh python3 util-linux
	@scripts/install_deps.sh $(BENCH_PEER_DEBS) || for p in $(BENCH_PEER_DEBS); do \
	    scripts/install_deps.sh $$p || echo "bench-compare: $$p not installed" >&2; done
	$(MAKE) main
	/usr/bin/python3 bench/compare.py
