#!/usr/bin/env bash
# Back up the PostgreSQL database and the private uploads into one dated folder.
#
#   DATABASE_URL=postgres://sctj@127.0.0.1:5432/sctj PRIVATE_MEDIA_ROOT=/data/private_media \
#       bash scripts/backup.sh [backup root, default $BACKUP_ROOT or ./backups]
#
# Writes <root>/sctj-<YYYYmmdd-HHMMSS>/ (first as .partial, renamed when complete):
#   database.dump  pg_dump --format=custom
#   media/         a copy of PRIVATE_MEDIA_ROOT (default: ./private_media)
#   tables.tsv     every table: name, rows, md5 of its rows
#   media.sha256   sha256 of every copied file
#   MANIFEST       when, from where, with which versions, totals
#   SHA256SUMS     checksums of database.dump, tables.tsv and media.sha256
# tables.tsv is computed in the same snapshot as the dump (pg_dump --snapshot), so it
# describes exactly what was dumped even while the site keeps writing. The uploads are
# copied after that snapshot, so every file the dump refers to is in the copy.
# Restore with scripts/restore.sh. pg_dump must be as new as the server (15 here).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
source "$here/backup_lib.sh"

[ -n "${DATABASE_URL:-}" ] || die "请设置 DATABASE_URL（要备份的 PostgreSQL 数据库）"
database_url_for "$DATABASE_URL" x >/dev/null  # PostgreSQL URL?
for tool in pg_dump pg_restore psql sha256sum; do
    command -v "$tool" >/dev/null || die "找不到 $tool：请安装 postgresql-client"
done
media="${PRIVATE_MEDIA_ROOT:-$here/../private_media}"
root="${1:-${BACKUP_ROOT:-backups}}"
mkdir -p "$root"
root="$(cd "$root" && pwd)"
name="sctj-$(date +%Y%m%d-%H%M%S)"
dest="$root/$name"
work="$dest.partial"
[ ! -e "$dest" ] && [ ! -e "$work" ] || die "备份目录已存在 (exists): $dest"
mkdir "$work"
trap 'rm -rf "$work"' EXIT  # a failed backup leaves nothing behind

say "数据库快照与 pg_dump ($(pg_dump --version))"
export SCTJ_DUMP="$work/database.dump" DATABASE_URL
{
    echo '\set ON_ERROR_STOP on'
    echo "$CHECKSUM_SESSION_SQL"
    echo 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;'
    echo 'SELECT pg_export_snapshot() AS snapshot \gset'
    echo '\setenv SCTJ_SNAPSHOT :snapshot'
    # psql waits for pg_dump, so the snapshot stays open while it reads.
    echo '\! pg_dump --format=custom --snapshot="$SCTJ_SNAPSHOT" --file="$SCTJ_DUMP" "$DATABASE_URL" || touch "$SCTJ_DUMP.failed"'
    echo "\\o '$work/tables.tsv'"
    checksum_psql
    echo '\o'
    echo 'COMMIT;'
} | psql --quiet --no-psqlrc --dbname="$DATABASE_URL" >/dev/null
[ ! -e "$SCTJ_DUMP.failed" ] || die "pg_dump 失败"
pg_restore --list "$SCTJ_DUMP" >/dev/null || die "备份文件无法读取 (pg_restore --list)"

say "复制上传文件 $media"
mkdir "$work/media"
if [ -d "$media" ]; then
    cp -a "$media/." "$work/media/"
else
    say "（上传目录不存在，按空目录备份 / no media folder: backed up as empty）"
fi
(cd "$work/media" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum) \
    >"$work/media.sha256"

server_version="$(psql --no-psqlrc -Atc 'SHOW server_version' "$DATABASE_URL")"
tables="$(wc -l <"$work/tables.tsv")"
rows="$(awk -F'\t' '{n += $2} END {print n + 0}' "$work/tables.tsv")"
files="$(wc -l <"$work/media.sha256")"
bytes="$(find "$work/media" -type f -printf '%s\n' | awk '{n += $1} END {print n + 0}')"
cat >"$work/MANIFEST" <<MANIFEST
四川省土木建筑学会平台备份 / SCTJ platform backup
创建时间 (created): $(date -Iseconds)
数据库 (database): $(psql --no-psqlrc -Atc 'SELECT current_database()' "$DATABASE_URL"), PostgreSQL $server_version, $(pg_dump --version)
表 (tables): $tables, 行 (rows): $rows
上传文件 (media files): $files, $bytes bytes, from $media
恢复 (restore): DATABASE_URL=... bash scripts/restore.sh $dest <新数据库名> <上传目录>
MANIFEST
(cd "$work" && sha256sum database.dump tables.tsv media.sha256 >SHA256SUMS)

mv "$work" "$dest"
trap - EXIT
say "备份完成 (backup written): $dest"
say "表 $tables 张、行 $rows 行、文件 $files 个"
echo "$dest"
