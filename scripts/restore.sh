#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into a new database and media folder, then
# check it against the backup's manifest.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
#       bash scripts/restore.sh <backup folder> <new database name> <media folder>
#
# DATABASE_URL names the server and the account (its database name is not used); the
# account must be allowed to create databases. The new database must not exist yet and
# the media folder must be absent or empty: a restore never overwrites anything.
# Steps: verify SHA256SUMS; CREATE DATABASE; pg_restore in one transaction (the new
# database is dropped again if that fails); copy the uploads and verify every file's
# sha256; compute every table's row count and checksum in the new database and compare
# them with tables.tsv. Exit status 0 only if everything matches.
# To go live afterwards: point DATABASE_URL and PRIVATE_MEDIA_ROOT at the restored copy.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
source "$here/backup_lib.sh"

[ $# -eq 3 ] || die "用法 (usage): bash scripts/restore.sh <备份目录> <新数据库名> <上传文件目录>"
backup="$(cd "$1" 2>/dev/null && pwd)" || die "备份目录不存在 (no such backup): $1"
name="$2"
media="$3"
[ -n "${DATABASE_URL:-}" ] || die "请设置 DATABASE_URL（目标 PostgreSQL 服务器与账号）"
[[ "$name" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] \
    || die "数据库名只能含小写字母、数字和下划线 (database name: [a-z0-9_]): $name"
for file in MANIFEST SHA256SUMS database.dump tables.tsv media.sha256; do
    [ -f "$backup/$file" ] || die "备份不完整，缺少 $file (incomplete backup)"
done
if [ -e "$media" ] && [ -n "$(ls -A "$media" 2>/dev/null)" ]; then
    die "上传文件目录不为空，不会覆盖 (media folder not empty): $media"
fi
admin_url="$(database_url_for "$DATABASE_URL" postgres)"
target_url="$(database_url_for "$DATABASE_URL" "$name")"

sed 's/^/    /' "$backup/MANIFEST"
say "校验备份文件 (SHA256SUMS)"
(cd "$backup" && sha256sum --check --quiet SHA256SUMS) || die "备份文件已损坏或被改动 (checksum mismatch)"

exists="$(psql --no-psqlrc -Atc "SELECT 1 FROM pg_database WHERE datname = '$name'" "$admin_url")"
[ -z "$exists" ] || die "数据库 $name 已存在：请指定一个新的数据库名 (database exists)"

say "创建数据库 $name 并恢复 (pg_restore)"
psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$name\"" "$admin_url"
if ! pg_restore --no-owner --no-privileges --exit-on-error --single-transaction \
        --dbname="$target_url" "$backup/database.dump"; then
    psql --no-psqlrc --quiet -c "DROP DATABASE IF EXISTS \"$name\"" "$admin_url" || true
    die "pg_restore 失败，已删除新建的数据库 $name"
fi

say "恢复上传文件到 $media"
mkdir -p "$media"
cp -a "$backup/media/." "$media/"
(cd "$media" && sha256sum --check --quiet "$backup/media.sha256") \
    || die "上传文件校验不一致 (media checksum mismatch): $media"
files="$(wc -l <"$backup/media.sha256")"

say "核对每张表的行数与校验和"
restored="$(mktemp)"
trap 'rm -f "$restored"' EXIT
{ echo '\set ON_ERROR_STOP on'; echo "$CHECKSUM_SESSION_SQL"; checksum_psql; } \
    | psql --quiet --no-psqlrc --dbname="$target_url" >"$restored"
if ! diff_out="$(diff "$backup/tables.tsv" "$restored")"; then
    printf '%s\n' "$diff_out" | sed 's/^/    /' >&2
    die "恢复后的数据与备份清单不一致（< 备份清单，> 恢复结果）(restored data differs)"
fi
tables="$(wc -l <"$restored")"
rows="$(awk -F'\t' '{n += $2} END {print n + 0}' "$restored")"
say "恢复完成且核对一致 (restored and verified): 数据库 $name，表 $tables 张、行 $rows 行，文件 $files 个"
