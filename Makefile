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
.PHONY: dist-check flake-check docs docs-check need-node

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
	$(VENV)/bin/mypy tools/*.py

# Four workers (pytest-xdist) on two cores: the suite waits on sockets, subprocesses and
# timeouts more than it computes, so four processes keep both cores busy (two left them idle
# a third of the time). loadfile: each test file runs on one worker, so module-scoped fixtures
# (a regenerated copy of the project, emulators) are built once, not once per worker; files
# holding slow tests are handed out first (tests/conftest.py SLOW_FIRST; --no-loadscope-reorder
# keeps that order). The fault matrix table is printed by a serial run:
# `.venv/bin/python -m pytest tests/test_fault_matrix.py -v`.
# PYTHONDONTWRITEBYTECODE emptied: with it set, every pytest process (the workers, the
# suite's own pytest subprocesses) parses and assertion-rewrites ~430 modules again, ~3 s of CPU each.
test: need-node $(STAMP) $(NODE_STAMP)
	PYTHONDONTWRITEBYTECODE= $(PY) -m pytest -n 4 --dist loadfile --no-loadscope-reorder

# The spec-diff engine (optic, via npm) and pyright (the docs' examples) run on Node: say so in
# one line, before anything is installed, rather than fail deep inside npm or a test.
need-node:
	@command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || { \
		echo "make: this target needs Node.js 20 and npm (spec-diff engine, pyright): install them (Debian: apt-get install nodejs npm), then run it again" >&2; \
		exit 1; }

# The documentation site, into site/ (mkdocs.yml; --strict: any warning fails). The CLI reference
# and the benchmark chart are computed at build time (tools/docs_hooks.py).
docs: $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[docs]'
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict --quiet

# The built site in headless Chromium (Debian package chromium): every page loads, every
# internal link and anchor resolves, the search finds results. SCREENSHOT=path.png keeps one.
SCREENSHOT ?=
docs-check: docs
	$(PY) tools/site_check.py $(if $(SCREENSHOT),--screenshot $(SCREENSHOT))

# The socket-level tests FLAKE_RUNS times (20); fails on any failure or any difference.
FLAKE_RUNS ?= 20
FLAKE_JOBS ?= 1
# Property tests take fewer examples here: this target is about sockets and timing.
flake-check: $(STAMP)
	SPEECHSPEC_PROPERTY_EXAMPLES=$${SPEECHSPEC_PROPERTY_EXAMPLES:-8} \
		$(PY) tools/flake_check.py --runs $(FLAKE_RUNS) --jobs $(FLAKE_JOBS)

demo: $(STAMP)
	$(PY) tools/demo.py

# Benchmarks against raw httpx and livepeer-ai (not tests; prints a table, writes bench/results.json
# and bench/LAST_RUN.md: the whole output with the date and load, which docs/performance.md includes;
# its table, with the dates, goes into the README's Performance section).
# bench/publish.py installs the bench extra and byte-compiles as a wheel install would (import
# times compare like with like), then runs bench/bench.py.
bench: $(STAMP)
	$(PY) bench/publish.py

# The built wheel and sdist as users get them: fresh venvs per extra, tests/userproject.
# The stamp installs '.[dev]', which holds the dist extra (build, twine, uv): no pip run here
# (it resolved the whole dev set again each time, ~4 s, to find nothing to do).
dist-check: $(STAMP)
	$(PY) tools/dist_check.py

# `make contract VENDOR=hamsa|livepeer BASE_URL=<endpoint> [MAX_BILLED=N]`: `speechspec contract`
# (docs/contract-testing.md); free checks only unless MAX_BILLED; JUnit in contract-report.xml.
# The key comes from HAMSA_API_KEY / LIVEPEER_API_TOKEN, never from the command line.
BASE_URL ?= $(SPEECHSPEC_CONTRACT_BASE_URL)
MAX_BILLED ?= 0
CONTRACT_VENDOR = $(or $(VENDOR),$(SPEECHSPEC_CONTRACT_VENDOR))
contract: $(STAMP)
	$(if $(CONTRACT_VENDOR),,$(error make contract needs VENDOR=hamsa or VENDOR=livepeer))
	$(PY) -m speechspec contract $(CONTRACT_VENDOR) $(if $(BASE_URL),--base-url $(BASE_URL)) --max-billed $(MAX_BILLED) --junit contract-report.xml

# The core accepts every httpx 0.28.x and httpcore 1.x: the request pipeline's and the async
# pool's tests on the lowest and the highest allowed, each in its own venv (.venv-httpx-low,
# .venv-httpx-high).
HTTPX_BOUNDS_TESTS := tests/test_wire.py tests/test_options.py tests/test_public_httpx.py tests/test_job_wait.py tests/test_pool.py
.PHONY: httpx-bounds
httpx-bounds: $(STAMP)
	for bound in 'low:httpx==0.28.0 httpcore==1.0.0' 'high:httpx>=0.28,<0.29 httpcore>=1.0,<2'; do \
		venv=.venv-httpx-$${bound%%:*}; \
		test -x $$venv/bin/python || $(PYTHON) -m venv $$venv; \
		$$venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]' $${bound#*:} || exit 1; \
		$$venv/bin/python -c 'import httpx, httpcore; print("httpx-bounds: httpx", httpx.__version__, "httpcore", httpcore.__version__)'; \
		$$venv/bin/python -m pytest -q -n 2 $(HTTPX_BOUNDS_TESTS) || exit 1; \
	done

clean:
	rm -rf $(VENV) .venv-httpx-low .venv-httpx-high .pytest_cache .mypy_cache .ruff_cache demo-output contract-report.xml site

# The emulator held against the vendors' real code (tools/vendor_check.py): AIRUNNER= runs the
# real ai-runner app (its pinned dependencies in .vendor-check/venv, a few minutes the first
# time) with a fake pipeline; GOLIVEPEER= runs go-livepeer's decoder under Go 1.25 from PyPI.
# Prints a table and `N/M agree` for each. Not part of `make test`.
AIRUNNER ?=
GOLIVEPEER ?=
.PHONY: vendor-check
vendor-check: $(STAMP)
	$(if $(AIRUNNER)$(GOLIVEPEER),,$(error give AIRUNNER=<ai-runner checkout> and/or GOLIVEPEER=<go-livepeer checkout>))
	$(PY) tools/vendor_check.py $(if $(AIRUNNER),--airunner $(AIRUNNER)) $(if $(GOLIVEPEER),--golivepeer $(GOLIVEPEER)) --diff
