# krunsh — GNU Make build. Debian-packager conventions: PREFIX, DESTDIR,
# CFLAGS/CPPFLAGS/LDFLAGS from the environment are honoured, `make install`.
VERSION    := 0.1.0
SOVERSION  := 0
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
LIBEXECDIR ?= $(PREFIX)/libexec/krunsh
PKGLIBDIR  ?= $(PREFIX)/lib/krunsh
KERNELDIR  ?= $(PKGLIBDIR)/kernel
MINIMAL_KERNELDIR ?= $(PKGLIBDIR)/kernel-minimal
MINIMAL_SMP_KERNELDIR ?= $(PKGLIBDIR)/kernel-minimal-smp
MANDIR     ?= $(PREFIX)/share/man
BUILD      ?= build

CC         ?= cc
CFLAGS     ?= -O2 -g
WARNINGS   := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 -Wwrite-strings \
	-Wmissing-prototypes
BASEFLAGS  := -std=gnu17 -D_GNU_SOURCE $(WARNINGS) -MMD -MP

# Hardening, on by default as dpkg-buildflags' hardening=+all gives it; each
# variable is the packager's to override (HARDENING_CFLAGS= drops them all).
# _FORTIFY_SOURCE needs the optimiser (glibc warns, -Werror fails, at -O0),
# so it follows the last -O in CFLAGS; a packager's CPPFLAGS may carry it too.
OPTIMISED  := $(filter-out -O0,$(lastword $(filter -O%,$(CFLAGS))))
FORTIFY_CFLAGS    ?= $(if $(OPTIMISED),-U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2)
HARDENING_CFLAGS  ?= -fstack-protector-strong $(FORTIFY_CFLAGS)
HARDENING_LDFLAGS ?= -Wl,-z,relro -Wl,-z,now
PIE_CFLAGS ?= -fPIE
PIE_LDFLAGS ?= -pie
# The library's objects serve both libkrunsh.so and libkrunsh.a (and the
# krunsh binary, which links them statically for now): position independent,
# and nothing visible outside the .so but what the public header marks
# KRUNSH_EXPORT (include/krunsh/krunsh.h) and lib/libkrunsh.map lets out.
LIB_CFLAGS := -fPIC -fvisibility=hidden
SANITIZE   ?=
ALL_CFLAGS  = $(BASEFLAGS) $(CPPFLAGS) $(HARDENING_CFLAGS) $(CFLAGS) $(SANITIZE)
ALL_LDFLAGS = $(HARDENING_LDFLAGS) $(LDFLAGS) $(SANITIZE)

