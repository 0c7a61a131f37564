"""The signed-in user's read (accounts.backends.session_user, a compiled-once fast path) gives exactly
what its reference (the ORM's select_related query) gives, field for field, for every kind of user."""

import pytest
from django.contrib.auth import get_user_model

from bangban.accounts.backends import LoginGateBackend, session_user, session_user_reference

pytestmark = pytest.mark.django_db


def _values(obj):
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def test_every_user_reads_as_the_orm_reads_them(org, django_assert_num_queries):
    model = get_user_model()
    without = model.objects.create_user(username="no_institution", full_name="无机构", password="x" * 12)
    assert without.institution_id is None
    users = list(model.objects.all())
    assert len(users) > 5
    for listed in users:
        expected = session_user_reference(listed.pk)
        with django_assert_num_queries(1):
            got = session_user(listed.pk)
            institution = got.institution  # read with the user: no second query
        assert _values(got) == _values(expected)
        if expected.institution is None:
            assert institution is None
        else:
            assert _values(institution) == _values(expected.institution)
        assert got._state.db == expected._state.db and not got._state.adding
    assert session_user(str(users[0].pk)).pk == users[0].pk  # as the session stores it


@pytest.mark.parametrize("given", [0, -1, 10**12, "abc", "", None, "1 OR 1=1"])
def test_no_user_for_a_missing_or_malformed_id(org, given):
    assert session_user(given) is None
    assert LoginGateBackend().get_user(given) is None


def test_an_inactive_user_is_not_signed_in(org):
    user = org.user("town_agent")
    assert LoginGateBackend().get_user(user.pk).pk == user.pk
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    assert LoginGateBackend().get_user(user.pk) is None


def test_a_change_is_seen_by_the_next_read(org):
    user = org.user("town_agent")
    session_user(user.pk)  # compiled and used once
    type(user).objects.filter(pk=user.pk).update(full_name="改名后")
    user.institution.__class__.objects.filter(pk=user.institution_id).update(name="改名后的中心")
    again = session_user(user.pk)
    assert again.full_name == "改名后" and again.institution.name == "改名后的中心"
