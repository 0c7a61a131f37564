#!/usr/bin/env bash
# The whole test suite: lint, SQLite, then PostgreSQL when TEST_DATABASE_URL is set.
# Each run includes schemathesis over the whole API (bangban/core/tests/test_api_fuzz.py, marker
# `fuzz`, FUZZ_EXAMPLES examples per operation): any 5xx or schema violation fails it.
# Browser tests need Debian's chromium; installed here when missing and we are root.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
mkdir -p var/test-results
rm -f var/test-results/*.xml

$BIN/ruff check bangban tests bench conftest.py
$BIN/ruff format --check bangban tests bench conftest.py

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "安装浏览器测试所需的 chromium 与中文字体 (installing chromium for browser tests)…"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
  fi
fi
if ! command -v chromium >/dev/null 2>&1; then
  if [ -n "${REQUIRE_BROWSER:-}" ]; then echo "chromium is required (REQUIRE_BROWSER) but not installed" >&2; exit 1; fi
  echo "未找到 chromium，浏览器测试将跳过 (chromium not found: browser tests skipped)"
fi

# axe-core for the accessibility crawl (tests/browser/test_accessibility.py): the version pinned in
# package-lock.json, from the npm registry, into node_modules/ (test-only, never served).
if ! command -v npm >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "安装 npm 以获取 axe-core (installing npm for the accessibility test)…"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
fi
if command -v npm >/dev/null 2>&1; then
  if ! cmp -s package-lock.json node_modules/.installed-lock.json; then
    npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
    cp package-lock.json node_modules/.installed-lock.json
  fi
elif [ -n "${REQUIRE_BROWSER:-}" ]; then
  echo "npm is required (REQUIRE_BROWSER) to install axe-core but not found" >&2; exit 1
fi

WORKERS=${TEST_WORKERS:-2}

# The fuzzer's boundary (coverage) phase is most of its time: on SQLite it runs only when no
# PostgreSQL run follows to run it (bangban/core/tests/test_api_fuzz.py), and there it tries half as many random examples per operation (3, not 6) as the PostgreSQL run.
# Likewise tests marked one_database(vendor) (database-independent: axe over rendered pages, a
# migration's Python) and the browser tests (SQLite's) run in one run only when both happen (conftest.py).
SQLITE_FUZZ_COVERAGE=1
SQLITE_FUZZ_EXAMPLES=6
if [ -n "${TEST_DATABASE_URL:-}" ]; then
  SQLITE_FUZZ_COVERAGE=0 SQLITE_FUZZ_EXAMPLES=3
  export BANGBAN_BOTH_DATABASES=1
fi

echo "== SQLite =="
FUZZ_EXAMPLES=${FUZZ_EXAMPLES:-$SQLITE_FUZZ_EXAMPLES} FUZZ_COVERAGE=${FUZZ_COVERAGE:-$SQLITE_FUZZ_COVERAGE} env -u DATABASE_URL $BIN/pytest -n "$WORKERS" -q --junitxml=var/test-results/sqlite.xml "$@"

if [ -n "${TEST_DATABASE_URL:-}" ]; then
  echo "== PostgreSQL =="
  DATABASE_URL="$TEST_DATABASE_URL" $BIN/pytest -n "$WORKERS" -q --junitxml=var/test-results/postgresql.xml "$@"
elif [ -n "${REQUIRE_POSTGRES:-}" ]; then
  echo "TEST_DATABASE_URL is required (REQUIRE_POSTGRES) but not set" >&2; exit 1
else
  echo "未设置 TEST_DATABASE_URL，跳过 PostgreSQL 测试 (set TEST_DATABASE_URL=postgres://… to run them)"
fi
