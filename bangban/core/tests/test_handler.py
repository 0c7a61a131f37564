"""The app server's handler resolves a request's path once: the public-page middleware resolves it
early and the handler takes that match; answers are those of Django's own handler."""

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.test import RequestFactory
from django.urls import get_resolver

from bangban.core.handler import _handler_class


@pytest.fixture
def resolutions(monkeypatch):
    """Counts the walks of the root URLconf."""
    resolver, walks = get_resolver(), []
    original = resolver.resolve

    def resolve(path):
        walks.append(path)
        return original(path)

    monkeypatch.setattr(resolver, "resolve", resolve)
    return walks


def _answer(handler, path):
    environ = RequestFactory().get(path, HTTP_HOST="testserver").environ
    response = handler(environ, lambda status, headers: None)
    body = b"".join(response)
    response.close()
    return response.status_code, body


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/", "/remote/c/nobody/events", "/accounts/login/", "/staff/", "/no/such/page/", "/api/v1/"]
)
def test_a_request_is_resolved_once_and_answered_as_by_djangos_handler(path, resolutions):
    ours = _answer(_handler_class()(), path)
    walks_ours = list(resolutions)
    resolutions.clear()
    django = _answer(WSGIHandler(), path)
    assert ours[0] == django[0]
    if path == "/no/such/page/":  # nothing to keep: resolved as before (and answered 404)
        assert ours[0] == 404 and len(walks_ours) == len(resolutions)
    else:
        assert len(walks_ours) == 1, walks_ours
        assert len(resolutions) == (1 if path.startswith("/api/") else 2)  # Django's: twice


def test_a_match_for_another_path_is_not_taken():
    from django.http import HttpRequest

    from bangban.core.handler import resolve_early

    handler = _handler_class()()
    request = HttpRequest()
    request.path_info = "/"
    early = resolve_early(request)
    assert handler.resolve_request(request) is early
    request.path_info = "/remote/help/"
    assert handler.resolve_request(request).view_name == "remote:public_help"
