"""Each public page weighs at most 60 KB compressed, with its stylesheets and scripts (issue 11): the
page's HTML plus every local asset it links, each gzip-compressed as the server sends it."""

import gzip
import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

from bangban.catalog.models import Bundle, BundleItem
from bangban.portal import rules
from bangban.portal.tests.conftest import make_case

pytestmark = pytest.mark.django_db

LIMIT = 60 * 1024
ASSET = re.compile(r'<(?:link[^>]+href|script[^>]+src)="([^"]+)"')


def _gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def page_weight(client, url: str) -> dict[str, int]:
    """{url or asset: compressed bytes} for a page and the local assets it loads."""
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content
    sizes = {url: _gz(html)}
    for href in ASSET.findall(html.decode()):
        assert not href.startswith(("http:", "https:", "//")), f"{url} loads {href} from another site"
        if href.startswith(settings.STATIC_URL):
            path = finders.find(href[len(settings.STATIC_URL) :])
            assert path, href
            with open(path, "rb") as f:
                sizes[href] = _gz(f.read())
        else:
            asset = client.get(href)
            assert asset.status_code == 200, href
            sizes[href] = _gz(asset.content)
    return sizes


@pytest.mark.parametrize("care", [False, True])
def test_every_public_page_is_at_most_60_kb_compressed(org, client, item, care):
    bundle = Bundle.objects.create(name="退休一件事", audience="citizen", description="退休")
    BundleItem.objects.create(bundle=bundle, item=item, position=1)
    case = make_case(org, item)
    if care:
        client.cookies[rules.CARE_COOKIE] = rules.CARE_ON
    urls = [
        "/",
        "/?town=320505101&village=320505101201",
        "/items/",
        f"/items/{item.pk}/",
        "/items/bundles/",
        f"/items/bundles/{bundle.pk}/",
        f"/cases/track/{case.tracking_token}/",
        "/ask/",
        "/help/",
        "/track/",
        "/accessibility/",
    ]
    report = {}
    for url in urls:
        sizes = page_weight(client, url)
        total = sum(sizes.values())
        report[url] = total
        assert len(sizes) >= 4, f"{url} should load its stylesheets and script: {sizes}"
        assert total <= LIMIT, f"{url}: {total} bytes compressed ({sizes})"
    print("compressed bytes per page:", report)


def test_the_weight_counts_what_it_says(org, client):
    sizes = page_weight(client, "/")
    assert set(sizes) >= {"/", "/care/mode.css"} and any(k.endswith("portal.css") for k in sizes)
    assert all(v > 0 for v in sizes.values())
