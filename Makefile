# xetl — plain GNU make.  `make` builds ./xetl, `make check` runs every test,
# `make demo` runs the nightly job on bundled fixtures, `make bench` measures.
# Knobs: V=1 (verbose), SANITIZE=address,undefined, PREFIX=/usr/local, DESTDIR=.

VERSION    := 0.1.0
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
DATADIR    ?= $(PREFIX)/share/xetl
MANDIR     ?= $(PREFIX)/share/man
DOCDIR     ?= $(PREFIX)/share/doc/xetl
SYSCONFDIR ?= /etc/xetl
DESTDIR    ?=
PKG_CONFIG ?= pkg-config
CC         ?= cc
BUILD      ?= build

ifeq ($(V),1)
Q :=
else
Q := @
endif

PKGS := libpq libcurl gsl xlsxwriter jansson
WARN := -Wall -Wextra -Werror -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes \
        -Wvla -Wwrite-strings -Wshadow -Wno-missing-field-initializers -Wno-format-truncation
CFLAGS ?= -O2 -g
XCFLAGS := -std=c17 -D_GNU_SOURCE $(WARN) -I. \
           -DXETL_VERSION='"$(VERSION)"' -DXETL_DATADIR='"$(DATADIR)"' \
           -DXETL_DOCDIR='"$(DOCDIR)"' -DXETL_SYSCONFDIR='"$(SYSCONFDIR)"' \
           $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
LDLIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lcsv -lm -lpthread

ifneq ($(SANITIZE),)
XCFLAGS += -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=$(SANITIZE)
BUILD := build-san
endif
# A sanitizer build links its own binary so it never shadows ./xetl.
BIN := $(if $(SANITIZE),$(BUILD)/xetl,xetl)

