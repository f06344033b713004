# The two commands: `make run` and `make test`. Both install what is missing, configure, build.
#   make run            the main job: cairn-vault on ./data (SQLite), with login codes in its log
#   make quickstart     the tour of the engine's capabilities (examples/quickstart)
#   make test           every suite (C++, C, Python, install, lint) through CTest, with counts
#   make test-sanitize  the C++ and C suites built with clang and address,undefined sanitizers
#   make test-tsan      the concurrency-heavy suites (hash worker pool, scheduler, DAG, HTTP
#                       server, WebSocket, audit writer, session cache, records) under ThreadSanitizer
#   make fuzz           every fuzz target under libFuzzer (clang, address,undefined) for
#                       FUZZ_SECONDS each (default 60); `make test` replays their corpora
#   make bench          the benchmark programs (see docs/performance.md)
#   make bench-report   every benchmark through benchmarks/ratios.py: docs/bench-report.md
#   make lint           clang-format check and clang-tidy over the library
BUILD ?= build
# The tree `make test` builds and tests is a Release build with warnings as errors, as shipped
# (the build.release test checks it; build.clang covers clang in RelWithDebInfo).
BUILD_TYPE ?= Release
PYTHON ?= /usr/bin/python3
JOBS ?= 2
GENERATOR ?= Ninja
CMAKE_FLAGS ?=
CTEST_FLAGS = --output-on-failure --test-output-size-passed 1000000 --test-output-size-failed 1000000

.PHONY: all deps configure build run quickstart test test-sanitize test-tsan fuzz bench bench-report \
  lint install clean

all: build

deps:
	@sh scripts/install-deps.sh $(BUILD)

configure: deps
	@cmake -S . -B $(BUILD) -G $(GENERATOR) -DPython_EXECUTABLE=$(PYTHON) \
	  -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DCAIRN_WARNINGS_AS_ERRORS=ON $(CMAKE_FLAGS) \
	  > $(BUILD).configure.log 2>&1 || { cat $(BUILD).configure.log; exit 1; }

build: configure
	@cmake --build $(BUILD) --parallel $(JOBS)

run: build
	@echo "cairn-vault on ./data; sign in with the client (next steps below); Ctrl-C stops it."
	@SMTP_HOST=$${SMTP_HOST:-log} ./$(BUILD)/servers/vault/cairn-vault server start --data-dir ./data

quickstart: build
	@./$(BUILD)/examples/cairn-quickstart

test: build
	@cd $(BUILD) && { ctest --parallel $(JOBS) $(CTEST_FLAGS) --output-junit test-results.xml; \
	  rc=$$?; $(PYTHON) ../scripts/test_summary.py test-results.xml; exit $$rc; }

# AddressSanitizer and UBSan (leak detection on): the C++, C, fuzz-corpus and crash suites, the
# Python suites (the module with the sanitizer runtime preloaded, see tests/CMakeLists.txt; the
# servers they start are sanitized binaries) and the interop suites. The resource-limit attacks
# run, but their RSS bounds are not checked (CAIRN_SKIP_RSS_BOUNDS): ASan's shadow memory and
# quarantine are not the server's own memory.
test-sanitize:
	@$(MAKE) --no-print-directory BUILD=build-sanitize CMAKE_FLAGS="-DCMAKE_C_COMPILER=clang \
	  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug -DCAIRN_SANITIZE=address,undefined \
	  -DCAIRN_BUILD_PYTHON=ON -DCAIRN_BUILD_BENCHMARKS=OFF -DCAIRN_BUILD_EXAMPLES=ON" build
	@cd build-sanitize && { ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  CAIRN_SKIP_RSS_BOUNDS=1 ctest --parallel $(JOBS) -L '^(cpp|c|python|interop|fuzz|crash)$$' \
	  $(CTEST_FLAGS) --output-junit test-results.xml; \
	  rc=$$?; $(PYTHON) ../scripts/test_summary.py test-results.xml; exit $$rc; }

# ThreadSanitizer: the suites where threads meet (see docs/testing.md). Suppressions, each with its
# reason, live in tests/tsan.supp.
TSAN_TESTS = ^cpp\.(HashTest|WorkerPoolTest|SchedulerConformance|DagTest|AuditAsyncTest|AuthStoreConformance|RecordsConformance|Server[A-Za-z]*Test|Streaming[A-Za-z]*Test|WebSocket[A-Za-z]*Test|ClientPool[A-Za-z]*Test|HttpTransportTest|SessionTest)\.
test-tsan:
	@$(MAKE) --no-print-directory BUILD=build-tsan CMAKE_FLAGS="-DCMAKE_C_COMPILER=clang \
	  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCAIRN_SANITIZE=thread \
	  -DCAIRN_BUILD_PYTHON=OFF -DCAIRN_BUILD_BENCHMARKS=OFF -DCAIRN_BUILD_EXAMPLES=OFF" build
	@cd build-tsan && { TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 \
	  suppressions=$(CURDIR)/tests/tsan.supp" ctest --parallel $(JOBS) -R '$(TSAN_TESTS)' \
	  $(CTEST_FLAGS) --output-junit test-results.xml; \
	  rc=$$?; $(PYTHON) ../scripts/test_summary.py test-results.xml; exit $$rc; }

FUZZ_SECONDS ?= 60
fuzz:
	@$(MAKE) --no-print-directory BUILD=build-fuzz CMAKE_FLAGS="-DCMAKE_C_COMPILER=clang \
	  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCAIRN_FUZZ=ON \
	  -DCAIRN_SANITIZE=address,undefined -DCAIRN_BUILD_PYTHON=OFF -DCAIRN_BUILD_BENCHMARKS=OFF \
	  -DCAIRN_BUILD_EXAMPLES=OFF" configure
	@cmake --build build-fuzz --parallel $(JOBS) --target fuzzers
	@sh tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

bench: build
	@for b in $(BUILD)/benchmarks/*_bench; do [ -x "$$b" ] && "$$b"; done; true

# Every benchmark program, 5 repetitions each, through benchmarks/ratios.py: the ratios with their
# spread and goals on the terminal, and the table docs/performance.md quotes in docs/bench-report.md.
bench-report: build
	@$(PYTHON) benchmarks/ratios.py --markdown docs/bench-report.md $(BUILD)/benchmarks/*_bench

lint: build
	@sh tests/lint/format_check.sh . clang-format
	@sh tests/lint/tidy_check.sh . $(BUILD) run-clang-tidy

install: build
	@cmake --install $(BUILD)

clean:
	rm -rf build build-sanitize build-tsan build-fuzz build.configure.log build-sanitize.configure.log \
	  build-fuzz.configure.log
