# 江州市政务服务智能助手 — one command to run, one to test.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export PYTHONDONTWRITEBYTECODE := 1
export TF_CPP_MIN_LOG_LEVEL := 2

# Rasa 3.6 supports Python 3.8-3.10: find a 3.10 on PATH or installed by pyenv.
find_python = $(firstword $(foreach c,python3.10 $(wildcard $(HOME)/.pyenv/versions/3.10*/bin/python3.10) $(wildcard /usr/local/bin/python3.10 /usr/bin/python3.10),$(shell $(c) -c 'import sys; print("$(c)" if sys.version_info[:2] == (3, 10) else "")' 2>/dev/null)))

.PHONY: help setup venv node browser haproxy services data model run run-scaled lint audit test bench bench-faq bench-routing bench-swap bench-load clean

help:
	@echo "make run    — 安装依赖、导入数据、必要时训练模型，然后启动助手"
	@echo "make run-scaled — 扩展部署：PostgreSQL、Redis、2 个 Rasa 副本和 2 个动作服务器，HAProxy 在前（README「Scale-out」）"
	@echo "make test   — 同样的准备，然后运行代码检查（make lint）和全部测试"
	@echo "make lint   — 代码检查：ruff（bot、actions、tests）和 mypy（bot、actions）"
	@echo "make audit  — 依赖漏洞审计：pip-audit 检查 .venv 里装的包，已接受的问题在 security/accepted.yml（README「Security audit」）"
	@echo "make bench  — 性能基准（与 rasa init 示例机器人对比）"
	@echo "make bench-faq — 常见问题检索基准（准确率和延迟，与普通 BM25 对比）"
	@echo "make bench-routing — 12345 工单分拨基准（留出集 macro-F1、准确率、训练时间、延迟，与基线对比）"
	@echo "make bench-swap — 切换模型时的请求数、失败数和延迟（与不切换、与 Rasa 自带的 PUT /model 对比）"
	@echo "make bench-load — 20、50、100 位居民同时多轮对话时 make run-scaled 的各步延迟、吞吐量和失败数（与单副本对比）"

$(VENV)/.installed: requirements.txt requirements-test.txt
	@PY310="$(call find_python)"; \
	if [ -z "$$PY310" ]; then echo "错误：需要 Python 3.10（Rasa 3.6 不支持更高版本）。请安装 python3.10，或用 pyenv install 3.10。" >&2; exit 1; fi; \
	if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then \
	  echo "创建虚拟环境 ($$PY310)"; rm -rf $(VENV); $$PY310 -m venv $(VENV); fi
	$(PIP) install --quiet --upgrade "pip<25" wheel
	$(PIP) install --quiet -r requirements.txt -r requirements-test.txt
	@touch $@

venv: $(VENV)/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	@touch $@

node: node_modules/.installed

# Headless Chromium for the browser tests (Debian package).
browser:
	@command -v chromium >/dev/null 2>&1 || { echo "安装 chromium"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
	  { echo "错误：无法安装 chromium（浏览器测试需要）" >&2; exit 1; }; }

# HAProxy in front of the scaled profile's replicas (Debian package).
haproxy:
	@command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || { echo "安装 haproxy"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null) || \
	  { echo "错误：无法安装 haproxy（make run-scaled 需要）" >&2; exit 1; }; }

# PostgreSQL and Redis on 127.0.0.1 for make run-scaled and the tests (Debian packages): installed when
# missing, started when they do not answer (Redis keeping nothing on disk, as on CI), quick when both
# answer. A PostgreSQL installed here lets the postgres user in without a password on the loopback only
# and gets the tests' `test` database, as the CI machines have (docs/operations.md, "Faults").
PG_VERSION = $$(ls /etc/postgresql | sort -V | tail -n 1)
PG_HBA_TRUST = host all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust\n
REDIS_START = redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
	--dir /var/lib/redis --logfile /var/log/redis/ci.log

