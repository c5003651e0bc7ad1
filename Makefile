# gearbox — the front door.  `make run` and `make test` are all a newcomer
# needs on a fresh Debian 12 machine; both install missing packages first.
BUILD    ?= build
ASAN     ?= build-asan
TSAN     ?= build-tsan
FUZZ     ?= build-fuzz
JOBS     ?= $(shell nproc)

.PHONY: all deps build run test test-long test-asan test-tsan bench fuzz clean

all: build

deps:
	@scripts/deps.sh

$(BUILD)/Makefile: CMakeLists.txt | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null

build: deps $(BUILD)/Makefile
	cmake --build $(BUILD) -j $(JOBS)

run: build
	scripts/run.sh $(BUILD)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The long variant: the crash test with 50 SIGKILL rounds (5 in make test),
# the fault-injection tests at every N (a sample in make test), and the
# node soak test (GB_SOAK_SECONDS, default 120; skipped in make test).
test-long: build
	cd $(BUILD) && GB_LONG=1 GB_FAULT_ALL=1 GB_CRASH_ROUNDS=50 \
	    ctest --output-on-failure -j $(JOBS)

test-asan: deps
	cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DGB_SANITIZE=ON -DCMAKE_C_COMPILER=clang >/dev/null
	cmake --build $(ASAN) -j $(JOBS)
	cd $(ASAN) && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j $(JOBS)

# ThreadSanitizer over what runs on several threads: the pool, the
# parallel executor's determinism test, the chain's block tests.
test-tsan: deps
	cmake -S . -B $(TSAN) -DCMAKE_BUILD_TYPE=Debug -DGB_TSAN=ON -DCMAKE_C_COMPILER=clang >/dev/null
	cmake --build $(TSAN) -j $(JOBS) --target test_pool test_chain_parallel test_chain_blocks test_chain_threads gb_test_wasm gear_examples
	cd $(TSAN) && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" ctest --output-on-failure -R 'pool|chain_parallel|chain_blocks|chain_threads'

bench: build
	bench/run.sh $(BUILD)
	$(BUILD)/bench_gear $(BUILD)/testwasm/ping.wasm
	$(BUILD)/bench_chain $(BUILD)/examples/pingpong.wasm $(BUILD)
	$(BUILD)/bench_history $(BUILD)/examples $(BUILD)
	bench/cluster_bench.py $(BUILD)/gearbox $(BUILD)/examples
	$(BUILD)/bench_devsnap 3000 50 $(BUILD)/examples/ping.wasm
	$(BUILD)/bench_savina $(BUILD)/savina $(BUILD)
	bench/msgs_before_after.sh $(BUILD)

fuzz: deps
	cmake -S . -B $(FUZZ) -DCMAKE_BUILD_TYPE=Debug -DGB_FUZZ=ON -DGB_SANITIZE=ON -DCMAKE_C_COMPILER=clang >/dev/null
	cmake --build $(FUZZ) -j $(JOBS)
	scripts/fuzz.sh $(FUZZ) $${FUZZ_SECONDS:-60}

clean:
	rm -rf $(BUILD) $(ASAN) $(TSAN) $(FUZZ)

# Install gearbox, libgearbox (static and shared), the public headers and
# gearbox.pc under PREFIX (docs/testkit.md: cc t.c $(pkg-config --cflags
# --libs gearbox)).
PREFIX ?= /usr/local
.PHONY: install link-flags
install: build
	cmake --build $(BUILD) -j $(JOBS) --target gearbox_shared
	cmake --install $(BUILD) --prefix $(PREFIX)

# The flags to link a harness test against this build tree, without
# installing: cc t.c $$(make -s link-flags)
link-flags: build
	@echo "-I$(CURDIR)/include $(CURDIR)/$(BUILD)/libgearbox.a $$(pkg-config --libs jansson libsodium libmicrohttpd nettle lmdb) -lm -lpthread"
