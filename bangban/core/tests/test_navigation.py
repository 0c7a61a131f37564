"""Navigation shows each role only what it may open: every link in a <nav> answers 200."""

import re
from html.parser import HTMLParser

import pytest

from bangban.core import navigation

ROLE_USERS = [
    "sysadmin",
    "county_admin",
    "supervisor",
    "catalog_admin",
    "coordinator",
    "chief_liaison",
    "liaison",
    "town_agent",
    "station_agent",
]


class _NavLinks(HTMLParser):
    def __init__(self):
        super().__init__()
        self.depth = 0
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "nav":
            self.depth += 1
        elif tag == "a" and self.depth:
            self.links.append(dict(attrs)["href"])

    def handle_endtag(self, tag):
        if tag == "nav":
            self.depth -= 1


def nav_links(html: str) -> list[str]:
    parser = _NavLinks()
    parser.feed(html)
    return parser.links


@pytest.mark.django_db
@pytest.mark.parametrize("key", ROLE_USERS)
def test_every_navigation_link_a_role_sees_opens(org, web, key):
    client = web(org.user(key))
    # One visit per URL shape (/workdays/2026/ stands for every year), the bounds included.
    bounds = ["/workdays/1990/", "/workdays/2100/"]
    seen, todo = set(), ["/", "/catalog/", *bounds]
    while todo:
        url = todo.pop()
        shape = url if url in bounds else re.sub(r"\d+", "N", url)
        if shape in seen:
            continue
        seen.add(shape)
        response = client.get(url, follow=True)
        assert response.status_code == 200, f"{key}: {url} answered {response.status_code}"
        html = response.content.decode()
        todo += [link for link in nav_links(html) if link.startswith("/")]
    assert len(seen) > 2


@pytest.mark.django_db
def test_import_tab_only_for_catalog_managers(org, web):
    for key in ROLE_USERS:
        html = web(org.user(key)).get("/catalog/").content.decode()
        assert ('href="/catalog/imports/"' in html) == (key == "catalog_admin"), key


def test_every_navigation_entry_reads_its_gate_from_the_view():
    # The capability a nav entry is shown for is the one its page checks: declared once, on the view.
    for entry in navigation._ENTRIES:
        if entry.url_name == "core:home":
            continue
        assert navigation.required_caps(entry.url_name), f"{entry.url_name} declares no @requires"


@pytest.mark.django_db
def test_requires_refuses_with_403_and_audit(org, web):
    from bangban.audit.models import AuditEvent

    response = web(org.user("station_agent")).get("/catalog/imports/")
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action="access.refused").exists()
    assert re.search("无权", response.content.decode())


@pytest.mark.django_db
@pytest.mark.parametrize("key", ROLE_USERS)
def test_the_kept_navigation_is_each_roles_own(org, key):
    # Kept per set of capabilities: what the user's own checks (has_cap, may_open) let through.
    from bangban.accounts.permissions import has_cap

    user = org.user(key)
    expected = [
        e.label
        for e in navigation._ENTRIES
        if (e.cap is None or has_cap(user, e.cap)) and navigation.may_open(user, e.url_name)
    ]
    assert [e.label for e in navigation.entries_for(user)] == expected
    assert len(nav_links(navigation.nav_html(user, "/"))) == len(expected)


@pytest.mark.django_db
def test_the_kept_navigation_marks_the_longest_matching_entry(org):
    agent = org.user("town_agent")

    def current(path):
        found = re.findall(r'<a href="([^"]+)" aria-current="page"', navigation.nav_html(agent, path))
        return found

    assert current("/cases/") == ["/cases/"]
    assert current("/cases/123/") == ["/cases/"]
    assert current("/cases/new/") == ["/cases/new/"]  # 登记办件, not 办件
    assert current("/nowhere/") == []
