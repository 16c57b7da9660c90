# vxtap: userspace VXLAN tunnel endpoint. Plain GNU make; V=1 shows commands.

VERSION   := 0.1.0
PREFIX    ?= /usr/local
SBINDIR   ?= $(PREFIX)/sbin
MANDIR    ?= $(PREFIX)/share/man
COMPLETIONDIR  ?= $(PREFIX)/share/bash-completion/completions
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
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
MHD_CFLAGS    := $(shell $(PKG_CONFIG) --cflags libmicrohttpd 2>/dev/null)
MHD_LIBS      := $(shell $(PKG_CONFIG) --libs libmicrohttpd 2>/dev/null || echo -lmicrohttpd)
CHECK_CFLAGS  := $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS    := $(shell $(PKG_CONFIG) --libs check 2>/dev/null || echo -lcheck)
MNL_CFLAGS    := $(shell $(PKG_CONFIG) --cflags libmnl 2>/dev/null)
MNL_LIBS      := $(shell $(PKG_CONFIG) --libs libmnl 2>/dev/null || echo -lmnl)
JSON_CFLAGS   := $(shell $(PKG_CONFIG) --cflags json-c 2>/dev/null)
JSON_LIBS     := $(shell $(PKG_CONFIG) --libs json-c 2>/dev/null || echo -ljson-c)
CURL_CFLAGS   := $(shell $(PKG_CONFIG) --cflags libcurl 2>/dev/null)
CURL_LIBS     := $(shell $(PKG_CONFIG) --libs libcurl 2>/dev/null || echo -lcurl)
# What every program and suite links besides its own objects.
LIBS_CFLAGS   := $(EV_CFLAGS) $(SODIUM_CFLAGS) $(MNL_CFLAGS) $(JSON_CFLAGS) $(CURL_CFLAGS)
CORE_LIBS     := $(SODIUM_LIBS) $(MNL_LIBS) $(JSON_LIBS)

ifeq ($(V),1)
Q :=
else
Q := @
endif

# The pure core: no syscalls, no libev, time passed in.
CORE  := addr eth csum vxlan arp nd icmp gso gro table fdb neigh peer storm dp change conf noise crypto
CORE  += ctlproto ctlexec counters peersfile # the control protocol, its answers, the peers file
CORE  += txq fwd method_plain method_sealed # the engine behind the I/O seam, the datagram methods
CORE  += spin # how long the loop polls after traffic
CORE  += keytext # keys as base64 text (vxtapctl links it, not the crypto)
CORE  += ratelimit # how often a log line may go out
CORE  += route # the control plane's routes as rtnetlink messages
CORE  += sdproto metricsproto # sd_notify messages; the HTTP endpoint's answers
CORE  += jsonrd flannel etcdgw flset fldiff flnet flshow # the flannel control plane
# The shell: devices, sockets, the loop.
SHELLMODS := log tap udp io_fd loop keyfile
SHELLMODS += ctl ctlpath reload priv rtnl statefile
SHELLMODS += sdnotify metrics service # the service manager and monitoring
SHELLMODS += etcd flnode # the etcd control plane
# Modules tested inside another module's suite.
TESTED_WITH := gro change txq method_plain method_sealed ctlexec counters
TESTED_WITH += jsonrd # with flannel
TESTED_WITH += keytext # with crypto
UNITS := $(filter-out $(TESTED_WITH),$(CORE))

CORE_OBJS  := $(CORE:%=$(BUILD)/src/%.o)
SHELL_OBJS := $(SHELLMODS:%=$(BUILD)/src/%.o)
MAIN_OBJ   := $(BUILD)/src/main.o
TEST_BINS  := $(UNITS:%=$(BUILD)/test/check_%)

.PHONY: all help unit check netcheck demo asan install uninstall clean lint deps bench fuzz bench-ctl bench-cost bench-udp-loss \
	bench-etcd bench-crypto deb soak bench-zeroloss

all: $(BUILD)/vxtap $(BUILD)/vxtapctl

help:
	@echo 'make                 build build/vxtap and build/vxtapctl'
	@echo 'make demo            three nodes in namespaces ping each other (root)'
	@echo 'make check           scripts/deps, unit suites, then the namespace tests (root)'
	@echo 'make unit            the unit suites only (no root)'
	@echo 'make netcheck        the namespace tests only (root)'
	@echo 'make asan            everything under ASan and UBSan (root)'
	@echo 'make soak            three nodes under mixed load for 10 minutes (root; SOAK_ARGS="--time S --secure")'
	@echo 'make fuzz            the libFuzzer harnesses, FUZZ_TIME seconds each (clang)'
	@echo 'make lint            clang-format and mandoc checks'
	@echo 'make bench           speed against the kernel driver, fastd and tinc (root)'
	@echo 'make bench-cost      callgrind instructions per forwarded packet (root)'
	@echo 'make bench-udp-loss  where 64-byte UDP datagrams are lost, kernel and vxtap (root)'
	@echo 'make bench-zeroloss 1 Gbit/s of 1400-byte UDP for 60 s: does vxtap drop any? (root)'
	@echo 'make bench-ctl       control-socket scale: 1,000 peers, 100,000 FDB entries (root)'
	@echo 'make bench-etcd      the etcd control plane with 100 nodes and 1,000 leases (root)'
	@echo 'make bench-crypto    secure mode handshake and cookie costs (no root)'
	@echo 'make install         PREFIX=/usr/local DESTDIR= (also: make uninstall)'
	@echo 'make deb             a Debian package in build/'
	@echo 'make deps            install the Debian packages the build and tests need (root)'
	@echo 'make clean           remove build directories'

