"""File downloads through DRF: a client that asks for the very type an endpoint serves gets it.

DRF negotiates the answer's type against the view's renderers (JSON) before the view runs, so a
client sending `Accept: application/pdf` to a PDF endpoint was answered 406. A download endpoint
answers its file as a plain `HttpResponse` (no renderer involved) and its errors as JSON; its
negotiation must accept both. Every DRF view that serves a file declares what it serves:

    @action(detail=True, methods=["get"], content_negotiation_class=serves(PDF))   # view-set action
    class CaseFormView(APIView): content_negotiation_class = serves(PDF)           # API view
    @serves_files(XLSX) @api_view(["GET"]) def export(request): ...                # function view

Any other `Accept` (say `text/csv` on a PDF) is still 406.
"""

from __future__ import annotations

from functools import cache

from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.utils.mediatypes import media_type_matches

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class FileDownloadNegotiation(DefaultContentNegotiation):
    """Negotiation of an endpoint whose success is a file of one of `media_types`."""

    media_types: tuple[str, ...] = ()

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except NotAcceptable:
            accepted = self.get_accept_list(request)
            if any(media_type_matches(served, a) for served in self.media_types for a in accepted):
                # The file is the view's own HttpResponse; the renderer only formats an error (JSON).
                return renderers[0], renderers[0].media_type
            raise


@cache
def serves(*media_types: str) -> type[FileDownloadNegotiation]:
    """The negotiation class of an endpoint serving files of these types."""
    return type("FileDownloadNegotiation", (FileDownloadNegotiation,), {"media_types": media_types})


def serves_files(*media_types: str):
    """Decorator for an `@api_view` function (apply it above `@api_view`) or an APIView class."""

    def apply(view):
        getattr(view, "cls", view).content_negotiation_class = serves(*media_types)
        return view

    return apply
