"""Migration 0005 gives the versions already in the catalog their pinyin initials, and puts the
frozen-version guard back (published rows stay frozen, the new column with them)."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from bangban.catalog.models import ItemVersion

BEFORE = [("catalog", "0004_import_batch_review")]


# The migration's Python is under test; the production database runs it.
@pytest.mark.one_database("postgresql")
@pytest.mark.django_db(transaction=True)
def test_existing_versions_get_their_initials_and_stay_frozen(org):
    call_command("migrate", "catalog", BEFORE[0][1], verbosity=0)
    old = MigrationExecutor(connection).loader.project_state(BEFORE).apps
    OldItem, OldVersion = old.get_model("catalog", "Item"), old.get_model("catalog", "ItemVersion")
    code = f"{org.department.credit_code}1000000000001"
    item = OldItem.objects.create(
        name="个体工商户设立登记", basic_code="000000000001", implementation_code=code,
        department_id=org.department.pk, status="active",
    )  # fmt: skip
    OldVersion.objects.create(
        item_id=item.pk, number=1, state="published", valid_from=dt.date(2020, 1, 1), name="个体工商户设立登记",
        item_type="01", basic_code="000000000001", implementation_code=code, competent_department="市场监管",
        department_id=org.department.pk, level="3", help_tiers="123", agency_tiers="123", promised_days=3,
    )  # fmt: skip
    # The guard of 0002 is back in place at 0004 (the reverse of 0005 restored it).
    with pytest.raises(DatabaseError), transaction.atomic():
        OldVersion.objects.filter(item_id=item.pk).update(name="改名")
    call_command("migrate", verbosity=0)

    version = ItemVersion.objects.get(item_id=item.pk)
    assert version.name_initials == "gtgshsldj"
    with pytest.raises(DatabaseError), transaction.atomic():
        ItemVersion.objects.filter(pk=version.pk).update(name_initials="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        ItemVersion.objects.filter(pk=version.pk).update(name="改名")
    ItemVersion.objects.filter(pk=version.pk).update(valid_to=dt.date(2030, 1, 1))  # still allowed
