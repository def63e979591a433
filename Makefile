# Every command of the project. `make dev` and `make test` install what is missing first.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
TOOLS := .venv-tools/bin
export AWS_DEFAULT_REGION ?= us-east-1
export SAM_CLI_TELEMETRY := 0
PYTEST_ARGS ?=

.PHONY: help install test lint typecheck validate checkov unit dev demo invoke bench load-directory backfill-groups redrive-outbox build deploy publish-site clean zip-points catalogues

help:  ## List the commands
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

install:  ## Install everything that is missing (venvs, Debian and npm packages)
	@scripts/bootstrap.sh

lint: install  ## ruff
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install  ## mypy on shared/ and functions/ (config in pyproject.toml)
	$(VENV)/bin/mypy

validate: install  ## sam validate + cfn-lint on template.yaml
	$(TOOLS)/sam validate --template template.yaml --region $(AWS_DEFAULT_REGION)
	$(TOOLS)/cfn-lint template.yaml

checkov: install  ## checkov on template.yaml and its SAM-transformed form (skips justified in .checkov.yaml)
	@mkdir -p .aws-sam
	$(TOOLS)/python scripts/sam_transform.py template.yaml .aws-sam/transformed.json
	.venv-checkov/bin/checkov --config-file .checkov.yaml -f template.yaml -f .aws-sam/transformed.json

# The static checks are independent single-process tools: side by side they take the time of
# the longest (checkov) rather than the sum, and they run while pytest starts its workers and
# while one worker waits for the other to finish, on CPU the tests leave idle; their output
# is shown after the tests' (docs/performance.md, "The test loop").
CHECKS := lint typecheck validate checkov

test: install  ## Every test, with lint, type checks, template checks and checkov beside them
	@log=$$(mktemp); \
	setsid $(MAKE) --no-print-directory -j 4 --output-sync=target $(CHECKS) >"$$log" 2>&1 & checks=$$!; \
	trap 'kill -- -$$checks 2>/dev/null; rm -f "$$log"; exit 130' INT TERM; \
	$(PY) -m pytest -n 2 $(PYTEST_ARGS); tests=$$?; \
	wait $$checks; checked=$$?; cat "$$log"; rm -f "$$log"; \
	if [ $$checked -ne 0 ]; then echo "make test: a static check failed (its output is just above)" >&2; fi; \
	exit $$(( tests != 0 || checked != 0 ))

unit: install  ## Only the fast tests (no subprocesses, DynamoDB Local, browser or sam build), on 2 workers
	$(PY) -m pytest -n 2 -m "not ddblocal and not stack and not browser and not build" $(PYTEST_ARGS)

dev: install  ## Run the whole system on 127.0.0.1:PORT (default 3000) until Ctrl-C; FRESH=1 starts empty; PARAMETERS="Name=Value ..."; SEED=demo plays `make demo` into it once ready (GROUPS=300)
	@$(if $(GROUPS),DEMO_GROUPS=$(GROUPS) ,)$(PY) -m local.server

demo: install  ## Fill the running `make dev` (same PORT) with a pilot: GROUPS=300 people over the past year
	@$(PY) -m local.demo --url http://127.0.0.1:$${PORT:-3000} $(if $(GROUPS),--groups $(GROUPS),)

invoke: install  ## Run one function with one event: make invoke FUNCTION=IntakeFunction EVENT=events/intake_post_inquiry.json
	@test -n "$(FUNCTION)" -a -n "$(EVENT)" || { echo "usage: make invoke FUNCTION=<LogicalId> EVENT=events/<file>.json" >&2; exit 2; }
	@$(PY) -m local.invoke "$(FUNCTION)" "$(EVENT)"

bench: install  ## Benchmarks (bench/): cold imports, the local stack (start, emails, 5,000 groups, bursts), the console in the browser, follow-up runs beside 1,000 and 10,000 groups not due, the form's new/repeat/honeypot timings, nearby groups, an email burst
	$(PY) bench/cold_start.py $$(command -v valgrind >/dev/null && echo --instructions)
	$(PY) -m bench.local_stack
	$(PY) -m bench.local_scale
	$(PY) -m bench.hot_state
	$(PY) -m bench.hot_state --spread
	$(PY) -m bench.console --groups 150 --repeats 10
	$(PY) -m bench.follow_ups_scale --groups 1100 --due 100 --repeats 3
	$(PY) -m bench.follow_ups_scale --groups 10100 --due 100 --repeats 3
	$(PY) -m bench.nearby_scale --groups 5000
	$(PY) -m bench.enumeration_timing --repeats 60
	$(PY) -m bench.email_burst --emails 1000 --rate 4 --concurrency 2

catalogues: install  ## Extract messages, merge them into the .po files, compile (.mo and the form's JSON)
	$(PY) -m scripts.i18n

zip-points: install  ## Rebuild shared/domain/zip_points.bin from the pinned `zipcodes` package
	$(PY) -m scripts.build_zip_points

load-directory: install  ## Load data/organizers.yaml into TABLE_NAME (or STACK=<stack name>)
	$(PY) -m scripts.load_directory data/organizers.yaml $(if $(STACK),--stack $(STACK),)

backfill-groups: install  ## Give groups stored before the console's inbox its summary and index keys (TABLE_NAME or STACK=)
	$(PY) -m scripts.backfill_groups $(if $(STACK),--stack $(STACK),)

redrive-outbox: install  ## Publish the events the outbox parked: make redrive-outbox STACK=<stack name>
	@test -n "$(STACK)" || { echo "usage: make redrive-outbox STACK=<stack name>" >&2; exit 2; }
	$(PY) -m scripts.redrive_outbox --stack $(STACK)

build: install  ## sam build (functions + the shared layer)
	$(TOOLS)/sam build --template template.yaml

deploy: build  ## sam deploy --guided, then publish web/ to the site (S3 + CloudFront); SITE_ARGS=--keep-urls for a custom domain
	$(TOOLS)/sam deploy --guided
	$(PY) -m scripts.publish_site --stack $(or $(STACK),start-a-group) $(SITE_ARGS)

publish-site: install  ## Publish web/ to a deployed stack's site again (STACK=<stack name>)
	$(PY) -m scripts.publish_site --stack $(or $(STACK),start-a-group) $(SITE_ARGS)

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
