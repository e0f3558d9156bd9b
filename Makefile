# Set-up and the two commands of the README: `make demo` and `make test`. Each installs what it needs.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install system-deps demo test test-fast bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	rm -f $(VENV)/.installed-*; touch $@

install: $(STAMP)

# Debian packages: Graphviz (`dot` renders `dagspec graph`) and OpenBLAS (fast PyTensor products); installed when missing (needs root, as on CI).
system-deps:
	@{ command -v dot >/dev/null 2>&1 && ldconfig -p | grep -q libopenblas; } || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz libopenblas-dev >/dev/null; \
	  else echo "note: graphviz (dot) is not installed; install it to render graphs"; fi; }

demo: install system-deps
	$(VENV)/bin/dagspec check specs/tutorial
	$(VENV)/bin/dagspec compile specs/tutorial/fork.dag
	$(VENV)/bin/dagspec sample specs/tutorial/fork.dag --draws 500 --tune 500 --chains 2 --seed 1 --out out/fork.nc
	$(VENV)/bin/dagspec graph specs/tutorial/fork.dag -o out/fork.svg

test: install system-deps
	$(PY) -m pytest -q -p no:cacheprovider

test-fast: install
	$(PY) -m pytest -q -m "not slow"

bench: install
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) out .pytest_cache
