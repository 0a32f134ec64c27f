# krunsh — GNU Make build. Debian-packager conventions: PREFIX, DESTDIR,
# CFLAGS/LDFLAGS from the environment are honoured, `make install`.
VERSION    := 0.1.0
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec/krunsh
PKGLIBDIR  ?= $(PREFIX)/lib/krunsh
KERNELDIR  ?= $(PKGLIBDIR)/kernel
MINIMAL_KERNELDIR ?= $(PKGLIBDIR)/kernel-minimal
MINIMAL_SMP_KERNELDIR ?= $(PKGLIBDIR)/kernel-minimal-smp
MANDIR     ?= $(PREFIX)/share/man
BUILD      ?= build

CC         ?= cc
CFLAGS     ?= -O2 -g
# format-truncation is off: paths are bounded by PATH_MAX-sized buffers and a
# truncated path fails loudly at open(), which gcc cannot see.
WARNINGS   := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 -Wno-format-truncation
BASEFLAGS  := -std=gnu17 -D_GNU_SOURCE $(WARNINGS) -MMD -MP
SANITIZE   ?=
ALL_CFLAGS  = $(BASEFLAGS) $(CFLAGS) $(SANITIZE)
ALL_LDFLAGS = $(LDFLAGS) $(SANITIZE)

