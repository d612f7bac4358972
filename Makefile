# socklens — one Makefile for the preload, the viewer, the samples and
# the tests. `make help` lists the targets.

PREFIX ?= /usr/local
BUILD ?= build
CC ?= gcc

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter
CFLAGS ?= -O2 -g
CPPFLAGS += -std=c11 -D_GNU_SOURCE -Iinclude -MMD -MP
ifneq ($(SAN),)
# Every report is fatal: a finding fails its test, not only a changed output.
SANFLAGS := -fsanitize=$(SAN) -fno-sanitize-recover=all -fno-omit-frame-pointer
# A preload cannot carry ASan into programs that are not built with it
# (its runtime must be first of all libraries), nor TSan: the preload
# gets the sanitizers that can ride along (UBSan), everything else all.
comma := ,
PRELOAD_SAN := $(filter-out address thread,$(subst $(comma), ,$(SAN)))
ifneq ($(PRELOAD_SAN),)
PRELOAD_SANFLAGS := -fsanitize=$(subst $(eval) ,$(comma),$(PRELOAD_SAN)) -fno-sanitize-recover=all -fno-omit-frame-pointer
endif
endif

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.1.0)

PRELOAD_SRC := $(wildcard preload/*.c preload/policy/*.c)
PRELOAD_OBJ := $(PRELOAD_SRC:%.c=$(BUILD)/%.o)
VIEWER_LIB_SRC := $(wildcard viewer/*/*.c)
VIEWER_LIB_OBJ := $(VIEWER_LIB_SRC:%.c=$(BUILD)/%.o)
VIEWER_MAIN_OBJ := $(BUILD)/viewer/main.o
# The policy library (preload/policy/, include/socklens/policy.h) is
# shared: the preload enforces a policy, the socklens command checks one
# before a program starts. Built once, with the preload's flags.
POLICY_OBJ := $(filter $(BUILD)/preload/policy/%.o,$(PRELOAD_OBJ))
SAMPLE_SRC := $(wildcard samples/*.c)
SAMPLES := $(SAMPLE_SRC:samples/%.c=$(BUILD)/samples/%)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNITS := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
HELPER_SRC := $(wildcard tests/helpers/*.c)
HELPERS := $(HELPER_SRC:tests/helpers/%.c=$(BUILD)/tests/helpers/%)

LIB := $(BUILD)/libsocklens.so
BIN := $(BUILD)/socklens
LIBVIEW := $(BUILD)/libsocklens_view.a
LIBPRELOAD := $(BUILD)/libsocklens_preload.a

.PHONY: all help deps check check-loaded unit e2e demo bench fuzz install clean samples

all: $(LIB) $(BIN) $(SAMPLES) $(HELPERS)

help:
	@echo "make            build $(LIB), $(BIN) and the samples"
	@echo "make demo       install what is missing, build, trace a sample, show it"
	@echo "make check      install what is missing, build, run every test"
	@echo "make check-loaded   make check beside two CPU hogs (LOAD_RUNS=3: three runs)"
	@echo "make unit       the cmocka unit tests only"
	@echo "make e2e        the end-to-end tests only"
	@echo "make bench      benchmarks (not part of check)"
	@echo "make fuzz       libFuzzer on the record checks, trace reader, policy"
	@echo "                parser, ELF reader and stream sniffers"
	@echo "                (FUZZ_SECONDS each, default 60)"
	@echo "make install PREFIX=/usr/local   (bin/, lib/socklens/, share/man/,"
	@echo "                bash and zsh completion under share/)"
	@echo "SAN=address,undefined   build and test with sanitizers"

deps:
	@sh tests/deps.sh

# The preload: position independent, hidden by default; only the wrapped
# libc names are exported (tests/e2e/test_exports.sh checks).
$(BUILD)/preload/%.o: preload/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(PRELOAD_SANFLAGS) -fPIC -fvisibility=hidden \
		-ftls-model=initial-exec -c $< -o $@

$(LIB): $(PRELOAD_OBJ)
	$(CC) -shared -o $@ $^ $(PRELOAD_SANFLAGS) -Wl,-z,now -Wl,--no-undefined -ldl -lpthread

$(LIBPRELOAD): $(filter-out $(BUILD)/preload/wrap_%.o,$(PRELOAD_OBJ))
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/viewer/%.o: viewer/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Iviewer $(CFLAGS) $(WARN) $(SANFLAGS) -DSL_VERSION='"$(VERSION)"' -c $< -o $@

# The HTML page, built into the binary as a byte array (no tool beyond od).
$(BUILD)/viewer/out/page_html.c: viewer/out/html/page.html
	@mkdir -p $(dir $@)
	@{ echo '/* Generated from viewer/out/html/page.html by make. */'; \
	  echo 'const unsigned char sl_page_html[] = {'; \
	  od -An -v -tx1 $< | sed -e 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	  echo '};'; \
	  echo "const unsigned int sl_page_html_len = $$(wc -c < $<);"; } > $@

$(BUILD)/viewer/out/page_html.o: $(BUILD)/viewer/out/page_html.c
	$(CC) $(CFLAGS) -c $< -o $@

# Made afresh each time: members are named by their file's base name, and
# layers share some (cmd/audit.o, out/audit.o), which `ar r` would replace
# one with the other in an archive that already holds them.
$(LIBVIEW): $(VIEWER_LIB_OBJ) $(POLICY_OBJ) $(BUILD)/viewer/out/page_html.o
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(VIEWER_MAIN_OBJ) $(LIBVIEW)
	$(CC) $(SANFLAGS) -o $@ $^ -lelf -lm

samples: $(SAMPLES)

$(BUILD)/samples/%: samples/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -o $@ $< -lpthread

$(BUILD)/tests/helpers/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -o $@ $< -lpthread

# Unit tests see the viewer's layers; those of the preload's own files
# (and of the ring, both sides of it) its private headers too.
PRELOAD_UNITS := test_clock test_fdtab test_ring test_lanes test_sniff test_sniff_hostile test_fault
$(BUILD)/tests/%: tests/unit/%.c $(LIBVIEW) $(LIBPRELOAD)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Iviewer $(if $(filter $*,$(PRELOAD_UNITS)),-Ipreload) \
		$(CFLAGS) $(WARN) $(SANFLAGS) -o $@ $< \
		$(LIBVIEW) $(LIBPRELOAD) -lcmocka -lelf -lm -ldl -lpthread

unit: $(UNITS)
	@sh tests/run_unit.sh $(UNITS)

e2e: all
	@sh tests/run_e2e.sh

check: deps
	@$(MAKE) -s --no-print-directory all $(UNITS) $(REPLAYS) $(TSAN_LIB) $(TSAN_STRESS)
	@SL_BUILD=$(abspath $(BUILD)) sh tests/run_all.sh $(UNITS)

# The suite on a loaded machine (tests/load_check.sh).
check-loaded:
	@MAKE="$(MAKE)" sh tests/load_check.sh BUILD=$(BUILD) $(if $(SAN),SAN=$(SAN))

demo: deps
	@$(MAKE) -s --no-print-directory all
	@sh samples/demo.sh

bench: all
	@sh tests/bench/run.sh

fuzz: all $(BUILD)/viewer/out/page_html.c
	@sh tests/fuzz/run.sh

# The harnesses without libFuzzer, to replay tests/fuzz/regressions/.
FUZZ_NAMES := wire trace policy elf sniff
REPLAYS := $(FUZZ_NAMES:%=$(BUILD)/tests/replay_%)
$(BUILD)/tests/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(LIBVIEW) $(LIBPRELOAD)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Iviewer $(if $(filter sniff,$*),-Ipreload) $(CFLAGS) \
		$(WARN) $(SANFLAGS) -o $@ $^ -lelf -lm

# ThreadSanitizer for the threaded tests (tests/e2e/test_tsan.sh): the
# preload and the stress program built with it. TSan cannot ride in a
# preload into a program built without it, so the program is ours.
TSAN := $(BUILD)/tsan
TSAN_LIB := $(TSAN)/libsocklens.so
TSAN_STRESS := $(TSAN)/stress
TSAN_FLAGS := -O1 -g -fsanitize=thread -fno-omit-frame-pointer
$(TSAN)/preload/%.o: preload/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(TSAN_FLAGS) $(WARN) -fPIC -fvisibility=hidden \
		-ftls-model=initial-exec -c $< -o $@

$(TSAN_LIB): $(PRELOAD_SRC:%.c=$(TSAN)/%.o)
	$(CC) -shared -o $@ $^ -fsanitize=thread -Wl,-z,now -Wl,--no-undefined -ldl -lpthread

$(TSAN_STRESS): tests/helpers/stress.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(TSAN_FLAGS) $(WARN) -o $@ $< -lpthread

MAN1 := viewer/man/socklens.1
MAN5 := viewer/man/socklens-policy.5 viewer/man/socklens-export.5

install: $(LIB) $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/socklens \
		$(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/socklens
	install -m 0755 $(LIB) $(DESTDIR)$(PREFIX)/lib/socklens/libsocklens.so
	install -m 0644 $(MAN1) $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 $(MAN5) $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0644 viewer/completion/socklens.bash \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/socklens
	install -m 0644 viewer/completion/_socklens \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_socklens

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