# The layout is the architecture: proto/ the wire protocol (host and guest),
# lib/ the library (VMs, executions, engines), cli/ the krunsh command on top
# of it, agent/ the guest's side, util/ the small helpers (errors, paths,
# text) that the library, the command and the OCI runtime each use.
PROTO_SRC  := $(wildcard proto/*.c)
UTIL_SRC   := $(wildcard util/*.c)
LIB_SRC    := $(shell find lib -name '*.c') $(PROTO_SRC) $(UTIL_SRC)
CLI_SRC    := $(filter-out cli/main.c,$(wildcard cli/*.c cli/*/*.c))
AGENT_SRC  := $(wildcard agent/*.c)

LIB_OBJ    := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRC))
CLI_OBJ    := $(patsubst %.c,$(BUILD)/%.o,$(CLI_SRC))
MAIN_OBJ   := $(BUILD)/cli/main.o
# The agent is static: the initramfs holds nothing else, no libc.
GUEST_OBJ  := $(patsubst %.c,$(BUILD)/guest/%.o,$(AGENT_SRC) $(PROTO_SRC))
INCLUDES   := -I. -Iinclude -I$(BUILD)
# --bundle reads config.json with json-c (Debian's libjson-c-dev).
JSON_CFLAGS := $(shell pkg-config --cflags json-c 2>/dev/null)
JSON_LIBS   := $(shell pkg-config --libs json-c libcrypto 2>/dev/null || echo -ljson-c -lcrypto)

UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
DOUBLE_SRC := $(wildcard tests/double/*.c)

.PHONY: all clean install uninstall check check-unit check-build check-e2e check-sanitize \
	check-valgrind bench fuzz FORCE
DOUBLE_LIB := $(if $(DOUBLE_SRC),$(BUILD)/libkrun-double.so.1 $(BUILD)/libkrun-double-old.so.1 \
	$(BUILD)/libkrun-double-broken.so.1 $(BUILD)/libkrun-double-unmarked.so.1)
HOSTILE_AGENT := $(BUILD)/tests/hostile-agent
EXAMPLES := $(patsubst examples/%.c,$(BUILD)/examples/%,$(wildcard examples/*.c))
LIBRARY_TESTS := $(patsubst tests/library/%.c,$(BUILD)/tests/library/%,$(wildcard tests/library/*.c))
LIBKRUNSH_SO := $(BUILD)/libkrunsh.so.$(VERSION)
LIBKRUNSH    := $(LIBKRUNSH_SO) $(BUILD)/libkrunsh.so.$(SOVERSION) $(BUILD)/libkrunsh.so \
	$(BUILD)/libkrunsh.a $(BUILD)/krunsh.pc
all: $(BUILD)/krunsh $(BUILD)/krunsh-oci $(BUILD)/krunsh-agent $(LIBKRUNSH) $(DOUBLE_LIB) $(HOSTILE_AGENT) $(EXAMPLES) \
	$(LIBRARY_TESTS)

# Files generated from the install paths are rewritten only when their
# content changes: `make PREFIX=/opt/x` after a default build rebuilds what
# includes config.h (the dependency files name it) and krunsh.pc, and an
# unchanged PREFIX rebuilds nothing, also under `sudo make install`.
# $(call update_file,COMMAND): COMMAND's output becomes $@ if it differs.
update_file = @mkdir -p $(@D); { $(1); } | cmp -s - $@ 2>/dev/null || { $(1); } > $@
$(BUILD)/config.h: FORCE
	$(call update_file,printf '#define KRUNSH_VERSION "%s"\n#define KRUNSH_LIBEXECDIR "%s"\n#define KRUNSH_KERNELDIR "%s"\n#define KRUNSH_MINIMAL_KERNELDIR "%s"\n#define KRUNSH_MINIMAL_SMP_KERNELDIR "%s"\n' \
		'$(VERSION)' '$(LIBEXECDIR)' '$(KERNELDIR)' '$(MINIMAL_KERNELDIR)' '$(MINIMAL_SMP_KERNELDIR)')
# libdir and includedir relative to ${prefix} where they are under it, so
# that pkg-config --define-prefix can relocate the file.
pc_path = $(patsubst $(PREFIX)/%,$${prefix}/%,$(1))
$(BUILD)/krunsh.pc: krunsh.pc.in FORCE
	$(call update_file,sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(call pc_path,$(LIBDIR))|g' \
		-e 's|@INCLUDEDIR@|$(call pc_path,$(INCLUDEDIR))|g' -e 's|@VERSION@|$(VERSION)|g' krunsh.pc.in)
# The compiler and its flags, likewise: objects built with other flags
# (another CFLAGS or SANITIZE, or a tree built before the library was -fPIC)
# are rebuilt rather than linked into something they do not fit.
shell_quote = '$(subst ','\'',$(1))'
$(BUILD)/compile-flags: FORCE
	$(call update_file,printf '%s\n' $(call shell_quote,$(CC) $(ALL_CFLAGS) $(INCLUDES)) \
		$(call shell_quote,$(LIB_CFLAGS) | $(PIE_CFLAGS) | $(HARDENING_CFLAGS) $(CPPFLAGS)))
FORCE:

# The agent is static and not PIE: it runs inside the throw-away guest as
# root already, where address randomisation would guard nothing the hostile
# commands do not own anyway, and -static-pie would add a self-relocating
# start-up to the guest's PID 1 for no gain. The stack protector and
# fortified calls stay: they catch our own bugs.
$(BUILD)/guest/%.o: %.c $(BUILD)/compile-flags
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CPPFLAGS) $(HARDENING_CFLAGS) $(CFLAGS) -I. -c $< -o $@

# config.h is order-only: the dependency files (-MMD) list it for the three
# sources that include it, so only they rebuild when it changes.
$(BUILD)/lib/%.o: lib/%.c $(BUILD)/compile-flags | $(BUILD)/config.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LIB_CFLAGS) $(INCLUDES) -c $< -o $@
$(BUILD)/proto/%.o: proto/%.c $(BUILD)/compile-flags | $(BUILD)/config.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LIB_CFLAGS) $(INCLUDES) -c $< -o $@
$(BUILD)/util/%.o: util/%.c $(BUILD)/compile-flags | $(BUILD)/config.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LIB_CFLAGS) $(INCLUDES) -c $< -o $@
$(BUILD)/cli/oci/%.o: cli/oci/%.c $(BUILD)/compile-flags | $(BUILD)/config.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(PIE_CFLAGS) $(INCLUDES) $(JSON_CFLAGS) -c $< -o $@
$(BUILD)/%.o: %.c $(BUILD)/compile-flags | $(BUILD)/config.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(PIE_CFLAGS) $(INCLUDES) -c $< -o $@

$(BUILD)/libkrunsh.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

# The shared library: soname libkrunsh.so.0, only krunsh_* exported (the
# version script hides whatever -fvisibility=hidden lets through), and
# complete: nothing left for the program (or cli/) to provide.
$(LIBKRUNSH_SO): $(LIB_OBJ) lib/libkrunsh.map
	$(CC) -shared -Wl,-soname,libkrunsh.so.$(SOVERSION) -Wl,--version-script=lib/libkrunsh.map \
		-Wl,--no-undefined $(ALL_LDFLAGS) -o $@ $(LIB_OBJ) -ldl -lm
$(BUILD)/libkrunsh.so.$(SOVERSION): $(LIBKRUNSH_SO)
	ln -sf $(notdir $<) $@
$(BUILD)/libkrunsh.so: $(BUILD)/libkrunsh.so.$(SOVERSION)
	ln -sf $(notdir $<) $@

# The command's own modules, apart so that unit tests can link them.
$(BUILD)/krunsh-cli.a: $(CLI_OBJ)
	$(AR) rcs $@ $^

# krunsh-oci, the OCI runtime: each container a microVM (runtime/).
RUNTIME_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard runtime/*.c))
$(BUILD)/runtime/%.o: runtime/%.c $(BUILD)/compile-flags | $(BUILD)/config.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(PIE_CFLAGS) $(INCLUDES) $(JSON_CFLAGS) -c $< -o $@
$(BUILD)/krunsh-oci: $(RUNTIME_OBJ) $(BUILD)/krunsh-cli.a $(BUILD)/libkrunsh.a
	$(CC) $(ALL_LDFLAGS) $(PIE_LDFLAGS) -o $@ $(RUNTIME_OBJ) $(BUILD)/krunsh-cli.a $(BUILD)/libkrunsh.a $(JSON_LIBS) -ldl -lm

$(BUILD)/krunsh: $(MAIN_OBJ) $(BUILD)/krunsh-cli.a $(BUILD)/libkrunsh.a
	$(CC) $(ALL_LDFLAGS) $(PIE_LDFLAGS) -o $@ $(MAIN_OBJ) $(BUILD)/krunsh-cli.a $(BUILD)/libkrunsh.a $(JSON_LIBS) -ldl -lm

$(BUILD)/krunsh-agent: $(GUEST_OBJ)
	$(CC) -static $(LDFLAGS) -o $@ $^

# The examples see only the public header, as a user's program does.
$(BUILD)/examples/%: examples/%.c $(BUILD)/libkrunsh.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(PIE_CFLAGS) -Iinclude -o $@ $< $(BUILD)/libkrunsh.a $(ALL_LDFLAGS) $(PIE_LDFLAGS) -ldl -lm

# Programs the suite runs against the library, built as the examples are.
$(BUILD)/tests/library/%: tests/library/%.c tests/library/test_vm.h $(BUILD)/libkrunsh.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(PIE_CFLAGS) -Iinclude -o $@ $< $(BUILD)/libkrunsh.a $(ALL_LDFLAGS) $(PIE_LDFLAGS) -ldl -lm

# A guest agent that attacks the host on purpose (tests/hostile; tests
# only, never installed): the agent's own channel and setup code, another main.
$(BUILD)/tests/hostile-agent: $(BUILD)/guest/tests/hostile/hostile_agent.o $(filter-out %/agent.o,$(GUEST_OBJ))
	@mkdir -p $(@D)
	$(CC) -static $(LDFLAGS) -o $@ $^

# The libkrun contract double (tests only; never installed), and its
# variants: an "old libkrun" without the newer optional calls, a "broken"
# one without the required krun_start_enter, and an "unmarked" one that
# krunsh takes for a real libkrun (to reach the KVM and libkrunfw checks).
# Its krun_* functions are libkrun's API, whose header is not on the
# machine: their prototypes are libkrun's, hence -Wno-missing-prototypes.
DOUBLE_BUILD = $(CC) $(BASEFLAGS) -Wno-missing-prototypes $(CPPFLAGS) $(HARDENING_CFLAGS) \
	$(CFLAGS) $(HARDENING_LDFLAGS) -fPIC -shared -Wl,-soname,libkrun.so.1 -o $@ $(DOUBLE_SRC) -lpthread
$(BUILD)/libkrun-double.so.1: $(DOUBLE_SRC)
	@mkdir -p $(@D)
	$(DOUBLE_BUILD)
$(BUILD)/libkrun-double-old.so.1: $(DOUBLE_SRC)
	@mkdir -p $(@D)
	$(DOUBLE_BUILD) -DDOUBLE_OLD_LIBKRUN
$(BUILD)/libkrun-double-broken.so.1: $(DOUBLE_SRC)
	@mkdir -p $(@D)
	$(DOUBLE_BUILD) -DDOUBLE_BROKEN_LIBKRUN
$(BUILD)/libkrun-double-unmarked.so.1: $(DOUBLE_SRC)
	@mkdir -p $(@D)
	$(DOUBLE_BUILD) -DDOUBLE_UNMARKED

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/krunsh-cli.a $(BUILD)/libkrunsh.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(PIE_CFLAGS) $(INCLUDES) -o $@ $< $(BUILD)/krunsh-cli.a $(BUILD)/libkrunsh.a $(ALL_LDFLAGS) $(PIE_LDFLAGS) $(JSON_LIBS) -ldl -lm

check-unit: $(UNIT_TESTS)
	@tests/run-unit.sh $(UNIT_TESTS)

check-e2e: all
	@tests/e2e/run.sh

# The whole suite: unit tests, unit tests again under ASan+UBSan, valgrind
# on the host binary, a bounded fuzz run, then the end-to-end suite booting
# real VMs.
# The build itself: libkrunsh.so exports krunsh_* only, `make install`
# with DESTDIR/PREFIX installs what it should where it should (and a new
# PREFIX rebuilds), krunsh.1 names every long option of --help.
check-build: all
	@tests/build/test_exports.sh $(LIBKRUNSH_SO) include/krunsh/krunsh.h
	@tests/build/test_cli_boundary.sh $(BUILD)
	@tests/build/test_no_cycles.sh $(BUILD)
	@tests/build/test_man.sh $(BUILD)/krunsh man/krunsh.1 man/libkrunsh.3 include/krunsh/krunsh.h
	@MAKE="$(MAKE)" tests/build/test_install.sh $(BUILD)/install-test

check: all check-unit check-build
	$(MAKE) BUILD=$(BUILD)/sanitize SANITIZE="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" check-unit
	@tests/valgrind.sh $(BUILD)/krunsh
	$(MAKE) fuzz FUZZ_SECONDS=20
	@tests/e2e/run.sh

$(BUILD)/mkcpio: tools/mkcpio.c $(BUILD)/libkrunsh.a
	$(CC) $(ALL_CFLAGS) $(PIE_CFLAGS) $(INCLUDES) -o $@ $< $(BUILD)/libkrunsh.a $(ALL_LDFLAGS) $(PIE_LDFLAGS)

$(BUILD)/bench/bare-init: bench/bare_init.c
	@mkdir -p $(@D)
	$(CC) -static $(BASEFLAGS) $(CPPFLAGS) $(HARDENING_CFLAGS) $(CFLAGS) -o $@ $<

$(BUILD)/bench/bare-initramfs.cpio: $(BUILD)/bench/bare-init $(BUILD)/mkcpio
	$(BUILD)/mkcpio $@ init=$(BUILD)/bench/bare-init

# libFuzzer targets (clang): the line-mode parser, the guest's frame decoder,
# the host's channel reader with its policy, OCI bundles and image layouts,
# and the network filter's classifier of guest frames and its relay of the
# VMM's stream, and the agent's job reader.
# the network filter's classifier of guest frames and its relay of the
# VMM's stream, and --events' rendering of the guest's output.
FUZZ_CFLAGS = -std=gnu17 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I. -I$(BUILD)
$(BUILD)/fuzz/fuzz_script: tests/fuzz/fuzz_script.c lib/exec/line_script.c lib/exec/line_syntax.c util/text.c util/error.c
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -Iinclude -o $@ $^
$(BUILD)/fuzz/fuzz_frames: tests/fuzz/fuzz_frames.c proto/protocol.c
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $^
$(BUILD)/fuzz/fuzz_channel: tests/fuzz/fuzz_channel.c lib/channel/frame_reader.c lib/channel/channel_policy.c proto/protocol.c
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $^
$(BUILD)/fuzz/fuzz_bundle: tests/fuzz/fuzz_bundle.c $(wildcard cli/oci/bundle*.c) cli/oci/small_file.c cli/host_name.c cli/resource_flags.c cli/resource_list.c util/text.c util/error.c util/path.c
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -Iinclude $(JSON_CFLAGS) -o $@ $^ $(JSON_LIBS)
$(BUILD)/fuzz/fuzz_image_layout: tests/fuzz/fuzz_image_layout.c cli/oci/image_layout.c cli/oci/small_file.c util/text.c util/error.c util/path.c
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -Iinclude $(JSON_CFLAGS) -o $@ $^ $(JSON_LIBS)
$(BUILD)/fuzz/fuzz_netfilter: tests/fuzz/fuzz_netfilter.c lib/net/frame_filter.c lib/net/host_addresses.c util/error.c
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $^
$(BUILD)/fuzz/fuzz_netrelay: tests/fuzz/fuzz_netrelay.c lib/net/net_relay.c lib/net/frame_filter.c lib/net/host_addresses.c util/error.c
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $^
$(BUILD)/fuzz/fuzz_session: tests/fuzz/fuzz_session.c cli/keeper/session_options.c cli/keeper/warm_spec.c cli/environment.c util/text.c util/error.c
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -Iinclude -o $@ $^
$(BUILD)/fuzz/fuzz_job: tests/fuzz/fuzz_job.c agent/job.c agent/standby_prologue.c proto/protocol.c
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $^
$(BUILD)/fuzz/fuzz_events: tests/fuzz/fuzz_events.c cli/events.c cli/json.c util/text.c util/error.c
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -Iinclude -o $@ $^
fuzz: $(BUILD)/fuzz/fuzz_script $(BUILD)/fuzz/fuzz_frames $(BUILD)/fuzz/fuzz_channel $(BUILD)/fuzz/fuzz_bundle $(BUILD)/fuzz/fuzz_image_layout \
	$(BUILD)/fuzz/fuzz_netfilter $(BUILD)/fuzz/fuzz_netrelay $(BUILD)/fuzz/fuzz_session \
	$(BUILD)/fuzz/fuzz_job $(BUILD)/fuzz/fuzz_events
	BUILD_DIR=$(abspath $(BUILD)) tests/fuzz/run.sh $(FUZZ_SECONDS)

$(BUILD)/bench/stream-latency: bench/stream_latency.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(PIE_CFLAGS) -o $@ $< $(ALL_LDFLAGS) $(PIE_LDFLAGS)

$(BUILD)/bench/net-relay: bench/net_relay.c $(BUILD)/libkrunsh.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(PIE_CFLAGS) $(INCLUDES) -o $@ $< $(BUILD)/libkrunsh.a $(ALL_LDFLAGS) $(PIE_LDFLAGS)

bench: all $(BUILD)/bench/bare-initramfs.cpio $(BUILD)/bench/stream-latency $(BUILD)/bench/net-relay
	BUILD_DIR=$(abspath $(BUILD)) bench/run.sh

HEADERS := $(wildcard include/krunsh/*.h)
MAN1    := man/krunsh.1 man/krunsh-oci.1
MAN3    := man/libkrunsh.3
install: $(BUILD)/krunsh $(BUILD)/krunsh-oci $(BUILD)/krunsh-agent $(LIBKRUNSH)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(LIBDIR) \
		$(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3
	install -m 0755 $(BUILD)/krunsh $(DESTDIR)$(BINDIR)/krunsh
	install -m 0755 $(BUILD)/krunsh-oci $(DESTDIR)$(BINDIR)/krunsh-oci
	install -m 0755 $(BUILD)/krunsh-agent $(DESTDIR)$(LIBEXECDIR)/krunsh-agent
	install -m 0644 $(LIBKRUNSH_SO) $(DESTDIR)$(LIBDIR)/libkrunsh.so.$(VERSION)
	ln -sf libkrunsh.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libkrunsh.so.$(SOVERSION)
	ln -sf libkrunsh.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libkrunsh.so
	install -m 0644 $(BUILD)/libkrunsh.a $(DESTDIR)$(LIBDIR)/libkrunsh.a
	install -m 0644 $(BUILD)/krunsh.pc $(DESTDIR)$(PKGCONFIGDIR)/krunsh.pc
	$(if $(HEADERS),install -d $(DESTDIR)$(INCLUDEDIR)/krunsh)
	$(if $(HEADERS),install -m 0644 $(HEADERS) $(DESTDIR)$(INCLUDEDIR)/krunsh/)
	install -m 0644 $(MAN1) $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(MAN3) $(DESTDIR)$(MANDIR)/man3/

# What install put there (the guest kernels are setup.sh's, and stay).
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/krunsh $(DESTDIR)$(BINDIR)/krunsh-oci $(DESTDIR)$(LIBEXECDIR)/krunsh-agent \
		$(DESTDIR)$(LIBDIR)/libkrunsh.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libkrunsh.so.$(SOVERSION) \
		$(DESTDIR)$(LIBDIR)/libkrunsh.so $(DESTDIR)$(LIBDIR)/libkrunsh.a \
		$(DESTDIR)$(PKGCONFIGDIR)/krunsh.pc $(addprefix $(DESTDIR)$(INCLUDEDIR)/krunsh/,$(notdir $(HEADERS))) \
		$(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MAN1))) $(addprefix $(DESTDIR)$(MANDIR)/man3/,$(notdir $(MAN3)))
	rmdir $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(INCLUDEDIR)/krunsh 2>/dev/null || true

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