services:
	@fresh=; if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! command -v redis-server >/dev/null 2>&1; then \
	  echo "安装 postgresql 和 redis-server"; fresh=$$(command -v pg_ctlcluster >/dev/null 2>&1 || echo pg); \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql redis-server \
	    >/dev/null) || { echo "错误：无法安装 postgresql / redis-server（扩展部署和测试需要）" >&2; exit 1; }; fi; \
	if [ -n "$$fresh" ]; then hba=/etc/postgresql/$(PG_VERSION)/main/pg_hba.conf; tmp=$$(mktemp); \
	  { printf '$(PG_HBA_TRUST)'; cat "$$hba"; } > "$$tmp" && cat "$$tmp" > "$$hba"; rm -f "$$tmp"; \
	  pg_isready -q -h 127.0.0.1 && pg_ctlcluster --skip-systemctl-redirect $(PG_VERSION) main reload; fi; \
	if ! pg_isready -q -h 127.0.0.1; then echo "启动 PostgreSQL"; \
	  pg_ctlcluster --skip-systemctl-redirect $(PG_VERSION) main start; \
	  for i in $$(seq 60); do pg_isready -q -h 127.0.0.1 && break; sleep 0.5; done; \
	  pg_isready -q -h 127.0.0.1 || { echo "错误：PostgreSQL 没有在 127.0.0.1:5432 上启动" >&2; exit 1; }; fi; \
	psql -w -h 127.0.0.1 -U postgres -Atc "SELECT 1 FROM pg_database WHERE datname = 'test'" 2>/dev/null | \
	  grep -q 1 || createdb -w -h 127.0.0.1 -U postgres test 2>/dev/null || \
	  echo "警告：无法以 postgres 用户连接 127.0.0.1 或创建 test 数据库（测试需要免密登录，见 docs/operations.md）" >&2; \
	if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then echo "启动 Redis"; $(REDIS_START); \
	  for i in $$(seq 60); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 0.5; done; \
	  redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || { echo "错误：Redis 没有在 127.0.0.1:6379 上启动" >&2; exit 1; }; fi

# Registry import (idempotent), vocabulary for the NLU, open-data cache, the sample FAQ (idempotent),
# the 12345 router's sample models (trained only when none is active or the sample data changed).
data: venv
	$(PY) -m bot registry import
	$(PY) -m bot nlu vocab
	$(PY) -m bot opendata sync
	$(PY) -m bot faq import-sample
	$(PY) -m bot routing ensure

setup: venv node data

# Trains only when config, domain, NLU data or vocabulary changed (content hash).
model: setup
	$(PY) -m bot nlu train

run: model
	$(PY) -m bot run

# Scaled profile on PostgreSQL and Redis (DATABASE_URL, REDIS_URL, SCALED_PORT, RASA_REPLICAS, ...:
# README "Scale-out"); prepares its own database. `make run` stays SQLite and one process each.
run-scaled: model haproxy services
	$(PY) -m bot.scaleout

# Static checks; configuration in pyproject.toml.
lint: venv
	$(PY) -m ruff check bot actions tests && $(PY) -m mypy bot actions

# pip-audit over what .venv has installed (metadata only, nothing downloaded), from its own venv: every pip-audit
# needs packaging>=21, Rasa pins packaging<21. Known findings accepted in security/accepted.yml; a new one fails;
# the vulnerability service out of reach is a warning, not a failure (README "Security audit").
.venv-audit/.installed: security/requirements-audit.txt | venv
	@[ -x .venv-audit/bin/python ] || $$(readlink -f $(PY)) -m venv .venv-audit
	.venv-audit/bin/pip install --quiet --upgrade pip
	.venv-audit/bin/pip install --quiet -r security/requirements-audit.txt
	@touch $@

audit: venv .venv-audit/.installed
	$(PY) -m security.audit

test: model browser haproxy services lint audit
	$(PY) -m pytest

bench: model
	$(PY) -m tests.bench.latency

# FAQ retrieval: top-1/top-3 and latency beside plain BM25 over jieba words (a report, never a test).
bench-faq: venv
	$(PY) -m tests.bench.faq

# 12345 router: held-out macro-F1/accuracy beside the TF-IDF char n-gram SVM baseline, training time,
# latency p50/p95 (a report, never a test; data/routing/train.csv and holdout.csv).
bench-routing: venv
	$(PY) -m tests.bench.routing

# Model activation under a steady stream of conversations: sent, failed, p50/p95/max beside no swap and a plain
# PUT /model, for make run and make run-scaled (a report, never a test; trains nothing, changes no model).
bench-swap: model haproxy services
	$(PY) -m tests.bench.swap

# Residents' conversations at 20/50/100 at once (locust, its own process) against make run-scaled and against one
# replica: per-step p50/p95/p99, req/s, failures, ratios (a report, never a test; BENCH_LOAD_SECONDS per level).
bench-load: model haproxy services
	$(PY) -m tests.bench.load_bench

clean:
	rm -rf var models/*.tar.gz models/*.sha256 .pytest_cache .ruff_cache .mypy_cache results
