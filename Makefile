# lode: build the host binary (build/lode, Lua library embedded) and the
# C module plain Lua 5.4 loads (build/lode.so). `make run`, `make test`,
# `make check` (ASan+UBSan), `make bench`. Dependencies: Debian packages
# listed in DEPS, installed by `make deps` when missing.

DEPS = build-essential pkg-config lua5.4 liblua5.4-dev libuv1-dev \
  zlib1g-dev libbrotli-dev libmbedtls-dev nettle-dev libscrypt-kdf-dev \
  node-llhttp lua-busted luarocks libedit-dev python3 \
  openssl curl netcat-openbsd time hyperfine wrk

# Libraries the bindings link (in build/lode and build/lode.so alike);
# the host adds Lua itself and libedit.
CORE_PKGS = libuv zlib libbrotlienc libbrotlidec nettle hogweed
CORE_LIBS = $(shell pkg-config --libs $(CORE_PKGS) 2>/dev/null) \
  -lmbedtls -lmbedx509 -lmbedcrypto -lscrypt-kdf -lm -lpthread
HOST_PKGS = lua5.4 libedit
CC ?= cc
OPT ?= -O2
CFLAGS_BASE = -std=gnu11 -fPIC -Isrc -I$(LLHTTP_INC) -D_GNU_SOURCE \
  $(shell pkg-config --cflags $(HOST_PKGS) $(CORE_PKGS) 2>/dev/null)
WARN = -Wall -Wextra -Werror
# The host links every library statically (Debian's -dev packages ship
# the .a files): one self-contained binary of about 2 MB whose start-up
# maps only libc, which halves start-up time and peak RSS against the same
# libraries loaded as a dozen shared objects (bench/RESULTS.md).
# -rdynamic keeps the Lua API visible to C modules that scripts require.
HOST_STATIC = -llua5.4 -ledit -ltinfo -lbsd -lmd -lz -lbrotlienc \
  -lbrotlidec -lbrotlicommon -lhogweed -lnettle -lgmp -lmbedtls \
  -lmbedx509 -lmbedcrypto -lscrypt-kdf -luv_a
LIBS = -Wl,-Bstatic $(HOST_STATIC) -Wl,-Bdynamic -lm -lpthread -ldl -lrt
B ?= build

# llhttp: compiled from the node-llhttp package's sources, never copied.
LLHTTP_DIR = /usr/share/llhttp
LLHTTP_INC = /usr/share/include/llhttp
LLHTTP_OBJ = $(B)/llhttp/api.o $(B)/llhttp/http.o $(B)/llhttp/llhttp.o

CORE_SRC = src/runtime.c $(wildcard bindings/*.c)
HOST_SRC = src/main.c src/repl.c
LUA_SRC = $(shell find lua -name '*.lua' | sort)
CORE_OBJ = $(CORE_SRC:%.c=$(B)/%.o) $(LLHTTP_OBJ)
HOST_OBJ = $(HOST_SRC:%.c=$(B)/%.o) $(B)/gen/preload.o $(B)/gen/embedded.o

.DELETE_ON_ERROR:
.PHONY: all deps run test check bench clean check-style rock install-rock
all: $(B)/lode $(B)/lode.so

$(B)/%.o: %.c src/lode.h $(wildcard bindings/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(OPT) $(CFLAGS_BASE) $(WARN) $(XCFLAGS) -c $< -o $@

# Every bindings/NAME.c exports luaopen_lode_binding_NAME: the preload
# table is generated from the file names, so adding a binding is one file.
$(B)/gen/preload.c: $(wildcard bindings/*.c) src/gen_preload.sh
	@mkdir -p $(dir $@)
	sh src/gen_preload.sh $(wildcard bindings/*.c) > $@
$(B)/gen/embedded.c: $(LUA_SRC) $(shell find lua -type d) src/embed.lua
	@mkdir -p $(dir $@)
	lua5.4 src/embed.lua $(LUA_SRC) > $@
$(B)/llhttp/%.o: $(LLHTTP_DIR)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(OPT) -fPIC -I$(LLHTTP_INC) $(XCFLAGS) -c $< -o $@
$(B)/gen/%.o: $(B)/gen/%.c src/lode.h
	$(CC) $(OPT) $(CFLAGS_BASE) $(WARN) $(XCFLAGS) -c $< -o $@

$(B)/lode: $(CORE_OBJ) $(HOST_OBJ)
	$(CC) $(XCFLAGS) -no-pie -rdynamic -o $@ $^ $(LIBS)
$(B)/lode.so: $(CORE_OBJ)
	$(CC) $(XCFLAGS) -shared -o $@ $^ $(CORE_LIBS)

# Installs only what is missing, so a ready machine pays nothing.
deps:
	@missing=$$(for p in $(DEPS); do dpkg -s $$p >/dev/null 2>&1 || \
	  echo $$p; done); if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi

run: deps
	$(MAKE) all
	$(B)/lode examples/tour.lua

test: deps
	$(MAKE) all
	sh spec/run.sh $(B)

# The whole suite again on an AddressSanitizer + UBSan build in build-asan/.
check: deps
	$(MAKE) B=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
	  XCFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined" all
	LD_PRELOAD_ASAN="$$($(CC) -print-file-name=libasan.so)" \
	  ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=spec/lsan.supp \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 LODE_SKIP_ROCK=1 \
	  sh spec/run.sh build-asan

bench: all
	sh bench/run.sh
	for s in bench/*.sh; do [ "$$s" = bench/run.sh ] || sh "$$s"; done

check-style:
	@awk 'length > 80 { print FILENAME ":" FNR ": > 80 cols"; bad = 1 } \
	  END { exit bad }' src/*.[ch] bindings/*.[ch] $(LUA_SRC)

clean:
	rm -rf build build-asan

# LuaRocks (rockspec/lode-scm-1.rockspec): build lode.so, install it and
# the Lua library into the tree LuaRocks names.
rock: $(B)/lode.so
install-rock: rock
	mkdir -p $(INST_LIBDIR) $(INST_LUADIR)
	cp $(B)/lode.so $(INST_LIBDIR)/lode.so
	cd lua && find lode -name '*.lua' -exec sh -c \
	  'mkdir -p "$(INST_LUADIR)/$$(dirname {})" && \
	   cp {} "$(INST_LUADIR)/{}"' \;
