"""/api/v1/schema/: the OpenAPI document, generated once per process (per offered language).

Generating it walks every view and serializer, seconds of CPU, and the schema is public: served as
generated, one anonymous client could keep an app server busy, and the code it describes cannot
change while the process runs. It is built without a request, so nothing of the first caller (their
user, their host, what they put in the query) can end up in the copy everyone else is served, nor
make another copy. The tests read the same document.
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.views import SpectacularAPIView
from rest_framework.response import Response

_documents: dict[str, dict] = {}
_documents_lock = threading.Lock()


def _language() -> str:
    """The active language if the site offers it, else the default: `?lang=` comes from anyone, and an
    unbounded set of keys would let a client have the document generated (and kept) again and again."""
    active = translation.get_language()
    return active if active in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def openapi_document() -> dict:
    """The OpenAPI document in the active language (one of LANGUAGES), generated on first use and kept.
    The API has one version (/api/v1/, no DRF versioning), so a `?version=` changes nothing either."""
    language = _language()
    document = _documents.get(language)
    if document is None:
        with _documents_lock:  # concurrent first callers wait for one generation
            document = _documents.get(language)
            if document is None:
                with translation.override(language):
                    document = _documents[language] = SchemaGenerator().get_schema(request=None, public=True)
    return document


class SchemaView(SpectacularAPIView):
    """drf-spectacular's schema view, serving `openapi_document()` instead of generating per request."""

    def _get_schema_response(self, request):
        return Response(
            data=openapi_document(),
            headers={"Content-Disposition": f'inline; filename="{self._get_filename(request, None)}"'},
        )
