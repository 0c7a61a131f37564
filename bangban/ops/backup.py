"""Backup and restore of the whole installation: the database and the uploaded files, with a manifest.

A backup is one directory, `bangban-backup-<local time>`, holding:
- the database: `database.dump` (PostgreSQL custom format, pg_dump) or `database.sqlite3` (SQLite's
  online backup, a consistent copy while the app runs);
- `media/`: every uploaded file (MEDIA_ROOT);
- `manifest.json`: the row count of every table and the audit chain head as of the dump's snapshot,
  the migrations applied, and the SHA-256 and size of every file above.

It is written under a `.partial` name and renamed when complete, so an interrupted backup never looks
like a finished one. The counts come from the very snapshot the dump is taken from (PostgreSQL: an
exported snapshot shared with pg_dump; SQLite: counted in the copy), so they match it exactly while
the app keeps writing.

A restore goes only into an empty database of the same kind, checks every checksum first (nothing
is written when a file is missing or altered), restores, then reports the row counts against the
manifest and verifies the audit chain (which needs the same BANGBAN_AUDIT_KEY). The report says
what matched; any difference is a failure.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

FORMAT = 1
PREFIX = "bangban-backup-"
MANIFEST = "manifest.json"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore refused or failed; the message is for the operator (Chinese)."""


@dataclass
class RestoreReport:
    tables: int = 0
    rows: int = 0
    files: int = 0
    mismatches: list[str] = field(default_factory=list)
    chain_checked: int = 0
    chain_ok: bool = False
    chain_message: str = ""
    pending_migrations: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches and self.chain_ok


def default_directory() -> Path:
    return Path(getattr(settings, "BANGBAN_BACKUP_DIR", "") or settings.VAR_DIR / "backups")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _tables(cursor) -> list[str]:
    """Every table of the database (views and SQLite's own statistics left out), in name order."""
    return sorted(
        t.name
        for t in connection.introspection.get_table_list(cursor)
        if t.type == "t" and not t.name.startswith("sqlite_")
    )


def _count_tables(cursor, names) -> dict[str, int]:
    quote = connection.ops.quote_name
    counts = {}
    for name in names:
        cursor.execute(f"SELECT COUNT(*) FROM {quote(name)}")
        counts[name] = cursor.fetchone()[0]
    return counts


def _applied_migrations(cursor) -> dict[str, list[str]]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    applied: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        applied.setdefault(app, []).append(name)
    return applied


def _chain_head(cursor) -> dict | None:
    cursor.execute("SELECT seq, hash FROM audit_auditchainhead WHERE id = 1")
    row = cursor.fetchone()
    return {"seq": row[0], "hash": row[1]} if row else None


