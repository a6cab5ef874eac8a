# Two entry points: `make demo` and `make test`. Both create the virtual environment
# and install everything they need on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test install fuzz bench clean

install: $(STAMP)

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check torch==2.13.0
	$(PY) -m pip install -q --disable-pip-version-check -e '.[viz,bench,dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/wordvec demo

test: $(STAMP)
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) benchmarks/train_vs_gensim.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
