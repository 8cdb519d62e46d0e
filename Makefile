# hacher: build, test, demo and benchmarks. `make help` lists the targets.
PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build
VERSION := 0.1.0

CC ?= gcc
PKGS := yajl libseccomp libcap openssl
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm

WARN := -Wall -Wextra -Wno-unused-parameter -Wshadow -Wstrict-prototypes
HOST_CFLAGS := -std=gnu11 -O2 -g $(WARN) -D_GNU_SOURCE -DHACHER_VERSION='"$(VERSION)"' \
	-I. $(PKG_CFLAGS) $(CFLAGS)
HOST_LDFLAGS := $(LDFLAGS)

# The LibOS is freestanding, runs in guest ring 3 at a fixed high address and
# must never touch the application's vector registers (-mgeneral-regs-only).
LOS_CFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -fno-builtin -nostdlib -fno-pic \
	-fno-pie -mcmodel=kernel -mno-red-zone -mgeneral-regs-only -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fno-strict-aliasing -fcf-protection=none -I. -Ilibos
LOS_LDFLAGS := -nostdlib -static -no-pie -Wl,-T,libos/libos.ld -Wl,--build-id=none \
	-Wl,-z,noexecstack -Wl,-z,max-page-size=4096 -Wl,--no-warn-rwx-segments

HOST_LIB_SRCS := $(wildcard common/*.c oci-spec/*.c monitor/*.c snapshotter/*.c) \
	$(filter-out shim/main.c,$(wildcard shim/*.c))
HOST_LIB_OBJS := $(HOST_LIB_SRCS:%.c=$(BUILD)/host/%.o) $(BUILD)/host/monitor/stubs_x86_64.o
LOS_SRCS := $(wildcard libos/*.c) $(wildcard libos/*.S) common/sha256.c
LOS_OBJS := $(patsubst %,$(BUILD)/libos/%.o,$(basename $(LOS_SRCS)))
# LibOS sources that are portable C and also get host unit tests and fuzzing.
LOS_HOSTED_SRCS := libos/erofs.c libos/verity.c libos/seccomp_policy.c libos/exec_parse.c
UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_OBJS := $(UNIT_SRCS:%.c=$(BUILD)/host/%.o) $(LOS_HOSTED_SRCS:%.c=$(BUILD)/host/hosted/%.o)

DEPFLAGS = -MMD -MP

.PHONY: all test unit integration demo bench lint fuzz install clean deps help programs workloads
all: $(BUILD)/hacher

help:
	@echo "make [all]   build build/hacher"
	@echo "make demo    install deps, build, run the demo"
	@echo "make test    install deps, build, run unit + integration tests"
	@echo "make workloads  build the acceptance workloads' rootfs and run their tests"
	@echo "make bench   benchmarks (hacher vs runc vs crun)"
	@echo "make lint    clang-format check + cppcheck"
	@echo "make fuzz    run the fuzz targets for a bounded time"
	@echo "make install PREFIX=... DESTDIR=..."

deps:
	@hack/install-deps.sh

$(BUILD)/host/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/host/%.o: %.S
	@mkdir -p $(dir $@)
	$(CC) -c $< -o $@

$(BUILD)/host/hosted/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -Ilibos $(DEPFLAGS) -c $< -o $@

$(BUILD)/libos/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(LOS_CFLAGS) -I$(BUILD)/gen $(DEPFLAGS) -c $< -o $@

# The one LibOS file that uses vector registers (SHA extensions); its caller
# saves the application's vector state around it.
$(BUILD)/libos/libos/sha256_ni.o: libos/sha256_ni.c
	@mkdir -p $(dir $@)
	$(CC) $(filter-out -mgeneral-regs-only,$(LOS_CFLAGS)) -msse4.1 -msha $(DEPFLAGS) -c $< -o $@

# Syscall names for log lines, from the kernel's UAPI header (interface facts).
UNISTD_H := $(firstword $(wildcard /usr/include/x86_64-linux-gnu/asm/unistd_64.h /usr/include/asm/unistd_64.h))
$(BUILD)/gen/syscall_names.h: $(UNISTD_H)
	@mkdir -p $(dir $@)
	sed -n 's/^#define __NR_\([a-z0-9_]*\) \([0-9]*\)$$/[\2] = "\1",/p' $< > $@.tmp && mv $@.tmp $@

$(BUILD)/libos/libos/syscall.o: $(BUILD)/gen/syscall_names.h

$(BUILD)/libos/%.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(LOS_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/libos.elf: $(LOS_OBJS) libos/libos.ld
	$(CC) $(LOS_CFLAGS) $(LOS_LDFLAGS) $(LOS_OBJS) -o $@ -lgcc

# The LibOS is embedded in the hacher binary: one file to install and measure.
$(BUILD)/host/monitor/libos_blob.o: monitor/libos_blob.S $(BUILD)/libos.elf
	@mkdir -p $(dir $@)
	$(CC) -c -DLIBOS_ELF='"$(BUILD)/libos.elf"' $< -o $@

$(BUILD)/libhacher.a: $(HOST_LIB_OBJS) $(BUILD)/host/monitor/libos_blob.o
	rm -f $@ && ar rcs $@ $^

$(BUILD)/hacher: $(BUILD)/host/shim/main.o $(BUILD)/libhacher.a
	$(CC) $(HOST_LDFLAGS) $^ -o $@ $(PKG_LIBS)

$(BUILD)/unit-tests: $(UNIT_OBJS) $(BUILD)/libhacher.a
	$(CC) $(HOST_LDFLAGS) $^ -o $@ $(PKG_LIBS)

programs: $(BUILD)/hacher
	@hack/build-programs.sh $(BUILD)

unit: $(BUILD)/unit-tests
	$(BUILD)/unit-tests

test: deps
	@$(MAKE) --no-print-directory all $(BUILD)/unit-tests programs
	@hack/build-workloads.sh $(BUILD)
	@hack/run-tests.sh $(BUILD)

# The acceptance workloads (tests/workloads/README.md): not part of `test`
# until each one passes.
workloads: deps
	@$(MAKE) --no-print-directory all
	@hack/build-workloads.sh $(BUILD)
	HACHER=$(BUILD)/hacher WORKLOADS=$(BUILD)/workloads bats tests/workloads

demo: deps
	@$(MAKE) --no-print-directory all programs
	@hack/demo.sh $(BUILD)

bench: deps
	@$(MAKE) --no-print-directory all programs
	@hack/bench.sh $(BUILD)

fuzz:
	@hack/fuzz.sh $(BUILD)

lint: deps
	@hack/lint.sh

install: $(BUILD)/hacher
	install -D -m 0755 $(BUILD)/hacher $(DESTDIR)$(PREFIX)/bin/hacher

clean:
	rm -rf $(BUILD)

# Only the compilers' dependency files: BUILD/workloads holds root file
# systems with directories named *.d.
-include $(shell find $(BUILD)/host $(BUILD)/libos -name '*.d' -type f 2>/dev/null)
