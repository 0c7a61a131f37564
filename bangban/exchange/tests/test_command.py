"""bangban export_39046: one JSON-lines file per kind, a manifest, increments through --state."""

import json

import pytest
from django.core.management import CommandError, call_command

from bangban.audit.models import AuditEvent
from bangban.exchange import mapping

pytestmark = pytest.mark.django_db


def read(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_files_validate_and_the_state_makes_the_next_run_incremental(org, month, tmp_path):
    state = tmp_path / "state.json"
    call_command(
        "export_39046",
        "--since",
        "2025-09-01",
        "--until",
        "2025-09-30",
        out=str(tmp_path / "a"),
        state=str(state),
    )
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["standard"] == "GB/T 39046-2020"
    for kind in mapping.BY_CODE:
        records = read(tmp_path / "a" / f"{kind}.jsonl")
        assert records and len(records) == manifest["kinds"][kind]["count"], kind
        assert all(mapping.validate(kind, r) == [] for r in records), kind
    # The platform's export covers both counties; each kind's export is one audit row.
    numbers = {r["case_number"] for r in read(tmp_path / "a" / "application.jsonl")}
    assert month.other_case.number in numbers
    assert AuditEvent.objects.filter(action="exchange.export", actor_name="命令行导出").count() == len(
        mapping.KINDS
    )
    call_command("export_39046", out=str(tmp_path / "b"), state=str(state))
    assert all(read(tmp_path / "b" / f"{kind}.jsonl") == [] for kind in mapping.BY_CODE)


def test_a_staff_members_scope_and_bad_arguments(org, month, tmp_path):
    call_command("export_39046", out=str(tmp_path), kind=["application"], username="other_admin")
    assert [r["case_number"] for r in read(tmp_path / "application.jsonl")] == [month.other_case.number]
    with pytest.raises(CommandError, match="不在数据范围内"):
        call_command("export_39046", out=str(tmp_path), username="other_admin", institution=org.town.pk)
    with pytest.raises(CommandError, match="无权导出"):
        call_command("export_39046", out=str(tmp_path), username="town_agent")
    with pytest.raises(CommandError, match="--out"):
        call_command("export_39046")
