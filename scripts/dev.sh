#!/usr/bin/env bash
# Install everything, migrate, load the demo data and serve http://127.0.0.1:8000.
#   bash scripts/dev.sh
# As root on Debian 12 it installs the missing system packages with apt-get; as
# another user it names them. With no environment set: SQLite (db.sqlite3) and Celery
# in eager mode. Safe to run again: every step skips what is already done.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

require_debian_packages "${RUNTIME_PACKAGES[@]}"
require_virtualenv ""
compile_translations

say "迁移数据库 (migrate)"
.venv/bin/python manage.py migrate --noinput --verbosity 0
say "演示数据 (demo_data)"
.venv/bin/python manage.py demo_data

say "启动开发服务器：http://127.0.0.1:8000/ （Ctrl+C 停止）"
exec .venv/bin/python manage.py runserver 127.0.0.1:8000
