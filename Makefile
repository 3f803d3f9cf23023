# The two commands: `make run` (the whole system) and `make test` (the whole suite).
# Both build the virtual environment at .venv/ from the pinned requirements.lock first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# doc-deps: DejaVu fonts (Vietnamese diacritics in PDFs) and poppler's pdftotext (tests read PDFs back).
.PHONY: doc-deps run test lint typecheck schemas install clean-state browser-deps web test-faults bench \
	test-deploy deploy-deps

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@echo "==> preparing $(VENV) (pinned by requirements.lock)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.lock
	@$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

run: $(STAMP) doc-deps
	$(BIN)/thidua run

# The deployment suite (tests/deploy, `make test-deploy` alone) is part of it: a few minutes with the caches warm,
# about ten more on a new machine (Kafka's jars, Debian's root filesystems, kube-apiserver built once).
test: $(STAMP) browser-deps doc-deps deploy-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m schemas.export --check
	THIDUA_DEPLOY=1 $(BIN)/pytest -q

# The whole fault suite (kill -9 of each service, Kafka and PostgreSQL restarts, 10,000 events sent three times,
# hostile input); `make test` runs only its sample. The table it prints is also saved in .state/fault-table.txt.
test-faults: $(STAMP)
	THIDUA_FAULTS=1 $(BIN)/pytest -q tests/reliability

# The performance table (bench/README.md): one throw-away stack, every figure, also saved in .state/bench-table.md.
# The full run takes about 30 minutes; `make bench BENCH_ARGS=--quick` tries it in a few minutes.
# The bench-only packages (the Quix Streams peer) are installed --no-deps: see bench/requirements.lock.
bench: $(STAMP)
	@$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps -r bench/requirements.lock
	$(BIN)/python -m bench $(BENCH_ARGS)

# The deployment suite (docs/operations.md, "Containers"): the images built with Podman from Debian's packages, the
# compose stack run end to end (TLS, SCRAM), restarted and killed; deploy/k8s applied to a real kube-apiserver.
test-deploy: $(STAMP) deploy-deps
	THIDUA_DEPLOY=1 $(BIN)/pytest -q -rA tests/deploy

# Podman (runc: crun cannot set cgroups on these machines), mmdebstrap for the base images; Go and kubectl for the
# API server (Go builds kube-apiserver and etcd from the module proxy once, cached in ~/.cache/thidua).
deploy-deps:
	@command -v podman >/dev/null && command -v runc >/dev/null && command -v mmdebstrap >/dev/null \
	  && command -v slirp4netns >/dev/null && command -v fuse-overlayfs >/dev/null || { \
	  echo "==> installing Debian's podman, runc, uidmap, fuse-overlayfs, slirp4netns and mmdebstrap"; \
	  SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    podman runc uidmap fuse-overlayfs slirp4netns mmdebstrap; }

web: $(STAMP)
	$(BIN)/thidua web

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

schemas: $(STAMP)
	$(BIN)/python -m schemas.export

# The browser test drives Debian's Chromium through chromedriver (no browser download of its own).
browser-deps:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  echo "==> installing Debian's chromium and chromium-driver for the browser test"; \
	  SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver; }

clean-state:
	rm -rf .state

# The dashboard's PDFs embed Debian's DejaVu fonts; tests read PDFs back with poppler's pdftotext.
doc-deps:
	@test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf && command -v pdftotext >/dev/null || { \
	  echo "==> installing Debian's fonts-dejavu-core and poppler-utils for the dashboard's documents"; \
	  SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq fonts-dejavu-core poppler-utils; }
