# frontline — the two commands a newcomer needs:
#   make demo   set up .venv and run the main job (report on the embedded sample)
#   make test   set up .venv and run lint, type checks and the whole test suite
#   make docs   build the documentation (Sphinx, warnings are errors; the notebooks
#               and the plotting page are executed), then check its figures
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest fuzz docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/frontline report --regions six

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# The whole suite: the fast tests (a bare `pytest`, under 2 minutes) and those
# marked slow (every real map, the notebooks, the browser, animations), on all
# cores (pytest-xdist; one test file per worker, so that a file's fixtures of
# real maps are read once).
pytest: $(STAMP)
	$(BIN)/python -m pytest -m "slow or not slow" -n auto --dist loadfile

test: lint typecheck pytest

# The hostile corpus in full: subprocess-bounded cases (hangs, memory) and long
# hypothesis runs; .ci/run runs it after the tests.
fuzz: $(STAMP)
	FRONTLINE_FUZZ=1 $(BIN)/python -m pytest -p no:cacheprovider tests/test_hostile_corpus.py tests/test_hostile_fuzz.py

docs: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[docs]"
	$(BIN)/python -m sphinx -W --keep-going -q -b html docs docs/_build/html
	FRONTLINE_BUILT_DOCS=docs/_build/html $(BIN)/python -m pytest -q tests/test_docs.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
