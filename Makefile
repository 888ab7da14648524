# The team's verbs. `make run` and `make test` are the two commands a fresh clone needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
DATA ?= ../shared/data

.PHONY: install install-dev fmt lint typecheck test test-fast check train migrate run dev docker clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/pip install --quiet -c requirements.lock -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

fmt: install-dev
	$(BIN)/ruff format service tests bench
	$(BIN)/ruff check --fix service tests bench

lint: install-dev
	$(BIN)/ruff check service tests bench
	$(BIN)/ruff format --check service tests bench

typecheck: install-dev
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/pytest $(PYTEST_ARGS)

# The edit-test loop: SQLite only, no browser, none of the multi-process tests (gunicorn, model switch, queue
# concurrency). Serial: on two cores xdist made the run slower and the gunicorn start-up test flaky.
test-fast: lint typecheck
	env -u MODERATO_TEST_DATABASE_URL -u MODERATO_TEST_REDIS_URL -u MODERATO_TEST_CHROMIUM \
		$(BIN)/pytest -m "not browser and not slow" $(PYTEST_ARGS)

check: test

migrate: install
	$(BIN)/moderato db upgrade

# A local demo over plain HTTP: browsers other than Chrome drop Secure cookies there, which would make the moderator
# sign-in look broken. Production (Docker, `moderato serve`) keeps the default, secure cookies.
run: migrate
	@echo "Moderato on http://$(HOST):$(PORT)/  (demo article: http://$(HOST):$(PORT)/demo/article)"
	MODERATO_WEB_SECURE_COOKIES=false $(BIN)/moderato serve --bind $(HOST):$(PORT)

dev: migrate
	$(BIN)/moderato dev --port $(PORT)

train: install
	$(BIN)/moderato train --data $(DATA) --data models/written --out models/

docker:
	docker build -t moderato .

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache test-output
