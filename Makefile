# speechspec: every target installs what it needs into .venv first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

HAMSA_DOCS       ?= ../shared/vendor-docs/hamsa-text-to-speech.md
HAMSA_DOCS_URL   ?= https://docs.tryhamsa.com/api-reference/endpoint/generate-tts.md
LIVEPEER_DOCS     ?= ../shared/vendor-docs/livepeer-text-to-speech.md
LIVEPEER_DOCS_URL ?= https://docs.livepeer.org/ai/api-reference/text-to-speech.md

.PHONY: install specs generate check-generated lint typecheck test demo contract bench clean flake-check

install: $(STAMP)

# Re-run pip only when pyproject.toml changes; the stamp makes `make install` idempotent.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

# Re-vendor both documents from their docs pages (a path or a URL; override the variables).
specs: $(STAMP)
	$(PY) tools/vendor_spec.py hamsa $(HAMSA_DOCS) --source-url $(HAMSA_DOCS_URL)
	$(PY) tools/vendor_spec.py livepeer $(LIVEPEER_DOCS) --source-url $(LIVEPEER_DOCS_URL)

generate: $(STAMP)
	$(PY) tools/generate.py

check-generated: $(STAMP)
	$(PY) tools/generate.py --check

lint: $(STAMP)
	$(VENV)/bin/ruff check wrapper tests tools bench
	$(VENV)/bin/ruff format --check wrapper tests tools bench

typecheck: $(STAMP)
	$(VENV)/bin/mypy wrapper/speechspec

test: $(STAMP)
	$(PY) -m pytest

# The socket-level tests FLAKE_RUNS times (20); fails on any failure or any difference.
FLAKE_RUNS ?= 20
FLAKE_JOBS ?= 1
# Property tests take fewer examples here: this target is about sockets and timing.
flake-check: $(STAMP)
	SPEECHSPEC_PROPERTY_EXAMPLES=$${SPEECHSPEC_PROPERTY_EXAMPLES:-8} \
		$(PY) tools/flake_check.py --runs $(FLAKE_RUNS) --jobs $(FLAKE_JOBS)

demo: $(STAMP)
	$(PY) tools/demo.py

# Benchmarks against raw httpx and livepeer-ai (not tests; prints a table, writes bench/results.json).
bench: $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	@# Byte-compile as a wheel install would, so import times compare like with like.
	$(PY) -m compileall -q wrapper generated
	$(PY) bench/bench.py

# Live contract run (opt-in, billed): see README "Contract tests against a real vendor".
contract: $(STAMP)
	$(PY) -m pytest tests/contract -p no:cacheprovider -rs --junitxml=contract-report.xml

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache demo-output contract-report.xml
