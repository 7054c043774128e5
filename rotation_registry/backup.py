"""Back up and restore the registry: the database (pg_dump custom format) and the files in MEDIA_ROOT.

A backup is one directory, `registry-<UTC time>/`, holding:

    database.dump   pg_dump -Fc of the whole database (schema, data, the audit and its triggers)
    media.tar.gz    MEDIA_ROOT (decision scans, generated PDFs), under "media/"
    manifest.json   when, which migrations, the row count and checksum of every registry table,
                    and the SHA-256 of the two files

It is written under a hidden temporary name and renamed when complete, so a directory named
`registry-*` is never half a backup. The counts and checksums are computed in the same snapshot
pg_dump reads (pg_export_snapshot), so they describe exactly the data in the dump even while
people keep working. A restore goes into an empty database only (unless forced), then recomputes
the counts and checksums there and compares them with the manifest.

The checksum of a table is md5 over the md5 of each row's text, in primary-key order, computed by
PostgreSQL with fixed output settings (time zone, date style), so the same rows give the same sum on
any server. "Registry tables" are those of the registry's models, their audit event tables and the
audit context (REGISTRY_APPS): sessions, login attempts and admin log are not compared.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from django.apps import apps
from django.conf import settings
from django.db import connections
from django.utils.translation import gettext as _
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

REGISTRY_APPS = ("units", "accounts", "cadres", "postings", "plans", "reports", "imports", "pghistory")
MANIFEST = "manifest.json"
DATABASE_DUMP = "database.dump"
MEDIA_ARCHIVE = "media.tar.gz"
FORMAT_VERSION = 1
# Fixed for every checksum: row text depends on them (timestamps print in the session's time zone).
CHECKSUM_SESSION = (
    "SET LOCAL TimeZone = 'UTC'",
    "SET LOCAL DateStyle = 'ISO, YMD'",
    "SET LOCAL IntervalStyle = 'postgres'",
    "SET LOCAL extra_float_digits = 1",
    "SET LOCAL bytea_output = 'hex'",
)
# psycopg-only keys Django adds to its connection parameters; libpq and pg_dump know nothing of them.
NOT_LIBPQ = ("cursor_factory", "context", "prepare_threshold", "server_side_binding")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the operator."""


@dataclass
class TableMismatch:
    table: str
    expected_rows: int
    actual_rows: int | None
    checksum_matches: bool


@dataclass
class RestoreReport:
    database: str
    tables: int
    rows: int
    media_files: int
    mismatches: list[TableMismatch] = field(default_factory=list)
    migrations_match: bool = True

    @property
    def ok(self) -> bool:
        return not self.mismatches and self.migrations_match


# --- Connections ---


def conninfo_from_settings(alias: str = "default") -> dict[str, str]:
    """libpq parameters of a database in settings.DATABASES (host, port, options such as jit=off)."""
    params = connections[alias].get_connection_params()
    return {key: str(value) for key, value in params.items() if key not in NOT_LIBPQ and value not in (None, "")}


def conninfo_from_url(url: str) -> dict[str, str]:
    """libpq parameters of a DATABASE_URL (django-environ also accepts pgsql:// and postgis://)."""
    scheme, separator, rest = url.partition("://")
    if separator and scheme in {"pgsql", "postgis", "postgres"}:
        url = f"postgresql://{rest}"
    try:
        return {key: str(value) for key, value in conninfo_to_dict(url).items()}
    except psycopg.ProgrammingError as error:
        raise BackupError(_("Địa chỉ cơ sở dữ liệu không hợp lệ: %(error)s") % {"error": error}) from error


def _connect(params: dict[str, str]) -> psycopg.Connection:
    try:
        return psycopg.connect(make_conninfo(**params), connect_timeout=10)
    except psycopg.OperationalError as error:
        raise BackupError(_("Không kết nối được cơ sở dữ liệu: %(error)s") % {"error": error}) from error


def _tool_environment(params: dict[str, str]) -> tuple[str, dict[str, str]]:
    """(conninfo without the password, environment with PGPASSWORD): no password on a command line."""
    params = dict(params)
    environment = dict(os.environ)
    password = params.pop("password", None)
    if password:
        environment["PGPASSWORD"] = password
    return make_conninfo(**params), environment


def pg_tool(name: str, connection: psycopg.Connection) -> str:
    """pg_dump or pg_restore of the server's major version (Debian keeps each in /usr/lib/postgresql/N/bin).

    PG_BIN_DIR in the settings (environment) wins; then the server's version; then whatever is on PATH,
    which pg_dump itself refuses if it is older than the server.
    """
    if settings.PG_BIN_DIR:
        return str(Path(settings.PG_BIN_DIR) / name)
    major = connection.info.server_version // 10000
    candidate = Path(f"/usr/lib/postgresql/{major}/bin/{name}")
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            _("Không tìm thấy %(tool)s (cần bản PostgreSQL %(major)s trở lên).") % {"tool": name, "major": major}
        )
    return found


