# speechspec: every target installs what it needs into .venv first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

# `make specs [VENDOR=hamsa|livepeer] [SOURCE=<docs page or OpenAPI document, path or URL>]`
VENDOR ?=
SOURCE ?=
# the public address of SOURCE when it is a local copy (a raw GitHub URL also gives the commit)
SOURCE_URL ?=
# `make spec-diff [BASE=<git ref>] [JSON=<path>]`
BASE ?=
JSON ?=
NODE_STAMP := tools/node_modules/.installed-stamp

.PHONY: install specs generate check-generated lint typecheck test demo contract bench clean
.PHONY: dist-check flake-check

install: $(STAMP)

# Re-run pip only when pyproject.toml changes; the stamp makes `make install` idempotent.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

.PHONY: tools-node spec-diff release-notes check-version

# The pinned spec-diff engine (@useoptic/optic, tools/package-lock.json); no install scripts run.
tools-node: $(NODE_STAMP)
$(NODE_STAMP): tools/package.json tools/package-lock.json
	cd tools && npm ci --ignore-scripts --no-audit --no-fund
	touch $(NODE_STAMP)

# Re-vendor one vendor (or both) from its docs page (default: specs/<vendor>/docs-page.md),
# then print what changed in the effective document.
specs: $(STAMP) $(NODE_STAMP)
	$(if $(and $(SOURCE),$(if $(VENDOR),,x)),$(error SOURCE= needs VENDOR=hamsa or VENDOR=livepeer))
	$(PY) tools/vendor_spec.py $(or $(VENDOR),--all) $(SOURCE) $(if $(SOURCE_URL),--source-url $(SOURCE_URL))

# Breaking / Added / Changed / Docs-only per vendor, working tree vs BASE (default: last v* tag, else HEAD).
spec-diff: $(STAMP) $(NODE_STAMP)
	$(PY) tools/spec_diff.py $(if $(BASE),--base $(BASE)) $(if $(JSON),--json $(JSON))

# CHANGELOG.md section + version bump for what changed since the last release (tools/release.py).
release-notes: $(STAMP) $(NODE_STAMP)
	$(PY) tools/release.py notes $(if $(BASE),--base $(BASE))

# CI: a breaking spec change since the last release needs a version bump.
check-version: $(STAMP) $(NODE_STAMP)
	$(PY) tools/release.py check

# The real ai-runner history, replayed with make specs -> spec-diff -> generate -> release-notes
# in a scratch clone of HEAD, each step held to its label (tools/replay_history.py; slow).
.PHONY: replay-history
replay-history: $(STAMP) $(NODE_STAMP)
	$(PY) tools/replay_history.py

generate: $(STAMP)
	$(PY) tools/generate.py

check-generated: $(STAMP)
	$(PY) tools/generate.py --check

lint: $(STAMP)
	$(VENV)/bin/ruff check wrapper tests tools bench
	$(VENV)/bin/ruff format --check wrapper tests tools bench

typecheck: $(STAMP)
	$(VENV)/bin/mypy wrapper/speechspec

# Two workers (pytest-xdist): the suite waits on sockets and subprocesses more than it computes,
# so two processes on two cores halve the wall time. The fault matrix table is printed by a
# serial run: `.venv/bin/python -m pytest tests/test_fault_matrix.py -v`.
test: $(STAMP) $(NODE_STAMP)
	$(PY) -m pytest -n 2

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

# The built wheel and sdist as users get them: fresh venvs per extra, tests/userproject.
dist-check: $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev,dist]'
	$(PY) tools/dist_check.py

# Live contract run (opt-in, billed): see README "Contract tests against a real vendor".
contract: $(STAMP)
	$(PY) -m pytest tests/contract --contract -p no:cacheprovider -rs --junitxml=contract-report.xml

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache demo-output contract-report.xml
