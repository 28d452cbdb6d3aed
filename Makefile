# Beatline: `make run` starts the bot, `make test` runs every check, `make demo` tries it without
# Telegram. They set themselves up.
PYTHON ?= $(shell for p in python3.11 python3.12 python3.13 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	&& { command -v $$p; break; }; done)
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run demo demo-reset test install translations lint typecheck pytest extract clean

# Checks BOT_TOKEN and the network file, migrates the database, then polls Telegram.
run: install translations
	@$(PY) -m bot run

# Beatline against a local stand-in for Telegram, with a web page for all three roles.
# Prints the address to open; Ctrl-C stops it; the demo's data (.demo/) stays until demo-reset.
demo: install translations
	@$(PY) -m demo run

demo-reset: install
	@$(PY) -m demo reset

test: install translations lint typecheck pytest

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

translations: install
	$(VENV)/bin/pybabel compile -d locales -D messages

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

typecheck: install
	$(VENV)/bin/mypy

# Coverage of the application (measured 94 % on SQLite, 90 % on PostgreSQL, where the SQLite-only
# code is not run); the run fails under the floor.
COVERAGE := --cov=bot --cov=handlers --cov=storage --cov-report=term:skip-covered --cov-fail-under=88

pytest: install translations
	$(VENV)/bin/pytest $(COVERAGE) $(PYTEST_ARGS)

# For developers: refresh the template and merge new strings into every catalog.
extract: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k N_ -k _ -k n_:1,2 --no-location --sort-output \
		--project=Beatline --copyright-holder=Beatline -o locales/messages.pot .
	$(VENV)/bin/pybabel update -i locales/messages.pot -d locales -D messages \
		--ignore-obsolete --no-fuzzy-matching
	$(PY) -c 'from pathlib import Path; from bot.ui.i18n import fill_source_catalog as f; \
		print(f(Path("locales/en/LC_MESSAGES/messages.po")), "English entries filled")'

clean:
	rm -rf $(VENV) locales/*/LC_MESSAGES/*.mo .mypy_cache .pytest_cache .ruff_cache
