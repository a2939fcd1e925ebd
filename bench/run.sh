#!/usr/bin/env bash
# Benchmarks on the demo data at scale 1 and 10 (PostgreSQL): pages, import, progress
# report and the deadline burst; prints a Markdown table and writes bench/results.md.
#   bash bench/run.sh [--rebuild] [--skip-burst] [--skip-import] [--runs 30] ...
# Databases: sctj_bench_1 and sctj_bench_10 on BENCH_DATABASE_URL's server
# (default postgres://postgres@127.0.0.1:5432/postgres); names via BENCH_DB_1/BENCH_DB_10.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

require_debian_packages "${RUNTIME_PACKAGES[@]}"
require_virtualenv dev,bench  # locust for the deadline burst
compile_translations

say "性能基准 (bench $*)"
exec .venv/bin/python -m bench "$@"
