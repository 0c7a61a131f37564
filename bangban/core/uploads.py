"""Bounds on every uploaded file, for pages and API alike.

Two halves of one rule:

- `BoundedUploadHandler` (first in FILE_UPLOAD_HANDLERS) sees every multipart body before any
  view. A body whose declared length exceeds BANGBAN_UPLOAD_MAX_REQUEST_BYTES is refused before
  a byte is read (400; JSON through the API's error handler, the 400 page otherwise). A file
  that grows past BANGBAN_UPLOAD_MAX_BYTES stops being stored: the rest of it is counted and
  dropped, and the field receives an empty `OversizedUpload` that remembers its real size.
- DRF's JSON and form parsers read the request stream themselves, past Django's
  DATA_UPLOAD_MAX_MEMORY_SIZE (which guards `request.body` only): the API uses the subclasses
  below, which refuse a declared length beyond it before reading.
- `upload_check` (and its form/serializer validator `UploadValidator`) is the one place a view
  asks whether a file is acceptable: size (an `OversizedUpload` always fails), emptiness,
  extension, and an optional content inspection (e.g. the xlsx container check). Its message
  names the field and the limit in Chinese, so a form shows it under the field and the API in
  its `errors[]`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.utils.deconstruct import deconstructible
from rest_framework import parsers
from rest_framework.exceptions import APIException


def size_text(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f}".removesuffix(".0") + " MB"
    return f"{max(n, 1) / 1024:.0f} KB"


class RequestTooLarge(RequestDataTooBig, APIException):
    """A request body beyond the limit: a SuspiciousOperation for Django (400 page) and an
    APIException for DRF (the API's JSON error body), whichever reads the body first."""

    status_code = 400
    default_code = "request_too_large"

    def __init__(self, limit: int):
        APIException.__init__(
            self, f"请求体超过 {size_text(limit)} 的上限，未处理任何内容", "request_too_large"
        )


class OversizedUpload(UploadedFile):
    """What a form receives for a file that exceeded BANGBAN_UPLOAD_MAX_BYTES: no content, its real size."""

    def __init__(self, name: str, content_type: str | None, size: int):
        import io

        super().__init__(io.BytesIO(), name=name, content_type=content_type, size=size)
        self.oversized = True


class BoundedUploadHandler(FileUploadHandler):
    """Caps the request body and every file in it; stores nothing beyond the cap."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        limit = settings.BANGBAN_UPLOAD_MAX_REQUEST_BYTES
        if content_length > limit:
            raise RequestTooLarge(limit)
        return None

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.BANGBAN_UPLOAD_MAX_BYTES:
            return None  # counted, not passed on: the handlers after this one store nothing more
        return raw_data

    def file_complete(self, file_size):
        if self.received > settings.BANGBAN_UPLOAD_MAX_BYTES:
            return OversizedUpload(self.file_name, self.content_type, self.received)
        return None  # within the limit: the next handler (memory or temporary file) supplies it


def upload_check(
    upload,
    *,
    label: str,
    extensions: Iterable[str] = (),
    max_bytes: int | None = None,
    inspect: Callable[[UploadedFile], str | None] | None = None,
) -> None:
    """Raise a ValidationError (Chinese, naming `label` and the rule) unless the file is within bounds.

    `inspect(upload)` may look at the content and return a refusal message, or None when fine.
    """
    limit = min(max_bytes or settings.BANGBAN_UPLOAD_MAX_BYTES, settings.BANGBAN_UPLOAD_MAX_BYTES)
    if getattr(upload, "oversized", False) or upload.size > limit:
        raise ValidationError(
            f"{label}超过 {size_text(limit)} 的上限（本文件 {size_text(upload.size)}）", code="file_too_large"
        )
    if not upload.size:
        raise ValidationError(f"{label}是空文件", code="empty_file")
    extensions = tuple(e.lower() for e in extensions)
    if extensions and not (upload.name or "").lower().endswith(extensions):
        raise ValidationError(f"{label}只能是 {'、'.join(extensions)} 格式的文件", code="invalid_extension")
    if inspect is not None:
        problem = inspect(upload)
        if problem:
            raise ValidationError(f"{label}：{problem}", code="invalid_file")


@deconstructible
class UploadValidator:
    """`upload_check` as a validator for forms.FileField and serializers.FileField."""

    def __init__(self, *, label: str, extensions: Iterable[str] = (), max_bytes=None, inspect=None):
        self.label, self.extensions, self.max_bytes, self.inspect = (
            label,
            tuple(extensions),
            max_bytes,
            inspect,
        )

    def __call__(self, upload) -> None:
        upload_check(
            upload,
            label=self.label,
            extensions=self.extensions,
            max_bytes=self.max_bytes,
            inspect=self.inspect,
        )

    def __eq__(self, other):
        return isinstance(other, UploadValidator) and vars(self) == vars(other)


class _BodyLimit:
    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        meta = getattr(request, "META", {})
        try:
            length = int(meta.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit:
            raise RequestTooLarge(limit)
        return super().parse(stream, media_type, parser_context)


class BodyRefused(APIException):
    status_code = 400


class MultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser, answering Django's own body limits (which it lets through as
    SuspiciousOperation, an HTML 400) in the API's JSON error format."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RequestTooLarge:
            raise
        except TooManyFilesSent as exc:
            limit = settings.DATA_UPLOAD_MAX_NUMBER_FILES
            raise BodyRefused(f"一次请求中的文件超过 {limit} 个的上限", "too_many_files") from exc
        except TooManyFieldsSent as exc:
            limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
            raise BodyRefused(f"一次请求中的字段超过 {limit} 个的上限", "too_many_fields") from exc
        except RequestDataTooBig as exc:
            limit = size_text(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
            raise BodyRefused(f"表单字段（文件以外）超过 {limit} 的上限", "request_too_large") from exc


class JSONParser(_BodyLimit, parsers.JSONParser):
    """JSON bodies up to DATA_UPLOAD_MAX_MEMORY_SIZE."""


class FormParser(_BodyLimit, parsers.FormParser):
    """URL-encoded bodies up to DATA_UPLOAD_MAX_MEMORY_SIZE."""
