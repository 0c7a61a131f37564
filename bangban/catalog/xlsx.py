"""A fast, read-only .xlsx reader for the catalog import (values only, every value as text).

openpyxl's reader builds a Python object per cell and takes ~9 s for a 10,000-item catalog on
this hardware; the import must finish within 10 s. Excel, WPS, LibreOffice and openpyxl all
write cells as `<c r="A1" ...>`, which one regular expression reads at ~1 s per 10,000 items; a
sheet that does not fit that shape is read with ElementTree instead (slower, general).

Returned values are strings exactly as stored (numbers as their decimal text, shared and inline
strings resolved, booleans "TRUE"/"FALSE"); interpreting them is the importer's business.
"""

from __future__ import annotations

import html
import io
import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

Row = tuple[int, dict[str, str]]


class WorkbookError(ValueError):
    """The file is not a readable .xlsx workbook."""


_CELL = re.compile(r'<c r="([A-Z]{1,3})(\d+)"([^>]*?)(?:/>|>(.*?)</c>)', re.S)
_ANY_CELL = re.compile(r"<c[\s>/]")
_T = re.compile(r"<t\b[^>]*?(?:/>|>(.*?)</t>)", re.S)
_RPH = re.compile(r"<rPh\b.*?</rPh>", re.S)
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _text(value: str) -> str:
    if "&" in value:
        value = html.unescape(value)
    if "_x" in value:
        value = _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), value)
    return value


def _rich_text(inner: str) -> str:
    """Concatenated <t> runs of a string item, without phonetic (rPh) runs."""
    if "<rPh" in inner:
        inner = _RPH.sub("", inner)
    return _text("".join(m.group(1) or "" for m in _T.finditer(inner)))


def _shared_strings(z: zipfile.ZipFile, path: str | None) -> list[str]:
    if not path or path not in z.namelist():
        return []
    text = z.read(path).decode("utf-8")
    out = []
    for m in re.finditer(r"<si>(.*?)</si>|<si/>", text, re.S):
        out.append(_rich_text(m.group(1) or ""))
    return out


def _value(attrs: str, inner: str | None, strings: list[str]) -> str | None:
    if not inner:
        return None
    if 't="s"' in attrs:
        i = inner.find("<v>")
        if i < 0:
            return None
        return strings[int(inner[i + 3 : inner.index("</v>", i)])]
    if 't="inlineStr"' in attrs:
        if inner.startswith("<is><t>") and inner.endswith("</t></is>") and inner.count("<t") == 1:
            return _text(inner[7:-9])
        return _rich_text(inner)
    i = inner.find("<v>")
    if i < 0:
        return None
    value = _text(inner[i + 3 : inner.index("</v>", i)])
    if 't="b"' in attrs:
        return "TRUE" if value == "1" else "FALSE"
    return value


def _rows_fast(text: str, strings: list[str]) -> list[Row] | None:
    rows: dict[int, dict[str, str]] = {}
    found = 0
    for col, row, attrs, inner in _CELL.findall(text):
        found += 1
        value = _value(attrs, inner, strings)
        if value is None or value == "":
            continue
        number = int(row)
        cells = rows.get(number)
        if cells is None:
            cells = rows[number] = {}
        cells[col] = value
    if found != len(_ANY_CELL.findall(text)):
        return None  # some cells lack a leading r="…": read the general way
    return sorted(rows.items())


def _col_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _rows_general(data: bytes, strings: list[str]) -> list[Row]:
    rows: list[Row] = []
    row_number = 0
    for _event, el in ET.iterparse(io.BytesIO(data)):
        if _local(el.tag) != "row":
            continue
        row_number = int(el.get("r") or row_number + 1)
        cells: dict[str, str] = {}
        col_index = -1
        for c in el:
            if _local(c.tag) != "c":
                continue
            ref = c.get("r")
            if ref:
                letters = "".join(ch for ch in ref if ch.isalpha())
                col_index = sum((ord(ch) - 64) * 26**i for i, ch in enumerate(reversed(letters))) - 1
            else:
                col_index += 1
            kind = c.get("t")
            value = None
            for child in c:
                name = _local(child.tag)
                if name == "v":
                    value = child.text or ""
                elif name == "is":
                    value = "".join(
                        t.text or ""
                        for t in child.iter()
                        if _local(t.tag) == "t" and t not in _phonetic(child)
                    )
            if value is None or value == "":
                continue
            if kind == "s":
                value = strings[int(value)]
            elif kind == "b":
                value = "TRUE" if value == "1" else "FALSE"
            cells[_col_letter(col_index)] = _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), value)
        if cells:
            rows.append((row_number, cells))
        el.clear()
    return rows


def _phonetic(element) -> set:
    return {t for r in element.iter() if _local(r.tag) == "rPh" for t in r.iter()}


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(base, target))


def read_workbook(data: bytes, sheets: list[str] | None = None) -> dict[str, list[Row]]:
    """{sheet name: [(row number, {column letter: text})]} for every sheet, or only those named."""
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        workbook = ET.fromstring(z.read("xl/workbook.xml"))
        rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    except (zipfile.BadZipFile, KeyError, ET.ParseError) as exc:
        raise WorkbookError("文件不是有效的 Excel 工作簿（.xlsx）") from exc
    targets = {}
    shared = None
    for rel in rels:
        target = _resolve("xl", rel.get("Target", ""))
        targets[rel.get("Id")] = target
        if rel.get("Type", "").endswith("/sharedStrings"):
            shared = target
    strings = _shared_strings(z, shared or "xl/sharedStrings.xml")
    out: dict[str, list[Row]] = {}
    for sheet in workbook.iter(f"{{{MAIN_NS}}}sheet"):
        name = sheet.get("name")
        if sheets is not None and name not in sheets:
            continue
        path = targets.get(sheet.get(f"{{{REL_NS}}}id"))
        if not path or path not in z.namelist():
            continue
        raw = z.read(path)
        try:
            rows = _rows_fast(raw.decode("utf-8"), strings)
        except (ValueError, IndexError):
            rows = None
        out[name] = rows if rows is not None else _rows_general(raw, strings)
    return out
