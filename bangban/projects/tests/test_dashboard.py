"""The 工作台's key-project section: late items, my department's open requests, open blockers, each a
link; a fixed number of statements however many projects there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bangban.projects import services
from bangban.projects.dashboard import project_sections
from bangban.projects.tests.conftest import at, item, register

pytestmark = pytest.mark.django_db


def _projects(porg, n):
    """n projects, each with a late running item, an open request to 自然资源 and a blocker."""
    agent, coordinator = porg.user("county_agent"), porg.user("coordinator")
    out = []
    with at(2026, 3, 2):
        for k in range(n):
            p = register(porg, name=f"项目{k}")
            services.item_start(by=agent, item=item(p, "企业投资项目备案"))  # due 3-5
            services.request_send(
                by=coordinator, project=p, department=porg.depts["zrzy"], kind="question", text=f"问题{k}"
            )
            services.blocker_raise(by=agent, item=item(p, "企业投资项目备案"), text=f"堵点{k}")
            out.append(p)
    return out


def test_the_lead_agent_and_the_liaison_see_their_lists_with_links(porg, web):
    (p,) = _projects(porg, 1)
    with at(2026, 3, 10):
        page = web(porg.user("county_agent")).get(reverse("core:home")).content.decode()
    beian = item(p, "企业投资项目备案")
    assert "重点项目" in page and f"{reverse('projects:detail', args=[p.pk])}#item-{beian.pk}" in page
    assert f"{reverse('projects:detail', args=[p.pk])}#blockers" in page and "堵点0" in page
    assert "待答复的协办请求" not in page  # not a department's liaison
    with at(2026, 3, 10):
        page = web(porg.user("zrzy_liaison")).get(reverse("core:home")).content.decode()
    assert "问题0" in page and f"{reverse('projects:queue')}#dept-requests" in page
    assert "企业投资项目备案" not in page  # another department's item and blocker
    with at(2026, 3, 10):
        page = web(porg.user("fgw_liaison")).get(reverse("core:home")).content.decode()
    assert "企业投资项目备案" in page and "堵点0" in page and "问题0" not in page
    with at(2026, 3, 10):
        assert project_sections(porg.user("other_admin"))[0]["late"] == []  # another center's
        assert project_sections(porg.user("supervisor")) == []  # no project role


def test_a_fixed_number_of_statements_whatever_the_number_of_projects(porg):
    _projects(porg, 1)
    counts = {}
    for key in ("county_agent", "fgw_liaison", "zrzy_liaison"):
        user = porg.user(key)
        with at(2026, 3, 10), CaptureQueriesContext(connection) as one:
            project_sections(user)
        counts[key] = len(one)
    _projects(porg, 11)  # past the first page of each list: counted, still bounded
    for key in ("county_agent", "fgw_liaison", "zrzy_liaison"):
        user = porg.user(key)
        with at(2026, 3, 10), CaptureQueriesContext(connection) as many:
            sections = project_sections(user)
        assert len(many) <= counts[key] + 3, (key, [q["sql"] for q in many.captured_queries])
        assert len(many) <= 8, len(many)
        section = sections[0]
        if key != "zrzy_liaison":
            assert section["late_count"] == "12" and len(section["late"]) == 10
            assert section["blockers_count"] == "12"
        else:
            assert section["requests_count"] == "12" and section["late"] == []


def test_a_manager_running_no_project_pays_one_statement(porg):
    """Most agents run no key project: their section reads their projects' ids and nothing more."""
    _projects(porg, 2)
    head = porg.user("other_admin")  # another center's head: none of these in their scope
    head.role_codes  # noqa: B018 (the roles are read once a request, before any section)
    with at(2026, 3, 10), CaptureQueriesContext(connection) as statements:
        (section,) = project_sections(head)
    assert section["late"] == [] and section["blockers"] == [] and section["late_count"] == "0"
    assert len(statements) == 1, [q["sql"] for q in statements.captured_queries]
