"""The demo catalog: real items of 苏州高新区 with real legal bases, 清单 at three tiers, two 一件事."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from bangban.catalog import elements, selectors
from bangban.catalog.demo import load_catalog_demo
from bangban.catalog.models import Adjustment, Bundle, Item, ListingEntry
from bangban.org.models import Institution

pytestmark = pytest.mark.django_db


def test_demo_catalog_is_complete_and_idempotent():
    call_command("load_demo", verbosity=0)  # the org demo, then the catalog demo (hooked into load_demo)
    today = timezone.localdate()
    versions = list(selectors.versions_in_force(on=today).prefetch_related("legal_bases", "materials"))
    assert len(versions) >= 30
    names = {v.name for v in versions}
    assert {
        "个体工商户设立登记",
        "城乡居民基本养老保险参保登记",
        "残疾人证新办",
        "食品经营许可（新办）",
        "建筑工程施工许可证核发",
    } <= names
    assert all(v.legal_bases.all() and v.materials.all() for v in versions)
    titles = {e.title for v in versions for e in v.legal_bases.all()}
    assert {
        "《中华人民共和国食品安全法》",
        "《中华人民共和国建筑法》",
        "《中华人民共和国社会保险法》",
    } <= titles
    assert any(t.startswith("《促进个体工商户发展条例》") for t in titles)
    assert selectors.name_inconsistencies(on=today) == []
    # the demo guides are complete, all but the two left incomplete on purpose (信息公开率 < 100 %)
    incomplete = {v.name for v in versions if not v.guide_complete}
    assert incomplete == {"临时占用城市道路审批", "城市建筑垃圾处置核准"}
    assert all(elements.guide_missing(v) == [] for v in versions if v.name not in incomplete)
    food = next(v for v in versions if v.name == "食品经营许可（新办）")
    assert food.place_for(None) is not None
    county = Institution.objects.get(name="苏州高新区政务服务中心")
    town = Institution.objects.get(name="通安镇便民服务中心")
    station = Institution.objects.filter(tier=Institution.Tier.STATION).first()
    assert selectors.offered_items(institution=county, on=today, mode="agency").count() >= 20
    assert selectors.offered_items(institution=town, on=today, mode="help").count() >= 20
    assert selectors.offered_items(institution=station, on=today).count() >= 3
    marriage = next(v for v in versions if v.name == "内地居民结婚登记")
    assert not marriage.allows("agency", 1)  # must be done in person
    assert set(Bundle.objects.values_list("name", flat=True)) == {"我要开餐馆", "新生儿出生一件事"}
    assert Adjustment.objects.filter(status=Adjustment.Status.SUBMITTED).count() == 1
    counts = (
        Item.objects.count(),
        ListingEntry.objects.count(),
        Bundle.objects.count(),
        Adjustment.objects.count(),
    )
    assert load_catalog_demo()["items"] == 0
    assert (
        Item.objects.count(),
        ListingEntry.objects.count(),
        Bundle.objects.count(),
        Adjustment.objects.count(),
    ) == counts
