# Two entry points: `make demo` and `make test`. Both create the virtual environment
# and install everything they need on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test install fuzz bench clean browser

install: $(STAMP)

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check torch==2.13.0
	$(PY) -m pip install -q --disable-pip-version-check -e '.[viz,bench,topics,dev,spark,ann]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/wordvec demo

test: $(STAMP) browser
	$(PY) -m pytest -q

# Headless Chromium for tests/test_browser.py, installed only if absent and only where
# possible (root, apt reachable); never fails: without it that test skips and says why.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	    timeout 900 sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      --no-install-recommends chromium fonts-dejavu-core' >/dev/null 2>&1; } || \
	  echo "chromium could not be installed: the browser test will be skipped"

# The property-based fuzz tests with many more examples (the default run uses 40 each).
fuzz: $(STAMP)
	WORDVEC_FUZZ_EXAMPLES=$${WORDVEC_FUZZ_EXAMPLES:-5000} $(PY) -m pytest -q -p no:cacheprovider tests/test_fuzz.py

bench: $(STAMP)
	$(PY) benchmarks/train_vs_gensim.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
