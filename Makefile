# zhclean: `make demo` and `make test` are all a fresh machine needs (Python 3.11, pip, venv).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SHARED ?= ../shared
STAMP := $(VENV)/.installed-dev
BASE_STAMP := $(VENV)/.installed-base

.PHONY: demo test lint eval bench calibrate clean

# The demo needs the package alone; tests, eval and bench add the dev extra (Ray, pytest, ...).
$(BASE_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	$(BIN)/python -m compileall -q zhclean > /dev/null  # as a wheel install would: start-up skips compiling
	touch $(BASE_STAMP)

$(STAMP): $(BASE_STAMP)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## demo: create .venv, install zhclean (no extras), clean + deduplicate the bundled example corpus
demo: $(BASE_STAMP)
	@rm -rf out/demo
	$(BIN)/zhclean run examples/corpus.jsonl -o out/demo/corpus.jsonl --workers 2
	@echo "output: out/demo/corpus.jsonl (clusters, quarantine and summary beside it)"

## test: the whole test suite (tests that need ../shared skip cleanly without it)
test: $(STAMP)
	$(BIN)/ruff check zhclean tests bench
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check zhclean tests bench

## eval: clean the public dev set and score it against gold (needs ../shared)
eval: $(STAMP)
	@mkdir -p out/eval
	$(BIN)/zhclean clean $(SHARED)/dev/noisy.jsonl -o out/eval/dev.jsonl --quiet
	$(BIN)/zhclean eval out/eval/dev.jsonl $(SHARED)/dev/gold.jsonl
	$(BIN)/python bench/dedup_eval.py

## calibrate: recount zhclean/data/rare_forms.tsv, zhclean/data/mainland_words.tsv, zhclean/data/converter_picks.tsv and the script step calibration table (needs ../shared), rederive the t2s phrase table and round-trip repairs
calibrate: $(STAMP)
	$(BIN)/python bench/t2s_table.py
	$(BIN)/python bench/calibrate_script.py --rare
	$(BIN)/python bench/calibrate_script.py --mainland
	$(BIN)/python bench/calibrate_script.py --picks --out docs/script-calibration-table.md

## bench: every benchmark, zhclean beside data-juicer and datatrove (needs ../shared, about 8 min)
bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python bench/run_all.py

clean:
	rm -rf out .pytest_cache .ruff_cache