def _run(command: list[str], environment: dict[str, str]) -> None:
    result = subprocess.run(command, env=environment, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(
            _("%(tool)s thất bại (mã %(code)s): %(error)s")
            % {"tool": Path(command[0]).name, "code": result.returncode, "error": result.stderr.strip()}
        )


# --- What is compared: registry tables, their counts and checksums ---


def registry_tables() -> dict[str, str]:
    """{table: primary-key column} of every concrete model of the registry apps, audit included."""
    tables = {}
    for label in REGISTRY_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            if model._meta.managed and not model._meta.proxy:
                tables[model._meta.db_table] = model._meta.pk.column
    return dict(sorted(tables.items()))


def table_fingerprints(connection: psycopg.Connection, tables: dict[str, str]) -> dict[str, dict]:
    """{table: {"rows": n, "md5": ...}} read in the connection's current transaction."""
    for statement in CHECKSUM_SESSION:
        connection.execute(statement)
    fingerprints = {}
    for table, key in tables.items():
        query = sql.SQL(
            "SELECT count(*), md5(coalesce(string_agg(md5(t::text), '' ORDER BY t.{key}), '')) FROM {table} AS t"
        ).format(key=sql.Identifier(key), table=sql.Identifier(table))
        rows, checksum = connection.execute(query).fetchone()
        fingerprints[table] = {"rows": rows, "md5": checksum}
    return fingerprints


def overall_checksum(fingerprints: dict[str, dict]) -> str:
    lines = "".join(f"{table} {value['rows']} {value['md5']}\n" for table, value in sorted(fingerprints.items()))
    return hashlib.sha256(lines.encode()).hexdigest()


def migration_state(connection: psycopg.Connection) -> dict[str, list[str]]:
    state: dict[str, list[str]] = {}
    for app, name in connection.execute("SELECT app, name FROM django_migrations ORDER BY app, name"):
        state.setdefault(app, []).append(name)
    return state


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# --- Backup ---


def _archive_media(media_root: Path, archive: Path) -> int:
    count = 0
    with tarfile.open(archive, "w:gz") as tar:
        top = tarfile.TarInfo("media")
        top.type, top.mode = tarfile.DIRTYPE, 0o755
        tar.addfile(top)  # present even when nothing was ever uploaded
        if media_root.is_dir():
            for path in sorted(media_root.rglob("*")):
                tar.add(path, arcname=str(Path("media") / path.relative_to(media_root)), recursive=False)
                count += path.is_file()
    return count


def _backup_name(output_dir: Path, created: datetime.datetime) -> str:
    base = f"registry-{created:%Y%m%d-%H%M%S}"
    name, n = base, 1
    while (output_dir / name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


def backup_create(*, output_dir: Path, alias: str = "default", media_root: Path | None = None) -> Path:
    """Write a complete backup directory into output_dir and return its path."""
    output_dir.mkdir(parents=True, exist_ok=True)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    created = datetime.datetime.now(tz=datetime.UTC)
    params = conninfo_from_settings(alias)
    partial = Path(tempfile.mkdtemp(prefix=".registry-partial-", dir=output_dir))
    try:
        with _connect(params) as connection:
            # One snapshot for pg_dump and for the counts: the manifest describes exactly what was dumped.
            connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            (snapshot,) = connection.execute("SELECT pg_export_snapshot()").fetchone()
            conninfo, environment = _tool_environment(params)
            dump = partial / DATABASE_DUMP
            _run(
                [
                    pg_tool("pg_dump", connection),
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={dump}",
                    conninfo,
                ],
                environment,
            )
            fingerprints = table_fingerprints(connection, registry_tables())
            migrations = migration_state(connection)
            server_version = connection.info.server_version
            database = connection.info.dbname
            connection.rollback()
        media_files = _archive_media(media_root, partial / MEDIA_ARCHIVE)
        manifest = {
            "format": FORMAT_VERSION,
            "created": created.isoformat(timespec="seconds"),
            "database": database,
            "server_version": server_version,
            "migrations": migrations,
            "tables": fingerprints,
            "rows": sum(value["rows"] for value in fingerprints.values()),
            "checksum": overall_checksum(fingerprints),
            "media_files": media_files,
            "files": {name: _sha256(partial / name) for name in (DATABASE_DUMP, MEDIA_ARCHIVE)},
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
        for name in (DATABASE_DUMP, MEDIA_ARCHIVE, MANIFEST):
            _fsync(partial / name)
        final = output_dir / _backup_name(output_dir, created)
        partial.rename(final)  # mkdtemp made it 0700: only the backup's owner reads it
        _fsync(output_dir)
        return final
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


# --- Restore ---


def read_manifest(backup_dir: Path) -> dict:
    path = backup_dir / MANIFEST
    if not path.is_file():
        raise BackupError(
            _("%(dir)s không phải một bản sao lưu: thiếu %(file)s.") % {"dir": backup_dir, "file": MANIFEST}
        )
    manifest = json.loads(path.read_text(encoding="utf-8"))
    for name, expected in manifest["files"].items():
        if _sha256(backup_dir / name) != expected:
            raise BackupError(_("Bản sao lưu bị hỏng: tệp %(file)s không khớp mã kiểm tra.") % {"file": name})
    return manifest


def database_objects(connection: psycopg.Connection) -> int:
    """Tables, views and sequences outside PostgreSQL's own schemas: 0 for an empty database."""
    (count,) = connection.execute(
        """
        SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
          AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
        """
    ).fetchone()
    connection.rollback()
    return count


def _restore_media(archive: Path, media_root: Path) -> int:
    media_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=media_root.parent) as unpacked:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(unpacked, filter="data")  # "data": no absolute paths, links out or devices
        source = Path(unpacked) / "media"
        count = sum(1 for path in source.rglob("*") if path.is_file())
        shutil.copytree(source, media_root, dirs_exist_ok=True)
    return count


def backup_restore(
    *,
    backup_dir: Path,
    database_url: str | None = None,
    force: bool = False,
    media_root: Path | None = None,
    restore_media: bool = True,
) -> RestoreReport:
    """Restore a backup into an empty database (any database with --force), then verify it."""
    manifest = read_manifest(backup_dir)
    params = conninfo_from_url(database_url) if database_url else conninfo_from_settings()
    with _connect(params) as connection:
        database = connection.info.dbname
        existing = database_objects(connection)
        if existing and not force:
            raise BackupError(
                _(
                    "Cơ sở dữ liệu đích “%(database)s” không trống (%(count)s bảng và đối tượng). "
                    "Chỉ khôi phục vào một cơ sở dữ liệu trống; dùng --force nếu chắc chắn muốn ghi đè "
                    "(dữ liệu hiện có sẽ bị thay thế)."
                )
                % {"database": database, "count": existing}
            )
        conninfo, environment = _tool_environment(params)
        command = [pg_tool("pg_restore", connection), "--no-owner", "--no-privileges", "--exit-on-error"]
        # One transaction: a restore that fails half-way leaves the database as it was.
        command += ["--single-transaction", f"--dbname={conninfo}"]
        if existing:
            command += ["--clean", "--if-exists"]
        _run([*command, str(backup_dir / DATABASE_DUMP)], environment)

    media_files = 0
    if restore_media:
        media_files = _restore_media(backup_dir / MEDIA_ARCHIVE, Path(media_root or settings.MEDIA_ROOT))
    return backup_verify(manifest=manifest, params=params, media_files=media_files)


def backup_verify(*, manifest: dict, params: dict[str, str], media_files: int = 0) -> RestoreReport:
    """Recompute counts and checksums in the restored database and compare them with the manifest."""
    expected = manifest["tables"]
    with _connect(params) as connection:
        tables = {table: _primary_key(connection, table) for table in expected}
        actual = table_fingerprints(connection, {table: key for table, key in tables.items() if key})
        migrations = migration_state(connection)
        database = connection.info.dbname
        connection.rollback()
    mismatches = [
        TableMismatch(
            table=table,
            expected_rows=value["rows"],
            actual_rows=actual.get(table, {}).get("rows"),
            checksum_matches=actual.get(table, {}).get("md5") == value["md5"],
        )
        for table, value in expected.items()
        if actual.get(table) != value
    ]
    return RestoreReport(
        database=database,
        tables=len(expected),
        rows=sum(value["rows"] for value in actual.values()),
        media_files=media_files,
        mismatches=mismatches,
        migrations_match=migrations == manifest["migrations"],
    )


def _primary_key(connection: psycopg.Connection, table: str) -> str | None:
    """The table's primary-key column in the restored database (the backup may predate today's models)."""
    row = connection.execute(
        """
        SELECT a.attname FROM pg_index i
        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
        WHERE i.indrelid = to_regclass(%s) AND i.indisprimary
        """,
        [table],
    ).fetchone()
    return row[0] if row else None
