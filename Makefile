# Two commands on a fresh machine:
#   make book   set up .venv, build the book into _build/html (warnings are errors)
#   make test   set up .venv, run every test (the book test builds the book too)
#   make pdf    the whole book as one PDF, _build/latex/mlx-day2.pdf (needs TeX Live: README)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: book pdf test bench clean clean-cache

$(STAMP): requirements.txt code/pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing requirements.txt into $(VENV) (a few minutes the first time)"
	$(BIN)/python -m pip install -qq -r requirements.txt
	@touch $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo "open $(CURDIR)/_build/html/index.html"

# Through LaTeX (XeLaTeX, latexmk), from the execution cache that `make book` fills: after
# it, no chapter runs again. The PDF tests (tests/book/test_pdf.py) build it the same way.
pdf: $(STAMP)
	$(BIN)/jupyter-book build . --builder pdflatex -W -n --keep-going
	@echo "open $(CURDIR)/_build/latex/mlx-day2.pdf"

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	@for f in bench/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf _build

clean-cache:
	rm -rf _build/.jupyter_cache _cache
