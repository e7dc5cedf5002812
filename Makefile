.PHONY: check lint types test pi-check

VENV ?= .venv

# Lint, types and the tests: what CI (.ci/run) runs.
check: lint types test

lint:
	$(VENV)/bin/ruff check .

# mypy reads the package under its import name: the [tool.setuptools.package-dir] mapping, laid out as symlinks.
types:
	rm -rf build/mypy && mkdir -p build/mypy/sousveillance
	cd build/mypy/sousveillance && ln -s ../../../device/cli/*.py . && ln -s ../../../device ../../../models ../../../sync .
	$(VENV)/bin/mypy --python-executable $(VENV)/bin/python -p sousveillance

test:
	$(VENV)/bin/python -m pytest

# The Pi install checked on an emulated Debian Bookworm arm64 root (as root; see systemd/PI_GUIDE.md). Slow: not
# part of the tests.
pi-check:
	systemd/pi-check.sh
