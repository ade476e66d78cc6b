# Each target builds its own virtual environment on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test venv clean image-check

$(BIN)/syncsvc: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

venv: $(BIN)/syncsvc

demo: $(BIN)/syncsvc
	$(BIN)/syncsvc demo

test: $(BIN)/syncsvc
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# Builds the Docker image and runs it against the sandboxes (tests/image/image_check.py). Needs a
# Docker engine (DOCKER_HOST), so it is not part of `make test`.
image-check: $(BIN)/syncsvc
	$(BIN)/python tests/image/image_check.py $(IMAGE_CHECK_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info
