# Two commands do everything: `make run` (server with demo data) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

# GraphiQL's browser files, pinned in api/web/graphiql/package-lock.json, so the playground works offline.
GRAPHIQL := api/web/graphiql/node_modules/.package-lock.json

.PHONY: run test tools lint schema clean graphiql fuzz bench bench-quick chaos docs manifest

# What the tests run beside Python, from Debian's packages (command and package share names):
# Chromium drives the pages, redis-server carries live updates between instances, wrk drives
# the benchmarks, faketime runs a process with its clock off, npm installs the pinned JS tools.
# A missing one fails the run, never skips it (tests/tools.py).
TEST_TOOLS := chromium redis-server wrk faketime npm

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

$(GRAPHIQL): api/web/graphiql/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix api/web/graphiql --no-audit --no-fund --ignore-scripts --loglevel=error; \
	else \
		echo "warning: npm not found; the API works, but GraphiQL needs Node.js and npm for its files"; \
	fi

# graphql-http's auditServer (the GraphQL-over-HTTP spec's conformance checks), pinned in its lockfile.
AUDIT := tests/e2e/audit/node_modules/.package-lock.json

$(AUDIT): tests/e2e/audit/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tests/e2e/audit --no-audit --no-fund --ignore-scripts --loglevel=error; \
	else \
		echo "warning: npm not found; the GraphQL-over-HTTP audit test will fail (make tools installs npm)"; \
	fi

# A real OpenID provider (panva's oidc-provider) for the identity-provider tests, pinned in its lockfile.
OIDC := tests/e2e/oidc/node_modules/.package-lock.json

$(OIDC): tests/e2e/oidc/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tests/e2e/oidc --no-audit --no-fund --ignore-scripts --loglevel=error; \
	else \
		echo "warning: npm not found; the identity-provider tests will fail (make tools installs npm)"; \
	fi

# graphql-schema-linter and GraphQL Code Generator, what frontend teams run on the schema.
SCHEMA_TOOLS := tests/schema_tools/node_modules/.package-lock.json

$(SCHEMA_TOOLS): tests/schema_tools/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tests/schema_tools --no-audit --no-fund --ignore-scripts --loglevel=error; \
	else \
		echo "warning: npm not found; the schema linter and codegen tests will fail (make tools installs npm)"; \
	fi

# The JavaScript clients frontend teams run, pinned: relay-compiler and relay-runtime, Apollo's
# persisted query manifest generator and Apollo Client, GraphQL Code Generator's client preset
# and urql (trusted documents), graphql-sse's client and Apollo's multipart subscriptions.
CLIENTS := tests/e2e/clients/node_modules/.package-lock.json

$(CLIENTS): tests/e2e/clients/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tests/e2e/clients --no-audit --no-fund --ignore-scripts --loglevel=error; \
	else \
		echo "warning: npm not found; the trusted documents tests will fail (make tools installs npm)"; \
	fi

graphiql: $(GRAPHIQL)

# The pages' and the docs examples' trusted documents (api/web/trusted-documents.json).
manifest: $(VENV)/.installed-test
	$(BIN)/python -m tests.operations

run: $(VENV)/.installed $(GRAPHIQL)
	$(BIN)/orderwire serve --demo --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

tools:
	@missing=""; for tool in $(TEST_TOOLS); do \
		command -v $$tool >/dev/null 2>&1 || missing="$$missing $$tool"; \
	done; \
	if [ -n "$$missing" ]; then \
		as_root=""; [ "$$(id -u)" -eq 0 ] || as_root=sudo; \
		echo "installing what the tests need:$$missing"; \
		$$as_root apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$as_root apt-get install -y -qq $$missing >/dev/null; \
	fi

# Two workers (pytest-xdist), each with its own embedded MongoDB, servers and Chromium: on
# two cores the suite takes about two thirds of the time it takes in one process.
test: tools lint $(GRAPHIQL) $(AUDIT) $(OIDC) $(SCHEMA_TOOLS) $(CLIENTS)
	$(BIN)/pytest -n 2 --dist worksteal

# The nightly-style fuzz run: 5,000 generated GraphQL operations against the real server.
fuzz: $(VENV)/.installed-test
	ORDERWIRE_FUZZ_EXAMPLES=5000 $(BIN)/pytest tests/e2e/test_fuzz.py

# P1-P6 against their baselines in the same run; P5's orders stay in .orderwire/bench.
# P1-P3 are driven by wrk, Debian's C load generator, installed here when missing.
bench: $(VENV)/.installed-test
	@command -v wrk >/dev/null 2>&1 || { as_root=""; [ "$$(id -u)" -eq 0 ] || as_root=sudo; \
		$$as_root apt-get update -qq && $$as_root apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# The per-change check: every benchmark, shorter and on less data (`make bench BENCH_ARGS=--quick`).
bench-quick:
	$(MAKE) bench BENCH_ARGS=--quick

# Two workers + Redis, 200 subscribers, 10,000 transitions; a worker killed, Redis restarted,
# sockets dropped: every subscriber must end with every event exactly once, in order.
chaos: $(VENV)/.installed-test
	@command -v redis-server >/dev/null 2>&1 || { as_root=""; [ "$$(id -u)" -eq 0 ] || as_root=sudo; \
		$$as_root apt-get update -qq && $$as_root apt-get install -y -qq redis-server >/dev/null; }
	$(BIN)/python -m bench.chaos

# The documentation site (docs/, MkDocs with the Material theme) at http://127.0.0.1:8001.
docs: $(VENV)/.installed-test
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve --dev-addr 127.0.0.1:8001

schema: $(VENV)/.installed
	$(BIN)/orderwire export-schema --output schema.graphql

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
