# Two commands on a fresh machine:
#   make book   set up .venv, build the book into _build/html (warnings are errors)
#   make test   set up .venv, run every test (the book test builds the book too)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: book test bench clean clean-cache

$(STAMP): requirements.txt code/pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing requirements.txt into $(VENV) (a few minutes the first time)"
	$(BIN)/python -m pip install -qq -r requirements.txt
	@touch $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo "open $(CURDIR)/_build/html/index.html"

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	@for f in bench/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf _build

clean-cache:
	rm -rf _build/.jupyter_cache _cache
