"""The tamper-evident chain: sealing, verifying, the database guard, the runtime role."""

import os
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from bangban.audit import chain, dbguard
from bangban.audit.models import AuditChainHead, AuditEvent
from bangban.audit.services import audit_record

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(
    "postgres" not in os.environ.get("DATABASE_URL", ""), reason="PostgreSQL only"
)


def record(n: int, note: str = "") -> list[AuditEvent]:
    return [audit_record(action="test.row", object_repr=f"对象{i}", note=note) for i in range(n)]


@contextmanager
def guard_off():
    """What a table owner can do: switch the row triggers off (PostgreSQL), drop them (SQLite)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign-key checks before ALTER
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_append_only")
        else:
            cursor.execute(f"DROP TRIGGER {dbguard.SQLITE_UPDATE_TRIGGER_NAME}")
            cursor.execute(f"DROP TRIGGER {dbguard.SQLITE_DELETE_TRIGGER_NAME}")
        yield cursor
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_auditevent_append_only")
        else:
            cursor.execute(dbguard.SQLITE_SEALING_UPDATE_TRIGGER)
            cursor.execute(dbguard.SQLITE_DELETE_TRIGGER)


def test_chain_columns_cover_every_content_column():
    columns = {f.column for f in AuditEvent._meta.concrete_fields} - set(dbguard.CHAIN_COLUMNS)
    attnames = {f.attname for f in AuditEvent._meta.concrete_fields} - set(dbguard.CHAIN_COLUMNS)
    assert set(chain.CHAIN_FIELDS) == attnames
    assert set(dbguard.CONTENT_COLUMNS) == columns


def test_rows_are_written_unsealed_and_the_first_run_seals_existing_ones(org):
    # (rows written while the test database was set up were sealed when their transaction committed)
    already = AuditEvent.objects.filter(seal_seq__isnull=False).count()
    rows = record(3)
    report = chain.verify()
    assert report.ok and report.checked == already
    assert report.unsealed == AuditEvent.objects.count() - already >= 3 and report.oldest_unsealed_at
    assert chain.seal_pending(batch=2) == AuditEvent.objects.count() - already  # several short batches
    report = chain.verify()
    assert report.ok and report.unsealed == 0 and report.checked == AuditEvent.objects.count()
    sealed = AuditEvent.objects.get(pk=rows[-1].pk)
    head = AuditChainHead.objects.get()
    assert (head.seq, head.hash) == (sealed.seal_seq, sealed.seal_hash) and len(sealed.seal_hash) == 64
    assert chain.seal_pending() == 0  # nothing left, nothing resealed


def test_a_row_committed_after_a_larger_id_was_sealed_joins_the_chain(org):
    record(2)
    late_id = AuditEvent.objects.order_by("-id").first().pk + 100
    AuditEvent(pk=late_id + 50, action="test.row", object_repr="先提交").save()
    chain.seal_pending()
    # PostgreSQL allocates ids before commit: a smaller id can commit after a larger one was sealed.
    AuditEvent(pk=late_id, action="test.row", object_repr="后提交").save()
    assert chain.verify().unsealed == 1
    chain.seal_pending()
    report = chain.verify()
    assert report.ok and report.unsealed == 0
    late, early = AuditEvent.objects.get(pk=late_id), AuditEvent.objects.get(pk=late_id + 50)
    assert late.seal_seq == early.seal_seq + 1


def test_embedded_mode_seals_right_after_commit(org, settings, django_capture_on_commit_callbacks):
    settings.BANGBAN_AUDIT_SEAL = "commit"
    chain.seal_pending()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            rows = record(3)
    assert len(callbacks) == 1  # one seal per transaction, not per row
    assert all(AuditEvent.objects.get(pk=r.pk).seal_seq for r in rows)
    assert chain.verify().ok


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_and_sealers_keep_one_unbroken_chain(settings):
    import threading

    settings.BANGBAN_AUDIT_SEAL = "commit"  # every writer's commit also runs a sealer
    errors = []
    barrier = threading.Barrier(6)

    def writer(i):
        try:
            barrier.wait(timeout=10)
            for j in range(10):
                with transaction.atomic():
                    audit_record(action="test.row", object_repr=f"写入者{i}-{j}")
                    audit_record(action="test.row", object_repr=f"写入者{i}-{j}b")
        except Exception as exc:  # surfaced in the assertion below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    chain.seal_pending()
    report = chain.verify()
    assert report.ok and report.unsealed == 0
    assert AuditEvent.objects.filter(action="test.row", seal_seq__isnull=False).count() == 120
    seqs = sorted(AuditEvent.objects.values_list("seal_seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))


def test_production_seals_on_beat_every_second():
    import subprocess
    import sys

    from bangban.audit.tasks import seal

    code = (
        "from bangban import settings as s; e = s.CELERY_BEAT_SCHEDULE['audit-seal']; "
        "print(s.BANGBAN_AUDIT_SEAL, e['task'], e['schedule'])"
    )
    env = os.environ | {"REDIS_URL": "redis://127.0.0.1:6379/3"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["beat", seal.name, "1.0"], out.stderr


def test_beat_mode_leaves_sealing_to_the_task(org, settings, django_capture_on_commit_callbacks):
    from bangban.audit.tasks import seal

    settings.BANGBAN_AUDIT_SEAL = "beat"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            row = record(1)[0]
    assert callbacks == [] and AuditEvent.objects.get(pk=row.pk).seal_seq is None
    assert seal() >= 1
    assert AuditEvent.objects.get(pk=row.pk).seal_seq is not None


def _tampered_report():
    report = chain.verify()
    assert not report.ok
    return report


def test_verifier_names_a_row_rewritten_with_the_triggers_off(org, web, capsys):
    rows = record(5)
    chain.seal_pending()
    victim = rows[2]
    with guard_off() as cursor:
        cursor.execute("UPDATE audit_auditevent SET note = %s WHERE id = %s", ["改过了", victim.pk])
    report = _tampered_report()
    assert (report.first_break.id, report.first_break.check) == (victim.pk, "hash")
    assert report.first_break.at == victim.at
    with pytest.raises(CommandError):
        call_command("audit_verify")
    out = capsys.readouterr().out
    assert f"记录编号 {victim.pk}" in out and "摘要不符" in out
    page = web(org.user("supervisor")).get("/audit/integrity/").content.decode()
    assert "不完整" in page and str(victim.pk) in page and "摘要不符" in page


def test_a_rewritten_hash_does_not_help_without_the_key(org, settings):
    rows = record(3)
    chain.seal_pending()
    victim = AuditEvent.objects.get(pk=rows[1].pk)
    prev = AuditEvent.objects.get(seal_seq=victim.seal_seq - 1).seal_hash
    content = {f: getattr(victim, f) for f in chain.CHAIN_FIELDS} | {"note": "改过了"}
    forged = chain.link_hash(b"a key the attacker guessed", prev, content, victim.seal_seq)
    with guard_off() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET note = %s, seal_hash = %s WHERE id = %s",
            ["改过了", forged, victim.pk],
        )
    assert chain.verify().first_break.id == victim.pk
    settings.BANGBAN_AUDIT_KEY = "another-key-" + "x" * 40  # the chain is keyed: another key fails at once
    with guard_off() as cursor:
        cursor.execute("UPDATE audit_auditevent SET note = '' WHERE id = %s", [victim.pk])
    assert chain.verify().first_break.seq == 1


def test_a_sealer_with_another_key_does_not_extend_the_chain(org, settings, caplog):
    record(2)
    chain.seal_pending()
    settings.BANGBAN_AUDIT_KEY = "a-misconfigured-server-" + "x" * 32
    late = record(1)[0]
    assert chain.seal_pending() == 0
    assert "does not verify with this key" in caplog.text
    assert AuditEvent.objects.get(pk=late.pk).seal_seq is None
    settings.BANGBAN_AUDIT_KEY = ""  # the right key again: sealing resumes, the chain is whole
    assert chain.seal_pending() == 1 and chain.verify().ok


def test_verifier_names_the_link_after_a_row_deleted_from_the_middle(org, web):
    rows = record(5)
    chain.seal_pending()
    victim, after = AuditEvent.objects.get(pk=rows[2].pk), AuditEvent.objects.get(pk=rows[3].pk)
    with guard_off() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [victim.pk])
    report = _tampered_report()
    assert (report.first_break.id, report.first_break.check) == (after.pk, "gap")
    assert f"第 {victim.seal_seq} 条" in report.first_break.message
    page = web(org.user("supervisor")).get("/audit/integrity/").content.decode()
    assert "不完整" in page and str(after.pk) in page


def test_verifier_notices_rows_deleted_from_the_end(org):
    rows = record(3)
    chain.seal_pending()
    with guard_off() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [rows[-1].pk])
    report = _tampered_report()
    assert report.first_break.check == "head" and report.first_break.id == rows[-2].pk


def test_page_and_command_say_complete_and_show_unsealed_rows(org, web, capsys):
    chain.seal_pending()
    record(2)
    call_command("audit_verify")
    out = capsys.readouterr().out
    assert "完整" in out and "尚未封存 2 条" in out
    client = web(org.user("supervisor"))
    page = client.get("/audit/integrity/").content.decode()
    assert "<strong>完整</strong>" in page and "不完整" not in page and "2 条，最早的一条已等待" in page
    call_command("audit_seal")
    call_command("audit_verify")
    assert "没有尚未封存的记录" in capsys.readouterr().out
    assert web(org.user("town_agent")).get("/audit/integrity/").status_code == 403


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET note = 'x' WHERE seal_seq IS NULL",  # content of an unsealed row
        "UPDATE audit_auditevent SET seal_seq = 999, seal_hash = 'f', note = 'x' WHERE seal_seq IS NULL",
        "UPDATE audit_auditevent SET seal_hash = 'f' WHERE seal_seq IS NOT NULL",  # reseal a sealed row
        "UPDATE audit_auditevent SET seal_seq = NULL, seal_hash = NULL WHERE seal_seq IS NOT NULL",
        "DELETE FROM audit_auditevent",
    ],
)
def test_database_allows_only_the_sealing_update(org, sql):
    record(2)
    chain.seal_batch(batch=1)
    before = list(AuditEvent.objects.order_by("id").values_list("note", "seal_seq", "seal_hash"))
    with pytest.raises(DatabaseError) as exc:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert "append-only" in str(exc.value)
    assert list(AuditEvent.objects.order_by("id").values_list("note", "seal_seq", "seal_hash")) == before


def test_database_refuses_a_row_inserted_already_sealed(org):
    # A forged chain position would block the sealer (unique position) or pose as sealed.
    with pytest.raises(DatabaseError) as exc:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO audit_auditevent (at, actor_name, action, object_type, object_id, object_repr, "
                "changes, note, user_agent, path, seal_seq, seal_hash) VALUES "
                "(%s, '', 'x', '', '', '', '{}', '', '', '', 99999, 'f')",
                [timezone.now()],
            )
    assert "inserted unsealed" in str(exc.value)
    assert not AuditEvent.objects.filter(seal_seq=99999).exists()


def test_database_allows_the_sealing_update(org):
    row = record(1)[0]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET seal_seq = 99999, seal_hash = %s WHERE id = %s", ["a" * 64, row.pk]
        )
    assert AuditEvent.objects.get(pk=row.pk).seal_seq == 99999


@postgres_only
def test_truncate_is_refused(org):
    record(1)
    with pytest.raises(DatabaseError) as exc:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("TRUNCATE audit_auditevent")
    assert "TRUNCATE refused" in str(exc.value)
    assert AuditEvent.objects.exists()


def test_db_roles_needs_postgresql_or_prints_grants(capsys):
    if connection.vendor != "postgresql":
        with pytest.raises(CommandError):
            call_command("db_roles", "--print-sql")
        return
    call_command("db_roles", "--print-sql", "--role", "bangban_app")
    out = capsys.readouterr().out
    assert 'GRANT SELECT, INSERT ON "audit_auditevent" TO "bangban_app";' in out
    assert 'GRANT UPDATE (seal_seq, seal_hash) ON "audit_auditevent" TO "bangban_app";' in out
    assert 'DELETE ON "audit_auditevent"' not in out


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_runtime_role_can_insert_and_seal_but_not_rewrite(settings):
    import psycopg
    from psycopg import errors

    from bangban.audit.roles_sql import runtime_role_sql

    settings.BANGBAN_AUDIT_SEAL = "beat"  # leave the rows for the runtime role to seal
    role = f"bangban_rt_{os.getpid()}"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP ROLE IF EXISTS {role}")
        cursor.execute(f"CREATE ROLE {role} LOGIN")
        for statement in runtime_role_sql(role):
            cursor.execute(statement)
    owner = dict(connection.settings_dict)
    params = {"dbname": owner["NAME"], "host": owner["HOST"] or None, "port": owner["PORT"] or None}
    try:
        with psycopg.connect(user=role, autocommit=True, **params) as app:
            app.execute(
                "INSERT INTO audit_auditevent (at, actor_name, action, object_type, object_id, object_repr, "
                "changes, note, user_agent, path) VALUES (now(), '', 'test.row', '', '', '由运行账号写入', "
                "'{}', '', '', '')"
            )
            row_id = app.execute("SELECT max(id) FROM audit_auditevent").fetchone()[0]
            refused = [
                ("UPDATE audit_auditevent SET note = 'x'", errors.InsufficientPrivilege),
                ("DELETE FROM audit_auditevent", errors.InsufficientPrivilege),
                ("TRUNCATE audit_auditevent", errors.InsufficientPrivilege),
                ("ALTER TABLE audit_auditevent DISABLE TRIGGER ALL", errors.InsufficientPrivilege),
                (
                    "DROP TRIGGER audit_auditevent_append_only ON audit_auditevent",
                    errors.InsufficientPrivilege,
                ),
            ]
            for sql, error in refused:
                with pytest.raises(error):
                    app.execute(sql)
        # The sealer, as the runtime role: the app's own code through Django.
        connection.close()
        connection.settings_dict["USER"] = role
        try:
            assert chain.seal_pending() >= 1
            assert chain.verify().ok
            with pytest.raises(DatabaseError):  # the chain columns of a sealed row: the trigger says no
                with connection.cursor() as cursor:
                    cursor.execute("UPDATE audit_auditevent SET seal_hash = 'f' WHERE id = %s", [row_id])
        finally:
            connection.close()
            connection.settings_dict["USER"] = owner["USER"]
        assert AuditEvent.objects.get(pk=row_id).object_repr == "由运行账号写入"
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")
