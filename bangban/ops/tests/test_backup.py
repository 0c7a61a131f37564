"""Backup → restore into a fresh database gives the same row counts and a verified audit chain
(issue 14), on the database the suite runs on; a damaged backup or a non-empty target is refused
before anything is written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from bangban.cases import services
from bangban.cases.tests.conftest import make_item
from bangban.ops.backup import (
    MANIFEST,
    PREFIX,
    BackupError,
    backup_create,
    backup_restore,
    complete_backups,
    prune,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    path = settings.MEDIA_ROOT / "catalog" / "样表.pdf"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"%PDF-1.4 sample\n" * 100)
    return path


def _some_cases(org, n=3):
    item = make_item(org, "个体工商户登记")
    agent = org.user("station_agent")
    for i in range(n):
        services.case_create(
            by=agent,
            kind="help",
            mode="guide",
            applicant_type="person",
            applicant_name=f"王{i}",
            phone="13812345678",
            id_number="11010519491231002X",
            items=[item],
        )


def _restore_in_a_fresh_database(source: Path, tmp_path: Path):
    """`bangban restore` in its own process, as an operator runs it, against a new empty database."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BANGBAN_VAR_DIR")}
    env["BANGBAN_VAR_DIR"] = str(tmp_path / "restored-var")
    env["SECRET_KEY"] = django_settings.SECRET_KEY  # the development chain key derives from it
    if getattr(django_settings, "BANGBAN_AUDIT_KEY", ""):
        env["BANGBAN_AUDIT_KEY"] = django_settings.BANGBAN_AUDIT_KEY
    created = None
    if connection.vendor == "postgresql":
        db = django_settings.DATABASES["default"]
        created = f"bangban_restore_{uuid.uuid4().hex[:10]}"
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{created}"')
        auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        env["DATABASE_URL"] = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{created}"
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bangban", "restore", str(source)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        if created:
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{created}" WITH (FORCE)')
    return done


def test_backup_then_restore_gives_the_same_rows_files_and_a_verified_chain(org, media, tmp_path):
    _some_cases(org)
    path = backup_create(directory=tmp_path / "backups")
    assert path.name.startswith(PREFIX) and not (path.parent / (path.name + ".partial")).exists()
    manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["tables"]["cases_case"] == 3
    assert manifest["tables"]["audit_auditevent"] > 0
    # every audit row committed before the backup is sealed and covered by the recorded head
    assert manifest["audit_chain_head"]["seq"] == manifest["tables"]["audit_auditevent"]
    paths = {f["path"] for f in manifest["files"]}
    assert "media/catalog/样表.pdf" in paths and manifest["database_file"] in paths

    done = _restore_in_a_fresh_database(path, tmp_path)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "各表行数、审计链头与上传文件均与备份清单一致" in done.stdout
    assert f"已校验 {manifest['audit_chain_head']['seq']} 条，完整" in done.stdout
    restored = tmp_path / "restored-var" / "media" / "catalog" / "样表.pdf"
    assert restored.read_bytes() == media.read_bytes()


def test_a_damaged_backup_or_a_database_in_use_is_refused_before_anything_is_written(org, media, tmp_path):
    _some_cases(org, n=1)
    path = backup_create(directory=tmp_path / "backups")
    # restoring over the live (non-empty) database is refused
    with pytest.raises(BackupError, match="目标数据库不是空的"):
        backup_restore(source=path)
    # one changed byte in an uploaded file: refused, naming the file
    copy = path / "media" / "catalog" / "样表.pdf"
    copy.write_bytes(copy.read_bytes()[:-1] + b"!")
    with pytest.raises(BackupError, match="校验和不符：media/catalog/样表.pdf"):
        backup_restore(source=path)
    (path / MANIFEST).unlink()
    with pytest.raises(BackupError, match="缺少 manifest.json"):
        backup_restore(source=path)


def test_an_interrupted_backup_leaves_no_backup_behind(org, media, tmp_path, monkeypatch):
    from bangban.ops import backup

    def fail(path):
        raise OSError("磁盘已满")

    monkeypatch.setattr(backup, "sha256_of", fail)
    with pytest.raises(OSError):
        backup_create(directory=tmp_path / "backups")
    assert list((tmp_path / "backups").iterdir()) == []


def test_retention_keeps_the_newest_complete_backups(tmp_path):
    for name in ("20261101-020000", "20261102-020000", "20261103-020000"):
        (tmp_path / f"{PREFIX}{name}").mkdir()
        (tmp_path / f"{PREFIX}{name}" / MANIFEST).write_text("{}")
    (tmp_path / f"{PREFIX}20261104-020000.partial").mkdir()
    (tmp_path / "other").mkdir()
    gone = prune(directory=tmp_path, keep=2)
    assert [p.name for p in gone] == [f"{PREFIX}20261101-020000"]
    assert [p.name for p in complete_backups(tmp_path)] == [
        f"{PREFIX}20261102-020000",
        f"{PREFIX}20261103-020000",
    ]
    assert (tmp_path / "other").exists()
    with pytest.raises(BackupError, match="保留份数至少为 1"):
        backup_create(directory=tmp_path, keep=0)
