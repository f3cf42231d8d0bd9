# Two commands matter: `make demo` and `make test`. Both install what they need (Debian, as root).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PYTEST_ARGS ?=

.PHONY: deps test unit-and-integration sanity lint demo bench clean

deps:
	VENV=$(VENV) PYTHON=$(PYTHON) ./scripts/install-deps.sh

# Every test: pytest (unit tests, real servers, module and playbook runs), ansible-test sanity, ansible-lint.
test: deps
	$(MAKE) unit-and-integration
	$(MAKE) sanity
	$(MAKE) sanity-py312
	$(MAKE) lint

unit-and-integration:
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

# ansible-test needs the collection under ansible_collections/<ns>/<name>/ and its own venv.
sanity:
	PYTHON=$(PYTHON) ./scripts/sanity.sh

lint:
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" ansible-lint --profile production

demo: deps
	./scripts/demo.sh

bench: deps
	$(VENV)/bin/python -m bench $(BENCH_ARGS)

clean:
	rm -rf .build tests/output bench/output

# ansible-core 2.21 needs Python >= 3.12: sanity on it too when such an interpreter is installed.
sanity-py312:
	@py=$$(./scripts/find-python.sh 3.12) && PYTHON=$$py ./scripts/sanity.sh || echo "sanity-py312: no Python 3.12 here, skipped"
