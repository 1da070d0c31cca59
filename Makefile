# One place for the commands the README and CI use.
#   make demo   - install, then run a Connect session in the terminal against the embedded simulator
#   make test   - install everything the tests need (Python packages, Chromium, redis-server,
#                 axe-core), then
#                 run the linters, the type checker and the test suite
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo serve install install-test test-deps lint typecheck check pytest test bench clean

$(PY):
	python3 -m venv $(VENV)

install: $(PY)
	$(PIP) install -e .

# A strict editable install lays out a link tree that mypy can follow (see docs/development.md).
install-test: $(PY)
	$(PIP) install -e '.[test]' --config-settings editable_mode=strict

# Debian's Chromium for the browser tests (a Playwright browser download does not work offline),
# Debian's redis-server for RedisStore's tests (they start their own on a free port), and
# axe-core from npm for the accessibility checks.
test-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
		$(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium; fi
	@if [ ! -x /usr/bin/redis-server ]; then \
		$(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q redis-server; fi
	@if [ ! -f node_modules/axe-core/axe.min.js ]; then \
		npm install --no-audit --no-fund --silent; fi

demo: install
	$(VENV)/bin/flatpeak-connect demo

serve: install
	$(VENV)/bin/flatpeak-connect serve

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# mypy runs from inside the venv: at the project root the folder flatpeak_connect/ (the
# composition root alone) would shadow the installed package and its mapped subpackages.
typecheck: install-test
	cd $(VENV) && bin/mypy --config-file ../pyproject.toml -p flatpeak_connect

check: lint typecheck

pytest: install-test test-deps
	$(VENV)/bin/pytest $(PYTEST_ARGS)

test: check pytest

bench: install-test
	$(VENV)/bin/pytest benchmarks --benchmark-only $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info node_modules .pytest_cache .mypy_cache .ruff_cache
