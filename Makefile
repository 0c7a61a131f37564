# Two commands a newcomer needs (see README): `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/pip --disable-pip-version-check --retries 10 --timeout 60
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run install install-dev test lint format migrate demo worker clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "需要 Python 3.11 或更高版本 (Python 3.11+ required)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --retries 10 --upgrade "pip==25.3"

$(VENV)/.runtime: requirements.txt pyproject.toml | $(BIN)/python
	$(PIP) install -q -r requirements.txt
	$(PIP) install -q --no-deps -e .
	@touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(PIP) install -q -r requirements-dev.txt
	@touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

migrate: install
	$(BIN)/bangban migrate --noinput

demo: migrate
	$(BIN)/bangban load_demo

run: demo
	@echo ""
	@echo "帮办代办平台已启动：http://$(HOST):$(PORT)/  （接口文档：http://$(HOST):$(PORT)/api/v1/docs/）"
	@echo "用上面任一演示账号登录，例如 zhongxin（中心管理员）或 tongan.bangban（帮办代办员）。按 Ctrl+C 停止。"
	@echo ""
	$(BIN)/bangban runserver $(HOST):$(PORT)

# Every test: lint, the suite on SQLite, and again on PostgreSQL when TEST_DATABASE_URL is set.
test: $(VENV)/.dev
	scripts/test.sh

lint: $(VENV)/.dev
	$(BIN)/ruff check bangban tests bench
	$(BIN)/ruff format --check bangban tests bench

format: $(VENV)/.dev
	$(BIN)/ruff format bangban tests bench
	$(BIN)/ruff check --fix bangban tests bench

worker: install
	$(BIN)/celery -A bangban worker -B -l info

clean:
	rm -rf $(VENV) var
