"""/api/v1/schema/: the OpenAPI document, generated once per process (per API version and language).

Generating it walks every view and serializer, seconds of CPU, and the schema is public: served as
generated, one anonymous client could keep an app server busy, and the code it describes cannot
change while the process runs. It is built without a request, so nothing of the first caller (their
user, their host) can end up in the copy everyone else is served. The tests read the same document.
"""

from __future__ import annotations

import threading

from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.views import SpectacularAPIView
from rest_framework.response import Response

_documents: dict[tuple, dict] = {}
_documents_lock = threading.Lock()


def openapi_document(version: str | None = None) -> dict:
    """The OpenAPI document in the active language, generated on first use and kept."""
    key = (version, translation.get_language())
    document = _documents.get(key)
    if document is None:
        with _documents_lock:  # concurrent first callers wait for one generation
            document = _documents.get(key)
            if document is None:
                generator = SchemaGenerator(api_version=version)
                document = _documents[key] = generator.get_schema(request=None, public=True)
    return document


class SchemaView(SpectacularAPIView):
    """drf-spectacular's schema view, serving `openapi_document()` instead of generating per request."""

    def _get_schema_response(self, request):
        version = self.api_version or request.version or self._get_version_parameter(request)
        return Response(
            data=openapi_document(version),
            headers={"Content-Disposition": f'inline; filename="{self._get_filename(request, version)}"'},
        )
