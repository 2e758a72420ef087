# switchboard: the two commands a newcomer needs are `make run` and `make test`.
# Every target installs what it needs (Debian packages) and builds with Meson + ninja.

# Packages needed to build and test; the lists grow as subsystems land.
DEPS_BUILD = gcc pkg-config meson ninja-build libcmocka-dev libcjson-dev libre-dev libmicrohttpd-dev libsodium-dev libsqlite3-dev librem-dev nodejs
DEPS_TEST  = $(DEPS_BUILD) python3 openssl tzdata chromium sip-tester baresip-core \
             asterisk-moh-opsound-wav asterisk-core-sounds-en-wav asterisk-core-sounds-es-wav espeak-ng
DEPS_BENCH = $(DEPS_BUILD) python3 python3-simpy python3-scipy wrk nginx chromium sip-tester kamailio \
             asterisk-moh-opsound-wav asterisk-core-sounds-en-wav

BUILD   ?= build
ASAN    ?= build-asan
RELEASE ?= build-release
MESON_FLAGS ?=

.PHONY: all deps build npm run test test-unit test-asan bench format lint clean

all: build

deps:
	@tools/deps.sh $(DEPS_TEST)

# setup is re-run only when the build directory is missing
$(BUILD)/build.ninja:
	@meson setup $(BUILD) --buildtype=debugoptimized $(MESON_FLAGS) >/dev/null

$(ASAN)/build.ninja:
	@meson setup $(ASAN) --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false $(MESON_FLAGS) >/dev/null

$(RELEASE)/build.ninja:
	@meson setup $(RELEASE) --buildtype=release -Db_ndebug=true $(MESON_FLAGS) >/dev/null

build: deps $(BUILD)/build.ninja
	@ninja -C $(BUILD)

# the web application's npm packages (package-lock.json, exact versions); npm comes with nodejs or
# from Debian's npm package; nothing to do when node_modules matches the lockfile
node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || tools/deps.sh npm
	@npm ci --no-audit --no-fund --loglevel=error >/dev/null
	@touch $@

npm: node_modules/.package-lock.json
	@:

# the demo center with simulated callers and agents, data in ./var; prints the URL and the logins
run: build npm
	@$(BUILD)/src/cli/switchboard serve --demo --demo-traffic --data var

test: deps npm $(BUILD)/build.ninja $(ASAN)/build.ninja $(RELEASE)/build.ninja
	@tools/check-source.sh
	@ninja -C $(BUILD)
	@ninja -C $(RELEASE) --quiet # make bench's build: -O3 finds warnings that -O2 does not
	@meson test -C $(BUILD) --print-errorlogs --num-processes 2
	@ninja -C $(ASAN)
	@SB_RUNS=100 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		meson test -C $(ASAN) --print-errorlogs --num-processes 2 --suite unit --suite integration

bench: $(RELEASE)/build.ninja
	@tools/deps.sh $(DEPS_BENCH)
	@$(MAKE) --no-print-directory npm
	@ninja -C $(RELEASE)
	@bench/run.sh $(RELEASE)

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN) $(RELEASE)
