# MedSync entry points (see README.md). Everything installs into .venv and .run/.
SHELL := /bin/bash
VENV ?= $(CURDIR)/.venv
export VENV
PY := $(VENV)/bin/python

.PHONY: run test bench bench-rust bench-py build venv lint fmt clean

## run: Odoo 18 + MedSync on a demo database at http://127.0.0.1:8069
run:
	bash tools/run_odoo.sh

## test: every suite (Rust, lint, pytest, Odoo when found); last line "N passed, N failed, N skipped"
test:
	python3 tools/run_tests.py

## bench: criterion benches, then the Python benches (JSON last lines)
bench: bench-rust bench-py

bench-rust:
	cargo bench

bench-py: build
	bash tools/venv.sh bench
	@for b in benches/bench_*.py; do \
	  case $$b in *_odoo.py|*/bench_extract.py|*/bench_hub.py|*/bench_nodes.py) \
	    if [ ! -f "$${ODOO_SRC:-/opt/odoo/18.0}/odoo/__init__.py" ]; then echo "skip $$b: no Odoo source (ODOO_SRC)"; continue; fi; \
	    bash tools/venv.sh odoo >/dev/null;; esac; \
	  echo "== $$b"; $(PY) $$b || exit 1; done

## build: release wheel installed into .venv
build:
	bash tools/build_wheel.sh

venv:
	bash tools/venv.sh base

lint: venv
	cargo fmt --check
	cargo clippy --all-targets --features python -- -D warnings
	$(VENV)/bin/ruff check .

fmt: venv
	cargo fmt
	$(VENV)/bin/ruff check --fix .

clean:
	bash tools/pg.sh stop || true
	rm -rf target .run
