"""`is_superuser` is no back door into the catalog: the superuser `admin` holding only the
系统管理员 role may not create, publish, approve or import catalog items (its roles grant none of
that), through the services, the pages or the API. The services ask the account's capabilities
(accounts.permissions), never `is_superuser`."""

import datetime
import pathlib

import pytest
import time_machine

from bangban.accounts.roles import Role
from bangban.catalog import services
from bangban.catalog.models import Adjustment, Item, ItemVersion
from bangban.catalog.tests.conftest import item_data
from bangban.core.errors import AccessRefused
from bangban.core.testing import make_user

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, 0), tick=False):
        yield


@pytest.fixture
def superuser(cat):
    user = make_user("admin", cat.county, [Role.SYSADMIN])
    user.is_superuser = user.is_staff = True
    user.save(update_fields=["is_superuser", "is_staff"])
    return user


def test_catalog_services_never_read_is_superuser():
    for module in ("services", "selectors", "views", "api"):
        source = (pathlib.Path(services.__file__).parent / f"{module}.py").read_text()
        assert "is_superuser" not in source, module


def test_a_superuser_sysadmin_cannot_create_publish_approve_or_import(cat, superuser, published):
    with pytest.raises(AccessRefused):
        services.item_create(by=superuser, data=item_data(cat))
    assert not Item.objects.exists()

    draft = services.item_create(by=cat.user("catalog_admin"), data=item_data(cat)).versions.get()
    with pytest.raises(AccessRefused):
        services.item_version_publish(by=superuser, version=draft, valid_from=TODAY)
    with pytest.raises(AccessRefused):
        services.item_version_submit(by=superuser, version=draft, effective_on=TODAY)
    draft.refresh_from_db()
    assert draft.state == ItemVersion.State.DRAFT and draft.adjustment_id is None

    publication = services.item_version_submit(
        by=cat.user("catalog_admin"), version=draft, effective_on=TODAY
    )
    with pytest.raises(AccessRefused):
        services.adjustment_approve(by=superuser, adjustment=publication)
    with pytest.raises(AccessRefused):
        services.adjustment_return(by=superuser, adjustment=publication, note="退回")
    assert Adjustment.objects.get(pk=publication.pk).status == Adjustment.Status.SUBMITTED

    item = published(basic_code="000105003002", name="食品经营许可（变更）")
    with pytest.raises(AccessRefused):
        services.adjustment_create(
            by=superuser,
            kind="cancel",
            trigger="other",
            justification="超级用户",
            effective_on=datetime.date(2026, 4, 1),
            items=[item],
        )
    with pytest.raises(AccessRefused):
        services.catalog_import_xlsx(by=superuser, data=b"PK")
    with pytest.raises(AccessRefused):
        services.bundle_create(by=superuser, name="我要开餐馆", audience="enterprise", items=[item, item])


def test_a_superuser_sysadmin_is_refused_on_pages_and_api(cat, superuser, web, api):
    data = item_data(cat, department=cat.department.pk, handling_tiers=[1], help_tiers=[1], agency_tiers=[1])
    data["legal_bases"].sort(key=lambda e: e["rank"])
    response = api(superuser).post("/api/v1/catalog/items/", data, format="json")
    assert response.status_code == 403 and response.json()["code"] == "capability_required"
    assert web(superuser).get("/catalog/items/new/").status_code == 403
    assert web(superuser).get("/catalog/imports/").status_code == 403
    assert not Item.objects.exists()
