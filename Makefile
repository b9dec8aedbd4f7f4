# The two commands a school needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000

# Runtime: WeasyPrint's Pango/HarfBuzz, the ICU headers and a compiler for PyICU, serif fonts, xmlsec1,
# poppler (pdftoppm draws the record's pages for the phone preview).
DEB_RUNTIME := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libicu-dev pkg-config g++ \
               fonts-noto-core fonts-croscore xmlsec1 poppler-utils rsync
# Tests: a real browser, poppler's validators, a PKCS#11 token, NSS tools, xmlsec1, Caddy (the HTTPS proxy),
# a real PostgreSQL and Redis (started by the tests in a temporary folder), rsync (backup copies).
DEB_TEST := chromium poppler-utils softhsm2 opensc libnss3-tools xmlsec1 caddy postgresql redis-server rsync

.PHONY: install install-test run test upgrade bench clean-venv

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml scripts/ensure-debian.sh
	@scripts/ensure-debian.sh $(DEB_RUNTIME)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	touch $@

install-test: $(VENV)/.installed-test

$(VENV)/.installed-test: $(VENV)/.installed
	@scripts/ensure-debian.sh $(DEB_TEST)
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

# The demo prints its local address in QR codes; a school sets PUBLIC_BASE_URL instead (see README).
run: export HOCBA_ALLOW_LOOPBACK_PUBLIC_URL ?= true
run: install
	$(BIN)/flask --app portal setup
	@echo "Học bạ số: http://127.0.0.1:$(PORT)"
	$(BIN)/waitress-serve --host 127.0.0.1 --port $(PORT) --threads 8 wsgi:app

# Production upgrade, with hocba-web and hocba-worker stopped (README: "Triển khai thật tại trường"):
# a backup taken by the code that matches the database (so before `git pull`; no migration without it),
# the new code and its dependencies, every pending migration or none, then doctor's report.
# PULL=0 when the new code was put in place by other means (take a backup before replacing the code).
UPGRADE_BACKUP ?= instance/backups/truoc-nang-cap-$(shell date +%Y%m%d-%H%M%S).backup
PULL ?= 1
upgrade:
	$(BIN)/flask --app portal backup $(UPGRADE_BACKUP)
ifeq ($(PULL),1)
	git pull --ff-only
endif
	$(MAKE) -B install
	$(BIN)/flask --app portal db upgrade
	-$(BIN)/flask --app portal doctor

test: install-test
	@scripts/ensure-debian.sh $(DEB_RUNTIME) $(DEB_TEST)
	$(BIN)/python -m pytest

bench: install-test
	$(BIN)/python -m bench

clean-venv:
	rm -rf $(VENV)