# The layout is the architecture: proto/ the wire protocol (host and guest),
# lib/ the library (VMs, executions, engines), cli/ the krunsh command on top
# of it, agent/ the guest's side.
PROTO_SRC  := $(wildcard proto/*.c)
LIB_SRC    := $(shell find lib -name '*.c') $(PROTO_SRC)
CLI_SRC    := $(filter-out cli/main.c,$(wildcard cli/*.c))
AGENT_SRC  := $(wildcard agent/*.c)

LIB_OBJ    := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRC))
CLI_OBJ    := $(patsubst %.c,$(BUILD)/%.o,$(CLI_SRC))
MAIN_OBJ   := $(BUILD)/cli/main.o
# The agent is static: the initramfs holds nothing else, no libc.
GUEST_OBJ  := $(patsubst %.c,$(BUILD)/guest/%.o,$(AGENT_SRC) $(PROTO_SRC))
INCLUDES   := -I. -Iinclude -I$(BUILD)

UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
DOUBLE_SRC := $(wildcard tests/double/*.c)

.PHONY: all clean install check check-unit check-e2e check-sanitize check-valgrind bench fuzz
DOUBLE_LIB := $(if $(DOUBLE_SRC),$(BUILD)/libkrun-double.so.1 $(BUILD)/libkrun-double-old.so.1 \
	$(BUILD)/libkrun-double-broken.so.1 $(BUILD)/libkrun-double-unmarked.so.1)
HOSTILE_AGENT := $(BUILD)/tests/hostile-agent
EXAMPLES := $(patsubst examples/%.c,$(BUILD)/examples/%,$(wildcard examples/*.c))
LIBRARY_TESTS := $(patsubst tests/library/%.c,$(BUILD)/tests/library/%,$(wildcard tests/library/*.c))
all: $(BUILD)/krunsh $(BUILD)/krunsh-agent $(DOUBLE_LIB) $(HOSTILE_AGENT) $(EXAMPLES) $(LIBRARY_TESTS)

$(BUILD)/config.h: Makefile
	@mkdir -p $(@D)
	@printf '#define KRUNSH_VERSION "%s"\n#define KRUNSH_LIBEXECDIR "%s"\n#define KRUNSH_KERNELDIR "%s"\n#define KRUNSH_MINIMAL_KERNELDIR "%s"\n#define KRUNSH_MINIMAL_SMP_KERNELDIR "%s"\n' \
		'$(VERSION)' '$(LIBEXECDIR)' '$(KERNELDIR)' '$(MINIMAL_KERNELDIR)' '$(MINIMAL_SMP_KERNELDIR)' > $@.tmp && mv $@.tmp $@

$(BUILD)/guest/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) -I. -c $< -o $@

$(BUILD)/%.o: %.c $(BUILD)/config.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(INCLUDES) -c $< -o $@

$(BUILD)/libkrunsh.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

# The command's own modules, apart so that unit tests can link them.
$(BUILD)/krunsh-cli.a: $(CLI_OBJ)
	$(AR) rcs $@ $^

$(BUILD)/krunsh: $(MAIN_OBJ) $(BUILD)/krunsh-cli.a $(BUILD)/libkrunsh.a
	$(CC) $(ALL_LDFLAGS) -o $@ $(MAIN_OBJ) $(BUILD)/krunsh-cli.a $(BUILD)/libkrunsh.a -ldl -lm

$(BUILD)/krunsh-agent: $(GUEST_OBJ)
	$(CC) -static $(LDFLAGS) -o $@ $^

# The examples see only the public header, as a user's program does.
$(BUILD)/examples/%: examples/%.c $(BUILD)/libkrunsh.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Iinclude -o $@ $< $(BUILD)/libkrunsh.a $(ALL_LDFLAGS) -ldl -lm

# Programs the suite runs against the library, built as the examples are.
$(BUILD)/tests/library/%: tests/library/%.c $(BUILD)/libkrunsh.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Iinclude -o $@ $< $(BUILD)/libkrunsh.a $(ALL_LDFLAGS) -ldl -lm

# A guest agent that attacks the host on purpose (tests/hostile; tests
# only, never installed): the agent's own channel and setup code, another main.
$(BUILD)/tests/hostile-agent: $(BUILD)/guest/tests/hostile/hostile_agent.o $(filter-out %/agent.o,$(GUEST_OBJ))
	@mkdir -p $(@D)
	$(CC) -static $(LDFLAGS) -o $@ $^

# The libkrun contract double (tests only; never installed), and its
# variants: an "old libkrun" without the newer optional calls, a "broken"
# one without the required krun_start_enter, and an "unmarked" one that
# krunsh takes for a real libkrun (to reach the KVM and libkrunfw checks).
DOUBLE_BUILD = $(CC) $(BASEFLAGS) $(CFLAGS) -fPIC -shared -Wl,-soname,libkrun.so.1 -o $@ $(DOUBLE_SRC) -lpthread
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
	$(CC) $(ALL_CFLAGS) $(INCLUDES) -o $@ $< $(BUILD)/krunsh-cli.a $(BUILD)/libkrunsh.a $(ALL_LDFLAGS) -ldl -lm

check-unit: $(UNIT_TESTS)
	@tests/run-unit.sh $(UNIT_TESTS)

check-e2e: all
	@tests/e2e/run.sh

# The whole suite: unit tests, unit tests again under ASan+UBSan, valgrind
# on the host binary, a bounded fuzz run, then the end-to-end suite booting
# real VMs.
check: all check-unit
	$(MAKE) BUILD=$(BUILD)/sanitize SANITIZE="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" check-unit
	@tests/valgrind.sh $(BUILD)/krunsh
	$(MAKE) fuzz FUZZ_SECONDS=20
	@tests/e2e/run.sh

$(BUILD)/mkcpio: tools/mkcpio.c $(BUILD)/libkrunsh.a
	$(CC) $(ALL_CFLAGS) $(INCLUDES) -o $@ $< $(BUILD)/libkrunsh.a $(ALL_LDFLAGS)

$(BUILD)/bench/bare-init: bench/bare_init.c
	@mkdir -p $(@D)
	$(CC) -static $(BASEFLAGS) $(CFLAGS) -o $@ $<

$(BUILD)/bench/bare-initramfs.cpio: $(BUILD)/bench/bare-init $(BUILD)/mkcpio
	$(BUILD)/mkcpio $@ init=$(BUILD)/bench/bare-init

# libFuzzer targets (clang): the line-mode parser, the guest's frame decoder
# and the host's channel reader with its policy.
FUZZ_CFLAGS = -std=gnu17 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I. -I$(BUILD)
$(BUILD)/fuzz/fuzz_script: tests/fuzz/fuzz_script.c cli/script.c cli/line_syntax.c lib/util/text.c lib/util/error.c
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $^
$(BUILD)/fuzz/fuzz_frames: tests/fuzz/fuzz_frames.c proto/protocol.c
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $^
$(BUILD)/fuzz/fuzz_channel: tests/fuzz/fuzz_channel.c lib/channel/frame_reader.c lib/channel/channel_policy.c proto/protocol.c
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $^
fuzz: $(BUILD)/fuzz/fuzz_script $(BUILD)/fuzz/fuzz_frames $(BUILD)/fuzz/fuzz_channel
	BUILD_DIR=$(abspath $(BUILD)) tests/fuzz/run.sh $(FUZZ_SECONDS)

bench: all $(BUILD)/bench/bare-initramfs.cpio
	BUILD_DIR=$(abspath $(BUILD)) bench/run.sh

install: $(BUILD)/krunsh $(BUILD)/krunsh-agent
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR)
	install -m 0755 $(BUILD)/krunsh $(DESTDIR)$(BINDIR)/krunsh
	install -m 0755 $(BUILD)/krunsh-agent $(DESTDIR)$(LIBEXECDIR)/krunsh-agent

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
