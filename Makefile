# Two commands do everything: `make demo` and `make test`. See README.md.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
VENDOR := src/truce/web/static/vendor
LOCALE := src/truce/locale
LANGUAGES := ar ru

.PHONY: demo test check lint typecheck contracts unit postgres chromium report-tools vendor catalogs bench bench-news bench-dedup bench-ingest news-scores clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The browser libraries are package data, so they are in place before any install.
$(VENV)/.installed-app: pyproject.toml | $(BIN)/python vendor
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python vendor
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@ $(VENV)/.installed-app

## demo: set up a SQLite database with the 2016 scenario and serve http://127.0.0.1:8000
demo: vendor $(VENV)/.installed-app report-tools
	$(BIN)/truce demo

## test: install test tools, make sure PostgreSQL/PostGIS and Chromium are there, run everything
test: vendor $(VENV)/.installed-test postgres chromium report-tools lint typecheck contracts
	$(BIN)/pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests bench

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

## contracts: the import rules of docs/architecture.md ([tool.importlinter] in pyproject.toml)
contracts: $(VENV)/.installed-test
	$(BIN)/lint-imports

unit: $(VENV)/.installed-test
	$(BIN)/pytest tests/unit

postgres:
	@scripts/ensure-postgres

chromium:
	@scripts/ensure-chromium

## report-tools: a font covering Arabic for the reports' PDFs, and pdftotext for their tests
report-tools:
	@scripts/ensure-report-tools

## vendor: the browser libraries (Leaflet, Leaflet.markercluster, topojson-client, htmx, world-atlas, Swagger UI) from npm, no CDN
vendor: $(VENDOR)/.copied

# npm ci again only when node_modules is missing or older than the manifest or the lock file.
# No install scripts: the files are only copied, and swagger-ui-dist's dependency @scarf/scarf
# would otherwise report the download.
node_modules/.package-lock.json: package.json package-lock.json
	@scripts/ensure-npm
	npm ci --no-audit --no-fund --silent --ignore-scripts
	touch $@

# Exactly the files the pages load; leaflet.css finds its images in images/ beside it.
$(VENDOR)/.copied: node_modules/.package-lock.json Makefile
	rm -rf $(VENDOR)
	mkdir -p $(VENDOR)/images $(VENDOR)/swagger-ui
	cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css $(VENDOR)/
	cp node_modules/leaflet/dist/images/*.png $(VENDOR)/images/
	cp node_modules/topojson-client/dist/topojson-client.min.js $(VENDOR)/
	cp node_modules/leaflet.markercluster/dist/leaflet.markercluster.js \
	  node_modules/leaflet.markercluster/dist/MarkerCluster.css \
	  node_modules/leaflet.markercluster/dist/MarkerCluster.Default.css $(VENDOR)/
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/
	cp node_modules/world-atlas/countries-50m.json $(VENDOR)/
	cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css $(VENDOR)/swagger-ui/
	touch $@

## catalogs: extract the template (truce.pot) from the code, then update the ar and ru catalogs
# Locations name the file only, so a moved line does not touch every catalog. A changed msgid
# keeps its old translation as fuzzy (with the previous msgid): the app ignores it and
# tests/unit/test_catalogs.py names it until a translator has reviewed it.
catalogs: $(VENV)/.installed-app
	$(BIN)/pybabel -q extract -F babel.cfg -k N_ --add-location=file -o $(LOCALE)/truce.pot \
	  --project=Truce --copyright-holder="the Truce authors" \
	  --version="$$($(BIN)/python -c 'import truce; print(truce.__version__)')" .
	for lang in $(LANGUAGES); do \
	  $(BIN)/pybabel -q update -i $(LOCALE)/truce.pot -d $(LOCALE) -D truce -l $$lang \
	    --init-missing --ignore-obsolete --previous || exit 1; \
	done

bench: $(VENV)/.installed-test postgres
	$(BIN)/python bench/ledger.py

## bench-news: news articles per second on one core (figures in docs/benchmarks.md)
bench-news: $(VENV)/.installed-app
	$(BIN)/python bench/news.py

## bench-dedup: link generated reports into incidents, 10k to 1M (figures in docs/benchmarks.md)
bench-dedup: $(VENV)/.installed-app
	$(BIN)/python bench/dedup.py

## bench-ingest: import 1,000,000 UCDP-shaped rows, against the sqlite3 shell's .import (docs/benchmarks.md)
bench-ingest: $(VENV)/.installed-app
	$(BIN)/python bench/ingest.py

## news-scores: score the news extractor on real dev, real test and synthetic, per language; write docs/news-scores.md
news-scores: $(VENV)/.installed-app
	$(BIN)/truce news scores --data data/news --markdown docs/news-scores.md

clean:
	rm -rf $(VENV) var test-artifacts .pytest_cache .mypy_cache .ruff_cache .import_linter_cache .hypothesis node_modules $(VENDOR)
