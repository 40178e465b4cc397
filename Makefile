# The two commands for a fresh machine: `make run` and `make test`.
VENV   ?= .venv
PYTHON ?= python3
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed
FLASK   = $(BIN)/flask --app consult
PO      = $(wildcard translations/*/LC_MESSAGES/messages.po)
MO      = $(PO:.po=.mo)
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: install lock run test check translations extract-messages clean

install: $(STAMP) static/vendor/htmx.min.js $(MO)

# The exact versions (and hashes) of requirements/dev.txt, then consult itself without its dependencies:
# everyone runs and tests what the lock file says. A changed lock file (or pyproject.toml) reinstalls.
$(STAMP): requirements/dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

# Regenerate the lock files from pyproject.toml's ranges, at the newest versions they admit:
# requirements/base.txt is what a server installs, requirements/dev.txt adds the test and check extras.
# Review the diff, run `make test`, commit both files. The index is pip's own configuration, not written
# into the files. pip-compile resolves for the Python it runs on, so it runs on the servers' Python, the oldest
# we support: Debian 12's /usr/bin/python3 (3.11.2; e.g. redis needs async-timeout before 3.11.3, and a lock
# made on a newer 3.11 would lack it). Pinned extras that a newer Python does not need install harmlessly.
LOCK_PYTHON ?= $(firstword $(wildcard /usr/bin/python3) $(PYTHON))
LOCK_VENV    = .venv-lock
# Extras stay in the pins (`fonttools[woff]==…`): the pip of Debian 12's venv (23.0) and of Python 3.11 (23.2), in
# hash-checking mode, otherwise takes a dependency's `fonttools[woff]>=…` for a second, unpinned requirement as soon
# as a newer release than the pin exists, and refuses the whole install. `make lock LOCK_UPGRADE=` keeps every pin.
LOCK_UPGRADE ?= --upgrade
PIP_COMPILE  = CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile --quiet $(LOCK_UPGRADE) --generate-hashes \
	--allow-unsafe --no-strip-extras --no-emit-index-url --no-emit-find-links

lock:
	test -x $(LOCK_VENV)/bin/pip-compile || { $(LOCK_PYTHON) -m venv $(LOCK_VENV) && \
	  $(LOCK_VENV)/bin/python -m pip install --quiet --disable-pip-version-check 'pip-tools>=7.4,<8'; }
	$(PIP_COMPILE) -o requirements/base.txt pyproject.toml
	$(PIP_COMPILE) --extra test --extra check -o requirements/dev.txt pyproject.toml

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

static/vendor/htmx.min.js: node_modules/.package-lock.json
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js $@

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d translations -l $* -i $< -o $@

translations: $(MO)

extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot --no-location --sort-output --ignore-dirs=".* node_modules __pycache__" .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

run: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	@echo "consult runs on http://$(HOST):$(PORT)/ (Ctrl+C stops it; demo: two-factor sign-in not required, CONSULT_REQUIRE_2FA=0)"
	CONSULT_REQUIRE_2FA=$${CONSULT_REQUIRE_2FA:-0} $(FLASK) run --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Lint, format and types. All three run even when one fails; the target fails if any did and names
# which (the format check only lists files: `ruff format FILE` fixes one, `ruff format --diff` shows how).
check: $(STAMP)
	@failed=""; \
	echo "== ruff check"; $(BIN)/ruff check . || failed="$$failed ruff-check"; \
	echo "== ruff format --check"; $(BIN)/ruff format --check . || failed="$$failed ruff-format"; \
	echo "== mypy"; $(BIN)/mypy || failed="$$failed mypy"; \
	if [ -n "$$failed" ]; then echo "make check: failed:$$failed"; exit 1; fi; \
	echo "make check: ruff check, ruff format and mypy passed"

clean:
	rm -rf $(VENV) $(LOCK_VENV) node_modules static/vendor translations/*/LC_MESSAGES/*.mo
