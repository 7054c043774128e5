"""Back up the registry, restore it into a fresh database, and find the same rows, checksums and files.

The backup must see committed data (pg_dump runs in its own session), so these tests are
transactional; `restore_catalogues` puts back the catalogues the closing flush removes.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection
from psycopg import sql

from postings.models import Posting
from rotation_registry.backup import (
    backup_verify,
    conninfo_from_settings,
    overall_checksum,
    registry_tables,
    table_fingerprints,
)
from tests.postings import kit_fixture  # noqa: F401  (the `kit` fixture)
from tests.statistics_jobs.conftest import add_postings

SCAN = b"%PDF-1.4\n% a decision scan\n%%EOF\n"


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def fresh_database():
    """An empty database of this test's own next to the test database, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restored"
    admin = {**conninfo_from_settings(), "dbname": "postgres"}
    with psycopg.connect(**admin, autocommit=True) as server:
        server.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    params = {**conninfo_from_settings(), "dbname": name}
    credentials = quote(params.get("user", "postgres")) + (
        f":{quote(params['password'])}" if params.get("password") else ""
    )
    url = f"postgres://{credentials}@{params.get('host', '127.0.0.1')}:{params.get('port', 5432)}/{name}"
    yield url, params
    with psycopg.connect(**admin, autocommit=True) as server:
        server.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def fingerprints_of(params: dict) -> dict:
    with psycopg.connect(**params) as conn:
        return table_fingerprints(conn, registry_tables())


def backup(output: Path, capsys) -> Path:
    call_command("backup_registry", output=output)
    return Path(capsys.readouterr().out.strip().splitlines()[-1])


@pytest.mark.django_db(transaction=True)
def test_a_restored_backup_has_the_same_rows_checksums_and_files(
    restore_catalogues, kit, media_root, fresh_database, tmp_path, capsys
):
    postings = add_postings(kit, 3)
    decision = postings[0].decision
    decision.scan.save("qd-12.pdf", ContentFile(SCAN))
    original = fingerprints_of(conninfo_from_settings())
    assert original["postings_posting"]["rows"] == Posting.objects.count() == 3
    assert original["postings_postingevent"]["rows"] >= 3  # the audit is part of what is compared

    path = backup(tmp_path / "backups", capsys)
    assert path.name.startswith("registry-") and path.parent == tmp_path / "backups"
    assert sorted(p.name for p in path.iterdir()) == ["database.dump", "manifest.json", "media.tar.gz"]
    assert not list((tmp_path / "backups").glob(".registry-partial-*"))
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["tables"] == original
    assert manifest["checksum"] == overall_checksum(original)
    assert manifest["migrations"]["postings"]
    assert manifest["media_files"] == 1

    url, restored_params = fresh_database
    restored_media = tmp_path / "restored-media"
    call_command("restore_registry", str(path), database_url=url, media_root=restored_media)
    assert "mọi bảng khớp" in capsys.readouterr().out

    restored = fingerprints_of(restored_params)
    assert restored == original
    assert sum(value["rows"] for value in restored.values()) > 0
    assert (restored_media / decision.scan.name).read_bytes() == SCAN

    # The comparison is not vacuous: one changed row in the restored copy is found, and so is the audit
    # event the restored triggers wrote for it.
    with psycopg.connect(**restored_params, autocommit=True) as conn:
        conn.execute("UPDATE cadres_cadre SET full_name = full_name || ' (sửa)' WHERE id = %s", [postings[0].cadre_id])
    report = backup_verify(manifest=manifest, params=restored_params)
    assert [m.table for m in report.mismatches] == ["cadres_cadre", "cadres_cadreevent"]
    assert report.mismatches[0].checksum_matches is False and not report.ok


@pytest.mark.django_db(transaction=True)
def test_a_restore_over_a_database_with_data_is_refused(restore_catalogues, kit, media_root, tmp_path, capsys):
    add_postings(kit, 1)
    before = fingerprints_of(conninfo_from_settings())
    path = backup(tmp_path / "backups", capsys)

    # The settings' own database (the test database) is not empty.
    with pytest.raises(CommandError) as refused:
        call_command("restore_registry", str(path), media_root=tmp_path / "restored-media")
    message = str(refused.value)
    assert "không trống" in message and "--force" in message
    assert fingerprints_of(conninfo_from_settings()) == before
    assert not (tmp_path / "restored-media").exists()


def test_a_damaged_backup_is_refused(tmp_path):
    (tmp_path / "database.dump").write_bytes(b"not a dump")
    (tmp_path / "media.tar.gz").write_bytes(b"")
    (tmp_path / "manifest.json").write_text(json.dumps({"files": {"database.dump": "0" * 64}}))
    with pytest.raises(CommandError, match="Bản sao lưu bị hỏng: tệp database.dump"):
        call_command("restore_registry", str(tmp_path), "--no-media")