$(BUILD)/src/%.o: src/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(LIBS_CFLAGS) $(MHD_CFLAGS) -c -o $@ $<

$(BUILD)/libvxcore.a: $(CORE_OBJS)
	@$(if $(Q),echo "  AR      $@")
	$(Q)$(AR) rcs $@ $^

$(BUILD)/vxtap: $(MAIN_OBJ) $(SHELL_OBJS) $(BUILD)/libvxcore.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(EV_LIBS) $(CORE_LIBS) $(MHD_LIBS) $(CURL_LIBS)

# The client: the protocol grammar from the core (the archive gives it only
# the objects it uses: no tables; libsodium reads the peers' public keys),
# the socket path from ctlpath.
$(BUILD)/vxtapctl: $(BUILD)/src/vxtapctl.o $(BUILD)/src/ctlpath.o $(BUILD)/libvxcore.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(SODIUM_LIBS)

$(BUILD)/test/%.o: test/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(CHECK_CFLAGS) $(LIBS_CFLAGS) -c -o $@ $<

$(BUILD)/test/check_%: $(BUILD)/test/check_%.o $(BUILD)/libvxcore.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(CORE_LIBS)

# The etcd transport against a real etcd (test/netns/test_etcd_transport.sh).
$(BUILD)/test/etcd_smoke: $(BUILD)/test/etcd_smoke.o $(BUILD)/src/etcd.o $(BUILD)/libvxcore.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(CURL_LIBS) $(EV_LIBS) $(CORE_LIBS)

deps:
	$(Q)scripts/deps

# Unit suites only: no root needed.
unit: $(TEST_BINS) $(BUILD)/vxtapctl
	$(Q)scripts/run-unit $(TEST_BINS)
	$(Q)scripts/check-ctl-links $(BUILD)/vxtapctl

# Network-namespace tests: root required; they fail (never skip) without it.
netcheck: $(BUILD)/vxtap $(BUILD)/vxtapctl $(BUILD)/test/etcd_smoke
	$(Q)VXTAP=$(abspath $(BUILD)/vxtap) VXTAP_ETCD_SMOKE=$(abspath $(BUILD)/test/etcd_smoke) test/netns/run

check: deps
	$(Q)$(MAKE) --no-print-directory all $(TEST_BINS)
	$(Q)$(MAKE) --no-print-directory unit
	$(Q)$(MAKE) --no-print-directory netcheck

# The soak (scripts/soak): 10 minutes unless SOAK_ARGS says otherwise.
soak: all
	$(Q)VXTAP=$(abspath $(BUILD)/vxtap) scripts/soak $(SOAK_ARGS)

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)VXTAP=$(abspath $(BUILD)/vxtap) scripts/demo

ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
asan: deps
	$(Q)$(MAKE) --no-print-directory BUILD=build-asan CFLAGS="$(ASAN_FLAGS)" LDFLAGS="$(ASAN_FLAGS)" \
		all $(UNITS:%=build-asan/test/check_%) build-asan/test/etcd_smoke
	$(Q)CK_FORK=no scripts/run-unit $(UNITS:%=build-asan/test/check_%)
	$(Q)VXTAP=$(abspath build-asan/vxtap) VXTAP_ETCD_SMOKE=$(abspath build-asan/test/etcd_smoke) \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 test/netns/run

# libFuzzer harnesses (clang only): both directions of the decision, and
# what a local client or a file reaches: the control grammar and its
# execution, the peers file, the command line.
FUZZ_TIME  ?= 60
FUZZ_FLAGS := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
	      -fno-sanitize-recover=all
FUZZERS    := udp tap ctl peersfile conf crypto
FUZZERS    += flannel etcdgw # the control plane's records, etcd's answers and watch lines
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
	$(Q)$(CC) $(CFLAGS) $(LIBS_CFLAGS) -fsanitize=fuzzer -Itest/fuzz -o $@ $< build-fuzz/libvxcore.a \
		$(CORE_LIBS)

# Throughput, packet rate, latency and CPU against the kernel driver, fastd and
# tinc in namespaces (root; about 10 minutes). BENCH_ARGS="--rounds 1 --time 3 ...".
bench:
	$(Q)scripts/deps --bench
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/test/bench_peers $(BUILD)/test/bench_crypto
	$(Q)VXTAP=$(abspath $(BUILD)/vxtap) scripts/bench --no-build $(BENCH_ARGS)

