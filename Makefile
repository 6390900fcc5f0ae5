# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: run test lint format messages makemessages system-packages browser-packages clean loadtest loadtest-quick bench bench-quick bench-xl bench-packages ocr-report cluster-packages cluster-test cluster-test-quick backup restore

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps so that a second `make run` does not reinstall; they change with the requirements.
$(VENV)/.run-deps: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.run-deps

# gettext compiles the translations; ffmpeg verifies AMR recordings and makes playable
# copies; pango and the Noto CJK fonts let WeasyPrint write Chinese letters as PDF (the
# fonts are embedded); Tesseract with its simplified-Chinese data reads screenshots;
# Chromium is for the browser tests.
system-packages:
	@command -v msgfmt >/dev/null || sh scripts/apt-install gettext
	@command -v ffmpeg >/dev/null || sh scripts/apt-install ffmpeg
	@/sbin/ldconfig -p | grep -q libmagic.so.1 || sh scripts/apt-install libmagic1
	@/sbin/ldconfig -p | grep -q libpango-1.0.so.0 || sh scripts/apt-install libpango-1.0-0 libpangoft2-1.0-0
	@[ -e /usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc ] || sh scripts/apt-install fonts-noto-cjk
	@/sbin/ldconfig -p | grep -q libharfbuzz-subset.so.0 || sh scripts/apt-install libharfbuzz-subset0
	@command -v tesseract >/dev/null && tesseract --list-langs 2>/dev/null | grep -qx chi_sim || sh scripts/apt-install tesseract-ocr tesseract-ocr-chi-sim

browser-packages: system-packages
	@command -v chromium >/dev/null || sh scripts/apt-install chromium fonts-noto-cjk

messages: system-packages $(VENV)/.run-deps
	$(BIN)/python manage.py compilemessages --ignore=.venv --verbosity=0

# For developers adding strings: refresh the catalogues, then translate the new entries.
makemessages: $(VENV)/.run-deps
	$(BIN)/python manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=var --no-obsolete --add-location=file

run: $(VENV)/.run-deps messages
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_lenders
	$(BIN)/python manage.py seed_regulators
	$(BIN)/python manage.py seed_conduct_rules
	@echo "Starting web, worker and scheduler on http://127.0.0.1:8000 (Ctrl-C stops all three)"
	$(BIN)/honcho start

test: $(VENV)/.dev-deps messages browser-packages
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest

lint: $(VENV)/.dev-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev-deps
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Load test against gunicorn on the local PostgreSQL and Redis (database `loadtest`):
# simulated borrowers file complaints and upload files, advocates browse the queue; then
# every confirmed complaint and file is checked in the database and storage.
loadtest: $(VENV)/.dev-deps messages
	$(BIN)/python loadtest/run.py

loadtest-quick: $(VENV)/.dev-deps messages
	$(BIN)/python loadtest/run.py --quick

# Performance against the stack's own ceiling (issue 8): seeds databases `bench_s` and
# `bench_l` (S = 10,000 and L = 100,000 complaints), serves them with gunicorn and loads
# them with wrk; prints a table and writes var/bench/report.json. About 25 minutes.
# bench-quick runs the same steps on small data (`bench_quick_s`, `bench_quick_l`) in
# about two minutes: the CI smoke test.
bench-packages: system-packages
	@command -v wrk >/dev/null || sh scripts/apt-install wrk

bench: $(VENV)/.run-deps messages bench-packages
	$(BIN)/python -m bench.run

bench-quick: $(VENV)/.run-deps messages bench-packages
	$(BIN)/python -m bench.run --quick

# The same run with a third size, XL = 1,000,000 complaints and 10 M incidents (database
# `bench_xl`), in the same rounds: F = req/s at XL / at S. Not in CI; about an hour and
# about 15 GB more of PostgreSQL disk (README, Performance).
bench-xl: $(VENV)/.run-deps messages bench-packages
	$(BIN)/python -m bench.run --xl

# How well screenshots are read: senders, times, the collector's text (CER) and every
# third party's number gone from the covered copy, on screenshots drawn from known
# content (the tests read a handful of them). Fails when a goal is missed.
ocr-report: $(VENV)/.dev-deps system-packages
	$(BIN)/python -m tests.evidence.ocr_report --json var/ocr-report.json

# Past one machine (issue 19, docs/operations.md): two web hosts behind nginx
# (deploy/nginx.conf), two workers, two beats, Redis, PostgreSQL and S3 (moto) on this
# machine; uploads, sessions and limits across hosts, a beat and a worker killed, Redis
# restarted, a backup restored. Writes var/cluster/report.json. The quick one runs in CI.
cluster-packages: system-packages
	@command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || sh scripts/apt-install nginx
	@command -v redis-server >/dev/null || sh scripts/apt-install redis-server
	@command -v pg_dump >/dev/null || sh scripts/apt-install postgresql-client
	@command -v openssl >/dev/null || sh scripts/apt-install openssl

cluster-test: $(VENV)/.dev-deps messages cluster-packages
	$(BIN)/python -m cluster.run

cluster-test-quick: $(VENV)/.dev-deps messages cluster-packages
	$(BIN)/python -m cluster.run --quick

# The database (pg_dump, custom format) and every stored object with its SHA-256, into
# BACKUP_DIR (default DATA_DIR/backups/<time>); `make restore BACKUP=folder` puts one
# back into an empty database and bucket and proves it (docs/operations.md).
backup: $(VENV)/.run-deps
	$(BIN)/python -m ops.backup $(if $(BACKUP_DIR),--out $(BACKUP_DIR))

restore: $(VENV)/.run-deps
	@[ -n "$(BACKUP)" ] || { echo "usage: make restore BACKUP=folder"; exit 2; }
	$(BIN)/python -m ops.restore $(BACKUP)

clean:
	rm -rf var/test-results .pytest_cache .ruff_cache
