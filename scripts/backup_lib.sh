# Shared by scripts/backup.sh and scripts/restore.sh (sourced, not run).

# Settings that fix how rows print as text, so that the same rows give the same checksum
# on any server and in any session.
CHECKSUM_SESSION_SQL="SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres'; SET extra_float_digits = 1; SET bytea_output = 'hex';"

# psql lines that print, for every table: schema.name, row count, and the md5 of the sorted
# md5s of its rows (order-free, so no primary key is needed). Tab-separated, sorted by
# name. Sequences are left out: they are not transactional, so a snapshot cannot pin them;
# pg_dump saves each one after the snapshot, hence beyond every id in the dump.
checksum_psql() {
    cat <<'SQL'
\pset format unaligned
\pset tuples_only on
\pset fieldsep '\t'
SELECT format(
    'SELECT %1$L, count(*), md5(coalesce(string_agg(md5(sctj_row::text), '''' '
    'ORDER BY md5(sctj_row::text)), '''')) FROM %2$I.%3$I AS sctj_row',
    n.nspname || '.' || c.relname, n.nspname, c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\_%'
ORDER BY n.nspname, c.relname
\gexec
SQL
}

# "postgres://user@host:5432/name?x" -> prints the URL with the database name replaced.
database_url_for() {
    local url="$1" name="$2" base query
    base="${url%%\?*}"
    query="${url:${#base}}"
    [[ "$base" =~ ^postgres(ql)?://[^/]+/[^/]*$ ]] \
        || die "DATABASE_URL 须为 postgres://用户@主机:端口/数据库 (not a PostgreSQL URL): ${url%%@*}@…"
    printf '%s/%s%s\n' "${base%/*}" "$name" "$query"
}
