# Every command of the project. `make dev` and `make test` install what is missing first.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
TOOLS := .venv-tools/bin
export AWS_DEFAULT_REGION ?= us-east-1
export SAM_CLI_TELEMETRY := 0
PYTEST_ARGS ?=

.PHONY: help install test lint validate checkov unit dev invoke bench load-directory redrive-outbox build deploy clean

help:  ## List the commands
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

install:  ## Install everything that is missing (venvs, Debian and npm packages)
	@scripts/bootstrap.sh

lint: install  ## ruff
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

validate: install  ## sam validate + cfn-lint on template.yaml
	$(TOOLS)/sam validate --template template.yaml --region $(AWS_DEFAULT_REGION)
	$(TOOLS)/cfn-lint template.yaml

checkov: install  ## checkov on template.yaml and its SAM-transformed form (skips justified in .checkov.yaml)
	@mkdir -p .aws-sam
	$(TOOLS)/python scripts/sam_transform.py template.yaml .aws-sam/transformed.json
	.venv-checkov/bin/checkov --config-file .checkov.yaml -f template.yaml -f .aws-sam/transformed.json

test: install lint validate checkov  ## Lint, template checks, checkov and every test
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

unit: install  ## Only the fast tests (no subprocesses, no DynamoDB Local, no browser)
	$(PY) -m pytest -m "not ddblocal and not stack and not browser" $(PYTEST_ARGS)

dev: install  ## Run the whole system locally on 127.0.0.1:PORT (default 3000) until Ctrl-C
	@$(PY) -m local.server

invoke: install  ## Run one function with one event: make invoke FUNCTION=IntakeFunction EVENT=events/intake_post_inquiry.json
	@test -n "$(FUNCTION)" -a -n "$(EVENT)" || { echo "usage: make invoke FUNCTION=<LogicalId> EVENT=events/<file>.json" >&2; exit 2; }
	@$(PY) -m local.invoke "$(FUNCTION)" "$(EVENT)"

bench: install  ## Benchmarks (bench/): cold imports, the local stack, follow-up runs beside 1,000 and 10,000 groups not due, an email burst
	$(PY) bench/cold_start.py
	if command -v valgrind >/dev/null; then $(PY) bench/cold_start.py --instructions; fi
	$(PY) -m bench.local_stack
	$(PY) -m bench.follow_ups_scale --groups 1100 --due 100 --repeats 3
	$(PY) -m bench.follow_ups_scale --groups 10100 --due 100 --repeats 3
	$(PY) -m bench.email_burst --emails 1000 --rate 4 --concurrency 2

load-directory: install  ## Load data/organizers.yaml into TABLE_NAME (or STACK=<stack name>)
	$(PY) -m scripts.load_directory data/organizers.yaml $(if $(STACK),--stack $(STACK),)

redrive-outbox: install  ## Publish the events the outbox parked: make redrive-outbox STACK=<stack name>
	@test -n "$(STACK)" || { echo "usage: make redrive-outbox STACK=<stack name>" >&2; exit 2; }
	$(PY) -m scripts.redrive_outbox --stack $(STACK)

build: install  ## sam build (functions + the shared layer)
	$(TOOLS)/sam build --template template.yaml

deploy: build  ## sam deploy --guided
	$(TOOLS)/sam deploy --guided

# Called by `sam build` for the SharedLayer (BuildMethod: makefile): the shared package
# and the runtime dependencies, for the Lambda platform, under python/.
# Bytecode is compiled by the project's Python 3.13 (the runtime's version) when it exists.
LAYER_PY := $(shell [ -x $(CURDIR)/$(PY) ] && echo $(CURDIR)/$(PY) || echo python3)
build-SharedLayer:
	mkdir -p "$(ARTIFACTS_DIR)/python"
	cp -r shared "$(ARTIFACTS_DIR)/python/"
	find "$(ARTIFACTS_DIR)/python/shared" -name __pycache__ -prune -exec rm -rf {} +
	$(LAYER_PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt \
	  --target "$(ARTIFACTS_DIR)/python" --platform manylinux2014_x86_64 \
	  --implementation cp --python-version 3.13 --only-binary=:all:
	$(LAYER_PY) -m compileall -q --invalidation-mode unchecked-hash "$(ARTIFACTS_DIR)/python"

clean:  ## Remove build output and venvs
	rm -rf .aws-sam $(VENV) .venv-tools .pytest_cache .ruff_cache
