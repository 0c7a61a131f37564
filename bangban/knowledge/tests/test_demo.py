"""The demo knowledge (hooked into load_demo): a colloquial query finds the item and the articles."""

import pytest
from django.core.management import call_command

from bangban.knowledge import selectors
from bangban.knowledge.demo import ARTICLES, load_knowledge_demo
from bangban.knowledge.models import Article

pytestmark = pytest.mark.django_db


def test_demo_knowledge_answers_a_colloquial_query_and_is_idempotent():
    call_command("load_demo", verbosity=0)
    assert Article.objects.filter(status="published").count() == len(ARTICLES)
    hits = selectors.search(q="办社保卡").hits
    kinds = {(h.kind, h.title) for h in hits[:3]}
    assert ("item", "社会保障卡申领") in kinds
    assert ("article", "社保卡怎么办？要带什么？") in kinds
    assert load_knowledge_demo() == 0
    assert Article.objects.count() == len(ARTICLES)
