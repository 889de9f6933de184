# Task scheduler — build, test, run, install.
#
#   make            build ./main
#   make run        install missing packages, build, run the daemon on the example tasks
#   make test       install missing packages, build with -Werror, run every test
#   make bench      build and run the benchmarks
#   make install    PREFIX=/usr/local DESTDIR=  (binary installed as task-scheduler)
#   make SAN=1 ...  AddressSanitizer + UndefinedBehaviorSanitizer build

CC      ?= cc
PREFIX  ?= /usr/local
BUILD   := build
PKGS    := lua5.4 sqlite3 libcurl yaml-0.1 libuv jansson

# Debian packages: what the build needs, and what the tests need on top.
DEB_BUILD := gcc make pkg-config liblua5.4-dev libsqlite3-dev libcurl4-openssl-dev \
             libyaml-dev libuv1-dev libjansson-dev tzdata
DEB_TEST  := python3 sqlite3 procps util-linux luarocks

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wstrict-prototypes \
           -Icore -Ihelpers $(PKG_CFLAGS)
LDLIBS  += $(PKG_LIBS) -lm
ifeq ($(WERROR),1)
CFLAGS  += -Werror
endif
ifeq ($(SAN),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

CORE_SRC    := $(filter-out core/main.c,$(wildcard core/*.c))
HELPER_SRC  := $(wildcard helpers/*.c)
LUA_SRC     := $(wildcard lua/*.lua)
OBJ         := $(patsubst %.c,$(BUILD)/%.o,$(CORE_SRC) $(HELPER_SRC)) $(BUILD)/embedded_lua.o
UNIT_SRC    := $(wildcard tests/unit/test_*.c)
UNIT_BIN    := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
BENCH_SRC   := $(wildcard bench/bench_*.c)
BENCH_BIN   := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))

.PHONY: all run test unit bench install uninstall clean deps test-deps FORCE

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

# lua/NAME.lua -> one C array each, plus the embedded_lua[] index.
$(BUILD)/embedded_lua.c: $(LUA_SRC) Makefile
	@mkdir -p $(BUILD)
	@{ echo '/* generated from the files of lua/ by the Makefile; do not edit */'; \
	   echo '#include "embedded.h"'; \
	   echo '#include <string.h>'; \
	   for f in $(LUA_SRC); do \
	     n=$$(basename $$f .lua); \
	     echo "static const unsigned char lua_$$n[] = {"; \
	     od -An -v -tx1 $$f | sed -e 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	     echo "0x00};"; \
	   done; \
	   echo 'const struct embedded_file embedded_lua[] = {'; \
	   for f in $(LUA_SRC); do \
	     n=$$(basename $$f .lua); \
	     echo "  {\"$$n\", lua_$$n, sizeof lua_$$n - 1},"; \
	   done; \
	   echo '  {0, 0, 0}};'; \
	   echo 'const size_t embedded_lua_count = sizeof embedded_lua / sizeof embedded_lua[0] - 1;'; \
	   echo 'const struct embedded_file *embedded_find(const char *name) {'; \
	   echo '  for (size_t i = 0; i < embedded_lua_count; i++)'; \
	   echo '    if (strcmp(embedded_lua[i].name, name) == 0) return &embedded_lua[i];'; \
	   echo '  return 0; }'; \
	 } > $@.tmp && mv $@.tmp $@

$(BUILD)/embedded_lua.o: $(BUILD)/embedded_lua.c $(BUILD)/flags
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

run: deps
	$(MAKE) main
	./main --root . --include-examples --verbose

test: test-deps
	$(MAKE) WERROR=1 main $(UNIT_BIN)
	tests/run.sh $(UNIT_BIN)

bench: deps
	$(MAKE) main $(BENCH_BIN)
	@for b in $(BENCH_BIN); do $$b || exit 1; done

install: main
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/task-scheduler
	install -m 755 main $(DESTDIR)$(PREFIX)/bin/task-scheduler
	install -m 644 README.md $(DESTDIR)$(PREFIX)/share/task-scheduler/README.md
	cp -r lua/meta $(DESTDIR)$(PREFIX)/share/task-scheduler/
	install -d $(DESTDIR)$(PREFIX)/share/task-scheduler/scripts
	install -m 755 scripts/monitor_scheduler.sh scripts/setup_cron.sh $(DESTDIR)$(PREFIX)/share/task-scheduler/scripts/
	install -m 644 scripts/task-scheduler.service $(DESTDIR)$(PREFIX)/share/task-scheduler/scripts/task-scheduler.service

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/task-scheduler
	rm -rf $(DESTDIR)$(PREFIX)/share/task-scheduler

clean:
	rm -rf $(BUILD) main

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
