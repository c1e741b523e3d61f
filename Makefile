# Trygg: `make demo` runs the demo municipality, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
LOCALE_DIR := src/trygg/locale
MO_FILES := $(patsubst %.po,%.mo,$(wildcard $(LOCALE_DIR)/*/LC_MESSAGES/django.po))

.PHONY: install demo test lint format messages makemessages bench vendor clean

install: $(STAMP) $(MO_FILES)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# Compiled catalogues are build output, not source.
$(LOCALE_DIR)/%/LC_MESSAGES/django.mo: $(LOCALE_DIR)/%/LC_MESSAGES/django.po $(STAMP)
	$(BIN)/pybabel --quiet compile --domain=django --input-file=$< --output-file=$@

messages: $(MO_FILES)

demo: install
	DJANGO_SETTINGS_MODULE=trygg.settings.demo $(BIN)/trygg demo

test: install
	bash scripts/run-tests

lint: install
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/lint-imports --no-logo --no-cache

format: install
	$(BIN)/ruff check --fix src tests bench scripts
	$(BIN)/ruff format src tests bench scripts

# Refresh the Swedish catalogue after changing interface text.
makemessages: install
	cd src/trygg && ../../$(BIN)/django-admin makemessages -l sv --no-obsolete \
		--settings=trygg.settings.base --ignore='locale/*'

# Benchmarks print figures and ratios against a baseline from the same run (bench/README.md).
bench: install
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/bench_analyze.py --scale municipality national
	$(BIN)/python bench/bench_situation.py

# Leaflet and axe-core come from the npm registry and are committed, so installs need no network.
# The source map is not shipped, so its reference goes too: the production manifest storage
# follows it and fails collectstatic (tests/deploy/ checks every vendored reference resolves).
# axe-core is for the accessibility tests only (tests/browser/test_accessibility.py): the site
# never serves it, so it lives under tests/, with its licences (MPL-2.0, third-party) beside it.
vendor:
	cd /tmp && npm pack leaflet@1.9.4 && rm -rf package && tar xzf leaflet-1.9.4.tgz
	cp /tmp/package/dist/leaflet.js /tmp/package/dist/leaflet.css src/trygg/core/static/vendor/leaflet/
	sed -i '/^\/\/# sourceMappingURL=/d' src/trygg/core/static/vendor/leaflet/leaflet.js
	cp /tmp/package/dist/images/*.png src/trygg/core/static/vendor/leaflet/images/
	cd /tmp && npm pack axe-core@4.14.1 && rm -rf package && tar xzf axe-core-4.14.1.tgz
	mkdir -p tests/browser/vendor
	cp /tmp/package/axe.min.js /tmp/package/LICENSE /tmp/package/LICENSE-3RD-PARTY.txt tests/browser/vendor/

clean:
	rm -rf $(VENV) var .pytest_cache
