from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from bangban.core.errors import ServiceError
from bangban.divisions.models import Division
from bangban.divisions.services import divisions_import_csv

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[1] / "data"


def test_import_demo_county_and_communities_idempotent():
    first = divisions_import_csv(by=None, text=(DATA / "suzhou_gaoxin.csv").read_text())
    assert first.created == 12
    assert Division.objects.get(code="320505101").parent_id == "320505"
    assert Division.objects.get(code="320505101").level == Division.Level.TOWN
    again = divisions_import_csv(by=None, text=(DATA / "suzhou_gaoxin.csv").read_text())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 12)
    communities = divisions_import_csv(by=None, text=(DATA / "suzhou_gaoxin_communities.csv").read_text())
    assert communities.created == 14
    assert Division.objects.get(code="320505101201").full_code == "320505101201"
    assert Division.objects.get(code="320505").full_code == "320505000000"


def test_national_file_shapes(tmp_path):
    (tmp_path / "provinces.csv").write_text('code,name\n32,"江苏省"\n', encoding="utf-8")
    (tmp_path / "cities.csv").write_text('code,name,provinceCode\n3205,"苏州市",32\n', encoding="utf-8")
    (tmp_path / "areas.csv").write_text('code,name,cityCode,provinceCode\n320505,"虎丘区",3205,32\n')
    (tmp_path / "streets.csv").write_text(
        'code,name,areaCode,provinceCode,cityCode\n320505101,"通安镇",320505,32,3205\n'
    )
    call_command(
        "import_divisions",
        *(tmp_path / f for f in ["provinces.csv", "cities.csv", "areas.csv", "streets.csv"]),
    )
    assert Division.objects.count() == 4


def test_malformed_row_rejects_whole_file_with_clear_messages():
    divisions_import_csv(by=None, text="code,name\n32,江苏省\n3205,苏州市\n")
    text = (
        "code,name,areaCode,provinceCode,cityCode\n"
        "320505,虎丘区,,32,3205\n"
        "320505101,通安镇,320505,32,3205\n"
        "32050510X,坏代码,320505,32,3205\n"
        "320505003,,320505,32,3205\n"
        "320505004,镇湖街道,320506,32,3205\n"
        "320505101,重复,320505,32,3205\n"
        "320999001,无上级,320999,32,3209\n"
    )
    with pytest.raises(ServiceError) as exc:
        divisions_import_csv(by=None, text=text)
    messages = [e["message"] for e in exc.value.errors]
    assert "未写入任何数据" in exc.value.message
    assert any(m.startswith("第 4 行 code") and "只能由数字组成" in m for m in messages)
    assert any(m.startswith("第 5 行 name") and "不能为空" in m for m in messages)
    assert any(m.startswith("第 6 行 areaCode") and "不一致" in m for m in messages)
    assert any(m.startswith("第 7 行 code") and "与第 3 行重复" in m for m in messages)
    assert any(m.startswith("第 8 行 code") and "上级区划 320999 不存在" in m for m in messages)
    assert not Division.objects.filter(code__startswith="320505").exists()  # nothing half-imported


def test_missing_header_and_command_error(tmp_path):
    with pytest.raises(ServiceError) as exc:
        divisions_import_csv(by=None, text="id,title\n1,x\n")
    assert "缺少必需的列 code" in exc.value.errors[0]["message"]
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name\n1,x\n", encoding="utf-8")
    with pytest.raises(CommandError) as err:
        call_command("import_divisions", str(bad))
    assert "第 2 行 code" in str(err.value)
