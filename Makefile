# The two commands: `make run` and `make test`. Both install what is missing first.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
ETL := $(VENV)/bin/etl
ENV ?= dev
ARGS ?=

.PHONY: install tools browser run test lint bench bench-extras package plan deploy destroy smoke dashboard bootstrap clean

# The virtualenv is rebuilt when pyproject.toml (the one place versions are pinned) changes.
$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11" >&2; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

# Node tools the tests run (Jenkinsfile linter, AWS provider schema), pinned in tests/tools.
tests/tools/node_modules/.installed: tests/tools/package.json tests/tools/package-lock.json
	@command -v npm >/dev/null || { echo "error: npm not found; install Node.js 20+" >&2; exit 1; }
	cd tests/tools && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $@

tools: tests/tools/node_modules/.installed

# --- Deploy to AWS: packaging, the infra checks' tools, Terraform through `etl deploy` -------
.PHONY: wheels checkov schema

# Wheels of the Lambda layer's dependencies (Linux x86_64, the virtualenv's exact versions),
# fetched once from the package index; the builds then run offline.
.tools/wheels/.fetched: $(VENV)/.installed etl_tools/packaging.py
	$(PY) -m etl_tools.packaging --fetch-only
	@touch $@

wheels: .tools/wheels/.fetched

# build/functions/<name>.zip, build/layer.zip and build/glue/covid_etl-0-py3-none-any.whl (the
# Glue job's library), byte for byte reproducible; Terraform reads them.
package: wheels
	$(PY) -m etl_tools.packaging --offline

# checkov pins an older boto3 than ours: its own virtualenv, at its pin in pyproject.toml.
CHECKOV_VENV := .tools/checkov
$(CHECKOV_VENV)/.installed: pyproject.toml
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check \
	  "$$($(PYTHON) -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["checkov"])')"
	@touch $@

checkov: $(CHECKOV_VENV)/.installed

# The hashicorp/aws schema the infra tests check against, reduced from the npm package that
# `make tools` installs (cached in .tools/ per package version).
schema: install tools
	$(PY) tests/infra/provider_schema.py

# ENV=dev|prod; AWS credentials, TF_STATE_BUCKET and TF_STATE_KEY_ARN (printed by the bootstrap)
# come from the environment. plan saves infra/$(ENV).tfplan; deploy applies exactly that plan.
plan: install package
	$(ETL) deploy plan --env $(ENV)

deploy: install
	$(ETL) deploy apply --env $(ENV)

destroy: install package
	$(ETL) deploy destroy --env $(ENV)

# Headless Chromium for the dashboard browser test: Debian's package, never a downloaded build.
# On a CI agent (CI set) nothing is installed as root: the agent's image (ci/Dockerfile) has it.
browser:
	@command -v chromium >/dev/null || { \
	  test -z "$$CI" || { echo "error: chromium not found on this CI agent; build the agent from ci/Dockerfile, which installs it (make test installs nothing as root on CI)" >&2; exit 1; }; \
	  command -v apt-get >/dev/null || { echo "error: chromium not found; install it" >&2; exit 1; }; \
	  SUDO=$$(test "$$(id -u)" -eq 0 || echo sudo); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

run: install
	$(ETL) run $(ARGS)

# A pytest worker per core and one more (pytest-xdist; tests/conftest.py): every test stands
# alone (an embedded account per module, ports picked by the OS, tmp folders per worker), so
# workers share nothing. loadfile keeps a module on one worker: its account and first load are
# built once, not once per worker.
test: install tools browser wheels checkov schema bench-extras
	$(PY) -m pytest -n auto --dist loadfile $(ARGS)

# Benchmarks (timings stay out of the tests): every figure of bench/ as a table on stdout and in
# bench/results.json. The bench extras (pandas) go on top of dev; the pandas-vs-library
# correctness test needs them too. ARGS="--repetitions N" changes the repetitions (default 7).
$(VENV)/.bench-installed: $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	@touch $@

bench-extras: $(VENV)/.bench-installed

bench: install wheels bench-extras
	$(PY) -m bench $(ARGS)
	$(PY) -m etl_tools.benchmarks_doc

# Static checks: ruff (lint + format), statelint on the state machine rendered with local names
# (statelint rejects the ${...} placeholders), npm-groovy-lint on the Jenkinsfile.
lint: install tools
	$(VENV)/bin/ruff check covid_etl etl_tools lambdas glue tests bench
	$(VENV)/bin/ruff format --check covid_etl etl_tools lambdas glue tests bench
	@mkdir -p build
	$(PY) -c 'from etl_tools.naming import Names; from etl_tools.statemachine import DEFINITION_PATH, render, template_values; print(render(DEFINITION_PATH.read_text(), template_values(Names("local", "123456789012"))))' > build/statemachine.local.json
	$(VENV)/bin/statelint build/statemachine.local.json
	@command -v java >/dev/null || { echo "error: java not found; npm-groovy-lint needs a Java runtime (17+)" >&2; exit 1; }
	tests/tools/node_modules/.bin/npm-groovy-lint --noserver --failon error Jenkinsfile

# Run the $(ENV) stack once and check its run record; ENV=local checks the embedded AWS after
# `make run`. AWS credentials and region come from the environment (Jenkins binds them).
smoke: install
	$(ETL) smoke --env $(ENV) $(ARGS)

# Once per AWS account, and safe to repeat: the Terraform state bucket and its key
# (infra/bootstrap, whose own state `etl bootstrap` keeps in that bucket). Prints
# TF_STATE_BUCKET and TF_STATE_KEY_ARN for plan/deploy.
bootstrap: install
	$(ETL) bootstrap

clean:
	rm -rf $(VENV) .tools build .etl test-output
