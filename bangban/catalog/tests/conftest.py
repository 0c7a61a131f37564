import datetime

import pytest

from bangban.accounts.roles import Role
from bangban.catalog import services
from bangban.core.testing import make_user

CREDIT = "91350100M000100Y43"  # the test department's (org fixture) credit code


def item_data(org, **overrides) -> dict:
    """A complete, valid element set (食品经营许可 at county level, implemented by the test department)."""
    data = {
        "name": "食品经营许可（新办）",
        "item_type": "01",
        "basic_code": "000105003001",
        "main_basic_code": "000105003000",
        "main_item_name": "食品经营许可",
        "competent_department": "市场监督管理部门",
        "department": org.department,
        "level": "4",
        "handling_tiers": "12",
        "help_tiers": "123",
        "agency_tiers": "12",
        "statutory_days": 10,
        "promised_days": 5,
        "is_immediate": False,
        "charges_fee": False,
        "channels": ["window", "online"],
        "tags": ["operating_permit"],
        "conditions": "有与经营的食品品种、数量相适应的经营场所。",
        "result_name": "食品经营许可证",
        "legal_bases": [
            {"rank": 4, "title": "《食品经营许可和备案管理办法》", "article": "第二条", "text": ""},
            {
                "rank": 1,
                "title": "《中华人民共和国食品安全法》",
                "article": "第三十五条",
                "text": "国家对食品生产经营实行许可制度。",
            },
        ],
        "materials": [
            {
                "name": "食品经营许可申请书",
                "kind": "original",
                "copies": 1,
                "required": True,
                "source": "applicant",
            },
            {
                "name": "法定代表人授权委托书",
                "kind": "original",
                "copies": 1,
                "required": False,
                "condition": "委托他人办理的",
                "source": "applicant",
            },
            {"name": "营业执照", "kind": "electronic", "copies": 1, "required": True, "source": "shared"},
        ],
    }
    data.update(overrides)
    return data


@pytest.fixture
def cat(org):
    """The org fixture plus a second 事项管理员 (reviewer) and a helper to make published items."""
    org.users["catalog_admin2"] = make_user("catalog_admin2", org.county, [Role.CATALOG_ADMIN])
    return org


@pytest.fixture
def published(cat):
    """A published item (from 2025-01-01, loaded by the platform like the demo data) and its version."""

    def make(**overrides):
        item = services.item_create(by=None, data=item_data(cat, **overrides))
        version = item.versions.get()
        services.item_version_publish(by=None, version=version, valid_from=datetime.date(2025, 1, 1))
        item.refresh_from_db()
        return item

    return make
