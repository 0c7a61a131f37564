"""Importing administrative divisions from CSV.

Accepted shapes are those of the national data set (provinces.csv, cities.csv, areas.csv,
streets.csv) and a village file of the same kind: a `code` and a `name` column, and
optionally parent columns (provinceCode, cityCode, areaCode, streetCode) which must agree
with the code's own prefix. A file is checked whole first; one bad row refuses the file
with every problem listed by line and column, and nothing is written.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.db import transaction

from bangban.audit.services import audit_record
from bangban.core.errors import ServiceError
from bangban.divisions.codes import LENGTH_BY_LEVEL, code_problem, level_of, parent_code
from bangban.divisions.models import Division

PARENT_COLUMNS = {"provinceCode": 1, "cityCode": 2, "areaCode": 3, "streetCode": 4}
MAX_ERRORS = 200


@dataclass
class ImportResult:
    created: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def _problem(line: int, column: str, message: str) -> dict:
    return {"line": line, "field": column, "code": "invalid", "message": f"第 {line} 行 {column}：{message}"}


def _read_rows(text: str) -> tuple[list[tuple[int, dict]], list[dict]]:
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    errors: list[dict] = []
    for column in ("code", "name"):
        if column not in header:
            errors.append(
                {
                    "line": 1,
                    "field": column,
                    "code": "missing_column",
                    "message": f"第 1 行：缺少必需的列 {column}（表头应含 code,name）",
                }
            )
    if errors:
        return [], errors
    rows = []
    for row in reader:
        line = reader.line_num
        if None in row:
            errors.append(_problem(line, "行", "列数多于表头"))
            continue
        rows.append((line, row))
    return rows, errors


def _check(rows: list[tuple[int, dict]], errors: list[dict]) -> dict[str, tuple[str, int]]:
    """Validate every row; return {code: (name, level)} for the file."""
    parsed: dict[str, tuple[str, int]] = {}
    first_line: dict[str, int] = {}
    for line, row in rows:
        code = (row.get("code") or "").strip()
        name = (row.get("name") or "").strip()
        problem = code_problem(code)
        if problem:
            errors.append(_problem(line, "code", f"“{code}” {problem}"))
            continue
        if not name:
            errors.append(_problem(line, "name", "名称不能为空"))
        elif len(name) > 100:
            errors.append(_problem(line, "name", "名称不能超过 100 个字符"))
        if code in first_line:
            errors.append(_problem(line, "code", f"代码 {code} 与第 {first_line[code]} 行重复"))
            continue
        first_line[code] = line
        level = level_of(code)
        for column, parent_level in PARENT_COLUMNS.items():
            value = (row.get(column) or "").strip()
            if value and parent_level < level and value != code[: LENGTH_BY_LEVEL[parent_level]]:
                errors.append(_problem(line, column, f"“{value}” 与区划代码 {code} 的上级不一致"))
        parsed[code] = (name, level)
    return parsed


@transaction.atomic
def divisions_import_csv(*, by, text: str, source_name: str = "") -> ImportResult:
    """Import or update divisions from CSV text; all rows or none.

    Raises ServiceError("import_rejected") listing every bad row (line, column, rule).
    Parents must exist already or come in the same file.
    """
    rows, errors = _read_rows(text.lstrip("\ufeff"))
    parsed = _check(rows, errors) if not errors else {}
    if not errors and not parsed:
        errors.append({"line": 1, "field": "文件", "code": "empty", "message": "文件中没有数据行"})

    existing = {d.code: d for d in Division.objects.filter(code__in=list(parsed))}
    parent_codes = {p for c in parsed if (p := parent_code(c))}
    known_parents = set(
        Division.objects.filter(code__in=parent_codes - set(parsed)).values_list("code", flat=True)
    )
    for line, row in rows:
        code = (row.get("code") or "").strip()
        p = parent_code(code) if code in parsed else None
        if p and p not in parsed and p not in known_parents:
            errors.append(_problem(line, "code", f"上级区划 {p} 不存在，请先导入上级区划"))

    if errors:
        shown = errors[:MAX_ERRORS]
        more = f"（另有 {len(errors) - MAX_ERRORS} 处未列出）" if len(errors) > MAX_ERRORS else ""
        raise ServiceError(
            "import_rejected",
            f"导入被拒绝：发现 {len(errors)} 处错误，未写入任何数据{more}",
            field="file",
            errors=shown,
        )

    created = updated = unchanged = 0
    to_create, to_update = [], []
    # Parents before children so foreign keys always point at existing rows.
    for code in sorted(parsed, key=lambda c: (len(c), c)):
        name, level = parsed[code]
        current = existing.get(code)
        if current is None:
            to_create.append(Division(code=code, name=name, level=level, parent_id=parent_code(code)))
            created += 1
        elif current.name != name:
            current.name = name
            to_update.append(current)
            updated += 1
        else:
            unchanged += 1
    for level in sorted(LENGTH_BY_LEVEL):
        Division.objects.bulk_create([d for d in to_create if d.level == level], batch_size=2000)
    Division.objects.bulk_update(to_update, ["name"], batch_size=2000)
    audit_record(
        actor=by,
        action="divisions.import",
        object_type="divisions.division",
        object_repr=source_name or "CSV",
        changes={
            "created": {"before": None, "after": created},
            "updated": {"before": None, "after": updated},
        },
        note=f"导入行政区划 {source_name}：新增 {created}，更新 {updated}，未变 {unchanged}",
    )
    return ImportResult(created=created, updated=updated, unchanged=unchanged)
