"""The picker over a 清单 of 5,000 items (issue 9: server-side): the right item first for short
initials at scale, a page rather than every match, a bounded number of queries. Its speed is not measured
here (a test is no benchmark)."""

import pytest
from django.db import connection

from bangban.cases.tests.conftest import make_listing

pytestmark = pytest.mark.django_db

QUERIES = ["gtgsh", "cjrzb", "spjy", "许可证", "备案", "3", "市场监督", "zxdj", "", "一"]


def test_picker_over_five_thousand_items(org, web, django_assert_max_num_queries):
    make_listing(
        org,
        [org.town, org.county],
        count=5000,
        extra=[("个体工商户设立登记", 3, False, []), ("残疾人证补办", 0, True, [])],
    )
    if connection.vendor == "postgresql":  # a live database has planner statistics; fresh test tables not
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE catalog_itemversion; ANALYZE catalog_listingentry; ANALYZE catalog_item")
    client = web(org.user("town_agent"))
    assert client.get("/cases/new/pick/", {"q": "gtgsh"}).json()["items"][0]["name"] == "个体工商户设立登记"
    assert client.get("/cases/new/pick/", {"q": "cjrzb"}).json()["items"][0]["name"] == "残疾人证补办"
    assert len(client.get("/cases/new/pick/", {"q": "xkz"}).json()["items"]) == 15  # a page, not 1,500
    with django_assert_max_num_queries(8):  # session, user, frequent items, two searches, bundles
        client.get("/cases/new/pick/", {"q": "spjy"})
    for q in QUERIES:  # every kind of query answers at this scale
        response = client.get("/cases/new/pick/", {"q": q, "kind": "help"})
        assert response.status_code == 200, q
