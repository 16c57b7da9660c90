# vxtap: userspace VXLAN tunnel endpoint. Plain GNU make; V=1 shows commands.

VERSION   := 0.1.0
PREFIX    ?= /usr/local
SBINDIR   ?= $(PREFIX)/sbin
MANDIR    ?= $(PREFIX)/share/man
DESTDIR   ?=
BUILD     ?= build
WERROR    ?= 1
PKG_CONFIG ?= pkg-config
SHELL     := /bin/bash

CC        ?= cc
CFLAGS    ?= -O2 -g
override CFLAGS += -std=c11 -D_GNU_SOURCE -Iinclude -DVXTAP_VERSION='"$(VERSION)"' \
             -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
             -Wpointer-arith -Wcast-qual -Wformat=2 -Wwrite-strings -Wvla \
             -MMD -MP
ifeq ($(WERROR),1)
override CFLAGS += -Werror
endif

EV_CFLAGS     := $(shell $(PKG_CONFIG) --cflags libev 2>/dev/null)
EV_LIBS       := $(shell $(PKG_CONFIG) --libs libev 2>/dev/null || echo -lev)
SODIUM_CFLAGS := $(shell $(PKG_CONFIG) --cflags libsodium 2>/dev/null)
SODIUM_LIBS   := $(shell $(PKG_CONFIG) --libs libsodium 2>/dev/null || echo -lsodium)
CHECK_CFLAGS  := $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS    := $(shell $(PKG_CONFIG) --libs check 2>/dev/null || echo -lcheck)

ifeq ($(V),1)
Q :=
else
Q := @
endif

# The pure core: no syscalls, no libev, time passed in.
CORE  := addr eth csum vxlan arp nd icmp gso gro table fdb neigh peer storm dp conf noise crypto
CORE  += ctlproto peersfile # the control protocol and the peers file
# The shell: devices, sockets, the loop.
SHELLMODS := log tap udp loop keyfile
SHELLMODS += ctl ctlpath priv
UNITS := $(filter-out gro,$(CORE)) # gro is tested with gso, in check_gso

CORE_OBJS  := $(CORE:%=$(BUILD)/src/%.o)
SHELL_OBJS := $(SHELLMODS:%=$(BUILD)/src/%.o)
MAIN_OBJ   := $(BUILD)/src/main.o
TEST_BINS  := $(UNITS:%=$(BUILD)/test/check_%)

.PHONY: all unit check netcheck demo asan install uninstall clean lint deps bench fuzz bench-ctl bench-cost \
	bench-crypto

all: $(BUILD)/vxtap $(BUILD)/vxtapctl

$(BUILD)/src/%.o: src/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) $(EV_CFLAGS) $(SODIUM_CFLAGS) -c -o $@ $<

$(BUILD)/libvxcore.a: $(CORE_OBJS)
	@$(if $(Q),echo "  AR      $@")
	$(Q)$(AR) rcs $@ $^

$(BUILD)/vxtap: $(MAIN_OBJ) $(SHELL_OBJS) $(BUILD)/libvxcore.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(EV_LIBS) $(SODIUM_LIBS)

# The client: the protocol grammar from the core, the socket path from ctlpath.
$(BUILD)/vxtapctl: $(BUILD)/src/vxtapctl.o $(BUILD)/src/ctlpath.o $(BUILD)/libvxcore.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(SODIUM_LIBS)

$(BUILD)/test/%.o: test/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) $(CHECK_CFLAGS) -c -o $@ $<

$(BUILD)/test/check_%: $(BUILD)/test/check_%.o $(BUILD)/libvxcore.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(SODIUM_LIBS)

deps:
	$(Q)scripts/deps

# Unit suites only: no root needed.
unit: $(TEST_BINS)
	$(Q)scripts/run-unit $(TEST_BINS)

# Network-namespace tests: root required; they fail (never skip) without it.
netcheck: $(BUILD)/vxtap $(BUILD)/vxtapctl
	$(Q)VXTAP=$(abspath $(BUILD)/vxtap) test/netns/run

