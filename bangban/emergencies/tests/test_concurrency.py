"""Two managers publishing the same plan at once: consecutive versions or a clear refusal, never two
current versions (real threads and transactions, both databases)."""

import pytest

from bangban.core.testing import make_org, run_together
from bangban.emergencies import services
from bangban.emergencies.models import Plan

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("existing", [False, True])
def test_simultaneous_publications(existing):
    org = make_org()
    admin = org.user("county_admin")

    def publish(i):
        return services.plan_publish(
            by=admin, institution=org.county, type="surge", title="业务集中办理应急预案", content=f"第 {i} 稿"
        ).version

    if existing:
        publish(0)
    results = run_together(3, publish)
    assert all(r[0] in ("ok", "error") for r in results), results
    assert {r[1] for r in results if r[0] == "error"} <= {"conflict"}
    versions = sorted(Plan.objects.values_list("version", flat=True))
    assert versions == list(range(1, len(versions) + 1))
    assert Plan.objects.filter(is_current=True).count() == 1
    assert Plan.objects.get(is_current=True).version == versions[-1]
