# trustm - top-level convenience targets. The real build is CMake (see CMakeLists.txt).
#   make demo    simulated chip + daemon + CLI, end to end
#   make test    build and run the whole test suite (gcc)
#   make bench   benchmarks (figures, never pass/fail on time)
#   make deps    install missing Debian packages
#   make install PREFIX=/usr/local [DESTDIR=...]   library, headers, tools, man pages, completion,
#                CMake package and pkg-config files (docs/INSTALL.md)
#   make release  Release builds with gcc and clang (-Werror on, as in CI) and the install test
#   make format / make format-check   clang-format (.clang-format) on the sources
#   make fleet   N simulated devices through a RabbitMQ cluster with id2-authd (FLEET_N=1000)
#   make cluster-up / cluster-down   that cluster on 127.0.0.1, in $(BUILD)/cluster
# Also: make test-asan (clang + ASan/UBSan), make cross (Cortex-M4 size of src/), make fuzz,
#   make fuzz-long FUZZ_SECONDS=N (every target N s, table), make faults (bus fault matrix,
#   FAULT_COMMANDS per cell), make powerloss (power-loss sweep table).

BUILD      ?= build
JOBS       ?= 2
FUZZ_SECONDS ?= 15
FAULT_COMMANDS ?= 200
CMAKE_ARGS ?=
PREFIX     ?= /usr/local

.PHONY: all deps build test test-asan cross fuzz fuzz-long faults powerloss bench demo clean install release format format-check fleet cluster-up cluster-down

all: build

deps:
	@scripts/deps.sh core

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS) -- --no-print-directory

# The test suite runs real servers (mosquitto, PostgreSQL, RabbitMQ, Chromium): install them
# before configuring, so that every part they test is built.
test:
	@scripts/deps.sh test
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS) -- --no-print-directory
	@ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS); rc=$$?; scripts/test-summary.sh $(BUILD); exit $$rc

test-asan:
	@scripts/deps.sh test sanitize
	@CC=clang cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DTRUSTM_SANITIZE=ON >/dev/null
	@cmake --build build-asan -j$(JOBS) -- --no-print-directory
	@ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir build-asan --output-on-failure -j$(JOBS); rc=$$?; scripts/test-summary.sh build-asan; exit $$rc

cross:
	@scripts/deps.sh cross
	@scripts/cross-size.sh

fuzz:
	@scripts/deps.sh core sanitize
	@CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DTRUSTM_FUZZ=ON >/dev/null
	@cmake --build build-fuzz -j$(JOBS) -- --no-print-directory
	@scripts/run-fuzz.sh build-fuzz $(FUZZ_SECONDS)

# Every target for FUZZ_SECONDS each (give it: make fuzz-long FUZZ_SECONDS=600), seeds from the
# spec vectors, one table row per target (executions, coverage, corpus, result).
fuzz-long: fuzz

faults: build
	@$(BUILD)/tests/integration/fault_matrix $(FAULT_COMMANDS)

powerloss: build
	@$(BUILD)/tests/protupd_chip/powerloss_sweep

bench: build
	@scripts/deps.sh bench demo
	@scripts/bench.sh $(BUILD)

# The demo builds only what it runs: simulator, CLI, data-set tool, registry tool, plugin, app.
DEMO_TARGETS = trustm-sim trustm_tool trustm-protupd id2-kdc mosquitto_id2_auth mqttapp

demo:
	@scripts/deps.sh demo
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS) --target $(DEMO_TARGETS) -- --no-print-directory
	@scripts/demo.sh $(BUILD)

install: build
	@cmake --install $(BUILD) --prefix $(PREFIX)

# What a packager builds: Release, with both compilers; -Werror kept on here as in CI (a
# packager's own Release build has it off by default: TRUSTM_WERROR).
release:
	@scripts/deps.sh core test sanitize
	@for cc in gcc clang; do \
	  CC=$$cc cmake -S . -B build-rel-$$cc -DCMAKE_BUILD_TYPE=Release -DTRUSTM_WERROR=ON >/dev/null && \
	  cmake --build build-rel-$$cc -j$(JOBS) -- --no-print-directory >/dev/null && \
	  echo "Release build with $$cc: ok" || exit 1; \
	done
	@tests/install/run.sh build-rel-gcc

format:
	@scripts/deps.sh format
	@scripts/format.sh fix

format-check:
	@scripts/deps.sh format
	@scripts/format.sh check

# Fleet scale (docs/SCALE.md): the cluster builds only what it runs.
FLEET_N ?= 1000
FLEET_MESSAGES ?= 5
FLEET_TARGETS = id2-authd id2-kdc fleet-load

fleet-build:
	@scripts/deps.sh fleet
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS) --target $(FLEET_TARGETS) -- --no-print-directory

fleet: fleet-build
	@scripts/fleet.sh $(BUILD) $(FLEET_N) $(FLEET_MESSAGES)

cluster-up: fleet-build
	@scripts/cluster.sh up $(BUILD)

cluster-down:
	@scripts/cluster.sh down $(BUILD)

clean:
	rm -rf build build-asan build-fuzz build-arm build-rel-gcc build-rel-clang