def _pg_env() -> dict[str, str]:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("NAME", "PGDATABASE")):
        if db.get(key):
            env[var] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _run(args: list[str], what: str) -> None:
    try:
        done = subprocess.run(args, env=_pg_env(), capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise BackupError(f"找不到 {args[0]}：请安装与数据库服务器同版本的 PostgreSQL 客户端") from exc
    if done.returncode != 0:
        raise BackupError(f"{what}失败（{args[0]} 退出码 {done.returncode}）：{done.stderr.strip()[-800:]}")


def _dump_postgresql(target: Path) -> tuple[dict, dict, dict | None]:
    """pg_dump of one exported snapshot; the counts are read in that same snapshot."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts = _count_tables(cursor, _tables(cursor))
        migrations = _applied_migrations(cursor)
        head = _chain_head(cursor)
        # The snapshot stays valid while this transaction is open: pg_dump runs inside it.
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                "--file",
                str(target),
            ],
            "导出数据库",
        )
    return counts, migrations, head


def _dump_sqlite(target: Path) -> tuple[dict, dict, dict | None]:
    """SQLite's online backup into the target file; the counts are read from the copy."""
    source = sqlite3.connect(str(settings.DATABASES["default"]["NAME"]))
    copy = sqlite3.connect(str(target))
    try:
        source.backup(copy)
    finally:
        source.close()
    try:
        return _sqlite_facts(copy)
    finally:
        copy.close()


def _sqlite_facts(db: sqlite3.Connection) -> tuple[dict, dict, dict | None]:
    names = [
        r[0]
        for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    counts = {name: db.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for name in names}
    migrations: dict[str, list[str]] = {}
    for app, name in db.execute("SELECT app, name FROM django_migrations ORDER BY app, name"):
        migrations.setdefault(app, []).append(name)
    row = db.execute("SELECT seq, hash FROM audit_auditchainhead WHERE id = 1").fetchone()
    return counts, migrations, ({"seq": row[0], "hash": row[1]} if row else None)


def _media_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def backup_create(*, directory: Path | None = None, keep: int | None = None) -> Path:
    """Write a complete backup under `directory` and return its path; with `keep`, then delete the
    oldest complete backups there beyond that number. Pending audit rows are sealed first, so the
    backup's chain head covers everything committed before it started."""
    from bangban.audit import chain

    directory = Path(directory or default_directory())
    if keep is not None and keep < 1:
        raise BackupError("保留份数至少为 1")
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    chain.seal_pending()
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    final = directory / f"{PREFIX}{stamp}"
    n = 1
    while final.exists():
        n += 1
        final = directory / f"{PREFIX}{stamp}-{n}"
    partial = final.with_name(final.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(mode=0o700)
    try:
        vendor = connection.vendor
        if vendor == "postgresql":
            db_file = "database.dump"
            counts, migrations, head = _dump_postgresql(partial / db_file)
        elif vendor == "sqlite":
            db_file = "database.sqlite3"
            counts, migrations, head = _dump_sqlite(partial / db_file)
        else:  # pragma: no cover - the two supported databases
            raise BackupError(f"不支持的数据库：{vendor}")
        media_root = Path(settings.MEDIA_ROOT)
        files = [partial / db_file]
        for source in _media_files(media_root):
            copied = partial / "media" / source.relative_to(media_root)
            copied.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copied)
            files.append(copied)
        manifest = {
            "format": FORMAT,
            "created_at": timezone.localtime().isoformat(),
            "vendor": vendor,
            "database_file": db_file,
            "tables": counts,
            "audit_chain_head": head,
            "migrations": migrations,
            "files": [
                {"path": f.relative_to(partial).as_posix(), "sha256": sha256_of(f), "bytes": f.stat().st_size}
                for f in files
            ],
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    if keep is not None:
        prune(directory=directory, keep=keep)
    return final


def complete_backups(directory: Path) -> list[Path]:
    """The finished backups in a directory, oldest first (partial ones are not backups)."""
    if not directory.is_dir():
        return []
    return sorted(
        p
        for p in directory.iterdir()
        if p.is_dir()
        and p.name.startswith(PREFIX)
        and (p / MANIFEST).is_file()
        and not p.name.endswith(".partial")
    )


def prune(*, directory: Path, keep: int) -> list[Path]:
    """Delete the oldest complete backups beyond `keep`; return what was deleted."""
    backups = complete_backups(directory)
    gone = backups[: max(0, len(backups) - keep)]
    for path in gone:
        shutil.rmtree(path)
    return gone


def manifest_read(source: Path) -> dict:
    path = Path(source) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BackupError(f"{source} 不是完整的备份：缺少 {MANIFEST}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(f"{MANIFEST} 无法读取：{exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{MANIFEST} 的格式版本不是 {FORMAT}")
    return manifest


def manifest_verify(source: Path, manifest: dict) -> list[str]:
    """Every file of the manifest present with its size and checksum, nothing outside the backup."""
    problems = []
    root = Path(source).resolve()
    for entry in manifest.get("files", []):
        path = (root / entry["path"]).resolve()
        if root not in path.parents:
            problems.append(f"清单中的路径越出备份目录：{entry['path']}")
        elif not path.is_file():
            problems.append(f"缺少文件：{entry['path']}")
        elif path.stat().st_size != entry["bytes"] or sha256_of(path) != entry["sha256"]:
            problems.append(f"校验和不符：{entry['path']}")
    return problems


def _unknown_migrations(applied: dict[str, list[str]]) -> list[str]:
    """Migrations in the backup that this code does not have (a backup from a newer version)."""
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    return [f"{app}.{name}" for app, names in applied.items() for name in names if (app, name) not in known]


def _pending_migrations(applied: dict[str, list[str]]) -> list[str]:
    have = {(app, name) for app, names in applied.items() for name in names}
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    return sorted(f"{app}.{name}" for app, name in known if (app, name) not in have)


def backup_restore(*, source: Path) -> RestoreReport:
    """Restore a backup into the configured database, which must be empty and of the same kind,
    and the files into MEDIA_ROOT; then compare the row counts with the manifest and verify the
    audit chain. Nothing is written when the backup fails its checksums."""
    from bangban.audit import chain

    source = Path(source)
    manifest = manifest_read(source)
    problems = manifest_verify(source, manifest)
    if problems:
        raise BackupError("备份不完整或已被改动，未做任何恢复：" + "；".join(problems[:10]))
    if manifest["vendor"] != connection.vendor:
        raise BackupError(
            f"这份备份来自 {manifest['vendor']}，目标数据库是 {connection.vendor}：只能恢复到同一种数据库"
        )
    unknown = _unknown_migrations(manifest["migrations"])
    if unknown:
        raise BackupError(
            "备份来自更新的版本，本程序不认识其迁移：" + "、".join(unknown[:10]) + "；请先升级程序"
        )
    with connection.cursor() as cursor:
        existing = _tables(cursor)
    if existing:
        raise BackupError(f"目标数据库不是空的（已有 {len(existing)} 张表）：只能恢复到新建的空数据库")
    media_root = Path(settings.MEDIA_ROOT)
    media = [e for e in manifest["files"] if e["path"].startswith("media/")]
    clashes = [e["path"] for e in media if (media_root / e["path"][len("media/") :]).exists()]
    if clashes:
        raise BackupError(f"上传文件目录中已有同名文件（{clashes[0]} 等 {len(clashes)} 个）：请恢复到空目录")

    database_file = source / manifest["database_file"]
    if connection.vendor == "postgresql":
        connection.close()
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                "--dbname",
                str(settings.DATABASES["default"]["NAME"]),
                str(database_file),
            ],
            "恢复数据库",
        )
    else:
        connection.close()
        copy = sqlite3.connect(str(database_file))
        target = sqlite3.connect(str(settings.DATABASES["default"]["NAME"]))
        try:
            copy.backup(target)
        finally:
            copy.close()
            target.close()
    for entry in media:
        destination = media_root / entry["path"][len("media/") :]
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / entry["path"], destination)

    report = RestoreReport()
    with connection.cursor() as cursor:
        actual = _count_tables(cursor, _tables(cursor))
        head = _chain_head(cursor)
    expected = manifest["tables"]
    for name in sorted(set(expected) | set(actual)):
        if expected.get(name) != actual.get(name):
            report.mismatches.append(
                f"表 {name}：备份 {expected.get(name, '无')} 行，恢复后 {actual.get(name, '无')} 行"
            )
    if head != manifest.get("audit_chain_head"):
        report.mismatches.append("审计链头与备份清单不符")
    for entry in media:
        restored = media_root / entry["path"][len("media/") :]
        if sha256_of(restored) != entry["sha256"]:
            report.mismatches.append(f"上传文件恢复后校验和不符：{entry['path']}")
    report.tables, report.rows, report.files = len(actual), sum(actual.values()), len(media)
    verified = chain.verify()
    report.chain_ok, report.chain_checked = verified.ok, verified.checked
    report.chain_message = "完整" if verified.first_break is None else verified.first_break.message
    report.pending_migrations = _pending_migrations(manifest["migrations"])
    return report
