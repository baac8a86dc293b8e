# The two commands of the README: `make run` and `make test`. Both create .venv
# and install pickgraph into it first, so a fresh clone needs only Python 3.11 and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install run test bench screenshot clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	@echo "installing pickgraph and its test tools into $(VENV) (log: $(VENV)/install.log)"
	@( $(BIN)/python -m pip install --upgrade pip && $(BIN)/python -m pip install -e '.[test]' ) \
		> $(VENV)/install.log 2>&1 || { tail -30 $(VENV)/install.log; exit 1; }
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

run: install
	$(BIN)/pickgraph build data/
	@echo
	@echo "Try:"
	@echo "  $(BIN)/pickgraph show PostgreSQL"
	@echo "  $(BIN)/pickgraph compare Go Rust"
	@echo "  $(BIN)/pickgraph suggest Django"
	@echo "  $(BIN)/pickgraph why React Vue"

test: install
	$(BIN)/python -m pytest

screenshot: install
	PICKGRAPH_UPDATE_SCREENSHOT=1 $(BIN)/python -m pytest -q tests/test_browser.py -k data_page

bench: install
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) exports/.cache exports/pickgraph.* .pytest_cache .hypothesis
