# The two commands of the README: `make run` and `make test`. Both create .venv and
# install pickgraph into it first, so a fresh clone needs only Python 3.11 and make.
# `make run` installs what running needs and nothing else; `make test` (and `make install`)
# add the test tools. pip's progress is shown, so a first install is never silent.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SUM    := $(shell cksum pyproject.toml | cut -d' ' -f1)
# one stamp per kind of install and version of pyproject.toml: a changed pyproject reinstalls
RUN_STAMP  := $(VENV)/.installed-run-$(SUM)
TEST_STAMP := $(VENV)/.installed-test-$(SUM)

.PHONY: install install-run run test bench bench-readme screenshot clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	@echo "installing pickgraph into $(VENV)"
	$(BIN)/python -m pip install --disable-pip-version-check -e .
	@rm -f $(VENV)/.installed-run-*
	@touch $@

# the test extras hold every run dependency too, so one pip call makes both stamps
$(TEST_STAMP): pyproject.toml | $(BIN)/python
	@echo "installing pickgraph and its test tools into $(VENV)"
	$(BIN)/python -m pip install --disable-pip-version-check -e '.[test]'
	@rm -f $(VENV)/.installed-*
	@touch $@ $(RUN_STAMP)

install-run: $(RUN_STAMP)

install: $(TEST_STAMP)

run: install-run
	$(BIN)/pickgraph build data/
	@echo
	@echo "Try:"
	@echo "  $(BIN)/pickgraph show PostgreSQL"
	@echo "  $(BIN)/pickgraph compare Go Rust"
	@echo "  $(BIN)/pickgraph suggest Django"
	@echo "  $(BIN)/pickgraph why React Vue"

test: install
	$(BIN)/python -m pytest

# the HTML export's picture, then the live explorer's pages (start, topic, comparison, SPARQL, table) on data/
screenshot: install
	PICKGRAPH_UPDATE_SCREENSHOT=1 $(BIN)/python -m pytest -q tests/test_browser.py -k data_page
	$(BIN)/python tools/screenshots.py docs

bench: install
	$(BIN)/python -m benchmarks

# every figure the README quotes, on the even and the hub-heavy corpus: benchmarks/results-readme.json and .md
# a smoke run: make bench-readme BENCH_ARGS="--sizes 1000 --runs 1 --seconds 5"
BENCH_ARGS ?=
bench-readme: install
	$(BIN)/python -m benchmarks readme $(BENCH_ARGS)

clean:
	rm -rf $(VENV) exports/.cache exports/pickgraph.* .pytest_cache .hypothesis
