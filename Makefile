# The two commands of the quick start are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app meetups
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test setup-data lint format bench clean messages tzdata

# The interface's translations: .po files and their compiled .mo files are both committed
# (an installed copy needs the .mo); a .mo is rebuilt whenever its .po changes.
CATALOGUES := $(wildcard meetups/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)

## Set up, migrate, load cities and demo data if empty, and serve on http://$(HOST):$(PORT)
# (make run PORT=8000 serves elsewhere; feed links follow unless MEETUPS_BASE_URL is set).
run: $(VENV)/.installed-run $(COMPILED)
	FLASK_DEBUG=1 $(MAKE) --no-print-directory setup-data
	MEETUPS_BASE_URL=$${MEETUPS_BASE_URL:-http://$(HOST):$(PORT)} FLASK_DEBUG=1 \
		$(FLASK) run --host $(HOST) --port $(PORT)

## Migrate the database, then fill an empty one with cities and demo meetups
setup-data: $(VENV)/.installed-run
	$(FLASK) db upgrade
	$(FLASK) time-zones
	$(FLASK) load-cities --if-empty
	$(FLASK) seed-demo

## Upgrade to the newest IANA time zone release and re-date the series it moves (then restart
## the web workers): README, Time zones
tzdata: $(VENV)/.installed-run
	$(BIN)/pip install --quiet --upgrade tzdata
	$(FLASK) time-zones

## Set up everything the tests need, then lint and run the whole suite
# One pytest process per core, each test file's tests in one of them (a file's fixtures and
# services, such as the Redis database of tests/test_shared_cache.py, are never shared by two).
# PYTEST_ARGS="-n 0" runs them in this process.
test: $(VENV)/.installed-dev $(COMPILED) node_modules/.installed chromium libical java openssl
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n auto --dist loadfile $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Benchmark every route against a bare Flask route, under gunicorn (not part of the tests)
# Load comes from Debian's wrk, and the physical limit from Debian's nginx serving an exported
# feed; as root we install them, otherwise a Python client stands in and nginx's rows are left out.
# Options go in BENCH_ARGS, e.g. make bench BENCH_ARGS="--sizes 1000,100000" (README, Benchmark).
bench: $(VENV)/.installed-dev
	@if command -v wrk >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && apt-get install -y -qq wrk >/dev/null; \
	else echo "wrk is missing (apt-get install wrk): the benchmark uses its slower Python client."; fi
	@if command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && apt-get install -y -qq nginx >/dev/null; \
	else echo "nginx is missing (apt-get install nginx): the benchmark leaves out its rows."; fi
	$(BIN)/python -m bench.run $(BENCH_ARGS)

$(VENV)/.created:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	touch $@

$(VENV)/.installed-run: $(VENV)/.created pyproject.toml
	$(BIN)/pip install --quiet -e '.[postgresql,redis]'
	touch $@

$(VENV)/.installed-dev: $(VENV)/.created pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed-run

# Compile a language's messages whenever its .po file changes (after the install that brings pybabel).
meetups/translations/%/LC_MESSAGES/messages.mo: meetups/translations/%/LC_MESSAGES/messages.po | $(VENV)/.installed-run
	$(BIN)/pybabel compile --domain messages --directory meetups/translations --locale $*

## After changing words in templates or code: extract them, and update every language's .po
messages: $(VENV)/.installed-run
	$(BIN)/pybabel extract --mapping-file babel.cfg --keyword _l --keyword lazy_gettext --keyword NC_:1c,2 \
		--no-location --sort-output --width 100 --project meetups \
		--copyright-holder "Meetups contributors" --output-file meetups/translations/messages.pot .
	$(BIN)/pybabel update --input-file meetups/translations/messages.pot \
		--output-dir meetups/translations --no-fuzzy-matching --width 100 --ignore-obsolete
	$(BIN)/pybabel compile --domain messages --directory meetups/translations

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Browser tests drive Debian's Chromium; as root we install it, otherwise they skip.
.PHONY: chromium
chromium:
	@if command -v chromium >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	else echo "Chromium is missing (apt-get install chromium): browser tests will be skipped."; fi

# The Nu HTML Checker (vnu.jar, in the dev extras) runs on Java; as root we install a
# headless one, otherwise tests/test_valid_html.py skips.
.PHONY: java
java:
	@if command -v java >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && apt-get install -y -qq default-jre-headless >/dev/null; \
	else echo "Java is missing (apt-get install default-jre-headless): HTML validation will be skipped."; fi

# The https calendar-sync tests make a throwaway certificate authority with the openssl command.
.PHONY: openssl
openssl:
	@if command -v openssl >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && apt-get install -y -qq openssl >/dev/null; \
	else echo "openssl is missing (apt-get install openssl): the https sync tests will be skipped."; fi

# A fourth calendar parser for the tests: libical (Evolution's), from Debian's libical-dev,
# through a small C program; as root we install the library, otherwise its tests skip.
.PHONY: libical
libical: build/libical_expand

build/libical_expand: tests/libical_expand.c
	@if pkg-config --exists libical 2>/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && apt-get install -y -qq libical-dev pkg-config >/dev/null; \
	else echo "libical-dev is missing (apt-get install libical-dev): libical's tests will be skipped."; fi
	@if pkg-config --exists libical 2>/dev/null; then \
		mkdir -p build && cc -O2 -Wall -o $@ $< $$(pkg-config --cflags --libs libical); fi

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache build
