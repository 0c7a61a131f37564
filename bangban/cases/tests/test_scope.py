"""The case scope (selectors.case_scope_q and its parts) is hand-written SQL, compiled once: it
must select exactly the cases the rule names, which this file states in plain Python over every case,
transfer and joint task, for every kind of user, alone, combined, negated and inside a subquery."""

import pytest

from bangban.accounts.permissions import has_cap
from bangban.accounts.roles import Cap
from bangban.cases import selectors
from bangban.cases.models import Case, JointTask, Transfer
from bangban.cases.tests.test_queue import USERS, cases  # noqa: F401 (the fixture)
from bangban.org.models import Institution
from bangban.org.selectors import scope_root_path


def reference(user) -> set[int]:
    """Who sees which case: (a) the handling institution is under the user's scope root; (b) an
    institution there sent the case away, or has a transfer of it waiting; (c) a liaison's department
    has a joint task on it. No root: nothing; the empty root: everything."""
    root = scope_root_path(user)
    if root is None:
        return set()
    every = set(Case.objects.values_list("pk", flat=True))
    if root == "":
        return every
    under = {i.pk for i in Institution.objects.all() if i.path.startswith(root)}
    seen = set(Case.objects.filter(institution_id__in=under).values_list("pk", flat=True))
    for t in Transfer.objects.all():
        if t.from_institution_id in under or (
            t.state == Transfer.State.PENDING and t.to_institution_id in under
        ):
            seen.add(t.case_id)
    if user.department_id and has_cap(user, Cap.CASE_LIAISON):
        seen |= {t.case_id for t in JointTask.objects.filter(department_id=user.department_id)}
    return seen


def ids(qs) -> set[int]:
    return set(qs.values_list("pk", flat=True))


@pytest.mark.parametrize("who", USERS)
def test_the_scope_selects_what_the_rule_names(org, cases, who):  # noqa: F811
    user = org.user(who)
    expected = reference(user)
    every = ids(Case.objects.all())
    scope = selectors.case_scope_q(user)
    assert ids(Case.objects.filter(scope)) == expected
    assert ids(Case.objects.exclude(scope)) == every - expected
    # Inside a subquery (the case table renamed) and behind joins (select_related, a count).
    assert ids(Case.objects.filter(pk__in=Case.objects.filter(scope).values("pk"))) == expected
    assert Case.objects.filter(scope).select_related("institution", "agent").order_by()[:1000].count() == len(
        expected
    )
    for listed in (False, True):
        parts = selectors.case_scope_parts(user, list_institutions=listed)
        if parts is None:
            assert expected == every
            continue
        got = set()
        for part in parts:
            got |= ids(Case.objects.filter(part))
        assert got == expected


def test_the_rule_is_not_trivial_in_the_fixture(org, cases):  # noqa: F811
    """The comparison above would prove little if every user saw all or nothing: the fixture has
    each way into the scope."""
    station, town2, liaison = (reference(org.user(w)) for w in ("station_agent", "town2_agent", "liaison"))
    transferred = Transfer.objects.filter(state=Transfer.State.PENDING).first()
    assert transferred.case_id in station and transferred.case_id in town2  # sender and receiver
    assert {t.case_id for t in JointTask.objects.all()} <= liaison
    assert len(liaison) < Case.objects.count()


def test_case_get_answers_in_scope_and_refuses_outside(org, cases):  # noqa: F811
    from bangban.core.errors import NotInScope

    user = org.user("station2_agent")
    inside = reference(user)
    for case in Case.objects.all():
        if case.pk in inside:
            assert selectors.case_get(user=user, pk=case.pk).pk == case.pk
        else:
            with pytest.raises(NotInScope):
                selectors.case_get(user=user, pk=case.pk)