# Every 64-byte UDP datagram iperf3 sends and does not receive, by the counter
# that explains it, kernel driver and vxtap (root; about a minute).
# BENCH_ARGS="--rounds 1 --only vxtap --vxtap-args --busy-poll".
bench-udp-loss:
	$(Q)scripts/deps --bench
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/bench-udp-loss --no-build --vxtap $(abspath $(BUILD)/vxtap) $(BENCH_ARGS)

# Callgrind instructions per forwarded packet, each direction, 1400 and 64 bytes (root).
bench-cost:
	$(Q)scripts/deps --bench
	$(Q)$(MAKE) --no-print-directory all
	$(Q)VXTAP=$(abspath $(BUILD)/vxtap) scripts/bench-cost --no-build $(BENCH_ARGS)

# The etcd control plane at scale (root; about 10 minutes): 100 nodes and 50
# joins, idle CPU, 1,000 leases, cost per frame. BENCH_ARGS="--nodes 20 ...".
bench-etcd:
	$(Q)scripts/deps --bench
	$(Q)$(MAKE) --no-print-directory all
	$(Q)VXTAP=$(abspath $(BUILD)/vxtap) scripts/bench-etcd --no-build $(BENCH_ARGS)

# Secure mode's responder on one core: per handshake, per init refused at mac1,
# per cookie reply under load, per data datagram (no root; a few seconds).
bench-crypto: $(BUILD)/test/bench_crypto
	$(Q)$(BUILD)/test/bench_crypto

$(BUILD)/test/bench_crypto: $(BUILD)/test/bench_crypto.o $(BUILD)/libvxcore.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(CORE_LIBS)

# Many secure-mode peers from one process, for scripts/bench's scale figures.
$(BUILD)/test/bench_peers: $(BUILD)/test/bench_peers.o $(BUILD)/libvxcore.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(CORE_LIBS)

# Control-socket scale figures (root): load time, RSS, cost per frame.
bench-zeroloss: all
	$(Q)VXTAP=$(abspath $(BUILD)/vxtap) scripts/bench-zeroloss $(BENCH_ARGS)

bench-ctl: all
	$(Q)VXTAP=$(abspath $(BUILD)/vxtap) VXTAPCTL=$(abspath $(BUILD)/vxtapctl) scripts/bench-ctl

# The unit runs $(SBINDIR)/vxtap: its ExecStart follows SBINDIR.
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(COMPLETIONDIR) \
		$(DESTDIR)$(SYSTEMDUNITDIR)
	install -m 0755 $(BUILD)/vxtap $(DESTDIR)$(SBINDIR)/vxtap
	install -m 0755 $(BUILD)/vxtapctl $(DESTDIR)$(SBINDIR)/vxtapctl
	install -m 0644 man/vxtap.8 $(DESTDIR)$(MANDIR)/man8/vxtap.8
	install -m 0644 man/vxtapctl.8 $(DESTDIR)$(MANDIR)/man8/vxtapctl.8
	install -m 0644 completion/vxtap.bash $(DESTDIR)$(COMPLETIONDIR)/vxtap
	ln -sf vxtap $(DESTDIR)$(COMPLETIONDIR)/vxtapctl
	sed 's|/usr/sbin/vxtap|$(SBINDIR)/vxtap|' systemd/vxtap@.service \
		>$(DESTDIR)$(SYSTEMDUNITDIR)/vxtap@.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/vxtap@.service

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/vxtap $(DESTDIR)$(MANDIR)/man8/vxtap.8
	rm -f $(DESTDIR)$(SBINDIR)/vxtapctl $(DESTDIR)$(MANDIR)/man8/vxtapctl.8
	rm -f $(DESTDIR)$(COMPLETIONDIR)/vxtap $(DESTDIR)$(COMPLETIONDIR)/vxtapctl
	rm -f $(DESTDIR)$(SYSTEMDUNITDIR)/vxtap@.service

# The Debian package, built from a copy of the tracked files in $(DEB_WORK)
# (so the tree and its parent stay clean): $(BUILD)/vxtap_VERSION_ARCH.deb.
DEB_WORK ?= $(BUILD)/deb
deb:
	$(Q)rm -rf $(DEB_WORK) && mkdir -p $(DEB_WORK)/vxtap-$(VERSION)
	$(Q)if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git ls-files -z | tar --null -T - -cf - | tar -C $(DEB_WORK)/vxtap-$(VERSION) -xf -; \
	else \
		tar --exclude='./build*' --exclude=./.git -cf - . | tar -C $(DEB_WORK)/vxtap-$(VERSION) -xf -; \
	fi
	$(Q)cd $(DEB_WORK)/vxtap-$(VERSION) && dpkg-buildpackage -us -uc -b >../build.log 2>&1 || \
		{ tail -n 40 $(DEB_WORK)/build.log; exit 1; }
	$(Q)deb=$$(ls $(DEB_WORK)/vxtap_$(VERSION)_*.deb) && mkdir -p $(BUILD) && cp $$deb $(BUILD)/ && \
		echo "$(BUILD)/$${deb##*/}"

lint:
	clang-format --dry-run --Werror src/*.c include/*.h test/*.c test/*.h test/fuzz/*.c test/fuzz/*.h
	mandoc -Tlint -Wwarning man/*.8

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
