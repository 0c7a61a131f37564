import pytest

from bangban.knowledge.tests.factories import CORPUS, make_item, published


@pytest.fixture
def kb_items(org):
    return {
        "sbk": make_item(org, "社会保障卡申领", 101),
        "id": make_item(org, "居民身份证申领", 102),
        "license": make_item(org, "个体工商户设立登记", 103),
    }


@pytest.fixture
def corpus(org, kb_items):
    out = {}
    for key, (title, body) in CORPUS.items():
        items = {"sbk_apply": [kb_items["sbk"]], "id_elderly": [kb_items["id"]]}.get(key, [])
        out[key] = published(org, title, body, items=items)
    return out
