# Groundswell — two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-stamp
BENCH_VENV = .bench-venv

.PHONY: demo test lint install clean docs bench browser mutants package

# (Re)install only when the project's dependencies change.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11+ is needed (found: $$($(PYTHON) --version))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/groundswell demo

lint: $(STAMP)
	$(BIN)/ruff check .

# Debian's chromium for the browser tests (Playwright drives it; never `playwright install`).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
		SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium; \
	fi

# pytest exits 5 when it collects nothing; that fails this target like any other error.
# The bench venv holds twarc-hashtags, which tests/test_twarc_hashtags.py compares against.
test: $(STAMP) lint browser $(BENCH_VENV)/.installed-stamp
	$(BIN)/pytest -q
	$(CHECK_PACKAGE)

# The package as a user gets it: build the sdist and the wheel, install the wheel into a fresh
# venv outside the source tree and run the pipeline from it, then the [roles] and [spark]
# extras (a report on Spark equals DuckDB's). About 4 minutes.
CHECK_PACKAGE = $(BIN)/python scripts/check_package.py
package: $(STAMP)
	$(CHECK_PACKAGE)

# Hand-picked mutants of the rules the reports rest on; each must make a test fail (minutes:
# not part of `make test`). scripts/mutants.py lists them.
mutants: $(STAMP)
	$(BIN)/python scripts/mutants.py

docs: $(STAMP)
	$(BIN)/python scripts/cli_reference.py > docs/cli.md

# Peers (twarc2 csv / hashtags) live in their own venv: they need pandas<3 and setuptools<81.
$(BENCH_VENV)/.installed-stamp:
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --disable-pip-version-check \
		'pandas<3' 'setuptools<81' twarc twarc-csv twarc-hashtags
	@touch $@

BENCH_SIZES ?= 100000,1000000
bench: $(STAMP) $(BENCH_VENV)/.installed-stamp
	BEARER_TOKEN=bench $(BIN)/python bench/run.py --sizes $(BENCH_SIZES) --write-docs
	$(BIN)/python bench/trend_quality.py --seeds 20 --posts 100000
	BEARER_TOKEN=bench $(BIN)/python bench/tables.py --sizes $(BENCH_SIZES)
	$(BIN)/python bench/roles.py --posts 1000000
	$(BIN)/python bench/live_refresh.py --posts 10000000
	$(BIN)/python bench/watch_bluesky.py --events 300000

clean:
	rm -rf $(VENV) $(BENCH_VENV) demo bench/data .pytest_cache .ruff_cache *.egg-info
