# Set-up and everyday commands. Everything a fresh Debian machine with Python 3.11 needs is
# installed from here: Debian libraries for Qt (scripts/system-deps.sh) and a project-local
# .venv pinned by requirements.lock.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
WORKSPACE ?= demo-workspace

.PHONY: run test test-fast bench lock system-deps installer clean screenshots mutation

run: $(STAMP)
	$(PY) main.py --demo --workspace $(WORKSPACE)

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -n 2 --dist loadgroup -q

test-fast: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -n 2 --dist loadgroup -q -m "not slow"

bench: $(STAMP)
	$(PY) bench/run_all.py

# Mutation testing of core/checks and core/profiling (settings: [tool.mutmut] in pyproject.toml;
# results and survivors: docs/testing.md). Not part of `make test`. One worker, since the machine
# is shared; earlier verdicts in mutants/ are kept, so `rm -rf mutants` for a fresh score.
mutation: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/mutmut run --max-children 1
	$(VENV)/bin/mutmut export-cicd-stats
	$(VENV)/bin/mutmut results

screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) main.py screenshot --out docs/screenshots

installer: $(STAMP)
	$(PY) packaging/build_deb.py

system-deps:
	bash scripts/system-deps.sh

$(STAMP): requirements.lock scripts/system-deps.sh
	bash scripts/system-deps.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	touch $(STAMP)

# Re-resolve requirements.in into requirements.lock (needs the package index).
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet --upgrade pip
	.venv-lock/bin/pip install --quiet -r requirements.in
	.venv-lock/bin/pip freeze | grep -viE '^(pip|setuptools)==' > requirements.lock
	rm -rf .venv-lock

clean:
	rm -rf $(VENV) build dist .pytest_cache
