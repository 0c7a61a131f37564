"""The article life cycle table (pure), every action from every status."""

import pytest

from bangban.knowledge import workflow as wf

EXPECTED = {
    ("edit", wf.DRAFT): wf.DRAFT,
    ("edit", wf.WITHDRAWN): wf.DRAFT,
    ("submit", wf.DRAFT): wf.SUBMITTED,
    ("return", wf.SUBMITTED): wf.DRAFT,
    ("publish", wf.SUBMITTED): wf.PUBLISHED,
    ("withdraw", wf.PUBLISHED): wf.WITHDRAWN,
}


@pytest.mark.parametrize("action", [*wf.TRANSITIONS, "unknown"])
@pytest.mark.parametrize("status", [*wf.STATUS_LABELS, "bogus"])
def test_every_action_from_every_status(action, status):
    assert wf.target(action, status) == EXPECTED.get((action, status))


def test_the_author_is_never_offered_publication():
    assert wf.allowed_actions(wf.SUBMITTED, is_author=True) == ["return"]
    assert wf.allowed_actions(wf.SUBMITTED, is_author=False) == ["return", "publish"]
    assert wf.allowed_actions(wf.PUBLISHED, is_author=True) == ["withdraw"]
