# Set-up and the two commands of the README: `make demo` and `make test`. Each installs what it needs.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install system-deps pymc3-env demo test test-fast lint bench clean
PYTHON39 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.9*/bin/python) $(shell command -v python3.9))

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	rm -f $(VENV)/.installed-*; touch $@

install: $(STAMP)

# Debian packages: Graphviz (`dot` renders `dagspec graph`), OpenBLAS (fast PyTensor products) and Chromium (the
# report's browser test); installed when missing (needs root, as on CI).
system-deps:
	@{ command -v dot >/dev/null 2>&1 && ldconfig -p | grep -q libopenblas && command -v chromium >/dev/null 2>&1; } || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz libopenblas-dev chromium >/dev/null; \
	  else echo "note: graphviz (dot) or chromium is not installed; graphs need dot, the report's browser test chromium"; fi; }

demo: install system-deps
	$(VENV)/bin/dagspec check specs/tutorial
	$(VENV)/bin/dagspec compile specs/tutorial/fork.dag
	$(VENV)/bin/dagspec sample specs/tutorial/fork.dag --draws 500 --tune 500 --chains 2 --seed 1 --out out/fork.nc
	$(VENV)/bin/dagspec graph specs/tutorial/fork.dag -o out/fork.svg

# The PyMC3 3.11 lane of the tests (generated PyMC3 scripts): Python 3.9, kept between local runs.
# Without Python 3.9 the lane's test is skipped (and says so), the rest of the suite runs.
.venv-pymc3/.installed:
	@if [ -n "$(PYTHON39)" ] && "$(PYTHON39)" -c "import sys" 2>/dev/null; then \
	  $(PYTHON39) -m venv .venv-pymc3 && .venv-pymc3/bin/pip install -q "pip<24" && \
	  .venv-pymc3/bin/pip install -q "pymc3==3.11.5" "numpy<1.22.2" "arviz==0.11.4" "matplotlib<3.6" \
	    "pandas<2" "xarray<2023" "scipy<1.8" && touch $@ || { rm -rf .venv-pymc3; echo "note: PyMC3 lane skipped"; }; \
	else echo "note: no Python 3.9, so the PyMC3 lane is skipped"; fi

pymc3-env: .venv-pymc3/.installed

test: install system-deps pymc3-env lint
	$(PY) -m pytest -q -p no:cacheprovider -n 2 --dist loadfile --no-loadscope-reorder

# the formatter, the linter and the type checker (settings in pyproject.toml), run by `make test` first
lint: install
	$(VENV)/bin/ruff format --check --quiet .
	$(VENV)/bin/ruff check --quiet .
	$(VENV)/bin/mypy

test-fast: install
	$(PY) -m pytest -q -m "not slow"

bench: install
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) .venv-pymc3 .cache out .pytest_cache
