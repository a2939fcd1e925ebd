"""scripts/backup.sh and scripts/restore.sh against the test database (PostgreSQL only):
a restore into a fresh database holds every table's rows and every upload unchanged."""

import hashlib
import os
import shutil
import subprocess
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from society.models import User
from tests import factories

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="pg_dump/pg_restore need PostgreSQL"
    ),
    pytest.mark.skipif(shutil.which("pg_dump") is None, reason="postgresql-client not installed"),
    # The scripts read committed data; keep the migrations' catalogue for later tests.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SCRIPTS = Path(settings.BASE_DIR) / "scripts"


def database_url(name: str) -> str:
    db = connection.settings_dict
    user = quote(db["USER"] or "postgres", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or "5432"
    return f"postgres://{user}{password}@{host}:{port}/{name}"


def run(script: str, *args: str, media: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url(connection.settings_dict["NAME"])}
    if media is not None:
        env["PRIVATE_MEDIA_ROOT"] = str(media)
    return subprocess.run(
        ["bash", str(SCRIPTS / script), *args], env=env, capture_output=True, text=True
    )


def table_digests(cursor) -> dict[str, tuple[int, str]]:
    """{table: (rows, sha256 of the sorted rows)} for every table, read as Python values
    (independent of the scripts' own md5-of-text manifest)."""
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    digests = {}
    for (table,) in cursor.fetchall():
        cursor.execute(f'SELECT * FROM "{table}"')
        rows = sorted(repr(row) for row in cursor.fetchall())
        digests[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return digests


def digests_of(name: str) -> dict[str, tuple[int, str]]:
    """table_digests of a database through a plain psycopg connection (Django's own
    connection loads JSON differently), committed data only."""
    with (
        psycopg.connect(database_url(name), options="-c TimeZone=UTC") as plain,
        plain.cursor() as cursor,
    ):
        return table_digests(cursor)


def source_digests() -> dict[str, tuple[int, str]]:
    return digests_of(connection.settings_dict["NAME"])


def file_digests(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def fresh_names():
    """Unique names for restored databases, dropped afterwards."""
    names = []

    def make() -> str:
        names.append(f"sctj_restore_{uuid.uuid4().hex[:12]}")
        return names[-1]

    yield make
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def platform_data(tmp_path):
    """A few rows in every app and a private media folder with nested, Chinese-named and
    binary files."""
    staff = factories.StaffUserFactory(username="backup_staff", email="staff@example.org")
    factories.MemberFactory()
    factories.ExpertFactory()
    award = factories.AwardFactory()
    factories.ReviewAssignmentFactory(application=award.application)
    factories.RecordFactory()
    media = tmp_path / "private_media"
    (media / "applications" / "2023").mkdir(parents=True)
    (media / "applications" / "2023" / "申报书.pdf").write_bytes(b"%PDF-1.7\n" + os.urandom(4096))
    (media / "evidence.xlsx").write_bytes(os.urandom(1024))
    (media / "empty.txt").write_bytes(b"")
    return staff, media


def backup(tmp_path: Path, media: Path) -> Path:
    result = run("backup.sh", str(tmp_path / "backups"), media=media)
    assert result.returncode == 0, result.stderr
    folder = Path(result.stdout.strip().splitlines()[-1])
    assert sorted(p.name for p in folder.iterdir()) == [
        "MANIFEST",
        "SHA256SUMS",
        "database.dump",
        "media",
        "media.sha256",
        "tables.tsv",
    ]
    return folder


def test_a_restore_holds_every_row_and_file(platform_data, tmp_path, fresh_names):
    staff, media = platform_data
    before = source_digests()
    files_before = file_digests(media)
    assert before["projects_application"][0] >= 1 and before["awards_award"][0] == 1
    assert before["kpis_indicator"][0] > 0  # migration data too

    folder = backup(tmp_path, media)
    manifest = (folder / "MANIFEST").read_text()
    assert f"表 (tables): {len(before)}," in manifest
    assert f"行 (rows): {sum(rows for rows, _ in before.values())}" in manifest
    assert "上传文件 (media files): 3," in manifest

    # Changes after the backup: the restore must not have them, and the comparison sees it.
    User.objects.filter(pk=staff.pk).update(email="changed-after-backup@example.org")
    (media / "evidence.xlsx").write_bytes(b"changed")
    after = source_digests()

    name = fresh_names()
    target = tmp_path / "restored_media"
    result = run("restore.sh", str(folder), name, str(target))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"恢复完成且核对一致 (restored and verified): 数据库 {name}" in result.stdout

    restored = digests_of(name)
    assert restored == before
    assert {table for table in after if after[table] != restored[table]} == {"society_user"}
    assert file_digests(target) == files_before
    assert file_digests(target) != file_digests(media)


def test_restore_refuses_damage_and_never_overwrites(platform_data, tmp_path, fresh_names):
    _staff, media = platform_data
    folder = backup(tmp_path, media)

    # An existing database or a non-empty media folder is never written to.
    taken = run("restore.sh", str(folder), connection.settings_dict["NAME"], str(tmp_path / "m1"))
    assert taken.returncode != 0
    assert "已存在" in taken.stderr
    assert run("restore.sh", str(folder), fresh_names(), str(media)).returncode != 0

    # A damaged dump fails its checksum before any database is created.
    damaged = tmp_path / "damaged"
    shutil.copytree(folder, damaged)
    with open(damaged / "database.dump", "r+b") as dump:
        dump.seek(200)
        dump.write(b"\0\0\0\0")
    name = fresh_names()
    result = run("restore.sh", str(damaged), name, str(tmp_path / "m2"))
    assert result.returncode != 0
    assert "备份文件已损坏" in result.stderr
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [name])
        assert cursor.fetchone() == (0,)

    # A changed upload in the backup is caught by the media checksums.
    shutil.rmtree(damaged)
    shutil.copytree(folder, damaged)
    (damaged / "media" / "evidence.xlsx").write_bytes(b"tampered")
    result = run("restore.sh", str(damaged), fresh_names(), str(tmp_path / "m3"))
    assert result.returncode != 0
    assert "上传文件校验不一致" in result.stderr

    # A restored table that differs from the manifest is reported by name.
    shutil.rmtree(damaged)
    shutil.copytree(folder, damaged)
    tables = (damaged / "tables.tsv").read_text().splitlines()
    tables = [
        f"public.society_user\t999\t{line.split(chr(9))[2]}"
        if line.startswith("public.society_user\t")
        else line
        for line in tables
    ]
    (damaged / "tables.tsv").write_text("\n".join(tables) + "\n")
    sums = subprocess.run(
        ["sha256sum", "database.dump", "tables.tsv", "media.sha256"],
        cwd=damaged,
        capture_output=True,
        text=True,
        check=True,
    )
    (damaged / "SHA256SUMS").write_text(sums.stdout)
    result = run("restore.sh", str(damaged), fresh_names(), str(tmp_path / "m4"))
    assert result.returncode != 0
    assert "恢复后的数据与备份清单不一致" in result.stderr
    assert "public.society_user\t999" in result.stderr
