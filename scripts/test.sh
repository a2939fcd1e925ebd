#!/usr/bin/env bash
# Install the test tools and run the whole test suite.
#   bash scripts/test.sh [pytest arguments]
# As root on Debian 12 it installs the missing system packages (including chromium for
# the browser tests and poppler-utils for PDF checks); as another user it names them.
# SQLite by default; PostgreSQL when DATABASE_URL is set. pytest's exit code is passed on.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

require_debian_packages "${RUNTIME_PACKAGES[@]}" chromium poppler-utils
require_virtualenv dev
compile_translations

say "运行测试 (pytest $*)"
exec .venv/bin/pytest "$@"
