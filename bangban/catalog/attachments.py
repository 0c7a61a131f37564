"""Blank forms and filled samples of materials (办事指南 downloads): what a file is, by its content.

The extension a browser sends proves nothing; the first bytes (and, for Office files, the zip
directory) do. Accepted: PDF, Word and Excel (OOXML and the older OLE formats), PNG and JPEG. The
stored file is renamed to the extension of what it really is, so the download is served as that.
"""

from __future__ import annotations

import zipfile

from django.conf import settings
from django.utils.deconstruct import deconstructible

from bangban.core.uploads import upload_check

KINDS = {
    ".pdf": "PDF",
    ".docx": "Word",
    ".xlsx": "Excel",
    ".doc": "Word（97-2003）",
    ".xls": "Excel（97-2003）",
    ".png": "PNG 图片",
    ".jpg": "JPEG 图片",
}
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff(head: bytes, zip_names: list[str] | None = None) -> str | None:
    """The extension of a file from its first bytes (and its zip entry names, if it is a zip), or None."""
    if head.startswith(b"%PDF-"):
        return ".pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png"
    if head.startswith(b"\xff\xd8\xff"):
        return ".jpg"
    if head.startswith(OLE):
        return ".doc"  # Word or Excel 97-2003: the same container; served as a download either way
    if head.startswith(b"PK\x03\x04") and zip_names is not None:
        names = set(zip_names)
        if "[Content_Types].xml" not in names:
            return None
        if any(n.endswith("vbaProject.bin") for n in names):
            return None  # macro-enabled: not handed to citizens
        if "word/document.xml" in names:
            return ".docx"
        if "xl/workbook.xml" in names:
            return ".xlsx"
    return None


def _inspect(upload) -> str | None:
    f = upload.file if hasattr(upload, "file") else upload
    f.seek(0)
    head = f.read(16)
    names = None
    if head.startswith(b"PK\x03\x04"):
        f.seek(0)
        try:
            with zipfile.ZipFile(f) as z:
                names = z.namelist()[:2000]
        except (zipfile.BadZipFile, ValueError, OSError, NotImplementedError, EOFError):
            names = None
    f.seek(0)
    ext = sniff(head, names)
    if ext is None:
        return f"文件内容不是 {'、'.join(dict.fromkeys(KINDS.values()))} 之一（按文件内容识别，与扩展名无关）"
    stem = (upload.name or "附件").rsplit("/", 1)[-1].rsplit(".", 1)[0][:80] or "附件"
    upload.name = f"{stem}{ext}"  # stored and served as what it really is
    return None


@deconstructible
class AttachmentValidator:
    """A material's blank form or sample: within BANGBAN_CATALOG_ATTACHMENT_MAX_BYTES, of a known kind."""

    def __init__(self, label: str):
        self.label = label

    def __call__(self, upload) -> None:
        upload_check(
            upload,
            label=self.label,
            max_bytes=settings.BANGBAN_CATALOG_ATTACHMENT_MAX_BYTES,
            inspect=_inspect,
        )

    def __eq__(self, other):
        return isinstance(other, AttachmentValidator) and other.label == self.label
