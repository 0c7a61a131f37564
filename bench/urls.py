"""The app's URLs plus /bench/bare/: a view doing nothing behind the project's whole middleware stack,
the floor every page's figure is compared with (bench/cases_load.py, ratio column)."""

from django.http import HttpResponse
from django.urls import include, path

from bangban.urls import handler400, handler403, handler404, handler500  # noqa: F401


def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("bench/bare/", bare),
    path("", include("bangban.urls")),
]
