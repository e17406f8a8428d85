# Two commands on a fresh machine: `make study` renders the whole study, `make test` runs the tests.
# Both create the virtual environment (.venv) first when it is missing or out of date.
# `make test` runs every test (CI runs it); `make test-fast` runs the unit tier (tests/unit: in process, no kernel).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
WARM_SPEC := $(VENV)/share/jupyter/kernels/studylib-warm/kernel.json
KERNEL := studylib
JOBS   ?= 2

# Python caches compiled modules, and pytest its assertion-rewritten tests, in __pycache__/ (ignored by git) even where
# the shell sets PYTHONDONTWRITEBYTECODE: otherwise every test worker rewrites every test module on every run
unexport PYTHONDONTWRITEBYTECODE

.PHONY: study test test-fast lab bench validate clean-outputs

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (studylib)" >/dev/null
	touch $(STAMP)

# The warm kernel spec lists what its zygote imports once (PRELOAD in warm.py): installed again when that changes
$(WARM_SPEC): $(STAMP) src/studylib/runner/kernels/warm.py
	$(PY) -m studylib.runner.kernels.warm install >/dev/null
	touch $(WARM_SPEC)

study: $(WARM_SPEC)
	$(PY) -m studylib study --jobs $(JOBS)

test: $(WARM_SPEC)
	$(PY) -m pytest -n $(JOBS) --dist loadgroup

test-fast: $(STAMP)
	$(PY) -m pytest -n $(JOBS) tests/unit

validate: $(STAMP)
	$(PY) -m studylib validate

# Lab serves the project root (notebooks/, outputs/ and data/ can all be browsed) and opens at notebooks/; saving a
# notebook in notebooks/ strips its outputs (src/studylib/lab/hooks.py says why); root (in containers) needs --allow-root
lab: $(WARM_SPEC)
	$(VENV)/bin/jupyter lab --ip=127.0.0.1 --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks \
		--ContentsManager.pre_save_hook=studylib.lab.strip_outputs $(if $(filter 0,$(shell id -u)),--allow-root)

bench: $(WARM_SPEC)
	$(PY) benchmarks/run.py

clean-outputs:
	find outputs -mindepth 1 -not -name README.md -not -name .gitkeep -exec rm -rf {} +
