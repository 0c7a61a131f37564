import datetime

import pytest

from bangban.catalog.models import Item, ItemVersion, ListingEntry
from bangban.core.ids import credit_code_check_char
from bangban.org.models import Institution


def make_item(
    org,
    name,
    *,
    promised=5,
    immediate=False,
    help_tiers="123",
    agency_tiers="123",
    code_seq=1,
    valid_from=datetime.date(2020, 1, 1),
    suspended=False,
):
    """A published catalog item for case tests (the catalog's own services are tested in catalog/)."""
    basic = f"{code_seq:012d}"
    credit = org.department.credit_code
    item = Item.objects.create(
        name=name,
        basic_code=basic,
        implementation_code=f"{credit}1{basic}",
        department=org.department,
        status=Item.Status.ACTIVE,
    )
    ItemVersion.objects.create(
        item=item,
        number=1,
        state=ItemVersion.State.PUBLISHED,
        valid_from=valid_from,
        name=name,
        item_type="01",
        basic_code=basic,
        implementation_code=f"{credit}1{basic}",
        competent_department="区市场监督管理局",
        department=org.department,
        level="3",
        handling_tiers="123",
        help_tiers=help_tiers,
        agency_tiers=agency_tiers,
        statutory_days=max(promised, 20),
        promised_days=promised,
        is_immediate=immediate,
        is_suspended=suspended,
    )
    # Every institution of the test tree lists it, in both modes (the tiers above still decide).
    ListingEntry.objects.bulk_create(
        [
            ListingEntry(institution=i, item=item, offers_help=True, offers_agency=True)
            for i in Institution.objects.all()
        ]
    )
    return item


@pytest.fixture
def items(org):
    return {
        "license": make_item(org, "个体工商户登记", promised=5, code_seq=1),
        "immediate": make_item(org, "残疾人证补办", promised=0, immediate=True, code_seq=2),
        "county_only": make_item(
            org, "建设工程施工许可证核发", promised=7, help_tiers="1", agency_tiers="1", code_seq=3
        ),
    }


assert credit_code_check_char  # the org fixture's department carries a valid GB 32100 code