check: deps
	$(Q)$(MAKE) --no-print-directory all $(TEST_BINS)
	$(Q)$(MAKE) --no-print-directory unit
	$(Q)$(MAKE) --no-print-directory netcheck

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)VXTAP=$(abspath $(BUILD)/vxtap) scripts/demo

ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
asan: deps
	$(Q)$(MAKE) --no-print-directory BUILD=build-asan CFLAGS="$(ASAN_FLAGS)" LDFLAGS="$(ASAN_FLAGS)" \
		all $(UNITS:%=build-asan/test/check_%)
	$(Q)CK_FORK=no scripts/run-unit $(UNITS:%=build-asan/test/check_%)
	$(Q)VXTAP=$(abspath build-asan/vxtap) ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 test/netns/run

# libFuzzer harnesses for both directions of the decision (clang only).
FUZZ_TIME  ?= 60
FUZZ_FLAGS := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
FUZZERS    := udp tap crypto
fuzz:
	$(Q)$(MAKE) --no-print-directory CC=clang BUILD=build-fuzz CFLAGS="$(FUZZ_FLAGS)" \
		build-fuzz/libvxcore.a $(FUZZERS:%=build-fuzz/fuzz_%)
	$(Q)for f in $(FUZZERS); do \
		mkdir -p build-fuzz/corpus-$$f && cp -n test/fuzz/corpus/$$f/* build-fuzz/corpus-$$f/; \
		echo "== fuzz_$$f for $(FUZZ_TIME) s"; \
		build-fuzz/fuzz_$$f -max_total_time=$(FUZZ_TIME) -print_final_stats=1 \
			build-fuzz/corpus-$$f 2>&1 | grep -E '^(#[0-9]+.*DONE|Done|stat::number_of_executed_units|stat::peak_rss)|ERROR|SUMMARY' ; \
		test "$${PIPESTATUS[0]}" = 0 || exit 1; \
	done

build-fuzz/fuzz_%: test/fuzz/fuzz_%.c test/fuzz/fuzz_common.h build-fuzz/libvxcore.a
	$(Q)$(CC) $(CFLAGS) -fsanitize=fuzzer -Itest/fuzz -o $@ $< build-fuzz/libvxcore.a $(SODIUM_LIBS)

# Throughput, packet rate, latency and CPU against the kernel driver, fastd and
# tinc in namespaces (root; about 10 minutes). BENCH_ARGS="--rounds 1 --time 3 ...".
bench:
	$(Q)scripts/deps --bench
	$(Q)$(MAKE) --no-print-directory all
	$(Q)VXTAP=$(abspath $(BUILD)/vxtap) scripts/bench --no-build $(BENCH_ARGS)

# Callgrind instructions per forwarded packet, each direction, 1400 and 64 bytes (root).
bench-cost:
	$(Q)scripts/deps --bench
	$(Q)$(MAKE) --no-print-directory all
	$(Q)VXTAP=$(abspath $(BUILD)/vxtap) scripts/bench-cost --no-build $(BENCH_ARGS)

# Secure mode's responder on one core: per handshake, per init refused at mac1,
# per cookie reply under load, per data datagram (no root; a few seconds).
bench-crypto: $(BUILD)/test/bench_crypto
	$(Q)$(BUILD)/test/bench_crypto

$(BUILD)/test/bench_crypto: $(BUILD)/test/bench_crypto.o $(BUILD)/libvxcore.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(SODIUM_LIBS)

# Control-socket scale figures (root): load time, RSS, cost per frame.
bench-ctl: all
	$(Q)VXTAP=$(abspath $(BUILD)/vxtap) VXTAPCTL=$(abspath $(BUILD)/vxtapctl) scripts/bench-ctl

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(BUILD)/vxtap $(DESTDIR)$(SBINDIR)/vxtap
	install -m 0755 $(BUILD)/vxtapctl $(DESTDIR)$(SBINDIR)/vxtapctl
	install -m 0644 man/vxtap.8 $(DESTDIR)$(MANDIR)/man8/vxtap.8
	install -m 0644 man/vxtapctl.8 $(DESTDIR)$(MANDIR)/man8/vxtapctl.8

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/vxtap $(DESTDIR)$(MANDIR)/man8/vxtap.8
	rm -f $(DESTDIR)$(SBINDIR)/vxtapctl $(DESTDIR)$(MANDIR)/man8/vxtapctl.8

lint:
	clang-format --dry-run --Werror src/*.c include/*.h test/*.c test/*.h test/fuzz/*.c test/fuzz/*.h
	mandoc -Tlint -Wwarning man/*.8

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