LIB_SRC  := $(sort $(wildcard common/*.c etl/*.c stats/*.c reports/*.c))
CLI_SRC  := $(sort $(wildcard cli/*.c))
SQL_SRC  := $(sort $(wildcard sql/[0-9]*.sql))
QUERY_SRC := $(sort $(wildcard sql/queries/*/*.sql))
UNIT_SRC := $(sort $(wildcard tests/unit/*/test_*.c))
BENCH_SRC := $(sort $(wildcard bench/bench_*.c))

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/sql_embed.o $(BUILD)/query_embed.o
LIB_OBJ  += $(BUILD)/ref_embed.o
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN := $(UNIT_SRC:%.c=$(BUILD)/%)
BENCH_BIN := $(BENCH_SRC:%.c=$(BUILD)/%)
LIBXETL  := $(BUILD)/libxetl.a

.PHONY: all check check-run bench-run unit integration demo bench validate install uninstall clean deps render-report
.PHONY: faults valgrind
all: $(BIN)

$(BIN): $(CLI_OBJ) $(LIBXETL)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIBXETL) $(LDLIBS)

$(LIBXETL): $(LIB_OBJ)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(XCFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# Migrations are compiled into the binary so an installed xetl needs no sql/ tree.
$(BUILD)/sql_embed.c: $(SQL_SRC) sql/embed.sh
	@mkdir -p $(dir $@)
	@echo "  EMBED   sql/*.sql"
	$(Q)sh sql/embed.sh $(SQL_SRC) > $@.tmp && mv $@.tmp $@

$(BUILD)/sql_embed.o: $(BUILD)/sql_embed.c
	$(Q)$(CC) $(XCFLAGS) $(CFLAGS) -c -o $@ $<

# Named statements (sql/queries/<stage>/<name>.sql), compiled in the same way.
$(BUILD)/query_embed.c: $(QUERY_SRC) sql/embed.sh
	@mkdir -p $(dir $@)
	@echo "  EMBED   sql/queries"
	$(Q)sh sql/embed.sh --queries $(QUERY_SRC) > $@.tmp && mv $@.tmp $@

$(BUILD)/query_embed.o: $(BUILD)/query_embed.c
	$(Q)$(CC) $(XCFLAGS) $(CFLAGS) -c -o $@ $<

# The forecaster's global reference set (the SEISMIC cascades), compiled in likewise.
$(BUILD)/ref_embed.c: fixtures/seismic/seismic_subset_cumulative_retweets.csv stats/embed_ref.sh
	@mkdir -p $(dir $@)
	@echo "  EMBED   fixtures/seismic"
	$(Q)sh stats/embed_ref.sh $< > $@.tmp && mv $@.tmp $@

$(BUILD)/ref_embed.o: $(BUILD)/ref_embed.c
	$(Q)$(CC) $(XCFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/unit/%: tests/unit/%.c $(LIBXETL)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(XCFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIBXETL) $(LDLIBS) -lcmocka

$(BUILD)/bench/%: bench/%.c $(LIBXETL)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(XCFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIBXETL) $(LDLIBS)

deps:
	$(Q)sh tests/lib/deps.sh

# Packages are checked first, then make runs again so that pkg-config sees
# libraries that deps.sh has just installed on a fresh machine.
# The whole suite: unit tests, then integration tests against a throwaway
# PostgreSQL started by tests/run.sh.  Ends with one "N passed, N failed, N skipped" line.
check: deps
	$(Q)$(MAKE) --no-print-directory check-run

check-run: $(BIN) $(UNIT_BIN)
	$(Q)XETL_BUILD=$(BUILD) XETL_BIN=$(BIN) sh tests/run.sh

unit: $(BIN) $(UNIT_BIN)
	$(Q)XETL_BUILD=$(BUILD) XETL_BIN=$(BIN) XETL_ONLY=unit sh tests/run.sh

integration: $(BIN)
	$(Q)XETL_BUILD=$(BUILD) XETL_BIN=$(BIN) XETL_ONLY=integration sh tests/run.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory xetl
	$(Q)./xetl demo

bench: deps
	$(Q)$(MAKE) --no-print-directory bench-run

bench-run: $(BIN) $(BENCH_BIN)
	$(Q)XETL_BUILD=$(BUILD) sh bench/run.sh

# The fault suite (tests/faults/): the database, the X API, SMTP, the disk and
# SIGKILL failing inside a nightly; ends with how many faults were tried.
faults: $(BIN)
	$(Q)XETL_BUILD=$(BUILD) XETL_BIN=$(BIN) sh tests/faults/run.sh

# The unit tests and one nightly under valgrind: no errors, no leaks (tests/valgrind.sh).
valgrind: xetl $(UNIT_BIN)
	$(Q)XETL_BUILD=$(BUILD) sh tests/valgrind.sh

validate: xetl
	$(Q)./xetl validate-decay fixtures/seismic/seismic_subset_cumulative_retweets.csv

install: $(BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(DATADIR)/demo \
	    $(DESTDIR)$(DATADIR)/fakex $(DESTDIR)$(DATADIR)/lib
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/xetl
	install -m 644 docs/xetl.1 $(DESTDIR)$(MANDIR)/man1/xetl.1
	install -m 644 fixtures/demo/scenario.json fixtures/demo/make_fixtures.py $(DESTDIR)$(DATADIR)/demo/
	install -m 755 fixtures/demo/demo.sh $(DESTDIR)$(DATADIR)/demo/
	install -m 644 tests/fakex/sim.py $(DESTDIR)$(DATADIR)/fakex/
	install -m 755 tests/fakex/fakex.py $(DESTDIR)$(DATADIR)/fakex/
	install -m 644 tests/lib/pg.sh $(DESTDIR)$(DATADIR)/lib/
	install -d $(DESTDIR)$(DOCDIR)
	install -m 644 README.md docs/*.md $(DESTDIR)$(DOCDIR)/

# The workbook as its reader sees it on paper: the demo's last workbook (or
# XLSX=path) through LibreOffice headless -> PDF -> one PNG a page in
# build/render/.  Needs libreoffice-calc-nogui and poppler-utils; not part of check.
render-report: xetl
	$(Q)if [ -z "$(XLSX)" ]; then rm -rf $(BUILD)/render-demo && ./xetl demo --dir $(BUILD)/render-demo >/dev/null 2>$(BUILD)/render-demo.log || { cat $(BUILD)/render-demo.log; exit 1; }; fi
	$(Q)sh tests/lib/render_report.sh "$${XLSX:-$$(ls $(BUILD)/render-demo/reports/*.xlsx | tail -1)}" $(BUILD)/render

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/xetl $(DESTDIR)$(MANDIR)/man1/xetl.1
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)

clean:
	rm -rf build build-san build-fuzz xetl .demo-share

# Rewrites tests/golden/report/ from this build (review the diff before committing);
# make check never does: it compares against the committed files.
.PHONY: golden
golden: $(BIN)
	$(Q)XETL_BUILD=$(BUILD) XETL_BIN=$(BIN) XETL_MAKE_GOLDEN=1 sh tests/run.sh tests/integration/t_report.sh

# ---- fuzzing (clang + libFuzzer; docs/reliability.md) ----
# `make fuzz` builds build-fuzz/fuzz_<target> from each tests/fuzz/fuzz_<target>.c
# (library and target under ASan+UBSan); `make fuzz-run FUZZ_SECONDS=60` runs each
# for that long on a scratch copy of tests/fuzz/corpus/<target>.  make check replays
# every corpus and tests/fuzz/regress/<target> once through tests/fuzz/replay.c.
FUZZ_SRC     := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES   := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=%)
FUZZ_REPLAY  := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/tests/fuzz/%)
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_JOBS    ?= 1
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
.PHONY: fuzz fuzz-bins fuzz-run

check-run: $(FUZZ_REPLAY)

$(BUILD)/tests/fuzz/%: tests/fuzz/%.c tests/fuzz/replay.c tests/fuzz/fuzz.h $(LIBXETL)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(XCFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< tests/fuzz/replay.c $(LIBXETL) $(LDLIBS)

fuzz:
	$(Q)sh tests/lib/deps.sh fuzz
	$(Q)$(MAKE) --no-print-directory BUILD=build-fuzz CC=$(FUZZ_CC) SANITIZE= \
	    CFLAGS="-O1 -g -fsanitize=fuzzer-no-link $(FUZZ_SAN) -Wno-unknown-warning-option" \
	    LDFLAGS="$(FUZZ_SAN)" fuzz-bins

fuzz-bins: $(FUZZ_NAMES:%=$(BUILD)/fuzz_%)

$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(LIBXETL)
	@echo "  FUZZ    $@"
	$(Q)$(CC) $(XCFLAGS) $(CFLAGS) $(LDFLAGS) -fsanitize=fuzzer -o $@ $< $(LIBXETL) $(LDLIBS)

fuzz-run: fuzz
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) sh tests/fuzz/run.sh $(FUZZ_NAMES)

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)

# The nightly workload on a local Citus cluster (coordinator + 2 workers on
# loopback) against plain PostgreSQL, byte for byte; says so and passes when
# no Citus is installed (docs/scaling.md, "make citus-check").
.PHONY: citus-check
citus-check: $(BIN)
	$(Q)XETL_BIN=$(BIN) sh tests/citus/check.sh

# One agency night measured (bench/agency.sh): 1,000 accounts x 50 posts a day x
# 90 days loaded by COPY, one nightly against a fake X API in C, per-stage wall,
# throughput, peak RSS and the COPY floor.  Not in CI; BENCH_ACCOUNTS=… etc.
.PHONY: bench-agency
bench-agency: deps
	$(Q)$(MAKE) --no-print-directory $(BIN) $(BUILD)/bench/agency
	$(Q)XETL_BUILD=$(BUILD) XETL_BIN=$(BIN) sh bench/agency.sh
bench-run: $(BUILD)/bench/agency
