"""The app's URLs plus two reference views the pages' figures are compared with (bench/cases_load.py):

- /bench/bare/: a view doing nothing behind the project's whole middleware stack (the ratio column);
- /bench/floor/: the least a staff list page can cost in this stack: the layout every page has
  (core/base.html, its navigation and signed-in header), one indexed statement reading the
  signed-in agent's 30 most urgent open cases (cases_open_by_agent, in its order), and a table of
  three columns written the way the list pages write their rows (core.html.format_html_join).
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.template import RequestContext, Template
from django.urls import include, path

from bangban.cases.models import OPEN_STATUSES, Case
from bangban.core.html import format_html_join
from bangban.urls import handler400, handler403, handler404, handler500  # noqa: F401


def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


FLOOR = Template(
    '{% extends "core/base.html" %}{% block title %}办件{% endblock %}'
    "{% block content %}<table><tbody>{{ rows }}</tbody></table>{% endblock %}"
)


@login_required
def floor(request):
    cases = (
        Case.objects.filter(agent=request.user, status__in=OPEN_STATUSES)
        .order_by("clock_stopped", "due_date", "id")
        .values_list("number", "applicant_name", "due_date")[:30]
    )
    rows = format_html_join("\n", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", cases)
    return HttpResponse(FLOOR.render(RequestContext(request, {"rows": rows})))


urlpatterns = [
    path("bench/bare/", bare),
    path("bench/floor/", floor),
    path("", include("bangban.urls")),
]
